#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Draws bench/results/history.png: every ratio Hearth/peer of every results file over time, one panel
per bench, log scale, with the parity line (1) and the compass goals of bench/summary.py."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_results  # noqa: E402
import summary  # noqa: E402

import matplotlib  # noqa: E402  (Debian python3-matplotlib)
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    runs = bench_results.load_all()
    benches = sorted({r["bench"] for r in runs})
    if not benches:
        print("plot_history: no results to plot")
        return 0
    fig, axes = plt.subplots(len(benches), 1, figsize=(11, 3.6 * len(benches)), squeeze=False)
    for ax, bench in zip(axes[:, 0], benches):
        series = {}
        for run in (r for r in runs if r["bench"] == bench):
            when = datetime.datetime.strptime(run["time"], "%Y%m%dT%H%M%SZ")
            for name, e in run["results"].items():
                if e.get("ratio"):
                    series.setdefault(name, []).append((when, e["ratio"]))
        for name, points in sorted(series.items()):
            xs, ys = zip(*points)
            line, = ax.plot(xs, ys, marker="o", label=name)
            if name in summary.GOALS:
                ax.axhline(summary.GOALS[name][1], color=line.get_color(), linestyle=":", linewidth=1)
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_title(f"{bench}: Hearth / peer (dotted: compass goal)")
        ax.legend(fontsize=7, loc="best")
        ax.grid(True, which="both", alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    out = os.path.join(bench_results.RESULTS, "history.png")
    fig.savefig(out, dpi=90)
    print(f"plot_history: {os.path.relpath(out, os.path.dirname(bench_results.HERE))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
