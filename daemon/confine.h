/* confine.h - what the packet parser gives up once its handles are open.
 *
 * In order: the supplementary groups and the user (when the system has the
 * unprivileged user, `zonegate`), every capability (effective, permitted,
 * inheritable, ambient, and the bounding set), new privileges through exec
 * (no_new_privs), and finally every system call but the few that reading
 * captures and writing records to the parent need: a seccomp filter that
 * kills the process on any other.
 */
#ifndef ZG_CONFINE_H
#define ZG_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONFINE_USER	"zonegate"

struct confine_user {
	bool	found;		/* the user exists */
	uid_t	uid;
	gid_t	gid;
};

/* confine_lookup - the unprivileged user, looked up once by the parent
 * (before the child is forked: the child cannot read /etc/passwd). */
void confine_lookup(struct confine_user *u);

/* confine_drop - drops to u (if found) and every capability, sets
 * no_new_privs. Returns 0, or -1 with the step that failed in err. */
int confine_drop(const struct confine_user *u, char *err, size_t errlen);

/* confine_seccomp - installs the system call filter. Returns 0, or -1 with
 * err. After it, a forbidden call kills the process (SIGSYS). */
int confine_seccomp(char *err, size_t errlen);

#endif
