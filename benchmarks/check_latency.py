"""How long `tinyc check` takes, and where the time goes.

Prints a table of medians over several runs (fresh processes, as an editor or a
pre-commit hook starts it), against `python -c pass` measured in the same run
as the baseline for interpreter start-up, and against loading the spec parser
alone (importing Lark and reading its cached LALR tables): the floor for any
command that parses a spec with Lark.

    .venv/bin/python benchmarks/check_latency.py [RUNS]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "spec" / "ok" / "full.tml"
# Lark with the spec grammar and tinyc's options, tables from Lark's cache, nothing of tinyc imported
FLOOR = ("import lark; lark.Lark(open(%r).read(), parser='lalr', lexer='contextual', propagate_positions=True, "
         "maybe_placeholders=False, cache=True)" % str(ROOT / "grammar" / "tinyc.lark"))


# Bytecode written and used, as after `pip install` (which compiles it): an environment
# with PYTHONDONTWRITEBYTECODE would time compiling tinyc's sources on every start.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(cmd: list[str], runs: int, stdin: bytes | None = None) -> float:
    subprocess.run(cmd, check=True, capture_output=True, input=stdin, env=ENV)  # warm-up: caches and bytecode
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, input=stdin, env=ENV)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(runs: int = 15) -> None:
    py = sys.executable
    rows = [
        ("python -c pass (baseline)", [py, "-c", "pass"]),
        ("import lark", [py, "-c", "import lark"]),
        ("load the spec parser (floor)", [py, "-c", FLOOR]),
        ("tinyc check (full.tml)", [py, "-m", "tinyc.cli", "check", "-q", str(SPEC)]),
        ("tinyc fmt - (full.tml)", [py, "-m", "tinyc.cli", "fmt", "-", ]),
    ]
    base = floor = None
    print(f"{'command':<32} {'median ms':>10} {'× baseline':>11} {'× floor':>8}")
    for label, cmd in rows:
        med = median_seconds(cmd, runs, SPEC.read_bytes() if cmd[-1] == "-" else None)
        base = base or med
        if "floor" in label:
            floor = med
        print(f"{label:<32} {med * 1000:>10.1f} {med / base:>11.1f} {med / floor if floor else float('nan'):>8.2f}")
    print(f"({runs} runs each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
