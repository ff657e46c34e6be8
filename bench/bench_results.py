#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The one shape of every benchmark's results: bench/results/<bench>-<UTC stamp>.json holding
{"bench", "time", "meta", "results": {name: {hearth, peer, peer_name, ratio, unit, higher_is_better}}}.

Python benches call record()/write(); shell benches run
  bench_results.py <bench> [key=value...] -- <name> <hearth> <peer> <peer_name> <unit> <higher|lower> [...]
(groups of six after --; an empty or non-numeric figure is recorded as null, "not measured")."""
import datetime
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def entry(hearth, peer, peer_name, unit, higher_is_better=True):
    """One figure: both sides, and the ratio Hearth/peer when both were measured."""
    ratio = hearth / peer if hearth is not None and peer else None
    return {"hearth": hearth, "peer": peer, "peer_name": peer_name, "ratio": ratio, "unit": unit,
            "higher_is_better": higher_is_better}


def show(name, e):
    def fmt(v):
        return "n/a" if v is None else f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
    ratio = f"{e['ratio']:.3f}" if e["ratio"] is not None else "n/a"
    print(f"  {name:<48} hearth {fmt(e['hearth']):>12}  {e['peer_name']} {fmt(e['peer']):>12} {e['unit']:<13}"
          f" ratio {ratio} ({'higher' if e['higher_is_better'] else 'lower'} is better)", flush=True)


def write(bench, results, meta=None):
    """Writes bench/results/<bench>-<stamp>.json; returns its path."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, f"{bench}-{stamp}.json")
    with open(path, "w") as f:
        json.dump({"bench": bench, "time": stamp, "meta": meta or {}, "results": results}, f, indent=1)
    return path


def load_all():
    """Every results file of the common shape, oldest first (files of other shapes are skipped)."""
    runs = []
    for path in glob.glob(os.path.join(RESULTS, "*.json")):
        try:
            with open(path) as f:
                run = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(run, dict) and isinstance(run.get("results"), dict) and "time" in run and "bench" in run:
            runs.append(run)
    return sorted(runs, key=lambda r: r["time"])


def build_preset(preset):
    """Configures (first time) and builds a CMake preset of this tree; returns the CompletedProcess of
    the step that failed, or of the build."""
    top = os.path.dirname(HERE)
    if not os.path.exists(os.path.join(top, "build", preset, "build.ninja")):
        r = subprocess.run(["cmake", "--preset", preset], cwd=top, capture_output=True, text=True)
        if r.returncode:
            return r
    return subprocess.run(["cmake", "--build", "--preset", preset], cwd=top, capture_output=True, text=True)


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def main(argv):
    if "--" not in argv or len(argv) < 2:
        sys.exit(__doc__)
    split = argv.index("--")
    bench, meta = argv[0], dict(kv.split("=", 1) for kv in argv[1:split])
    rest = argv[split + 1:]
    if len(rest) % 6:
        sys.exit("bench_results: figures come in groups of six")
    results = {}
    for i in range(0, len(rest), 6):
        name, hearth, peer, peer_name, unit, better = rest[i:i + 6]
        results[name] = entry(_number(hearth), _number(peer), peer_name, unit, better == "higher")
        show(name, results[name])
    print(f"{bench}: results in {os.path.relpath(write(bench, results, meta), os.path.dirname(HERE))}")


if __name__ == "__main__":
    main(sys.argv[1:])
