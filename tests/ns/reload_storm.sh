#!/bin/bash
# reload_storm.sh - 1,000 reloads while two floods run against two denied
# flows: UDP from an lgwan host to an internet host (lgwan is split from
# internet) and TCP SYNs from the internet host to a mynumber host (mynumber
# is isolated), each from its own namespace, bounded in rate, count and
# time.  The reloads alternate between two policies that both deny the two
# flows but differ (an extra permit entry and an extra lgwan network, so
# the pair sets and the zone maps change with every reload), as fast as the
# daemon applies them: SIGHUP, then the "applied" line (tests/ns/reloads.py).
#
# Afterwards: every reload was applied, in alternation, with a rising
# generation; nothing of either flood reached its receiver (counted by the
# kernel in the receiving namespace, and by a UDP receiver); the gateway's
# per-pair deny counters counted every packet of each flood, and none was
# dropped as "unknown-zone" (a reload's new rules never met incomplete zone
# maps); the daemon is still running, answers status, is in sync, and
# `zonegatectl verify` finds the kernel holding the last policy.  Prints the
# reload rate.
#
# Honesty: then a third policy that permits the UDP flow is loaded, and the
# same flood is counted at the receiver.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

N=${ZG_STORM_RELOADS:-1000}
MAXSEC=75		# bound of the reloads; the floods stop when they end
RATE_UDP=2000		# datagrams a second
RATE_SYN=2000		# SYNs a second (hping3 -i u500)
U_SRC=$LG4 U_DST=$IN4 U_PORT=9999
T_SRC=$IN4 T_DST=$MN4 T_PORT=445
SOCK=$ZG_TMP/ctl.sock
CONF=$ZG_TMP/storm.conf
A=$ZG_TMP/a.conf B=$ZG_TMP/b.conf OPEN=$ZG_TMP/open.conf

# A: the seed, with a control socket of this run
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$SOCK\";|" \
	"$ZG_SEED_CONF" >"$A"
# B: A plus one permit entry and one more lgwan network
sed -e 's|^policy = (|policy = (\n  { from = "relay"; to = "internet"; services = [ "tcp/8443" ]; from_hosts = [ "10.30.0.40" ]; },|' \
    -e 's|networks = \[ "10.20.0.0/16", "fd00:20::/48" \]|networks = [ "10.20.0.0/16", "10.21.0.0/16", "fd00:20::/48" ]|' \
	"$A" >"$B"
# OPEN: lgwan no longer split from internet, and udp/9999 permitted
sed -e 's|split_from = \[ "internet" \];||' \
    -e 's|^policy = (|policy = (\n  { from = "lgwan"; to = "internet"; services = [ "udp/9999" ]; },|' \
	"$A" >"$OPEN"
for c in "$A" "$B" "$OPEN"; do enf_conf_ok "$c" || exit 1; done
dump_has() { "$ZG_CTL" -c "$1" check --dump | grep -qF -- "$2"; }
expect_pass "B's zone maps differ from A's (lgwan holds 10.21.0.0/16)" \
	dump_has "$B" "10.20.0.0-10.21.255.255 : goto src_lgwan"
expect_block "... A's do not" dump_has "$A" "10.20.0.0-10.21.255.255 : goto src_lgwan"
expect_pass "B has a set A has not (relay -> internet tcp/8443)" dump_has "$B" "tcp . 8443"
expect_block "... A has not" dump_has "$A" "tcp . 8443"
for c in "$A" "$B"; do
	expect_block "explain $(basename "$c"): udp lgwan -> internet denied" \
		"$ZG_CTL" -c "$c" explain udp "$U_SRC" "$U_DST" "$U_PORT"
	expect_block "explain $(basename "$c"): tcp internet -> mynumber denied" \
		"$ZG_CTL" -c "$c" explain tcp "$T_SRC" "$T_DST" "$T_PORT"
done
expect_pass "explain open.conf: udp lgwan -> internet permitted" \
	"$ZG_CTL" -c "$OPEN" explain udp "$U_SRC" "$U_DST" "$U_PORT"

cp "$A" "$CONF"
expect_pass "zonegated starts with policy A" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
pid=$DAEMON_PID

# the receivers: the kernel of each receiving namespace counts what arrives
# (before any socket could lose it), and a UDP receiver counts datagrams
rx_watch "$NS_IN" storm_udp ip saddr "$U_SRC" udp dport "$U_PORT" || exit 1
rx_watch "$NS_MN" storm_syn ip saddr "$T_SRC" tcp dport "$T_PORT" || exit 1
udp_count_start "$NS_IN" "$U_PORT" || exit 1
d_udp0=$(enf_counter deny_lgwan_internet)
d_syn0=$(enf_counter deny_internet_mynumber)
unk0=$(enf_counter unknown_forward)

enf_flood_start "$NS_LG" "$U_SRC" "$U_DST" "$U_PORT" "$RATE_UDP" $((MAXSEC + 5)) || exit 1
enf_hping_start syn "$NS_IN" $((MAXSEC + 5)) -q -S -p "$T_PORT" \
	-i u$((1000000 / RATE_SYN)) -c $((RATE_SYN * (MAXSEC + 5))) "$T_DST"
sleep 0.3
out=$(enf_reloads "$N" "$MAXSEC" "$CONF" "$B" "$A")
echo "$out" | sed 's/^/# /'
expect_pass "the UDP flood was still running when the reloads ended" enf_flood_running
expect_pass "the SYN flood was still running when the reloads ended" enf_hping_running syn
sleep 0.2
sent_udp=$(enf_flood_stop)
sent_syn=$(enf_hping_stop syn)
sleep 0.3
got_udp=$(udp_count_stop)
rx_udp=$(rx_count "$NS_IN" storm_udp)
rx_syn=$(rx_count "$NS_MN" storm_syn)
d_udp=$(( $(enf_counter deny_lgwan_internet) - d_udp0 ))
d_syn=$(( $(enf_counter deny_internet_mynumber) - d_syn0 ))
unk=$(( $(enf_counter unknown_forward) - unk0 ))
secs=$(enf_field "$out" seconds)
echo "# $N reloads in $secs s: $(enf_field "$out" rate) reloads/s" \
     "(generation $(enf_field "$out" gen_first) -> $(enf_field "$out" gen_last))"
echo "# udp lgwan->internet: sent $sent_udp, arrived ${rx_udp:-?} (receiver: $got_udp), denied by the gateway $d_udp"
echo "# tcp syn internet->mynumber: sent $sent_syn, arrived ${rx_syn:-?}, denied by the gateway $d_syn"
echo "# unknown-zone drops during the storm: $unk"

expect_eq "all $N reloads applied" "$N" "$(enf_field "$out" applied)"
expect_eq "no reload failed" 0 "$(enf_field "$out" failed)"
expect_eq "they alternated: policy B applied $((N / 2)) times" "$((N / 2))" \
	"$(awk '$1 == "conf" && $2 == 1 { print $4 }' <<<"$out")"
expect_eq "the generation rose with every reload" yes "$(enf_field "$out" gen_monotonic)"
expect_pass "the UDP flood sent at least $((RATE_UDP / 2)) datagrams a second of the storm ($sent_udp)" \
	test "${sent_udp:-0}" -ge "$(awk -v s="$secs" -v r=$RATE_UDP 'BEGIN { printf "%d", s * r / 2 }')"
expect_pass "the SYN flood sent at least $((RATE_SYN / 2)) SYNs a second of the storm ($sent_syn)" \
	test "${sent_syn:-0}" -ge "$(awk -v s="$secs" -v r=$RATE_SYN 'BEGIN { printf "%d", s * r / 2 }')"
expect_eq "udp: nothing arrived in the internet namespace" 0 "${rx_udp:-missing}"
expect_eq "udp: the receiver counted nothing" 0 "$got_udp"
expect_eq "syn: nothing arrived in the mynumber namespace" 0 "${rx_syn:-missing}"
expect_eq "udp: deny_lgwan_internet counted every datagram" "$sent_udp" "$d_udp"
expect_eq "syn: deny_internet_mynumber counted every SYN" "$sent_syn" "$d_syn"
expect_eq "no packet was dropped as unknown-zone (unknown_forward)" 0 "$unk"
expect_block "the log has no unknown-zone violation" \
	grep -q 'reason=unknown-zone' "$DAEMON_LOG"
expect_pass "the daemon is still running (same pid)" \
	sh -c "[ '$DAEMON_PID' = '$pid' ] && kill -0 '$pid'"
st=$("$ZG_CTL" -s "$SOCK" status 2>&1)
expect_pass "it answers status" test -n "$(enf_field "$st" pid)"
expect_eq "status: in sync" true "$(enf_field "$st" in_sync)"
expect_eq "status: no reload failed" 0 "$(enf_field "$st" reload_failures)"
expect_pass "status: the reloads counted ($(enf_field "$st" reloads))" \
	test "$(enf_field "$st" reloads)" -ge "$N"
expect_eq "status: every violation agreed with the policy engine" 0 \
	"$(enf_field "$st" disagree)"
expect_pass "verify: the kernel holds the last policy (A)" \
	nsx "$NS_GW" "$ZG_CTL" -c "$CONF" verify

# --- the proof: the same flood is counted when the policy permits it
cp "$OPEN" "$CONF"
expect_pass "reload to the permitting policy applied" daemon_reload applied
udp_count_start "$NS_IN" "$U_PORT" || exit 1
enf_flood_start "$NS_LG" "$U_SRC" "$U_DST" "$U_PORT" "$RATE_UDP" 2 || exit 1
sleep 1
sent=$(enf_flood_stop)
sleep 0.3
got=$(udp_count_stop)
echo "# permitted: flood sent $sent, receiver counted $got"
expect_pass "permitted: the flood sent datagrams ($sent)" test "${sent:-0}" -ge $((RATE_UDP / 2))
expect_pass "permitted: the receiver counted (nearly) all of them ($got of $sent)" \
	test "${got:-0}" -ge $((sent * 95 / 100))
expect_eq "permitted: all from the lgwan host" "$got" "$(udp_count_src "$U_SRC")"

finish
