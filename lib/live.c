/* live.c - per zone pair figures and scan detection from live flows. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow.h"
#include "live.h"
#include "viol.h"

#define NIL	UINT32_MAX
#define SRC_SLOTS	(LIVE_SOURCES_MAX * 2)
#define TALK_SLOTS	(LIVE_TALKERS * 2)

/* Per pair: the figures, a set of the sources seen (exact up to its
 * capacity) and the top-talker table (Space-Saving: when full, a new
 * source takes the place of the smallest, inheriting its count, so the
 * counts of the busiest are upper bounds that are exact while they stay in
 * the table). Allocated when the pair sees its first flow. */
struct pairdata {
	struct live_pair	p;
	struct addr		*srcset;	/* SRC_SLOTS, family 0: empty */
	struct live_talker	talk[LIVE_TALKERS];
	uint16_t		tidx[TALK_SLOTS];	/* index + 1, 0: empty */
	size_t			n_talk;
};

struct scan_src {
	struct addr	src;		/* family 0: free */
	int		zone;
	uint64_t	start_us;
	uint64_t	dst[LIVE_SCAN_KEEP];	/* hashes of destinations */
	uint16_t	port[LIVE_SCAN_KEEP];
	uint16_t	n_dst, n_port;
	bool		alerted;
};

struct live {
	const struct model	*m;
	struct live_cfg		cfg;
	live_alert_fn		alert;
	void			*arg;
	struct flow_table	*ft;
	struct pairdata		**pd;
	size_t			n_pairs;
	struct scan_src		*scan;
	uint64_t		alerts;
	uint64_t		tokens_ms, tokens;	/* alert budget */
};

static uint64_t hash_addr(const struct addr *a)
{
	uint64_t h = 1469598103934665603ull ^ a->family;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ (uint8_t)(a->v >> (8 * i))) * 1099511628211ull;
	return h ^ (h >> 29);
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && a->v == b->v;
}

static void pairs_free(struct live *l)
{
	size_t i;

	if (l->pd == NULL)
		return;
	for (i = 0; i < l->n_pairs; i++)
		if (l->pd[i]) {
			free(l->pd[i]->srcset);
			free(l->pd[i]);
		}
	free(l->pd);
	l->pd = NULL;
}

static void on_gone(void *arg, const struct flow_entry *e, enum flow_gone why);

int live_set_model(struct live *l, const struct model *m)
{
	pairs_free(l);
	l->m = m;
	l->n_pairs = m->n_zones * (m->n_zones + 1);
	l->pd = calloc(l->n_pairs + 1, sizeof(*l->pd));
	if (l->pd == NULL)
		return -1;
	/* flows already in the table were classified under the old zones */
	flow_table_free(l->ft);
	l->ft = flow_table_new(l->cfg.max_flows, (uint64_t)(uintptr_t)l ^ 0x9e37,
			       on_gone, l);
	memset(l->scan, 0, LIVE_SCAN_SOURCES * sizeof(*l->scan));
	return l->ft ? 0 : -1;
}

struct live *live_new(const struct model *m, const struct live_cfg *cfg,
		      live_alert_fn alert, void *arg)
{
	struct live *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->cfg = *cfg;
	if (l->cfg.max_flows == 0)
		l->cfg.max_flows = LIVE_FLOWS_DEFAULT;
	l->alert = alert;
	l->arg = arg;
	l->scan = calloc(LIVE_SCAN_SOURCES, sizeof(*l->scan));
	if (l->scan == NULL || live_set_model(l, m) < 0) {
		live_free(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

void live_free(struct live *l)
{
	if (l == NULL)
		return;
	pairs_free(l);
	flow_table_free(l->ft);
	free(l->scan);
	free(l);
}

static struct pairdata *pair_data(struct live *l, int from, int to, bool make)
{
	size_t i;

	if (from < 0 || (to < 0 && to != ZONE_GATEWAY))
		return NULL;
	i = model_pair(l->m, from, to);
	if (i >= l->n_pairs)
		return NULL;
	if (l->pd[i] == NULL && make) {
		l->pd[i] = calloc(1, sizeof(*l->pd[i]));
		if (l->pd[i] != NULL) {
			l->pd[i]->srcset = calloc(SRC_SLOTS, sizeof(struct addr));
			if (l->pd[i]->srcset == NULL) {
				free(l->pd[i]);
				l->pd[i] = NULL;
			}
		}
	}
	return l->pd[i];
}

static void count_source(struct pairdata *pd, const struct addr *a)
{
	size_t i = hash_addr(a) & (SRC_SLOTS - 1);

	if (pd->p.sources_capped)
		return;
	while (pd->srcset[i].family != 0) {
		if (addr_eq(&pd->srcset[i], a))
			return;
		i = (i + 1) & (SRC_SLOTS - 1);
	}
	if (pd->p.sources == LIVE_SOURCES_MAX) {
		pd->p.sources_capped = true;
		return;
	}
	pd->srcset[i] = *a;
	pd->p.sources++;
}

static void talk_reindex(struct pairdata *pd)
{
	size_t i, k;

	memset(pd->tidx, 0, sizeof(pd->tidx));
	for (i = 0; i < pd->n_talk; i++) {
		k = hash_addr(&pd->talk[i].src) & (TALK_SLOTS - 1);
		while (pd->tidx[k] != 0)
			k = (k + 1) & (TALK_SLOTS - 1);
		pd->tidx[k] = (uint16_t)(i + 1);
	}
}

static void count_talker(struct pairdata *pd, const struct addr *a)
{
	size_t k = hash_addr(a) & (TALK_SLOTS - 1), i, min = 0;

	while (pd->tidx[k] != 0) {
		struct live_talker *t = &pd->talk[pd->tidx[k] - 1];

		if (addr_eq(&t->src, a)) {
			t->flows++;
			return;
		}
		k = (k + 1) & (TALK_SLOTS - 1);
	}
	if (pd->n_talk < LIVE_TALKERS) {
		pd->talk[pd->n_talk].src = *a;
		pd->talk[pd->n_talk].flows = 1;
		pd->tidx[k] = (uint16_t)(++pd->n_talk);
		return;
	}
	/* Space-Saving: the new source replaces the smallest */
	for (i = 1; i < LIVE_TALKERS; i++)
		if (pd->talk[i].flows < pd->talk[min].flows)
			min = i;
	pd->talk[min].src = *a;
	pd->talk[min].flows++;
	talk_reindex(pd);
}

static bool take_alert_token(struct live *l, uint64_t now_us)
{
	uint64_t now_ms = now_us / 1000;

	if (now_ms > l->tokens_ms) {
		l->tokens += (now_ms - l->tokens_ms) * 20;
		if (l->tokens > 20000)
			l->tokens = 20000;
		l->tokens_ms = now_ms;
	}
	if (l->tokens < 1000)
		return false;
	l->tokens -= 1000;
	return true;
}

static bool add_distinct64(uint64_t *v, uint16_t *n, uint64_t x)
{
	uint16_t i;

	for (i = 0; i < *n; i++)
		if (v[i] == x)
			return false;
	if (*n < LIVE_SCAN_KEEP)
		v[(*n)++] = x;
	return true;
}

static bool add_distinct16(uint16_t *v, uint16_t *n, uint16_t x)
{
	uint16_t i;

	for (i = 0; i < *n; i++)
		if (v[i] == x)
			return false;
	if (*n < LIVE_SCAN_KEEP)
		v[(*n)++] = x;
	return true;
}

/* scan_track - one new flow of src to dst:port; an alert when the source
 * crosses a threshold in its window (once per window). */
static void scan_track(struct live *l, int zone, const struct addr *src,
		       const struct addr *dst, uint16_t port, uint64_t now_us)
{
	uint64_t h = hash_addr(src), w = (uint64_t)l->cfg.scan_window * 1000000;
	struct scan_src *s = NULL, *oldest = NULL;
	size_t i, k;

	/* a small open-addressed window of 8 slots; the oldest is reused */
	for (k = 0; k < 8; k++) {
		i = (h + k) & (LIVE_SCAN_SOURCES - 1);
		if (l->scan[i].src.family == 0 || addr_eq(&l->scan[i].src, src)) {
			s = &l->scan[i];
			break;
		}
		if (oldest == NULL || l->scan[i].start_us < oldest->start_us)
			oldest = &l->scan[i];
	}
	if (s == NULL)
		s = oldest;
	if (!addr_eq(&s->src, src) || now_us >= s->start_us + w) {
		memset(s, 0, sizeof(*s));
		s->src = *src;
		s->zone = zone;
		s->start_us = now_us;
	}
	add_distinct64(s->dst, &s->n_dst, hash_addr(dst));
	if (port)
		add_distinct16(s->port, &s->n_port, port);
	if (!s->alerted && (s->n_dst > l->cfg.scan_hosts ||
			    s->n_port > l->cfg.scan_ports)) {
		char line[256], a[ADDR_STRLEN];

		s->alerted = true;
		if (!take_alert_token(l, now_us))
			return;
		snprintf(line, sizeof(line), "alert reason=scan src_zone=%s src=%s "
			 "distinct_dst=%u distinct_port=%u window=%u",
			 model_zone_name(l->m, s->zone), addr_format(src, a),
			 s->n_dst, s->n_port, l->cfg.scan_window);
		l->alerts++;
		l->alert(l->arg, line);
	}
}

static void on_gone(void *arg, const struct flow_entry *e, enum flow_gone why)
{
	struct live *l = arg;
	struct pairdata *pd;

	(void)why;
	if (!e->has_verdict || e->verdict.action != ACTION_ACCEPT ||
	    flow_answered(e))
		return;
	pd = pair_data(l, e->verdict.src_zone, e->verdict.dst_zone, false);
	if (pd)
		pd->p.unanswered++;
}

/* opens - true if the packet may start a flow: a TCP SYN without ACK, any
 * UDP, an ICMP request (not a reply, not an error). */
static bool opens(const struct pkt_info *pi, bool reply)
{
	if (pi->proto == IPPROTO_TCP)
		return pi->has_tcp_flags && (pi->tcp_flags & 0x12) == 0x02;
	if (pi->proto == IPPROTO_ICMP || pi->proto == IPPROTO_ICMPV6)
		return !reply && !flow_is_icmp_error(pi);
	return true;
}

void live_packet(struct live *l, const struct pkt_info *pi, const char *iif,
		 bool local, uint64_t len, uint64_t now_us)
{
	struct flow_key k;
	struct flow_entry *e;
	struct pairdata *pd;
	struct flow f;
	bool reply, created;
	unsigned src_end;

	if (flow_is_icmp_error(pi))
		return;
	src_end = flow_key_make(pi, &k, &reply);
	e = flow_find(l->ft, &k);
	if (e == NULL) {
		if (!opens(pi, reply))
			return;
		e = flow_get(l->ft, &k, reply ? 1 - src_end : src_end, now_us,
			     &created);
	}
	flow_count(e, flow_dir(e, src_end), len, now_us);
	if (e->has_verdict)
		return;
	flow_policy_flow(e, &f);
	f.iif = iif;
	f.local = local;
	policy_decide(l->m, &f, &e->verdict);
	e->has_verdict = true;
	pd = pair_data(l, e->verdict.src_zone, e->verdict.dst_zone, true);
	if (pd != NULL) {
		if (e->verdict.action == ACTION_ACCEPT)
			pd->p.flows_permitted++;
		else
			pd->p.flows_denied++;
		count_source(pd, &f.src);
		count_talker(pd, &f.src);
	}
	scan_track(l, e->verdict.src_zone, &f.src, &f.dst,
		   f.proto == IPPROTO_TCP || f.proto == IPPROTO_UDP ? f.dport : 0,
		   now_us);
}

void live_expire(struct live *l, uint64_t now_us)
{
	flow_expire(l->ft, now_us, LIVE_IDLE_US);
}

const struct live_pair *live_get_pair(const struct live *l, int from, int to)
{
	static const struct live_pair zero;
	size_t i;

	if (from < 0 || (to < 0 && to != ZONE_GATEWAY))
		return NULL;
	i = model_pair(l->m, from, to);
	if (i >= l->n_pairs)
		return NULL;
	return l->pd[i] ? &l->pd[i]->p : &zero;
}

static int talker_cmp(const void *a, const void *b)
{
	const struct live_talker *x = a, *y = b;

	return x->flows < y->flows ? 1 : x->flows > y->flows ? -1 : 0;
}

size_t live_top(const struct live *l, int from, int to,
		struct live_talker *out, size_t n)
{
	struct live_talker *all;
	size_t i, k, cnt = 0, cap = 0;

	for (i = 0; i < l->n_pairs; i++)
		if (l->pd[i])
			cap += l->pd[i]->n_talk;
	all = malloc((cap ? cap : 1) * sizeof(*all));
	if (all == NULL)
		return 0;
	for (i = 0; i < l->n_pairs; i++) {
		const struct pairdata *pd = l->pd[i];

		if (pd == NULL)
			continue;
		if (from != ZONE_UNKNOWN && i != model_pair(l->m, from, to))
			continue;
		for (k = 0; k < pd->n_talk; k++) {
			size_t j;

			/* all pairs together: one line per source */
			for (j = 0; j < cnt; j++)
				if (addr_eq(&all[j].src, &pd->talk[k].src))
					break;
			if (j < cnt)
				all[j].flows += pd->talk[k].flows;
			else
				all[cnt++] = pd->talk[k];
		}
	}
	qsort(all, cnt, sizeof(*all), talker_cmp);
	if (cnt > n)
		cnt = n;
	memcpy(out, all, cnt * sizeof(*out));
	free(all);
	return cnt;
}

size_t live_flows(const struct live *l)
{
	return flow_table_count(l->ft);
}

uint64_t live_alerts(const struct live *l)
{
	return l->alerts;
}
