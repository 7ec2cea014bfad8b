#!/bin/bash
# enforce_atomic_reload.sh - reloads are atomic: while a UDP flood runs
# against a denied flow (lgwan host -> internet host udp/9999; lgwan is split
# from internet), 100 reloads alternate between two policies that both deny
# it (the seed, and the seed with one unrelated extra permit).  A reload that
# opened the gateway for a moment (table deleted and re-created, chains
# flushed before the new rules are in, ...) would let datagrams through: the
# counting receiver must see none.
#
# Honesty: afterwards a third policy that permits the flow is loaded and the
# same flood must be counted at the receiver.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

SRC=$LG4 DST=$IN4 PORT=9999
RATE=4000		# datagrams a second
MAXSEC=60		# bound of the flood; it is stopped when the reloads end
CONF=$ZG_TMP/atomic.conf
CONF1=$ZG_SEED_CONF
CONF2=$ZG_TMP/seed-plus.conf
CONF3=$ZG_TMP/seed-open.conf
sed 's|^policy = (|policy = (\n  { from = "relay"; to = "internet"; services = [ "tcp/8443" ]; from_hosts = [ "10.30.0.40" ]; },|' \
	"$CONF1" >"$CONF2"
# the third: lgwan no longer split from internet, and udp/9999 permitted
sed -e 's|split_from = \[ "internet" \];||' \
    -e 's|^policy = (|policy = (\n  { from = "lgwan"; to = "internet"; services = [ "udp/9999" ]; },|' \
	"$CONF1" >"$CONF3"
for c in "$CONF2" "$CONF3"; do enf_conf_ok "$c" || exit 1; done
expect_block "explain: the seed denies the flooded flow" \
	"$ZG_CTL" -c "$CONF1" explain udp "$SRC" "$DST" "$PORT"
expect_block "explain: the second policy denies it too" \
	"$ZG_CTL" -c "$CONF2" explain udp "$SRC" "$DST" "$PORT"
expect_pass "explain: the third policy permits it" \
	"$ZG_CTL" -c "$CONF3" explain udp "$SRC" "$DST" "$PORT"

cp "$CONF1" "$CONF"
expect_pass "zonegated starts with the seed" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5

udp_count_start "$NS_IN" "$PORT" || exit 1
enf_flood_start "$NS_LG" "$SRC" "$DST" "$PORT" "$RATE" "$MAXSEC" || exit 1
sleep 0.3
t0=$(date +%s.%N)
napplied=0
for i in $(seq 1 100); do
	if [ $((i % 2)) -eq 1 ]; then cp "$CONF2" "$CONF"; else cp "$CONF1" "$CONF"; fi
	daemon_reload applied 10 && napplied=$((napplied + 1))
done
t1=$(date +%s.%N)
expect_pass "the flood was still running when the 100th reload was done" enf_flood_running
sleep 0.2
sent=$(enf_flood_stop)
got=$(udp_count_stop)
echo "# 100 reloads in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s; flood sent $sent, receiver counted $got"
expect_eq "all 100 reloads applied" 100 "$napplied"
expect_eq "the reloads alternated: 50 applied the 5-entry policy" 50 \
	"$(grep -c 'applied .* 5 policy entries' "$DAEMON_LOG")"
expect_pass "the flood sent at least 5000 datagrams during the reloads ($sent)" \
	test "${sent:-0}" -ge 5000
expect_eq "the receiver counted none of them" 0 "$got"
# the flood did reach the gateway and was denied there: the documented
# per-pair counter deny_lgwan_internet (zonegated(8)) counted it
denied=$(gw_nft list counter inet zonegate deny_lgwan_internet |
	awk '$1 == "packets" { print $2 }')
expect_pass "the gateway's deny_lgwan_internet counter saw (nearly) every datagram (${denied:-none} of $sent)" \
	test "${denied:-0}" -ge $((sent * 95 / 100))

# --- the proof: the same flood is counted when the policy permits it
cp "$CONF3" "$CONF"
expect_pass "reload to the permitting policy applied" daemon_reload applied
udp_count_start "$NS_IN" "$PORT" || exit 1
enf_flood_start "$NS_LG" "$SRC" "$DST" "$PORT" "$RATE" 2 || exit 1
sleep 1
sent=$(enf_flood_stop)
sleep 0.2
got=$(udp_count_stop)
echo "# permitted: flood sent $sent, receiver counted $got"
expect_pass "permitted: the flood sent datagrams ($sent)" test "${sent:-0}" -ge 1000
expect_pass "permitted: the receiver counted (nearly) all of them ($got of $sent)" \
	test "${got:-0}" -ge $((sent * 95 / 100))
expect_eq "permitted: all from the lgwan host" "$got" "$(udp_count_src "$SRC")"

finish
