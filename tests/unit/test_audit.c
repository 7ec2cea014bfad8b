/* test_audit.c - a hand-built packet sequence through the audit gives exact
 * tallies per zone pair; midstream TCP, ICMP replies and errors, damaged
 * frames and a full flow table are counted as audit.h says. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "pktbuild.h"
#include "../../lib/audit.h"
#include "../../lib/link.h"

static const char conf_text[] =
	"version = 1;\n"
	"zones = (\n"
	"  { name = \"lan\"; networks = [ \"10.1.0.0/16\", \"fd00:1::/48\" ]; },\n"
	"  { name = \"dmz\"; networks = [ \"10.2.0.0/16\" ]; intra = \"drop\"; },\n"
	"  { name = \"wan\"; networks = [ \"0.0.0.0/0\", \"::/0\" ]; }\n"
	");\n"
	"services = (\n"
	"  { name = \"web\"; tcp = [ 443 ]; },\n"
	"  { name = \"dns\"; udp = [ 53 ]; },\n"
	"  { name = \"ping\"; icmp = true; }\n"
	");\n"
	"policy = (\n"
	"  { from = \"lan\"; to = \"dmz\"; services = [ \"web\", \"dns\", \"ping\" ]; },\n"
	"  { from = \"dmz\"; to = \"wan\"; services = [ \"web\" ]; },\n"
	"  { from = \"wan\"; to = \"dmz\"; services = [ \"tcp/22\" ]; action = \"reject\"; }\n"
	");\n";

static struct model *m;
static struct audit *a;

static void setup(void)
{
	struct err_list el;

	err_init(&el);
	m = parse_text(conf_text, &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	err_free(&el);
	a = audit_new(m, 0);
	ck_assert_ptr_nonnull(a);
}

static void teardown(void)
{
	audit_free(a);
	model_free(m);
	a = NULL;
	m = NULL;
}

#define SYN	0x02
#define ACK	0x10

/* One packet: for ICMP, sport is the type. */
struct p {
	uint8_t		proto;
	const char	*src;
	unsigned	sport;
	const char	*dst;
	unsigned	dport;
	uint8_t		flags;		/* TCP */
	size_t		payload;
};

static const struct p seq[] = {
	/* lan -> dmz web: permitted, answered */
	{ IPPROTO_TCP, "10.1.0.5", 40000, "10.2.0.10", 443, SYN, 0 },
	{ IPPROTO_TCP, "10.2.0.10", 443, "10.1.0.5", 40000, SYN | ACK, 0 },
	{ IPPROTO_TCP, "10.1.0.5", 40000, "10.2.0.10", 443, ACK, 100 },
	/* dmz -> wan web: permitted */
	{ IPPROTO_TCP, "10.2.0.10", 50000, "198.51.100.7", 443, SYN, 0 },
	/* lan -> wan: denied (policy), twice */
	{ IPPROTO_TCP, "10.1.0.5", 40001, "198.51.100.7", 443, SYN, 0 },
	{ IPPROTO_TCP, "10.1.0.5", 40001, "198.51.100.7", 443, SYN, 0 },
	/* midstream: the web server's ACK first; only dmz -> wan is
	 * permitted, so that is the flow */
	{ IPPROTO_TCP, "198.51.100.7", 443, "10.2.0.10", 50001, ACK, 0 },
	/* wan -> dmz ssh: a reject entry */
	{ IPPROTO_TCP, "203.0.113.5", 1234, "10.2.0.10", 22, SYN, 0 },
	/* dmz -> dmz: intra = drop */
	{ IPPROTO_UDP, "10.2.0.10", 5353, "10.2.0.11", 53, 0, 0 },
	/* lan -> dmz ping and its reply: one permitted flow */
	{ IPPROTO_ICMP, "10.1.0.5", 8, "10.2.0.10", 0, 0, 0 },
	{ IPPROTO_ICMP, "10.2.0.10", 0, "10.1.0.5", 0, 0, 0 },
	/* an unreachable: related, not a flow */
	{ IPPROTO_ICMP, "10.2.0.10", 3, "10.1.0.5", 3, 0, 0 },
	/* SYN+ACK first: the destination opened it; dmz -> wan permitted */
	{ IPPROTO_TCP, "198.51.100.7", 443, "10.2.0.10", 50002, SYN | ACK, 0 },
	/* midstream, denied both ways: kept as seen, wan -> lan */
	{ IPPROTO_TCP, "198.51.100.9", 80, "10.1.0.5", 40005, ACK, 0 },
	/* lan -> wan over IPv6: denied */
	{ IPPROTO_UDP, "fd00:1::5", 4000, "2001:db8::1", 53, 0, 0 },
};

/* frame - the raw IP packet of p into buf; returns its length. */
static size_t frame(const struct p *p, uint8_t *buf)
{
	uint8_t l4[256] = { 0 };
	size_t n;

	switch (p->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		n = pb_ports(l4, (uint16_t)p->sport, (uint16_t)p->dport,
			     p->proto == IPPROTO_TCP);
		if (p->proto == IPPROTO_TCP)
			l4[13] = p->flags;
		break;
	default:
		l4[0] = (uint8_t)p->sport;
		l4[1] = (uint8_t)p->dport;
		n = 8;
	}
	n += p->payload;
	if (strchr(p->src, ':'))
		return pb_ip6(buf, p->src, p->dst, p->proto, NULL, 0, l4, n);
	return pb_ip4(buf, p->src, p->dst, p->proto, 0, l4, n);
}

static void feed(const struct p *ps, size_t n)
{
	uint8_t buf[512];
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = frame(&ps[i], buf);
		audit_frame(a, LINK_DLT_RAW, buf, len, len, 65535,
			    1795600800000000ull + i * 1000);
	}
}

static int zone(const char *name)
{
	return model_zone_index(m, name);
}

/* The expected tallies of seq[], pair by pair. */
static const struct {
	const char	*from, *to;
	struct audit_tally permitted, denied;
} expect[] = {
	{ "lan", "dmz", { 2, 5, 276 }, { 0, 0, 0 } },
	{ "dmz", "wan", { 3, 3, 120 }, { 0, 0, 0 } },
	{ "lan", "wan", { 0, 0, 0 }, { 2, 3, 128 } },
	{ "wan", "dmz", { 0, 0, 0 }, { 1, 1, 40 } },
	{ "dmz", "dmz", { 0, 0, 0 }, { 1, 1, 28 } },
	{ "wan", "lan", { 0, 0, 0 }, { 1, 1, 40 } },
	{ "lan", "lan", { 0, 0, 0 }, { 0, 0, 0 } },
	{ "dmz", "lan", { 0, 0, 0 }, { 0, 0, 0 } },
	{ "wan", "wan", { 0, 0, 0 }, { 0, 0, 0 } },
};

static void tally_eq(const struct audit_tally *got,
		     const struct audit_tally *want, const char *what)
{
	ck_assert_msg(got->flows == want->flows && got->packets == want->packets &&
		      got->bytes == want->bytes,
		      "%s: %llu flows %llu packets %llu bytes, want %llu %llu %llu",
		      what, (unsigned long long)got->flows,
		      (unsigned long long)got->packets,
		      (unsigned long long)got->bytes,
		      (unsigned long long)want->flows,
		      (unsigned long long)want->packets,
		      (unsigned long long)want->bytes);
}

START_TEST(pair_tallies)
{
	const struct audit_pair *p;
	char what[64];

	feed(seq, sizeof(seq) / sizeof(seq[0]));
	p = audit_pair(a, zone(expect[_i].from), zone(expect[_i].to));
	ck_assert_ptr_nonnull(p);
	snprintf(what, sizeof(what), "%s -> %s permitted", expect[_i].from,
		 expect[_i].to);
	tally_eq(&p->t[AUDIT_PERMITTED], &expect[_i].permitted, what);
	snprintf(what, sizeof(what), "%s -> %s denied", expect[_i].from,
		 expect[_i].to);
	tally_eq(&p->t[AUDIT_DENIED], &expect[_i].denied, what);
}
END_TEST

START_TEST(totals)
{
	const struct audit_stats *st;
	static const struct audit_tally perm = { 5, 8, 396 }, deny = { 5, 6, 236 };

	feed(seq, sizeof(seq) / sizeof(seq[0]));
	st = audit_stats(a);
	ck_assert_uint_eq(st->frames, 15);
	ck_assert_uint_eq(st->packets, 14);
	ck_assert_uint_eq(st->related, 1);
	ck_assert_uint_eq(st->related_bytes, 28);
	ck_assert_uint_eq(st->skipped, 0);
	ck_assert_uint_eq(st->midstream, 3);
	ck_assert_uint_eq(st->reversed, 2);
	ck_assert_uint_eq(st->evicted, 0);
	tally_eq(&st->total[AUDIT_PERMITTED], &perm, "permitted");
	tally_eq(&st->total[AUDIT_DENIED], &deny, "denied");
	ck_assert(audit_violation(a));
	ck_assert_ptr_null(audit_pair(a, ZONE_GATEWAY, zone("lan")));
	ck_assert_ptr_null(audit_pair(a, 3, zone("lan")));
	ck_assert_ptr_nonnull(audit_pair(a, ZONE_UNKNOWN, ZONE_GATEWAY));
}
END_TEST

/* The flows in the order first seen: who initiated, and the verdict. */
static const struct {
	const char	*src;
	unsigned	dport;
	const char	*from, *to;
	enum reason	reason;
	uint64_t	packets;
	bool		answered;
	uint8_t		user;
} flows[] = {
	{ "10.1.0.5", 443, "lan", "dmz", REASON_PERMIT, 3, true, 0 },
	{ "10.2.0.10", 443, "dmz", "wan", REASON_PERMIT, 1, false, 0 },
	{ "10.1.0.5", 443, "lan", "wan", REASON_POLICY, 2, false, 0 },
	{ "10.2.0.10", 443, "dmz", "wan", REASON_PERMIT, 1, true,
	  AUDIT_FLOW_MIDSTREAM | AUDIT_FLOW_REVERSED },
	{ "203.0.113.5", 22, "wan", "dmz", REASON_REJECT, 1, false, 0 },
	{ "10.2.0.10", 53, "dmz", "dmz", REASON_INTRA, 1, false, 0 },
	{ "10.1.0.5", 0, "lan", "dmz", REASON_PERMIT, 2, true, 0 },
	{ "10.2.0.10", 443, "dmz", "wan", REASON_PERMIT, 1, true,
	  AUDIT_FLOW_MIDSTREAM | AUDIT_FLOW_REVERSED },
	{ "198.51.100.9", 40005, "wan", "lan", REASON_POLICY, 1, false,
	  AUDIT_FLOW_MIDSTREAM },
	{ "fd00:1::5", 53, "lan", "wan", REASON_POLICY, 1, false, 0 },
};

START_TEST(flow_list)
{
	const struct flow_entry **v;
	char b[ADDR_STRLEN];
	struct addr src;
	uint16_t dport;
	size_t n, i;

	feed(seq, sizeof(seq) / sizeof(seq[0]));
	v = audit_flows(a, &n);
	ck_assert_uint_eq(n, sizeof(flows) / sizeof(flows[0]));
	for (i = 0; i < n; i++) {
		const struct verdict *vd = &v[i]->verdict;

		flow_endpoints(v[i], &src, NULL, NULL, &dport);
		ck_assert_msg(strcmp(addr_format(&src, b), flows[i].src) == 0 &&
			      dport == flows[i].dport, "flow %zu: %s %u", i, b,
			      dport);
		ck_assert_msg(vd->src_zone == zone(flows[i].from) &&
			      vd->dst_zone == zone(flows[i].to) &&
			      vd->reason == flows[i].reason, "flow %zu: %s",
			      i, policy_reason_name(vd->reason));
		ck_assert_uint_eq(v[i]->packets[0] + v[i]->packets[1],
				  flows[i].packets);
		ck_assert_int_eq(flow_answered(v[i]), flows[i].answered);
		ck_assert_uint_eq(v[i]->user, flows[i].user);
		ck_assert(v[i]->has_verdict);
		ck_assert_int_eq(audit_flow_denied(v[i]),
				 vd->action != ACTION_ACCEPT);
	}
	/* the reject entry is named */
	ck_assert_ptr_nonnull(v[4]->verdict.entry);
	ck_assert_int_eq(v[4]->verdict.entry->action, ACTION_REJECT);
	ck_assert_uint_eq(flow_icmp_type(v[6]), 8);
	free(v);
}
END_TEST

START_TEST(only_permitted_is_no_violation)
{
	feed(seq, 4);
	ck_assert(!audit_violation(a));
	ck_assert_uint_eq(audit_stats(a)->total[AUDIT_DENIED].flows, 0);
}
END_TEST

/* Damaged frames: each skipped once under its cause, nothing else
 * counted. The frames are built at run time in skip_frame. */
static const struct {
	const char	*name;
	int		dlt;
	enum audit_skip	why;
} skips[] = {
	{ "zero-length", LINK_DLT_EN10MB, AUDIT_SKIP_ZERO_LENGTH },
	{ "caplen above len", LINK_DLT_RAW, AUDIT_SKIP_CAPLEN_OVER_LEN },
	{ "caplen above snaplen", LINK_DLT_RAW, AUDIT_SKIP_CAPLEN_OVER_SNAPLEN },
	{ "ethernet cut", LINK_DLT_EN10MB, AUDIT_SKIP_LINK_TRUNCATED },
	{ "dlt 147", 147, AUDIT_SKIP_LINK_UNSUPPORTED },
	{ "arp", LINK_DLT_EN10MB, AUDIT_SKIP_NOT_IP },
	{ "nflog version 1", LINK_DLT_NFLOG, AUDIT_SKIP_BAD_NFLOG },
	{ "ip cut", LINK_DLT_RAW, AUDIT_SKIP_IP_TRUNCATED },
	{ "ip version 5", LINK_DLT_RAW, AUDIT_SKIP_IP_VERSION },
	{ "ihl 4", LINK_DLT_RAW, AUDIT_SKIP_IP_HDRLEN },
	{ "total length 10", LINK_DLT_RAW, AUDIT_SKIP_IP_LENGTH },
	{ "non-first fragment", LINK_DLT_RAW, AUDIT_SKIP_IP_FRAGMENT },
	{ "ipv6 in an ipv4 link", LINK_DLT_IPV4, AUDIT_SKIP_IP_FAMILY },
};

START_TEST(skip_causes)
{
	static const uint8_t eth_arp[] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1,
					   0x08, 0x06, 0, 1, 8, 0, 6, 4 };
	uint8_t p[512], l4[32], rec[512];
	const struct audit_stats *st;
	size_t n, caplen, len, snap = 65535, i;
	const uint8_t *f = p;

	n = pb_ip4(p, "10.1.0.5", "10.2.0.10", IPPROTO_UDP, 0, l4,
		   pb_ports(l4, 1, 53, 0));
	caplen = len = n;
	switch (_i) {
	case 0: caplen = 0; break;
	case 1: len = n - 1; break;
	case 2: snap = n - 1; break;
	case 3: caplen = 10; break;
	case 4: break;
	case 5: f = eth_arp; caplen = len = sizeof(eth_arp); break;
	case 6: caplen = len = pb_nflog(rec, AF_INET, "zg x", 0, 0, p, n);
		rec[1] = 1; f = rec; break;
	case 7: caplen = 12; break;
	case 8: p[0] = 0x55; break;
	case 9: p[0] = 0x44; break;
	case 10: p[2] = 0; p[3] = 10; break;
	case 11: p[6] = 0x00; p[7] = 0x10; break;
	case 12: caplen = len = pb_ip6(p, "fd00:1::5", "fd00:2::1", IPPROTO_UDP,
				       NULL, 0, l4, pb_ports(l4, 1, 53, 0)); break;
	}
	audit_frame(a, skips[_i].dlt, f, caplen, len, snap, 0);
	st = audit_stats(a);
	ck_assert_uint_eq(st->frames, 1);
	ck_assert_uint_eq(st->skipped, 1);
	for (i = 0; i < AUDIT_SKIP_COUNT; i++)
		ck_assert_msg(st->skip[i] == (i == skips[_i].why), "%s: %s = %llu",
			      skips[_i].name, audit_skip_name((enum audit_skip)i),
			      (unsigned long long)st->skip[i]);
	ck_assert_uint_eq(st->packets, 0);
	ck_assert_uint_eq(st->total[0].flows + st->total[1].flows, 0);
	ck_assert(!audit_violation(a));
}
END_TEST

START_TEST(skip_names)
{
	size_t i;

	for (i = 0; i < AUDIT_SKIP_COUNT; i++)
		ck_assert_ptr_nonnull(audit_skip_name((enum audit_skip)i));
	ck_assert_str_eq(audit_skip_name(AUDIT_SKIP_ZERO_LENGTH), "zero-length");
	ck_assert_str_eq(audit_skip_name(AUDIT_SKIP_CAPLEN_OVER_LEN),
			 "caplen-over-len");
	ck_assert_str_eq(audit_skip_name(AUDIT_SKIP_COUNT), "?");
}
END_TEST

/* A table of two flows for three denied flows: one is evicted from the list
 * but every tally still holds it, and the audit still finds a violation. */
START_TEST(eviction_keeps_tallies)
{
	static const struct p three[] = {
		{ IPPROTO_TCP, "10.1.0.5", 1, "198.51.100.7", 443, SYN, 0 },
		{ IPPROTO_TCP, "10.1.0.5", 2, "198.51.100.7", 443, SYN, 0 },
		{ IPPROTO_TCP, "10.1.0.5", 3, "198.51.100.7", 443, SYN, 0 },
	};
	const struct flow_entry **v;
	const struct audit_pair *p;
	size_t n;

	audit_free(a);
	a = audit_new(m, 2);
	ck_assert_ptr_nonnull(a);
	feed(three, 3);
	ck_assert_uint_eq(audit_stats(a)->evicted, 1);
	ck_assert_uint_eq(audit_stats(a)->evicted_denied, 1);
	p = audit_pair(a, zone("lan"), zone("wan"));
	ck_assert_uint_eq(p->t[AUDIT_DENIED].flows, 3);
	ck_assert_uint_eq(p->t[AUDIT_DENIED].packets, 3);
	v = audit_flows(a, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_lt(v[0]->seq, v[1]->seq);
	free(v);
	ck_assert(audit_violation(a));
}
END_TEST

START_TEST(empty_audit)
{
	size_t n = 7;

	ck_assert_ptr_null(audit_flows(a, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert(!audit_violation(a));
}
END_TEST

Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("tallies");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, pair_tallies, 0,
			    (int)(sizeof(expect) / sizeof(expect[0])));
	tcase_add_test(tc, totals);
	tcase_add_test(tc, flow_list);
	tcase_add_test(tc, only_permitted_is_no_violation);
	tcase_add_loop_test(tc, skip_causes, 0,
			    (int)(sizeof(skips) / sizeof(skips[0])));
	tcase_add_test(tc, skip_names);
	tcase_add_test(tc, eviction_keeps_tallies);
	tcase_add_test(tc, empty_audit);
	suite_add_tcase(s, tc);
	return s;
}
