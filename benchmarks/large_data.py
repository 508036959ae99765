"""A million-row build: `tinyc build` with `budget 60s` on a 1,000,000-row × 20-column CSV.

The rows are the UCI image-segment rows of examples/image_segments (18 numeric features and a
7-class label, 2,310 real rows), each repeated with 1% multiplicative noise (seeded), so that
rows differ and the classes keep their real overlap. The build runs as a user runs it (a fresh
process, one Cortex-M4 target), and the script prints: the wall time against the budget, the
build process's peak resident memory (VmHWM, sampled from /proc until it exits; the
interpreter and its libraries take ~150 MB of it), its peak when the search starts (loading,
preparing and profiling the data) and the whole process tree's peak proportional memory (PSS:
pages shared by forked workers counted once), each also as a multiple of the CSV's size, and
what the report says about the sample the search ran on and the final fit.

    .venv/bin/python benchmarks/large_data.py [ROWS] [BUDGET_S]   (default 1000000 60)
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def make_csv(path: Path, rows: int) -> None:
    import pandas as pd

    df = pd.read_csv(ROOT / "examples" / "image_segments" / "data.csv")
    rng = np.random.default_rng(0)
    idx = np.arange(rows) % len(df)
    X = df.drop(columns=["target"]).to_numpy()[idx]
    X = X * (1 + 0.01 * rng.standard_normal(X.shape))
    out = pd.DataFrame(X, columns=df.columns[:-1]).round(5)
    out["target"] = df["target"].to_numpy()[idx]
    out.to_csv(path, index=False)


def _status(pid: int) -> dict[str, int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmHWM", "VmRSS")}
    except (OSError, ValueError):
        return {}


def _tree_pss(pid: int) -> int:
    """Summed PSS (kB) of ``pid`` and its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def main(rows: int, budget: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_csv(tmp / "big.csv", rows)
        size = (tmp / "big.csv").stat().st_size
        (tmp / "big.tml").write_text(f'model big\ndata "big.csv" {{ label target }}\ntask classification\n'
                                     f'budget {budget}s\ntarget cortex-m4 {{ flash 32KB ram 8KB }}\n')
        exe = Path(sys.executable).with_name("tinyc")
        t0 = time.monotonic()
        p = subprocess.Popen([str(exe), "build", "big.tml", "-o", "out", "--json"], cwd=tmp,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        hwm = pss = 0
        load_peak = []  # the build's peak when the search starts: loading, preparing and profiling the data

        def read_events():
            for line in p.stdout:
                if json.loads(line)["event"] == "start" and not load_peak:
                    load_peak.append(_status(p.pid).get("VmHWM", 0))

        reader = threading.Thread(target=read_events)
        reader.start()
        while p.poll() is None:
            hwm = max(hwm, _status(p.pid).get("VmHWM", 0))
            pss = max(pss, _tree_pss(p.pid))
            time.sleep(0.1)
        wall = time.monotonic() - t0
        reader.join()
        err = p.stderr.read()
        if p.returncode != 0:
            sys.exit(f"build failed ({p.returncode}): {err}")
        rep = json.loads((tmp / "out" / "report.json").read_text())
    sample = rep["search"]["sample"] or {}
    load = load_peak[0] if load_peak else 0
    print(f"| rows | CSV MB | budget s | wall s | wall / budget | peak RSS MB (× CSV) | of it loading (× CSV) | "
          f"tree PSS MB (× CSV) | search rows | final fit rows | trials | holdout {rep['metric']} |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {rows} | {size / 2**20:.0f} | {budget} | {wall:.1f} | {wall / budget:.3f} | "
          f"{hwm / 1024:.0f} ({hwm * 1024 / size:.1f}) | {load / 1024:.0f} ({load * 1024 / size:.1f}) | "
          f"{pss / 1024:.0f} ({pss * 1024 / size:.1f}) | "
          f"{sample.get('search_rows', '-')} | {sample.get('final_fit_rows', '-')} | "
          f"{len(rep['search']['leaderboard'])} | {rep['model']['metrics']['holdout'][rep['metric']]:.4f} |")
    print(f"model: {rep['model']['description']} ({rep['model']['quantization']}); "
          f"{sample.get('final_fit_note', 'refitted on every training row')}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 60)
