/* agg.h - folding repeated violations and capping the log rate, with exact
 * counts.
 *
 * The first occurrence of a violation (same reason, zones, source,
 * destination, protocol and destination port or ICMP type) is a line at
 * once; its repeats within the window become one summary line when the
 * window ends. At most `rate` lines per second are written in all; whatever
 * is over the cap is counted and reported in a "violations-suppressed" line
 * at the end of each window. Every packet fed in is therefore in exactly
 * one of: a line with count=1, a summary's count, a suppressed count.
 * The table holds at most `max_entries` (the oldest is summarised early),
 * so memory stays bounded under any flood.
 */
#ifndef ZG_AGG_H
#define ZG_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "viol.h"

#define AGG_WINDOW_DEFAULT	60
#define AGG_ENTRIES_DEFAULT	16384

enum agg_kind {
	AGG_VIOLATION,		/* syslog warning */
	AGG_PERMIT,		/* syslog notice */
	AGG_SUMMARY,		/* syslog warning */
	AGG_SUPPRESSED,		/* syslog warning */
};

/* agg_emit_fn - receives each line; count is the number of packets the
 * line accounts for (so a writer that has to drop it can hand the count
 * back through agg_lost). */
typedef void (*agg_emit_fn)(void *arg, enum agg_kind kind, const char *line,
			    uint64_t count);

struct agg_stats {
	uint64_t	events;		/* packets fed in */
	uint64_t	lines;		/* violation/permit lines emitted */
	uint64_t	summarized;	/* packets in summary lines */
	uint64_t	suppressed;	/* packets reported as suppressed */
	uint64_t	evicted;	/* entries summarised early (table full) */
	size_t		entries;	/* in the table now */
};

struct agg;

/* agg_new - window in seconds, rate in lines per second, max_entries >= 1.
 * Returns NULL with errno ENOMEM. emit is called from agg_event, agg_tick
 * and agg_flush. */
struct agg *agg_new(unsigned window, unsigned rate, size_t max_entries,
		    agg_emit_fn emit, void *arg);

/* agg_free - frees a without emitting anything (call agg_flush first). */
void agg_free(struct agg *a);

/* agg_event - one packet. now_ms: a monotonic clock; wall: the packet's time
 * (seconds since the epoch), shown in summaries. */
void agg_event(struct agg *a, const struct model *m,
	       const struct viol_event *ev, uint64_t now_ms, uint64_t wall);

/* agg_tick - ends the windows that are over; call at least once a second. */
void agg_tick(struct agg *a, const struct model *m, uint64_t now_ms);

/* agg_flush - writes every pending summary and the suppressed count now
 * (reload, stop), whatever the windows. The rate cap still applies to
 * summaries: what is over it goes into the suppressed line. */
void agg_flush(struct agg *a, const struct model *m, uint64_t now_ms);

/* agg_lost - n packets whose line could not be written (queue full); they
 * are reported in the next suppressed line. */
void agg_lost(struct agg *a, uint64_t n);

/* agg_get_stats - counters since agg_new. */
void agg_get_stats(const struct agg *a, struct agg_stats *st);

/* agg_window - the window in seconds. */
unsigned agg_window(const struct agg *a);

#endif
