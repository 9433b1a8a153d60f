# SPDX-License-Identifier: GPL-2.0
"""
Shared machinery of the packet-level tests (pkt.py, conf_*.py): packet
sockets in the guest's namespaces, injection and capture, field-by-field
comparison, drop tests with counters.

Packet-level tests of the BR translator, run in the qemu guest after lib.sh's
topo_up (see pkt.sh).  Crafted frames are injected with AF_PACKET on c0 (ns
cli) or s0 (ns srv) and the translator's output is captured on the other
side.  Every expected packet is built here with scapy from the input's fields
and the RFC 7915 rules, then compared field by field with what was captured;
checksums of the captured packet are also verified by letting scapy recompute
them.

The end hosts are turned into pure injectors/capturers: their global
addresses are flushed (so their kernels never answer with RSTs, echo replies
or ICMP errors that would reach the BR and disturb the counters) and the BR's
neighbours are pinned, so no ARP/ND happens.

Output: TAP-like, one "ok pkt: NAME" / "not ok pkt: NAME" per test, details
"#"-prefixed, "# pkt: N passed, M failed" at the end; exit 1 on any failure.

Run with /usr/bin/python3 (Debian's python3-scapy).
"""

import ctypes
import json
import os
import select
import socket
import subprocess
import struct
import sys
import time
import traceback

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (Ether, IP, IPv6, TCP, UDP, ICMP, Raw,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6TimeExceeded,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrRouting, IPOption_NOP, IPOption_RR,
                       NoPayload, conf)

conf.verb = 0

SIITCTL = os.environ.get("SIITCTL", "siitctl")

POOL6_PFX = "2001:db8:46::"
CLI4 = "192.0.2.1"
BR4 = "192.0.2.254"
SRV6 = "2001:db8:6::7"
BR6 = "2001:db8:6::1"
SRV4 = "198.51.100.7"
CLI6 = "2001:db8:46::c000:201"      # CLI4 embedded in pool6
UNMAPPED6 = "2001:db8:6::8"          # no EAM entry

CAPTURE = 1.0          # seconds to wait for a packet / to prove there is none
ETH_P_ALL = 0x0003
PACKET_OTHERHOST = 3
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000

# --------------------------------------------------------------------------
# output

T = {"pass": 0, "fail": 0, "group": "pkt"}


def ok(name):
    T["pass"] += 1
    print("ok %s: %s" % (T["group"], name), flush=True)


def not_ok(name, details):
    T["fail"] += 1
    print("not ok %s: %s" % (T["group"], name))
    for d in details:
        for line in str(d).splitlines():
            print("#   %s" % line)
    sys.stdout.flush()


def result(name, errors):
    if errors:
        not_ok(name, errors)
    else:
        ok(name)


# --------------------------------------------------------------------------
# namespaces, sockets, neighbours

_libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


def packet_socket(ns, ifname, proto=ETH_P_ALL, kind=socket.SOCK_RAW):
    """An AF_PACKET socket bound to ifname in netns ns (the socket keeps
    the namespace it was created in).  It takes frames only from bind()
    on: created with protocol 0, it sees nothing of the other links."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns("/run/netns/%s" % ns)
        s = socket.socket(socket.AF_PACKET, kind, 0)
        s.bind((ifname, proto))
    finally:
        if _libc.setns(home, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back")
        os.close(home)
    s.setblocking(False)
    return s


def run(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True).stdout


def mac_of(ns, dev):
    return json.loads(run("ip", "-n", ns, "-j", "link", "show",
                          "dev", dev))[0]["address"]


def stats():
    out = run("ip", "netns", "exec", "br", SIITCTL, "stats")
    st = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[1].isdigit():
            st[f[0]] = int(f[1])
    return st


class Port:
    def __init__(self, ns, dev, mac, peer_mac):
        self.name = "%s/%s" % (ns, dev)
        self.sock = packet_socket(ns, dev)
        self.mac = mac
        self.peer_mac = peer_mac

    def drain(self):
        while True:
            try:
                self.sock.recvfrom(65535)
            except BlockingIOError:
                return

    def send(self, l3, pad_to=0):
        """Sends an L3 packet (scapy or bytes) to the BR; returns the frame."""
        frame = bytes(Ether(src=self.mac, dst=self.peer_mac,
                            type=0x0800 if isinstance(l3, IP) or (
                                isinstance(l3, bytes) and l3[0] >> 4 == 4)
                            else 0x86dd) / (bytes(l3)))
        if len(frame) < pad_to:
            frame += b"\xa5" * (pad_to - len(frame))
        self.sock.send(frame)
        return frame

    def recv_frames(self, timeout):
        """Incoming (not outgoing) frames already queued, or, if there are
        none, the first ones to arrive within timeout."""
        frames = []
        end = time.monotonic() + timeout
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except BlockingIOError:
                left = end - time.monotonic()
                if frames or left <= 0:
                    return frames
                if not select.select([self.sock], [], [], left)[0]:
                    return frames
                continue
            if addr[2] != PACKET_OUTGOING:
                frames.append(data)


class BrFrames:
    """The frames of one family (ethertype) on the BR's links while a test
    runs, other than the test's own (`ours`, both directions): what else
    went through the BR's hooks meanwhile, e.g. the end hosts' router
    solicitations and MLD reports after their links came up.  An arriving
    frame went through PRE_ROUTING, a leaving one (not forwarded:
    forwarded ones are ours) through LOCAL_OUT; on lo, one the BR sent to
    itself went through both.  Frames are placed in time by their kernel
    timestamps: one that came while a counter read was under way may or
    may not be in it."""

    SO_TIMESTAMPNS = 35

    def __init__(self, ethertype, ours, devs=("b4", "b6", "lo")):
        self.l3 = IPv6 if ethertype == 0x86dd else IP
        self.ours = ours
        self.socks = []
        for d in devs:
            s = packet_socket("br", d, ethertype, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, self.SO_TIMESTAMPNS, 1)
            self.socks.append((d, s))

    def _frames(self):
        for dev, s in self.socks:
            while True:
                try:
                    data, anc, _, addr = s.recvmsg(65535, 64)
                except BlockingIOError:
                    break
                ts = None
                for level, kind, val in anc:
                    if level == socket.SOL_SOCKET and \
                            kind == self.SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("qq", val[:16])
                        ts = sec + nsec / 1e9
                if addr[2] == PACKET_OTHERHOST:    # dropped before the hook
                    continue
                yield dev, addr[2], ts, self.l3(data)
            s.close()

    def around(self, fn, *names):
        """Runs fn between two reads of the counters `names`; returns
        (deltas, sure, maybe, lines): `sure` other frames came between
        the reads, `maybe` during one; lines describe them."""
        t0 = time.time()
        before = stats()
        t1 = time.time()
        fn()
        t2 = time.time()
        after = stats()
        t3 = time.time()
        sure, maybe, lines = 0, 0, []
        for dev, kind, ts, p in self._frames():
            if self.ours(p) or ts is None or not t0 <= ts <= t3:
                continue
            if t1 <= ts <= t2:
                sure += 1
            else:
                maybe += 1
            lines.append("%s %s%s: %s" % (
                dev, "out" if kind == PACKET_OUTGOING else "in",
                "" if t1 <= ts <= t2 else " (during a read)", p.summary()))
        d = {n: after.get(n, 0) - before.get(n, 0) for n in names}
        return d, sure, maybe, lines


def wait_for(port, match, timeout=CAPTURE, count=1):
    """First `count` frames on port whose parsed Ether packet satisfies
    match(), waiting at most timeout; returns (matched, others)."""
    got, others = [], []
    end = time.monotonic() + timeout
    while len(got) < count:
        left = end - time.monotonic()
        if left <= 0:
            break
        for f in port.recv_frames(min(left, 0.05)):
            p = Ether(f)
            (got if match(p) else others).append(p)
    return got, others


# --------------------------------------------------------------------------
# comparison

def layers(p):
    out = []
    while not isinstance(p, NoPayload):
        out.append(p)
        p = p.payload
    return out


def fmt(v):
    if isinstance(v, bytes):
        return v.hex() if len(v) <= 48 else v[:48].hex() + "...(%d bytes)" % len(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return "%d (0x%x)" % (v, v)
    return repr(v)


def compare(expected, got, ignore=()):
    """Field-by-field diff of two L3 packets; `ignore` holds
    "Layer.field" names not predictable from the input.  The expected
    packet is rebuilt from its bytes so every field has its final value."""
    exp = expected.__class__(bytes(expected))
    errs = []
    el, gl = layers(exp), layers(got)
    for i, e in enumerate(el):
        if i >= len(gl):
            errs.append("missing layer %s" % e.__class__.__name__)
            break
        g = gl[i]
        if e.__class__ is not g.__class__:
            errs.append("layer %d: expected %s, got %s" %
                        (i, e.__class__.__name__, g.__class__.__name__))
            errs.append("got bytes: %s" % fmt(bytes(gl[i])))
            errs.append("expected:  %s" % fmt(bytes(e)))
            break
        for fd in e.fields_desc:
            key = "%s.%s" % (e.__class__.__name__, fd.name)
            if key in ignore:
                continue
            ev, gv = e.getfieldval(fd.name), g.getfieldval(fd.name)
            if ev != gv:
                errs.append("%s: expected %s, got %s" % (key, fmt(ev), fmt(gv)))
    for g in gl[len(el):]:
        errs.append("unexpected trailing layer %s: %s" %
                    (g.__class__.__name__, fmt(bytes(g))))
    return errs


def verify_csum(pkt, cls, field="chksum"):
    """Recomputes cls's checksum on a copy and compares it to the captured
    one; returns a list of errors."""
    if not pkt.haslayer(cls):
        return ["no %s layer to verify the checksum of" % cls.__name__]
    c = pkt.copy()
    delattr(c[cls], field)
    # Padding would be covered by scapy's L4 sum: there must be none anyway.
    redo = c.__class__(bytes(c))
    want, have = redo[cls].getfieldval(field), pkt[cls].getfieldval(field)
    if want != have:
        return ["%s.%s invalid: got 0x%04x, correct 0x%04x" %
                (cls.__name__, field, have, want)]
    return []


def l3(p, cls):
    """The cls (IP/IPv6) layer of a captured Ether packet."""
    return p[cls] if p.haslayer(cls) else None


# --------------------------------------------------------------------------
# test machinery

class Ctx:
    pass


C = Ctx()


def is6(p, src, dst):
    return p.haslayer(IPv6) and p[IPv6].src == src and p[IPv6].dst == dst


def is4(p, src, dst):
    return (p.haslayer(IP) and p.type == 0x0800 and
            p[IP].src == src and p[IP].dst == dst)


def out46(p):
    return is6(p, CLI6, SRV6)


def out64(p):
    return is4(p, SRV4, CLI4)


def xlat_test(name, inject, send, expected, match, csums, ignore=(),
              extra=None, pad_to=0, count=1):
    """Sends `send` (a list of packets, or one) from port `inject`, captures
    on the other port and compares each capture with `expected` (list or
    one).  csums: [(cls, field)] to verify on the captured packet.  extra:
    f(list of captured L3 packets) -> errors."""
    sends = send if isinstance(send, list) else [send]
    exps = expected if isinstance(expected, list) else [expected]
    cap = C.srv if inject is C.cli else C.cli
    cls = IPv6 if cap is C.srv else IP
    errs = []
    for port in (C.cli, C.srv):
        port.drain()
    for s in sends:
        inject.send(s, pad_to=pad_to)
    got, others = wait_for(cap, match, count=count)
    if len(got) < count:
        errs.append("input:    %s" % sends[len(got)].summary())
        errs.append("input hex: %s" % fmt(bytes(sends[len(got)])))
        errs.append("expected: %s" % exps[len(got)].summary())
        errs.append("got: nothing matching on %s within %.1fs (%d other frames%s)"
                    % (cap.name, CAPTURE, len(others),
                       ": " + "; ".join(o.summary() for o in others[:3])
                       if others else ""))
        return result(name, errs)
    pkts = [l3(g, cls) for g in got]
    for i, (e, g) in enumerate(zip(exps, pkts)):
        d = compare(e, g, ignore)
        for c, f in csums:
            d += verify_csum(g, c, f)
        if d:
            if len(pkts) > 1:
                errs.append("packet %d of %d:" % (i + 1, len(pkts)))
            errs.append("input:    %s" % sends[i].summary())
            errs.append("expected: %s" % e.summary())
            errs.append("got:      %s" % g.summary())
            errs += d
    if extra:
        errs += extra(pkts)
    result(name, errs)


def drop_test(name, inject, send, counter, nothing_match, reply=None):
    """Sends `send`; expects nothing matching on the far side, counter (if
    any) +1, and, if `reply` = (match, check) is given, an answer on the
    injecting side that check(pkt) -> errors accepts."""
    far = C.srv if inject is C.cli else C.cli
    errs = []
    for port in (C.cli, C.srv):
        port.drain()
    before = stats() if counter else None
    sent = inject.send(send)
    rmatch = reply[0] if reply else (lambda p: False)
    got_far, got_back = [], []
    end = time.monotonic() + CAPTURE
    while time.monotonic() < end:
        r, _, _ = select.select([C.cli.sock, C.srv.sock], [], [],
                                max(0.0, end - time.monotonic()))
        for port in (C.cli, C.srv):
            if port.sock not in r:
                continue
            for f in port.recv_frames(0):
                p = Ether(f)
                if port is far and nothing_match(p):
                    got_far.append(p)
                elif port is inject and rmatch(p):
                    got_back.append(p)
    if got_far:
        errs.append("input: %s" % send.summary())
        errs.append("expected: nothing out on %s; got %d: %s" %
                    (far.name, len(got_far), got_far[0].summary()))
        errs.append("got hex: %s" % fmt(bytes(got_far[0])))
    if reply:
        if not got_back:
            errs.append("input: %s" % send.summary())
            errs.append("expected an answer on %s, got none" % inject.name)
        else:
            errs += reply[1](got_back[0], sent)
    if counter:
        after = stats()
        d = after.get(counter, 0) - before.get(counter, 0)
        if counter not in after:
            errs.append("counter %s not in siitctl stats" % counter)
        elif d != 1:
            errs.append("counter %s: expected +1, got %+d" % (counter, d))
            changed = {k: after[k] - before.get(k, 0) for k in after
                       if after[k] != before.get(k, 0)}
            errs.append("counters changed: %s" % changed)
    result(name, errs)


def guarded(fn):
    try:
        fn()
    except Exception:
        not_ok(fn.__name__, ["exception:"] + traceback.format_exc().splitlines())


# --------------------------------------------------------------------------
# IPv4 -> IPv6

PAYLOAD = b"siitdc-pkt-test-" + bytes(range(32))


def ip4(**kw):
    d = dict(src=CLI4, dst=SRV4, ttl=64, id=0x1234, flags=0)
    d.update(kw)
    return IP(**d)


def ip6_46(**kw):
    """The IPv6 header a 4->6 translation must produce, before the L4."""
    d = dict(src=CLI6, dst=SRV6, tc=0, fl=0, hlim=63)
    d.update(kw)
    return IPv6(**d)


# --------------------------------------------------------------------------
# IPv6 -> IPv4

def ip6(**kw):
    d = dict(src=SRV6, dst=CLI6, hlim=64, tc=0, fl=0)
    d.update(kw)
    return IPv6(**d)


def ip4_64(**kw):
    """The IPv4 header a 6->4 translation of a small packet must produce."""
    d = dict(src=SRV4, dst=CLI4, ttl=63, tos=0, flags=0, frag=0, ihl=5)
    d.update(kw)
    return IP(**d)


# DF=0 packets carry a kernel-selected ID, so their ID (and the header
# checksum that covers it) are not predictable: the checksum is verified by
# recomputation instead, and ID != 0 is checked separately.
IGN_ID = ("IP.id", "IP.chksum")


def setup():
    c0, b4 = mac_of("cli", "c0"), mac_of("br", "b4")
    s0, b6 = mac_of("srv", "s0"), mac_of("br", "b6")
    # The end hosts only inject and capture: without global addresses their
    # kernels never answer (RST, echo reply, ICMP errors) through the BR.
    run("ip", "-n", "cli", "addr", "flush", "dev", "c0")
    run("ip", "-n", "srv", "addr", "flush", "dev", "s0", "scope", "global")
    run("ip", "-n", "br", "neigh", "replace", CLI4, "lladdr", c0,
        "dev", "b4", "nud", "permanent")
    run("ip", "-n", "br", "neigh", "replace", SRV6, "lladdr", s0,
        "dev", "b6", "nud", "permanent")
    C.cli = Port("cli", "c0", c0, b4)
    C.srv = Port("srv", "s0", s0, b6)
    print("# %s: c0 %s -> b4 %s, s0 %s -> b6 %s" % (T["group"], c0, b4, s0, b6))


def run_tests(group, tests):
    """Runs the test functions `tests` (names filtered by argv) after
    setup(); prints TAP-like lines prefixed with `group`; returns the exit
    status."""
    T["group"] = group
    t0 = time.monotonic()
    try:
        setup()
    except Exception:
        not_ok("setup", traceback.format_exc().splitlines())
        print("# %s: %d passed, %d failed" % (group, T["pass"], T["fail"]))
        return 1
    only = sys.argv[1:]
    for t in tests:
        if only and not any(o in t.__name__ for o in only):
            continue
        guarded(t)
    print("# %s: %.1fs" % (group, time.monotonic() - t0))
    print("# %s: %d passed, %d failed" % (group, T["pass"], T["fail"]))
    return 1 if T["fail"] else 0
