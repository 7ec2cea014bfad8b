/* pkt.c - IPv4/IPv6 header parsing through bounds-checked accessors. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"

/* A view of captured bytes; every read goes through the rd_ accessors. */
struct view {
	const uint8_t	*p;
	size_t		len;
};

static bool rd_u8(const struct view *v, size_t off, uint8_t *out)
{
	if (off >= v->len)
		return false;
	*out = v->p[off];
	return true;
}

static bool rd_u16(const struct view *v, size_t off, uint16_t *out)
{
	if (off > v->len || v->len - off < 2)
		return false;
	*out = (uint16_t)(v->p[off] << 8 | v->p[off + 1]);
	return true;
}

static bool rd_bytes(const struct view *v, size_t off, size_t n, const uint8_t **out)
{
	if (off > v->len || v->len - off < n)
		return false;
	*out = v->p + off;
	return true;
}

static const char *const err_names[] = {
	[PKT_OK] = "ok",
	[PKT_ETRUNC] = "truncated",
	[PKT_EVERSION] = "bad-version",
	[PKT_EHDRLEN] = "bad-header-length",
	[PKT_ELEN] = "bad-length",
	[PKT_EEXTHDR] = "bad-extension-headers",
	[PKT_EFRAG] = "fragment-without-transport",
	[PKT_EFAMILY] = "family-mismatch",
};

const char *pkt_err_name(enum pkt_err e)
{
	return err_names[e];
}

const char *pkt_proto_name(uint8_t proto, char *buf)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, 4, "%u", proto);
	return buf;
}

/* be16 - a big-endian 16-bit field at b; only on bytes an accessor has
 * already checked. */
static inline uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* transport - the ports or ICMP type/code at off. */
static enum pkt_err transport(const struct view *v, size_t off,
			      struct pkt_info *pi)
{
	const uint8_t *t;

	switch (pi->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (!rd_bytes(v, off, 4, &t))
			return PKT_ETRUNC;
		pi->sport = be16(t);
		pi->dport = be16(t + 2);
		pi->has_ports = true;
		if (pi->proto == IPPROTO_TCP && rd_u8(v, off + 13, &pi->tcp_flags))
			pi->has_tcp_flags = true;
		return PKT_OK;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!rd_bytes(v, off, 2, &t))
			return PKT_ETRUNC;
		pi->icmp_type = t[0];
		pi->icmp_code = t[1];
		pi->has_icmp = true;
		return PKT_OK;
	}
	return PKT_OK;	/* another protocol: addresses only */
}

static enum pkt_err parse4(const struct view *v, struct pkt_info *pi)
{
	const uint8_t *h;
	uint16_t tot, frag;
	size_t ihl;

	/* the fixed header at once: one check, then its fields */
	if (!rd_bytes(v, 0, 20, &h))
		return PKT_ETRUNC;
	ihl = (size_t)(h[0] & 0x0f) * 4;
	tot = be16(h + 2);
	frag = be16(h + 6);
	if (ihl < 20)
		return PKT_EHDRLEN;
	addr_from_bytes(AF_INET, h + 12, &pi->src);
	addr_from_bytes(AF_INET, h + 16, &pi->dst);
	pi->family = AF_INET;
	pi->proto = h[9];
	pi->ip_len = tot;
	if (tot < ihl)
		return PKT_ELEN;
	if (ihl > v->len)
		return PKT_ETRUNC;
	if ((frag & 0x1fff) != 0)
		return PKT_EFRAG;
	pi->first_fragment = (frag & 0x2000) != 0;
	return transport(v, ihl, pi);
}

static bool is_exthdr(uint8_t nh)
{
	switch (nh) {
	case 0:		/* hop-by-hop options */
	case 43:	/* routing */
	case 44:	/* fragment */
	case 51:	/* authentication header */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* host identity protocol */
	case 140:	/* shim6 */
		return true;
	}
	return false;
}

static enum pkt_err parse6(const struct view *v, struct pkt_info *pi)
{
	const uint8_t *a;
	uint16_t plen, frag;
	uint8_t vtc, nh, hlen;
	size_t off = 40;
	int n;

	if (!rd_bytes(v, 0, 40, &a))
		return PKT_ETRUNC;
	plen = be16(a + 4);
	nh = a[6];
	addr_from_bytes(AF_INET6, a + 8, &pi->src);
	addr_from_bytes(AF_INET6, a + 24, &pi->dst);
	pi->family = AF_INET6;
	pi->ip_len = 40u + plen;
	for (n = 0; is_exthdr(nh); n++) {
		if (n == PKT_EXTHDR_MAX)
			return PKT_EEXTHDR;
		/* the header's own length must fit the claimed payload */
		if (off + 8 > pi->ip_len)
			return PKT_EEXTHDR;
		if (nh == 44) {
			if (!rd_u16(v, off + 2, &frag))
				return PKT_ETRUNC;
			if ((frag & 0xfff8) != 0) {
				pi->proto = 44;
				return PKT_EFRAG;
			}
			pi->first_fragment = (frag & 1) != 0;
			if (!rd_u8(v, off, &nh))
				return PKT_ETRUNC;
			off += 8;
			continue;
		}
		if (!rd_u8(v, off, &vtc) || !rd_u8(v, off + 1, &hlen))
			return PKT_ETRUNC;
		off += nh == 51 ? ((size_t)hlen + 2) * 4 : ((size_t)hlen + 1) * 8;
		nh = vtc;
		if (off > pi->ip_len)
			return PKT_EEXTHDR;
	}
	pi->proto = nh;
	if (nh == 59)	/* no next header */
		return PKT_OK;
	return transport(v, off, pi);
}

enum pkt_err pkt_parse(const uint8_t *p, size_t caplen, int family,
		       struct pkt_info *out)
{
	struct view v = { .p = p, .len = caplen };
	uint8_t ver;

	/* field by field: a memset of the whole struct costs more than the
	 * parse of a common packet */
	out->family = 0;
	out->src.family = out->dst.family = 0;
	out->src.v = out->dst.v = 0;
	out->proto = 0;
	out->has_ports = out->has_icmp = out->has_tcp_flags = false;
	out->sport = out->dport = 0;
	out->icmp_type = out->icmp_code = out->tcp_flags = 0;
	out->first_fragment = false;
	out->ip_len = 0;
	if (!rd_u8(&v, 0, &ver))
		return PKT_ETRUNC;
	ver >>= 4;
	if (ver != 4 && ver != 6)
		return PKT_EVERSION;
	if (family == AF_INET && ver != 4)
		return PKT_EFAMILY;
	if (family == AF_INET6 && ver != 6)
		return PKT_EFAMILY;
	return ver == 4 ? parse4(&v, out) : parse6(&v, out);
}
