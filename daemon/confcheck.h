/* confcheck.h - what `zonegatectl check` and `zonegated -n` print. */
#ifndef ZG_CONFCHECK_H
#define ZG_CONFCHECK_H

#include <stdio.h>

#include "../lib/err.h"
#include "../lib/model.h"

/* confcheck_print_errors - one "FILE:LINE: message" line per record, in line
 * order; warnings carry "warning: ". */
void confcheck_print_errors(FILE *out, struct err_list *el);

/* confcheck_summary - zones, the zone-pair matrix and the permitted flows. */
void confcheck_summary(FILE *out, const struct model *m);

/* confcheck_load - conf_load plus printing of its errors and warnings to
 * stderr. Returns the model or NULL. */
struct model *confcheck_load(const char *path);

#endif
