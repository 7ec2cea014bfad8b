/* confine.c - dropping privilege and system calls in the packet parser. */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"

#if defined(__x86_64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CONFINE_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CONFINE_ARCH	AUDIT_ARCH_AARCH64
#else
#error "confine.c: add this architecture's AUDIT_ARCH"
#endif

void confine_lookup(struct confine_user *u)
{
	struct passwd *pw = getpwnam(CONFINE_USER);

	u->found = pw != NULL && pw->pw_uid != 0;
	u->uid = u->found ? pw->pw_uid : 0;
	u->gid = u->found ? pw->pw_gid : 0;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

int confine_drop(const struct confine_user *u, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct c[2];
	int cap;

	/* the bounding set first: dropping from it needs CAP_SETPCAP, which
	 * goes with the user change */
	for (cap = 0; cap <= 63; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0)
			break;		/* past the last capability */
		if (in == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail(err, errlen, "PR_CAPBSET_DROP");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return fail(err, errlen, "PR_CAP_AMBIENT_CLEAR_ALL");
	if (u->found) {
		if (setgroups(0, NULL) < 0)
			return fail(err, errlen, "setgroups");
		if (setresgid(u->gid, u->gid, u->gid) < 0)
			return fail(err, errlen, "setresgid");
		if (setresuid(u->uid, u->uid, u->uid) < 0)
			return fail(err, errlen, "setresuid");
	}
	/* the change of user cleared them; without the user (root), or if
	 * any is left, clear them explicitly */
	if (syscall(SYS_capget, &h, c) < 0)
		return fail(err, errlen, "capget");
	if (c[0].effective | c[0].permitted | c[0].inheritable |
	    c[1].effective | c[1].permitted | c[1].inheritable) {
		memset(c, 0, sizeof(c));
		if (syscall(SYS_capset, &h, c) < 0)
			return fail(err, errlen, "capset");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, errlen, "PR_SET_NO_NEW_PRIVS");
	return 0;
}

/* the low 32 bits of system call argument n (little-endian) */
#define ARG_LO(n)	(offsetof(struct seccomp_data, args) + (n) * 8)

#define ALLOW(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

int confine_seccomp(char *err, size_t errlen)
{
	/* What the loop of the parser calls: poll and read its captures
	 * (TPACKET_V3 rings, a netlink socket), getsockopt for libpcap's drop
	 * counters, send records and receive sync requests on the
	 * socketpair, the clock, memory (malloc), and exit. Nothing opens,
	 * creates, binds, connects, executes or signals. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CONFINE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		ALLOW(__NR_read),
		ALLOW(__NR_write),
		ALLOW(__NR_recvfrom),
		ALLOW(__NR_recvmsg),
		ALLOW(__NR_sendto),
		ALLOW(__NR_sendmsg),
		ALLOW(__NR_getsockopt),
		ALLOW(__NR_getsockname),
#ifdef __NR_poll
		ALLOW(__NR_poll),
#endif
		ALLOW(__NR_ppoll),
		ALLOW(__NR_clock_gettime),
		ALLOW(__NR_gettimeofday),
		ALLOW(__NR_clock_nanosleep),
		ALLOW(__NR_nanosleep),
		ALLOW(__NR_brk),
		ALLOW(__NR_mmap),
		ALLOW(__NR_munmap),
		ALLOW(__NR_mremap),
		ALLOW(__NR_madvise),
		ALLOW(__NR_futex),
		ALLOW(__NR_getpid),
		ALLOW(__NR_gettid),
		ALLOW(__NR_rt_sigprocmask),
		ALLOW(__NR_rt_sigreturn),
		ALLOW(__NR_restart_syscall),
		ALLOW(__NR_exit),
		ALLOW(__NR_exit_group),
		/* libpcap asks whether an interface whose capture failed is
		 * gone or down: SIOCGIFFLAGS (read only) is answered, any
		 * other ioctl refused; the daemon then starts the parser again
		 * on the interfaces that are up */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIOCGIFFLAGS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(f) / sizeof(f[0])),
		.filter = f,
	};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return fail(err, errlen, "PR_SET_SECCOMP");
	return 0;
}
