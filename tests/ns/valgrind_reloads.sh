#!/bin/bash
# valgrind_reloads: zonegated under valgrind's memcheck through 100 reloads
# (SIGHUP, each waited for its "applied" line; the configuration alternates
# between two policies, so that every reload replaces the ruleset) and a few
# that fail (a syntax error, a semantic error), with denied traffic and
# control requests between them, then a stop (SIGTERM). valgrind's log must
# show no memory definitely or indirectly lost, no invalid read or write and
# no other memcheck error; the daemon must exit 0, and its open file
# descriptors must not grow with the reloads.
#
# Only the daemon's own process is judged: a child it forks (the packet
# parser) is followed silently (--child-silent-after-fork=yes); the log
# judged is the one of the pid the test started. Needs the plain build:
# under `make check SANITIZE=1` (ASan and valgrind do not mix) it is skipped.
. "$(dirname "$0")/lib.bash"
set -u

RELOADS=${VG_RELOADS:-100}
VG_EXIT=99	# valgrind's status when it found an error

command -v valgrind >/dev/null ||
	{ echo "not ok - valgrind is not installed (make deps)"; exit 1; }
[ -x "$ZONEGATED" ] || { echo "not ok - no daemon at $ZONEGATED"; exit 1; }
if grep -qa __asan_init "$ZONEGATED"; then
	skip_all "$ZONEGATED is built with the sanitizers; valgrind needs the plain build"
fi

topo_up || { echo "not ok - topology"; exit 1; }

conf=$ZG_TMP/zonegate.conf
conf_a=$ZG_TMP/a.conf		# the seed, with a control socket of its own
conf_b=$ZG_TMP/b.conf		# the same and one more entry
sed "s|^  syslog_facility = \"daemon\";.*|  syslog_facility = \"daemon\";\n  control_socket = \"$ZG_TMP/ctl.sock\";|" \
	"$ZG_SEED_CONF" >"$conf_a"
grep -q ctl.sock "$conf_a" || { echo "not ok - config A"; exit 1; }
python3 - "$conf_a" "$conf_b" <<'PY' || { echo "not ok - config B"; exit 1; }
import sys
text = open(sys.argv[1], encoding="utf-8").read()
entry = ('  { from = "internet"; to = "relay"; services = [ "web" ]; '
         'to_hosts = [ "10.30.0.99" ]; comment = "valgrind_reloads"; },\n')
i = text.index("policy = (")
i = text.index("\n", i) + 1
open(sys.argv[2], "w", encoding="utf-8").write(text[:i] + entry + text[i:])
PY
for c in "$conf_a" "$conf_b"; do
	./zonegatectl -c "$c" check >/dev/null ||
		{ echo "not ok - $c does not validate"; exit 1; }
done
cp "$conf_a" "$conf"

# the daemon under valgrind: ZONEGATED is a script that execs valgrind,
# which runs the daemon in its own process (the pid daemon_start keeps)
vglog=$ZG_TMP/valgrind
real=$(cd "$(dirname "$ZONEGATED")" && pwd)/$(basename "$ZONEGATED")
cat >"$ZG_TMP/zonegated-vg" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full \\
	--show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect \\
	--error-exitcode=$VG_EXIT --child-silent-after-fork=yes \\
	--trace-children=no --track-fds=yes --num-callers=30 \\
	--suppressions=$ZG_NSDIR/valgrind.supp \\
	--log-file=$vglog.%p ${VG_OPTS:-} "$real" "\$@"
EOF
chmod +x "$ZG_TMP/zonegated-vg"
ZONEGATED=$ZG_TMP/zonegated-vg

t0=$SECONDS
ZG_START_WAIT=60 daemon_start "$conf" ||
	{ echo "not ok - zonegated did not start under valgrind"; exit 1; }
pid=$DAEMON_PID
expect_pass "zonegated under valgrind applies the seed" \
	daemon_log_wait ' applied .*: table inet ' 30 0
echo "# started under valgrind in $((SECONDS - t0)) s"

fds() { ls "/proc/$pid/fd" 2>/dev/null | wc -l; }

# reload_to CONF REGEX: install CONF, SIGHUP, wait for a line matching REGEX
# (or for either outcome, so that a failure does not wait out the timeout)
reload_to() {
	local mark
	cp "$1" "$conf"
	daemon_alive || return 2
	mark=$(daemon_log_mark)
	kill -HUP "$DAEMON_PID" || return 2
	daemon_log_wait ' applied .*: table inet |reload failed' 30 "$mark" ||
		return 1
	tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -Eq -- "$2"
}

bad_syntax=$ZG_TMP/bad-syntax.conf
bad_model=$ZG_TMP/bad-model.conf
sed 's/^zones = (/zones = ( {/' "$conf_a" >"$bad_syntax"
sed 's/services = \[ "smtp" \]; to_hosts = \[ "10.30.0.25" \];/services = [ "nosuch" ]; to_hosts = [ "10.30.0.25" ];/' \
	"$conf_a" >"$bad_model"

ok=0 failed=0 fd1=0 ctl_failed=0 t0=$SECONDS
for ((i = 1; i <= RELOADS; i++)); do
	if ((i % 2)); then c=$conf_b; else c=$conf_a; fi
	if reload_to "$c" ' applied .*: table inet '; then
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
		zg_err "reload $i: no 'applied' line"
		daemon_alive || break
	fi
	((i == 1)) && fd1=$(fds)
	# now and then: a failed reload of each kind, denied traffic for the
	# NFLOG path, control requests
	if ((i % 25 == 10)); then
		reload_to "$bad_syntax" 'reload failed' ||
			zg_err "reload $i: the syntax error was not refused"
		reload_to "$bad_model" 'reload failed' ||
			zg_err "reload $i: the unknown service was not refused"
		udp_send "$NS_IN" "$IN4" "$LG4" 9999 >/dev/null 2>&1
		udp_send "$NS_MN" "$MN4" "$IN4" 53 >/dev/null 2>&1
		for q in status stats top; do
			./zonegatectl -c "$conf_a" $q >/dev/null 2>&1 ||
				ctl_failed=$((ctl_failed + 1))
		done
	fi
done
fdn=$(fds)
secs=$((SECONDS - t0))
expect_eq "$RELOADS reloads under valgrind each end in 'applied' ($secs s)" \
	"$RELOADS" "$ok"
expect_eq "the failed reloads were refused, the daemon stayed up" 1 \
	"$(daemon_alive && echo 1 || echo 0)"
expect_eq "control requests (status, stats, top) answered" 0 "$ctl_failed"
# a little slack: a parser child that is being restarted just then holds
# its socket or not; a descriptor lost per reload would add $RELOADS
expect_pass "open descriptors do not grow with reloads ($fd1 after one, $fdn after $RELOADS)" \
	test "$fdn" -gt 0 -a "$fdn" -le "$((fd1 + 4))"

ZG_LOG_MARK=$(daemon_log_mark)
daemon_stop 120
rc=$?
expect_eq "SIGTERM: zonegated exits 0 (valgrind found no error: not $VG_EXIT)" 0 "$rc"

# the parent's log: the pid we started; a forked child writes none
log=$vglog.$pid
if [ ! -s "$log" ]; then
	zg_notok "valgrind's log $log is there"
	finish
fi
summary() {	# summary KIND: bytes KIND lost ("definitely", "indirectly")
	sed -n "s/^==$pid==  *$1 lost: \([0-9,]*\) bytes.*/\1/p" "$log" | tr -d , |
		tail -n 1
}
errors=$(sed -n "s/^==$pid== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p" "$log" | tail -n 1)
expect_eq "valgrind ran the leak check at exit" 1 \
	"$(grep -Eq "^==$pid== (LEAK SUMMARY|All heap blocks were freed)" "$log" && echo 1 || echo 0)"
if grep -q "^==$pid== All heap blocks were freed" "$log"; then
	def=0 ind=0
else
	def=$(summary "definitely") ind=$(summary "indirectly")
fi
expect_eq "definitely lost: 0 bytes" 0 "${def:-missing}"
expect_eq "indirectly lost: 0 bytes" 0 "${ind:-missing}"
expect_eq "no invalid read" 0 "$(grep -c "^==$pid== Invalid read" "$log")"
expect_eq "no invalid write" 0 "$(grep -c "^==$pid== Invalid write" "$log")"
expect_eq "no invalid free, no use of uninitialised values" 0 \
	"$(grep -Ec "^==$pid== (Invalid free|Mismatched free|Conditional jump|Use of uninitialised|Syscall param)" "$log")"
expect_eq "valgrind's error summary: 0 errors" 0 "${errors:-missing}"
if [ "$ZG_FAIL" -gt 0 ]; then
	echo "# ---- valgrind log ($log) ----"
	sed 's/^/# | /' "$log"
	echo "# ---- end of valgrind log ----"
fi
finish
