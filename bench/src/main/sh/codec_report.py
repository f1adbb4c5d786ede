#!/usr/bin/env python3
"""Turns the outputs of codec-bench.sh into the markdown table of docs/benchmarks.md.

Java figures are JMH ops/s converted to data GB/s (ops/s * k * block / 1e9). The C program runs
before every Java run, so the session has 3 C runs per round; a ratio is the median of the Java
runs over the median of all C runs of the session (single C runs have outliers on a shared
machine, which a pairwise ratio would inherit). The C min-max column shows the spread.
"""
import glob
import json
import os
import re
import statistics
import sys

out = sys.argv[1]
OPS = ["encode", "lost1", "lost2", "lostm"]
SHAPES = ["4+2", "8+3", "12+4"]
KINDS = ["isal", "vector", "scalar"]


def c_results(path):
    res = {}
    for line in open(path):
        m = re.match(r"RS\((\d+),(\d+)\) (\w+) ([\d.]+) GB/s", line)
        if m:
            res[(f"{m.group(1)}+{m.group(2)}", m.group(3))] = float(m.group(4))
    return res


def java_results(path):
    res = {}
    for r in json.load(open(path)):
        p = r["params"]
        k = int(p["shape"].split("+")[0])
        gbs = r["primaryMetric"]["score"] * k * int(p["block"]) / 1e9
        res[(p["shape"], p["op"])] = gbs
    return res


rounds = sorted({int(os.path.basename(f).split("-")[1]) for f in glob.glob(f"{out}/java-*.json")})
c_all, java = {}, {}
for rnd in rounds:
    for kind in KINDS:
        c = c_results(f"{out}/c-{rnd}-{kind}.txt")
        j = java_results(f"{out}/java-{rnd}-{kind}.json")
        for key, v in c.items():
            c_all.setdefault(key, []).append(v)
        for key, v in j.items():
            java.setdefault((kind, key), []).append(v)

med = statistics.median
print(
    "| config | op | C ISA-L GB/s | C min-max | isal GB/s | isal/C | vector GB/s | vector/C"
    " | scalar GB/s |"
)
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for shape in SHAPES:
    for op in OPS:
        key = (shape, op)
        k, m = shape.split("+")
        c = med(c_all[key])
        cells = [f"RS({k},{m})", op, f"{c:.2f}", f"{min(c_all[key]):.1f}-{max(c_all[key]):.1f}"]
        for kind in KINDS:
            if (kind, key) not in java:
                cells += ["-", "-"] if kind != "scalar" else ["-"]
                continue
            j = med(java[(kind, key)])
            cells.append(f"{j:.2f}")
            if kind != "scalar":
                cells.append(f"{j / c:.2f}")
        print("| " + " | ".join(cells) + " |")
print(f"\n{len(rounds)} round(s); C runs: {len(next(iter(c_all.values())))}")
