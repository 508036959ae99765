"""CSV loading speed at scale: tinyc's loader (pandas' C parser) against
numpy.loadtxt, on a file of real rows repeated to N rows.

The rows are the UCI image-segment features from examples/ (19 numeric
features and a text label), repeated; 100 columns are made by tiling the
features side by side. Prints medians of 3 runs.

    .venv/bin/python benchmarks/load_speed.py [ROWS]   (default 1000000)
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_file(path: Path, rows: int) -> None:
    src = (ROOT / "examples" / "image_segments" / "data.csv").read_text().splitlines()
    body = [line.rsplit(",", 1) for line in src[1:]]
    feats = [b[0].split(",") for b in body]
    width = len(feats[0])
    reps = -(-100 // width)
    header = ",".join(f"f{i}" for i in range(100)) + ",target\n"
    lines = [",".join((f * reps)[:100]) + "," + b[1] + "\n" for f, b in zip(feats, body)]
    with open(path, "w") as out:
        out.write(header)
        for i in range(rows):
            out.write(lines[i % len(lines)])


def median_time(fn, runs=3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(rows: int) -> None:
    from tinyc.data.load import load_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        make_file(path, rows)
        size = path.stat().st_size
        t_tinyc = median_time(lambda: load_table(path, "target", set()))
        t_numpy = median_time(lambda: np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(100)))
    print(f"{'loader':<28} {'median s':>9} {'MB/s':>8} {'× numpy':>8}")
    for name, t in (("numpy.loadtxt (baseline)", t_numpy), ("tinyc load_table", t_tinyc)):
        print(f"{name:<28} {t:>9.2f} {size / t / 1e6:>8.1f} {t / t_numpy:>8.2f}")
    print(f"({rows} rows × 100 feature columns + label, {size / 1e6:.0f} MB, 3 runs each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
