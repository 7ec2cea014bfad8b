#!/bin/bash
# concurrent_writer: another process commits between the daemon's reading
# of the ruleset generation and its commit. The kernel refuses the daemon's
# batch (ERESTART, the generation it carries is stale), the daemon reads
# again and retries, and the result is the complete new ruleset. The pause
# is the ZONEGATED_FAULT=pause:MS injection point (the window is otherwise
# microseconds wide).
. "$(dirname "$0")/lib.bash"
topo_up
conf=$ZG_TMP/zonegate.conf
cp conf/zonegate.conf "$conf"
ZONEGATED_FAULT=pause:1500 daemon_start "$conf" || finish
daemon_log_wait applied 5
# the reload pauses 1.5 s before its commit; commit something else meanwhile
sed -i 's|^policy = (|policy = (\n  { from = "lgwan"; to = "relay"; services = [ "tcp/8080" ]; to_hosts = [ "10.30.0.99" ]; },|' "$conf"
mark=$(daemon_log_mark)
kill -HUP "$DAEMON_PID"
sleep 0.5
gw_nft add table inet bystander
daemon_log_wait 'applied.*\(retried\)' 8 "$mark"
expect_pass "the reload was retried after the other commit" \
	bash -c "tail -n +$((mark + 1)) '$DAEMON_LOG' | grep -q 'applied.*(retried)'"
expect_pass "the other process's table is there" gw_nft list table inet bystander
expect_pass "the new entry is in force" tcp_ok "$NS_LG" "$LG4B" "$RL_OTHER4" 8080
expect_block "the rest of the policy too" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
expect_pass "permitted mail still passes" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
n=$(gw_nft -a list table inet zonegate | grep -c 'handle')
expect_pass "one complete table ($n objects)" test "$n" -gt 100
finish
