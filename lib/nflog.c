/* nflog.c - NFLOG pseudo-header and TLVs. */
#include <string.h>

#include "nflog.h"

/* TLV types, from the kernel's enum nfulnl_attr_type */
enum {
	NFULA_PACKET_HDR = 1,
	NFULA_TIMESTAMP = 3,
	NFULA_IFINDEX_INDEV = 4,
	NFULA_IFINDEX_OUTDEV = 5,
	NFULA_PAYLOAD = 9,
	NFULA_PREFIX = 10,
};

static const char *const err_names[] = {
	[NFLOG_OK] = "ok",
	[NFLOG_ETRUNC] = "truncated",
	[NFLOG_EVERSION] = "bad-version",
	[NFLOG_ETLV] = "bad-tlv",
	[NFLOG_ENOPAYLOAD] = "no-payload",
	[NFLOG_ENOPREFIX] = "no-prefix",
};

const char *nflog_err_name(enum nflog_err e)
{
	return err_names[e];
}

static uint16_t host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t net32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t net64(const uint8_t *p)
{
	return (uint64_t)net32(p) << 32 | net32(p + 4);
}

/* tlv - one attribute of value v[0..n). */
static enum nflog_err tlv(uint16_t type, const uint8_t *v, size_t n,
			  struct nflog_rec *r)
{
	switch (type) {
	case NFULA_PREFIX:
		/* must be a C string inside the TLV, of bounded length */
		if (n == 0 || n > NFLOG_PREFIX_MAX || memchr(v, '\0', n) == NULL)
			return NFLOG_ENOPREFIX;
		r->prefix = (const char *)v;
		break;
	case NFULA_IFINDEX_INDEV:
		if (n < 4)
			return NFLOG_ETLV;
		r->indev = net32(v);
		r->has_indev = true;
		break;
	case NFULA_IFINDEX_OUTDEV:
		if (n < 4)
			return NFLOG_ETLV;
		r->outdev = net32(v);
		r->has_outdev = true;
		break;
	case NFULA_TIMESTAMP:
		if (n < 16)
			return NFLOG_ETLV;
		r->ts_sec = net64(v);
		r->ts_usec = net64(v + 8);
		r->has_ts = true;
		break;
	case NFULA_PAYLOAD:
		r->payload = v;
		r->payload_len = n;
		break;
	}
	return NFLOG_OK;
}

enum nflog_err nflog_parse(const uint8_t *p, size_t caplen, struct nflog_rec *r)
{
	size_t off = 4;

	memset(r, 0, sizeof(*r));
	if (caplen < 4)
		return NFLOG_ETRUNC;
	r->family = p[0];
	if (p[1] != 0)
		return NFLOG_EVERSION;
	r->group = (uint16_t)(p[2] << 8 | p[3]);
	while (off < caplen) {
		uint16_t len, type;
		enum nflog_err e;

		if (caplen - off < 4)
			return NFLOG_ETRUNC;
		len = host16(p + off);
		type = host16(p + off + 2) & 0x3fff;	/* strip the NLA_F_ flags */
		if (len < 4)
			return NFLOG_ETLV;
		if (len > caplen - off)
			return NFLOG_ETRUNC;
		e = tlv(type, p + off + 4, (size_t)len - 4, r);
		if (e != NFLOG_OK)
			return e;
		/* padded to 4 bytes; the padding may be cut at the end */
		off += ((size_t)len + 3) & ~(size_t)3;
	}
	if (r->payload == NULL)
		return NFLOG_ENOPAYLOAD;
	if (r->prefix == NULL)
		return NFLOG_ENOPREFIX;
	return NFLOG_OK;
}
