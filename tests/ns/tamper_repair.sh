#!/bin/bash
# tamper_repair: changes to our table by another process (run with
# table_owner = false, so that the kernel lets them through) are detected
# from the nftables events, alerted with the committing command's pid and
# name, and repaired within a second, so denied traffic stays denied; with
# repair = false they are alerted only. The change made while the daemon
# is down is found at start.
. "$(dirname "$0")/syslog.bash"
. "$(dirname "$0")/lib.bash"
zg_user_cleanup() { zg_syslog_cleanup; }
syslog_start || exit 1
topo_up
conf=$ZG_TMP/zonegate.conf
mkconf() {	# mkconf REPAIR
	sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  table_owner = false;\n  repair = $1;\n  control_socket = \"$ZG_TMP/ctl.sock\";|" \
		conf/zonegate.conf >"$conf"
}
denied() { expect_block "$1: lgwan -> web still denied" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443; }
alerted() {	# alerted CHANGE
	syslog_wait "alert reason=tamper table=zonegate by_pid=[0-9]+ by_comm=nft change=$1\$" 3
	expect_pass "alert for $1 names pid and command" grep -qE \
		"^daemon\.alert zonegated: alert reason=tamper table=zonegate by_pid=[1-9][0-9]* by_comm=nft change=$1\$" \
		"$SYSLOG_FILE"
}

mkconf true
daemon_start "$conf" || finish
daemon_log_wait applied 5
expect_pass "before: mail into the sanitiser passes" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
denied before

gw_nft insert rule inet zonegate forward accept
alerted rule-added
sleep 1
denied "accept rule inserted"

gw_nft delete element inet zonegate acc_internet_relay_4th1 '{ tcp . 25 . 10.30.0.25 }'
alerted set-element-removed
sleep 1
expect_pass "element removed: permitted mail restored" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25

gw_nft add element inet zonegate acc_lgwan_relay_4th1 '{ tcp . 22 . 10.30.0.99 }'
alerted set-element-added

gw_nft add chain inet zonegate forward '{ policy accept; }'
alerted chain-changed
sleep 1
expect_pass "chain policy is drop again" \
	bash -c "ip netns exec $NS_GW nft list chain inet zonegate forward | grep -q 'policy drop'"

gw_nft delete table inet zonegate
alerted table-deleted
sleep 1
expect_pass "table deleted: it is back" gw_nft list table inet zonegate
denied "table deleted"
expect_pass "status shows the tamper events" \
	bash -c "./zonegatectl -c $conf status | grep -Eq '^tamper_events +[5-9]'"

# alert only
mkconf false
daemon_reload applied 5
gw_nft insert rule inet zonegate forward ip daddr 198.51.100.7 accept
syslog_wait 'change=rule-added$' 3
expect_eq "repair = false: two rule-added alerts in all" 2 \
	"$(grep -c 'change=rule-added$' "$SYSLOG_FILE")"
sleep 1
expect_pass "repair = false: the change stays" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
expect_pass "repair = false: status shows the drift" \
	bash -c "./zonegatectl -c $conf status | grep -Eq '^drift +true'"

# changed while the daemon was down: found at start and taken over
mkconf true
daemon_reload applied 5
daemon_stop
gw_nft insert rule inet zonegate forward accept
daemon_start "$conf" || finish
syslog_wait 'change=modified-while-down$' 5
expect_pass "a change made while down is found at start" \
	grep -q 'by_pid=0 by_comm=- change=modified-while-down$' "$SYSLOG_FILE"
denied "after the restart"
finish
