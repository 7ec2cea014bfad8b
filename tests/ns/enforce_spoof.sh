#!/bin/bash
# enforce_spoof.sh - anti-spoofing: a datagram with an LGWAN source address
# that arrives from the internet side (or any other zone's interface) is
# dropped, while the same datagram from the lgwan side to a permitted relay
# port passes; IPv4 and IPv6.  And the other way round: an internet source
# address arriving on the lgwan interface is dropped although the internet
# may send that datagram.
#
# Honesty: each spoofed probe is first shown to reach its listener with no
# firewall in the gateway (the kernel's rp_filter is off there).
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

CONF=$ZG_TMP/spoof.conf
{
	echo "version = 1;"
	enf_zones
	cat <<-EOF
	policy = (
	  { from = "lgwan"; to = "relay"; services = [ "udp/3389", "tcp/3389" ];
	    to_hosts = [ "$RL_VB4", "$RL_VB6" ]; comment = "screen transfer"; },
	  { from = "internet"; to = "relay"; services = [ "udp/5353" ];
	    to_hosts = [ "$RL_SAN4", "$RL_SAN6" ]; }
	);
	EOF
} >"$CONF"
enf_conf_ok "$CONF" || exit 1
expect_pass "explain: lgwan -> relay udp/3389 from lg0 is permitted" \
	"$ZG_CTL" -c "$CONF" explain --in lg0 udp "$LG4" "$RL_VB4" 3389
expect_block "explain: the same from inet0 is denied as spoofed" \
	"$ZG_CTL" -c "$CONF" explain --in inet0 udp "$LG4" "$RL_VB4" 3389

# --- no firewall: the forged packets get through
expect_pass "open: forged lgwan source v4 from the internet side arrives" \
	spoof_udp "$NS_IN" "$LG4" "$RL_VB4" 3389
expect_pass "open: forged lgwan source v6 from the internet side arrives" \
	spoof_udp "$NS_IN" "$LG6B" "$RL_VB6" 3389
expect_pass "open: forged lgwan source v4 from the mynumber side arrives" \
	spoof_udp "$NS_MN" "$LG4B" "$RL_VB4" 3389
expect_pass "open: forged lgwan source (hping3 -a) arrives" \
	spoof_hping "$NS_IN" "$LG4B" "$RL_VB4" 3389
expect_pass "open: forged internet source v4 from the lgwan side arrives" \
	spoof_udp "$NS_LG" "$IN4B" "$RL_SAN4" 5353
expect_pass "open: forged internet source v6 from the lgwan side arrives" \
	spoof_udp "$NS_LG" "$IN6B" "$RL_SAN6" 5353

# --- enforced
expect_pass "zonegated starts" daemon_start "$CONF"
expect_pass "... applied" daemon_log_wait applied 5

expect_pass "lgwan side: lgwan source v4 -> relay udp/3389 passes" \
	spoof_udp "$NS_LG" "$LG4" "$RL_VB4" 3389
expect_pass "lgwan side: lgwan source v6 -> relay udp/3389 passes" \
	spoof_udp "$NS_LG" "$LG6B" "$RL_VB6" 3389
expect_pass "internet side: internet source v4 -> relay udp/5353 passes" \
	spoof_udp "$NS_IN" "$IN4B" "$RL_SAN4" 5353
expect_pass "internet side: internet source v6 -> relay udp/5353 passes" \
	spoof_udp "$NS_IN" "$IN6B" "$RL_SAN6" 5353

# spoof_udp adds and removes the forged address in the sending namespace,
# so these run one after another, not in parallel
expect_block "internet side: forged lgwan source v4 -> relay udp/3389 dropped" \
	spoof_udp "$NS_IN" "$LG4" "$RL_VB4" 3389
expect_block "internet side: forged lgwan source v6 -> relay udp/3389 dropped" \
	spoof_udp "$NS_IN" "$LG6B" "$RL_VB6" 3389
expect_block "mynumber side: forged lgwan source v4 dropped" \
	spoof_udp "$NS_MN" "$LG4B" "$RL_VB4" 3389
expect_block "mynumber side: forged lgwan source v6 dropped" \
	spoof_udp "$NS_MN" "$LG6" "$RL_VB6" 3389
expect_block "internet side: forged lgwan source (hping3 -a) dropped" \
	spoof_hping "$NS_IN" "$LG4B" "$RL_VB4" 3389
expect_block "lgwan side: forged internet source v4 -> relay udp/5353 dropped" \
	spoof_udp "$NS_LG" "$IN4B" "$RL_SAN4" 5353
expect_block "lgwan side: forged internet source v6 -> relay udp/5353 dropped" \
	spoof_udp "$NS_LG" "$IN6B" "$RL_SAN6" 5353

# the legitimate flows are not hurt by the spoofing attempts
expect_pass "after the attempts: lgwan -> relay udp/3389 still passes (v4)" \
	udp_ok "$NS_LG" "$LG4B" "$RL_VB4" 3389
expect_pass "after the attempts: lgwan -> relay tcp/3389 still passes (v6)" \
	tcp_ok "$NS_LG" "$LG6" "$RL_VB6" 3389

finish
