#!/usr/bin/env python3
"""hostile.py - hostile packets for tests/ns/hostile_packets.sh (python3
stdlib only).  Not a test itself: the name does not end in .sh.

Run inside a namespace with `ip netns exec NS python3 hostile.py CMD ...`.

  rx OUT READY   receive everything arriving in this namespace and append
                 one line per packet to OUT; touch READY once listening.
                 Two views of the same traffic:
                   wire FAM SRC DST mark=M ...   an AF_PACKET socket on eth0:
                        what the gateway put on the wire (fragments one by
                        one, also what this host's stack will refuse).  M is
                        the IPv4 identification or the IPv6 flow label.
                   ip FAM SRC DST proto=P ... cs=ok|bad tok=zgtkNNNNN
                        raw IP sockets (udp, tcp, icmp, icmpv6): what the
                        stack delivered, after reassembly and extension
                        header processing; cs is the transport checksum.
                 tok is the first probe token found in the packet, or "-".
  send           read probe lines ("KIND key=value ...") from stdin and send
                 each once.  Every probe has an id N (1..65535): its token
                 "zgtk%05d" % N travels in the payload, N is the IPv4
                 identification / IPv6 flow label of what is put on the
                 wire.  Kinds:
    udp    id src dst sport dport
           an ordinary datagram through a UDP socket (the kernel's own)
    icmperr id src dst type code iproto isrc isport idst idport
           an ICMP/ICMPv6 error whose quoted ("inner") packet is iproto
           (udp|tcp) isrc:isport -> idst:idport, forged: no such packet
           was ever seen by src
    frag   id src dst proto sport dport cuts=A,B,... [pre=do]
           one udp datagram / tcp SYN, split into fragments at the byte
           offsets A, B, ... of the fragmentable part (multiples of 8);
           pre=do (IPv6): the fragmentable part starts with a destination
           options header, so that a cut at 8 leaves the transport header
           out of the first fragment
    overlap id src dst sport dport first=P1 second=P2 mode=cover|dup
           udp, three fragments: P1's bytes 0-15, then bytes 0-23 (cover:
           overlaps and reaches past the first) or 0-15 (dup: inside the
           first) of the same datagram addressed to P2, then the rest
    ext6   id src dst proto sport dport chain=H+H+... [rh_left=N]
           [rh_addr=A] [cut=N]
           IPv6 with the extension headers H: hbh, do (8 bytes of padding),
           dobig (64 bytes, an experimental option carrying the token),
           rh0 (routing type 0 with rh_left segments left and the address
           rh_addr), do*K for K copies; proto udp|tcp|none (none: the chain
           ends with next header udp and nothing follows); cut=N cuts the
           packet N bytes after the IPv6 header (payload length adjusted)
"""
import os
import re
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 3
PACKET_OUTGOING = 4
IPPROTO_RAW = 255
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
TOKEN = re.compile(rb"zgtk([0-9]{5})")
PROTO = {"udp": 17, "tcp": 6, "icmp": 1, "icmpv6": 58}
PNAME = {17: "udp", 6: "tcp", 1: "icmp", 58: "icmpv6"}


def token(n):
    return b"zgtk%05d" % n


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s >> 16) + (s & 0xFFFF)
    return ~s & 0xFFFF


def v6(addr):
    return ":" in addr


def pton(addr):
    return socket.inet_pton(socket.AF_INET6 if v6(addr) else socket.AF_INET, addr)


def pseudo(src, dst, proto, length):
    if v6(src):
        return pton(src) + pton(dst) + struct.pack("!IxxxB", length, proto)
    return pton(src) + pton(dst) + struct.pack("!xBH", proto, length)


# ---------------------------------------------------------------- builders

def udp_seg(src, dst, sport, dport, payload):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = csum(pseudo(src, dst, 17, 8 + len(payload)) + h + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), c) + payload


def tcp_syn(src, dst, sport, dport, payload, seq=1):
    def hdr(c):
        return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                           65535, c, 0)
    c = csum(pseudo(src, dst, 6, 20 + len(payload)) + hdr(0) + payload)
    return hdr(c) + payload


def transport(proto, src, dst, sport, dport, payload):
    if proto == "udp":
        return udp_seg(src, dst, sport, dport, payload)
    if proto == "tcp":
        return tcp_syn(src, dst, sport, dport, payload)
    raise ValueError("proto must be udp or tcp")


def ip4(src, dst, proto, ident, body, frag=0, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident, frag,
                    ttl, proto, 0, pton(src), pton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + body


def ip6(src, dst, nh, flow, body, hlim=64):
    return struct.pack("!IHBB16s16s", (6 << 28) | (flow & 0xFFFFF), len(body),
                       nh, hlim, pton(src), pton(dst)) + body


def payload_of(n, size=32):
    p = token(n) + b"-hostile-"
    return (p + b"." * size)[:max(size, len(p))]


# ---------------------------------------------------------------- sending

_socks = {}


def raw_send(pkt, dst):
    fam = socket.AF_INET6 if v6(dst) else socket.AF_INET
    s = _socks.get(fam)
    if s is None:
        s = socket.socket(fam, socket.SOCK_RAW, IPPROTO_RAW)
        if fam == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        _socks[fam] = s
    s.sendto(pkt, (dst, 0))


def k_udp(a):
    n = int(a["id"])
    s = socket.socket(socket.AF_INET6 if v6(a["dst"]) else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.bind((a["src"], int(a["sport"])))
    s.sendto(payload_of(n), (a["dst"], int(a["dport"])))
    # keep the socket until the error (if any) has come back, so that the
    # kernel sees a socket for it; a short wait, bounded
    time.sleep(0.05)
    s.close()


def k_icmperr(a):
    n = int(a["id"])
    src, dst = a["src"], a["dst"]
    isrc, idst = a["isrc"], a["idst"]
    inner_t = transport(a["iproto"], isrc, idst, int(a["isport"]),
                        int(a["idport"]), payload_of(n, 16))
    typ, code = int(a["type"]), int(a["code"])
    if v6(dst):
        inner = ip6(isrc, idst, PROTO[a["iproto"]], 0x1234, inner_t, hlim=63)
        body = struct.pack("!BBHI", typ, code, 0, 0) + inner
        c = csum(pseudo(src, dst, 58, len(body)) + body)
        body = body[:2] + struct.pack("!H", c) + body[4:]
        raw_send(ip6(src, dst, 58, n, body), dst)
    else:
        inner = ip4(isrc, idst, PROTO[a["iproto"]], 0x1234, inner_t, ttl=63)
        body = struct.pack("!BBHI", typ, code, 0, 0) + inner
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        raw_send(ip4(src, dst, 1, n, body), dst)


def send_frags(a, n, nh, part, pieces):
    """pieces: (offset, bytes, more) of the fragmentable part."""
    src, dst = a["src"], a["dst"]
    for off, data, more in pieces:
        if v6(dst):
            fh = struct.pack("!BBHI", nh, 0, off | (1 if more else 0),
                             0x5A000000 | n)
            raw_send(ip6(src, dst, 44, n, fh + data), dst)
        else:
            raw_send(ip4(src, dst, nh, n, data,
                         frag=(off >> 3) | (0x2000 if more else 0)), dst)


def k_frag(a):
    n = int(a["id"])
    seg = transport(a["proto"], a["src"], a["dst"], int(a["sport"]),
                    int(a["dport"]), payload_of(n))
    nh = PROTO[a["proto"]]
    if a.get("pre") == "do":
        seg = struct.pack("!BB", nh, 0) + b"\x01\x04\0\0\0\0" + seg
        nh = 60
    cuts = [int(c) for c in a["cuts"].split(",")] + [len(seg)]
    pieces, prev = [], 0
    for c in cuts:
        if c <= prev:
            continue
        pieces.append((prev, seg[prev:c], c < len(seg)))
        prev = c
    send_frags(a, n, nh, seg, pieces)


def k_overlap(a):
    n = int(a["id"])
    src, dst, sp = a["src"], a["dst"], int(a["sport"])
    one = udp_seg(src, dst, sp, int(a["first"]), payload_of(n))
    two = udp_seg(src, dst, sp, int(a["second"]), payload_of(n))
    if a["mode"] == "cover":
        pieces = [(0, one[:16], True), (0, two[:24], True), (24, one[24:], False)]
    else:
        pieces = [(0, one[:16], True), (0, two[:16], True), (16, one[16:], False)]
    send_frags(a, n, 17, one, pieces)


def opt_hdr(nh, size, n=None):
    """An options header (hop-by-hop or destination) of size bytes."""
    if size == 8:
        return struct.pack("!BB", nh, 0) + b"\x01\x04\0\0\0\0"	# PadN 4
    # an experimental option (0x1e: skip if unknown) carrying the token
    data = (token(n) if n is not None else b"") + b"\0" * size
    return struct.pack("!BBBB", nh, size // 8 - 1, 0x1E, size - 4) + data[:size - 4]


def k_ext6(a):
    n = int(a["id"])
    src, dst = a["src"], a["dst"]
    proto = a["proto"]
    if proto == "none":
        tail, last = b"", 17
    else:
        tail, last = (transport(proto, src, dst, int(a["sport"]), int(a["dport"]),
                                payload_of(n)), PROTO[proto])
    names = []
    for h in a["chain"].split("+"):
        if "*" in h:
            h, k = h.split("*")
            names += [h] * int(k)
        else:
            names.append(h)
    codes = {"hbh": 0, "do": 60, "dobig": 60, "rh0": 43}
    chain = b""
    for i, h in enumerate(names):
        nh = codes[names[i + 1]] if i + 1 < len(names) else last
        if h in ("hbh", "do"):
            chain += opt_hdr(nh, 8)
        elif h == "dobig":
            chain += opt_hdr(nh, 64, n)
        elif h == "rh0":
            addr = pton(a.get("rh_addr", dst))
            chain += struct.pack("!BBBBI", nh, 2, 0, int(a.get("rh_left", 0)), 0) + addr
        else:
            raise ValueError("unknown header " + h)
    body = chain + tail
    if "cut" in a:
        body = body[:int(a["cut"])]
    raw_send(ip6(src, dst, codes[names[0]] if names else last, n, body), dst)


KINDS = {"udp": k_udp, "icmperr": k_icmperr, "frag": k_frag,
         "overlap": k_overlap, "ext6": k_ext6}


def cmd_send():
    bad = 0
    for line in sys.stdin:
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        a = dict(x.split("=", 1) for x in f[1:])
        try:
            KINDS[f[0]](a)
        except (OSError, KeyError, ValueError) as e:
            print("send %s: %s" % (line.strip(), e), file=sys.stderr)
            bad += 1
    return 1 if bad else 0


# ---------------------------------------------------------------- receiving

def ntop(b):
    return socket.inet_ntop(socket.AF_INET6 if len(b) == 16 else socket.AF_INET, b)


def tok_of(data):
    m = TOKEN.search(data)
    return ("zgtk" + m.group(1).decode()) if m else "-"


def l4_desc(src, dst, proto, seg):
    """ports / type and the transport checksum of a whole segment."""
    d = "proto=%s" % PNAME.get(proto, proto)
    if proto in (6, 17) and len(seg) >= 8:
        sp, dp = struct.unpack("!HH", seg[:4])
        d += " sport=%d dport=%d" % (sp, dp)
        ok = csum(pseudo(src, dst, proto, len(seg)) + seg) == 0
        d += " cs=%s" % ("ok" if ok else "bad")
    elif proto == 1 and len(seg) >= 4:
        d += " type=%d code=%d cs=%s" % (seg[0], seg[1], "ok" if csum(seg) == 0 else "bad")
    elif proto == 58 and len(seg) >= 4:
        d += " type=%d code=%d cs=ok" % (seg[0], seg[1])	# checked by the kernel
    return d


def wire_line(data):
    if len(data) >= 20 and data[0] >> 4 == 4:
        ihl = (data[0] & 15) * 4
        ident, frag = struct.unpack("!HH", data[4:8])
        return "wire 4 %s %s mark=%d proto=%s frag=%d%s len=%d tok=%s" % (
            ntop(data[12:16]), ntop(data[16:20]), ident,
            PNAME.get(data[9], data[9]), (frag & 0x1FFF) * 8,
            "+" if frag & 0x2000 else "", len(data), tok_of(data[ihl:]))
    if len(data) >= 40 and data[0] >> 4 == 6:
        flow = struct.unpack("!I", data[:4])[0] & 0xFFFFF
        return "wire 6 %s %s mark=%d nh=%d len=%d tok=%s" % (
            ntop(data[8:24]), ntop(data[24:40]), flow, data[6], len(data),
            tok_of(data[40:]))
    return None


def cmd_rx(out, ready):
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def log(line):
        os.write(fd, (line + "\n").encode())

    socks = {}
    w = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    w.bind(("eth0", 0))
    socks[w] = ("wire", 0)
    for p in (6, 17, 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, p)
        socks[s] = ("ip4", p)
    for p in (6, 17, 58):
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, p)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
        socks[s] = ("ip6", p)
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())
    while True:
        r, _, _ = select.select(list(socks), [], [])
        for s in r:
            kind, p = socks[s]
            try:
                if kind == "wire":
                    data, addr = s.recvfrom(65535)
                    if addr[2] == PACKET_OUTGOING:
                        continue
                    line = wire_line(data)
                elif kind == "ip4":
                    data = s.recv(65535)
                    ihl = (data[0] & 15) * 4
                    src, dst = ntop(data[12:16]), ntop(data[16:20])
                    line = "ip 4 %s %s %s len=%d tok=%s" % (
                        src, dst, l4_desc(src, dst, p, data[ihl:]), len(data),
                        tok_of(data[ihl:]))
                else:
                    data, anc, _, peer = s.recvmsg(65535, 256)
                    dst = "?"
                    for lvl, typ, d in anc:
                        if lvl == socket.IPPROTO_IPV6 and typ == IPV6_PKTINFO:
                            dst = ntop(d[:16])
                    src = peer[0].split("%")[0]
                    desc = l4_desc(src, dst, p, data) if dst != "?" else "proto=%d" % p
                    line = "ip 6 %s %s %s len=%d tok=%s" % (
                        src, dst, desc, len(data), tok_of(data))
            except OSError:
                continue
            if line:
                log(line)


def main(argv):
    if len(argv) >= 2 and argv[1] == "rx" and len(argv) == 4:
        return cmd_rx(argv[2], argv[3])
    if len(argv) == 2 and argv[1] == "send":
        return cmd_send()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
