/* control.h - the control socket zonegatectl talks to.
 *
 * A Unix stream socket, mode 0660, owned by root and the configured group;
 * the peer's credentials are checked again at accept (root, or a member of
 * that group). Each connection carries one request line (lib/ctlproto.h)
 * and gets one answer; a request that is malformed, oversized or not
 * complete within CONTROL_TIMEOUT_MS gets an error and the connection is
 * closed. Connections beyond CONTROL_CLIENTS_MAX are refused at once, so
 * no number of idle clients can starve the daemon.
 */
#ifndef ZG_CONTROL_H
#define ZG_CONTROL_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../lib/ctlproto.h"

#define CONTROL_CLIENTS_MAX	2048
#define CONTROL_TIMEOUT_MS	2000
#define CONTROL_DEFAULT_PATH	"/run/zonegate/control.sock"

struct control;

/* control_handler - answers req by writing the body to out; returns 0, or
 * -1 with a one-line message in err (what it wrote to out follows). */
typedef int (*control_handler)(void *arg, const struct ctl_req *req,
			       FILE *out, char *err, size_t errlen);

struct control_stats {
	uint64_t	served;
	uint64_t	refused;	/* credentials */
	uint64_t	bad;		/* malformed, oversized, slow */
	uint64_t	busy;		/* over the client limit */
};

/* control_open - creates the socket at path (its directory too), for group
 * (a group name; NULL or "root": root only). Returns NULL and fills err. */
struct control *control_open(const char *path, const char *group, char *err,
			     size_t errlen);

/* control_close - closes every connection and removes the socket. */
void control_close(struct control *c);

/* control_pollfds - fills pfd (room for max) with the listener and the
 * clients; returns how many. */
size_t control_pollfds(const struct control *c, struct pollfd *pfd, size_t max);

/* control_service - handles the events of the pollfds control_pollfds gave
 * (in the same order) and the timeouts at now_ms. */
void control_service(struct control *c, const struct pollfd *pfd, size_t n,
		     uint64_t now_ms, control_handler h, void *arg);

/* control_get_stats - counters since control_open. */
void control_get_stats(const struct control *c, struct control_stats *st);

#endif
