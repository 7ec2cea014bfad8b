/* test_conf.c - valid configurations, and one case per kind of bad input
 * with the FILE:LINE and the message an administrator sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

/* Two zones on lines 3-4; cases append from line 6 on. */
#define HEAD "version = 1;\n"						\
	"zones = (\n"							\
	"  { name = \"a\"; interfaces = [ \"a0\" ]; networks = [ \"10.1.0.0/16\" ]; isolated = true; },\n" \
	"  { name = \"b\"; interfaces = [ \"b0\" ]; networks = [ \"10.2.0.0/16\", \"0.0.0.0/0\" ]; split_from = [ \"c\" ]; },\n" \
	"  { name = \"c\"; interfaces = [ \"c0\" ]; networks = [ \"10.3.0.0/16\" ]; }\n" \
	");\n"
/* HEAD ends on line 6; text appended starts on line 7 */

static const struct bad_case {
	const char	*name;
	const char	*text;
	int		line;
	const char	*msg;	/* substring of the message */
} bad_cases[] = {
	{ "version missing", "zones = ();\n", 1,
	  "missing required setting 'version'" },
	{ "version unknown", "version = 2;\n", 1, "version = 1 only" },
	{ "syntax error", "version = 1;\nzones = ( { name = \"a\" ) ;\n", 2,
	  "syntax error" },
	{ "unknown setting with suggestion", HEAD
	  "services = ( { name = \"s\"; tpc = [ 1 ]; } );\n", 7,
	  "unknown setting 'tpc'; did you mean 'tcp'?" },
	{ "unknown zone setting: intefaces", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; intefaces = [ \"a0\" ]; networks = [ \"10.0.0.0/8\" ]; }\n);\n",
	  3, "unknown setting 'intefaces'; did you mean 'interfaces'?" },
	{ "unknown top-level setting", HEAD "polices = ();\n", 7,
	  "did you mean 'policy'?" },
	{ "wrong type", HEAD "zonegate = { log_group = \"7\"; };\n", 7,
	  "'log_group' has the wrong type: it must be a whole number" },
	{ "wrong type bool", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.0.0.0/8\" ]; isolated = \"yes\"; }\n);\n",
	  3, "'isolated' has the wrong type: it must be true or false" },
	{ "missing networks", "version = 1;\nzones = (\n  { name = \"a\"; }\n);\n",
	  3, "missing required setting 'networks'" },
	{ "missing zone name", "version = 1;\nzones = (\n  { networks = [ \"10.0.0.0/8\" ]; }\n);\n",
	  3, "missing required setting 'name'" },
	{ "duplicate zone", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
	  "  { name = \"a\"; networks = [ \"10.2.0.0/16\" ]; }\n);\n", 4,
	  "duplicate zone name 'a' (first defined at line 3)" },
	{ "duplicate service", HEAD "services = (\n { name = \"s\"; tcp = [ 1 ]; },\n"
	  " { name = \"s\"; udp = [ 2 ]; }\n);\n", 9, "duplicate service name 's'" },
	{ "invalid cidr", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.300.0.0/16\" ]; }\n);\n", 3,
	  "'10.300.0.0/16' is not an IPv4 or IPv6 network" },
	{ "out-of-family prefix length", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.0.0.0/64\" ]; }\n);\n", 3,
	  "an IPv4 prefix length is 0 to 32" },
	{ "host bits", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.20.0.1/16\" ]; }\n);\n", 3,
	  "has host bits set; did you mean '10.20.0.0/16'?" },
	{ "port 0", HEAD "services = ( { name = \"s\"; tcp = [ 0 ]; } );\n", 7,
	  "ports are 1 to 65535" },
	{ "port too large", HEAD "services = ( { name = \"s\"; udp = [ 70000 ]; } );\n",
	  7, "ports are 1 to 65535" },
	{ "reversed range", HEAD "services = ( { name = \"s\"; tcp = [ \"8100-8000\" ]; } );\n",
	  7, "is reversed; write 8000-8100" },
	{ "reversed inline range", HEAD "policy = ( { from = \"b\"; to = \"c\";\n"
	  " services = [ \"udp/200-100\" ]; } );\n", 8, "is reversed; write 100-200" },
	{ "unknown zone in policy", HEAD "policy = ( { from = \"bb\"; to = \"c\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "from names unknown zone 'bb' (did you mean 'b'?)" },
	{ "unknown service in policy", HEAD "policy = ( { from = \"b\"; to = \"c\";\n"
	  " services = [ \"smtp\" ]; } );\n", 8, "unknown service 'smtp'" },
	{ "from_hosts outside the zone", HEAD "policy = ( { from = \"b\"; to = \"c\"; services = [ \"tcp/1\" ];\n"
	  " from_hosts = [ \"10.3.0.5\" ]; } );\n", 8,
	  "from_hosts 10.3.0.5/32 is not inside zone 'b' (it belongs to zone 'c')" },
	{ "to_hosts straddling zones", HEAD "policy = ( { from = \"b\"; to = \"c\"; services = [ \"tcp/1\" ];\n"
	  " to_hosts = [ \"10.0.0.0/8\" ]; } );\n", 8,
	  "to_hosts 10.0.0.0/8 is not inside zone 'c'" },
	{ "from equals to", HEAD "policy = ( { from = \"b\"; to = \"b\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "governed by the zone's 'intra' setting" },
	{ "same prefix in two zones", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
	  "  { name = \"b\"; networks = [ \"10.2.0.0/16\",\n \"10.1.0.0/16\" ]; }\n);\n",
	  5, "network 10.1.0.0/16 is already in zone 'a' (line 3)" },
	{ "isolated without exception", HEAD "policy = ( { from = \"a\"; to = \"c\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "zone 'a' is isolated" },
	{ "isolated as destination", HEAD "policy = ( { from = \"c\"; to = \"a\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "add exception = \"<why it is needed>\"" },
	{ "split zones talk directly", HEAD "policy = ( { from = \"c\"; to = \"b\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "route this flow through a relay zone" },
	{ "split zones, other direction", HEAD "policy = ( { from = \"b\"; to = \"c\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "are split from each other" },
	{ "name too long", "version = 1;\nzones = (\n"
	  "  { name = \"abcdefghijabcdefghijabcdefghijab\"; networks = [ \"10.0.0.0/8\" ]; }\n);\n",
	  3, "must be 1 to 31 characters" },
	{ "name with illegal characters", "version = 1;\nzones = (\n"
	  "  { name = \"LGWAN zone\"; networks = [ \"10.0.0.0/8\" ]; }\n);\n",
	  3, "may only use a-z, 0-9" },
	{ "reserved name", "version = 1;\nzones = (\n"
	  "  { name = \"gateway\"; networks = [ \"10.0.0.0/8\" ]; }\n);\n",
	  3, "reserved" },
	{ "reserved name: counter spoof_established", "version = 1;\nzones = (\n"
	  "  { name = \"established\"; interfaces = [ \"eth1\" ]; networks = [ \"10.0.0.0/8\" ]; }\n);\n",
	  3, "name 'established' is reserved" },
	{ "log_group out of range", HEAD "zonegate = {\n log_group = 70000; };\n",
	  8, "out of range (0-65535)" },
	{ "unknown facility", HEAD "zonegate = { syslog_facility = \"deamon\"; };\n",
	  7, "did you mean 'daemon'?" },
	{ "interface in two zones", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; interfaces = [ \"eth1\" ]; networks = [ \"10.1.0.0/16\" ]; },\n"
	  "  { name = \"b\"; interfaces = [ \"eth1\" ]; networks = [ \"10.2.0.0/16\" ]; }\n);\n",
	  4, "interface 'eth1' already belongs to zone 'a'" },
	{ "bad interface name", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; interfaces = [ \"eth1/2\" ]; networks = [ \"10.1.0.0/16\" ]; }\n);\n",
	  3, "not a valid interface name" },
	{ "gateway in from", HEAD "policy = ( { from = \"gateway\"; to = \"c\"; services = [ \"tcp/1\" ]; } );\n",
	  7, "'gateway' can only be used in 'to'" },
	{ "empty exception", HEAD "policy = ( { from = \"a\"; to = \"c\"; services = [ \"tcp/1\" ];\n"
	  " exception = \"\"; } );\n", 8, "exception is empty" },
	{ "unknown action", HEAD "policy = ( { from = \"b\"; to = \"a\"; services = [ \"tcp/1\" ];\n"
	  " action = \"deny\"; } );\n", 8, "action must be" },
	{ "service without traffic", HEAD "services = ( { name = \"s\"; } );\n", 7,
	  "names no traffic" },
	{ "split_from unknown zone", "version = 1;\nzones = (\n"
	  "  { name = \"a\"; networks = [ \"10.1.0.0/16\" ];\n split_from = [ \"interne\" ]; }\n);\n",
	  4, "split_from names unknown zone 'interne'" },
	{ "on_stop value", HEAD "zonegate = { on_stop = \"open\"; };\n", 7,
	  "on_stop must be" },
	{ "NUL byte", "version = 1;\0zones = ();\n", 1, "NUL byte" },
};

START_TEST(bad_input_case)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct err_list el;
	struct model *m;
	size_t i, len = strlen(bc->text);

	/* the NUL case is longer than strlen says */
	if (strstr(bc->name, "NUL") != NULL)
		len += 1 + strlen(bc->text + len + 1);
	err_init(&el);
	m = conf_parse(bc->text, len, "test.conf", &el);
	ck_assert_msg(m == NULL, "%s: accepted", bc->name);
	ck_assert_uint_ge(el.n_errors, 1);
	for (i = 0; i < el.n; i++)
		if (el.rec[i].level == ERR_ERROR && el.rec[i].line == bc->line &&
		    strstr(el.rec[i].msg, bc->msg) != NULL &&
		    strcmp(el.rec[i].file, "test.conf") == 0)
			break;
	ck_assert_msg(i < el.n, "%s: want line %d '%s', got:\n%s", bc->name,
		      bc->line, bc->msg, errs_text(&el));
	err_free(&el);
}
END_TEST

START_TEST(file_missing)
{
	struct err_list el;

	err_init(&el);
	ck_assert_ptr_null(conf_load("/nonexistent/zonegate.conf", &el));
	ck_assert_uint_eq(el.n_errors, 1);
	ck_assert_ptr_nonnull(strstr(el.rec[0].msg, "No such file"));
	ck_assert_ptr_nonnull(strstr(el.rec[0].msg, "-c FILE"));
	err_free(&el);
}
END_TEST

START_TEST(file_is_directory)
{
	struct err_list el;

	err_init(&el);
	ck_assert_ptr_null(conf_load("/", &el));
	ck_assert_uint_eq(el.n_errors, 1);
	err_free(&el);
}
END_TEST

START_TEST(all_errors_in_one_run)
{
	static const char text[] = HEAD
		"services = ( { name = \"s\"; tcp = [ 0, \"9-1\" ]; } );\n"
		"policy = ( { from = \"x\"; to = \"c\"; services = [ \"s\" ]; },\n"
		"  { from = \"b\"; to = \"y\"; services = [ \"tcp/1\" ]; } );\n";
	struct err_list el;

	err_init(&el);
	ck_assert_ptr_null(parse_text(text, &el));
	ck_assert_msg(el.n_errors == 4, "got:\n%s", errs_text(&el));
	err_free(&el);
}
END_TEST

static char *gen_zones(size_t n)
{
	size_t cap = 64 + n * 96, off, i;
	char *t = malloc(cap);

	off = (size_t)snprintf(t, cap, "version = 1;\nzones = (\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(t + off, cap - off, "%s{ name = \"z%zu\"; "
					"networks = [ \"10.%zu.%zu.0/24\" ]; }\n",
					i ? "," : "", i, i / 256, i % 256);
	snprintf(t + off, cap - off, ");\n");
	return t;
}

START_TEST(limit_zones)
{
	struct err_list el;
	char *t = gen_zones(ZG_ZONES_MAX + 1);

	err_init(&el);
	ck_assert_ptr_null(parse_text(t, &el));
	ck_assert_msg(strstr(errs_text(&el), "exceed the limit of 64") != NULL,
		      "%s", errs_text(&el));
	err_free(&el);
	free(t);
	t = gen_zones(ZG_ZONES_MAX);
	err_init(&el);
	model_free(parse_text(t, &el));
	ck_assert_msg(el.n_errors == 0, "%s", errs_text(&el));
	err_free(&el);
	free(t);
}
END_TEST

START_TEST(limit_ports)
{
	size_t cap = 32 + (ZG_PORTS_MAX + 1) * 8, off, i;
	char *t = malloc(cap + sizeof(HEAD) + 64);
	struct err_list el;

	off = (size_t)sprintf(t, "%sservices = ( { name = \"s\"; tcp = [ ", HEAD);
	for (i = 0; i <= ZG_PORTS_MAX; i++)
		off += (size_t)sprintf(t + off, "%s%zu", i ? "," : "", i + 1);
	sprintf(t + off, " ]; } );\n");
	err_init(&el);
	ck_assert_ptr_null(parse_text(t, &el));
	ck_assert_ptr_nonnull(strstr(errs_text(&el), "exceed the limit of 1024"));
	err_free(&el);
	free(t);
}
END_TEST

static const char *const shipped[] = {
	TOP "/conf/zonegate.conf",
	TOP "/conf/minimal.conf",
};

START_TEST(shipped_configs_are_valid)
{
	struct err_list el;
	struct model *m;

	err_init(&el);
	m = conf_load(shipped[_i], &el);
	ck_assert_msg(m != NULL, "%s:\n%s", shipped[_i], errs_text(&el));
	ck_assert_uint_eq(el.n_errors, 0);
	ck_assert_uint_ge(m->n_zones, 2);
	ck_assert_uint_ge(m->n_policies, 1);
	model_free(m);
	err_free(&el);
}
END_TEST

START_TEST(seed_model_contents)
{
	struct err_list el;
	struct model *m;
	int lg, in;

	err_init(&el);
	m = conf_load(TOP "/conf/zonegate.conf", &el);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->n_zones, 4);
	ck_assert_str_eq(m->set.table, "zonegate");
	ck_assert_uint_eq(m->set.log_group, 7);
	ck_assert_uint_eq(m->set.log_rate, 20);
	lg = model_zone_index(m, "lgwan");
	in = model_zone_index(m, "internet");
	ck_assert_int_ge(lg, 0);
	ck_assert(m->zones[model_zone_index(m, "mynumber")].isolated);
	ck_assert_uint_eq(m->zones[lg].n_split, 1);
	ck_assert_int_eq(m->zones[lg].split_from[0], in);
	/* web = 80, 443, 8000-8100 */
	ck_assert_uint_eq(m->services[2].n_items, 3);
	ck_assert_uint_eq(m->services[2].items[2].ports.lo, 8000);
	ck_assert_uint_eq(m->services[2].items[2].ports.hi, 8100);
	model_free(m);
	err_free(&el);
}
END_TEST

START_TEST(exception_is_a_warning)
{
	static const char text[] = HEAD
		"policy = ( { from = \"a\"; to = \"c\"; services = [ \"tcp/1\" ];\n"
		"  exception = \"tax office needs the registry export\"; } );\n";
	struct err_list el;
	struct model *m;

	err_init(&el);
	m = parse_text(text, &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	ck_assert_uint_eq(el.n_errors, 0);
	ck_assert_uint_eq(el.n, 1);
	ck_assert(el.rec[0].level == ERR_WARNING);
	ck_assert_int_eq(el.rec[0].line, 7);
	ck_assert_ptr_nonnull(strstr(el.rec[0].msg, "tax office"));
	model_free(m);
	err_free(&el);
}
END_TEST

START_TEST(deny_entries_need_no_exception)
{
	static const char text[] = HEAD
		"policy = ( { from = \"a\"; to = \"c\"; services = [ \"tcp/1\" ]; action = \"reject\"; },\n"
		" { from = \"c\"; to = \"b\"; services = [ \"tcp/1\" ]; action = \"drop\"; } );\n";
	struct err_list el;
	struct model *m;

	err_init(&el);
	m = parse_text(text, &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	model_free(m);
	err_free(&el);
}
END_TEST

START_TEST(mixed_port_list_and_comments)
{
	/* brackets inside strings and comments are not touched */
	static const char text[] = HEAD
		"# a comment with [ brackets ]\n"
		"services = ( { name = \"s\"; tcp = [ 80, \"8000-8100\" ]; } ); // [x]\n"
		"policy = ( { from = \"c\"; to = \"gateway\"; services = [ \"s\" ];\n"
		"  comment = \"text with [brackets]\"; } );\n";
	struct err_list el;
	struct model *m;

	err_init(&el);
	m = parse_text(text, &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	ck_assert_str_eq(m->policies[0].comment, "text with [brackets]");
	ck_assert(m->uses_gateway);
	ck_assert_int_eq(m->policies[0].line, 9);
	model_free(m);
	err_free(&el);
}
END_TEST

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *bad = tcase_create("bad input");
	TCase *good = tcase_create("valid");

	tcase_add_loop_test(bad, bad_input_case, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(bad, file_missing);
	tcase_add_test(bad, file_is_directory);
	tcase_add_test(bad, all_errors_in_one_run);
	tcase_add_test(bad, limit_zones);
	tcase_add_test(bad, limit_ports);
	tcase_add_loop_test(good, shipped_configs_are_valid, 0,
			    sizeof(shipped) / sizeof(shipped[0]));
	tcase_add_test(good, seed_model_contents);
	tcase_add_test(good, exception_is_a_warning);
	tcase_add_test(good, deny_entries_need_no_exception);
	tcase_add_test(good, mixed_port_list_and_comments);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, good);
	return s;
}
