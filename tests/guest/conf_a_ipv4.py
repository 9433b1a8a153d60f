# SPDX-License-Identifier: GPL-2.0
"""
Conformance tests, checklist sections A (RFC 7915 scope), B (IPv4 -> IPv6
header) and C (IPv4 -> IPv6 fragmentation, DF, MTU): rows 2-30, except the
rows pkt.py already proves (1, 11, 13, 14, 15, 16).

Every expected packet is built here with scapy from the input and the RFC
rule; fragments are cut by hand from the whole translated datagram, so the
transport checksum of a first fragment proves the translator's incremental
update against a full recomputation.  Run by conf.sh on a fresh topology.
"""

import ctypes
import fcntl
import socket
import struct
import sys
import time

import pktlib
from pktlib import *  # noqa: F401,F403
from scapy.all import (IPv6ExtHdrFragment, ICMPv6DestUnreach,  # noqa: E402
                       ICMPv6PacketTooBig)

FH = IPv6ExtHdrFragment
BR4_IN_POOL6 = "2001:db8:46::c000:2fe"


# --------------------------------------------------------------------------
# helpers

def br(*args):
    return run("ip", "-n", "br", *args)


def ctl(*args):
    return run("ip", "netns", "exec", "br", SIITCTL, *args)


def emb(v4):
    """RFC 6052 /96 embedding of v4 in pool6, computed here."""
    a = socket.inet_aton(v4)
    pfx = socket.inet_pton(socket.AF_INET6, POOL6_PFX)[:12]
    return socket.inet_ntop(socket.AF_INET6, pfx + a)


def v6_l4(src, dst, l4):
    """The transport header + payload of a whole IPv6 datagram (scapy
    computes the checksum with the IPv6 pseudo-header)."""
    return bytes(IPv6(src=src, dst=dst) / l4)[40:]


def v4_l4(src, dst, l4):
    return bytes(IP(src=src, dst=dst) / l4)[20:]


def frags6(l4, nh, ident, chunk, base_off=0, last_m=0, hlim=63, tc=0,
           src=CLI6, dst=SRV6):
    """The IPv6 fragments the RFC asks for: `l4` (transport header and
    payload, or a fragment's payload) cut in `chunk`-byte pieces, each with
    a Fragment Header carrying ID, offset and M."""
    out = []
    for off in range(0, len(l4), chunk):
        data = l4[off:off + chunk]
        m = 1 if off + chunk < len(l4) else last_m
        out.append(IPv6(src=src, dst=dst, tc=tc, fl=0, hlim=hlim, nh=44,
                        plen=8 + len(data)) /
                   FH(nh=nh, res1=0, offset=base_off + off // 8, res2=0,
                      m=m, id=ident) / Raw(data))
    return out


def is_frag6(ident):
    return lambda q: (out46(q) and q.haslayer(FH) and q[FH].id == ident)


def no_fh(pkts):
    return ["unexpected Fragment Header" for q in pkts if q.haslayer(FH)]


def max_len(limit):
    def f(pkts):
        return ["IPv6 packet of %d bytes > %d" % (len(q), limit)
                for q in pkts if len(q) > limit]
    return f


def is_icmp4_err(q):
    return (q.haslayer(IP) and q.type == 0x0800 and q[IP].proto == 1 and
            q.haslayer(ICMP) and q[ICMP].type in (3, 11, 12))


def is_icmp6_err(q):
    return (q.haslayer(IPv6) and q[IPv6].nh == 58 and
            bytes(q[IPv6].payload)[:1] in (b"\x01", b"\x02", b"\x03", b"\x04"))


def drop_check(name, inject, send, counters, far_match, reply=None,
               silent=False):
    """Sends `send`; nothing matching far_match may come out on the far
    side; `counters` maps counter names to their expected deltas; `reply`
    = (match, check(pkt, sent_frame) -> errors) demands an answer on the
    injecting side; `silent` demands no ICMP error there."""
    far = C.srv if inject is C.cli else C.cli
    errs = []
    for port in (C.cli, C.srv):
        port.drain()
    before = stats()
    sends = send if isinstance(send, list) else [send]
    for one in sends:
        sent = inject.send(one)
    send = sends[0]
    got_far, got_back, errs_back = [], [], []
    end = time.monotonic() + CAPTURE
    while time.monotonic() < end:
        r, _, _ = select.select([C.cli.sock, C.srv.sock], [], [],
                                max(0.0, end - time.monotonic()))
        for port in (C.cli, C.srv):
            if port.sock not in r:
                continue
            for f in port.recv_frames(0):
                p = Ether(f)
                if port is far and far_match(p):
                    got_far.append(p)
                elif port is inject:
                    if reply and reply[0](p):
                        got_back.append(p)
                    elif is_icmp4_err(p) or is_icmp6_err(p):
                        errs_back.append(p)
    if got_far:
        errs.append("input: %s" % send.summary())
        errs.append("expected: nothing out on %s; got %d: %s" %
                    (far.name, len(got_far), got_far[0].summary()))
        errs.append("got hex: %s" % fmt(bytes(got_far[0])))
    if reply:
        if not got_back:
            errs.append("input: %s" % send.summary())
            errs.append("expected an answer on %s, got none%s" % (
                inject.name, "; other ICMP: " + errs_back[0].summary()
                if errs_back else ""))
        else:
            errs += reply[1](got_back[0], sent)
    if silent and errs_back:
        errs.append("expected a silent drop, got back: %s" %
                    errs_back[0].summary())
    after = stats()
    for c, want in counters.items():
        d = after.get(c, 0) - before.get(c, 0)
        if c not in after:
            errs.append("counter %s not in siitctl stats" % c)
        elif d != want:
            errs.append("counter %s: expected %+d, got %+d" % (c, want, d))
    if errs:
        changed = {k: after[k] - before.get(k, 0) for k in after
                   if after[k] != before.get(k, 0)}
        errs.append("counters changed: %s" % changed)
    result(name, errs)


def counter_delta(fn, *names):
    before = stats()
    fn()
    after = stats()
    return {n: after.get(n, 0) - before.get(n, 0) for n in names}


def xlat_multi(name, inject, sends, exps, match, csums=(), ignore=(),
               extra=None, cap=None):
    """Like xlat_test, for any number of inputs and outputs: every
    expected packet must be captured, in order, on `cap` (by default the
    port opposite to `inject`)."""
    sends = sends if isinstance(sends, list) else [sends]
    cap = cap or (C.srv if inject is C.cli else C.cli)
    cls = IPv6 if exps[0].__class__ is IPv6 else IP
    errs = []
    for port in (C.cli, C.srv):
        port.drain()
    for s in sends:
        inject.send(s)
    got, others = wait_for(cap, match, count=len(exps))
    pkts = [l3(g, cls) for g in got]
    if len(pkts) < len(exps):
        errs.append("inputs: %s" % "; ".join(s.summary() for s in sends))
        errs.append("expected %d packets on %s, got %d: %s (%d others%s)" % (
            len(exps), cap.name, len(pkts),
            "; ".join(p.summary() for p in pkts), len(others),
            ": " + "; ".join(o.summary() for o in others[:3])
            if others else ""))
    for i, (e, g) in enumerate(zip(exps, pkts)):
        d = compare(e, g, ignore)
        for c, f in csums:
            d += verify_csum(g, c, f)
        if d:
            errs.append("packet %d of %d: expected %s, got %s" %
                        (i + 1, len(exps), e.summary(), g.summary()))
            errs += d
    if extra and pkts:
        errs += extra(pkts)
    result(name, errs)


# ETHTOOL_GTSO / ETHTOOL_STSO through SIOCETHTOOL, in a namespace (the
# guest has no ethtool binary).
SIOCETHTOOL = 0x8946


def ethtool_tso(ns, dev, value=None):
    return ethtool_value(ns, dev, 0x1e, 0x1f, value)


def ethtool_txcsum(ns, dev, value=None):
    return ethtool_value(ns, dev, 0x16, 0x17, value)


def ethtool_value(ns, dev, get, set_, value=None):
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns("/run/netns/%s" % ns)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    finally:
        pktlib._libc.setns(home, CLONE_NEWNET)
        os.close(home)
    try:
        buf = ctypes.create_string_buffer(
            struct.pack("II", get if value is None else set_, value or 0))
        ifr = struct.pack("16sP", dev.encode(), ctypes.addressof(buf))
        ifr += b"\0" * (40 - len(ifr))
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
        return struct.unpack("II", buf.raw[:8])[1]
    finally:
        s.close()


def csum_fold(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


PACKET_VNET_HDR = 15
SOL_PACKET = 263


def send_gso_tcp4(frame_l3, gso_size):
    """Injects an IPv4 TCP super-packet on c0 with a virtio_net_hdr:
    GSO TCPV4, partial checksum (the TCP checksum field must hold the
    pseudo-header sum)."""
    s = packet_socket("cli", "c0")
    try:
        s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        ihl = (frame_l3[0] & 0xf) * 4
        thl = (frame_l3[ihl + 12] >> 4) * 4
        frame = bytes(Ether(src=C.cli.mac, dst=C.cli.peer_mac, type=0x0800)
                      / Raw(frame_l3))
        # flags NEEDS_CSUM, GSO_TCPV4, hdr_len, gso_size, csum_start/offset
        vnet = struct.pack("<BBHHHH", 1, 1, 14 + ihl + thl, gso_size,
                           14 + ihl, 16)
        s.setblocking(True)
        s.send(vnet + frame)
    finally:
        s.close()


def gso_tcp4_packet(sport, seq, payload, df, ident):
    ip = ip4(id=ident, flags="DF" if df else 0, proto=6)
    tcp = TCP(sport=sport, dport=80, seq=seq, ack=0x01020304, flags="A",
              window=501)
    raw = bytearray(bytes(ip / tcp / payload))
    # Partial checksum: the folded pseudo-header sum, not complemented.
    tl = len(raw) - 20
    ph = (socket.inet_aton(CLI4) + socket.inet_aton(SRV4) +
          struct.pack("!HH", 6, tl))
    raw[36:38] = struct.pack("!H", csum_fold(ph))
    return bytes(raw)


# --------------------------------------------------------------------------
# A. scope

def t_row2_routing_segleft0():
    p = (ip6() / IPv6ExtHdrHopByHop() /
         IPv6ExtHdrRouting(type=0, segleft=0,
                           addresses=["2001:db8:46::c000:202"]) /
         IPv6ExtHdrDestOpt() / UDP(sport=9, dport=40002) / PAYLOAD)
    raw = bytes(p)
    assert raw[6] == 0 and raw[40] == 43 and raw[48] == 60, raw[:64].hex()
    e = (ip4_64(proto=17, len=20 + 8 + len(PAYLOAD)) /
         UDP(sport=9, dport=40002) / PAYLOAD)
    xlat_test("row2-hbh-routing-segleft0-destopts-skipped-6to4", C.srv,
              IPv6(raw), e,
              lambda q: out64(q) and q.haslayer(UDP) and q[UDP].dport == 40002,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row3_icmp4_first_fragment():
    p = ip4(flags="MF", id=0x0301) / ICMP(type=8, id=3, seq=1) / (b"f" * 64)
    drop_check("row3-icmpv4-echo-first-fragment-dropped", C.cli, p,
               {"drop_icmp_fragment": 1, "xlat_4to6": 0}, out46)


def t_row3_icmp4_last_fragment():
    # Offset 9 (72 bytes), MF=0: the tail of a fragmented echo request.
    p = ip4(flags=0, frag=9, id=0x0302, proto=1) / Raw(b"t" * 40)
    drop_check("row3-icmpv4-nonfirst-fragment-dropped", C.cli, p,
               {"drop_icmp_fragment": 1, "xlat_4to6": 0}, out46)


def t_row3_icmp4_error_fragment():
    inner = ip4_64(proto=17, id=7) / UDP(sport=53, dport=40003) / PAYLOAD
    p = (IP(src="192.0.2.99", dst=SRV4, ttl=64, id=0x0303, flags="MF") /
         ICMP(type=3, code=3) / bytes(inner)[:48])
    drop_check("row3-icmpv4-error-fragment-dropped", C.cli, p,
               {"drop_icmp_fragment": 1, "xlat_icmp_err_4to6": 0}, out46)


def t_row3_icmp6_first_fragment():
    p = (ip6() / FH(nh=58, offset=0, m=1, id=0x30603) /
         ICMPv6EchoRequest(id=3, seq=6, data=b"f" * 64))
    drop_check("row3-icmpv6-echo-first-fragment-dropped", C.srv, p,
               {"drop_icmp_fragment": 1, "xlat_6to4": 0}, out64)


def t_row3_icmp6_nonfirst_fragment():
    p = ip6() / FH(nh=58, offset=9, m=0, id=0x30604) / Raw(b"t" * 40)
    drop_check("row3-icmpv6-nonfirst-fragment-dropped", C.srv, p,
               {"drop_icmp_fragment": 1, "xlat_6to4": 0}, out64)


def t_row4_udp_zero_csum_fragment():
    # Even with udp-zero-csum compute, a first fragment cannot be summed.
    raw = bytearray(bytes(ip4(flags="MF", id=0x0404) /
                          UDP(sport=40004, dport=9, len=8 + 200) /
                          (b"z" * 96)))
    raw[26:28] = b"\0\0"
    ctl("set", "udp-zero-csum", "compute")
    try:
        drop_check("row4-udp-zero-csum-first-fragment-dropped-even-compute",
                   C.cli, IP(bytes(raw)),
                   {"drop_udp_zero_csum": 1, "xlat_4to6": 0}, out46)
    finally:
        ctl("set", "udp-zero-csum", "drop")


def t_row5_6to4_ptb():
    # DF=1 after translation (1460 > 1260) and too big for b4 (MTU 1400):
    # the kernel's Fragmentation Needed comes back as a Packet Too Big.
    body = b"5" * (1480 - 48)
    p = ip6() / UDP(sport=9, dport=40005) / body
    assert len(p) == 1480

    def back(q):
        return q.haslayer(ICMPv6PacketTooBig) and q[IPv6].dst == SRV6

    def check(q, sent):
        errs = []
        if q[IPv6].src != BR4_IN_POOL6:
            errs.append("PTB source: expected %s (BR4 in pool6), got %s" %
                        (BR4_IN_POOL6, q[IPv6].src))
        t = q[ICMPv6PacketTooBig]
        if (t.type, t.code, t.mtu) != (2, 0, 1420):
            errs.append("PTB: expected 2/0 MTU 1420 (1400 + 20), got %d/%d "
                        "MTU %d" % (t.type, t.code, t.mtu))
        inner = IPv6(bytes(t.payload))
        if (inner.src, inner.dst, inner.nh, inner.plen) != \
                (SRV6, CLI6, 17, 1440):
            errs.append("inner: expected %s > %s nh 17 plen 1440, got %s" %
                        (SRV6, CLI6, inner.summary()))
        errs += verify_csum(q[IPv6], ICMPv6PacketTooBig, "cksum")
        return errs

    br("link", "set", "dev", "b4", "mtu", "1400")
    try:
        with default_routes():
            drop_check("row5-6to4-df1-too-big-ptb-mtu-plus-20", C.srv, p,
                       {"xlat_icmp_err_4to6": 1}, out64, reply=(back, check))
    finally:
        br("link", "set", "dev", "b4", "mtu", "1500")


def t_row5_6to4_df0_fragmented():
    # <= 1260 after translation: DF=0, so the IPv4 forwarding may fragment
    # it for b4's MTU of 1000.
    body = bytes(range(256)) * 4 + b"r" * (1152 - 1024)
    u = UDP(sport=9, dport=40105) / body
    p = ip6() / u
    assert len(p) == 1200
    l4 = v4_l4(SRV4, CLI4, u)
    exps = [ip4_64(proto=17, flags="MF", frag=0, len=20 + 976) / Raw(l4[:976]),
            ip4_64(proto=17, flags=0, frag=122, len=20 + 184) / Raw(l4[976:])]

    def same_id(pkts):
        if len(pkts) < 2 or pkts[0].id == pkts[1].id:
            return []
        return ["fragments carry different IDs: %d, %d" %
                (pkts[0].id, pkts[1].id)]

    br("link", "set", "dev", "b4", "mtu", "1000")
    try:
        xlat_multi("row5-6to4-df0-fragmented-by-ipv4-next-hop", C.srv, p,
                   exps, lambda q: out64(q) and q[IP].proto == 17 and
                   (q[IP].flags.MF or q[IP].frag),
                   [(IP, "chksum")], ignore=IGN_ID, extra=same_id)
    finally:
        br("link", "set", "dev", "b4", "mtu", "1500")


def pass_counted(name, bg, go, passed, xlated):
    """go() sends one packet the BR must leave alone: `passed` counts it
    once, besides the other frames bg saw, and `xlated` not at all."""
    d, sure, maybe, lines = bg.around(go, passed, xlated)
    if d[xlated] != 0 or not sure <= d[passed] - 1 <= sure + maybe:
        not_ok(name, ["expected %s +1 (+%d other frames, +%d maybe), %s +0,"
                      " got %s" % (passed, sure, maybe, xlated, d)] + lines)
    else:
        ok(name)
        for line in lines:
            print("#   also through the hooks: %s" % line)


def t_row7_native_4():
    dst = "203.0.113.200"
    br("route", "add", "203.0.113.192/26", "via", CLI4, "dev", "b4")
    # Out the way it came in: no ICMP redirect (it would count in pass_4).
    redir = ["net.ipv4.conf.all.send_redirects",
             "net.ipv4.conf.b4.send_redirects"]
    old = [run("ip", "netns", "exec", "br", "sysctl", "-n", k).strip()
           for k in redir]
    run("ip", "netns", "exec", "br", "sysctl", "-qw",
        *["%s=0" % k for k in redir])
    try:
        p = ip4(dst=dst) / UDP(sport=40007, dport=9) / PAYLOAD
        e = ip4(dst=dst, ttl=63) / UDP(sport=40007, dport=9) / PAYLOAD

        def go():
            xlat_multi("row7-4to6-untranslated-dst-forwarded-natively", C.cli,
                       p, [e], lambda q: is4(q, CLI4, dst) and
                       q[IP].proto == 17, [(IP, "chksum"), (UDP, "chksum")],
                       cap=C.cli)
        bg = BrFrames(0x0800, lambda q: q.dst == dst and UDP in q and
                      q[UDP].sport == 40007)
        pass_counted("row7-4to6-untranslated-dst-counters", bg, go,
                     "pass_4", "xlat_4to6")
    finally:
        run("ip", "netns", "exec", "br", "sysctl", "-qw",
            *["%s=%s" % kv for kv in zip(redir, old)])
        br("route", "del", "203.0.113.192/26", "via", CLI4, "dev", "b4")


def t_row7_native_6():
    dst = "2001:db8:99::5"
    br("-6", "route", "add", "2001:db8:99::/64", "via", SRV6, "dev", "b6")
    try:
        p = ip6(dst=dst) / UDP(sport=9, dport=40107) / PAYLOAD
        e = ip6(dst=dst, hlim=63) / UDP(sport=9, dport=40107) / PAYLOAD

        def go():
            xlat_multi("row7-6to4-untranslated-dst-forwarded-natively", C.srv,
                       p, [e], lambda q: is6(q, SRV6, dst) and
                       q[IPv6].nh == 17, [(UDP, "chksum")], cap=C.srv)
        # Meanwhile: the end hosts' RS and MLD after topo_up, b4's DAD and
        # MLD after row5 took IPv6 down on it (MTU 1000) and back up.
        bg = BrFrames(0x86dd, lambda q: q.dst == dst and UDP in q and
                      q[UDP].dport == 40107)
        pass_counted("row7-6to4-untranslated-dst-counters", bg, go,
                     "pass_6", "xlat_6to4")
    finally:
        br("-6", "route", "del", "2001:db8:99::/64", "via", SRV6, "dev", "b6")


def t_row7_more_specific_route():
    # RFC 7915 4.6: the translator also forwards natively, and
    # 203.0.113.9 has a more specific native route (/29) than the EAM
    # entry (/28) that would translate it: forward without translating.
    # siitdc decides from the EAM table alone (no route lookup per packet);
    # the operator states the exception with denylist4, whose destinations
    # are left to native IPv4 forwarding (docs/conformance.md, row 7).
    ctl("add", "203.0.113.0/28", "2001:db8:6:7::/124")
    br("route", "add", "203.0.113.8/29", "via", CLI4, "dev", "b4")
    ctl("set", "denylist4", "203.0.113.8/29")
    try:
        dst = "203.0.113.9"
        p = ip4(dst=dst) / UDP(sport=40207, dport=9) / PAYLOAD
        e = ip4(dst=dst, ttl=63) / UDP(sport=40207, dport=9) / PAYLOAD
        d = counter_delta(lambda: xlat_multi(
            "row7-denylisted-more-specific-route-forwarded-natively", C.cli, p, [e],
            lambda q: is4(q, CLI4, dst) and q[IP].proto == 17,
            [(IP, "chksum"), (UDP, "chksum")], cap=C.cli),
            "xlat_4to6", "pass_4")
        print("#   counters: %s" % d)
    finally:
        ctl("set", "denylist4", "none")
        br("route", "del", "203.0.113.8/29", "via", CLI4, "dev", "b4")
        ctl("del", "203.0.113.0/28")


def t_row8_eam_prefix_dst():
    # An IPv4 address that represents an IPv6 host through an EAM prefix.
    ctl("add", "203.0.113.16/28", "2001:db8:6::10/124")
    host6 = "2001:db8:6::15"
    br("-6", "neigh", "replace", host6, "lladdr", C.srv.mac, "dev", "b6",
       "nud", "permanent")
    try:
        u = UDP(sport=40008, dport=9) / PAYLOAD
        p = ip4(dst="203.0.113.21") / u
        e = ip6_46(dst=host6, nh=17) / u
        xlat_test("row8-4to6-dst-representing-ipv6-host-translated", C.cli,
                  p, e, lambda q: is6(q, CLI6, host6), [(UDP, "chksum")])
    finally:
        br("-6", "neigh", "del", host6, "dev", "b6")
        ctl("del", "203.0.113.16/28")


def t_row8_pool6_dst():
    # An IPv6 address in pool6 represents the IPv4 host 203.0.113.100.
    v4 = "203.0.113.100"
    br("route", "add", v4 + "/32", "via", CLI4, "dev", "b4")
    try:
        u = UDP(sport=9, dport=40108) / PAYLOAD
        p = ip6(dst=emb(v4)) / u
        e = ip4_64(dst=v4, proto=17) / u
        xlat_test("row8-6to4-dst-representing-ipv4-host-translated", C.srv,
                  p, e, lambda q: is4(q, SRV4, v4),
                  [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)
    finally:
        br("route", "del", v4 + "/32", "via", CLI4, "dev", "b4")


def t_row9_eam_on_top():
    # The same packet: through an EAM entry for its source, then, once the
    # entry is gone, through the default RFC 6052 mapping.
    src6 = "2001:db8:6::c1"
    u = UDP(sport=40009, dport=9) / PAYLOAD
    p = ip4() / u
    ctl("add", CLI4, src6)
    try:
        xlat_test("row9-4to6-src-eam-entry-over-rfc6052", C.cli, p,
                  ip6_46(src=src6, nh=17) / u, lambda q: is6(q, src6, SRV6),
                  [(UDP, "chksum")])
    finally:
        ctl("del", CLI4)
    xlat_test("row9-4to6-src-rfc6052-default", C.cli, p,
              ip6_46(src=emb(CLI4), nh=17) / u, out46, [(UDP, "chksum")])


def t_row9_6to4_src_default():
    # A source without an EAM entry, inside pool6: the RFC 6052 mapping.
    v4 = "203.0.113.101"
    u = UDP(sport=9, dport=40109) / PAYLOAD
    p = ip6(src=emb(v4)) / u
    e = ip4_64(src=v4, proto=17) / u
    xlat_test("row9-6to4-src-rfc6052-default", C.srv, p, e,
              lambda q: is4(q, v4, CLI4),
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


# --------------------------------------------------------------------------
# B. IPv4 -> IPv6 header

def t_row10_version():
    u = UDP(sport=40010, dport=9) / PAYLOAD
    p = ip4(tos=0xff) / u
    e = ip6_46(version=6, tc=0xff, nh=17) / u

    def v6(pkts):
        b = bytes(pkts[0])[0]
        return [] if b >> 4 == 6 else ["first octet 0x%02x: version %d" %
                                        (b, b >> 4)]
    xlat_test("row10-version-6", C.cli, p, e,
              lambda q: out46(q) and q.haslayer(UDP) and q[UDP].sport == 40010,
              [(UDP, "chksum")], extra=v6)


def t_row12_zeroize_tc():
    u = UDP(sport=40012, dport=9) / PAYLOAD
    p = ip4(tos=0xb9) / u
    ctl("set", "zeroize-tc", "on")
    try:
        xlat_test("row12-zeroize-tc-on-tc-0", C.cli, p,
                  ip6_46(tc=0, nh=17) / u, out46, [(UDP, "chksum")])
    finally:
        ctl("set", "zeroize-tc", "off")
    xlat_test("row12-zeroize-tc-off-tos-copied", C.cli, p,
              ip6_46(tc=0xb9, nh=17) / u, out46, [(UDP, "chksum")])


def t_row17_src_pool6():
    v4 = "203.0.113.77"
    u = TCP(sport=40017, dport=443, flags="S", seq=17)
    p = ip4(src=v4) / u
    e = ip6_46(src="2001:db8:46::cb00:714d", nh=6) / u
    xlat_test("row17-src-rfc6052-embedded", C.cli, p, e,
              lambda q: is6(q, "2001:db8:46::cb00:714d", SRV6),
              [(TCP, "chksum")])


def t_row17_src_eam_prefix():
    ctl("add", "203.0.113.64/26", "2001:db8:6:1::/122")
    try:
        u = TCP(sport=40117, dport=443, flags="S", seq=117)
        p = ip4(src="203.0.113.77") / u
        # 77 - 64 = 13 = 0xd: the suffix bits carried into the IPv6 prefix.
        e = ip6_46(src="2001:db8:6:1::d", nh=6) / u
        xlat_test("row17-src-eam-prefix", C.cli, p, e,
                  lambda q: is6(q, "2001:db8:6:1::d", SRV6), [(TCP, "chksum")])
    finally:
        ctl("del", "203.0.113.64/26")


def t_row18_illegal_src():
    # One burst: UDP from each illegal source, and an echo request from
    # 127.0.0.1 (an ICMP message, but not an error: row 19 does not apply).
    sends = [ip4(src=src) / UDP(sport=40018 + i, dport=9) / PAYLOAD
             for i, src in enumerate(["0.0.0.0", "127.0.0.1", "224.0.0.5",
                                      "240.0.0.1", "255.255.255.255"])]
    sends.append(ip4(src="127.0.0.1") / ICMP(type=8, id=18, seq=1) / PAYLOAD)
    drop_check("row18-illegal-src-0-127-224-240-255-silently-dropped", C.cli,
               sends, {"drop_src_illegal": len(sends), "icmp_err_sent": 0,
                       "xlat_4to6": 0},
               lambda q: q.haslayer(IPv6) and q[IPv6].dst == SRV6,
               silent=True)


def row19(name, src, src6):
    inner_u = UDP(sport=53, dport=40019) / PAYLOAD
    inner4 = IP(src=SRV4, dst=CLI4, ttl=60, id=0x1919, flags=0) / inner_u
    p = IP(src=src, dst=SRV4, ttl=64, id=0x1901) / ICMP(type=3, code=3) / \
        bytes(inner4)
    inner6 = IPv6(src=SRV6, dst=CLI6, tc=0, fl=0, hlim=60, nh=17) / inner_u
    e = (IPv6(src=src6, dst=SRV6, tc=0, fl=0, hlim=63, nh=58) /
         ICMPv6DestUnreach(code=4) / bytes(inner6))
    xlat_test(name, C.cli, p, e, lambda q: is6(q, src6, SRV6) and
              q[IPv6].nh == 58, [(ICMPv6DestUnreach, "cksum")])


def t_row19_err_from_127():
    row19("row19-icmpv4-error-from-127.0.0.1-translated", "127.0.0.1",
          "2001:db8:46::7f00:1")


def t_row19_err_from_0():
    row19("row19-icmpv4-error-from-0.0.0.0-translated", "0.0.0.0",
          "2001:db8:46::")


def t_row20_dst_eam():
    # The destination through an EAM /25 <-> /121: 200 - 128 = 72 = 0x48.
    ctl("add", "203.0.113.128/25", "2001:db8:6::100/121")
    host6 = "2001:db8:6::148"
    br("-6", "neigh", "replace", host6, "lladdr", C.srv.mac, "dev", "b6",
       "nud", "permanent")
    try:
        u = TCP(sport=40020, dport=22, flags="S", seq=20)
        p = ip4(dst="203.0.113.200") / u
        e = ip6_46(dst=host6, nh=6) / u
        xlat_test("row20-dst-eam-prefix-mapping", C.cli, p, e,
                  lambda q: is6(q, CLI6, host6), [(TCP, "chksum")])
    finally:
        br("-6", "neigh", "del", host6, "dev", "b6")
        ctl("del", "203.0.113.128/25")


def srr_packet(kind, pointer, sport):
    # type, length 7 (one address), pointer, address, then End of List.
    opt = bytes([kind, 7, pointer]) + socket.inet_aton("192.0.2.254") + b"\0"
    raw = bytearray(bytes(ip4(id=0x2100 + sport % 256) /
                          UDP(sport=sport, dport=9) / PAYLOAD))
    pkt = bytearray(raw[:20] + opt + raw[20:])
    pkt[0] = 0x47
    pkt[2:4] = struct.pack("!H", len(pkt))
    pkt[10:12] = b"\0\0"
    pkt[10:12] = struct.pack("!H", 0xffff - csum_fold(bytes(pkt[:28])))
    return IP(bytes(pkt))


def check_3_5(q, sent):
    errs = []
    if q[IP].src != BR4:
        errs.append("ICMP src: expected %s, got %s" % (BR4, q[IP].src))
    ic = q[ICMP]
    if (ic.type, ic.code) != (3, 5):
        errs.append("ICMP type/code: expected 3/5, got %d/%d" %
                    (ic.type, ic.code))
    errs += verify_csum(q[IP], IP)
    errs += verify_csum(q[IP], ICMP)
    orig = sent[14:14 + 28 + 8]      # header with options + 8 bytes
    quote = bytes(ic.payload)[:len(orig)]
    if quote != orig:
        errs.append("quoted packet: expected %s, got %s" %
                    (fmt(orig), fmt(quote)))
    return errs


def t_row21_lsrr_unexpired():
    p = srr_packet(131, 4, 40021)
    drop_check("row21-lsrr-unexpired-dropped-3-5", C.cli, p,
               {"drop_source_route": 1, "icmp_err_sent": 1}, out46,
               reply=(lambda q: is_icmp4_err(q) and q[IP].dst == CLI4,
                      check_3_5))


def t_row21_ssrr_unexpired():
    p = srr_packet(137, 4, 40121)
    drop_check("row21-ssrr-unexpired-dropped-3-5", C.cli, p,
               {"drop_source_route": 1, "icmp_err_sent": 1}, out46,
               reply=(lambda q: is_icmp4_err(q) and q[IP].dst == CLI4,
                      check_3_5))


def t_row21_lsrr_expired():
    # Pointer 8 > length 7: the route is consumed, the option is ignored.
    for kind, name, sport in ((131, "lsrr", 40221), (137, "ssrr", 40321)):
        p = srr_packet(kind, 8, sport)
        assert p.ihl == 7
        e = ip6_46(nh=17, plen=8 + len(PAYLOAD)) / \
            UDP(sport=sport, dport=9) / PAYLOAD
        xlat_test("row21-%s-expired-translated-without-options" % name,
                  C.cli, p, e, lambda q: out46(q) and q.haslayer(UDP) and
                  q[UDP].sport == sport, [(UDP, "chksum")])


def t_row21_other_options():
    # NOP, Router Alert (148, length 4), NOP, NOP, End of List: ignored.
    opts = b"\x01\x94\x04\x00\x00\x01\x01\x00"
    raw = bytearray(bytes(ip4(id=0x2121) / UDP(sport=40421, dport=9) /
                          PAYLOAD))
    pkt = bytearray(raw[:20] + opts + raw[20:])
    pkt[0] = 0x47
    pkt[2:4] = struct.pack("!H", len(pkt))
    pkt[10:12] = b"\0\0"
    pkt[10:12] = struct.pack("!H", 0xffff - csum_fold(bytes(pkt[:28])))
    e = ip6_46(nh=17, plen=8 + len(PAYLOAD)) / \
        UDP(sport=40421, dport=9) / PAYLOAD
    xlat_test("row21-nop-router-alert-options-ignored", C.cli, IP(bytes(pkt)),
              e, lambda q: out46(q) and q.haslayer(UDP) and
              q[UDP].sport == 40421, [(UDP, "chksum")])


def t_row21_malformed():
    # An option whose length (1) is below its own 2-byte header.
    opts = b"\x94\x01\x00\x00"
    raw = bytearray(bytes(ip4(id=0x2122) / UDP(sport=40521, dport=9) /
                          PAYLOAD))
    pkt = bytearray(raw[:20] + opts + raw[20:])
    pkt[0] = 0x46
    pkt[2:4] = struct.pack("!H", len(pkt))
    pkt[10:12] = b"\0\0"
    pkt[10:12] = struct.pack("!H", 0xffff - csum_fold(bytes(pkt[:24])))
    drop_check("row21-malformed-option-dropped", C.cli, IP(bytes(pkt)),
               {"drop_malformed": 1, "xlat_4to6": 0}, out46)


# --------------------------------------------------------------------------
# C. fragmentation, DF, MTU

def t_row22_df1_no_fh():
    # DF=1 and 1500 bytes: 1520 once translated, exactly the b6 MTU.
    body = bytes(range(256)) * 5 + b"d" * (1472 - 1280)
    u = UDP(sport=40022, dport=9) / body
    p = ip4(flags="DF", id=0x2222) / u
    assert len(p) == 1500
    e = ip6_46(nh=17, plen=1480) / u
    xlat_test("row22-df1-1500-no-fragment-header", C.cli, p, e,
              lambda q: out46(q) and (
                  (q.haslayer(FH) and q[FH].id == 0x2222) or
                  (q.haslayer(UDP) and q[UDP].sport == 40022)),
              [(UDP, "chksum")], extra=no_fh)


def t_row23_df0_no_fh():
    body = b"n" * (1000 - 28)
    u = UDP(sport=40023, dport=9) / body
    p = ip4(flags=0, id=0x2323) / u
    e = ip6_46(nh=17, plen=980) / u
    xlat_test("row23-df0-fits-no-atomic-fragment", C.cli, p, e,
              lambda q: out46(q) and (q.haslayer(FH) or (
                  q.haslayer(UDP) and q[UDP].sport == 40023)),
              [(UDP, "chksum")], extra=no_fh)


def t_row24_boundary_fits():
    # 1260 bytes of IPv4 are 1280 of IPv6: not fragmented.
    body = b"b" * (1260 - 28)
    u = UDP(sport=40024, dport=9) / body
    p = ip4(flags=0, id=0x2424) / u
    e = ip6_46(nh=17, plen=1240) / u
    xlat_test("row24-df0-1260-fits-1280-unfragmented", C.cli, p, e,
              lambda q: out46(q) and (q.haslayer(FH) or (
                  q.haslayer(UDP) and q[UDP].sport == 40024)),
              [(UDP, "chksum")], extra=no_fh)


def frag_test(name, p, l4, nh, ident, chunk, limit, counters=None,
              base_off=0, last_m=0):
    exps = frags6(l4, nh, ident, chunk, base_off=base_off, last_m=last_m)
    d = counter_delta(lambda: xlat_multi(
        name, C.cli, p, exps, is_frag6(ident), extra=max_len(limit)),
        *(counters or {}))
    if counters and d != counters:
        not_ok(name + "-counters", ["expected %s, got %s" % (counters, d)])
    elif counters:
        ok(name + "-counters")


def t_row24_boundary_split():
    # 1261 bytes: 1281 once translated, so 1232 + 9 payload bytes.
    body = bytes(range(256)) * 4 + b"s" * (1233 - 1024)
    u = UDP(sport=40124, dport=9) / body
    p = ip4(flags=0, id=0x2425) / u
    assert len(p) == 1261
    frag_test("row24-df0-1261-split-1232-plus-9", p, v6_l4(CLI6, SRV6, u),
              17, 0x2425, 1232, 1280,
              {"fragmented_4to6": 1, "xlat_4to6": 2})


def t_row24_1500_tcp():
    body = bytes(range(256)) * 5 + b"T" * (1460 - 1280)
    u = TCP(sport=40224, dport=80, flags="PA", seq=24, ack=1) / body
    p = ip4(flags=0, id=0x2426) / u
    assert len(p) == 1500
    frag_test("row24-df0-1500-tcp-fragments-le-1280", p,
              v6_l4(CLI6, SRV6, u), 6, 0x2426, 1232, 1280)


def t_row24_refragment():
    # Already a fragment (MF=1, offset 0) and too big: split further; the
    # last piece keeps M=1, and the next fragment keeps its own offset.
    whole = UDP(sport=40324, dport=9) / (bytes(range(256)) * 6)
    l4v4 = v4_l4(CLI4, SRV4, whole)
    l4v6 = v6_l4(CLI6, SRV6, whole)
    assert len(l4v4) == 1544
    f1 = ip4(flags="MF", frag=0, id=0x2427, proto=17) / Raw(l4v4[:1400])
    f2 = ip4(flags=0, frag=175, id=0x2427, proto=17) / Raw(l4v4[1400:])
    exps = (frags6(l4v6[:1400], 17, 0x2427, 1232, last_m=1) +
            frags6(l4v6[1400:], 17, 0x2427, 1232, base_off=175))
    xlat_multi("row24-already-fragmented-split-further", C.cli, [f1, f2],
               exps, is_frag6(0x2427), extra=max_len(1280))


def t_row25_lowest_mtu_1400():
    body = bytes(range(256)) * 5 + b"L" * (1472 - 1280)
    u = UDP(sport=40025, dport=9) / body
    p = ip4(flags=0, id=0x2525) / u
    assert len(p) == 1500
    small = UDP(sport=40125, dport=9) / (b"l" * (1380 - 28))
    ps = ip4(flags=0, id=0x2526) / small
    ctl("set", "lowest-ipv6-mtu", "1400")
    try:
        # (1400 - 48) & ~7 = 1352 payload bytes per fragment.
        frag_test("row25-lowest-ipv6-mtu-1400-split-1352", p,
                  v6_l4(CLI6, SRV6, u), 17, 0x2525, 1352, 1400)
        xlat_test("row25-lowest-ipv6-mtu-1400-1380-fits-unfragmented",
                  C.cli, ps, ip6_46(nh=17, plen=1360) / small,
                  lambda q: out46(q) and (q.haslayer(FH) or (
                      q.haslayer(UDP) and q[UDP].sport == 40125)),
                  [(UDP, "chksum")], extra=no_fh)
    finally:
        ctl("set", "lowest-ipv6-mtu", "1280")


def frag_needed_check(mtu, inner_exp, sport):
    """Checks a translated Fragmentation Needed: type 3 code 4, the MTU,
    the inner packet's header fields in inner_exp and its UDP ports."""
    def check(q, sent):
        errs = []
        ip, ic = q[IP], q[ICMP]
        if ip.dst != CLI4:
            errs.append("ICMP dst: expected %s, got %s" % (CLI4, ip.dst))
        if ip.src != BR4:
            errs.append("ICMP src: expected %s (the BR's address toward the "
                        "receiver, RFC 6791 fallback), got %s" % (BR4, ip.src))
        raw = bytes(ic)
        got_mtu = struct.unpack("!H", raw[6:8])[0]
        if (ic.type, ic.code, got_mtu) != (3, 4, mtu):
            errs.append("expected 3/4 MTU %d, got %d/%d MTU %d" %
                        (mtu, ic.type, ic.code, got_mtu))
        errs += verify_csum(ip, IP)
        errs += verify_csum(ip, ICMP)
        inner = IP(raw[8:])
        for k, v in inner_exp.items():
            g = inner.getfieldval(k)
            if k == "flags":
                g = int(g)
            if g != v:
                errs.append("inner %s: expected %s, got %s" % (k, v, g))
        ihl = inner.ihl * 4
        ports = struct.unpack("!HH", raw[8 + ihl:8 + ihl + 4])
        if ports != (sport, 9):
            errs.append("inner ports: expected %d > 9, got %d > %d" %
                        (sport, ports[0], ports[1]))
        return errs
    return check


class default_routes:
    """The BR's own ICMP errors need a route toward their destination
    before LOCAL_OUT sees them (as in paths.sh: default routes on both
    sides)."""
    def __enter__(self):
        br("route", "add", "default", "via", CLI4, "dev", "b4")
        br("-6", "route", "add", "default", "via", SRV6, "dev", "b6")

    def __exit__(self, *a):
        br("route", "del", "default", "via", CLI4, "dev", "b4")
        br("-6", "route", "del", "default", "via", SRV6, "dev", "b6")


def t_row26_df1_too_big():
    # The b6 MTU lowered to 1300: 1400 + 20 does not fit; the kernel's PTB
    # (MTU 1300) comes back as 3/4 with MTU 1300 - 20 = 1280.
    u = UDP(sport=40026, dport=9) / (b"B" * (1400 - 28))
    p = ip4(flags="DF", id=0x2626, ttl=64) / u
    check = frag_needed_check(1280, {
        "src": CLI4, "dst": SRV4, "proto": 17, "len": 1400, "ttl": 64,
        "flags": 2, "frag": 0}, 40026)
    br("link", "set", "dev", "b6", "mtu", "1300")
    try:
        with default_routes():
            drop_check("row26-df1-too-big-3-4-mtu-1280", C.cli, p,
                       {"xlat_icmp_err_6to4": 1},
                       lambda q: q.haslayer(IPv6) and q[IPv6].dst == SRV6,
                       reply=(lambda q: is_icmp4_err(q) and q[IP].dst == CLI4,
                              check))
    finally:
        br("link", "set", "dev", "b6", "mtu", "1520")


def t_row27_fragment_fields():
    # First, middle and last fragment of one UDP datagram; the first with
    # an IPv4 option (NOP x4), which the Payload Length must exclude.
    whole = UDP(sport=40027, dport=9) / (bytes(range(256)) + b"m" * 64)
    l4v4 = v4_l4(CLI4, SRV4, whole)
    l4v6 = v6_l4(CLI6, SRV6, whole)
    assert len(l4v4) == 328
    f1 = bytearray(bytes(ip4(flags="MF", frag=0, id=0x2727, proto=17) /
                         Raw(l4v4[:128])))
    f1 = bytearray(f1[:20] + b"\x01\x01\x01\x01" + f1[20:])
    f1[0] = 0x46
    f1[2:4] = struct.pack("!H", len(f1))
    f1[10:12] = b"\0\0"
    f1[10:12] = struct.pack("!H", 0xffff - csum_fold(bytes(f1[:24])))
    f2 = ip4(flags="MF", frag=16, id=0x2727, proto=17) / Raw(l4v4[128:256])
    f3 = ip4(flags=0, frag=32, id=0x2727, proto=17) / Raw(l4v4[256:])
    exps = (frags6(l4v6[:128], 17, 0x2727, 2048, last_m=1) +
            frags6(l4v6[128:256], 17, 0x2727, 2048, base_off=16, last_m=1) +
            frags6(l4v6[256:], 17, 0x2727, 2048, base_off=32))
    xlat_multi("row27-fragment-header-nh-offset-m-id-plen", C.cli,
               [IP(bytes(f1)), f2, f3], exps, is_frag6(0x2727))


def t_row27_tcp_nonfirst():
    # A non-first TCP fragment: Next Header 6 in the Fragment Header, the
    # payload untouched.
    body = bytes(range(200, 256)) * 2
    p = ip4(flags=0, frag=100, id=0x2728, proto=6) / Raw(body)
    exps = frags6(body, 6, 0x2728, 2048, base_off=100)
    xlat_test("row27-tcp-nonfirst-fragment-nh6-payload-verbatim", C.cli, p,
              exps, is_frag6(0x2728), [])


def t_row28_id_end_to_end():
    # High IDs too: the low 16 bits carried, the high 16 bits zero.
    # Middle fragments (offset 8, MF=1): the payload passes verbatim.
    for ident in (1234, 0xfedc):
        body = b"i" * 64
        p = ip4(flags="MF", frag=8, id=ident, proto=17) / Raw(body)
        exps = frags6(body, 17, ident, 2048, base_off=8, last_m=1)
        xlat_test("row28-fragment-id-%d-carried" % ident, C.cli, p, exps,
                  is_frag6(ident), [])


def t_row29_df_mf_translated():
    u = UDP(sport=40029, dport=9) / (b"x" * 120)
    l4 = v4_l4(CLI4, SRV4, u)
    l4v6 = v6_l4(CLI6, SRV6, u)
    p = ip4(flags="DF+MF", frag=0, id=0x2929, proto=17) / Raw(l4[:96])
    exps = frags6(l4v6[:96], 17, 0x2929, 2048, last_m=1)
    xlat_test("row29-df-mf-fragment-translated-as-fragment", C.cli, p, exps,
              is_frag6(0x2929), [])


def t_row29_df_mf_too_big():
    # A 1500-byte DF+MF fragment is 1528 bytes once translated (Fragment
    # Header included): too big for the 1520 b6 link, so 3/4 with
    # MTU 1520 - 20 = 1500 (the RFC 7915 4.1 arithmetic).
    whole = UDP(sport=40129, dport=9) / (b"F" * 1600)
    l4 = v4_l4(CLI4, SRV4, whole)
    p = ip4(flags="DF+MF", frag=0, id=0x292a, proto=17) / Raw(l4[:1480])
    assert len(p) == 1500
    check = frag_needed_check(1500, {
        "src": CLI4, "dst": SRV4, "proto": 17, "len": 1500, "id": 0x292a,
        "flags": 1, "frag": 0}, 40129)
    with default_routes():
        drop_check("row29-df-mf-fragment-too-big-3-4-mtu-1500", C.cli, p,
                   {"xlat_icmp_err_6to4": 1},
                   lambda q: q.haslayer(IPv6) and q[IPv6].dst == SRV6,
                   reply=(lambda q: is_icmp4_err(q) and q[IP].dst == CLI4,
                          check))


def gso_expect_segments(sport, seq, payload, mss):
    out = []
    for i in range(0, len(payload), mss):
        out.append(TCP(sport=sport, dport=80, seq=seq + i, ack=0x01020304,
                       flags="A", window=501) / payload[i:i + mss])
    return out


def t_row30_gso_not_split():
    # A 3040-byte DF=0 GSO super-packet of 1040-byte segments: each segment
    # is 1060 bytes once translated, so nothing is fragmented. b6's TSO and
    # checksum offload are turned off so the IPv6 segments are cut, and
    # their checksums completed, before they reach s0 (a veth peer gets
    # them with the partial checksum otherwise).
    payload = bytes(range(256)) * 11 + b"g" * (3000 - 2816)
    raw = gso_tcp4_packet(40030, 0x30303030, payload, False, 0x3030)
    segs = gso_expect_segments(40030, 0x30303030, payload, 1000)
    exps = [ip6_46(nh=6, plen=len(s)) / s for s in segs]
    old = ethtool_tso("br", "b6"), ethtool_txcsum("br", "b6")
    ethtool_tso("br", "b6", 0)
    ethtool_txcsum("br", "b6", 0)
    try:
        for port in (C.cli, C.srv):
            port.drain()
        before = stats()
        send_gso_tcp4(raw, 1000)
        got, others = wait_for(C.srv, lambda q: out46(q) and (
            q.haslayer(FH) or (q.haslayer(TCP) and q[TCP].sport == 40030)),
            count=3)
        after = stats()
        errs = []
        if len(got) < 3:
            errs.append("expected 3 IPv6 TCP segments, got %d: %s" % (
                len(got), "; ".join(g.summary() for g in got)))
        for i, (e, g) in enumerate(zip(exps, got)):
            d = compare(e, g[IPv6]) + verify_csum(g[IPv6], TCP)
            if d:
                errs.append("segment %d:" % i)
                errs += d
        errs += no_fh([g[IPv6] for g in got])
        if after.get("fragmented_4to6", 0) != before.get("fragmented_4to6", 0):
            errs.append("fragmented_4to6 changed: the super-packet length "
                        "was used instead of the segment size")
        result("row30-gso-df0-segments-fit-not-fragmented", errs)
    finally:
        ethtool_txcsum("br", "b6", old[1])
        ethtool_tso("br", "b6", old[0])


def t_row30_gso_split():
    # Segments of 1440 bytes (1460 translated) > 1280: each segment is
    # fragmented on its own (1232 + 188), with the segment's IPv4 ID.
    payload = bytes(range(256)) * 10 + b"h" * (2800 - 2560)
    raw = gso_tcp4_packet(40130, 0x31313131, payload, False, 0x3130)
    segs = gso_expect_segments(40130, 0x31313131, payload, 1400)
    exps = []
    for i, s in enumerate(segs):
        exps += frags6(v6_l4(CLI6, SRV6, s), 6, 0x3130 + i, 1232)
    for port in (C.cli, C.srv):
        port.drain()
    send_gso_tcp4(raw, 1400)
    got, others = wait_for(C.srv, lambda q: out46(q) and q.haslayer(FH) and
                           q[FH].id in (0x3130, 0x3131), count=4)
    errs = []
    if len(got) < 4:
        errs.append("expected 4 IPv6 fragments, got %d: %s (others: %s)" % (
            len(got), "; ".join(g.summary() for g in got),
            "; ".join(o.summary() for o in others[:3])))
    got = sorted(got, key=lambda g: (g[FH].id, g[FH].offset))
    for i, (e, g) in enumerate(zip(exps, got)):
        d = compare(e, g[IPv6])
        if d:
            errs.append("fragment %d:" % i)
            errs += d
    errs += max_len(1280)([g[IPv6] for g in got])
    result("row30-gso-df0-each-segment-fragmented", errs)


def t_row6_flow_order():
    # RFC 7915 4, 5: one flow leaves in the order it arrived. RPS spreads
    # the BR's receive work over both CPUs; a 100-packet burst of one flow
    # must still come out in order (siitdc translates each packet in its
    # own receive path, with no queue of its own).
    rps = "/sys/class/net/b4/queues/rx-0/rps_cpus"
    run("ip", "netns", "exec", "br", "sh", "-c", "echo 3 > " + rps)
    try:
        for port in (C.cli, C.srv):
            port.drain()
        for i in range(100):
            C.cli.send(ip4() / UDP(sport=40600, dport=9) / (b"seq%04d" % i))
        got, _ = wait_for(C.srv, lambda q: q.haslayer(UDP) and
                          q[UDP].sport == 40600, timeout=3, count=100)
        seqs = [bytes(g[UDP].payload)[:7] for g in got]
        errs = []
        if len(seqs) != 100:
            errs.append("received %d of 100 packets" % len(seqs))
        if seqs != sorted(seqs):
            errs.append("reordered: %s" % b" ".join(seqs[:30]).decode())
        result("row6-single-flow-burst-in-order-with-rps", errs)
    finally:
        run("ip", "netns", "exec", "br", "sh", "-c", "echo 0 > " + rps)


TESTS = [
    t_row6_flow_order,
    t_row2_routing_segleft0,
    t_row3_icmp4_first_fragment, t_row3_icmp4_last_fragment,
    t_row3_icmp4_error_fragment, t_row3_icmp6_first_fragment,
    t_row3_icmp6_nonfirst_fragment,
    t_row4_udp_zero_csum_fragment,
    t_row5_6to4_ptb, t_row5_6to4_df0_fragmented,
    t_row7_native_4, t_row7_native_6, t_row7_more_specific_route,
    t_row8_eam_prefix_dst, t_row8_pool6_dst,
    t_row9_eam_on_top, t_row9_6to4_src_default,
    t_row10_version, t_row12_zeroize_tc,
    t_row17_src_pool6, t_row17_src_eam_prefix,
    t_row18_illegal_src,
    t_row19_err_from_127, t_row19_err_from_0,
    t_row20_dst_eam,
    t_row21_lsrr_unexpired, t_row21_ssrr_unexpired, t_row21_lsrr_expired,
    t_row21_other_options, t_row21_malformed,
    t_row22_df1_no_fh, t_row23_df0_no_fh,
    t_row24_boundary_fits, t_row24_boundary_split, t_row24_1500_tcp,
    t_row24_refragment,
    t_row25_lowest_mtu_1400,
    t_row26_df1_too_big,
    t_row27_fragment_fields, t_row27_tcp_nonfirst,
    t_row28_id_end_to_end,
    t_row29_df_mf_translated, t_row29_df_mf_too_big,
    t_row30_gso_not_split, t_row30_gso_split,
]


if __name__ == "__main__":
    sys.exit(run_tests("conf", TESTS))
