/* flow.h - a bounded table of flows, keyed so that a packet and its reply
 * find the same entry. The offline audit fills it from a capture; the
 * daemon can keep its live flows in it.
 *
 * The entries are one array of max entries, allocated (zeroed, so that
 * untouched pages cost nothing on Linux) by flow_table_new; they never
 * move, so an entry's pointer stays valid while its flow lives. The hash
 * buckets start at 4096 and double while the entries outnumber them, up to
 * max rounded up to a power of two: at most log2(max) allocations in the
 * table's life, none per packet (if one fails, chains just grow longer).
 * A new flow takes a free entry; when there is none, the least recently
 * seen flow is evicted. Lookup is one hash (seeded, so that hostile
 * traffic cannot predict the chains) and a short chain walk; every
 * operation is O(1) (amortized, for the doubling) except flow_expire,
 * which is O(number expired).
 *
 * Memory: sizeof(struct flow_entry) is 144 bytes on 64-bit Linux, plus one
 * 4-byte bucket per entry rounded up to a power of two, so at most 152
 * bytes per entry: 40 MB for 262144 flows, 608 MB for FLOW_TABLE_MAX / 4.
 */
#ifndef ZG_FLOW_H
#define ZG_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "pkt.h"
#include "policy.h"

#define FLOW_TABLE_MAX		(1u << 24)	/* entries (2.5 GB) */

/* In an ICMP key, the end that sent the request has this bit set in its
 * port; the low byte is the request type (8 for echo, ...). */
#define FLOW_ICMP_REQUESTER	0x100

/* The two ends of a flow, in a canonical order (the smaller address and
 * port first), so that both directions give one key. For TCP and UDP the
 * ports are the ports; for ICMP and ICMPv6 they say which end asked (see
 * flow_key_make); other protocols have 0. Zero every byte before filling
 * one by hand (flow_key_make does). */
struct flow_key {
	u128		addr[2];
	uint16_t	port[2];
	uint8_t		family;		/* AF_INET, AF_INET6; 0: a free entry */
	uint8_t		proto;
};

enum flow_dir {
	FLOW_FWD = 0,	/* from the initiator */
	FLOW_REV = 1,	/* from the responder: an answer */
};

struct flow_entry {
	struct flow_key	key;
	/* kept by the table */
	uint64_t	packets[2];	/* by enum flow_dir */
	uint64_t	bytes[2];
	uint64_t	first_us, last_us;	/* timestamps, microseconds */
	uint64_t	seq;		/* creation order, from 0 */
	uint32_t	hnext;		/* hash chain: index + 1, 0 = end */
	uint32_t	lru_prev, lru_next;	/* index + 1, 0 = none */
	uint8_t		init;		/* key end (0, 1) that initiated */
	/* the caller's, filled once when the flow is created; the table
	 * zeroes them and never reads them */
	bool		has_verdict;
	uint8_t		icmp_code;
	uint8_t		user;		/* caller's flags */
	struct verdict	verdict;
};

enum flow_gone {
	FLOW_EVICTED,	/* the table was full: the least recently seen */
	FLOW_EXPIRED,	/* idle longer than flow_expire's limit */
};

/* flow_gone_fn - called with an entry about to be reused or freed; the
 * entry is valid only during the call. */
typedef void (*flow_gone_fn)(void *arg, const struct flow_entry *e,
			     enum flow_gone why);

struct flow_table;

/* flow_table_new - a table of at most max entries (1 .. FLOW_TABLE_MAX),
 * hashing with seed; gone (may be NULL) is told of every eviction and
 * expiry. Returns NULL with errno EINVAL or ENOMEM. Caller frees with
 * flow_table_free. */
struct flow_table *flow_table_new(size_t max, uint64_t seed, flow_gone_fn gone,
				  void *arg);

/* flow_table_free - frees t and every entry; NULL is fine. */
void flow_table_free(struct flow_table *t);

/* flow_key_make - the key of pi's flow into *k. Returns the key end (0 or
 * 1) that is pi's source. *reply is set when the packet answers a request
 * (an ICMP echo reply, ...): the other end is then the initiator. */
unsigned flow_key_make(const struct pkt_info *pi, struct flow_key *k,
		       bool *reply);

/* flow_key_eq - true if a and b name the same flow (padding ignored). */
static inline bool flow_key_eq(const struct flow_key *a,
			       const struct flow_key *b)
{
	return a->addr[0] == b->addr[0] && a->addr[1] == b->addr[1] &&
	       a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
	       a->family == b->family && a->proto == b->proto;
}

/* flow_get - the entry of key k, created if there is none (*created set),
 * evicting the least recently seen flow if the table is full; init is the
 * key end that initiates a new flow. Marks the entry as just seen. Never
 * fails. The pointer is valid until the entry is evicted, expired or
 * removed; the table owns it. */
struct flow_entry *flow_get(struct flow_table *t, const struct flow_key *k,
			    unsigned init, uint64_t now_us, bool *created);

/* flow_find - the entry of key k or NULL; changes nothing. */
struct flow_entry *flow_find(const struct flow_table *t,
			     const struct flow_key *k);

/* flow_dir - the direction of a packet whose source is key end src_end. */
static inline enum flow_dir flow_dir(const struct flow_entry *e,
				     unsigned src_end)
{
	return src_end == e->init ? FLOW_FWD : FLOW_REV;
}

/* flow_count - adds one packet of bytes in direction d at now_us. */
static inline void flow_count(struct flow_entry *e, enum flow_dir d,
			      uint64_t bytes, uint64_t now_us)
{
	e->packets[d]++;
	e->bytes[d] += bytes;
	if (now_us > e->last_us)
		e->last_us = now_us;
	if (now_us < e->first_us)
		e->first_us = now_us;
}

/* flow_reverse - makes the responder the initiator (a capture that starts
 * mid-connection); the counters swap with it. */
void flow_reverse(struct flow_entry *e);

/* flow_answered - true if the responder ever sent a packet. */
bool flow_answered(const struct flow_entry *e);

/* flow_endpoints - the initiator's view: source and destination addresses
 * and, for TCP and UDP, ports (0 otherwise). Any pointer may be NULL. */
void flow_endpoints(const struct flow_entry *e, struct addr *src,
		    uint16_t *sport, struct addr *dst, uint16_t *dport);

/* flow_icmp_type - for ICMP and ICMPv6, the initiator's type (the request
 * type of a request/reply pair). */
uint8_t flow_icmp_type(const struct flow_entry *e);

/* flow_policy_flow - the policy engine's view of e's first packet from the
 * initiator; iif NULL and local false (the caller sets them if known). */
void flow_policy_flow(const struct flow_entry *e, struct flow *f);

/* flow_remove - frees e (no flow_gone_fn call). */
void flow_remove(struct flow_table *t, struct flow_entry *e);

/* flow_expire - frees every flow last seen more than idle_us before now_us,
 * least recently seen first, telling gone. Returns the number freed. The
 * walk stops at the first recent flow: entries are in the order they were
 * seen, which is time order when timestamps do not go back. */
size_t flow_expire(struct flow_table *t, uint64_t now_us, uint64_t idle_us);

/* flow_next - iterates the entries in use: NULL gives the first; returns
 * NULL after the last. Order is by slot, not by time (see seq). */
struct flow_entry *flow_next(const struct flow_table *t,
			     const struct flow_entry *prev);

/* flow_table_count, _max - entries in use, and the limit. */
size_t flow_table_count(const struct flow_table *t);
size_t flow_table_max(const struct flow_table *t);

/* flow_table_evictions, _expirations - flows freed for room and by age. */
uint64_t flow_table_evictions(const struct flow_table *t);
uint64_t flow_table_expirations(const struct flow_table *t);

/* flow_is_icmp_error - true for an ICMP error (v4 types 3, 4, 5, 11, 12;
 * v6 types 1-4): it belongs to the flow it reports on and starts none. */
bool flow_icmp_error_type(const struct pkt_info *pi);
static inline bool flow_is_icmp_error(const struct pkt_info *pi)
{
	return pi->has_icmp && flow_icmp_error_type(pi);
}

#endif
