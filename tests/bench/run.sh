#!/bin/bash
# run.sh - zonegate benchmarks; `make bench` runs it (as root).  See
# tests/bench/README.md for what is measured and how, and the last figures.
#
#   1. new-flow rate through the gateway namespace: no table (context), the
#      stateful minimum, zonegate policies of 10 .. 100000 accept entries
#      (zonegated running; for 10000 and more also the same compiled table
#      loaded with nft -f and no daemon) and the naive one-rule-per-entry
#      equivalent; each group of configurations right after a measurement
#      of the stateful minimum; ratio = rate / that minimum's rate, median
#      of the rounds
#   2. apply time of the 100000-entry policy: zonegated start (until the
#      table exists; and its logged compile+commit time) against nft -f of
#      `zonegatectl check --dump`; reload (SIGHUP until "applied") after one
#      entry changed
#   3. zonegated's peak RSS (VmHWM) with that policy, after start and after
#      the reload
#
# Everything runs in network namespaces made by tests/ns/lib.bash and
# removed on exit (also on error or ^C); each flood lasts BENCH_FLOOD s.
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_SIZES ("10 1000 10000
# 100000"), BENCH_APPLY_N (100000), BENCH_APPLY_REPS (3), BENCH_FLOOD (3),
# BENCH_OUT (also write the final table to this file).

set -u
export LC_ALL=C

ROUNDS=${BENCH_ROUNDS:-3}
SIZES=${BENCH_SIZES:-"10 1000 10000 100000"}
APPLY_N=${BENCH_APPLY_N:-100000}
APPLY_REPS=${BENCH_APPLY_REPS:-3}
FLOOD=${BENCH_FLOOD:-3}		# seconds per flood
WIN_START=0.5			# the rate is measured from WIN_START ...
WIN_LEN=$(awk -v f="$FLOOD" 'BEGIN { print f - 1 }')	# ... to 0.5 s before its end
WARM=1.2			# seconds of conntrack warm-up flood

# The flow under test (gen_policy.py permits it in its last entry).
FLOW_SRC=10.20.0.25	# LG4
FLOW_DST=10.30.0.25	# RL_SAN4
FLOW_PORT=9999

ZG_PREFIX=${ZG_PREFIX:-zb$$}
. "$(dirname "${BASH_SOURCE[0]}")/../ns/lib.bash"
BENCH=$ZG_TOP/tests/bench
ZGCTL=$ZG_TOP/zonegatectl
T_START=$EPOCHREALTIME

say() { echo "# $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for c in hping3 nft ip timeout awk; do
	command -v "$c" >/dev/null || die "$c is not installed (make deps)"
done
[ -x "$ZONEGATED" ] && [ -x "$ZGCTL" ] || die "build first: make"
# the binaries of this run, copied: the tree may be rebuilt meanwhile
cp "$ZONEGATED" "$ZG_TMP/zonegated" && cp "$ZGCTL" "$ZG_TMP/zonegatectl" ||
	die "cannot copy the binaries"
ZONEGATED=$ZG_TMP/zonegated ZGCTL=$ZG_TMP/zonegatectl
TREE=$(cd "$ZG_TOP" && git rev-parse --short HEAD 2>/dev/null)
[ -n "$TREE" ] && [ -n "$(cd "$ZG_TOP" && git status --porcelain -- lib daemon 2>/dev/null)" ] &&
	TREE="$TREE+uncommitted changes in lib/ daemon/"

# ------------------------------------------------------------------ helpers

fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }

# median of the arguments (numbers)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "nan";
		      else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# gw_clear: stop the daemon, delete every table of the gateway namespace
# (all of them are ours: the namespace is this run's own)
gw_clear() {
	local t
	daemon_alive && daemon_stop 10 >/dev/null 2>&1
	DAEMON_PID=
	for t in $(gw_nft list tables 2>/dev/null | awk '$1 == "table" { print $2 ":" $3 }'); do
		gw_nft delete table "${t%%:*}" "${t#*:}" ||
			die "cannot delete table $t in the gateway namespace"
	done
}

ct_count() { nsx "$NS_GW" sysctl -n net.netfilter.nf_conntrack_count 2>/dev/null || echo 0; }
ct_flush() { nsx "$NS_GW" "$ZG_PY" "$BENCH/ctflush.py" || die "conntrack flush failed"; }

load_min() {
	gw_nft -f - <<-'EOF' || die "cannot load the stateful minimum"
	table inet min {
		chain f {
			type filter hook forward priority 0; policy drop;
			ct state established,related accept
			ct state invalid drop
			accept
		}
	}
	EOF
}

# rx_read: "PACKETS TIME" of the receiver's counter (time: the middle of
# the read)
rx_read() {
	local a b n
	a=$EPOCHREALTIME
	n=$(nsx "$NS_RL" nft list counter inet zgbench rx | awk '$1 == "packets" { print $2 }')
	b=$EPOCHREALTIME
	awk -v n="${n:-0}" -v a="$a" -v b="$b" 'BEGIN { printf "%d %.6f\n", n, (a + b) / 2 }'
}

# flood SECONDS: hping3 --udp --flood (source port +1 per packet) of the
# flow under test, in the background; FLOOD_PID, FLOOD_OUT
flood_start() {
	FLOOD_OUT=$ZG_TMP/hping.out
	timeout -s INT -k 2 "$1" ip netns exec "$NS_LG" hping3 --udp --flood -q \
		-a "$FLOW_SRC" -p "$FLOW_PORT" "$FLOW_DST" >"$FLOOD_OUT" 2>&1 </dev/null &
	FLOOD_PID=$!
	echo "$FLOOD_PID" >"$ZG_TMP/flood.pid"
}
flood_wait() {	# sets FLOOD_SENT (not in a subshell: it waits)
	wait "$FLOOD_PID" 2>/dev/null
	rm -f "$ZG_TMP/flood.pid"
	FLOOD_SENT=$(awk '/packets transmitted/ { print $1 }' "$FLOOD_OUT")
}

# warm: make sure the gateway's conntrack holds an (unreplied) entry for
# each of the 65536 source ports hping3 cycles through, under the stateful
# minimum; every packet of the measured flood then finds its entry in
# state NEW and goes through the whole ruleset, whatever the ruleset's
# speed (see README.md)
warm() {
	local i
	for i in 1 2 3; do
		flood_start "$WARM"
		flood_wait
		[ "$(ct_count)" -ge 65536 ] && return 0
	done
	say "warning: conntrack holds only $(ct_count) entries after warm-up"
}

# bench_daemon_start CONF: like lib.bash's daemon_start, but cheaper to
# watch, so that the watching does not slow down what it measures: the
# daemon's output goes to its own file, read with shell builtins every
# 5 ms for the "applied" line, and `nft list tables` (a fork of ip and nft)
# is polled only every 100 ms.  Sets BD_TABLE (s from the start until the
# table was seen, by either: it exists once the line is written), BD_APPLIED
# (s until the line) and BD_LOGGED (zonegated's X.XXX s: compile + commit).
bench_daemon_start() {
	local conf=$1 t0 i
	BD_TABLE=nan BD_APPLIED=nan BD_LOGGED=nan
	BD_LOG=$ZG_TMP/zonegated.$RANDOM.log
	: >"$BD_LOG"
	echo "# bench start $conf (output: $BD_LOG)" >>"$DAEMON_LOG"
	t0=$EPOCHREALTIME
	ip netns exec "$NS_GW" "$ZONEGATED" -f -c "$conf" </dev/null >>"$BD_LOG" 2>&1 &
	DAEMON_PID=$!
	echo "$DAEMON_PID" >"$ZG_TMP/daemon.pid"
	for ((i = 1; i <= 24000; i++)); do
		if bd_line 'applied '; then
			BD_APPLIED=$(fsub "$EPOCHREALTIME" "$t0")
			[ "$BD_TABLE" = nan ] && BD_TABLE=$BD_APPLIED
			BD_LOGGED=$(echo "$BD_LINE" | sed -n 's/.*, \([0-9.]*\) s$/\1/p')
			gw_nft list tables | grep -qx 'table inet zonegate' ||
				die "zonegated logged 'applied' but there is no table"
			cat "$BD_LOG" >>"$DAEMON_LOG"
			return 0
		fi
		if ((i % 20 == 0)) && [ "$BD_TABLE" = nan ] &&
		   gw_nft list tables 2>/dev/null | grep -qx 'table inet zonegate'; then
			BD_TABLE=$(fsub "$EPOCHREALTIME" "$t0")
		fi
		if ! daemon_alive; then
			cat "$BD_LOG" >>"$DAEMON_LOG"
			die "zonegated exited: $(tail -n 5 "$BD_LOG")"
		fi
		sleep 0.005
	done
	die "no 'applied' line from zonegated in 120 s"
}

# bd_line TEXT: is there a line containing TEXT in $BD_LOG after line
# $BD_MARK (default 0)? Sets BD_LINE.  Builtins only.
bd_line() {
	local l n=0
	while IFS= read -r l; do
		n=$((n + 1))
		((n > ${BD_MARK:-0})) || continue
		if [[ $l == *"$1"* ]]; then BD_LINE=$l; return 0; fi
	done <"$BD_LOG"
	return 1
}

# bench_reload: SIGHUP; BD_RELOAD (s until "applied"), BD_LOGGED
bench_reload() {
	local t0 i
	BD_RELOAD=nan BD_LOGGED=nan
	BD_MARK=$(wc -l <"$BD_LOG")
	t0=$EPOCHREALTIME
	kill -HUP "$DAEMON_PID"
	for ((i = 0; i < 24000; i++)); do
		if bd_line 'applied ' || bd_line 'reload failed'; then
			BD_RELOAD=$(fsub "$EPOCHREALTIME" "$t0")
			case $BD_LINE in *"reload failed"*) die "reload failed: $BD_LINE" ;; esac
			BD_LOGGED=$(echo "$BD_LINE" | sed -n 's/.*, \([0-9.]*\) s$/\1/p')
			BD_MARK=0
			return 0
		fi
		daemon_alive || die "zonegated exited during the reload"
		sleep 0.005
	done
	die "no 'applied' line after SIGHUP"
}

# cpu_ns PID: nanoseconds PID and the ksoftirqd threads have run.  The
# forwarding path runs in softirqs, mostly in the sender's own context
# (veth delivers synchronously), else in ksoftirqd; without
# IRQ_TIME_ACCOUNTING that time is charged to the running task.  CPU time
# per packet does not care how much of the machine other users take.
cpu_ns() {
	local p t=0 v
	[ -r "/proc/$1/schedstat" ] || { echo gone; return; }
	for p in "$1" $(pgrep -x 'ksoftirqd/[0-9]+'); do
		{ read -r v _ <"/proc/$p/schedstat"; } 2>/dev/null && t=$((t + v))
	done
	echo "$t"
}

hwm_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$DAEMON_PID/status"; }

# daemon_ns: CPU nanoseconds of zonegated and its packet parsers (children:
# their time is not in the daemon's until they are reaped)
daemon_ns() {
	local p t=0 v
	for p in "$DAEMON_PID" $(pgrep -P "$DAEMON_PID"); do
		{ read -r v _ <"/proc/$p/schedstat"; } 2>/dev/null && t=$((t + v))
	done
	echo "$t"
}

# ------------------------------------------------------------------ set-up

say "zonegate bench: rounds=$ROUNDS sizes='$SIZES' flood=${FLOOD}s apply=$APPLY_N x$APPLY_REPS"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); other network namespaces: $(ip netns list 2>/dev/null | grep -vc "^$P-")"

for n in $SIZES $APPLY_N; do
	[ -e "$ZG_TMP/zg$n.conf" ] && continue
	"$ZG_PY" "$BENCH/gen_policy.py" zonegate "$n" "$ZG_TMP/zg$n.conf" || die "gen_policy"
	"$ZG_PY" "$BENCH/gen_policy.py" naive "$n" "$ZG_TMP/naive$n.nft" || die "gen_policy"
	# the flow under test must be permitted, by the last entry, and the
	# entries must form one accept set (one lookup over all of them)
	line=$("$ZGCTL" -c "$ZG_TMP/zg$n.conf" explain --in lg0 udp "$FLOW_SRC" \
		"$FLOW_DST" "$FLOW_PORT") || die "zg$n.conf does not permit the flow: $line"
	last=$(grep -n 'udp/9999' "$ZG_TMP/zg$n.conf" | cut -d: -f1)
	case $line in *":$last") ;; *) die "zg$n.conf: flow permitted by another entry: $line" ;; esac
	"$ZGCTL" -c "$ZG_TMP/zg$n.conf" check --dump >"$ZG_TMP/dump$n.nft" || die "dump of zg$n.conf"
	nsets=$(grep -c '^[[:space:]]*set acc_lgwan_relay_4t' "$ZG_TMP/dump$n.nft")
	[ "$nsets" -eq 1 ] || die "zg$n.conf compiles to $nsets accept sets, not 1"
done

topo_up || die "topology"
# UDP entries the warm-up makes must outlive the slowest load (the
# per-namespace timeout; nf_conntrack_max is read-only outside init_net
# and not needed: hping3 makes at most 65536 entries)
zg_sysctl "$NS_GW" net.netfilter.nf_conntrack_udp_timeout=300 2>/dev/null ||
	{ load_min; zg_sysctl "$NS_GW" net.netfilter.nf_conntrack_udp_timeout=300 ||
	  die "cannot set the conntrack UDP timeout in the gateway"; gw_clear; }
# the receiver counts and drops the flood before its own conntrack
nsx "$NS_RL" nft -f - <<EOF || die "receiver table"
table inet zgbench {
	counter rx { }
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		udp dport $FLOW_PORT counter name rx drop
	}
}
EOF

# ------------------------------------------------------------------ 1. new-flow rate

# point1 KIND N: one measurement; sets PT_RATE (pps at the receiver),
# PT_CPU (packets per CPU-second of the flood's path), PT_BUSY (CPUs the
# path had in the window), PT_DAEMON (CPUs zonegated itself used in it),
# PT_SENT (hping3's count), PT_CT (conntrack entries afterwards); PT_OK=0
# when the window was broken (hping3 gone before its end: the shell was
# held up).  Not in a subshell: it starts and stops the daemon.
point1() {
	local kind=$1 n=$2 c1 t1 c2 t2 acc= hp s1 s2 d1=0 d2=0
	gw_clear
	ct_flush
	load_min
	warm
	case $kind in
	none) gw_nft delete table inet min ;;
	min) ;;
	zg) bench_daemon_start "$ZG_TMP/zg$n.conf"; gw_nft delete table inet min ;;
	naive) gw_nft -f "$ZG_TMP/naive$n.nft" || die "nft -f naive$n.nft failed"
	       gw_nft delete table inet min ;;
	dump) gw_nft -f "$ZG_TMP/dump$n.nft" || die "nft -f dump$n.nft failed"
	      gw_nft delete table inet min ;;
	esac
	flood_start "$FLOOD"
	sleep "$WIN_START"
	hp=$(pgrep -P "$FLOOD_PID" -x hping3 | head -n 1)
	[ -n "$hp" ] || die "hping3 did not start: $(cat "$FLOOD_OUT")"
	s1=$(cpu_ns "$hp")
	daemon_alive && d1=$(daemon_ns)
	read -r c1 t1 < <(rx_read)
	sleep "$WIN_LEN"
	read -r c2 t2 < <(rx_read)
	daemon_alive && d2=$(daemon_ns)
	s2=$(cpu_ns "$hp")
	flood_wait
	PT_SENT=${FLOOD_SENT:-?}
	PT_OK=1
	[ "$s1" = gone ] || [ "$s2" = gone ] || [ "$s2" -le "$s1" ] && PT_OK=0
	if [ "$kind" != min ] && [ "$kind" != none ] && [ "$kind" != naive ]; then
		acc=$(gw_nft list counter inet zonegate acc_lgwan_relay | awk '$1 == "packets" { print $2 }')
		[ "${acc:-0}" -gt 0 ] || die "zonegate accepted nothing (counter acc_lgwan_relay)"
	fi
	PT_CT=$(ct_count)
	PT_RATE=$(awk -v a="$c1" -v b="$c2" -v s="$t1" -v e="$t2" \
		'BEGIN { printf "%.0f", (b - a) / (e - s) }')
	PT_DAEMON=$(awk -v a="$d1" -v b="$d2" -v s="$t1" -v e="$t2" \
		'BEGIN { printf "%.2f", (b > a ? (b - a) / 1e9 / (e - s) : 0) }')
	if [ "$PT_OK" = 1 ]; then
		PT_CPU=$(awk -v a="$c1" -v b="$c2" -v s="$s1" -v e="$s2" \
			'BEGIN { printf "%.0f", (b - a) / ((e - s) / 1e9) }')
		PT_BUSY=$(awk -v s="$s1" -v e="$s2" -v a="$t1" -v b="$t2" \
			'BEGIN { printf "%.2f", (e - s) / 1e9 / (b - a) }')
	else
		PT_CPU=0 PT_BUSY=0
	fi
}

# point KIND N: point1, redone once when the window was broken or the
# flood's path had less than 0.75 of a CPU while zonegated itself was
# nearly idle (others took the CPU; a busy zonegated is part of what is
# measured); a broken window gets one more try.
REDONE=0
point() {
	local try
	for try in 1 2 3; do
		point1 "$@"
		[ "$PT_OK" = 1 ] && awk -v b="$PT_BUSY" -v d="$PT_DAEMON" \
			'BEGIN { exit !(b >= 0.75 || d >= 0.25) }' && return 0
		[ "$try" -lt 2 ] || { [ "$try" -lt 3 ] && [ "$PT_OK" = 0 ]; } || break
		REDONE=$((REDONE + 1))
		say "  ($1 $2: $( [ "$PT_OK" = 1 ] && echo "only $PT_BUSY of a CPU" || echo "window broken"): measured again)"
	done
	[ "$PT_OK" = 1 ] || die "$1 $2: no valid measurement in 3 tries"
}

declare -A RATE	# RATE[config]="r1 r2 r3"
declare -A RATIO CPU CPURATIO DCPU
# Groups of configurations measured together, each group right after a
# measurement of the stateful minimum; their ratios are taken against that
# one, so that noise drifting over minutes cancels.  dump: zonegate's table
# for the policy, loaded with nft -f from `zonegatectl check --dump`,
# without the daemon: the compiled ruleset alone (the daemon also taps the
# zone interfaces for its live classification).
SETS_OF=("none:0")
for n in $SIZES; do
	g="zg:$n"
	[ "$n" -ge 10000 ] && g="$g dump:$n"
	SETS_OF+=("$g naive:$n")
done

record() {	# CONFIG: log and keep the last point
	RATE[$1]="${RATE[$1]:-} $PT_RATE"
	CPU[$1]="${CPU[$1]:-} $PT_CPU"
	DCPU[$1]="${DCPU[$1]:-} $PT_DAEMON"
	say "  $(printf '%-13s %7s pps %7s pkt/cpu-s  (path had %s CPU, zonegated %s; hping3 sent %s in %ss; conntrack %s)' \
		"$1" "$PT_RATE" "$PT_CPU" "$PT_BUSY" "$PT_DAEMON" "$PT_SENT" "$FLOOD" "$PT_CT")"
}
for ((r = 1; r <= ROUNDS; r++)); do
	say "round $r of $ROUNDS"
	for g in "${SETS_OF[@]}"; do
		point min 0
		record min:0
		mrate=$PT_RATE mcpu=$PT_CPU
		for c in $g; do
			point "${c%%:*}" "${c#*:}"
			record "$c"
			RATIO[$c]="${RATIO[$c]:-} $(awk -v a="$PT_RATE" -v b="$mrate" \
				'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')"
			CPURATIO[$c]="${CPURATIO[$c]:-} $(awk -v a="$PT_CPU" -v b="$mcpu" \
				'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')"
		done
	done
done
RATIO[min:0]=1 CPURATIO[min:0]=1
gw_clear

# ------------------------------------------------------------------ 2./3. apply, reload, memory

CONF=$ZG_TMP/apply.conf
DUMP=$ZG_TMP/dump$APPLY_N.nft
A_TABLE=() A_APPLIED=() A_LOGGED=() A_PRE=() A_NFT=() R_WALL=() R_LOGGED=() HWM1=() HWM2=()
NFT_ERR=
for ((r = 1; r <= APPLY_REPS; r++)); do
	say "apply $APPLY_N: repetition $r of $APPLY_REPS"
	gw_clear
	cp "$ZG_TMP/zg$APPLY_N.conf" "$CONF"
	bench_daemon_start "$CONF"
	A_TABLE+=("$BD_TABLE") A_APPLIED+=("$BD_APPLIED") A_LOGGED+=("$BD_LOGGED")
	A_PRE+=("$(fsub "$BD_APPLIED" "$BD_LOGGED")")
	HWM1+=("$(hwm_kib)")
	say "  zonegated start: table after ${BD_TABLE}s, applied line after ${BD_APPLIED}s, logged ${BD_LOGGED}s, VmHWM ${HWM1[-1]} kB"
	"$ZG_PY" "$BENCH/gen_policy.py" bump "$ZG_TMP/zg$APPLY_N.conf" "$CONF.new" &&
		mv "$CONF.new" "$CONF" || die "cannot change the entry"
	bench_reload
	R_WALL+=("$BD_RELOAD") R_LOGGED+=("$BD_LOGGED")
	HWM2+=("$(hwm_kib)")
	say "  reload after one change: ${BD_RELOAD}s, logged ${BD_LOGGED}s, VmHWM ${HWM2[-1]} kB"
	gw_clear
	t0=$EPOCHREALTIME
	if gw_nft -f "$DUMP" 2>"$ZG_TMP/nft.err"; then
		A_NFT+=("$(fsub "$EPOCHREALTIME" "$t0")")
		say "  nft -f of the dump: ${A_NFT[-1]}s"
	else
		NFT_ERR=$(head -c 2000 "$ZG_TMP/nft.err")
		say "  nft -f REFUSED the dump as it is:"
		sed 's/^/#    /' "$ZG_TMP/nft.err" | head -n 20 >&2
	fi
	gw_clear
done

# ------------------------------------------------------------------ the table

med_rate() { awk -v x="$(median ${RATE[$1]})" 'BEGIN { printf "%.0f", x }'; }
med_ratio() { median ${RATIO[$1]}; }
spread() {	# (max - min) / median of the rates, in percent
	printf '%s\n' ${RATE[$1]} | sort -g | awk -v m="$(med_rate "$1")" \
		'{ v[NR] = $1 } END { if (m > 0) printf "%.0f%%", (v[NR] - v[1]) / m * 100 }'
}
verdict() {	# VALUE OP LIMIT
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
		ok = op == ">=" ? v >= l : v <= l; print ok ? "met" : "MISSED" }'
}

{
	echo
	echo "zonegate benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), tree ${TREE:-?}, $(uname -r), nft $(nft --version | awk '{ print $2 }'), $(nproc) CPUs"
	echo "value: median of $ROUNDS rounds (spread: (max-min)/median); ratio: median over the rounds of rate / rate of the stateful minimum measured just before"
	echo "cpu ratio: the same with packets per CPU-second of the flood's path (sender + softirq), which CPU taken by others does not change"
	printf '%-42s %-22s %-7s %-7s %-7s %s\n' benchmark value ratio goal "" "cpu ratio"
	row() {	# LABEL CONFIG GOAL
		local ratio
		ratio=$(awk -v x="$(med_ratio "$2")" 'BEGIN { printf "%.2f", x }')
		printf '%-42s %-22s %-7s %-7s %-7s %s\n' "$1" \
			"$(med_rate "$2") pps ($(spread "$2"))" \
			"$ratio" "$3" \
			"$([ -n "$3" ] && verdict "$ratio" ">=" "${3#>=}")" \
			"$(awk -v x="$(median ${CPURATIO[$2]})" 'BEGIN { printf "%.2f", x }')"
	}
	row "new-flow rate, no table (context)" none:0 ""
	row "new-flow rate, stateful minimum" min:0 ""
	for n in $SIZES; do
		goal=""
		[ "$n" -ge 10000 ] && goal=">=0.8"
		row "new-flow rate, zonegate $n entries" "zg:$n" "$goal"
		printf '%-42s %-22s\n' "  zonegated + parsers' CPU in that flood" \
			"$(awk -v x="$(median ${DCPU[zg:$n]})" 'BEGIN { printf "%.2f CPU", x }')"
		[ -n "${RATE[dump:$n]:-}" ] &&
			row "  same ruleset, no daemon (nft -f)" "dump:$n" "$goal"
		row "new-flow rate, naive $n rules" "naive:$n" ""
	done
	zt=$(median "${A_TABLE[@]}")
	if [ ${#A_NFT[@]} -gt 0 ]; then
		nt=$(median "${A_NFT[@]}")
		# paired: each repetition's zonegated start / its nft -f
		ar=$(for i in "${!A_NFT[@]}"; do
			awk -v a="${A_TABLE[$i]}" -v b="${A_NFT[$i]}" 'BEGIN { print a / b }'
		     done | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }')
		printf '%-42s %-22s %-7s %-7s %s\n' "apply $APPLY_N: zonegated vs nft -f" \
			"$(printf '%.2f s / %.2f s' "$zt" "$nt")" "$ar" "<=0.5" "$(verdict "$ar" "<=" 0.5)"
	else
		printf '%-42s %-22s %-7s %-7s %s\n' "apply $APPLY_N: zonegated vs nft -f" \
			"$(printf '%.2f s / refused' "$zt")" "-" "<=0.5" "nft refused the dump"
	fi
	printf '%-42s %-22s\n' "  zonegated logged compile+commit" \
		"$(printf '%.3f s' "$(median "${A_LOGGED[@]}")")"
	printf '%-42s %-22s\n' "  zonegated before compiling (parse etc.)" \
		"$(printf '%.3f s' "$(median "${A_PRE[@]}")")"
	printf '%-42s %-22s\n' "reload after one change (SIGHUP->applied)" \
		"$(printf '%.2f s (logged %.3f s)' "$(median "${R_WALL[@]}")" "$(median "${R_LOGGED[@]}")")"
	printf '%-42s %-22s\n' "peak RSS $APPLY_N (VmHWM after start)" \
		"$(awk -v k="$(median "${HWM1[@]}")" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
	printf '%-42s %-22s\n' "peak RSS $APPLY_N (VmHWM after a reload)" \
		"$(awk -v k="$(median "${HWM2[@]}")" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
	echo "points measured again because others took the CPU or held the shell up: $REDONE"
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); other network namespaces now: $(ip netns list 2>/dev/null | grep -vc "^$P-"); total $(awk -v a="$EPOCHREALTIME" -v b="$T_START" 'BEGIN { printf "%.0f", a - b }') s"
	[ -n "$NFT_ERR" ] && echo "nft -f refused the dump: $NFT_ERR"
} | tee "${BENCH_OUT:-/dev/null}"
exit 0
