"""`tinyc check` on very large specs: time and peak memory grow linearly with the spec's size,
and the error output stays bounded.

Three shapes of N statements each: N `target host` lines (every one after the first a
duplicate-target error), one `ignore` line naming N columns the CSV does not have (an error
each), and a valid spec whose `search` block lets a tree's depth be one of N values. Each size is run 3 times as a whole process (`tinyc check`); the table gives the median
wall time, the time per statement relative to the smallest size of the same shape (1.00 =
linear; quadratic would grow with N), the peak resident memory and the bytes written to stderr.

    .venv/bin/python benchmarks/check_scale.py [N ...]   (default 10000 30000 100000)
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = 'model m\ndata "d.csv" { label target }\ntask regression\n'


def spec(shape: str, n: int) -> str:
    if shape == "duplicate targets":
        return HEAD + "target host\n" * n
    if shape == "unknown ignore columns":
        return HEAD.replace("label target }", "label target; ignore " + ", ".join(f"c{i}" for i in range(n)) + " }") \
            + "target host\n"
    values = ", ".join(str(1 + i % 32) for i in range(n))  # valid: a tree depth chosen among n values
    return HEAD + "target host\nsearch {\n  tree { max_depth " + values + " }\n}\n"


def run(path: Path) -> tuple[float, int, int]:
    exe = Path(sys.executable).with_name("tinyc")
    t0 = time.perf_counter()
    p = subprocess.Popen([str(exe), "check", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         cwd=path.parent)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss * 1024, len(err)


def main(sizes: list[int]) -> None:
    shapes = ("duplicate targets", "unknown ignore columns", "valid: N choices")
    print(f"| shape | statements | spec bytes | median s | per statement vs smallest | peak RSS MB | stderr bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(ROOT / "tests" / "fixtures" / "stackloss.csv", tmp / "d.csv")
        for shape in shapes:
            base = None
            for n in sizes:
                path = tmp / "s.tml"
                path.write_text(spec(shape, n))
                runs = [run(path) for _ in range(3)]
                t = statistics.median(r[0] for r in runs)
                per = t / n
                base = base or per
                print(f"| {shape} | {n} | {path.stat().st_size} | {t:.2f} | {per / base:.2f} | "
                      f"{max(r[1] for r in runs) / 2**20:.0f} | {runs[0][2]} |", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10000, 30000, 100000])
