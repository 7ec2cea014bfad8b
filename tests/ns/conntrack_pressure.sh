#!/bin/bash
# conntrack_pressure.sh - filling the gateway's conntrack table from one
# zone lets no denied flow through and does not hurt the daemon.
#
# The table is filled with flows the policy permits (UDP from the lgwan
# zone to the relay's virtual browser, udp/3389, from a few lgwan addresses
# with a new source port per datagram: each one a confirmed entry).  A small
# nf_conntrack_max would be the cheap way, but only the initial namespace
# may set it (the test tries, inside the gateway namespace only); otherwise
# the flows fill it up to the kernel's limit, kept alive by a longer UDP
# timeout set inside the gateway namespace.  Everything is bounded in count
# and time; the host's own settings are never touched.
#
# Before, during (at the peak) and after the pressure: denied flows probed
# from three zones stay blocked (and a flood against one of them, counted by
# the kernel of the receiving namespace, never arrives), no conntrack entry
# of a denied flow exists (nothing was ever accepted), the daemon answers
# status and is in sync, a TCP connection opened before the pressure keeps
# exchanging data, a new permitted connection is made.  Honesty: a policy
# that permits the flooded flow, loaded while the table is still full, lets
# it through.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

SOCK=$ZG_TMP/ctl.sock CONF=$ZG_TMP/zonegate.conf OPEN=$ZG_TMP/open.conf
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$SOCK\";|" \
	"$ZG_SEED_CONF" >"$CONF"
# OPEN: lgwan no longer split from internet; udp/9998-9999 permitted
sed -e 's|split_from = \[ "internet" \];||' \
    -e 's|^policy = (|policy = (\n  { from = "lgwan"; to = "internet"; services = [ "udp/9998-9999" ]; },|' \
	"$CONF" >"$OPEN"
for c in "$CONF" "$OPEN"; do enf_conf_ok "$c" || exit 1; done
ZG_TIMEOUT=3		# probes wait longer on a busy gateway
RATE_D=500		# the denied flood, datagrams a second
PER_SRC=60000		# pressure flows per lgwan source address (ports 1024-61023)
MAXSEC=45		# bound of the pressure

ct_stat() {	# the gateway's conntrack statistics, summed over CPUs
	nsx "$NS_GW" cat /proc/net/stat/nf_conntrack | "$ZG_PY" -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
head, tot = rows[0], [0] * len(rows[0])
for r in rows[1:]:
    for i, v in enumerate(r):
        tot[i] += int(v, 16)
print(" ".join("%s=%d" % kv for kv in zip(head, tot) if kv[0] != "entries"))'
}
ct_field() { enf_field "$(tr = ' ' <<<"$1")" "$2"; }
ct_entries() {	# ct_entries REGEX: confirmed entries of the gateway whose
	# original direction (the first tuple of the line) matches it
	nsx "$NS_GW" grep -cE -- "^[^=]* $1" /proc/net/nf_conntrack
}
denied_probes() {	# denied_probes WHEN
	expect_async block "$1: lgwan -> internet udp denied" \
		udp_ok "$NS_LG" "$LG4B" "$IN4" 9998
	expect_async block "$1: lgwan -> internet tcp/443 denied" \
		tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
	expect_async block "$1: internet -> mynumber tcp/445 denied (isolated)" \
		tcp_ok "$NS_IN" "$IN4" "$MN4" 445
	expect_async block "$1: relay -> mynumber udp denied (isolated)" \
		udp_ok "$NS_RL" "$RL_OTHER4" "$MN4" 9998
	expect_collect
}
daemon_ok() {	# daemon_ok WHEN
	local st
	st=$("$ZG_CTL" -s "$SOCK" status 2>&1)
	expect_eq "$1: the daemon answers status, in sync" true "$(enf_field "$st" in_sync)"
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(pgrep -P "$DAEMON_PID" -x zonegated || echo "$DAEMON_PID")/status" 2>/dev/null; }

# --- the limit: a small one if the kernel lets the gateway namespace set it
max0=$(nsx "$NS_GW" sysctl -n net.netfilter.nf_conntrack_max)
if nsx "$NS_GW" sysctl -q -w net.netfilter.nf_conntrack_max=20000 2>/dev/null &&
   [ "$(nsx "$NS_GW" sysctl -n net.netfilter.nf_conntrack_max)" = 20000 ]; then
	echo "# nf_conntrack_max set to 20000 inside the gateway namespace (was $max0)"
else
	echo "# nf_conntrack_max is $max0 and read-only inside a namespace: filling it"
fi
MAX=$(nsx "$NS_GW" sysctl -n net.netfilter.nf_conntrack_max)
expect_eq "the host's own nf_conntrack_max is untouched" "$max0" \
	"$(sysctl -n net.netfilter.nf_conntrack_max)"
zg_sysctl "$NS_GW" net.netfilter.nf_conntrack_udp_timeout=120 || exit 1
NSRC=$(( (MAX + MAX / 8 + PER_SRC - 1) / PER_SRC ))
[ "$NSRC" -le 8 ] || NSRC=8	# bounded: at most 480,000 flows
echo "# $NSRC lgwan sources x $PER_SRC new flows against a limit of $MAX entries"

expect_pass "zonegated starts with the seed" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5
pid=$DAEMON_PID rss0=$(rss)

# the pressure's sources, and the relay host counting and dropping its flows
# (no ICMP errors back)
for i in $(seq "$NSRC"); do host_addr_add "$NS_LG" "10.20.100.$i" || exit 1; done
rx_watch "$NS_RL" pressure ip saddr 10.20.100.0/24 udp dport 3389 || exit 1
nsx "$NS_RL" nft add rule inet zgrx pre ip saddr 10.20.100.0/24 udp dport 3389 drop || exit 1
rx_watch "$NS_IN" denied ip saddr "$LG4" udp dport 9999 || exit 1
udp_count_start "$NS_IN" 9999 || exit 1

# --- before
expect_pass "a connection opened before the pressure: internet -> sanitiser smtp" \
	enf_keeper_start "$NS_RL" "$NS_IN" "$IN4B" "$RL_SAN4" 25 $((MAXSEC + 60))
sleep 1
denied_probes before
daemon_ok before
ct_before=$(enf_conntrack_count)

# --- the pressure, with a flood against a denied flow alongside
enf_flood_start "$NS_LG" "$LG4" "$IN4" 9999 "$RATE_D" $((MAXSEC + 30)) || exit 1
keep0=$(enf_keeper_count ok)
t0=$(date +%s.%N)
for i in $(seq "$NSRC"); do
	enf_hping_start "p$i" "$NS_LG" "$MAXSEC" -q --udp -a "10.20.100.$i" -s 1024 \
		-p 3389 -i u40 -c "$PER_SRC" "$RL_VB4"
done
peak=0 tfull=-
while :; do
	sleep 0.5
	c=$(enf_conntrack_count)
	[ "$c" -gt "$peak" ] && peak=$c
	if [ "$tfull" = - ] && [ "$c" -ge $((MAX - 64)) ]; then
		tfull=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	fi
	running=0
	for i in $(seq "$NSRC"); do enf_hping_running "p$i" && running=1; done
	# at the peak: the table full for a second, or the floods done
	if [ "$running" = 0 ]; then break; fi
	if [ "$tfull" != - ] && awk -v a="$t0" -v b="$(date +%s.%N)" -v f="$tfull" \
		'BEGIN { exit !(b - a > f + 1) }'; then break; fi
done
echo "# conntrack entries: $ct_before before, peak $peak of $MAX" \
     "(full after $tfull s)"
denied_probes "during"
daemon_ok during
expect_pass "during: a new permitted connection is made (relay browser -> web)" \
	tcp_ok "$NS_RL" "$RL_VB4" "$IN4" 443
keep1=$(enf_keeper_count ok)
sent_p=0
for i in $(seq "$NSRC"); do sent_p=$((sent_p + $(enf_hping_stop "p$i"))); done
stats=$(ct_stat)
echo "# pressure: $sent_p new flows sent, $(rx_count "$NS_RL" pressure) arrived; conntrack: $stats"
expect_pass "the table came under pressure: at least 100,000 entries ($peak)" \
	test "$peak" -ge 100000
if [ "$tfull" != - ]; then
	expect_pass "... full: the kernel evicted unreplied entries (early_drop $(ct_field "$stats" early_drop))" \
		test "$(ct_field "$stats" early_drop)" -gt 0
fi

# --- after: the floods have stopped, the table is still full
sleep 1
echo "# conntrack entries after the pressure: $(enf_conntrack_count)"
denied_probes after
daemon_ok after
sent_d=$(enf_flood_stop)
sleep 0.3
got_d=$(udp_count_stop)
rx_d=$(rx_count "$NS_IN" denied)
echo "# denied flood: sent $sent_d, arrived ${rx_d:-?} (receiver: $got_d)"
expect_pass "the denied flood ran through the pressure ($sent_d)" test "${sent_d:-0}" -ge "$RATE_D"
expect_eq "the denied flood: nothing arrived" 0 "${rx_d:-missing}"
expect_eq "the denied flood: the receiver counted nothing" 0 "$got_d"
# (original direction: "src=A dst=B sport=S dport=D" comes first on a line)
for re in "src=$LG4 dst=$IN4 sport=[0-9]+ dport=9999 " "src=$LG4B dst=$IN4 " \
	  "src=[0-9.]+ dst=$MN4 "; do
	expect_eq "no conntrack entry of a denied flow (/$re/)" 0 "$(ct_entries "$re")"
done
keep2=$(enf_keeper_count ok)
echo "# the connection opened before: $keep0 pings answered before, $((keep1 - keep0))" \
     "during, $((keep2 - keep1)) after; $(enf_keeper_count fail) failed"
expect_eq "the established connection never failed" 0 "$(enf_keeper_count fail)"
expect_pass "... it kept exchanging data during the pressure ($((keep1 - keep0)) pings)" \
	test $((keep1 - keep0)) -ge 4
expect_pass "... and after it ($((keep2 - keep1)) pings)" test $((keep2 - keep1)) -ge 2
expect_pass "the daemon is still running (same pid)" \
	sh -c "[ '$DAEMON_PID' = '$pid' ] && kill -0 '$pid'"
rss1=$(rss)
echo "# zonegated RSS: ${rss0:-?} kB before, ${rss1:-?} kB after"
expect_pass "its memory stayed bounded (RSS ${rss1:-?} kB < 256 MB)" test "${rss1:-999999}" -lt 262144
enf_keeper_stop

# --- honesty: the same probe passes when the policy permits it, table full
cp "$OPEN" "$CONF"
expect_pass "reload to a policy permitting lgwan -> internet udp/9998-9999" daemon_reload applied
echo "# conntrack entries now: $(enf_conntrack_count)"
expect_pass "permitted now: the lgwan -> internet udp probe passes" \
	udp_ok "$NS_LG" "$LG4B" "$IN4" 9998
expect_pass "... and the gateway holds its conntrack entry" \
	test "$(ct_entries "src=$LG4B dst=$IN4 sport=[0-9]+ dport=9998 ")" -ge 1
finish
