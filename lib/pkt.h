/* pkt.h - bounds-checked parsing of the network and transport headers of a
 * packet that may be truncated, lying or hostile.
 *
 * Every field is read through an accessor that checks it lies inside the
 * captured bytes (as tcpdump's GET_ macros do); a packet that claims more
 * than it has is reported, never read past. Only headers are read: the
 * payload is never looked at, copied or returned.
 */
#ifndef ZG_PKT_H
#define ZG_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum pkt_err {
	PKT_OK,
	PKT_ETRUNC,	/* a needed header lies beyond the captured bytes */
	PKT_EVERSION,	/* not IPv4 or IPv6 */
	PKT_EHDRLEN,	/* IPv4 header length below 20 or above the packet */
	PKT_ELEN,	/* total/payload length smaller than the headers */
	PKT_EEXTHDR,	/* IPv6 extension headers ending early or too many */
	PKT_EFRAG,	/* a non-first fragment: no transport header */
	PKT_EFAMILY,	/* header family differs from the one announced */
};

#define PKT_EXTHDR_MAX	16	/* IPv6 extension headers walked at most */

struct pkt_info {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	struct addr	src, dst;
	uint8_t		proto;		/* transport protocol after ext headers */
	bool		has_ports;	/* TCP, UDP (and the header was there) */
	uint16_t	sport, dport;
	bool		has_icmp;	/* ICMP, ICMPv6 */
	uint8_t		icmp_type, icmp_code;
	uint8_t		tcp_flags;	/* when the flags byte was captured */
	bool		has_tcp_flags;
	bool		first_fragment;	/* offset 0 with more fragments */
	uint32_t	ip_len;		/* length the IP header claims */
};

/* pkt_parse - parses the IP packet in p[0..caplen). family is the one the
 * capture announced (AF_UNSPEC: take the version nibble). Fills *out on
 * PKT_OK; on error *out holds what was read before the problem. */
enum pkt_err pkt_parse(const uint8_t *p, size_t caplen, int family,
		       struct pkt_info *out);

/* pkt_err_name - "truncated", "bad-version", ... for status counters. */
const char *pkt_err_name(enum pkt_err e);

/* pkt_proto_name - "tcp", "udp", "icmp", "icmpv6", or the number as text
 * into buf (of at least 4 bytes). */
const char *pkt_proto_name(uint8_t proto, char *buf);

#endif
