#!/bin/bash
# dump_loads: `zonegatectl check --dump` prints what nft -f loads: the dump
# of every shipped configuration is loaded into a fresh network namespace,
# and nft lists the same chains and sets back. (The raw-payload key of the
# ICMP-error maps needs `typeof` in nft's language; a `type ipv4_addr`
# header was refused with "datatype mismatch".)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NS=zgdump$$
W=$(mktemp -d /tmp/zg-dump.XXXXXX)
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$W"' EXIT
pass=0 fail=0
check() {	# check DESC CMD...
	local d=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok - $d"
	else fail=$((fail + 1)); echo "not ok - $d"; fi
}
ip netns add "$NS" || { echo "ip netns add failed"; exit 1; }
for c in conf/zonegate.conf conf/minimal.conf tests/unit/verdict.conf; do
	n=$(basename "$c" .conf)
	(cd "$TOP/$(dirname "$c")" && "$TOP/zonegatectl" -c "$(basename "$c")" check --dump) \
		>"$W/$n.nft" 2>"$W/$n.err"
	check "$c: dumped" test -s "$W/$n.nft"
	ip netns exec "$NS" nft -f "$W/$n.nft" 2>"$W/$n.nfterr"
	check "$c: nft -f loads the dump" test $? -eq 0
	sed 's/^/#   /' "$W/$n.nfterr" | head -5
	want=$(grep -cE '^	(chain|set|map) ' "$W/$n.nft")
	got=$(ip netns exec "$NS" nft list ruleset | grep -cE '^	(chain|set|map) ')
	check "$c: nft lists its $want chains, sets and maps back ($got)" test "$want" -eq "$got"
	ip netns exec "$NS" nft flush ruleset
done
echo "dump_loads.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
