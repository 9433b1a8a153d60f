#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""nlraw: a raw client for the "siitdc" generic netlink family, for tests.

Unlike siitctl it validates nothing: it sends whatever it is told, so that
the kernel's own refusals can be tested.  Standard library only.

usage: nlraw.py [--dump] [--ack|--no-ack] [--cap-ack] [--no-nest-flag]
                [--family NAME] CMD [ATTR...]

CMD is a command name (eam_add, eam_del, eam_get, eam_flush, config_get,
config_set, stats_get) or a number.  Each ATTR is

    NAME=[TYPE:]VALUE       TYPE: u8 u16 u32 u64 ip4 ip6 hex str (NUL added)
    NAME{ATTR,ATTR,...}     a nest (NLA_F_NESTED set unless --no-nest-flag)
    NAME                    an empty attribute (a flag)

NAME is an attribute name of the enclosing level (see the tables below) or
a number; TYPE may be left out for a named attribute of known type.
Examples: eam{v4_addr=ip4:198.51.100.7,v4_len=u8:33}  1=hex:0102
          flags=u32:1  eam{99=u8:1}  config{pool6_clear}

NLM_F_ACK is set on every non-dump request (it ends the exchange); --ack
sets it on dumps too, --no-ack clears it (the tool then stops after the
first message).  --cap-ack sets NETLINK_CAP_ACK (errors do not echo the
request).

Output (stdout): one line per reply message, "CMD ATTR,ATTR..." in the
input syntax; nothing for a bare ack.  On a refusal: "error ERRNO: MESSAGE"
plus, in brackets, the attribute the kernel pointed at and any missing
attribute it reported; exit status 1.  Usage errors: exit status 2.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP = 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED, NLA_TYPE_MASK = 0x8000, 0x3fff
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
EXTACK = {1: 'msg', 2: 'offs', 3: 'cookie', 4: 'policy', 5: 'miss_type',
          6: 'miss_nest'}

CMDS = ['unspec', 'eam_add', 'eam_del', 'eam_get', 'eam_flush', 'config_get',
        'config_set', 'stats_get']
STATS = ['unspec', 'xlat_4to6', 'xlat_6to4', 'pass_4', 'pass_6',
         'drop_malformed', 'drop_src_unmapped', 'drop_src_illegal',
         'drop_ttl_expired', 'drop_fragment', 'drop_icmp_type', 'drop_proto',
         'drop_udp_zero_csum', 'drop_too_big', 'drop_nomem', 'drop_no_route',
         'drop_exthdr', 'drop_dst_illegal', 'drop_gso']

# Attribute tables: name -> (number, type, sub-table for nests).
EAM = {'v4_addr': (1, 'ip4', None), 'v4_len': (2, 'u8', None),
       'v6_addr': (3, 'ip6', None), 'v6_len': (4, 'u8', None),
       'ttl': (5, 'u32', None), 'owner': (6, 'str', None),
       'source': (7, 'u8', None), 'op': (8, 'u8', None),
       'flags': (9, 'u32', None), 'pkts_4to6': (10, 'u64', None),
       'bytes_4to6': (11, 'u64', None), 'pkts_6to4': (12, 'u64', None),
       'bytes_6to4': (13, 'u64', None), 'idle_ms': (14, 'u64', None),
       'pad': (15, 'hex', None)}
CFG = {'pool6_addr': (1, 'ip6', None), 'pool6_len': (2, 'u8', None),
       'pool6_clear': (3, 'flag', None), 'eam_count': (4, 'u32', None),
       'pool6791v4_addr': (5, 'ip4', None), 'pool6791v4_len': (6, 'u8', None),
       'pool6791v4_clear': (7, 'flag', None),
       'pool6791v6_addr': (8, 'ip6', None), 'pool6791v6_len': (9, 'u8', None),
       'pool6791v6_clear': (10, 'flag', None),
       'lowest_ipv6_mtu': (11, 'u32', None), 'mtu_plateaus': (12, 'hex', None),
       'zeroize_tc': (13, 'u8', None), 'override_tos': (14, 'u8', None),
       'tos': (15, 'u8', None), 'udp_zero_csum': (16, 'u8', None),
       'hairpin': (17, 'u8', None), 'random_6791': (18, 'u8', None),
       'icmp_errors': (19, 'u8', None), 'icmp_ratelimit': (20, 'u32', None),
       'denylist4': (21, 'hex', None)}
STAT = {name: (i, 'u64', None) for i, name in enumerate(STATS) if i}
TOP = {'eam': (1, 'nest', EAM), 'config': (2, 'nest', CFG),
       'stats': (3, 'nest', STAT), 'flags': (4, 'u32', None),
       'count': (5, 'u32', None), 'results': (6, 'hex', None),
       'pad': (7, 'hex', None)}
INTS = {'u8': 'B', 'u16': 'H', 'u32': 'I', 'u64': 'Q'}


class Usage(Exception):
    pass


def by_number(table, num):
    for name, (n, typ, sub) in (table or {}).items():
        if n == num:
            return name, typ, sub
    return str(num), None, None


def encode_value(typ, text):
    try:
        if typ in INTS:
            return struct.pack('=' + INTS[typ], int(text, 0))
        if typ == 'ip4':
            return socket.inet_pton(socket.AF_INET, text)
        if typ == 'ip6':
            return socket.inet_pton(socket.AF_INET6, text)
        if typ == 'hex':
            return bytes.fromhex(text)
        if typ == 'str':
            return text.encode() + b'\0'
        if typ == 'flag' and text == '':
            return b''
    except (ValueError, OSError, struct.error) as e:
        raise Usage('bad %s value %r: %s' % (typ, text, e))
    raise Usage('unknown type %r (or value for a flag)' % typ)


class Encoder:
    """Parses ATTR items into netlink attributes; remembers where each one
    lands (offset from the start of the netlink message) for extack."""

    def __init__(self, nest_flag, base):
        self.nest_flag = nest_flag
        self.base = base
        self.where = {}         # offset -> (path, table of its children)

    def items(self, text, pos, table, path, out, end):
        while pos < len(text) and text[pos] != end:
            pos = self.item(text, pos, table, path, out)
            if pos < len(text) and text[pos] == ',':
                pos += 1
        return pos

    def item(self, text, pos, table, path, out):
        i = pos
        while i < len(text) and text[i] not in '={},':
            i += 1
        key = text[pos:i]
        if key.isdigit():
            num = int(key)
            name, typ, sub = by_number(table, num)
        elif key in (table or {}):
            num, typ, sub = table[key]
            name = key
        else:
            raise Usage('unknown attribute %r at %s' % (key, path or 'top'))
        full = path + '.' + name if path else name
        off = self.base + len(out)
        out += b'\0\0\0\0'      # header, filled in below
        if i < len(text) and text[i] == '{':
            self.where[off] = (full, sub)
            i = self.items(text, i + 1, sub, full, out, '}')
            if i >= len(text):
                raise Usage('missing } after %s' % full)
            i += 1
            num |= NLA_F_NESTED if self.nest_flag else 0
        else:
            self.where[off] = (full, None)
            value = ''
            if i < len(text) and text[i] == '=':
                j = i + 1
                while j < len(text) and text[j] not in ',}':
                    j += 1
                value, i = text[i + 1:j], j
            vtype, sep, vtext = value.partition(':')
            if not sep or vtype not in INTS and vtype not in (
                    'ip4', 'ip6', 'hex', 'str', 'flag'):
                vtype, vtext = typ or 'hex', value
            out += encode_value(vtype, vtext)
        struct.pack_into('=HH', out, off - self.base, len(out) - (off - self.base), num)
        out += b'\0' * (-len(out) % 4)
        return i


def attrs(buf):
    while len(buf) >= 4:
        alen, atype = struct.unpack_from('=HH', buf)
        if alen < 4:
            break
        yield atype, buf[4:alen]
        buf = buf[(alen + 3) & ~3:]


def fmt_attrs(buf, table):
    out = []
    for atype, data in attrs(buf):
        name, typ, sub = by_number(table, atype & NLA_TYPE_MASK)
        if typ == 'nest' or atype & NLA_F_NESTED:
            out.append('%s{%s}' % (name, fmt_attrs(data, sub)))
        elif typ in INTS and len(data) == struct.calcsize(INTS[typ]):
            out.append('%s=%d' % (name, struct.unpack('=' + INTS[typ], data)[0]))
        elif typ == 'ip4' and len(data) == 4:
            out.append('%s=%s' % (name, socket.inet_ntop(socket.AF_INET, data)))
        elif typ == 'ip6' and len(data) == 16:
            out.append('%s=%s' % (name, socket.inet_ntop(socket.AF_INET6, data)))
        elif typ == 'flag' and not data:
            out.append(name)
        else:
            out.append('%s=hex:%s' % (name, data.hex()))
    return ','.join(out)


class Genl:
    def __init__(self, cap_ack):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        if cap_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0

    def send(self, family, cmd, flags, payload, version=1):
        self.seq += 1
        msg = struct.pack('=IHHII', 16 + 4 + len(payload), family, flags,
                          self.seq, 0) + struct.pack('=BBH', cmd, version, 0)
        self.sock.sendto(msg + payload, (0, 0))

    def recv(self):
        """Yields ('reply', genl cmd, attrs) and ends after the ack, the
        error or NLMSG_DONE, with ('error', errno, extack dict)."""
        while True:
            buf = self.sock.recv(1 << 16)
            while len(buf) >= 16:
                mlen, mtype, mflags, seq, _ = struct.unpack_from('=IHHII', buf)
                msg, buf = buf[:mlen], buf[(mlen + 3) & ~3:]
                if seq != self.seq:
                    continue
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err = struct.unpack_from('=i', msg, 16)[0] if mlen >= 20 else 0
                    ext = {}
                    if mflags & NLM_F_ACK_TLVS:
                        if mtype == NLMSG_DONE:
                            tlv = 20
                        elif mflags & NLM_F_CAPPED:
                            tlv = 20 + 16
                        else:
                            tlv = 20 + struct.unpack_from('=I', msg, 20)[0]
                        for t, data in attrs(msg[(tlv + 3) & ~3:]):
                            ext[EXTACK.get(t, t)] = data
                    yield 'error', -err, ext
                    return
                yield 'reply', msg[16], msg[20:]

    def family_attrs(self, name):
        """The attributes of the controller's reply about family NAME:
        (list of (type, data), 0, {}), or (None, errno, extack)."""
        payload = struct.pack('=HH', 4 + len(name) + 1, CTRL_ATTR_FAMILY_NAME)
        payload += name.encode() + b'\0'
        payload += b'\0' * (-len(payload) % 4)
        self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST | NLM_F_ACK,
                  payload)
        got = None
        for kind, a, b in self.recv():
            if kind == 'reply':
                got = list(attrs(b))
            elif a:
                return None, a, b
        return (got, 0, {}) if got is not None else (None, errno.ENOENT, {})

    def family(self, name):
        got, err, ext = self.family_attrs(name)
        for t, data in got or ():
            if t == CTRL_ATTR_FAMILY_ID:
                return struct.unpack('=H', data[:2])[0], 0, {}
        return None, err or errno.ENOENT, ext


def errname(err):
    return 'EOPNOTSUPP' if err == errno.EOPNOTSUPP else errno.errorcode.get(err, str(err))


def describe(err, ext, where):
    """'ERRNO: message [at ...] [missing ...]' for an error, '' for none."""
    text = ext['msg'].rstrip(b'\0').decode(errors='replace') if 'msg' in ext else ''
    notes = []
    if 'offs' in ext:
        off = struct.unpack('=I', ext['offs'])[0]
        notes.append('at %s' % where.get(off, ('offset %d' % off,))[0])
    if 'miss_type' in ext:
        table, nest = TOP, 'top level'
        if 'miss_nest' in ext:
            off = struct.unpack('=I', ext['miss_nest'])[0]
            nest, table = where.get(off, ('nest at offset %d' % off, None))
        name = by_number(table, struct.unpack('=I', ext['miss_type'])[0])[0]
        notes.append('missing attribute %s in %s' % (name, nest))
    text = ' '.join([text] + ['[%s]' % n for n in notes]).strip()
    if not err:
        return text
    return '%s: %s' % (errname(err), text or '(no message)')


def main(argv):
    opts = {'--dump': False, '--ack': False, '--no-ack': False,
            '--cap-ack': False, '--no-nest-flag': False}
    family = 'siitdc'
    args = []
    it = iter(argv)
    for a in it:
        if a in opts:
            opts[a] = True
        elif a == '--family':
            family = next(it, 'siitdc')
        elif a in ('-h', '--help'):
            print(__doc__.strip())
            return 0
        else:
            args.append(a)
    if not args:
        raise Usage('missing command (try --help)')
    cmd = args[0]
    if cmd.isdigit():
        cmd = int(cmd)
    elif cmd in CMDS:
        cmd = CMDS.index(cmd)
    else:
        raise Usage('unknown command %r' % cmd)

    enc = Encoder(not opts['--no-nest-flag'], 16 + 4)
    payload = bytearray()
    for a in args[1:]:
        if enc.items(a, 0, TOP, '', payload, '') != len(a):
            raise Usage('unexpected text in %r' % a)

    nl = Genl(opts['--cap-ack'])
    fam, err, ext = nl.family(family)
    if fam is None:
        if not ext:
            ext = {'msg': b'generic netlink family %s not found' % family.encode()}
        print('error %s' % describe(err, ext, {}))
        return 1
    flags = NLM_F_REQUEST
    if opts['--dump']:
        flags |= NLM_F_DUMP
    if (opts['--ack'] or not opts['--dump']) and not opts['--no-ack']:
        flags |= NLM_F_ACK
    nl.send(fam, cmd, flags, bytes(payload))
    for kind, a, b in nl.recv():
        if kind == 'error':
            if a:
                print('error %s' % describe(a, b, enc.where))
                return 1
            warning = describe(0, b, enc.where)
            if warning:
                print('warning: %s' % warning, file=sys.stderr)
            break
        name = CMDS[a] if a < len(CMDS) else str(a)
        print(('%s %s' % (name, fmt_attrs(b, TOP))).rstrip())
        sys.stdout.flush()
        if not flags & (NLM_F_ACK | NLM_F_DUMP):
            break
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except Usage as e:
        print('nlraw: %s' % e, file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print('error %s: %s' % (errname(e.errno), e.strerror))
        sys.exit(1)
