#!/usr/bin/env python3
"""gen_capture.py - writes a pcap or pcapng capture of known flows, in any
link type `zonegatectl audit` reads, and optionally damaged on purpose.

Standard library only; see README.md in this directory for the flow
syntax, the link types and the damage options.

    gen_capture.py [options] OUTPUT
"""

import argparse
import ipaddress
import struct
import sys

# Link types as written in the file (LINKTYPE_*, https://www.tcpdump.org/linktypes.html)
LINKTYPES = {
    "ether": 1, "vlan": 1, "sll": 113, "sll2": 276,
    "raw": 101, "ipv4": 228, "ipv6": 229, "nflog": 239,
}

START = 1795600800          # 2026-11-25T10:00:00Z
STEP_US = 1000              # one millisecond between packets
FLOW_GAP_S = 1              # flow i starts i seconds after --start

PROTOS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
ICMP_REPLY = {(1, 8): 0, (1, 13): 14, (1, 15): 16, (1, 17): 18,
              (58, 128): 129, (58, 139): 140}

TCP_SYN, TCP_ACK, TCP_PSH = 0x02, 0x10, 0x08


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Flow:
    """One flow: PROTO SRC DST key=value..."""

    KEYS = {"sport", "dport", "type", "code", "out", "back", "payload",
            "first", "syn", "rtype"}

    def __init__(self, spec):
        words = spec.split()
        if len(words) < 3:
            raise ValueError("flow %r: PROTO SRC DST [key=value...]" % spec)
        if words[0] not in PROTOS:
            raise ValueError("flow %r: protocol is tcp, udp, icmp or icmpv6"
                             % spec)
        self.src = ipaddress.ip_address(words[1])
        self.dst = ipaddress.ip_address(words[2])
        if self.src.version != self.dst.version:
            raise ValueError("flow %r: addresses of two families" % spec)
        self.proto = PROTOS[words[0]]
        if self.proto == 1 and self.src.version == 6:
            self.proto = 58
        elif self.proto == 58 and self.src.version == 4:
            self.proto = 1
        kv = {}
        for w in words[3:]:
            k, sep, v = w.partition("=")
            if not sep or k not in self.KEYS:
                raise ValueError("flow %r: unknown option %r" % (spec, w))
            kv[k] = v
        icmp_type = 8 if self.proto == 1 else 128
        self.sport = int(kv.get("sport", 40000))
        self.dport = int(kv.get("dport", 80))
        self.type = int(kv.get("type", icmp_type))
        self.code = int(kv.get("code", 0))
        self.rtype = int(kv.get("rtype", ICMP_REPLY.get((self.proto, self.type),
                                                         self.type)))
        self.out = int(kv.get("out", 1))
        self.back = int(kv.get("back", 0))
        self.payload = int(kv.get("payload", 0))
        self.first = kv.get("first", "out")
        self.syn = kv.get("syn", "yes") == "yes"
        if self.first not in ("out", "back"):
            raise ValueError("flow %r: first is out or back" % spec)

    def packets(self):
        """The IP packets in order, each as (bytes, from_initiator)."""
        order, o, b = [], self.out, self.back
        turn = self.first
        while o or b:
            if turn == "out" and o:
                order.append(True)
                o -= 1
            elif turn == "back" and b:
                order.append(False)
                b -= 1
            turn = "back" if turn == "out" else "out"
        sent = {True: 0, False: 0}
        for fwd in order:
            yield self.ip(fwd, sent[fwd]), fwd
            sent[fwd] += 1

    def l4(self, fwd, n):
        data = b"\0" * self.payload
        if self.proto == 6:
            flags = TCP_ACK | (TCP_PSH if data else 0)
            if self.syn and n == 0:
                flags = TCP_SYN if fwd else TCP_SYN | TCP_ACK
            sp, dp = (self.sport, self.dport) if fwd else (self.dport, self.sport)
            return struct.pack("!HHIIBBHHH", sp, dp, 1000 + n, 0, 5 << 4,
                               flags, 65535, 0, 0) + data
        if self.proto == 17:
            sp, dp = (self.sport, self.dport) if fwd else (self.dport, self.sport)
            return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
        t = self.type if fwd else self.rtype
        msg = struct.pack("!BBHHH", t, self.code, 0, 0x1234, n) + data
        if self.proto == 1:
            msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        return msg

    def ip(self, fwd, n):
        src, dst = (self.src, self.dst) if fwd else (self.dst, self.src)
        l4 = self.l4(fwd, n)
        if src.version == 4:
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), n, 0,
                              64, self.proto, 0, src.packed, dst.packed)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            return hdr + l4
        return struct.pack("!IHBB16s16s", 6 << 28, len(l4), self.proto, 64,
                           src.packed, dst.packed) + l4


def ethertype(ip):
    return 0x0800 if ip[0] >> 4 == 4 else 0x86DD


class Link:
    """Frames an IP packet (or anything) in the chosen link type."""

    def __init__(self, name, vlans):
        self.name = name
        self.vlans = vlans

    def frame(self, ip, fwd, etype=None):
        etype = ethertype(ip) if etype is None else etype
        mac_a, mac_b = b"\x02\0\0\0\0\x01", b"\x02\0\0\0\0\x02"
        src, dst = (mac_a, mac_b) if fwd else (mac_b, mac_a)
        if self.name in ("ether", "vlan"):
            # a tag is a TPID (802.1ad outside, 802.1Q inside) and a TCI
            vlans = self.vlans if self.name == "vlan" else []
            hdr = dst + src
            for i, vid in enumerate(vlans):
                tpid = 0x88A8 if i == 0 and len(vlans) > 1 else 0x8100
                hdr += struct.pack("!HH", tpid, vid)
            frame = hdr + struct.pack("!H", etype) + ip
            return frame + b"\0" * max(0, 60 - len(frame))  # wire minimum
        if self.name == "sll":
            return struct.pack("!HHH8sH", 0 if fwd else 4, 1, 6,
                               src + b"\0\0", etype) + ip
        if self.name == "sll2":
            return struct.pack("!HHIHBB8s", etype, 0, 3 if fwd else 5, 1,
                               0 if fwd else 4, 6, src + b"\0\0") + ip
        if self.name == "nflog":
            return nflog_record(ip, fwd, etype)
        return ip   # raw, ipv4, ipv6


def tlv(t, value):
    """An NFLOG TLV: length and type in host order (little endian here)."""
    n = 4 + len(value)
    return struct.pack("<HH", n, t) + value + b"\0" * ((4 - n % 4) % 4)


def nflog_record(ip, fwd, etype):
    family = {0x0800: 2, 0x86DD: 10}.get(etype, 3)  # 3: ARP
    hdr = struct.pack("!BBH", family, 0, 7)
    return (hdr + tlv(1, struct.pack("!HBB", etype, 1, 0)) +
            tlv(10, b"zg policy audit\0") +
            tlv(4, struct.pack("!I", 3 if fwd else 5)) + tlv(9, ip))


class Writer:
    def __init__(self, fmt, linktype, snaplen):
        self.fmt = fmt
        self.linktype = linktype
        self.snaplen = snaplen
        self.out = bytearray()
        if fmt == "pcap":
            self.out += struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0,
                                    snaplen, linktype)
        else:
            shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
            self.block(0x0A0D0D0A, shb_body)
            self.block(1, struct.pack("<HHI", linktype, 0, snaplen))

    def block(self, btype, body):
        body += b"\0" * ((4 - len(body) % 4) % 4)
        n = 12 + len(body)
        self.out += struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    def record(self, ts_us, data, caplen=None, length=None):
        """data as captured; caplen and length as claimed (default: cut to
        the snap length, and the frame's length)."""
        length = len(data) if length is None else length
        if caplen is None:
            data = data[:self.snaplen]
            caplen = len(data)
        sec, usec = divmod(ts_us, 1000000)
        if self.fmt == "pcap":
            self.out += struct.pack("<IIII", sec, usec, caplen, length) + data
        else:
            body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xffffffff,
                               caplen, length) + data
            self.block(6, body)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output")
    ap.add_argument("--link", choices=sorted(LINKTYPES), default="ether")
    ap.add_argument("--vlan", default="100",
                    help="VLAN ids for --link vlan: ID or OUTER,INNER")
    ap.add_argument("--format", choices=("pcap", "pcapng"), default="pcap")
    ap.add_argument("--flow", action="append", default=[],
                    help="PROTO SRC DST [key=value...] (repeatable)")
    ap.add_argument("--flows", help="a file of flows, one per line")
    ap.add_argument("--start", type=int, default=START,
                    help="time of the first packet, seconds since 1970")
    ap.add_argument("--snaplen", type=int, default=65535)
    ap.add_argument("--linktype", type=int,
                    help="write this link type number instead")
    ap.add_argument("--magic", type=lambda s: int(s, 0),
                    help="write this magic number instead")
    ap.add_argument("--truncate", type=int, default=0,
                    help="drop this many bytes from the end of the file")
    for name, what in (("zero", "records with no byte captured"),
                       ("lying", "records whose caplen exceeds their length"),
                       ("oversnap", "records longer than the snap length"),
                       ("short", "frames cut inside the link-layer header"),
                       ("nonip", "frames that carry no IP (ARP)"),
                       ("cut-ip", "frames cut inside the IP header")):
        ap.add_argument("--" + name, type=int, default=0,
                        help="append this many " + what)
    return ap.parse_args(argv)


def main(argv):
    a = parse_args(argv)
    specs = list(a.flow)
    if a.flows:
        with open(a.flows) as f:
            specs += [ln.split("#")[0].strip() for ln in f
                      if ln.split("#")[0].strip()]
    try:
        flows = [Flow(s) for s in specs]
    except ValueError as e:
        sys.exit("gen_capture.py: %s" % e)
    link = Link(a.link, [int(v) for v in a.vlan.split(",")][:2])
    w = Writer(a.format, a.linktype if a.linktype is not None
               else LINKTYPES[a.link], a.snaplen)
    ts = a.start * 1000000
    for i, fl in enumerate(flows):
        ts = max(ts, (a.start + i * FLOW_GAP_S) * 1000000)
        for ip, fwd in fl.packets():
            w.record(ts, link.frame(ip, fwd))
            ts += STEP_US
    sample = Flow("udp 10.20.3.4 10.30.0.40 dport=3389 payload=100").ip(True, 0)
    for _ in range(a.zero):
        w.record(ts, b"", 0, 0)
        ts += STEP_US
    for _ in range(a.lying):
        frame = link.frame(sample, True)
        w.record(ts, frame, len(frame), len(frame) - 10)
        ts += STEP_US
    for _ in range(a.oversnap):
        frame = link.frame(sample, True)
        frame += b"\0" * max(0, w.snaplen + 64 - len(frame))
        w.record(ts, frame, len(frame), len(frame))
        ts += STEP_US
    for _ in range(a.short):
        frame = link.frame(sample, True)
        hdr = frame.find(sample)
        w.record(ts, frame[:max(1, hdr // 2)], None, len(frame))
        ts += STEP_US
    for _ in range(a.nonip):
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1,
                          b"\x02\0\0\0\0\x01", bytes([10, 20, 3, 4]),
                          b"\0" * 6, bytes([10, 20, 0, 1]))
        if a.link in ("raw", "ipv4", "ipv6"):
            arp = b"\x50" + arp     # IP version 5: not IP either
        w.record(ts, link.frame(arp, True, 0x0806))
        ts += STEP_US
    for _ in range(a.cut_ip):
        frame = link.frame(sample, True)
        hdr = frame.find(sample)
        w.record(ts, frame[:hdr + 10], None, len(frame))
        ts += STEP_US
    out = bytes(w.out)
    if a.magic is not None:
        out = struct.pack("<I", a.magic) + out[4:]
    if a.truncate:
        out = out[:max(0, len(out) - a.truncate)]
    with open(a.output, "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
