#!/bin/bash
# enforce_rules_independent.sh - the number of rules in the kernel does not
# grow with the number of policy entries: two generated configs, 10 and
# 10,000 accept entries lgwan -> relay (each its own port, every other port
# so that no two entries merge into one range), give the same rule count
# (counted as "rule" objects of `nft --json list table`) while their set
# elements differ by about 10,000.  A sample of the 10,000 flows passes; a
# port between two listed ones and the port after the last are blocked.
#
# Honesty: the probes pass with no firewall; the sample from the 10,000-entry
# config is blocked under the 10-entry config.
. "$(dirname "$0")/enforce.bash"

topo_up || { echo "topo_up failed"; exit 1; }

BASEPORT=20000
gen() {	# gen N FILE: N entries, ports BASEPORT, BASEPORT+2, ...
	"$ZG_PY" - "$1" "$BASEPORT" "$RL_VB4" >"$2" <<-'EOF'
	import sys
	n, base, dst = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
	print("version = 1;")
	print('zones = (')
	print('  { name = "lgwan"; interfaces = [ "lg0" ]; networks = [ "10.20.0.0/16", "fd00:20::/48" ]; },')
	print('  { name = "relay"; interfaces = [ "rl0" ]; networks = [ "10.30.0.0/24", "fd00:30::/64" ]; },')
	print('  { name = "internet"; interfaces = [ "inet0" ]; networks = [ "0.0.0.0/0", "::/0" ]; }')
	print(');')
	print("policy = (")
	for i in range(n):
	    print('  { from = "lgwan"; to = "relay"; services = [ "tcp/%d" ]; to_hosts = [ "%s" ]; }%s'
	          % (base + 2 * i, dst, "," if i < n - 1 else ""))
	print(");")
	EOF
}
C10=$ZG_TMP/ten.conf C10K=$ZG_TMP/tenthousand.conf
gen 10 "$C10"; gen 10000 "$C10K"
enf_conf_ok "$C10" && enf_conf_ok "$C10K" || exit 1
expect_eq "generated 10,000 entries" 10000 "$(grep -c 'from = "lgwan"' "$C10K")"

LAST=$((BASEPORT + 2 * 9999))	# 39998
SAMPLE="$BASEPORT $((BASEPORT + 2 * 5000)) $LAST"
GAP=$((BASEPORT + 2 * 2500 + 1))	# between two listed ports
AFTER=$((LAST + 1))
for p in $SAMPLE $GAP $AFTER; do
	expect_pass "open: lgwan -> relay tcp/$p passes with no firewall" \
		tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" "$p"
done

# --- 10 entries
expect_pass "zonegated starts with 10 entries" daemon_start "$C10"
expect_pass "... applied" daemon_log_wait applied 5
r10=$(enf_json_count rules) e10=$(enf_json_count elements)
echo "# 10 entries: $r10 rules, $e10 set/map elements"
expect_pass "10 entries: tcp/$BASEPORT passes" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" "$BASEPORT"
expect_block "10 entries: tcp/$LAST (entry 10,000) blocked" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" "$LAST"
expect_pass "stop" daemon_stop

# --- 10,000 entries
expect_pass "zonegated starts with 10,000 entries" daemon_start "$C10K"
expect_pass "... applied" daemon_log_wait applied 20
r10k=$(enf_json_count rules) e10k=$(enf_json_count elements)
echo "# 10,000 entries: $r10k rules, $e10k set/map elements"
expect_pass "rule counts are positive ($r10, $r10k)" test "$r10" -gt 0 -a "$r10k" -gt 0
expect_eq "the kernel holds as many rules for 10,000 entries as for 10" "$r10" "$r10k"
diff=$((e10k - e10))
expect_pass "set elements differ by about 10,000 ($diff: 9990 expected)" \
	test "$diff" -ge 9990 -a "$diff" -le 10100
expect_pass "the daemon's own summary agrees ('$r10k rules')" \
	grep -q "applied .*10000 policy entries, $r10k rules" "$DAEMON_LOG"

for p in $SAMPLE; do
	expect_async pass "10,000 entries: tcp/$p passes" tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" "$p"
done
expect_async block "10,000 entries: tcp/$GAP (between two entries) blocked" \
	tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" "$GAP"
expect_async block "10,000 entries: tcp/$AFTER (after the last) blocked" \
	tcp_ok "$NS_LG" "$LG4B" "$RL_VB4" "$AFTER"
expect_async block "10,000 entries: tcp/$BASEPORT to another relay host blocked" \
	tcp_ok "$NS_LG" "$LG4B" "$RL_SAN4" "$BASEPORT"
expect_collect

finish
