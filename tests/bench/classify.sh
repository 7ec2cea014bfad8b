#!/bin/bash
# classify.sh - the cost of live classification: the forwarded new-flow
# rate through the gateway namespace with classification on, against off,
# measured side by side (alternating, 3 runs each, median). Every packet is
# a new flow (UDP from a new source port, permitted), counted and dropped at
# the receiver so that no reply ever makes a flow established.
cd "$(dirname "$0")/../.." || exit 1
. tests/ns/lib.bash
ZG_NAME=bench-classify
SECS=${ZG_BENCH_SECS:-3}
topo_up >/dev/null
# the receiver counts and drops (no reply)
ip netns exec "$NS_RL" nft -f - <<'EON'
table inet sink {
	chain in {
		type filter hook prerouting priority -300; policy accept;
		udp dport 3389 counter drop;
	}
}
EON
on=$ZG_TMP/on.conf off=$ZG_TMP/off.conf
for c in on off; do
	v=true; [ $c = off ] && v=false
	sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/$c.sock\";\n  classify = $v;|" \
		conf/zonegate.conf >"$ZG_TMP/$c.conf"
done
rx() { ip netns exec "$NS_RL" nft list chain inet sink in | awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }
rate() {	# rate CONF: packets per second forwarded, pcap drops, CPU
	local c0 c1 drops t0 t1
	daemon_start "$1" >/dev/null || return 1
	daemon_log_wait applied 5 >/dev/null
	sleep 0.5
	ip netns exec "$NS_GW" sysctl -qw net.netfilter.nf_conntrack_max=2000000 2>/dev/null
	c0=$(rx)
	t0=$(daemon_ticks)
	ip netns exec "$NS_LG" timeout "$SECS" hping3 --udp -p 3389 --flood "$RL_VB4" \
		>/dev/null 2>&1
	sleep 0.3
	c1=$(rx)
	t1=$(daemon_ticks)
	drops=$(./zonegatectl -s "$ZG_TMP/$(basename "$1" .conf).sock" status 2>/dev/null |
		awk '/^iface_pcap_drop/ { print $2 }')
	daemon_stop >/dev/null
	gw_nft delete table inet zonegate 2>/dev/null
	ip netns exec "$NS_GW" conntrack -F >/dev/null 2>&1 || true
	sleep 1
	echo "$(( (c1 - c0) / SECS )) ${drops:-0} $(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$SECS" 'BEGIN { printf "%.2f", t / hz / s }')"
}
on_r=() off_r=() on_d=() on_c=() off_c=()
for i in 1 2 3; do
	read -r r d c < <(rate "$on"); on_r+=("$r"); on_d+=("$d"); on_c+=("$c")
	read -r r d c < <(rate "$off"); off_r+=("$r"); off_c+=("$c")
done
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
awk -v on="$(med "${on_r[@]}")" -v off="$(med "${off_r[@]}")" -v d="${on_d[*]}" \
    -v con="${on_c[*]}" -v coff="${off_c[*]}" 'BEGIN {
	printf "classification: forwarded new flows/s, median of 3 (runs alternate)\n"
	printf "  classification off   %8d /s\n", off
	printf "  classification on    %8d /s   ratio %.2f   (goal >= 0.9); pcap drops per run: %s\n", on, on / off, d
	printf "  CPU of zonegated and its parsers during the flood (cores), per run: on %s; off %s\n", con, coff
}'
