/* link.h - the IP packet inside a captured frame, for the link types a
 * capture of a zone gateway comes in: Ethernet (with up to two VLAN tags),
 * Linux cooked (SLL, SLL2), raw IP and NFLOG.
 *
 * Every header field is read only after checking that it lies inside the
 * captured bytes; a frame that is cut short or claims more than it holds is
 * reported, never read past. The result points into the frame: nothing is
 * copied and nothing is allocated.
 */
#ifndef ZG_LINK_H
#define ZG_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The DLT_ values of <pcap/dlt.h>, so that lib/ needs no libpcap header.
 * libpcap maps the file's LINKTYPE_RAW (101) to DLT_RAW, which is 12 on
 * Linux and 14 on OpenBSD; both are read as raw IP. */
#define LINK_DLT_EN10MB		1
#define LINK_DLT_RAW		12
#define LINK_DLT_RAW_OPENBSD	14
#define LINK_DLT_LINUX_SLL	113
#define LINK_DLT_IPV4		228
#define LINK_DLT_IPV6		229
#define LINK_DLT_NFLOG		239
#define LINK_DLT_LINUX_SLL2	276

#define LINK_VLAN_MAX		2	/* 802.1Q/802.1ad tags walked at most */

enum link_err {
	LINK_OK,
	LINK_ETRUNC,	/* the link-layer header is cut short */
	LINK_EDLT,	/* a link type zonegate does not read */
	LINK_ENOTIP,	/* no IPv4/IPv6 inside (ARP, LLDP, > 2 VLAN tags, ...) */
	LINK_ENFLOG,	/* a damaged NFLOG record (bad version, TLV, no payload) */
	LINK_ERR_COUNT
};

struct link_pkt {
	const uint8_t	*ip;		/* the IP packet, inside the frame */
	size_t		len;		/* its captured bytes */
	int		family;		/* AF_INET, AF_INET6; AF_UNSPEC: take
					 * the version nibble (raw IP) */
	bool		has_ifindex;	/* SLL2, NFLOG (input device) */
	uint32_t	ifindex;
	size_t		hdrlen;		/* bytes before the IP packet */
};

/* link_decap - finds the IP packet in the frame p[0..caplen) of link type
 * dlt. Fills *out on LINK_OK (pointers into p); on error *out is zeroed. */
enum link_err link_decap(int dlt, const uint8_t *p, size_t caplen,
			 struct link_pkt *out);

/* link_supported - true if link_decap reads link type dlt. */
bool link_supported(int dlt);

/* link_err_name - "truncated", "unsupported-link-type", "not-ip", ... */
const char *link_err_name(enum link_err e);

#endif
