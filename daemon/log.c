/* log.c - syslog with an optional copy on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool to_stderr;
static FILE *tee;

void log_tee(FILE *f)
{
	tee = f;
}
static const char *log_ident = "zonegated";

void log_init(const char *ident, bool foreground, int facility)
{
	log_ident = ident;
	to_stderr = foreground;
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void log_facility(int facility)
{
	closelog();
	openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

static void vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	int saved = errno;
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (to_stderr) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s%s%s\n", when, ts.tv_nsec / 1000000,
			msg, suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
	}
	if (tee != NULL)
		fprintf(tee, "%s%s%s\n", msg, suffix ? ": " : "", suffix ? suffix : "");
	syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	errno = saved;
}

#define LOGFN(name, pri)					\
void name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	vlog(pri, fmt, ap, NULL);				\
	va_end(ap);						\
}

LOGFN(log_info, LOG_INFO)
LOGFN(log_notice, LOG_NOTICE)
LOGFN(log_warnx, LOG_WARNING)
LOGFN(log_errx, LOG_ERR)

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
