/* test_cli.c - zonegatectl check/explain and zonegated -n as an
 * administrator runs them: output lines and exit statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

#define CTL	TOP "/zonegatectl -c " TOP "/conf/zonegate.conf "

/* run - runs cmd with stderr merged; returns exit status, output in out. */
static int run(const char *cmd, char *out, size_t cap)
{
	char full[1024];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	ck_assert_ptr_nonnull(p);
	while (n < cap - 1) {
		size_t r = fread(out + n, 1, cap - 1 - n, p);

		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const struct {
	const char	*args;
	int		status;
	const char	*prefix;	/* the output starts with this */
	const char	*reason;	/* and contains this */
} explain_cases[] = {
	/* the seed's story */
	{ "--in inet0 tcp 203.0.113.9 10.30.0.25 25", 0,
	  "accept internet -> relay tcp 203.0.113.9 -> 10.30.0.25 dport 25",
	  "permitted by ../../conf/zonegate.conf:45 \"internet mail into the sanitiser\"" },
	{ "--in rl0 tcp 10.30.0.25 10.20.0.25 25", 0, "accept relay -> lgwan",
	  "conf/zonegate.conf:48 \"sanitised (text-only) mail" },
	{ "--in lg0 tcp 10.20.3.4 10.30.0.40 3389", 0, "accept lgwan -> relay",
	  "conf/zonegate.conf:51 \"screen transfer" },
	{ "tcp 10.30.0.40 198.51.100.7 443", 0, "accept relay -> internet",
	  "conf/zonegate.conf:54" },
	{ "--in lg0 tcp 10.20.3.4 198.51.100.7 443", 1,
	  "drop lgwan -> internet tcp 10.20.3.4 -> 198.51.100.7 dport 443",
	  ": no policy permits it" },
	{ "--in lg0 tcp 10.20.0.25 10.30.0.25 25", 1, "drop lgwan -> relay",
	  "no policy permits it" },
	{ "--in mn0 tcp 10.10.0.5 10.20.0.25 25", 1, "drop mynumber -> lgwan",
	  "no policy permits it" },
	{ "--in mn0 tcp 10.10.0.5 198.51.100.7 443", 1, "drop mynumber -> internet",
	  "no policy permits it" },
	{ "--in mn0 icmp 10.10.0.5 10.30.0.40", 1, "drop mynumber -> relay icmp",
	  "type 8" },
	{ "--in inet0 udp 10.20.9.9 10.30.0.40 3389", 1, "drop lgwan -> relay",
	  "spoofed source: 10.20.9.9 belongs to zone lgwan, which is on lg0, but arrived on inet0" },
	{ "--in lg0 tcp fd00:20::5 fd00:10::5 22", 1, "drop lgwan -> mynumber tcp fd00:20::5",
	  "no policy permits it" },
	{ "icmp fd00:20::5 fd00:30::40", 1, "drop lgwan -> relay icmpv6", "type 128" },
	{ "tcp 10.20.3.4 10.20.0.25 22", 0, "accept lgwan -> lgwan", "intra-zone accept" },
	/* usage errors */
	{ "tcp 10.20.3.4 10.20.0.25", 2, "explain: tcp needs a destination port", "" },
	{ "tcp 10.20.3.4 fd00::1 80", 2, "explain: SRC and DST must be of one family", "" },
	{ "sctp 10.20.3.4 10.20.0.25 80", 2, "usage:", "" },
	{ "tcp lgwan 10.20.0.25 80", 2, "explain: SRC and DST must be", "" },
	{ "tcp 10.20.3.4 10.20.0.25 65536", 2, "explain: tcp needs", "" },
};

START_TEST(explain_case)
{
	char cmd[512], out[4096];
	int st;

	snprintf(cmd, sizeof(cmd), CTL "explain %s", explain_cases[_i].args);
	st = run(cmd, out, sizeof(out));
	ck_assert_msg(st == explain_cases[_i].status, "%s: status %d\n%s",
		      cmd, st, out);
	ck_assert_msg(strncmp(out, explain_cases[_i].prefix,
			      strlen(explain_cases[_i].prefix)) == 0,
		      "%s:\n%s", cmd, out);
	ck_assert_msg(strstr(out, explain_cases[_i].reason) != NULL,
		      "%s:\n%s", cmd, out);
	if (st != 2)
		ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1,
			      "one line expected:\n%s", out);
}
END_TEST

START_TEST(check_accepts_seed_config)
{
	char out[16384];

	ck_assert_int_eq(run(CTL "check", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "configuration OK: 4 zones"));
	ck_assert_ptr_nonnull(strstr(out, "zone-pair matrix"));
	ck_assert_ptr_nonnull(strstr(out, "mynumber"));
}
END_TEST

static const char bad_conf[] =
	"version = 1;\n"
	"zones = (\n"
	"  { name = \"a\"; intefaces = [ \"a0\" ]; networks = [ \"10.1.0.1/16\" ]; }\n"
	");\n";

START_TEST(check_reports_file_line)
{
	char path[] = "/tmp/zg-cli-XXXXXX", cmd[512], out[4096], want[256];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bad_conf, sizeof(bad_conf) - 1),
			 (ssize_t)sizeof(bad_conf) - 1);
	close(fd);
	snprintf(cmd, sizeof(cmd), TOP "/zonegatectl -c %s check", path);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s:3: zone 'a': unknown setting "
		 "'intefaces'; did you mean 'interfaces'?", path);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof(want), "%s:3: zone 'a': '10.1.0.1/16' has host "
		 "bits set; did you mean '10.1.0.0/16'?", path);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "2 errors; nothing was applied"));
	/* explain on a bad config is a configuration error: 2 */
	snprintf(cmd, sizeof(cmd), TOP "/zonegatectl -c %s explain tcp "
		 "10.1.0.1 10.1.0.2 80", path);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 2);
	/* zonegated -n does the same check */
	snprintf(cmd, sizeof(cmd), TOP "/zonegated -n -c %s", path);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, ":3: zone 'a': unknown setting"));
	unlink(path);
}
END_TEST

START_TEST(daemon_check_only)
{
	char out[16384];

	ck_assert_int_eq(run(TOP "/zonegated -n -c " TOP "/conf/zonegate.conf",
			     out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "configuration OK"));
	ck_assert_int_eq(run(TOP "/zonegated -n -c /nonexistent.conf", out,
			     sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "/nonexistent.conf: cannot open"));
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("zonegatectl");

	tcase_add_loop_test(tc, explain_case, 0,
			    sizeof(explain_cases) / sizeof(explain_cases[0]));
	tcase_add_test(tc, check_accepts_seed_config);
	tcase_add_test(tc, check_reports_file_line);
	tcase_add_test(tc, daemon_check_only);
	suite_add_tcase(s, tc);
	return s;
}
