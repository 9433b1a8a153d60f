# SPDX-License-Identifier: GPL-2.0
"""
Packet-level translation tests of the header fields (checklist sections B
and H), run in the guest after lib.sh's topo_up (see pkt.sh). The machinery
(injection, capture, comparison) is in pktlib.py.
"""

import sys

from pktlib import *  # noqa: F401,F403


def t_row15_tcp_syn_4to6():
    tcp = TCP(sport=40001, dport=80, flags="S", seq=0x11223344,
              window=64240, options=[("MSS", 1460), ("SAckOK", b""),
                                     ("WScale", 7)])
    p = ip4() / tcp
    e = ip6_46(nh=6) / TCP(bytes(tcp))
    e[TCP].chksum = None
    xlat_test("row15-tcp-syn-4to6", C.cli, p, e, out46,
              [(TCP, "chksum")])


def t_row76_udp_payload_4to6():
    p = ip4() / UDP(sport=40002, dport=5353) / PAYLOAD
    e = ip6_46(nh=17) / UDP(sport=40002, dport=5353) / PAYLOAD
    xlat_test("row76-udp-payload-4to6", C.cli, p, e, out46,
              [(UDP, "chksum")])


def t_row33_icmp_echo_4to6():
    p = ip4() / ICMP(type=8, code=0, id=0x4242, seq=7) / PAYLOAD
    e = ip6_46(nh=58) / ICMPv6EchoRequest(id=0x4242, seq=7, data=PAYLOAD)
    xlat_test("row33-icmp-echo-4to6-type128-pseudohdr-csum", C.cli, p, e,
              out46, [(ICMPv6EchoRequest, "cksum")])


def t_row11_tos():
    p = ip4(tos=0xb8) / UDP(sport=40011, dport=9) / PAYLOAD
    e = ip6_46(nh=17, tc=0xb8) / UDP(sport=40011, dport=9) / PAYLOAD
    xlat_test("row11-tos-to-traffic-class", C.cli, p, e, out46,
              [(UDP, "chksum")])


def t_row13_flow_label():
    # Vary the flow so a hashed flow label would show up as non-zero.
    p = ip4(tos=0x03) / TCP(sport=40013, dport=443, flags="S", seq=1)
    e = ip6_46(nh=6, tc=0x03, fl=0) / TCP(sport=40013, dport=443,
                                           flags="S", seq=1)
    xlat_test("row13-flow-label-zero", C.cli, p, e, out46,
              [(TCP, "chksum")])


def t_row14_payload_len():
    # Total length 28: UDP header, no payload; the frame is padded to 60.
    p = ip4() / UDP(sport=40014, dport=7)
    e = ip6_46(nh=17, plen=8) / UDP(sport=40014, dport=7)
    xlat_test("row14-payload-len-from-header", C.cli, p, e, out46,
              [(UDP, "chksum")], pad_to=60)


def t_row1_options_removed():
    opts = [IPOption_NOP(), IPOption_RR(routers=["0.0.0.0", "0.0.0.0"])]
    p = ip4(options=opts) / UDP(sport=40001, dport=53) / PAYLOAD
    raw = bytes(p)
    assert raw[0] & 0xf == 8, "test bug: expected IHL 8, got %d" % (raw[0] & 0xf)
    e = ip6_46(nh=17, plen=8 + len(PAYLOAD)) / UDP(sport=40001, dport=53) / PAYLOAD
    xlat_test("row1-ipv4-options-removed", C.cli, IP(raw), e, out46,
              [(UDP, "chksum")])


def t_row16_hop_limit():
    p = ip4(ttl=64) / UDP(sport=40016, dport=9) / PAYLOAD
    e = ip6_46(nh=17, hlim=63) / UDP(sport=40016, dport=9) / PAYLOAD
    xlat_test("row16-hop-limit-ttl-minus-1", C.cli, p, e, out46,
              [(UDP, "chksum")])


def t_row16_ttl1():
    p = ip4(ttl=1, id=0x1616) / UDP(sport=40161, dport=9) / PAYLOAD

    def back(q):
        return (q.haslayer(IP) and q[IP].proto == 1 and q[IP].dst == CLI4)

    def check(q, sent):
        errs = []
        ip = q[IP]
        if ip.src != BR4:
            errs.append("ICMP src: expected %s, got %s" % (BR4, ip.src))
        ic = q[ICMP]
        if (ic.type, ic.code) != (11, 0):
            errs.append("ICMP type/code: expected 11/0, got %d/%d" %
                        (ic.type, ic.code))
        errs += verify_csum(ip, IP)
        errs += verify_csum(ip, ICMP)
        # The quote starts with the original IPv4 header and 8 bytes.
        orig = sent[14:14 + 28]
        quote = bytes(ic.payload)[:28]
        if quote != orig:
            errs.append("quoted packet: expected %s, got %s" %
                        (fmt(orig), fmt(quote)))
        return errs

    drop_test("row16-ttl1-time-exceeded-11-0", C.cli, p, "drop_ttl_expired",
              lambda q: q.haslayer(IPv6) and q[IPv6].src == CLI6,
              reply=(back, check))


def t_row77_udp_zero_csum():
    u = UDP(sport=40077, dport=9)
    p = ip4() / u / PAYLOAD
    raw = bytearray(bytes(p))
    raw[26:28] = b"\0\0"    # UDP checksum 0 (IP header is 20 bytes)
    drop_test("row77-udp-zero-csum-dropped", C.cli, IP(bytes(raw)),
              "drop_udp_zero_csum", out46)


def t_row79_unknown_proto():
    body = bytes(range(256))[::-1] + PAYLOAD
    p = ip4(proto=253) / Raw(body)
    e = ip6_46(nh=253) / Raw(body)
    xlat_test("row79-unknown-proto-253-verbatim", C.cli, p, e, out46, [])


def t_row35_timestamp():
    p = ip4() / ICMP(type=13, code=0, id=1, seq=1) / (b"\0" * 12)
    drop_test("row35-icmp-timestamp-dropped", C.cli, p, "drop_icmp_type",
              out46)


def t_row87_tcp_6to4():
    tcp = TCP(sport=80, dport=40001, flags="SA", seq=0x55667788,
              ack=0x11223345, window=65160, options=[("MSS", 1440)])
    p = ip6() / tcp
    e = ip4_64(proto=6) / TCP(bytes(tcp))
    e[TCP].chksum = None
    xlat_test("row87-tcp-6to4", C.srv, p, e, out64,
              [(IP, "chksum"), (TCP, "chksum")], ignore=IGN_ID)


def t_row87_udp_6to4():
    p = ip6() / UDP(sport=5353, dport=40002) / PAYLOAD
    e = ip4_64(proto=17) / UDP(sport=5353, dport=40002) / PAYLOAD
    xlat_test("row87-udp-6to4", C.srv, p, e, out64,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row101_icmp_echo_6to4():
    p = ip6() / ICMPv6EchoRequest(id=0x4343, seq=9, data=PAYLOAD)
    e = ip4_64(proto=1) / ICMP(type=8, code=0, id=0x4343, seq=9) / PAYLOAD
    xlat_test("row101-icmpv6-echo-6to4-type8-csum", C.srv, p, e, out64,
              [(IP, "chksum"), (ICMP, "chksum")], ignore=IGN_ID)


def t_row82_tc_to_tos():
    p = ip6(tc=0xb8, fl=0x12345) / UDP(sport=9, dport=40082) / PAYLOAD
    e = ip4_64(proto=17, tos=0xb8) / UDP(sport=9, dport=40082) / PAYLOAD
    xlat_test("row82-traffic-class-to-tos", C.srv, p, e, out64,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row81_ihl_totlen():
    body = b"x" * 100
    p = ip6() / UDP(sport=9, dport=40081) / body
    e = ip4_64(proto=17, ihl=5, len=20 + 8 + 100) / UDP(sport=9, dport=40081) / body
    xlat_test("row81-83-ihl5-total-length", C.srv, p, e, out64,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row84_df0_1260():
    sends, exps = [], []
    for i in range(3):
        body = bytes([0x30 + i]) * (1280 - 40 - 8)
        sends.append(ip6() / UDP(sport=9, dport=40084 + i) / body)
        exps.append(ip4_64(proto=17, flags=0, len=1260) /
                    UDP(sport=9, dport=40084 + i) / body)
    assert len(sends[0]) == 1280

    def ids(pkts):
        if any(q.id != 0 for q in pkts):
            return []
        return ["row 85: every one of %d DF=0 packets has IPv4 ID 0 "
                "(expected a kernel-selected ID)" % len(pkts)]

    xlat_test("row84-85-1280-to-1260-df0-id-nonzero", C.srv, sends, exps,
              lambda q: out64(q) and q[IP].proto == 17 and
              40084 <= q[UDP].dport < 40087,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID, extra=ids,
              count=3)


def t_row84_df1_1261():
    body = b"D" * (1281 - 40 - 8)
    p = ip6() / UDP(sport=9, dport=40184) / body
    assert len(p) == 1281
    e = ip4_64(proto=17, flags="DF", id=0, len=1261) / UDP(sport=9, dport=40184) / body
    xlat_test("row84-1281-to-1261-df1", C.srv, p, e, out64,
              [(IP, "chksum"), (UDP, "chksum")])


def t_row86_ttl():
    p = ip6(hlim=64) / UDP(sport=9, dport=40086) / PAYLOAD
    e = ip4_64(proto=17, ttl=63) / UDP(sport=9, dport=40086) / PAYLOAD
    xlat_test("row86-ttl-hop-limit-minus-1", C.srv, p, e, out64,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row86_hlim1():
    p = ip6(hlim=1) / UDP(sport=9, dport=40186) / PAYLOAD

    def back(q):
        return (q.haslayer(IPv6) and q[IPv6].nh == 58 and
                q[IPv6].dst == SRV6 and q.haslayer(ICMPv6TimeExceeded))

    def check(q, sent):
        errs = []
        ip = q[IPv6]
        if ip.src != BR6:
            errs.append("ICMPv6 src: expected %s, got %s" % (BR6, ip.src))
        ic = q[ICMPv6TimeExceeded]
        if (ic.type, ic.code) != (3, 0):
            errs.append("ICMPv6 type/code: expected 3/0, got %d/%d" %
                        (ic.type, ic.code))
        errs += verify_csum(ip, ICMPv6TimeExceeded, "cksum")
        orig = sent[14:]
        quote = bytes(ic.payload)[:len(orig)]
        if quote != orig:
            errs.append("quoted packet: expected %s, got %s" %
                        (fmt(orig), fmt(quote)))
        return errs

    drop_test("row86-hoplimit1-time-exceeded-3-0", C.srv, p,
              "drop_ttl_expired", lambda q: q.haslayer(IP) and q[IP].src == SRV4,
              reply=(back, check))


def t_row87_exthdrs_skipped():
    p = (ip6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
         UDP(sport=9, dport=40087) / PAYLOAD)
    raw = bytes(p)
    # HBH and DestOpts are 8 bytes each once padded.
    assert raw[6] == 0 and raw[40] == 60 and raw[48] == 17, raw[:56].hex()
    e = (ip4_64(proto=17, len=20 + 8 + len(PAYLOAD)) /
         UDP(sport=9, dport=40087) / PAYLOAD)
    xlat_test("row83-87-hbh-destopts-skipped", C.srv, IPv6(raw), e, out64,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row91_routing_segleft():
    p = (ip6() / IPv6ExtHdrRouting(type=0, segleft=1,
                                   addresses=["2001:db8:46::c000:202"]) /
         UDP(sport=9, dport=40091) / PAYLOAD)
    drop_test("row91-routing-segleft1-dropped", C.srv, p, "drop_exthdr",
              out64)


def t_row88_header_csum():
    # Vary everything the header checksum covers, then recompute it.
    p = ip6(tc=0x2c, hlim=200) / UDP(sport=1234, dport=40088) / (b"c" * 333)
    e = (ip4_64(proto=17, tos=0x2c, ttl=199, len=20 + 8 + 333) /
         UDP(sport=1234, dport=40088) / (b"c" * 333))
    xlat_test("row88-ipv4-header-checksum", C.srv, p, e, out64,
              [(IP, "chksum"), (UDP, "chksum")], ignore=IGN_ID)


def t_row89_src_unmapped():
    p = ip6(src=UNMAPPED6) / UDP(sport=9, dport=40089) / PAYLOAD
    drop_test("row89-src-unmapped-dropped", C.srv, p, "drop_src_unmapped",
              lambda q: q.haslayer(IP) and q[IP].dst == CLI4)


TESTS = [
    t_row15_tcp_syn_4to6, t_row76_udp_payload_4to6, t_row33_icmp_echo_4to6,
    t_row11_tos, t_row13_flow_label, t_row14_payload_len,
    t_row1_options_removed, t_row16_hop_limit, t_row16_ttl1,
    t_row77_udp_zero_csum, t_row79_unknown_proto, t_row35_timestamp,
    t_row87_tcp_6to4, t_row87_udp_6to4, t_row101_icmp_echo_6to4,
    t_row82_tc_to_tos, t_row81_ihl_totlen, t_row84_df0_1260,
    t_row84_df1_1261, t_row86_ttl, t_row86_hlim1, t_row87_exthdrs_skipped,
    t_row91_routing_segleft, t_row88_header_csum, t_row89_src_unmapped,
]


if __name__ == "__main__":
    sys.exit(run_tests("pkt", TESTS))
