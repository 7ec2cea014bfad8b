#!/bin/bash
# established.sh - what the check of established packets costs: the
# forwarded rate of ONE established UDP flow (10.20.3.4:40000 -> the relay's
# virtual browser 10.30.0.40:3389, permitted by the seed policy) through the
# gateway namespace, side by side (configurations alternate, their order
# rotating from run to run; median of EST_RUNS runs), for
#
#   (a) min    the stateful minimum: `ct state established accept`, and an
#              accept (with a counter) that lets the flow be created
#   (b) zg     zonegate's compiled seed table, `zonegatectl check --dump`,
#              loaded with nft -f
#   (c) noest  the same table without the check: the forward chain's rule
#              `ct state established ct mark ... jump est_check` removed
#              (until 2026-11-26 01:55 the check was two rules,
#              `... ip saddr . iifname != @est_src4 ... goto est_spoof` and
#              its ipv6 twin; see tests/bench/README.md)
#   (d) zgd    the seed table as zonegated loads it itself (classify =
#              false: no capture taps), a check that (b) is the real thing
#
# Until a03a552, nft 1.0.6 refused the dump: the two rules of chain
# `related` that look up the quoted address of an ICMP error (`@th,192,32
# vmap @zrel4` and its ipv6 twin) failed with "datatype mismatch".  If nft
# refuses the dump as it is, (b) and (c) are loaded without those two rules
# (and the script says so): established packets are accepted before chain
# `related` is ever reached, so their path is the same, and (d) checks it.
#
# Per point: the gateway's conntrack is flushed, the configuration loaded;
# the lgwan host sends 3 datagrams of the flow (hping3 -c 3, the same
# options as the flood), the relay host answers with one datagram from
# 10.30.0.40:3389 to 10.20.3.4:40000, and the flow's entry in the gateway's
# conntrack (/proc/net/nf_conntrack of the namespace) must then be replied
# (no [UNREPLIED]).  Then `hping3 --udp -s 40000 -k -p 3389 --flood` for
# EST_FLOOD s; the receiver (relay namespace) counts and drops it in
# prerouting at priority -300, before its own conntrack.  The rate is taken
# from EST_WIN_START s into the flood to 0.5 s before its end.  Afterwards
# the entry must be [ASSURED], the packets that took the new-flow path
# (the minimum's counter; zonegate's acc_lgwan_relay) must not have grown
# during the flood, zonegate's pkt_lgwan_relay (established packets of the
# pair) must have counted at least what the receiver got, and
# spoof_established must be 0.
#
# Also measured, as run.sh does: packets per CPU-second of the flood's path
# (hping3 and the ksoftirqd threads, from /proc/PID/schedstat), which CPU
# taken by others does not change; us/pkt is its inverse.
#
# Knobs: EST_RUNS (3), EST_FLOOD (4 s per flood), EST_WIN_START (1.0 s),
# EST_OUT (also write the final table to this file).  Run as root; every
# flood is bounded (timeout); everything runs in the namespaces lib.bash
# makes and removes on exit.

set -u
export LC_ALL=C

RUNS=${EST_RUNS:-3}
FLOOD=${EST_FLOOD:-4}
WIN_START=${EST_WIN_START:-1.0}
WIN_LEN=$(awk -v f="$FLOOD" -v s="$WIN_START" 'BEGIN { print f - s - 0.5 }')

SRC=10.20.3.4	# LG4B, the lgwan terminal
SPORT=40000
DPORT=3389

ZG_PREFIX=${ZG_PREFIX:-ze$$}
. "$(dirname "${BASH_SOURCE[0]}")/../ns/lib.bash"
BENCH=$ZG_TOP/tests/bench
DST=$RL_VB4	# 10.30.0.40
T_START=$EPOCHREALTIME

say() { echo "# $*" >&2; }
die() { echo "established: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for c in hping3 nft ip timeout awk pgrep; do
	command -v "$c" >/dev/null || die "$c is not installed (make deps)"
done
awk -v w="$WIN_LEN" 'BEGIN { exit !(w >= 1) }' ||
	die "EST_FLOOD must be at least EST_WIN_START + 1.5 s"
[ "${FLOOD%.*}" -le 10 ] 2>/dev/null || die "EST_FLOOD: at most 10 s"
[ -x "$ZONEGATED" ] && [ -x "$ZG_TOP/zonegatectl" ] || die "build first: make"
# the binaries of this run, copied: the tree may be rebuilt meanwhile
cp "$ZONEGATED" "$ZG_TMP/zonegated" && cp "$ZG_TOP/zonegatectl" "$ZG_TMP/zonegatectl" ||
	die "cannot copy the binaries"
ZONEGATED=$ZG_TMP/zonegated ZGCTL=$ZG_TMP/zonegatectl
TREE=$(cd "$ZG_TOP" && git rev-parse --short HEAD 2>/dev/null)
[ -n "$TREE" ] && [ -n "$(cd "$ZG_TOP" && git status --porcelain -- lib daemon 2>/dev/null)" ] &&
	TREE="$TREE+uncommitted changes in lib/ daemon/"

# ------------------------------------------------------------------ the configurations

"$ZGCTL" -c "$ZG_SEED_CONF" explain --in lg0 udp "$SRC" "$DST" "$DPORT" >"$ZG_TMP/explain" ||
	die "the seed policy does not permit the flow: $(cat "$ZG_TMP/explain")"
"$ZGCTL" -c "$ZG_SEED_CONF" check --dump >"$ZG_TMP/dump.nft" || die "zonegatectl check --dump"
# (b): the dump as it is, unless nft refuses it (checked once the
# namespaces exist, below)
cp "$ZG_TMP/dump.nft" "$ZG_TMP/zg.nft"
# (c): without the forward chain's jump to the check, and nothing else
mk_noest() {
	grep -v 'jump est_check' "$ZG_TMP/zg.nft" >"$ZG_TMP/noest.nft"
	local n=$(( $(wc -l <"$ZG_TMP/zg.nft") - $(wc -l <"$ZG_TMP/noest.nft") ))
	[ "$n" -eq 1 ] || die "the dump has $n rules that jump to est_check, not 1"
}
mk_noest
grep -q 'ip saddr \. iifname @est_src4 return' "$ZG_TMP/zg.nft" &&
grep -q 'ip6 saddr \. iifname @est_src6 return' "$ZG_TMP/zg.nft" ||
	die "the dump has no est_src4/est_src6 rule"
# (d): the seed configuration, zonegated's own load, no classification
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/zgd.sock\";\n  classify = false;|" \
	"$ZG_SEED_CONF" >"$ZG_TMP/zgd.conf"
grep -q '^  classify = false;' "$ZG_TMP/zgd.conf" || die "cannot write zgd.conf"
"$ZGCTL" -c "$ZG_TMP/zgd.conf" check >/dev/null || die "zgd.conf does not check"

cat >"$ZG_TMP/min.nft" <<'EOF'
table inet min {
	counter new { }
	chain f {
		type filter hook forward priority 0; policy drop;
		ct state established accept
		counter name new accept
	}
}
EOF

# ------------------------------------------------------------------ helpers

say "established bench: runs=$RUNS flood=${FLOOD}s window ${WIN_START}s+${WIN_LEN}s, tree ${TREE:-?}"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); other network namespaces: $(ip netns list 2>/dev/null | grep -vc "^$P-")"

gw_clear() {	# stop the daemon, delete every table of the gateway namespace
	local t
	daemon_alive && daemon_stop 10 >/dev/null 2>&1
	DAEMON_PID=
	for t in $(gw_nft list tables 2>/dev/null | awk '$1 == "table" { print $2 ":" $3 }'); do
		gw_nft delete table "${t%%:*}" "${t#*:}" ||
			die "cannot delete table $t in the gateway namespace"
	done
}
ct_flush() { nsx "$NS_GW" "$ZG_PY" "$BENCH/ctflush.py" || die "conntrack flush failed"; }
# ct_line: the gateway's conntrack entry of the flow (empty if none)
ct_line() {
	nsx "$NS_GW" cat /proc/net/nf_conntrack |
		grep -F "src=$SRC dst=$DST sport=$SPORT dport=$DPORT " | head -n 1
}
ct_count() { nsx "$NS_GW" cat /proc/sys/net/netfilter/nf_conntrack_count; }
counter() {	# NS TABLE NAME: packets of a named counter of family inet
	nsx "$1" nft list counter inet "$2" "$3" 2>/dev/null |
		awk '$1 == "packets" { print $2; exit }'
}
# newpath: packets that took the new-flow path of the loaded configuration
newpath() {
	case $1 in
	min) counter "$NS_GW" min new ;;
	*) counter "$NS_GW" zonegate acc_lgwan_relay ;;
	esac
}
rx_read() {	# "PACKETS TIME" of the receiver's counter (time: middle of the read)
	local a b n
	a=$EPOCHREALTIME
	n=$(counter "$NS_RL" sink rx)
	b=$EPOCHREALTIME
	awk -v n="${n:-0}" -v a="$a" -v b="$b" 'BEGIN { printf "%d %.6f\n", n, (a + b) / 2 }'
}
# cpu_ns PID: ns PID and the ksoftirqd threads have run (see run.sh)
cpu_ns() {
	local p t=0 v
	[ -r "/proc/$1/schedstat" ] || { echo gone; return; }
	for p in "$1" $(pgrep -x 'ksoftirqd/[0-9]+'); do
		{ read -r v _ <"/proc/$p/schedstat"; } 2>/dev/null && t=$((t + v))
	done
	echo "$t"
}

load() {	# KIND
	case $1 in
	min) gw_nft -f "$ZG_TMP/min.nft" || die "cannot load the stateful minimum" ;;
	zg) gw_nft -f "$ZG_TMP/zg.nft" || die "nft -f of the dump failed" ;;
	noest) gw_nft -f "$ZG_TMP/noest.nft" || die "nft -f of the dump without est_src failed" ;;
	zgd) daemon_start "$ZG_TMP/zgd.conf" >/dev/null || die "zonegated did not start"
	     daemon_log_wait 'applied ' 5 >/dev/null || die "zonegated: no 'applied' line"
	     ! grep -q 'classifying traffic' "$DAEMON_LOG" || die "zonegated classifies (taps)"
	     ;;
	esac
	gw_nft list tables | grep -q . || die "$1: no table in the gateway"
}

# establish: 3 datagrams of the flow, one reply; the entry must be replied
establish() {
	local i l
	timeout -k 1 5 ip netns exec "$NS_LG" hping3 --udp -q -a "$SRC" -s "$SPORT" -k \
		-p "$DPORT" -c 3 -i u10000 "$DST" >/dev/null 2>&1
	l=$(ct_line)
	[ -n "$l" ] || die "$1: no conntrack entry for the flow after 3 datagrams"
	timeout -k 1 5 ip netns exec "$NS_RL" "$ZG_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.sendto(b"reply", (sys.argv[3], int(sys.argv[4])))' "$DST" "$DPORT" "$SRC" "$SPORT" ||
		die "cannot send the reply"
	for ((i = 0; i < 50; i++)); do
		l=$(ct_line)
		[[ -n $l && $l != *UNREPLIED* ]] && return 0
		sleep 0.02
	done
	die "$1: the flow's entry is not replied: $l"
}

# point1 KIND: one measurement; PT_RATE (pps at the receiver), PT_CPU
# (packets per CPU-second of the path), PT_BUSY (CPUs the path had), PT_OK
point1() {
	local kind=$1 c1 t1 c2 t2 s1 s2 hp n0 n1 n2 l e0 e1 sp fp
	gw_clear
	ct_flush
	load "$kind"
	establish "$kind"
	n0=$(newpath "$kind")
	[ "${n0:-0}" -ge 1 ] && [ "$n0" -le 3 ] ||
		die "$kind: $n0 packets took the new-flow path before the flood (want 1-3)"
	[ "$kind" != min ] && e0=$(counter "$NS_GW" zonegate pkt_lgwan_relay)
	timeout -s INT -k 2 "$FLOOD" ip netns exec "$NS_LG" hping3 --udp --flood -q \
		-a "$SRC" -s "$SPORT" -k -p "$DPORT" "$DST" >"$ZG_TMP/hping.out" 2>&1 </dev/null &
	fp=$!
	echo "$fp" >"$ZG_TMP/flood.pid"
	sleep "$WIN_START"
	hp=$(pgrep -P "$fp" -x hping3 | head -n 1)
	[ -n "$hp" ] || die "hping3 did not start: $(cat "$ZG_TMP/hping.out")"
	s1=$(cpu_ns "$hp")
	read -r c1 t1 < <(rx_read)
	sleep "$WIN_LEN"
	read -r c2 t2 < <(rx_read)
	s2=$(cpu_ns "$hp")
	wait "$fp" 2>/dev/null
	rm -f "$ZG_TMP/flood.pid"
	PT_SENT=$(awk '/packets transmitted/ { print $1 }' "$ZG_TMP/hping.out")
	# the flood was established traffic of one flow
	l=$(ct_line)
	[[ $l == *ASSURED* && $l != *UNREPLIED* ]] ||
		die "$kind: the flow's entry is not replied and assured after the flood: $l"
	n1=$(ct_count)
	[ "$n1" -le 2 ] || die "$kind: $n1 conntrack entries in the gateway after the flood"
	n2=$(newpath "$kind")
	[ "$n2" = "$n0" ] || die "$kind: $((n2 - n0)) packets took the new-flow path during the flood"
	if [ "$kind" != min ]; then
		e1=$(counter "$NS_GW" zonegate pkt_lgwan_relay)
		sp=$(counter "$NS_GW" zonegate spoof_established)
		[ "$sp" = 0 ] || die "$kind: spoof_established counted $sp"
		[ $((e1 - e0)) -ge $((c2 - c1)) ] ||
			die "$kind: pkt_lgwan_relay counted $((e1 - e0)) established packets, the receiver $((c2 - c1)) in the window"
	fi
	PT_RATE=$(awk -v a="$c1" -v b="$c2" -v s="$t1" -v e="$t2" \
		'BEGIN { printf "%.0f", (b - a) / (e - s) }')
	PT_OK=1
	[ "$s1" = gone ] || [ "$s2" = gone ] || [ "$s2" -le "$s1" ] && PT_OK=0
	if [ "$PT_OK" = 1 ]; then
		PT_CPU=$(awk -v a="$c1" -v b="$c2" -v s="$s1" -v e="$s2" \
			'BEGIN { printf "%.0f", (b - a) / ((e - s) / 1e9) }')
		PT_BUSY=$(awk -v s="$s1" -v e="$s2" -v a="$t1" -v b="$t2" \
			'BEGIN { printf "%.2f", (e - s) / 1e9 / (b - a) }')
	else
		PT_CPU=0 PT_BUSY=0
	fi
}

# point KIND: point1, measured again once when the path had less than 0.75
# of a CPU (others took it) or the window broke
REDONE=0
point() {
	local try
	for try in 1 2; do
		point1 "$1"
		[ "$PT_OK" = 1 ] && awk -v b="$PT_BUSY" 'BEGIN { exit !(b >= 0.75) }' && return 0
		[ "$try" = 1 ] || break
		REDONE=$((REDONE + 1))
		say "  ($1: $([ "$PT_OK" = 1 ] && echo "path had only $PT_BUSY CPU" || echo "window broken"): measured again)"
	done
	[ "$PT_OK" = 1 ] || die "$1: no valid measurement"
}

# ------------------------------------------------------------------ measure

topo_up >/dev/null || die "topology"
# the receiver counts and drops the flood; the lgwan host drops the reply
# (no ICMP port unreachable), counting it
nsx "$NS_RL" nft -f - <<EOF || die "receiver table"
table inet sink {
	counter rx { }
	chain in {
		type filter hook prerouting priority -300; policy accept;
		udp dport $DPORT counter name rx drop
	}
}
EOF
nsx "$NS_LG" nft -f - <<EOF || die "lgwan sink table"
table inet sink {
	counter reply { }
	chain in {
		type filter hook prerouting priority -300; policy accept;
		udp sport $DPORT udp dport $SPORT counter name reply drop
	}
}
EOF

# nft -c: would the gateway take the dump as it is?
DUMPNOTE="the dump loaded as it is"
if ! gw_nft -c -f "$ZG_TMP/dump.nft" 2>"$ZG_TMP/nft.err"; then
	grep -v -e '@th,192,32 vmap @zrel4' -e '@th,256,128 vmap @zrel6' \
		"$ZG_TMP/dump.nft" >"$ZG_TMP/zg.nft"
	n=$(( $(wc -l <"$ZG_TMP/dump.nft") - $(wc -l <"$ZG_TMP/zg.nft") ))
	gw_nft -c -f "$ZG_TMP/zg.nft" >/dev/null 2>&1 && [ "$n" -eq 2 ] ||
		die "nft refuses the dump: $(head -c 1000 "$ZG_TMP/nft.err")"
	mk_noest
	DUMPNOTE="nft refused the dump as it is; (b), (c) without the 2 zrel4/zrel6 rules of chain related"
	say "$DUMPNOTE"
fi

KINDS=(min zg noest zgd)
declare -A RATE CPU
for ((r = 0; r < RUNS; r++)); do
	say "run $((r + 1)) of $RUNS"
	for ((k = 0; k < ${#KINDS[@]}; k++)); do
		kind=${KINDS[$(( (k + r) % ${#KINDS[@]} ))]}
		point "$kind"
		RATE[$kind,$r]=$PT_RATE CPU[$kind,$r]=$PT_CPU
		say "  $(printf '%-6s %8s pps %8s pkt/cpu-s  (path had %s CPU; hping3 sent %s in %ss)' \
			"$kind" "$PT_RATE" "$PT_CPU" "$PT_BUSY" "${PT_SENT:-?}" "$FLOOD")"
	done
done
gw_clear
REPLIES=$(counter "$NS_LG" sink reply)

# ------------------------------------------------------------------ the table

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
vals() {	# ARRAY KIND: the runs' values
	local -n a=$1
	local r
	for ((r = 0; r < RUNS; r++)); do echo "${a[$2,$r]}"; done
}
# ratio ARRAY X Y: median over the runs of X/Y of the same run
ratio() {
	local -n a=$1
	local r
	median $(for ((r = 0; r < RUNS; r++)); do
		awk -v x="${a[$2,$r]}" -v y="${a[$3,$r]}" 'BEGIN { printf "%.4f\n", (y > 0 ? x / y : 0) }'
	done)
}
label() {
	case $1 in
	min) echo "(a) stateful minimum" ;;
	zg) echo "(b) zonegate seed table (nft -f)" ;;
	noest) echo "(c) (b) without the est_check jump" ;;
	zgd) echo "(d) seed table loaded by zonegated" ;;
	esac
}
{
	echo
	echo "established UDP flow $SRC:$SPORT -> $DST:$DPORT through the gateway, $(date -u '+%Y-%m-%d %H:%M UTC'), tree ${TREE:-?}, $(uname -r), nft $(nft --version | awk '{ print $2 }'), $(nproc) CPUs"
	echo "median of $RUNS runs (configurations alternate); pkt/cpu-s: packets per CPU-second of the flood's path (sender + softirq); us/pkt its inverse"
	printf '%-38s %10s  %-26s %10s %8s\n' configuration "pps" "runs" "pkt/cpu-s" "us/pkt"
	for kind in "${KINDS[@]}"; do
		m=$(median $(vals CPU "$kind"))
		printf '%-38s %10.0f  %-26s %10.0f %8.3f\n' "$(label "$kind")" \
			"$(median $(vals RATE "$kind"))" "$(vals RATE "$kind" | paste -sd/)" \
			"$m" "$(awk -v c="$m" 'BEGIN { print (c > 0 ? 1e6 / c : 0) }')"
	done
	echo "ratios (median over the runs of the two configurations' ratio in the same run):"
	for p in b:zg:min:a c:noest:min:a b:zg:noest:c d:zgd:zg:b; do
		IFS=: read -r lx x y ly <<<"$p"
		printf '  %s/%s   rate %.3f   cpu %.3f\n' "$lx" "$ly" \
			"$(ratio RATE "$x" "$y")" "$(ratio CPU "$x" "$y")"
	done
	# the est_src check per packet: us/pkt of (b) minus that of (c), per run
	echo "  est_src check per packet (b - c, from pkt/cpu-s, median of the runs): $(median $(for ((r = 0; r < RUNS; r++)); do
		awk -v b="${CPU[zg,$r]}" -v c="${CPU[noest,$r]}" 'BEGIN { printf "%.1f\n", (b > 0 && c > 0 ? 1e9 / b - 1e9 / c : 0) }'
	done)) ns"
	echo "$DUMPNOTE; (d): zonegated -f with classify = false"
	echo "checks: every flood's entry [ASSURED], no packet on the new-flow path during a flood, spoof_established 0; replies that crossed the gateway: ${REPLIES:-?}"
	echo "points measured again (others took the CPU): $REDONE; load average at end: $(cut -d' ' -f1-3 /proc/loadavg); other network namespaces now: $(ip netns list 2>/dev/null | grep -vc "^$P-"); total $(awk -v a="$EPOCHREALTIME" -v b="$T_START" 'BEGIN { printf "%.0f", a - b }') s"
} | tee "${EST_OUT:-/dev/null}"
exit 0
