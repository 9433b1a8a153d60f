# SPDX-License-Identifier: GPL-2.0
"""
Frame blaster for tests/guest/noalloc.sh: writes one prebuilt Ethernet frame
COUNT times into the tap device TAP (which must exist), so the BR receives
the frames on TAP as from a NIC: tun allocates each skb with NET_SKB_PAD of
headroom, like a NIC driver, and hands it to netif_receive_skb() with
bottom halves off. Every mode of the test pushes the same kind of skb
through the BR.

  noalloc.py TAP KIND SRC DST COUNT [GO-FILE]
  noalloc.py TAP hold

KIND: tcp (an ACK, 18 bytes of payload), icmp (echo request), udp.
SRC/DST: IPv4 or IPv6 addresses (both of the same family).
Prints "pid PID" first (the test counts the kernel events of this task),
then "sent COUNT" when done. With GO-FILE, it prepares everything, prints
"ready" and waits for GO-FILE to exist before sending: the function graph
tracer then sees the sends, not scapy's start-up. "hold" keeps a queue of
TAP attached until killed: the tap keeps its carrier while senders come
and go (losing it flushes the BR's IPv4 route cache, and the next packet
would allocate a route).  Run with /usr/bin/python3 (python3-scapy).
"""

import logging
import os
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (Ether, IP, IPv6, TCP, UDP, ICMP,  # noqa: E402
                       ICMPv6EchoRequest, Raw, get_if_hwaddr)

from tapdev import attach, hold  # noqa: E402


def frame(dmac, kind, src, dst):
    payload = Raw(b"siitdc-noalloc-18b")
    if ":" in src:
        l3 = IPv6(src=src, dst=dst, hlim=64)
        icmp = ICMPv6EchoRequest(id=7, seq=1)
    else:
        l3 = IP(src=src, dst=dst, ttl=64, flags="DF")
        icmp = ICMP(type=8, id=7, seq=1)
    l4 = {
        "tcp": TCP(sport=40000, dport=5001, flags="A", seq=1, ack=1),
        "udp": UDP(sport=40000, dport=5001),
        "icmp": icmp,
    }[kind]
    return bytes(Ether(src="02:00:00:00:00:01", dst=dmac) / l3 / l4 / payload)


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "hold":
        hold(sys.argv[1])
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    tap, kind, src, dst, count = sys.argv[1:6]
    raw = frame(get_if_hwaddr(tap), kind, src, dst)
    fd = attach(tap)
    print(f"pid {os.getpid()}", flush=True)
    if len(sys.argv) == 7:
        print("ready", flush=True)
        while not os.path.exists(sys.argv[6]):
            time.sleep(0.05)
    write = os.write
    for _ in range(int(count)):
        write(fd, raw)
    print(f"sent {count}", flush=True)


if __name__ == "__main__":
    main()
