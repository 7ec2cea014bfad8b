#!/usr/bin/env python3
"""reloads.py - many reloads of a running zonegated, quickly (stdlib only).

  reloads.py PID LOG TARGET N MAXSEC CONF...

N times: copy the next CONF (round robin) over TARGET (write and rename, so
the daemon never reads half a file), send SIGHUP to PID, and wait until the
daemon's LOG gains a line that ends the reload ("applied ..." or "reload
failed").  The log is polled every millisecond from where it ended before the
signal, so a reload is counted once and never confused with an earlier one;
the next SIGHUP is sent only after that line, so no two signals coalesce.
Stops early when MAXSEC seconds have passed, the daemon is gone, or one
reload gives no answer within 10 s.

Prints one summary line:

  reloads N applied A failed F seconds S rate R gen_first G0 gen_last G1 \
gen_monotonic yes|no

and, for each CONF, "conf I applied K".  The generation is the nftables
generation id of the "applied ... generation G" line: it must rise with
every applied reload (gen_monotonic yes).  Exit status 0 if every reload
was applied, 1 otherwise.
"""
import os
import re
import signal
import sys
import time

END = re.compile(rb"applied .*generation ([0-9]+)|reload failed")


def main(argv):
    if len(argv) < 7:
        sys.stderr.write(__doc__)
        return 2
    pid, log, target = int(argv[1]), argv[2], argv[3]
    n, maxsec = int(argv[4]), float(argv[5])
    confs = [open(c, "rb").read() for c in argv[6:]]
    per_conf = [0] * len(confs)
    applied = failed = 0
    gens = []
    t0 = time.monotonic()
    done = 0
    for i in range(n):
        if time.monotonic() - t0 > maxsec:
            break
        k = i % len(confs)
        tmp = target + ".tmp"
        with open(tmp, "wb") as f:
            f.write(confs[k])
        os.rename(tmp, target)
        off = os.path.getsize(log)
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            break
        buf = b""
        answer = None
        deadline = time.monotonic() + 10
        while answer is None and time.monotonic() < deadline:
            with open(log, "rb") as f:
                f.seek(off)
                chunk = f.read()
            if chunk:
                off += len(chunk)
                buf += chunk
                # whole lines only
                lines = buf.split(b"\n")
                buf = lines.pop()
                for line in lines:
                    m = END.search(line)
                    if m:
                        answer = m
                        break
            if answer is None:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.001)
        if answer is None:
            break
        done += 1
        if answer.group(1) is not None:
            applied += 1
            per_conf[k] += 1
            gens.append(int(answer.group(1)))
        else:
            failed += 1
    secs = time.monotonic() - t0
    mono = all(b > a for a, b in zip(gens, gens[1:]))
    print("reloads %d applied %d failed %d seconds %.2f rate %.1f "
          "gen_first %s gen_last %s gen_monotonic %s" %
          (done, applied, failed, secs, done / secs if secs > 0 else 0,
           gens[0] if gens else "-", gens[-1] if gens else "-",
           "yes" if mono else "no"))
    for k, c in enumerate(per_conf):
        print("conf %d applied %d" % (k + 1, c))
    return 0 if applied == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
