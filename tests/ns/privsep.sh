#!/bin/bash
# privsep.sh - packet parsing runs in children without privilege.
#
# zonegated forks two parsers (zg-parse-nflog reads the NFLOG group,
# zg-parse-ifaces the zone interfaces). Checked from /proc: no capability
# in any set, seccomp mode 2 (filter), no_new_privs, the unprivileged user
# `zonegate` when the system has it (created here if absent, removed after)
# and root-without-capabilities when it has not. Killing a parser leaves
# the ruleset in force (a denied flow stays blocked, a permitted one
# passes), logs an alert, and a new parser appears (with backoff: 1 s, then
# 2 s). Forged records written into the daemon's socket from the parser's
# side (tests/ns/sepforge.py takes the child's socket with pidfd_getfd) are
# rejected: alert reason=parser-compromise, the child is killed and
# replaced, status counts parser_rejected.
#
# Honesty: violations are still reported after each restart (so the new
# parser really reads NFLOG), and a well-formed sync through the same path
# keeps working; the capability checks would read non-zero for the daemon
# itself (CapEff of the parent is checked to be non-zero).
. "$(dirname "$0")/lib.bash"

CREATED_USER=
zg_user_cleanup() {
	[ -n "$CREATED_USER" ] && userdel zonegate 2>/dev/null
}
if ! getent passwd zonegate >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin zonegate ||
		{ echo "useradd failed"; exit 1; }
	CREATED_USER=1
fi
ZG_UID=$(id -u zonegate)

topo_up || { echo "topo_up failed"; exit 1; }
conf=$ZG_TMP/privsep.conf
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/ctl.sock\";|" \
	conf/zonegate.conf >"$conf"
ctl() { ./zonegatectl -c "$conf" "$@"; }
field() { ctl status | awk -v k="$1" '$1 == k { print $2 }'; }
# child NAME: the pid of the daemon's child with that comm
child() {
	local p
	for p in $(pgrep -P "$DAEMON_PID"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$1" ] && { echo "$p"; return 0; }
	done
	return 1
}
# wait_new_child NAME OLD: a child of that name other than OLD (20 s: the
# backoff doubles with each death)
wait_new_child() {
	local i p
	for ((i = 0; i < 400; i++)); do
		p=$(child "$1") && [ "$p" != "$2" ] && { echo "$p"; return 0; }
		sleep 0.05
	done
	return 1
}
st() { awk -v k="$2:" '$1 == k { print $2 }' /proc/"$1"/status; }
denied() { tcp_ok "$NS_LG" "$LG4B" "$IN4" 80; }	# LGWAN -> Internet: split
permitted() { tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389; }	# screen transfer
# violations_grow: a denied attempt raises the daemon's violation count
violations_grow() {
	local before after i
	before=$(field violations)
	udp_send "$NS_LG" "$LG4B" "$IN4" $((9000 + RANDOM % 1000))
	for ((i = 0; i < 40; i++)); do
		after=$(field violations)
		[ "${after:-0}" -gt "${before:-0}" ] && return 0
		sleep 0.05
	done
	return 1
}

daemon_start "$conf" || finish
daemon_log_wait 'classifying traffic entering on inet0' 5

# --- confinement, read from /proc
for name in zg-parse-nflog zg-parse-ifaces; do
	pid=$(child $name)
	expect_pass "$name runs (pid ${pid:-none})" test -n "$pid"
	[ -n "$pid" ] || continue
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect_eq "$name: $set is empty" 0000000000000000 "$(st "$pid" $set)"
	done
	expect_eq "$name: seccomp mode 2 (filter)" 2 "$(st "$pid" Seccomp)"
	expect_eq "$name: no_new_privs" 1 "$(st "$pid" NoNewPrivs)"
	expect_eq "$name: runs as zonegate ($ZG_UID)" "$ZG_UID" "$(st "$pid" Uid)"
	expect_eq "$name: holds no netlink socket of the daemon's" 0 \
		"$(ls -l /proc/"$pid"/fd | grep -c 'nft\|control' || true)"
done
expect_pass "the daemon itself keeps its capabilities" \
	test "$(st "$DAEMON_PID" CapEff)" != 0000000000000000
expect_eq "status: parser_user" zonegate "$(field parser_user)"
expect_eq "status: parser_nflog_pid is the child" "$(child zg-parse-nflog)" \
	"$(field parser_nflog_pid)"
expect_pass "a violation is reported through the parser" violations_grow

# --- kill -9 of the NFLOG parser
old=$(child zg-parse-nflog)
daemon_log_mark >/dev/null
kill -KILL "$old"
expect_block "after the kill: LGWAN -> Internet still denied" denied
expect_pass "after the kill: the screen transfer still passes" permitted
new=$(wait_new_child zg-parse-nflog "$old")
expect_pass "a new NFLOG parser appeared ($old -> ${new:-none})" test -n "$new"
expect_pass "the death was an alert naming pid and signal" \
	daemon_log_wait "alert reason=parser-exit parser=nflog pid=$old status=signal-KILL" 2
expect_pass "... restarted after 1 s" grep -q "parser nflog: restarting in 1 s" "$DAEMON_LOG"
expect_eq "status: parser_restarts 1" 1 "$(field parser_restarts)"
expect_pass "violations are reported again" violations_grow
# a second death at once: the backoff doubles
kill -KILL "$new"
expect_pass "... a second death waits 2 s" \
	daemon_log_wait "parser nflog: restarting in 2 s" 3
new2=$(wait_new_child zg-parse-nflog "$new")
expect_pass "... and the parser is back (${new2:-none})" test -n "$new2"

# --- kill of the interface parser: classification comes back
old=$(child zg-parse-ifaces)
kill -KILL "$old"
newi=$(wait_new_child zg-parse-ifaces "$old")
expect_pass "a new interface parser appeared ($old -> ${newi:-none})" test -n "$newi"
expect_block "LGWAN -> Internet still denied" denied

# --- an interface that goes down and up again: the interface parser stops
# reading it (libpcap's question about the interface is one the filter
# answers: no SIGSYS), is started again without it, and with it once it is
# up; classification of its traffic resumes
pair() { ctl stats --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["pairs"]:
    if p["src_zone"] == sys.argv[1] and p["dst_zone"] == sys.argv[2]:
        print(p[sys.argv[3]])' "$1" "$2" "$3"; }
wait_field() {	# wait_field KEY VALUE: status KEY becomes VALUE (5 s)
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(field "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
daemon_log_mark >/dev/null
ip netns exec "$NS_GW" ip link set lg0 down
expect_pass "lg0 down: the interface parser reads 3 interfaces" wait_field interfaces_captured 3
expect_pass "... it said why" daemon_log_wait "capture on lg0 stopped|parser ifaces: pid [0-9]+, 3 capture" 3
expect_eq "... and was not killed by its filter" 0 "$(grep -c 'parser=ifaces.*signal-SYS' "$DAEMON_LOG")"
ip netns exec "$NS_GW" ip link set lg0 up
expect_pass "lg0 up: 4 interfaces again" wait_field interfaces_captured 4
before=$(pair lgwan relay flows_permitted)
sleep 0.5
permitted >/dev/null
sleep 1
after=$(pair lgwan relay flows_permitted)
expect_pass "lg0's traffic is classified again ($before -> $after)" test "${after:-0}" -gt "${before:-0}"

# --- forged records from the parser's side: each kind into the socket of
# the parser it would come from (the backoff of each parser doubles)
n=0
for pk in zg-parse-nflog:garbage zg-parse-nflog:badfamily \
	  zg-parse-ifaces:badframe zg-parse-ifaces:badslot zg-parse-ifaces:ready; do
	name=${pk%%:*} kind=${pk#*:} pname=${name#zg-parse-}
	pid=$(child "$name")
	daemon_log_mark >/dev/null
	out=$(python3 tests/ns/sepforge.py "$pid" "$kind" 2>&1)
	expect_pass "forged '$kind' written into the $pname parser's socket ($out)" \
		grep -q '^sent' <<<"$out"
	n=$((n + 1))
	expect_pass "'$kind' rejected: alert reason=parser-compromise for pid $pid" \
		daemon_log_wait "alert reason=parser-compromise parser=$pname pid=$pid error=" 3
	expect_pass "'$kind': the child was killed" \
		bash -c "for i in \$(seq 40); do kill -0 $pid 2>/dev/null || exit 0; sleep 0.05; done; exit 1"
	newp=$(wait_new_child "$name" "$pid")
	expect_pass "'$kind': a new parser replaced it (${newp:-none})" test -n "$newp"
	expect_eq "'$kind': status parser_rejected $n" "$n" "$(field parser_rejected)"
done
expect_pass "the log names the check that failed (bad-magic, bad-field, bad-slot, unknown-type)" \
	bash -c "grep -q 'error=bad-magic' '$DAEMON_LOG' && grep -q 'error=bad-field' '$DAEMON_LOG' && grep -q 'error=bad-slot' '$DAEMON_LOG' && grep -q 'error=unknown-type' '$DAEMON_LOG'"
expect_block "after the forgeries: LGWAN -> Internet still denied" denied
expect_pass "after the forgeries: the screen transfer still passes" permitted
expect_pass "after the forgeries: violations are reported" violations_grow
expect_pass "the daemon is still running" daemon_alive
daemon_stop
expect_pass "no parser outlives the daemon" \
	bash -c "! pgrep -x zg-parse-nflog -P $DAEMON_PID"

# --- without the user: root, but no capability
if [ -n "$CREATED_USER" ]; then
	userdel zonegate && CREATED_USER=
	daemon_start "$conf" || finish
	daemon_log_wait 'classifying traffic entering on inet0' 5
	pid=$(child zg-parse-nflog)
	expect_eq "no zonegate user: the parser runs as root" 0 "$(st "$pid" Uid)"
	expect_eq "... with CapEff empty" 0000000000000000 "$(st "$pid" CapEff)"
	expect_eq "... and CapBnd empty" 0000000000000000 "$(st "$pid" CapBnd)"
	expect_eq "... under seccomp" 2 "$(st "$pid" Seccomp)"
	expect_eq "status: parser_user root" root "$(field parser_user)"
	expect_pass "... and violations are reported" violations_grow
	daemon_stop
fi
finish
