#!/bin/bash
# enforce_seed_policy.sh - zonegated enforcing the shipped conf/zonegate.conf:
# every flow the seed permits passes (replies included), every other flow
# between zones is dropped, for IPv4 and IPv6.
#
# Honesty: every probe is first run with no firewall in the gateway and must
# pass there, so a "blocked" below is the daemon's doing, not a broken probe.
# The expectations are also checked against `zonegatectl explain` (the
# policy engine that defines the semantics) before any traffic is judged.
. "$(dirname "$0")/enforce.bash"

CONF=${ZG_SEED_CONF:-$ZG_TOP/conf/zonegate.conf}
topo_up || { echo "topo_up failed"; exit 1; }

# EXPECT PROTO NS SRC DST PORT|- DESCRIPTION
# IPv6: the seed's host lists (to_hosts/from_hosts) are IPv4 addresses only,
# so no IPv6 flow between zones is permitted by it.
PROBES=$(cat <<EOF
pass  tcp  $NS_IN $IN4B      $RL_SAN4   25   internet -> relay sanitiser smtp (v4)
block tcp  $NS_IN $IN6B      $RL_SAN6   25   internet -> relay sanitiser smtp (v6: seed lists the v4 host only)
block tcp  $NS_IN $IN4B      $RL_OTHER4 25   internet -> relay other host smtp
block tcp  $NS_IN $IN4B      $RL_VB4    25   internet -> relay virtual browser smtp
block tcp  $NS_IN $IN6B      $RL_OTHER6 25   internet -> relay other host smtp (v6)
block udp  $NS_IN $IN4B      $RL_SAN4   25   internet -> relay sanitiser udp/25 (smtp is tcp only)
block tcp  $NS_IN $IN4B      $LG4       25   internet -> lgwan mail server directly
block tcp  $NS_IN $IN6B      $LG6       25   internet -> lgwan mail server directly (v6)
pass  tcp  $NS_RL $RL_SAN4   $LG4       25   relay sanitiser -> lgwan mail server smtp
block tcp  $NS_RL $RL_SAN6   $LG6       25   relay sanitiser -> lgwan mail server smtp (v6)
block tcp  $NS_RL $RL_VB4    $LG4       25   relay virtual browser -> lgwan mail server smtp
block tcp  $NS_RL $RL_OTHER4 $LG4       25   relay other host -> lgwan mail server smtp
block tcp  $NS_RL $RL_SAN4   $LG4B      25   relay sanitiser -> lgwan terminal smtp (to_hosts)
pass  tcp  $NS_LG $LG4B      $RL_VB4    3389 lgwan terminal -> virtual browser rdp tcp
pass  udp  $NS_LG $LG4B      $RL_VB4    3389 lgwan terminal -> virtual browser rdp udp
pass  tcp  $NS_LG $LG4       $RL_VB4    3389 lgwan mail server -> virtual browser rdp tcp (any lgwan host)
block tcp  $NS_LG $LG6B      $RL_VB6    3389 lgwan -> virtual browser rdp tcp (v6)
block udp  $NS_LG $LG6B      $RL_VB6    3389 lgwan -> virtual browser rdp udp (v6)
block tcp  $NS_LG $LG4B      $RL_SAN4   3389 lgwan -> relay sanitiser rdp tcp
block udp  $NS_LG $LG4B      $RL_SAN4   3389 lgwan -> relay sanitiser rdp udp
block tcp  $NS_LG $LG4B      $RL_VB4    3390 lgwan -> virtual browser tcp/3390
pass  tcp  $NS_RL $RL_VB4    $IN4B      80   virtual browser -> internet web 80
pass  tcp  $NS_RL $RL_VB4    $IN4B      443  virtual browser -> internet web 443
pass  tcp  $NS_RL $RL_VB4    $IN4B      8050 virtual browser -> internet web 8050
pass  tcp  $NS_RL $RL_VB4    $IN4B      8000 virtual browser -> internet web 8000 (range start)
pass  tcp  $NS_RL $RL_VB4    $IN4B      8100 virtual browser -> internet web 8100 (range end)
block tcp  $NS_RL $RL_VB4    $IN4B      8101 virtual browser -> internet tcp/8101
block tcp  $NS_RL $RL_VB4    $IN4B      7999 virtual browser -> internet tcp/7999
block udp  $NS_RL $RL_VB4    $IN4B      443  virtual browser -> internet udp/443
block tcp  $NS_RL $RL_SAN4   $IN4B      443  relay sanitiser -> internet web (from_hosts)
block tcp  $NS_RL $RL_VB6    $IN6B      443  virtual browser -> internet web (v6)
block tcp  $NS_LG $LG4B      $IN4B      443  lgwan -> internet 443 (split)
block tcp  $NS_LG $LG4       $IN4       80   lgwan -> internet 80 (split)
block udp  $NS_LG $LG4B      $IN4B      443  lgwan -> internet udp/443 (split)
block tcp  $NS_LG $LG6B      $IN6B      443  lgwan -> internet 443 (split, v6)
block tcp  $NS_IN $IN4B      $LG4B      3389 internet -> lgwan rdp (split)
block tcp  $NS_IN $IN6       $LG6B      3389 internet -> lgwan rdp (split, v6)
block tcp  $NS_MN $MN4       $LG4       25   mynumber -> lgwan tcp
block udp  $NS_MN $MN4       $LG4       3389 mynumber -> lgwan udp
block icmp $NS_MN $MN4       $LG4       -    mynumber -> lgwan icmp
block tcp  $NS_MN $MN6       $LG6       25   mynumber -> lgwan tcp (v6)
block udp  $NS_MN $MN6       $LG6       3389 mynumber -> lgwan udp (v6)
block icmp $NS_MN $MN6       $LG6       -    mynumber -> lgwan icmp (v6)
block tcp  $NS_MN $MN4       $RL_SAN4   25   mynumber -> relay tcp
block udp  $NS_MN $MN4       $RL_VB4    3389 mynumber -> relay udp
block icmp $NS_MN $MN4B      $RL_VB4    -    mynumber -> relay icmp
block tcp  $NS_MN $MN6       $RL_SAN6   25   mynumber -> relay tcp (v6)
block udp  $NS_MN $MN6B      $RL_VB6    3389 mynumber -> relay udp (v6)
block icmp $NS_MN $MN6       $RL_VB6    -    mynumber -> relay icmp (v6)
block tcp  $NS_MN $MN4       $IN4B      443  mynumber -> internet tcp
block udp  $NS_MN $MN4       $IN4B      3389 mynumber -> internet udp
block icmp $NS_MN $MN4       $IN4       -    mynumber -> internet icmp
block tcp  $NS_MN $MN6       $IN6B      443  mynumber -> internet tcp (v6)
block udp  $NS_MN $MN6       $IN6B      3389 mynumber -> internet udp (v6)
block icmp $NS_MN $MN6       $IN6       -    mynumber -> internet icmp (v6)
block tcp  $NS_LG $LG4B      $MN4       25   lgwan -> mynumber tcp
block udp  $NS_RL $RL_VB4    $MN4       3389 relay -> mynumber udp
block tcp  $NS_IN $IN4B      $MN4       443  internet -> mynumber tcp
block tcp  $NS_LG $LG6B      $MN6       25   lgwan -> mynumber tcp (v6)
block icmp $NS_IN $IN6B      $MN6       -    internet -> mynumber icmp (v6)
block icmp $NS_LG $LG4B      $RL_VB4    -    icmp lgwan -> relay
block icmp $NS_LG $LG6B      $RL_VB6    -    icmp lgwan -> relay (v6)
block icmp $NS_IN $IN4B      $RL_SAN4   -    icmp internet -> relay
block icmp $NS_IN $IN6B      $RL_SAN6   -    icmp internet -> relay (v6)
block icmp $NS_RL $RL_VB4    $IN4B      -    icmp relay -> internet
block icmp $NS_RL $RL_VB6    $IN6B      -    icmp relay -> internet (v6)
block icmp $NS_RL $RL_SAN4   $LG4       -    icmp relay -> lgwan
block icmp $NS_RL $RL_SAN6   $LG6       -    icmp relay -> lgwan (v6)
block icmp $NS_LG $LG4       $IN4       -    icmp lgwan -> internet
block icmp $NS_IN $IN6       $LG6       -    icmp internet -> lgwan (v6)
EOF
)

probe() {	# probe PROTO NS SRC DST PORT
	case $1 in
	tcp) tcp_ok "$2" "$3" "$4" "$5" ;;
	udp) udp_ok "$2" "$3" "$4" "$5" ;;
	icmp) icmp_ok "$2" "$3" "$4" ;;
	esac
}

# --- 1. without a firewall every probe gets through (this also starts every
# listener, before the parallel probes below)
bad=
while read -r exp proto ns src dst port desc; do
	probe "$proto" "$ns" "$src" "$dst" "$port" >/dev/null 2>&1 ||
		bad="$bad [$proto $src -> $dst $port]"
done <<<"$PROBES"
expect_eq "no firewall: all $(wc -l <<<"$PROBES") probes get through" "" "$bad"

# --- 2. the expectations are those of the policy engine
bad=
while read -r exp proto ns src dst port desc; do
	if [ "$proto" = icmp ]; then
		"$ZG_CTL" -c "$CONF" explain "$proto" "$src" "$dst" >/dev/null 2>&1
	else
		"$ZG_CTL" -c "$CONF" explain "$proto" "$src" "$dst" "$port" >/dev/null 2>&1
	fi
	rc=$?
	{ [ "$exp" = pass ] && [ $rc -eq 0 ]; } || { [ "$exp" = block ] && [ $rc -eq 1 ]; } ||
		bad="$bad [$exp $proto $src -> $dst $port: explain rc $rc]"
done <<<"$PROBES"
expect_eq "zonegatectl explain agrees with every expectation" "" "$bad"

# --- 3. the daemon enforces the seed
expect_pass "zonegated starts with the seed config" daemon_start "$CONF"
expect_pass "... and logs 'applied'" daemon_log_wait applied 5
expect_pass "the table has a forward base chain with policy drop" \
	sh -c "ip netns exec $NS_GW nft list chain inet zonegate forward | grep -q 'hook forward.*policy drop'"

while read -r exp proto ns src dst port desc; do
	[ "$exp" = pass ] || continue
	expect_pass "$desc" probe "$proto" "$ns" "$src" "$dst" "$port"
done <<<"$PROBES"

# replies: the TCP probes above complete a handshake and read the answer;
# for UDP the listener's answer must come back through the gateway too
expect_pass "reply of a permitted UDP flow comes back (rdp udp answer)" \
	enf_fate_is ok - udp "$NS_LG" "$LG4B" "$RL_VB4" 3389
expect_pass "reply of a permitted TCP flow comes back (smtp into the sanitiser)" \
	enf_fate_is ok - tcp "$NS_IN" "$IN4B" "$RL_SAN4" 25

n=0
while read -r exp proto ns src dst port desc; do
	[ "$exp" = block ] || continue
	expect_async block "$desc" probe "$proto" "$ns" "$src" "$dst" "$port"
	n=$((n + 1))
	if [ $((n % 24)) -eq 0 ]; then expect_collect; fi
done <<<"$PROBES"
expect_collect

# the permitted flows still pass after all that (no state got stuck)
expect_pass "after the denied probes: internet mail still reaches the sanitiser" \
	tcp_ok "$NS_IN" "$IN4B" "$RL_SAN4" 25
expect_pass "after the denied probes: screen transfer still works" \
	tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389

finish
