#!/bin/bash
# violations_syslog: every kind of denied packet becomes exactly the line the
# log contract pins, at the configured facility and priority, in a real
# rsyslogd; repeats fold into one summary; the kernel's prefix and the
# engine agree on every case (disagree=0).
. "$(dirname "$0")/syslog.bash"
. "$(dirname "$0")/lib.bash"
zg_user_cleanup() { zg_syslog_cleanup; }

syslog_start || exit 1
topo_up
conf=$ZG_TOP/tests/ns/conf/violations.conf
permit_line=$(grep -n 'screen transfer, logged' "$conf" | cut -d: -f1)
permit_line=$((permit_line - 1))

# send NS PROTO SRC SPORT DST DPORT: one UDP datagram, or one TCP connection
# attempt, from a fixed source port (so that the line is known exactly)
send() {
	ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" "$6" <<'PY'
import socket, sys
proto, src, sport, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((src, sport))
if proto == "udp":
    s.sendto(b"x", (dst, dport))
    sys.exit(0)
s.settimeout(0.4)
try:
    s.connect((dst, dport))
    sys.exit(0)
except ConnectionRefusedError:
    sys.exit(3)          # a reset came back
except OSError:
    sys.exit(1)
PY
}

daemon_start "$conf" || finish
daemon_log_wait applied 5

host_addr_add "$NS_IN" 10.20.9.9
host_addr_add "$NS_IN" fd00:20::99
host_addr_add "$NS_IN" 192.0.2.77
host_addr_add "$NS_IN" 2001:db8:999::77

send "$NS_LG" tcp "$LG4B" 40001 "$IN4" 443
send "$NS_LG" udp "$LG6B" 40002 "$IN6" 53
icmp_ok "$NS_LG" "$LG4B" "$RL_OTHER4"
icmp_ok "$NS_LG" "$LG6B" "$RL_OTHER6"
send "$NS_IN" udp 10.20.9.9 40003 "$RL_VB4" 3389
send "$NS_IN" udp fd00:20::99 40004 "$RL_VB6" 3389
send "$NS_IN" udp 192.0.2.77 40005 "$RL_VB4" 3389
send "$NS_IN" udp 2001:db8:999::77 40006 "$RL_VB6" 3389
send "$NS_LG" tcp "$LG4B" 40007 "$RL_VB4" 8443
expect_eq "reject: the TCP client got a reset" 3 "$?"
send "$NS_LG" udp "$LG6B" 40008 "$RL_VB6" 8443
send "$NS_LG" tcp "$LG4B" 40009 "$RL_VB4" 8444
expect_eq "drop: the TCP client got no answer" 1 "$?"
listen_start "$NS_RL" tcp 3389
send "$NS_LG" tcp "$LG4B" 40010 "$RL_VB4" 3389
expect_eq "permit: the logged flow connects" 0 "$?"

W='local3.warning zonegated: violation'
want=(
"$W reason=policy src_zone=lgwan dst_zone=internet proto=tcp src=10.20.3.4 sport=40001 dst=198.51.100.7 dport=443 in=lg0 out=inet0 count=1"
"$W reason=policy src_zone=lgwan dst_zone=internet proto=udp src=fd00:20::5 sport=40002 dst=2001:db8:100::7 dport=53 in=lg0 out=inet0 count=1"
"$W reason=policy src_zone=lgwan dst_zone=relay proto=icmp src=10.20.3.4 dst=10.30.0.99 type=8 code=0 in=lg0 out=rl0 count=1"
"$W reason=policy src_zone=lgwan dst_zone=relay proto=icmpv6 src=fd00:20::5 dst=fd00:30::99 type=128 code=0 in=lg0 out=rl0 count=1"
"$W reason=spoof src_zone=lgwan dst_zone=relay proto=udp src=10.20.9.9 sport=40003 dst=10.30.0.40 dport=3389 in=inet0 out=rl0 count=1"
"$W reason=spoof src_zone=lgwan dst_zone=relay proto=udp src=fd00:20::99 sport=40004 dst=fd00:30::40 dport=3389 in=inet0 out=rl0 count=1"
"$W reason=unknown-zone src_zone=unknown dst_zone=relay proto=udp src=192.0.2.77 sport=40005 dst=10.30.0.40 dport=3389 in=inet0 out=rl0 count=1"
"$W reason=unknown-zone src_zone=unknown dst_zone=relay proto=udp src=2001:db8:999::77 sport=40006 dst=fd00:30::40 dport=3389 in=inet0 out=rl0 count=1"
"$W reason=reject src_zone=lgwan dst_zone=relay proto=tcp src=10.20.3.4 sport=40007 dst=10.30.0.40 dport=8443 in=lg0 out=rl0 count=1"
"$W reason=reject src_zone=lgwan dst_zone=relay proto=udp src=fd00:20::5 sport=40008 dst=fd00:30::40 dport=8443 in=lg0 out=rl0 count=1"
"$W reason=drop src_zone=lgwan dst_zone=relay proto=tcp src=10.20.3.4 sport=40009 dst=10.30.0.40 dport=8444 in=lg0 out=rl0 count=1"
"local3.notice zonegated: permit reason=permit src_zone=lgwan dst_zone=relay proto=tcp src=10.20.3.4 sport=40010 dst=10.30.0.40 dport=3389 in=lg0 out=rl0 rule=$conf:$permit_line count=1"
)
for w in "${want[@]}"; do
	syslog_wait "^$(printf '%s' "$w" | sed 's/[.[\*^$]/\\&/g')\$" 3
	expect_pass "line: ${w#* zonegated: }" grep -qxF -- "$w" "$SYSLOG_FILE"
done

# folding: 1000 identical denied datagrams, slower than the kernel's log
# budget, give one line and, at the end of the 5 s window, count=999
ip netns exec "$NS_LG" python3 - "$LG4B" "$IN4" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 40100))
for i in range(1000):
    s.sendto(b"x", (sys.argv[2], 5000))
    time.sleep(0.0025)
PY
fold="$W reason=policy src_zone=lgwan dst_zone=internet proto=udp src=10.20.3.4 sport=40100 dst=198.51.100.7 dport=5000 in=lg0 out=inet0 count=1"
syslog_wait 'violation-summary reason=policy src_zone=lgwan dst_zone=internet proto=udp src=10.20.3.4 dst=198.51.100.7 dport=5000 count=' 10
expect_eq "fold: one line for the first" 1 "$(grep -cxF -- "$fold" "$SYSLOG_FILE")"
expect_pass "fold: one summary with count=999" grep -qE \
	'^local3\.warning zonegated: violation-summary reason=policy src_zone=lgwan dst_zone=internet proto=udp src=10\.20\.3\.4 dst=198\.51\.100\.7 dport=5000 count=999 first=[0-9-]+T[0-9:]+Z last=[0-9-]+T[0-9:]+Z$' \
	"$SYSLOG_FILE"
expect_eq "fold: no other line of that flow" 2 "$(grep -c 'dst=198.51.100.7 dport=5000' "$SYSLOG_FILE")"

daemon_stop
syslog_wait 'violations-total' 3
total=$(grep 'violations-total' "$SYSLOG_FILE" | tail -1)
expect_pass "engine and kernel agree on every case" grep -q ' disagree=0$' <<<"$total"
expect_pass "nothing skipped, nothing lost" grep -q ' skipped=0 .* nflog_lost=0 ' <<<"$total"
expect_pass "violation lines are never at another priority" \
	bash -c "! grep -E 'zonegated: violation(-summary)? ' '$SYSLOG_FILE' | grep -v '^local3.warning'"
finish
