# SPDX-License-Identifier: GPL-2.0
"""
Hostile packet generator for the BR (run by hostile.sh after topo_up).

Prebuilds a few thousand malformed frames per direction with a fixed seed
(truncations, bad IHL/lengths, lying IPv6 payload lengths, extension-header
chains and loops, ICMP errors with garbage/truncated/nested inner packets,
tiny and overlapping fragments, odd checksums, trailing garbage, random
mutations of valid packets), then resends them in a tight loop from c0
(IPv4 side, plus some cross-family junk) and s0 (IPv6 side) in two forked
processes.  Afterwards prints the BR's ingress counters against the sum of
the siitdc disposition counters and the kernel's pre-hook drops, as
"# key value" lines, and a final "ACCOUNT ..." line that hostile.sh checks.

Usage: hostile.py TOTAL MAXSECONDS
"""

import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pktlib  # noqa: E402
from pktlib import setns, mac_of, SIITCTL  # noqa: E402

from scapy.all import (Ether, IP, IPv6, TCP, UDP, ICMP, Raw,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6TimeExceeded,
                       ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrRouting, IPv6ExtHdrFragment, IPerror,
                       IPerror6, UDPerror, TCPerror, ICMPerror,
                       IPOption_NOP, IPOption_RR, IPOption_LSRR)

CLI4, SRV4, SRV6, CLI6 = pktlib.CLI4, pktlib.SRV4, pktlib.SRV6, pktlib.CLI6
BR4, BR6 = pktlib.BR4, pktlib.BR6

R = random.Random(0x5117DC)


def rb(n):
    return bytes(R.getrandbits(8) for _ in range(n))


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def fix4(b):
    """Recomputes the IPv4 header checksum of raw bytes, if the IHL lets."""
    if len(b) < 20:
        return b
    ihl = (b[0] & 0xf) * 4
    if ihl < 20 or ihl > len(b):
        ihl = 20
    h = bytearray(b[:ihl])
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", csum16(bytes(h)))
    return bytes(h) + b[ihl:]


# ---------------------------------------------------------------------------
# valid seeds

def l4_4():
    c = R.randrange(6)
    pay = rb(R.choice([0, 1, 8, 33, 200]))
    if c == 0:
        return UDP(sport=R.randrange(65536), dport=R.randrange(65536)) / pay
    if c == 1:
        return TCP(sport=R.randrange(65536), dport=80, flags="S") / pay
    if c == 2:
        return ICMP(type=8, id=R.randrange(65536), seq=1) / pay
    if c == 3:
        return ICMP(type=0, id=R.randrange(65536), seq=1) / pay
    if c == 4:
        return UDP(sport=53, dport=53, chksum=0) / pay
    return ICMP(type=R.choice([13, 15, 17, 5, 9, 10, 255])) / pay


def l4_6():
    c = R.randrange(5)
    pay = rb(R.choice([0, 1, 8, 33, 200]))
    if c == 0:
        return UDP(sport=R.randrange(65536), dport=R.randrange(65536)) / pay
    if c == 1:
        return TCP(sport=R.randrange(65536), dport=80, flags="S") / pay
    if c == 2:
        return ICMPv6EchoRequest(id=R.randrange(65536)) / pay
    if c == 3:
        return ICMPv6EchoReply(id=R.randrange(65536)) / pay
    return Raw(bytes([R.choice([130, 133, 135, 200, 1, 2, 3, 4])]) + rb(10))


def inner4(depth=0):
    """An IPv4 packet as it could sit inside an ICMPv4 error: from the
    server's address to the client's (reverse of the error's direction)."""
    p = IP(src=SRV4 if R.random() < .5 else CLI4,
           dst=CLI4 if R.random() < .5 else SRV4, ttl=R.randrange(256),
           flags=R.choice([0, 2, 1]), frag=R.choice([0, 0, 0, 1, 8191]))
    if depth < 2 and R.random() < .3:
        return p / ICMP(type=R.choice([3, 11, 12]), code=R.randrange(16)) / inner4(depth + 1)
    return p / l4_4()


def inner6(depth=0):
    p = IPv6(src=CLI6 if R.random() < .5 else SRV6,
             dst=SRV6 if R.random() < .5 else CLI6, hlim=R.randrange(256))
    if R.random() < .2:
        p = p / ext_chain(R.randrange(1, 4))
    if depth < 2 and R.random() < .3:
        return p / R.choice([ICMPv6TimeExceeded(), ICMPv6DestUnreach(code=R.randrange(8)),
                             ICMPv6PacketTooBig(mtu=R.randrange(1 << 32)),
                             ICMPv6ParamProblem(code=R.randrange(4), ptr=R.randrange(1 << 32))]) / inner6(depth + 1)
    return p / l4_6()


def ext_chain(n):
    hs = None
    for _ in range(n):
        h = R.choice([IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(),
                      IPv6ExtHdrRouting(type=R.choice([0, 2, 3, 4, 253]),
                                        segleft=R.choice([0, 0, 1, 5]),
                                        addresses=[SRV6] * R.randrange(3)),
                      IPv6ExtHdrFragment(offset=R.choice([0, 0, 1, 100]),
                                         m=R.randrange(2), id=R.randrange(1 << 32))])
        hs = h if hs is None else hs / h
    return hs


def valid4():
    """A translatable-looking IPv4 packet cli -> srv."""
    ip = IP(src=CLI4, dst=SRV4, ttl=R.choice([64, 1, 2, 0, 255]),
            tos=R.randrange(256), id=R.randrange(65536),
            flags=R.choice([0, 2, 2, 1]))
    if R.random() < .1:
        ip.options = [R.choice([IPOption_NOP(), IPOption_RR(),
                                IPOption_LSRR(routers=[SRV4])])]
    c = R.random()
    if c < .35:
        return ip / ICMP(type=R.choice([3, 11, 12, 4]), code=R.randrange(16),
                         unused=R.randrange(65536)) / inner4()
    if c < .4:
        ip.frag = R.choice([0, 1, 2, 8191])
        ip.flags = R.choice([0, 1])
    return ip / l4_4()


def valid6():
    ip = IPv6(src=SRV6, dst=CLI6, hlim=R.choice([64, 1, 2, 0, 255]),
              tc=R.randrange(256), fl=R.randrange(1 << 20))
    if R.random() < .25:
        ip = ip / ext_chain(R.randrange(1, 5))
    c = R.random()
    if c < .35:
        return ip / R.choice([ICMPv6TimeExceeded(code=R.randrange(3)),
                              ICMPv6DestUnreach(code=R.randrange(9)),
                              ICMPv6PacketTooBig(mtu=R.choice([0, 68, 1279, 1280, 1500, 0xffffffff])),
                              ICMPv6ParamProblem(code=R.randrange(4),
                                                 ptr=R.choice([0, 4, 6, 7, 8, 24, 40, 0xffffffff]))]) / inner6()
    return ip / l4_6()


# ---------------------------------------------------------------------------
# mutators on raw L3 bytes

def m_truncate(b, v6):
    return b[:R.randrange(0, len(b) + 1)]


def m_trailing(b, v6):
    return b + rb(R.randrange(1, 200))


def m_flip(b, v6):
    b = bytearray(b)
    for _ in range(R.randrange(1, 6)):
        if not b:
            break
        i = R.randrange(len(b)) if R.random() < .5 else R.randrange(min(len(b), 48))
        b[i] = R.randrange(256) if R.random() < .5 else b[i] ^ (1 << R.randrange(8))
    return bytes(b)


def m_len(b, v6):
    b = bytearray(b)
    if len(b) < 8:
        return bytes(b)
    v = R.choice([0, 1, 7, 8, 19, 20, 39, 40, len(b) - 1, len(b) + 1,
                  len(b) + 100, 0xffff, R.randrange(65536)])
    if v6:
        b[4:6] = struct.pack("!H", v & 0xffff)
    else:
        b[2:4] = struct.pack("!H", v & 0xffff)
    return bytes(b)


def m_ihl(b, v6):
    b = bytearray(b)
    if v6 or not b:
        return m_len(bytes(b), v6)
    b[0] = 0x40 | R.randrange(16)
    return bytes(b)


def m_inner(b, v6):
    """Mangles bytes deep inside (inner packet of ICMP errors)."""
    b = bytearray(b)
    off = 40 if v6 else 20
    for _ in range(R.randrange(1, 8)):
        if len(b) <= off + 8:
            break
        i = R.randrange(off + 8, len(b))
        b[i] = R.randrange(256)
    if R.random() < .5 and len(b) > off + 8:
        b = b[:R.randrange(off + 8, len(b) + 1)]
    return bytes(b)


MUTATORS = [m_truncate, m_trailing, m_flip, m_len, m_ihl, m_inner]


def special4():
    """Hand-made hostile IPv4 packets (not mutated from a seed)."""
    c = R.randrange(9)
    if c == 0:   # tiny / overlapping fragments to a mapped destination
        return bytes(IP(src=CLI4, dst=SRV4, id=R.randrange(65536), proto=R.choice([1, 6, 17]),
                        flags=R.choice([0, 1]), frag=R.randrange(8192)) / rb(R.choice([0, 1, 8, 16])))
    if c == 1:   # ICMP error whose inner is pure garbage
        return bytes(IP(src=CLI4, dst=SRV4) / ICMP(type=R.choice([3, 11, 12]), code=R.randrange(6)) /
                     rb(R.randrange(0, 80)))
    if c == 2:   # ICMP error with inner IPv4 header truncated inside its IHL
        inner = bytes(IP(src=SRV4, dst=CLI4, ihl=R.randrange(5, 16),
                         options=[IPOption_NOP()] * R.randrange(0, 40)) / UDP())
        return bytes(IP(src=CLI4, dst=SRV4) / ICMP(type=3, code=R.randrange(16)) /
                     inner[:R.randrange(0, len(inner) + 1)])
    if c == 3:   # nested errors, deep
        p = IP(src=SRV4, dst=CLI4) / UDP()
        for _ in range(R.randrange(2, 6)):
            p = IP(src=R.choice([SRV4, CLI4]), dst=R.choice([SRV4, CLI4])) / ICMP(type=11) / p
        return bytes(IP(src=CLI4, dst=SRV4) / ICMP(type=3, code=4, nexthopmtu=R.randrange(65536)) / p)
    if c == 4:   # options with bad lengths
        opts = rb(R.choice([4, 8, 20, 40]))
        ihl = 5 + len(opts) // 4
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + 8, 1, 0, 64, 17, 0,
                        socket.inet_aton(CLI4), socket.inet_aton(SRV4)) + opts
        return h + struct.pack("!HHHH", 1, 2, 8, 0)
    if c == 5:   # random bytes after a valid IPv4 header
        h = bytes(IP(src=CLI4, dst=SRV4, proto=R.choice([1, 6, 17, 58, 0, 255])) / rb(R.randrange(0, 100)))
        return h
    if c == 6:   # zero / odd checksums on L4
        l4 = R.choice([UDP(chksum=R.choice([0, 0xffff, 1])), TCP(chksum=R.choice([0, 0xffff, 1])),
                       ICMP(chksum=R.choice([0, 0xffff, 1]))])
        return bytes(IP(src=CLI4, dst=SRV4) / l4 / rb(R.randrange(0, 20)))
    if c == 7:   # ICMP error that is itself a fragment
        return bytes(IP(src=CLI4, dst=SRV4, flags=1, frag=R.choice([0, 1])) / ICMP(type=3) / inner4())
    # an error about a fragment / with an inner first-fragment of ICMP
    return bytes(IP(src=CLI4, dst=SRV4) / ICMP(type=11) /
                 IP(src=SRV4, dst=CLI4, flags=1, frag=R.randrange(3)) / ICMP(type=8) / rb(8))


def special6():
    c = R.randrange(10)
    base = IPv6(src=SRV6, dst=CLI6)
    if c == 0:   # long/looping extension header chains
        n = R.choice([8, 30, 100])
        hdr = b""
        for i in range(n):
            nh = R.choice([0, 43, 60, 44]) if i < n - 1 else R.choice([17, 58, 6, 59, 0])
            hdr += bytes([nh, 0]) + b"\x01\x04\0\0\0\0"   # PadN, 8 bytes each
        first = R.choice([0, 43, 60])
        if first == 0 and R.random() < .5:
            first = 60
        pay = hdr + bytes(UDP()) + rb(8)
        return bytes(IPv6(src=SRV6, dst=CLI6, nh=first, plen=len(pay))) + pay
    if c == 1:   # an extension header whose length runs past the packet
        h = bytes([17, R.choice([1, 10, 255])]) + rb(6)
        return bytes(IPv6(src=SRV6, dst=CLI6, nh=R.choice([60, 43]), plen=len(h) + 8)) + h + bytes(UDP())
    if c == 2:   # fragments: tiny, overlapping, atomic, bogus offsets
        f = IPv6ExtHdrFragment(offset=R.choice([0, 0, 1, 2, 8191]), m=R.randrange(2),
                               id=R.randrange(1 << 32), nh=R.choice([17, 58, 6, 44]))
        return bytes(base / f / rb(R.choice([0, 1, 8, 16])))
    if c == 3:   # ICMPv6 error with garbage inner
        return bytes(base / R.choice([ICMPv6TimeExceeded(), ICMPv6DestUnreach(),
                                      ICMPv6PacketTooBig(mtu=R.randrange(1 << 32)),
                                      ICMPv6ParamProblem(ptr=R.randrange(1 << 32))]) / rb(R.randrange(0, 100)))
    if c == 4:   # ICMPv6 error with inner truncated within its headers
        inner = bytes(inner6())
        return bytes(base / ICMPv6DestUnreach(code=R.randrange(8))) + inner[:R.randrange(0, len(inner) + 1)]
    if c == 5:   # nested errors, deep
        p = IPv6(src=CLI6, dst=SRV6) / UDP()
        for _ in range(R.randrange(2, 6)):
            p = IPv6(src=R.choice([CLI6, SRV6]), dst=R.choice([CLI6, SRV6])) / ICMPv6TimeExceeded() / p
        return bytes(base / ICMPv6ParamProblem(ptr=R.randrange(64)) / p)
    if c == 6:   # ICMP error inside a fragment header
        return bytes(base / IPv6ExtHdrFragment(m=R.randrange(2), offset=R.randrange(2)) /
                     ICMPv6TimeExceeded() / inner6())
    if c == 7:   # zero / odd checksums
        l4 = R.choice([UDP(chksum=R.choice([0, 0xffff, 1])), TCP(chksum=R.choice([0, 0xffff, 1])),
                       ICMPv6EchoRequest(cksum=R.choice([0, 0xffff, 1]))])
        return bytes(base / l4 / rb(R.randrange(0, 20)))
    if c == 8:   # random bytes after a valid header, random next header
        return bytes(IPv6(src=SRV6, dst=CLI6, nh=R.randrange(256)) / rb(R.randrange(0, 120)))
    # jumbo-ish: plen 0 with a hop-by-hop jumbo option
    hbh = bytes([17, 0, 0xc2, 4]) + struct.pack("!I", R.choice([0, 100, 70000]))
    return bytes(IPv6(src=SRV6, dst=CLI6, nh=0, plen=0)) + hbh + bytes(UDP()) + rb(8)


def build(v6, count):
    out = []
    while len(out) < count:
        r = R.random()
        try:
            b = mk(r, v6)
        except Exception:     # a scapy field refusing a value: skip
            continue
        if not v6 and R.random() < .8:
            b = fix4(b)    # most reach the translator, not ip_rcv's csum check
        out.append(b)
    return out


def mk(r, v6):
    if True:
        if r < .3:
            b = special6() if v6 else special4()
        else:
            b = bytes(valid6() if v6 else valid4())
            if r < .9:
                for _ in range(R.randrange(1, 3)):
                    b = R.choice(MUTATORS)(b, v6)
        return b


# ---------------------------------------------------------------------------
# sending and accounting

def send_socket(ns, dev):
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns("/run/netns/%s" % ns)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)   # send only
        s.bind((dev, 0))
    finally:
        pktlib._libc.setns(home, pktlib.CLONE_NEWNET)
        os.close(home)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    return s


def run(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def br_counters(devices_first):
    """Device and IP-layer counters of the BR namespace. They are read a few
    milliseconds apart while background frames (router solicitations,
    neighbour probes) may still arrive, and a device counts a frame before
    ip_rcv does. So the "before" snapshot reads the devices first and the
    "after" snapshot reads nstat first: a frame arriving in between then
    adds to rx - InReceives, never subtracts."""
    c = {}

    def devices():
        # lo: what the BR's stack sends to its own addresses (an ICMP error
        # to a spoofed source that is the BR's) is received again there.
        for dev in ("b4", "b6", "lo"):
            for k in ("rx_packets", "rx_dropped", "tx_packets"):
                c["%s_%s" % (dev, k)] = int(run("ip", "netns", "exec", "br", "cat",
                                                "/sys/class/net/%s/statistics/%s" % (dev, k)))

    if devices_first:
        devices()
    for line in run("ip", "netns", "exec", "br", "nstat", "-az").splitlines():
        f = line.split()
        if len(f) >= 2 and f[1].isdigit():
            c[f[0]] = int(f[1])
    if not devices_first:
        devices()
    for k, v in pktlib.stats().items():
        c["siitdc_" + k] = v
    return c


def main():
    total, maxsec = int(sys.argv[1]), float(sys.argv[2])
    t0 = time.monotonic()
    mac = {d: mac_of(ns, d) for ns, d in (("cli", "c0"), ("br", "b4"), ("srv", "s0"), ("br", "b6"))}
    f4 = build(False, 2500)
    f6 = build(True, 2500)
    e4 = Ether(src=mac["c0"], dst=mac["b4"])
    e6 = Ether(src=mac["s0"], dst=mac["b6"])
    h4 = bytes(Ether(src=mac["c0"], dst=mac["b4"], type=0x0800))
    h6 = bytes(Ether(src=mac["s0"], dst=mac["b6"], type=0x86dd))
    h4x = bytes(Ether(src=mac["c0"], dst=mac["b4"], type=0x86dd))
    h6x = bytes(Ether(src=mac["s0"], dst=mac["b6"], type=0x0800))
    # Both families on both sides: the IPv6 side also gets the IPv4 junk and
    # vice versa (a few cross-family frames: wrong ethertype for the bytes).
    frames = {
        "c0": [h4 + b for b in f4] + [h4x + b for b in f6[:300]]
              + [h4 + b for b in f6[300:400]],
        "s0": [h6 + b for b in f6] + [h6x + b for b in f4[:300]] + [h6 + b for b in f4[300:400]],
    }
    del e4, e6
    for k in frames:    # runt frames below the Ethernet minimum are fine on veth
        R.shuffle(frames[k])
    nframes = len(frames["c0"]) + len(frames["s0"])
    print("# hostile: built %d distinct frames in %.1fs" % (nframes, time.monotonic() - t0), flush=True)
    # Keep a copy for reproduction.
    res = os.environ.get("GUEST_RESULTS")
    if res:
        with open(os.path.join(res, "hostile-frames.json"), "w") as fh:
            json.dump({k: [f.hex() for f in v] for k, v in frames.items()}, fh)

    before = br_counters(True)
    per = total // 2
    kids = {}
    for ns, dev in (("cli", "c0"), ("srv", "s0")):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            s = send_socket(ns, dev)
            fl = frames[dev]
            n = len(fl)
            sent = err = 0
            end = time.monotonic() + maxsec
            i = 0
            while i < per:
                try:
                    s.send(fl[i % n])
                    sent += 1
                except OSError:
                    err += 1
                i += 1
                if (i & 1023) == 0 and time.monotonic() > end:
                    break
            os.write(w, ("%d %d\n" % (sent, err)).encode())
            os._exit(0)
        os.close(w)
        kids[dev] = (pid, r)
    sent = {}
    for dev, (pid, r) in kids.items():
        os.waitpid(pid, 0)
        s, e = os.read(r, 100).split()
        sent[dev] = (int(s), int(e))
    dt = time.monotonic() - t0
    time.sleep(1.0)
    after = br_counters(False)
    d = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print("# hostile: sent c0 %d (errors %d), s0 %d (errors %d), %.1fs total" %
          (sent["c0"][0], sent["c0"][1], sent["s0"][0], sent["s0"][1], dt))
    for k in sorted(d):
        if d[k] and (k.startswith(("b4", "b6", "siitdc_", "Ip", "Icmp", "Tcp", "Udp"))):
            print("#   delta %s %d" % (k, d[k]))
    disp = sum(v for k, v in d.items() if k.startswith("siitdc_") and
               (k.startswith(("siitdc_xlat_", "siitdc_pass_", "siitdc_drop_"))))
    # Translated ICMP errors count only in xlat_icmp_err_* (not xlat_*), so
    # every xlat_* is a disposition; but deliver4()'s route failure counts
    # drop_no_route after xlat_6to4 and split4() counts each fragment:
    disp -= d.get("siitdc_drop_no_route", 0)
    rx = d["b4_rx_packets"] + d["b6_rx_packets"] + d["lo_rx_packets"]
    # Multicast the BR sends to a group it has joined (a neighbour
    # solicitation whose target shares the low 24 bits of one of the BR's
    # addresses) is looped back into ip(v6)_rcv with no device rx at all;
    # it counts as In(Mcast)Pkts there.
    mcast = d.get("IpInMcastPkts", 0) + d.get("Ip6InMcastPkts", 0)
    inrecv = d.get("IpInReceives", 0) + d.get("Ip6InReceives", 0)
    pre4 = d.get("IpInHdrErrors", 0) + d.get("IpExtInTruncatedPkts", 0)
    pre6 = d.get("Ip6InHdrErrors", 0) + d.get("Ip6InTruncatedPkts", 0)
    # ip6_rcv_core also drops multicast/loopback sources (InAddrErrors) and
    # disabled-idev/trim failures (InDiscards) before the hook.
    pre6b = d.get("Ip6InAddrErrors", 0) + d.get("Ip6InDiscards", 0)
    localout = d.get("IcmpOutMsgs", 0) + d.get("Icmp6OutMsgs", 0) + d.get("TcpOutRsts", 0)
    print("# hostile: BR rx_packets (b4+b6+lo) %d, IP(v4+v6)InReceives %d, non-IP/pre-ip_rcv %d"
          % (rx, inrecv, rx - inrecv))
    print("# hostile: pre-hook drops v4 %d (InHdrErrors+InTruncatedPkts), v6 %d, v6 addr/discards %d"
          % (pre4, pre6, pre6b))
    print("# hostile: siitdc dispositions (xlat_*+pass_*+drop_*) %d; BR-local output through LOCAL_OUT <= %d"
          % (disp, localout))
    expect = rx - pre4 - pre6
    print("ACCOUNT rx=%d mcast=%d inrecv=%d pre4=%d pre6=%d pre6b=%d disp=%d localout=%d sent=%d diff_rx=%d diff_inrecv=%d"
          % (rx, mcast, inrecv, pre4, pre6, pre6b, disp, localout, sent["c0"][0] + sent["s0"][0],
             expect - disp, inrecv - pre4 - pre6 - disp), flush=True)


if __name__ == "__main__":
    main()
