/* ctlproto.h - the control socket's request, parsed without trust.
 *
 * A request is one line of at most CTL_REQ_MAX bytes, printable ASCII:
 *
 *	zonegate/1 COMMAND [KEY=VALUE ...]\n
 *
 * COMMAND is status, stats, top or reload; keys are format (text or json),
 * pair (FROM:TO) and n (1-1000). The answer (written by the daemon) is a
 * first line "zonegate/1 ok" or "zonegate/1 error MESSAGE", then the body,
 * then the connection closes.
 */
#ifndef ZG_CTLPROTO_H
#define ZG_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define CTL_VERSION	"zonegate/1"
#define CTL_REQ_MAX	512

enum ctl_cmd {
	CTL_STATUS,
	CTL_STATS,
	CTL_TOP,
	CTL_RELOAD,
};

struct ctl_req {
	enum ctl_cmd	cmd;
	bool		json;
	bool		has_pair;
	char		from[ZG_NAME_MAX + 1];
	char		to[ZG_NAME_MAX + 1];
	unsigned	n;		/* top: entries, default 10 */
};

/* ctl_parse - parses the request in buf[0..len) (the line, with or without
 * its newline). Returns 0, or -1 with a message for the client in err. */
int ctl_parse(const char *buf, size_t len, struct ctl_req *req, char *err,
	      size_t errlen);

/* ctl_cmd_name - "status", ... */
const char *ctl_cmd_name(enum ctl_cmd c);

#endif
