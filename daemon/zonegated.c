/* zonegated - the zone segmentation enforcement daemon.
 *
 * Start: read and validate the configuration, compile it, commit it as one
 * nftables transaction, then wait for signals. SIGHUP reloads the same way;
 * any failure keeps the ruleset in force. SIGTERM leaves the table in place
 * (the gateway stays closed) unless on_stop = "flush".
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "capture.h"
#include "control.h"
#include "confcheck.h"
#include "log.h"
#include "nft.h"
#include "notify.h"
#include "parser.h"
#include "slog.h"
#include "watch.h"
#include "../lib/agg.h"
#include "../lib/conf.h"
#include "../lib/link.h"
#include "../lib/live.h"
#include "../lib/nflog.h"
#include "../lib/pkt.h"
#include "../lib/ruleset.h"
#include "../lib/viol.h"

/* What happened to the NFLOG records the daemon read. */
struct vstats {
	uint64_t	records;	/* read from the NFLOG group */
	uint64_t	violations;	/* attributed and counted in the log */
	uint64_t	permits;
	uint64_t	malformed;	/* NFLOG or header problems */
	uint64_t	bad_prefix;	/* a prefix zonegate did not write */
	uint64_t	unknown_iface;	/* an interface index that is gone */
	uint64_t	disagree;	/* prefix and engine differ */
	uint64_t	by_err[8];	/* malformed, by pkt_err */
};

struct zgd {
	const char		*path;
	bool			foreground;
	struct model		*m;
	struct nft_sock		*nft;
	struct nft_status	st;
	struct capture		*cap;
	struct slog		*slog;
	struct agg		*agg;
	struct vstats		vs;
	/* kernel counters: what earlier tables counted, and the values the
	 * current table had when we started counting it; a reload or a repair
	 * may remove counters, so each apply closes one period */
	struct nft_counters	acc;
	struct nft_counters	base;
	uint64_t		next_total_ms;
	struct control		*ctl;
	time_t			started;
	time_t			applied_at;
	struct nft_shape	shape;		/* compiled, last apply */
	uint64_t		reloads, reload_failures;
	uint64_t		next_watchdog_ms;
	struct watch		*watch;
	uint64_t		tamper_events, repairs;
	time_t			last_tamper;
	bool			drift;
	uint64_t		next_verify_ms;
	struct live		*live;
	struct confine_user	user;		/* the parsers' user */
	struct parser		*vparse;	/* NFLOG records */
	struct parser		*iparse;	/* zone interfaces */
	uint64_t		if_skipped;	/* frames not parsed */
	uint64_t		next_stats_ms;
	struct addr		local[64];	/* the gateway's own addresses */
	size_t			n_local;
	char			up[256][IF_NAMESIZE];	/* interfaces up */
	size_t			n_up;
	char			last_error[NFT_ERR_MAX];
};

static char load_error[NFT_ERR_MAX / 2];	/* the first error of the last load */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
	load_error[0] = '\0';
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
		if (r->level == ERR_ERROR && load_error[0] == '\0')
			snprintf(load_error, sizeof(load_error), "%s:%d: %s",
				 r->file, r->line, r->msg);
	}
	if (m == NULL)
		log_errx("%s: %zu error%s; nothing was applied", path,
			 el.n_errors, el.n_errors == 1 ? "" : "s");
	err_free(&el);
	return m;
}

/* period - adds what the counters of the current table counted since base
 * to acc, and makes c the new base. A counter that went backwards was
 * removed (by a reload or by tampering): it adds nothing. */
static void period(struct zgd *d, const struct nft_counters *c)
{
	if (c->denied >= d->base.denied)
		d->acc.denied += c->denied - d->base.denied;
	if (c->nflog_sent >= d->base.nflog_sent)
		d->acc.nflog_sent += c->nflog_sent - d->base.nflog_sent;
	d->base = *c;
}

/* counters_close - closes the counting period before a commit. */
static void counters_close(struct zgd *d)
{
	struct nft_counters c;

	if (d->slog != NULL && nft_read_counters(d->nft, d->m->set.table, &c) == 0)
		period(d, &c);
}

/* counters_open - the new table's counters are the next period's base. */
static void counters_open(struct zgd *d, const char *table)
{
	if (nft_read_counters(d->nft, table, &d->base) < 0)
		memset(&d->base, 0, sizeof(d->base));
}

/* apply - compiles m and commits it. Returns 0 or -1 (logged). */
static int apply(struct zgd *d, const struct model *m)
{
	char err[NFT_ERR_MAX], stamp[160];
	struct nft_shape shape;
	struct ruleset *rs;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rs = ruleset_compile(m);
	if (rs == NULL) {
		log_errx("%s: cannot compile the ruleset: out of memory", m->path);
		return -1;
	}
	nft_shape_of(rs, &shape);
	nft_stamp(&shape, m->checksum, stamp, sizeof(stamp));
	counters_close(d);
	rc = nft_apply(d->nft, rs, m->set.table_owner, stamp, &d->st, err,
		       sizeof(err));
	if (rc == 0 && d->slog != NULL)
		counters_open(d, m->set.table);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == 0) {
		d->applied_at = time(NULL);
		d->shape = shape;
		d->drift = false;
	}
	if (rc < 0) {
		log_errx("%s: %s", m->path, err);
		snprintf(d->last_error, sizeof(d->last_error), "%s", err);
	} else
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

/* emit_line - agg's output: into the syslog queue, or counted as lost. */
static void emit_line(void *arg, enum agg_kind kind, const char *line,
		      uint64_t count)
{
	struct zgd *d = arg;
	int pri = kind == AGG_PERMIT ? LOG_NOTICE : LOG_WARNING;

	if (slog_put(d->slog, pri, line) < 0)
		agg_lost(d->agg, count);
}

static bool ifname(bool has, uint32_t idx, char *buf)
{
	buf[0] = '\0';
	if (!has)
		return true;
	return if_indextoname(idx, buf) != NULL;
}

/* on_viol - one NFLOG record, parsed by the parser child and checked by
 * lib/sepmsg: attribute, fold. */
static void on_viol(void *arg, const struct sep_msg *m)
{
	struct zgd *d = arg;
	char in[IF_NAMESIZE], out[IF_NAMESIZE];
	struct viol_event ev;
	enum viol_err ve;

	d->vs.records++;
	if (!ifname(m->has_indev, m->indev, in) ||
	    !ifname(m->has_outdev, m->outdev, out)) {
		d->vs.unknown_iface++;
		return;
	}
	ve = viol_attribute(d->m, m->prefix, &m->pi, in, out, &ev);
	if (ve == VIOL_EPREFIX) {
		d->vs.bad_prefix++;
		return;
	}
	if (ve == VIOL_EDISAGREE)
		d->vs.disagree++;
	if (ev.permit)
		d->vs.permits++;
	else
		d->vs.violations++;
	agg_event(d->agg, d->m, &ev, now_ms(),
		  m->has_ts ? m->ts_sec : m->ts_us / 1000000);
}

/* on_viol_bad - a record the parser could not read: counted, skipped. */
static void on_viol_bad(void *arg, const struct sep_msg *m)
{
	struct zgd *d = arg;

	d->vs.records++;
	d->vs.malformed++;
	if (m->bad_kind == SEP_BAD_PKT)
		d->vs.by_err[m->bad_err & 7]++;
}

/* totals - the periodic line that makes the counts add up with the
 * kernel's: what was denied, what reached the log, what the in-kernel
 * limit kept from the daemon. Cumulative since the daemon started. */
static void totals(struct zgd *d)
{
	struct nft_counters c;
	uint64_t drop = 0, ifdrop = 0;
	long long denied, sent, received;
	char line[VIOL_LINE_MAX];

	if (nft_read_counters(d->nft, d->m->set.table, &c) < 0) {
		log_warn("cannot read the counters of table %s", d->m->set.table);
		return;
	}
	period(d, &c);
	denied = (long long)d->acc.denied;
	sent = (long long)d->acc.nflog_sent;
	received = (long long)(d->vs.records - d->vs.permits);
	parser_drops(d->vparse, &drop, &ifdrop);
	snprintf(line, sizeof(line), "violations-total kernel_denied=%lld "
		 "logged=%llu skipped=%llu kernel_dropped_unlogged=%lld "
		 "nflog_lost=%lld pcap_drop=%llu disagree=%llu", denied,
		 (unsigned long long)d->vs.violations,
		 (unsigned long long)(d->vs.malformed + d->vs.bad_prefix +
				      d->vs.unknown_iface),
		 denied - sent, sent - received, (unsigned long long)drop,
		 (unsigned long long)d->vs.disagree);
	slog_put(d->slog, LOG_INFO, line);
}

/* drain - everything queued on the NFLOG group now, through the parser. */
static void drain(struct zgd *d)
{
	parser_sync(d->vparse, 500);
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static bool is_local(const struct zgd *d, const struct addr *a)
{
	size_t i;

	for (i = 0; i < d->n_local; i++)
		if (d->local[i].family == a->family && d->local[i].v == a->v)
			return true;
	return false;
}

/* read_local - the gateway's own addresses: traffic to them is input,
 * classified against the "gateway" zone, not forwarded. */
static void read_local(struct zgd *d)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return;
	d->n_local = 0;
	d->n_up = 0;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct addr *a = &d->local[d->n_local];

		if (i->ifa_addr == NULL)
			continue;
		/* one AF_PACKET entry per interface, with its flags */
		if (i->ifa_addr->sa_family == AF_PACKET) {
			if ((i->ifa_flags & IFF_UP) && d->n_up < 256)
				snprintf(d->up[d->n_up++], IF_NAMESIZE, "%s",
					 i->ifa_name);
			continue;
		}
		if (d->n_local == 64)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			addr_from_bytes(AF_INET, (const uint8_t *)
				&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, a);
		else if (i->ifa_addr->sa_family == AF_INET6)
			addr_from_bytes(AF_INET6, (const uint8_t *)
				&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, a);
		else
			continue;
		d->n_local++;
	}
	freeifaddrs(ifa);
}

/* on_frame - a packet entering on a zone interface: classify it. */
static void on_frame(void *arg, const char *ifname, const struct sep_msg *m)
{
	struct zgd *d = arg;

	live_packet(d->live, &m->pi, ifname, is_local(d, &m->pi.dst),
		    m->wire_len, m->ts_us);
}

static void on_frame_bad(void *arg)
{
	struct zgd *d = arg;

	d->if_skipped++;
}

static bool is_up(const struct zgd *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_up; i++)
		if (strcmp(d->up[i], name) == 0)
			return true;
	return false;
}

/* sync_ifaces - the interface parser captures on every zone interface that
 * is up: when interfaces appear, go up, go down or go away, or the zones
 * change, it is started again on the new set. */
static void sync_ifaces(struct zgd *d)
{
	static char buf[SEP_SLOTS_MAX][IF_NAMESIZE];
	char *names[SEP_SLOTS_MAX], err[256];
	size_t z, k, n = 0;

	read_local(d);
	for (z = 0; z < d->m->n_zones && d->m->set.classify; z++)
		for (k = 0; k < d->m->zones[z].n_ifaces && n < SEP_SLOTS_MAX; k++) {
			const char *name = d->m->zones[z].ifaces[k];

			if (!is_up(d, name))
				continue;
			snprintf(buf[n], sizeof(buf[n]), "%s", name);
			names[n] = buf[n];
			n++;
		}
	if (parser_same_ifaces(d->iparse, names, n))
		return;
	if (parser_start_ifaces(d->iparse, names, n, err, sizeof(err)) < 0) {
		log_errx("parser ifaces: %s", err);
		return;
	}
	for (z = 0; z < n; z++)
		if (parser_capturing(d->iparse, z))
			log_info("classifying traffic entering on %s", names[z]);
}

static void on_scan(void *arg, const char *line)
{
	struct zgd *d = arg;

	slog_put(d->slog, LOG_ALERT, line);
}

/* notify_ready - READY=1 with what an administrator sees in systemctl
 * status: the policy in force and the last error, if any. */
static void notify_ready(struct zgd *d)
{
	notify_sendf("READY=1\nSTATUS=enforcing %s (sha256 %.16s): %zu zones, "
		     "%zu entries, %zu rules%s%s", d->m->path, d->m->checksum,
		     d->m->n_zones, d->m->n_policies, d->shape.rules,
		     d->last_error[0] ? "; last error: " : "", d->last_error);
}

static int reload(struct zgd *d)
{
	struct model *m;

	log_info("reload requested: reading %s", d->path);
	notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s",
		     (unsigned long long)now_ms() * 1000, d->path);
	m = load(d->path);
	if (m == NULL) {
		snprintf(d->last_error, sizeof(d->last_error), "%s", load_error);
		log_errx("reload failed: the running ruleset stays in force");
		notify_ready(d);
		return -1;
	}
	if (strcmp(m->set.table, d->m->set.table) != 0) {
		/* a new table would leave the old one enforcing beside it;
		 * refuse rather than guess which the administrator wants */
		log_errx("reload failed: the table name changed from %s to %s; "
			 "restart zonegated to move to another table",
			 d->m->set.table, m->set.table);
		snprintf(d->last_error, sizeof(d->last_error), "the table name "
			 "changed; restart to move to another table");
		model_free(m);
		notify_ready(d);
		return -1;
	}
	if (apply(d, m) < 0) {
		log_errx("reload failed: the running ruleset stays in force");
		model_free(m);
		notify_ready(d);
		return -1;
	}
	/* pending summaries belong to the old policy: write them now */
	drain(d);
	agg_flush(d->agg, d->m, now_ms());
	log_facility(m->set.facility);
	slog_facility(d->slog, m->set.facility);
	if (live_set_model(d->live, m) < 0)
		log_warnx("classification restarts empty: out of memory");
	model_free(d->m);
	d->m = m;
	sync_ifaces(d);
	d->last_error[0] = '\0';
	notify_ready(d);
	return 0;
}

/* final_flush - the counts of the last moments, written before exit. */
static void final_flush(struct zgd *d)
{
	int i;

	drain(d);
	agg_flush(d->agg, d->m, now_ms());
	totals(d);
	/* give a connected log daemon a moment; with none, do not wait */
	for (i = 0; i < 100 && slog_pending(d->slog) > 0; i++) {
		slog_flush(d->slog);
		if (slog_fd(d->slog) < 0)
			break;
		if (slog_pending(d->slog) > 0)
			poll(NULL, 0, 10);
	}
}

static void stop(struct zgd *d)
{
	char err[NFT_ERR_MAX];

	notify_send("STOPPING=1\nSTATUS=stopping");
	final_flush(d);
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

/*
 * check_while_down - before the first apply: if our table is there, stamped
 * with the configuration we are about to apply, but holds something else,
 * it was changed while no daemon watched it. (A different stamp is a new
 * configuration, not tampering.) Returns 1 when it was.
 */
static int check_while_down(struct zgd *d)
{
	char stamp[256], want[160];
	struct nft_shape shape;
	struct nft_digest dg;
	struct ruleset *rs;

	if (nft_table_stamp(d->nft, d->m->set.table, stamp, sizeof(stamp)) < 0)
		return 0;
	rs = ruleset_compile(d->m);
	if (rs == NULL)
		return 0;
	nft_shape_of(rs, &shape);
	ruleset_free(rs);
	nft_stamp(&shape, d->m->checksum, want, sizeof(want));
	return strcmp(stamp, want) == 0 &&
	       nft_read_digest(d->nft, d->m->set.table, &dg) == 0 &&
	       !nft_digest_matches(&dg, &shape);
}

/* raise_fd_limit - room for the control socket's clients. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
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

/* tamper - another process changed our table (or a check found it
 * different): an alert, then the compiled table again unless repair is off. */
static void tamper(struct zgd *d, uint32_t pid, const char *comm,
		   const char *change)
{
	char line[VIOL_LINE_MAX], c[64];

	viol_escape(c, sizeof(c), comm);
	snprintf(line, sizeof(line), "alert reason=tamper table=%s by_pid=%u "
		 "by_comm=%s change=%s", d->m->set.table, pid, c, change);
	slog_put(d->slog, LOG_ALERT, line);
	slog_flush(d->slog);
	d->tamper_events++;
	d->last_tamper = time(NULL);
	d->drift = true;
	if (!d->m->set.repair) {
		log_warnx("table inet %s differs from the configuration; repair "
			  "= false: left as it is", d->m->set.table);
		return;
	}
	if (apply(d, d->m) == 0) {
		d->repairs++;
		log_notice("table inet %s restored from %s", d->m->set.table,
			   d->m->path);
	}
}

/* verify - compares what the kernel holds with what we compiled. */
static void verify(struct zgd *d, const char *why)
{
	struct nft_digest dg;

	if (nft_read_digest(d->nft, d->m->set.table, &dg) < 0) {
		log_warn("cannot read table inet %s", d->m->set.table);
		return;
	}
	if (!dg.present)
		tamper(d, 0, "", "table-missing");
	else if (!nft_digest_matches(&dg, &d->shape))
		tamper(d, 0, "", why);
}

static void on_event(void *arg, uint32_t pid, const char *comm,
		     const char *change)
{
	struct zgd *d = arg;

	if (pid == 0) {		/* events were lost: look for ourselves */
		verify(d, "found-by-check");
		return;
	}
	tamper(d, pid, comm, change);
}

static void kv(FILE *out, bool json, bool *first, const char *key,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* kv - one "key value" line, or one JSON member (value already JSON). */
static void kv(FILE *out, bool json, bool *first, const char *key,
	       const char *fmt, ...)
{
	va_list ap;

	if (json)
		fprintf(out, "%s\n  \"%s\": ", *first ? "{" : ",", key);
	else
		fprintf(out, "%-18s ", key);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	if (!json)
		fputc('\n', out);
	*first = false;
}

/* jstr - s as a JSON string (paths and names may hold anything). */
static const char *jstr(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3)
		return "\"\"";
	buf[o++] = '"';
	for (; *s && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\u%04x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void status(struct zgd *d, FILE *out, bool json)
{
	char t[32], j[1024];
	struct control_stats cs = { 0 };
	uint64_t drop = 0, ifdrop = 0;
	size_t n = 0;
	bool ours = false, first = true;
	int state = nft_table_state(d->nft, d->m->set.table, &ours);
	bool sync = state == 1 && ours &&
		    nft_count_rules(d->nft, d->m->set.table, &n) == 0 &&
		    n == d->shape.rules;

	parser_drops(d->vparse, &drop, &ifdrop);
	if (d->ctl)
		control_get_stats(d->ctl, &cs);
	viol_time((uint64_t)d->applied_at, t);
	kv(out, json, &first, "pid", "%d", (int)getpid());
	kv(out, json, &first, "uptime", "%lld", (long long)(time(NULL) - d->started));
	kv(out, json, &first, "config", "%s", json ? jstr(d->path, j, sizeof(j)) : d->path);
	kv(out, json, &first, "checksum", json ? "\"sha256:%s\"" : "sha256:%s",
	   d->m->checksum);
	kv(out, json, &first, "applied", json ? "\"%s\"" : "%s", t);
	kv(out, json, &first, "table", json ? "\"inet %s\"" : "inet %s",
	   d->m->set.table);
	kv(out, json, &first, "table_present", "%s", state == 1 ? "true" : "false");
	kv(out, json, &first, "in_sync", "%s", sync ? "true" : "false");
	kv(out, json, &first, "rules", "%zu", n);
	kv(out, json, &first, "rules_compiled", "%zu", d->shape.rules);
	kv(out, json, &first, "generation", "%u", d->st.genid);
	kv(out, json, &first, "owner_flag", "%s", d->st.owner ? "true" : "false");
	kv(out, json, &first, "drift", "%s", d->drift ? "true" : "false");
	kv(out, json, &first, "tamper_events", "%llu",
	   (unsigned long long)d->tamper_events);
	kv(out, json, &first, "repairs", "%llu", (unsigned long long)d->repairs);
	kv(out, json, &first, "reloads", "%llu", (unsigned long long)d->reloads);
	kv(out, json, &first, "reload_failures", "%llu",
	   (unsigned long long)d->reload_failures);
	kv(out, json, &first, "violations", "%llu", (unsigned long long)d->vs.violations);
	kv(out, json, &first, "permits", "%llu", (unsigned long long)d->vs.permits);
	kv(out, json, &first, "malformed", "%llu", (unsigned long long)d->vs.malformed);
	kv(out, json, &first, "bad_prefix", "%llu", (unsigned long long)d->vs.bad_prefix);
	kv(out, json, &first, "unknown_interface", "%llu",
	   (unsigned long long)d->vs.unknown_iface);
	kv(out, json, &first, "disagree", "%llu", (unsigned long long)d->vs.disagree);
	kv(out, json, &first, "pcap_drop", "%llu", (unsigned long long)drop);
	kv(out, json, &first, "pcap_ifdrop", "%llu", (unsigned long long)ifdrop);
	{
		struct parser_stats vp, ip;

		parser_stats(d->vparse, &vp);
		parser_stats(d->iparse, &ip);
		kv(out, json, &first, "interfaces_captured", "%zu", ip.captures);
		kv(out, json, &first, "iface_pcap_drop", "%llu",
		   (unsigned long long)ip.drop);
		kv(out, json, &first, "iface_pcap_ifdrop", "%llu",
		   (unsigned long long)ip.ifdrop);
		kv(out, json, &first, "iface_skipped", "%llu",
		   (unsigned long long)d->if_skipped);
		kv(out, json, &first, "parser_user", json ? "\"%s\"" : "%s",
		   d->user.found ? CONFINE_USER : "root");
		kv(out, json, &first, "parser_nflog_pid", "%d", (int)vp.pid);
		kv(out, json, &first, "parser_ifaces_pid", "%d", (int)ip.pid);
		kv(out, json, &first, "parser_restarts", "%llu",
		   (unsigned long long)(vp.restarts + ip.restarts));
		kv(out, json, &first, "parser_rejected", "%llu",
		   (unsigned long long)(vp.rejected + ip.rejected));
	}
	kv(out, json, &first, "flows_in_table", "%zu", live_flows(d->live));
	kv(out, json, &first, "scan_alerts", "%llu",
	   (unsigned long long)live_alerts(d->live));
	kv(out, json, &first, "log_queue_dropped", "%llu",
	   (unsigned long long)slog_dropped(d->slog));
	kv(out, json, &first, "control_refused", "%llu", (unsigned long long)cs.refused);
	kv(out, json, &first, "control_bad", "%llu", (unsigned long long)cs.bad);
	if (json)
		fprintf(out, "\n}\n");
}

struct pairstat {
	uint64_t	acc, acc_bytes, deny_pkts, deny_bytes;
	uint64_t	est_pkts, est_bytes;	/* established, both ways */
};

struct stats_ctx {
	const struct model	*m;
	struct pairstat		*ps;
};

static void stats_counter(void *arg, const char *name, uint64_t pkts,
			  uint64_t bytes)
{
	struct stats_ctx *c = arg;
	const struct model *m = c->m;
	char from[ZG_NAME_MAX + 1];
	const char *rest, *us;
	int kind, f, t;

	/* acc_, pkt_ and deny_FROM_TO; a zone name may hold '_': try every
	 * split */
	if (strncmp(name, "acc_", 4) == 0)
		kind = 0, rest = name + 4;
	else if (strncmp(name, "pkt_", 4) == 0)
		kind = 1, rest = name + 4;
	else if (strncmp(name, "deny_", 5) == 0)
		kind = 2, rest = name + 5;
	else
		return;
	for (us = strchr(rest, '_'); us != NULL; us = strchr(us + 1, '_')) {
		if ((size_t)(us - rest) > ZG_NAME_MAX)
			return;
		memcpy(from, rest, (size_t)(us - rest));
		from[us - rest] = '\0';
		f = model_zone_index(m, from);
		t = model_zone_index(m, us + 1);
		if (f < 0 || t == ZONE_UNKNOWN)
			continue;
		if (kind == 0) {
			c->ps[model_pair(m, f, t)].acc = pkts;
			c->ps[model_pair(m, f, t)].acc_bytes = bytes;
		} else if (kind == 1) {
			c->ps[model_pair(m, f, t)].est_pkts = pkts;
			c->ps[model_pair(m, f, t)].est_bytes = bytes;
		} else {
			c->ps[model_pair(m, f, t)].deny_pkts = pkts;
			c->ps[model_pair(m, f, t)].deny_bytes = bytes;
		}
		return;
	}
}

static struct pairstat *read_pairs(struct zgd *d)
{
	const struct model *m = d->m;
	struct stats_ctx c = { .m = m };

	c.ps = calloc(m->n_zones * (m->n_zones + 1) + 1, sizeof(*c.ps));
	if (c.ps == NULL ||
	    nft_each_counter(d->nft, m->set.table, stats_counter, &c) < 0) {
		free(c.ps);
		return NULL;
	}
	return c.ps;
}

/* each_pair - the zone pairs in order, with the gateway when it is used */
#define each_pair(m, s, t, to)						\
	for (s = 0; s < (m)->n_zones; s++)				\
		for (t = 0; t <= (m)->n_zones; t++)			\
			if ((to = t == (m)->n_zones ? ZONE_GATEWAY : (int)t), \
			    to != ZONE_GATEWAY || (m)->uses_gateway)

static int stats(struct zgd *d, FILE *out, bool json, char *err, size_t errlen)
{
	const struct model *m = d->m;
	struct pairstat *ps = read_pairs(d);
	size_t s, t;
	bool first = true;
	int to;

	if (ps == NULL) {
		snprintf(err, errlen, "cannot read the kernel counters");
		return -1;
	}
	if (json)
		fprintf(out, "{\n  \"flows_in_table\": %zu,\n  \"pairs\": [",
			live_flows(d->live));
	else
		fprintf(out, "%-12s %-12s %9s %9s %8s %10s %10s %12s %14s %12s\n",
			"src_zone", "dst_zone", "permitted", "denied", "sources",
			"unanswered", "kernel_new", "packets", "bytes",
			"pkts_denied");
	each_pair(m, s, t, to) {
		const struct live_pair *lp = live_get_pair(d->live, (int)s, to);
		const struct pairstat *p = &ps[model_pair(m, (int)s, to)];

		if (json)
			fprintf(out, "%s\n    { \"src_zone\": \"%s\", \"dst_zone\": "
				"\"%s\", \"flows_permitted\": %llu, "
				"\"flows_denied\": %llu, \"sources\": %llu, "
				"\"sources_capped\": %s, \"unanswered\": %llu, "
				"\"kernel_flows_accepted\": %llu, "
				"\"packets\": %llu, \"bytes\": %llu, "
				"\"packets_denied\": %llu, \"bytes_denied\": %llu }",
				first ? "" : ",", m->zones[s].name,
				model_zone_name(m, to),
				(unsigned long long)lp->flows_permitted,
				(unsigned long long)lp->flows_denied,
				(unsigned long long)lp->sources,
				lp->sources_capped ? "true" : "false",
				(unsigned long long)lp->unanswered,
				(unsigned long long)p->acc,
				(unsigned long long)(p->acc + p->est_pkts + p->deny_pkts),
				(unsigned long long)(p->acc_bytes + p->est_bytes +
						     p->deny_bytes),
				(unsigned long long)p->deny_pkts,
				(unsigned long long)p->deny_bytes);
		else
			fprintf(out, "%-12s %-12s %9llu %9llu %7llu%s %10llu %10llu "
				"%12llu %14llu %12llu\n", m->zones[s].name,
				model_zone_name(m, to),
				(unsigned long long)lp->flows_permitted,
				(unsigned long long)lp->flows_denied,
				(unsigned long long)lp->sources,
				lp->sources_capped ? "+" : " ",
				(unsigned long long)lp->unanswered,
				(unsigned long long)p->acc,
				(unsigned long long)(p->acc + p->est_pkts + p->deny_pkts),
				(unsigned long long)(p->acc_bytes + p->est_bytes +
						     p->deny_bytes),
				(unsigned long long)p->deny_pkts);
		first = false;
	}
	if (json)
		fprintf(out, "\n  ]\n}\n");
	free(ps);
	return 0;
}

/* stats_lines - the periodic summary, one line per pair that saw traffic */
static void stats_lines(struct zgd *d)
{
	const struct model *m = d->m;
	struct pairstat *ps = read_pairs(d);
	char line[VIOL_LINE_MAX];
	uint64_t dsum = 0, isum = 0;
	size_t s, t;
	int to;

	if (ps == NULL)
		return;
	parser_drops(d->iparse, &dsum, &isum);
	each_pair(m, s, t, to) {
		const struct live_pair *lp = live_get_pair(d->live, (int)s, to);
		const struct pairstat *p = &ps[model_pair(m, (int)s, to)];

		if (lp->flows_permitted + lp->flows_denied + p->acc + p->deny_pkts == 0)
			continue;
		snprintf(line, sizeof(line), "stats src_zone=%s dst_zone=%s "
			 "flows_permitted=%llu flows_denied=%llu packets=%llu "
			 "bytes=%llu kernel_dropped_unlogged=%lld pcap_drop=%llu "
			 "pcap_ifdrop=%llu", m->zones[s].name, model_zone_name(m, to),
			 (unsigned long long)lp->flows_permitted,
			 (unsigned long long)lp->flows_denied,
			 (unsigned long long)(p->acc + p->est_pkts + p->deny_pkts),
			 (unsigned long long)(p->acc_bytes + p->est_bytes + p->deny_bytes),
			 (long long)(d->acc.denied - d->acc.nflog_sent),
			 (unsigned long long)dsum, (unsigned long long)isum);
		slog_put(d->slog, LOG_INFO, line);
	}
	free(ps);
}

static int top(struct zgd *d, const struct ctl_req *req, FILE *out,
	       char *err, size_t errlen)
{
	struct live_talker tk[1000];
	int from = ZONE_UNKNOWN, to = ZONE_UNKNOWN;
	char a[ADDR_STRLEN];
	size_t n, i;

	if (req->has_pair) {
		from = model_zone_index(d->m, req->from);
		to = model_zone_index(d->m, req->to);
		if (from < 0 || to == ZONE_UNKNOWN) {
			snprintf(err, errlen, "no zone pair %s:%s", req->from, req->to);
			return -1;
		}
	}
	n = live_top(d->live, from, to, tk, req->n);
	if (req->json)
		fprintf(out, "{\n  \"pair\": \"%s%s%s\",\n  \"talkers\": [",
			req->has_pair ? req->from : "all", req->has_pair ? ":" : "",
			req->has_pair ? req->to : "");
	else
		fprintf(out, "%-4s %-40s %10s\n", "rank", "source", "new_flows");
	for (i = 0; i < n; i++) {
		addr_format(&tk[i].src, a);
		if (req->json)
			fprintf(out, "%s\n    { \"src\": \"%s\", \"flows\": %llu }",
				i ? "," : "", a, (unsigned long long)tk[i].flows);
		else
			fprintf(out, "%-4zu %-40s %10llu\n", i + 1, a,
				(unsigned long long)tk[i].flows);
	}
	if (req->json)
		fprintf(out, "\n  ]\n}\n");
	return 0;
}

/* on_control - answers one request of the control socket. */
static int on_control(void *arg, const struct ctl_req *req, FILE *out,
		      char *err, size_t errlen)
{
	struct zgd *d = arg;
	int rc;

	switch (req->cmd) {
	case CTL_STATUS:
		status(d, out, req->json);
		return 0;
	case CTL_STATS:
		return stats(d, out, req->json, err, errlen);
	case CTL_TOP:
		return top(d, req, out, err, errlen);
	case CTL_RELOAD:
		log_tee(out);
		rc = reload(d);
		log_tee(NULL);
		if (rc < 0) {
			d->reload_failures++;
			snprintf(err, errlen, "reload failed: the running ruleset "
				 "stays in force");
			return -1;
		}
		d->reloads++;
		return 0;
	}
	snprintf(err, errlen, "unknown command");
	return -1;
}

static void tick(struct zgd *d, int tfd)
{
	uint64_t exp, now = now_ms();

	if (read(tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		log_warn("timer");
	agg_tick(d->agg, d->m, now);
	/* the loop is alive if it gets here: tell the watchdog */
	if (notify_watchdog_ms() && now >= d->next_watchdog_ms) {
		notify_send("WATCHDOG=1");
		d->next_watchdog_ms = now + notify_watchdog_ms();
	}
	live_expire(d->live, wall_us());
	parser_tick(d->vparse, now);
	parser_tick(d->iparse, now);
	sync_ifaces(d);
	if (d->m->set.stats_interval && now >= d->next_stats_ms) {
		stats_lines(d);
		d->next_stats_ms = now + (uint64_t)d->m->set.stats_interval * 1000;
	}
	if (d->m->set.verify_interval && now >= d->next_verify_ms) {
		verify(d, "found-by-check");
		d->next_verify_ms = now + (uint64_t)d->m->set.verify_interval * 1000;
	}
	if (now >= d->next_total_ms) {
		totals(d);
		d->next_total_ms = now + (uint64_t)d->m->set.log_window * 1000;
	}
}

static bool on_signal(struct zgd *d, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			if (reload(d) < 0)
				d->reload_failures++;
			else
				d->reloads++;
			break;
		case SIGTERM:
		case SIGINT:
			stop(d);
			return false;
		}
	}
	return true;
}

enum { FD_SIG, FD_TIMER, FD_NFLOG, FD_IFACES, FD_SLOG, FD_WATCH, FD_N };

static int loop(struct zgd *d, int sfd, int tfd)
{
	static struct pollfd pfd[FD_N + 1 + CONTROL_CLIENTS_MAX];
	size_t nc;

	for (;;) {
		pfd[FD_SIG] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[FD_TIMER] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		pfd[FD_NFLOG] = (struct pollfd){ .fd = parser_fd(d->vparse),
						 .events = POLLIN };
		pfd[FD_SLOG] = (struct pollfd){ .fd = slog_pending(d->slog) ?
						slog_fd(d->slog) : -1, .events = POLLOUT };
		pfd[FD_WATCH] = (struct pollfd){ .fd = d->watch ? watch_fd(d->watch) : -1,
						 .events = POLLIN };
		pfd[FD_IFACES] = (struct pollfd){ .fd = parser_fd(d->iparse),
						  .events = POLLIN };
		nc = d->ctl ? control_pollfds(d->ctl, pfd + FD_N,
					      1 + CONTROL_CLIENTS_MAX) : 0;
		if (poll(pfd, FD_N + nc, nc > 1 ? 250 : -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return 1;
		}
		if (d->ctl)
			control_service(d->ctl, pfd + FD_N, nc, now_ms(),
					on_control, d);
		if (pfd[FD_IFACES].revents & (POLLIN | POLLHUP | POLLERR))
			parser_read(d->iparse);
		if (pfd[FD_NFLOG].revents & (POLLIN | POLLHUP | POLLERR))
			parser_read(d->vparse);
		if (pfd[FD_WATCH].revents & POLLIN)
			watch_read(d->watch, on_event, d);
		if (pfd[FD_TIMER].revents & POLLIN)
			tick(d, tfd);
		if (slog_pending(d->slog))
			slog_flush(d->slog);
		if ((pfd[FD_SIG].revents & POLLIN) && !on_signal(d, sfd))
			return 0;
	}
}

/* start_monitor - NFLOG capture, the syslog writer, the folding table and
 * the one-second tick. A capture failure is logged: enforcement goes on. */
static void on_parser_alert(void *arg, const char *line)
{
	struct zgd *d = arg;

	slog_put(d->slog, LOG_ALERT, line);
}

static const struct parser_ops parser_ops = {
	.viol = on_viol,
	.viol_bad = on_viol_bad,
	.frame = on_frame,
	.frame_bad = on_frame_bad,
	.alert = on_parser_alert,
};

static int start_monitor(struct zgd *d)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	char err[256];
	int tfd;

	d->slog = slog_new("zonegated", d->m->set.facility, d->foreground);
	d->agg = agg_new(d->m->set.log_window, d->m->set.log_rate,
			 AGG_ENTRIES_DEFAULT, emit_line, d);
	if (d->slog == NULL || d->agg == NULL)
		fatalx("out of memory");
	{
		struct live_cfg lc = {
			.max_flows = d->m->set.flow_table,
			.scan_window = d->m->set.scan_window,
			.scan_hosts = d->m->set.scan_hosts,
			.scan_ports = d->m->set.scan_ports,
		};

		d->live = live_new(d->m, &lc, on_scan, d);
		if (d->live == NULL)
			fatalx("out of memory");
	}
	d->vparse = parser_new("nflog", &parser_ops, d, &d->user);
	d->iparse = parser_new("ifaces", &parser_ops, d, &d->user);
	if (d->vparse == NULL || d->iparse == NULL)
		fatalx("out of memory");
	/* the handle opened before the first commit goes to the parser */
	if (parser_start_nflog(d->vparse, d->m->set.log_group, d->cap, err,
			       sizeof(err)) < 0)
		log_errx("violations will not be reported until the parser "
			 "starts: %s", err);
	d->cap = NULL;
	sync_ifaces(d);
	d->next_stats_ms = now_ms() + (uint64_t)d->m->set.stats_interval * 1000;
	d->next_total_ms = now_ms() + (uint64_t)d->m->set.log_window * 1000;
	d->next_verify_ms = now_ms() + (uint64_t)d->m->set.verify_interval * 1000;
	d->watch = watch_open(d->m->set.table, err, sizeof(err));
	if (d->watch == NULL)
		log_errx("changes by other processes will only be found by the "
			 "periodic check: %s", err);
	/* a change between the first commit and the watch opening */
	verify(d, "found-by-check");
	d->ctl = control_open(d->m->set.control_socket, d->m->set.control_group,
			      err, sizeof(err));
	if (d->ctl == NULL)
		log_errx("zonegatectl cannot reach the daemon: %s", err);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		fatalx("cannot create the timer: %s", strerror(errno));
	return tfd;
}

int main(int argc, char **argv)
{
	struct zgd d = { .path = CONF_DEFAULT_PATH, .started = time(NULL) };
	char err[NFT_ERR_MAX];
	int c, check_only = 0, sfd, tfd, rc, was_down;

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
	notify_init();
	/* the parsers' user, while /etc/passwd can be read */
	confine_lookup(&d.user);
	/* until the configuration names a facility, use daemon */
	log_init("zonegated", true, LOG_DAEMON);
	d.m = load(d.path);
	if (d.m == NULL)
		return 1;
	log_facility(d.m->set.facility);
	raise_fd_limit();
	sfd = signals();
	if (sfd < 0)
		fatalx("cannot set up signal handling: %s", strerror(errno));
	d.nft = nft_open(err, sizeof(err));
	if (d.nft == NULL)
		fatalx("%s", err);
	/* bound to the NFLOG group before the first commit, so that no
	 * packet the new table denies goes unreported; records wait in the
	 * socket until the loop reads them */
	d.cap = capture_open_nflog(d.m->set.log_group, NULL, NULL, err,
				   sizeof(err));
	/* counting starts before the first commit, as reporting does */
	counters_open(&d, d.m->set.table);
	was_down = check_while_down(&d);
	if (apply(&d, d.m) < 0) {
		log_errx("start failed: nothing was changed");
		notify_sendf("STATUS=start failed: %s", d.last_error);
		capture_close(d.cap);
		nft_close(d.nft);
		model_free(d.m);
		close(sfd);
		return 1;
	}
	if (!d.foreground) {
		if (daemon(0, 0) < 0)
			fatalx("cannot go to the background: %s", strerror(errno));
		log_init("zonegated", false, d.m->set.facility);
	}
	tfd = start_monitor(&d);
	if (was_down)
		tamper(&d, 0, "", "modified-while-down");
	/* only now is the ruleset committed and the loop about to run */
	notify_ready(&d);
	rc = loop(&d, sfd, tfd);
	watch_close(d.watch);
	control_close(d.ctl);
	parser_free(d.iparse);
	parser_free(d.vparse);
	live_free(d.live);
	capture_close(d.cap);
	agg_free(d.agg);
	slog_free(d.slog);
	nft_close(d.nft);
	model_free(d.m);
	close(sfd);
	close(tfd);
	return rc;
}
