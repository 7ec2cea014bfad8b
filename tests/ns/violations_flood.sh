#!/bin/bash
# violations_flood: 100,000 denied packets from many sources in a bounded
# burst. The log stays within the line budget (log_rate per second, plus
# one suppressed line per window), the counts in the log add up exactly to
# the packets the daemon received, those plus the packets the in-kernel
# limit kept from it equal the kernel's own counter, and the daemon's
# memory stays under its documented bound.
. "$(dirname "$0")/syslog.bash"
. "$(dirname "$0")/lib.bash"
zg_user_cleanup() { zg_syslog_cleanup; }
RSS_BOUND_KB=$((64 * 1024))	# zonegated(8): "under 64 MiB"

syslog_start || exit 1
topo_up
conf=$ZG_TOP/tests/ns/conf/violations.conf
daemon_start "$conf" || finish
daemon_log_wait applied 5
t0=$(date +%s)

# 100,000 UDP datagrams from random sources, from the Internet side to an
# LGWAN host: all denied (policy, spoof or unknown zone, by source)
ip netns exec "$NS_IN" timeout 30 hping3 --udp -p 9 --rand-source -c 100000 \
	-i u10 "$LG4" >"$ZG_TMP/hping.out" 2>&1
sent=$(grep -Eo '^[0-9]+ packets transmitted' "$ZG_TMP/hping.out" | cut -d' ' -f1)
expect_eq "hping3 sent 100000" 100000 "${sent:-0}"

sleep 2		# let the daemon drain the NFLOG group
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
daemon_stop
t1=$(date +%s)
syslog_wait 'violations-total' 5
kernel=$(gw_nft list counters table inet zonegate | awk '
	/counter (deny|spoof|unknown)_/ { c = 1; next }
	c && /^[ \t]*packets [0-9]/ { s += $2; c = 0 }
	END { print s + 0 }')

total=$(grep 'violations-total' "$SYSLOG_FILE" | tail -1)
get() { grep -Eo " $1=-?[0-9]+" <<<"$total" | cut -d= -f2; }
logged=$(get logged)
expect_eq "the daemon's kernel_denied is the kernel's counter" "$kernel" "$(get kernel_denied)"
expect_pass "the flood reached the kernel (>= 90000 denied)" test "$kernel" -ge 90000
expect_pass "the in-kernel limit kept most from the daemon" test "$(get kernel_dropped_unlogged)" -gt 0
expect_eq "no record was lost between kernel and daemon" 0 "$(get nflog_lost)"
expect_eq "no record was skipped" 0 "$(get skipped)"
expect_eq "kernel_denied = logged + kernel_dropped_unlogged" "$kernel" \
	$((logged + $(get kernel_dropped_unlogged)))

# every packet the daemon received is in exactly one count of the log
counted=$(grep -E 'zonegated: violation(s-suppressed|-summary)? ' "$SYSLOG_FILE" |
	grep -Eo ' count=[0-9]+' | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
expect_eq "the counts in the log add up to the packets received" "$logged" "$counted"

lines=$(grep -cE 'zonegated: violation(-summary)? ' "$SYSLOG_FILE")
supp=$(grep -c 'zonegated: violations-suppressed ' "$SYSLOG_FILE")
secs=$((t1 - t0 + 1))
expect_pass "lines ($lines) within 20/s x ${secs}s" test "$lines" -le $((20 * secs))
expect_pass "one suppressed line per 5 s window at most ($supp)" test "$supp" -le $((secs / 5 + 2))
expect_pass "some lines were suppressed" test "$supp" -ge 1
expect_pass "peak RSS ${rss} kB under ${RSS_BOUND_KB} kB" test "$rss" -lt "$RSS_BOUND_KB"
echo "# flood: kernel_denied=$kernel logged=$logged lines=$lines suppressed_lines=$supp rss=${rss}kB secs=$secs"
finish
