/* test_lpm.c - flattening nested prefixes into disjoint ranges, checked
 * against a brute-force longest-prefix match over random prefix sets. */
#include <stdlib.h>
#include <sys/socket.h>

#include "tests.h"

static int32_t brute(const struct lpm_entry *e, size_t n, const struct addr *a)
{
	int best = -1, val = LPM_NONE;
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&e[i].p, a) && e[i].p.len > best) {
			best = e[i].p.len;
			val = e[i].val;
		}
	return val;
}

static u128 rnd128(unsigned *seed)
{
	u128 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 16) | (rand_r(seed) & 0xffff);
	return v;
}

/* random nested prefixes clustered in a small space so they overlap */
static void random_prefix(unsigned *seed, int family, struct prefix *p)
{
	unsigned bits = addr_bits(family);
	unsigned len = rand_r(seed) % (bits + 1);
	u128 v = rnd128(seed);

	if (family == AF_INET)
		v = (v & 0x00ff00ff) | 0x0a000000;	/* 10.x.0.x */
	else
		v = (v & 0xff00ff) | ((u128)0xfd00 << 112);
	p->family = family;
	p->len = len;
	if (len == 0)
		v = 0;
	else if (len < bits)
		v &= ~((((u128)1) << (bits - len)) - 1);
	if (family == AF_INET)
		v &= 0xffffffffu;
	p->v = v;
}

START_TEST(lpm_matches_brute_force)
{
	unsigned seed = 1234 + _i;
	struct lpm_entry e[200];
	size_t n = 1 + rand_r(&seed) % 200, i, k;
	struct lpm *t;

	for (i = 0; i < n; i++) {
		random_prefix(&seed, (rand_r(&seed) & 1) ? AF_INET : AF_INET6,
			      &e[i].p);
		e[i].val = (int32_t)(i % 7);
	}
	/* exact duplicates keep the first, as lpm_build does */
	for (i = 0; i < n; i++)
		for (k = 0; k < i; k++)
			if (e[k].p.family == e[i].p.family &&
			    e[k].p.v == e[i].p.v && e[k].p.len == e[i].p.len)
				e[i].val = e[k].val;
	t = lpm_build(e, n, NULL, NULL);
	ck_assert_ptr_nonnull(t);
	for (k = 0; k < 2000; k++) {
		struct addr a;
		const struct lpm_entry *src = &e[rand_r(&seed) % n];
		u128 last = prefix_last(&src->p);

		a.family = src->p.family;
		/* probe range edges and interiors */
		switch (k % 4) {
		case 0: a.v = src->p.v; break;
		case 1: a.v = last; break;
		case 2: a.v = last + 1; break;
		default: a.v = src->p.v + (rnd128(&seed) & (last - src->p.v));
		}
		if (a.family == AF_INET)
			a.v &= 0xffffffffu;
		ck_assert_int_eq(lpm_lookup(t, &a), brute(e, n, &a));
	}
	lpm_free(t);
}
END_TEST

START_TEST(lpm_ranges_partition)
{
	struct lpm_entry e[3];
	const struct lpm_range *r;
	struct lpm *t;
	size_t n;

	prefix_parse("0.0.0.0/0", &e[0].p);
	e[0].val = 3;
	prefix_parse("10.20.0.0/16", &e[1].p);
	e[1].val = 1;
	prefix_parse("10.20.5.0/24", &e[2].p);
	e[2].val = 2;
	t = lpm_build(e, 3, NULL, NULL);
	r = lpm_ranges(t, AF_INET, &n);
	/* 0.0.0.0-10.19.255.255 3, 10.20.0.0-10.20.4.255 1, 10.20.5.0/24 2,
	 * 10.20.6.0-10.20.255.255 1, 10.21.0.0-255.255.255.255 3 */
	ck_assert_uint_eq(n, 5);
	ck_assert(r[0].lo == 0 && r[0].hi == 0x0a13ffff && r[0].val == 3);
	ck_assert(r[1].lo == 0x0a140000 && r[1].hi == 0x0a1404ff && r[1].val == 1);
	ck_assert(r[2].lo == 0x0a140500 && r[2].hi == 0x0a1405ff && r[2].val == 2);
	ck_assert(r[3].lo == 0x0a140600 && r[3].hi == 0x0a14ffff && r[3].val == 1);
	ck_assert(r[4].lo == 0x0a150000 && r[4].hi == 0xffffffff && r[4].val == 3);
	r = lpm_ranges(t, AF_INET6, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert(r[0].lo == 0 && r[0].hi == ~(u128)0 && r[0].val == LPM_NONE);
	lpm_free(t);
}
END_TEST

static size_t ndup;

static void count_dup(void *arg, size_t a, size_t b)
{
	(void)arg;
	ck_assert_uint_lt(a, b);
	ndup++;
}

START_TEST(lpm_reports_duplicates)
{
	struct lpm_entry e[3];
	struct lpm *t;

	prefix_parse("10.0.0.0/8", &e[0].p);
	e[0].val = 0;
	prefix_parse("10.0.0.0/16", &e[1].p);
	e[1].val = 1;
	prefix_parse("10.0.0.0/8", &e[2].p);
	e[2].val = 2;
	ndup = 0;
	t = lpm_build(e, 3, count_dup, NULL);
	ck_assert_uint_eq(ndup, 1);
	lpm_free(t);
}
END_TEST

Suite *lpm_suite(void)
{
	Suite *s = suite_create("lpm");
	TCase *tc = tcase_create("flatten");

	tcase_add_loop_test(tc, lpm_matches_brute_force, 0, 50);
	tcase_add_test(tc, lpm_ranges_partition);
	tcase_add_test(tc, lpm_reports_duplicates);
	suite_add_tcase(s, tc);
	return s;
}
