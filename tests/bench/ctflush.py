#!/usr/bin/python3
"""ctflush.py - flush the conntrack table of the current network namespace
(what `conntrack -F` does; the conntrack tool may not be installed).  Run it
with `ip netns exec NS`.  One ctnetlink IPCTNL_MSG_CT_DELETE without a tuple
and with family AF_UNSPEC deletes every entry of the namespace.
"""
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_DELETE = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    payload = struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)	# nfgenmsg
    msg = struct.pack("=IHHII", 16 + len(payload),
                      (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + payload
    s.sendto(msg, (0, 0))
    s.settimeout(10)
    data = s.recv(65536)
    _, typ, _, _, _ = struct.unpack_from("=IHHII", data)
    if typ == NLMSG_ERROR:
        err = struct.unpack_from("=i", data, 16)[0]
        if err != 0:
            sys.exit("ctflush: %s" % os.strerror(-err))


if __name__ == "__main__":
    main()
