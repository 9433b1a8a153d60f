#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""dnsprobe: raw DNS packets for the guest tests of siitdcd (siitdcd_dns.sh).

dig cannot send malformed queries, and cannot tell whether the kernel entry
existed before the answer arrived; this tool does both. Standard library
only; the packets are built here on purpose (the daemon under test parses
with ldns, so a second, independent encoder is what a test wants).

usage:
  dnsprobe.py raw SERVER CASE      send one crafted query over UDP, print
                                   "rcode NAME" (extended RCODE included) or
                                   "noanswer" after 2 s
  dnsprobe.py order SERVER NAME NS send "A NAME" to SERVER over UDP while
                                   listening to the siitdc "events" multicast
                                   group in network namespace NS; print
                                   "A ADDR TTL T EVENT yes|no": whether the
                                   module's add (or refresh) event for ADDR
                                   was already queued when the answer came
  dnsprobe.py burst SERVER NAME N  N UDP queries "A NAME", all sent before
                                   any answer is read; print "answered K
                                   addresses ADDRxCOUNT ..."

CASEs: short (5 bytes), noquestion (QDCOUNT 1, no question), twoquestions,
badlabel (a label running past the end), qr (QR set: a response),
opcode-status (opcode 2), badvers (EDNS version 1), twoopt (two OPT
records), garbage (64 random bytes after a query-like header), good (a
well-formed A query for web.pub.example.net, as a control).
"""
import ctypes
import os
import random
import socket
import struct
import sys

RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN',
          4: 'NOTIMP', 5: 'REFUSED', 16: 'BADVERS'}
T_A, T_AAAA, T_OPT = 1, 28, 41


def qname(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def header(qid, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack('!6H', qid, flags, qd, an, ns, ar)


def question(name, qtype=T_A):
    return qname(name) + struct.pack('!2H', qtype, 1)


def opt(version=0, size=1232):
    # Root name, TYPE OPT, CLASS = UDP size, TTL = ext-rcode|version|flags.
    return b'\0' + struct.pack('!HHIH', T_OPT, size, version << 16, 0)


def craft(case, qid):
    name = 'web.pub.example.net'
    if case == 'short':
        return header(qid)[:5]
    if case == 'noquestion':
        return header(qid)
    if case == 'twoquestions':
        return header(qid, qd=2) + question(name) + question(name)
    if case == 'badlabel':
        return header(qid) + b'\x3fweb' + struct.pack('!2H', T_A, 1)
    if case == 'qr':
        return header(qid, flags=0x8100) + question(name)
    if case == 'opcode-status':
        return header(qid, flags=0x1000) + question(name)
    if case == 'badvers':
        return header(qid, ar=1) + question(name) + opt(version=1)
    if case == 'twoopt':
        return header(qid, ar=2) + question(name) + opt() + opt()
    if case == 'garbage':
        rnd = random.Random(qid)
        return header(qid, qd=1, an=3, ns=7, ar=2) + bytes(
            rnd.randrange(256) for _ in range(64))
    if case == 'good':
        return header(qid) + question(name)
    sys.exit(f'dnsprobe: unknown case {case}')


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n >= 0xc0:
            return off + 2
        off += 1 + n
        if n == 0:
            return off


def parse(msg):
    """(id, rcode incl. extended bits, [(type, ttl, rdata)] of the answer)."""
    qid, flags, qd, an, ns, ar = struct.unpack('!6H', msg[:12])
    rc = flags & 0xf
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    rrs = []
    for i in range(an + ns + ar):
        off = skip_name(msg, off)
        typ, cls, ttl, rdlen = struct.unpack('!HHIH', msg[off:off + 10])
        off += 10
        rd = msg[off:off + rdlen]
        off += rdlen
        if i < an:
            rrs.append((typ, ttl, rd))
        elif typ == T_OPT and i >= an + ns:
            rc |= (ttl >> 24) << 4
    return qid, rc, rrs


def rcode_name(rc):
    return RCODES.get(rc, str(rc))


def cmd_raw(server, case):
    qid = random.randrange(65536)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(craft(case, qid), (server, 53))
    try:
        msg = s.recv(65535)
    except socket.timeout:
        print('noanswer')
        return 0
    print('rcode', rcode_name(parse(msg)[1] if len(msg) >= 12 else -1))
    return 0


# ---- generic netlink: the siitdc "events" group ----

NETLINK_GENERIC, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 16, 270, 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
EVENT_ADD, EVENT_REFRESH = 12, 15	# enum siitdc_cmd
A_EAM, EAM_A_V4_ADDR = 1, 1


def nl_attrs(buf):
    out, off = {}, 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack('=HH', buf[off:off + 4])
        if ln < 4:
            break
        out.setdefault(typ & 0x3fff, []).append(buf[off + 4:off + ln])
        off += (ln + 3) & ~3
    return out


def events_socket(netns):
    """A genl socket in @netns subscribed to siitdc's events group."""
    libc = ctypes.CDLL(None, use_errno=True)
    here = os.open('/proc/self/ns/net', os.O_RDONLY)
    there = os.open(f'/run/netns/{netns}', os.O_RDONLY)
    if libc.setns(there, 0x40000000) != 0:	# CLONE_NEWNET
        sys.exit(f'dnsprobe: setns {netns}: {os.strerror(ctypes.get_errno())}')
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    libc.setns(here, 0x40000000)
    os.close(here)
    os.close(there)
    s.bind((0, 0))
    name = b'siitdc\0'
    attr = struct.pack('=HH', 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    attr += b'\0' * (-len(attr) % 4)
    body = struct.pack('=BBH', CTRL_CMD_GETFAMILY, 1, 0) + attr
    s.send(struct.pack('=IHHII', 16 + len(body), GENL_ID_CTRL, 1, 1, 0) + body)
    msg = s.recv(65536)
    a = nl_attrs(msg[20:])
    grp = None
    for g in nl_attrs(a[CTRL_ATTR_MCAST_GROUPS][0]).values():
        ga = nl_attrs(g[0])
        if ga.get(1, [b''])[0].rstrip(b'\0') == b'events':
            grp = struct.unpack('=I', ga[2][0])[0]
    if grp is None:
        sys.exit('dnsprobe: no "events" group in the siitdc family')
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
    s.setblocking(False)
    return s


def queued_event_for(s, v4):
    """Whether an add/refresh event naming @v4 is already queued on @s."""
    while True:
        try:
            buf = s.recv(65536)
        except BlockingIOError:
            return False
        off = 0
        while off + 20 <= len(buf):
            ln = struct.unpack('=I', buf[off:off + 4])[0]
            cmd = buf[off + 16]
            if cmd in (EVENT_ADD, EVENT_REFRESH):
                eam = nl_attrs(buf[off + 20:off + ln]).get(A_EAM)
                if eam and nl_attrs(eam[0]).get(EAM_A_V4_ADDR, [b''])[0] == v4:
                    return True
            off += (ln + 3) & ~3


def cmd_order(server, name, netns):
    ev = events_socket(netns)
    qid = random.randrange(65536)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(header(qid) + question(name), (server, 53))
    msg = s.recv(65535)
    # The answer is in: look at what the kernel had announced by now.
    _, rc, rrs = parse(msg)
    a = [(ttl, rd) for typ, ttl, rd in rrs if typ == T_A]
    if rc != 0 or not a:
        print('rcode', rcode_name(rc))
        return 1
    ttl, rd = a[0]
    seen = queued_event_for(ev, rd)
    print('A', socket.inet_ntoa(rd), 'TTL', ttl, 'EVENT', 'yes' if seen else 'no')
    return 0


def cmd_burst(server, name, count):
    """@count queries for @name from as many sockets, all sent before any
    answer is read: they reach the daemon together."""
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((server, 53))
        socks.append((s, random.randrange(65536)))
    for s, qid in socks:
        s.send(header(qid) + question(name))
    addrs, answered = {}, 0
    for s, qid in socks:
        s.settimeout(5)
        try:
            msg = s.recv(65535)
        except socket.timeout:
            continue
        got, rc, rrs = parse(msg)
        if got != qid or rc != 0:
            continue
        answered += 1
        for typ, _, rd in rrs:
            if typ == T_A:
                a = socket.inet_ntoa(rd)
                addrs[a] = addrs.get(a, 0) + 1
    print('answered', answered, 'addresses', ' '.join(
        f'{a}x{n}' for a, n in sorted(addrs.items())) or '-')
    return 0


def main(argv):
    if len(argv) == 4 and argv[0] == 'burst':
        return cmd_burst(argv[1], argv[2], int(argv[3]))
    if len(argv) == 3 and argv[0] == 'raw':
        return cmd_raw(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == 'order':
        return cmd_order(argv[1], argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
