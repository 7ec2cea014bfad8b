#!/bin/bash
# enforce_reload_keeps_connections.sh - a TCP connection opened through the
# gateway before 50 reloads (each one "applied", alternating between two
# policies that both permit the flow) keeps working: one socket, a line sent
# and its echo read after every 10 reloads and at the end; the echo server
# sees exactly one connection.
#
# Honesty: at the end a drop-all forward chain in a separate table of the
# gateway namespace must make the same client round fail, so the round really
# depends on the path through the gateway.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

PORT=3389
SRC=$LG4B DST=$RL_VB4
CONF=$ZG_TMP/reload.conf
CONF1=$ZG_SEED_CONF
CONF2=$ZG_TMP/seed-plus.conf
# the seed with one more (unrelated) permit
sed 's|^policy = (|policy = (\n  { from = "relay"; to = "internet"; services = [ "tcp/8443" ]; from_hosts = [ "10.30.0.40" ]; },|' \
	"$CONF1" >"$CONF2"
enf_conf_ok "$CONF2" || exit 1
expect_pass "the second policy differs from the seed" \
	sh -c "! cmp -s '$CONF1' '$CONF2'"

# --- echo server in the relay namespace: one thread per connection, logs
# every accepted connection
SRV=$ZG_TMP/echo
ip netns exec "$NS_RL" "$ZG_PY" -c '
import socket, sys, threading
port, log, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", port))
ls.listen(8)
open(ready, "w").close()
def serve(c):
    f = c.makefile("rwb", buffering=0)
    for line in f:
        c.sendall(b"echo " + line)
    c.close()
while True:
    c, peer = ls.accept()
    with open(log, "a") as f:
        f.write("conn %s\n" % peer[0])
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$PORT" "$SRV.log" "$SRV.ready" </dev/null >"$SRV.err" 2>&1 &
echo $! >"$SRV.pid"
zg_wait_file "$SRV.ready" "$(cat "$SRV.pid")" 3 || { echo "echo server: $(cat "$SRV.err")"; exit 1; }

# --- client in the lgwan namespace: one connection; for each line read from
# the control fifo, send it and wait (2 s) for its echo; log the result
CLI=$ZG_TMP/client
mkfifo "$CLI.ctl"
start_client() {
	ip netns exec "$NS_LG" "$ZG_PY" -c '
import socket, sys
src, dst, port, ctl, out = sys.argv[1:6]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((src, 0))
s.settimeout(3)
def log(msg):
    with open(out, "a") as f:
        f.write(msg + "\n")
try:
    s.connect((dst, int(port)))
    log("connected %s" % (s.getsockname(),))
except OSError as e:
    log("connect-failed %s" % e)
    sys.exit(1)
buf = b""
with open(ctl, "rb", buffering=0) as c:
    for line in c:
        tok = line.strip().decode()
        try:
            s.settimeout(2)
            s.sendall(tok.encode() + b"\n")
            while b"\n" not in buf:
                d = s.recv(256)
                if not d:
                    raise OSError("connection closed")
                buf += d
            got, buf = buf.split(b"\n", 1)
            log(("ok " if got == b"echo " + tok.encode() else "bad ") + tok)
        except OSError as e:
            log("fail %s %s" % (tok, e))
            buf = b""
' "$SRC" "$DST" "$PORT" "$CLI.ctl" "$CLI.out" </dev/null >"$CLI.err" 2>&1 &
	echo $! >"$CLI.pid"
}
CTL_FD=
trap '' PIPE	# a dead client must fail a round, not kill the script
zg_user_cleanup() { [ -n "$CTL_FD" ] && exec {CTL_FD}>&-; return 0; }

# round TOKEN: ask the client for one round; 0 if "ok TOKEN" comes back
round() {
	local tok=$1 i
	echo "$tok" >&"$CTL_FD" || return 2
	for ((i = 0; i < 80; i++)); do
		grep -q " $tok\$" "$CLI.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -q "^ok $tok\$" "$CLI.out"
}

expect_pass "open: lgwan -> sanitiser smtp passes with no firewall" \
	tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 25
cp "$CONF1" "$CONF"
expect_pass "zonegated starts with the seed" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5

start_client
exec {CTL_FD}>"$CLI.ctl"	# blocks until the client opened its end
expect_pass "the client connected through the gateway" \
	grep -q '^connected' "$CLI.out"
expect_pass "round 0 (before any reload): echo comes back" round r0

napplied=0
for i in $(seq 1 50); do
	if [ $((i % 2)) -eq 1 ]; then cp "$CONF2" "$CONF"; else cp "$CONF1" "$CONF"; fi
	daemon_reload applied && napplied=$((napplied + 1))
	if [ $((i % 10)) -eq 0 ]; then
		expect_pass "round after $i reloads: echo comes back" round "r$i"
	fi
done
expect_eq "every one of the 50 reloads logged 'applied'" 50 "$napplied"
expect_eq "the daemon log has 51 'applied' lines (start + 50)" 51 \
	"$(grep -c 'applied' "$DAEMON_LOG")"
expect_eq "the reloads alternated: 25 applied the 5-entry policy" 25 \
	"$(grep -c 'applied .* 5 policy entries' "$DAEMON_LOG")"
expect_pass "no reload failed" sh -c "! grep -q 'reload failed' '$DAEMON_LOG'"
expect_pass "final round: echo comes back" round rend
expect_eq "the echo server saw exactly one connection" 1 "$(grep -c '^conn' "$SRV.log")"
expect_pass "the client is still the same process" kill -0 "$(cat "$CLI.pid")"
expect_block "new connections are still judged: lgwan -> sanitiser smtp blocked" \
	tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 25

# --- the round can fail: cut the path in the gateway (separate table)
gw_nft add table inet enfcut
gw_nft add chain inet enfcut fwd_cut '{ type filter hook forward priority -10; policy drop; }'
expect_block "with the path cut, the same round fails" round rcut
gw_nft delete table inet enfcut

finish
