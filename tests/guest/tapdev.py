# SPDX-License-Identifier: GPL-2.0
"""
A queue of a multi-queue tap device, for the scripts that write frames into
one of the BR's taps as a NIC would deliver them (noalloc.py, tsoblast.py).
Standard library only.

attach(TAP, vnet_hdr=False) opens a queue; with vnet_hdr every frame
written starts with a 10-byte virtio-net header (GSO type and size,
checksum offsets). hold(TAP) keeps a queue attached until killed, so the
tap keeps its carrier while writers come and go (losing it flushes the
BR's IPv4 route cache). The flags of the last queue attached apply to the
whole device: the holder and the writers must agree on vnet_hdr.
"""

import fcntl
import os
import struct
import time

TUNSETIFF = 0x400454ca
TUNSETVNETHDRSZ = 0x400454d8
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_MULTI_QUEUE = 0x0100
IFF_VNET_HDR = 0x4000
VNET_HDR_LEN = 10


def attach(tap, vnet_hdr=False):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE
    if vnet_hdr:
        flags |= IFF_VNET_HDR
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), flags))
    if vnet_hdr:
        fcntl.ioctl(fd, TUNSETVNETHDRSZ, struct.pack("i", VNET_HDR_LEN))
    return fd


def hold(tap, vnet_hdr=False):
    attach(tap, vnet_hdr)
    print("holding", flush=True)
    while True:
        time.sleep(3600)
