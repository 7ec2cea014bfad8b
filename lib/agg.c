/* agg.c - violation folding and the line budget. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

struct key {
	uint8_t		reason;
	uint8_t		family;
	uint8_t		proto;
	uint8_t		has_ports;
	uint8_t		has_icmp;
	uint8_t		permit;
	uint16_t	port;		/* dport, or ICMP type */
	int32_t		src_zone, dst_zone;
	u128		src, dst;
};

struct entry {
	struct key	k;
	uint64_t	start_ms;	/* window start */
	uint64_t	repeats;	/* folded since the first */
	uint64_t	first_wall, last_wall;	/* of the repeats */
	uint32_t	hnext;		/* hash chain, UINT32_MAX ends */
	uint32_t	prev, next;	/* age list, UINT32_MAX ends */
	bool		used;
};

#define NIL	UINT32_MAX

struct agg {
	unsigned	window;
	unsigned	rate;
	agg_emit_fn	emit;
	void		*arg;
	struct entry	*e;
	size_t		max;
	uint32_t	*bucket;
	size_t		n_buckets;	/* power of two */
	uint32_t	free_head;
	uint32_t	old, young;	/* age list ends */
	/* token bucket, in thousandths of a line */
	uint64_t	tokens;
	uint64_t	refill_ms;
	/* suppressed packets of the current report period */
	uint64_t	pending_suppressed;
	uint64_t	supp_start_ms;
	bool		started;
	struct agg_stats st;
};

struct agg *agg_new(unsigned window, unsigned rate, size_t max_entries,
		    agg_emit_fn emit, void *arg)
{
	struct agg *a = calloc(1, sizeof(*a));
	size_t i;

	if (a == NULL || max_entries == 0 || max_entries >= NIL)
		goto out_free;
	a->window = window ? window : 1;
	a->rate = rate ? rate : 1;
	a->emit = emit;
	a->arg = arg;
	a->max = max_entries;
	for (a->n_buckets = 16; a->n_buckets < max_entries * 2; a->n_buckets *= 2)
		;
	a->e = calloc(max_entries, sizeof(*a->e));
	a->bucket = malloc(a->n_buckets * sizeof(*a->bucket));
	if (a->e == NULL || a->bucket == NULL)
		goto out_free;
	for (i = 0; i < a->n_buckets; i++)
		a->bucket[i] = NIL;
	for (i = 0; i < max_entries; i++)
		a->e[i].hnext = i + 1 < max_entries ? (uint32_t)i + 1 : NIL;
	a->free_head = 0;
	a->old = a->young = NIL;
	a->tokens = (uint64_t)a->rate * 1000;
	return a;
out_free:
	if (a) {
		free(a->e);
		free(a->bucket);
		free(a);
	}
	errno = ENOMEM;
	return NULL;
}

void agg_free(struct agg *a)
{
	if (a == NULL)
		return;
	free(a->e);
	free(a->bucket);
	free(a);
}

static uint64_t hash_key(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* take_token - one line of budget, refilled at rate per second up to one
 * second's worth. */
static bool take_token(struct agg *a, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)a->rate * 1000;

	if (now_ms > a->refill_ms) {
		a->tokens += (now_ms - a->refill_ms) * a->rate;
		if (a->tokens > cap)
			a->tokens = cap;
		a->refill_ms = now_ms;
	}
	if (a->tokens < 1000)
		return false;
	a->tokens -= 1000;
	return true;
}

static void key_of(const struct viol_event *ev, struct key *k)
{
	memset(k, 0, sizeof(*k));	/* padding too: the key is hashed */
	k->reason = (uint8_t)ev->reason;
	k->permit = ev->permit;
	k->family = ev->pi.family;
	k->proto = ev->pi.proto;
	k->has_ports = ev->pi.has_ports;
	k->has_icmp = ev->pi.has_icmp;
	k->port = ev->pi.has_ports ? ev->pi.dport :
		  ev->pi.has_icmp ? ev->pi.icmp_type : 0;
	k->src_zone = ev->src_zone;
	k->dst_zone = ev->dst_zone;
	k->src = ev->pi.src.v;
	k->dst = ev->pi.dst.v;
}

static void unlink_entry(struct agg *a, uint32_t i)
{
	struct entry *e = &a->e[i];
	uint32_t *pp = &a->bucket[hash_key(&e->k) & (a->n_buckets - 1)];

	while (*pp != i)
		pp = &a->e[*pp].hnext;
	*pp = e->hnext;
	if (e->prev != NIL)
		a->e[e->prev].next = e->next;
	else
		a->old = e->next;
	if (e->next != NIL)
		a->e[e->next].prev = e->prev;
	else
		a->young = e->prev;
	e->used = false;
	e->hnext = a->free_head;
	a->free_head = i;
	a->st.entries--;
}

static void suppress(struct agg *a, uint64_t n, uint64_t now_ms)
{
	if (a->pending_suppressed == 0)
		a->supp_start_ms = now_ms;
	a->pending_suppressed += n;
	a->st.suppressed += n;
}

/* summary - the summary line of entry i, if it folded anything. */
static void summary(struct agg *a, const struct model *m, uint32_t i,
		    uint64_t now_ms)
{
	const struct entry *e = &a->e[i];
	char line[VIOL_LINE_MAX], s[ADDR_STRLEN], d[ADDR_STRLEN], pn[4],
	     t0[24], t1[24], l4[32] = "";
	struct addr as = { .family = e->k.family, .v = e->k.src };
	struct addr ad = { .family = e->k.family, .v = e->k.dst };

	if (e->repeats == 0)
		return;
	if (!take_token(a, now_ms)) {
		suppress(a, e->repeats, now_ms);
		return;
	}
	if (e->k.has_ports)
		snprintf(l4, sizeof(l4), " dport=%u", e->k.port);
	else if (e->k.has_icmp)
		snprintf(l4, sizeof(l4), " type=%u", e->k.port);
	snprintf(line, sizeof(line), "%s reason=%s src_zone=%s dst_zone=%s "
		 "proto=%s src=%s dst=%s%s count=%llu first=%s last=%s",
		 e->k.permit ? "permit-summary" : "violation-summary",
		 policy_reason_name((enum reason)e->k.reason),
		 model_zone_name(m, e->k.src_zone),
		 model_zone_name(m, e->k.dst_zone),
		 pkt_proto_name(e->k.proto, pn), addr_format(&as, s),
		 addr_format(&ad, d), l4, (unsigned long long)e->repeats,
		 viol_time(e->first_wall, t0), viol_time(e->last_wall, t1));
	a->st.summarized += e->repeats;
	a->emit(a->arg, AGG_SUMMARY, line, e->repeats);
}

static void report_suppressed(struct agg *a)
{
	char line[96];

	if (a->pending_suppressed == 0)
		return;
	snprintf(line, sizeof(line), "violations-suppressed count=%llu window=%u",
		 (unsigned long long)a->pending_suppressed, a->window);
	a->pending_suppressed = 0;
	/* exempt from the cap: it is the line that makes counts add up */
	a->emit(a->arg, AGG_SUPPRESSED, line, 0);
}

void agg_event(struct agg *a, const struct model *m,
	       const struct viol_event *ev, uint64_t now_ms, uint64_t wall)
{
	char line[VIOL_LINE_MAX];
	struct key k;
	uint32_t i, *head;

	if (!a->started) {
		a->started = true;
		a->refill_ms = now_ms;
	}
	a->st.events++;
	key_of(ev, &k);
	head = &a->bucket[hash_key(&k) & (a->n_buckets - 1)];
	for (i = *head; i != NIL; i = a->e[i].hnext)
		if (memcmp(&a->e[i].k, &k, sizeof(k)) == 0)
			break;
	if (i != NIL && now_ms < a->e[i].start_ms + (uint64_t)a->window * 1000) {
		struct entry *e = &a->e[i];

		if (e->repeats++ == 0)
			e->first_wall = wall;
		e->last_wall = wall;
		return;
	}
	if (i != NIL) {		/* window over but not ticked yet */
		summary(a, m, i, now_ms);
		unlink_entry(a, i);
	}
	if (a->free_head == NIL) {	/* full: the oldest goes early */
		uint32_t o = a->old;

		summary(a, m, o, now_ms);
		unlink_entry(a, o);
		a->st.evicted++;
	}
	i = a->free_head;
	a->free_head = a->e[i].hnext;
	memset(&a->e[i], 0, sizeof(a->e[i]));
	a->e[i].k = k;
	a->e[i].used = true;
	a->e[i].start_ms = now_ms;
	head = &a->bucket[hash_key(&k) & (a->n_buckets - 1)];
	a->e[i].hnext = *head;
	*head = i;
	a->e[i].prev = a->young;
	a->e[i].next = NIL;
	if (a->young != NIL)
		a->e[a->young].next = i;
	else
		a->old = i;
	a->young = i;
	a->st.entries++;
	if (!take_token(a, now_ms)) {
		suppress(a, 1, now_ms);
		return;
	}
	viol_format(line, sizeof(line), m, ev);
	a->st.lines++;
	a->emit(a->arg, ev->permit ? AGG_PERMIT : AGG_VIOLATION, line, 1);
}

void agg_tick(struct agg *a, const struct model *m, uint64_t now_ms)
{
	uint64_t w = (uint64_t)a->window * 1000;

	while (a->old != NIL && now_ms >= a->e[a->old].start_ms + w) {
		uint32_t o = a->old;

		summary(a, m, o, now_ms);
		unlink_entry(a, o);
	}
	if (a->pending_suppressed > 0 && now_ms >= a->supp_start_ms + w)
		report_suppressed(a);
}

void agg_flush(struct agg *a, const struct model *m, uint64_t now_ms)
{
	while (a->old != NIL) {
		uint32_t o = a->old;

		summary(a, m, o, now_ms);
		unlink_entry(a, o);
	}
	report_suppressed(a);
}

void agg_lost(struct agg *a, uint64_t n)
{
	if (n == 0)
		return;
	if (a->pending_suppressed == 0)
		a->supp_start_ms = a->refill_ms;
	a->pending_suppressed += n;
	a->st.suppressed += n;
}

void agg_get_stats(const struct agg *a, struct agg_stats *st)
{
	*st = a->st;
}

unsigned agg_window(const struct agg *a)
{
	return a->window;
}
