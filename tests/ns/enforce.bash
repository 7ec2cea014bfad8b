# enforce.bash - helpers shared by the enforcement tests (tests/ns/enforce_*.sh).
# Not a test itself (the name does not end in .sh).  Sources lib.bash, so a
# test needs only:
#
#	. "$(dirname "$0")/enforce.bash"
#
# Everything here works in the test namespaces only, like lib.bash.

# shellcheck source=lib.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

ZG_CTL=${ZG_CTL:-$ZG_TOP/zonegatectl}

# ---------------------------------------------------------------- configs

# enf_zones [LGWAN_EXTRA]: the zones of the seed topology, without the seed's
# compliance marks (no isolation, no split), so that a test config may permit
# any pair.  LGWAN_EXTRA is inserted into the lgwan zone group verbatim.
enf_zones() {
	cat <<-EOF
	zones = (
	  { name = "mynumber"; interfaces = [ "mn0" ]; networks = [ "10.10.0.0/16", "fd00:10::/48" ]; },
	  { name = "lgwan"; interfaces = [ "lg0" ]; networks = [ "10.20.0.0/16", "fd00:20::/48" ]; ${1:-} },
	  { name = "relay"; interfaces = [ "rl0" ]; networks = [ "10.30.0.0/24", "fd00:30::/64" ]; },
	  { name = "internet"; interfaces = [ "inet0" ]; networks = [ "0.0.0.0/0", "::/0" ]; }
	);
	EOF
}

# enf_conf_ok CONF: zonegatectl check must accept CONF (else the test is
# broken, not the daemon): prints the problems and returns 2.
enf_conf_ok() {
	local out
	if ! out=$("$ZG_CTL" -c "$1" check 2>&1 >/dev/null); then
		zg_err "test config $1 is invalid: $out"
		return 2
	fi
}

# ---------------------------------------------------------------- the table

# enf_table [TABLE]: `nft list table inet TABLE` in the gateway with the
# counter values (packets N bytes M) blanked, so that two listings compare
# equal when only traffic happened between them.
enf_table() {
	gw_nft list table inet "${1:-zonegate}" 2>&1 |
		sed -E 's/packets [0-9]+ bytes [0-9]+/packets - bytes -/g'
}

# enf_table_canon [TABLE]: enf_table with the ownership marks removed (the
# "flags" line, the "# progname" comment), the staging tag of set names
# removed ("zsrc4.1" is "zsrc4": every other apply stages its interval sets
# and maps under such names, see daemon/nft.c) and the table's objects
# (chains, sets, maps, counters, ...) sorted by their text, the order inside
# each one kept: two listings compare equal when they hold the same ruleset,
# whatever order the objects were created in and whatever apply made them.
enf_table_canon() {
	enf_table "$@" | sed -E -e 's/ # progname .*$//' -e '/^\tflags/d' \
		-e 's/^(\t(set|map) [A-Za-z0-9_-]+)\.[0-9]+ \{/\1 {/' \
		-e 's/@([A-Za-z0-9_-]+)\.[0-9]+/@\1/g' | "$ZG_PY" -c '
import sys
head, blocks, cur = [], [], None
for line in sys.stdin.read().splitlines():
    if cur is None:
        if line.startswith("\t") and not line.startswith("\t\t") and line.endswith("{"):
            cur = [line]
        elif line.strip():
            head.append(line)
    else:
        cur.append(line)
        if line == "\t}":
            blocks.append("\n".join(cur))
            cur = None
if cur:
    blocks.append("\n".join(cur))
print("\n".join(head))
print("\n".join(sorted(blocks)))
'
}

# enf_json_count WHAT [TABLE]: count, in the kernel's copy of table inet
# TABLE (nft --json), WHAT = rules | elements | sets | chains.
enf_json_count() {
	gw_nft --json list table inet "${2:-zonegate}" | "$ZG_PY" -c '
import json, sys
what = sys.argv[1]
n = 0
for o in json.load(sys.stdin)["nftables"]:
    if what == "rules" and "rule" in o:
        n += 1
    elif what == "chains" and "chain" in o:
        n += 1
    elif what in ("sets", "elements"):
        for k in ("set", "map"):
            if k in o:
                if what == "sets":
                    n += 1
                else:
                    n += len(o[k].get("elem", []))
print(n)
' "$1"
}

# enf_ruleset_except TABLE: the gateway'"'"'s whole ruleset (handles included)
# without table inet TABLE.
enf_ruleset_except() {
	gw_nft -a list ruleset | awk -v t="table inet $1 {" '
		index($0, t) == 1 { skip = 1 }
		!skip { print }
		skip && /^}/ { skip = 0 }'
}

# ---------------------------------------------------------------- probes

# enf_fate PROTO NS SRC DST PORT [TIMEOUT]: open a TCP connection or send one
# UDP datagram (to a listener, which answers) and print what happened and in
# how many milliseconds:
#	ok MS			connected (tcp) / answered (udp)
#	refused MS		TCP reset (ECONNREFUSED)
#	icmp TYPE CODE MS	UDP: an ICMP/ICMPv6 error came back
#	timeout MS		nothing within TIMEOUT (default 2) seconds
#	error:ERRNO MS		anything else
# Starts the listener in DST's namespace first (as tcp_ok/udp_ok do), unless
# ENF_NOLISTEN=1 (to see what a host without a listener answers).
enf_fate() {
	local proto=$1 ns=$2 src=$3 dst=$4 port=$5 t=${6:-2} dns
	dns=$(zg_dst_ns enf_fate "$dst") || return 2
	if [ "${ENF_NOLISTEN:-0}" != 1 ]; then
		listen_start "$dns" "$proto" "$port" || return 2
	fi
	timeout $((t + 3)) ip netns exec "$ns" "$ZG_PY" -c '
import errno, select, socket, struct, sys, time
proto, src, dst, port, t = sys.argv[1:6]
t = float(t)
v6 = ":" in dst
fam = socket.AF_INET6 if v6 else socket.AF_INET
def name(e):
    return errno.errorcode.get(e, str(e))
if proto == "tcp":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(t)
    t0 = time.monotonic()
    try:
        s.connect((dst, int(port)))
        r = "ok"
    except socket.timeout:
        r = "timeout"
    except ConnectionRefusedError:
        r = "refused"
    except OSError as e:
        r = "error:" + name(e.errno)
    print(r, int((time.monotonic() - t0) * 1000))
    sys.exit(0)
s = socket.socket(fam, socket.SOCK_DGRAM)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, 25, 1)	# IPV6_RECVERR
else:
    s.setsockopt(socket.IPPROTO_IP, 11, 1)	# IP_RECVERR
s.bind((src, 0))
s.connect((dst, int(port)))
t0 = time.monotonic()
s.send(b"fate\n")
end = t0 + t
r = "timeout"
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    rd, _, _ = select.select([s], [], [], left)
    if not rd:
        break
    try:
        d = s.recv(2048)
        if d.startswith(b"ok"):
            r = "ok"
            break
        continue
    except OSError as e:
        r = "error:" + name(e.errno)
    try:
        _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
        for lvl, typ, data in anc:
            if len(data) >= 16:
                ee_errno, origin, etype, ecode = struct.unpack("=IBBB", data[:7])
                if origin in (2, 3):	# SO_EE_ORIGIN_ICMP, _ICMP6
                    r = "icmp %d %d" % (etype, ecode)
    except OSError:
        pass
    break
print(r, int((time.monotonic() - t0) * 1000))
' "$proto" "$src" "$dst" "$port" "$t"
}

# enf_fate_is WANT MAXMS PROTO NS SRC DST PORT [TIMEOUT]: 0 if enf_fate's
# answer starts with WANT (e.g. "refused ", "icmp 3 ", "timeout", "ok") and,
# when MAXMS is not "-", came within MAXMS milliseconds; 1 otherwise (the
# answer is printed either way).  For expect_pass / expect_async pass.
enf_fate_is() {
	local want=$1 maxms=$2 out ms
	shift 2
	out=$(enf_fate "$@") || { echo "enf_fate failed: $out"; return 2; }
	echo "fate: $out"
	ms=${out##* }
	case "$out" in
	"$want"*) ;;
	*) return 1 ;;
	esac
	if [ "$maxms" != - ] && [ "$ms" -gt "$maxms" ]; then
		echo "too slow: ${ms} ms > ${maxms} ms"
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------- floods

# enf_flood_start NS SRC DST PORT RATE MAXSEC: a UDP flood at about RATE
# datagrams a second, bounded by MAXSEC seconds, that also stops as soon as
# enf_flood_stop asks; enf_flood_stop prints the number sent.
ENF_FLOOD_PID=''
ENF_FLOOD_KEY=''
enf_flood_start() {
	local ns=$1 src=$2 dst=$3 port=$4 rate=$5 max=$6
	ENF_FLOOD_KEY=$ZG_TMP/enfflood.$RANDOM
	rm -f "$ENF_FLOOD_KEY".*
	timeout $((max + 3)) ip netns exec "$ns" "$ZG_PY" -c '
import os, socket, sys, time
src, dst, port, rate, maxsec, stop, out = sys.argv[1:8]
rate = float(rate)
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
s.connect((dst, int(port)))
open(out + ".ready", "w").close()
t0 = time.monotonic()
end = t0 + float(maxsec)
sent = 0
while True:
    now = time.monotonic()
    if now >= end or os.path.exists(stop):
        break
    want = int((now - t0) * rate) + 1
    while sent < want:
        try:
            s.send(b"flood\n")
            sent += 1
        except OSError:
            break
    time.sleep(0.002)
with open(out + ".tmp", "w") as f:
    f.write("%d\n" % sent)
os.rename(out + ".tmp", out)
' "$src" "$dst" "$port" "$rate" "$max" "$ENF_FLOOD_KEY.stop" \
		"$ENF_FLOOD_KEY.out" </dev/null >"$ENF_FLOOD_KEY.err" 2>&1 &
	ENF_FLOOD_PID=$!
	echo "$ENF_FLOOD_PID" >"$ENF_FLOOD_KEY.pid"
	zg_wait_file "$ENF_FLOOD_KEY.out.ready" "$ENF_FLOOD_PID" 3 || {
		zg_err "flood did not start: $(cat "$ENF_FLOOD_KEY.err")"; return 2; }
}
enf_flood_running() { [ -n "$ENF_FLOOD_PID" ] && kill -0 "$ENF_FLOOD_PID" 2>/dev/null; }
enf_flood_stop() {
	[ -n "$ENF_FLOOD_PID" ] || { zg_err "enf_flood_stop: no flood"; return 2; }
	touch "$ENF_FLOOD_KEY.stop"
	# called as sent=$(enf_flood_stop): a subshell, where the flood is no
	# child to wait for; its count file is what says it has finished
	zg_wait_file "$ENF_FLOOD_KEY.out" "$ENF_FLOOD_PID" 5
	rm -f "$ENF_FLOOD_KEY.pid"
	ENF_FLOOD_PID=
	cat "$ENF_FLOOD_KEY.out" 2>/dev/null || echo 0
}

# enf_hping_start KEY NS MAXSEC HPING3-ARGS...: hping3 in NS in the
# background, stopped after MAXSEC seconds at the latest (bound its count
# with -c and its rate with -i as well); enf_hping_stop KEY stops it as ^C
# would and prints the number of packets it sent.  Several may run at once
# (one KEY each).
enf_hping_start() {
	local key=$1 ns=$2 max=$3
	shift 3
	rm -f "$ZG_TMP/hping-$key.out"
	timeout -s INT -k 2 "$max" ip netns exec "$ns" hping3 "$@" \
		</dev/null >"$ZG_TMP/hping-$key.out" 2>&1 &
	echo "$!" >"$ZG_TMP/hping-$key.pid"
}
enf_hping_running() {
	local pid
	pid=$(cat "$ZG_TMP/hping-$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}
enf_hping_stop() {
	local f=$ZG_TMP/hping-$1 pid i
	pid=$(cat "$f.pid" 2>/dev/null) || { zg_err "enf_hping_stop: no hping3 $1"; echo 0; return 2; }
	# timeout(1) hands the SIGINT on to hping3, which prints its figures
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	zg_kill_pid "$pid"
	rm -f "$f.pid"
	awk '/packets transmitted/ { print $1; n = 1 } END { if (!n) print 0 }' "$f.out"
}

# enf_keeper_start SRVNS CLINS SRC DST PORT MAXSEC: one long-lived TCP
# connection from SRC (in CLINS) to DST:PORT, served by an echo server in
# SRVNS bound to DST (do not use listen_start on that port there).  The
# client sends "ping N" every 0.25 s and appends "ok N MS" (echo within
# 2 s) or "fail N WHY" to its log; a failure ends it.  Opened before a test
# disturbs the gateway, it shows whether an established connection lives
# through.  enf_keeper_count ok|fail: the lines so far; enf_keeper_stop ends
# both sides.  Bounded by MAXSEC.
enf_keeper_start() {
	local sns=$1 cns=$2 src=$3 dst=$4 port=$5 max=$6 k=$ZG_TMP/keeper
	rm -f "$k".*
	timeout -k 1 $((max + 5)) ip netns exec "$sns" "$ZG_PY" -c '
import os, socket, sys, threading
addr, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(4)
open(ready, "w").close()
def serve(c):
    f = c.makefile("rb")
    for line in f:
        c.sendall(line)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$dst" "$port" "$k.srv.ready" </dev/null >"$k.srv.err" 2>&1 &
	echo "$!" >"$k.srv.pid"
	zg_wait_file "$k.srv.ready" "$!" 3 || {
		zg_err "keeper server did not start: $(cat "$k.srv.err")"; return 2; }
	timeout -k 1 $((max + 3)) ip netns exec "$cns" "$ZG_PY" -c '
import os, socket, sys, time
src, dst, port, log, ready, stop, maxsec = sys.argv[1:8]
def out(line):
    with open(log, "a") as f:
        f.write(line + "\n")
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET)
s.bind((src, 0))
s.settimeout(3)
s.connect((dst, int(port)))
s.settimeout(2)
f = s.makefile("rb")
open(ready, "w").close()
end = time.monotonic() + float(maxsec)
n = 0
while time.monotonic() < end and not os.path.exists(stop):
    n += 1
    t0 = time.monotonic()
    try:
        s.sendall(b"ping %d\n" % n)
        line = f.readline()
        if line != b"ping %d\n" % n:
            out("fail %d bad-echo" % n)
            break
        out("ok %d %d" % (n, (time.monotonic() - t0) * 1000))
    except OSError as e:
        out("fail %d %s" % (n, type(e).__name__))
        break
    time.sleep(0.25)
' "$src" "$dst" "$port" "$k.log" "$k.cli.ready" "$k.stop" "$max" \
		</dev/null >"$k.cli.err" 2>&1 &
	echo "$!" >"$k.cli.pid"
	zg_wait_file "$k.cli.ready" "$!" 5 || {
		zg_err "keeper client did not connect: $(cat "$k.cli.err")"; return 2; }
}
enf_keeper_count() {
	local n
	n=$(grep -c "^$1 " "$ZG_TMP/keeper.log" 2>/dev/null)
	echo "${n:-0}"
}
enf_keeper_stop() {
	local k=$ZG_TMP/keeper f
	touch "$k.stop"
	sleep 0.5
	for f in "$k.cli.pid" "$k.srv.pid"; do
		[ -f "$f" ] && zg_kill_pid "$(cat "$f")"
		rm -f "$f"
	done
	return 0
}

# ---------------------------------------------------------------- counters

# enf_counter NAME [TABLE]: the packets of the named counter of table inet
# TABLE (default zonegate) in the gateway.
enf_counter() {
	gw_nft list counter inet "${2:-zonegate}" "$1" 2>/dev/null |
		awk '$1 == "packets" { print $2; n = 1 } END { if (!n) print 0 }'
}

# enf_conntrack_count: the number of conntrack entries in the gateway.
enf_conntrack_count() {
	nsx "$NS_GW" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0
}

# ---------------------------------------------------------------- daemon

# enf_reloads N MAXSEC TARGET CONF...: N reloads of the running daemon, as
# quickly as it applies them: each copies the next CONF (round robin) over
# TARGET, sends SIGHUP and waits for the log line that ends the reload
# (tests/ns/reloads.py; the next signal is sent only then, so none is lost
# to another).  Prints reloads.py's summary ("reloads N applied A failed F
# seconds S rate R gen_first G gen_last G gen_monotonic yes|no", then
# "conf I applied K" lines); 0 if all N were applied.
enf_reloads() {
	local n=$1 max=$2 target=$3
	shift 3
	daemon_alive || { zg_err "enf_reloads: daemon not running"; return 2; }
	"$ZG_PY" "$ZG_NSDIR/reloads.py" "$DAEMON_PID" "$DAEMON_LOG" "$target" \
		"$n" "$max" "$@"
}

# enf_field TEXT KEY: the word after KEY in TEXT ("reloads 5 applied 5 ...").
enf_field() {
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"
}

# ---------------------------------------------------------------- daemon

# enf_daemon_fg CONF [SECONDS]: run zonegated -f -c CONF in the gateway in
# the foreground (for a start that must fail); output to $DAEMON_LOG; returns
# its exit status (124 if it was still running after SECONDS, default 10).
enf_daemon_fg() {
	echo "# enf_daemon_fg $1" >>"$DAEMON_LOG"
	daemon_log_mark >/dev/null
	timeout -k 2 "${2:-10}" ip netns exec "$NS_GW" "$ZONEGATED" -f -c "$1" \
		</dev/null >>"$DAEMON_LOG" 2>&1
}

# enf_log_since: the daemon log lines after the last mark.
enf_log_since() { tail -n +"$((ZG_LOG_MARK + 1))" "$DAEMON_LOG"; }
