#!/usr/bin/env python3
"""sepforge.py PID KIND - send a forged record to zonegated as if its parser
child PID had sent it.

The child's end of the socketpair is taken from the running child with
pidfd_getfd(2) (the one descriptor that is an AF_UNIX SOCK_SEQPACKET
socket), so the daemon receives the datagram on the very socket it reads
its parser from. KIND:
  garbage     64 bytes that are no record at all (bad magic)
  badfamily   a well-formed VIOL header whose packet has family 7
  badframe    a FRAME record whose packet has family 7
  badslot     a STATS record for capture 9 (no child holds 10)
  ready       a second READY (only the start may carry one)
Prints "sent N bytes" and exits 0, or explains and exits 2.
"""
import ctypes
import os
import socket
import struct
import sys

SYS_pidfd_getfd = 438
MAGIC, VERSION = 0x5A47, 1
T_READY, T_VIOL, T_FRAME, T_STATS = 1, 3, 5, 7


def header(rtype, slot=0):
    return struct.pack("=HBBHH", MAGIC, VERSION, rtype, slot, 0)


def badpkt():
    """a packet description with family 7 (neither AF_INET nor AF_INET6)"""
    return struct.pack("=BBBBBBHHHI", 7, 17, 1, 0, 0, 0, 0, 1, 2, 28) + bytes(32)


def forged(kind):
    if kind == "badframe":
        return header(T_FRAME) + struct.pack("=QII", 0, 60, 0) + badpkt()
    if kind == "garbage":
        return b"\xde\xad\xbe\xef" * 16
    if kind == "badfamily":
        body = struct.pack("=Q", 0) + badpkt() + bytes(4) + bytes(12) + struct.pack("=Q", 0)
        body += bytes(128)
        return header(T_VIOL) + body
    if kind == "badslot":
        return header(T_STATS, 9) + struct.pack("=QQ", 0, 0)
    if kind == "ready":
        return header(T_READY) + b"zonegate".ljust(128, b"\0")
    raise SystemExit("sepforge: unknown kind %s" % kind)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    pid = int(sys.argv[1])
    data = forged(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        for name in os.listdir("/proc/%d/fd" % pid):
            if not os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                continue
            fd = libc.syscall(SYS_pidfd_getfd, pidfd, int(name), 0)
            if fd < 0:
                print("sepforge: pidfd_getfd: %s" % os.strerror(ctypes.get_errno()),
                      file=sys.stderr)
                return 2
            s = socket.socket(fileno=fd)
            try:
                if (s.family == socket.AF_UNIX and
                        s.type == socket.SOCK_SEQPACKET):
                    n = s.send(data)
                    print("sent %d bytes" % n)
                    return 0
            finally:
                s.close()
    finally:
        os.close(pidfd)
    print("sepforge: no AF_UNIX SOCK_SEQPACKET socket in %d" % pid, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
