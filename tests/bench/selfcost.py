#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instructions each function spends itself, for one packet, from ftrace
function_graph traces taken under qemu icount (a guest ns = an instruction).

usage: selfcost.py BASE.txt MODE.txt [MARKER [TOP]]

A packet is everything between two consecutive calls of MARKER (pktgen's
pktgen_xmit); the middle packet of each trace is taken. A traced call
costs the tracer about L instructions, L being the shortest leaf call of
the packet (a leaf that does nearly nothing): a leaf's own cost is its
duration less L; a caller's is its duration less its children's and
(children + 1) x L. A rough guide, function by function: code that is
not traced (inlined, notrace) counts in its caller, and softirq
bookkeeping shifts between packets of a NAPI batch.

Prints the TOP (30) functions whose own cost differs most between the two
packets, and each packet's total, so the work one mode adds shows by name.
"""
import collections
import re
import sys

from callgraph import packet_lines

LINE = re.compile(r'\|\s*\d+\)\s*(?:[!#@*+$-]\s*)?(?:([\d.]+) us\s*)?\|\s*(.*)$')


def name_of(text):
    return re.sub(r' \[\w+\]$', '', text)


def self_costs(lines):
    """{function: (instructions, calls)} for one packet."""
    calls = []          # (name, duration ns, children durations, nchildren)
    stack = []
    for line in lines:
        m = LINE.search(line)
        if not m:
            continue
        dur = float(m.group(1)) * 1000 if m.group(1) else None
        text = m.group(2).strip()
        if text.endswith('() {'):
            stack.append([name_of(text[:-4]), 0.0, 0])
        elif text.startswith('}') and stack and dur is not None:
            name, kids, n = stack.pop()
            calls.append((name, dur, kids, n))
            if stack:
                stack[-1][1] += dur
                stack[-1][2] += 1
        elif text.endswith('();') and dur is not None:
            calls.append((name_of(text[:-3]), dur, 0.0, 0))
            if stack:
                stack[-1][1] += dur
                stack[-1][2] += 1
    leaves = [d for _, d, _, n in calls if n == 0]
    if not leaves:
        sys.exit('selfcost: no leaf calls in the packet')
    ovh = min(leaves)
    cost = collections.defaultdict(lambda: [0.0, 0])
    for name, dur, kids, n in calls:
        cost[name][0] += max(dur - kids - (n + 1) * ovh, 0.0)
        cost[name][1] += 1
    return cost, ovh


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    marker = sys.argv[3] if len(sys.argv) > 3 else 'pktgen_xmit'
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    (base, ob), (mode, om) = (self_costs(packet_lines(p, marker))
                              for p in sys.argv[1:3])
    tb = sum(c for c, _ in base.values())
    tm = sum(c for c, _ in mode.values())
    print(f'# own instructions per packet, tracer cost taken out '
          f'(L = {ob:.0f} / {om:.0f}): {tb:.0f} -> {tm:.0f} ({tm - tb:+.0f})')
    names = set(base) | set(mode)
    diff = sorted(names, key=lambda f: -abs(mode[f][0] - base[f][0]))
    for f in diff[:top]:
        d = mode[f][0] - base[f][0]
        if abs(d) < 5:
            break
        print(f'{d:+7.0f}\t{f}\t({base[f][0]:.0f} in {base[f][1]} call(s) -> '
              f'{mode[f][0]:.0f} in {mode[f][1]})')


if __name__ == '__main__':
    main()
