#!/bin/bash
# reload_interrupted.sh - a reload of an existing table takes two
# transactions (daemon/nft.c: the first stages the new interval sets and
# maps, filled, under names of their own; the second puts the new rules in
# force).  A daemon killed between them (ZONEGATED_FAULT=kill:staged: it
# sends itself SIGKILL right after the first commit) leaves the old ruleset
# in force, complete, plus staged sets that no rule uses: `zonegatectl
# verify` finds the old configuration in sync, traffic follows the old
# policy, and a restarted daemon removes the staged sets and applies the
# new one; the set names then alternate between the compiled names and
# ".1" ones, never more.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

CONF=$ZG_TMP/zonegate.conf A=$ZG_TMP/a.conf B=$ZG_TMP/b.conf
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/ctl.sock\";|" \
	"$ZG_SEED_CONF" >"$A"
# B: the seed plus mail to the relay's other host
sed 's|^policy = (|policy = (\n  { from = "internet"; to = "relay"; services = [ "smtp" ]; to_hosts = [ "10.30.0.99" ]; },|' \
	"$A" >"$B"
for c in "$A" "$B"; do enf_conf_ok "$c" || exit 1; done

permitted() { tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25; }
denied() { tcp_ok "$NS_LG" "$LG4B" "$IN4" 443; }
newflow() { tcp_ok "$NS_IN" "$IN4B" "$RL_OTHER4" 25; }	# permitted by B only
verify() { nsx "$NS_GW" "$ZG_CTL" -c "$1" verify; }
kernel_sets() { gw_nft list table inet zonegate | grep -cE '^[[:space:]]*(set|map) '; }
staged_sets() { gw_nft list table inet zonegate | grep -cE '^[[:space:]]*(set|map) [^ ]+\.[0-9]+ \{'; }
compiled_sets() { "$ZG_CTL" -c "$1" check --dump | grep -cE '^[[:space:]]*(set|map) '; }

cp "$A" "$CONF"
# a new table takes one transaction: the fault is not reached at start
ZONEGATED_FAULT=kill:staged daemon_start "$CONF" || { echo "start failed"; exit 1; }
expect_pass "zonegated starts with A (one transaction, no staging)" daemon_log_wait applied 5
expect_eq "A's sets carry their compiled names" 0 "$(staged_sets)"

# --- the reload to B dies between its two transactions
cp "$B" "$CONF"
{	# (bash's own "Killed" notice is not the test's output)
	kill -HUP "$DAEMON_PID"
	for i in $(seq 100); do daemon_alive || break; sleep 0.05; done
	wait "$DAEMON_PID"
	rc=$?
} 2>/dev/null
DAEMON_PID=
rm -f "$ZG_TMP/daemon.pid"
expect_eq "the daemon killed itself after staging (SIGKILL)" 137 "$rc"
expect_block "... before anything was applied" grep -q 'applied .* 5 policy entries' "$DAEMON_LOG"
n=$(staged_sets)
echo "# staged sets left in the table: $n (of $(kernel_sets))"
expect_pass "the staged sets are in the table, unused ($n)" test "$n" -gt 0
out=$(verify "$A")
echo "$out" | sed 's/^/# /'
expect_pass "verify: the kernel holds A, complete" verify "$A"
expect_pass "verify: ... and says it ignored the unused sets" \
	grep -q "set(s) no rule uses" <<<"$out"
expect_block "verify: not B" verify "$B"
expect_pass "A's permitted mail passes" permitted
expect_async block "A's denied flow stays blocked" denied
expect_async block "B's new flow is not permitted yet" newflow
expect_collect

# --- restarted with B: the staged sets go, B is applied
daemon_start "$CONF" || { echo "restart failed"; exit 1; }
expect_pass "restarted, B applied" daemon_log_wait applied 5
expect_pass "verify: the kernel holds B" verify "$B"
expect_eq "the table holds B's sets, no more" "$(compiled_sets "$B")" "$(kernel_sets)"
expect_eq "... the zone map under its '.1' name (staged again, not left over)" \
	1 "$(gw_nft list table inet zonegate | grep -cE '^[[:space:]]*map zsrc4\.1 ')"
expect_pass "B's new flow passes" newflow
expect_pass "B's permitted mail passes" permitted
expect_block "B's denied flow stays blocked" denied

# --- the next reload takes the compiled names again
cp "$A" "$CONF"
expect_pass "reload to A applied" daemon_reload applied
expect_eq "the names alternate: back to the compiled ones" 0 "$(staged_sets)"
expect_eq "the table holds A's sets, no more" "$(compiled_sets "$A")" "$(kernel_sets)"
expect_pass "verify: the kernel holds A" verify "$A"
expect_block "B's new flow is blocked again" newflow
finish
