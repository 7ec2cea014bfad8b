#!/usr/bin/env python3
"""diff.py - differential test of zonegate: kernel verdicts against
`zonegatectl explain` (python3 stdlib only).  Driven by differential.sh.

  gen --seed S --dir D [--flows N]
        write D/zonegate.conf, a random policy drawn from seed S (validated
        with `zonegatectl check`), and D/plan.json: the zones, the namespaces
        and N random flows, each with the verdict `zonegatectl explain` gives
        it ("expected").  Needs no privileges.
  net --dir D --prefix P
        build the topology of D in namespaces P-gw (the gateway) and P-h0 ..
        P-h<n-1> (one host per zone; the host of zone i is linked to the
        gateway interface z<i>if).  The caller deletes the namespaces.
  send --dir D --prefix P --pass control|main
        send every flow of D as one raw Ethernet frame from its sender's
        namespace and sniff every host.  control: the gateway has no
        ruleset yet (the daemon is not running) and every flow must be
        forwarded to the host its destination is routed to: this proves the
        path, so that a packet missing in the main pass was dropped by the
        ruleset and by nothing else.  main: compare with the expected
        verdicts; write D/result.json.
  summary D...
        total over the rounds; exit 1 on any mismatch, on a harness error or
        if fewer than 15 % of the flows were accepted or denied.

Markers: every flow is a new conntrack flow with a unique key per round: the
TCP/UDP source port, the ICMP/ICMPv6 identifier.  The control pass uses other
source ports and identifiers than the main pass, so that it leaves nothing in
conntrack that the main pass could match.

Kernel verdict: forwarded (the frame arrived, TTL decremented, on a host's
eth0) = accept; a TCP RST or an ICMP/ICMPv6 destination-unreachable quoting
the packet came back = reject; neither within the grace time = drop.  A
mismatch is one of: VERDICT (accepted by one, denied by the other),
DENY-KIND (reject against drop), ZONE (the zones explain names differ from a
brute-force longest-prefix match), HARNESS (forwarded to a host its
destination is not routed to, or not by the gateway).
"""
import argparse
import ctypes
import ipaddress
import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZONEGATECTL = os.environ.get("ZONEGATECTL", os.path.join(TOP, "zonegatectl"))

IP4, IP6 = ipaddress.IPv4Network, ipaddress.IPv6Network
A4, A6 = ipaddress.IPv4Address, ipaddress.IPv6Address

# Addresses the kernel would not forward whatever the ruleset says (or that
# the gateway itself holds): never used as a flow's address.
GW4, GW6 = "198.18.255.1", "2001:db8:ffff::1"
MARTIAN = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3",
    "198.18.255.0/24",
    "::/8", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8:ffff::/48")]

PROTO_NUM = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
# ICMP types other than echo request that open a new conntrack flow (v4:
# timestamp, information and address mask requests; v6: node information
# query) or that conntrack leaves untracked (MLD, router and neighbour
# solicitation and advertisement): the first packet of a new flow in the
# kernel, as explain judges it.  Echo replies, redirects and errors are
# not: conntrack marks them invalid without a connection, and the table drops
# them before any zone is looked at.
OTHER_ICMP4 = [13, 15, 17]
OTHER_ICMP6 = [130, 131, 132, 133, 134, 135, 136, 139, 143]
# for investigation only: ZG_DIFF_ICMP_TYPES="4:0,3;6:129" replaces them
for _part in filter(None, os.environ.get("ZG_DIFF_ICMP_TYPES", "").split(";")):
    _v, _, _types = _part.partition(":")
    (OTHER_ICMP4 if _v == "4" else OTHER_ICMP6)[:] = [int(x) for x in _types.split(",")]

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def die(msg, rc=2):
    print("diff.py: " + msg, file=sys.stderr)
    sys.exit(rc)


def fam_of(net):
    return 4 if net.version == 4 else 6


def usable(a):
    return not any(a.version == m.version and a in m for m in MARTIAN)


def net_of(base, length, v):
    return IP4((base, length)) if v == 4 else IP6((base, length))


def addr_of(i, v):
    return A4(i) if v == 4 else A6(i)


def rand_subnet(rng, parent, newlen):
    span = newlen - parent.prefixlen
    off = rng.getrandbits(span) if span > 0 else 0
    base = int(parent.network_address) + (off << (parent.max_prefixlen - newlen))
    return net_of(base, newlen, parent.version)


def rand_addr(rng, net):
    hb = net.max_prefixlen - net.prefixlen
    return addr_of(int(net.network_address) + (rng.getrandbits(hb) if hb else 0),
                   net.version)


# ------------------------------------------------------------------ policy

class Model:
    """The zones of a generated policy, with a brute-force longest-prefix
    match: the test's own idea of zone membership."""

    def __init__(self, zones):
        self.zones = zones	# [{name, nets: [network], ifaces, ...}]

    def all_nets(self, v=None):
        return [(n, zi) for zi, z in enumerate(self.zones) for n in z["nets"]
                if v is None or n.version == v]

    def zone_of(self, a):
        best, bz = -1, None
        for n, zi in self.all_nets(a.version):
            if a in n and n.prefixlen > best:
                best, bz = n.prefixlen, zi
        return bz

    def hosts_ok(self, h, zi):
        """every address of network h is in zone zi by longest prefix"""
        best, bz = -1, None
        for n, z in self.all_nets(h.version):
            if n.prefixlen <= h.prefixlen and h.subnet_of(n):
                if n.prefixlen > best:
                    best, bz = n.prefixlen, z
            elif n.prefixlen > h.prefixlen and n.subnet_of(h) and z != zi:
                return False
        return bz == zi


class Gen:
    def __init__(self, rng):
        self.rng = rng

    # ---- zones
    def fresh_net(self, v):
        r = self.rng
        if v == 4:
            pool, lens = r.choice([("10.0.0.0/8", (8, 28)), ("10.0.0.0/8", (12, 24)),
                                   ("172.16.0.0/12", (12, 28)),
                                   ("192.168.0.0/16", (16, 29)),
                                   ("100.64.0.0/10", (10, 26)),
                                   ("198.51.100.0/24", (24, 30))])
        else:
            pool, lens = r.choice([("fd00::/8", (16, 64)), ("fd00::/8", (24, 80)),
                                   ("2001:db8::/32", (32, 64)),
                                   ("2001:db8::/32", (40, 120))])
        pool = ipaddress.ip_network(pool)
        return rand_subnet(r, pool, r.randint(max(lens[0], pool.prefixlen), lens[1]))

    def nested_net(self, v, existing):
        r = self.rng
        limit = 30 if v == 4 else 124
        cands = [n for n in existing if n.version == v and n.prefixlen <= limit - 1]
        if not cands:
            return None
        p = r.choice(cands)
        step = r.choice([1, 1, 2, 3, 4, 8, 12, 16, 24])
        return rand_subnet(r, p, min(limit, p.prefixlen + step))

    def zones(self):
        r = self.rng
        n = r.randint(3, 5)
        zs = [{"name": "z%d" % i, "nets": [], "ifaces": ["z%dif" % i],
               "intra": r.choice(["accept", "accept", "drop"])} for i in range(n)]
        listed = set()

        def add(zi, net):
            if net is None or net in listed:
                return False
            if net.prefixlen > 0 and any(net.overlaps(m) for m in MARTIAN):
                return False
            listed.add(net)
            zs[zi]["nets"].append(net)
            return True

        for zi in range(n):
            for v, count in ((4, r.randint(1, 2)), (6, 1 if r.random() < 0.75 else 0)):
                for _ in range(count):
                    for _try in range(50):
                        net = (self.nested_net(v, listed) if listed and r.random() < 0.4
                               else self.fresh_net(v))
                        if add(zi, net):
                            break
        if r.random() < 0.4:		# an "internet" zone
            zi = r.randrange(n)
            if r.random() < 0.85:
                add(zi, IP4("0.0.0.0/0"))
            if r.random() < 0.7:
                add(zi, IP6("::/0"))
        # IPv6 between at least two zones
        while sum(1 for z in zs if any(x.version == 6 for x in z["nets"])) < 2:
            zi = r.choice([i for i, z in enumerate(zs)
                           if not any(x.version == 6 for x in z["nets"])])
            add(zi, self.fresh_net(6))
        for z in zs:
            z["nets"].sort(key=lambda x: (x.version, x.prefixlen))
            r.shuffle(z["nets"])
            if r.random() < 0.15:
                z["ifaces"] = []	# no spoof check for this zone
            elif r.random() < 0.2:
                z["ifaces"].append(z["name"] + "b")	# a name with no device
        return zs

    # ---- services and policy
    def port_item(self, hot):
        r = self.rng
        x = r.random()
        if x < 0.45:
            return r.choice(hot)
        if x < 0.55:
            return r.randint(1, 65535)
        if x < 0.97:
            a = r.choice(hot + [r.randint(1, 65000)])
            b = min(65535, a + r.choice([0, 1, 2, 10, 100, 1000, 20000]))
            return "%d-%d" % (a, b)
        return "1-65535"

    def hosts(self, m, zi):
        r = self.rng
        nets = m.zones[zi]["nets"]
        out = []
        for _ in range(r.choice([1, 1, 2, 3])):
            for _try in range(30):
                n = r.choice(nets)
                maxl = n.max_prefixlen
                x = r.random()
                if x < 0.3:
                    length = maxl
                elif x < 0.4:
                    length = n.prefixlen
                else:
                    length = min(maxl, n.prefixlen + r.randint(1, 16 if n.version == 4 else 40))
                h = rand_subnet(r, n, length)
                if h.prefixlen == maxl and r.random() < 0.3:	# an edge host
                    h = net_of(int(r.choice([n.network_address, n.broadcast_address])),
                               maxl, n.version)
                if h in out or not usable(h.network_address) or \
                        not usable(h.broadcast_address) or not m.hosts_ok(h, zi):
                    continue
                out.append(h)
                break
        return out

    def policy(self, m):
        r = self.rng
        n = len(m.zones)
        hot = sorted(set(r.sample([22, 25, 53, 80, 123, 443, 3389, 5060, 8000,
                                   8080, 8443], 5) + [r.randint(1, 65535) for _ in range(3)]))
        services = []
        for i in range(r.randint(0, 5)):
            s = {"name": "svc%d" % i}
            while len(s) == 1:
                for p in ("tcp", "udp"):
                    if r.random() < 0.5:
                        s[p] = [self.port_item(hot) for _ in range(r.randint(1, 4))]
                if r.random() < 0.25:
                    s["icmp"] = True
            if "icmp" not in s and r.random() < 0.1:
                s["icmp"] = False
            services.append(s)
        isolated = r.randrange(n) if r.random() < 0.25 else None
        split = tuple(r.sample(range(n), 2)) if r.random() < 0.25 else None
        if isolated is not None:
            m.zones[isolated]["isolated"] = True
        if split is not None:
            m.zones[split[0]]["split_from"] = [m.zones[split[1]]["name"]]
        pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
        hotpairs = r.sample(pairs, min(len(pairs), r.randint(3, 6)))
        entries = []
        for _ in range(r.randint(5, 30)):
            a, b = r.choice(hotpairs) if r.random() < 0.75 else r.choice(pairs)
            items = []
            for _k in range(r.choice([1, 1, 2, 3])):
                x = r.random()
                if services and x < 0.4:
                    items.append(r.choice(services)["name"])
                elif x < 0.85:
                    p = r.choice(["tcp", "udp"])
                    items.append("%s/%s" % (p, self.port_item(hot)))
                else:
                    items.append("icmp")
            e = {"from": a, "to": b, "services": list(dict.fromkeys(items)),
                 "action": r.choices(["accept", "reject", "drop"], [55, 22, 23])[0]}
            if r.random() < 0.35:
                e["from_hosts"] = self.hosts(m, a)
            if r.random() < 0.35:
                e["to_hosts"] = self.hosts(m, b)
            for k in ("from_hosts", "to_hosts"):
                if k in e and not e[k]:
                    del e[k]
            if e["action"] == "accept" and split is not None and {a, b} == set(split):
                e["action"] = "reject"	# accept between split zones is an error
            if e["action"] == "accept" and isolated in (a, b):
                e["exception"] = "differential test exception"
            if r.random() < 0.3:
                e["comment"] = "random entry"
            if r.random() < 0.2:
                e["log"] = True
            entries.append(e)
        # entries to the gateway itself: they add the input chain and the
        # pairs Z->gateway, and must change no forwarded flow's verdict
        if r.random() < 0.3:
            for _ in range(r.randint(1, 3)):
                a = r.randrange(n)
                e = {"from": a, "to": -1, "action": r.choice(["accept", "reject", "drop"]),
                     "services": [r.choice(["tcp/22", "udp/53", "icmp", "tcp/1-65535"])]}
                if r.random() < 0.4:
                    e["from_hosts"] = self.hosts(m, a)
                    if not e["from_hosts"]:
                        del e["from_hosts"]
                if r.random() < 0.4:
                    e["to_hosts"] = [ipaddress.ip_network(r.choice([GW4, GW6]))]
                if e["action"] == "accept" and isolated == a:
                    e["exception"] = "differential test exception"
                entries.append(e)
        return services, entries, hot


def q(s):
    return '"%s"' % s


def conf_text(m, services, entries):
    L = ["# generated by tests/ns/diff.py", "version = 1;", "", "zones = ("]
    for i, z in enumerate(m.zones):
        s = '  { name = %s; networks = [ %s ];' % (
            q(z["name"]), ", ".join(q(n) for n in z["nets"]))
        if z["ifaces"]:
            s += " interfaces = [ %s ];" % ", ".join(q(x) for x in z["ifaces"])
        s += " intra = %s;" % q(z["intra"])
        if z.get("isolated"):
            s += " isolated = true;"
        if z.get("split_from"):
            s += " split_from = [ %s ];" % ", ".join(q(x) for x in z["split_from"])
        L.append(s + " }" + ("," if i < len(m.zones) - 1 else ""))
    L.append(");")
    if services:
        L += ["", "services = ("]
        for i, s in enumerate(services):
            t = "  { name = %s;" % q(s["name"])
            for p in ("tcp", "udp"):
                if p in s:
                    t += " %s = [ %s ];" % (p, ", ".join(
                        q(x) if isinstance(x, str) else str(x) for x in s[p]))
            if "icmp" in s:
                t += " icmp = %s;" % ("true" if s["icmp"] else "false")
            L.append(t + " }" + ("," if i < len(services) - 1 else ""))
        L.append(");")
    L += ["", "policy = ("]
    for i, e in enumerate(entries):
        t = "  { from = %s; to = %s; services = [ %s ];" % (
            q(m.zones[e["from"]]["name"]),
            q(m.zones[e["to"]]["name"] if e["to"] >= 0 else "gateway"),
            ", ".join(q(x) for x in e["services"]))
        for k in ("from_hosts", "to_hosts"):
            if k in e:
                t += " %s = [ %s ];" % (k, ", ".join(q(h) for h in e[k]))
        t += " action = %s;" % q(e["action"])
        for k in ("comment", "exception"):
            if k in e:
                t += " %s = %s;" % (k, q(e[k]))
        if e.get("log"):
            t += " log = true;"
        L.append(t + " }" + ("," if i < len(entries) - 1 else ""))
    L.append(");")
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------ flows

def svc_items(e, services):
    """(proto, lo, hi) of an entry; proto icmp for echo"""
    byname = {s["name"]: s for s in services}
    out = []

    def ports(p, lst):
        for x in lst:
            x = str(x)
            lo, _, hi = x.partition("-")
            out.append((p, int(lo), int(hi or lo)))
    for it in e["services"]:
        if it == "icmp":
            out.append(("icmp", 0, 0))
        elif "/" in it:
            p, _, rng = it.partition("/")
            ports(p, [rng])
        else:
            s = byname[it]
            for p in ("tcp", "udp"):
                if p in s:
                    ports(p, s[p])
            if s.get("icmp"):
                out.append(("icmp", 0, 0))
    return out


class FlowGen:
    def __init__(self, rng, m, services, entries, hot):
        self.r, self.m, self.services, self.entries = rng, m, services, entries
        ports = set(hot)
        for e in entries:
            for p, lo, hi in svc_items(e, services):
                if p != "icmp":
                    ports.update(x for x in (lo - 1, lo, hi, hi + 1) if 1 <= x <= 65535)
        self.ports = sorted(ports)
        self.edges = {4: [], 6: []}	# networks whose edges are worth a probe
        for n, _ in m.all_nets():
            self.edges[n.version].append(n)
        for e in entries:
            for k in ("from_hosts", "to_hosts"):
                for h in e.get(k, []):
                    if e["to"] >= 0:
                        self.edges[h.version].append(h)

    def in_net_of_zone(self, net, zi, v):
        for _ in range(60):
            a = rand_addr(self.r, net)
            if usable(a) and self.m.zone_of(a) == zi:
                return a
        return None

    def in_zone(self, zi, v):
        nets = [n for n in self.m.zones[zi]["nets"] if n.version == v]
        if not nets:
            return None
        for _ in range(20):
            n = self.r.choice(nets)
            if n.prefixlen == 0:
                n = IP4("0.0.0.0/0") if v == 4 else self.r.choice(
                    [IP6("2000::/3"), IP6("fc00::/7"), IP6("::/0")])
            a = self.in_net_of_zone(n, zi, v)
            if a is not None:
                return a
        return None

    def unknown(self, v):
        for _ in range(60):
            n = IP4("0.0.0.0/0") if v == 4 else self.r.choice(
                [IP6("2000::/3"), IP6("fd00::/8")])
            a = rand_addr(self.r, n)
            if usable(a) and self.m.zone_of(a) is None:
                return a
        return None

    def edge(self, v):
        for _ in range(20):
            n = self.r.choice(self.edges[v])
            first, last = int(n.network_address), int(n.broadcast_address)
            c = self.r.choice([first, last, first - 1, last + 1])
            if 0 <= c < 2 ** n.max_prefixlen and usable(addr_of(c, v)):
                return addr_of(c, v)
        return None

    def any_addr(self, v):
        x = self.r.random()
        a = None
        if x < 0.08:
            a = self.unknown(v)
        elif x < 0.22:
            a = self.edge(v)
        if a is None:
            zs = [i for i, z in enumerate(self.m.zones)
                  if any(n.version == v for n in z["nets"])]
            a = self.in_zone(self.r.choice(zs), v)
        return a

    def proto_port(self, v):
        r = self.r
        x = r.random()
        if x < 0.72:
            p = "tcp" if x < 0.36 else "udp"
            port = r.choice(self.ports) if r.random() < 0.6 else r.randint(1, 65535)
            return p, port
        return self.icmp(v)

    def icmp(self, v):
        p = "icmp" if v == 4 else "icmpv6"
        if self.r.random() < 0.75:
            return p, 8 if v == 4 else 128
        return p, self.r.choice(OTHER_ICMP4 if v == 4 else OTHER_ICMP6)

    def targeted(self, v):
        """a flow aimed at a policy entry: its hosts, its ports and their
        edges"""
        r = self.r
        fwd = [x for x in self.entries if x["to"] >= 0]
        if not fwd:
            return None
        e = r.choice(fwd + [x for x in fwd if x["action"] == "accept"])
        items = svc_items(e, self.services)

        def end(zi, key):
            hs = [h for h in e.get(key, []) if h.version == v]
            if hs and r.random() < 0.85:
                h = r.choice(hs)
                if r.random() < 0.2:
                    c = r.choice([int(h.network_address) - 1, int(h.broadcast_address) + 1])
                    if 0 <= c < 2 ** h.max_prefixlen and usable(addr_of(c, v)):
                        return addr_of(c, v)
                return self.in_net_of_zone(h, zi, v)
            return self.in_zone(zi, v)
        src, dst = end(e["from"], "from_hosts"), end(e["to"], "to_hosts")
        if src is None or dst is None or not items:
            return None
        p, lo, hi = r.choice(items)
        if p == "icmp":
            proto, arg = self.icmp(v)
            if r.random() < 0.8:
                arg = 8 if v == 4 else 128
        else:
            proto = p
            arg = r.choice([lo, hi, r.randint(lo, hi), r.randint(lo, hi), r.randint(lo, hi),
                            r.randint(lo, hi), lo - 1, hi + 1])
            if r.random() < 0.1:
                proto = "udp" if p == "tcp" else "tcp"
            if not 1 <= arg <= 65535:
                arg = lo
        return src, dst, proto, arg

    def flows(self, n):
        r, m = self.r, self.m
        out, seen = [], set()
        nz = len(m.zones)
        guard = 0
        while len(out) < n and guard < n * 50:
            guard += 1
            v = 4 if r.random() < 0.5 else 6
            x = r.random()
            t = None
            if x < 0.55:
                t = self.targeted(v)
            elif x < 0.75:		# within one zone
                zs = [i for i, z in enumerate(m.zones)
                      if any(k.version == v for k in z["nets"])]
                zi = r.choice(zs)
                s, d = self.in_zone(zi, v), self.in_zone(zi, v)
                if s is not None and d is not None:
                    t = (s, d) + self.proto_port(v)
            else:
                s, d = self.any_addr(v), self.any_addr(v)
                if s is not None and d is not None:
                    t = (s, d) + self.proto_port(v)
            if t is None or t[0] == t[1]:
                continue
            src, dst, proto, arg = t
            if (src, dst, proto, arg) in seen:
                continue
            seen.add((src, dst, proto, arg))
            sz, dz = m.zone_of(src), m.zone_of(dst)
            if sz is not None and r.random() < 0.9:
                sender = sz
            else:			# spoofed: from another zone's host
                sender = r.choice([i for i in range(nz) if i != sz])
            out.append({"v": v, "proto": proto, "src": str(src), "dst": str(dst),
                        "arg": arg, "sender": sender, "src_zone": sz, "dst_zone": dz,
                        # IPv4 options (NOPs) or an IPv6 destination options
                        # header: the ruleset must find the transport
                        # header behind them
                        "ext": r.random() < 0.12})
        # markers: unique per round, control pass offset
        sports = r.sample(range(20000, 40000), len(out))
        ids = r.sample(range(1, 30000), len(out))
        for i, f in enumerate(out):
            f["id"] = i
            f["mark"] = sports[i] if f["proto"] in ("tcp", "udp") else ids[i]
        return out


def explain(conf, f, iface):
    cmd = [ZONEGATECTL, "-c", conf, "explain", "--in", iface, f["proto"],
           f["src"], f["dst"], str(f["arg"])]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    line = p.stdout.strip()
    w = line.split()
    verdict = w[0] if w else "?"
    ok = (p.returncode == 0 and verdict == "accept") or \
         (p.returncode == 1 and verdict in ("drop", "reject"))
    return {"line": line or p.stderr.strip(), "rc": p.returncode,
            "verdict": verdict if ok else "error",
            "zones": (w[1], w[3]) if len(w) > 3 and w[2] == "->" else None,
            "cmd": " ".join(cmd[1:])}


def draw_policy(seed, attempt, conf):
    """a policy zonegatectl check accepts, or None"""
    rng = random.Random("%s/%d" % (seed, attempt))
    g = Gen(rng)
    m = Model(g.zones())
    services, entries, hot = g.policy(m)
    with open(conf, "w") as fh:
        fh.write(conf_text(m, services, entries))
    p = subprocess.run([ZONEGATECTL, "-c", conf, "check"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        # the generator's mistake or zonegate's: show it, draw again
        print("# diff.py: seed %s attempt %d: zonegatectl check refused the "
              "generated policy:" % (seed, attempt))
        print("".join("#   " + x + "\n" for x in p.stdout.splitlines()[-8:]), end="")
        return None
    return rng, m, services, entries, hot


def cmd_gen(a):
    seed = a.seed
    os.makedirs(a.dir, exist_ok=True)
    conf = os.path.join(a.dir, "zonegate.conf")
    for attempt in range(10):
        d = draw_policy(seed, attempt, conf)
        if d is None:
            continue
        rng, m, services, entries, hot = d
        flows = FlowGen(rng, m, services, entries, hot).flows(a.flows)
        with ThreadPoolExecutor(max_workers=8) as ex:
            res = list(ex.map(lambda f: explain(conf, f, "z%dif" % f["sender"]), flows))
        na = sum(1 for e in res if e["verdict"] == "accept")
        # a policy that denies (or permits) nearly everything tests little:
        # draw another (explain alone decides; the kernel is not asked)
        if 0.2 <= na / max(1, len(flows)) <= 0.8:
            break
        print("# diff.py: seed %s attempt %d: explain accepts %d of %d flows; "
              "drawing another policy" % (seed, attempt, na, len(flows)))
    if d is None:	# the last draw failed: its file is not the flows' policy
        die("no valid policy for seed %s in 10 attempts" % seed)
    # every address the gateway must route: to its zone's host, an address in
    # no zone to some host
    route = {}
    for f in flows:
        for k, zk in (("src", "src_zone"), ("dst", "dst_zone")):
            if f[k] not in route:
                route[f[k]] = f[zk] if f[zk] is not None else rng.randrange(len(m.zones))
    bad = 0
    for f, e in zip(flows, res):
        f["explain"] = e
        f["expected"] = e["verdict"]
        f["route"] = route[f["dst"]]
        if e["verdict"] == "error":
            bad += 1
            print("# explain failed: %s -> rc %d: %s" % (e["cmd"], e["rc"], e["line"]))
    plan = {"seed": seed, "attempt": attempt, "nzones": len(m.zones),
            "zones": [z["name"] for z in m.zones], "flows": flows,
            "route": route, "explain_errors": bad}
    with open(os.path.join(a.dir, "plan.json"), "w") as fh:
        json.dump(plan, fh)
    print("# round seed %s (attempt %d): %d zones, %d services, %d entries; %d flows "
          "(%d v6), explain: %d accept, %d reject, %d drop" % (
              seed, attempt, len(m.zones), len(services), len(entries), len(flows),
              sum(1 for f in flows if f["v"] == 6), na,
              sum(1 for f in flows if f["expected"] == "reject"),
              sum(1 for f in flows if f["expected"] == "drop")))
    return 1 if bad else 0


# ------------------------------------------------------------------ network

def load(d):
    with open(os.path.join(d, "plan.json")) as fh:
        return json.load(fh)


def gw_mac(i):
    return "02:7a:67:%02x:00:01" % i


def host_mac(i):
    return "02:7a:67:%02x:00:02" % i


def run(cmd, inp=None):
    p = subprocess.run(cmd, input=inp, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        die("%s failed: %s" % (" ".join(cmd), p.stdout.strip()))


def sysctl(ns, *kv, must=True):
    for x in kv:
        p = subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", x],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0 and must:
            die("sysctl %s in %s: %s" % (x, ns, p.stdout.strip()))


def cmd_net(a):
    plan = load(a.dir)
    n = plan["nzones"]
    gw = a.prefix + "-gw"
    hosts = ["%s-h%d" % (a.prefix, i) for i in range(n)]
    for ns in [gw] + hosts:
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        sysctl(ns, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
               "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
               "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0")
    # the gateway forwards; it sends no redirects, and its ICMP errors (the
    # rejects) are not rate limited
    sysctl(gw, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
           "net.ipv6.conf.default.forwarding=1",
           "net.ipv4.conf.all.send_redirects=0",
           "net.ipv4.conf.default.send_redirects=0",
           "net.ipv4.icmp_ratemask=0", "net.ipv4.icmp_ratelimit=0",
           "net.ipv6.icmp.ratelimit=0")
    # (a ratemask without a type also skips the global ICMP limit, whose
    # sysctls are not per namespace on every kernel: left alone)
    sysctl(gw, "net.ipv6.icmp.ratemask=", must=False)
    # the hosts are silent: no IPv6, no IPv4 address; they only sniff
    for h in hosts:
        sysctl(h, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
    for i, h in enumerate(hosts):
        run(["ip", "-n", gw, "link", "add", "z%dif" % i, "address", gw_mac(i), "type",
             "veth", "peer", "name", "eth0", "address", host_mac(i), "netns", h])
        run(["ip", "-n", gw, "link", "set", "z%dif" % i, "up"])
        run(["ip", "-n", h, "link", "set", "eth0", "up"])
    # the gateway's own addresses (sources of its ICMP errors), in no flow
    batch = ["address add %s/32 dev lo" % GW4, "address add %s/128 dev lo nodad" % GW6]
    for addr, i in plan["route"].items():
        plen = 128 if ":" in addr else 32
        batch.append("route replace %s/%d dev z%dif" % (addr, plen, i))
        batch.append("neigh replace %s lladdr %s dev z%dif nud permanent" % (
            addr, host_mac(i), i))
    run(["ip", "-n", gw, "-batch", "-"], "\n".join(batch) + "\n")
    return 0


# ------------------------------------------------------------------ packets

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def frame(f, mark, dmac, smac):
    v = f["v"]
    src = ipaddress.ip_address(f["src"]).packed
    dst = ipaddress.ip_address(f["dst"]).packed
    proto = PROTO_NUM[f["proto"]]
    payload = b"zgdiff" + struct.pack("!IH", f["id"], mark)
    if f["proto"] == "tcp":
        l4 = struct.pack("!HHIIBBHHH", mark, f["arg"], 0x1000 + f["id"] * 7919,
                         0, 5 << 4, 0x02, 64240, 0, 0)
        ck_off = 16
    elif f["proto"] == "udp":
        l4 = struct.pack("!HHHH", mark, f["arg"], 8 + len(payload), 0) + payload
        ck_off = 6
    else:
        l4 = struct.pack("!BBHHH", f["arg"], 0, 0, mark, 1) + payload
        ck_off = 2
    if v == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
        c = csum(l4) if proto == 1 else csum(pseudo + l4)
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
        c = csum(pseudo + l4)
    if c == 0 and proto == 17:
        c = 0xffff
    l4 = l4[:ck_off] + struct.pack("!H", c) + l4[ck_off + 2:]
    ext = f.get("ext")
    if v == 4:
        opt = b"\x01\x01\x01\x00" if ext else b""
        ip = struct.pack("!BBHHHBBH4s4s", 0x45 + len(opt) // 4, 0,
                         20 + len(opt) + len(l4), f["id"] & 0xffff,
                         0, 64, proto, 0, src, dst) + opt
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        et = 0x0800
    else:
        opt = bytes([proto, 0, 1, 4, 0, 0, 0, 0]) if ext else b""	# PadN
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(opt) + len(l4),
                         60 if ext else proto, 64, src, dst) + opt
        et = 0x86DD
    return mac_bytes(dmac) + mac_bytes(smac) + struct.pack("!H", et) + ip + l4


def l3(b, v):
    """(proto, src, dst, l4 bytes, ttl) of an IP packet or None"""
    if v == 4:
        if len(b) < 20 or b[0] >> 4 != 4:
            return None
        ihl = (b[0] & 15) * 4
        return (b[9], str(A4(b[12:16])), str(A4(b[16:20])), b[ihl:], b[8])
    if len(b) < 40 or b[0] >> 4 != 6:
        return None
    nh, off = b[6], 40
    while nh in (0, 43, 60) and len(b) >= off + 8:	# extension headers
        nh, off = b[off], off + (b[off + 1] + 1) * 8
    return (nh, str(A6(b[8:24])), str(A6(b[24:40])), b[off:], b[7])


def key_of(v, proto, src, dst, l4):
    if proto in (6, 17) and len(l4) >= 4:
        sp, dp = struct.unpack("!HH", l4[:4])
        return (v, proto, src, dst, sp, dp)
    if proto in (1, 58) and len(l4) >= 6:
        t, _c, _ck, ident = struct.unpack("!BBHH", l4[:6])
        return (v, proto, src, dst, t, ident)
    return None


def parse(fr):
    """[(kind, key, info)] for a frame: kind fwd (the packet itself) or reject
    (an RST or destination unreachable quoting it)"""
    if len(fr) < 14:
        return []
    et = struct.unpack("!H", fr[12:14])[0]
    v = {0x0800: 4, 0x86DD: 6}.get(et)
    if v is None:
        return []
    p = l3(fr[14:], v)
    if p is None:
        return []
    proto, src, dst, l4, ttl = p
    out = []
    if proto == 6 and len(l4) >= 14 and l4[13] & 0x04:	# RST
        sp, dp = struct.unpack("!HH", l4[:4])
        out.append(("reject", (v, 6, dst, src, dp, sp), "tcp-rst"))
    elif (v == 4 and proto == 1 and len(l4) >= 8 and l4[0] == 3) or \
            (v == 6 and proto == 58 and len(l4) >= 8 and l4[0] == 1):
        inner = l3(l4[8:], v)
        if inner is not None:
            k = key_of(v, inner[0], inner[1], inner[2], inner[3])
            if k:
                out.append(("reject", k, "icmp-unreach/%d" % l4[1]))
    k = key_of(v, proto, src, dst, l4)
    if k:
        out.append(("fwd", k, "ttl %d" % ttl))
    return out


libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


def open_sockets(names):
    """one AF_PACKET socket on eth0 of each namespace (made in it)"""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    socks = []
    try:
        for ns in names:
            setns("/run/netns/" + ns)
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind(("eth0", ETH_P_ALL))
            s.setblocking(False)
            socks.append(s)
    finally:
        if libc.setns(home, CLONE_NEWNET) != 0:
            die("cannot return to the original network namespace")
        os.close(home)
    return socks


def cmd_send(a):
    plan = load(a.dir)
    flows = plan["flows"]
    n = plan["nzones"]
    hosts = ["%s-h%d" % (a.prefix, i) for i in range(n)]
    control = a.pass_ == "control"
    socks = open_sockets(hosts)
    off = 20000 if control else 0
    mark = {}
    keys = {}
    for f in flows:
        mk = f["mark"] + (off if f["proto"] in ("tcp", "udp") else 32768 * control)
        mark[f["id"]] = mk
        pn = PROTO_NUM[f["proto"]]
        k = (f["v"], pn, f["src"], f["dst"]) + (
            (mk, f["arg"]) if pn in (6, 17) else (f["arg"], mk))
        keys[k] = f["id"]
    seen = {f["id"]: {"fwd": [], "reject": []} for f in flows}

    def drain():
        got = 0
        while True:
            r, _, _ = select.select(socks, [], [], 0)
            if not r:
                return got
            for hi, s in enumerate(socks):
                if s not in r:
                    continue
                while True:
                    try:
                        data, addr = s.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if addr[2] == PACKET_OUTGOING:
                        continue
                    for kind, k, info in parse(data):
                        fid = keys.get(k)
                        if fid is not None:
                            seen[fid][kind].append((hi, info))
                            got += 1

    order = list(range(len(flows)))
    for i, fi in enumerate(order):
        f = flows[fi]
        s = f["sender"]
        socks[s].send(frame(f, mark[f["id"]], gw_mac(s), host_mac(s)))
        if i % 16 == 15:
            drain()
            time.sleep(0.004)
    # stragglers: at least 1 s, and until 0.3 s pass without a marker
    t0 = last = time.monotonic()
    while True:
        if drain():
            last = time.monotonic()
        now = time.monotonic()
        if now - t0 >= 1.0 and now - last >= 0.3:
            break
        if now - t0 > 5:
            break
        time.sleep(0.02)
    for s in socks:
        s.close()

    if control:
        bad = 0
        for f in flows:
            sn = seen[f["id"]]
            fw = [h for h, _ in sn["fwd"]]
            if fw != [f["route"]] or sn["reject"] or \
                    any(info != "ttl 63" for _, info in sn["fwd"]):
                bad += 1
                if bad <= 20:
                    print("# control: %s %s -> %s %s from h%d: forwarded to %s, "
                          "rejects %s (expected forwarding to h%d only)" % (
                              f["proto"], f["src"], f["dst"], f["arg"], f["sender"],
                              sn["fwd"], sn["reject"], f["route"]))
        print("# control pass (no ruleset): %d/%d flows forwarded as routed" % (
            len(flows) - bad, len(flows)))
        return 1 if bad else 0

    res = {"seed": plan["seed"], "flows": len(flows), "accept": 0, "deny": 0,
           "reject": 0, "drop": 0, "v6": 0, "mismatch": 0, "deny_kind": 0,
           "zone": 0, "harness": plan["explain_errors"], "mismatches": []}
    zn = plan["zones"]
    for f in flows:
        sn = seen[f["id"]]
        fw = sorted(set(h for h, _ in sn["fwd"]))
        rj = sn["reject"]
        kernel = "accept" if fw else ("reject" if rj else "drop")
        exp = f["expected"]
        res["v6"] += f["v"] == 6
        res["accept" if exp == "accept" else "deny"] += 1
        if exp in ("reject", "drop"):
            res[exp] += 1
        problems = []
        if (exp == "accept") != (kernel == "accept"):
            problems.append("VERDICT")
            res["mismatch"] += 1
        elif exp != kernel:
            problems.append("DENY-KIND")
            res["deny_kind"] += 1
        if fw and (fw != [f["route"]] or rj or
                   any(info != "ttl 63" for _, info in sn["fwd"])):
            problems.append("HARNESS")
            res["harness"] += 1
        mine = tuple(zn[z] if z is not None else "unknown"
                     for z in (f["src_zone"], f["dst_zone"]))
        ez = f["explain"]["zones"]
        if ez is not None and tuple(ez) != mine:
            problems.append("ZONE")
            res["zone"] += 1
        if problems:
            desc = "%s: kernel %s (forwarded to %s, rejects %s), explain %s; " \
                   "sent from h%d; zonegatectl %s\n#     %s" % (
                       "+".join(problems), kernel, ["h%d" % h for h in fw], rj, exp,
                       f["sender"], f["explain"]["cmd"], f["explain"]["line"])
            if "ZONE" in problems:
                desc += "\n#     brute-force LPM zones: %s -> %s" % mine
            res["mismatches"].append(desc)
            print("# MISMATCH " + desc)
    with open(os.path.join(a.dir, "result.json"), "w") as fh:
        json.dump(res, fh)
    print("# round seed %s: %d flows (%d v6; %d accepted, %d denied: %d reject, "
          "%d drop), %d verdict mismatches, %d reject/drop mismatches, "
          "%d zone mismatches" % (res["seed"], res["flows"], res["v6"], res["accept"],
                                  res["deny"], res["reject"], res["drop"],
                                  res["mismatch"], res["deny_kind"], res["zone"]))
    return 1 if res["mismatch"] or res["deny_kind"] or res["zone"] or res["harness"] else 0


def cmd_summary(a):
    tot = {"flows": 0, "accept": 0, "deny": 0, "reject": 0, "drop": 0, "v6": 0,
           "mismatch": 0, "deny_kind": 0, "zone": 0, "harness": 0}
    rounds = 0
    for d in a.dirs:
        try:
            with open(os.path.join(d, "result.json")) as fh:
                r = json.load(fh)
        except OSError:
            continue
        rounds += 1
        for k in tot:
            tot[k] += r[k]
    m = tot["mismatch"] + tot["deny_kind"] + tot["zone"]
    print("differential: %d flows (%d accepted, %d denied), %d mismatches" % (
        tot["flows"], tot["accept"], tot["deny"], m))
    print("# %d rounds; %d IPv6 flows; denied: %d reject, %d drop; mismatches: "
          "%d accept/deny, %d reject/drop, %d zone; %d harness errors" % (
              rounds, tot["v6"], tot["reject"], tot["drop"], tot["mismatch"],
              tot["deny_kind"], tot["zone"], tot["harness"]))
    rc = 0
    if rounds != len(a.dirs):
        print("# not every round finished")
        rc = 1
    if tot["flows"] < a.min_flows:
        print("# fewer than %d flows" % a.min_flows)
        rc = 1
    if tot["flows"] and (tot["accept"] < 0.15 * tot["flows"] or
                         tot["deny"] < 0.15 * tot["flows"]):
        print("# unbalanced: fewer than 15%% of the flows accepted or denied")
        rc = 1
    if m or tot["harness"]:
        rc = 1
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--seed", required=True)
    g.add_argument("--dir", required=True)
    g.add_argument("--flows", type=int, default=300)
    n = sub.add_parser("net")
    n.add_argument("--dir", required=True)
    n.add_argument("--prefix", required=True)
    s = sub.add_parser("send")
    s.add_argument("--dir", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--pass", dest="pass_", choices=["control", "main"], required=True)
    m = sub.add_parser("summary")
    m.add_argument("--min-flows", type=int, default=500)
    m.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    return {"gen": cmd_gen, "net": cmd_net, "send": cmd_send,
            "summary": cmd_summary}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
