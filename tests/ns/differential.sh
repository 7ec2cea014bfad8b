#!/bin/bash
# differential.sh - the kernel's verdicts against `zonegatectl explain`.
#
# Each round draws a random policy (3-5 zones with nested IPv4 and IPv6
# networks, sometimes 0.0.0.0/0 and ::/0, random intra settings, services,
# port ranges, host restrictions and accept/reject/drop entries) and random
# flows over it (tcp, udp, icmp and icmpv6, within zones, between zones, to
# and from addresses in no zone, spoofed from another zone's interface), asks
# `zonegatectl explain` for each flow's verdict, then sends every flow as one
# raw frame through a gateway namespace running zonegated and sees what the
# kernel did: forwarded (accept), answered with an RST or an
# administratively-prohibited unreachable (reject), or nothing (drop).
# Every flow must get the same verdict from both.
#
# Topology of a round: namespace $P-gw (the gateway) with one veth z<i>if per
# zone; its peer eth0 is in $P-h<i>, a silent host with no address that only
# sends and sniffs raw frames.  The gateway routes every address a flow uses
# to the host of its zone (an address in no zone to some host) with a
# permanent neighbour entry, so that nothing but the ruleset decides whether
# a packet is forwarded.  A control pass before the daemon starts proves that
# every flow is forwarded to the right host without a ruleset.
#
# ZG_DIFF_SEED=S replays a run (the seed is printed); ZG_DIFF_ROUNDS (default
# 3) and ZG_DIFF_FLOWS (flows per round, default 300) change its size.
ZG_PREFIX=${ZG_PREFIX:-zgd$$}
# shellcheck source=lib.bash
. "$(dirname "$0")/lib.bash"

DIFF_PY=$ZG_NSDIR/diff.py
ROUNDS=${ZG_DIFF_ROUNDS:-3}
FLOWS=${ZG_DIFF_FLOWS:-300}
SEED=${ZG_DIFF_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export ZONEGATECTL=${ZONEGATECTL:-$ZG_TOP/zonegatectl}

# Every namespace a round may create (the gateway and up to 5 hosts): the
# EXIT trap of lib.bash (topo_down) removes those that exist.
NS_GW=$P-gw
ZG_HOST_NS=("$P-h0" "$P-h1" "$P-h2" "$P-h3" "$P-h4")
ZG_ALL_NS=("$NS_GW" "${ZG_HOST_NS[@]}")

[ "$(id -u)" -eq 0 ] || { zg_err "needs root"; exit 1; }
for x in "$ZONEGATED" "$ZONEGATECTL"; do
	[ -x "$x" ] || { zg_err "$x missing: run make first"; exit 1; }
done
command -v nft >/dev/null || { zg_err "nft missing"; exit 1; }

echo "# differential: seed $SEED (replay with ZG_DIFF_SEED=$SEED), $ROUNDS rounds of $FLOWS flows"
start=$(date +%s)
fail=0
dirs=()
for ((r = 0; r < ROUNDS; r++)); do
	d=$ZG_TMP/round$r
	dirs+=("$d")
	rseed=$SEED-$r
	ZG_NAME="differential.sh round $r (seed $rseed)"
	if ! "$ZG_PY" "$DIFF_PY" gen --seed "$rseed" --dir "$d" --flows "$FLOWS"; then
		zg_err "round $r: generating the policy or the flows failed"
		fail=1; break
	fi
	if ! "$ZG_PY" "$DIFF_PY" net --dir "$d" --prefix "$P"; then
		zg_err "round $r: building the topology failed"
		fail=1; break
	fi
	if ! "$ZG_PY" "$DIFF_PY" send --dir "$d" --prefix "$P" --pass control; then
		zg_err "round $r: the control pass (no ruleset) did not forward every flow"
		fail=1; break
	fi
	if ! daemon_start "$d/zonegate.conf"; then
		zg_err "round $r: zonegated did not start"
		fail=1; break
	fi
	if ! "$ZG_PY" "$DIFF_PY" send --dir "$d" --prefix "$P" --pass main; then
		fail=1
		echo "# round $r failed: seed $rseed; its policy:"
		sed 's/^/#   /' "$d/zonegate.conf"
	fi
	mark=$ZG_LOG_MARK
	daemon_stop 5 || { zg_err "round $r: zonegated did not stop cleanly"; fail=1; }
	# the daemon's own cross-check of what it logged: the chain's reason
	# (NFLOG prefix) against its engine's
	dis=$(tail -n +"$((mark + 1))" "$DAEMON_LOG" |
		grep -o 'disagree=[0-9]*' | tail -n 1)
	if [ -n "$dis" ] && [ "${dis#disagree=}" != 0 ]; then
		zg_err "round $r: zonegated reports $dis (NFLOG prefix against its engine)"
		fail=1
	fi
	topo_down
done
"$ZG_PY" "$DIFF_PY" summary --min-flows $((ROUNDS * FLOWS < 500 ? ROUNDS * FLOWS : 500)) "${dirs[@]}" || fail=1
echo "# differential: seed $SEED, $(( $(date +%s) - start )) s"
if [ "$fail" -ne 0 ]; then
	echo "# differential: FAILED (replay with ZG_DIFF_SEED=$SEED)"
	exit 1
fi
exit 0
