/* link.c - link-layer headers, through bounds-checked accessors. */
#include <string.h>
#include <sys/socket.h>

#include "link.h"
#include "nflog.h"

#define ETH_HLEN	14
#define SLL_HLEN	16
#define SLL2_HLEN	20

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd

static const char *const err_names[] = {
	[LINK_OK] = "ok",
	[LINK_ETRUNC] = "truncated",
	[LINK_EDLT] = "unsupported-link-type",
	[LINK_ENOTIP] = "not-ip",
	[LINK_ENFLOG] = "bad-nflog",
};

const char *link_err_name(enum link_err e)
{
	return (unsigned)e < LINK_ERR_COUNT ? err_names[e] : "?";
}

/* A view of the captured frame; every read goes through the rd_ accessors. */
struct view {
	const uint8_t	*p;
	size_t		len;
};

static bool rd_u16(const struct view *v, size_t off, uint16_t *out)
{
	if (off > v->len || v->len - off < 2)
		return false;
	*out = (uint16_t)(v->p[off] << 8 | v->p[off + 1]);
	return true;
}

static bool rd_u32(const struct view *v, size_t off, uint32_t *out)
{
	if (off > v->len || v->len - off < 4)
		return false;
	*out = (uint32_t)v->p[off] << 24 | (uint32_t)v->p[off + 1] << 16 |
	       (uint32_t)v->p[off + 2] << 8 | v->p[off + 3];
	return true;
}

/* payload - the IP packet from off to the end of the view. */
static enum link_err payload(const struct view *v, size_t off, int family,
			     struct link_pkt *out)
{
	if (off > v->len)
		return LINK_ETRUNC;
	out->ip = v->p + off;
	out->len = v->len - off;
	out->hdrlen = off;
	out->family = family;
	return LINK_OK;
}

static bool is_vlan_tpid(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/* ethertype - type, found just before off, names the payload at off; walks
 * up to LINK_VLAN_MAX tags (4 bytes each: TCI, inner type). */
static enum link_err ethertype(const struct view *v, uint16_t type, size_t off,
			       struct link_pkt *out)
{
	int tags;

	for (tags = 0; is_vlan_tpid(type); tags++) {
		if (tags == LINK_VLAN_MAX)
			return LINK_ENOTIP;
		if (!rd_u16(v, off + 2, &type))
			return LINK_ETRUNC;
		off += 4;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return payload(v, off, AF_INET, out);
	case ETHERTYPE_IPV6:
		return payload(v, off, AF_INET6, out);
	}
	return LINK_ENOTIP;
}

static enum link_err decap_ether(const struct view *v, struct link_pkt *out)
{
	uint16_t type;

	if (!rd_u16(v, 12, &type))
		return LINK_ETRUNC;
	return ethertype(v, type, ETH_HLEN, out);
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes,
 * protocol (an ethertype). */
static enum link_err decap_sll(const struct view *v, struct link_pkt *out)
{
	uint16_t type;

	if (v->len < SLL_HLEN || !rd_u16(v, 14, &type))
		return LINK_ETRUNC;
	return ethertype(v, type, SLL_HLEN, out);
}

/* Linux cooked v2: protocol, reserved, interface index, ARPHRD, packet
 * type, address length, 8 address bytes. */
static enum link_err decap_sll2(const struct view *v, struct link_pkt *out)
{
	uint16_t type;
	uint32_t ifindex;

	if (v->len < SLL2_HLEN || !rd_u16(v, 0, &type) ||
	    !rd_u32(v, 4, &ifindex))
		return LINK_ETRUNC;
	out->has_ifindex = true;
	out->ifindex = ifindex;
	return ethertype(v, type, SLL2_HLEN, out);
}

static enum link_err decap_raw(const struct view *v, struct link_pkt *out)
{
	if (v->len == 0)
		return LINK_ETRUNC;
	return payload(v, 0, AF_UNSPEC, out);
}

static enum link_err decap_ipv4(const struct view *v, struct link_pkt *out)
{
	if (v->len == 0)
		return LINK_ETRUNC;
	return payload(v, 0, AF_INET, out);
}

static enum link_err decap_ipv6(const struct view *v, struct link_pkt *out)
{
	if (v->len == 0)
		return LINK_ETRUNC;
	return payload(v, 0, AF_INET6, out);
}

/* NFLOG: the packet is a TLV of the record; nflog_parse checks them all. A
 * record without a prefix still carries a packet (a group that zonegate
 * does not log to), so only the payload is required. */
static enum link_err decap_nflog(const struct view *v, struct link_pkt *out)
{
	struct nflog_rec r;
	enum nflog_err e = nflog_parse(v->p, v->len, &r);

	if (e == NFLOG_ETRUNC)
		return LINK_ETRUNC;
	if (e != NFLOG_OK && !(e == NFLOG_ENOPREFIX && r.payload != NULL))
		return LINK_ENFLOG;
	if (r.family != AF_INET && r.family != AF_INET6)
		return LINK_ENOTIP;
	out->ip = r.payload;
	out->len = r.payload_len;
	out->hdrlen = (size_t)(r.payload - v->p);
	out->family = r.family;
	out->has_ifindex = r.has_indev;
	out->ifindex = r.indev;
	return LINK_OK;
}

bool link_supported(int dlt)
{
	switch (dlt) {
	case LINK_DLT_EN10MB:
	case LINK_DLT_RAW:
	case LINK_DLT_RAW_OPENBSD:
	case LINK_DLT_LINUX_SLL:
	case LINK_DLT_IPV4:
	case LINK_DLT_IPV6:
	case LINK_DLT_NFLOG:
	case LINK_DLT_LINUX_SLL2:
		return true;
	}
	return false;
}

static enum link_err decap(int dlt, const struct view *v, struct link_pkt *out)
{
	switch (dlt) {
	case LINK_DLT_EN10MB:
		return decap_ether(v, out);
	case LINK_DLT_RAW:
	case LINK_DLT_RAW_OPENBSD:
		return decap_raw(v, out);
	case LINK_DLT_LINUX_SLL:
		return decap_sll(v, out);
	case LINK_DLT_IPV4:
		return decap_ipv4(v, out);
	case LINK_DLT_IPV6:
		return decap_ipv6(v, out);
	case LINK_DLT_NFLOG:
		return decap_nflog(v, out);
	case LINK_DLT_LINUX_SLL2:
		return decap_sll2(v, out);
	}
	return LINK_EDLT;
}

enum link_err link_decap(int dlt, const uint8_t *p, size_t caplen,
			 struct link_pkt *out)
{
	struct view v = { .p = p, .len = p ? caplen : 0 };
	enum link_err e;

	*out = (struct link_pkt){ .ip = NULL };
	e = decap(dlt, &v, out);
	if (e != LINK_OK)
		*out = (struct link_pkt){ .ip = NULL };
	return e;
}
