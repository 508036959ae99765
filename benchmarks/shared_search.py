"""The search shared through a storage: what more processes buy in a fixed budget, and what the
storage costs per trial.

1. The digits spec (specs/digits.tml, every family, its flash limits) built with `tinyc build
   --storage sqlite:///…` and 0, 1 or 2 `tinyc worker` processes beside the coordinator (each with
   one pool process: `--workers 1`, `--jobs 1`), the same budget each: candidates evaluated (every
   finished trial in the storage) and the shipped model's holdout metric; the median of REPEATS
   runs. Without --storage as the baseline (the same single pool process). On a machine with fewer
   cores than processes they share them; the table says how many cores there were.
2. The storage's overhead per trial: ask, set the trial's two attributes and tell, N times, with
   nothing evaluated (Optuna's in-memory storage, SQLite on a local disk, and PostgreSQL when a
   server's URL is given with --postgres, e.g. one started as tests/test_shared_search.py does).

Prints both tables and replaces the "Shared search" section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/shared_search.py [--budget 30] [--repeats 3] [--postgres URL]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
TINYC = str(Path(sys.executable).with_name("tinyc"))
BEGIN, END = "<!-- shared search: benchmarks/shared_search.py -->", "<!-- /shared search -->"
ATTRS = {"worker": {"host": "h", "pid": 1}, "candidate": {"family": "tree", "metric": 0.9, "costs": {}}}


def build(work: Path, budget: int, workers: int, shared: bool) -> tuple[int, float]:
    """(candidates evaluated, holdout metric) of one build of the digits spec."""
    spec = (ROOT / "specs" / "digits.tml").read_text()
    spec = "\n".join(f"budget {budget}s" if ln.startswith("budget") else ln for ln in spec.splitlines())
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "data" / "digits.csv", work / "data" / "digits.csv")
    (work / "digits.tml").write_text(spec + "\n")
    url = f"sqlite:///{work / 'study.db'}"
    extra = ["--storage", url, "--study", "bench"] if shared else []
    coord = subprocess.Popen([TINYC, "build", "digits.tml", "-o", "out", "--quiet", "--workers", "1", *extra],
                             cwd=work)
    others = [subprocess.Popen([TINYC, "worker", url, "--study", "bench", "--jobs", "1"], cwd=work,
                               stderr=subprocess.DEVNULL) for _ in range(workers)]
    if coord.wait() != 0:
        raise SystemExit(f"the build failed in {work}")
    for p in others:
        p.wait()
    report = json.loads((work / "out" / "report.json").read_text())
    return len(report["search"]["leaderboard"]), report["model"]["metrics"]["holdout"][report["metric"]]


def overhead(url: str | None, n: int) -> float:
    """Milliseconds per trial of ask, two attributes and tell on ``url`` (None: in memory)."""
    import optuna

    from tinyc.passes.study import storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    st = storage(url) if url else None
    study = optuna.create_study(storage=st, study_name=f"overhead-{time.time_ns()}",
                                sampler=optuna.samplers.RandomSampler(seed=0))
    t0 = time.perf_counter()
    for _ in range(n):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        for k, v in ATTRS.items():
            trial.set_user_attr(k, v)
        study.tell(trial, 0.5)
    return 1000 * (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--trials", type=int, default=300, help="trials for the overhead measurement")
    ap.add_argument("--postgres", metavar="URL")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, workers, shared in (("alone (no storage)", 0, False), ("coordinator", 0, True),
                                       ("coordinator + 1 worker", 1, True), ("coordinator + 2 workers", 2, True)):
            runs = [build(Path(tmp) / "w", args.budget, workers, shared) for _ in range(args.repeats)]
            rows.append((label, workers + 1, statistics.median(r[0] for r in runs),
                         statistics.median(r[1] for r in runs)))
            print(rows[-1], flush=True)
        base = rows[0][2]
        cost = [("in memory", overhead(None, args.trials)),
                ("SQLite, local disk", overhead(f"sqlite:///{Path(tmp) / 'o.db'}", args.trials))]
        if args.postgres:
            cost.append(("PostgreSQL, loopback", overhead(args.postgres, args.trials)))
    lines = [BEGIN, "## Shared search: processes and storage", "",
             f"digits (specs/digits.tml), budget {args.budget} s, median of {args.repeats} runs, "
             f"{os.cpu_count()} cores; each process evaluates one candidate at a time.", "",
             "| processes | searching | candidates evaluated | vs alone | holdout accuracy |", "|---|---|---|---|---|"]
    lines += [f"| {label} | {n} | {c:.0f} | {c / base:.2f}× | {m:.4f} |" for label, n, c, m in rows]
    lines += ["", f"Storage overhead per trial (ask, two attributes, tell; {args.trials} trials, nothing evaluated):",
              "", "| storage | ms per trial |", "|---|---|"]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in cost]
    lines.append(END)
    section = "\n".join(lines)
    print(section)
    from common import replace_section

    replace_section(BEGIN, END, section)


if __name__ == "__main__":
    main()
