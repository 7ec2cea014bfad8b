#!/bin/bash
# violations_injection: names and prefixes an attacker or another process
# controls cannot forge a log line or put a control character into one.
# - a packet arriving on an interface whose name holds an escape sequence
#   is logged with the name escaped;
# - another table logging to our NFLOG group with a prefix that carries a
#   newline and a fake violation is counted as skipped, never written.
. "$(dirname "$0")/syslog.bash"
. "$(dirname "$0")/lib.bash"
EV=$'ev\x1b[1m'
zg_user_cleanup() {
	ip netns del "$P-ev" 2>/dev/null
	zg_syslog_cleanup
}

syslog_start || exit 1
topo_up
conf=$ZG_TOP/tests/ns/conf/violations.conf
ip netns add "$P-ev"
ip -n "$NS_GW" link add name "$EV" type veth peer name eth0 netns "$P-ev"
ip -n "$NS_GW" addr add 10.99.0.1/24 dev "$EV"
ip -n "$NS_GW" link set "$EV" up
ip -n "$P-ev" addr add 10.99.0.2/24 dev eth0
ip -n "$P-ev" link set eth0 up
ip -n "$P-ev" link set lo up
ip -n "$P-ev" route add default via 10.99.0.1
daemon_start "$conf" || finish
daemon_log_wait applied 5

# an LGWAN address from the escape-named interface: spoofed
host_addr_add "$P-ev" 10.20.66.6
udp_send "$P-ev" 10.20.66.6 "$RL_VB4" 3389 tok1

# another table writes to our group with a forged prefix
gw_nft add table inet intruder
gw_nft add chain inet intruder c '{ type filter hook forward priority -10; policy accept; }'
gw_nft add rule inet intruder c udp dport 7777 log group 7 prefix \
	"\"zg policy lgwan relay$(printf '\n')violation reason=fake\""
expect_pass "the forged prefix is in the other table" \
	bash -c "ip netns exec '$NS_GW' nft list table inet intruder | grep -q 'reason=fake'"
udp_send "$NS_LG" "$LG4B" "$RL_OTHER4" 7777 tok2

syslog_wait 'dport=7777' 5
sleep 1
daemon_stop
syslog_wait 'violations-total' 5
expect_pass "the spoofed packet's line has the name escaped" grep -qF \
	'reason=spoof src_zone=lgwan dst_zone=relay proto=udp src=10.20.66.6' "$SYSLOG_FILE"
expect_pass "... as in=ev\\x1b[1m" grep -qF ' in=ev\x1b[1m out=rl0 count=1' "$SYSLOG_FILE"
expect_block "no raw escape byte in the log" grep -q $'\x1b' "$SYSLOG_FILE"
expect_block "the fake violation never appears" grep -q 'reason=fake' "$SYSLOG_FILE"
expect_eq "our own line for the denied 7777 packet is there, once" 1 \
	"$(grep -c 'reason=policy src_zone=lgwan dst_zone=relay proto=udp src=10.20.3.4 .*dport=7777' "$SYSLOG_FILE")"
expect_pass "the forged record was counted as skipped" \
	grep -qE 'violations-total .* skipped=1 ' "$SYSLOG_FILE"
finish
