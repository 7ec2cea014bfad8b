/* tests.h - the Check suites of zonegate's unit tests. */
#ifndef ZG_TESTS_H
#define ZG_TESTS_H

#include <check.h>

#include "../../lib/addr.h"
#include "../../lib/conf.h"
#include "../../lib/err.h"
#include "../../lib/lpm.h"
#include "../../lib/model.h"
#include "../../lib/policy.h"

/* Paths are relative to tests/unit, where the runner is started. */
#define TOP	"../.."

Suite *addr_suite(void);
Suite *lpm_suite(void);
Suite *conf_suite(void);
Suite *policy_suite(void);
Suite *ruleset_suite(void);
Suite *pkt_suite(void);
Suite *viol_suite(void);
Suite *agg_suite(void);
Suite *cli_suite(void);
Suite *link_suite(void);
Suite *flow_suite(void);
Suite *audit_suite(void);
Suite *sepmsg_suite(void);
Suite *ns_suite(void);

/* parse_text - conf_parse of a string; errors into el (caller frees). */
struct model *parse_text(const char *text, struct err_list *el);

/* errs_text - all records as "LINE: msg\n" for failure messages; static. */
const char *errs_text(const struct err_list *el);

#endif
