#!/bin/bash
# classify_live: traffic between the zone namespaces shows up in
# `zonegatectl stats` under the right zone pairs with the right counts; a
# scan from one zone gives exactly one alert; `top` names the talkers;
# `status` reports the table in sync; the periodic stats line is written.
. "$(dirname "$0")/syslog.bash"
. "$(dirname "$0")/lib.bash"
zg_user_cleanup() { zg_syslog_cleanup; }
syslog_start || exit 1
topo_up
conf=$ZG_TMP/zonegate.conf
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/ctl.sock\";\n  scan_window = 30;\n  scan_hosts = 20;\n  stats_interval = 3;|" \
	conf/zonegate.conf >"$conf"
ctl() { ./zonegatectl -c "$conf" "$@"; }
# pair_field SRC DST FIELD: a number from `stats --json`
pair_field() {
	ctl stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for p in d["pairs"]:
    if p["src_zone"] == sys.argv[1] and p["dst_zone"] == sys.argv[2]:
        print(p[sys.argv[3]])' "$1" "$2" "$3"
}
daemon_start "$conf" || finish
daemon_log_wait 'classifying traffic entering on inet0' 5
sleep 0.5

# 3 permitted mail flows from one Internet host, 2 from another address
for i in 1 2 3; do tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25; done
host_addr_add "$NS_IN" 203.0.113.10
for i in 1 2; do tcp_ok "$NS_IN" 203.0.113.10 "$RL_SAN4" 25; done
# 2 permitted screen transfers, 4 denied LGWAN -> web attempts
for i in 1 2; do tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389; done
for p in 80 443 8080 8443; do udp_send "$NS_LG" "$LG4B" "$IN4" "$p"; done
sleep 1
expect_eq "internet->relay: 5 flows permitted" 5 "$(pair_field internet relay flows_permitted)"
expect_eq "internet->relay: 2 distinct sources" 2 "$(pair_field internet relay sources)"
expect_eq "internet->relay: the kernel accepted 5 new flows" 5 "$(pair_field internet relay kernel_flows_accepted)"
n=$(pair_field internet relay packets)
expect_pass "internet->relay: packets count both directions of the 5 connections ($n > 25)" test "$n" -gt 25
expect_eq "lgwan->relay: 2 flows permitted" 2 "$(pair_field lgwan relay flows_permitted)"
expect_eq "lgwan->internet: 4 flows denied" 4 "$(pair_field lgwan internet flows_denied)"
expect_eq "lgwan->internet: none permitted" 0 "$(pair_field lgwan internet flows_permitted)"
expect_eq "mynumber->lgwan: nothing" 0 "$(pair_field mynumber lgwan flows_denied)"
expect_pass "top for internet:relay: 203.0.113.9 first with 3" \
	bash -c "./zonegatectl -c '$conf' top --pair internet:relay -n 1 | grep -Eq '^1 +203\.0\.113\.9 +3$'"
expect_pass "stats --json parses" bash -c "./zonegatectl -c '$conf' stats --json | python3 -m json.tool >/dev/null"
expect_pass "top --json parses" bash -c "./zonegatectl -c '$conf' top --json | python3 -m json.tool >/dev/null"

# a scan: one LGWAN host probes 40 relay addresses
ip netns exec "$NS_LG" python3 - "$LG4B" <<'PY'
import socket, sys
for i in range(50, 90):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], 0))
    s.sendto(b"x", ("10.30.0.%d" % i, 9999))
    s.close()
PY
syslog_wait 'alert reason=scan' 5
expect_eq "the scan gives exactly one alert" 1 "$(grep -c 'alert reason=scan' "$SYSLOG_FILE")"
expect_pass "... naming the source, zone and counts" grep -qE \
	'daemon\.alert zonegated: alert reason=scan src_zone=lgwan src=10\.20\.3\.4 distinct_dst=21 distinct_port=[0-9]+ window=30$' "$SYSLOG_FILE"

st=$(ctl status)
expect_pass "status: table present" grep -qE '^table_present +true$' <<<"$st"
expect_pass "status: in sync" grep -qE '^in_sync +true$' <<<"$st"
expect_pass "status: 4 interfaces captured" grep -qE '^interfaces_captured +4$' <<<"$st"
expect_pass "status: the config checksum is the file's" \
	grep -q "^checksum .*sha256:$(sha256sum "$conf" | cut -d' ' -f1)$" <<<"$st"
syslog_wait 'zonegated: stats src_zone=internet dst_zone=relay' 6
expect_pass "the periodic stats line" grep -qE \
	'zonegated: stats src_zone=internet dst_zone=relay flows_permitted=5 flows_denied=0 packets=[0-9]+ bytes=[0-9]+ kernel_dropped_unlogged=[0-9-]+ pcap_drop=0 pcap_ifdrop=0$' \
	"$SYSLOG_FILE"
finish
