/* test_flow.c - the flow table: a packet and its reply find one flow; a
 * full table evicts the least recently seen; expiry frees the idle; the
 * table never grows past its limit. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "../../lib/flow.h"

/* mk - a parsed packet: ports for tcp/udp, icmp type otherwise. */
static struct pkt_info mk(uint8_t proto, const char *src, unsigned sport,
			  const char *dst, unsigned dport)
{
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	ck_assert_int_eq(addr_parse(src, &pi.src), 0);
	ck_assert_int_eq(addr_parse(dst, &pi.dst), 0);
	pi.family = pi.src.family;
	pi.proto = proto;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		pi.has_ports = true;
		pi.sport = (uint16_t)sport;
		pi.dport = (uint16_t)dport;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		pi.has_icmp = true;
		pi.icmp_type = (uint8_t)sport;
		pi.icmp_code = (uint8_t)dport;
	}
	return pi;
}

/* Two packets, and whether they belong to one flow. For ICMP, "sport" is
 * the type. proto2: the second packet's protocol if not proto. */
static const struct {
	const char	*name;
	uint8_t		proto;
	uint8_t		proto2;
	const char	*s1; unsigned p1; const char *d1; unsigned q1;
	const char	*s2; unsigned p2; const char *d2; unsigned q2;
	bool		same;
	bool		reply2;		/* the second is an ICMP reply */
} pairs[] = {
	{ "tcp reply", IPPROTO_TCP, 0, "10.20.3.4", 51234, "198.51.100.7", 443,
	  "198.51.100.7", 443, "10.20.3.4", 51234, true, false },
	{ "tcp repeat", IPPROTO_TCP, 0, "10.20.3.4", 51234, "198.51.100.7", 443,
	  "10.20.3.4", 51234, "198.51.100.7", 443, true, false },
	{ "tcp other sport", IPPROTO_TCP, 0, "10.20.3.4", 51234, "198.51.100.7", 443,
	  "10.20.3.4", 51235, "198.51.100.7", 443, false, false },
	{ "udp vs tcp", IPPROTO_UDP, IPPROTO_TCP, "10.20.3.4", 53, "10.20.0.53", 53,
	  "10.20.0.53", 53, "10.20.3.4", 53, false, false },
	{ "udp ipv6 reply", IPPROTO_UDP, 0, "fd00:20::5", 4000, "fd00:30::40", 3389,
	  "fd00:30::40", 3389, "fd00:20::5", 4000, true, false },
	{ "echo reply", IPPROTO_ICMP, 0, "10.10.1.5", 8, "10.30.0.40", 0,
	  "10.30.0.40", 0, "10.10.1.5", 0, true, true },
	{ "echo both ways", IPPROTO_ICMP, 0, "10.10.1.5", 8, "10.30.0.40", 0,
	  "10.30.0.40", 8, "10.10.1.5", 0, false, false },
	{ "icmpv6 echo reply", IPPROTO_ICMPV6, 0, "fd00:20::5", 128, "fd00:20::9", 0,
	  "fd00:20::9", 129, "fd00:20::5", 0, true, true },
	{ "timestamp reply", IPPROTO_ICMP, 0, "10.1.0.1", 13, "10.2.0.1", 0,
	  "10.2.0.1", 14, "10.1.0.1", 0, true, true },
	{ "echo vs timestamp", IPPROTO_ICMP, 0, "10.1.0.1", 8, "10.2.0.1", 0,
	  "10.1.0.1", 13, "10.2.0.1", 0, false, false },
	{ "same host both ends", IPPROTO_ICMP, 0, "10.1.0.1", 8, "10.1.0.1", 0,
	  "10.1.0.1", 0, "10.1.0.1", 0, true, true },
};

START_TEST(key_bidirectional)
{
	struct pkt_info a = mk(pairs[_i].proto, pairs[_i].s1, pairs[_i].p1,
			       pairs[_i].d1, pairs[_i].q1);
	struct pkt_info b = mk(pairs[_i].proto2 ? pairs[_i].proto2 :
			       pairs[_i].proto, pairs[_i].s2, pairs[_i].p2,
			       pairs[_i].d2, pairs[_i].q2);
	struct flow_key ka, kb;
	bool ra, rb;
	unsigned ea = flow_key_make(&a, &ka, &ra);
	unsigned eb = flow_key_make(&b, &kb, &rb);
	bool same = memcmp(&ka, &kb, sizeof(ka)) == 0;

	ck_assert_msg(same == pairs[_i].same, "%s", pairs[_i].name);
	ck_assert(!ra);
	ck_assert_msg(rb == pairs[_i].reply2, "%s: reply", pairs[_i].name);
	/* a reply's source is the other end, unless both ends are one */
	if (same && strcmp(pairs[_i].s1, pairs[_i].s2) != 0)
		ck_assert_msg(ea != eb, "%s: ends", pairs[_i].name);
}
END_TEST

static struct flow_table *t;
static int gone_calls[2];
static uint16_t gone_last;

static void on_gone(void *arg, const struct flow_entry *e, enum flow_gone why)
{
	(void)arg;
	gone_calls[why]++;
	gone_last = e->key.port[0] == 443 ? e->key.port[1] : e->key.port[0];
}

/* add - the flow 10.1.0.1:sport -> 10.2.0.1:443 at now. */
static struct flow_entry *add(unsigned sport, uint64_t now, bool *created)
{
	struct pkt_info pi = mk(IPPROTO_TCP, "10.1.0.1", sport, "10.2.0.1", 443);
	struct flow_key k;
	struct flow_entry *e;
	bool reply;
	unsigned end = flow_key_make(&pi, &k, &reply);

	e = flow_get(t, &k, end, now, created);
	flow_count(e, flow_dir(e, end), 60, now);
	return e;
}

static struct flow_entry *find(unsigned sport)
{
	struct pkt_info pi = mk(IPPROTO_TCP, "10.1.0.1", sport, "10.2.0.1", 443);
	struct flow_key k;
	bool reply;

	flow_key_make(&pi, &k, &reply);
	return flow_find(t, &k);
}

static void setup(void)
{
	memset(gone_calls, 0, sizeof(gone_calls));
	t = flow_table_new(4, 42, on_gone, NULL);
	ck_assert_ptr_nonnull(t);
}

static void teardown(void)
{
	flow_table_free(t);
	t = NULL;
}

START_TEST(counts_both_directions)
{
	struct pkt_info out = mk(IPPROTO_TCP, "10.20.3.4", 51234, "198.51.100.7", 443);
	struct pkt_info back = mk(IPPROTO_TCP, "198.51.100.7", 443, "10.20.3.4", 51234);
	struct flow_entry *e, *e2;
	struct flow_key k;
	struct addr s, d;
	uint16_t sp, dp;
	char b[ADDR_STRLEN];
	bool created, reply;
	unsigned end = flow_key_make(&out, &k, &reply);

	e = flow_get(t, &k, end, 1000, &created);
	ck_assert(created);
	flow_count(e, flow_dir(e, end), 60, 1000);
	ck_assert(!flow_answered(e));
	end = flow_key_make(&back, &k, &reply);
	e2 = flow_get(t, &k, end, 2000, &created);
	ck_assert(!created);
	ck_assert_ptr_eq(e, e2);
	ck_assert_int_eq(flow_dir(e, end), FLOW_REV);
	flow_count(e, FLOW_REV, 40, 2000);
	ck_assert(flow_answered(e));
	ck_assert_uint_eq(e->packets[FLOW_FWD], 1);
	ck_assert_uint_eq(e->bytes[FLOW_FWD], 60);
	ck_assert_uint_eq(e->packets[FLOW_REV], 1);
	ck_assert_uint_eq(e->bytes[FLOW_REV], 40);
	ck_assert_uint_eq(e->first_us, 1000);
	ck_assert_uint_eq(e->last_us, 2000);
	flow_endpoints(e, &s, &sp, &d, &dp);
	ck_assert_str_eq(addr_format(&s, b), "10.20.3.4");
	ck_assert_str_eq(addr_format(&d, b), "198.51.100.7");
	ck_assert(sp == 51234 && dp == 443);
	/* a capture that began mid-connection: the caller turns it round */
	flow_reverse(e);
	flow_endpoints(e, &s, &sp, &d, &dp);
	ck_assert_str_eq(addr_format(&s, b), "198.51.100.7");
	ck_assert(sp == 443 && dp == 51234);
	ck_assert_uint_eq(e->packets[FLOW_FWD], 1);
	ck_assert_uint_eq(e->bytes[FLOW_FWD], 40);
	ck_assert_uint_eq(flow_table_count(t), 1);
}
END_TEST

START_TEST(icmp_reply_first)
{
	struct pkt_info rep = mk(IPPROTO_ICMP, "10.30.0.40", 0, "10.10.1.5", 0);
	struct flow_entry *e;
	struct flow_key k;
	struct flow f;
	char b[ADDR_STRLEN];
	bool created, reply;
	unsigned end = flow_key_make(&rep, &k, &reply);

	ck_assert(reply);
	e = flow_get(t, &k, end ^ 1, 5, &created);
	ck_assert_int_eq(flow_dir(e, end), FLOW_REV);
	flow_policy_flow(e, &f);
	ck_assert_str_eq(addr_format(&f.src, b), "10.10.1.5");
	ck_assert_str_eq(addr_format(&f.dst, b), "10.30.0.40");
	ck_assert_uint_eq(f.proto, IPPROTO_ICMP);
	ck_assert_uint_eq(f.icmp_type, 8);
	ck_assert_uint_eq(flow_icmp_type(e), 8);
	ck_assert_ptr_null(f.iif);
	ck_assert(!f.local);
}
END_TEST

START_TEST(evicts_least_recently_seen)
{
	bool created;
	unsigned p;

	for (p = 1; p <= 4; p++)
		add(p, p * 10, &created);
	ck_assert_uint_eq(flow_table_count(t), 4);
	add(1, 50, &created);		/* 1 seen again: 2 is now the oldest */
	ck_assert(!created);
	add(5, 60, &created);
	ck_assert(created);
	ck_assert_uint_eq(flow_table_count(t), 4);
	ck_assert_uint_eq(flow_table_evictions(t), 1);
	ck_assert_int_eq(gone_calls[FLOW_EVICTED], 1);
	ck_assert_uint_eq(gone_last, 2);
	ck_assert_ptr_null(find(2));
	ck_assert_ptr_nonnull(find(1));
	ck_assert_ptr_nonnull(find(3));
	ck_assert_ptr_nonnull(find(5));
	add(6, 70, &created);		/* then 3 */
	ck_assert_uint_eq(gone_last, 3);
	ck_assert_ptr_null(find(3));
	ck_assert_uint_eq(flow_table_count(t), 4);
}
END_TEST

START_TEST(expires_idle)
{
	bool created;
	unsigned p;

	for (p = 1; p <= 4; p++)
		add(p, p * 10, &created);	/* last seen 10, 20, 30, 40 */
	/* at 45 with 10 idle allowed: 10, 20 and 30 go, 40 (idle 5) stays */
	ck_assert_uint_eq(flow_expire(t, 45, 10), 3);
	ck_assert_uint_eq(flow_table_count(t), 1);
	ck_assert_uint_eq(flow_table_expirations(t), 3);
	ck_assert_int_eq(gone_calls[FLOW_EXPIRED], 3);
	ck_assert_ptr_nonnull(find(4));
	/* exactly the limit is not more than it */
	ck_assert_uint_eq(flow_expire(t, 50, 10), 0);
	ck_assert_uint_eq(flow_expire(t, 51, 10), 1);
	ck_assert_uint_eq(flow_table_count(t), 0);
	ck_assert_ptr_null(flow_next(t, NULL));
	/* a clock that went back expires nothing */
	add(7, 100, &created);
	ck_assert_uint_eq(flow_expire(t, 90, 0), 0);
	ck_assert_int_eq(gone_calls[FLOW_EVICTED], 0);
}
END_TEST

START_TEST(remove_and_reuse)
{
	struct flow_entry *e;
	bool created;

	e = add(1, 1, &created);
	add(2, 2, &created);
	flow_remove(t, e);
	ck_assert_ptr_null(find(1));
	ck_assert_uint_eq(flow_table_count(t), 1);
	e = add(3, 3, &created);
	ck_assert(created);
	ck_assert_uint_eq(e->packets[FLOW_FWD], 1);	/* nothing left over */
	ck_assert_uint_eq(e->seq, 2);
	ck_assert_int_eq(gone_calls[FLOW_EVICTED] + gone_calls[FLOW_EXPIRED], 0);
}
END_TEST

/* Ten thousand flows through a table of four: it never holds more, every
 * flow beyond the fourth evicts one, and iteration sees exactly four. */
START_TEST(no_growth)
{
	struct flow_entry *e = NULL;
	bool created;
	size_t n = 0;
	unsigned p;

	for (p = 1; p <= 10000; p++) {
		add(p, p, &created);
		ck_assert(created);
		ck_assert_uint_le(flow_table_count(t), 4);
	}
	ck_assert_uint_eq(flow_table_max(t), 4);
	ck_assert_uint_eq(flow_table_evictions(t), 9996);
	while ((e = flow_next(t, e)) != NULL) {
		ck_assert_uint_gt(e->key.port[0] == 443 ? e->key.port[1] :
				  e->key.port[0], 9996);
		n++;
	}
	ck_assert_uint_eq(n, 4);
#if defined(__x86_64__) || defined(__aarch64__)
	/* the figure flow.h documents */
	ck_assert_uint_eq(sizeof(struct flow_entry), 144);
#endif
}
END_TEST

/* The buckets double as the table fills (4096 at first): every flow stays
 * findable across the doublings, and removal and expiry still work. */
START_TEST(grows_and_finds)
{
	struct flow_table *big = flow_table_new(50000, 7, NULL, NULL);
	struct flow_table *keep = t;
	struct flow_entry *e;
	bool created;
	unsigned p;

	ck_assert_ptr_nonnull(big);
	t = big;
	for (p = 1; p <= 20000; p++) {
		e = add(p, p, &created);
		ck_assert(created);
		ck_assert_uint_eq(e->seq, p - 1);
	}
	for (p = 1; p <= 20000; p++)
		ck_assert_msg(find(p) != NULL, "flow %u lost", p);
	ck_assert_uint_eq(flow_table_count(t), 20000);
	for (p = 1; p <= 20000; p += 2)
		flow_remove(t, find(p));
	for (p = 1; p <= 20000; p++)
		ck_assert_int_eq(find(p) != NULL, p % 2 == 0);
	ck_assert_uint_eq(flow_expire(t, 30000, 0), 10000);
	ck_assert_uint_eq(flow_table_count(t), 0);
	ck_assert_uint_eq(flow_table_evictions(t), 0);
	t = keep;
	flow_table_free(big);
}
END_TEST

START_TEST(bad_limits)
{
	ck_assert_ptr_null(flow_table_new(0, 0, NULL, NULL));
	ck_assert_ptr_null(flow_table_new((size_t)FLOW_TABLE_MAX + 1, 0, NULL, NULL));
}
END_TEST

static const struct {
	uint8_t	proto;
	uint8_t	type;
	bool	error;
} icmp_errors[] = {
	{ IPPROTO_ICMP, 0, false }, { IPPROTO_ICMP, 3, true },
	{ IPPROTO_ICMP, 4, true }, { IPPROTO_ICMP, 5, true },
	{ IPPROTO_ICMP, 8, false }, { IPPROTO_ICMP, 11, true },
	{ IPPROTO_ICMP, 12, true }, { IPPROTO_ICMP, 13, false },
	{ IPPROTO_ICMPV6, 1, true }, { IPPROTO_ICMPV6, 2, true },
	{ IPPROTO_ICMPV6, 3, true }, { IPPROTO_ICMPV6, 4, true },
	{ IPPROTO_ICMPV6, 5, false }, { IPPROTO_ICMPV6, 128, false },
	{ IPPROTO_ICMPV6, 135, false },
};

START_TEST(icmp_error_types)
{
	struct pkt_info pi = mk(icmp_errors[_i].proto,
				icmp_errors[_i].proto == IPPROTO_ICMP ?
				"10.1.0.1" : "fd00::1", icmp_errors[_i].type,
				icmp_errors[_i].proto == IPPROTO_ICMP ?
				"10.2.0.1" : "fd00::2", 0);

	ck_assert_msg(flow_is_icmp_error(&pi) == icmp_errors[_i].error,
		      "proto %u type %u", icmp_errors[_i].proto,
		      icmp_errors[_i].type);
	pi = mk(IPPROTO_UDP, "10.1.0.1", 3, "10.2.0.1", 3);
	ck_assert(!flow_is_icmp_error(&pi));
}
END_TEST

Suite *flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *keys = tcase_create("keys");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(keys, key_bidirectional, 0,
			    (int)(sizeof(pairs) / sizeof(pairs[0])));
	tcase_add_loop_test(keys, icmp_error_types, 0,
			    (int)(sizeof(icmp_errors) / sizeof(icmp_errors[0])));
	tcase_add_test(keys, bad_limits);
	suite_add_tcase(s, keys);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, counts_both_directions);
	tcase_add_test(tc, icmp_reply_first);
	tcase_add_test(tc, evicts_least_recently_seen);
	tcase_add_test(tc, expires_idle);
	tcase_add_test(tc, remove_and_reuse);
	tcase_add_test(tc, no_growth);
	tcase_add_test(tc, grows_and_finds);
	suite_add_tcase(s, tc);
	return s;
}
