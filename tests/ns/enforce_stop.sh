#!/bin/bash
# enforce_stop.sh - SIGTERM with the default on_stop ("keep") leaves table
# inet zonegate in place and the gateway filtering (fail closed): denied
# flows stay blocked, permitted ones pass, the exit status is 0.  With
# on_stop = "flush" the table is removed and nothing else is: the rest of
# the gateway's ruleset (another process's tables) is byte-identical, and
# traffic is no longer filtered by zonegate.
#
# Honesty: the denied probes pass with no firewall; the unchanged-ruleset
# comparison is shown to notice a change.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

denied1() { tcp_ok "$NS_LG" "$LG4B" "$IN4B" 443; }	# split
denied2() { udp_ok "$NS_MN" "$MN4" "$RL_VB4" 3389; }	# isolated
denied3() { tcp_ok "$NS_IN" "$IN6B" "$LG6" 25; }	# v6
permitted() { tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389; }

expect_pass "open: lgwan -> internet tcp/443 passes with no firewall" denied1
expect_pass "open: mynumber -> relay udp/3389 passes with no firewall" denied2
expect_pass "open: internet -> lgwan tcp/25 (v6) passes with no firewall" denied3

# --- on_stop keep (the default)
CONF=$ZG_TMP/stop.conf
cp "$ZG_SEED_CONF" "$CONF"
expect_pass "zonegated starts with the seed" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
before=$(enf_table_canon)
pid=$DAEMON_PID
daemon_log_mark >/dev/null
daemon_stop
expect_eq "keep: SIGTERM, exit status 0" 0 "$?"
expect_block "keep: the daemon is gone" kill -0 "$pid"
expect_pass "keep: the log says the table stays in force" \
	sh -c "tail -n +$((ZG_LOG_MARK + 1)) '$DAEMON_LOG' | grep -q 'stays in force'"
expect_pass "keep: table inet zonegate is still there" gw_nft list table inet zonegate
expect_eq "keep: with the same ruleset" "$before" "$(enf_table_canon)"
expect_async block "keep: lgwan -> internet still blocked" denied1
expect_async block "keep: mynumber -> relay still blocked" denied2
expect_async block "keep: internet -> lgwan (v6) still blocked" denied3
expect_collect
expect_pass "keep: lgwan -> virtual browser rdp still passes" permitted
gw_nft delete table inet zonegate

# --- on_stop flush, next to another process's tables
gw_nft -f - <<'EOF' || { echo "cannot create the other tables"; exit 1; }
table inet other {
	set s { type ipv4_addr; elements = { 1.2.3.4 } }
	chain c { type filter hook forward priority 10; policy accept; }
}
table ip other2 {
	chain c { type filter hook input priority 5; policy accept; }
}
EOF
rules_before=$(gw_nft -a list ruleset)
gw_nft add element inet other s '{ 5.6.7.8 }'
expect_pass "the ruleset comparison notices a one-element change" \
	test "$rules_before" != "$(gw_nft -a list ruleset)"
gw_nft delete element inet other s '{ 5.6.7.8 }'
expect_eq "... and undoing it restores it" "$rules_before" "$(gw_nft -a list ruleset)"

sed 's|^zonegate = {|zonegate = {\n  on_stop = "flush";|' "$ZG_SEED_CONF" >"$CONF"
enf_conf_ok "$CONF" || exit 1
expect_pass "zonegated (on_stop flush) starts" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_block "flush: running, lgwan -> internet blocked" denied1
expect_eq "flush: while running, the rest of the ruleset is untouched" \
	"$rules_before" "$(enf_ruleset_except zonegate)"
daemon_log_mark >/dev/null
daemon_stop
expect_eq "flush: SIGTERM, exit status 0" 0 "$?"
expect_pass "flush: the log says the table was removed" \
	sh -c "tail -n +$((ZG_LOG_MARK + 1)) '$DAEMON_LOG' | grep -q 'removed'"
expect_block "flush: table inet zonegate is gone" gw_nft list table inet zonegate
expect_eq "flush: the rest of the ruleset is byte-identical (handles included)" \
	"$rules_before" "$(gw_nft -a list ruleset)"
expect_pass "flush: no zonegate filtering any more (lgwan -> internet passes)" denied1
expect_pass "flush: mynumber -> relay passes" denied2

finish
