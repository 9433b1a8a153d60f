#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarises tests/bench/guest-pps.sh's bench.tsv.

    report.py BENCH.TSV [--time-mode]

Under qemu's icount mode (shift=0) one guest ns is one guest instruction, so
ns per packet is instructions per packet (= 1e9 / pps as measured in the
guest).  --time-mode only relabels the unit (a run without --icount).

Runs with status "loss" (more than 0.1 % of the packets did not arrive) are
listed and left out of the statistics.
"""
import statistics
import sys


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 10 or p[0] != "run":
                continue
            runs.append({
                "mode": p[1], "round": p[2], "sent": int(p[3]),
                "rx": int(p[4]), "ns": int(p[5]), "ipp": float(p[6]),
                "loss": float(p[7]), "frame": int(p[8]), "status": p[9],
            })
    return runs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unit = "ns/pkt" if "--time-mode" in sys.argv else "instr/pkt"
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    runs = load(args[0])
    if not runs:
        print("report: no runs in %s" % args[0])
        return 1

    order, by_mode, dropped = [], {}, []
    for r in runs:
        if r["mode"] not in by_mode:
            order.append(r["mode"])
            by_mode[r["mode"]] = []
        if r["status"] == "ok":
            by_mode[r["mode"]].append(r)
        else:
            dropped.append(r)

    med = {}
    print("%-12s %5s %10s %10s %10s %8s %9s %6s" % (
        "mode", "runs", unit, "min", "max", "spread%", "kpps", "frame"))
    for m in order:
        rs = by_mode[m]
        if not rs:
            print("%-12s %5d  (every run discarded)" % (m, 0))
            continue
        v = [r["ipp"] for r in rs]
        med[m] = statistics.median(v)
        spread = (max(v) - min(v)) * 100 / med[m]
        print("%-12s %5d %10.1f %10.1f %10.1f %8.3f %9.1f %6d" % (
            m, len(v), med[m], min(v), max(v), spread, 1e6 / med[m],
            rs[0]["frame"]))
    if dropped:
        print("\ndiscarded runs (loss > 0.1 %):")
        for r in dropped:
            print("  %s round %s: sent %d, received %d, loss %.3f %%" % (
                r["mode"], r["round"], r["sent"], r["rx"], r["loss"]))

    lines = []

    def ratio(label, a, b):
        if a in med and b in med:
            lines.append("  %-44s %7.3f   (%+.0f %s)" % (
                label + " " + a + "/" + b, med[a] / med[b],
                med[a] - med[b], unit))

    def over(label, a, b):
        if a in med and b in med:
            lines.append("  %-44s %+7.0f %s  (x%.3f)" % (
                label + " " + a + " - " + b, med[a] - med[b], unit,
                med[a] / med[b]))

    lines.append("IPv4 -> IPv6 (ratio, and difference in parentheses):")
    ratio("siitdc vs plain IPv4 forwarding:", "siit4", "plain4")
    ratio("Jool vs plain IPv4 forwarding:", "jool4", "plain4")
    ratio("siitdc vs Jool:", "siit4", "jool4")
    over("siitdc translation overhead:", "siit4", "plain4")
    over("Jool translation overhead:", "jool4", "plain4")
    lines.append("IPv6 -> IPv4:")
    ratio("siitdc vs plain IPv6 forwarding:", "siit6", "plain6")
    ratio("Jool vs plain IPv6 forwarding:", "jool6", "plain6")
    ratio("siitdc vs plain IPv4 forwarding:", "siit6", "plain4")
    ratio("siitdc vs Jool:", "siit6", "jool6")
    over("siitdc translation overhead:", "siit6", "plain6")
    over("Jool translation overhead:", "jool6", "plain6")
    lines.append("Untranslated IPv4 forwarding through br:")
    over("siitdc loaded, br not configured:", "siit-idle", "plain4")
    over("siitdc configured, no EAM match:", "siit-pass", "plain4")
    over("Jool instance, denylist4 match:", "jool-pass", "plain4")
    ratio("siitdc vs Jool, untranslated overhead:", "siit-pass", "jool-pass")
    if "siit-pass" in med and "jool-pass" in med and "plain4" in med:
        a = med["siit-pass"] - med["plain4"]
        b = med["jool-pass"] - med["plain4"]
        if b:
            lines.append("  %-44s %7.3f" % (
                "overhead ratio (siit-pass-plain4)/(jool-pass-plain4)", a / b))
    tso_payload = 63360	# tsoblast.py: 44 segments of 1440 bytes
    for d, name in (("4", "IPv4 -> IPv6"), ("6", "IPv6 -> IPv4")):
        drop = "tso-drop" + d
        if drop not in med:
            continue
        work = {m: med["tso-%s%s" % (m, d)] - med[drop]
                for m in ("plain", "siit", "jool") if "tso-%s%s" % (m, d) in med}
        lines.append("TCP super-frames, %s (%d bytes of payload a frame; "
                     "the BR's work = mode - %s, the writer's and tun's part):"
                     % (name, tso_payload, drop))
        for m, label in (("plain", "plain forwarding"), ("siit", "siitdc"),
                         ("jool", "Jool")):
            if m in work:
                lines.append("  %-44s %7.0f %s  (%.1f per KB)" % (
                    "BR work a frame, " + label + ":", work[m], unit,
                    work[m] * 1024 / tso_payload))
        if "siit" in work and "plain" in work and work["plain"] > 0:
            lines.append("  %-44s %7.3f" % ("BR work, siitdc / plain forwarding:",
                                            work["siit"] / work["plain"]))
        if "siit" in work and "jool" in work and work["siit"] > 0:
            lines.append("  %-44s %7.3f" % (
                "BR TCP throughput, siitdc / Jool (work ratio):",
                work["jool"] / work["siit"]))
        ratio("whole path, siitdc vs Jool:", "tso-siit" + d, "tso-jool" + d)
    big = [m for m in order if "@" in m]
    if big:
        lines.append("EAM table size (N extra entries):")
        for m in big:
            ratio("siitdc, N=%s vs 1 entry:" % m.split("@")[1], m,
                  m.split("@")[0])
    print("\nratios of medians:")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
