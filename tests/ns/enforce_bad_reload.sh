#!/bin/bash
# enforce_bad_reload.sh - a config with an error at reload changes nothing:
# the running config file is edited (a new permit entry plus one bad line)
# and the daemon gets SIGHUP.  It logs the error as FILE:LINE and "reload
# failed", stays alive, the table is unchanged (counter values aside), the
# permitted and denied flows behave as before - including the flow the new
# entry would permit, so nothing of the bad file was applied.  Four kinds
# of error: an unknown setting, a libconfig syntax error, a change of the
# table name (which a reload refuses) and a missing file.  Then the good
# file (the new entry, no bad line) is put back, SIGHUP: "applied", the
# table changes and the new entry is in force.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

CONF=$ZG_TMP/bad.conf
GOOD=$ZG_TMP/good.conf
# the seed plus a permit for the relay's other host (used once "fixed")
sed 's|^policy = (|policy = (\n  { from = "internet"; to = "relay"; services = [ "smtp" ]; to_hosts = [ "10.30.0.99" ]; comment = "new"; },|' \
	"$ZG_SEED_CONF" >"$GOOD"
enf_conf_ok "$GOOD" || exit 1

permitted() { tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25; }
denied() { tcp_ok "$NS_IN" "$IN4B" "$RL_VB4" 25; }
newflow() { tcp_ok "$NS_IN" "$IN4B" "$RL_OTHER4" 25; }	# permitted by $GOOD only

expect_pass "open: the new entry's flow passes with no firewall" newflow
expect_pass "open: the denied flow passes with no firewall" denied

cp "$ZG_SEED_CONF" "$CONF"
expect_pass "zonegated starts with the seed" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
expect_pass "seed: permitted flow passes" permitted
expect_block "seed: denied flow blocked" denied
expect_block "seed: the new entry's flow blocked" newflow
before=$(enf_table)
pid=$DAEMON_PID

# bad_reload NAME LINE WANT: SIGHUP with the broken $CONF in place, then
# check everything stayed as it was
log_has() { enf_log_since | grep -qE -- "$1"; }	# since the SIGHUP
log_has_text() { enf_log_since | grep -qF -- "$1"; }
bad_reload() {
	local name=$1 line=$2 want=$3
	expect_pass "$name: SIGHUP ends in 'reload failed'" \
		daemon_reload 'reload failed|applied [^ ]+: table'
	expect_block "$name: ... no 'applied' line" log_has 'applied [^ ]+: table'
	expect_pass "$name: the log has 'reload failed'" log_has 'reload failed'
	if [ -n "$line" ]; then
		expect_pass "$name: the log names $CONF:$line" \
			log_has_text "$CONF:$line: $want"
	else
		expect_pass "$name: the log says why ($want)" log_has_text "$want"
	fi
	sleep 0.2
	expect_pass "$name: the daemon is alive (same pid)" \
		sh -c "[ '$DAEMON_PID' = '$pid' ] && kill -0 '$pid'"
	expect_eq "$name: table inet zonegate unchanged (counter values aside)" \
		"$before" "$(enf_table)"
	expect_eq "$name: no other table appeared" "table inet zonegate" "$(gw_nft list tables)"
	expect_pass "$name: permitted flow still passes" permitted
	expect_async block "$name: denied flow still blocked" denied
	expect_async block "$name: the bad file's new entry was not applied" newflow
	expect_collect
}

# 1. an unknown setting (a semantic error, reported with its line)
sed 's|^zonegate = {|zonegate = {\n  bogus_setting = 1;|' "$GOOD" >"$CONF"
line=$(grep -n 'bogus_setting' "$CONF" | cut -d: -f1)
bad_reload "unknown setting" "$line" "zonegate: unknown setting 'bogus_setting'"

# 2. a syntax error
sed 's|^services = (|this is not libconfig\nservices = (|' "$GOOD" >"$CONF"
line=$(grep -n 'this is not libconfig' "$CONF" | cut -d: -f1)
bad_reload "syntax error" "$line" "syntax error"

# 3. a valid file that names another table
sed 's|table = "zonegate";|table = "zonegate2";|' "$GOOD" >"$CONF"
enf_conf_ok "$CONF" || exit 1
bad_reload "table renamed" "" "the table name changed from zonegate to zonegate2"

# 4. the file is gone
rm -f "$CONF"
bad_reload "file missing" "" "$CONF: "

# --- fixed: the good file (the new entry, no bad line) is applied
cp "$GOOD" "$CONF"
expect_pass "fixed: SIGHUP is applied" daemon_reload applied
expect_pass "fixed: the table changed" test "$before" != "$(enf_table)"
expect_pass "fixed: the new entry's flow passes" newflow
expect_pass "fixed: permitted flow still passes" permitted
expect_block "fixed: denied flow still blocked" denied
expect_pass "fixed: the daemon is alive (same pid)" kill -0 "$pid"

finish
