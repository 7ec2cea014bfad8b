#!/bin/bash
# kernel_reject: when the kernel refuses an object in the middle of the
# transaction, zonegated names that object and its config line, changes
# nothing at start (exit 1, no table), and keeps the running ruleset at
# reload. The refusal is provoked with the ZONEGATED_FAULT injection point
# (a set declared with a wrong key length), because a correct compiler gives
# the kernel nothing to refuse.
. "$(dirname "$0")/lib.bash"
topo_up

conf=$ZG_TMP/zonegate.conf
cp conf/zonegate.conf "$conf"
# a second version adds an entry whose set only it has: rej_lgwan_relay_4th9
cp conf/zonegate.conf "$ZG_TMP/with-reject.conf"
sed -i 's|^policy = (|policy = (\n  { from = "lgwan"; to = "relay"; services = [ "tcp/8443" ]; action = "reject"; },|' \
	"$ZG_TMP/with-reject.conf"
line=$(grep -n 'tcp/8443' "$ZG_TMP/with-reject.conf" | cut -d: -f1)

# 1. at start: exit status 1, the error names set and line, no table
ZONEGATED_FAULT=set:rej_lgwan_relay_4th9 ip netns exec "$NS_GW" ./zonegated -f \
	-c "$ZG_TMP/with-reject.conf" >"$ZG_TMP/start.log" 2>&1
expect_eq "start refused: exit status" 1 "$?"
expect_pass "start refused: error names the set and line $line" \
	grep -q "the kernel refused set rej_lgwan_relay_4th9 (with-reject.conf:$line): Invalid argument" "$ZG_TMP/start.log"
expect_block "start refused: no table was created" gw_nft list table inet zonegate

# 2. at reload: the running ruleset stays
ZONEGATED_FAULT=set:rej_lgwan_relay_4th9 daemon_start "$conf" || { finish; }
daemon_log_wait applied 5
before=$(gw_nft list table inet zonegate | sed -E 's/packets [0-9]+ bytes [0-9]+//')
expect_pass "before: permitted mail passes" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
cp "$ZG_TMP/with-reject.conf" "$conf"
daemon_reload "reload failed" 5
expect_pass "reload refused: error names the set and line" \
	grep -q "the kernel refused set rej_lgwan_relay_4th9 (zonegate.conf:$line)" "$DAEMON_LOG"
after=$(gw_nft list table inet zonegate | sed -E 's/packets [0-9]+ bytes [0-9]+//')
expect_eq "reload refused: ruleset unchanged" "$before" "$after"
expect_pass "reload refused: daemon alive" daemon_alive
expect_pass "after: permitted mail passes" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
expect_block "after: lgwan to the web still blocked" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
finish
