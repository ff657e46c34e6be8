#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Prints the closing table of ./hearth bench: every figure of each bench's newest results file, both
sides, the ratio Hearth/peer and, where the project's compass sets one, the goal and whether this run
meets it. Honest by construction: a figure not measured shows n/a and never meets a goal."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_results  # noqa: E402

# Compass goals, as ratios Hearth/peer: (kind, bound) with kind "max" (ratio must be <= bound) or "min".
GOALS = {
    "QEMU: boot to first HTTPS 200 (from QEMU start)": ("max", 1 / 20, "<= 1/20 boot time"),
    "QEMU: guest start to ready (own console clock)": ("max", 1 / 20, "<= 1/20 boot time"),
    "QEMU: minimum domU RAM for the workload": ("max", 1 / 4, "<= 1/4 RAM"),
    "QEMU: HTTPS keep-alive requests/s (wrk)": ("min", 1.5, ">= 1.5x req/s"),
    "QEMU: HTTP keep-alive requests/s (301, wrk)": ("min", 1.5, ">= 1.5x req/s"),
}
# Absolute goals on Hearth's own figure.
ABSOLUTE = {"QEMU: image size (as booted)": (1_000_000, "<= 1 MB image")}


def verdict(name, e):
    if name in ABSOLUTE:
        bound, text = ABSOLUTE[name]
        return text, e["hearth"] is not None and e["hearth"] <= bound
    if name in GOALS:
        kind, bound, text = GOALS[name]
        r = e["ratio"]
        return text, r is not None and (r <= bound if kind == "max" else r >= bound)
    return "", None


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"


def latest():
    newest = {}
    for run in bench_results.load_all():
        newest[run["bench"]] = run
    return [newest[b] for b in sorted(newest)]


def main():
    runs = latest()
    if not runs:
        print("bench: no results in bench/results/")
        return 1
    print(f"\n{'figure':<52} {'hearth':>12} {'peer':>12} {'ratio':>8}  {'':<13} goal")
    for run in runs:
        print(f"-- {run['bench']} ({run['time']})")
        for name, e in run["results"].items():
            goal, met = verdict(name, e)
            ratio = f"{e['ratio']:.3f}" if e["ratio"] is not None else "n/a"
            state = "" if met is None else ("met" if met else "NOT met")
            print(f"{name:<52} {fmt(e['hearth']):>12} {fmt(e['peer']):>12} {ratio:>8}  {e['unit']:<13} "
                  f"{goal}{' - ' + state if state else ''}   (peer: {e['peer_name']}; "
                  f"{'higher' if e['higher_is_better'] else 'lower'} is better)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
