# SPDX-License-Identifier: GPL-2.0
"""
UDP traffic tools for tests/guest/offload.sh, run in the guest's namespaces
with /usr/bin/python3 (standard library only).

  offload.py send DST PORT COUNT SIZE [--gso N] [--df on|off] [--pace K]
      Sends COUNT datagrams of SIZE payload bytes to DST:PORT.  Each datagram
      carries its sequence number and a payload derived from it, so the
      receiver can check every byte.  --gso N hands the kernel N datagrams per
      send() with the UDP_SEGMENT socket option (one GSO packet of N
      segments); --df sets or clears DF on IPv4 (IP_MTU_DISCOVER); --pace K
      sleeps 1 ms every K sends, so a slow receiver keeps up.

  offload.py recv FAMILY PORT COUNT SIZE [--idle SECS]
      Binds PORT (FAMILY 4 or 6), receives until COUNT distinct datagrams
      arrived or nothing came for --idle seconds after the first one, checks each one, prints
      "received R distinct D bad B duplicates U" and exits 0 only when all
      COUNT arrived intact.  Prints "ready" on stdout once bound.

  offload.py sniff IFACE PORT MTU [--idle SECS]
      Captures the UDP frames to or from PORT that IFACE receives, until
      nothing came for --idle seconds after the first one, and checks the checksum of each one
      whose checksum the kernel says is complete (neither CHECKSUM_PARTIAL,
      tp_status CSUMNOTREADY, nor a GSO frame larger than MTU, nor a
      fragment): the bytes a real NIC would have put on the wire.  Prints
      "frames F gso G partial P fragments R checked C bad B maxlen L" and
      exits 0 when something was captured and B is 0.  Prints "ready" once the socket is open.
"""

import argparse
import hashlib
import socket
import struct
import sys
import time

SOL_UDP = 17
UDP_SEGMENT = 103		# include/uapi/linux/udp.h
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0
IP_PMTUDISC_DO = 2
SO_RCVBUFFORCE = 33
HDR = struct.Struct("!II")	# sequence number, payload size


def payload(seq, size):
    """The datagram with sequence number seq: header, then a pattern."""
    seed = hashlib.sha256(struct.pack("!I", seq)).digest()
    body = (seed * (size // len(seed) + 1))[:size - HDR.size]
    return HDR.pack(seq, size) + body


def send(args):
    fam = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET and args.df:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER,
                     IP_PMTUDISC_DO if args.df == "on" else IP_PMTUDISC_DONT)
    s.connect((args.dst, args.port))
    per = args.gso or 1
    if args.gso:
        s.setsockopt(SOL_UDP, UDP_SEGMENT, args.size)
    seq = 0
    sends = 0
    while seq < args.count:
        n = min(per, args.count - seq)
        buf = b"".join(payload(seq + i, args.size) for i in range(n))
        s.send(buf)
        seq += n
        sends += 1
        if args.pace and sends % args.pace == 0:
            time.sleep(0.001)
    print(f"sent {seq} datagrams in {sends} sends")
    return 0


def recv(args):
    fam = socket.AF_INET6 if args.family == 6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", args.port))
    # The sender takes a while to start under TCG: wait for the first one.
    s.settimeout(60)
    print("ready", flush=True)
    seen = set()
    received = bad = dup = 0
    while len(seen) < args.count:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        received += 1
        s.settimeout(args.idle)
        if len(data) != args.size or len(data) < HDR.size:
            bad += 1
            continue
        seq, size = HDR.unpack_from(data)
        if seq >= args.count or size != args.size or data != payload(seq, size):
            bad += 1
            continue
        if seq in seen:
            dup += 1
        seen.add(seq)
    print(f"received {received} distinct {len(seen)} bad {bad} duplicates {dup}")
    return 0 if len(seen) == args.count and bad == 0 else 1


SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_CSUMNOTREADY = 1 << 3
AUXDATA = struct.Struct("IIIHHHH")


def csum16(data):
    """The Internet checksum's one's complement sum of data, folded."""
    if len(data) % 2:
        data += b"\0"
    s = sum(memoryview(data).cast("H"))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def udp_ok(frame):
    """None: not checked (fragment or no checksum); else True/False."""
    et = struct.unpack_from("!H", frame, 12)[0]
    ip = frame[14:]
    if et == 0x0800:
        ihl = (ip[0] & 0xf) * 4
        if csum16(ip[:ihl]) != 0xffff:
            return False
        if struct.unpack_from("!H", ip, 6)[0] & 0x3fff:
            return None
        tot = struct.unpack_from("!H", ip, 2)[0]
        l4 = ip[ihl:tot]
        if struct.unpack_from("!H", l4, 6)[0] == 0:
            return None
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(l4))
    else:
        if ip[6] != 17:
            return None	# extension headers: fragments here
        plen = struct.unpack_from("!H", ip, 4)[0]
        l4 = ip[40:40 + plen]
        pseudo = ip[8:40] + struct.pack("!IxxxB", len(l4), 17)
    return csum16(pseudo + l4) == 0xffff


def udp_port_of(frame):
    """(source, destination) ports of a UDP first fragment or datagram."""
    et = struct.unpack_from("!H", frame, 12)[0]
    ip = frame[14:]
    if et == 0x0800 and ip[9] == 17:
        if struct.unpack_from("!H", ip, 6)[0] & 0x1fff:
            return None, True
        off = (ip[0] & 0xf) * 4
        frag = bool(struct.unpack_from("!H", ip, 6)[0] & 0x2000)
        return struct.unpack_from("!HH", ip, off), frag
    if et == 0x86dd and ip[6] == 17:
        return struct.unpack_from("!HH", ip, 40), False
    if et == 0x86dd and ip[6] == 44:
        return None, True
    return None, False


def sniff(args):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind((args.iface, 0))
    # The senders take a while to start under TCG: wait for the first frame.
    s.settimeout(60)
    print("ready", flush=True)
    frames = gso = partial = frags = checked = bad = maxlen = 0
    while True:
        try:
            frame, anc, _, addr = s.recvmsg(262144, 256)
        except socket.timeout:
            break
        if addr[2] == PACKET_OUTGOING:
            continue
        ports, frag = udp_port_of(frame)
        if frag:
            frags += 1
            continue
        if not ports or args.port not in ports:
            continue
        frames += 1
        s.settimeout(args.idle)
        maxlen = max(maxlen, len(frame) - 14)
        status = 0
        for level, kind, data in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status = AUXDATA.unpack_from(data)[0]
        if len(frame) - 14 > args.mtu:
            gso += 1
        elif status & TP_STATUS_CSUMNOTREADY:
            partial += 1
        else:
            ok = udp_ok(frame)
            if ok is None:
                frags += 1
            else:
                checked += 1
                bad += not ok
    print(f"frames {frames} gso {gso} partial {partial} fragments {frags} "
          f"checked {checked} bad {bad} maxlen {maxlen}")
    return 0 if bad == 0 and (frames or frags) else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("dst")
    ps.add_argument("port", type=int)
    ps.add_argument("count", type=int)
    ps.add_argument("size", type=int)
    ps.add_argument("--gso", type=int, default=0)
    ps.add_argument("--df", choices=("on", "off"))
    ps.add_argument("--pace", type=int, default=0)
    pr = sub.add_parser("recv")
    pr.add_argument("family", type=int, choices=(4, 6))
    pr.add_argument("port", type=int)
    pr.add_argument("count", type=int)
    pr.add_argument("size", type=int)
    pr.add_argument("--idle", type=float, default=5.0)
    pn = sub.add_parser("sniff")
    pn.add_argument("iface")
    pn.add_argument("port", type=int)
    pn.add_argument("mtu", type=int)
    pn.add_argument("--idle", type=float, default=3.0)
    args = p.parse_args()
    if args.cmd == "send" and args.size < HDR.size:
        p.error(f"size must be at least {HDR.size}")
    return {"send": send, "recv": recv, "sniff": sniff}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
