/* lpm.c - prefix flattening and range lookup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lpm.h"

struct lpm_fam {
	struct lpm_range	*r;
	size_t			n;
	uint32_t		*start4;	/* IPv4: range starts, for lookup */
	u128			*start6;
	int32_t			*val;
};

struct lpm {
	struct lpm_fam	f4;
	struct lpm_fam	f6;
};

struct sorted {
	const struct lpm_entry	*e;
	size_t			idx;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;

	if (x->e->p.family != y->e->p.family)
		return x->e->p.family < y->e->p.family ? -1 : 1;
	if (x->e->p.v != y->e->p.v)
		return x->e->p.v < y->e->p.v ? -1 : 1;
	if (x->e->p.len != y->e->p.len)
		return x->e->p.len < y->e->p.len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct flat {
	struct lpm_range	*r;
	size_t			n, cap;
};

static int flat_emit(struct flat *f, u128 lo, u128 hi, int32_t val)
{
	if (f->n > 0 && f->r[f->n - 1].val == val && f->r[f->n - 1].hi + 1 == lo) {
		f->r[f->n - 1].hi = hi;
		return 0;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct lpm_range *nr = realloc(f->r, cap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		f->r = nr;
		f->cap = cap;
	}
	f->r[f->n].lo = lo;
	f->r[f->n].hi = hi;
	f->r[f->n].val = val;
	f->n++;
	return 0;
}

struct stk {
	u128	hi;
	int32_t	val;
};

/*
 * Sweep sorted prefixes (start ascending, wider first). Prefixes either nest
 * or are disjoint, so a stack of open prefixes gives the innermost one at any
 * point. `cur` is the first address not yet emitted; `done` guards the wrap
 * past the top of the address space.
 */
static int flatten(const struct sorted *s, size_t n, u128 max, struct flat *f)
{
	struct stk *st = malloc((n + 1) * sizeof(*st));
	size_t depth = 0, i;
	u128 cur = 0;
	int done = 0;

	if (st == NULL)
		return -1;
	for (i = 0; i <= n && !done; i++) {
		u128 start = i < n ? s[i].e->p.v : 0;

		while (depth > 0 && (i == n || st[depth - 1].hi < start)) {
			struct stk *t = &st[--depth];

			if (cur <= t->hi && flat_emit(f, cur, t->hi, t->val) < 0)
				goto out_free;
			if (t->hi == max) {
				done = 1;
				break;
			}
			if (cur <= t->hi)
				cur = t->hi + 1;
		}
		if (done || i == n)
			break;
		if (cur < start) {
			int32_t v = depth ? st[depth - 1].val : LPM_NONE;

			if (flat_emit(f, cur, start - 1, v) < 0)
				goto out_free;
			cur = start;
		}
		st[depth].hi = prefix_last(&s[i].e->p);
		st[depth].val = s[i].e->val;
		depth++;
	}
	if (!done && flat_emit(f, cur, max, LPM_NONE) < 0)
		goto out_free;
	free(st);
	return 0;
out_free:
	free(st);
	return -1;
}

static int fam_index(struct lpm_fam *fam, int family)
{
	size_t i;

	fam->val = malloc(fam->n * sizeof(*fam->val));
	if (fam->val == NULL)
		return -1;
	if (family == AF_INET)
		fam->start4 = malloc(fam->n * sizeof(*fam->start4));
	else
		fam->start6 = malloc(fam->n * sizeof(*fam->start6));
	if (fam->start4 == NULL && fam->start6 == NULL)
		return -1;
	for (i = 0; i < fam->n; i++) {
		fam->val[i] = fam->r[i].val;
		if (family == AF_INET)
			fam->start4[i] = (uint32_t)fam->r[i].lo;
		else
			fam->start6[i] = fam->r[i].lo;
	}
	return 0;
}

static int build_family(struct lpm_fam *fam, const struct sorted *s, size_t n,
			int family)
{
	struct flat f = { 0 };
	u128 max = family == AF_INET ? 0xffffffffu : ~(u128)0;

	if (flatten(s, n, max, &f) < 0) {
		free(f.r);
		return -1;
	}
	fam->r = f.r;
	fam->n = f.n;
	return fam_index(fam, family);
}

struct lpm *lpm_build(const struct lpm_entry *e, size_t n, lpm_dup_fn dup,
		      void *arg)
{
	struct lpm *t = calloc(1, sizeof(*t));
	struct sorted *s = malloc((n ? n : 1) * sizeof(*s));
	size_t i, k = 0, n4;

	if (t == NULL || s == NULL)
		goto out_free;
	for (i = 0; i < n; i++) {
		s[i].e = &e[i];
		s[i].idx = i;
	}
	qsort(s, n, sizeof(*s), entry_cmp);
	/* drop exact duplicates, keeping the first given */
	for (i = 0; i < n; i++) {
		if (k > 0 && s[i].e->p.family == s[k - 1].e->p.family &&
		    s[i].e->p.v == s[k - 1].e->p.v &&
		    s[i].e->p.len == s[k - 1].e->p.len) {
			if (dup != NULL)
				dup(arg, s[k - 1].idx, s[i].idx);
			continue;
		}
		s[k++] = s[i];
	}
	for (n4 = 0; n4 < k && s[n4].e->p.family == AF_INET; n4++)
		;
	if (build_family(&t->f4, s, n4, AF_INET) < 0 ||
	    build_family(&t->f6, s + n4, k - n4, AF_INET6) < 0)
		goto out_free;
	free(s);
	return t;
out_free:
	free(s);
	lpm_free(t);
	errno = ENOMEM;
	return NULL;
}

static void fam_free(struct lpm_fam *f)
{
	free(f->r);
	free(f->start4);
	free(f->start6);
	free(f->val);
}

void lpm_free(struct lpm *t)
{
	if (t == NULL)
		return;
	fam_free(&t->f4);
	fam_free(&t->f6);
	free(t);
}

int32_t lpm_lookup(const struct lpm *t, const struct addr *a)
{
	size_t lo = 0, hi;

	if (a->family == AF_INET) {
		const uint32_t *st = t->f4.start4;
		uint32_t v = (uint32_t)a->v;

		hi = t->f4.n;
		/* last start <= v; the partition starts at 0 so one exists */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (st[mid] <= v)
				lo = mid;
			else
				hi = mid;
		}
		return t->f4.val[lo];
	}
	if (a->family == AF_INET6) {
		const u128 *st = t->f6.start6;

		hi = t->f6.n;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (st[mid] <= a->v)
				lo = mid;
			else
				hi = mid;
		}
		return t->f6.val[lo];
	}
	return LPM_NONE;
}

const struct lpm_range *lpm_ranges(const struct lpm *t, int family, size_t *n)
{
	const struct lpm_fam *f = family == AF_INET ? &t->f4 : &t->f6;

	*n = f->n;
	return f->r;
}
