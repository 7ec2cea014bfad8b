#!/bin/bash
# fuzz_replay: every seed input of the fuzz corpora and every crash the
# fuzzers ever found (tests/fuzz/regress) runs through its target, built
# like the daemon (and with the sanitizers under SANITIZE=1). A crash that
# came back fails the test.
cd "$(dirname "$0")/../.." || exit 1
fail=0 pass=0
for t in conf pkt audit ctl sep; do
	bin=tests/fuzz/bin/replay_$t
	if [ ! -x "$bin" ]; then
		echo "not ok - $bin missing (make fuzz-replay)"; fail=$((fail + 1)); continue
	fi
	files=$(find tests/fuzz/corpus/$t -type f 2>/dev/null; ls tests/fuzz/regress/$t-* 2>/dev/null)
	if out=$($bin $files 2>&1); then
		echo "ok - $t: $out"; pass=$((pass + 1))
	else
		echo "not ok - $t: $out"; fail=$((fail + 1))
	fi
done
echo "fuzz_replay.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
