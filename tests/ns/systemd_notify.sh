#!/bin/bash
# systemd_notify: the notification protocol, checked message by message with
# a NOTIFY_SOCKET the test owns (these machines run no systemd): READY=1
# only once the ruleset is in the kernel; RELOADING=1 ... READY=1 around a
# reload with a STATUS an administrator can read, including the FILE:LINE
# of a failed reload; WATCHDOG=1 from the main loop; STOPPING=1 at stop.
. "$(dirname "$0")/lib.bash"
topo_up
sock=$ZG_TMP/notify.sock
msgs=$ZG_TMP/notify.log
conf=$ZG_TMP/zonegate.conf
cp conf/zonegate.conf "$conf"

# the listener records each datagram, and at READY=1 whether the table was
# already in the gateway's kernel
python3 - "$sock" "$msgs" "$NS_GW" <<'PY' &
import socket, subprocess, sys
path, out, ns = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".ready", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        m = s.recv(4096).decode(errors="replace")
        if m == "QUIT":
            break
        for line in m.split("\n"):
            if line == "READY=1":
                r = subprocess.run(["ip", "netns", "exec", ns, "nft", "list",
                                    "table", "inet", "zonegate"],
                                   capture_output=True)
                line += " table=%s" % ("yes" if r.returncode == 0 else "no")
            f.write(line + "\n")
PY
listener=$!
for ((i = 0; i < 50; i++)); do [ -e "$sock.ready" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000 daemon_start "$conf" || finish
for ((i = 0; i < 50; i++)); do grep -q '^READY=1' "$msgs" && break; sleep 0.1; done
expect_pass "READY=1 is sent" grep -q '^READY=1' "$msgs"
expect_pass "READY=1 only once the table is in the kernel" grep -q '^READY=1 table=yes' "$msgs"
expect_block "never READY=1 before the table" grep -q '^READY=1 table=no' "$msgs"
expect_pass "STATUS names the config and its checksum" \
	grep -qE '^STATUS=enforcing .*zonegate.conf \(sha256 [0-9a-f]{16}\): 4 zones, 4 entries, [0-9]+ rules$' "$msgs"
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c '^WATCHDOG=1$' "$msgs")" -ge 3 ] && break
	sleep 0.1
done
expect_pass "WATCHDOG=1 from the main loop (3 within 5 s)" \
	test "$(grep -c '^WATCHDOG=1$' "$msgs")" -ge 3

: >"$msgs.before"; cp "$msgs" "$msgs.before"
daemon_reload applied 5
sleep 0.3
new=$(diff "$msgs.before" "$msgs" | sed -n 's/^> //p' | grep -v WATCHDOG)
expect_pass "a reload says RELOADING=1 first" bash -c "head -1 <<<'$new' | grep -q '^RELOADING=1'"
expect_pass "... with MONOTONIC_USEC" grep -q '^MONOTONIC_USEC=[0-9]' <<<"$new"
expect_pass "... then READY=1 again" grep -q '^READY=1 table=yes' <<<"$new"

cp "$msgs" "$msgs.before"
echo 'policy = ( { from = "lgwan"; to = "nowhere"; services = [ "tcp/1" ]; } );' >>"$conf"
line=$(wc -l <"$conf")
daemon_reload 'reload failed' 5
sleep 0.3
new=$(diff "$msgs.before" "$msgs" | sed -n 's/^> //p' | grep -v WATCHDOG)
expect_pass "a failed reload ends with READY=1 (the old policy runs)" grep -q '^READY=1 table=yes' <<<"$new"
expect_pass "... and STATUS shows the FILE:LINE error" \
	grep -qF "last error: $conf:$line:" <<<"$new"

daemon_stop
sleep 0.3
expect_pass "STOPPING=1 at stop" grep -q '^STOPPING=1' "$msgs"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'QUIT', sys.argv[1])" "$sock"
wait "$listener"
finish
