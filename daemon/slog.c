/* slog.c - a non-blocking syslog client with a bounded queue. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "slog.h"

#define SLOG_LINE	600

struct qline {
	int	pri;
	char	text[SLOG_LINE];
};

struct slog {
	const char	*ident;
	int		facility;
	bool		copy;
	int		fd;
	time_t		last_connect;
	struct qline	*q;
	size_t		head, n;
	uint64_t	dropped;
};

static void try_connect(struct slog *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	time_t now = time(NULL);

	if (s->fd >= 0 || now == s->last_connect)
		return;
	s->last_connect = now;
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", SLOG_PATH);
	if (connect(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(s->fd);
		s->fd = -1;
	}
}

struct slog *slog_new(const char *ident, int facility, bool copy_stderr)
{
	struct slog *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->q = calloc(SLOG_QUEUE, sizeof(*s->q));
	if (s->q == NULL) {
		free(s);
		return NULL;
	}
	s->ident = ident;
	s->facility = facility;
	s->copy = copy_stderr;
	s->fd = -1;
	s->last_connect = 0;
	try_connect(s);
	return s;
}

void slog_free(struct slog *s)
{
	if (s == NULL)
		return;
	slog_flush(s);
	if (s->fd >= 0)
		close(s->fd);
	free(s->q);
	free(s);
}

void slog_facility(struct slog *s, int facility)
{
	s->facility = facility;
}

int slog_put(struct slog *s, int pri, const char *line)
{
	struct qline *q;
	struct tm tm;
	time_t now;
	size_t n;

	if (s->copy)
		fprintf(stderr, "%s\n", line);
	if (s->n == SLOG_QUEUE) {
		s->dropped++;
		return -1;
	}
	q = &s->q[(s->head + s->n) % SLOG_QUEUE];
	now = time(NULL);
	localtime_r(&now, &tm);
	q->pri = (s->facility & ~7) | (pri & 7);
	/* the classic local format after <PRI>: Mmm dd hh:mm:ss TAG[PID]: MSG */
	n = strftime(q->text, sizeof(q->text), "%b %e %H:%M:%S ", &tm);
	snprintf(q->text + n, sizeof(q->text) - n, "%s[%d]: %s", s->ident,
		 (int)getpid(), line);
	s->n++;
	return 0;
}

void slog_flush(struct slog *s)
{
	char buf[SLOG_LINE + 8];

	try_connect(s);
	while (s->n > 0 && s->fd >= 0) {
		const struct qline *q = &s->q[s->head];
		int n = snprintf(buf, sizeof(buf), "<%d>%s", q->pri, q->text);

		if (send(s->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return;
			/* the log daemon went away: reconnect later */
			close(s->fd);
			s->fd = -1;
			return;
		}
		s->head = (s->head + 1) % SLOG_QUEUE;
		s->n--;
	}
}

size_t slog_pending(const struct slog *s)
{
	return s->n;
}

int slog_fd(const struct slog *s)
{
	return s->fd;
}

uint64_t slog_dropped(const struct slog *s)
{
	return s->dropped;
}
