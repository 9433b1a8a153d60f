#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Calls per packet, from ftrace function_graph traces of pktgen runs.

usage: callgraph.py BASE.txt MODE.txt [MARKER]

A packet is everything between two consecutive calls of MARKER (pktgen's
pktgen_xmit); the middle packet of each trace is taken. Prints the
functions MODE's packet calls more (or fewer) times than BASE's, so the
work translation adds or removes shows by name.
"""
import collections
import re
import sys


def packet_lines(path, marker):
    """The trace lines of the middle packet of the trace at PATH."""
    entry = re.compile(r'\b' + re.escape(marker) + r'( \[\w+\])?\(\) \{')
    with open(path, errors='replace') as f:
        lines = f.read().split('\n')
    starts = [i for i, line in enumerate(lines) if entry.search(line)]
    if len(starts) < 3:
        sys.exit(f'{sys.argv[0]}: fewer than 3 packets in {path}')
    mid = len(starts) // 2
    return lines[starts[mid]:starts[mid + 1]]


def one_packet(path, marker):
    call = re.compile(r'\|\s+([^|]*?)\(\)')
    calls = collections.Counter()
    for line in packet_lines(path, marker):
        m = call.search('|' + line.rsplit('|', 1)[-1])
        if m:
            calls[re.sub(r' \[\w+\]$', '', m.group(1))] += 1
    return calls


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    marker = sys.argv[3] if len(sys.argv) > 3 else 'pktgen_xmit'
    base, mode = (one_packet(p, marker) for p in sys.argv[1:3])
    print(f'# calls per packet: {sum(base.values())} -> {sum(mode.values())}')
    for fn in sorted(set(base) | set(mode)):
        d = mode[fn] - base[fn]
        if d:
            print(f'{d:+d}\t{fn}')


if __name__ == '__main__':
    main()
