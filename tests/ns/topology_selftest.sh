#!/bin/bash
# topology_selftest.sh - proves tests/ns/lib.bash without zonegated: with no
# firewall in the gateway every probe gets through; with a plain drop-all
# forward chain (in the gateway namespace only) the same probes report
# "blocked"; the daemon helpers are exercised against a stand-in daemon.
. "$(dirname "$0")/lib.bash"

topo_up || { echo "topo_up failed"; exit 1; }

# probes V: tcp/udp/icmp from the LGWAN host to the relay and from the
# internet host to the relay, for IP version V.
probe_all() {	# probe_all EXPECT WORD (EXPECT: e.g. expect_pass, "expect_async block")
	local expect=$1 word=$2 v lg in rl_vb rl_san
	for v in 4 6; do
		if [ "$v" = 4 ]; then
			lg=$LG4B in=$IN4 rl_vb=$RL_VB4 rl_san=$RL_SAN4
		else
			lg=$LG6B in=$IN6 rl_vb=$RL_VB6 rl_san=$RL_SAN6
		fi
		$expect "$word: tcp  v$v lgwan -> relay"    tcp_ok  "$NS_LG" "$lg" "$rl_vb" 3389
		$expect "$word: udp  v$v lgwan -> relay"    udp_ok  "$NS_LG" "$lg" "$rl_vb" 3389
		$expect "$word: icmp v$v lgwan -> relay"    icmp_ok "$NS_LG" "$lg" "$rl_vb"
		$expect "$word: tcp  v$v internet -> relay" tcp_ok  "$NS_IN" "$in" "$rl_san" 25
		$expect "$word: udp  v$v internet -> relay" udp_ok  "$NS_IN" "$in" "$rl_san" 25
		$expect "$word: icmp v$v internet -> relay" icmp_ok "$NS_IN" "$in" "$rl_san"
	done
}

# --- the topology itself
expect_eq "ns_of finds the sanitiser's namespace" "$NS_RL" "$(ns_of "$RL_SAN6")"
expect_eq "ns_of finds the farther internet address" "$NS_IN" "$(ns_of "$IN4B")"
expect_pass "gateway forwards IPv4" \
	test "$(nsx "$NS_GW" cat /proc/sys/net/ipv4/ip_forward)" = 1
expect_pass "mynumber -> lgwan (mail server), v6" icmp_ok "$NS_MN" "$MN6" "$LG6"
expect_pass "relay -> farther internet address, v4" tcp_ok "$NS_RL" "$RL_VB4" "$IN4B" 443
expect_pass "relay -> farther internet address, v6" tcp_ok "$NS_RL" "$RL_VB6" "$IN6B" 443
tcp_ok "$NS_LG" "$LG4" 192.0.2.77 80 2>/dev/null
expect_eq "unknown destination is a harness error (2), not 'blocked'" 2 "$?"

# --- open path
probe_all expect_pass open
expect_pass "open: spoofed lgwan source v4 reaches the relay" \
	spoof_udp "$NS_IN" "$LG4" "$RL_OTHER4" 5000
expect_pass "open: spoofed lgwan source v6 reaches the relay" \
	spoof_udp "$NS_IN" "$LG6" "$RL_OTHER6" 5000
expect_pass "open: forged address removed again" \
	sh -c "! ip -n $NS_IN -o addr show | grep -q ' $LG4/'"
expect_pass "open: hping3 -a spoof reaches the relay" \
	spoof_hping "$NS_IN" "$LG4B" "$RL_OTHER4" 5001

udp_count_start "$NS_RL" 6000
sent=$(udp_flood "$NS_IN" "$IN4" "$RL_OTHER4" 6000 2000 3 20000)
sent6=$(udp_flood "$NS_IN" "$IN6" "$RL_OTHER6" 6000 500 3 20000)
got=$(udp_count_stop)
expect_eq "open: flood v4 sent all" 2000 "$sent"
expect_eq "open: flood v6 sent all" 500 "$sent6"
expect_eq "open: counter saw every datagram" $((sent + sent6)) "$got"
expect_eq "open: counter per source (v6)" "$sent6" "$(udp_count_src "$IN6")"

udp_count_start "$NS_RL" 6001
hping_flood "$NS_IN" "$RL_OTHER4" 6001 0.5
got=$(udp_count_stop)
expect_pass "open: hping3 flood (0.5 s) arrives ($got datagrams)" test "${got:-0}" -gt 0

# --- blocked path: a plain drop-all forward chain, in the gateway only
# (the chain is not called "fwd": that is a keyword to nft 1.0.6)
gw_nft add table inet selftest
gw_nft add chain inet selftest forward_drop '{ type filter hook forward priority 0; policy drop; }'
# the same probes, run side by side (each waits its 1 s for nothing)
probe_all "expect_async block" blocked
expect_collect
expect_block "blocked: spoofed lgwan source v4" \
	spoof_udp "$NS_IN" "$LG4" "$RL_OTHER4" 5000
expect_block "blocked: hping3 -a spoof" \
	spoof_hping "$NS_IN" "$LG4B" "$RL_OTHER4" 5002
udp_count_start "$NS_RL" 6002
udp_flood_start "$NS_IN" "$IN4" "$RL_OTHER4" 6002 300 2
sent=$(udp_flood_wait)
got=$(udp_count_stop)
expect_eq "blocked: background flood sent all" 300 "$sent"
expect_eq "blocked: counter saw none" 0 "$got"
expect_pass "the gateway's own traffic is not forwarded, still allowed" \
	icmp_ok "$NS_GW" "$GW_RL4" "$RL_SAN4"

gw_nft delete table inet selftest
expect_async pass "reopened: tcp v4 lgwan -> relay" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389
expect_async pass "reopened: udp v6 internet -> relay" udp_ok "$NS_IN" "$IN6" "$RL_SAN6" 25
expect_async pass "reopened: icmp v6 internet -> relay" icmp_ok "$NS_IN" "$IN6" "$RL_SAN6"
expect_collect

# --- the daemon helpers, against a stand-in (zonegated is not written yet)
fake=$ZG_TMP/fake-zonegated
cat >"$fake" <<'EOF'
#!/bin/bash
# stand-in: -f -c CONF; makes the table, "reloads" on HUP, removes it on TERM
echo "zonegated: starting with $3" >&2
sleep 0.3
nft add table inet zonegate || exit 1
echo "zonegated: ruleset applied" >&2
trap 'echo "zonegated: SIGHUP, reloading" >&2; sleep 0.3; echo "zonegated: reload done, ruleset applied" >&2' HUP
trap 'nft delete table inet zonegate; echo "zonegated: exiting" >&2; exit 0' TERM
while :; do sleep 0.1; done
EOF
printf '#!/bin/sh\necho "zonegated: bad config" >&2\nexit 3\n' >"$fake-bad"
chmod +x "$fake" "$fake-bad"

ZONEGATED=$fake-bad
expect_block "daemon_start reports a daemon that exits" daemon_start "$ZG_SEED_CONF"
ZONEGATED=$fake
expect_pass "daemon_start waits for table inet zonegate" daemon_start "$ZG_SEED_CONF"
expect_pass "the table is in the gateway namespace" gw_nft list table inet zonegate
expect_block "... and not in a host namespace" nsx "$NS_RL" nft list table inet zonegate
expect_pass "daemon_reload waits for 'reload done'" daemon_reload 'reload done'
expect_pass "the log shows the HUP line too" daemon_log_wait 'SIGHUP' 1
expect_block "daemon_log_wait times out on a line that never comes" \
	daemon_log_wait 'no such line' 1
expect_pass "daemon_reload with the default regex" daemon_reload
expect_pass "... returned on the 'applied' line, not on 'reloading'" \
	grep -q 'applied' <(tail -n 1 "$DAEMON_LOG")
expect_pass "daemon_stop: SIGTERM, exit status 0" daemon_stop
expect_block "the stand-in removed its table" gw_nft list table inet zonegate

finish
