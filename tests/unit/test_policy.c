/* test_policy.c - zone lookup and verdicts over verdict.conf. */
#include <netinet/in.h>
#include <string.h>

#include "tests.h"

static struct model *m;

static void setup(void)
{
	struct err_list el;

	err_init(&el);
	m = conf_load("verdict.conf", &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	err_free(&el);
}

static void teardown(void)
{
	model_free(m);
	m = NULL;
}

static const struct {
	const char	*addr;
	const char	*zone;
} zone_cases[] = {
	{ "10.1.0.1", "a" },
	{ "10.1.255.255", "a" },
	{ "10.2.3.4", "b" },
	{ "10.0.255.255", "w" },	/* just below a: the /0 */
	{ "10.4.0.0", "w" },
	{ "198.51.100.7", "w" },
	{ "0.0.0.0", "w" },
	{ "255.255.255.255", "w" },
	{ "fd00:1::1", "a" },
	{ "fd00:1:0:ffff:ffff:ffff:ffff:ffff", "a" },
	{ "fd00:1:1::", "w" },
	{ "fd00:2::", "b" },
	{ "fd00:3::1", "w" },
	{ "2001:db8::1", "w" },
};

START_TEST(zone_lookup)
{
	struct addr a;

	ck_assert_int_eq(addr_parse(zone_cases[_i].addr, &a), 0);
	ck_assert_str_eq(model_zone_name(m, policy_zone_of(m, &a)),
			 zone_cases[_i].zone);
}
END_TEST

START_TEST(zone_unknown_without_default)
{
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"{ name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n";
	struct err_list el;
	struct model *u;
	struct addr x;

	err_init(&el);
	u = parse_text(text, &el);
	ck_assert_ptr_nonnull(u);
	addr_parse("192.0.2.1", &x);
	ck_assert_int_eq(policy_zone_of(u, &x), ZONE_UNKNOWN);
	addr_parse("fd00::1", &x);
	ck_assert_int_eq(policy_zone_of(u, &x), ZONE_UNKNOWN);
	model_free(u);
	err_free(&el);
}
END_TEST

struct vcase {
	const char	*proto;		/* tcp udp icmp icmpv6 */
	const char	*src, *dst;
	unsigned	port;		/* dport or icmp type */
	const char	*iif;
	bool		local;
	enum action	action;
	enum reason	reason;
	const char	*src_zone, *dst_zone;
	int		line;		/* deciding entry, 0 for none */
};

static const struct vcase vcases[] = {
	/* policy entries, ports and ranges */
	{ "tcp", "10.1.0.5", "10.2.0.8", 80, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	{ "tcp", "10.1.0.5", "10.2.0.8", 8000, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	{ "tcp", "10.1.0.5", "10.2.0.8", 8100, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	{ "tcp", "10.1.0.5", "10.2.0.8", 8101, "a0", false, ACTION_DROP, REASON_POLICY, "a", "b", 0 },
	{ "tcp", "10.1.0.5", "10.2.0.8", 7999, "a0", false, ACTION_DROP, REASON_POLICY, "a", "b", 0 },
	{ "udp", "10.1.0.5", "10.2.0.8", 80, "a0", false, ACTION_DROP, REASON_POLICY, "a", "b", 0 },
	{ "tcp", "fd00:1::5", "fd00:2::8", 443, "a0", false, ACTION_DROP, REASON_POLICY, "a", "b", 0 },
	{ "tcp", "fd00:1::5", "fd00:2::8", 80, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	/* reverse direction is not permitted by an a -> b entry */
	{ "tcp", "10.2.0.8", "10.1.0.5", 80, "b0", false, ACTION_DROP, REASON_POLICY, "b", "a", 0 },
	/* icmp echo only */
	{ "icmp", "10.1.0.5", "10.2.0.8", 8, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	{ "icmp", "10.1.0.5", "10.2.0.8", 13, "a0", false, ACTION_DROP, REASON_POLICY, "a", "b", 0 },
	{ "icmpv6", "fd00:1::5", "fd00:2::8", 128, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	{ "icmpv6", "fd00:1::5", "fd00:2::8", 8, "a0", false, ACTION_DROP, REASON_INVALID, "a", "b", 0 },
	/* host restrictions and precedence: reject wins over accept */
	{ "tcp", "10.1.9.7", "10.2.0.8", 8050, "a0", false, ACTION_REJECT, REASON_REJECT, "a", "b", 19 },
	{ "tcp", "10.1.8.7", "10.2.0.8", 8050, "a0", false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	/* drop wins over a later accept of the same port */
	{ "tcp", "10.1.0.5", "10.2.0.8", 8060, "a0", false, ACTION_DROP, REASON_DROP, "a", "b", 20 },
	/* to_hosts */
	{ "udp", "10.2.0.8", "10.1.0.53", 53, "b0", false, ACTION_ACCEPT, REASON_PERMIT, "b", "a", 22 },
	{ "udp", "10.2.0.8", "10.1.0.54", 53, "b0", false, ACTION_DROP, REASON_POLICY, "b", "a", 0 },
	{ "tcp", "fd00:2::8", "fd00:1::53", 53, "b0", false, ACTION_ACCEPT, REASON_PERMIT, "b", "a", 22 },
	/* from_hosts inside the /0 zone */
	{ "udp", "198.51.100.9", "10.3.0.1", 5050, "w0", false, ACTION_ACCEPT, REASON_PERMIT, "w", "c", 24 },
	{ "udp", "198.51.101.9", "10.3.0.1", 5050, "w0", false, ACTION_DROP, REASON_POLICY, "w", "c", 0 },
	/* intra */
	{ "tcp", "10.1.0.5", "10.1.0.6", 22, "a0", false, ACTION_DROP, REASON_INTRA, "a", "a", 0 },
	{ "tcp", "10.2.0.5", "10.2.0.6", 22, "b0", false, ACTION_ACCEPT, REASON_INTRA, "b", "b", 0 },
	/* spoof: a's address from w's side; c has no interfaces: no check */
	{ "tcp", "10.1.0.5", "10.2.0.8", 80, "w0", false, ACTION_DROP, REASON_SPOOF, "a", "b", 0 },
	{ "tcp", "fd00:1::5", "fd00:2::8", 80, "b0", false, ACTION_DROP, REASON_SPOOF, "a", "b", 0 },
	{ "tcp", "10.3.0.5", "10.1.0.8", 80, "w0", false, ACTION_DROP, REASON_POLICY, "c", "a", 0 },
	/* no interface given (explain without --in): no spoof check */
	{ "tcp", "10.1.0.5", "10.2.0.8", 80, NULL, false, ACTION_ACCEPT, REASON_PERMIT, "a", "b", 18 },
	/* ICMP types that start no flow are dropped before any zone, even
	 * inside a zone that accepts its own traffic */
	{ "icmp", "10.2.0.5", "10.2.0.6", 0, "b0", false, ACTION_DROP, REASON_INVALID, "b", "b", 0 },
	{ "icmp", "10.2.0.5", "10.2.0.6", 3, "b0", false, ACTION_DROP, REASON_INVALID, "b", "b", 0 },
	{ "icmp", "10.2.0.5", "10.2.0.6", 13, "b0", false, ACTION_ACCEPT, REASON_INTRA, "b", "b", 0 },
	{ "icmpv6", "fd00:2::5", "fd00:2::6", 129, "b0", false, ACTION_DROP, REASON_INVALID, "b", "b", 0 },
	{ "icmpv6", "fd00:2::5", "fd00:2::6", 1, "b0", false, ACTION_DROP, REASON_INVALID, "b", "b", 0 },
	{ "icmpv6", "fd00:2::5", "fd00:2::6", 135, "b0", false, ACTION_ACCEPT, REASON_INTRA, "b", "b", 0 },
	{ "icmpv6", "fd00:2::5", "fd00:2::6", 139, "b0", false, ACTION_ACCEPT, REASON_INTRA, "b", "b", 0 },
	/* the gateway zone */
	{ "tcp", "10.3.0.5", "10.3.0.1", 22, NULL, true, ACTION_ACCEPT, REASON_PERMIT, "c", "gateway", 23 },
	{ "tcp", "10.1.0.5", "10.1.0.1", 22, "a0", true, ACTION_DROP, REASON_POLICY, "a", "gateway", 0 },
	{ "tcp", "10.3.0.5", "10.3.0.1", 23, NULL, true, ACTION_DROP, REASON_POLICY, "c", "gateway", 0 },
};

static void make_flow(const struct vcase *c, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(addr_parse(c->src, &f->src), 0);
	ck_assert_int_eq(addr_parse(c->dst, &f->dst), 0);
	if (strcmp(c->proto, "tcp") == 0)
		f->proto = IPPROTO_TCP;
	else if (strcmp(c->proto, "udp") == 0)
		f->proto = IPPROTO_UDP;
	else if (strcmp(c->proto, "icmp") == 0)
		f->proto = IPPROTO_ICMP;
	else
		f->proto = IPPROTO_ICMPV6;
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
		f->dport = (uint16_t)c->port;
	else
		f->icmp_type = (uint8_t)c->port;
	f->iif = c->iif;
	f->local = c->local;
}

START_TEST(verdict_case)
{
	const struct vcase *c = &vcases[_i];
	struct verdict v;
	struct flow f;

	make_flow(c, &f);
	policy_decide(m, &f, &v);
	ck_assert_msg(v.action == c->action && v.reason == c->reason,
		      "case %d %s %s->%s %u: got %s/%s want %s/%s", _i, c->proto,
		      c->src, c->dst, c->port, model_action_name(v.action),
		      policy_reason_name(v.reason), model_action_name(c->action),
		      policy_reason_name(c->reason));
	ck_assert_str_eq(model_zone_name(m, v.src_zone), c->src_zone);
	ck_assert_str_eq(model_zone_name(m, v.dst_zone), c->dst_zone);
	if (c->line) {
		ck_assert_ptr_nonnull(v.entry);
		ck_assert_int_eq(v.entry->line, c->line);
	} else {
		ck_assert_ptr_null(v.entry);
	}
}
END_TEST

START_TEST(unknown_zone_verdicts)
{
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; interfaces = [ \"a0\" ]; networks = [ \"10.1.0.0/16\" ]; },\n"
		"{ name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
		"policy = ( { from = \"a\"; to = \"b\"; services = [ \"tcp/80\" ]; } );\n";
	struct err_list el;
	struct model *u;
	struct verdict v;
	struct flow f = { .proto = IPPROTO_TCP, .dport = 80 };

	err_init(&el);
	u = parse_text(text, &el);
	ck_assert_ptr_nonnull(u);
	addr_parse("10.1.0.1", &f.src);
	addr_parse("192.0.2.1", &f.dst);
	policy_decide(u, &f, &v);
	ck_assert(v.action == ACTION_DROP && v.reason == REASON_UNKNOWN_ZONE);
	ck_assert_int_eq(v.dst_zone, ZONE_UNKNOWN);
	addr_parse("192.0.2.1", &f.src);
	addr_parse("10.2.0.1", &f.dst);
	policy_decide(u, &f, &v);
	ck_assert(v.action == ACTION_DROP && v.reason == REASON_UNKNOWN_ZONE);
	ck_assert_int_eq(v.src_zone, ZONE_UNKNOWN);
	/* without a gateway entry, input is not filtered */
	addr_parse("10.1.0.1", &f.src);
	f.local = true;
	policy_decide(u, &f, &v);
	ck_assert(v.action == ACTION_ACCEPT && v.reason == REASON_INPUT_OPEN);
	model_free(u);
	err_free(&el);
}
END_TEST

START_TEST(isolated_exception_permits)
{
	struct err_list el;
	struct model *s;
	struct verdict v;
	struct flow f = { .proto = IPPROTO_TCP, .dport = 443, .iif = "mn0" };

	err_init(&el);
	s = conf_load(TOP "/conf/zonegate.conf", &el);
	ck_assert_ptr_nonnull(s);
	addr_parse("10.10.0.5", &f.src);
	addr_parse("10.20.0.25", &f.dst);
	policy_decide(s, &f, &v);
	ck_assert(v.action == ACTION_DROP && v.reason == REASON_POLICY);
	model_free(s);
	err_free(&el);

	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"mn\"; interfaces = [ \"mn0\" ]; networks = [ \"10.10.0.0/16\" ]; isolated = true; },\n"
		"{ name = \"lg\"; networks = [ \"10.20.0.0/16\" ]; } );\n"
		"policy = ( { from = \"mn\"; to = \"lg\"; services = [ \"tcp/443\" ];\n"
		"  exception = \"backup of the registry to the LGWAN archive\"; } );\n";
	err_init(&el);
	s = parse_text(text, &el);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(el.n, 1);	/* the warning */
	policy_decide(s, &f, &v);
	ck_assert(v.action == ACTION_ACCEPT && v.reason == REASON_PERMIT);
	ck_assert_str_eq(v.entry->exception, "backup of the registry to the LGWAN archive");
	model_free(s);
	err_free(&el);
}
END_TEST

Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tz = tcase_create("zone lookup");
	TCase *tv = tcase_create("verdict");

	tcase_add_checked_fixture(tz, setup, teardown);
	tcase_add_loop_test(tz, zone_lookup, 0,
			    sizeof(zone_cases) / sizeof(zone_cases[0]));
	tcase_add_test(tz, zone_unknown_without_default);
	tcase_add_checked_fixture(tv, setup, teardown);
	tcase_add_loop_test(tv, verdict_case, 0,
			    sizeof(vcases) / sizeof(vcases[0]));
	tcase_add_test(tv, unknown_zone_verdicts);
	tcase_add_test(tv, isolated_exception_permits);
	suite_add_tcase(s, tz);
	suite_add_tcase(s, tv);
	return s;
}
