#!/bin/bash
# control_socket: only root and the control group reach the daemon; the
# daemon checks credentials itself (even on a socket left open to all);
# malformed, oversized, slow and unknown requests get errors and the
# connection is closed; many idle connections do not stop it from serving
# others; reload over the socket reports the FILE:LINE errors. A user outside
# the group cannot signal the daemon or read the installed configuration.
. "$(dirname "$0")/lib.bash"
U=zgu$$ G=zgg$$ V=zgv$$
zg_user_cleanup() {
	userdel "$U" 2>/dev/null; userdel "$V" 2>/dev/null
	groupdel "$G" 2>/dev/null
}
groupadd "$G" && useradd -M -N -g nogroup -G "$G" "$U" && useradd -M -N -g nogroup "$V" ||
	{ echo "# cannot create test users"; exit 1; }
topo_up
sock=$ZG_TMP/run/control.sock
conf=$ZG_TMP/zonegate.conf
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$sock\";\n  control_group = \"$G\";|" \
	conf/zonegate.conf >"$conf"
chmod 0755 "$ZG_TMP"
daemon_start "$conf" || finish
daemon_log_wait applied 5
for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
ctl() { ./zonegatectl -s "$sock" "$@"; }
ask() {	# ask BYTES [SLEEP]: raw request, prints the first line of the answer
	python3 - "$sock" "$1" "${2:-0}" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
time.sleep(float(sys.argv[3]))
s.settimeout(5)
data = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
except OSError:
    pass
print(data.decode(errors="replace").split("\n")[0])
PY
}

expect_pass "root: status" ctl status
m=$(stat -c '%a %U %G' "$sock")
expect_eq "socket mode and owner" "660 root $G" "$m"
expect_pass "a member of the control group: status" runuser -u "$U" -- ./zonegatectl -s "$sock" status
out=$(runuser -u "$V" -- ./zonegatectl -s "$sock" status 2>&1)
expect_eq "another user: cannot connect (exit 2)" 2 "$?"
expect_pass "... refused by the file modes" grep -q 'Permission denied' <<<"$out"
chmod 0755 "$(dirname "$sock")"
chmod 0666 "$sock"
out=$(runuser -u "$V" -- ./zonegatectl -s "$sock" status 2>&1)
expect_pass "another user on an open socket: refused by the daemon" grep -q 'permission denied' <<<"$out"
out=$(runuser -u "$V" -- ./zonegatectl -s "$sock" reload 2>&1)
expect_eq "... and cannot reload either (exit 1)" 1 "$?"
expect_pass "... permission denied" grep -q 'permission denied' <<<"$out"
chmod 0660 "$sock"

expect_eq "garbage" "zonegate/1 error expected \"zonegate/1 COMMAND\"" "$(ask 'hello\n')"
expect_eq "unknown command" "zonegate/1 error unknown command" "$(ask 'zonegate/1 shutdown\n')"
expect_eq "bad option" "zonegate/1 error unknown option" "$(ask 'zonegate/1 status x=1\n')"
expect_eq "control bytes" "zonegate/1 error request must be printable ASCII" "$(ask 'zonegate/1 status\x1b\n')"
expect_eq "oversized" "zonegate/1 error request too long" "$(ask "$(printf 'A%.0s' {1..1000})")"
expect_eq "slow (no newline for 2 s)" "zonegate/1 error request timed out" "$(ask 'zonegate/1 stat' 3)"
expect_eq "version 2" "zonegate/1 error expected \"zonegate/1 COMMAND\"" "$(ask 'zonegate/2 status\n')"

# 1000 idle connections: others are still served, enforcement goes on
python3 - "$sock" <<'PY' &
import socket, sys, time
conns = []
for i in range(1000):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
time.sleep(4)
PY
idle=$!
sleep 1
expect_pass "with 1000 idle connections: status is served" ctl status
expect_block "with 1000 idle connections: LGWAN -> web still denied" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
wait "$idle"
expect_pass "after them: status" ctl status

echo 'policy = ( { from = "lgwan"; to = "nowhere"; services = [ "tcp/1" ]; } );' >>"$conf"
line=$(wc -l <"$conf")
out=$(ctl reload 2>&1)
expect_eq "a failed reload over the socket: exit status 1" 1 "$?"
expect_pass "... with the FILE:LINE error" grep -qF "$conf:$line:" <<<"$out"
expect_pass "the daemon is alive and serving" ctl status

# --- a local user who is not in the group: no signal, no configuration
mark=$(daemon_log_mark)
runuser -u "$V" -- kill -HUP "$DAEMON_PID" 2>/dev/null
expect_eq "another user cannot signal the daemon (kill -HUP fails)" 1 "$?"
sleep 0.5
expect_eq "... and no reload happened" 0 \
	"$(tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -c 'reload requested')"
# the configuration as make install lays it out: mode 0640, root's, in a
# directory anyone may enter
etc=$ZG_TMP/etc/zonegate
install -d -m 0755 "$ZG_TMP/etc" "$etc"
install -m 0640 conf/zonegate.conf "$etc/zonegate.conf"
expect_pass "root can check the installed configuration" \
	./zonegatectl -c "$etc/zonegate.conf" check
out=$(runuser -u "$V" -- ./zonegatectl -c "$etc/zonegate.conf" check 2>&1)
expect_eq "another user cannot read it (zonegatectl check: exit 1)" 1 "$?"
expect_pass "... Permission denied" grep -q 'Permission denied' <<<"$out"
expect_pass "... nor with cat" bash -c "! runuser -u '$V' -- cat '$etc/zonegate.conf' >/dev/null 2>&1"
expect_pass "... though the directory is open to it (the mode is what refuses)" \
	runuser -u "$V" -- ls "$etc"
finish
