/* ruleset.c - model to compiled nftables ruleset. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ruleset.h"

#define NFPROTO_V4	2	/* NFPROTO_IPV4 */
#define NFPROTO_V6	10	/* NFPROTO_IPV6 */

static const struct {
	unsigned	raw;
	unsigned	reg;
	const char	*nft;		/* how nft(8) writes the field */
} fields[] = {
	[RF_SADDR4] = { 4, 4, "ip saddr" },
	[RF_DADDR4] = { 4, 4, "ip daddr" },
	[RF_SADDR6] = { 16, 16, "ip6 saddr" },
	[RF_DADDR6] = { 16, 16, "ip6 daddr" },
	[RF_L4PROTO] = { 1, 4, "meta l4proto" },
	[RF_DPORT] = { 2, 4, "th dport" },
	[RF_IIFNAME] = { 16, 16, "iifname" },
	[RF_CTMARK] = { 4, 4, "ct mark" },
	[RF_ICMP_IDADDR4] = { 4, 4, "@th,192,32" },
	[RF_ICMP_IDADDR6] = { 16, 16, "@th,256,128" },
};

unsigned ruleset_field_len(enum rs_field f)
{
	return fields[f].reg;
}

unsigned ruleset_field_raw_len(enum rs_field f)
{
	return fields[f].raw;
}

/* ---- building blocks ---------------------------------------------------- */

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	void *np;
	size_t c;

	if (n < *cap)
		return p;
	c = *cap ? *cap * 2 : 8;
	np = realloc(p, c * size);
	if (np == NULL)
		return NULL;
	memset((char *)np + *cap * size, 0, (c - *cap) * size);
	*cap = c;
	return np;
}

static int add_chain(struct ruleset *rs, enum rs_hook hook, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_chain(struct ruleset *rs, enum rs_hook hook, const char *fmt, ...)
{
	struct rs_chain *c;
	va_list ap;
	void *n = grow(rs->chains, &rs->cap_chains, rs->n_chains, sizeof(*c));

	if (n == NULL)
		return -1;
	rs->chains = n;
	c = &rs->chains[rs->n_chains];
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	c->hook = hook;
	return (int)rs->n_chains++;
}

static int add_obj(struct ruleset *rs, enum rs_obj_kind kind,
		   const char *comment, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int add_obj(struct ruleset *rs, enum rs_obj_kind kind,
		   const char *comment, const char *fmt, ...)
{
	struct rs_obj *o;
	va_list ap;
	void *n = grow(rs->objs, &rs->cap_objs, rs->n_objs, sizeof(*o));

	if (n == NULL)
		return -1;
	rs->objs = n;
	o = &rs->objs[rs->n_objs];
	va_start(ap, fmt);
	vsnprintf(o->name, sizeof(o->name), fmt, ap);
	va_end(ap);
	o->kind = kind;
	snprintf(o->comment, sizeof(o->comment), "%s", comment);
	return (int)rs->n_objs++;
}

static int add_set(struct ruleset *rs, const enum rs_field *f, unsigned nf,
		   bool interval, bool map, int line, const char *comment,
		   const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static int add_set(struct ruleset *rs, const enum rs_field *f, unsigned nf,
		   bool interval, bool map, int line, const char *comment,
		   const char *fmt, ...)
{
	size_t cap = rs->cap_sets;
	struct rs_set *s;
	va_list ap;
	void *n = grow(rs->sets, &rs->cap_sets, rs->n_sets, sizeof(*s));
	unsigned i;

	if (n == NULL)
		return -1;
	rs->sets = n;
	if (rs->cap_sets != cap) {
		int *nl = realloc(rs->set_line, rs->cap_sets * sizeof(*nl));

		if (nl == NULL)
			return -1;
		rs->set_line = nl;
	}
	s = &rs->sets[rs->n_sets];
	va_start(ap, fmt);
	vsnprintf(s->name, sizeof(s->name), fmt, ap);
	va_end(ap);
	for (i = 0; i < nf; i++) {
		s->fields[i] = f[i];
		s->key_len += fields[f[i]].reg;
	}
	s->n_fields = nf;
	s->interval = interval;
	s->map = map;
	snprintf(s->comment, sizeof(s->comment), "%s", comment);
	rs->set_line[rs->n_sets] = line;
	return (int)rs->n_sets++;
}

static struct rs_elem *add_elem(struct rs_set *s)
{
	void *n = grow(s->elems, &s->cap, s->n_elems, sizeof(*s->elems));

	if (n == NULL)
		return NULL;
	s->elems = n;
	return &s->elems[s->n_elems++];
}

/* rule building: a rule is started, expressions appended, then closed */
struct rb {
	struct rs_rule	r;
	size_t		cap;
	bool		oom;
};

static struct rs_expr *rb_x(struct rb *b, enum rs_expr_kind k)
{
	void *n = grow(b->r.x, &b->cap, b->r.n, sizeof(*b->r.x));

	if (n == NULL) {
		b->oom = true;
		return NULL;
	}
	b->r.x = n;
	memset(&b->r.x[b->r.n], 0, sizeof(b->r.x[0]));
	b->r.x[b->r.n].kind = k;
	return &b->r.x[b->r.n++];
}

static void rb_arg(struct rb *b, enum rs_expr_kind k, uint32_t arg)
{
	struct rs_expr *x = rb_x(b, k);

	if (x)
		x->arg = arg;
}

static void rb_set(struct rb *b, enum rs_expr_kind k, int set, uint32_t inv)
{
	struct rs_expr *x = rb_x(b, k);

	if (x) {
		x->set = set;
		x->arg = inv;
	}
}

static void rb_counter(struct rb *b, int obj)
{
	struct rs_expr *x = rb_x(b, RX_COUNTER);

	if (x)
		x->obj = obj;
}

static void rb_verdict(struct rb *b, enum rs_verdict_code code, int chain)
{
	struct rs_expr *x = rb_x(b, RX_VERDICT);

	if (x) {
		x->verdict.code = code;
		x->verdict.chain = chain;
	}
}

/* rb_log - limit, count what is sent to NFLOG, log. The count is exact (a
 * packet over the limit stops at the limit), so the daemon can tell the
 * packets the limit kept from it: denied minus sent. */
static void rb_log(struct rb *b, const char *prefix, uint16_t snaplen)
{
	struct rs_expr *x;

	rb_x(b, RX_LIMIT);
	x = rb_x(b, RX_COUNTER);
	if (x)
		x->obj = RS_OBJ_NFLOG_SENT;
	x = rb_x(b, RX_LOG);
	if (x) {
		x->text = strdup(prefix);
		x->snaplen = snaplen;
		if (x->text == NULL)
			b->oom = true;
	}
}

static int rb_close(struct ruleset *rs, int chain, struct rb *b, int line,
		    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int rb_close(struct ruleset *rs, int chain, struct rb *b, int line,
		    const char *fmt, ...)
{
	struct rs_chain *c = &rs->chains[chain];
	va_list ap;
	void *n;

	if (b->oom)
		goto out_free;
	n = grow(c->rules, &c->cap, c->n_rules, sizeof(*c->rules));
	if (n == NULL)
		goto out_free;
	c->rules = n;
	b->r.line = line;
	va_start(ap, fmt);
	vsnprintf(b->r.comment, sizeof(b->r.comment), fmt, ap);
	va_end(ap);
	c->rules[c->n_rules++] = b->r;
	memset(b, 0, sizeof(*b));
	return 0;
out_free:
	for (size_t i = 0; i < b->r.n; i++)
		free(b->r.x[i].text);
	free(b->r.x);
	memset(b, 0, sizeof(*b));
	return -1;
}

/* ---- key layout --------------------------------------------------------- */

static void put_addr(uint8_t *k, int family, u128 v)
{
	struct addr a = { .family = family, .v = v };

	addr_to_bytes(&a, k);
}

static void put_u16(uint8_t *k, uint16_t v)
{
	k[0] = v >> 8;
	k[1] = v & 0xff;
}

/* ---- compilation -------------------------------------------------------- */

struct cc {
	const struct model	*m;
	struct ruleset		*rs;
	const char		*file;	/* basename of the config, for comments */
	int			log_limit;
	int			*pair_chain;	/* per model_pair */
	int			*src_chain;	/* per zone: src_Z */
	int			*gw_chain;	/* per zone: gw_Z */
	int			*rel_chain;	/* per zone: rel_Z */
	int			related_chain;	/* "related", -1 before it exists */
	int			*deny_obj;	/* per pair */
	int			*acc_obj;	/* per pair */
	int			*spoof_obj;	/* per zone */
	int			unknown_obj;	/* of the chain being built */
	int			ctr_map;	/* ct mark -> pkt_ counter */
	int			est_obj;	/* spoof_established, -1: none */
	int			est_set[2][2];	/* est_src4, est_any4; ...6 */
	int			fail;
};

#define FAIL_IF(cc, cond) do { if (cond) (cc)->fail = 1; } while (0)

static const char *zname(const struct model *m, int z)
{
	return model_zone_name(m, z);
}

/* log_drop - the two log rules (TCP gets a longer snap for its options) and
 * the counted drop that end every denying chain. */
static void log_drop(struct cc *cc, int chain, const char *prefix, int obj,
		     int line, const char *why)
{
	struct rb b = { 0 };

	rb_arg(&b, RX_L4PROTO, IPPROTO_TCP);
	rb_log(&b, prefix, RS_LOG_SNAPLEN_TCP);
	FAIL_IF(cc, rb_close(cc->rs, chain, &b, line, "%s", why) < 0);
	rb_arg(&b, RX_L4PROTO, 0x100 | IPPROTO_TCP);	/* != tcp */
	rb_log(&b, prefix, RS_LOG_SNAPLEN);
	FAIL_IF(cc, rb_close(cc->rs, chain, &b, line, "%s", why) < 0);
	rb_counter(&b, obj);
	rb_verdict(&b, RV_DROP, 0);
	FAIL_IF(cc, rb_close(cc->rs, chain, &b, line, "%s", why) < 0);
}

struct box {
	uint8_t	lo[RS_KEY_MAX];
	uint8_t	hi[RS_KEY_MAX];
};

/* Field spans of the two key kinds, for overlap tests. */
struct layout {
	unsigned	n;
	unsigned	off[4];
	unsigned	len[4];
};

static void layout_of(const struct rs_set *s, struct layout *l)
{
	unsigned i, off = 0;

	l->n = s->n_fields;
	for (i = 0; i < s->n_fields; i++) {
		l->off[i] = off;
		l->len[i] = fields[s->fields[i]].raw;
		off += fields[s->fields[i]].reg;
	}
}

static bool boxes_overlap(const struct layout *l, const uint8_t *alo,
			  const uint8_t *ahi, const uint8_t *blo,
			  const uint8_t *bhi)
{
	unsigned i;

	for (i = 0; i < l->n; i++) {
		unsigned o = l->off[i], n = l->len[i];

		if (memcmp(ahi + o, blo + o, n) < 0 || memcmp(bhi + o, alo + o, n) < 0)
			return false;
	}
	return true;
}

/*
 * A group of elements for one (pair, action, family, key kind). The kernel's
 * concatenated-range sets refuse an element whose start or end falls inside
 * another, so overlapping entries (an "any host" entry beside a host entry
 * for the same port, say) are spread over as few sets as possible: each set
 * holds mutually disjoint elements, and each set is one rule. For ordinary
 * policies that is one set.
 */
struct group {
	struct box	*b;
	int		*line;
	size_t		n, cap;
};

static int group_add(struct group *g, const struct box *b, int line)
{
	if (g->n == g->cap) {
		size_t c = g->cap ? g->cap * 2 : 64;
		struct box *nb = realloc(g->b, c * sizeof(*nb));
		int *nl;

		if (nb == NULL)
			return -1;
		g->b = nb;
		nl = realloc(g->line, c * sizeof(*nl));
		if (nl == NULL)
			return -1;
		g->line = nl;
		g->cap = c;
	}
	g->b[g->n] = *b;
	g->line[g->n] = line;
	g->n++;
	return 0;
}

static const struct layout *sort_layout;
static unsigned sort_dim;

static int box_cmp(const void *a, const void *b)
{
	const struct box *x = a, *y = b;
	unsigned o = sort_layout->off[sort_dim], n = sort_layout->len[sort_dim];
	int c = memcmp(x->lo + o, y->lo + o, n);

	return c ? c : memcmp(x->lo, y->lo, RS_KEY_MAX);
}

/* distinct_lo - how many distinct starts a dimension has (sorted copy). */
static size_t distinct_lo(struct group *g, const struct layout *l, unsigned d)
{
	size_t i, k = 0;

	sort_layout = l;
	sort_dim = d;
	qsort(g->b, g->n, sizeof(*g->b), box_cmp);
	for (i = 0; i < g->n; i++)
		if (i == 0 || memcmp(g->b[i].lo + l->off[d],
				     g->b[i - 1].lo + l->off[d], l->len[d]))
			k++;
	return k;
}

struct color {
	int	set;
	size_t	*active;	/* indexes into the group, sweep window */
	size_t	n_active, cap;
};

/* place - spreads g over sets made by mk(); returns 0 or -1. Sweeps along
 * the dimension with the most distinct starts so the window of possibly
 * overlapping elements stays small. */
static int place(struct cc *cc, struct group *g, const struct layout *l,
		 int (*mk)(struct cc *, void *, unsigned), void *arg)
{
	struct color *col = NULL;
	size_t n_col = 0, i, best = 0, bd = 0, c, k;
	unsigned d;
	int rc = -1;

	if (g->n == 0)
		return 0;
	for (d = 0; d < l->n; d++) {
		size_t dl = distinct_lo(g, l, d);

		if (dl > best) {
			best = dl;
			bd = d;
		}
	}
	sort_layout = l;
	sort_dim = (unsigned)bd;
	qsort(g->b, g->n, sizeof(*g->b), box_cmp);
	for (i = 0; i < g->n; i++) {
		const struct box *b = &g->b[i];
		unsigned o = l->off[bd], n = l->len[bd];
		struct rs_elem *e;

		if (i > 0 && memcmp(b, &g->b[i - 1], sizeof(*b)) == 0)
			continue;	/* exact duplicate */
		for (c = 0; c < n_col; c++) {
			struct color *cl = &col[c];
			bool clash = false;

			/* retire elements that end before this one starts */
			for (k = 0; k < cl->n_active;) {
				const struct box *a = &g->b[cl->active[k]];

				if (memcmp(a->hi + o, b->lo + o, n) < 0)
					cl->active[k] = cl->active[--cl->n_active];
				else
					k++;
			}
			for (k = 0; k < cl->n_active && !clash; k++) {
				const struct box *a = &g->b[cl->active[k]];

				clash = boxes_overlap(l, a->lo, a->hi, b->lo, b->hi);
			}
			if (!clash)
				break;
		}
		if (c == n_col) {
			struct color *nc = realloc(col, (n_col + 1) * sizeof(*nc));

			if (nc == NULL)
				goto out;
			col = nc;
			memset(&col[n_col], 0, sizeof(col[n_col]));
			col[n_col].set = mk(cc, arg, (unsigned)n_col);
			if (col[n_col].set < 0)
				goto out;
			n_col++;
		}
		if (col[c].n_active == col[c].cap) {
			size_t cap = col[c].cap ? col[c].cap * 2 : 16;
			size_t *na = realloc(col[c].active, cap * sizeof(*na));

			if (na == NULL)
				goto out;
			col[c].active = na;
			col[c].cap = cap;
		}
		col[c].active[col[c].n_active++] = i;
		e = add_elem(&cc->rs->sets[col[c].set]);
		if (e == NULL)
			goto out;
		memcpy(e->key, b->lo, RS_KEY_MAX);
		memcpy(e->key_end, b->hi, RS_KEY_MAX);
	}
	rc = 0;
out:
	for (c = 0; c < n_col; c++)
		free(col[c].active);
	free(col);
	return rc;
}

/* ---- policy sets -------------------------------------------------------- */

static const char *const act_tag[] = {
	[ACTION_ACCEPT] = "acc",
	[ACTION_REJECT] = "rej",
	[ACTION_DROP] = "drp",
};

struct pset {
	int		from, to;
	enum action	act;
	bool		log;		/* accept entries with log = true */
	int		family;
	bool		icmp;
	int		chain;
	int		target;		/* deny chain for drop/reject, or -1 */
	int		line;		/* first entry's line, for comments */
	const char	*services;
};

/* mk_pset - one set of a (pair, action, family, kind) and its rule. */
/* pair_mark - the ct mark of the flows a zone pair accepted: the pair's
 * index + 1 with a tag in the high bits, so that the established traffic
 * of each pair is counted by one lookup (the pkt_ counters). */
static uint32_t pair_mark(const struct model *m, int from, int to)
{
	return RS_CTMARK_TAG | (uint32_t)(model_pair(m, from, to) + 1);
}

/* pset_rules - the rule(s) that look a packet up in set and act on it. */
static int pset_rules(struct cc *cc, const struct pset *p, int set,
		      const char *comment)
{
	const struct model *m = cc->m;
	bool v4 = p->family == AF_INET;
	char prefix[RS_PREFIX_MAX + 1];
	struct rb b = { 0 };
	int pass;

	snprintf(prefix, sizeof(prefix), "zg permit %s %s", zname(m, p->from),
		 zname(m, p->to));
	/* a logged accept is two rules on one set: log (no verdict), accept */
	for (pass = p->log ? 0 : 1; pass < 2; pass++) {
		rb_arg(&b, RX_NFPROTO, v4 ? NFPROTO_V4 : NFPROTO_V6);
		if (p->icmp) {
			rb_arg(&b, RX_L4PROTO, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
			rb_arg(&b, RX_ICMP_TYPE, v4 ? 8 : 128);
		}
		rb_set(&b, RX_LOOKUP, set, 0);
		if (pass == 0) {
			struct rs_expr *x;

			rb_x(&b, RX_LIMIT);
			x = rb_x(&b, RX_LOG);
			if (x) {
				x->text = strdup(prefix);
				x->snaplen = RS_LOG_SNAPLEN_TCP;
				if (x->text == NULL)
					b.oom = true;
			}
		} else if (p->act == ACTION_ACCEPT) {
			rb_counter(&b, cc->acc_obj[model_pair(m, p->from, p->to)]);
			rb_arg(&b, RX_CTMARK_SET, pair_mark(m, p->from, p->to));
			rb_verdict(&b, RV_ACCEPT, 0);
		} else {
			rb_verdict(&b, RV_GOTO, p->target);
		}
		if (rb_close(cc->rs, p->chain, &b, p->line, "%s", comment) < 0)
			return -1;
	}
	return 0;
}

static void pset_comment(struct cc *cc, const struct pset *p, char *comment)
{
	const struct model *m = cc->m;

	snprintf(comment, RS_COMMENT_MAX + 1, "%s:%d %s->%s %s", cc->file, p->line,
		 zname(m, p->from), zname(m, p->to), p->act == ACTION_ACCEPT ?
		 (p->log ? "allowed, logged" : "allowed") :
		 p->act == ACTION_REJECT ? "rejected" : "dropped");
}

/* mk_pset - one concatenated-range set of a (pair, action, family, kind)
 * and its rule(s); color numbers the sets of overlapping elements. */
static int mk_pset(struct cc *cc, void *arg, unsigned color)
{
	static const enum rs_field tuple4[] = { RF_SADDR4, RF_L4PROTO, RF_DPORT, RF_DADDR4 };
	static const enum rs_field tuple6[] = { RF_SADDR6, RF_L4PROTO, RF_DPORT, RF_DADDR6 };
	static const enum rs_field pair4[] = { RF_SADDR4, RF_DADDR4 };
	static const enum rs_field pair6[] = { RF_SADDR6, RF_DADDR6 };
	const struct pset *p = arg;
	const struct model *m = cc->m;
	bool v4 = p->family == AF_INET;
	const enum rs_field *f = p->icmp ? (v4 ? pair4 : pair6) : (v4 ? tuple4 : tuple6);
	unsigned nf = p->icmp ? 2 : 4;
	char comment[RS_COMMENT_MAX + 1];
	int set;

	pset_comment(cc, p, comment);
	set = add_set(cc->rs, f, nf, true, false, p->line, comment,
		      "%s%s_%s_%s_%c%c%u", act_tag[p->act], p->log ? "l" : "",
		      zname(m, p->from), zname(m, p->to), v4 ? '4' : '6',
		      p->icmp ? 'i' : 't', color);
	if (set < 0 || pset_rules(cc, p, set, comment) < 0)
		return -1;
	return set;
}

/* hosts_any - the full range of a family, for an entry without hosts. */
static void host_span(const struct prefix *h, int family, u128 *lo, u128 *hi)
{
	if (h == NULL) {
		*lo = 0;
		*hi = family == AF_INET ? 0xffffffffu : ~(u128)0;
		return;
	}
	*lo = h->v;
	*hi = prefix_last(h);
}

/* entry_boxes - the elements of policy p for one family and key kind. */
static int entry_boxes(const struct policy *p, int family, bool icmp,
		       struct group *g)
{
	size_t nf = p->n_from_hosts ? p->n_from_hosts : 1;
	size_t nt = p->n_to_hosts ? p->n_to_hosts : 1;
	size_t i, fi, ti;
	unsigned alen = family == AF_INET ? 4 : 16;

	for (i = 0; i < p->n_items; i++) {
		const struct svc_item *it = &p->items[i];

		if ((it->proto == SVC_ICMP) != icmp)
			continue;
		for (fi = 0; fi < nf; fi++) {
			const struct prefix *fh = p->n_from_hosts ? &p->from_hosts[fi] : NULL;
			u128 slo, shi;

			if (fh && fh->family != family)
				continue;
			host_span(fh, family, &slo, &shi);
			for (ti = 0; ti < nt; ti++) {
				const struct prefix *th = p->n_to_hosts ? &p->to_hosts[ti] : NULL;
				struct box b;
				u128 dlo, dhi;
				unsigned off = 0;

				if (th && th->family != family)
					continue;
				host_span(th, family, &dlo, &dhi);
				memset(&b, 0, sizeof(b));
				put_addr(b.lo, family, slo);
				put_addr(b.hi, family, shi);
				off = alen;
				if (!icmp) {
					uint8_t proto = it->proto == SVC_TCP ?
						IPPROTO_TCP : IPPROTO_UDP;

					b.lo[off] = b.hi[off] = proto;
					off += 4;
					put_u16(b.lo + off, it->ports.lo);
					put_u16(b.hi + off, it->ports.hi);
					off += 4;
				}
				put_addr(b.lo + off, family, dlo);
				put_addr(b.hi + off, family, dhi);
				if (group_add(g, &b, p->line) < 0)
					return -1;
			}
		}
	}
	return 0;
}

static int deny_chain(struct cc *cc, int from, int to, enum action act)
{
	const struct model *m = cc->m;
	size_t pair = model_pair(m, from, to);
	char prefix[RS_PREFIX_MAX + 1];
	int ch;

	ch = add_chain(cc->rs, RH_NONE, "%s_%s_%s", act == ACTION_DROP ?
		       "drop" : "reject", zname(m, from), zname(m, to));
	if (ch < 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "zg %s %s %s", act == ACTION_DROP ?
		 "drop" : "reject", zname(m, from), zname(m, to));
	if (act == ACTION_DROP) {
		log_drop(cc, ch, prefix, cc->deny_obj[pair], 0, "explicit drop");
	} else {
		struct rb b = { 0 };

		rb_arg(&b, RX_L4PROTO, IPPROTO_TCP);
		rb_log(&b, prefix, RS_LOG_SNAPLEN_TCP);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "explicit reject") < 0);
		rb_arg(&b, RX_L4PROTO, 0x100 | IPPROTO_TCP);
		rb_log(&b, prefix, RS_LOG_SNAPLEN);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "explicit reject") < 0);
		rb_arg(&b, RX_L4PROTO, IPPROTO_TCP);
		rb_counter(&b, cc->deny_obj[pair]);
		rb_arg(&b, RX_REJECT, RS_REJECT_TCP_RESET);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "explicit reject") < 0);
		rb_counter(&b, cc->deny_obj[pair]);
		rb_arg(&b, RX_REJECT, RS_REJECT_ADMIN_PROHIBITED);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "explicit reject") < 0);
	}
	return ch;
}

/* pair_body - the rules of pair_FROM_TO: drop, reject, accept lookups. */
/*
 * Exact elements go to hash sets. An element whose every field is either
 * the whole range ("any host") or one value (one host, one port) needs no
 * interval set: its "any" fields are left out of the key and the rest is
 * looked up in a hash, one set per such shape. Hash sets take 100,000
 * elements in a fraction of the time the kernel's concatenated-range sets
 * need to insert them, and look up as fast. Elements with a true range
 * (a network, a port range) stay in the range sets.
 */
static bool field_any(const struct layout *l, unsigned i, const struct box *b)
{
	unsigned k, o = l->off[i], n = l->len[i];

	for (k = 0; k < n; k++)
		if (b->lo[o + k] != 0 || b->hi[o + k] != 0xff)
			return false;
	return true;
}

static bool field_exact(const struct layout *l, unsigned i, const struct box *b)
{
	return memcmp(b->lo + l->off[i], b->hi + l->off[i], l->len[i]) == 0;
}

/* shape_of - bit i set: field i is "any"; -1: the box has a true range. */
static int shape_of(const struct layout *l, const struct box *b)
{
	int mask = 0;
	unsigned i;

	for (i = 0; i < l->n; i++) {
		if (field_any(l, i, b) && i != 1)	/* l4proto is always kept */
			mask |= 1 << i;
		else if (!field_exact(l, i, b))
			return -1;
	}
	/* the ICMP key has no protocol field: keep at least one field */
	return mask == (1 << l->n) - 1 ? -1 : mask;
}

static int box_key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct box *)a)->lo, ((const struct box *)b)->lo,
		      RS_KEY_MAX);
}

/* hash_sets - moves the exact boxes of g into one hash set per shape;
 * what is left in g needs range sets. */
static int hash_sets(struct cc *cc, struct group *g, const struct rs_set *tmpl,
		     const struct layout *l, const struct pset *p)
{
	const struct model *m = cc->m;
	char comment[RS_COMMENT_MAX + 1];
	struct box *keys = NULL;
	int *shape, mask, set, rc = -1;
	size_t i, k, n;

	if (g->n == 0)
		return 0;
	shape = malloc(g->n * sizeof(*shape));
	keys = malloc(g->n * sizeof(*keys));
	if (shape == NULL || keys == NULL)
		goto out;
	for (i = 0; i < g->n; i++)
		shape[i] = shape_of(l, &g->b[i]);
	for (mask = 0; mask < (1 << l->n); mask++) {
		enum rs_field f[4];
		unsigned nf = 0, fi;

		/* the kept fields of each box of this shape, packed */
		for (i = 0, n = 0; i < g->n; i++) {
			unsigned off = 0;

			if (shape[i] != mask)
				continue;
			memset(&keys[n], 0, sizeof(keys[n]));
			for (fi = 0; fi < l->n; fi++) {
				if (mask & (1 << fi))
					continue;
				memcpy(keys[n].lo + off, g->b[i].lo + l->off[fi],
				       l->len[fi]);
				off += ruleset_field_len(tmpl->fields[fi]);
			}
			n++;
		}
		if (n == 0)
			continue;
		for (fi = 0; fi < l->n; fi++)
			if (!(mask & (1 << fi)))
				f[nf++] = tmpl->fields[fi];
		pset_comment(cc, p, comment);
		set = add_set(cc->rs, f, nf, false, false, p->line, comment,
			      "%s%s_%s_%s_%c%ch%x", act_tag[p->act], p->log ? "l" : "",
			      zname(m, p->from), zname(m, p->to),
			      p->family == AF_INET ? '4' : '6', p->icmp ? 'i' : 't',
			      (unsigned)mask);
		if (set < 0 || pset_rules(cc, p, set, comment) < 0)
			goto out;
		qsort(keys, n, sizeof(*keys), box_key_cmp);
		for (i = 0; i < n; i++) {
			struct rs_elem *e;

			if (i > 0 && memcmp(keys[i].lo, keys[i - 1].lo, RS_KEY_MAX) == 0)
				continue;
			e = add_elem(&cc->rs->sets[set]);
			if (e == NULL)
				goto out;
			memcpy(e->key, keys[i].lo, RS_KEY_MAX);
		}
	}
	/* what has a true range stays for the range sets */
	for (i = 0, k = 0; i < g->n; i++)
		if (shape[i] < 0)
			g->b[k++] = g->b[i];
	g->n = k;
	rc = 0;
out:
	free(shape);
	free(keys);
	return rc;
}

/* The lookups of a pair chain, in order: an explicit drop wins over a
 * reject, a reject over an accept; accepted flows of entries with log = true
 * are logged (as "zg permit") before they are accepted. */
static const struct {
	enum action	act;
	bool		log;
} passes[] = {
	{ ACTION_DROP, false },
	{ ACTION_REJECT, false },
	{ ACTION_ACCEPT, true },
	{ ACTION_ACCEPT, false },
};

static void set_fields(struct rs_set *tmp, int family, bool icmp)
{
	static const enum rs_field t4[] = { RF_SADDR4, RF_L4PROTO, RF_DPORT, RF_DADDR4 };
	static const enum rs_field i4[] = { RF_SADDR4, RF_DADDR4 };
	static const enum rs_field t6[] = { RF_SADDR6, RF_L4PROTO, RF_DPORT, RF_DADDR6 };
	static const enum rs_field i6[] = { RF_SADDR6, RF_DADDR6 };
	const enum rs_field *f = family == AF_INET ? (icmp ? i4 : t4) : (icmp ? i6 : t6);

	tmp->n_fields = icmp ? 2 : 4;
	memcpy(tmp->fields, f, tmp->n_fields * sizeof(*f));
}

static void pair_body(struct cc *cc, int from, int to, int chain)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	const struct model *m = cc->m;
	size_t pair = model_pair(m, from, to), i, a, f, k;
	struct layout l;

	for (a = 0; a < sizeof(passes) / sizeof(passes[0]); a++) {
		int target = -1;

		for (f = 0; f < 2; f++) {
			for (k = 0; k < 2; k++) {
				struct group g = { 0 };
				struct pset ps = {
					.from = from, .to = to, .act = passes[a].act,
					.log = passes[a].log, .family = fams[f],
					.icmp = k == 1, .chain = chain, .line = 0,
				};
				struct rs_set tmp = { 0 };

				for (i = m->pair_first[pair]; i < m->pair_first[pair + 1]; i++) {
					const struct policy *p = &m->policies[m->pair_pol[i]];

					if (p->action != passes[a].act ||
					    (p->action == ACTION_ACCEPT &&
					     p->log != passes[a].log))
						continue;
					if (ps.line == 0)
						ps.line = p->line;
					FAIL_IF(cc, entry_boxes(p, fams[f], k == 1, &g) < 0);
				}
				if (g.n > 0 && passes[a].act != ACTION_ACCEPT &&
				    target < 0) {
					target = deny_chain(cc, from, to, passes[a].act);
					FAIL_IF(cc, target < 0);
				}
				ps.target = target;
				set_fields(&tmp, fams[f], k == 1);
				layout_of(&tmp, &l);
				FAIL_IF(cc, !cc->fail &&
					hash_sets(cc, &g, &tmp, &l, &ps) < 0);
				FAIL_IF(cc, !cc->fail && place(cc, &g, &l, mk_pset, &ps) < 0);
				free(g.b);
				free(g.line);
			}
		}
	}
}

static void pair_chains(struct cc *cc)
{
	const struct model *m = cc->m;
	size_t n = m->n_zones, s, d;
	char prefix[RS_PREFIX_MAX + 1];

	for (s = 0; s < n; s++) {
		for (d = 0; d <= n; d++) {
			int to = d == n ? ZONE_GATEWAY : (int)d;
			size_t pair = model_pair(m, (int)s, to);
			int ch;

			if (to == ZONE_GATEWAY && !m->uses_gateway)
				continue;
			ch = add_chain(cc->rs, RH_NONE, "pair_%s_%s",
				       zname(m, (int)s), zname(m, to));
			FAIL_IF(cc, ch < 0);
			if (ch < 0)
				return;
			cc->pair_chain[pair] = ch;
			if ((int)s == to) {
				struct rb b = { 0 };

				if (m->zones[s].intra == INTRA_ACCEPT) {
					rb_counter(&b, cc->acc_obj[pair]);
					rb_arg(&b, RX_CTMARK_SET,
					       pair_mark(m, (int)s, (int)s));
					rb_verdict(&b, RV_ACCEPT, 0);
					FAIL_IF(cc, rb_close(cc->rs, ch, &b, m->zones[s].line,
							     "%s:%d %s intra accept", cc->file,
							     m->zones[s].line, zname(m, (int)s)) < 0);
				} else {
					snprintf(prefix, sizeof(prefix), "zg intra %s %s",
						 zname(m, (int)s), zname(m, (int)s));
					log_drop(cc, ch, prefix, cc->deny_obj[pair],
						 m->zones[s].line, "intra = drop");
				}
				continue;
			}
			pair_body(cc, (int)s, to, ch);
			snprintf(prefix, sizeof(prefix), "zg policy %s %s",
				 zname(m, (int)s), zname(m, to));
			log_drop(cc, ch, prefix, cc->deny_obj[pair], 0,
				 "no policy permits it");
		}
	}
}

#define ZM_SRC	(-1)	/* zone_map's src: the source zone map */
#define ZM_REL	(-2)	/* ... the map of the zone an ICMP error must come from */

/* zone_maps - address -> zone interval maps: src (ZM_SRC: goto src_Z or
 * gw_Z), dst of one source zone (goto pair_Z_D), or the destination of the
 * packet an ICMP error quotes (ZM_REL: goto rel_Z). Gaps are interval-end
 * markers. */
static int zone_map(struct cc *cc, int family, const char *name, int src,
		    bool input)
{
	const struct model *m = cc->m;
	enum rs_field f;
	const struct lpm_range *r;
	size_t n, i;
	int set;
	char comment[RS_COMMENT_MAX + 1];

	if (src == ZM_REL)
		f = family == AF_INET ? RF_ICMP_IDADDR4 : RF_ICMP_IDADDR6;
	else if (src < 0)
		f = family == AF_INET ? RF_SADDR4 : RF_SADDR6;
	else
		f = family == AF_INET ? RF_DADDR4 : RF_DADDR6;
	snprintf(comment, sizeof(comment), "%s: %s zone by longest prefix",
		 cc->file, src == ZM_REL ? "quoted destination's" :
		 src < 0 ? "source" : "destination");
	set = add_set(cc->rs, &f, 1, true, true, 0, comment, "%s", name);
	if (set < 0)
		return -1;
	r = lpm_ranges(m->zone_lpm, family, &n);
	for (i = 0; i < n; i++) {
		u128 max = family == AF_INET ? 0xffffffffu : ~(u128)0;
		struct rs_elem *e;

		if (r[i].val == LPM_NONE)
			continue;
		/* as nft sends them: a start element, then (unless the range
		 * runs to the top) an end element at the next address */
		e = add_elem(&cc->rs->sets[set]);
		if (e == NULL)
			return -1;
		put_addr(e->key, family, r[i].lo);
		e->data.code = RV_GOTO;
		if (src == ZM_REL)
			e->data.chain = cc->rel_chain[r[i].val];
		else if (src < 0)
			e->data.chain = input ? cc->gw_chain[r[i].val] :
				cc->src_chain[r[i].val];
		else
			e->data.chain = cc->pair_chain[model_pair(m, src, r[i].val)];
		if (r[i].hi != max) {
			e = add_elem(&cc->rs->sets[set]);
			if (e == NULL)
				return -1;
			put_addr(e->key, family, r[i].hi + 1);
			e->interval_end = true;
		}
	}
	return set;
}

/* if_set - the set if_Z of zone z's interfaces, made on first use; -1 if
 * the zone names no interface (or on failure, with cc->fail set). */
static int if_set(struct cc *cc, int z)
{
	static const enum rs_field fi[] = { RF_IIFNAME };
	const struct zone *zn = &cc->m->zones[z];
	char name[RS_NAME_MAX];
	int set;
	size_t k;

	if (zn->n_ifaces == 0)
		return -1;
	snprintf(name, sizeof(name), "if_%s", zn->name);
	for (k = 0; k < cc->rs->n_sets; k++)
		if (strcmp(cc->rs->sets[k].name, name) == 0)
			return (int)k;
	set = add_set(cc->rs, fi, 1, false, false, zn->line, "", "%s", name);
	FAIL_IF(cc, set < 0);
	if (set < 0)
		return -1;
	snprintf(cc->rs->sets[set].comment, RS_COMMENT_MAX + 1,
		 "%s:%d interfaces of zone %s", cc->file, zn->line, zn->name);
	for (k = 0; k < zn->n_ifaces; k++) {
		struct rs_elem *e = add_elem(&cc->rs->sets[set]);

		FAIL_IF(cc, e == NULL);
		if (e)
			memcpy(e->key, zn->ifaces[k], strlen(zn->ifaces[k]));
	}
	return set;
}

/* src_chain_body - spoof check, then destination dispatch. */
static void src_body(struct cc *cc, int z, bool input)
{
	const struct model *m = cc->m;
	const struct zone *zn = &m->zones[z];
	int ch = input ? cc->gw_chain[z] : cc->src_chain[z];
	char prefix[RS_PREFIX_MAX + 1], name[RS_NAME_MAX];
	struct rb b = { 0 };
	int f;

	if (zn->n_ifaces > 0) {
		int set = if_set(cc, z), spoof;

		if (set < 0)
			return;
		spoof = add_chain(cc->rs, RH_NONE, "%sspoof_%s", input ? "gw" : "",
				  zn->name);
		FAIL_IF(cc, spoof < 0);
		if (spoof < 0)
			return;
		snprintf(prefix, sizeof(prefix), "zg spoof %s %s", zn->name,
			 input ? ZONE_GATEWAY_NAME : "-");
		log_drop(cc, spoof, prefix, cc->spoof_obj[z], zn->line,
			 "source address arrived on another zone's interface");
		rb_set(&b, RX_LOOKUP, set, 1);
		rb_verdict(&b, RV_GOTO, spoof);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, zn->line, "%s:%d %s spoof check",
				     cc->file, zn->line, zn->name) < 0);
	}
	if (input) {
		rb_verdict(&b, RV_GOTO, cc->pair_chain[model_pair(m, z, ZONE_GATEWAY)]);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "%s -> gateway", zn->name) < 0);
		return;
	}
	for (f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET, set;

		snprintf(name, sizeof(name), "zdst%c_%s", f ? '6' : '4', zn->name);
		set = zone_map(cc, family, name, z, false);
		FAIL_IF(cc, set < 0);
		rb_arg(&b, RX_NFPROTO, f ? NFPROTO_V6 : NFPROTO_V4);
		rb_set(&b, RX_VMAP, set, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "destination zone") < 0);
	}
	snprintf(prefix, sizeof(prefix), "zg unknown-zone %s -", zn->name);
	log_drop(cc, ch, prefix, cc->unknown_obj, 0, "destination in no zone");
}

/* related_chains - where related traffic goes (both base chains): an
 * ICMP error belongs to the flow whose packet it quotes, and a genuine one
 * comes from that packet's way, in on an interface of the zone the quoted
 * packet went to (the flow's destination zone for an error about a packet
 * of the flow, its source zone for an error about a reply). Conntrack ties
 * an error to its flow by the quoted addresses and ports alone, whoever sent
 * it and wherever it came in: one from elsewhere (a host of a zone that may
 * not talk to the flow's zones, quoting a flow it has guessed) is dropped,
 * silently like the errors of no flow, and counted in related_offpath.
 * Related traffic that is no ICMP error (a helper's expected connection), or
 * whose quoted destination is in no zone, is accepted as before. */
static void related_chains(struct cc *cc)
{
	const struct model *m = cc->m;
	struct rb b = { 0 };
	size_t z;
	int f, ch, offpath;

	offpath = add_obj(cc->rs, RO_COUNTER, "ICMP errors of a flow that came "
			  "in off its path, dropped", "related_offpath");
	FAIL_IF(cc, offpath < 0);
	for (z = 0; z < m->n_zones; z++) {
		int set = if_set(cc, (int)z);
		const struct zone *zn = &m->zones[z];

		ch = add_chain(cc->rs, RH_NONE, "rel_%s", zn->name);
		FAIL_IF(cc, ch < 0);
		if (ch < 0)
			return;
		cc->rel_chain[z] = ch;
		if (set >= 0)
			rb_set(&b, RX_LOOKUP, set, 0);
		rb_set(&b, RX_COUNTER_MAP, cc->ctr_map, 0);
		rb_verdict(&b, RV_ACCEPT, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, zn->line, "ICMP error from "
				     "zone %s, where its quoted packet went",
				     zn->name) < 0);
		if (set >= 0)
			rb_set(&b, RX_LOOKUP, set, 0);
		rb_verdict(&b, RV_ACCEPT, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, zn->line, "... of a flow "
				     "without a zone pair mark") < 0);
		if (set < 0)
			continue;	/* no interfaces: from anywhere */
		rb_counter(&b, offpath);
		rb_verdict(&b, RV_DROP, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, zn->line, "ICMP error quoting "
				     "a packet to zone %s, from elsewhere: off the "
				     "flow's path", zn->name) < 0);
	}
	ch = add_chain(cc->rs, RH_NONE, "related");
	FAIL_IF(cc, ch < 0);
	if (ch < 0)
		return;
	cc->related_chain = ch;
	for (f = 0; f < 2; f++) {
		int set = zone_map(cc, f ? AF_INET6 : AF_INET, f ? "zrel6" : "zrel4",
				   ZM_REL, false);

		FAIL_IF(cc, set < 0);
		rb_arg(&b, RX_NFPROTO, f ? NFPROTO_V6 : NFPROTO_V4);
		rb_arg(&b, RX_L4PROTO, f ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
		rb_set(&b, RX_VMAP, set, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "ICMP error: by the zone "
				     "its quoted packet went to") < 0);
	}
	rb_set(&b, RX_COUNTER_MAP, cc->ctr_map, 0);
	rb_verdict(&b, RV_ACCEPT, 0);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "other related traffic, counted "
			     "by zone pair") < 0);
	rb_verdict(&b, RV_ACCEPT, 0);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "other related traffic") < 0);
}

/* est_sets - for one family, est_srcF: every address range of the zone
 * map with each interface of its zone (a concatenated range set: one lookup
 * whatever the number of ranges and interfaces); and est_anyF: the ranges
 * not checked, of zones that name no interface and of addresses in no
 * zone. (One set cannot hold both: nft(8) aborts listing an interface
 * range that is no "name*" prefix, and "*" alone is none.) Sets set[0] and
 * set[1]; 0 or -1. */
static int est_sets(struct cc *cc, int family, int *set)
{
	static const enum rs_field f4[] = { RF_SADDR4, RF_IIFNAME };
	static const enum rs_field f6[] = { RF_SADDR6, RF_IIFNAME };
	const enum rs_field fa = family == AF_INET ? RF_SADDR4 : RF_SADDR6;
	const struct model *m = cc->m;
	u128 max = family == AF_INET ? 0xffffffffu : ~(u128)0;
	unsigned alen = family == AF_INET ? 4 : 16;
	char c = family == AF_INET ? '4' : '6';
	const struct lpm_range *r;
	char comment[RS_COMMENT_MAX + 1];
	size_t n, i, k;
	bool open = false;	/* an unchecked range is being extended */
	u128 lo = 0;

	snprintf(comment, sizeof(comment), "%s: source address . interface an "
		 "established packet may come in on", cc->file);
	set[0] = add_set(cc->rs, family == AF_INET ? f4 : f6, 2, true, false, 0,
			 comment, "est_src%c", c);
	snprintf(comment, sizeof(comment), "%s: source addresses of zones "
		 "without interfaces, or of none: not checked", cc->file);
	set[1] = set[0] < 0 ? -1 : add_set(cc->rs, &fa, 1, true, false, 0,
					    comment, "est_any%c", c);
	if (set[1] < 0)
		return -1;
	r = lpm_ranges(m->zone_lpm, family, &n);
	for (i = 0; i <= n; i++) {
		const struct zone *zn = i == n || r[i].val == LPM_NONE ? NULL :
					&m->zones[r[i].val];
		bool checked = zn != NULL && zn->n_ifaces > 0;
		struct rs_elem *e;

		/* adjacent unchecked ranges become one interval */
		if (i < n && !checked) {
			if (!open)
				lo = r[i].lo;
			open = true;
			continue;
		}
		if (open) {
			u128 hi = r[i - 1].hi;

			e = add_elem(&cc->rs->sets[set[1]]);
			if (e == NULL)
				return -1;
			put_addr(e->key, family, lo);
			if (hi != max) {
				e = add_elem(&cc->rs->sets[set[1]]);
				if (e == NULL)
					return -1;
				put_addr(e->key, family, hi + 1);
				e->interval_end = true;
			}
			open = false;
		}
		if (i == n)
			break;
		for (k = 0; k < zn->n_ifaces; k++) {
			e = add_elem(&cc->rs->sets[set[0]]);
			if (e == NULL)
				return -1;
			put_addr(e->key, family, r[i].lo);
			put_addr(e->key_end, family, r[i].hi);
			memcpy(e->key + alen, zn->ifaces[k], strlen(zn->ifaces[k]));
			memcpy(e->key_end + alen, zn->ifaces[k], strlen(zn->ifaces[k]));
		}
	}
	return 0;
}

/* est_check - the rules at the head of a base chain that hold established
 * packets of the flows zonegate accepted (their ct mark has RS_CTMARK_TAG)
 * to the anti-spoof rule of new flows. Conntrack matches a packet to a flow
 * by addresses and ports alone, wherever it came in: without this a host
 * of one zone could send a reply forged with the address and port of a
 * flow's peer in another zone and have it delivered as ESTABLISHED. A
 * packet's source address (the flow's destination, for a reply) must be in
 * a zone that lists the interface it came in on (est_src), or in a zone
 * without interfaces or in none (est_any, looked up only on a miss);
 * otherwise it goes to est_spoof (gwest_spoof in input), which logs it as
 * "zg spoof - -" and counts it in spoof_established. Flows without our
 * mark (older than zonegate's table) pass as before. The sets hold the
 * current configuration's zones, not the zones of the flow's start (the
 * pair in the mark is renumbered when zones are added), so a reload that
 * keeps an address's zone and interfaces never cuts its flows. */
static void est_check(struct cc *cc, int ch, bool input)
{
	struct rb b = { 0 };
	int f, k, spoof, check;

	if (cc->est_obj < 0)
		return;		/* no zone names an interface: nothing to check */
	for (f = 0; f < 2; f++)
		if (cc->est_set[f][0] < 0) {
			FAIL_IF(cc, est_sets(cc, f ? AF_INET6 : AF_INET,
					     cc->est_set[f]) < 0);
			if (cc->fail)
				return;
		}
	spoof = add_chain(cc->rs, RH_NONE, "%sest_spoof", input ? "gw" : "");
	FAIL_IF(cc, spoof < 0);
	if (spoof < 0)
		return;
	log_drop(cc, spoof, input ? "zg spoof - " ZONE_GATEWAY_NAME : "zg spoof - -",
		 cc->est_obj, 0, "established packet from an interface its "
		 "source's zone does not have");
	/* one test of state and mark at the head of the base chain; the
	 * lookups in a chain of their own, the likely one first (measured by
	 * tests/bench/established.sh: two rules that each tested state, mark
	 * and family cost twice the expressions of this) */
	check = add_chain(cc->rs, RH_NONE, "%sest_check", input ? "gw" : "");
	FAIL_IF(cc, check < 0);
	if (check < 0)
		return;
	for (k = 0; k < 2; k++)
		for (f = 0; f < 2; f++) {
			rb_arg(&b, RX_NFPROTO, f ? NFPROTO_V6 : NFPROTO_V4);
			rb_set(&b, RX_LOOKUP, cc->est_set[f][k], 0);
			rb_verdict(&b, RV_RETURN, 0);
			FAIL_IF(cc, rb_close(cc->rs, check, &b, 0, k ?
					     "source in a zone without interfaces, or in none" :
					     "source arrived on an interface of its zone") < 0);
		}
	rb_verdict(&b, RV_GOTO, spoof);
	FAIL_IF(cc, rb_close(cc->rs, check, &b, 0, "established packet from an "
			     "interface its source's zone does not have") < 0);
	rb_x(&b, RX_CT_ESTABLISHED);
	rb_x(&b, RX_CTMARK_OURS);
	rb_verdict(&b, RV_JUMP, check);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "established traffic of "
			     "accepted flows: spoof check") < 0);
}

/* base - the head of forward or input. */
static void base_chain(struct cc *cc, bool input)
{
	const struct model *m = cc->m;
	int ch = add_chain(cc->rs, input ? RH_INPUT : RH_FORWARD, "%s",
			   input ? "input" : "forward");
	struct rb b = { 0 };
	size_t z;
	int f, unk;

	FAIL_IF(cc, ch < 0);
	if (ch < 0)
		return;
	if (input) {
		rb_x(&b, RX_IIF_LO);
		rb_verdict(&b, RV_ACCEPT, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "loopback") < 0);
	}
	est_check(cc, ch, input);
	/* the traffic of accepted flows, counted by zone pair through the
	 * connection's mark; flows without one fall to the next rule */
	rb_x(&b, RX_CT_ESTABLISHED);
	rb_set(&b, RX_COUNTER_MAP, cc->ctr_map, 0);
	rb_verdict(&b, RV_ACCEPT, 0);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "established traffic, counted "
			     "by zone pair") < 0);
	rb_x(&b, RX_CT_ESTABLISHED);
	rb_verdict(&b, RV_ACCEPT, 0);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "replies of permitted flows") < 0);
	if (cc->related_chain < 0)
		related_chains(cc);
	if (cc->related_chain < 0)
		return;
	rb_x(&b, RX_CT_RELATED);
	rb_verdict(&b, RV_GOTO, cc->related_chain);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "ICMP errors of permitted flows, "
			     "if they come from the flow's path") < 0);
	if (input) {
		/* neighbour discovery and MLD keep IPv6 working; they are
		 * link-local and never forwarded */
		rb_arg(&b, RX_NFPROTO, NFPROTO_V6);
		rb_arg(&b, RX_L4PROTO, IPPROTO_ICMPV6);
		rb_x(&b, RX_ICMPV6_ND);
		rb_verdict(&b, RV_ACCEPT, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "IPv6 neighbour discovery "
				     "and MLD") < 0);
		rb_arg(&b, RX_NFPROTO, NFPROTO_V6);
		rb_arg(&b, RX_L4PROTO, IPPROTO_ICMPV6);
		rb_arg(&b, RX_ICMP_TYPE, 143);
		rb_verdict(&b, RV_ACCEPT, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "MLDv2 reports") < 0);
	}
	rb_x(&b, RX_CT_INVALID);
	rb_verdict(&b, RV_DROP, 0);
	FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "forged or out-of-state packets") < 0);
	for (z = 0; z < m->n_zones; z++) {
		int c = add_chain(cc->rs, RH_NONE, "%s_%s", input ? "gw" : "src",
				  m->zones[z].name);

		FAIL_IF(cc, c < 0);
		if (input)
			cc->gw_chain[z] = c;
		else
			cc->src_chain[z] = c;
	}
	for (f = 0; f < 2; f++) {
		char name[RS_NAME_MAX];
		int set;

		snprintf(name, sizeof(name), "%s%c", input ? "gsrc" : "zsrc",
			 f ? '6' : '4');
		set = zone_map(cc, f ? AF_INET6 : AF_INET, name, -1, input);
		FAIL_IF(cc, set < 0);
		rb_arg(&b, RX_NFPROTO, f ? NFPROTO_V6 : NFPROTO_V4);
		rb_set(&b, RX_VMAP, set, 0);
		FAIL_IF(cc, rb_close(cc->rs, ch, &b, 0, "source zone") < 0);
	}
	unk = add_obj(cc->rs, RO_COUNTER, "packets from or to addresses in "
		      "no zone", "unknown_%s", input ? "input" : "forward");
	FAIL_IF(cc, unk < 0);
	cc->unknown_obj = unk;
	log_drop(cc, ch, input ? "zg unknown-zone - gateway" : "zg unknown-zone - -",
		 unk, 0, "source in no zone");
	for (z = 0; z < m->n_zones; z++)
		src_body(cc, (int)z, input);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ctr_map - a pkt_FROM_TO counter per pair and the map from ct mark to it */
static void ctr_map(struct cc *cc)
{
	static const enum rs_field f[] = { RF_CTMARK };
	const struct model *m = cc->m;
	size_t s, d;

	cc->ctr_map = add_set(cc->rs, f, 1, false, false, 0, "ct mark of an "
			      "accepted flow -> its zone pair's counter", "pairctr");
	FAIL_IF(cc, cc->ctr_map < 0);
	if (cc->ctr_map < 0)
		return;
	cc->rs->sets[cc->ctr_map].objmap = true;
	for (s = 0; s < m->n_zones; s++)
		for (d = 0; d <= m->n_zones; d++) {
			int to = d == m->n_zones ? ZONE_GATEWAY : (int)d;
			struct rs_elem *e;
			uint32_t mark = pair_mark(m, (int)s, to);
			int o;

			if (to == ZONE_GATEWAY && !m->uses_gateway)
				continue;
			o = add_obj(cc->rs, RO_COUNTER, "packets and bytes of "
				    "accepted flows, both directions", "pkt_%s_%s",
				    zname(m, (int)s), zname(m, to));
			e = add_elem(&cc->rs->sets[cc->ctr_map]);
			FAIL_IF(cc, o < 0 || e == NULL);
			if (o < 0 || e == NULL)
				return;
			memcpy(e->key, &mark, 4);	/* host order, as ct mark */
			e->obj = o;
		}
}

static void objects(struct cc *cc)
{
	const struct model *m = cc->m;
	size_t s, d;

	cc->log_limit = add_obj(cc->rs, RO_LIMIT, "NFLOG budget of all deny rules",
				"log_limit");
	FAIL_IF(cc, cc->log_limit != RS_OBJ_LOG_LIMIT);
	FAIL_IF(cc, add_obj(cc->rs, RO_COUNTER, "denied packets sent to NFLOG",
			    "nflog_sent") != RS_OBJ_NFLOG_SENT);
	for (s = 0; s < m->n_zones; s++)
		if (m->zones[s].n_ifaces > 0) {
			cc->spoof_obj[s] = add_obj(cc->rs, RO_COUNTER,
				"packets with this zone's addresses from another "
				"zone's interface", "spoof_%s", zname(m, (int)s));
			FAIL_IF(cc, cc->spoof_obj[s] < 0);
		}
	/* "established" is no zone name (conf.c), so this is no spoof_ZONE;
	 * without any zone interface there is nothing to check */
	for (s = 0; s < m->n_zones && cc->est_obj < 0; s++)
		if (m->zones[s].n_ifaces > 0) {
			cc->est_obj = add_obj(cc->rs, RO_COUNTER, "established "
				"packets from an interface their source's zone "
				"does not have", "spoof_established");
			FAIL_IF(cc, cc->est_obj < 0);
		}
	for (s = 0; s < m->n_zones; s++)
		for (d = 0; d <= m->n_zones; d++) {
			int to = d == m->n_zones ? ZONE_GATEWAY : (int)d;
			size_t pair = model_pair(m, (int)s, to);

			if (to == ZONE_GATEWAY && !m->uses_gateway)
				continue;
			cc->acc_obj[pair] = add_obj(cc->rs, RO_COUNTER,
				"new flows accepted", "acc_%s_%s", zname(m, (int)s),
				zname(m, to));
			cc->deny_obj[pair] = add_obj(cc->rs, RO_COUNTER,
				"packets denied", "deny_%s_%s", zname(m, (int)s),
				zname(m, to));
			FAIL_IF(cc, cc->acc_obj[pair] < 0 || cc->deny_obj[pair] < 0);
		}
	ctr_map(cc);
}

struct ruleset *ruleset_compile(const struct model *m)
{
	size_t np = m->n_zones * (m->n_zones + 1);
	struct cc cc = { .m = m };

	cc.rs = calloc(1, sizeof(*cc.rs));
	cc.pair_chain = calloc(np + 1, sizeof(int));
	cc.src_chain = calloc(m->n_zones + 1, sizeof(int));
	cc.gw_chain = calloc(m->n_zones + 1, sizeof(int));
	cc.rel_chain = calloc(m->n_zones + 1, sizeof(int));
	cc.related_chain = -1;
	cc.est_obj = -1;
	cc.est_set[0][0] = cc.est_set[1][0] = -1;
	cc.deny_obj = calloc(np + 1, sizeof(int));
	cc.acc_obj = calloc(np + 1, sizeof(int));
	cc.spoof_obj = calloc(m->n_zones + 1, sizeof(int));
	if (!cc.rs || !cc.pair_chain || !cc.src_chain || !cc.gw_chain ||
	    !cc.rel_chain || !cc.deny_obj || !cc.acc_obj || !cc.spoof_obj) {
		cc.fail = 1;
		goto out;
	}
	cc.file = base_name(m->path);
	snprintf(cc.rs->table, sizeof(cc.rs->table), "%s", m->set.table);
	snprintf(cc.rs->source, sizeof(cc.rs->source), "%s", cc.file);
	cc.rs->log_group = m->set.log_group;
	objects(&cc);
	if (cc.fail)
		goto out;
	/* pair chains first: the zone maps point at them */
	pair_chains(&cc);
	base_chain(&cc, false);
	if (m->uses_gateway)
		base_chain(&cc, true);
out:
	free(cc.pair_chain);
	free(cc.src_chain);
	free(cc.gw_chain);
	free(cc.rel_chain);
	free(cc.deny_obj);
	free(cc.acc_obj);
	free(cc.spoof_obj);
	if (cc.fail) {
		ruleset_free(cc.rs);
		errno = ENOMEM;
		return NULL;
	}
	return cc.rs;
}

void ruleset_free(struct ruleset *rs)
{
	size_t c, r, x;

	if (rs == NULL)
		return;
	for (c = 0; c < rs->n_chains; c++) {
		for (r = 0; r < rs->chains[c].n_rules; r++) {
			for (x = 0; x < rs->chains[c].rules[r].n; x++)
				free(rs->chains[c].rules[r].x[x].text);
			free(rs->chains[c].rules[r].x);
		}
		free(rs->chains[c].rules);
	}
	for (c = 0; c < rs->n_sets; c++)
		free(rs->sets[c].elems);
	free(rs->chains);
	free(rs->sets);
	free(rs->objs);
	free(rs->set_line);
	free(rs);
}

size_t ruleset_n_rules(const struct ruleset *rs)
{
	size_t c, n = 0;

	for (c = 0; c < rs->n_chains; c++)
		n += rs->chains[c].n_rules;
	return n;
}

size_t ruleset_n_elems(const struct ruleset *rs)
{
	size_t c, n = 0;

	for (c = 0; c < rs->n_sets; c++)
		n += rs->sets[c].n_elems;
	return n;
}
