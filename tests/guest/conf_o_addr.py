# SPDX-License-Identifier: GPL-2.0
"""
Conformance tests of the address rules: RFC 6052 (checklist section O),
RFC 7757 EAM and hairpinning (P), RFC 6791 error sources (Q), the SIIT-DC
statelessness and native-IPv6 rows (R 158, 159) and the derived robustness
rows (T).  Run by conf.sh after lib.sh's topo_up; machinery in pktlib.py.

Every expected address is written out by hand from the RFC layout (RFC 6052
section 2.2 figure, RFC 7757 section 3.2 bit placement), never computed by
the code under test.  Each test that changes a setting, an EAM entry, a
route or a neighbour puts it back before returning.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time

from pktlib import *  # noqa: F401,F403
from scapy.all import ICMPv6DestUnreach, IPerror, UDPerror  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTER6 = "2001:db8:6::99"         # an IPv6 router with no mapping at all
SRV8_6 = "2001:db8:6::8"           # hairpin partner of SRV6
SRV8_4 = "198.51.100.8"


# --------------------------------------------------------------------------
# helpers

def in_ns(ns, *cmd):
    """Runs cmd in netns ns (setns in the child: cheaper than ip netns
    exec, which also remounts /sys); returns (rc, output)."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True,
                       preexec_fn=lambda: setns("/run/netns/%s" % ns))
    return p.returncode, p.stdout


def ctl(*args):
    return in_ns("br", SIITCTL, *args)


def stats():
    """pktlib.stats, without ip netns exec."""
    st = {}
    for line in ctl_ok("stats").splitlines():
        f = line.split()
        if len(f) == 2 and f[1].isdigit():
            st[f[0]] = int(f[1])
    return st


def ctl_ok(*args):
    rc, out = ctl(*args)
    if rc:
        raise RuntimeError("siitctl %s: rc %d: %s" % (" ".join(args), rc, out))
    return out


def nlraw(*args):
    return in_ns("br", "/usr/bin/python3", os.path.join(HERE, "nlraw.py"),
                 *args)


def config():
    """siitctl config as {key: text value}."""
    cfg = {}
    for line in ctl_ok("config").splitlines():
        k, _, v = line.partition(" ")
        cfg[k] = v.strip()
    return cfg


@contextlib.contextmanager
def settings(**kw):
    """Applies settings (underscores in names become dashes) and restores
    the previous values afterwards."""
    keys = [k.replace("_", "-") for k in kw]
    old = config()
    args = []
    for k, v in zip(keys, kw.values()):
        args += [k, str(v)]
    ctl_ok("set", *args)
    try:
        yield
    finally:
        back = []
        for k in keys:
            back += [k, old[k]]
        ctl_ok("set", *back)


@contextlib.contextmanager
def eams(*entries):
    """Adds EAM entries (tuples of siitctl add arguments), removes them
    afterwards."""
    added = []
    try:
        for e in entries:
            ctl_ok("add", *e)
            added.append(e)
        yield
    finally:
        for e in reversed(added):
            ctl("del", e[0])


def brip(*args):
    return run("ip", "-n", "br", *args)


def c6(a):
    """Canonical text of an IPv6 address, as scapy prints it."""
    return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, a))


PREPARED = []


def prepare():
    """Routes the tests need in br (once): everything IPv4 goes to cli,
    everything IPv6 off-link to srv, 2001:db8:99::/64 on-link toward cli
    (row 159), and the hairpin partner's neighbour entry."""
    if PREPARED:
        return
    brip("route", "replace", "default", "via", CLI4, "dev", "b4")
    brip("-6", "route", "replace", "default", "via", SRV6, "dev", "b6")
    brip("-6", "route", "replace", "2001:db8:99::/64", "dev", "b4")
    brip("neigh", "replace", "2001:db8:99::1", "lladdr", C.cli.mac,
         "dev", "b4", "nud", "permanent")
    brip("neigh", "replace", SRV8_6, "lladdr", C.srv.mac, "dev", "b6",
         "nud", "permanent")
    PREPARED.append(True)


def unprepare():
    if not PREPARED:
        return
    for cmd in (("route", "del", "default", "via", CLI4),
                ("-6", "route", "del", "default", "via", SRV6),
                ("-6", "route", "del", "2001:db8:99::/64", "dev", "b4"),
                ("neigh", "del", "2001:db8:99::1", "dev", "b4"),
                ("neigh", "del", SRV8_6, "dev", "b6")):
        subprocess.run(("ip", "-n", "br") + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def l3of(p):
    return p[IPv6] if p.type == 0x86dd else p[IP]


def counters_check(before, after, want, exact=False):
    errs = []
    for k, v in want.items():
        if k not in after:
            errs.append("counter %s not in siitctl stats" % k)
            continue
        d = after[k] - before.get(k, 0)
        if isinstance(v, tuple):        # (">=", n): background may add
            if d < v[1]:
                errs.append("counter %s: expected >= %+d, got %+d" % (k, v[1], d))
        elif d != v:
            errs.append("counter %s: expected %+d, got %+d" % (k, v, d))
    changed = {k: after[k] - before.get(k, 0) for k in after
               if after[k] != before.get(k, 0)}
    # Untouched background traffic (link-local IPv6, ND) may pass meanwhile.
    background = {"pass_4", "pass_6"}
    if exact and set(changed) - set(want) - background:
        errs.append("other counters changed: %s" %
                    {k: v for k, v in changed.items()
                     if k not in want and k not in background})
    if errs:
        errs.append("counters changed: %s" % changed)
    return errs


def xl(name, inject, cap, send, expected, match, csums=(), ignore=(),
       count=None, counters=None, extra=None, report=True):
    """Like pktlib.xlat_test, with an explicit capture port (hairpinned
    packets come back on the side they came from) and counter deltas.
    `expected` is one packet for all, or one per captured packet.
    Returns (errors, captured L3 packets)."""
    sends = send if isinstance(send, list) else [send]
    exps = expected if isinstance(expected, list) else [expected] * len(sends)
    n = count if count is not None else len(exps)
    errs = []
    for port in (C.cli, C.srv):
        port.drain()
    before = stats() if counters else None
    for s in sends:
        inject.send(s)
    got, others = wait_for(cap, match, count=n)
    pkts = [l3of(g) for g in got]
    if len(got) < n:
        errs.append("input:    %s" % sends[0].summary())
        errs.append("expected %d packet(s) on %s: %s" %
                    (n, cap.name, exps[min(len(got), len(exps) - 1)].summary()))
        errs.append("got %d matching (%d other frames%s)" %
                    (len(got), len(others),
                     ": " + "; ".join(o.summary() for o in others[:3])
                     if others else ""))
    for i, g in enumerate(pkts):
        e = exps[min(i, len(exps) - 1)]
        d = compare(e, g, ignore)
        for c, f in csums:
            d += verify_csum(g, c, f)
        if d:
            errs.append("packet %d: input   %s" % (i + 1, sends[min(i, len(sends) - 1)].summary()))
            errs.append("packet %d: expected %s" % (i + 1, e.summary()))
            errs.append("packet %d: got      %s" % (i + 1, g.summary()))
            errs += d
    if counters:
        time.sleep(0.05)
        errs += counters_check(before, stats(), counters)
    if extra:
        errs += extra(pkts)
    if report:
        result(name, errs)
    return errs, pkts


def nothing(name, inject, send, watch, counters=None, exact=False,
            report=True, wait=0.5):
    """Sends; expects nothing matching watch(port, pkt) on either port and
    the given counter deltas."""
    errs = []
    sends = send if isinstance(send, list) else [send]
    for port in (C.cli, C.srv):
        port.drain()
    before = stats()
    for s in sends:
        inject.send(s)
    end = time.monotonic() + wait
    seen = []
    while time.monotonic() < end:
        for port in (C.cli, C.srv):
            for f in port.recv_frames(0.02):
                p = Ether(f)
                if watch(port, p):
                    seen.append((port, p))
    if seen:
        errs.append("input: %s" % sends[0].summary())
        errs.append("expected nothing; got %d, first on %s: %s" %
                    (len(seen), seen[0][0].name, seen[0][1].summary()))
    errs += counters_check(before, stats(), counters or {}, exact)
    if report:
        result(name, errs)
    return errs


def udp_dport(port):
    return lambda p: p.haslayer(UDP) and p[UDP].dport == port and \
        not p.haslayer(IPerror) and not p.haslayer(ICMPv6DestUnreach)


def v6(src, dst, dport, hlim=64, body=PAYLOAD):
    return IPv6(src=src, dst=dst, hlim=hlim, tc=0, fl=0) / \
        UDP(sport=5000, dport=dport) / body


def v4(src, dst, dport, ttl=64, body=PAYLOAD):
    return IP(src=src, dst=dst, ttl=ttl, id=0x1234, flags=0) / \
        UDP(sport=5000, dport=dport) / body


def exp6(src, dst, dport, hlim=63, body=PAYLOAD):
    return IPv6(src=src, dst=dst, hlim=hlim, tc=0, fl=0, nh=17) / \
        UDP(sport=5000, dport=dport) / body


def exp4(src, dst, dport, ttl=63, body=PAYLOAD):
    return IP(src=src, dst=dst, ttl=ttl, tos=0, flags=0, frag=0, ihl=5,
              proto=17) / UDP(sport=5000, dport=dport) / body


CS6 = [(UDP, "chksum")]
CS4 = [(IP, "chksum"), (UDP, "chksum")]


def go46(name, src4, dst4, dport, src6, dst6, counters=None, **kw):
    """4->6 from cli, expected out on s0."""
    return xl(name, C.cli, C.srv, v4(src4, dst4, dport),
              exp6(src6, dst6, dport), udp_dport(dport), CS6,
              counters=counters, **kw)


def go64(name, src6, dst6, dport, src4, dst4, counters=None, **kw):
    """6->4 from srv, expected out on c0 (kernel-chosen ID ignored)."""
    return xl(name, C.srv, C.cli, v6(src6, dst6, dport),
              exp4(src4, dst4, dport), udp_dport(dport), CS4,
              ignore=IGN_ID, counters=counters, **kw)


def out_dport(dport):
    return lambda port, p: (p.haslayer(UDP) and p[UDP].dport == dport and
                            not p.haslayer(IPerror) and
                            not p.haslayer(ICMPv6DestUnreach))


# --------------------------------------------------------------------------
# O. RFC 6052

# (pool6, 192.0.2.1 embedded), written out from the RFC 6052 2.2 figure:
# /32 bits 32-63; /40 bits 40-63 + 72-79; /48 48-63 + 72-87; /56 56-63 +
# 72-95; /64 72-103; /96 96-127.  Bits 64-71 (u) stay zero.
POOLS = [
    ("3fff:100::/32", "3fff:100:c000:201::"),
    ("3fff:200::/40", "3fff:200:c0:2:1::"),
    ("3fff:300::/48", "3fff:300:0:c000:2:100::"),
    ("3fff:400:0:100::/56", "3fff:400:0:1c0:0:201::"),
    ("2001:db8:64::/64", "2001:db8:64:0:c0:2:100:0"),
    ("2001:db8:46::/96", "2001:db8:46::c000:201"),
]


def t_row131_pool6_lengths():
    prepare()
    errs = []
    before = config()["pool6"]
    for bad in ("2001:db8:46::/95", "2001:db8::/33", "2001:db8:46::/60",
                "2001:db8:46::/97", "2001:db8:46::/128", "::/0",
                "2001:db8::/24"):
        rc, out = ctl("set", "pool6", bad)
        if rc == 0:
            errs.append("siitctl set pool6 %s: accepted (expected refused)" % bad)
    # The kernel refuses them too (nlraw validates nothing).
    for plen in (33, 60):
        rc, out = nlraw("config_set",
                        "config{pool6_addr=ip6:2001:db8::,pool6_len=u8:%d}" % plen)
        if rc == 0 or "error" not in out:
            errs.append("kernel accepted pool6 2001:db8::/%d: %s" % (plen, out))
    if config()["pool6"] != before:
        errs.append("pool6 changed by refused requests: %s -> %s" %
                    (before, config()["pool6"]))
    try:
        for pfx, _ in POOLS:
            rc, out = ctl("set", "pool6", pfx)
            if rc or config()["pool6"] != pfx:
                errs.append("pool6 %s: rc %d, config shows %s: %s" %
                            (pfx, rc, config()["pool6"], out))
    finally:
        ctl_ok("set", "pool6", before)
    result("row131-pool6-only-32-40-48-56-64-96", errs)


def t_row132_compose():
    prepare()
    try:
        for i, (pfx, cli6) in enumerate(POOLS):
            ctl_ok("set", "pool6", pfx)
            n = pfx.split("/")[1]
            go46("row132-pool6-len%s-compose-4to6" % n, CLI4, SRV4,
                 13200 + i, cli6, SRV6)
            go64("row132-pool6-len%s-extract-6to4" % n, SRV6, cli6,
                 13210 + i, SRV4, CLI4)
    finally:
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


def t_row132_u_octet_prefix_refused():
    errs = []
    rc, out = ctl("set", "pool6", "2001:db8:0:0:ff00::/96")
    if rc == 0:
        errs.append("pool6 2001:db8:0:0:ff00::/96 (u octet set) accepted")
    rc, out = nlraw("config_set",
                    "config{pool6_addr=ip6:2001:db8:0:0:100::,pool6_len=u8:96}")
    if rc == 0:
        errs.append("kernel accepted pool6 2001:db8:0:0:100::/96")
    if config()["pool6"] != POOL6_PFX + "/96":
        errs.append("pool6 changed: %s" % config()["pool6"])
    result("row132-pool6-96-with-u-octet-refused", errs)


def t_row133_suffix_ignored():
    prepare()
    try:
        ctl_ok("set", "pool6", "2001:db8:64::/64")
        # bits 104-127 (bytes 13-15) non-zero
        go64("row133-suffix-bits-ignored-64", SRV6,
             "2001:db8:64:0:c0:2:1ab:cdef", 13301, SRV4, CLI4)
        ctl_ok("set", "pool6", "3fff:200::/40")
        # /40: the suffix is bytes 10-15
        go64("row133-suffix-bits-ignored-40", SRV6,
             "3fff:200:c0:2:1:ffff:ffff:ffff", 13302, SRV4, CLI4)
    finally:
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


def t_row134_u_octet_ignored():
    prepare()
    try:
        ctl_ok("set", "pool6", "2001:db8:64::/64")
        go64("row134-u-octet-nonzero-ignored-64", SRV6,
             "2001:db8:64:0:ffc0:2:100:0", 13401, SRV4, CLI4)
        ctl_ok("set", "pool6", "3fff:200::/40")
        go64("row134-u-octet-nonzero-ignored-40", SRV6,
             "3fff:200:c0:2:ff01::", 13402, SRV4, CLI4)
    finally:
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


WKP = "64:ff9b::/96"


def t_row135_wkp_nonglobal():
    prepare()
    try:
        ctl_ok("set", "pool6", WKP)
        # 4->6: source 192.0.2.1 (TEST-NET-1) would be 64:ff9b::c000:201
        nothing("row135-wkp-nonglobal-src-4to6-dropped", C.cli,
                v4(CLI4, SRV4, 13501), lambda port, p: out_dport(13501)(port, p),
                {"drop_wkp_nonglobal": 1, "xlat_4to6": 0})
        # 6->4: destination 64:ff9b::c000:201
        nothing("row135-wkp-nonglobal-dst-6to4-dropped", C.srv,
                v6(SRV6, "64:ff9b::c000:201", 13502),
                lambda port, p: out_dport(13502)(port, p),
                {"drop_wkp_nonglobal": 1, "xlat_6to4": 0})
        # 6->4: source 64:ff9b::a00:1 (10.0.0.1) to a global destination
        nothing("row135-wkp-nonglobal-src-6to4-dropped", C.srv,
                v6("64:ff9b::a00:1", "64:ff9b::101:101", 13503),
                lambda port, p: out_dport(13503)(port, p),
                {"drop_wkp_nonglobal": 1, "xlat_6to4": 0})
        # Global addresses translate: 1.1.1.1 <-> 64:ff9b::101:101
        go46("row135-wkp-global-src-4to6-translated", "1.1.1.1", SRV4,
             13504, "64:ff9b::101:101", SRV6, counters={"xlat_4to6": 1})
        go64("row135-wkp-global-dst-6to4-translated", SRV6,
             "64:ff9b::101:101", 13505, SRV4, "1.1.1.1",
             counters={"xlat_6to4": 1})
        # An EAM'd source is not represented with the WKP: no reason to drop.
        with eams((SRV8_4, SRV8_6)):
            go46("row135-wkp-eam-source-not-wkp-translated", SRV8_4, SRV4,
                 13506, SRV8_6, SRV6, counters={"xlat_4to6": 1})
        # An ICMPv6 error toward a WKP + non-global address (outer dst
        # 64:ff9b::c000:201, inner src the same) must not be translated.
        inner = v6("64:ff9b::c000:201", SRV6, 13507, hlim=63)
        err = IPv6(src=ROUTER6, dst="64:ff9b::c000:201", hlim=64) / \
            ICMPv6DestUnreach(code=0) / inner
        with settings(pool6791v4="198.51.100.192/28"):
            nothing("row135-wkp-nonglobal-icmp-error-6to4-dropped", C.srv,
                    err, lambda port, p: port is C.cli and p.haslayer(IPerror),
                    {"xlat_icmp_err_6to4": 0})
    finally:
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


def t_row136_local_use_wkp():
    prepare()
    try:
        # RFC 8215 local-use prefix: 192.0.2.1 may be represented.
        ctl_ok("set", "pool6", "64:ff9b:1::/48")
        go46("row136-local-use-64-ff9b-1-48-nonglobal-translated-4to6",
             CLI4, SRV4, 13601, "64:ff9b:1:c000:2:100::", SRV6,
             counters={"xlat_4to6": 1, "drop_wkp_nonglobal": 0})
        ctl_ok("set", "pool6", "64:ff9b:1::/96")
        go64("row136-local-use-64-ff9b-1-96-nonglobal-translated-6to4",
             SRV6, "64:ff9b:1::c000:201", 13602, SRV4, CLI4,
             counters={"xlat_6to4": 1, "drop_wkp_nonglobal": 0})
    finally:
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


def t_row138_wkp_csum_neutral():
    prepare()
    tcp = TCP(sport=40138, dport=443, flags="S", seq=0x01380138, window=1000)
    try:
        ctl_ok("set", "pool6", WKP)
        with eams(("8.8.4.4", "64:ff9b::808:404")):
            p = IP(src="1.1.1.1", dst="8.8.4.4", ttl=64, id=7, flags="DF") / tcp
            csum4 = IP(bytes(p))[TCP].chksum
            e = IPv6(src="64:ff9b::101:101", dst="64:ff9b::808:404",
                     hlim=63, nh=6, tc=0, fl=0) / TCP(bytes(IP(bytes(p))[TCP]))
            e[TCP].chksum = csum4      # neutral: the very same checksum
            xl("row138-wkp-checksum-neutral-4to6-tcp-csum-unchanged", C.cli,
               C.srv, p, e, lambda q: q.haslayer(TCP) and
               q[TCP].sport == 40138, [(TCP, "chksum")])
            q6 = IPv6(src="64:ff9b::808:404", dst="64:ff9b::101:101",
                      hlim=64) / TCP(sport=443, dport=40138, flags="SA",
                                     seq=5, ack=0x01380139, window=1000)
            csum6 = IPv6(bytes(q6))[TCP].chksum
            e4 = IP(src="8.8.4.4", dst="1.1.1.1", ttl=63, flags=0, ihl=5,
                    proto=6) / TCP(bytes(IPv6(bytes(q6))[TCP]))
            e4[TCP].chksum = csum6
            xl("row138-wkp-checksum-neutral-6to4-tcp-csum-unchanged", C.srv,
               C.cli, q6, e4, lambda q: q.haslayer(TCP) and
               q[TCP].dport == 40138, [(IP, "chksum"), (TCP, "chksum")],
               ignore=IGN_ID)
    finally:
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


# --------------------------------------------------------------------------
# P. RFC 7757 EAM

E29 = ("203.0.113.8/29", "2001:db8:cccc::/125")
E26 = ("203.0.113.64/26", "2001:db8:dddd::/64")
E31 = ("203.0.113.32/31", "2001:db8:eeee::/127")


def t_row139_eam_bidirectional_inner():
    prepare()
    with eams(E29):
        # Outer source, inner destination and inner source all map through
        # the same /29 entry: router ::2 is .10, server ::1 is .9.
        inner = IPv6(src=CLI6, dst="2001:db8:cccc::1", hlim=61) / \
            UDP(sport=40139, dport=13901) / PAYLOAD
        err = IPv6(src="2001:db8:cccc::2", dst=CLI6, hlim=64) / \
            ICMPv6DestUnreach(code=4) / inner
        in4 = IP(src=CLI4, dst="203.0.113.9", ttl=61, id=0, flags=0) / \
            UDP(sport=40139, dport=13901) / PAYLOAD
        e = IP(src="203.0.113.10", dst=CLI4, ttl=63, tos=0, flags=0,
               proto=1) / ICMP(type=3, code=3) / Raw(bytes(in4))
        xl("row139-eam-applies-to-icmp-error-outer-and-inner", C.srv, C.cli,
           err, e, lambda q: q.haslayer(IPerror) and
           q[UDPerror].dport == 13901, [(IP, "chksum"), (ICMP, "chksum")],
           ignore=IGN_ID, counters={"xlat_icmp_err_6to4": 1})


def eam_keys():
    """The table's entries as (IPv4 prefix, IPv6 prefix) pairs: the other
    columns of siitctl show (counters, idle time) change on their own."""
    return sorted(tuple(line.split()[:2])
                  for line in ctl_ok("show").splitlines()[1:] if line.strip())


def t_row140_suffix_lengths():
    prepare()
    errs = []
    before = eam_keys()
    rc, out = ctl("add", "203.0.113.0/24", "2001:db8:ffff::/121")
    if rc == 0:
        errs.append("/24 <-> /121 (IPv6 suffix 7 < IPv4 suffix 8) accepted")
        ctl("del", "203.0.113.0/24")
    rc2, out2 = nlraw("eam_add", "eam{v4_addr=ip4:203.0.113.0,v4_len=u8:24,"
                      "v6_addr=ip6:2001:db8:ffff::,v6_len=u8:121}")
    if rc2 == 0:
        errs.append("kernel accepted /24 <-> /121: %s" % out2)
        ctl("del", "203.0.113.0/24")
    if eam_keys() != before:
        errs.append("EAM table changed by refused adds")
    for p6 in ("2001:db8:ffff::/120", "2001:db8:ffff::/100"):
        rc, out = ctl("add", "203.0.113.0/24", p6)
        if rc:
            errs.append("/24 <-> %s refused: %s" % (p6, out))
        ctl("del", "203.0.113.0/24")
    result("row140-ipv6-suffix-must-be-ge-ipv4-suffix", errs)


def t_row141_bit_placement():
    prepare()
    with eams(E29):
        go46("row141-eam-29-125-maps-.9-to-::1-4to6", CLI4, "203.0.113.9",
             14101, CLI6, "2001:db8:cccc::1")
        go64("row141-eam-125-29-maps-::6-to-.14-6to4", "2001:db8:cccc::6",
             CLI6, 14102, "203.0.113.14", CLI4)
    # /29 <-> /100: the 3 suffix bits are bits 100-102 (.13 = 101b -> 0xa00..)
    with eams(("203.0.113.8/29", "2001:db8:cccc::/100")):
        go46("row141-eam-29-100-suffix-right-after-prefix-4to6", CLI4,
             "203.0.113.13", 14103, CLI6, "2001:db8:cccc::a00:0")


def t_row142_many_to_one():
    prepare()
    with eams(E26):
        # /26 <-> /64: 6 suffix bits at bits 64-69; the 58 bits after them
        # are ignored.  .69 = suffix 5 = 000101b -> byte 8 = 0x14.
        go46("row142-eam-26-64-suffix-4to6", CLI4, "203.0.113.69", 14201,
             CLI6, "2001:db8:dddd:0:1400::")
        go64("row142-trailing-bits-ignored-6to4-a", "2001:db8:dddd:0:1400::ffff",
             CLI6, 14202, "203.0.113.69", CLI4)
        go64("row142-trailing-bits-ignored-6to4-b",
             "2001:db8:dddd:0:17ff:ffff:ffff:ffff", CLI6, 14203,
             "203.0.113.69", CLI4)


def t_row143_eam_before_pool6():
    prepare()
    # 4->6 source with an EAM entry (not hairpinned): EAM, not pool6.
    with eams(E29):
        go46("row143-eam-before-pool6-4to6-source", "203.0.113.9", SRV4,
             14301, "2001:db8:cccc::1", SRV6)
    # 6->4 source inside pool6 with an EAM entry of its own: EAM wins
    # (pool6 would give 192.0.2.153).
    with eams(("203.0.113.77", "2001:db8:46::c000:299")):
        go64("row143-eam-before-pool6-6to4-source", "2001:db8:46::c000:299",
             CLI6, 14302, "203.0.113.77", CLI4)
    # No EAM entry: pool6.
    go64("row143-no-eam-falls-back-to-pool6-6to4-source",
         "2001:db8:46::c000:299", CLI6, 14303, "192.0.2.153", CLI4)


def t_row144_odd_lengths():
    prepare()
    with eams(E31):
        go46("row144-eam-31-127-.33-to-::1-4to6", CLI4, "203.0.113.33",
             14401, CLI6, "2001:db8:eeee::1")
        go64("row144-eam-127-31-::0-to-.32-6to4", "2001:db8:eeee::",
             CLI6, 14402, "203.0.113.32", CLI4)
    with eams(E26):
        go46("row144-eam-26-64-.127-4to6", CLI4, "203.0.113.127", 14403,
             CLI6, "2001:db8:dddd:0:fc00::")


def t_row145_overlaps():
    prepare()
    E1 = ("203.0.113.128/25", "2001:db8:aaaa::/121")
    errs = []
    with eams(E1):
        rc, out = ctl("add", "203.0.113.137", "2001:db8:bbbb::9")
        if rc == 0:
            errs.append("IPv4 overlap accepted without force")
            ctl("del", "203.0.113.137")
        rc, out = ctl("add", "198.51.100.200", "2001:db8:aaaa::20")
        if rc == 0:
            errs.append("IPv6 overlap accepted without force")
            ctl("del", "198.51.100.200")
        result("row145-overlap-refused-without-force", errs)
        with eams(("203.0.113.137", "2001:db8:bbbb::9", "force"),
                  ("198.51.100.200", "2001:db8:aaaa::20", "force")):
            # IPv4 LPM: .137 -> the /32; .138 -> the /25.
            go46("row145-lpm-4to6-longest-v4", CLI4, "203.0.113.137", 14501,
                 CLI6, "2001:db8:bbbb::9")
            go46("row145-lpm-4to6-shorter-v4", CLI4, "203.0.113.138", 14502,
                 CLI6, "2001:db8:aaaa::a")
            # IPv6 LPM: ::20 -> the /128; ::9 -> the /121.
            go64("row145-lpm-6to4-longest-v6", "2001:db8:aaaa::20", CLI6,
                 14503, "198.51.100.200", CLI4)
            # Asymmetry: ::9 -> .137, but .137 -> 2001:db8:bbbb::9.
            go64("row145-asymmetric-6to4-aaaa-9-to-.137", "2001:db8:aaaa::9",
                 CLI6, 14504, "203.0.113.137", CLI4)
            # and .160 -> 2001:db8:aaaa::20, whose reply maps to .200.
            go46("row145-asymmetric-4to6-.160-to-aaaa-20", CLI4,
                 "203.0.113.160", 14505, CLI6, "2001:db8:aaaa::20")


HP_DST6 = "2001:db8:46::c633:6408"     # 198.51.100.8 in pool6
SRV_POOL6 = "2001:db8:46::c633:6407"   # 198.51.100.7 in pool6


def hairpin(name, want_src, counters=None):
    return xl(name, C.srv, C.srv, v6(SRV6, HP_DST6, 14600),
              exp6(want_src, SRV8_6, 14600), lambda q: q.haslayer(IPv6) and
              q[IPv6].dst == SRV8_6 and udp_dport(14600)(q), CS6,
              counters=counters)


def t_row146_hairpin():
    prepare()
    with eams((SRV8_4, SRV8_6)):
        with settings(hairpin="intrinsic"):
            hairpin("row146-hairpin-intrinsic-source-rfc6052", SRV_POOL6,
                    {"xlat_6to4": 1, "xlat_4to6": 1})
            # Not hairpinned (arrived as IPv4): EAM for the source.
            go46("row147-intrinsic-ipv4-side-eam-source", SRV8_4, SRV4,
                 14701, SRV8_6, SRV6)
        with settings(hairpin="simple"):
            hairpin("row147-hairpin-simple-source-rfc6052", SRV_POOL6)
            # Simple never uses EAM for a 4->6 source.
            go46("row147-simple-ipv4-side-source-pool6", SRV8_4, SRV4,
                 14702, "2001:db8:46::c633:6408", SRV6)
        with settings(hairpin="off"):
            # Asymmetric on purpose: B answers A directly.
            hairpin("row147-hairpin-off-source-eam", SRV6)


def t_row148_hairpin_once():
    prepare()
    # .9's IPv6 side lies inside pool6 (it is .8's pool6 form): a packet to
    # .9 hairpins once and leaves toward 2001:db8:46::c633:6408 untranslated;
    # it is never translated a second time inside the BR.
    with eams((SRV8_4, SRV8_6), ("198.51.100.9", HP_DST6)):
        xl("row148-hairpin-at-most-once", C.srv, C.srv,
           v6(SRV6, "2001:db8:46::c633:6409", 14801),
           exp6(SRV_POOL6, HP_DST6, 14801), lambda q: q.haslayer(IPv6) and
           udp_dport(14801)(q), CS6,
           counters={"xlat_6to4": 1, "xlat_4to6": 1, "drop_hairpin_loop": 0})


# --------------------------------------------------------------------------
# Q. RFC 6791

def err6(hlim=64, dport=15000, router=ROUTER6):
    inner = IPv6(src=CLI6, dst=SRV6, hlim=62, tc=0, fl=0) / \
        UDP(sport=40150, dport=dport) / PAYLOAD
    return IPv6(src=router, dst=CLI6, hlim=hlim, tc=0, fl=0) / \
        ICMPv6TimeExceeded(code=0) / inner


def exp_err4(src, hlim=64, dport=15000):
    in4 = IP(src=CLI4, dst=SRV4, ttl=62, id=0, flags=0, tos=0) / \
        UDP(sport=40150, dport=dport) / PAYLOAD
    return IP(src=src, dst=CLI4, ttl=hlim - 1, tos=0, flags=0, proto=1) / \
        ICMP(type=11, code=0) / Raw(bytes(in4))


def is_err4(dport):
    return lambda q: (q.haslayer(IP) and q.haslayer(IPerror) and
                      q[IP].dst == CLI4 and q.haslayer(UDPerror) and
                      q[UDPerror].dport == dport)


ICS4 = [(IP, "chksum"), (ICMP, "chksum")]


def in_pool(pfx):
    import ipaddress
    net = ipaddress.ip_network(pfx)
    return lambda a: ipaddress.ip_address(a) in net


def t_row150_pool6791():
    prepare()
    with settings(pool6791v4="198.51.100.192/28", random_6791="on"):
        n = 8
        sends = [err6(dport=15001) for _ in range(n)]

        def extra(pkts):
            srcs = sorted({p[IP].src for p in pkts})
            errs = ["source %s not in 198.51.100.192/28" % s for s in srcs
                    if not in_pool("198.51.100.192/28")(s)]
            if len(srcs) < 2:
                errs.append("row 152/153: %d errors all from %s (expected a "
                            "random spread)" % (len(pkts), srcs))
            return errs
        xl("row150-152-unmapped-router-source-from-pool6791v4-random",
           C.srv, C.cli, sends, exp_err4("0.0.0.0", dport=15001),
           is_err4(15001), ICS4, ignore=IGN_ID + ("IP.src", "ICMP.chksum"),
           extra=extra, counters={"xlat_icmp_err_6to4": n})
    # A one-address pool: always that address.
    with settings(pool6791v4="198.51.100.200/32", random_6791="on"):
        xl("row150-pool6791v4-single-address-32", C.srv, C.cli,
           [err6(dport=15002) for _ in range(4)],
           exp_err4("198.51.100.200", dport=15002), is_err4(15002), ICS4,
           ignore=IGN_ID)


def t_row152_by_hop_limit():
    prepare()
    with settings(pool6791v4="198.51.100.192/28", random_6791="off"):
        # Deterministic: the hop-limit-th address of the pool (hop limit
        # mod 16): 64 -> .192, 61 -> .205, 50 -> .194; each sent twice.
        cases = [(64, "198.51.100.192"), (61, "198.51.100.205"),
                 (50, "198.51.100.194")]
        for i, (h, src) in enumerate(cases):
            xl("row152-random-6791-off-hlim%d-gives-%s" % (h, src), C.srv,
               C.cli, [err6(hlim=h, dport=15200 + i)] * 2,
               exp_err4(src, hlim=h, dport=15200 + i), is_err4(15200 + i),
               ICS4, ignore=IGN_ID)


def t_row155_no_pool():
    prepare()
    with settings(pool6791v4="none"):
        xl("row155-no-pool6791v4-br-own-ipv4-address", C.srv, C.cli,
           err6(dport=15501), exp_err4(BR4, dport=15501), is_err4(15501),
           ICS4, ignore=IGN_ID,
           counters={"xlat_icmp_err_6to4": 1, "drop_no_route": 0})


def t_row155_pool6791v6():
    """ICMPv4 error from an IPv4 router that cannot be mapped (no pool6):
    its IPv6 source is the pool6791v6 address."""
    prepare()
    cli_eam6 = "2001:db8:c11::1"
    inner4 = IP(src=SRV4, dst=CLI4, ttl=62, id=0x4242, flags=0) / \
        UDP(sport=40155, dport=15502) / PAYLOAD
    err = IP(src="192.0.2.77", dst=SRV4, ttl=64, id=9) / \
        ICMP(type=3, code=1) / inner4
    in6 = IPv6(src=SRV6, dst=cli_eam6, hlim=62, tc=0, fl=0, nh=17) / \
        UDP(sport=40155, dport=15502) / PAYLOAD
    e = IPv6(src="2001:db8:6791::1", dst=SRV6, hlim=63, tc=0, fl=0,
             nh=58) / ICMPv6DestUnreach(code=0) / Raw(bytes(in6))
    with eams((CLI4, cli_eam6)), \
            settings(pool6="none", pool6791v6="2001:db8:6791::1/128"):
        xl("row155-unmappable-ipv4-router-source-from-pool6791v6", C.cli,
           C.srv, err, e, lambda q: q.haslayer(ICMPv6DestUnreach) and
           q[IPv6].dst == SRV6, [(ICMPv6DestUnreach, "cksum")],
           counters={"xlat_icmp_err_4to6": 1})
    if config()["pool6"] != POOL6_PFX + "/96":
        ctl_ok("set", "pool6", POOL6_PFX + "/96")


def t_row156_only_outer_error_source():
    prepare()
    with settings(pool6791v4="198.51.100.192/28"):
        # A non-error packet from an unmapped source: not given a pool
        # address, dropped with 1/5.
        nothing("row156-non-error-unmapped-source-not-from-pool", C.srv,
                v6("2001:db8:77::156", CLI6, 15601),
                lambda port, p: port is C.cli and p.haslayer(IP),
                {"drop_src_unmapped": 1, "xlat_6to4": 0})
        # An error whose inner packet has an unmapped address: the pool is
        # for the outer source only, so the error is dropped.
        inner = IPv6(src=CLI6, dst="2001:db8:77::157", hlim=62) / \
            UDP(sport=40156, dport=15602) / PAYLOAD
        err = IPv6(src=ROUTER6, dst=CLI6, hlim=64) / \
            ICMPv6TimeExceeded(code=0) / inner
        nothing("row156-inner-unmapped-address-not-from-pool", C.srv, err,
                lambda port, p: port is C.cli and p.haslayer(IP),
                {"drop_icmp_err_inner": 1, "xlat_icmp_err_6to4": 0})


# --------------------------------------------------------------------------
# R. 158, 159

B2 = "confo-br2"


def br2_up():
    """A second BR instance, same configuration, its own links: cli/c1 and
    srv/s1."""
    def batch(ns, lines):
        p = subprocess.run(["ip", "-n", ns, "-b", "-"], input=lines,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if p.returncode:
            raise RuntimeError("ip -n %s -b: %s" % (ns, p.stdout))
    run("ip", "netns", "add", B2)
    rc, out = in_ns(B2, "sysctl", "-qw",
                    "net.ipv6.conf.default.accept_dad=0",
                    "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
    run("ip", "link", "add", "name", "c1", "netns", "cli", "type", "veth",
        "peer", "name", "b4", "netns", B2)
    run("ip", "link", "add", "name", "s1", "netns", "srv", "type", "veth",
        "peer", "name", "b6", "netns", B2)
    c1, s1 = mac_of("cli", "c1"), mac_of("srv", "s1")
    batch(B2, "link set dev lo up\n"
              "addr add %s/24 dev b4\nlink set dev b4 up\n"
              "link set dev b6 mtu 1520 up\naddr add %s/64 dev b6 nodad\n"
              "neigh replace %s lladdr %s dev b4 nud permanent\n"
              "neigh replace %s lladdr %s dev b6 nud permanent\n"
              % (BR4, BR6, CLI4, c1, SRV6, s1))
    run("ip", "-n", "cli", "link", "set", "dev", "c1", "up")
    run("ip", "-n", "srv", "link", "set", "dev", "s1", "mtu", "1520", "up")
    b4, b6 = mac_of(B2, "b4"), mac_of(B2, "b6")
    cfg = config()
    args = []
    for k in ("pool6", "pool6791v4", "random-6791", "hairpin"):
        args += [k, cfg[k]]
    for cmd in (["set"] + args, ["add", SRV4, SRV6]):
        rc, out = in_ns(B2, SIITCTL, *cmd)
        if rc:
            raise RuntimeError("siitctl in %s: %s" % (B2, out))
    return Port("cli", "c1", c1, b4), Port("srv", "s1", s1, b6)


def mask_id(b):
    """IPv4 bytes with the ID and header checksum zeroed."""
    b = bytearray(b)
    if b[0] >> 4 == 4:
        b[4:6] = b"\0\0"
        b[10:12] = b"\0\0"
    return bytes(b)


def t_row158_two_instances():
    prepare()
    with settings(pool6791v4="198.51.100.192/28", random_6791="off"):
        try:
            c1, s1 = br2_up()
            time.sleep(0.2)
            big = b"B" * 1400
            cases = [
                ("row158-two-brs-identical-4to6", C.cli, c1, C.srv, s1,
                 v4(CLI4, SRV4, 15801), udp_dport(15801), False),
                ("row158-two-brs-identical-6to4-df1", C.srv, s1, C.cli, c1,
                 v6(SRV6, CLI6, 15802, body=big), udp_dport(15802), False),
                ("row158-two-brs-identical-6to4-df0-except-ip-id", C.srv, s1,
                 C.cli, c1, v6(SRV6, CLI6, 15803), udp_dport(15803), True),
                ("row158-two-brs-identical-6to4-icmp-error-except-ip-id",
                 C.srv, s1, C.cli, c1, err6(dport=15804), is_err4(15804),
                 True),
            ]
            for name, in1, in2, out1, out2, pkt, match, masked in cases:
                outs = []
                for inj, cap in ((in1, out1), (in2, out2)):
                    for port in (C.cli, C.srv, c1, s1):
                        port.drain()
                    inj.send(pkt)
                    got, _ = wait_for(cap, match)
                    outs.append(bytes(got[0])[14:] if got else None)
                errs = []
                if None in outs:
                    errs.append("no output from %s" %
                                ("br" if outs[0] is None else B2))
                else:
                    a, b = outs
                    if masked:
                        a, b = mask_id(a), mask_id(b)
                    if a != b:
                        errs.append("br:  %s" % fmt(outs[0]))
                        errs.append("br2: %s" % fmt(outs[1]))
                result(name, errs)
        finally:
            subprocess.run(["ip", "netns", "del", B2])


def t_row159_native_ipv6_untouched():
    prepare()
    p = IPv6(src=SRV6, dst="2001:db8:99::1", hlim=64, tc=0x28, fl=0x12345) / \
        UDP(sport=5000, dport=15901) / PAYLOAD
    e = IPv6(bytes(p))
    e.hlim = 63
    xl("row159-native-ipv6-to-non-pool6-untouched", C.srv, C.cli, p, e,
       lambda q: q.haslayer(IPv6) and udp_dport(15901)(q), CS6,
       counters={"pass_6": (">=", 1), "xlat_6to4": 0})


# --------------------------------------------------------------------------
# T. robustness

def snmp():
    rc, out = in_ns("br", "cat", "/proc/net/snmp", "/proc/net/netstat",
                    "/proc/net/snmp6")
    vals, lines = {}, out.splitlines()
    for i, line in enumerate(lines):
        f = line.split()
        if not f:
            continue
        if f[0].endswith(":") and i + 1 < len(lines) and \
                lines[i + 1].split()[0] == f[0] and not f[1].lstrip("-").isdigit():
            for k, v in zip(f[1:], lines[i + 1].split()[1:]):
                vals[f[0][:-1] + "." + k] = int(v)
        elif len(f) == 2 and f[1].lstrip("-").isdigit():
            vals[f[0]] = int(f[1])
    return vals


XLAT_COUNTERS = {"xlat_4to6": 0, "xlat_6to4": 0, "pass_4": 0,
                 "drop_malformed": 0}


def kernel_drop(name, inject, raw, mib):
    """raw bytes the kernel's ip_rcv/ipv6_rcv must drop before the hook:
    nothing out, no translator counter moves, the kernel's MIB counts it."""
    before = snmp()
    errs = nothing(name, inject, raw,
                   lambda port, p: port is not inject and
                   (p.haslayer(IP) or p.haslayer(IPv6)) and
                   p.haslayer(UDP) and p[UDP].dport == 16900,
                   {k: 0 for k in XLAT_COUNTERS}, report=False, wait=0.5)
    d = snmp().get(mib, 0) - before.get(mib, 0)
    if d < 1:
        errs.append("%s: expected +1, got %+d" % (mib, d))
    result(name, errs)


class RawIP(bytes):
    """Bytes that Port.send frames as IPv4 or IPv6 by their version, with
    a summary() for the error messages."""
    def summary(self):
        return "raw %s" % self[:40].hex()


def t_row169_malformed():
    prepare()
    good = bytes(v4(CLI4, SRV4, 16900))
    b = bytearray(good)
    b[10] ^= 0xff                              # header checksum
    kernel_drop("row169-ipv4-bad-header-checksum-dropped", C.cli, RawIP(b),
                "Ip.InHdrErrors")
    b = bytearray(good)
    b[0] = 0x44                                # IHL 4
    kernel_drop("row169-ipv4-ihl4-dropped", C.cli, RawIP(b), "Ip.InHdrErrors")
    p = IP(good)                               # Total Length < IHL*4
    p.len = 16
    p.chksum = None
    kernel_drop("row169-ipv4-total-length-below-ihl-dropped", C.cli,
                RawIP(bytes(p)), "Ip.InHdrErrors")
    p = IP(good)
    p.len = len(good) + 100
    p.chksum = None
    kernel_drop("row169-ipv4-total-length-beyond-data-dropped", C.cli,
                RawIP(bytes(p)), "IpExt.InTruncatedPkts")
    q = IPv6(bytes(v6(SRV6, CLI6, 16900)))
    q.plen = q.plen + 100
    kernel_drop("row169-ipv6-payload-length-beyond-data-dropped", C.srv,
                RawIP(bytes(q)), "Ip6InTruncatedPkts")
    # Payload Length 0 without a Jumbo option: the kernel trims the packet
    # to its 40-byte header; the translator drops it as malformed.
    q = IPv6(bytes(v6(SRV6, CLI6, 16901)))
    q.plen = 0
    nothing("row169-ipv6-payload-length-0-no-jumbo-dropped", C.srv,
            RawIP(bytes(q)), lambda port, p: port is C.cli and p.haslayer(IP),
            {"drop_malformed": 1, "xlat_6to4": 0})
    # Payload Length shorter than the data: the declared length is what
    # is translated (trailing bytes are link padding).
    body = bytes(range(64))
    q = IPv6(src=SRV6, dst=CLI6, hlim=64, nh=253, plen=16) / Raw(body)
    e = IP(src=SRV4, dst=CLI4, ttl=63, tos=0, flags=0, ihl=5, proto=253,
           len=36) / Raw(body[:16])
    xl("row169-ipv6-payload-length-shorter-than-data-uses-header", C.srv,
       C.cli, RawIP(bytes(q)), e, lambda r: r.haslayer(IP) and
       r[IP].proto == 253 and r[IP].src == SRV4, [(IP, "chksum")],
       ignore=IGN_ID)


def t_row170_never_translate():
    prepare()
    for i, a in enumerate(("224.0.0.1", "239.1.2.3", "255.255.255.255",
                           "127.0.0.1", "0.0.0.1", "240.0.0.1")):
        b = [int(x) for x in a.split(".")]
        dst6 = "2001:db8:46::%x:%x" % (b[0] << 8 | b[1], b[2] << 8 | b[3])
        nothing("row170-6to4-dst-%s-dropped" % a, C.srv,
                v6(SRV6, dst6, 17000 + i),
                lambda port, p, d=17000 + i: port is C.cli and
                out_dport(d)(port, p),
                {"drop_dst_illegal": 1, "xlat_6to4": 0})
    # An EAM entry for a multicast IPv4 address must not make multicast
    # translatable: refused at configuration or not translated.
    rc, out = ctl("add", "224.0.0.5", "2001:db8:6::8")
    if rc:
        result("row170-4to6-multicast-ipv4-eam-not-translated", [])
    else:
        try:
            nothing("row170-4to6-multicast-ipv4-eam-not-translated", C.cli,
                    v4(CLI4, "224.0.0.5", 17010),
                    lambda port, p: port is C.srv and out_dport(17010)(port, p),
                    {"xlat_4to6": 0})
        finally:
            ctl("del", "224.0.0.5")
    # The same for an IPv6 multicast EAM side.
    rc, out = ctl("add", "203.0.113.201", "ff0e::1")
    if rc:
        result("row170-4to6-eam-to-ipv6-multicast-not-translated", [])
    else:
        try:
            nothing("row170-4to6-eam-to-ipv6-multicast-not-translated",
                    C.cli, v4(CLI4, "203.0.113.201", 17011),
                    lambda port, p: port is C.srv and out_dport(17011)(port, p),
                    {"xlat_4to6": 0})
        finally:
            ctl("del", "203.0.113.201")


def t_row172_ratelimit():
    prepare()
    src = "2001:db8:77::172"
    n = 5
    with settings(icmp_ratelimit=1):
        for port in (C.cli, C.srv):
            port.drain()
        before = stats()
        for i in range(n):
            C.srv.send(v6(src, CLI6, 17200 + i))
        got, _ = wait_for(C.srv, lambda q: q.haslayer(ICMPv6DestUnreach) and
                          q[IPv6].dst == src, timeout=0.8, count=n)
        errs = []
        if len(got) != 1:
            errs.append("expected exactly 1 ICMPv6 1/5 for %d drops in <1 s, "
                        "got %d" % (n, len(got)))
        errs += counters_check(before, stats(),
                               {"icmp_err_sent": 1,
                                "icmp_err_ratelimited": n - 1,
                                "drop_src_unmapped": n})
        result("row172-icmp-ratelimit-1-per-second", errs)


def t_row173_error_sources():
    prepare()
    src = "2001:db8:77::173"
    p = v6(src, CLI6, 17301)

    def back(q):
        return q.haslayer(ICMPv6DestUnreach) and q[IPv6].dst == src

    def check(q, sent):
        errs = []
        if q[IPv6].src != BR6:
            errs.append("ICMPv6 source: expected %s (BR), got %s" %
                        (BR6, q[IPv6].src))
        ic = q[ICMPv6DestUnreach]
        if (ic.type, ic.code) != (1, 5):
            errs.append("type/code: expected 1/5, got %d/%d" % (ic.type, ic.code))
        errs += verify_csum(q[IPv6], ICMPv6DestUnreach, "cksum")
        if bytes(ic.payload)[:len(sent) - 14] != sent[14:]:
            errs.append("quoted packet differs")
        return errs
    drop_test("row173-6to4-error-from-br-ipv6-address-not-destination",
              C.srv, p, "drop_src_unmapped",
              lambda q: q.haslayer(IP) and q.haslayer(UDP) and
              q[UDP].dport == 17301, reply=(back, check))

    with settings(denylist4="203.0.113.240/28"):
        s4 = "203.0.113.241"
        p4 = v4(s4, SRV4, 17302)

        def back4(q):
            return q.haslayer(ICMP) and q[IP].dst == s4

        def check4(q, sent):
            errs = []
            if q[IP].src != BR4:
                errs.append("ICMP source: expected %s (BR), got %s" %
                            (BR4, q[IP].src))
            if (q[ICMP].type, q[ICMP].code) != (3, 13):
                errs.append("type/code: expected 3/13, got %d/%d" %
                            (q[ICMP].type, q[ICMP].code))
            errs += verify_csum(q[IP], ICMP)
            return errs
        drop_test("row173-4to6-error-from-br-ipv4-address-not-destination",
                  C.cli, p4, "drop_denylist",
                  lambda q: q.haslayer(IPv6) and q.haslayer(UDP) and
                  q[UDP].dport == 17302, reply=(back4, check4))


def t_row174_counters():
    prepare()
    # One drop moves its own reason counter and nothing else.
    nothing("row174-one-drop-one-reason-counter", C.srv,
            v6(SRV6, "2001:db8:46::7f00:1", 17401),
            lambda port, p: port is C.cli and out_dport(17401)(port, p),
            {"drop_dst_illegal": 1}, exact=True)
    errs = []
    st = stats()
    for k in ("xlat_4to6", "xlat_6to4", "pass_4", "pass_6", "drop_malformed",
              "drop_src_unmapped", "drop_dst_illegal", "drop_wkp_nonglobal",
              "drop_hairpin_loop", "drop_icmp_err_inner", "icmp_err_sent",
              "icmp_err_ratelimited", "xlat_icmp_err_6to4",
              "xlat_icmp_err_4to6", "drop_denylist", "drop_too_big"):
        if k not in st:
            errs.append("no counter %s in siitctl stats" % k)
    result("row174-named-counters-present", errs)


TESTS = [
    t_row131_pool6_lengths, t_row132_compose, t_row132_u_octet_prefix_refused,
    t_row133_suffix_ignored, t_row134_u_octet_ignored,
    t_row135_wkp_nonglobal, t_row136_local_use_wkp, t_row138_wkp_csum_neutral,
    t_row139_eam_bidirectional_inner, t_row140_suffix_lengths,
    t_row141_bit_placement, t_row142_many_to_one, t_row143_eam_before_pool6,
    t_row144_odd_lengths, t_row145_overlaps, t_row146_hairpin,
    t_row148_hairpin_once, t_row150_pool6791, t_row152_by_hop_limit,
    t_row155_no_pool, t_row155_pool6791v6, t_row156_only_outer_error_source,
    t_row158_two_instances, t_row159_native_ipv6_untouched,
    t_row169_malformed, t_row170_never_translate, t_row172_ratelimit,
    t_row173_error_sources, t_row174_counters,
]


def timed(fn):
    def w():
        t0 = time.monotonic()
        try:
            fn()
        finally:
            if os.environ.get("CONFO_TIMES"):
                print("# time %s: %.2fs" % (fn.__name__, time.monotonic() - t0))
    w.__name__ = fn.__name__
    return w


if __name__ == "__main__":
    status = run_tests("conf", [timed(t) for t in TESTS])
    unprepare()
    sys.exit(status)
