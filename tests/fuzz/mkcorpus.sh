#!/bin/bash
# mkcorpus.sh - writes the seed corpora of the fuzz targets into
# tests/fuzz/corpus/TARGET/, all generated here from the project's own
# configurations, packet builder and capture generator (nothing downloaded).
set -e
cd "$(dirname "$0")/../.."
C=tests/fuzz/corpus
rm -rf "$C"
mkdir -p "$C/conf" "$C/pkt" "$C/audit" "$C/ctl" "$C/sep"
i=0
for f in conf/*.conf tests/unit/verdict.conf tests/ns/conf/*.conf; do
	cp "$f" "$C/conf/seed$((i++))"
done
python3 - "$C" <<'PY'
import os, struct, sys
c = sys.argv[1]
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4
def ip6(src, dst, nh, l4, ext=b""):
    import ipaddress
    return struct.pack("!IHBB", 6 << 28, len(ext) + len(l4), nh, 64) + \
        ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + ext + l4
tcp = struct.pack("!HHIIBBHHH", 40001, 443, 1, 0, 0x50, 0x02, 65535, 0, 0)
udp = struct.pack("!HHHH", 40002, 53, 8, 0)
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1)
pkts = [ip4("10.20.3.4", "198.51.100.7", 6, tcp), ip4("10.20.3.4", "10.30.0.99", 1, icmp),
        ip6("fd00:20::5", "2001:db8::7", 17, udp),
        ip6("fd00:20::5", "fd00:30::40", 17, udp, ext=bytes([44, 0, 0, 1, 0, 0, 0, 1])),
        ip6("fd00:20::5", "fd00:30::40", 58, struct.pack("!BBHHH", 128, 0, 0, 1, 1))]
def tlv(t, v):
    n = 4 + len(v)
    return struct.pack("=HH", n, t) + v + b"\0" * ((4 - n % 4) % 4)
for i, p in enumerate(pkts):
    open(os.path.join(c, "pkt", "ip%d" % i), "wb").write(p)
    fam = 2 if p[0] >> 4 == 4 else 10
    rec = struct.pack("!BBH", fam, 0, 7) + tlv(10, b"zg policy lgwan internet\0") + \
        tlv(4, struct.pack("!I", 3)) + tlv(5, struct.pack("!I", 5)) + tlv(9, p)
    open(os.path.join(c, "pkt", "nflog%d" % i), "wb").write(rec)
for i, r in enumerate([b"zonegate/1 status\n", b"zonegate/1 stats format=json\n",
                       b"zonegate/1 top pair=lgwan:relay n=5 format=text\n",
                       b"zonegate/1 reload\n", b"zonegate/2 status\n"]):
    open(os.path.join(c, "ctl", "req%d" % i), "wb").write(r)
PY
for link in ether vlan sll sll2 raw nflog ipv4 ipv6; do
	flows=tests/audit/seed.flows
	case $link in ipv4|ipv6) flows=;; esac
	if [ -n "$flows" ]; then
		python3 tests/audit/gen_capture.py --link "$link" --flows "$flows" "$C/audit/$link.pcap"
	fi
done
python3 tests/audit/gen_capture.py --link vlan --format pcapng --flows tests/audit/seed.flows "$C/audit/vlan.pcapng"
echo "corpus: $(find "$C" -type f | wc -l) files"
# the parser's records (lib/sepmsg.c's layout): one datagram of each type
python3 - "$C/sep" <<'PY'
import struct, sys
d = sys.argv[1]
def hdr(t, slot=0):
    return struct.pack("=HBBHH", 0x5A47, 1, t, slot, 0)
def pkt(fam, proto, flags, sport, dport, iplen, src, dst):
    return struct.pack("=BBBBBBHHHI", fam, proto, flags, 0, 0, 0x02 if flags & 4 else 0,
                       0, sport, dport, iplen) + src.ljust(16, b"\0") + dst.ljust(16, b"\0")
v4 = pkt(2, 17, 1, 40000, 53, 28, bytes([10, 20, 3, 4]), bytes([198, 51, 100, 7]))
v6 = pkt(10, 6, 5, 40001, 443, 60, bytes(15) + b"\1", bytes(15) + b"\2")
recs = {
    "ready": hdr(1) + b"zonegate".ljust(128, b"\0"),
    "caperr": hdr(2, 1) + b"lg0: no such device".ljust(128, b"\0"),
    "viol": hdr(3) + struct.pack("=Q", 1) + v6 + bytes([7, 0, 0, 0]) +
            struct.pack("=IIIQ", 3, 5, 0, 1764115200) + b"zg1 policy".ljust(128, b"\0"),
    "violbad": hdr(4) + bytes([2, 6]) + bytes(6),
    "frame": hdr(5, 2) + struct.pack("=QII", 42, 42, 0) + v4,
    "framebad": hdr(6, 3),
    "stats": hdr(7, 1) + struct.pack("=QQ", 7, 9),
    "sync": hdr(8),
}
for name, r in recs.items():
    open("%s/%s" % (d, name), "wb").write(r)
open("%s/batch" % d, "wb").write(recs["frame"] * 5 + recs["stats"] + recs["sync"])
PY
