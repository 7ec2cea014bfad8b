/* policy.c - flow to verdict.
 *
 * Order of the checks, the same as the kernel's chains:
 *   1. source zone by longest prefix; none: unknown-zone
 *   2. the source zone lists interfaces and the packet came in on another:
 *      spoof
 *   3. destination zone (the gateway for local traffic); none: unknown-zone
 *   4. same zone: the zone's intra setting
 *   5. policy entries of the zone pair: an explicit drop wins over a reject,
 *      a reject over an accept (an explicit deny is never overridden by a
 *      broader allow); within one action the first entry in the file is
 *      reported
 *   6. nothing matched: denied (drop), reason policy
 * Before all of them (as the kernel's "ct state invalid drop"): an ICMP type
 * that cannot start a flow is dropped, reason invalid.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

static const char *const reason_names[] = {
	[REASON_PERMIT] = "permit",
	[REASON_INTRA] = "intra",
	[REASON_POLICY] = "policy",
	[REASON_SPOOF] = "spoof",
	[REASON_UNKNOWN_ZONE] = "unknown-zone",
	[REASON_REJECT] = "reject",
	[REASON_DROP] = "drop",
	[REASON_INPUT_OPEN] = "input-open",
	[REASON_INVALID] = "invalid",
};

bool policy_icmp_starts_flow(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP)
		return type == 8 || type == 13 || type == 15 || type == 17;
	if (proto == IPPROTO_ICMPV6)
		return type == 128 || type == 139 ||
		       (type >= 130 && type <= 136) || type == 143;
	return true;
}

const char *policy_reason_name(enum reason r)
{
	return reason_names[r];
}

int policy_zone_of(const struct model *m, const struct addr *a)
{
	int32_t z = lpm_lookup(m->zone_lpm, a);

	return z == LPM_NONE ? ZONE_UNKNOWN : (int)z;
}

int policy_iface_zone(const struct model *m, const char *name)
{
	size_t i, k;

	for (i = 0; i < m->n_zones; i++)
		for (k = 0; k < m->zones[i].n_ifaces; k++)
			if (strcmp(m->zones[i].ifaces[k], name) == 0)
				return (int)i;
	return ZONE_UNKNOWN;
}

static bool iface_in_zone(const struct zone *z, const char *name)
{
	size_t k;

	for (k = 0; k < z->n_ifaces; k++)
		if (strcmp(z->ifaces[k], name) == 0)
			return true;
	return false;
}

static bool hosts_match(const struct prefix *h, size_t n, const struct addr *a)
{
	size_t i;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
		if (prefix_contains(&h[i], a))
			return true;
	return false;
}

static bool item_matches(const struct svc_item *it, const struct flow *f)
{
	switch (it->proto) {
	case SVC_TCP:
		return f->proto == IPPROTO_TCP && f->dport >= it->ports.lo &&
		       f->dport <= it->ports.hi;
	case SVC_UDP:
		return f->proto == IPPROTO_UDP && f->dport >= it->ports.lo &&
		       f->dport <= it->ports.hi;
	case SVC_ICMP:
		if (f->src.family == AF_INET)
			return f->proto == IPPROTO_ICMP &&
			       f->icmp_type == ICMP_ECHO_REQUEST;
		return f->proto == IPPROTO_ICMPV6 &&
		       f->icmp_type == ICMP6_ECHO_REQUEST;
	}
	return false;
}

bool policy_entry_matches(const struct policy *p, const struct flow *f)
{
	size_t i;

	if (!hosts_match(p->from_hosts, p->n_from_hosts, &f->src) ||
	    !hosts_match(p->to_hosts, p->n_to_hosts, &f->dst))
		return false;
	for (i = 0; i < p->n_items; i++)
		if (item_matches(&p->items[i], f))
			return true;
	return false;
}

/* consider - p replaces best if it matches and wins: a stronger action,
 * or the same action earlier in the file. */
static void consider(const struct policy *p, const struct flow *f,
		     const struct policy **best)
{
	const struct policy *b = *best;

	if (b != NULL && (p->action < b->action ||
			  (p->action == b->action && p > b)))
		return;
	if (policy_entry_matches(p, f))
		*best = p;
}

static void decide_pair(const struct model *m, const struct flow *f,
			struct verdict *v)
{
	size_t pair = model_pair(m, v->src_zone, v->dst_zone), i;
	const struct policy *best = NULL;

	for (i = m->gen_first[pair]; i < m->gen_first[pair + 1]; i++)
		consider(&m->policies[m->gen_pol[i]], f, &best);
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		uint64_t key = model_port_key(pair, f->proto == IPPROTO_TCP,
					      f->dport);
		size_t lo = 0, hi = m->n_port;

		while (lo < hi) {	/* the first of the key */
			size_t mid = lo + (hi - lo) / 2;

			if (m->port_key[mid] < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo; i < m->n_port && m->port_key[i] == key; i++)
			consider(&m->policies[m->port_pol[i]], f, &best);
	}
	v->entry = best;
	if (best == NULL) {
		v->action = ACTION_DROP;
		v->reason = REASON_POLICY;
		return;
	}
	v->action = best->action;
	v->reason = best->action == ACTION_ACCEPT ? REASON_PERMIT :
		    best->action == ACTION_REJECT ? REASON_REJECT : REASON_DROP;
}

void policy_decide(const struct model *m, const struct flow *f,
		   struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = ACTION_DROP;
	v->src_zone = policy_zone_of(m, &f->src);
	v->dst_zone = f->local ? ZONE_GATEWAY : policy_zone_of(m, &f->dst);
	if (f->local && !m->uses_gateway) {
		v->action = ACTION_ACCEPT;
		v->reason = REASON_INPUT_OPEN;
		return;
	}
	if ((f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) &&
	    !policy_icmp_starts_flow(f->proto, f->icmp_type)) {
		v->reason = REASON_INVALID;
		return;
	}
	if (v->src_zone == ZONE_UNKNOWN) {
		v->reason = REASON_UNKNOWN_ZONE;
		return;
	}
	if (f->iif != NULL && m->zones[v->src_zone].n_ifaces > 0 &&
	    !iface_in_zone(&m->zones[v->src_zone], f->iif)) {
		v->reason = REASON_SPOOF;
		return;
	}
	if (v->dst_zone == ZONE_UNKNOWN) {
		v->reason = REASON_UNKNOWN_ZONE;
		return;
	}
	if (v->src_zone == v->dst_zone) {
		v->reason = REASON_INTRA;
		v->action = m->zones[v->src_zone].intra == INTRA_ACCEPT ?
			    ACTION_ACCEPT : ACTION_DROP;
		return;
	}
	decide_pair(m, f, v);
}
