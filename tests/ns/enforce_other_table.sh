#!/bin/bash
# enforce_other_table.sh - zonegated touches its own table only.  Tables of
# other processes, created before the daemon starts (table inet other with a
# forward base chain and a set, table ip other2, and two look-alikes: table ip
# zonegate - our name in another family - and table inet zonegate_old), are
# byte-identical (`nft -a list table`, handles included) after the start,
# after a reload, after a stop with on_stop "keep" and after a stop with
# on_stop "flush".  A table inet zonegate that zonegate did not create makes
# zonegated refuse to start (exit status 1, "not created by zonegate") and
# stays unchanged.
#
# Honesty: the snapshot comparison is shown to notice a one-element change;
# the refusal is shown to be due to the foreign table (without it the same
# config starts).
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

gw_nft -f - <<'EOF' || { echo "cannot create the other tables"; exit 1; }
table inet other {
	set s { type ipv4_addr; elements = { 1.2.3.4 } }
	chain c { type filter hook forward priority 10; policy accept; }
	chain d { ip saddr @s drop; }
}
table ip other2 {
	chain in2 { type filter hook input priority 5; policy accept; ip saddr 192.0.2.99 drop; }
	chain x { ip daddr 192.0.2.1 return; }
}
table ip zonegate {
	chain same_name_other_family { type filter hook prerouting priority 0; policy accept; }
	set s4 { type ipv4_addr; flags interval; elements = { 10.0.0.0/8 } }
}
table inet zonegate_old {
	chain c { type filter hook input priority 0; policy accept; }
}
EOF
OTHERS=("inet other" "ip other2" "ip zonegate" "inet zonegate_old")
snap() {	# snap: every other table, nft -a (handles), one after another
	local t
	for t in "${OTHERS[@]}"; do
		# shellcheck disable=SC2086
		gw_nft -a list table $t 2>&1
	done
}
before=$(snap)
expect_pass "snapshot holds the other tables with handles" \
	grep -q 'set s { # handle' <<<"$before"

# the comparison notices a change of one element (and it is undone)
gw_nft add element inet other s '{ 5.6.7.8 }'
expect_pass "a one-element change is noticed by the snapshot" \
	test "$before" != "$(snap)"
gw_nft delete element inet other s '{ 5.6.7.8 }'
expect_eq "... and undoing it restores the snapshot" "$before" "$(snap)"

CONF=$ZG_TMP/other.conf
cp "$ZG_SEED_CONF" "$CONF"
expect_pass "zonegated starts" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_eq "after start: the other tables are byte-identical" "$before" "$(snap)"
expect_block "the seed is enforced next to them (internet -> lgwan)" \
	tcp_ok "$NS_IN" "$IN4B" "$LG4" 25

sed 's|to_hosts = \[ "10.30.0.25" \];|to_hosts = [ "10.30.0.25", "10.30.0.99" ];|' \
	"$ZG_SEED_CONF" >"$CONF"
expect_pass "reload (one more host) applied" daemon_reload applied
expect_eq "after reload: the other tables are byte-identical" "$before" "$(snap)"
expect_pass "stop (on_stop keep): exit 0" daemon_stop
expect_eq "after stop (keep): the other tables are byte-identical" "$before" "$(snap)"
expect_pass "after stop (keep): our table is still there" gw_nft list table inet zonegate

# again with on_stop = "flush"
sed 's|^zonegate = {|zonegate = {\n  on_stop = "flush";|' "$ZG_SEED_CONF" >"$CONF"
enf_conf_ok "$CONF" || exit 1
expect_pass "zonegated (on_stop flush) starts, taking over its table" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_eq "after the second start: the other tables are byte-identical" "$before" "$(snap)"
expect_pass "stop (on_stop flush): exit 0" daemon_stop
expect_block "after stop (flush): our table is gone" gw_nft list table inet zonegate
expect_eq "after stop (flush): the other tables are byte-identical" "$before" "$(snap)"
expect_eq "after stop (flush): exactly the other tables are left" \
	"$(printf 'table %s\n' "${OTHERS[@]}" | sort)" "$(gw_nft list tables | sort)"

# --- a table inet zonegate that zonegate did not create
gw_nft -f - <<'EOF' || { echo "cannot create the foreign table"; exit 1; }
table inet zonegate {
	comment "somebody else's"
	set mine { type ipv4_addr; elements = { 192.0.2.7 } }
	chain forward { type filter hook forward priority 0; policy accept; }
}
EOF
foreign=$(gw_nft -a list table inet zonegate)
enf_daemon_fg "$ZG_SEED_CONF" 10
rc=$?
expect_eq "foreign table inet zonegate: zonegated exits with status 1" 1 "$rc"
expect_pass "... saying the table was not created by zonegate" \
	sh -c "tail -n +$((ZG_LOG_MARK + 1)) '$DAEMON_LOG' | grep -q 'table inet zonegate exists and was not created by zonegate'"
expect_block "... and not 'applied'" \
	sh -c "tail -n +$((ZG_LOG_MARK + 1)) '$DAEMON_LOG' | grep -q 'applied'"
expect_eq "the foreign table is unchanged (handles included)" \
	"$foreign" "$(gw_nft -a list table inet zonegate)"
expect_eq "the other tables are unchanged" "$before" "$(snap)"
expect_pass "the foreign table still lets lgwan -> internet through (not ours)" \
	tcp_ok "$NS_LG" "$LG4B" "$IN4B" 443

gw_nft delete table inet zonegate
expect_pass "without the foreign table the same config starts" daemon_start "$ZG_SEED_CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_block "... and is enforced (lgwan -> internet blocked)" \
	tcp_ok "$NS_LG" "$LG4B" "$IN4B" 443
expect_eq "... the other tables are still byte-identical" "$before" "$(snap)"

finish
