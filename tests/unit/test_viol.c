/* test_viol.c - the kernel's prefix and the engine agree; the exact lines of
 * the log contract; hostile names cannot break a line. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "pktbuild.h"
#include "../../lib/pkt.h"
#include "../../lib/viol.h"

static struct model *m;

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

struct vc {
	const char	*prefix;	/* as the kernel's rules write it */
	uint8_t		proto;
	const char	*src, *dst;
	uint16_t	sport, dport;	/* or ICMP type in dport */
	const char	*in, *out;
	enum viol_err	err;
	const char	*line;
};

static const struct vc vcs[] = {
	{ "zg policy lgwan internet", IPPROTO_TCP, "10.20.3.4", "198.51.100.7",
	  51234, 443, "lg0", "inet0", VIOL_OK,
	  "violation reason=policy src_zone=lgwan dst_zone=internet proto=tcp "
	  "src=10.20.3.4 sport=51234 dst=198.51.100.7 dport=443 in=lg0 out=inet0 count=1" },
	{ "zg policy lgwan relay", IPPROTO_ICMP, "10.20.3.4", "10.30.0.99",
	  0, 8, "lg0", "rl0", VIOL_OK,
	  "violation reason=policy src_zone=lgwan dst_zone=relay proto=icmp "
	  "src=10.20.3.4 dst=10.30.0.99 type=8 code=0 in=lg0 out=rl0 count=1" },
	{ "zg spoof lgwan -", IPPROTO_UDP, "10.20.9.9", "10.30.0.40",
	  4000, 3389, "inet0", "rl0", VIOL_OK,
	  "violation reason=spoof src_zone=lgwan dst_zone=relay proto=udp "
	  "src=10.20.9.9 sport=4000 dst=10.30.0.40 dport=3389 in=inet0 out=rl0 count=1" },
	{ "zg policy mynumber lgwan", IPPROTO_TCP, "fd00:10::5", "fd00:20::25",
	  40000, 25, "mn0", "lg0", VIOL_OK,
	  "violation reason=policy src_zone=mynumber dst_zone=lgwan proto=tcp "
	  "src=fd00:10::5 sport=40000 dst=fd00:20::25 dport=25 in=mn0 out=lg0 count=1" },
	{ "zg policy lgwan relay", IPPROTO_ICMPV6, "fd00:20::5", "fd00:30::40",
	  0, 128, "lg0", "rl0", VIOL_OK,
	  "violation reason=policy src_zone=lgwan dst_zone=relay proto=icmpv6 "
	  "src=fd00:20::5 dst=fd00:30::40 type=128 code=0 in=lg0 out=rl0 count=1" },
	{ "zg spoof relay -", IPPROTO_UDP, "fd00:30::40", "fd00:20::25",
	  5000, 53, "inet0", "lg0", VIOL_OK,
	  "violation reason=spoof src_zone=relay dst_zone=lgwan proto=udp "
	  "src=fd00:30::40 sport=5000 dst=fd00:20::25 dport=53 in=inet0 out=lg0 count=1" },
	/* the check of established flows ("zg spoof - -"): a reply forged
	 * from the internet side in a lgwan -> relay flow, and a forged echo
	 * reply, which starts no flow but belongs to an established one */
	{ "zg spoof - -", IPPROTO_UDP, "10.30.0.40", "10.20.0.5",
	  3395, 40100, "inet0", "lg0", VIOL_OK,
	  "violation reason=spoof src_zone=relay dst_zone=lgwan proto=udp "
	  "src=10.30.0.40 sport=3395 dst=10.20.0.5 dport=40100 in=inet0 out=lg0 count=1" },
	{ "zg spoof - -", IPPROTO_ICMP, "10.30.0.40", "10.20.0.5",
	  0, 0, "inet0", "lg0", VIOL_OK,
	  "violation reason=spoof src_zone=relay dst_zone=lgwan proto=icmp "
	  "src=10.30.0.40 dst=10.20.0.5 type=0 code=0 in=inet0 out=lg0 count=1" },
	{ "zg spoof - -", IPPROTO_ICMPV6, "fd00:30::40", "fd00:20::5",
	  0, 129, "inet0", "lg0", VIOL_OK,
	  "violation reason=spoof src_zone=relay dst_zone=lgwan proto=icmpv6 "
	  "src=fd00:30::40 dst=fd00:20::5 type=129 code=0 in=inet0 out=lg0 count=1" },
	/* ... but a genuine packet logged as spoofed is a disagreement */
	{ "zg spoof - -", IPPROTO_ICMP, "10.30.0.40", "10.20.0.5",
	  0, 0, "rl0", "lg0", VIOL_EDISAGREE, NULL },
	/* the prefix says policy, the engine says the flow is permitted */
	{ "zg policy internet relay", IPPROTO_TCP, "203.0.113.9", "10.30.0.25",
	  1234, 25, "inet0", "rl0", VIOL_EDISAGREE, NULL },
	/* the prefix names other zones than the engine finds */
	{ "zg policy relay internet", IPPROTO_TCP, "10.20.3.4", "198.51.100.7",
	  1, 443, "lg0", "inet0", VIOL_EDISAGREE, NULL },
	/* prefixes zonegate never writes */
	{ "zg policy lgwan", IPPROTO_TCP, "10.20.3.4", "198.51.100.7", 1, 443,
	  "lg0", "inet0", VIOL_EPREFIX, NULL },
	{ "xx policy lgwan internet", IPPROTO_TCP, "10.20.3.4", "198.51.100.7", 1,
	  443, "lg0", "inet0", VIOL_EPREFIX, NULL },
	{ "zg smuggle lgwan internet", IPPROTO_TCP, "10.20.3.4", "198.51.100.7", 1,
	  443, "lg0", "inet0", VIOL_EPREFIX, NULL },
	{ "zg policy lgwan nowhere", IPPROTO_TCP, "10.20.3.4", "198.51.100.7", 1,
	  443, "lg0", "inet0", VIOL_EPREFIX, NULL },
	{ "zg policy lgwan internet extra", IPPROTO_TCP, "10.20.3.4",
	  "198.51.100.7", 1, 443, "lg0", "inet0", VIOL_EPREFIX, NULL },
};

static void make_pi(const struct vc *c, struct pkt_info *pi)
{
	uint8_t l4[32] = { 0 }, p[128];
	size_t n, ln;
	int v6 = strchr(c->src, ':') != NULL;

	if (c->proto == IPPROTO_TCP || c->proto == IPPROTO_UDP) {
		ln = pb_ports(l4, c->sport, c->dport, c->proto == IPPROTO_TCP);
	} else {
		l4[0] = (uint8_t)c->dport;
		ln = 8;
	}
	if (v6)
		n = pb_ip6(p, c->src, c->dst, c->proto, NULL, 0, l4, ln);
	else
		n = pb_ip4(p, c->src, c->dst, c->proto, 0, l4, ln);
	ck_assert_int_eq(pkt_parse(p, n, AF_UNSPEC, pi), PKT_OK);
}

START_TEST(attribution_case)
{
	const struct vc *c = &vcs[_i];
	struct viol_event ev;
	struct pkt_info pi;
	char line[VIOL_LINE_MAX];

	make_pi(c, &pi);
	ck_assert_int_eq(viol_attribute(m, c->prefix, &pi, c->in, c->out, &ev),
			 c->err);
	if (c->line == NULL)
		return;
	viol_format(line, sizeof(line), m, &ev);
	ck_assert_str_eq(line, c->line);
}
END_TEST

START_TEST(hostile_interface_names)
{
	static const struct vc c = { "zg spoof lgwan -", IPPROTO_UDP, "10.20.9.9",
		"10.30.0.40", 4000, 3389, NULL, NULL, VIOL_OK, NULL };
	struct viol_event ev;
	struct pkt_info pi;
	char line[VIOL_LINE_MAX];
	size_t i;

	make_pi(&c, &pi);
	viol_attribute(m, c.prefix, &pi, "ev\nil\x1b[0m", "a b=c\"\\", &ev);
	viol_format(line, sizeof(line), m, &ev);
	for (i = 0; line[i]; i++)
		ck_assert_msg((unsigned char)line[i] >= 0x20 &&
			      (unsigned char)line[i] < 0x7f, "control byte at %zu", i);
	ck_assert_ptr_nonnull(strstr(line, " in=ev\\x0ail\\x1b[0m out=a\\x20b\\x3dc\\x22\\x5c count=1"));
}
END_TEST

START_TEST(escape_rules)
{
	char b[64];

	viol_escape(b, sizeof(b), "");
	ck_assert_str_eq(b, "-");
	viol_escape(b, sizeof(b), "lg0");
	ck_assert_str_eq(b, "lg0");
	viol_escape(b, sizeof(b), "\xe3\x81\x82");	/* UTF-8 */
	ck_assert_str_eq(b, "\\xe3\\x81\\x82");
	viol_escape(b, 6, "\n\n\n");	/* never a partial escape */
	ck_assert_str_eq(b, "\\x0a");
}
END_TEST

Suite *viol_suite(void)
{
	Suite *s = suite_create("viol");
	TCase *tc = tcase_create("attribution");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, attribution_case, 0, sizeof(vcs) / sizeof(vcs[0]));
	tcase_add_test(tc, hostile_interface_names);
	tcase_add_test(tc, escape_rules);
	suite_add_tcase(s, tc);
	return s;
}
