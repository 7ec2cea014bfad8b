/* test_ns.c - the namespace tests (the scripts in tests/ns), one Check test each, so
 * that their results are part of Check's summary. Each script builds its own
 * network namespaces and removes them whatever happens. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "tests.h"

static glob_t scripts;

START_TEST(ns_script)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "cd " TOP " && bash %s",
		 scripts.gl_pathv[_i] + sizeof(TOP));
	fprintf(stderr, "== %s\n", scripts.gl_pathv[_i] + sizeof(TOP));
	st = system(cmd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed (%d)",
		      scripts.gl_pathv[_i], st);
}
END_TEST

Suite *ns_suite(void)
{
	Suite *s = suite_create("namespace");
	TCase *tc = tcase_create("kernel");

	if (glob(TOP "/tests/ns/*.sh", 0, NULL, &scripts) != 0)
		scripts.gl_pathc = 0;
	tcase_set_timeout(tc, 900);
	if (scripts.gl_pathc > 0)
		tcase_add_loop_test(tc, ns_script, 0, (int)scripts.gl_pathc);
	suite_add_tcase(s, tc);
	return s;
}
