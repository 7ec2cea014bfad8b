#!/bin/bash
# violations.sh - benchmark of violation reporting under a flood: denied new
# flows from random sources at the highest rate hping3 reaches, for 10 s.
# Prints the daemon's CPU (percent of one core), peak RSS before and after,
# lines written, packets attributed, pcap drops and count accuracy.
cd "$(dirname "$0")/../.." || exit 1
. tests/ns/syslog.bash
. tests/ns/lib.bash
zg_user_cleanup() { zg_syslog_cleanup; }
ZG_NAME=bench-violations
SECS=${ZG_BENCH_SECS:-10}

syslog_start >/dev/null || exit 1
topo_up >/dev/null
# classification of the zone interfaces is measured by the classification
# benchmark; here only the violation path runs (ZG_BENCH_CLASSIFY=1: both)
conf=$ZG_TOP/tests/bench/conf/violations-noclassify.conf
[ "${ZG_BENCH_CLASSIFY:-0}" = 1 ] && conf=$ZG_TOP/tests/ns/conf/violations.conf
daemon_start "$conf" >/dev/null || exit 1
daemon_log_wait applied 5 >/dev/null
sleep 1
rss0=$(daemon_hwm_kib)
c0=$(daemon_ticks)
t0=$(date +%s.%N)
ip netns exec "$NS_IN" timeout "$SECS" hping3 --udp -p 9 --rand-source --flood \
	"$LG4" >/dev/null 2>&1
t1=$(date +%s.%N)
c1=$(daemon_ticks)
sleep 1
rss1=$(daemon_hwm_kib)
daemon_stop >/dev/null
syslog_wait 'violations-total' 5
hz=$(getconf CLK_TCK)
total=$(grep 'violations-total' "$SYSLOG_FILE" | tail -1)
get() { grep -Eo " $1=-?[0-9]+" <<<"$total" | cut -d= -f2; }
kernel=$(gw_nft list counters table inet zonegate | awk '
	/counter (deny|spoof|unknown)_/ { c = 1; next }
	c && /^[ \t]*packets [0-9]/ { s += $2; c = 0 }
	END { print s + 0 }')
counted=$(grep -E 'zonegated: violation(s-suppressed|-summary)? ' "$SYSLOG_FILE" |
	grep -Eo ' count=[0-9]+' | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
lines=$(grep -cE 'zonegated: violation' "$SYSLOG_FILE")
logged=$(get logged)
miscount=$(( kernel - logged - $(get kernel_dropped_unlogged) - $(get skipped) - $(get nflog_lost) ))
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
    -v k="$kernel" -v lg="$logged" -v cn="$counted" -v ln="$lines" \
    -v r0="$rss0" -v r1="$rss1" -v pd="$(get pcap_drop)" -v mc="$miscount" \
    -v un="$(get kernel_dropped_unlogged)" 'BEGIN {
	el = t1 - t0; cpu = (c1 - c0) / hz / el * 100
	printf "violations: flood %.1f s, %d denied packets (%.0f/s) in the kernel\n", el, k, k / el
	printf "  daemon CPU            %.1f %% of one core, its parsers included   (goal < 10 %%)\n", cpu
	printf "  packets attributed    %d (the kernel log limit let them through; %d unlogged)\n", lg, un
	printf "  lines written         %d (counts in them add up to %d)\n", ln, cn
	printf "  pcap drops            %d\n", pd
	printf "  miscounted packets    %d   (goal 0)\n", mc + (cn - lg)
	printf "  peak RSS              %d kB before, %d kB after   (goal: flat)\n", r0, r1
}'
