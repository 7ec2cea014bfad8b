/* notify.h - the systemd notification protocol, spoken directly: datagrams
 * to $NOTIFY_SOCKET (READY=1, RELOADING=1, STATUS=..., WATCHDOG=1). Without
 * NOTIFY_SOCKET every call does nothing. */
#ifndef ZG_NOTIFY_H
#define ZG_NOTIFY_H

#include <stdint.h>

/* notify_init - reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, and
 * removes them from the environment (children must not inherit them). */
void notify_init(void);

/* notify_send - sends the newline-separated assignments in msg. */
void notify_send(const char *msg);

/* notify_sendf - as notify_send, formatted. */
void notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* notify_watchdog_ms - the interval at which to send WATCHDOG=1 (half of
 * WATCHDOG_USEC), or 0 when systemd watches nothing. */
uint64_t notify_watchdog_ms(void);

#endif
