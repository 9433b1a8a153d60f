# SPDX-License-Identifier: GPL-2.0
"""
TCP super-frame writer, for tests/bench/guest-pps.sh (the "tso" modes) and
tests/guest/offload.sh (row 171): writes one prebuilt TCP frame COUNT
times into the tap device TAP with a virtio-net header that makes it a GSO
packet (TCPV4 or TCPV6, gso_size 1440, checksum partial), as a NIC with
GRO (or a VM's virtio-net with TSO) hands the BR a TCP flow: one skb for
PAYLOAD bytes of TCP data (default 63,360: 44 segments). tun builds each
skb and receives it at once, in this task with bottom halves off, so the
BR's forwarding runs before write() returns and the time from the first to
the last write is the whole path.

  tsoblast.py TAP SRC DST COUNT [PAYLOAD]
  tsoblast.py TAP hold

SRC/DST: IPv4 or IPv6 addresses (both of the same family); the Ethernet
destination is TAP's own address. TAP must exist, multi-queue. Prints
"sent COUNT NS" (guest clock, monotonic). "hold" keeps a queue attached
until killed, so the tap keeps its carrier between runs.
Only the standard library: python3 starts fast and writes in a tight loop.
"""

import ipaddress
import os
import struct
import sys
import time

from tapdev import attach, hold

VIRTIO_NET_HDR_F_NEEDS_CSUM = 1
GSO_TCPV4, GSO_TCPV6 = 1, 4
MSS = 1440			# 1440 + 40 + 20 = 1500: fits both families' MTU
PAYLOAD = MSS * 44		# 63,360 bytes


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def frame(smac, dmac, src, dst, payload=PAYLOAD):
    six = ":" in src
    sa, da = (ipaddress.ip_address(a).packed for a in (src, dst))
    tcp_len = 20 + payload
    # Checksum partial: the field holds the pseudo-header sum, as a
    # sender's TCP stack leaves it for the NIC (or for GSO) to finish.
    pseudo = sa + da + struct.pack("!IxxxB" if six else "!xBH",
                                   *((tcp_len, 6) if six else (6, tcp_len)))
    tcp = struct.pack("!HHIIBBHHH", 40000, 5001, 1, 1, 5 << 4, 0x10,
                      65535, csum16(pseudo), 0)
    if six:
        l3 = struct.pack("!IHBB", 6 << 28, tcp_len, 6, 64) + sa + da
        etype, gso = 0x86dd, GSO_TCPV6
    else:
        l3 = struct.pack("!BBHHHBBH", 0x45, 0, 20 + tcp_len, 1, 0x4000,
                         64, 6, 0) + sa + da
        l3 = l3[:10] + struct.pack("!H", 0xffff - csum16(l3)) + l3[12:]
        etype, gso = 0x0800, GSO_TCPV4
    hdrs = dmac + smac + struct.pack("!H", etype) + l3 + tcp
    l4off = 14 + len(l3)
    vnet = struct.pack("<BBHHHH", VIRTIO_NET_HDR_F_NEEDS_CSUM, gso,
                       len(hdrs), MSS, l4off, 16)
    return vnet + hdrs + bytes(payload)


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "hold":
        hold(sys.argv[1], vnet_hdr=True)
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    tap, src, dst, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    payload = int(sys.argv[5]) if len(sys.argv) == 6 else PAYLOAD
    with open("/sys/class/net/%s/address" % tap) as f:
        dmac = bytes.fromhex(f.read().strip().replace(":", ""))
    fd = attach(tap, vnet_hdr=True)
    raw = frame(b"\x02\0\0\0\0\x01", dmac, src, dst, payload)
    write = os.write
    t0 = time.monotonic_ns()
    for _ in range(count):
        if write(fd, raw) != len(raw):
            sys.exit("tsoblast: short write")
    t1 = time.monotonic_ns()
    print("sent %d %d" % (count, t1 - t0), flush=True)
    os.close(fd)


if __name__ == "__main__":
    main()
