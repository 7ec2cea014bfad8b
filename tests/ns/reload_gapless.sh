#!/bin/bash
# reload_gapless.sh - a reload has no moment in which the new rules meet
# sets that are not complete yet.
#
# The kernel's interval sets (zone maps, sets of ranges and networks)
# publish their elements only after the switch of the transaction that
# fills them; when zonegated created them in the transaction that also
# installed the rules using them, every packet that met the new rules in
# between missed them: dropped as "unknown-zone" although both zones are
# known (the violation line said reason=unknown-zone src_zone=lgwan
# dst_zone=internet), and permitted new flows were dropped as well.  Since
# daemon/nft.c stages such sets in a transaction of their own, none is.
#
# 200 reloads alternate between two policies that differ in their zone maps
# (lgwan gains 10.21.0.0/16) and in interval sets (a drop entry gains a
# network, an accept entry of a port range is added), while
#  - a flood of new flows that both policies permit runs (UDP from the lgwan
#    host to the relay's network, a new source port for every datagram, so
#    that each one is decided by the zone maps and an accept set of
#    networks, not by conntrack): every datagram must arrive;
#  - a flood against a flow that an accept entry of single hosts (a hash
#    set) permits and a drop entry of a network (an interval set) denies,
#    the drop winning: none may arrive, and the drop counts every one;
# and no packet may be counted as unknown-zone by the kernel, nor logged so
# by the daemon, whose engine must agree with every logged packet.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

N=${ZG_GAPLESS_RELOADS:-200}
RATE_P=5000		# new flows a second (hping3 -i u200)
RATE_D=2000
SOCK=$ZG_TMP/ctl.sock
CONF=$ZG_TMP/gapless.conf A=$ZG_TMP/a.conf B=$ZG_TMP/b.conf
{
	echo 'version = 1;'
	echo "zonegate = { table = \"zonegate\"; log_group = 7; control_socket = \"$SOCK\"; };"
	enf_zones
	cat <<-'EOF'
	policy = (
	  { from = "lgwan"; to = "relay"; services = [ "udp/3389" ]; to_hosts = [ "10.30.0.0/26" ];
	    comment = "permitted new flows"; },
	  { from = "lgwan"; to = "internet"; services = [ "udp/9999" ]; from_hosts = [ "10.20.0.25" ];
	    to_hosts = [ "198.51.100.7" ]; comment = "one host may ..."; },
	  { from = "lgwan"; to = "internet"; services = [ "udp/9999" ]; to_hosts = [ "198.51.100.0/24" ];
	    action = "drop"; comment = "... but that network is closed"; }
	);
	EOF
} >"$A"
sed -e 's|"10.20.0.0/16", "fd00:20::/48"|"10.20.0.0/16", "10.21.0.0/16", "fd00:20::/48"|' \
    -e 's|to_hosts = \[ "198.51.100.0/24" \];|to_hosts = [ "198.51.100.0/24", "203.0.113.0/24" ];|' \
    -e 's|^policy = (|policy = (\n  { from = "lgwan"; to = "relay"; services = [ "tcp/8000-8100" ]; },|' \
	"$A" >"$B"
for c in "$A" "$B"; do enf_conf_ok "$c" || exit 1; done
dump_has() { "$ZG_CTL" -c "$1" check --dump | grep -qF -- "$2"; }
expect_pass "B's zone maps differ from A's" \
	dump_has "$B" "10.20.0.0-10.21.255.255 : goto src_lgwan"
expect_block "... A's do not hold 10.21.0.0/16" \
	dump_has "$A" "10.20.0.0-10.21.255.255 : goto src_lgwan"
expect_pass "B's drop set holds a network A's has not" dump_has "$B" "203.0.113.0-203.0.113.255"
for c in "$A" "$B"; do
	n=$(basename "$c")
	expect_pass "$n: the permitted flow's set is an interval set" bash -c \
		"'$ZG_CTL' -c '$c' check --dump | grep -A3 'set acc_lgwan_relay' | grep -q 'flags interval'"
	expect_block "$n: the overlapping accept entry is a hash set" bash -c \
		"'$ZG_CTL' -c '$c' check --dump | grep -A3 'set acc_lgwan_internet' | grep -q 'flags interval'"
	expect_pass "explain $n: lgwan -> relay udp/3389 permitted" \
		"$ZG_CTL" -c "$c" explain udp "$LG4" "$RL_VB4" 3389
	expect_block "explain $n: lgwan -> internet udp/9999 dropped" \
		"$ZG_CTL" -c "$c" explain udp "$LG4" "$IN4" 9999
done

cp "$A" "$CONF"
expect_pass "zonegated starts with A" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5

rx_watch "$NS_RL" perm ip saddr "$LG4" ip daddr "$RL_VB4" udp dport 3389 || exit 1
rx_watch "$NS_IN" denied ip saddr "$LG4" udp dport 9999 || exit 1
udp_count_start "$NS_RL" 3389 || exit 1
ct0=$(enf_conntrack_count)
unk0=$(enf_counter unknown_forward)
den0=$(enf_counter deny_lgwan_internet)
rel0=$(enf_counter deny_lgwan_relay)

enf_hping_start perm "$NS_LG" 60 -q --udp -p 3389 -i u$((1000000 / RATE_P)) \
	-c $((RATE_P * 60)) "$RL_VB4"
enf_flood_start "$NS_LG" "$LG4" "$IN4" 9999 "$RATE_D" 60 || exit 1
sleep 0.3
out=$(enf_reloads "$N" 50 "$CONF" "$B" "$A")
echo "$out" | sed 's/^/# /'
expect_pass "the permitted flood ran through all the reloads" enf_hping_running perm
expect_pass "the denied flood ran through all the reloads" enf_flood_running
sleep 0.2
sent_p=$(enf_hping_stop perm)
sent_d=$(enf_flood_stop)
sleep 0.3
ct=$(enf_conntrack_count)
got_p=$(udp_count_stop)
rx_p=$(rx_count "$NS_RL" perm)
rx_d=$(rx_count "$NS_IN" denied)
unk=$(( $(enf_counter unknown_forward) - unk0 ))
den=$(( $(enf_counter deny_lgwan_internet) - den0 ))
rel=$(( $(enf_counter deny_lgwan_relay) - rel0 ))
echo "# permitted new flows: sent $sent_p, arrived ${rx_p:-?} (receiver: $got_p)," \
     "denied by the gateway $rel; conntrack entries $ct0 -> $ct"
echo "# denied flow: sent $sent_d, arrived ${rx_d:-?}, dropped by the gateway $den"
echo "# unknown-zone drops: $unk"

expect_eq "all $N reloads applied" "$N" "$(enf_field "$out" applied)"
expect_pass "the permitted flood sent at least $((RATE_P / 4)) new flows a second ($sent_p)" \
	test "${sent_p:-0}" -ge "$(awk -v s="$(enf_field "$out" seconds)" -v r=$RATE_P 'BEGIN { printf "%d", s * r / 4 }')"
expect_pass "they were new flows: the gateway's conntrack grew by thousands ($ct0 -> $ct)" \
	test "$((ct - ct0))" -ge 1000
# hping3's own count, printed when it is interrupted, can miss the packet
# it was sending (11,704 sent, 11,705 arrived in one run): none lost is
# "arrived >= sent", and every flow the gateway created arrived
expect_pass "every permitted new flow arrived ($sent_p sent by hping3's count, ${rx_p:-none} arrived)" \
	test "${rx_p:-0}" -ge "${sent_p:-1}"
expect_eq "... every new flow of the gateway's conntrack arrived" "$((ct - ct0))" "${rx_p:-missing}"
expect_eq "the gateway denied none of them" 0 "$rel"
expect_eq "no packet was dropped as unknown-zone" 0 "$unk"
expect_eq "the denied flow: nothing arrived" 0 "${rx_d:-missing}"
expect_eq "the denied flow: the drop entry counted every datagram" "$sent_d" "$den"
expect_block "the log has no unknown-zone violation" \
	grep -q 'reason=unknown-zone' "$DAEMON_LOG"
st=$("$ZG_CTL" -s "$SOCK" status 2>&1)
expect_eq "status: every logged packet agreed with the policy engine" 0 \
	"$(enf_field "$st" disagree)"
expect_eq "status: in sync" true "$(enf_field "$st" in_sync)"
finish
