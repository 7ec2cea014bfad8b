#!/bin/bash
# enforce_semantics.sh - the SEMANTICS of zonegate.conf(5) in the kernel:
# port ranges (edges in and out), from_hosts/to_hosts, action "reject" (a
# quick TCP reset / ICMP unreachable) and "drop" (silence), precedence (drop
# over reject over accept, whatever the order in the file; a drop cutting a
# one-port hole in an accepted range; overlapping accepts keeping their own
# host lists), related traffic (the ICMP errors and resets of permitted
# flows come back), the icmp service (echo, both families, one direction),
# the reserved "gateway" zone (and IPv6 neighbour discovery through its
# input chain), and intra = accept / drop for two hosts of one zone on two
# interfaces of the gateway.
#
# Three versions of one config file, switched by reloads:
#   A  the entries under test, a gateway entry, intra accept
#   B  the accept entries only: no reject/drop entries, no gateway entry
#   C  A with intra = "drop" for lgwan
# Every "blocked" is paired with the same probe passing with no firewall
# and, where the entry under test is an explicit deny or the gateway entry,
# passing again under B.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

# --- a second lgwan host behind a second gateway interface (lg1), so that
# lgwan -> lgwan traffic is routed through the gateway
NS_LG2=$P-lg2
LG2_4=10.21.0.5 LG2_6=fd00:21::5
zg_user_cleanup() { [ -e "/run/netns/$NS_LG2" ] && ip netns del "$NS_LG2" 2>/dev/null; return 0; }
ip netns add "$NS_LG2" || { echo "ip netns add failed"; exit 1; }
ZG_ALL_NS+=("$NS_LG2")	# topo_down (EXIT trap) removes it with the others
{
ip -n "$NS_LG2" link set lo up &&
zg_sysctl "$NS_LG2" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
	net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 &&
ip -n "$NS_GW" link add lg1 type veth peer name eth0 netns "$NS_LG2" &&
ip -n "$NS_GW" link set lg1 up && ip -n "$NS_LG2" link set eth0 up &&
ip -n "$NS_GW" addr add 10.21.0.1/16 dev lg1 &&
ip -n "$NS_GW" addr add fd00:21::1/48 dev lg1 nodad &&
ip -n "$NS_LG2" addr add $LG2_4/16 dev eth0 &&
ip -n "$NS_LG2" addr add $LG2_6/48 dev eth0 nodad &&
ip -n "$NS_LG2" route add default via 10.21.0.1 &&
ip -n "$NS_LG2" route add default via fd00:21::1
} || { echo "second lgwan host setup failed"; exit 1; }
for _ in $(seq 40); do
	[ -z "$(ip -n "$NS_LG2" -6 addr show tentative)$(ip -n "$NS_GW" -6 addr show tentative)" ] && break
	sleep 0.05
done

CONF=$ZG_TMP/semantics.conf
semconf() {	# semconf A|B|C > CONF
	local v=$1 intra=accept
	[ "$v" = C ] && intra=drop
	cat <<-EOF
	version = 1;
	zones = (
	  { name = "mynumber"; interfaces = [ "mn0" ]; networks = [ "10.10.0.0/16", "fd00:10::/48" ]; },
	  { name = "lgwan"; interfaces = [ "lg0", "lg1" ];
	    networks = [ "10.20.0.0/16", "fd00:20::/48", "10.21.0.0/16", "fd00:21::/48" ];
	    intra = "$intra"; },
	  { name = "relay"; interfaces = [ "rl0" ]; networks = [ "10.30.0.0/24", "fd00:30::/64" ]; },
	  { name = "internet"; interfaces = [ "inet0" ]; networks = [ "0.0.0.0/0", "::/0" ]; }
	);
	services = (
	  { name = "ping"; icmp = true; },
	  { name = "ranges"; tcp = [ "5000-5010" ]; udp = [ "5100-5110" ]; }
	);
	policy = (
	  { from = "lgwan"; to = "relay"; services = [ "ranges" ]; to_hosts = [ "$RL_VB4", "$RL_VB6" ];
	    comment = "port ranges"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/6000" ];
	    from_hosts = [ "$LG4", "$LG6" ]; to_hosts = [ "$RL_SAN4", "$RL_SAN6" ];
	    comment = "host restrictions"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7000", "udp/7000" ]; comment = "reject target"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7100", "udp/7100" ]; comment = "drop target"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7300" ]; comment = "drop beats reject"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7400" ];
	    from_hosts = [ "$LG4" ]; to_hosts = [ "$RL_SAN4" ]; comment = "narrow accept under a broad drop"; },
	  { from = "lgwan"; to = "relay"; services = [ "ping" ]; to_hosts = [ "$RL_VB4", "$RL_VB6" ];
	    comment = "echo to the virtual browser"; },
	  { from = "relay"; to = "internet"; services = [ "icmp" ]; from_hosts = [ "$RL_VB4", "$RL_VB6" ]; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7500-7520" ]; comment = "range with a hole"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7600-7610" ]; comment = "overlapping accepts"; },
	  { from = "lgwan"; to = "relay"; services = [ "tcp/7605-7620" ]; from_hosts = [ "$LG4B" ]; }
	EOF
	if [ "$v" != B ]; then
		cat <<-EOF
		  ,
		  { from = "lgwan"; to = "relay"; services = [ "tcp/7000", "udp/7000" ];
		    from_hosts = [ "$LG4B", "$LG6B" ]; action = "reject"; },
		  { from = "lgwan"; to = "relay"; services = [ "tcp/7100", "udp/7100" ];
		    from_hosts = [ "$LG4B", "$LG6B" ]; action = "drop"; },
		  { from = "lgwan"; to = "relay"; services = [ "tcp/7300" ]; from_hosts = [ "$LG4B" ]; action = "reject"; },
		  { from = "lgwan"; to = "relay"; services = [ "tcp/7300" ]; from_hosts = [ "$LG4B" ]; action = "drop"; },
		  { from = "lgwan"; to = "relay"; services = [ "tcp/7400-7410" ]; action = "drop"; },
		  { from = "lgwan"; to = "relay"; services = [ "tcp/7510" ]; action = "drop"; },
		  { from = "lgwan"; to = "gateway"; services = [ "tcp/22" ]; comment = "administrators"; }
		EOF
	fi
	echo ");"
}

# --- 0. no firewall: every probe used below gets through
cfgA=$ZG_TMP/A.conf cfgB=$ZG_TMP/B.conf cfgC=$ZG_TMP/C.conf
semconf A >"$cfgA"; semconf B >"$cfgB"; semconf C >"$cfgC"
for c in "$cfgA" "$cfgB" "$cfgC"; do
	enf_conf_ok "$c" || { echo "test config invalid"; exit 1; }
done

BASE=$(cat <<EOF
tcp  $NS_LG $LG4B  $RL_VB4   4999
tcp  $NS_LG $LG4B  $RL_VB4   5000
tcp  $NS_LG $LG4B  $RL_VB4   5010
tcp  $NS_LG $LG4B  $RL_VB4   5011
tcp  $NS_LG $LG6B  $RL_VB6   5011
udp  $NS_LG $LG4B  $RL_VB4   5099
udp  $NS_LG $LG4B  $RL_VB4   5111
udp  $NS_LG $LG4B  $RL_VB4   5005
tcp  $NS_LG $LG4   $RL_SAN4  6000
tcp  $NS_LG $LG4B  $RL_SAN4  6000
tcp  $NS_LG $LG4   $RL_VB4   6000
tcp  $NS_LG $LG6B  $RL_SAN6  6000
tcp  $NS_LG $LG6   $RL_VB6   6000
tcp  $NS_LG $LG4B  $RL_SAN4  7000
udp  $NS_LG $LG4B  $RL_SAN4  7000
tcp  $NS_LG $LG6B  $RL_SAN6  7000
udp  $NS_LG $LG6B  $RL_SAN6  7000
tcp  $NS_LG $LG4B  $RL_SAN4  7100
udp  $NS_LG $LG4B  $RL_SAN4  7100
udp  $NS_LG $LG6B  $RL_SAN6  7100
tcp  $NS_LG $LG4B  $RL_SAN4  7300
tcp  $NS_LG $LG4   $RL_SAN4  7400
tcp  $NS_LG $LG4B  $RL_SAN4  7405
tcp  $NS_LG $LG4B  $RL_SAN4  7510
tcp  $NS_LG $LG4   $RL_SAN4  7615
icmp $NS_LG $LG4B  $RL_SAN4  -
icmp $NS_LG $LG6B  $RL_SAN6  -
icmp $NS_RL $RL_VB4 $LG4B    -
icmp $NS_RL $RL_VB6 $LG6B    -
icmp $NS_RL $RL_SAN4 $IN4B   -
tcp  $NS_LG $LG4   $GW_LG4   22
tcp  $NS_LG $LG6   $GW_LG6   22
tcp  $NS_LG $LG4   $GW_LG4   23
tcp  $NS_RL $RL_SAN4 $GW_RL4 22
tcp  $NS_RL $RL_SAN6 $GW_RL6 22
tcp  $NS_RL $RL_SAN4 $GW_LG4 22
icmp $NS_RL $RL_SAN4 $GW_RL4 -
tcp  $NS_LG $LG4   $LG2_4    2500
tcp  $NS_LG $LG6   $LG2_6    2500
tcp  $NS_LG2 $LG2_4 $LG4B    2500
icmp $NS_LG $LG4   $LG2_4    -
EOF
)
probe() {	# probe PROTO NS SRC DST PORT
	case $1 in
	tcp) tcp_ok "$2" "$3" "$4" "$5" ;;
	udp) udp_ok "$2" "$3" "$4" "$5" ;;
	icmp) icmp_ok "$2" "$3" "$4" ;;
	esac
}
bad=
while read -r proto ns src dst port; do
	probe "$proto" "$ns" "$src" "$dst" "$port" >/dev/null 2>&1 ||
		bad="$bad [$proto $src -> $dst $port]"
done <<<"$BASE"
expect_eq "no firewall: all $(wc -l <<<"$BASE") probes get through" "" "$bad"

# --- A: the entries under test
cp "$cfgA" "$CONF"
expect_pass "zonegated starts with config A" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5

# port ranges: both edges in, one step outside each edge out
expect_pass "range tcp/5000-5010: 5000 (lower edge) passes" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5000
expect_pass "range tcp/5000-5010: 5010 (upper edge) passes" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5010
expect_pass "range tcp/5000-5010: 5005 (v6) passes" tcp_ok "$NS_LG" "$LG6B" "$RL_VB6" 5005
expect_pass "range udp/5100-5110: 5100 passes" udp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5100
expect_pass "range udp/5100-5110: 5110 (v6) passes" udp_ok "$NS_LG" "$LG6B" "$RL_VB6" 5110
expect_async block "range tcp/5000-5010: 4999 blocked" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 4999
expect_async block "range tcp/5000-5010: 5011 blocked" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5011
expect_async block "range tcp/5000-5010: 5011 blocked (v6)" tcp_ok "$NS_LG" "$LG6B" "$RL_VB6" 5011
expect_async block "range udp/5100-5110: 5099 blocked" udp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5099
expect_async block "range udp/5100-5110: 5111 blocked" udp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5111
expect_async block "range is tcp only for tcp: udp/5005 blocked" udp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5005

# host restrictions
expect_pass "from_hosts/to_hosts: listed pair passes (v4)" tcp_ok "$NS_LG" "$LG4" "$RL_SAN4" 6000
expect_pass "from_hosts/to_hosts: listed pair passes (v6)" tcp_ok "$NS_LG" "$LG6" "$RL_SAN6" 6000
expect_async block "from_hosts: another lgwan source blocked" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 6000
expect_async block "from_hosts: another lgwan source blocked (v6)" tcp_ok "$NS_LG" "$LG6B" "$RL_SAN6" 6000
expect_async block "to_hosts: another relay destination blocked" tcp_ok "$NS_LG" "$LG4" "$RL_VB4" 6000
expect_async block "to_hosts: another relay destination blocked (v6)" tcp_ok "$NS_LG" "$LG6" "$RL_VB6" 6000
expect_collect

# reject: the listener is there (an unlisted source gets through), the
# listed source gets a quick refusal from the gateway
rejlog=$(listen_log "$NS_RL" tcp 7000)
rejmark=$(wc -l <"$rejlog")
expect_pass "reject target: tcp/7000 from a host the reject does not name passes" \
	tcp_ok "$NS_LG" "$LG4" "$RL_SAN4" 7000
expect_pass "reject target: udp/7000 from a host the reject does not name passes" \
	udp_ok "$NS_LG" "$LG4" "$RL_SAN4" 7000
expect_pass "reject: tcp v4 is refused (RST) within 500 ms" \
	enf_fate_is "refused " 500 tcp "$NS_LG" "$LG4B" "$RL_SAN4" 7000 3
expect_pass "reject: tcp v6 is refused (RST) within 500 ms" \
	enf_fate_is "refused " 500 tcp "$NS_LG" "$LG6B" "$RL_SAN6" 7000 3
expect_pass "reject: udp v4 gets ICMP destination unreachable within 500 ms" \
	enf_fate_is "icmp 3 " 500 udp "$NS_LG" "$LG4B" "$RL_SAN4" 7000 3
expect_pass "reject: udp v6 gets ICMPv6 destination unreachable within 500 ms" \
	enf_fate_is "icmp 1 " 500 udp "$NS_LG" "$LG6B" "$RL_SAN6" 7000 3
expect_pass "reject: the rejected tcp flow did not reach the listener" \
	sh -c "! tail -n +$((rejmark + 1)) '$rejlog' | grep -q '^$LG4B '"

# drop: silence (a timeout, no reset, no ICMP), also over an accept for the
# same flow that comes later in the file
expect_pass "drop target: tcp/7100 from a host the drop does not name passes" \
	tcp_ok "$NS_LG" "$LG4" "$RL_SAN4" 7100
expect_async pass "drop: tcp v4 times out (no RST) although an accept covers it" \
	enf_fate_is timeout - tcp "$NS_LG" "$LG4B" "$RL_SAN4" 7100 2
expect_async pass "drop: udp v4 times out (no ICMP) although an accept covers it" \
	enf_fate_is timeout - udp "$NS_LG" "$LG4B" "$RL_SAN4" 7100 2
expect_async pass "drop: udp v6 times out (no ICMP) although an accept covers it" \
	enf_fate_is timeout - udp "$NS_LG" "$LG6B" "$RL_SAN6" 7100 2
expect_async pass "drop beats reject (and accept): tcp/7300 times out, no RST" \
	enf_fate_is timeout - tcp "$NS_LG" "$LG4B" "$RL_SAN4" 7300 2
expect_async pass "a broad drop beats a narrower accept: tcp/7400 listed pair times out" \
	enf_fate_is timeout - tcp "$NS_LG" "$LG4" "$RL_SAN4" 7400 2
expect_async block "the broad drop range covers 7405 too" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7405
expect_collect

# a drop inside an accepted range cuts a hole of exactly its port
expect_pass "hole: tcp/7509 (below the dropped port) passes" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7509
expect_pass "hole: tcp/7511 (above the dropped port) passes" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7511
expect_block "hole: tcp/7510 blocked" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7510
# overlapping accept entries: each keeps its own host restriction
expect_pass "overlap: tcp/7607 (both entries) passes for any lgwan host" tcp_ok "$NS_LG" "$LG4" "$RL_SAN4" 7607
expect_pass "overlap: tcp/7615 (second entry) passes for its from_host" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7615
expect_block "overlap: tcp/7615 blocked for another lgwan host" tcp_ok "$NS_LG" "$LG4" "$RL_SAN4" 7615

# related traffic: the ICMP errors of a permitted flow come back although
# no entry permits ICMP relay -> lgwan (checked below); a host without a
# listener answers a permitted TCP flow with its own reset
nolisten() { ENF_NOLISTEN=1 enf_fate_is "$@"; }	# no listener on the port
expect_pass "related: port unreachable of a permitted udp flow comes back (v4)" \
	nolisten "icmp 3 3 " 1000 udp "$NS_LG" "$LG4B" "$RL_VB4" 5105 2
expect_pass "related: port unreachable of a permitted udp flow comes back (v6)" \
	nolisten "icmp 1 4 " 1000 udp "$NS_LG" "$LG6B" "$RL_VB6" 5106 2
expect_pass "the relay host's own reset of a permitted tcp flow comes back" \
	nolisten "refused " 1000 tcp "$NS_LG" "$LG4B" "$RL_VB4" 5003 2

# icmp service: echo both families, only where and in the direction permitted
expect_pass "icmp service: lgwan -> virtual browser echo (v4)" icmp_ok "$NS_LG" "$LG4B" "$RL_VB4"
expect_pass "icmp service: lgwan -> virtual browser echo (v6)" icmp_ok "$NS_LG" "$LG6B" "$RL_VB6"
expect_pass "inline icmp: virtual browser -> internet echo (v4)" icmp_ok "$NS_RL" "$RL_VB4" "$IN4B"
expect_pass "inline icmp: virtual browser -> internet echo (v6)" icmp_ok "$NS_RL" "$RL_VB6" "$IN6B"
expect_async block "icmp: lgwan -> sanitiser (not in to_hosts) blocked" icmp_ok "$NS_LG" "$LG4B" "$RL_SAN4"
expect_async block "icmp: lgwan -> sanitiser blocked (v6)" icmp_ok "$NS_LG" "$LG6B" "$RL_SAN6"
expect_async block "icmp: the reverse direction relay -> lgwan blocked" icmp_ok "$NS_RL" "$RL_VB4" "$LG4B"
expect_async block "icmp: the reverse direction relay -> lgwan blocked (v6)" icmp_ok "$NS_RL" "$RL_VB6" "$LG6B"
expect_async block "icmp: sanitiser (not in from_hosts) -> internet blocked" icmp_ok "$NS_RL" "$RL_SAN4" "$IN4B"
expect_collect

# the gateway zone
expect_pass "gateway: lgwan -> gateway tcp/22 passes (v4)" tcp_ok "$NS_LG" "$LG4" "$GW_LG4" 22
expect_async block "gateway: lgwan -> gateway tcp/23 blocked" tcp_ok "$NS_LG" "$LG4" "$GW_LG4" 23
expect_async block "gateway: relay -> gateway tcp/22 blocked" tcp_ok "$NS_RL" "$RL_SAN4" "$GW_RL4" 22
expect_async block "gateway: relay -> gateway tcp/22 blocked (v6)" tcp_ok "$NS_RL" "$RL_SAN6" "$GW_RL6" 22
expect_async block "gateway: relay -> gateway's lgwan address tcp/22 blocked" tcp_ok "$NS_RL" "$RL_SAN4" "$GW_LG4" 22
expect_async block "gateway: relay -> gateway echo blocked" icmp_ok "$NS_RL" "$RL_SAN4" "$GW_RL4"
expect_collect
# IPv6 with empty neighbour caches: the gateway's input chain must let
# neighbour discovery through, or no IPv6 flow works at all
for ns in "$NS_GW" "$NS_LG" "$NS_RL"; do ip -n "$ns" -6 neigh flush all; done
expect_pass "gateway, empty neighbour caches: lgwan -> gateway tcp/22 passes (v6)" \
	tcp_ok "$NS_LG" "$LG6" "$GW_LG6" 22
for ns in "$NS_GW" "$NS_LG" "$NS_RL"; do ip -n "$ns" -6 neigh flush all; done
expect_pass "gateway, empty neighbour caches: lgwan -> relay v6 flow still passes" \
	tcp_ok "$NS_LG" "$LG6B" "$RL_VB6" 5000
expect_pass "... and the gateway learnt the v6 neighbours" \
	sh -c "ip -n $NS_GW -6 neigh show dev rl0 | grep -q '$RL_VB6 .*lladdr'"

# intra accept (the default): through the gateway from lg0 to lg1
expect_pass "intra accept: lgwan -> lgwan across lg0/lg1 (v4)" tcp_ok "$NS_LG" "$LG4" "$LG2_4" 2500
expect_pass "intra accept: lgwan -> lgwan across lg0/lg1 (v6)" tcp_ok "$NS_LG" "$LG6" "$LG2_6" 2500
expect_pass "intra accept: the other way (lg1 -> lg0)" tcp_ok "$NS_LG2" "$LG2_4" "$LG4B" 2500
expect_pass "intra accept: echo (no service needed within a zone)" icmp_ok "$NS_LG" "$LG4" "$LG2_4"

# --- B: without the deny entries and the gateway entry the same probes pass
semconf B >"$CONF"
expect_pass "reload to config B applied" daemon_reload applied
expect_async pass "B: tcp/7000 from the formerly rejected host passes" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7000
expect_async pass "B: udp/7000 from the formerly rejected host passes" udp_ok "$NS_LG" "$LG6B" "$RL_SAN6" 7000
expect_async pass "B: tcp/7100 from the formerly dropped host passes" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7100
expect_async pass "B: udp/7100 from the formerly dropped host passes" udp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7100
expect_async pass "B: tcp/7300 passes" tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" 7300
expect_async pass "B: the narrow accept tcp/7400 passes" tcp_ok "$NS_LG" "$LG4" "$RL_SAN4" 7400
expect_async pass "B: no gateway entry: relay -> gateway tcp/22 unfiltered" tcp_ok "$NS_RL" "$RL_SAN4" "$GW_RL4" 22
expect_async pass "B: no gateway entry: lgwan -> gateway tcp/23 unfiltered" tcp_ok "$NS_LG" "$LG4" "$GW_LG4" 23
expect_async pass "B: no gateway entry: relay -> gateway echo unfiltered" icmp_ok "$NS_RL" "$RL_SAN4" "$GW_RL4"
expect_collect
expect_pass "B: no input chain in the table" \
	sh -c "! ip netns exec $NS_GW nft list table inet zonegate | grep -q 'hook input'"

# --- C: intra = "drop" for lgwan
semconf C >"$CONF"
expect_pass "reload to config C (lgwan intra drop) applied" daemon_reload applied
expect_async block "intra drop: lgwan -> lgwan across lg0/lg1 blocked (v4)" tcp_ok "$NS_LG" "$LG4" "$LG2_4" 2500
expect_async block "intra drop: lgwan -> lgwan across lg0/lg1 blocked (v6)" tcp_ok "$NS_LG" "$LG6" "$LG2_6" 2500
expect_async block "intra drop: the other way blocked" tcp_ok "$NS_LG2" "$LG2_4" "$LG4B" 2500
expect_async block "intra drop: echo blocked" icmp_ok "$NS_LG" "$LG4" "$LG2_4"
expect_collect
expect_pass "intra drop does not touch lgwan -> relay" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" 5000
expect_pass "... nor the gateway entry" tcp_ok "$NS_LG" "$LG4" "$GW_LG4" 22

finish
