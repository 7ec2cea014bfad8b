#!/bin/bash
# enforce_kill9.sh - kill -9 of zonegated leaves its table in force (the
# table is created with the owner and persist flags: without "persist" the
# kernel would delete an owned table when its owner's socket closes, opening
# the gateway): a denied flow stays blocked, a permitted one still passes.  A
# restarted daemon takes the orphaned table over: it starts, logs "applied",
# the table is still there (one table, owned again) and a reload works.
#
# Honesty: the denied probe passes with no firewall; after the restart a
# reload to a policy that permits it makes it pass, proving the restarted
# daemon really governs the table.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

CONF=$ZG_TMP/kill9.conf
cp "$ZG_SEED_CONF" "$CONF"

deny() { tcp_ok "$NS_IN" "$IN4B" "$RL_OTHER4" 25; }	# seed: sanitiser only
permit() { tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25; }

expect_pass "open: internet -> relay other host smtp passes with no firewall" deny
expect_pass "zonegated starts with the seed" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_block "running: internet -> relay other host smtp blocked" deny
expect_pass "running: internet -> sanitiser smtp passes" permit
expect_pass "running: the table is owned (flags owner)" \
	sh -c "ip netns exec $NS_GW nft list table inet zonegate | grep -q 'flags owner'"
# the table without the ownership marks, in a canonical object order (a
# daemon that takes the table over re-creates its chains in another order)
before=$(enf_table_canon)
expect_pass "the canonical listing holds the whole table ($(grep -c . <<<"$before") lines)" \
	grep -q 'chain forward {' <<<"$before"

# --- kill -9
pid=$DAEMON_PID
kill -KILL "$pid"
wait "$pid" 2>/dev/null
DAEMON_PID=
rm -f "$ZG_TMP/daemon.pid"
expect_block "the daemon is gone" kill -0 "$pid"
sleep 0.5
expect_pass "after kill -9: table inet zonegate is still there" gw_nft list table inet zonegate
expect_eq "after kill -9: the table's contents are unchanged (owner flag aside)" \
	"$before" "$(enf_table_canon)"
expect_block "after kill -9: internet -> relay other host smtp still blocked" deny
expect_pass "after kill -9: internet -> sanitiser smtp still passes" permit
expect_block "after kill -9: lgwan -> internet still blocked (split)" \
	tcp_ok "$NS_LG" "$LG4B" "$IN4B" 443

# --- restart: the new daemon takes the table over
mark=$(daemon_log_mark)
expect_pass "restart: zonegated starts" daemon_start "$CONF"
expect_pass "restart: logs 'applied'" daemon_log_wait applied 5 "$mark"
expect_pass "restart: no 'not created by zonegate' refusal" \
	sh -c "! tail -n +$((mark + 1)) '$DAEMON_LOG' | grep -q 'not created by zonegate'"
sleep 0.3
expect_pass "restart: the daemon is still running" daemon_alive
expect_eq "restart: exactly one table in the gateway" "table inet zonegate" "$(gw_nft list tables)"
expect_pass "restart: the table is owned again (flags owner)" \
	sh -c "ip netns exec $NS_GW nft list table inet zonegate | grep -q 'flags owner'"
expect_eq "restart: the same ruleset as before the kill" \
	"$before" "$(enf_table_canon)"
expect_block "restart: internet -> relay other host smtp blocked" deny
expect_pass "restart: internet -> sanitiser smtp passes" permit

# a reload works, and it is this daemon that governs the table
sed 's|to_hosts = \[ "10.30.0.25" \];|to_hosts = [ "10.30.0.25", "10.30.0.99" ];|' \
	"$ZG_SEED_CONF" >"$CONF"
expect_pass "the edited config permits the other host" \
	"$ZG_CTL" -c "$CONF" explain tcp "$IN4B" "$RL_OTHER4" 25
expect_pass "restart: a reload is applied" daemon_reload applied
expect_pass "restart: after the reload internet -> relay other host smtp passes" deny
cp "$ZG_SEED_CONF" "$CONF"
expect_pass "restart: a reload back to the seed is applied" daemon_reload applied
expect_block "restart: ... and the other host is blocked again" deny
expect_pass "restart: SIGTERM, exit 0" daemon_stop

finish
