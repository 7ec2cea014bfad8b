#!/bin/bash
# violations_reload_counts: a reload that removes a zone pair (and so its
# kernel counter) keeps the totals exact: what the old table counted is
# carried over, nothing goes backwards.
. "$(dirname "$0")/syslog.bash"
. "$(dirname "$0")/lib.bash"
zg_user_cleanup() { zg_syslog_cleanup; }
syslog_start || exit 1
topo_up
conf=$ZG_TMP/zonegate.conf
cp conf/zonegate.conf "$conf"
cat >>"$conf" <<'EOC'
policy2 = 0;
EOC
# the seed plus an lgwan -> gateway entry, so relay -> gateway is a pair
sed -i 's|^policy2 = 0;$||; s|^policy = (|policy = (\n  { from = "lgwan"; to = "gateway"; services = [ "tcp/22" ]; },|' "$conf"
daemon_start "$conf" || finish
daemon_log_wait applied 5
for p in 2201 2202 2203; do
	udp_send "$NS_RL" "$RL_VB4" "$GW_RL4" "$p"
done
sleep 1
expect_eq "the pair's counter saw 3" 3 "$(gw_nft list counter inet zonegate deny_relay_gateway | awk '/^[ \t]*packets [0-9]/ { print $2 }')"
cp conf/zonegate.conf "$conf"		# the gateway pair goes away
daemon_reload applied 5
expect_block "the pair's counter is gone" gw_nft list counter inet zonegate deny_relay_gateway
udp_send "$NS_LG" "$LG4B" "$IN4" 9
sleep 1
daemon_stop
syslog_wait 'violations-total' 5
total=$(grep 'violations-total' "$SYSLOG_FILE" | tail -1)
echo "# $total"
expect_pass "kernel_denied counts both tables (4)" grep -q ' kernel_denied=4 ' <<<"$total"
expect_pass "logged 4" grep -q ' logged=4 ' <<<"$total"
expect_pass "nothing unlogged (no wrap-around)" grep -q ' kernel_dropped_unlogged=0 ' <<<"$total"
finish
