/* zonegated - the zone segmentation enforcement daemon.
 *
 * Start: read and validate the configuration, compile it, commit it as one
 * nftables transaction, then wait for signals. SIGHUP reloads the same way;
 * any failure keeps the ruleset in force. SIGTERM leaves the table in place
 * (the gateway stays closed) unless on_stop = "flush".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "confcheck.h"
#include "log.h"
#include "nft.h"
#include "../lib/conf.h"
#include "../lib/ruleset.h"

struct zgd {
	const char		*path;
	bool			foreground;
	struct model		*m;
	struct nft_sock		*nft;
	struct nft_status	st;
};

static void usage(void)
{
	fprintf(stderr, "usage: zonegated [-fn] [-c FILE]\n");
	exit(2);
}

/* load - parse and validate path; errors are logged. */
static struct model *load(const char *path)
{
	struct err_list el;
	struct model *m;
	size_t i;

	err_init(&el);
	m = conf_load(path, &el);
	err_sort(&el);
	for (i = 0; i < el.n; i++) {
		const struct err_rec *r = &el.rec[i];

		if (r->level == ERR_WARNING)
			log_warnx("%s:%d: warning: %s", r->file, r->line, r->msg);
		else if (r->line > 0)
			log_errx("%s:%d: %s", r->file, r->line, r->msg);
		else
			log_errx("%s: %s", r->file, r->msg);
	}
	if (m == NULL)
		log_errx("%s: %zu error%s; nothing was applied", path,
			 el.n_errors, el.n_errors == 1 ? "" : "s");
	err_free(&el);
	return m;
}

/* apply - compiles m and commits it. Returns 0 or -1 (logged). */
static int apply(struct zgd *d, const struct model *m)
{
	char err[NFT_ERR_MAX];
	struct ruleset *rs;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rs = ruleset_compile(m);
	if (rs == NULL) {
		log_errx("%s: cannot compile the ruleset: out of memory", m->path);
		return -1;
	}
	rc = nft_apply(d->nft, rs, m->set.table_owner, &d->st, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0)
		log_errx("%s: %s", m->path, err);
	else
		log_notice("applied %s: table inet %s, %zu zones, %zu policy "
			   "entries, %zu rules, %zu set elements, generation %u, "
			   "%s%s, %.3f s", m->path, rs->table, m->n_zones,
			   m->n_policies, ruleset_n_rules(rs), ruleset_n_elems(rs),
			   d->st.genid, d->st.owner ? "owner+persist" : "no owner flag",
			   d->st.retries ? " (retried)" : "",
			   (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ruleset_free(rs);
	return rc;
}

static void reload(struct zgd *d)
{
	struct model *m;

	log_info("reload requested: reading %s", d->path);
	m = load(d->path);
	if (m == NULL) {
		log_errx("reload failed: the running ruleset stays in force");
		return;
	}
	if (strcmp(m->set.table, d->m->set.table) != 0) {
		/* a new table would leave the old one enforcing beside it;
		 * refuse rather than guess which the administrator wants */
		log_errx("reload failed: the table name changed from %s to %s; "
			 "restart zonegated to move to another table",
			 d->m->set.table, m->set.table);
		model_free(m);
		return;
	}
	if (apply(d, m) < 0) {
		log_errx("reload failed: the running ruleset stays in force");
		model_free(m);
		return;
	}
	log_facility(m->set.facility);
	model_free(d->m);
	d->m = m;
}

static void stop(struct zgd *d)
{
	char err[NFT_ERR_MAX];

	if (d->m->set.on_stop_flush) {
		if (nft_delete_table(d->nft, d->m->set.table, err, sizeof(err)) < 0)
			log_errx("stop: %s", err);
		else
			log_notice("stopped; on_stop = \"flush\": table inet %s "
				   "removed", d->m->set.table);
	} else {
		log_notice("stopped; table inet %s stays in force (on_stop = "
			   "\"keep\")", d->m->set.table);
	}
}

static int signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int loop(struct zgd *d, int sfd)
{
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return 1;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGHUP:
				reload(d);
				break;
			case SIGTERM:
			case SIGINT:
				stop(d);
				return 0;
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct zgd d = { .path = CONF_DEFAULT_PATH };
	char err[NFT_ERR_MAX];
	int c, check_only = 0, sfd, rc;

	while ((c = getopt(argc, argv, "c:fnh")) != -1) {
		switch (c) {
		case 'c':
			d.path = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'n':
			check_only = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (check_only) {
		struct model *m = confcheck_load(d.path);

		if (m == NULL)
			return 1;
		confcheck_summary(stdout, m);
		model_free(m);
		return 0;
	}
	/* until the configuration names a facility, use daemon */
	log_init("zonegated", true, LOG_DAEMON);
	d.m = load(d.path);
	if (d.m == NULL)
		return 1;
	log_facility(d.m->set.facility);
	sfd = signals();
	if (sfd < 0)
		fatalx("cannot set up signal handling: %s", strerror(errno));
	d.nft = nft_open(err, sizeof(err));
	if (d.nft == NULL)
		fatalx("%s", err);
	if (apply(&d, d.m) < 0) {
		log_errx("start failed: nothing was changed");
		return 1;
	}
	if (!d.foreground) {
		if (daemon(0, 0) < 0)
			fatalx("cannot go to the background: %s", strerror(errno));
		log_init("zonegated", false, d.m->set.facility);
	}
	rc = loop(&d, sfd);
	nft_close(d.nft);
	model_free(d.m);
	close(sfd);
	return rc;
}
