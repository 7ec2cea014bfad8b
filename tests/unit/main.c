/* main.c - runs every suite; Check's summary lines end the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

struct model *parse_text(const char *text, struct err_list *el)
{
	return conf_parse(text, strlen(text), "test.conf", el);
}

const char *errs_text(const struct err_list *el)
{
	static char buf[8192];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < el->n && off < sizeof(buf) - 1; i++) {
		int n = snprintf(buf + off, sizeof(buf) - off, "%d: %s\n",
				 el->rec[i].line, el->rec[i].msg);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_add_suite(sr, lpm_suite());
	srunner_add_suite(sr, conf_suite());
	srunner_add_suite(sr, policy_suite());
	srunner_add_suite(sr, ruleset_suite());
	srunner_add_suite(sr, pkt_suite());
	srunner_add_suite(sr, viol_suite());
	srunner_add_suite(sr, agg_suite());
	srunner_add_suite(sr, cli_suite());
	srunner_add_suite(sr, link_suite());
	srunner_add_suite(sr, flow_suite());
	srunner_add_suite(sr, audit_suite());
	srunner_add_suite(sr, sepmsg_suite());
	/* namespace tests need root; `make check` runs them, `make unit` not */
	if (argc > 1 && strcmp(argv[1], "--ns") == 0)
		srunner_add_suite(sr, ns_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
