#!/bin/bash
# systemd_unit: the service unit installs where systemd looks, passes
# `systemd-analyze verify` against the installed tree, and its exposure
# (`systemd-analyze security --offline=yes`) is 2.1 or lower: 1.9 before the
# packet parsers were separated; the 0.2 more are CAP_SETUID/CAP_SETGID/
# CAP_SETPCAP and setresuid/setresgid/setgroups, which the daemon needs to
# start its parsers as the unprivileged zonegate user (zonegated(8)).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d /tmp/zg-unit.XXXXXX)
trap 'rm -rf "$root"' EXIT
pass=0 fail=0
check() {	# check DESC CMD...
	local d=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok - $d"
	else fail=$((fail + 1)); echo "not ok - $d"; fi
}
# install what is built, as it was built: a sanitized tree (make check
# SANITIZE=1) must not be rebuilt without the sanitizers behind the tests
# that follow (make passes SANITIZE=1 down, a script run by hand does not)
san=
grep -q fsanitize "$TOP/.cflags" 2>/dev/null && san=SANITIZE=1
make -s -C "$TOP" install $san DESTDIR="$root" PREFIX=/usr >/dev/null
unit=$root/usr/lib/systemd/system/zonegated.service
check "unit installed" test -f "$unit"
check "it starts the installed daemon" grep -q '^ExecStart=/usr/sbin/zonegated -f' "$unit"
out=$(systemd-analyze verify --man=no --root="$root" /usr/lib/systemd/system/zonegated.service 2>&1)
check "systemd-analyze verify is clean" test -z "$out"
[ -n "$out" ] && echo "$out" | sed 's/^/#   /'
sec=$(systemd-analyze security --offline=yes "$unit" 2>&1 | grep 'Overall exposure level')
level=$(grep -Eo '[0-9]+\.[0-9]+' <<<"$sec" | head -1)
echo "# $sec"
check "exposure ${level:-?} <= 2.1" awk -v l="${level:-99}" 'BEGIN { exit !(l <= 2.1) }'
for k in Type=notify WatchdogSec= ExecStartPre= 'ExecReload=/usr/sbin/zonegated -n' \
	Before=network-pre.target Wants=network-pre.target Restart=on-failure \
	'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_SETPCAP' \
	KillMode=mixed PrivateMounts=yes NoNewPrivileges=yes \
	ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	'RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_PACKET' \
	SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
	LockPersonality=yes RestrictNamespaces=yes RuntimeDirectory=zonegate; do
	check "unit has $k" grep -q "^$k" "$unit"
done
echo "systemd_unit.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
