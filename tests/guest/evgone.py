#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""evgone: checks that a "del" or "expire" event never finds its entry
still in the table.

siitdcd trusts the table over a stale event: on such an event it looks the
entry up, and if it is still there takes the event for stale.  That is only
sound if the kernel announces an entry once it is unlinked.  This listener
does what siitdcd does, as fast as it can: on each del/expire event it asks
for the entry's IPv4 address at once.

usage: evgone.py SECONDS COUNT
Listens (after printing "ready") until COUNT such events came or SECONDS
passed, then prints "events N present M" (M: events whose entry a lookup
still found).
"""
import select
import signal
import socket
import struct
import sys
import time

import nlraw

NETLINK_ADD_MEMBERSHIP = 1
CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 7, 1, 2
CMD_EAM_GET = 3
EVENT_DEL, EVENT_EXPIRE = 13, 14   # SIITDC_CMD_EVENT_DEL, _EXPIRE
A_EAM, EAM_V4_ADDR = 1, 1


def family_and_group(g):
    got, err, _ = g.family_attrs('siitdc')
    fam = grp = None
    for t, data in got or ():
        if t == nlraw.CTRL_ATTR_FAMILY_ID:
            fam = struct.unpack('=H', data[:2])[0]
        elif t == CTRL_ATTR_MCAST_GROUPS:
            for _, nest in nlraw.attrs(data):
                a = dict(nlraw.attrs(nest))
                if a.get(CTRL_ATTR_MCAST_GRP_NAME, b'').rstrip(b'\0') == b'events':
                    grp = struct.unpack('=I', a[CTRL_ATTR_MCAST_GRP_ID])[0]
    if fam is None or grp is None:
        sys.exit('evgone: no siitdc family or events group (error %d)' % err)
    return fam, grp


def v4_of(body):
    for t, data in nlraw.attrs(body):
        if t & nlraw.NLA_TYPE_MASK == A_EAM:
            for t2, d2 in nlraw.attrs(data):
                if t2 & nlraw.NLA_TYPE_MASK == EAM_V4_ADDR:
                    return d2
    return None


def present(g, fam, v4):
    inner = struct.pack('=HH', 8, EAM_V4_ADDR) + v4
    payload = struct.pack('=HH', 4 + len(inner), A_EAM | nlraw.NLA_F_NESTED) + inner
    g.send(fam, CMD_EAM_GET, nlraw.NLM_F_REQUEST | nlraw.NLM_F_ACK, payload)
    found = False
    for kind, _, _ in g.recv():
        if kind == 'reply':
            found = True
    return found


def main():
    secs, count = float(sys.argv[1]), int(sys.argv[2])
    signal.alarm(int(secs) + 30)    # never hangs a test run
    req = nlraw.Genl(False)
    fam, grp = family_and_group(req)
    ev = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, nlraw.NETLINK_GENERIC)
    ev.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    ev.bind((0, 0))
    ev.setsockopt(nlraw.SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
    print('ready', flush=True)
    events = found = 0
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if events >= count or left <= 0 or \
                not select.select([ev], [], [], left)[0]:
            break
        buf = ev.recv(1 << 16)
        while len(buf) >= 20:
            mlen = struct.unpack_from('=I', buf)[0]
            msg, buf = buf[:mlen], buf[(mlen + 3) & ~3:]
            if msg[16] not in (EVENT_DEL, EVENT_EXPIRE):
                continue
            v4 = v4_of(msg[20:])
            if v4 is None:
                continue
            events += 1
            if present(req, fam, v4):
                found += 1
                print('still present: %s' % socket.inet_ntoa(v4), flush=True)
    print('events %d present %d' % (events, found), flush=True)


main()
