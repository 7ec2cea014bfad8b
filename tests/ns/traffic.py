#!/usr/bin/env python3
"""traffic.py - traffic tools for the namespace tests (python3 stdlib only).

Run inside a namespace with `ip netns exec NS python3 traffic.py CMD ...`;
tests/ns/lib.bash wraps every command.  Exit status 0 means "it worked".

  listen PROTO PORT LOG READY     tcp|udp listener on every address (v4 and v6)
                                  of the namespace; appends "SRC DST TOKEN" to
                                  LOG for each connection or datagram, answers
                                  "ok TOKEN"; touches READY once bound.
  tcp SRC DST PORT TOKEN TIMEOUT  connect from SRC, send TOKEN, wait for "ok"
  udp SRC DST PORT TOKEN TIMEOUT  send TOKEN from SRC, wait for the answer
  send SRC DST PORT TOKEN         send one datagram, do not wait
  icmp SRC DST TIMEOUT            one ICMP/ICMPv6 echo from SRC, wait for reply
  count PORT OUT READY            count UDP datagrams to PORT (v4 and v6); on
                                  SIGTERM/SIGINT writes "total N" and
                                  "src ADDR N" lines to OUT
  flood SRC DST PORT COUNT MAXSEC [RATE]
                                  send at most COUNT datagrams in at most MAXSEC
                                  seconds (at most RATE per second if given);
                                  prints the number sent
"""
import os
import select
import signal
import socket
import struct
import sys
import time

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def norm(addr):
    """Strip the v4-mapped prefix and any scope from an address."""
    addr = addr.split("%")[0]
    if addr.startswith("::ffff:") and "." in addr:
        return addr[7:]
    return addr


def log_line(path, line):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def touch(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()) + "\n")


def udp_sockets(port):
    """One v4 and one v6-only socket on the wildcard address, each reporting
    the destination address of what it receives."""
    # no SO_REUSEADDR: a second receiver on the same port must fail loudly
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s4.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s4.bind(("0.0.0.0", port))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    s6.bind(("::", port))
    return s4, s6


def pktinfo_dst(anc):
    for level, typ, data in anc:
        if level == socket.IPPROTO_IP and typ == IP_PKTINFO and len(data) >= 12:
            return socket.inet_ntop(socket.AF_INET, data[8:12])
        if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO and len(data) >= 16:
            return socket.inet_ntop(socket.AF_INET6, data[:16])
    return "?"


def reply_anc(sock, dst):
    """Ancillary data so that the answer leaves from the address asked."""
    if dst == "?":
        return []
    if sock.family == socket.AF_INET:
        return [(socket.IPPROTO_IP, IP_PKTINFO,
                 struct.pack("@i4s4s", 0, socket.inet_pton(socket.AF_INET, dst), b"\0" * 4))]
    return [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO,
             socket.inet_pton(socket.AF_INET6, dst) + struct.pack("@I", 0))]


def cmd_listen(proto, port, logf, ready):
    port = int(port)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if proto == "udp":
        socks = udp_sockets(port)
        touch(ready)
        while True:
            r, _, _ = select.select(socks, [], [])
            for s in r:
                try:
                    data, anc, _, peer = s.recvmsg(2048, 256)
                except OSError:
                    continue
                dst = pktinfo_dst(anc)
                tok = data.decode(errors="replace").strip().split()[0] if data.strip() else "-"
                log_line(logf, "%s %s %s" % (norm(peer[0]), norm(dst), tok))
                try:
                    s.sendmsg([b"ok " + tok.encode() + b"\n"], reply_anc(s, dst), 0, peer)
                except OSError:
                    pass
    elif proto == "tcp":
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        ls.bind(("::", port))
        ls.listen(64)
        touch(ready)
        while True:
            c, peer = ls.accept()
            try:
                c.settimeout(1.0)
                dst = c.getsockname()[0]
                buf = b""
                while b"\n" not in buf and len(buf) < 256:
                    d = c.recv(256)
                    if not d:
                        break
                    buf += d
                tok = buf.decode(errors="replace").strip().split()[0] if buf.strip() else "-"
                log_line(logf, "%s %s %s" % (norm(peer[0]), norm(dst), tok))
                c.sendall(b"ok " + tok.encode() + b"\n")
            except OSError:
                pass
            finally:
                c.close()
    else:
        sys.exit("listen: proto must be tcp or udp")


def cmd_tcp(src, dst, port, tok, timeout):
    timeout = float(timeout)
    end = time.monotonic() + timeout
    s = socket.socket(fam(dst), socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.connect((dst, int(port)))
        s.sendall(tok.encode() + b"\n")
        buf = b""
        while b"\n" not in buf:
            left = end - time.monotonic()
            if left <= 0:
                return 1
            s.settimeout(left)
            d = s.recv(256)
            if not d:
                break
            buf += d
        return 0 if buf.startswith(b"ok") else 1
    except OSError as e:
        print("tcp %s -> %s:%s: %s" % (src, dst, port, e), file=sys.stderr)
        return 1
    finally:
        s.close()


def cmd_udp(src, dst, port, tok, timeout, wait=True):
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    try:
        s.bind((src, 0))
        s.sendto(tok.encode() + b"\n", (dst, int(port)))
        if not wait:
            return 0
        end = time.monotonic() + float(timeout)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return 1
            s.settimeout(left)
            try:
                data, _ = s.recvfrom(2048)
            except socket.timeout:
                return 1
            if data.split()[1:2] == [tok.encode()]:
                return 0
    except OSError as e:
        print("udp %s -> %s:%s: %s" % (src, dst, port, e), file=sys.stderr)
        return 1
    finally:
        s.close()


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def cmd_icmp(src, dst, timeout):
    v6 = ":" in dst
    ident = os.getpid() & 0xFFFF
    payload = b"zonegate-probe-%d" % ident
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        # the kernel fills in the ICMPv6 checksum
        pkt = struct.pack("!BBHHH", 128, 0, 0, ident, 1) + payload
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
        pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, 1) + payload
    want = socket.inet_pton(fam(dst), dst)
    try:
        s.bind((src, 0))
        s.sendto(pkt, (dst, 0))
        end = time.monotonic() + float(timeout)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return 1
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return 1
            data, peer = s.recvfrom(4096)
            if socket.inet_pton(fam(dst), norm(peer[0])) != want:
                continue
            if not v6:
                data = data[(data[0] & 0x0F) * 4:]
            if len(data) < 8:
                continue
            typ, _, _, rid, _ = struct.unpack("!BBHHH", data[:8])
            if typ == (129 if v6 else 0) and rid == ident and data[8:] == payload:
                return 0
    except OSError as e:
        print("icmp %s -> %s: %s" % (src, dst, e), file=sys.stderr)
        return 1
    finally:
        s.close()


def cmd_count(port, out, ready):
    socks = udp_sockets(int(port))
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setblocking(False)
    counts = {}
    stop = []

    def dump(*_):
        stop.append(1)

    signal.signal(signal.SIGTERM, dump)
    signal.signal(signal.SIGINT, dump)
    touch(ready)
    while not stop:
        try:
            r, _, _ = select.select(socks, [], [], 0.2)
        except InterruptedError:
            continue
        for s in r:
            while True:
                try:
                    _, peer = s.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                counts[peer[0]] = counts.get(peer[0], 0) + 1
    # drain what is already queued
    for s in socks:
        while True:
            try:
                _, peer = s.recvfrom(2048)
            except OSError:
                break
            counts[peer[0]] = counts.get(peer[0], 0) + 1
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("total %d\n" % sum(counts.values()))
        for a, n in sorted(counts.items()):
            f.write("src %s %d\n" % (norm(a), n))
    os.rename(tmp, out)
    return 0


def cmd_flood(src, dst, port, count, maxsec, rate=None):
    count = int(count)
    maxsec = float(maxsec)
    rate = float(rate) if rate else 0.0
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.connect((dst, int(port)))
    start = time.monotonic()
    end = start + maxsec
    sent = 0
    msg = b"flood\n"
    while sent < count:
        if (sent & 63) == 0:
            now = time.monotonic()
            if now >= end:
                break
            if rate > 0:
                ahead = sent / rate - (now - start)
                if ahead > 0:
                    time.sleep(min(ahead, end - now))
                    continue
        try:
            s.send(msg)
            sent += 1
        except (BlockingIOError, InterruptedError):
            time.sleep(0.0005)
        except OSError as e:
            # ENOBUFS and the like: back off briefly; a local EPERM is final
            if e.errno == 1:
                break
            time.sleep(0.0005)
    print(sent)
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    table = {
        "listen": (cmd_listen, 4, 4),
        "tcp": (cmd_tcp, 5, 5),
        "udp": (cmd_udp, 5, 5),
        "send": (lambda a, b, c, d: cmd_udp(a, b, c, d, 0, wait=False), 4, 4),
        "icmp": (cmd_icmp, 3, 3),
        "count": (cmd_count, 3, 3),
        "flood": (cmd_flood, 5, 6),
    }
    if cmd not in table or not table[cmd][1] <= len(args) <= table[cmd][2]:
        print(__doc__, file=sys.stderr)
        return 2
    return table[cmd][0](*args) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
