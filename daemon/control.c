/* control.c - the control socket server. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

struct client {
	int		fd;
	size_t		len;
	uint64_t	deadline;
	char		buf[CTL_REQ_MAX + 2];
};

struct control {
	int			lfd;
	gid_t			gid;
	char			path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client		*cl;
	size_t			n;
	struct control_stats	st;
};

static int make_dir(const char *path, gid_t gid)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *dir;

	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	if (mkdir(dir, 0750) < 0) {
		if (errno != EEXIST)
			return -1;
		return 0;	/* an existing directory is the admin's */
	}
	return chown(dir, 0, gid);
}

struct control *control_open(const char *path, const char *group, char *err,
			     size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct control *c = calloc(1, sizeof(*c));
	struct stat st;

	if (c == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long or out of memory");
		free(c);
		return NULL;
	}
	c->lfd = -1;
	if (group != NULL && strcmp(group, "root") != 0) {
		struct group *g = getgrnam(group);

		if (g == NULL) {
			snprintf(err, errlen, "control_group '%s' does not exist",
				 group);
			goto out_free;
		}
		c->gid = g->gr_gid;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (make_dir(path, c->gid) < 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s",
			 path, strerror(errno));
		goto out_free;
	}
	/* a stale socket of a previous run; never remove anything else */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* the file takes the daemon's group; chown only if that is not the
	 * control group (it needs CAP_CHOWN, which the unit does not grant:
	 * run it with Group= set to the control group instead) */
	if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 || stat(path, &st) < 0 ||
	    (st.st_gid != c->gid && chown(path, 0, c->gid) < 0) ||
	    listen(c->lfd, 128) < 0) {
		snprintf(err, errlen, "cannot create the control socket %s: %s",
			 path, strerror(errno));
		goto out_free;
	}
	c->cl = calloc(CONTROL_CLIENTS_MAX, sizeof(*c->cl));
	if (c->cl == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	return c;
out_free:
	if (c->lfd >= 0)
		close(c->lfd);
	free(c);
	return NULL;
}

static void drop_client(struct control *c, size_t i)
{
	close(c->cl[i].fd);
	c->cl[i] = c->cl[--c->n];
}

void control_close(struct control *c)
{
	if (c == NULL)
		return;
	while (c->n > 0)
		drop_client(c, 0);
	close(c->lfd);
	unlink(c->path);
	free(c->cl);
	free(c);
}

size_t control_pollfds(const struct control *c, struct pollfd *pfd, size_t max)
{
	size_t i, k = 0;

	if (max == 0)
		return 0;
	pfd[k].fd = c->lfd;
	pfd[k++].events = POLLIN;
	for (i = 0; i < c->n && k < max; i++) {
		pfd[k].fd = c->cl[i].fd;
		pfd[k++].events = POLLIN;
	}
	return k;
}

/* reply - writes the whole answer; the socket is blocking with a short
 * send timeout, so a client that does not read cannot hold the daemon. */
static void reply(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

static void reply_error(int fd, const char *msg)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%s error %s\n", CTL_VERSION, msg);

	reply(fd, line, (size_t)n);
}

/* allowed - root, or the control group as primary or supplementary group. */
static bool allowed(const struct control *c, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	if (cr.uid == 0)
		return true;
	if (c->gid == 0)
		return false;
	if (cr.gid == c->gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0)
		return false;
	for (i = 0; i < glen / sizeof(gid_t); i++)
		if (groups[i] == c->gid)
			return true;
	return false;
}

/* refuse - the error, then drain what the client already sent, so that
 * closing does not reset the connection before the client read the error */
static void refuse(int fd, const char *msg)
{
	char junk[CTL_REQ_MAX + 2];

	reply_error(fd, msg);
	shutdown(fd, SHUT_WR);
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	close(fd);
}

static void accept_all(struct control *c, uint64_t now_ms)
{
	struct timeval tv = { 0, 200 * 1000 };
	int fd;

	while ((fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (!allowed(c, fd)) {
			c->st.refused++;
			refuse(fd, "permission denied");
			continue;
		}
		if (c->n == CONTROL_CLIENTS_MAX) {
			c->st.busy++;
			refuse(fd, "busy: too many connections");
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		c->cl[c->n].fd = fd;
		c->cl[c->n].len = 0;
		c->cl[c->n].deadline = now_ms + CONTROL_TIMEOUT_MS;
		c->n++;
	}
}

static void answer(struct control *c, struct client *cl, control_handler h,
		   void *arg)
{
	char err[256], *body = NULL;
	struct ctl_req req;
	size_t blen = 0;
	FILE *out;

	if (ctl_parse(cl->buf, cl->len, &req, err, sizeof(err)) < 0) {
		c->st.bad++;
		reply_error(cl->fd, err);
		return;
	}
	out = open_memstream(&body, &blen);
	if (out == NULL) {
		reply_error(cl->fd, "out of memory");
		return;
	}
	fcntl(cl->fd, F_SETFL, fcntl(cl->fd, F_GETFL) & ~O_NONBLOCK);
	if (h(arg, &req, out, err, sizeof(err)) < 0) {
		/* the error line, then whatever the handler explained */
		fclose(out);
		reply_error(cl->fd, err);
		reply(cl->fd, body, blen);
	} else {
		fclose(out);
		reply(cl->fd, CTL_VERSION " ok\n", strlen(CTL_VERSION) + 4);
		reply(cl->fd, body, blen);
		c->st.served++;
	}
	free(body);
}

/* readable - more bytes of a request; answers once the line is complete. */
static bool readable(struct control *c, size_t i, control_handler h, void *arg)
{
	struct client *cl = &c->cl[i];
	ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len, 0);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (r <= 0)
		return false;
	cl->len += (size_t)r;
	if (memchr(cl->buf, '\n', cl->len) != NULL) {
		size_t line = (size_t)((char *)memchr(cl->buf, '\n', cl->len) - cl->buf) + 1;

		cl->len = line;
		answer(c, cl, h, arg);
		return false;
	}
	if (cl->len >= sizeof(cl->buf) - 1) {
		c->st.bad++;
		reply_error(cl->fd, "request too long");
		return false;
	}
	return true;
}

void control_service(struct control *c, const struct pollfd *pfd, size_t n,
		     uint64_t now_ms, control_handler h, void *arg)
{
	size_t k, i;

	if (n == 0)
		return;
	/* clients first: their slots are those of the pollfds given */
	for (k = n - 1; k >= 1; k--) {
		i = k - 1;
		if (i >= c->n || pfd[k].fd != c->cl[i].fd)
			continue;
		if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!readable(c, i, h, arg))
				drop_client(c, i);
		}
	}
	for (i = 0; i < c->n;) {
		if (now_ms >= c->cl[i].deadline) {
			c->st.bad++;
			reply_error(c->cl[i].fd, "request timed out");
			drop_client(c, i);
			continue;
		}
		i++;
	}
	if (pfd[0].revents & POLLIN)
		accept_all(c, now_ms);
}

void control_get_stats(const struct control *c, struct control_stats *st)
{
	*st = c->st;
}
