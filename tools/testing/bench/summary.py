#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The benchmark table from the raw lines of guest.sh and run.sh.

Reads "KIND key=value..." lines (datapath, ioctl, probe, merge, hprobe)
on stdin or from the files named, prints the medians, the spread (min and
max over the rounds) and the ratios tunpin-pinned / stock, and the targets
of issue 8 next to them. Benchmarks report: the exit status is 0 whatever
the figures are.
"""
import statistics
import sys
from collections import defaultdict


def rows(lines):
    for line in lines:
        w = line.split()
        if not w or w[0].startswith("#") or "=" in w[0]:
            continue
        kv = dict(x.split("=", 1) for x in w[1:] if "=" in x)
        yield w[0], kv


def med(v):
    return statistics.median(v) if v else float("nan")


def fmt(x, unit=""):
    if x != x:
        return "-"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g}M{unit}"
    if abs(x) >= 100:
        return f"{x:,.0f}{unit}"
    return f"{x:.3g}{unit}"


def spread(v, unit=""):
    return f"{fmt(min(v), unit)}..{fmt(max(v), unit)}" if v else "-"


def paired(s, p, inverse=False):
    """Per-round ratios pinned / stock of the rounds that have both."""
    a = {r: v for v, r in s}
    return sorted(v / a[r] for v, r in p if r in a and a[r])


def target(ok):
    return "met" if ok else "MISSED"


def main():
    text = []
    for f in sys.argv[1:] or ["-"]:
        text += (sys.stdin if f == "-" else open(f)).read().splitlines()
    for line in text:
        if line.startswith("# ") and ":" in line and "round" not in line:
            print(line)
    dp = defaultdict(list)
    io = defaultdict(list)
    probe = defaultdict(lambda: defaultdict(list))
    merge = []
    hprobe, hprobe_cpu, hprobe_own = [], [], []
    for kind, kv in rows(text):
        if kind == "datapath":
            key = (kv["dir"], int(kv["size"]), kv["state"])
            dp[key].append((float(kv["pps"]), float(kv["Bps"]),
                            int(kv["lost"]), kv["round"]))
        elif kind == "ioctl":
            key = (int(kv["taps"]), int(kv.get("ovr", 0)), kv["where"],
                   kv["op"], kv["state"])
            io[key].append((float(kv["ns"]), kv["round"]))
        elif kind == "probe":
            probe[kv["state"]]["wall"].append(int(kv["wall_us"]) / 1000)
            if kv.get("probe_ms"):
                probe[kv["state"]]["probe"].append(float(kv["probe_ms"]))
        elif kind == "merge":
            merge.append(kv)
        elif kind == "hprobe":
            hprobe.append(float(kv["wall_ms"]))
            if kv.get("cpu_ms"):
                hprobe_cpu.append(float(kv["cpu_ms"]))
            if kv.get("probe_ms"):
                hprobe_own.append(float(kv["probe_ms"]))

    worst_dp, worst_io = None, None
    base, rows_io, worst_wo = {}, [], None
    icount = any(t.startswith("# mode: icount") for t in text)
    unit = "instructions (icount ns)" if icount else "ns"
    if dp:
        print()
        print("Datapath: frames through a TAP with vnet headers, median of"
              " the rounds (min..max)")
        print(f"{'dir':3} {'frame':>6}  {'stock pps':>18}  {'pinned pps':>18}"
              f"  {'stock MB/s':>16}  {'pinned MB/s':>16}  ratio  "
              f"{'paired':>17}  lost")
        for d in ("tx", "rx"):
            for size in sorted({k[1] for k in dp}):
                s, p = dp.get((d, size, "stock")), dp.get((d, size, "pinned"))
                if not s or not p:
                    continue
                sp = [x[0] for x in s]
                pp = [x[0] for x in p]
                sb = [x[1] / 1e6 for x in s]
                pb = [x[1] / 1e6 for x in p]
                ratio = med(pp) / med(sp) if med(sp) else float("nan")
                pr = paired([(x[0], x[3]) for x in s],
                            [(x[0], x[3]) for x in p])
                worst_dp = ratio if worst_dp is None else min(worst_dp, ratio)
                lost = sum(x[2] for x in s + p)
                print(f"{d:3} {size:>6}  {fmt(med(sp)):>7} "
                      f"({spread(sp):>9})  {fmt(med(pp)):>7} "
                      f"({spread(pp):>9})  {fmt(med(sb)):>5} "
                      f"({spread(sb):>9})  {fmt(med(pb)):>5} "
                      f"({spread(pb):>9})  {ratio:.3f}  {med(pr):.3f} "
                      f"({min(pr):.2f}..{max(pr):.2f})  {lost}")
        print("tx: writer on the TAP fd, reader on a packet socket;"
              " rx: the reverse. MB/s: 10^6 frame bytes a second.")
        print("ratio = median pinned / median stock pps; paired: median "
              "(min..max) of each round's pinned / stock.")
    if io:
        print()
        print(f"Control path: {unit} per call, median of the rounds "
              "(min..max)")
        print(f"{'TAPs':>5} {'ovr':>4} {'where':7} {'op':12} {'stock':>22} "
              f"{'pinned':>22}  ratio  {'paired':>17}  {'kprobe only':>22}"
              f"  {'kprobes only':>22}  {'kretprobe only':>22}")
        for taps, ovr, where, op in sorted(
                {k[:4] for k in io},
                key=lambda k: (k[0], k[1], k[2] != "root", k[3])):
            s, p = io.get((taps, ovr, where, op, "stock")), \
                io.get((taps, ovr, where, op, "pinned"))
            if not s or not p:
                continue
            ks = [[x[0] for x in io.get((taps, ovr, where, op, st), [])]
                  for st in ("kprobe", "kprobes", "kretprobe")]
            pr = paired(s, p)
            s, p = [x[0] for x in s], [x[0] for x in p]
            ratio = med(p) / med(s)
            if taps and op != "open":
                worst_io = ratio if worst_io is None else max(worst_io, ratio)
            if (taps, ovr, where) == (0, 0, "root"):
                base[op] = (med(s), med(p), [med(k) if k else None
                                             for k in ks])
            if taps and op != "open":
                rows_io.append((taps, ovr, where, op, med(s), med(p)))
            kcol = "  ".join(f"{fmt(med(k)):>9} ({spread(k):>11})" if k
                             else f"{'':>22}" for k in ks).rstrip()
            print(f"{taps:>5} {ovr:>4} {where:7} {op:12} {fmt(med(s)):>9} "
                  f"({spread(s):>11}) {fmt(med(p)):>9} ({spread(p):>11})"
                  f"  {ratio:.3f}  {med(pr):.3f} ({min(pr):.2f}..{max(pr):.2f})"
                  f"  {kcol}")
        print("ovr: cgroup overrides in place (pinned); where: root = "
              "outside every override (the host level governs),")
        print("cgroup = inside the last override's cgroup (its level "
              "governs).")
        print("ratio = median pinned / median stock ns per call; paired: "
              "median (min..max) of each round's pinned / stock.")
        print("kprobe only: no module, one empty trace kprobe (p:, entry) "
              "on tun_chr_ioctl, the floor of one ftrace-based probe;")
        print("kprobes only: two empty trace kprobes (p: and r:) on "
              "tun_chr_ioctl, as tunpin places them;")
        print("kretprobe only: the return probe (r:) alone.")
        if icount:
            print("icount: a ns is an instruction while the vCPU runs; a "
                  "wait (a timer, an RCU grace period, the host's")
            print("9p) skips to the next timer deadline (sleep=off): open, "
                  "which destroys a net device, is mostly such delays.")
        # The floor tunpin engages: its kretprobe's entry handler declines
        # every command but TUNSETOFFLOAD (module/probes.c), whose return
        # alone is hooked; so one entry probe (p) for the other commands,
        # entry and return (p+r) for TUNSETOFFLOAD.
        floors = [(op, b) for op, b in sorted(base.items())
                  if op != "open" and None not in b[2][:2]]
        if floors and rows_io:
            print()
            print(f"Control path, per call, {unit}: what the pinned call "
                  "adds to stock (added), the empty trace")
            print("probes' floor (kprobe only - stock: p; kprobes only - "
                  "stock: p+r; no TAP), and the rest, tunpin's own")
            print("logic, counted from the floor tunpin engages: p+r for "
                  "setoffload (its return is hooked), p for the other")
            print("commands (tunpin's kretprobe declines them at entry). "
                  "w/o floor = (pinned - that floor) / stock.")
            print(f"{'TAPs':>5} {'ovr':>4} {'where':7} {'op':12} {'stock':>8} "
                  f"{'pinned':>8} {'added':>8} {'p floor':>8} {'p+r floor':>9}"
                  f" {'tunpin':>8}  ratio  w/o floor")
            for op, b in reversed(floors):
                rows_io.insert(0, (0, 0, "root", op, b[0], b[1]))
            for taps, ovr, where, op, st, pn in rows_io:
                b = base.get(op)
                if not b or None in b[2][:2]:
                    continue
                f1, f2 = b[2][0] - b[0], b[2][1] - b[0]
                fl = f2 if op == "setoffload" else f1
                if taps:
                    wo = (pn - fl) / st
                    worst_wo = wo if worst_wo is None else max(worst_wo, wo)
                print(f"{taps:>5} {ovr:>4} {where:7} {op:12} {st:>8,.0f} "
                      f"{pn:>8,.0f} {pn - st:>8,.0f} {f1:>8,.0f} {f2:>9,.0f}"
                      f" {pn - st - fl:>8,.0f}  {pn / st:.3f}  "
                      f"{(pn - fl) / st:.3f}")
    if probe:
        print()
        print("tunpin probe in the VM, ms, median (min..max) of "
              f"{len(probe['stock']['wall'])} runs"
              + (" (icount: including the skips of every wait for 9p "
                 "and timers; not work)" if icount else ""))
        for st in ("stock", "pinned"):
            if st in probe:
                w, pr = probe[st]["wall"], probe[st]["probe"]
                print(f"  {st:6}: whole command {fmt(med(w))} "
                      f"({spread(w)}), probe alone {fmt(med(pr))} "
                      f"({spread(pr)})")
    if hprobe:
        print(f"tunpin probe on the build host, ms, median (min..max) of "
              f"{len(hprobe)} runs: whole command {fmt(med(hprobe))} "
              f"({spread(hprobe)}) wall, {fmt(med(hprobe_cpu))} "
              f"({spread(hprobe_cpu)}) CPU; probe alone "
              f"{fmt(med(hprobe_own))} ({spread(hprobe_own)})")
    if merge:
        print()
        print("tunpin merge on the build host: N dumps, wall and CPU s "
              "(median of the runs), peak RSS")
        for kv in merge:
            print(f"  {int(kv['n']):>6} dumps: wall {kv['wall_s']} s, "
                  f"CPU {kv['cpu_s']} s (user+sys), max RSS "
                  f"{int(kv['rss_kb']) / 1024:.1f} MiB")

    print()
    print("Targets (issue 8):")
    if worst_dp is not None:
        print(f"  datapath ratio >= 0.99: worst {worst_dp:.3f}: "
              f"{target(worst_dp >= 0.99)}")
    if worst_io is not None:
        print(f"  per-ioctl ratio <= 1.10 with TAPs open: worst "
              f"{worst_io:.3f}: {target(worst_io <= 1.10)}")
        if worst_wo is not None:
            print(f"    (less the empty probes' floor that tunpin engages:"
                  f" worst {worst_wo:.3f})")
    if hprobe:
        print(f"  tunpin probe < 50 ms: the whole command on the build "
              f"host {fmt(med(hprobe))} ms wall, {fmt(med(hprobe_cpu))} ms "
              f"CPU, probe alone {fmt(med(hprobe_own))} ms: "
              f"{target(med(hprobe) < 50)}")
    pp = probe.get("pinned", {}).get("probe")
    if pp:
        print(f"    (in the VM, emulated, pinned: probe alone "
              f"{fmt(med(pp))} ms, whole command "
              f"{fmt(med(probe['pinned']['wall']))} ms)")
    big = [kv for kv in merge if int(kv["n"]) == 10000]
    if big:
        w = float(big[0]["wall_s"])
        print(f"  merge of 10,000 dumps < 1 s: {w} s wall, "
              f"{big[0]['cpu_s']} s CPU: {target(w < 1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
