/* watch.h - nftables events: who changed our table behind our back.
 *
 * A netlink socket joined to NFNLGRP_NFTABLES receives every committed
 * change as events followed by NFT_MSG_NEWGEN, which names the committing
 * process. A generation committed by another process that touched our
 * table is reported once, with the first kind of change seen.
 */
#ifndef ZG_WATCH_H
#define ZG_WATCH_H

#include <stdint.h>

struct watch;

/* watch_fn - a generation by pid (comm: its name, may be "") changed our
 * table; change is e.g. "rule-added", "set-element-removed". pid 0 with
 * change "events-lost" means the socket overflowed: check everything. */
typedef void (*watch_fn)(void *arg, uint32_t pid, const char *comm,
			 const char *change);

/* watch_open - subscribes to the events of table inet name. */
struct watch *watch_open(const char *table, char *err, size_t errlen);

/* watch_fd - to poll for input. */
int watch_fd(const struct watch *w);

/* watch_read - handles the queued events. */
void watch_read(struct watch *w, watch_fn fn, void *arg);

/* watch_close - NULL is fine. */
void watch_close(struct watch *w);

#endif
