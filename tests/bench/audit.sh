#!/bin/bash
# audit.sh - audit throughput: a generated capture of 1,000,000 packets
# (10,000 flows of 100 packets, both directions) over a configuration with
# 10,000 prefixes, read by `zonegatectl audit`, by a bare libpcap read loop
# (the limit: reading without classifying) and by `tshark -q -z conv,ip`
# (what an auditor would use otherwise). CPU seconds, best of 3.
cd "$(dirname "$0")/../.." || exit 1
set -e
W=$(mktemp -d /tmp/zg-bench-audit.XXXXXX)
trap "${ZG_BENCH_KEEP:+:} rm -rf \"$W\"" EXIT
cc -O2 -o "$W/pcapread" tests/bench/pcapread.c -lpcap
python3 - "$W" <<'PY'
import random, sys
w = sys.argv[1]
random.seed(7)
zones = ["a", "b", "c", "d"]
nets = {z: [] for z in zones}
for i in range(10000):
    z = zones[i % 4]
    nets[z].append("10.%d.%d.0/24" % (i // 256 + 1, i % 256))
with open(w + "/bench.conf", "w") as f:
    f.write("version = 1;\nzones = (\n")
    f.write(",\n".join('{ name = "%s"; networks = [ %s ]; }' %
                       (z, ", ".join('"%s"' % n for n in nets[z])) for z in zones))
    f.write("\n);\npolicy = (\n")
    f.write('{ from = "a"; to = "b"; services = [ "tcp/80-90" ]; },\n')
    f.write('{ from = "b"; to = "c"; services = [ "udp/53" ]; },\n')
    f.write('{ from = "c"; to = "d"; services = [ "tcp/443" ]; to_hosts = [ "%s" ]; }\n' % nets["d"][0])
    f.write(");\n")
def host(z):
    n = random.choice(nets[z]).split("/")[0].rsplit(".", 1)[0]
    return "%s.%d" % (n, random.randint(1, 254))
with open(w + "/bench.flows", "w") as f:
    for i in range(10000):
        s, d = random.sample(zones, 2)
        proto = random.choice(["tcp", "udp"])
        f.write("%s %s %s sport=%d dport=%d out=50 back=50\n" %
                (proto, host(s), host(d), 1024 + i, random.choice([53, 80, 85, 443, 8080])))
PY
python3 tests/audit/gen_capture.py --link ether --flows "$W/bench.flows" "$W/bench.pcap"
best() {	# best CMD...: the least CPU seconds (user + sys) of 3 runs
	local i t b=
	for i in 1 2 3; do
		t=$( (TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1) 2>&1 | awk '{ print $1 + $2 }')
		b=$(awk -v a="$t" -v b="${b:-1e9}" 'BEGIN { print (a < b) ? a : b }')
	done
	echo "$b"
}
n=$("$W/pcapread" "$W/bench.pcap" | cut -d' ' -f1)
bare=$(best "$W/pcapread" "$W/bench.pcap")
audit=$(best ./zonegatectl -c "$W/bench.conf" audit "$W/bench.pcap")
./zonegatectl -c "$W/bench.conf" audit "$W/bench.pcap" >"$W/report" || true
if command -v tshark >/dev/null; then
	tsh=$(best tshark -q -z conv,ip -r "$W/bench.pcap")
else
	tsh=
fi
awk -v n="$n" -v bare="$bare" -v audit="$audit" -v tsh="$tsh" 'BEGIN {
	printf "audit: %d packets, 10,000 flows, 10,000 prefixes (CPU s, best of 3)\n", n
	printf "  bare libpcap read loop   %6.2f s  %5.2f Mpkt/s\n", bare, n / bare / 1e6
	printf "  zonegatectl audit        %6.2f s  %5.2f Mpkt/s  ratio to bare %.2f   (goal >= 0.5)\n", audit, n / audit / 1e6, bare / audit
	if (tsh != "")
		printf "  tshark -q -z conv,ip     %6.2f s  %5.2f Mpkt/s  zonegate %.1fx faster   (goal >= 10x)\n", tsh, n / tsh / 1e6, tsh / audit
	else
		printf "  tshark                   not installed (apt-get install tshark)\n"
}'
