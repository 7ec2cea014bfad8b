/* notify.c - sd_notify without libsystemd. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un addr;
static socklen_t addr_len;
static uint64_t watchdog_ms;

void notify_init(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	const char *w = getenv("WATCHDOG_USEC");
	const char *p = getenv("WATCHDOG_PID");
	size_t n;

	addr_len = 0;
	if (s != NULL && (s[0] == '/' || s[0] == '@') &&
	    (n = strlen(s)) < sizeof(addr.sun_path)) {
		memset(&addr, 0, sizeof(addr));
		addr.sun_family = AF_UNIX;
		memcpy(addr.sun_path, s, n);
		if (s[0] == '@')
			addr.sun_path[0] = '\0';	/* abstract namespace */
		addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	if (w != NULL && (p == NULL || atol(p) == (long)getpid())) {
		unsigned long long us = strtoull(w, NULL, 10);

		watchdog_ms = us / 2000;
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

void notify_send(const char *msg)
{
	int fd;

	if (addr_len == 0)
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&addr,
	       addr_len);
	close(fd);
}

void notify_sendf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notify_send(buf);
}

uint64_t notify_watchdog_ms(void)
{
	return watchdog_ms;
}
