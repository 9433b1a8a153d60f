# SPDX-License-Identifier: GPL-2.0
"""
Conformance tests, checklist sections H to N (rows 81-130): IPv6 -> IPv4
headers, the Fragment Header, ICMPv6 -> ICMPv4 (every table row as a test
vector), ICMPv6 error payloads, ICMPv6 errors of the BR's own, IPv6 -> IPv4
transport, Packet Too Big. Rows 81-89, 91 and 101 are in pkt.py.

Every expected packet is built here from the input and the RFC rule: ICMP
messages byte by byte with their own checksum routine, inner packets with
scapy. Run by conf.sh in the qemu guest.
"""

import struct
import sys
import time

from pktlib import *  # noqa: F401,F403
import pktlib  # noqa: E402
from scapy.all import IPv6ExtHdrFragment, ICMPv6EchoReply  # noqa: E402

# About 40 tests prove that nothing comes out: 0.3 s is plenty on
# veth pairs and keeps the module under a minute.
pktlib.CAPTURE = 0.3

ROUTER6 = "2001:db8:6::99"          # an IPv6 router with no mapping
POOL6791 = "198.51.100.192/28"
POOL6791_LO, POOL6791_HI = 0xc63364c0, 0xc63364cf
BR4_AS6 = "2001:db8:46::c000:2fe"    # 192.0.2.254 in pool6


def siitctl(*args):
    return run("ip", "netns", "exec", "br", SIITCTL, *args)


def ipr(*args):
    return run("ip", "-n", "br", *args)


# --------------------------------------------------------------------------
# bytes

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def a6(addr):
    return socket.inet_pton(socket.AF_INET6, addr)


def icmp6_msg(src, dst, typ, code, word, body, bad_csum=False):
    """An ICMPv6 message (header + body) with its pseudo-header checksum."""
    msg = struct.pack("!BBHI", typ, code, 0, word) + body
    pseudo = a6(src) + a6(dst) + struct.pack("!I3xB", len(msg), 58)
    c = csum(pseudo + msg)
    if bad_csum:
        c ^= 0x0101
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def icmp6_err(typ, code, word, body, src=SRV6, dst=CLI6, hlim=64, tc=0,
              bad_csum=False):
    msg = icmp6_msg(src, dst, typ, code, word, body, bad_csum)
    return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=0, nh=58) /
                      Raw(msg)))


def icmp4_msg(typ, code, word, body):
    """An ICMPv4 message: checksum over the message only (row 99)."""
    msg = struct.pack("!BBHI", typ, code, 0, word) + body
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp4_err(typ, code, word, body, src=SRV4, ttl=63, tos=0):
    return IP(bytes(IP(src=src, dst=CLI4, ttl=ttl, tos=tos, flags=0, frag=0,
                       id=0, proto=1) / Raw(icmp4_msg(typ, code, word, body))))


# The packet in error: what the translator sent to the server for a client
# datagram (CLI6 -> SRV6), and its IPv4 form as the client sent it (the
# translated inner header has ID 0, and DF by the row 84 rule).
def inner6(body=PAYLOAD, hlim=63, tc=0, sport=40100, dport=53, l4=None):
    l4 = l4 if l4 is not None else UDP(sport=sport, dport=dport) / body
    return bytes(IPv6(src=CLI6, dst=SRV6, hlim=hlim, tc=tc, fl=0) / l4)


def inner4(body=PAYLOAD, hlim=63, tc=0, sport=40100, dport=53, l4=None):
    l4 = l4 if l4 is not None else UDP(sport=sport, dport=dport) / body
    p = IP(src=CLI4, dst=SRV4, ttl=hlim, tos=tc, id=0, flags=0) / l4
    if len(p) > 1260:
        p.flags = "DF"
    return bytes(p)


def to_cli_icmp(q):
    return q.haslayer(IP) and q[IP].dst == CLI4 and q[IP].proto == 1


def in_pool(q):
    a = struct.unpack("!I", socket.inet_aton(q[IP].src))[0]
    if POOL6791_LO <= a <= POOL6791_HI:
        return []
    return ["outer source %s not in pool6791v4 %s" % (q[IP].src, POOL6791)]


def err_test(name, typ6, code6, word6, body6, typ4, code4, word4, body4,
             src6=SRV6, hlim=64, tc=0):
    """An ICMPv6 error from src6 to the client, translated to the exact
    ICMPv4 error expected (outer src SRV4, or from pool6791v4 for an
    unmapped src6)."""
    p = icmp6_err(typ6, code6, word6, body6, src=src6, hlim=hlim, tc=tc)
    e = icmp4_err(typ4, code4, word4, body4, ttl=hlim - 1, tos=tc)
    ign, extra = IGN_ID, None
    if src6 != SRV6:
        ign = IGN_ID + ("IP.src",)
        extra = lambda pk: sum((in_pool(q) for q in pk), [])  # noqa: E731
    xlat_test(name, C.srv, p, e, to_cli_icmp, [(IP, "chksum"), (ICMP, "chksum")],
              ignore=ign, extra=extra)


def drop_err(name, p, counter):
    drop_test(name, C.srv, p, counter, to_cli_icmp)


def with_settings(settings, restore, fn):
    siitctl("set", *settings)
    try:
        fn()
    finally:
        siitctl("set", *restore)


def pool6791(fn):
    with_settings(["pool6791v4", POOL6791], ["pool6791v4", "none"], fn)


def stats_logged():
    """pktlib.stats(), with siitctl's message printed if it fails (seen
    once, transiently); one retry."""
    try:
        return stats()
    except subprocess.CalledProcessError as e:
        print("# siitctl stats failed (rc %d): %s" % (e.returncode,
                                                    (e.output or "").strip()))
        time.sleep(0.1)
        return stats()


def counters_test(name, inject, sends, deltas, nothing_match, reply=None,
                  nreplies=None):
    """Sends each packet of sends; expects nothing matching on the far side,
    each counter of deltas changed by exactly its value, and on the
    injecting side either nreplies answers matching reply[0] (each checked
    by reply[1](pkt, sent_frame)), or none if nreplies is 0."""
    far = C.srv if inject is C.cli else C.cli
    errs = []
    for port in (C.cli, C.srv):
        port.drain()
    before = stats_logged()
    sent = [inject.send(s) for s in sends]
    rmatch = reply[0] if reply else (lambda q: False)
    got_far, got_back = [], []
    end = time.monotonic() + pktlib.CAPTURE
    while time.monotonic() < end:
        r, _, _ = select.select([C.cli.sock, C.srv.sock], [], [],
                                max(0.0, end - time.monotonic()))
        for port in (C.cli, C.srv):
            if port.sock not in r:
                continue
            for f in port.recv_frames(0):
                q = Ether(f)
                if port is far and nothing_match(q):
                    got_far.append(q)
                elif port is inject and rmatch(q):
                    got_back.append(q)
    if got_far:
        errs.append("input: %s" % sends[0].summary())
        errs.append("expected: nothing out on %s; got %d: %s" %
                    (far.name, len(got_far), got_far[0].summary()))
    if nreplies is not None and len(got_back) != nreplies:
        errs.append("expected %d answer(s) on %s, got %d%s" %
                    (nreplies, inject.name, len(got_back),
                     ": " + got_back[0].summary() if got_back else ""))
    if reply and len(reply) > 1:
        for q in got_back[:1]:
            errs += reply[1](q, sent[0])
    after = stats_logged()
    for k, d in deltas.items():
        got = after.get(k, 0) - before.get(k, 0)
        if k not in after:
            errs.append("counter %s not in siitctl stats" % k)
        elif got != d:
            errs.append("counter %s: expected %+d, got %+d" % (k, d, got))
    if errs:
        changed = {k: after[k] - before.get(k, 0) for k in after
                   if after[k] != before.get(k, 0)}
        errs.append("counters changed: %s" % changed)
    result(name, errs)


def icmp6_back(q):
    return (q.haslayer(IPv6) and q[IPv6].nh == 58 and q[IPv6].dst == SRV6 and
            bytes(q[IPv6].payload)[0] < 128)


def check_icmp6_back(typ, code, word=0):
    """Checks an ICMPv6 error of the BR's own: from BR6, type/code/word,
    valid checksum, quoting the sent packet."""
    def check(q, sent):
        errs = []
        ip = q[IPv6]
        msg = bytes(ip.payload)[:ip.plen]
        if ip.src != BR6:
            errs.append("ICMPv6 src: expected %s, got %s" % (BR6, ip.src))
        t, c, _, w = struct.unpack("!BBHI", msg[:8])
        if (t, c, w) != (typ, code, word):
            errs.append("ICMPv6 type/code/word: expected %d/%d/%d, got %d/%d/%d"
                        % (typ, code, word, t, c, w))
        pseudo = a6(ip.src) + a6(ip.dst) + struct.pack("!I3xB", len(msg), 58)
        if csum(pseudo + msg):
            errs.append("ICMPv6 checksum invalid")
        orig = sent[14:]
        if msg[8:8 + len(orig)] != orig:
            errs.append("quoted packet: expected %s, got %s" %
                        (fmt(orig), fmt(msg[8:])))
        return errs
    return check


def back_test(name, port, send, expected, match, csums, ignore=()):
    """Like xlat_test, for an answer that comes back on the injecting port
    (an error generated by the BR's kernel and translated back)."""
    errs = []
    for pt in (C.cli, C.srv):
        pt.drain()
    port.send(send)
    got, others = wait_for(port, match)
    if not got:
        errs.append("input:    %s" % send.summary())
        errs.append("expected: %s" % expected.summary())
        errs.append("got: nothing matching on %s within %.1fs (%d other "
                    "frames%s)" % (port.name, pktlib.CAPTURE, len(others),
                                   ": " + "; ".join(o.summary() for o in
                                                    others[:3])
                                   if others else ""))
        return result(name, errs)
    g = l3(got[0], expected.__class__)
    d = compare(expected, g, ignore)
    for c, f in csums:
        d += verify_csum(g, c, f)
    if d:
        errs += ["input:    %s" % send.summary(),
                 "expected: %s" % expected.summary(),
                 "got:      %s" % g.summary()] + d
    result(name, errs)


def out_cli(q):
    return q.haslayer(IP) and q[IP].dst == CLI4 and q[IP].src == SRV4


# --------------------------------------------------------------------------
# H. IPv6 -> IPv4 header

def t_row90_dst():
    """Row 90: the IPv4 destination is extracted from pool6 (RFC 6052)."""
    dst4, dst6 = "192.0.2.77", "2001:db8:46::c000:24d"
    ipr("neigh", "replace", dst4, "lladdr", C.cli.mac, "dev", "b4",
        "nud", "permanent")
    try:
        p = ip6(dst=dst6) / UDP(sport=9, dport=40090) / PAYLOAD
        e = ip4_64(dst=dst4, proto=17) / UDP(sport=9, dport=40090) / PAYLOAD
        xlat_test("row90-dst-extracted-rfc6052", C.srv, p, e,
                  lambda q: is4(q, SRV4, dst4),
                  [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)
    finally:
        ipr("neigh", "del", dst4, "dev", "b4")


# --------------------------------------------------------------------------
# I. Fragment Header

def frag6(nh, offset=0, m=0, fid=0x11223344):
    return IPv6ExtHdrFragment(nh=nh, offset=offset, m=m, id=fid)


def t_row92_destopts_after_frag():
    p = ip6() / frag6(60) / IPv6ExtHdrDestOpt(nh=17) / UDP(sport=9, dport=40092) / PAYLOAD
    counters_test("row92-destopts-after-fraghdr-dropped-1-1", C.srv, [p],
                  {"drop_exthdr": 1, "icmp_err_sent": 1}, out_cli,
                  reply=(icmp6_back, check_icmp6_back(1, 1)), nreplies=1)


AH = bytes([17, 4, 0, 0]) + struct.pack("!II", 0x1000, 1) + b"\0" * 12


def t_row92_ah_after_frag():
    p = ip6() / frag6(51) / Raw(AH + bytes(UDP(sport=9, dport=40192)) + PAYLOAD)
    counters_test("row92-ah-after-fraghdr-dropped-1-1", C.srv, [p],
                  {"drop_exthdr": 1, "icmp_err_sent": 1}, out_cli,
                  reply=(icmp6_back, check_icmp6_back(1, 1)), nreplies=1)


def t_row92_esp_after_frag():
    """ESP is not an extension header to drop: translated, protocol 50."""
    esp = struct.pack("!II", 0x2000, 7) + bytes(range(48))
    p = ip6() / frag6(50, fid=0xabcd1234) / Raw(esp)
    e = ip4_64(proto=50, id=0x1234, flags=0, frag=0) / Raw(esp)
    xlat_test("row92-95-esp-after-fraghdr-translated-proto50", C.srv, p, e,
              out_cli, [(IP, "chksum")])


def t_row93_total_length():
    """Row 93: HBH + Fragment Header subtracted; first fragment, M=1."""
    body = bytes(range(200))
    u6 = bytes(IPv6(src=SRV6, dst=CLI6) / UDP(sport=9, dport=40093) / body)[40:48]
    u4 = bytes(IP(src=SRV4, dst=CLI4) / UDP(sport=9, dport=40093) / body)[20:28]
    part = body[:96]
    p = ip6() / IPv6ExtHdrHopByHop() / frag6(17, 0, 1, 0x0a0b0c0d) / Raw(u6 + part)
    raw = bytes(p)
    assert struct.unpack("!H", raw[4:6])[0] == 8 + 8 + 104
    e = ip4_64(proto=17, id=0x0c0d, flags="MF", frag=0, len=20 + 104) / Raw(u4 + part)
    xlat_test("row93-total-length-minus-hbh-and-fraghdr", C.srv, IPv6(raw), e,
              out_cli, [(IP, "chksum")])


def t_row94_id_offset():
    """Row 94 (Jool cj): fragment ID 16909320 -> IPv4 ID 1032; offset
    copied; last fragment: MF 0, DF 0."""
    body = bytes(range(100, 180))
    p = ip6() / frag6(17, offset=185, m=0, fid=16909320) / Raw(body)
    e = ip4_64(proto=17, id=1032, flags=0, frag=185) / Raw(body)
    xlat_test("row94-frag-id-16909320-to-1032-offset-185", C.srv, p, e,
              out_cli, [(IP, "chksum")])


def t_row94_df0_large():
    """Row 94: DF = 0 even above 1260 bytes; MF = M."""
    body = bytes([0x94]) * 1400
    p = ip6() / frag6(17, offset=0x155, m=1, fid=0x7777aaaa) / Raw(body)
    e = ip4_64(proto=17, id=0xaaaa, flags="MF", frag=0x155,
               len=20 + 1400) / Raw(body)
    xlat_test("row94-fragment-1420-df0-mf1", C.srv, p, e, out_cli,
              [(IP, "chksum")])


def t_row95_proto_after_exthdrs():
    body = bytes(range(64))
    p = (ip6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
         frag6(6, offset=10, m=1, fid=0x95) / Raw(body))
    e = ip4_64(proto=6, id=0x95, flags="MF", frag=10) / Raw(body)
    xlat_test("row95-proto-tcp-after-hbh-destopts-frag", C.srv, p, e,
              out_cli, [(IP, "chksum")])


def t_row95_icmp_frag_first():
    """Row 95 / row 3: a fragmented ICMPv6 message is dropped (first)."""
    echo = bytes(ICMPv6EchoRequest(id=1, seq=1, data=b"x" * 64))
    p = ip6() / frag6(58, 0, 1, 0x9501) / Raw(echo)
    drop_test("row95-icmpv6-first-fragment-dropped", C.srv, p,
              "drop_icmp_fragment", out_cli)


def t_row95_icmp_frag_later():
    p = ip6() / frag6(58, 8, 0, 0x9502) / Raw(b"y" * 40)
    drop_test("row95-icmpv6-later-fragment-dropped", C.srv, p,
              "drop_icmp_fragment", out_cli)


def t_row96_ptb():
    """Row 96 (Jool cg): DF=1 packet over an IPv4 next hop of MTU 1400:
    the kernel's Frag-Needed comes back as ICMPv6 PTB 1420."""
    ptb_test("row96-df1-over-ipv4-mtu-1400-ptb-1420", 1400, 1500, 1420)


def t_row96_ptb_floor():
    """Row 96: IPv4 MTU 1200 + 20 < 1280: PTB floor 1280."""
    ptb_test("row96-df1-over-ipv4-mtu-1200-ptb-floor-1280", 1200, 1300, 1280)


def ptb_test(name, mtu4, size, want):
    from scapy.all import ICMPv6PacketTooBig
    body = bytes([0x96]) * (size - 48)
    p = ip6() / UDP(sport=9, dport=40096) / body
    raw = bytes(p)
    assert len(raw) == size
    # icmp_send() quotes 548 bytes of IPv4 (576 in all); 4->6 adds 20.
    quote = raw[:548 + 20]
    e = (IPv6(src=BR4_AS6, dst=SRV6, tc=0xc0, fl=0, hlim=64) /
         ICMPv6PacketTooBig(mtu=want) / Raw(quote))
    added = False
    try:
        try:
            run("ip", "-n", "br", "route", "get", SRV4)
        except subprocess.CalledProcessError:
            # The kernel needs an IPv4 route to the source to answer.
            ipr("route", "add", SRV4 + "/32", "dev", "b6")
            added = True
        ipr("link", "set", "dev", "b4", "mtu", str(mtu4))
        back_test(name, C.srv, IPv6(raw), IPv6(bytes(e)),
                  lambda q: q.haslayer(ICMPv6PacketTooBig) and
                  q[IPv6].dst == SRV6,
                  [(ICMPv6PacketTooBig, "cksum")])
    finally:
        ipr("link", "set", "dev", "b4", "mtu", "1500")
        if added:
            ipr("route", "del", SRV4 + "/32", "dev", "b6")


def t_row97_atomic_udp():
    """Row 97: atomic fragment -> unfragmented, DF 0, ID from the
    Fragment Header, checksum updated."""
    p = ip6() / frag6(17, 0, 0, 0xdeadbeef) / UDP(sport=9, dport=40097) / PAYLOAD
    e = ip4_64(proto=17, id=0xbeef, flags=0) / UDP(sport=9, dport=40097) / PAYLOAD
    xlat_test("row97-atomic-fragment-udp-df0-id-from-fraghdr", C.srv, p, e,
              out_cli, [(IP, "chksum"), (UDP, "chksum")])


def t_row97_atomic_large():
    body = bytes([0x97]) * 1300
    p = ip6() / frag6(17, 0, 0, 0x00012345) / UDP(sport=9, dport=40197) / body
    e = (ip4_64(proto=17, id=0x2345, flags=0, len=20 + 8 + 1300) /
         UDP(sport=9, dport=40197) / body)
    xlat_test("row97-atomic-fragment-1328-still-df0", C.srv, p, e, out_cli,
              [(IP, "chksum"), (UDP, "chksum")])


def t_row97_atomic_icmp():
    """Row 97: an atomic fragment is not 'fragmented' for ICMP."""
    p = ip6() / frag6(58, 0, 0, 0x55) / ICMPv6EchoRequest(id=0x97, seq=3,
                                                          data=PAYLOAD)
    e = ip4_64(proto=1, id=0x55, flags=0) / ICMP(type=8, code=0, id=0x97,
                                                 seq=3) / PAYLOAD
    xlat_test("row97-atomic-fragment-icmpv6-echo-translated", C.srv, p, e,
              out_cli, [(IP, "chksum"), (ICMP, "chksum")])


def t_row98_double_frag():
    p = (ip6() / frag6(44, 0, 0, 0x98) / frag6(17, 0, 0, 0x98) /
         UDP(sport=9, dport=40098) / PAYLOAD)
    counters_test("row98-double-fraghdr-dropped-1-1", C.srv, [p],
                  {"drop_exthdr": 1, "icmp_err_sent": 1}, out_cli,
                  reply=(icmp6_back, check_icmp6_back(1, 1)), nreplies=1)


def t_row98_mh_after_frag():
    """Mobility Header (135), an IPv6 extension header (RFC 6275, IANA),
    after the Fragment Header: dropped like DestOpts."""
    mh = bytes([59, 1, 0, 0]) + b"\0" * 12
    p = ip6() / frag6(135, 0, 0, 0x198) / Raw(mh)
    counters_test("row98-mobility-hdr-after-fraghdr-dropped-1-1", C.srv, [p],
                  {"drop_exthdr": 1, "icmp_err_sent": 1}, out_cli,
                  reply=(icmp6_back, check_icmp6_back(1, 1)), nreplies=1)


# --------------------------------------------------------------------------
# J. ICMPv6 -> ICMPv4

def t_row99_100_csum_inner():
    """Rows 99, 100: ICMPv4 checksum without pseudo-header; the inner TCP
    header translated with its checksum."""
    tcp = TCP(sport=40100, dport=80, flags="S", seq=99, window=1000)
    b6 = inner6(l4=tcp)
    b4 = inner4(l4=tcp)
    err_test("row99-100-icmpv4-csum-no-pseudohdr-inner-tcp", 1, 4, 0, b6,
             3, 3, 0, b4)


def t_row102_mld():
    from scapy.all import ICMPv6MLQuery
    p = ip6() / ICMPv6MLQuery()
    drop_err("row102-mld-query-130-dropped", p, "drop_icmp_type")


def t_row102_mld_report():
    p = ip6(nh=58) / Raw(icmp6_msg(SRV6, CLI6, 131, 0, 0, a6("ff02::1:3")))
    drop_err("row102-mld-report-131-dropped", p, "drop_icmp_type")


def t_row102_nd():
    from scapy.all import ICMPv6ND_NS
    p = ip6(hlim=255) / ICMPv6ND_NS(tgt=CLI6)
    drop_err("row102-nd-ns-135-dropped", p, "drop_icmp_type")


def t_row102_redirect():
    p = ip6(hlim=255, nh=58) / Raw(icmp6_msg(SRV6, CLI6, 137, 0, 0,
                                      a6(BR6) + a6(CLI6)))
    drop_err("row102-nd-redirect-137-dropped", p, "drop_icmp_type")


def t_row103_unknown_info():
    p = ip6(nh=58) / Raw(icmp6_msg(SRV6, CLI6, 200, 0, 0x01020304, PAYLOAD))
    drop_err("row103-unknown-informational-200-dropped", p, "drop_icmp_type")


UNREACH = [(104, 0, 1), (105, 1, 10), (106, 2, 1), (107, 3, 1), (108, 4, 3)]


def make_unreach(row, c6, c4):
    def t():
        err_test("row%d-icmpv6-1-%d-to-icmpv4-3-%d" % (row, c6, c4), 1, c6, 0,
                 inner6(sport=40000 + row), 3, c4, 0, inner4(sport=40000 + row))
    t.__name__ = "t_row%d" % row
    return t


def t_row104_router():
    """Row 104 from an unmapped IPv6 router: source from pool6791v4."""
    pool6791(lambda: err_test("row104-1-0-from-unmapped-router-pool6791", 1,
                              0, 0, inner6(), 3, 1, 0, inner4(), src6=ROUTER6))


def make_drop_unreach(c6):
    def t():
        drop_err("row109-icmpv6-1-%d-dropped" % c6,
                 icmp6_err(1, c6, 0, inner6()), "drop_icmp_type")
    t.__name__ = "t_row109_%d" % c6
    return t


def ptb_vec(name, mtu_in, want):
    err_test(name, 2, 0, mtu_in, inner6(body=b"P" * 100), 3, 4, want & 0xffff,
             inner4(body=b"P" * 100))


def t_row110_1400():
    ptb_vec("row110-ptb-1400-to-3-4-mtu-1380", 1400, 1380)


def t_row110_1280():
    ptb_vec("row110-ptb-1280-to-mtu-1260", 1280, 1260)


def t_row110_nexthop():
    """min(MTU_in - 20, IPv4 next hop 1500, IPv6 next hop 1520 - 20)."""
    ptb_vec("row110-ptb-9000-bounded-by-next-hops-1500", 9000, 1500)


def t_row110_router():
    pool6791(lambda: err_test("row110-ptb-from-unmapped-router-pool6791", 2, 0,
                              1450, inner6(), 3, 4, 1430, inner4(),
                              src6=ROUTER6))


def t_row116_huge_mtu():
    """Row 116: a 32-bit MTU is not truncated to 16 bits: 0x101400 - 20
    would read 1260 truncated; the next hops give 1500."""
    ptb_vec("row116-ptb-mtu-0x101400-not-truncated", 0x101400, 1500)


def t_row116_max():
    """Row 116: next hops of 65535: min(0x100514 - 20, 65535, 65535 - 20)
    = 65515; a 16-bit truncation would give 1280."""
    try:
        ipr("link", "set", "dev", "b4", "mtu", "65535")
        ipr("link", "set", "dev", "b6", "mtu", "65535")
        ptb_vec("row116-ptb-mtu-0x100514-big-links-65515", 0x100514, 65515)
    finally:
        ipr("link", "set", "dev", "b4", "mtu", "1500")
        ipr("link", "set", "dev", "b6", "mtu", "1520")


def t_row116_tiny():
    """Row 116: MTU_in < 20 does not wrap around: 0 (RFC 1191 'unknown')."""
    ptb_vec("row116-ptb-mtu-10-gives-0-no-wrap", 10, 0)


def t_row116_zero():
    ptb_vec("row116-ptb-mtu-0-gives-0-no-wrap", 0, 0)


def t_row111_te():
    for c in (0, 1):
        err_test("row111-icmpv6-3-%d-to-11-%d" % (c, c), 3, c, 0,
                 inner6(sport=40111 + c), 11, c, 0, inner4(sport=40111 + c))


def t_row111_router():
    """Traceroute through an IPv6 router with no mapping (RFC 6791)."""
    pool6791(lambda: err_test("row111-3-0-from-unmapped-router-pool6791", 3, 0,
                              0, inner6(hlim=1), 11, 0, 0, inner4(hlim=1),
                              src6=ROUTER6))


PTR = [(0, 0), (1, 1), (4, 2), (5, 2), (6, 9), (7, 8), (8, 12), (23, 12),
       (24, 16), (39, 16)]
PTR_NA = [2, 3, 40, 41, 0x10006]


def make_ptr(p6, p4):
    def t():
        err_test("row112-param-4-0-ptr-%d-to-12-0-ptr-%d" % (p6, p4), 4, 0, p6,
                 inner6(sport=41000 + p6), 12, 0, p4 << 24,
                 inner4(sport=41000 + p6))
    t.__name__ = "t_row112_%d" % p6
    return t


def make_ptr_na(p6):
    def t():
        drop_err("row112-param-4-0-ptr-%d-dropped" % p6,
                 icmp6_err(4, 0, p6, inner6()), "drop_icmp_type")
    t.__name__ = "t_row112_na_%d" % p6
    return t


def t_row113():
    """4/1 (pointer 6, the Next Header) -> 3/2, no pointer."""
    err_test("row113-param-4-1-to-3-2", 4, 1, 6, inner6(sport=40113), 3, 2, 0,
             inner4(sport=40113))


def t_row114():
    drop_err("row114-param-4-2-dropped", icmp6_err(4, 2, 40, inner6()),
             "drop_icmp_type")


def t_row114_other():
    drop_err("row114-param-4-3-dropped", icmp6_err(4, 3, 0, inner6()),
             "drop_icmp_type")


def t_row115():
    for t in (5, 100, 127):
        drop_err("row115-unknown-error-type-%d-dropped" % t,
                 icmp6_err(t, 0, 0, inner6()), "drop_icmp_type")


# --------------------------------------------------------------------------
# K. ICMPv6 error payload

def t_row117_ttl():
    """Inner hop limit 17 -> inner TTL 17, inner TC -> inner TOS; outer
    hop limit 50 -> TTL 49; outer Total Length recomputed."""
    err_test("row117-inner-ttl-not-decremented-tos", 1, 4, 0,
             inner6(hlim=17, tc=0x28, sport=40117), 3, 3, 0,
             inner4(hlim=17, tc=0x28, sport=40117), hlim=50, tc=0x48)


def t_row117_echo():
    """The inner ICMPv6 echo becomes an ICMPv4 echo (type, checksum)."""
    l6 = ICMPv6EchoRequest(id=0x117, seq=1, data=PAYLOAD)
    b6 = bytes(IPv6(src=CLI6, dst=SRV6, hlim=63) / l6)
    b4 = bytes(IP(src=CLI4, dst=SRV4, ttl=63, id=0, flags=0) /
               ICMP(type=8, id=0x117, seq=1) / PAYLOAD)
    err_test("row117-inner-icmpv6-echo-to-icmpv4-echo", 3, 0, 0, b6, 11, 0, 0, b4)


def t_row117_inner_exthdr():
    """Inner extension headers are skipped and subtracted."""
    l4 = UDP(sport=40217, dport=53) / PAYLOAD
    b6 = bytes(IPv6(src=CLI6, dst=SRV6, hlim=63) / IPv6ExtHdrDestOpt() / l4)
    err_test("row117-inner-destopts-skipped", 1, 4, 0, b6, 3, 3, 0,
             inner4(l4=l4))


def t_row118_nested():
    b6 = bytes(IPv6(src=CLI6, dst=SRV6, hlim=63, nh=58) /
               Raw(icmp6_msg(CLI6, SRV6, 1, 4, 0, inner6()[:48])))
    drop_err("row118-error-in-error-dropped", icmp6_err(1, 0, 0, b6),
             "drop_icmp_err_nested")


def t_row119_truncate():
    """A 1280-byte packet in error: the ICMPv4 error is 576 bytes."""
    body = bytes(range(256)) * 4 + bytes(range(208))
    b6 = inner6(body=body, sport=40119)
    assert len(b6) == 1280
    b4 = inner4(body=body, sport=40119)
    assert len(b4) == 1260
    err_test("row119-inner-1280-truncated-to-576", 1, 4, 0, b6, 3, 3, 0,
             b4[:576 - 28])


def rfc4884_ext():
    obj = struct.pack("!HBB", 8, 2, 1) + bytes([0xde, 0xad, 0xbe, 0xef])
    hdr = bytes([0x20, 0, 0, 0])
    c = csum(hdr + obj)
    return hdr[:2] + struct.pack("!H", c) + obj


def ext_vec(name, t6, c6, t4, c4, nbody, pad6):
    """An ICMPv6 error with an RFC 4884 extension: original datagram of
    the inner packet padded to pad6 octets (length = pad6/8). Expected:
    inner packet translated, padded to >= 128 and to 32 bits, length in
    32-bit words, extension copied verbatim."""
    body = bytes(range(nbody))
    b6, b4 = inner6(body=body, sport=40120), inner4(body=body, sport=40120)
    assert len(b6) <= pad6 and pad6 % 8 == 0
    ext = rfc4884_ext()
    o6 = b6 + b"\0" * (pad6 - len(b6))
    pad4 = max(128, (len(b4) + 3) // 4 * 4)
    o4 = b4 + b"\0" * (pad4 - len(b4))
    err_test(name, t6, c6, (pad6 // 8) << 24, o6 + ext, t4, c4,
             (pad4 // 4) << 16, o4 + ext)


def t_row120_a():
    ext_vec("row120-rfc4884-len16x8-to-len32x4-pad", 1, 4, 3, 3, 80, 128)


def t_row120_b():
    ext_vec("row120-rfc4884-short-inner-repadded", 1, 0, 3, 1, 52, 128)


def t_row120_c():
    ext_vec("row120-rfc4884-len25x8-to-len45x4", 3, 0, 11, 0, 152, 200)


def t_row121_bad_csum():
    drop_err("row121-bad-icmpv6-csum-dropped",
             icmp6_err(1, 4, 0, inner6(), bad_csum=True), "drop_malformed")


def t_row122_inner_src():
    """Inner source (the error's receiver side) outside pool6."""
    b6 = bytes(IPv6(src="2001:db8:99::1", dst=SRV6, hlim=63) /
               UDP(sport=40122, dport=53) / PAYLOAD)
    drop_err("row122-inner-src-untranslatable-dropped",
             icmp6_err(1, 4, 0, b6), "drop_icmp_err_inner")


def t_row122_inner_dst():
    """Inner destination with no EAM: RFC 6791 is not applied inside."""
    def t():
        b6 = bytes(IPv6(src=CLI6, dst=UNMAPPED6, hlim=63) /
                   UDP(sport=40122, dport=53) / PAYLOAD)
        drop_err("row122-inner-dst-untranslatable-dropped-even-with-pool6791",
                 icmp6_err(1, 4, 0, b6, src=ROUTER6), "drop_icmp_err_inner")
    pool6791(t)


# --------------------------------------------------------------------------
# L. ICMPv6 errors of the BR's own

def denylist(fn):
    with_settings(["denylist4", CLI4], ["denylist4", "none"], fn)


def t_row123_udp():
    p = ip6() / UDP(sport=9, dport=40123) / PAYLOAD
    denylist(lambda: counters_test(
        "row123-124-denylisted-udp-answered-1-1", C.srv, [p],
        {"drop_denylist": 1, "icmp_err_sent": 1}, out_cli,
        reply=(icmp6_back, check_icmp6_back(1, 1)), nreplies=1))


def t_row123_echo():
    p = ip6() / ICMPv6EchoRequest(id=0x123, seq=1, data=PAYLOAD)
    denylist(lambda: counters_test(
        "row123-denylisted-icmpv6-echo-not-answered", C.srv, [p],
        {"drop_denylist": 1, "icmp_err_sent": 0}, out_cli,
        reply=(icmp6_back,), nreplies=0))


def t_row123_echo_reply():
    p = ip6() / ICMPv6EchoReply(id=0x123, seq=2, data=PAYLOAD)
    denylist(lambda: counters_test(
        "row123-denylisted-icmpv6-echo-reply-not-answered", C.srv, [p],
        {"drop_denylist": 1, "icmp_err_sent": 0}, out_cli,
        reply=(icmp6_back,), nreplies=0))


def t_row123_error():
    """An ICMPv6 error toward a denylisted IPv4 address: not translated
    ('never translated, in either direction'), not answered."""
    p = icmp6_err(1, 4, 0, inner6())
    denylist(lambda: counters_test(
        "row123-denylisted-icmpv6-error-dropped-not-answered", C.srv, [p],
        {"drop_denylist": 1, "icmp_err_sent": 0}, to_cli_icmp,
        reply=(icmp6_back,), nreplies=0))


def t_row125_off():
    p = ip6() / UDP(sport=9, dport=40125) / PAYLOAD

    def t():
        counters_test("row125-icmp-errors-off-no-answer", C.srv, [p],
                      {"drop_denylist": 1, "icmp_err_sent": 0}, out_cli,
                      reply=(icmp6_back,), nreplies=0)
    with_settings(["denylist4", CLI4, "icmp-errors", "off"],
                  ["denylist4", "none", "icmp-errors", "on"], t)


def t_row125_ratelimit():
    ps = [ip6() / UDP(sport=9, dport=40225 + i) / PAYLOAD for i in range(3)]

    def t():
        counters_test("row125-icmp-ratelimit-1-per-s", C.srv, ps,
                      {"drop_denylist": 3, "icmp_err_sent": 1,
                       "icmp_err_ratelimited": 2}, out_cli,
                      reply=(icmp6_back, check_icmp6_back(1, 1)), nreplies=1)
    with_settings(["denylist4", CLI4, "icmp-ratelimit", "1"],
                  ["denylist4", "none", "icmp-ratelimit", "1000"], t)


# --------------------------------------------------------------------------
# M. transport

def udp_body_for_csum(want):
    """A payload whose IPv4 UDP checksum field (SRV4 -> CLI4) is `want`
    (0xffff: the computed sum is 0, sent as 0xffff)."""
    base = b"csum" + b"\0\0" + bytes(range(30))
    u = UDP(sport=9, dport=40126, len=8 + len(base), chksum=0)
    pseudo = (socket.inet_aton(SRV4) + socket.inet_aton(CLI4) +
              struct.pack("!xBH", 17, 8 + len(base)))
    c = csum(pseudo + bytes(u) + base)   # ~sum with the two bytes zero
    # Adding w to the sum gives ~(sum + w); 0 (-> 0xffff) when sum + w = 0xffff.
    w = c
    return base[:4] + struct.pack("!H", w) + base[6:]


def t_row126_udp_ffff():
    body = udp_body_for_csum(0xffff)
    p = ip6() / UDP(sport=9, dport=40126) / body
    assert p.__class__(bytes(p))[UDP].chksum not in (0,)
    e = ip4_64(proto=17) / UDP(sport=9, dport=40126, chksum=0xffff) / body
    xlat_test("row126-udp-csum-computes-to-0-sent-as-ffff", C.srv, p, e,
              out_cli, [(IP, "chksum")], ignore=IGN_ID)


def t_row126_echo_reply():
    p = ip6() / ICMPv6EchoReply(id=0x126, seq=5, data=PAYLOAD * 3)
    e = ip4_64(proto=1) / ICMP(type=0, code=0, id=0x126, seq=5) / (PAYLOAD * 3)
    xlat_test("row126-icmpv6-echo-reply-to-0-csum", C.srv, p, e, out_cli,
              [(IP, "chksum"), (ICMP, "chksum")], ignore=IGN_ID)


def t_row126_tcp_data():
    tcp = TCP(sport=443, dport=40126, flags="PA", seq=7, ack=9) / (b"T" * 301)
    p = ip6() / tcp
    e = ip4_64(proto=6) / TCP(sport=443, dport=40126, flags="PA", seq=7,
                              ack=9) / (b"T" * 301)
    xlat_test("row126-tcp-data-csum", C.srv, p, e, out_cli,
              [(IP, "chksum"), (TCP, "chksum")], ignore=IGN_ID)


def t_row127_dccp():
    body = bytes(range(255, 155, -1))
    p = ip6(nh=33) / Raw(body)
    e = ip4_64(proto=33) / Raw(body)
    xlat_test("row127-dccp-33-forwarded-verbatim", C.srv, p, e, out_cli,
              [(IP, "chksum")], ignore=IGN_ID)


def t_row127_sctp():
    body = bytes(range(64))
    p = ip6(nh=132) / Raw(body)
    e = ip4_64(proto=132) / Raw(body)
    xlat_test("row127-sctp-132-forwarded-verbatim", C.srv, p, e, out_cli,
              [(IP, "chksum")], ignore=IGN_ID)


def t_row128_udp_zero():
    p = ip6() / UDP(sport=9, dport=40128, chksum=0) / PAYLOAD
    e = ip4_64(proto=17) / UDP(sport=9, dport=40128, chksum=0) / PAYLOAD
    xlat_test("row128-ipv6-udp-zero-csum-passed-as-zero", C.srv, p, e,
              out_cli, [(IP, "chksum")], ignore=IGN_ID)


# --------------------------------------------------------------------------
# N. Packet Too Big

def t_row129_floor():
    """4->6: an ICMPv4 Frag-Needed MTU of 1000 gives PTB 1280."""
    ptb4_test("row129-frag-needed-1000-ptb-floor-1280", 1000, 1280)


def t_row129_above():
    ptb4_test("row129-frag-needed-1400-ptb-1420", 1400, 1420)


def ptb4_test(name, mtu, want):
    from scapy.all import ICMPv6PacketTooBig
    # The packet the server sent, as the IPv4 router saw it (DF=1).
    body = b"S" * 1400
    in4 = bytes(IP(src=SRV4, dst=CLI4, ttl=40, id=0, flags="DF") /
                UDP(sport=443, dport=40129) / body)
    in6 = bytes(IPv6(src=SRV6, dst=CLI6, hlim=40, tc=0, fl=0) /
                UDP(sport=443, dport=40129) / body)
    router4 = "203.0.113.1"
    quote = in4[:548]
    p = IP(src=router4, dst=SRV4, ttl=64, id=0x129, flags=0, proto=1) / Raw(
        struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote)
    raw = bytearray(bytes(p))
    raw[22:24] = struct.pack("!H", csum(bytes(raw[20:])))
    e = (IPv6(src="2001:db8:46::cb00:7101", dst=SRV6, tc=0, fl=0, hlim=63) /
         ICMPv6PacketTooBig(mtu=want) / Raw(in6[:548 + 20]))
    xlat_test(name, C.cli, IP(bytes(raw)), IPv6(bytes(e)),
              lambda q: q.haslayer(ICMPv6PacketTooBig) and q[IPv6].dst == SRV6,
              [(ICMPv6PacketTooBig, "cksum")])


def t_row130_fragmented_by_ipv4_router():
    """A 1280-byte IPv6 packet -> 1260 bytes, DF 0 -> an IPv4 link of MTU
    1000 fragments it (976 + 264 payload bytes, same ID)."""
    body = bytes(range(256)) * 4 + bytes(range(208))
    p = ip6() / UDP(sport=9, dport=40130) / body
    assert len(p) == 1280
    full = bytes(IP(src=SRV4, dst=CLI4) / UDP(sport=9, dport=40130) / body)[20:]
    e1 = ip4_64(proto=17, flags="MF", frag=0, len=20 + 976) / Raw(full[:976])
    e2 = ip4_64(proto=17, flags=0, frag=122, len=20 + 264) / Raw(full[976:])

    def same_id(pk):
        if pk[0].id != pk[1].id:
            return ["fragment IDs differ: %d, %d" % (pk[0].id, pk[1].id)]
        return []

    try:
        ipr("link", "set", "dev", "b4", "mtu", "1000")
        xlat_test("row130-1260-df0-fragmented-by-ipv4-mtu-1000", C.srv, p,
                  [e1, e2], out_cli, [(IP, "chksum")], ignore=IGN_ID,
                  extra=same_id, count=2)
    finally:
        ipr("link", "set", "dev", "b4", "mtu", "1500")


TESTS = [
    t_row90_dst,
    t_row92_destopts_after_frag, t_row92_ah_after_frag, t_row92_esp_after_frag,
    t_row93_total_length, t_row94_id_offset, t_row94_df0_large,
    t_row95_proto_after_exthdrs, t_row95_icmp_frag_first,
    t_row95_icmp_frag_later, t_row96_ptb, t_row96_ptb_floor,
    t_row97_atomic_udp, t_row97_atomic_large, t_row97_atomic_icmp,
    t_row98_double_frag, t_row98_mh_after_frag,
    t_row99_100_csum_inner, t_row102_mld, t_row102_mld_report, t_row102_nd,
    t_row102_redirect, t_row103_unknown_info,
] + [make_unreach(*u) for u in UNREACH] + [t_row104_router] + [
    make_drop_unreach(c) for c in (5, 6, 7, 200)
] + [
    t_row110_1400, t_row110_1280, t_row110_nexthop, t_row110_router,
    t_row116_huge_mtu, t_row116_max, t_row116_tiny, t_row116_zero,
    t_row111_te, t_row111_router,
] + [make_ptr(a, b) for a, b in PTR] + [make_ptr_na(a) for a in PTR_NA] + [
    t_row113, t_row114, t_row114_other, t_row115,
    t_row117_ttl, t_row117_echo, t_row117_inner_exthdr, t_row118_nested,
    t_row119_truncate, t_row120_a, t_row120_b, t_row120_c, t_row121_bad_csum,
    t_row122_inner_src, t_row122_inner_dst,
    t_row123_udp, t_row123_echo, t_row123_echo_reply, t_row123_error,
    t_row125_off, t_row125_ratelimit,
    t_row126_udp_ffff, t_row126_echo_reply, t_row126_tcp_data,
    t_row127_dccp, t_row127_sctp, t_row128_udp_zero,
    t_row129_floor, t_row129_above, t_row130_fragmented_by_ipv4_router,
]


if __name__ == "__main__":
    sys.exit(run_tests("conf", TESTS))
