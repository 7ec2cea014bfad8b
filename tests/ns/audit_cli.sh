#!/bin/bash
# audit_cli.sh - `zonegatectl audit` over captures generated on the spot by
# tests/audit/gen_capture.py (nothing downloaded), one per link type
# (Ethernet, 802.1Q, 802.1ad+802.1Q in pcapng, Linux cooked SLL and SLL2,
# raw IP, NFLOG) with the known flows of tests/audit/seed.flows over
# conf/zonegate.conf: the report is checked line for line (header, pair
# table, denied and permitted flows), the JSON parses and holds the same
# numbers, the exit status is 0 without a violation and 1 with one, and
# damaged captures give a clean error (exit 2, the file named) or a counted
# skip, never a crash. Needs no namespace and no root.
cd "$(dirname "$0")/../.." || exit 1

CTL="./zonegatectl -c conf/zonegate.conf"
GEN="python3 tests/audit/gen_capture.py"
T=$(mktemp -d /tmp/zg-audit.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok    $1"; }
ko() { fail=$((fail + 1)); echo "FAIL  $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/      /'; }

# expect_eq NAME WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		ko "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"; fi
}

# audit OUT ARGS... - runs the audit; stdout to OUT, stderr to OUT.err,
# the exit status in $st. A signal (status > 128) is a crash; so is a
# sanitizer's report, when the tree was built with SANITIZE=1.
sanitizer=""
audit() {
	local out=$1
	shift
	$CTL audit "$@" >"$out" 2>"$out.err"
	st=$?
	if grep -qE 'Sanitizer|runtime error:' "$out.err"; then
		sanitizer="$sanitizer $*"
		st=99
	fi
}

gen() { $GEN "$@" || { ko "gen_capture.py $*"; return 1; }; }

# The report of seed.flows, without its first line (the file names).
read -r -d '' SEED_REPORT <<'EOF'
packets: read=51 audited=50 related=1 skipped=0
flows: total=11 permitted=7 denied=4 midstream=1 reversed=1 evicted=0 evicted_denied=0

                    permitted              denied
from      to        flows  packets  bytes  flows  packets  bytes
mynumber  lgwan         0        0      0      1        2    116
mynumber  relay         0        0      0      1        4    112
lgwan     mynumber      0        0      0      1        1     60
lgwan     lgwan         1        4    192      0        0      0
lgwan     relay         2       14   2712      0        0      0
lgwan     internet      0        0      0      1        3    180
relay     lgwan         1        6    840      0        0      0
relay     internet      2        9    360      0        0      0
internet  relay         1        7    980      0        0      0
total                   7       40   5084      4       10    468

denied reason=policy src_zone=lgwan dst_zone=internet proto=tcp src=10.20.3.4 sport=51234 dst=198.51.100.7 dport=443 packets=3 bytes=180 first=2026-11-25T10:00:07Z
denied reason=policy src_zone=mynumber dst_zone=lgwan proto=udp src=10.10.1.5 sport=5353 dst=10.20.0.53 dport=53 packets=2 bytes=116 first=2026-11-25T10:00:08Z
denied reason=policy src_zone=mynumber dst_zone=relay proto=icmp src=10.10.1.5 dst=10.30.0.40 type=8 code=0 packets=4 bytes=112 first=2026-11-25T10:00:09Z
denied reason=policy src_zone=lgwan dst_zone=mynumber proto=tcp src=fd00:20::5 sport=40030 dst=fd00:10::5 dport=22 packets=1 bytes=60 first=2026-11-25T10:00:10Z

permitted src_zone=internet dst_zone=relay proto=tcp src=203.0.113.9 sport=40001 dst=10.30.0.25 dport=25 packets=7 bytes=980 first=2026-11-25T10:00:00Z rule=conf/zonegate.conf:45
permitted src_zone=relay dst_zone=lgwan proto=tcp src=10.30.0.25 sport=40002 dst=10.20.0.25 dport=25 packets=6 bytes=840 first=2026-11-25T10:00:01Z rule=conf/zonegate.conf:48
permitted src_zone=lgwan dst_zone=relay proto=tcp src=10.20.3.4 sport=40003 dst=10.30.0.40 dport=3389 packets=10 bytes=2400 first=2026-11-25T10:00:02Z rule=conf/zonegate.conf:51
permitted src_zone=lgwan dst_zone=relay proto=udp src=10.20.3.4 sport=40004 dst=10.30.0.40 dport=3389 packets=4 bytes=312 first=2026-11-25T10:00:03Z rule=conf/zonegate.conf:51
permitted src_zone=relay dst_zone=internet proto=tcp src=10.30.0.40 sport=40005 dst=198.51.100.7 dport=443 packets=5 bytes=200 first=2026-11-25T10:00:04Z rule=conf/zonegate.conf:54
permitted src_zone=lgwan dst_zone=lgwan proto=icmpv6 src=fd00:20::5 dst=fd00:20::9 type=128 code=0 packets=4 bytes=192 first=2026-11-25T10:00:05Z rule=intra
permitted src_zone=relay dst_zone=internet proto=tcp src=10.30.0.40 sport=40020 dst=198.51.100.7 dport=443 packets=4 bytes=160 first=2026-11-25T10:00:06Z rule=conf/zonegate.conf:54
EOF

# json_matches TEXT JSON - the JSON document parses and says what the text
# report says: every header number, every pair, every flow line.
json_matches() {
	python3 - "$1" "$2" <<'PY'
import json, sys
text = open(sys.argv[1]).read().split("\n")
doc = json.load(open(sys.argv[2]))
def kv(line):
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
want = {}
for line in text:
    if line.startswith("packets: "):
        p = kv(line)
        for k in ("read", "audited", "related", "skipped"):
            assert doc["packets"][k] == int(p[k]), k
    elif line.startswith("skipped: "):
        for k, v in kv(line).items():
            assert doc["skipped"][k] == int(v), k
    elif line.startswith("flows: "):
        for k, v in kv(line).items():
            assert doc["flows"][k] == int(v), k
rows = [l.split() for l in text if l and l.split()[0] in
        ("mynumber", "lgwan", "relay", "internet", "unknown")]
assert len(rows) == len(doc["pairs"]), (rows, doc["pairs"])
for r, p in zip(rows, doc["pairs"]):
    got = [p["from"], p["to"]] + [str(p[c][k]) for c in ("permitted", "denied")
                                  for k in ("flows", "packets", "bytes")]
    assert r == got, (r, got)
total = [l.split() for l in text if l.startswith("total ")][0][1:]
assert total == [str(doc["totals"][c][k]) for c in ("permitted", "denied")
                 for k in ("flows", "packets", "bytes")], total
def line(f, cls):
    w = ["denied reason=" + f["reason"] if cls == "denied" else "permitted"]
    w += ["src_zone=" + f["src_zone"], "dst_zone=" + f["dst_zone"],
          "proto=" + f["proto"], "src=" + f["src"]]
    if "sport" in f:
        w.append("sport=%d" % f["sport"])
    w.append("dst=" + f["dst"])
    if "dport" in f:
        w.append("dport=%d" % f["dport"])
    if "type" in f:
        w += ["type=%d" % f["type"], "code=%d" % f["code"]]
    w += ["packets=%d" % f["packets"], "bytes=%d" % f["bytes"],
          "first=" + f["first"]]
    r = f["rule"]
    if isinstance(r, dict):
        w.append("rule=%s:%d" % (r["file"], r["line"]))
    elif r is not None:
        w.append("rule=" + r)
    return " ".join(w)
flows = [l for l in text if l.startswith(("denied ", "permitted "))]
assert flows == [line(f, "denied") for f in doc["denied"]] + \
               [line(f, "permitted") for f in doc["permitted"]], flows
assert doc["violation"] == (len(doc["denied"]) > 0 or doc["flows"]["evicted_denied"] > 0)
PY
}

# --- one capture per link type, the same flows: the same report
for spec in "ether pcap" "vlan pcap --vlan 100" "vlan pcapng --vlan 200,100" \
	    "sll pcap" "sll2 pcap" "raw pcap" "nflog pcap" "ether pcapng"; do
	set -- $spec
	link=$1 fmt=$2
	shift 2
	cap="$T/seed-$link-$fmt${1:+-qinq}.$fmt"
	gen --flows tests/audit/seed.flows --link "$link" --format "$fmt" "$@" "$cap" || continue
	audit "$T/r.txt" "$cap"
	expect_eq "$link ($fmt${1:+ $*}): exit 1, a violation" 1 "$st"
	expect_eq "$link ($fmt${1:+ $*}): first line names the file" "files: $cap" \
		"$(head -n 1 "$T/r.txt")"
	expect_eq "$link ($fmt${1:+ $*}): the report, line for line" "$SEED_REPORT" \
		"$(tail -n +2 "$T/r.txt")"
	audit "$T/r.json" --json "$cap"
	if [ "$st" = 1 ] && python3 -m json.tool "$T/r.json" >/dev/null 2>&1; then
		ok "$link ($fmt${1:+ $*}): --json parses, exit 1"
	else
		ko "$link ($fmt${1:+ $*}): --json parses, exit 1" "status $st $(head -c 300 "$T/r.json.err")"
	fi
	if json_matches "$T/r.txt" "$T/r.json" 2>"$T/jm.err"; then
		ok "$link ($fmt${1:+ $*}): JSON holds the same numbers and flows"
	else
		ko "$link ($fmt${1:+ $*}): JSON holds the same numbers and flows" "$(tail -n 3 "$T/jm.err")"
	fi
done

# --- the IPv4-only and IPv6-only link types: the same as Ethernet
for fam in 4 6; do
	grep -v '^#' tests/audit/seed.flows | awk -v f=$fam 'NF &&
		((f == 4 && $2 !~ /:/) || (f == 6 && $2 ~ /:/))' > "$T/v$fam.flows"
	gen --flows "$T/v$fam.flows" --link "ipv$fam" "$T/v$fam.pcap" &&
	gen --flows "$T/v$fam.flows" --link ether "$T/v$fam-eth.pcap" || continue
	audit "$T/a.txt" "$T/v$fam.pcap"
	a_st=$st
	audit "$T/b.txt" "$T/v$fam-eth.pcap"
	expect_eq "ipv$fam link type: same report and status as Ethernet" \
		"$(tail -n +2 "$T/b.txt") $st" "$(tail -n +2 "$T/a.txt") $a_st"
done

# --- no violation: exit 0, and no denied line
gen --flows tests/audit/permitted.flows --link sll2 "$T/permitted.pcap"
audit "$T/r.txt" "$T/permitted.pcap"
expect_eq "only permitted flows: exit 0" 0 "$st"
expect_eq "only permitted flows: 5 flows, none denied" \
	"flows: total=5 permitted=5 denied=0 midstream=0 reversed=0 evicted=0 evicted_denied=0" \
	"$(grep '^flows:' "$T/r.txt")"
expect_eq "only permitted flows: no denied line" 0 "$(grep -c '^denied ' "$T/r.txt")"
audit "$T/r.json" --json "$T/permitted.pcap"
expect_eq "only permitted flows: JSON says no violation, exit 0" \
	"False 0 0 0" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["violation"], len(d["denied"]), d["flows"]["denied"])' "$T/r.json") $st"

# --- names that JSON must escape: a file name with a control character, a
# quote, a backslash and bytes that are not UTF-8; a configuration path
# with a space (escaped in the text lines as \x20)
if python3 - "$T" <<'PY'
import json, os, shutil, subprocess, sys
t = sys.argv[1].encode()
name = t + b'/we\x01ird "n\\a\xffme.pcap'
conf = t + b'/my conf.conf'
shutil.copy(b"conf/zonegate.conf", conf)
subprocess.run([b"python3", b"tests/audit/gen_capture.py", b"--flows",
                b"tests/audit/seed.flows", name], check=True)
r = subprocess.run([b"./zonegatectl", b"-c", conf, b"audit", b"--json", name],
                   capture_output=True)
d = json.loads(r.stdout)
assert r.returncode == 1, r.returncode
assert d["files"] == [name.decode("utf-8", "replace")], d["files"]
assert d["config"] == conf.decode(), d["config"]
rule = d["permitted"][2]["rule"]
assert rule["line"] == 51 and "画面転送" in rule["comment"], rule
r = subprocess.run([b"./zonegatectl", b"-c", conf, b"audit", name],
                   capture_output=True)
lines = r.stdout.decode().split("\n")
assert lines[0] == "files: " + t.decode() + "/we\\x01ird\\x20\\x22n\\x5ca\\xffme.pcap", lines[0]
assert any(l.endswith("rule=" + t.decode() + "/my\\x20conf.conf:45") for l in lines), lines
PY
then ok "odd file names: JSON escaped and valid, text escaped"
else ko "odd file names: JSON escaped and valid, text escaped"; fi

# --- two files: one audit, flows joined across them
gen --flows tests/audit/seed.flows --link raw "$T/raw.pcap"
audit "$T/r.txt" "$T/permitted.pcap" "$T/raw.pcap"
expect_eq "two files: exit 1" 1 "$st"
expect_eq "two files: both named, packets added, flows joined" \
	"files: $T/permitted.pcap $T/raw.pcap
packets: read=83 audited=82 related=1 skipped=0
flows: total=11 permitted=7 denied=4 midstream=1 reversed=1 evicted=0 evicted_denied=0" \
	"$(head -n 3 "$T/r.txt")"

# --- a short snap length (Ethernet, IPv6 and TCP headers only) changes
# nothing: byte counts come from the IP header
gen --flows tests/audit/seed.flows --link ether --snaplen 74 "$T/snap74.pcap"
audit "$T/r.txt" "$T/snap74.pcap"
expect_eq "snap length 74: the same report, exit 1" "$SEED_REPORT 1" \
	"$(tail -n +2 "$T/r.txt") $st"

# --- damaged frames are skipped and counted, per link type
declare -A SKIPS=(
	[ether]="caplen-over-len=1 link-truncated=1 not-ip=1 ip-truncated=1"
	[vlan]="caplen-over-len=1 link-truncated=1 not-ip=1 ip-truncated=1"
	[sll]="caplen-over-len=1 link-truncated=1 not-ip=1 ip-truncated=1"
	[sll2]="caplen-over-len=1 link-truncated=1 not-ip=1 ip-truncated=1"
	[nflog]="caplen-over-len=1 link-truncated=2 not-ip=1"
	[raw]="caplen-over-len=1 ip-truncated=2 ip-bad-version=1"
)
for link in ether vlan sll sll2 nflog raw; do
	gen --flows tests/audit/seed.flows --link "$link" --zero 2 --lying 1 \
		--short 1 --nonip 1 --cut-ip 1 "$T/bad-$link.pcap" || continue
	audit "$T/r.txt" "$T/bad-$link.pcap"
	expect_eq "$link: damaged frames counted as skips, flows unchanged, exit 1" \
		"packets: read=57 audited=50 related=1 skipped=6
skipped: zero-length=2 ${SKIPS[$link]}
$(sed -n 2p <<<"$SEED_REPORT") 1" \
		"$(sed -n '2,4p' "$T/r.txt") $st"
done
# the NFLOG record cut in its payload is "link-truncated": the TLV claims
# more than was captured

# --- damaged files: a clean error naming the file, exit 2
# expect_error NAME WANT-IN-STDERR GEN-ARGS...
expect_error() {
	local name=$1 want=$2
	shift 2
	gen --flows tests/audit/seed.flows "$@" "$T/err.cap" || return
	audit "$T/r.txt" "$T/err.cap"
	if [ "$st" = 2 ] && grep -q "^zonegatectl: audit: $T/err.cap: .*$want" "$T/r.txt.err" &&
	   [ ! -s "$T/r.txt" ]; then
		ok "$name: exit 2, \"$want\", no report"
	else
		ko "$name: exit 2, \"$want\", no report" "status $st: $(cat "$T/r.txt.err")"
	fi
}
expect_error "pcap cut in a record" "damaged after 50 packets: truncated dump file" --truncate 5
expect_error "pcapng cut in a block" "damaged after 50 packets: truncated pcapng dump file" \
	--format pcapng --truncate 5
expect_error "pcap cut in the file header" "cannot read the capture: truncated dump file" \
	--truncate 100000
expect_error "wrong magic" "cannot read the capture: unknown file format" --magic 0xdeadbeef
expect_error "pcapng wrong magic" "cannot read the capture: unknown file format" \
	--format pcapng --magic 0x0a0d0d0b
expect_error "unknown link type (DLT 147)" "link type 147 (.*) is not supported" --linktype 147
expect_error "pcapng unknown link type (DLT 147)" "link type 147 (.*) is not supported" \
	--format pcapng --linktype 147
expect_error "pcapng record above the snap length" \
	"damaged after 51 packets: invalid packet capture length" \
	--format pcapng --snaplen 1000 --oversnap 1
expect_error "pcap record above any sane length" \
	"damaged after 51 packets: invalid packet capture length" \
	--snaplen 262144 --oversnap 1

# libpcap cuts a pcap record that claims more than the file's snap length
# (below 256 KiB) to the snap length: it is read like any snapped frame
gen --flows tests/audit/seed.flows --snaplen 1000 --oversnap 1 "$T/over.pcap"
audit "$T/r.txt" "$T/over.pcap"
expect_eq "pcap record above the snap length: cut by libpcap, audited, exit 1" \
	"packets: read=52 audited=51 related=1 skipped=0 1" "$(sed -n 2p "$T/r.txt") $st"

audit "$T/r.txt" "$T/does-not-exist.pcap"
expect_eq "a missing file: exit 2" 2 "$st"
expect_eq "... named" 1 "$(grep -c "$T/does-not-exist.pcap" "$T/r.txt.err")"
: > "$T/empty.pcap"
audit "$T/r.txt" "$T/empty.pcap"
expect_eq "an empty file: exit 2" 2 "$st"
audit "$T/r.txt" "$T/permitted.pcap" "$T/does-not-exist.pcap"
expect_eq "one bad file among good ones: exit 2, no report" "2 0" \
	"$st $(wc -c < "$T/r.txt")"

# --- usage and configuration errors
audit "$T/r.txt"
expect_eq "no capture: usage, exit 2" 2 "$st"
./zonegatectl -c "$T/nonexistent.conf" audit "$T/permitted.pcap" >/dev/null 2>&1
expect_eq "an unreadable configuration: exit 2" 2 "$?"

# --- random damage: never a crash (exit 0, 1 or 2; no signal)
python3 - "$T" <<'PY'
import random, sys
src = open(sys.argv[1] + "/seed-ether-pcap.pcap", "rb").read()
rng = random.Random(7)
for i in range(40):
    b = bytearray(src)
    for _ in range(rng.randint(1, 40)):
        b[rng.randrange(24, len(b))] = rng.randrange(256)
    open("%s/fuzz%02d.pcap" % (sys.argv[1], i), "wb").write(b)
PY
crashed=""
for f in "$T"/fuzz*.pcap; do
	audit "$T/r.txt" "$f"
	[ "$st" -le 2 ] || crashed="$crashed $(basename "$f"):$st"
done
expect_eq "40 randomly damaged captures: no crash" "" "$crashed"

expect_eq "no sanitizer report (with SANITIZE=1)" "" "$sanitizer"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
