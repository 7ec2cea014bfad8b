/* auditprint.h - the report of `zonegatectl audit`, as text or JSON.
 *
 * Both hold the same content: the files, the frames read and skipped (by
 * cause), the flows, a table of the zone pairs (flows, packets and bytes
 * permitted and denied), then every denied flow and every permitted one
 * with the policy entry that permits it. zonegatectl(8) describes it.
 */
#ifndef ZG_AUDITPRINT_H
#define ZG_AUDITPRINT_H

#include <stdio.h>

#include "../lib/audit.h"
#include "../lib/model.h"

/* auditprint_text, auditprint_json - the report of a over m, read from
 * files[0..nfiles). Return 0, or -1 with errno ENOMEM (nothing useful was
 * printed). */
int auditprint_text(FILE *out, const struct model *m, const struct audit *a,
		    char *const *files, size_t nfiles);
int auditprint_json(FILE *out, const struct model *m, const struct audit *a,
		    char *const *files, size_t nfiles);

/* auditprint_jstr - s as a JSON string (quotes included) to out: '"', '\\'
 * and control characters escaped, bytes that are not UTF-8 as U+FFFD. */
void auditprint_jstr(FILE *out, const char *s);

#endif
