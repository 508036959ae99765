"""How long `tinyc check` takes, and where the time goes.

Prints a table of medians over several runs (fresh processes, as an editor or a
pre-commit hook starts it), against `python -c pass` measured in the same run
as the baseline for interpreter start-up.

    .venv/bin/python benchmarks/check_latency.py [RUNS]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "spec" / "ok" / "full.tml"


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(runs: int = 15) -> None:
    py = sys.executable
    rows = [
        ("python -c pass (baseline)", [py, "-c", "pass"]),
        ("import pydantic.BaseModel", [py, "-c", "from pydantic import BaseModel"]),
        ("import lark", [py, "-c", "import lark"]),
        ("tinyc check (full.tml)", [py, "-m", "tinyc.cli", "check", "-q", str(SPEC)]),
        ("tinyc fmt - (full.tml)", [py, "-m", "tinyc.cli", "fmt", "-", ]),
    ]
    base = None
    print(f"{'command':<32} {'median ms':>10} {'× baseline':>11}")
    for label, cmd in rows:
        if cmd[-1] == "-":
            t = []
            for _ in range(runs):
                s = time.perf_counter()
                subprocess.run(cmd, input=SPEC.read_bytes(), check=True, capture_output=True)
                t.append(time.perf_counter() - s)
            med = statistics.median(t)
        else:
            med = median_seconds(cmd, runs)
        base = base or med
        print(f"{label:<32} {med * 1000:>10.1f} {med / base:>11.1f}")
    print(f"({runs} runs each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
