/* parser.c - the unprivileged packet parser and its supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/link.h"
#include "../lib/nflog.h"
#include "../lib/pkt.h"
#include "log.h"
#include "parser.h"

#define START_WAIT_MS	5000
#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define STABLE_MS	60000		/* a life this long resets the backoff */
#define SOCK_BUFFER	(4 * 1024 * 1024)
#define READ_DGRAMS	64		/* per parser_read: the loop stays fair */

enum kind { KIND_NFLOG, KIND_IFACES };

struct slot {
	char		name[32];
	uint64_t	drop, ifdrop;
	bool		dead;
};

struct parser {
	char			name[16];
	const struct parser_ops	*ops;
	void			*arg;
	struct confine_user	user;
	enum kind		kind;
	unsigned		group;
	struct slot		slot[SEP_SLOTS_MAX];
	size_t			n_slots;
	pid_t			pid;
	int			fd;
	bool			synced;
	bool			wanted;		/* restart when it ends */
	uint64_t		born_ms, restart_at_ms;
	unsigned		failures;	/* in a row, for the backoff */
	struct parser_stats	st;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ the child */

struct child;

struct cslot {
	struct child	*c;
	uint16_t	slot;
	struct capture	*cap;
	bool		dead;	/* failed: no longer polled */
};

struct child {
	int		sock;
	enum kind	kind;
	struct cslot	s[SEP_SLOTS_MAX];
	size_t		n;
	uint8_t		buf[SEP_DGRAM_MAX];
	size_t		off;
};

static void child_flush(struct child *c)
{
	if (c->off == 0)
		return;
	/* blocking: a slow parent holds the child, whose captures then
	 * count drops; a gone parent ends it */
	while (send(c->sock, c->buf, c->off, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			_exit(0);
	c->off = 0;
}

static void child_put(struct child *c, const struct sep_msg *m)
{
	if (sep_encode(m, c->buf, sizeof(c->buf), &c->off) == 0)
		return;
	child_flush(c);
	sep_encode(m, c->buf, sizeof(c->buf), &c->off);
}

/* child_text - text for the parent: printable, cut to fit */
static void child_text(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i < SEP_TEXT_MAX - 1; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? src[i] : '?';
	dst[i] = '\0';
}

static void child_caperr(struct child *c, uint16_t slot, const char *text)
{
	struct sep_msg m = { .type = SEP_CAPERR, .slot = slot };

	child_text(m.text, text);
	child_put(c, &m);
	child_flush(c);
}

static void on_nflog(void *arg, const struct capture_pkt *cp)
{
	struct cslot *s = arg;
	struct sep_msg m = { .type = SEP_VIOL, .slot = s->slot, .ts_us = cp->ts_us };
	struct nflog_rec r;
	enum nflog_err ne;
	enum pkt_err pe;

	ne = nflog_parse(cp->data, cp->caplen, &r);
	if (ne != NFLOG_OK) {
		m.type = SEP_VIOL_BAD;
		m.bad_kind = SEP_BAD_NFLOG;
		m.bad_err = (uint8_t)ne;
		child_put(s->c, &m);
		return;
	}
	pe = pkt_parse(r.payload, r.payload_len, r.family, &m.pi);
	if (pe != PKT_OK) {
		m = (struct sep_msg){ .type = SEP_VIOL_BAD, .slot = s->slot,
				      .bad_kind = SEP_BAD_PKT, .bad_err = (uint8_t)pe };
		child_put(s->c, &m);
		return;
	}
	snprintf(m.prefix, sizeof(m.prefix), "%s", r.prefix);
	m.has_indev = r.has_indev;
	m.indev = r.indev;
	m.has_outdev = r.has_outdev;
	m.outdev = r.outdev;
	m.has_ts = r.has_ts;
	m.ts_sec = r.ts_sec;
	child_put(s->c, &m);
}

static void on_frame(void *arg, const struct capture_pkt *cp)
{
	struct cslot *s = arg;
	struct sep_msg m = { .type = SEP_FRAME, .slot = s->slot,
			     .ts_us = cp->ts_us,
			     .wire_len = cp->len > UINT32_MAX ? UINT32_MAX :
					 (uint32_t)cp->len };
	struct link_pkt lp;

	if (link_decap(cp->dlt, cp->data, cp->caplen, &lp) != LINK_OK ||
	    pkt_parse(lp.ip, lp.len, lp.family, &m.pi) != PKT_OK) {
		m = (struct sep_msg){ .type = SEP_FRAME_BAD, .slot = s->slot };
		child_put(s->c, &m);
		return;
	}
	child_put(s->c, &m);
}

static int child_read(struct child *c, struct cslot *s, int max)
{
	char err[PCAP_ERRBUF_SIZE];
	int n;

	if (s->cap == NULL || s->dead)
		return 0;
	n = capture_read(s->cap, max, err, sizeof(err));
	if (n < 0) {
		/* left open: closing would take system calls the filter
		 * forbids; the daemon starts a new child on the new set of
		 * interfaces */
		child_flush(c);
		child_caperr(c, s->slot, err);
		s->dead = true;
		return 0;
	}
	return n;
}

/* child_drain - reads what capture s holds now (bounded: the loop stays
 * responsive under a flood; what is left is read at the next round). */
static void child_drain(struct child *c, struct cslot *s)
{
	int rounds;

	for (rounds = 0; rounds < 64; rounds++)
		if (child_read(c, s, 1000) <= 0)
			break;
}

static void child_stats(struct child *c)
{
	struct sep_msg m = { .type = SEP_STATS };
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->s[i].cap == NULL || c->s[i].dead)
			continue;
		m.slot = c->s[i].slot;
		capture_drops(c->s[i].cap, &m.drop, &m.ifdrop);
		child_put(c, &m);
	}
	child_flush(c);
}

/* child_sync - the parent asks for everything read so far */
static void child_sync(struct child *c)
{
	struct sep_msg m = { .type = SEP_SYNC };
	uint8_t b[16];
	size_t i;
	int r;

	r = (int)recv(c->sock, b, sizeof(b), MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		_exit(0);
	for (i = 0; i < c->n; i++)
		child_drain(c, &c->s[i]);
	child_put(c, &m);
	child_flush(c);
}

/*
 * child_loop - records are held up to HOLD_MS after the first of a batch:
 * meanwhile the captures are not polled, so that what arrives accumulates
 * in their kernel buffers and is read, parsed and sent in one go. Under a
 * flood the child wakes about twice per HOLD_MS instead of once per packet
 * (and the daemon once), at the price of HOLD_MS of latency in the log.
 */
#define HOLD_MS		20

static void __attribute__((noreturn)) child_loop(struct child *c)
{
	struct pollfd pfd[SEP_SLOTS_MAX + 1];
	uint64_t now, next_stats = mono_ms() + 1000, deadline = 0;
	size_t i, n;
	bool holding;
	int timeout;

	for (;;) {
		now = mono_ms();
		holding = c->off > 0;
		if (holding)
			timeout = deadline > now ? (int)(deadline - now) : 0;
		else
			timeout = next_stats > now ? (int)(next_stats - now) : 0;
		pfd[0] = (struct pollfd){ .fd = c->sock, .events = POLLIN };
		for (i = 0, n = 1; i < c->n && !holding; i++, n++)
			pfd[n] = (struct pollfd){
				.fd = c->s[i].cap && !c->s[i].dead ?
				      capture_fd(c->s[i].cap) : -1,
				.events = POLLIN };
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			_exit(1);
		if (pfd[0].revents & (POLLHUP | POLLERR))
			_exit(0);
		for (i = 0; !holding && i < c->n; i++)
			if (pfd[i + 1].revents & (POLLIN | POLLERR | POLLHUP))
				child_drain(c, &c->s[i]);
		if (pfd[0].revents & POLLIN)
			child_sync(c);
		now = mono_ms();
		if (holding && now >= deadline) {
			for (i = 0; i < c->n; i++)
				child_drain(c, &c->s[i]);
			child_flush(c);
		} else if (!holding && c->off > 0) {
			deadline = now + HOLD_MS;
		}
		if (now >= next_stats) {
			child_stats(c);
			next_stats = now + 1000;
		}
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* child_close_fds - every descriptor but keep[0..n) (and 0-2, /dev/null
 * or the journal): the child holds no netlink, control or log socket. */
static void child_close_fds(int *keep, size_t n)
{
	unsigned lo = 3;
	size_t i;

	qsort(keep, n, sizeof(*keep), cmp_int);
	for (i = 0; i < n; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

static void __attribute__((noreturn))
child_main(struct parser *p, int sock, struct capture *inherited)
{
	static struct child c;
	char err[PCAP_ERRBUF_SIZE + 64];
	int keep[SEP_SLOTS_MAX + 1];
	struct sep_msg ready = { .type = SEP_READY };
	sigset_t all;
	size_t i, nk = 0;

	/* the parent's death ends the child; signals meant for the daemon
	 * (a terminal's ^C, systemctl's SIGTERM to the group) do not: the
	 * parent ends it after reading what it sent */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_NAME, p->kind == KIND_NFLOG ? "zg-parse-nflog" :
	      "zg-parse-ifaces");
	c.sock = sock;
	c.kind = p->kind;
	c.n = p->n_slots;
	for (i = 0; i < c.n; i++) {
		c.s[i] = (struct cslot){ .c = &c, .slot = (uint16_t)i };
		if (p->kind == KIND_NFLOG)
			c.s[i].cap = inherited ? inherited :
				capture_open_nflog(p->group, on_nflog, &c.s[i],
						   err, sizeof(err));
		else
			c.s[i].cap = capture_open_iface(p->slot[i].name, on_frame,
							&c.s[i], err, sizeof(err));
		if (c.s[i].cap == NULL) {
			child_caperr(&c, (uint16_t)i, err);
			continue;
		}
		capture_set_handler(c.s[i].cap,
				    p->kind == KIND_NFLOG ? on_nflog : on_frame,
				    &c.s[i]);
		keep[nk++] = capture_fd(c.s[i].cap);
	}
	keep[nk++] = sock;
	child_close_fds(keep, nk);
	/* a big send buffer while we may still set one */
	i = SOCK_BUFFER;
	setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &i, sizeof(int));
	if (confine_drop(&p->user, err, sizeof(err)) < 0 ||
	    confine_seccomp(err, sizeof(err)) < 0) {
		char msg[sizeof(err) + 32];

		snprintf(msg, sizeof(msg), "cannot confine the parser: %s", err);
		child_caperr(&c, 0, msg);
		_exit(3);
	}
	snprintf(ready.text, sizeof(ready.text), "%s", p->user.found ?
		 CONFINE_USER : "root without capabilities");
	child_put(&c, &ready);
	child_flush(&c);
	child_loop(&c);
}

/* ------------------------------------------------------- the supervisor */

struct parser *parser_new(const char *name, const struct parser_ops *ops,
			  void *arg, const struct confine_user *u)
{
	struct parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ops = ops;
	p->arg = arg;
	p->user = *u;
	p->fd = -1;
	return p;
}

static void alertf(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void alertf(struct parser *p, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->ops->alert(p->arg, line);
}

static void exit_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "signal-%s", sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "exit-%d", WEXITSTATUS(status));
}

/* reap - the child is gone or must go: kill, wait, close. */
static int reap(struct parser *p)
{
	int status = 0;

	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->pid = 0;
	p->st.pid = 0;
	return status;
}

/* ended - an end nobody asked for: schedule the restart. */
static void ended(struct parser *p)
{
	uint64_t now = mono_ms(), delay;

	if (now - p->born_ms >= STABLE_MS)
		p->failures = 0;
	delay = (uint64_t)BACKOFF_MIN_MS << (p->failures < 6 ? p->failures : 6);
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	p->failures++;
	p->restart_at_ms = now + delay;
	log_warnx("parser %s: restarting in %llu s", p->name,
		  (unsigned long long)(delay / 1000));
}

static void died(struct parser *p)
{
	pid_t pid = p->pid;
	char how[32];
	int status = reap(p);

	exit_text(status, how, sizeof(how));
	alertf(p, "alert reason=parser-exit parser=%s pid=%d status=%s",
	       p->name, (int)pid, how);
	p->st.restarts++;
	ended(p);
}

static void compromised(struct parser *p, enum sep_err e, size_t off,
			const uint8_t *rec, size_t len)
{
	pid_t pid = p->pid;

	reap(p);
	alertf(p, "alert reason=parser-compromise parser=%s pid=%d error=%s "
	       "type=%u offset=%zu length=%zu", p->name, (int)pid,
	       sep_err_name(e), off + 3 < len ? rec[off + 3] : 0u, off, len);
	p->st.rejected++;
	p->st.restarts++;
	ended(p);
}

/* allowed - the record types each child may send */
static bool allowed(const struct parser *p, enum sep_type t)
{
	switch (t) {
	case SEP_VIOL:
	case SEP_VIOL_BAD:
		return p->kind == KIND_NFLOG;
	case SEP_FRAME:
	case SEP_FRAME_BAD:
		return p->kind == KIND_IFACES;
	case SEP_CAPERR:
	case SEP_STATS:
	case SEP_SYNC:
		return true;
	default:
		return false;	/* READY only once, during the start */
	}
}

static void dispatch(struct parser *p, const struct sep_msg *m)
{
	struct slot *s = &p->slot[m->slot];

	p->st.records++;
	switch (m->type) {
	case SEP_VIOL:
		p->ops->viol(p->arg, m);
		break;
	case SEP_VIOL_BAD:
		p->ops->viol_bad(p->arg, m);
		break;
	case SEP_FRAME:
		p->ops->frame(p->arg, s->name, m);
		break;
	case SEP_FRAME_BAD:
		p->ops->frame_bad(p->arg);
		break;
	case SEP_CAPERR:
		log_warnx("parser %s: capture on %s stopped: %s", p->name,
			  s->name, m->text);
		s->dead = true;
		break;
	case SEP_STATS:
		s->drop = m->drop;
		s->ifdrop = m->ifdrop;
		break;
	case SEP_SYNC:
		p->synced = true;
		break;
	default:
		break;
	}
}

/* datagram - every record of one datagram, or a compromise. */
static int datagram(struct parser *p, const uint8_t *b, size_t len)
{
	struct sep_msg m;
	size_t off = 0;
	enum sep_err e;

	if (len == 0) {
		compromised(p, SEP_ETRUNC, 0, b, len);
		return -1;
	}
	while (off < len) {
		size_t at = off;

		e = sep_decode(b, len, &off, (unsigned)p->n_slots, &m);
		if (e == SEP_OK && !allowed(p, m.type))
			e = SEP_ETYPE;
		if (e != SEP_OK) {
			compromised(p, e, at, b, len);
			return -1;
		}
		dispatch(p, &m);
	}
	return 0;
}

void parser_read(struct parser *p)
{
	static uint8_t b[SEP_DGRAM_MAX + 1];
	ssize_t n;
	int i;

	for (i = 0; i < READ_DGRAMS && p->fd >= 0; i++) {
		n = recv(p->fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			died(p);
			return;
		}
		if ((size_t)n > SEP_DGRAM_MAX) {	/* cut by the kernel */
			compromised(p, SEP_ETRUNC, 0, b, (size_t)n);
			return;
		}
		if (datagram(p, b, (size_t)n) < 0)
			return;
	}
}

/* wait_ready - the child's READY, or the reason it has none. */
static int wait_ready(struct parser *p, char *err, size_t errlen)
{
	static uint8_t b[SEP_DGRAM_MAX + 1];
	uint64_t end = mono_ms() + START_WAIT_MS;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	struct sep_msg m;
	size_t off;
	ssize_t n;
	enum sep_err e;

	snprintf(err, errlen, "the parser did not start within %d s",
		 START_WAIT_MS / 1000);
	while (mono_ms() < end) {
		if (poll(&pfd, 1, (int)(end - mono_ms())) <= 0)
			continue;
		n = recv(p->fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0 || (size_t)n > SEP_DGRAM_MAX)
			return -1;	/* err: the last CAPERR, if any */
		for (off = 0; off < (size_t)n;) {
			e = sep_decode(b, (size_t)n, &off, (unsigned)p->n_slots, &m);
			if (e != SEP_OK)
				return -1;
			if (m.type == SEP_READY) {
				p->st.as_user = strcmp(m.text, CONFINE_USER) == 0;
				return 0;
			}
			if (m.type != SEP_CAPERR)
				return -1;
			p->slot[m.slot].dead = true;
			if (p->kind == KIND_NFLOG)
				snprintf(err, errlen, "cannot capture %s: %s",
					 p->slot[m.slot].name, m.text);
			else
				log_warnx("cannot capture on %s: %s",
					  p->slot[m.slot].name, m.text);
		}
	}
	return -1;
}

static int spawn(struct parser *p, struct capture *inherited, char *err,
		 size_t errlen)
{
	int sv[2], sz = SOCK_BUFFER;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		capture_close(inherited);
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		capture_close(inherited);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(p, sv[1], inherited);
	}
	close(sv[1]);
	/* the child reads it now; an NFLOG handle is only a socket (closing
	 * our copy leaves the child's binding) */
	capture_close(inherited);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	p->fd = sv[0];
	p->pid = pid;
	p->st.pid = pid;
	p->st.started++;
	p->born_ms = mono_ms();
	p->wanted = true;
	if (wait_ready(p, err, errlen) < 0) {
		reap(p);
		goto fail;
	}
	if (fcntl(p->fd, F_SETFL, O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		reap(p);
		goto fail;
	}
	log_info("parser %s: pid %d, %zu capture(s), as %s, no capabilities, "
		 "seccomp filter", p->name, (int)pid, p->n_slots,
		 p->st.as_user ? CONFINE_USER : "root");
	return 0;
fail:
	p->wanted = true;
	ended(p);
	return -1;
}

int parser_start_nflog(struct parser *p, unsigned group, struct capture *cap,
		       char *err, size_t errlen)
{
	parser_stop(p);
	p->kind = KIND_NFLOG;
	p->group = group;
	p->n_slots = 1;
	memset(p->slot, 0, sizeof(p->slot));
	snprintf(p->slot[0].name, sizeof(p->slot[0].name), "nflog:%u", group);
	return spawn(p, cap, err, errlen);
}

int parser_start_ifaces(struct parser *p, char *const *names, size_t n,
			char *err, size_t errlen)
{
	size_t i;

	parser_stop(p);
	p->kind = KIND_IFACES;
	if (n > SEP_SLOTS_MAX)
		n = SEP_SLOTS_MAX;
	memset(p->slot, 0, sizeof(p->slot));
	for (i = 0; i < n; i++)
		snprintf(p->slot[i].name, sizeof(p->slot[i].name), "%s", names[i]);
	p->n_slots = n;
	if (n == 0)
		return 0;
	return spawn(p, NULL, err, errlen);
}

bool parser_same_ifaces(const struct parser *p, char *const *names, size_t n)
{
	size_t i;

	if (p->kind != KIND_IFACES || n != p->n_slots)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], p->slot[i].name) != 0)
			return false;
	return true;
}

int parser_fd(const struct parser *p)
{
	return p ? p->fd : -1;
}

void parser_sync(struct parser *p, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd;

	if (p == NULL || p->fd < 0)
		return;
	p->synced = false;
	if (send(p->fd, "S", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return;
	while (!p->synced && p->fd >= 0 && mono_ms() < end) {
		pfd = (struct pollfd){ .fd = p->fd, .events = POLLIN };
		if (poll(&pfd, 1, (int)(end - mono_ms())) > 0)
			parser_read(p);
	}
}

void parser_tick(struct parser *p, uint64_t now_ms)
{
	char err[256];
	size_t i;

	(void)now_ms;
	if (p == NULL || p->pid > 0 || !p->wanted || mono_ms() < p->restart_at_ms)
		return;
	/* the same captures, in a new child; their counters start again */
	for (i = 0; i < p->n_slots; i++) {
		p->slot[i].drop = p->slot[i].ifdrop = 0;
		p->slot[i].dead = false;
	}
	if (spawn(p, NULL, err, sizeof(err)) < 0)
		log_errx("parser %s: %s", p->name, err);
}

void parser_stop(struct parser *p)
{
	p->wanted = false;
	if (p->pid > 0 || p->fd >= 0)
		reap(p);
}

void parser_stats(const struct parser *p, struct parser_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (p == NULL)
		return;
	*st = p->st;
	st->drop = st->ifdrop = 0;
	st->captures = 0;
	for (i = 0; i < p->n_slots; i++) {
		st->captures += p->pid > 0 && !p->slot[i].dead;
		st->drop += p->slot[i].drop;
		st->ifdrop += p->slot[i].ifdrop;
	}
}

bool parser_capturing(const struct parser *p, size_t i)
{
	return p->pid > 0 && i < p->n_slots && !p->slot[i].dead;
}

void parser_drops(const struct parser *p, uint64_t *drop, uint64_t *ifdrop)
{
	struct parser_stats st;

	parser_stats(p, &st);
	*drop = st.drop;
	*ifdrop = st.ifdrop;
}

bool parser_slot(const struct parser *p, size_t i, const char **name,
		 uint64_t *drop, uint64_t *ifdrop)
{
	if (i >= p->n_slots)
		return false;
	*name = p->slot[i].name;
	*drop = p->slot[i].drop;
	*ifdrop = p->slot[i].ifdrop;
	return true;
}

void parser_free(struct parser *p)
{
	if (p == NULL)
		return;
	parser_stop(p);
	free(p);
}
