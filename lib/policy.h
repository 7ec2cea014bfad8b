/* policy.h - the verdict engine: which zones a flow connects and whether the
 * policy permits it.
 *
 * This is the one definition of zonegate's semantics. `zonegatectl explain`,
 * the audit of captures and the attribution of violations call it; the kernel
 * ruleset is compiled to behave exactly the same (the namespace tests compare
 * them flow by flow).
 */
#ifndef ZG_POLICY_H
#define ZG_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "model.h"

#define ICMP_ECHO_REQUEST	8
#define ICMP6_ECHO_REQUEST	128

/* A new flow as the gateway sees its first packet. */
struct flow {
	uint8_t		proto;		/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	struct addr	src;
	struct addr	dst;		/* same family as src */
	uint16_t	sport;		/* informational */
	uint16_t	dport;		/* TCP and UDP */
	uint8_t		icmp_type;	/* ICMP and ICMPv6 */
	const char	*iif;		/* input interface; NULL: not known */
	bool		local;		/* addressed to the gateway itself */
};

/* Why a verdict was reached; the names are the log's reason= values. */
enum reason {
	REASON_PERMIT,		/* a policy entry accepts it */
	REASON_INTRA,		/* both ends in one zone: its intra setting */
	REASON_POLICY,		/* no policy entry permits it */
	REASON_SPOOF,		/* source address arrived on another zone's side */
	REASON_UNKNOWN_ZONE,	/* an address in no zone */
	REASON_REJECT,		/* a policy entry with action = "reject" */
	REASON_DROP,		/* a policy entry with action = "drop" */
	REASON_INPUT_OPEN,	/* to the gateway, which no policy restricts */
	REASON_INVALID,		/* an ICMP type that starts no flow: only as an
				 * answer to a permitted flow does it pass */
};

struct verdict {
	enum action		action;
	enum reason		reason;
	int			src_zone;	/* zone index, ZONE_UNKNOWN */
	int			dst_zone;	/* also ZONE_GATEWAY */
	const struct policy	*entry;		/* deciding entry, or NULL */
};

/* policy_decide - the verdict for f under m. Never fails. */
void policy_decide(const struct model *m, const struct flow *f,
		   struct verdict *v);

/* policy_icmp_starts_flow - true if an ICMP/ICMPv6 packet of this type can
 * be the first of a flow (conntrack: IPv4 echo, timestamp, information and
 * address mask requests; IPv6 echo request and node information query; the
 * untracked IPv6 neighbour discovery and MLD types 130-136 and 143). Any
 * other type is an answer or an error: conntrack finds it invalid unless it
 * belongs to a flow, and the ruleset drops it before any zone is looked at. */
bool policy_icmp_starts_flow(uint8_t proto, uint8_t type);

/* policy_reason_name - "permit", "intra", "policy", "spoof", ... */
const char *policy_reason_name(enum reason r);

/* policy_entry_matches - true if entry p admits f (zones not checked). */
bool policy_entry_matches(const struct policy *p, const struct flow *f);

/* policy_zone_of - zone index of a by longest-prefix match. */
int policy_zone_of(const struct model *m, const struct addr *a);

/* policy_iface_zone - the zone that lists interface name, or ZONE_UNKNOWN. */
int policy_iface_zone(const struct model *m, const char *name);

#endif
