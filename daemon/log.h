/* log.h - the daemon's voice: syslog, and stderr too in the foreground.
 * Only daemon/ logs; errno is preserved across every call. */
#ifndef ZG_LOG_H
#define ZG_LOG_H

#include <stdbool.h>
#include <stdio.h>

/* log_init - opens syslog with ident and facility; foreground adds stderr. */
void log_init(const char *ident, bool foreground, int facility);

/* log_tee - also copies every message to f (NULL stops): the control
 * socket's reload hands its client what the reload logged. */
void log_tee(FILE *f);

/* log_facility - switches the syslog facility (after a reload). */
void log_facility(int facility);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn - as log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fatalx - logs at crit and exits 1. */
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
