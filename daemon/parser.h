/* parser.h - the packet parser: a child process without privilege, and its
 * supervision by the daemon.
 *
 * Everything an attacker can send through the gateway is parsed here: the
 * NFLOG records of denied packets (one child) and the frames entering on
 * the zone interfaces (another, restarted when the set of interfaces
 * changes). The child opens its captures (or inherits the NFLOG handle the
 * daemon opened before its first commit), then gives up its user, every
 * capability and all but a few system calls (confine.h), and hands the
 * parent fixed-format records (lib/sepmsg.h) over a socketpair. The parent
 * decodes each exactly; one that fails is a compromised child: killed,
 * reported as an alert, restarted. A child that dies is restarted with
 * backoff (1 s, doubling to 60 s; back to 1 s after a minute of life). The
 * ruleset never depends on the child.
 */
#ifndef ZG_PARSER_H
#define ZG_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/sepmsg.h"
#include "capture.h"
#include "confine.h"

struct parser;

struct parser_ops {
	/* an NFLOG record, parsed */
	void	(*viol)(void *arg, const struct sep_msg *m);
	/* an NFLOG record that did not parse (m->bad_kind, m->bad_err) */
	void	(*viol_bad)(void *arg, const struct sep_msg *m);
	/* a frame entering on interface ifname */
	void	(*frame)(void *arg, const char *ifname, const struct sep_msg *m);
	/* a frame that did not parse */
	void	(*frame_bad)(void *arg);
	/* an "alert reason=parser-..." line for the log (priority alert) */
	void	(*alert)(void *arg, const char *line);
};

struct parser_stats {
	pid_t		pid;		/* 0 when no child runs */
	uint64_t	started;	/* children started */
	uint64_t	restarts;	/* after a crash, kill or rejection */
	uint64_t	rejected;	/* malformed records: compromises */
	uint64_t	records;	/* records accepted */
	uint64_t	drop, ifdrop;	/* libpcap's counters, all slots */
	bool		as_user;	/* runs as the unprivileged user */
	size_t		captures;	/* captures the running child reads */
};

/* parser_new - a supervisor for the child called name ("nflog",
 * "ifaces"); u is the unprivileged user (confine_lookup). */
struct parser *parser_new(const char *name, const struct parser_ops *ops,
			  void *arg, const struct confine_user *u);

/* parser_start_nflog - forks the child reading NFLOG group; cap is a handle
 * the daemon opened (given away: closed here in the parent), or NULL for
 * the child to open. Waits up to 5 s for the child to be ready. Returns 0,
 * or -1 with err (then a restart is scheduled). */
int parser_start_nflog(struct parser *p, unsigned group, struct capture *cap,
		       char *err, size_t errlen);

/* parser_start_ifaces - forks the child capturing on names[0..n). */
int parser_start_ifaces(struct parser *p, char *const *names, size_t n,
			char *err, size_t errlen);

/* parser_same_ifaces - true if the child was started on exactly names. */
bool parser_same_ifaces(const struct parser *p, char *const *names, size_t n);

/* parser_fd - the descriptor to poll for records; -1 with no child. */
int parser_fd(const struct parser *p);

/* parser_read - decodes and dispatches what the child sent. */
void parser_read(struct parser *p);

/* parser_sync - asks the child to read everything its captures hold and
 * dispatches it, waiting at most timeout_ms. */
void parser_sync(struct parser *p, int timeout_ms);

/* parser_tick - restarts a child that died, when its backoff is over. */
void parser_tick(struct parser *p, uint64_t now_ms);

/* parser_stop - ends the child (no restart). */
void parser_stop(struct parser *p);

/* parser_stats - counters for status. */
void parser_stats(const struct parser *p, struct parser_stats *st);

/* parser_capturing - true if the running child reads capture i. */
bool parser_capturing(const struct parser *p, size_t i);

/* parser_drops - libpcap's drop counters summed over the captures; 0
 * for a NULL parser. */
void parser_drops(const struct parser *p, uint64_t *drop, uint64_t *ifdrop);

/* parser_slot - the name of capture i and its drop counters; false past the
 * last. */
bool parser_slot(const struct parser *p, size_t i, const char **name,
		 uint64_t *drop, uint64_t *ifdrop);

void parser_free(struct parser *p);

#endif
