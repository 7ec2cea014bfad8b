#!/bin/bash
# install_tree: `make install` into a temporary DESTDIR lays out the tree a
# package would (PREFIX=/usr), keeps an existing configuration, and
# `make uninstall` removes what it installed and nothing else.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d /tmp/zg-install.XXXXXX)
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
for f in usr/sbin/zonegated usr/sbin/zonegatectl; do
	check "$f installed, executable" test -x "$root/$f"
done
for f in usr/lib/systemd/system/zonegated.service etc/zonegate/zonegate.conf \
	usr/share/man/man5/zonegate.conf.5 usr/share/man/man8/zonegated.8 \
	usr/share/man/man8/zonegatectl.8; do
	check "$f installed" test -f "$root/$f"
done
check "the configuration is not world-readable" \
	test "$(stat -c %a "$root/etc/zonegate/zonegate.conf")" = 640
check "the installed configuration is valid" \
	"$root/usr/sbin/zonegatectl" -c "$root/etc/zonegate/zonegate.conf" check >/dev/null
echo "# my edit" >>"$root/etc/zonegate/zonegate.conf"
make -s -C "$TOP" install $san DESTDIR="$root" PREFIX=/usr >/dev/null
check "a second install keeps an edited configuration" \
	grep -q '^# my edit$' "$root/etc/zonegate/zonegate.conf"
touch "$root/usr/sbin/other-tool"
make -s -C "$TOP" uninstall $san DESTDIR="$root" PREFIX=/usr >/dev/null
check "uninstall removes the programs" test ! -e "$root/usr/sbin/zonegated"
check "uninstall removes the unit" test ! -e "$root/usr/lib/systemd/system/zonegated.service"
check "uninstall removes the man pages" test ! -e "$root/usr/share/man/man8/zonegatectl.8"
check "uninstall keeps the configuration" test -f "$root/etc/zonegate/zonegate.conf"
check "uninstall keeps other files" test -e "$root/usr/sbin/other-tool"
echo "install_tree.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
