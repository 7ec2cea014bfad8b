# lib.bash - helpers for the namespace tests (tests/ns/*.sh).  Not a test
# itself (every tests/ns/*.sh is run as one; this file must not end in .sh).
#
# Usage, from the top of the tree (as the Check suite runs it):
#
#	. tests/ns/lib.bash
#	topo_up
#	daemon_start conf/zonegate.conf
#	expect_pass "internet mail reaches the sanitiser" \
#		tcp_ok "$NS_IN" "$IN4" "$RL_SAN4" 25
#	expect_block "internet cannot reach the virtual browser" \
#		tcp_ok "$NS_IN" "$IN4" "$RL_VB4" 25
#	finish
#
# Sourcing the file creates a private temporary directory ($ZG_TMP) and an
# EXIT trap that stops the daemon and every process started in the test
# namespaces, deletes the namespaces and the directory, and prints the daemon
# log when the script exits non-zero.  Under `make check SANITIZE=1` a
# sanitizer report of any program the script ran (the daemon above all)
# fails the script: see "sanitizers" below.  Do not replace the EXIT trap;
# if a test needs its own clean-up, define zg_user_cleanup() and it is
# called first.
#
# Everything happens inside network namespaces named "$P-*"; the host's own
# interfaces, sysctls and ruleset are never touched.  The gateway namespace
# runs zonegated; the four host namespaces stand for the zones of the seed
# configuration (conf/zonegate.conf).
#
# Return codes of the traffic helpers (tcp_ok, udp_ok, icmp_ok, spoof_*):
#	0  the traffic got through
#	1  it did not (no answer within $ZG_TIMEOUT seconds, refused, unreachable)
#	2  harness error (unknown address, cannot bind the source, ...)
# expect_block accepts only 1 as "blocked", so a harness error is a failure.
#
# Do not call daemon_start, udp_count_start or udp_flood_start inside $(...)
# or a pipeline: they keep state in shell variables of the calling shell.
#
# The script may use `set -u`; `set -e` is not recommended (the helpers
# return non-zero as an answer, not as an error).

[ -n "${ZG_LIB_LOADED:-}" ] && return 0
ZG_LIB_LOADED=1

ZG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ZG_NSDIR=$ZG_TOP/tests/ns
ZG_TRAFFIC=$ZG_NSDIR/traffic.py
if [ -z "${ZG_PY:-}" ]; then
	if [ -x /usr/bin/python3 ]; then ZG_PY=/usr/bin/python3
	else ZG_PY=$(command -v python3); fi
fi
ZG_TIMEOUT=${ZG_TIMEOUT:-1}		# seconds to wait for an answer
ZONEGATED=${ZONEGATED:-$ZG_TOP/zonegated}
# daemon_reload's default regex: a line that ends a reload.  Not plain
# "reload", which would match zonegated's "reload requested" line, printed
# before anything is applied.
ZG_RELOAD_RE=${ZG_RELOAD_RE:-applied|reload failed|reloaded}
ZG_NAME=$(basename "${0:-ns-test}")

ZG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zonegate-ns.XXXXXX") || {
	echo "lib.bash: mktemp failed" >&2; exit 1; }

# A per-run prefix, so that parallel runs and leftovers never collide.
P=${ZG_PREFIX:-zg$$}
while [ -e "/run/netns/$P-gw" ]; do P=zg$$r$RANDOM; done

NS_GW=$P-gw	# the gateway: runs zonegated; mn0 lg0 rl0 inet0
NS_MN=$P-mn	# zone mynumber (isolated)
NS_LG=$P-lg	# zone lgwan (split from internet)
NS_RL=$P-rl	# zone relay (sanitiser, virtual browser)
NS_IN=$P-in	# zone internet
ZG_HOST_NS=("$NS_MN" "$NS_LG" "$NS_RL" "$NS_IN")
ZG_ALL_NS=("$NS_MN" "$NS_LG" "$NS_RL" "$NS_IN" "$NS_GW")
declare -A ZG_ZONE_NS=([mynumber]=$NS_MN [lgwan]=$NS_LG [relay]=$NS_RL
		       [internet]=$NS_IN)
declare -A ZG_ZONE_IF=([mynumber]=mn0 [lgwan]=lg0 [relay]=rl0 [internet]=inet0)

# Addresses.  Gateway side:
GW_MN4=10.10.0.1	GW_MN6=fd00:10::1
GW_LG4=10.20.0.1	GW_LG6=fd00:20::1
GW_RL4=10.30.0.1	GW_RL6=fd00:30::1
GW_IN4=198.51.100.1	GW_IN6=2001:db8:100::1
# Hosts (every host's interface is eth0):
MN4=10.10.0.5		MN6=fd00:10::5		# mynumber host
MN4B=10.10.1.6		MN6B=fd00:10:1::6	# mynumber, second address
LG4=10.20.0.25		LG6=fd00:20::25		# LGWAN mail server
LG4B=10.20.3.4		LG6B=fd00:20::5		# LGWAN terminal
RL_SAN4=10.30.0.25	RL_SAN6=fd00:30::25	# relay: mail sanitiser
RL_VB4=10.30.0.40	RL_VB6=fd00:30::40	# relay: virtual browser
RL_OTHER4=10.30.0.99	RL_OTHER6=fd00:30::99	# relay: some other host
IN4=198.51.100.7	IN6=2001:db8:100::7	# internet host
IN4B=203.0.113.9	IN6B=2001:db8:200::9	# internet, a farther address
ZG_SEED_CONF=$ZG_TOP/conf/zonegate.conf

# ---------------------------------------------------------------- sanitizers
#
# `make check SANITIZE=1` builds zonegated and zonegatectl with ASan and UBSan.
# Every sanitized program this script starts (the daemon, zonegatectl, also
# as another user or in the daemon's unprivileged child) finds these options
# in its environment (they do nothing to a build without the sanitizers):
#
#   - ASan and LeakSanitizer write their report to $ZG_SAN_DIR/asan.EXE.PID
#     (log_path), a directory of its own that anyone may write to, except
#     in the daemon started by daemon_start, which reports to its stderr,
#     $DAEMON_LOG: its children that parse packets may open no file (seccomp)
#     but may write to the stderr they inherit;
#   - UBSan stops the program (-fno-sanitize-recover=all); beside ASan, GCC's
#     UBSan runtime ignores log_path and writes to stderr: the daemon's is
#     $DAEMON_LOG, and zg_cleanup searches it and every other file of $ZG_TMP
#     for a report;
#   - a program stopped by either exits with $ZG_SAN_EXIT, a status no
#     zonegate program uses, so that a test that checks one notices too.
#
# zg_cleanup gives the daemon time to exit (and LeakSanitizer to look), then
# prints every report found and makes the script fail, even when every
# assertion passed.  The leaks of libconfig itself are suppressed
# (tests/fuzz/lsan.supp); zonegate's own never are.
ZG_SAN_EXIT=86
ZG_SAN_RE='ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|: runtime error: '
ZG_SAN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zonegate-san.XXXXXX") || {
	echo "lib.bash: mktemp failed" >&2; rm -rf "$ZG_TMP"; exit 1; }
chmod 1777 "$ZG_SAN_DIR"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:exitcode=$ZG_SAN_EXIT${ASAN_OPTIONS:+:$ASAN_OPTIONS}:log_path=$ZG_SAN_DIR/asan:log_exe_name=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=$ZG_SAN_EXIT${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}:log_path=$ZG_SAN_DIR/ubsan:log_exe_name=1"
case ${LSAN_OPTIONS:-} in
*suppressions=*) ;;
*) export LSAN_OPTIONS="suppressions=$ZG_TOP/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}" ;;
esac

# zg_san_reports: print every sanitizer report of this script's programs
# (to stderr); 0 if there was one, 1 if not.
zg_san_reports() {
	local f found=1
	for f in "$ZG_SAN_DIR"/*; do
		# (a file that only lists the suppressions used is no report)
		[ -f "$f" ] && grep -Eq -- "$ZG_SAN_RE" "$f" || continue
		found=0
		echo "# ---- sanitizer report ${f##*/} ($ZG_NAME) ----" >&2
		sed 's/^/# | /' "$f" >&2
		echo "# ---- end of report ----" >&2
	done
	# UBSan (and anything that ignored log_path) on stderr
	while IFS= read -r f; do
		found=0
		echo "# ---- sanitizer report in ${f#"$ZG_TMP"/} ($ZG_NAME) ----" >&2
		grep -E -A 20 -- "$ZG_SAN_RE" "$f" | head -n 60 | sed 's/^/# | /' >&2
		echo "# ---- end of report ----" >&2
	done < <(grep -rIlE -- "$ZG_SAN_RE" "$ZG_TMP" 2>/dev/null)
	return "$found"
}

DAEMON_LOG=$ZG_TMP/zonegated.log
DAEMON_PID=
ZG_LOG_MARK=0
ZG_PASS=0
ZG_FAIL=0
ZG_NUM=0
ZG_COUNT_LAST=
ZG_FLOOD_PID=
ZG_FLOOD_OUT=
: >"$DAEMON_LOG"

zg_err() { echo "# $ZG_NAME: $*" >&2; }

# ---------------------------------------------------------------- clean-up

# zg_kill_pid PID [SECONDS]: TERM, up to SECONDS (default 1), then KILL.
# Only ids we started.
zg_kill_pid() {
	local pid=$1 n=$(( ${2:-1} * 20 )) i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

zg_cleanup() {
	local rc=$? f pid
	trap - EXIT INT TERM
	if declare -F zg_user_cleanup >/dev/null; then zg_user_cleanup; fi
	# the daemon stops cleanly on TERM; a sanitized one looks for leaks
	# as it exits: give it the time to write its report
	[ -n "$DAEMON_PID" ] && zg_kill_pid "$DAEMON_PID" 10
	for f in "$ZG_TMP"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null)
		[ -n "$pid" ] && zg_kill_pid "$pid"
	done
	topo_down
	if zg_san_reports; then
		echo "not ok - sanitizer report (make check SANITIZE=1): see above"
		echo "$ZG_NAME: failed: a program reported a sanitizer error"
		[ "$rc" -ne 0 ] || rc=1
	fi
	if [ "$rc" -ne 0 ] && [ -s "$DAEMON_LOG" ]; then
		echo "# ---- zonegated log ($ZG_NAME) ----" >&2
		sed 's/^/# | /' "$DAEMON_LOG" >&2
		echo "# ---- end of log ----" >&2
	fi
	rm -rf "$ZG_TMP" "$ZG_SAN_DIR"
	exit "$rc"
}
trap zg_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- topology

nsx() { ip netns exec "$@"; }			# nsx NS CMD...
gw_nft() { ip netns exec "$NS_GW" nft "$@"; }	# gw_nft ARGS...

zg_sysctl() {	# zg_sysctl NS KEY=VAL...
	local ns=$1; shift
	ip netns exec "$ns" sysctl -q -w "$@" >/dev/null
}

# zg_pfx ADDR: /32 or /128
zg_pfx() { case $1 in *:*) echo "$1/128" ;; *) echo "$1/32" ;; esac; }

# host_addr_add NS ADDR[/LEN] [DEV]: add an address (no DAD), /32 or /128
# unless a length is given.
host_addr_add() {
	local ns=$1 a=$2 dev=${3:-eth0}
	case $a in */*) ;; *) a=$(zg_pfx "$a") ;; esac
	case $a in
	*:*) ip -n "$ns" addr add "$a" dev "$dev" nodad ;;
	*) ip -n "$ns" addr add "$a" dev "$dev" ;;
	esac
}

# host_addr_del NS ADDR[/LEN] [DEV]
host_addr_del() {
	local ns=$1 a=$2 dev=${3:-eth0}
	case $a in */*) ;; *) a=$(zg_pfx "$a") ;; esac
	ip -n "$ns" addr del "$a" dev "$dev"
}

zg_link() {	# zg_link GWIF HOSTNS: veth GWIF (in the gateway) <-> eth0 (host)
	ip -n "$NS_GW" link add "$1" type veth peer name eth0 netns "$2" &&
	ip -n "$NS_GW" link set "$1" up &&
	ip -n "$2" link set eth0 up
}

# topo_up: build the gateway and the four zone hosts.
topo_up() {
	local ns i
	if [ "$(id -u)" -ne 0 ]; then zg_err "needs root"; return 2; fi
	for ns in "${ZG_ALL_NS[@]}"; do
		ip netns add "$ns" || { zg_err "ip netns add $ns failed"; return 2; }
		ip -n "$ns" link set lo up
		zg_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0 \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 || return 2
	done
	# Forwarding on, in the gateway namespace only.  The kernel's reverse
	# path filter stays off there: anti-spoofing is zonegated's job.
	zg_sysctl "$NS_GW" net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.default.forwarding=1 || return 2

	zg_link mn0 "$NS_MN" && zg_link lg0 "$NS_LG" &&
	zg_link rl0 "$NS_RL" && zg_link inet0 "$NS_IN" || {
		zg_err "veth setup failed"; return 2; }

	{
	# gateway
	ip -n "$NS_GW" addr add $GW_MN4/16 dev mn0 &&
	ip -n "$NS_GW" addr add $GW_MN6/48 dev mn0 nodad &&
	ip -n "$NS_GW" addr add $GW_LG4/16 dev lg0 &&
	ip -n "$NS_GW" addr add $GW_LG6/48 dev lg0 nodad &&
	ip -n "$NS_GW" addr add $GW_RL4/24 dev rl0 &&
	ip -n "$NS_GW" addr add $GW_RL6/64 dev rl0 nodad &&
	ip -n "$NS_GW" addr add $GW_IN4/24 dev inet0 &&
	ip -n "$NS_GW" addr add $GW_IN6/64 dev inet0 nodad &&
	ip -n "$NS_GW" route add 203.0.113.0/24 via $IN4 dev inet0 &&
	ip -n "$NS_GW" route add 2001:db8:200::/48 via $IN6 dev inet0 &&
	# mynumber
	ip -n "$NS_MN" addr add $MN4/16 dev eth0 &&
	ip -n "$NS_MN" addr add $MN4B/16 dev eth0 &&
	ip -n "$NS_MN" addr add $MN6/48 dev eth0 nodad &&
	ip -n "$NS_MN" addr add $MN6B/48 dev eth0 nodad &&
	ip -n "$NS_MN" route add default via $GW_MN4 &&
	ip -n "$NS_MN" route add default via $GW_MN6 &&
	# lgwan
	ip -n "$NS_LG" addr add $LG4/16 dev eth0 &&
	ip -n "$NS_LG" addr add $LG4B/16 dev eth0 &&
	ip -n "$NS_LG" addr add $LG6/48 dev eth0 nodad &&
	ip -n "$NS_LG" addr add $LG6B/48 dev eth0 nodad &&
	ip -n "$NS_LG" route add default via $GW_LG4 &&
	ip -n "$NS_LG" route add default via $GW_LG6 &&
	# relay
	ip -n "$NS_RL" addr add $RL_SAN4/24 dev eth0 &&
	ip -n "$NS_RL" addr add $RL_VB4/24 dev eth0 &&
	ip -n "$NS_RL" addr add $RL_OTHER4/24 dev eth0 &&
	ip -n "$NS_RL" addr add $RL_SAN6/64 dev eth0 nodad &&
	ip -n "$NS_RL" addr add $RL_VB6/64 dev eth0 nodad &&
	ip -n "$NS_RL" addr add $RL_OTHER6/64 dev eth0 nodad &&
	ip -n "$NS_RL" route add default via $GW_RL4 &&
	ip -n "$NS_RL" route add default via $GW_RL6 &&
	# internet
	ip -n "$NS_IN" addr add $IN4/24 dev eth0 &&
	ip -n "$NS_IN" addr add $IN4B/32 dev eth0 &&
	ip -n "$NS_IN" addr add $IN6/64 dev eth0 nodad &&
	ip -n "$NS_IN" addr add $IN6B/128 dev eth0 nodad &&
	ip -n "$NS_IN" route add default via $GW_IN4 &&
	ip -n "$NS_IN" route add default via $GW_IN6
	} || { zg_err "address/route setup failed"; return 2; }

	# Nothing may stay tentative (link-local addresses included).
	for i in $(seq 40); do
		local busy=
		for ns in "${ZG_ALL_NS[@]}"; do
			if [ -n "$(ip -n "$ns" -6 addr show tentative)" ]; then
				busy=1; break
			fi
		done
		[ -z "$busy" ] && return 0
		sleep 0.05
	done
	zg_err "IPv6 addresses still tentative"
	return 2
}

# topo_down: stop every process in our namespaces and delete them.  Safe to
# call twice; the EXIT trap calls it.
topo_down() {
	local ns pid
	for ns in "${ZG_ALL_NS[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			zg_kill_pid "$pid"
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# ns_of ADDR: print the namespace that holds ADDR as a local address.
ns_of() {
	local ns
	for ns in "${ZG_ALL_NS[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		if ip -n "$ns" route get "$1" 2>/dev/null | grep -q '^local '; then
			echo "$ns"; return 0
		fi
	done
	return 1
}

zg_canon() {	# zg_canon ADDR: canonical text form (for log matching)
	case $1 in
	*:*) "$ZG_PY" -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]))' "$1" ;;
	*) echo "$1" ;;
	esac
}

zg_token() { echo "t${BASHPID}x${RANDOM}${RANDOM}"; }

# ---------------------------------------------------------------- traffic

zg_py() {	# zg_py NS ARGS...: run traffic.py in NS
	local ns=$1; shift
	ip netns exec "$ns" "$ZG_PY" "$ZG_TRAFFIC" "$@"
}

# zg_wait_file FILE PID SECONDS: wait for FILE while PID lives.
zg_wait_file() {
	local f=$1 pid=$2 n=$(( ${3:-2} * 50 )) i
	for ((i = 0; i < n; i++)); do
		[ -e "$f" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	[ -e "$f" ]
}

# listen_start NS PROTO PORT: make sure a tcp|udp listener runs in NS on
# PORT, bound to every address (v4 and v6).  It answers "ok" and logs every
# connection or datagram as "SRC DST TOKEN" (see listen_log).  Started on
# demand by tcp_ok/udp_ok/spoof_udp; stays up until the script ends.
listen_start() {
	local ns=$1 proto=$2 port=$3 key pid
	key=$ZG_TMP/listen-$ns-$proto-$port
	if [ -f "$key.pid" ] && kill -0 "$(cat "$key.pid")" 2>/dev/null; then
		return 0
	fi
	rm -f "$key.ready"
	: >>"$key.log"
	ip netns exec "$ns" "$ZG_PY" "$ZG_TRAFFIC" listen "$proto" "$port" \
		"$key.log" "$key.ready" </dev/null >"$key.err" 2>&1 &
	pid=$!
	echo "$pid" >"$key.pid"
	if ! zg_wait_file "$key.ready" "$pid" 3; then
		zg_err "listener $proto/$port in $ns did not start: $(cat "$key.err")"
		return 2
	fi
}

# listen_stop NS PROTO PORT
listen_stop() {
	local key=$ZG_TMP/listen-$1-$2-$3
	[ -f "$key.pid" ] || return 0
	zg_kill_pid "$(cat "$key.pid")"
	rm -f "$key.pid" "$key.ready"
}

# listen_log NS PROTO PORT: print the path of the listener's log
# (lines "SRC DST TOKEN").
listen_log() { echo "$ZG_TMP/listen-$1-$2-$3.log"; }

zg_dst_ns() {	# zg_dst_ns CALLER DST: print DST's namespace or complain
	ns_of "$2" && return 0
	zg_err "$1: no test namespace holds $2"
	return 2
}

zg_rc() {	# map timeout(1)'s 124/137 to "no answer"
	case $1 in 124|137) echo 1 ;; *) echo "$1" ;; esac
}

# tcp_ok NS SRC DST PORT: 0 if a TCP connection from SRC (in NS) to DST:PORT
# is established and answered.  A listener is started on PORT in the
# namespace that holds DST.
tcp_ok() {
	local ns=$1 src=$2 dst=$3 port=$4 dns tok rc
	dns=$(zg_dst_ns tcp_ok "$dst") || return 2
	listen_start "$dns" tcp "$port" || return 2
	tok=$(zg_token)
	timeout $((ZG_TIMEOUT + 3)) ip netns exec "$ns" "$ZG_PY" "$ZG_TRAFFIC" \
		tcp "$src" "$dst" "$port" "$tok" "$ZG_TIMEOUT"
	return "$(zg_rc $?)"
}

# udp_ok NS SRC DST PORT: 0 if a datagram from SRC (in NS) reached DST:PORT
# (the listener there logged it; its answer only makes success quick).
udp_ok() {
	local ns=$1 src=$2 dst=$3 port=$4 dns tok rc log
	dns=$(zg_dst_ns udp_ok "$dst") || return 2
	listen_start "$dns" udp "$port" || return 2
	log=$(listen_log "$dns" udp "$port")
	tok=$(zg_token)
	timeout $((ZG_TIMEOUT + 3)) ip netns exec "$ns" "$ZG_PY" "$ZG_TRAFFIC" \
		udp "$src" "$dst" "$port" "$tok" "$ZG_TIMEOUT"
	rc=$(zg_rc $?)
	[ "$rc" -ge 2 ] && return "$rc"
	grep -q " $tok\$" "$log" && return 0
	return 1
}

# udp_send NS SRC DST PORT [TOKEN]: send one datagram, do not wait.
udp_send() {
	zg_py "$1" send "$2" "$3" "$4" "${5:-$(zg_token)}"
}

# icmp_ok NS SRC DST: 0 if one echo request from SRC (in NS) to DST is
# answered within $ZG_TIMEOUT s (ICMP or ICMPv6, from DST's family).  A
# python raw socket does what `ping -c1 -W1 -I SRC DST` would (Debian's ping
# is not among the packages the tests install).
icmp_ok() {
	timeout $((ZG_TIMEOUT + 3)) ip netns exec "$1" "$ZG_PY" "$ZG_TRAFFIC" \
		icmp "$2" "$3" "$ZG_TIMEOUT"
	return "$(zg_rc $?)"
}

# ---------------------------------------------------------------- counting, floods

# udp_count_start NS PORT: start a counting UDP receiver on PORT (v4+v6) in
# NS.  Do not use a port on which listen_start/udp_ok also listens in NS.
udp_count_start() {
	local ns=$1 port=$2 key pid
	key=$ZG_TMP/count-$ns-$port
	rm -f "$key.out" "$key.ready"
	ip netns exec "$ns" "$ZG_PY" "$ZG_TRAFFIC" count "$port" "$key.out" \
		"$key.ready" </dev/null >"$key.err" 2>&1 &
	pid=$!
	echo "$pid" >"$key.pid"
	ZG_COUNT_LAST="$ns $port"
	if ! zg_wait_file "$key.ready" "$pid" 3; then
		zg_err "counter udp/$port in $ns did not start: $(cat "$key.err")"
		return 2
	fi
}

# udp_count_stop [NS PORT]: stop the counter (default: the last one
# started) and print how many datagrams it received.
udp_count_stop() {
	local ns=${1:-${ZG_COUNT_LAST% *}} port=${2:-${ZG_COUNT_LAST#* }} key pid i
	key=$ZG_TMP/count-$ns-$port
	[ -f "$key.pid" ] || { zg_err "udp_count_stop: no counter $ns $port"; return 2; }
	pid=$(cat "$key.pid")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		[ -e "$key.out" ] && break
		sleep 0.03
	done
	zg_kill_pid "$pid"
	rm -f "$key.pid"
	[ -e "$key.out" ] || { zg_err "counter gave no result: $(cat "$key.err")"; return 2; }
	awk '$1 == "total" { print $2 }' "$key.out"
}

# udp_count_src ADDR [NS PORT]: after udp_count_stop, print how many of the
# datagrams came from ADDR.
udp_count_src() {
	local a ns=${2:-${ZG_COUNT_LAST% *}} port=${3:-${ZG_COUNT_LAST#* }}
	a=$(zg_canon "$1")
	awk -v a="$a" '$1 == "src" && $2 == a { n = $3 } END { print n + 0 }' \
		"$ZG_TMP/count-$ns-$port.out" 2>/dev/null || echo 0
}

# udp_flood NS SRC DST PORT COUNT [MAXSEC [RATE]]: send at most COUNT
# datagrams in at most MAXSEC seconds (default 5; at most RATE a second if
# given); print the number sent.
udp_flood() {
	local max=${6:-5}
	timeout $(( ${max%.*} + 3 )) ip netns exec "$1" "$ZG_PY" "$ZG_TRAFFIC" \
		flood "$2" "$3" "$4" "$5" "$max" ${7:+"$7"}
}

# udp_flood_start NS SRC DST PORT COUNT [MAXSEC [RATE]]: the same in the
# background; udp_flood_wait waits for it and prints the number sent.
udp_flood_start() {
	ZG_FLOOD_OUT=$ZG_TMP/flood.$RANDOM.out
	udp_flood "$@" >"$ZG_FLOOD_OUT" 2>"$ZG_FLOOD_OUT.err" </dev/null &
	ZG_FLOOD_PID=$!
	echo "$ZG_FLOOD_PID" >"$ZG_TMP/flood.pid"
}
udp_flood_wait() {
	local i
	[ -n "$ZG_FLOOD_PID" ] || { zg_err "udp_flood_wait: no flood"; return 2; }
	# poll, not wait(1): this may run in a $(...) subshell
	for ((i = 0; i < 400; i++)); do
		kill -0 "$ZG_FLOOD_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$ZG_FLOOD_PID" 2>/dev/null
	cat "$ZG_FLOOD_OUT"
}

# hping_flood NS DST PORT SECONDS [HPING3 ARGS...]: `hping3 --udp --flood`
# from NS to DST:PORT (IPv4 only), stopped after SECONDS (at most 10).
hping_flood() {
	local ns=$1 dst=$2 port=$3 secs=$4
	shift 4
	[ "${secs%.*}" -le 10 ] 2>/dev/null || secs=10
	timeout -s INT -k 2 "$secs" ip netns exec "$ns" hping3 --udp --flood -q \
		-p "$port" "$@" "$dst" >/dev/null 2>&1
	return 0
}

# ---------------------------------------------------------------- spoofing

# rx_watch NS NAME NFT-MATCH...: count, in NS's prerouting, the packets that
# match (e.g. rx_watch "$NS_RL" spoof ip saddr 10.20.0.25 udp dport 9999).
# The table "inet zgrx" lives in NS only (a host namespace, not the gateway).
rx_watch() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" nft -f - <<-EOF || return 2
		table inet zgrx {
			chain pre { type filter hook prerouting priority -400; policy accept; }
		}
		add counter inet zgrx $name
	EOF
	ip netns exec "$ns" nft add rule inet zgrx pre "$@" counter name "$name" || return 2
}

# rx_count NS NAME: print the packets counted by rx_watch NAME.
rx_count() {
	ip netns exec "$1" nft list counter inet zgrx "$2" 2>/dev/null |
		awk '$1 == "packets" { print $2; exit }'
}

# spoof_udp NS FORGED DST PORT: from NS, send a datagram whose source is the
# FORGED address (added to NS's eth0 for the moment, no DAD, removed again;
# v4 or v6).  0 if the listener in DST's namespace logged it from FORGED.
spoof_udp() {
	local ns=$1 forged=$2 dst=$3 port=$4 dns tok log added='' rc=1 i cf
	dns=$(zg_dst_ns spoof_udp "$dst") || return 2
	listen_start "$dns" udp "$port" || return 2
	log=$(listen_log "$dns" udp "$port")
	if ! ip -n "$ns" route get "$forged" 2>/dev/null | grep -q '^local '; then
		host_addr_add "$ns" "$forged" || return 2
		added=1
	fi
	tok=$(zg_token)
	cf=$(zg_canon "$forged")
	if zg_py "$ns" send "$forged" "$dst" "$port" "$tok"; then
		for ((i = 0; i < ZG_TIMEOUT * 20; i++)); do
			if grep -q "^$cf .* $tok\$" "$log"; then rc=0; break; fi
			sleep 0.05
		done
	else
		rc=2
	fi
	[ -n "$added" ] && host_addr_del "$ns" "$forged"
	return "$rc"
}

# spoof_hping NS FORGED DST PORT [COUNT]: hping3 -a FORGED sends COUNT
# (default 3) UDP packets from NS to DST:PORT (IPv4 only); 0 if any arrived
# in DST's namespace (counted by rx_watch there).
spoof_hping() {
	local ns=$1 forged=$2 dst=$3 port=$4 count=${5:-3} dns name n i
	dns=$(zg_dst_ns spoof_hping "$dst") || return 2
	name=sp$RANDOM$RANDOM
	rx_watch "$dns" "$name" ip saddr "$forged" ip daddr "$dst" udp dport "$port" ||
		return 2
	timeout -k 1 5 ip netns exec "$ns" hping3 --udp -q -a "$forged" \
		-p "$port" -c "$count" -i u20000 "$dst" >/dev/null 2>&1
	for ((i = 0; i < ZG_TIMEOUT * 10; i++)); do
		n=$(rx_count "$dns" "$name")
		[ "${n:-0}" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- the daemon

# zg_conf_table CONF: the nftables table CONF names (default zonegate).
zg_conf_table() {
	local t=${ZG_TABLE:-}
	[ -z "$t" ] && t=$(sed -n 's/^[[:space:]]*table[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' \
		"$1" 2>/dev/null | head -n 1)
	echo "${t:-zonegate}"
}

daemon_alive() { [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; }

# daemon_sum FILE AWK: AWK's number from /proc/PID/FILE, summed over the
# daemon and its children (the packet parsers: a child's CPU time is not in
# its parent's until it is reaped)
daemon_sum() {
	local p t=0
	for p in "$DAEMON_PID" $(pgrep -P "$DAEMON_PID"); do
		t=$((t + $(awk "$2" "/proc/$p/$1" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
daemon_ticks() { daemon_sum stat '{ print $14 + $15 }'; }	# user + system
daemon_hwm_kib() { daemon_sum status '/VmHWM/ { print $2 }'; }	# peak RSS

# daemon_start CONF [ARGS...]: run `$ZONEGATED -f -c CONF ARGS...` in the
# gateway namespace (output appended to $DAEMON_LOG); 0 once the table CONF
# names exists there, 1 if it does not within $ZG_START_WAIT seconds
# (default 5) or the daemon exits.  $ZONEGATED may be a script that execs
# the daemon (under valgrind, say): $DAEMON_PID is the daemon's pid.
daemon_start() {
	local conf=$1 table i n=$(( ${ZG_START_WAIT:-5} * 20 ))
	shift
	if daemon_alive; then zg_err "daemon_start: already running"; return 2; fi
	if [ ! -x "$ZONEGATED" ]; then zg_err "no daemon at $ZONEGATED"; return 2; fi
	table=$(zg_conf_table "$conf")
	echo "# daemon_start $conf $*" >>"$DAEMON_LOG"
	ZG_LOG_MARK=$(daemon_log_mark)
	ASAN_OPTIONS="$ASAN_OPTIONS:log_path=stderr" \
	ip netns exec "$NS_GW" "$ZONEGATED" -f -c "$conf" "$@" \
		</dev/null >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	echo "$DAEMON_PID" >"$ZG_TMP/daemon.pid"
	for ((i = 0; i < n; i++)); do
		if ip netns exec "$NS_GW" nft list table inet "$table" >/dev/null 2>&1; then
			return 0
		fi
		if ! daemon_alive; then
			wait "$DAEMON_PID" 2>/dev/null
			zg_err "zonegated exited ($?) before table inet $table appeared"
			DAEMON_PID=
			return 1
		fi
		sleep 0.05
	done
	zg_err "table inet $table did not appear within ${ZG_START_WAIT:-5} s; stopping the daemon"
	zg_kill_pid "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	return 1
}

# daemon_log_mark: print (and remember as ZG_LOG_MARK) the log's line count;
# daemon_log_wait then looks only at lines written after it.
daemon_log_mark() {
	local n
	n=$(wc -l <"$DAEMON_LOG")
	ZG_LOG_MARK=$n
	echo "$n"
}

# daemon_log_wait REGEX [TIMEOUT [MARK]]: wait (default 5 s) until a line
# after MARK (default: the last mark) matches the extended, case-insensitive
# REGEX.  1 on timeout, or if the daemon is gone and no such line came.
daemon_log_wait() {
	local re=$1 t=${2:-5} mark=${3:-$ZG_LOG_MARK} i n
	n=$(( ${t%.*} * 20 ))
	[ "$n" -gt 0 ] || n=20
	for ((i = 0; i <= n; i++)); do
		tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -Eiq -- "$re" && return 0
		if [ -n "$DAEMON_PID" ] && ! daemon_alive; then
			sleep 0.05
			tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -Eiq -- "$re" && return 0
			zg_err "daemon_log_wait '$re': the daemon is gone"
			return 1
		fi
		sleep 0.05
	done
	zg_err "daemon_log_wait '$re': nothing within ${t}s"
	return 1
}

# daemon_reload [REGEX [TIMEOUT]]: SIGHUP the daemon, wait (default 5 s) for
# a new log line matching REGEX (default $ZG_RELOAD_RE).  0 once it came: a
# test that needs the reload to have succeeded passes 'applied' (a failed
# reload logs "reload failed").
daemon_reload() {
	local mark
	daemon_alive || { zg_err "daemon_reload: daemon not running"; return 2; }
	mark=$(daemon_log_mark)
	ZG_LOG_MARK=$mark
	kill -HUP "$DAEMON_PID" || return 2
	daemon_log_wait "${1:-$ZG_RELOAD_RE}" "${2:-5}" "$mark"
}

# daemon_stop [TIMEOUT]: SIGTERM, wait (default 5 s); return the daemon's
# exit status, or 1 if it had to be killed.
daemon_stop() {
	local t=${1:-5} i rc
	[ -n "$DAEMON_PID" ] || { zg_err "daemon_stop: no daemon"; return 2; }
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for ((i = 0; i < t * 20; i++)); do
		daemon_alive || break
		sleep 0.05
	done
	if daemon_alive; then
		zg_err "zonegated ignored SIGTERM for ${t}s; killed"
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
		rm -f "$ZG_TMP/daemon.pid"
		return 1
	fi
	wait "$DAEMON_PID" 2>/dev/null
	rc=$?
	DAEMON_PID=
	rm -f "$ZG_TMP/daemon.pid"
	return "$rc"
}

# ---------------------------------------------------------------- assertions

zg_ok() { ZG_NUM=$((ZG_NUM + 1)); ZG_PASS=$((ZG_PASS + 1)); echo "ok $ZG_NUM - $1"; }
zg_notok() {
	ZG_NUM=$((ZG_NUM + 1)); ZG_FAIL=$((ZG_FAIL + 1))
	echo "not ok $ZG_NUM - $1"
	[ -s "$ZG_TMP/cmd.out" ] && sed 's/^/#   /' "$ZG_TMP/cmd.out"
	return 0
}

# zg_judge pass|block DESC RC CMD: count and report one result.
zg_judge() {
	local mode=$1 desc=$2 rc=$3 cmd=$4
	if [ "$mode" = pass ]; then
		if [ "$rc" -eq 0 ]; then zg_ok "$desc"
		else zg_notok "$desc (expected to pass; rc $rc: $cmd)"; fi
		return 0
	fi
	case $rc in
	1) zg_ok "$desc" ;;
	0) zg_notok "$desc (expected to be blocked, got through: $cmd)" ;;
	*) zg_notok "$desc (harness error rc $rc: $cmd)" ;;
	esac
}

# expect_pass DESC CMD...: CMD must return 0.
expect_pass() {
	local desc=$1 rc
	shift
	if "$@" >"$ZG_TMP/cmd.out" 2>&1; then rc=0; else rc=$?; fi
	zg_judge pass "$desc" "$rc" "$*"
}

# expect_block DESC CMD...: CMD must return 1 ("did not get through");
# 0 or a harness error (2 or more) fails.
expect_block() {
	local desc=$1 rc
	shift
	if "$@" >"$ZG_TMP/cmd.out" 2>&1; then rc=0; else rc=$?; fi
	zg_judge block "$desc" "$rc" "$*"
}

# expect_async pass|block DESC CMD...: start CMD in the background;
# expect_collect waits for all of them and reports them in order, like
# expect_pass/expect_block.  Saves the 1 s timeout per blocked probe.  For
# traffic probes only (CMD runs in a subshell), and start the listeners
# first (listen_start, or one probe in the foreground): two probes must not
# race to start the same listener.
ZG_ASYNC_PID=() ZG_ASYNC_MODE=() ZG_ASYNC_DESC=() ZG_ASYNC_CMD=()
expect_async() {
	local mode=$1 desc=$2 f
	shift 2
	f=$ZG_TMP/async.${#ZG_ASYNC_PID[@]}
	( if "$@" >"$f.out" 2>&1; then echo 0; else echo $?; fi >"$f.rc" ) </dev/null &
	ZG_ASYNC_PID+=("$!") ZG_ASYNC_MODE+=("$mode") ZG_ASYNC_DESC+=("$desc")
	ZG_ASYNC_CMD+=("$*")
}
expect_collect() {
	local i f rc
	for i in "${!ZG_ASYNC_PID[@]}"; do
		f=$ZG_TMP/async.$i
		wait "${ZG_ASYNC_PID[$i]}" 2>/dev/null
		rc=$(cat "$f.rc" 2>/dev/null)
		cp "$f.out" "$ZG_TMP/cmd.out" 2>/dev/null || : >"$ZG_TMP/cmd.out"
		zg_judge "${ZG_ASYNC_MODE[$i]}" "${ZG_ASYNC_DESC[$i]}" "${rc:-99}" \
			"${ZG_ASYNC_CMD[$i]}"
		rm -f "$f.rc" "$f.out"
	done
	ZG_ASYNC_PID=() ZG_ASYNC_MODE=() ZG_ASYNC_DESC=() ZG_ASYNC_CMD=()
}

# expect_eq DESC WANT GOT
expect_eq() {
	: >"$ZG_TMP/cmd.out"
	if [ "$2" = "$3" ]; then zg_ok "$1"
	else zg_notok "$1 (want '$2', got '$3')"; fi
}

# skip_all REASON: end the script as passed without testing (say why).
skip_all() { echo "# SKIP $ZG_NAME: $*"; exit 0; }

# finish: print "N passed, M failed"; exit 1 on any failure (or when nothing
# was asserted), 0 otherwise.  The EXIT trap then cleans up.
finish() {
	echo "$ZG_NAME: $ZG_PASS passed, $ZG_FAIL failed"
	[ "$ZG_FAIL" -eq 0 ] && [ "$ZG_NUM" -gt 0 ] && exit 0
	exit 1
}
