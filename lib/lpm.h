/* lpm.h - longest-prefix match by flattening.
 *
 * A set of possibly nested prefixes, each with a value, is flattened into
 * disjoint, sorted address ranges that cover the whole address space (gaps
 * carry LPM_NONE). The same ranges serve two purposes: lookup is a binary
 * search over range starts (O(log n), independent of nesting), and the kernel
 * compiler emits them as the non-overlapping intervals nftables needs.
 */
#ifndef ZG_LPM_H
#define ZG_LPM_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define LPM_NONE	(-1)

struct lpm_entry {
	struct prefix	p;
	int32_t		val;
};

struct lpm_range {
	u128	lo;
	u128	hi;
	int32_t	val;
};

struct lpm;

/* lpm_dup_fn - called for each prefix given twice; a and b index entries
 * (a < b). The first one is kept. */
typedef void (*lpm_dup_fn)(void *arg, size_t a, size_t b);

/* lpm_build - flattens n entries of both families. Entries are not kept.
 * Returns a new table (caller frees with lpm_free) or NULL with errno. */
struct lpm *lpm_build(const struct lpm_entry *e, size_t n, lpm_dup_fn dup,
		      void *arg);

/* lpm_free - frees t; NULL is fine. */
void lpm_free(struct lpm *t);

/* lpm_lookup - value of the longest prefix holding a, or LPM_NONE. */
int32_t lpm_lookup(const struct lpm *t, const struct addr *a);

/* lpm_ranges - the flattened partition of one family, adjacent ranges with
 * equal values merged; *n receives the count. Owned by t. */
const struct lpm_range *lpm_ranges(const struct lpm *t, int family, size_t *n);

#endif
