/* sepmsg.c - encoding and exact checking of the parser's records.
 *
 * Layout (offsets in bytes; every record starts with the header):
 *   header   0 magic u16, 2 version u8, 3 type u8, 4 slot u16, 6 reserved u16
 *   packet   0 family u8, 1 proto u8, 2 flags u8, 3 icmp_type u8,
 *            4 icmp_code u8, 5 tcp_flags u8, 6 reserved u16, 8 sport u16,
 *            10 dport u16, 12 ip_len u32, 16 src[16], 32 dst[16]   (48)
 *   READY, CAPERR   8 text[128]
 *   VIOL       8 ts_us u64, 16 packet, 64 vflags u8, 65 reserved[3],
 *              68 indev u32, 72 outdev u32, 76 reserved u32, 80 ts_sec u64,
 *              88 prefix[128]
 *   VIOL_BAD   8 kind u8, 9 err u8, 10 reserved[6]
 *   FRAME      8 ts_us u64, 16 wire_len u32, 20 reserved u32, 24 packet
 *   FRAME_BAD  (the header alone)
 *   STATS      8 drop u64, 16 ifdrop u64
 *   SYNC       (the header alone)
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sepmsg.h"

#define HDR_LEN		8
#define PKT_LEN		48

#define PF_PORTS	0x01
#define PF_ICMP		0x02
#define PF_TCPFLAGS	0x04
#define PF_FIRSTFRAG	0x08
#define PF_ALL		0x0f

#define VF_INDEV	0x01
#define VF_OUTDEV	0x02
#define VF_TS		0x04
#define VF_ALL		0x07

static const size_t rec_len[SEP_TYPE_COUNT] = {
	/* the offsets of the layout above count from the record's start */
	[SEP_READY] = 8 + SEP_TEXT_MAX,
	[SEP_CAPERR] = 8 + SEP_TEXT_MAX,
	[SEP_VIOL] = 88 + NFLOG_PREFIX_MAX,
	[SEP_VIOL_BAD] = 16,
	[SEP_FRAME] = 24 + PKT_LEN,
	[SEP_FRAME_BAD] = HDR_LEN,
	[SEP_STATS] = 24,
	[SEP_SYNC] = HDR_LEN,
};

static const char *const err_names[SEP_ERR_COUNT] = {
	[SEP_OK] = "ok",
	[SEP_ETRUNC] = "truncated",
	[SEP_EMAGIC] = "bad-magic",
	[SEP_ETYPE] = "unknown-type",
	[SEP_ESLOT] = "bad-slot",
	[SEP_ERESERVED] = "reserved-not-zero",
	[SEP_EFIELD] = "bad-field",
	[SEP_ETEXT] = "bad-text",
};

const char *sep_err_name(enum sep_err e)
{
	return (unsigned)e < SEP_ERR_COUNT ? err_names[e] : "?";
}

size_t sep_record_len(enum sep_type t)
{
	return (unsigned)t < SEP_TYPE_COUNT ? rec_len[t] : 0;
}

/* The record is checked to lie inside the datagram before any of these. */
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return false;
	return true;
}

/* put_text - s into a field of n bytes, NUL-padded (cut to n - 1). */
static void put_text(uint8_t *p, size_t n, const char *s)
{
	size_t l = strnlen(s, n - 1);

	memcpy(p, s, l);
}

/* get_text - a NUL-terminated field whose bytes after the NUL are zero;
 * printable: only 0x20..0x7e before it. */
static bool get_text(const uint8_t *p, size_t n, bool printable, char *out)
{
	const uint8_t *nul = memchr(p, 0, n);
	size_t i, l;

	if (nul == NULL)
		return false;
	l = (size_t)(nul - p);
	if (!zero(nul, n - l))
		return false;
	for (i = 0; printable && i < l; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	memcpy(out, p, l + 1);
	return true;
}

static void put_addr(uint8_t *p, const struct addr *a)
{
	addr_to_bytes(a, p);
}

static void put_pkt(uint8_t *p, const struct pkt_info *pi)
{
	p[0] = pi->family;
	p[1] = pi->proto;
	p[2] = (uint8_t)((pi->has_ports ? PF_PORTS : 0) |
			 (pi->has_icmp ? PF_ICMP : 0) |
			 (pi->has_tcp_flags ? PF_TCPFLAGS : 0) |
			 (pi->first_fragment ? PF_FIRSTFRAG : 0));
	p[3] = pi->icmp_type;
	p[4] = pi->icmp_code;
	p[5] = pi->tcp_flags;
	put16(p + 8, pi->sport);
	put16(p + 10, pi->dport);
	put32(p + 12, pi->ip_len);
	put_addr(p + 16, &pi->src);
	put_addr(p + 32, &pi->dst);
}

static bool is_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* get_pkt - a packet description pkt_parse could have returned with
 * PKT_OK, and nothing else. */
static enum sep_err get_pkt(const uint8_t *p, struct pkt_info *pi)
{
	uint8_t fam = p[0], proto = p[1], f = p[2];
	size_t alen;

	if (!zero(p + 6, 2))
		return SEP_ERESERVED;
	if (fam != AF_INET && fam != AF_INET6)
		return SEP_EFIELD;
	alen = fam == AF_INET ? 4 : 16;
	/* IPv4 addresses take the first 4 bytes of their field */
	if (!zero(p + 16 + alen, 16 - alen) || !zero(p + 32 + alen, 16 - alen))
		return SEP_ERESERVED;
	if ((f & ~PF_ALL) != 0 ||
	    !(f & PF_PORTS) != !is_ports(proto) ||
	    !(f & PF_ICMP) != !is_icmp(proto) ||
	    ((f & PF_TCPFLAGS) && proto != IPPROTO_TCP))
		return SEP_EFIELD;
	memset(pi, 0, sizeof(*pi));
	pi->family = fam;
	pi->proto = proto;
	pi->has_ports = f & PF_PORTS;
	pi->has_icmp = f & PF_ICMP;
	pi->has_tcp_flags = f & PF_TCPFLAGS;
	pi->first_fragment = f & PF_FIRSTFRAG;
	pi->icmp_type = p[3];
	pi->icmp_code = p[4];
	pi->tcp_flags = p[5];
	pi->sport = get16(p + 8);
	pi->dport = get16(p + 10);
	pi->ip_len = get32(p + 12);
	if ((!pi->has_icmp && (pi->icmp_type || pi->icmp_code)) ||
	    (!pi->has_tcp_flags && pi->tcp_flags) ||
	    (!pi->has_ports && (pi->sport || pi->dport)))
		return SEP_EFIELD;
	if (fam == AF_INET ? pi->ip_len < 20 || pi->ip_len > 0xffff :
	    pi->ip_len < 40 || pi->ip_len > 40 + 0xffff)
		return SEP_EFIELD;
	addr_from_bytes(fam, p + 16, &pi->src);
	addr_from_bytes(fam, p + 32, &pi->dst);
	return SEP_OK;
}

int sep_encode(const struct sep_msg *m, uint8_t *buf, size_t len, size_t *off)
{
	size_t n = sep_record_len(m->type);
	uint8_t *p;

	if (n == 0 || *off > len || len - *off < n)
		return -1;
	p = buf + *off;
	memset(p, 0, n);
	put16(p, SEP_MAGIC);
	p[2] = SEP_VERSION;
	p[3] = (uint8_t)m->type;
	put16(p + 4, m->slot);
	switch (m->type) {
	case SEP_READY:
	case SEP_CAPERR:
		put_text(p + 8, SEP_TEXT_MAX, m->text);
		break;
	case SEP_VIOL:
		put64(p + 8, m->ts_us);
		put_pkt(p + 16, &m->pi);
		p[64] = (uint8_t)((m->has_indev ? VF_INDEV : 0) |
				  (m->has_outdev ? VF_OUTDEV : 0) |
				  (m->has_ts ? VF_TS : 0));
		put32(p + 68, m->has_indev ? m->indev : 0);
		put32(p + 72, m->has_outdev ? m->outdev : 0);
		put64(p + 80, m->has_ts ? m->ts_sec : 0);
		put_text(p + 88, NFLOG_PREFIX_MAX, m->prefix);
		break;
	case SEP_VIOL_BAD:
		p[8] = m->bad_kind;
		p[9] = m->bad_err;
		break;
	case SEP_FRAME:
		put64(p + 8, m->ts_us);
		put32(p + 16, m->wire_len);
		put_pkt(p + 24, &m->pi);
		break;
	case SEP_FRAME_BAD:
	case SEP_SYNC:
		break;
	case SEP_STATS:
		put64(p + 8, m->drop);
		put64(p + 16, m->ifdrop);
		break;
	default:
		return -1;
	}
	*off += n;
	return 0;
}

static enum sep_err decode_viol(const uint8_t *p, struct sep_msg *m)
{
	uint8_t vf = p[64];
	enum sep_err e;

	if (!zero(p + 65, 3) || !zero(p + 76, 4))
		return SEP_ERESERVED;
	if ((vf & ~VF_ALL) != 0)
		return SEP_EFIELD;
	m->ts_us = get64(p + 8);
	e = get_pkt(p + 16, &m->pi);
	if (e != SEP_OK)
		return e;
	m->has_indev = vf & VF_INDEV;
	m->has_outdev = vf & VF_OUTDEV;
	m->has_ts = vf & VF_TS;
	m->indev = get32(p + 68);
	m->outdev = get32(p + 72);
	m->ts_sec = get64(p + 80);
	if ((!m->has_indev && m->indev) || (!m->has_outdev && m->outdev) ||
	    (!m->has_ts && m->ts_sec))
		return SEP_EFIELD;
	/* any bytes but NUL: a prefix from another table is the kernel's
	 * text, judged by viol_attribute, not by this check */
	if (!get_text(p + 88, NFLOG_PREFIX_MAX, false, m->prefix))
		return SEP_ETEXT;
	return SEP_OK;
}

enum sep_err sep_decode(const uint8_t *buf, size_t len, size_t *off,
			unsigned slots, struct sep_msg *m)
{
	const uint8_t *p;
	size_t n;
	enum sep_err e = SEP_OK;

	if (*off > len || len - *off < HDR_LEN)
		return SEP_ETRUNC;
	p = buf + *off;
	if (get16(p) != SEP_MAGIC || p[2] != SEP_VERSION)
		return SEP_EMAGIC;
	n = sep_record_len((enum sep_type)p[3]);
	if (p[3] == 0 || n == 0)
		return SEP_ETYPE;
	if (len - *off < n)
		return SEP_ETRUNC;
	if (!zero(p + 6, 2))
		return SEP_ERESERVED;
	memset(m, 0, sizeof(*m));
	m->type = (enum sep_type)p[3];
	m->slot = get16(p + 4);
	if (m->slot >= slots || (m->type == SEP_READY && m->slot != 0))
		return SEP_ESLOT;
	switch (m->type) {
	case SEP_READY:
	case SEP_CAPERR:
		if (!get_text(p + 8, SEP_TEXT_MAX, true, m->text))
			e = SEP_ETEXT;
		break;
	case SEP_VIOL:
		e = decode_viol(p, m);
		break;
	case SEP_VIOL_BAD:
		m->bad_kind = p[8];
		m->bad_err = p[9];
		if (!zero(p + 10, 6))
			e = SEP_ERESERVED;
		else if (!(m->bad_kind == SEP_BAD_NFLOG && m->bad_err >= NFLOG_ETRUNC &&
			   m->bad_err <= NFLOG_ENOPREFIX) &&
			 !(m->bad_kind == SEP_BAD_PKT && m->bad_err >= PKT_ETRUNC &&
			   m->bad_err <= PKT_EFAMILY))
			e = SEP_EFIELD;
		break;
	case SEP_FRAME:
		if (!zero(p + 20, 4)) {
			e = SEP_ERESERVED;
			break;
		}
		m->ts_us = get64(p + 8);
		m->wire_len = get32(p + 16);
		e = get_pkt(p + 24, &m->pi);
		break;
	case SEP_FRAME_BAD:
	case SEP_SYNC:
		break;
	case SEP_STATS:
		m->drop = get64(p + 8);
		m->ifdrop = get64(p + 16);
		break;
	default:
		e = SEP_ETYPE;
	}
	if (e == SEP_OK)
		*off += n;
	return e;
}
