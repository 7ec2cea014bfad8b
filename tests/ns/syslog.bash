# syslog.bash - a private rsyslogd for the tests that read syslog.
#
# These machines have no /dev/log. A test sources this file first: it
# re-executes itself in a private mount namespace (unshare -m), mounts a
# fresh tmpfs over /dev there with the few device nodes a shell needs, and
# starts rsyslogd listening on that /dev/log, writing to $SYSLOG_FILE. The
# real /dev is never bind-mounted anywhere and nothing outside the mount
# namespace changes; it all disappears with the test's processes.
#
#   . tests/ns/syslog.bash      (before lib.bash)
#   syslog_start                -> $SYSLOG_FILE: "facility.severity tag: msg"
#   syslog_wait REGEX [SECS]    waits for a line
#   syslog_stop

if [ -z "$ZG_IN_MOUNTNS" ]; then
	exec unshare -m --propagation private env ZG_IN_MOUNTNS=1 \
		bash "$0" "$@"
fi

zg_private_dev() {
	mount -t tmpfs -o mode=0755,size=1m zgdev /dev || return 1
	mknod -m 666 /dev/null c 1 3
	mknod -m 666 /dev/zero c 1 5
	mknod -m 666 /dev/random c 1 8
	mknod -m 666 /dev/urandom c 1 9
	mknod -m 666 /dev/tty c 5 0
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	mkdir /dev/shm /dev/pts
}
zg_private_dev || { echo "# cannot make a private /dev" >&2; exit 1; }

SYSLOG_DIR=$(mktemp -d /tmp/zg-syslog.XXXXXX)
SYSLOG_FILE=$SYSLOG_DIR/messages
SYSLOG_PID=

syslog_start() {
	local i
	cat >"$SYSLOG_DIR/rsyslog.conf" <<EOC
global(workDirectory="$SYSLOG_DIR")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="zgt" type="string" string="%syslogfacility-text%.%syslogseverity-text% %programname%: %msg:2:\$%\n")
*.* action(type="omfile" file="$SYSLOG_FILE" template="zgt")
EOC
	: >"$SYSLOG_FILE"
	rsyslogd -n -f "$SYSLOG_DIR/rsyslog.conf" -i "$SYSLOG_DIR/pid" \
		</dev/null >"$SYSLOG_DIR/rsyslogd.out" 2>&1 &
	SYSLOG_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S /dev/log ] && return 0
		sleep 0.05
	done
	echo "# rsyslogd did not create /dev/log" >&2
	cat "$SYSLOG_DIR/rsyslogd.out" >&2
	return 1
}

syslog_wait() {	# syslog_wait REGEX [SECS]
	local re=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$SYSLOG_FILE" && return 0
		sleep 0.05
	done
	return 1
}

syslog_stop() {
	if [ -n "$SYSLOG_PID" ]; then
		kill "$SYSLOG_PID" 2>/dev/null
		wait "$SYSLOG_PID" 2>/dev/null
		SYSLOG_PID=
	fi
}

zg_syslog_cleanup() {
	syslog_stop
	rm -rf "$SYSLOG_DIR"
}
