/* flow.c - the flow table: a chained hash over a preallocated entry array,
 * with a least-recently-seen list for eviction and expiry.
 *
 * Entries are linked by index + 1 (0 = none), so the whole table is two
 * arrays and a handful of counters, and a zeroed array is a valid one.
 * The entry array is allocated once and never moves; the bucket array
 * starts small and doubles while the table fills (at most log2(max) times
 * in its life, the entries staying where they are), so that a table sized
 * for the worst case costs cache and page faults only for the flows it
 * holds.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow.h"

struct flow_table {
	struct flow_entry	*e;		/* max entries */
	uint32_t		*bucket;	/* nbucket heads, index + 1 */
	uint32_t		mask;		/* nbucket - 1 */
	uint32_t		mask_max;	/* the last size: max rounded up */
	bool			stuck;		/* a doubling failed: stay */
	uint32_t		max;
	uint32_t		used;		/* entries in use */
	uint32_t		fresh;		/* e[fresh..] never used */
	uint32_t		free_list;	/* freed entries, via hnext */
	uint32_t		lru_head;	/* most recently seen */
	uint32_t		lru_tail;	/* least recently seen */
	uint64_t		seed;
	uint64_t		seq;
	uint64_t		evictions;
	uint64_t		expirations;
	flow_gone_fn		gone;
	void			*arg;
};

/* Request/reply pairs of ICMP: the reply belongs to the request's flow. */
static const struct {
	uint8_t	proto;
	uint8_t	request;
	uint8_t	reply;
} icmp_pairs[] = {
	{ IPPROTO_ICMP, 8, 0 },		/* echo */
	{ IPPROTO_ICMP, 13, 14 },	/* timestamp */
	{ IPPROTO_ICMP, 15, 16 },	/* information */
	{ IPPROTO_ICMP, 17, 18 },	/* address mask */
	{ IPPROTO_ICMPV6, 128, 129 },	/* echo */
	{ IPPROTO_ICMPV6, 139, 140 },	/* node information */
};

/* ICMP errors, which report on another flow. */
static const struct {
	uint8_t	proto;
	uint8_t	lo, hi;
} icmp_errors[] = {
	{ IPPROTO_ICMP, 3, 5 },		/* unreachable, source quench, redirect */
	{ IPPROTO_ICMP, 11, 12 },	/* time exceeded, parameter problem */
	{ IPPROTO_ICMPV6, 1, 4 },	/* unreachable, too big, time, param */
};

#define N_ELEMS(a)	(sizeof(a) / sizeof((a)[0]))

bool flow_icmp_error_type(const struct pkt_info *pi)
{
	size_t i;

	for (i = 0; i < N_ELEMS(icmp_errors); i++)
		if (icmp_errors[i].proto == pi->proto &&
		    pi->icmp_type >= icmp_errors[i].lo &&
		    pi->icmp_type <= icmp_errors[i].hi)
			return true;
	return false;
}

/* icmp_ports - the ports of an ICMP key: the requester's end carries
 * FLOW_ICMP_REQUESTER; an unpaired type is a request of its own. */
static void icmp_ports(const struct pkt_info *pi, uint16_t *sport,
		       uint16_t *dport, bool *reply)
{
	uint8_t type = pi->icmp_type;
	size_t i;

	*reply = false;
	for (i = 0; i < N_ELEMS(icmp_pairs); i++) {
		if (icmp_pairs[i].proto != pi->proto)
			continue;
		if (icmp_pairs[i].reply == type) {
			*reply = true;
			type = icmp_pairs[i].request;
			break;
		}
		if (icmp_pairs[i].request == type)
			break;
	}
	*sport = *reply ? type : FLOW_ICMP_REQUESTER | type;
	*dport = *reply ? FLOW_ICMP_REQUESTER | type : type;
}

unsigned flow_key_make(const struct pkt_info *pi, struct flow_key *k,
		       bool *reply)
{
	uint16_t sport = 0, dport = 0;
	bool src_first;

	*reply = false;
	if (pi->has_ports) {
		sport = pi->sport;
		dport = pi->dport;
	} else if (pi->has_icmp) {
		icmp_ports(pi, &sport, &dport, reply);
	}
	memset(k, 0, sizeof(*k));
	k->family = pi->family;
	k->proto = pi->proto;
	src_first = pi->src.v < pi->dst.v ||
		    (pi->src.v == pi->dst.v && sport <= dport);
	k->addr[0] = src_first ? pi->src.v : pi->dst.v;
	k->addr[1] = src_first ? pi->dst.v : pi->src.v;
	k->port[0] = src_first ? sport : dport;
	k->port[1] = src_first ? dport : sport;
	return src_first ? 0 : 1;
}

/* mix - one round of a multiply-xorshift hash. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint32_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t h = t->seed;

	h = mix(h, (uint64_t)k->addr[0]);
	h = mix(h, (uint64_t)(k->addr[0] >> 64));
	h = mix(h, (uint64_t)k->addr[1]);
	h = mix(h, (uint64_t)(k->addr[1] >> 64));
	h = mix(h, (uint64_t)k->port[0] << 32 | (uint64_t)k->port[1] << 16 |
		   (uint64_t)k->family << 8 | k->proto);
	h ^= h >> 32;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return (uint32_t)h & t->mask;
}

/* idx - the link (index + 1) of e. */
static uint32_t idx(const struct flow_table *t, const struct flow_entry *e)
{
	return (uint32_t)(e - t->e) + 1;
}

#define BUCKETS_FIRST	4096

struct flow_table *flow_table_new(size_t max, uint64_t seed, flow_gone_fn gone,
				  void *arg)
{
	struct flow_table *t;
	size_t nb = 1, first;

	if (max == 0 || max > FLOW_TABLE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < max)
		nb <<= 1;
	first = nb < BUCKETS_FIRST ? nb : BUCKETS_FIRST;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->e = calloc(max, sizeof(*t->e));
	t->bucket = calloc(first, sizeof(*t->bucket));
	if (t->e == NULL || t->bucket == NULL) {
		flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = (uint32_t)(first - 1);
	t->mask_max = (uint32_t)(nb - 1);
	t->max = (uint32_t)max;
	t->seed = seed;
	t->gone = gone;
	t->arg = arg;
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t->bucket);
	free(t);
}

static void lru_unlink(struct flow_table *t, struct flow_entry *e)
{
	if (e->lru_prev)
		t->e[e->lru_prev - 1].lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next)
		t->e[e->lru_next - 1].lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = 0;
}

static void lru_push_head(struct flow_table *t, struct flow_entry *e)
{
	uint32_t i = idx(t, e);

	e->lru_prev = 0;
	e->lru_next = t->lru_head;
	if (t->lru_head)
		t->e[t->lru_head - 1].lru_prev = i;
	else
		t->lru_tail = i;
	t->lru_head = i;
}

/* release - takes e out of its chain and the list onto the free list. */
static void release(struct flow_table *t, struct flow_entry *e)
{
	uint32_t *link = &t->bucket[key_hash(t, &e->key)], i = idx(t, e);

	while (*link != 0 && *link != i)
		link = &t->e[*link - 1].hnext;
	if (*link == i)
		*link = e->hnext;
	lru_unlink(t, e);
	memset(e, 0, sizeof(*e));
	e->hnext = t->free_list;
	t->free_list = i;
	t->used--;
}

/* take - a free entry, evicting the least recently seen if there is none. */
static struct flow_entry *take(struct flow_table *t)
{
	struct flow_entry *e;

	if (t->used == t->max) {
		e = &t->e[t->lru_tail - 1];
		if (t->gone)
			t->gone(t->arg, e, FLOW_EVICTED);
		t->evictions++;
		release(t, e);
	}
	if (t->free_list) {
		e = &t->e[t->free_list - 1];
		t->free_list = e->hnext;
	} else {
		e = &t->e[t->fresh++];
	}
	t->used++;
	return e;
}

struct flow_entry *flow_find(const struct flow_table *t,
			     const struct flow_key *k)
{
	uint32_t i = t->bucket[key_hash(t, k)];

	while (i != 0) {
		struct flow_entry *e = &t->e[i - 1];

		if (flow_key_eq(&e->key, k))
			return e;
		i = e->hnext;
	}
	return NULL;
}

/* grow - doubles the bucket array when the entries outnumber the buckets;
 * without memory the table goes on with longer chains. */
static void grow(struct flow_table *t)
{
	uint32_t *nb, i, h;

	if (t->used <= t->mask || t->mask == t->mask_max || t->stuck)
		return;
	nb = calloc((size_t)t->mask * 2 + 2, sizeof(*nb));
	if (nb == NULL) {
		t->stuck = true;
		return;
	}
	free(t->bucket);
	t->bucket = nb;
	t->mask = t->mask * 2 + 1;
	for (i = 0; i < t->fresh; i++) {
		if (t->e[i].key.family == 0)
			continue;
		h = key_hash(t, &t->e[i].key);
		t->e[i].hnext = nb[h];
		nb[h] = i + 1;
	}
}

struct flow_entry *flow_get(struct flow_table *t, const struct flow_key *k,
			    unsigned init, uint64_t now_us, bool *created)
{
	struct flow_entry *e = flow_find(t, k);
	uint32_t h;

	*created = e == NULL;
	if (e != NULL) {
		if (t->lru_head != idx(t, e)) {
			lru_unlink(t, e);
			lru_push_head(t, e);
		}
		return e;
	}
	e = take(t);
	grow(t);
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->init = init ? 1 : 0;
	e->first_us = e->last_us = now_us;
	e->seq = t->seq++;
	h = key_hash(t, k);
	e->hnext = t->bucket[h];
	t->bucket[h] = idx(t, e);
	lru_push_head(t, e);
	return e;
}

void flow_reverse(struct flow_entry *e)
{
	uint64_t p = e->packets[0], b = e->bytes[0];

	e->init ^= 1;
	e->packets[0] = e->packets[1];
	e->packets[1] = p;
	e->bytes[0] = e->bytes[1];
	e->bytes[1] = b;
}

bool flow_answered(const struct flow_entry *e)
{
	return e->packets[FLOW_REV] > 0;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

void flow_endpoints(const struct flow_entry *e, struct addr *src,
		    uint16_t *sport, struct addr *dst, uint16_t *dport)
{
	unsigned i = e->init, r = e->init ^ 1;
	bool ports = has_ports(e->key.proto);

	if (src) {
		src->family = e->key.family;
		src->v = e->key.addr[i];
	}
	if (dst) {
		dst->family = e->key.family;
		dst->v = e->key.addr[r];
	}
	if (sport)
		*sport = ports ? e->key.port[i] : 0;
	if (dport)
		*dport = ports ? e->key.port[r] : 0;
}

uint8_t flow_icmp_type(const struct flow_entry *e)
{
	return (uint8_t)(e->key.port[e->init] & 0xff);
}

void flow_policy_flow(const struct flow_entry *e, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->proto = e->key.proto;
	flow_endpoints(e, &f->src, &f->sport, &f->dst, &f->dport);
	if (e->key.proto == IPPROTO_ICMP || e->key.proto == IPPROTO_ICMPV6)
		f->icmp_type = flow_icmp_type(e);
}

void flow_remove(struct flow_table *t, struct flow_entry *e)
{
	release(t, e);
}

size_t flow_expire(struct flow_table *t, uint64_t now_us, uint64_t idle_us)
{
	size_t n = 0;

	while (t->lru_tail != 0) {
		struct flow_entry *e = &t->e[t->lru_tail - 1];

		if (e->last_us > now_us || now_us - e->last_us <= idle_us)
			break;
		if (t->gone)
			t->gone(t->arg, e, FLOW_EXPIRED);
		t->expirations++;
		release(t, e);
		n++;
	}
	return n;
}

struct flow_entry *flow_next(const struct flow_table *t,
			     const struct flow_entry *prev)
{
	size_t i = prev ? (size_t)(prev - t->e) + 1 : 0;

	for (; i < t->fresh; i++)
		if (t->e[i].key.family != 0)
			return &t->e[i];
	return NULL;
}

size_t flow_table_count(const struct flow_table *t)
{
	return t->used;
}

size_t flow_table_max(const struct flow_table *t)
{
	return t->max;
}

uint64_t flow_table_evictions(const struct flow_table *t)
{
	return t->evictions;
}

uint64_t flow_table_expirations(const struct flow_table *t)
{
	return t->expirations;
}
