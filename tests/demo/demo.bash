#!/bin/bash
# demo.bash - `make demo`: the seed's three zones (plus the relay zone) in
# network namespaces, enforced by zonegated on the shipped
# conf/zonegate.conf, with a private rsyslogd. It drives the story of the
# town's policy, prints what was expected and what happened, the syslog
# lines and the statistics, removes everything it made, and exits 0 only
# when every outcome matched.
cd "$(dirname "$0")/../.." || exit 1
. tests/ns/syslog.bash
. tests/ns/lib.bash
zg_user_cleanup() { zg_syslog_cleanup; }
ZG_NAME=demo

printf '\nzonegate demo: the three-layer model (三層の対策) on one gateway\n\n'
syslog_start || exit 1
topo_up
conf=$ZG_TMP/zonegate.conf
# the shipped policy, with the control socket in the demo's own directory,
# and without the kernel's owner flag, so that the tamper attempt below gets
# into the kernel and the demo can show zonegated repairing it (with the
# flag, the default, the kernel refuses the change outright)
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/control.sock\";\n  table_owner = false;|" \
	conf/zonegate.conf >"$conf"
daemon_start "$conf" >/dev/null || { echo "zonegated did not start"; exit 1; }
daemon_log_wait applied 5 >/dev/null

rows=() bad=0
flow() {	# flow EXPECT DESCRIPTION CMD...
	local want=$1 desc=$2 got rc
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	case $rc in 0) got=pass ;; 1) got=blocked ;; *) got="error($rc)" ;; esac
	[ "$got" = "$want" ] || bad=$((bad + 1))
	rows+=("$(printf '%-58s %-8s %-8s %s' "$desc" "$want" "$got" \
		"$([ "$got" = "$want" ] && echo ok || echo MISMATCH)")")
}

flow pass "mail: Internet -> sanitiser (tcp/25)" tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
flow pass "sanitised mail: sanitiser -> LGWAN mail server (tcp/25)" tcp_ok "$NS_RL" "$RL_SAN4" "$LG4" 25
flow pass "screen transfer: LGWAN -> virtual browser (tcp/3389)" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389
flow pass "virtual browser -> the web (tcp/443)" tcp_ok "$NS_RL" "$RL_VB4" "$IN4" 443
flow blocked "LGWAN straight to the web (split path)" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
flow blocked "LGWAN straight to the web, IPv6" tcp_ok "$NS_LG" "$LG6B" "$IN6" 443
flow blocked "Internet straight to the LGWAN mail server" tcp_ok "$NS_IN" "$IN4B" "$LG4" 25
flow blocked "My Number -> LGWAN (isolated)" tcp_ok "$NS_MN" "$MN4" "$LG4" 25
flow blocked "My Number -> Internet (isolated)" tcp_ok "$NS_MN" "$MN4" "$IN4" 443
flow blocked "My Number -> relay, ping (isolated)" icmp_ok "$NS_MN" "$MN4" "$RL_VB4"
flow blocked "My Number -> LGWAN, IPv6 (isolated)" tcp_ok "$NS_MN" "$MN6" "$LG6" 25
flow blocked "spoofed LGWAN address from the Internet side" spoof_udp "$NS_IN" 10.20.9.9 "$RL_VB4" 3389
flow pass "tamper: another process inserts 'accept' into our chain" \
	gw_nft insert rule inet zonegate forward accept
sleep 1
flow blocked "LGWAN -> web a second later (repaired)" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443

printf '%-58s %-8s %-8s %s\n' "flow" "expected" "observed" ""
printf '%s\n' "${rows[@]}"

sleep 1
printf '\nsyslog (what the monitoring sees):\n'
grep 'zonegated: ' "$SYSLOG_FILE" | sed 's/^/  /'
printf '\nzonegatectl stats:\n'
./zonegatectl -c "$conf" stats | sed 's/^/  /'
daemon_stop >/dev/null
printf '\n%d flows, %d mismatches\n' "${#rows[@]}" "$bad"
ZG_PASS=$(( ${#rows[@]} - bad )) ZG_FAIL=$bad
[ "$bad" -eq 0 ]
