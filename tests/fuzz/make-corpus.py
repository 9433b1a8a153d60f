#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
Seed corpus for fuzz_xlat: writes corpus/NAME files, each one knob byte
(see fuzz_xlat.c) followed by a packet. Inner packets are built with scapy
(valid transport checksums); the ICMP messages, RFC 4884 padding and
extension structures are assembled here byte by byte, with their own
checksums, so that truncated and odd layouts are easy to express.

Run from anywhere: /usr/bin/python3 tests/fuzz/make-corpus.py
The output is deterministic; the files are committed.
"""
import os
import struct
import sys

from scapy.layers.inet import IP, TCP, UDP, ICMP
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                ICMPv6EchoRequest, ICMPv6DestUnreach)
from scapy.packet import Raw

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

# Knob byte: bit 0 IPv6, bit 1 zero_tc, bits 2-3 tos mode, bits 4-5 MTU
# mode, bits 6-7 mapping mode (see fuzz_xlat.c).
V4, V6 = 0x00, 0x01
ZERO_TC = 0x02
TOS_0, TOS_B8, TOS_256 = 0x04, 0x08, 0x0c
MTU_1500, MTU_SMALL, MTU_HUGE = 0x10, 0x20, 0x30
MAP_ALL, MAP_NULL = 0x80, 0xc0

# Outer addresses: an IPv4 router -> an IPv6 host behind the translator,
# an IPv6 router -> an IPv4 host. Inner: the packets in error.
R4, H4 = "192.0.2.1", "198.51.100.7"
C4 = "203.0.113.9"
R6 = "2001:db8:1::1"
H6 = "2001:db8:46::c633:6407"      # 198.51.100.7 embedded
C6 = "2001:db8:46::cb00:7109"      # 203.0.113.9 embedded


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def pseudo6(src, dst, length, nh=58):
    import socket
    return (socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, dst) +
            struct.pack("!IxxxB", length, nh))


def ext_struct():
    """RFC 4884 extension structure: version 2, one MPLS label object."""
    obj = struct.pack("!HBB", 8, 1, 1) + bytes([0x00, 0x01, 0x41, 0x40])
    hdr = bytes([0x20, 0x00, 0, 0])
    c = csum(hdr + obj)
    return bytes([0x20, 0x00]) + struct.pack("!H", c) + obj


def rfc4884(orig, unit):
    """Pads the original datagram to >= 128 octets and a unit boundary,
    appends an extension; returns (body, length attribute)."""
    n = max(128, (len(orig) + unit - 1) // unit * unit)
    body = orig[:n] + b"\0" * (n - len(orig[:n]))
    return body + ext_struct(), n // unit


def icmp4(t, c, word, body):
    """ICMPv4 message with @word as octets 4-7 and a valid checksum."""
    m = struct.pack("!BBHI", t, c, 0, word) + body
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def icmp6(t, c, word, body, src, dst):
    m = struct.pack("!BBHI", t, c, 0, word) + body
    s = csum(pseudo6(src, dst, len(m)) + m)
    return m[:2] + struct.pack("!H", s) + m[4:]


def outer4(msg, **kw):
    return bytes(IP(src=R4, dst=H4, ttl=64, proto=1, **kw) / Raw(msg))


def outer6(msg, exthdrs=None, src=R6, dst=C6):
    if exthdrs is None:
        return bytes(IPv6(src=src, dst=dst, hlim=64, nh=58) / Raw(msg))
    last = exthdrs
    while last.payload:
        last = last.payload
    last.nh = 58                    # scapy says 59 in front of Raw
    return bytes(IPv6(src=src, dst=dst, hlim=64) / exthdrs / Raw(msg))


# Inner IPv4 packets: sent by H4 (an IPv4 host) to C4 ... i.e. they went
# IPv4 -> IPv6 at the translator and an IPv6 router answered; for 4to6
# errors they went IPv6 -> IPv4 and an IPv4 router answered.
def in4_udp(n=12, **kw):
    return bytes(IP(src=C4, dst=H4, ttl=63, **kw) /
                 UDP(sport=5353, dport=33434) / Raw(b"U" * n))


def in4_tcp(n=0, **kw):
    return bytes(IP(src=C4, dst=H4, ttl=63, **kw) /
                 TCP(sport=443, dport=40000, flags="PA", seq=1, ack=2) /
                 Raw(b"T" * n))


def in4_echo(n=16, **kw):
    return bytes(IP(src=C4, dst=H4, ttl=63, **kw) /
                 ICMP(type=8, id=0x1234, seq=1) / Raw(b"E" * n))


def in6_udp(n=12, ext=None, src=H6, dst=R6.replace("::1", "::2")):
    p = IPv6(src=src, dst=dst, hlim=63)
    if ext is not None:
        p = p / ext
    return bytes(p / UDP(sport=5353, dport=33434) / Raw(b"u" * n))


def in6_tcp(n=0):
    return bytes(IPv6(src=H6, dst="2001:db8:1::2", hlim=63) /
                 TCP(sport=443, dport=40000, flags="PA") / Raw(b"t" * n))


def in6_echo(n=16):
    return bytes(IPv6(src=H6, dst="2001:db8:1::2", hlim=63) /
                 ICMPv6EchoRequest(id=7, seq=9) / Raw(b"e" * n))


SEEDS = {}


def seed(name, knob, pkt):
    assert name not in SEEDS, name
    SEEDS[name] = bytes([knob]) + pkt


def v4err(t, c, word, inner, ext=False, **kw):
    if ext:
        body, attr = rfc4884(inner, 4)
        word = (word & 0xff00ffff) | attr << 16
    else:
        body = inner
    return outer4(icmp4(t, c, word, body), **kw)


def v6err(t, c, word, inner, ext=False, exthdrs=None):
    if ext:
        body, attr = rfc4884(inner, 8)
        word = (word & 0x00ffffff) | attr << 24
    else:
        body = inner
    return outer6(icmp6(t, c, word, body, R6, C6), exthdrs)


def build():
    # ---- ICMPv4 errors (4to6) ----
    seed("v4-time-exceeded-udp", V4, v4err(11, 0, 0, in4_udp()))
    seed("v4-time-exceeded-reass", V4 | TOS_B8, v4err(11, 1, 0, in4_udp()))
    seed("v4-port-unreach-udp", V4, v4err(3, 3, 0, in4_udp(40), tos=0x28))
    seed("v4-port-unreach-zero-tc", V4 | ZERO_TC,
         v4err(3, 3, 0, in4_udp(), tos=0xb8))
    seed("v4-frag-needed-mtu1400", V4 | MTU_1500,
         v4err(3, 4, 1400, in4_tcp(1400)[:28 + 64]))
    seed("v4-frag-needed-mtu0", V4, v4err(3, 4, 0, in4_tcp(1480)[:28]))
    seed("v4-frag-needed-small", V4 | MTU_SMALL,
         v4err(3, 4, 0, in4_tcp(900)[:60]))
    seed("v4-frag-needed-huge", V4 | MTU_HUGE,
         v4err(3, 4, 9000, in4_tcp(20)))
    seed("v4-proto-unreach", V4, v4err(3, 2, 0, in4_udp()))
    seed("v4-host-unreach-tcp", V4, v4err(3, 1, 0, in4_tcp(8)))
    seed("v4-admin-prohib", V4 | TOS_0, v4err(3, 13, 0, in4_udp()))
    seed("v4-param-ptr-ttl", V4, v4err(12, 0, 8 << 24, in4_udp()))
    seed("v4-param-ptr-id", V4, v4err(12, 0, 4 << 24, in4_udp()))
    seed("v4-param-ptr-dst", V4, v4err(12, 2, 17 << 24, in4_tcp()))
    seed("v4-rfc4884-host-unreach", V4, v4err(3, 1, 0, in4_udp(), ext=True))
    seed("v4-rfc4884-time-exceeded-echo", V4,
         v4err(11, 0, 0, in4_echo(), ext=True))
    seed("v4-rfc4884-big-inner", V4,
         v4err(3, 3, 0, in4_udp(1200), ext=True))
    seed("v4-rfc4884-param", V4, v4err(12, 0, 9 << 24, in4_udp(), ext=True))
    seed("v4-inner-echo", V4 | MAP_ALL, v4err(3, 3, 0, in4_echo(24)))
    seed("v4-inner-frag-first", V4,
         v4err(11, 1, 0, in4_udp(40, id=0x4242, flags="MF")))
    seed("v4-inner-frag-later", V4,
         v4err(11, 1, 0, in4_udp(40, id=0x4242, frag=185)))
    seed("v4-inner-options", V4,
         v4err(3, 3, 0, in4_udp(8, options=b"\x01\x01\x01\x00")))
    seed("v4-outer-options-rr", V4,
         v4err(11, 0, 0, in4_udp(),
               options=b"\x07\x07\x04\x00\x00\x00\x00\x00"))
    seed("v4-outer-options-lsrr", V4,
         v4err(3, 3, 0, in4_udp(),
               options=b"\x83\x07\x04\xc0\x00\x02\x09\x00"))
    seed("v4-large-inner", V4 | MTU_SMALL,
         v4err(3, 3, 0, in4_udp(1400)))
    seed("v4-nested-error", V4,
         v4err(3, 3, 0, bytes(IP(src=C4, dst=H4) /
                              ICMP(type=3, code=3) / in4_udp()[:28])))
    seed("v4-inner-timestamp", V4,
         v4err(3, 3, 0, bytes(IP(src=C4, dst=H4) / ICMP(type=13) /
                              Raw(b"\0" * 12))))
    seed("v4-inner-unmappable", V4,
         v4err(3, 3, 0, bytes(IP(src="203.0.113.255", dst=H4) / UDP())))
    seed("v4-null-callbacks", V4 | MAP_NULL, v4err(3, 3, 0, in4_udp()))
    seed("v4-echo-request", V4, outer4(icmp4(8, 0, 0x10001, b"ping")))
    seed("v4-outer-fragment", V4,
         v4err(11, 0, 0, in4_udp(), flags="MF", id=7))
    seed("v4-trunc-outer", V4, v4err(3, 3, 0, in4_udp())[:10])
    seed("v4-trunc-inner-hdr", V4, v4err(3, 3, 0, in4_udp()[:20]))
    seed("v4-trunc-inner-short", V4, v4err(3, 3, 0, in4_udp()[:12]))

    # ---- ICMPv6 errors (6to4) ----
    seed("v6-port-unreach-udp", V6, v6err(1, 4, 0, in6_udp()))
    seed("v6-no-route-tcp", V6, v6err(1, 0, 0, in6_tcp(8)))
    seed("v6-admin-prohib", V6 | TOS_B8, v6err(1, 1, 0, in6_udp()))
    seed("v6-ptb-1280", V6, v6err(2, 0, 1280, in6_tcp(1200)[:600]))
    seed("v6-ptb-1500-small", V6 | MTU_SMALL,
         v6err(2, 0, 1500, in6_tcp(1400)[:100]))
    seed("v6-ptb-huge", V6 | MTU_HUGE, v6err(2, 0, 0x12345, in6_tcp()))
    seed("v6-time-exceeded", V6 | TOS_256, v6err(3, 0, 0, in6_udp()))
    seed("v6-param-ptr-hlim", V6, v6err(4, 0, 7, in6_udp()))
    seed("v6-param-ptr-dst", V6, v6err(4, 0, 24, in6_udp()))
    seed("v6-param-ptr-na", V6, v6err(4, 0, 40, in6_udp()))
    seed("v6-param-next-header", V6, v6err(4, 1, 6, in6_udp()))
    seed("v6-param-option", V6, v6err(4, 2, 42, in6_udp()))
    seed("v6-rfc4884-unreach", V6, v6err(1, 0, 0, in6_udp(), ext=True))
    seed("v6-rfc4884-time-exceeded-echo", V6,
         v6err(3, 0, 0, in6_echo(), ext=True))
    seed("v6-rfc4884-big-inner", V6, v6err(1, 4, 0, in6_udp(900), ext=True))
    seed("v6-outer-hbh", V6,
         v6err(1, 4, 0, in6_udp(), exthdrs=IPv6ExtHdrHopByHop()))
    seed("v6-outer-dst-atomic-frag", V6,
         v6err(3, 0, 0, in6_udp(),
               exthdrs=IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=9)))
    seed("v6-outer-fragment", V6,
         v6err(3, 0, 0, in6_udp(),
               exthdrs=IPv6ExtHdrFragment(id=9, m=1)))
    seed("v6-inner-frag-first", V6,
         v6err(3, 1, 0, in6_udp(40, ext=IPv6ExtHdrFragment(id=0x12345,
                                                            m=1))))
    seed("v6-inner-frag-later", V6,
         v6err(3, 1, 0, bytes(IPv6(src=H6, dst="2001:db8:1::2") /
                              IPv6ExtHdrFragment(id=5, offset=100, nh=17) /
                              Raw(b"x" * 32))))
    seed("v6-inner-routing-sl0", V6,
         v6err(1, 4, 0, in6_udp(ext=IPv6ExtHdrRouting(segleft=0))))
    seed("v6-inner-routing-sl1", V6,
         v6err(1, 4, 0, in6_udp(ext=IPv6ExtHdrRouting(
             addresses=["2001:db8::9"], segleft=1))))
    seed("v6-inner-hbh-dst", V6,
         v6err(1, 4, 0, in6_udp(ext=IPv6ExtHdrHopByHop() /
                                IPv6ExtHdrDestOpt())))
    seed("v6-inner-echo", V6 | MAP_ALL, v6err(1, 4, 0, in6_echo()))
    seed("v6-nested-error", V6,
         v6err(1, 4, 0, bytes(IPv6(src=H6, dst="2001:db8:1::2") /
                              ICMPv6DestUnreach(code=4) /
                              in6_udp()[:48])))
    seed("v6-inner-unmappable", V6,
         v6err(1, 4, 0, in6_udp(src="ff02::1")))
    seed("v6-null-callbacks", V6 | MAP_NULL, v6err(1, 4, 0, in6_udp()))
    seed("v6-echo-request", V6,
         outer6(icmp6(128, 0, 0x10001, b"ping", R6, C6)))
    seed("v6-large-inner", V6 | MTU_1500, v6err(1, 4, 0, in6_udp(1100)))
    seed("v6-trunc-outer", V6, v6err(1, 4, 0, in6_udp())[:30])
    seed("v6-trunc-inner-hdr", V6, v6err(1, 4, 0, in6_udp()[:40]))
    seed("v6-trunc-inner-short", V6, v6err(1, 4, 0, in6_udp()[:24]))


def main():
    build()
    os.makedirs(OUT, exist_ok=True)
    # Only the generated seeds (v4-*, v6-*): reproducers of fixed crashes
    # added by hand (crash-*) stay.
    for f in os.listdir(OUT):
        if f.startswith(("v4-", "v6-")):
            os.unlink(os.path.join(OUT, f))
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
