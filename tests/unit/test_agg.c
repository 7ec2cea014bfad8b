/* test_agg.c - folding, the rate cap, eviction: counts always add up. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "../../lib/agg.h"

static struct model *m;

struct sink {
	unsigned	lines[4];
	uint64_t	counted;	/* sum of the counts the lines report */
	char		last[4][VIOL_LINE_MAX];
};

/* count_of - the count= (or violations-suppressed count=) of a line */
static uint64_t count_of(const char *line)
{
	const char *c = strstr(line, " count=");

	ck_assert_ptr_nonnull(c);
	return strtoull(c + 7, NULL, 10);
}

static void sink_emit(void *arg, enum agg_kind kind, const char *line,
		      uint64_t count)
{
	struct sink *s = arg;

	(void)count;
	s->lines[kind]++;
	s->counted += count_of(line);
	snprintf(s->last[kind], sizeof(s->last[kind]), "%s", line);
}

static void setup(void)
{
	struct err_list el;

	err_init(&el);
	m = conf_load(TOP "/conf/zonegate.conf", &el);
	ck_assert_ptr_nonnull(m);
	err_free(&el);
}

static void teardown(void)
{
	model_free(m);
}

static void event(struct viol_event *ev, const char *src, uint16_t dport)
{
	memset(ev, 0, sizeof(*ev));
	ev->reason = REASON_POLICY;
	ev->src_zone = model_zone_index(m, "lgwan");
	ev->dst_zone = model_zone_index(m, "internet");
	ev->pi.family = AF_INET;
	ev->pi.proto = IPPROTO_TCP;
	ev->pi.has_ports = true;
	ev->pi.sport = 40000;
	ev->pi.dport = dport;
	addr_parse(src, &ev->pi.src);
	addr_parse("198.51.100.7", &ev->pi.dst);
	snprintf(ev->in, sizeof(ev->in), "lg0");
	snprintf(ev->out, sizeof(ev->out), "inet0");
	ev->count = 1;
}

START_TEST(fold_1000_identical)
{
	struct sink s = { 0 };
	struct agg *a = agg_new(60, 20, 1024, sink_emit, &s);
	struct viol_event ev;
	int i;

	event(&ev, "10.20.3.4", 443);
	for (i = 0; i < 1000; i++)
		agg_event(a, m, &ev, (uint64_t)i, 1764064801 + i / 100);
	ck_assert_uint_eq(s.lines[AGG_VIOLATION], 1);
	ck_assert_uint_eq(s.lines[AGG_SUMMARY], 0);
	agg_tick(a, m, 59999);
	ck_assert_uint_eq(s.lines[AGG_SUMMARY], 0);
	agg_tick(a, m, 60000);
	ck_assert_uint_eq(s.lines[AGG_SUMMARY], 1);
	ck_assert_str_eq(s.last[AGG_SUMMARY], "violation-summary reason=policy "
			 "src_zone=lgwan dst_zone=internet proto=tcp src=10.20.3.4 "
			 "dst=198.51.100.7 dport=443 count=999 "
			 "first=2025-11-25T10:00:01Z last=2025-11-25T10:00:10Z");
	ck_assert_uint_eq(s.counted, 1000);
	/* after the window, the next one is a first occurrence again */
	agg_event(a, m, &ev, 61000, 1764064900);
	ck_assert_uint_eq(s.lines[AGG_VIOLATION], 2);
	agg_free(a);
}
END_TEST

START_TEST(rate_cap_and_suppressed_line)
{
	struct sink s = { 0 };
	struct agg *a = agg_new(60, 20, 1024, sink_emit, &s);
	struct viol_event ev;
	char src[32];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "10.20.0.%d", i + 1);
		event(&ev, src, 443);
		agg_event(a, m, &ev, 500, 1764064801);
	}
	ck_assert_uint_eq(s.lines[AGG_VIOLATION], 20);
	agg_tick(a, m, 60500);
	ck_assert_uint_eq(s.lines[AGG_SUPPRESSED], 1);
	ck_assert_str_eq(s.last[AGG_SUPPRESSED], "violations-suppressed count=80 window=60");
	ck_assert_uint_eq(s.counted, 100);
	agg_free(a);
}
END_TEST

START_TEST(flush_writes_pending)
{
	struct sink s = { 0 };
	struct agg *a = agg_new(60, 20, 1024, sink_emit, &s);
	struct viol_event ev;

	event(&ev, "10.20.3.4", 443);
	agg_event(a, m, &ev, 0, 1764064801);
	agg_event(a, m, &ev, 10, 1764064801);
	agg_event(a, m, &ev, 20, 1764064802);
	agg_lost(a, 5);
	agg_flush(a, m, 30);
	ck_assert_uint_eq(s.lines[AGG_SUMMARY], 1);
	ck_assert_uint_eq(count_of(s.last[AGG_SUMMARY]), 2);
	ck_assert_uint_eq(s.lines[AGG_SUPPRESSED], 1);
	ck_assert_uint_eq(count_of(s.last[AGG_SUPPRESSED]), 5);
	agg_free(a);
}
END_TEST

START_TEST(counts_add_up_under_random_load)
{
	unsigned seed = 77 + (unsigned)_i;
	struct sink s = { 0 };
	size_t max = 1 + rand_r(&seed) % 64;
	struct agg *a = agg_new(1 + rand_r(&seed) % 5, 1 + rand_r(&seed) % 30,
				max, sink_emit, &s);
	struct agg_stats st;
	struct viol_event ev;
	uint64_t now = 0, n = 0;
	char src[32];
	int i;

	for (i = 0; i < 20000; i++) {
		now += rand_r(&seed) % 7;
		snprintf(src, sizeof(src), "10.20.%u.%u", rand_r(&seed) % 3,
			 rand_r(&seed) % 60);
		event(&ev, src, (uint16_t)(1 + rand_r(&seed) % 4));
		agg_event(a, m, &ev, now, now / 1000);
		n++;
		if (rand_r(&seed) % 100 == 0)
			agg_tick(a, m, now);
		agg_get_stats(a, &st);
		ck_assert_uint_le(st.entries, max);
	}
	agg_flush(a, m, now);
	ck_assert_uint_eq(s.counted, n);
	agg_free(a);
}
END_TEST

Suite *agg_suite(void)
{
	Suite *s = suite_create("agg");
	TCase *tc = tcase_create("fold");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fold_1000_identical);
	tcase_add_test(tc, rate_cap_and_suppressed_line);
	tcase_add_test(tc, flush_writes_pending);
	tcase_add_loop_test(tc, counts_add_up_under_random_load, 0, 20);
	suite_add_tcase(s, tc);
	return s;
}
