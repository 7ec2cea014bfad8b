#!/bin/bash
# enforce_spoof_established.sh - anti-spoofing for established flows.
# Conntrack matches a packet to a flow by addresses and ports alone, so a
# host of the internet zone that forges the reply of an lgwan -> relay UDP
# flow (the relay host's address and port) used to have it delivered as
# ESTABLISHED.  Now an established packet of a flow zonegate accepted must
# come in on an interface of its source address's zone:
#   - forged replies (v4, v6; from the internet and the mynumber side) and a
#     forged packet in the flow's own direction are dropped, counted in
#     spoof_established and logged as reason=spoof (no disagreement);
#   - genuine replies and both directions of permitted TCP, UDP and ICMP
#     flows pass, before and after the attempts;
#   - a reload that adds a zone in front (which renumbers the zone-pair ct
#     marks) cuts no connection, and the check still holds after it;
#   - flows older than the table (no zonegate mark) pass as before;
#   - a zone without interfaces has no spoof check, for established packets
#     as for new flows: its flows keep working.
#
# Honesty: the forged reply is first shown to reach the lgwan socket with
# no firewall in the gateway.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

# ---------------------------------------------------------------- configs

# mkconf FILE [FRONT_ZONE [RELAY_IFACES]]: zones of the seed topology (with
# FRONT_ZONE, a group, inserted first; relay's interface list replaced by
# RELAY_IFACES) and the policy of this test.
mkconf() {
	local relay_if=${3-'interfaces = [ "rl0" ];'}
	cat >"$1" <<-EOF
	version = 1;
	zones = (
	  ${2:+$2,}
	  { name = "mynumber"; interfaces = [ "mn0" ]; networks = [ "10.10.0.0/16", "fd00:10::/48" ]; },
	  { name = "lgwan"; interfaces = [ "lg0" ]; networks = [ "10.20.0.0/16", "fd00:20::/48" ]; },
	  { name = "relay"; $relay_if networks = [ "10.30.0.0/24", "fd00:30::/64" ]; },
	  { name = "internet"; interfaces = [ "inet0" ]; networks = [ "0.0.0.0/0", "::/0" ]; }
	);
	services = ( { name = "ping"; icmp = true; } );
	policy = (
	  { from = "lgwan"; to = "relay"; services = [ "udp/3395", "tcp/3389", "ping" ];
	    to_hosts = [ "$RL_VB4", "$RL_VB6" ]; },
	  { from = "relay"; to = "lgwan"; services = [ "tcp/25" ]; to_hosts = [ "$LG4", "$LG6" ]; },
	  { from = "internet"; to = "relay"; services = [ "tcp/25" ]; to_hosts = [ "$RL_SAN4", "$RL_SAN6" ]; }
	);
	EOF
}
CONF=$ZG_TMP/est.conf
CONF_A=$ZG_TMP/est-a.conf	# the policy
CONF_B=$ZG_TMP/est-b.conf	# ... with a zone in front: every pair mark changes
CONF_C=$ZG_TMP/est-c.conf	# ... with relay naming no interface
mkconf "$CONF_A"
mkconf "$CONF_B" '{ name = "lab"; interfaces = [ "lab0" ]; networks = [ "10.99.0.0/16" ]; }'
mkconf "$CONF_C" '' ''
for c in "$CONF_A" "$CONF_B" "$CONF_C"; do enf_conf_ok "$c" || exit 1; done

# ---------------------------------------------------------------- traffic

FLOW=$ZG_TMP/flow.py
cat >"$FLOW" <<'EOF'
import socket, sys, threading
mode = sys.argv[1]
def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET
def log(path, msg):
    with open(path, "a") as f:
        f.write(msg + "\n")
if mode == "udpserver":		# ADDR PORT LOG READY: log and echo each datagram
    addr, port, out, ready = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    open(ready, "w").close()
    while True:
        d, a = s.recvfrom(2048)
        log(out, "got %s %d %s" % (a[0], a[1], d.decode(errors="replace")))
        s.sendto(b"echo " + d, a[:2])
elif mode == "tcpserver":	# PORT LOG READY: echo lines, one thread a connection
    port, out, ready = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(8)
    open(ready, "w").close()
    def serve(c):
        for line in c.makefile("rb", buffering=0):
            c.sendall(b"echo " + line)
        c.close()
    while True:
        c, peer = ls.accept()
        log(out, "conn %s" % peer[0])
        threading.Thread(target=serve, args=(c,), daemon=True).start()
elif mode in ("udpclient", "tcpclient"):
    # SRC SPORT DST DPORT CTL OUT: one flow; for each token read from CTL,
    # send it and wait 2 s for its echo: "ok TOKEN" or "fail TOKEN" in OUT;
    # every datagram received is logged as "got HOST PORT PAYLOAD"
    src, sport, dst, dport, ctl, out = sys.argv[2:8]
    udp = mode == "udpclient"
    s = socket.socket(fam(dst), socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    s.bind((src, int(sport)))
    cv = threading.Condition()
    got = []
    if udp:
        def reader():
            while True:
                d, a = s.recvfrom(2048)
                t = d.decode(errors="replace")
                log(out, "got %s %d %s" % (a[0], a[1], t))
                with cv:
                    if a[0] == dst and a[1] == int(dport):
                        got.append(t)
                    cv.notify_all()
    else:
        s.settimeout(3)
        try:
            s.connect((dst, int(dport)))
        except OSError as e:
            log(out, "connect-failed %s" % e)
            sys.exit(1)
        s.settimeout(None)
        def reader():
            for line in s.makefile("rb", buffering=0):
                with cv:
                    got.append(line.decode(errors="replace").rstrip("\n"))
                    cv.notify_all()
            log(out, "closed")
    threading.Thread(target=reader, daemon=True).start()
    log(out, "started")
    with open(ctl, "rb", buffering=0) as c:
        for line in c:
            tok = line.strip().decode()
            try:
                if udp:
                    s.sendto(tok.encode(), (dst, int(dport)))
                else:
                    s.sendall(tok.encode() + b"\n")
            except OSError as e:
                log(out, "fail %s %s" % (tok, e))
                continue
            with cv:
                ok = cv.wait_for(lambda: "echo " + tok in got, 2)
            log(out, ("ok " if ok else "fail ") + tok)
elif mode == "forge":		# SRC SPORT DST DPORT PAYLOAD: one datagram
    src, sport, dst, dport, payload = sys.argv[2:7]
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, int(sport)))
    s.sendto(payload.encode(), (dst, int(dport)))
EOF

# bg NAME NS ARGS...: run flow.py ARGS in NS in the background
bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$ZG_PY" "$FLOW" "$@" </dev/null >"$ZG_TMP/$name.err" 2>&1 &
	echo $! >"$ZG_TMP/$name.pid"
}

# client NAME NS udpclient|tcpclient SRC SPORT DST DPORT: start a client
# and open its control fifo on fd CTL_NAME; 0 once it has started
declare -A CTL
client() {
	local name=$1 ns=$2 fd i
	shift 2
	mkfifo "$ZG_TMP/$name.ctl"
	bg "$name" "$ns" "$1" "$2" "$3" "$4" "$5" "$ZG_TMP/$name.ctl" "$ZG_TMP/$name.out"
	exec {fd}>"$ZG_TMP/$name.ctl"	# blocks until the client opened it
	CTL[$name]=$fd
	for ((i = 0; i < 60; i++)); do
		grep -q '^started' "$ZG_TMP/$name.out" 2>/dev/null && return 0
		grep -q '^connect-failed' "$ZG_TMP/$name.out" 2>/dev/null && return 1
		sleep 0.05
	done
	return 1
}
trap '' PIPE	# a dead client must fail a round, not kill the script
zg_user_cleanup() {
	local fd
	for fd in "${CTL[@]}"; do exec {fd}>&-; done
	return 0
}

# round NAME TOKEN: the client sends TOKEN; 0 if its echo came back
round() {
	local name=$1 tok=$2 i
	echo "$tok" >&"${CTL[$name]}" || return 2
	for ((i = 0; i < 60; i++)); do
		grep -q " $tok\$" "$ZG_TMP/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -q "^ok $tok\$" "$ZG_TMP/$name.out"
}

# forge NS SRC SPORT DST DPORT PAYLOAD: send one datagram with a forged
# source from NS (the address is added there for the moment)
forge() {
	local ns=$1 src=$2 rc
	host_addr_add "$ns" "$src" || return 2
	ip netns exec "$ns" "$ZG_PY" "$FLOW" forge "$src" "$3" "$4" "$5" "$6"
	rc=$?
	host_addr_del "$ns" "$src"
	return "$rc"
}

# arrived FILE PAYLOAD: 0 if PAYLOAD shows up in FILE within a second
arrived() {
	local i
	for ((i = 0; i < 20; i++)); do
		grep -q " $2\$" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# forged_reply CLIENT NS SRC DST DPORT PAYLOAD: forge, from NS, a reply
# (source SRC:3395) of the UDP flow of CLIENT; 0 if CLIENT received it
forged_reply() {
	forge "$2" "$3" 3395 "$4" "$5" "$6" || return 2
	arrived "$ZG_TMP/$1.out" "$6"
}

spoof_est() {
	gw_nft list counter inet zonegate spoof_established 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}

# ---------------------------------------------------------------- servers

bg srv-tcp "$NS_RL" tcpserver 3389 "$ZG_TMP/srv-tcp.log" "$ZG_TMP/srv-tcp.ready"
bg srv-u4 "$NS_RL" udpserver "$RL_VB4" 3395 "$ZG_TMP/srv-u4.log" "$ZG_TMP/srv-u4.ready"
bg srv-u6 "$NS_RL" udpserver "$RL_VB6" 3395 "$ZG_TMP/srv-u6.log" "$ZG_TMP/srv-u6.ready"
for s in srv-tcp srv-u4 srv-u6; do
	zg_wait_file "$ZG_TMP/$s.ready" "$(cat "$ZG_TMP/$s.pid")" 3 ||
		{ echo "$s: $(cat "$ZG_TMP/$s.err")"; exit 1; }
done

# --- no zonegate yet.  Another table with a ct rule makes conntrack track
# the flows opened now (without it conntrack would first see them when
# zonegate's table loads, and take them up as new, mid-stream)
# (a chain named fwd would be a syntax error: nft's keyword)
expect_pass "a tracking table beside zonegate's" sh -c "
ip netns exec '$NS_GW' nft add table inet esttrack &&
ip netns exec '$NS_GW' nft add chain inet esttrack track '{ type filter hook forward priority -50; policy accept; }' &&
ip netns exec '$NS_GW' nft add rule inet esttrack track ct state established counter &&
ip netns exec '$NS_GW' nft add rule inet esttrack track udp sport 40091 ct mark != 0 counter comment oldmarked &&
ip netns exec '$NS_GW' nft add rule inet esttrack track udp sport 40091 ct mark 0 counter comment oldunmarked"

expect_pass "open: a UDP flow lgwan -> relay gets its echo" \
	client open-u4 "$NS_LG" udpclient "$LG4B" 40090 "$RL_VB4" 3395
expect_pass "open: ... round" round open-u4 o1
expect_pass "open: a forged reply from the internet side reaches the lgwan socket" \
	forged_reply open-u4 "$NS_IN" "$RL_VB4" "$LG4B" 40090 forged-open

# flows older than zonegate's table: no zonegate mark
expect_pass "old TCP connection lgwan -> relay opened before zonegate" \
	client old-tcp "$NS_LG" tcpclient "$LG4B" 0 "$RL_VB4" 3389
expect_pass "old UDP flow lgwan -> relay opened before zonegate" \
	client old-u4 "$NS_LG" udpclient "$LG4B" 40091 "$RL_VB4" 3395
expect_pass "old TCP connection: round before zonegate" round old-tcp p0
expect_pass "old UDP flow: round before zonegate" round old-u4 p0

# ---------------------------------------------------------------- enforced
cp "$CONF_A" "$CONF"
expect_pass "zonegated starts" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_pass "the table checks established packets against est_src4" \
	sh -c "ip netns exec '$NS_GW' nft list chain inet zonegate forward | grep -q 'jump est_check' &&
	       ip netns exec '$NS_GW' nft list chain inet zonegate est_check | grep -qE 'ip saddr . iifname @est_src4(\.1)? return'"

expect_pass "old TCP connection (unmarked) still passes" round old-tcp p1
expect_pass "old UDP flow (unmarked) still passes" round old-u4 p1

expect_pass "new TCP connection lgwan -> relay v4" \
	client new-tcp4 "$NS_LG" tcpclient "$LG4B" 0 "$RL_VB4" 3389
expect_pass "new TCP connection lgwan -> relay v6" \
	client new-tcp6 "$NS_LG" tcpclient "$LG6B" 0 "$RL_VB6" 3389
expect_pass "new UDP flow lgwan -> relay v4" \
	client u4 "$NS_LG" udpclient "$LG4B" 40100 "$RL_VB4" 3395
expect_pass "new UDP flow lgwan -> relay v6" \
	client u6 "$NS_LG" udpclient "$LG6B" 40100 "$RL_VB6" 3395
for c in new-tcp4 new-tcp6 u4 u6; do
	expect_pass "$c: genuine replies pass" round "$c" a1
done
expect_pass "relay -> lgwan smtp v4 (replies from lg0)" tcp_ok "$NS_RL" "$RL_SAN4" "$LG4" 25
expect_pass "relay -> lgwan smtp v6" tcp_ok "$NS_RL" "$RL_SAN6" "$LG6" 25
expect_pass "internet -> relay smtp v4 (replies from rl0)" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
expect_pass "internet -> relay smtp v6" tcp_ok "$NS_IN" "$IN6B" "$RL_SAN6" 25
expect_pass "lgwan -> relay ping v4 (echo reply)" icmp_ok "$NS_LG" "$LG4B" "$RL_VB4"
expect_pass "lgwan -> relay ping v6 (echo reply)" icmp_ok "$NS_LG" "$LG6B" "$RL_VB6"
expect_eq "no genuine packet counted in spoof_established" 0 "$(spoof_est)"

# the attempts, one after another (each adds its forged address for a moment)
expect_block "forged reply v4 from the internet side is dropped" \
	forged_reply u4 "$NS_IN" "$RL_VB4" "$LG4B" 40100 forged-in4
expect_block "forged reply v6 from the internet side is dropped" \
	forged_reply u6 "$NS_IN" "$RL_VB6" "$LG6B" 40100 forged-in6
expect_block "forged reply v4 from the mynumber side is dropped" \
	forged_reply u4 "$NS_MN" "$RL_VB4" "$LG4B" 40100 forged-mn4
expect_pass "forged packet v4 in the flow's own direction sent from the internet side" \
	forge "$NS_IN" "$LG4B" 40100 "$RL_VB4" 3395 forged-orig4
expect_block "... never reaches the relay server" arrived "$ZG_TMP/srv-u4.log" forged-orig4
expect_eq "spoof_established counted the 4 forged packets" 4 "$(spoof_est)"
expect_pass "logged: reason=spoof, relay's address in on inet0" \
	daemon_log_wait "violation reason=spoof src_zone=relay dst_zone=lgwan proto=udp src=$RL_VB4 sport=3395 dst=$LG4B dport=40100 in=inet0 out=lg0" 3
expect_pass "logged: the v6 one" \
	daemon_log_wait "violation reason=spoof src_zone=relay dst_zone=lgwan proto=udp src=$RL_VB6 sport=3395 dst=$LG6B dport=40100 in=inet0 out=lg0" 3
expect_pass "logged: the one in the flow's direction" \
	daemon_log_wait "violation reason=spoof src_zone=lgwan dst_zone=relay proto=udp src=$LG4B sport=40100 dst=$RL_VB4 dport=3395 in=inet0 out=rl0" 3

for c in new-tcp4 new-tcp6 u4 u6; do
	expect_pass "$c: still passes after the attempts" round "$c" a2
done
# not ours to judge: a flow without zonegate's mark passes as before
expect_pass "old UDP flow (unmarked): a forged reply passes, as before the table" \
	forged_reply old-u4 "$NS_IN" "$RL_VB4" "$LG4B" 40091 forged-old
expect_eq "... and is not counted" 4 "$(spoof_est)"
old_marked() {
	gw_nft list chain inet esttrack track |
		sed -n "s/.*packets \([0-9]*\) .*comment \"old$1\".*/\1/p"
}
expect_eq "the old UDP flow really has no zonegate mark" 0 "$(old_marked marked)"
expect_pass "... (its packets were seen unmarked)" test "$(old_marked unmarked)" -ge 2

# --- a zone in front: every zone-pair mark is renumbered
cp "$CONF_B" "$CONF"
expect_pass "reload with a zone in front of the others applied" daemon_reload applied
expect_pass "... the pair marks changed (lgwan->relay is no longer 0x5a470008)" \
	sh -c "! ip netns exec '$NS_GW' nft list chain inet zonegate pair_lgwan_relay | grep -q 0x5a470008"
for c in old-tcp new-tcp4 new-tcp6 u4 u6 old-u4; do
	expect_pass "$c: passes after the reload" round "$c" b1
done
expect_eq "no genuine packet counted after the reload" 4 "$(spoof_est)"
expect_block "forged reply v4 from the internet side still dropped" \
	forged_reply u4 "$NS_IN" "$RL_VB4" "$LG4B" 40100 forged-in4b
expect_eq "... and counted" 5 "$(spoof_est)"

# --- relay names no interface: no spoof check for its addresses, as for
# new flows; nothing breaks
cp "$CONF_C" "$CONF"
expect_pass "reload with relay naming no interface applied" daemon_reload applied
expect_pass "nft lists the table (unchecked addresses in est_any4)" \
	sh -c "ip netns exec '$NS_GW' nft list table inet zonegate | grep -A4 'set est_any4' | grep -Eq '10[.]30[.]0[.]0(/24|-10[.]30[.]0[.]255)'"
for c in old-tcp new-tcp4 new-tcp6 u4 u6; do
	expect_pass "$c: passes with relay's interfaces unlisted" round "$c" c1
done
expect_pass "new TCP connection lgwan -> relay v4 with relay's interfaces unlisted" \
	client new-tcp4c "$NS_LG" tcpclient "$LG4B" 0 "$RL_VB4" 3389
expect_pass "... round" round new-tcp4c c1
expect_pass "relay -> lgwan smtp v4 from a zone without interfaces" \
	tcp_ok "$NS_RL" "$RL_SAN4" "$LG4" 25
expect_pass "a reply with relay's address from the internet side passes (no interfaces: no spoof check)" \
	forged_reply u4 "$NS_IN" "$RL_VB4" "$LG4B" 40100 forged-noif
expect_eq "... not counted" 5 "$(spoof_est)"
expect_pass "lgwan's addresses are still checked: forged packet in the flow's direction sent" \
	forge "$NS_IN" "$LG4B" 40100 "$RL_VB4" 3395 forged-orig4c
expect_block "... and dropped" arrived "$ZG_TMP/srv-u4.log" forged-orig4c
expect_eq "... and counted" 6 "$(spoof_est)"

expect_pass "zonegated stops" daemon_stop
expect_pass "no violation disagreed with the configuration" \
	grep -q 'violations-total .* disagree=0' "$DAEMON_LOG"

finish
