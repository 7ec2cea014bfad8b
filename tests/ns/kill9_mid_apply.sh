#!/bin/bash
# kill9_mid_apply: kill -9 of the daemon at random moments while it reloads
# between the seed policy and a 100,000-entry one, 20 times. Afterwards the
# kernel always holds one complete table: the old or the new, never a part.
# `zonegatectl verify` compares the kernel's rules, sets, elements, chains
# and the stamp written in the same transaction with each configuration;
# exactly one must match, and traffic must be filtered.
. "$(dirname "$0")/lib.bash"
topo_up
small=$ZG_TMP/small.conf big=$ZG_TMP/big.conf conf=$ZG_TMP/zonegate.conf
cp conf/zonegate.conf "$small"
python3 - "$small" "$big" <<'PY'
import sys
src = open(sys.argv[1]).read()
entries = []
for h in range(2, 252):
    for p in range(1000, 1400):
        entries.append('{ from = "lgwan"; to = "relay"; services = [ "tcp/%d" ]; '
                       'to_hosts = [ "10.30.0.%d" ]; }' % (p, h))
open(sys.argv[2], "w").write(src.replace("policy = (\n", "policy = (\n" +
                                          ",\n".join(entries[:100000]) + ",\n", 1))
PY
cp "$small" "$conf"
daemon_start "$conf" || finish
daemon_log_wait applied 5
bad=0 old=0 new=0
for i in $(seq 1 20); do
	if ((i % 2)); then cp "$big" "$conf"; else cp "$small" "$conf"; fi
	kill -HUP "$DAEMON_PID"
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r % 150 / 100 }')"
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	# complete: the kernel's counts and stamp are those of one of the two
	if ip netns exec "$NS_GW" ./zonegatectl -c "$small" verify >/dev/null; then
		old=$((old + 1))
	elif ip netns exec "$NS_GW" ./zonegatectl -c "$big" verify >/dev/null; then
		new=$((new + 1))
	else
		bad=$((bad + 1))
		echo "# kill $i: the kernel holds neither table completely:"
		ip netns exec "$NS_GW" ./zonegatectl -c "$big" verify | sed 's/^/#   /'
	fi
	expect_block "kill $i: LGWAN -> web denied" tcp_ok "$NS_LG" "$LG4B" "$IN4" 443
	# the next round starts from a running daemon on whatever is in force
	daemon_start "$conf" >/dev/null || { echo "# restart $i failed"; bad=$((bad + 1)); }
	daemon_log_wait applied 10 >/dev/null
done
echo "# 20 kills: the old table $old times, the new one $new times"
expect_eq "after 20 kills mid-apply: always one complete table" 0 "$bad"
expect_pass "the kills hit both sides of the commit" test "$old" -gt 0 -a "$new" -gt 0
st=$(gw_nft list table inet zonegate | grep -c 'chain ')
expect_pass "one table, in force" test "$st" -gt 10
finish
