/* slog.h - violation lines to syslog without ever stalling capture.
 *
 * Lines go into a bounded queue and are written to /dev/log with a
 * non-blocking datagram socket when it accepts them. A line the queue has
 * no room for is dropped and its packet count handed back (see agg_lost),
 * so the counts in the log still add up.
 */
#ifndef ZG_SLOG_H
#define ZG_SLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLOG_QUEUE	4096	/* lines */
#define SLOG_PATH	"/dev/log"

struct slog;

/* slog_new - facility as LOG_DAEMON etc; copy: also write to stderr. */
struct slog *slog_new(const char *ident, int facility, bool copy_stderr);

/* slog_free - tries once to write what is queued, then frees. */
void slog_free(struct slog *s);

/* slog_facility - the facility of lines queued from now on. */
void slog_facility(struct slog *s, int facility);

/* slog_put - queues a line at priority pri (LOG_WARNING...). Returns 0, or
 * -1 when the queue is full (the line is dropped). */
int slog_put(struct slog *s, int pri, const char *line);

/* slog_flush - writes queued lines until the socket would block. */
void slog_flush(struct slog *s);

/* slog_pending - queued lines; the caller polls slog_fd for POLLOUT while
 * there are any. */
size_t slog_pending(const struct slog *s);

/* slog_fd - the socket, or -1 when not connected (retried by slog_flush). */
int slog_fd(const struct slog *s);

/* slog_dropped - lines dropped since slog_new (queue full). */
uint64_t slog_dropped(const struct slog *s);

#endif
