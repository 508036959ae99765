"""Accuracy per byte: tinyc at a few flash limits (one Cortex-M4 target) against the best
unconstrained scikit-learn model on the same split, and, with --compare-grow, tinyc with its
growth pass off (what growing the best candidates buys).

For each data set a spec is written with the limit, the budget and (optionally) a trial cap, and
built by the pipeline exactly as `tinyc build` does; the holdout accuracy, the flash estimate of
the shipped model and the candidates evaluated per minute come from its report. The unconstrained
models (HistGradientBoosting, RandomForest(200), MLP(64), logistic regression; the best of them)
are trained on the same training rows and scored on the same holdout rows, read back from the
build's artifacts. Writes benchmarks/ACCURACY.md.

    .venv/bin/python benchmarks/accuracy_per_byte.py [--budget S] [--trials N] [--limits 2,4,8]
        [--sets wine,digits,...] [--compare-grow]

The issue's protocol is `budget 2m` without a trial cap on an idle machine; shorter runs are for
development and say so in the table's heading.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

# name: (csv, label column)
SETS = {
    "wine": (ROOT / "specs/data/wine.csv", "cultivar"),
    "breast_cancer": (ROOT / "specs/data/breast_cancer.csv", "diagnosis"),
    "digits": (ROOT / "specs/data/digits.csv", "digit"),
    "image_segments": (ROOT / "examples/image_segments/data.csv", "target"),
    "basic_motions": (ROOT / "examples/basic_motions/features.csv", "target"),
    "gunpoint": (SHARED / "gunpoint.csv", "target"),
    "italy_power": (SHARED / "italy_power_demand.csv", "target"),
    "ecg200": (SHARED / "ucr_ecg200.csv", "target"),
}


def spec_text(name: str, csv: Path, label: str, flash_kb: int, budget: float, trials: int | None, grow: bool) -> str:
    search = []
    if trials:
        search.append(f"trials {trials}")
    if not grow:
        search.append("grow off")
    block = f"search {{ {'; '.join(search)} }}\n" if search else ""
    return (f'model {name}\ndata "{csv}" {{ label {label}; holdout 20% }}\ntask classification\nmetric accuracy\n'
            f"budget {budget:g}s\nseed 0\ntarget cortex-m4 {{ flash {flash_kb}KB; ram 8KB }}\n{block}")


def tinyc(name: str, csv: Path, label: str, flash_kb: int, budget: float, trials: int | None, grow: bool) -> dict:
    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"{name}.tml"
        spec.write_text(spec_text(name, csv, label, flash_kb, budget, trials, grow))
        t0 = time.monotonic()
        result = build(load(spec), spec, Path(tmp) / "out")
        wall = time.monotonic() - t0
        rep = result.report
        s = rep["search"]
        ds = prepared(spec, Path(tmp) / "split").full  # every feature, the build's split
        return {"holdout": rep["model"]["metrics"]["holdout"]["accuracy"], "flash": rep["targets"]["cortex-m4"]["flash"],
                "model": rep["model"]["description"], "candidates": len(s["leaderboard"]),
                "per_min": 60 * len(s["leaderboard"]) / max(s["elapsed_s"], 1e-9), "grown": len(s.get("growth", [])),
                "wall": wall, "split": (ds.X_train, ds.y_train, ds.X_holdout, ds.y_holdout)}


def prepared(spec: Path, out: Path):
    """The build's load pass alone: its split of the rows, on every feature."""
    from tinyc.output import claim
    from tinyc.passes import load as load_pass
    from tinyc.passes.context import BuildContext
    from tinyc.spec import load

    r = load(spec)
    ctx = BuildContext(r, spec, claim(out, (spec, r.data_path, r.holdout_path), False), lambda e: None, None, 0)
    return load_pass.run(ctx, None)


def unconstrained(split) -> tuple[str, float]:
    """The best of four unconstrained scikit-learn models on the build's own split."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xh, yh = split
    models = {"HistGB": HistGradientBoostingClassifier(random_state=0),
              "RF(200)": RandomForestClassifier(200, random_state=0, n_jobs=1),
              "MLP(64)": make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=2000, random_state=0)),
              "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))}
    scores = {k: float(np.mean(m.fit(X, y).predict(Xh) == yh)) for k, m in models.items()}
    best = max(scores, key=scores.get)
    return best, scores[best]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--limits", default="2,4,8")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--compare-grow", action="store_true")
    a = ap.parse_args(argv)
    limits = [int(v) for v in a.limits.split(",")]
    head = ["data set", "flash limit", "tinyc model", "tinyc holdout", "flash used", "candidates/min"]
    if a.compare_grow:
        head += ["grow off: holdout", "flash used", "candidates/min"]
    head += ["best unconstrained", "its holdout", "Δ points"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in a.sets.split(","):
        csv, label = SETS[name]
        for kb in limits:
            on = tinyc(name, csv, label, kb, a.budget, a.trials, True)
            row = [name, f"{kb} KB", on["model"], f"{on['holdout']:.4f}", str(on["flash"]), f"{on['per_min']:.0f}"]
            if a.compare_grow:
                off = tinyc(name, csv, label, kb, a.budget, a.trials, False)
                row += [f"{off['holdout']:.4f}", str(off["flash"]), f"{off['per_min']:.0f}"]
            best, acc = unconstrained(on["split"])
            row += [best, f"{acc:.4f}", f"{100 * (on['holdout'] - acc):+.1f}"]
            lines.append("| " + " | ".join(row) + " |")
            print(lines[-1], flush=True)
    how = f"budget {a.budget:g} s" + (f", at most {a.trials} candidates" if a.trials else "")
    out = ROOT / "benchmarks" / "ACCURACY.md"
    out.write_text(f"# Accuracy per byte\n\nOne Cortex-M4 target per build, {how}, seed 0, holdout 20%; "
                   f"`benchmarks/accuracy_per_byte.py {' '.join(argv)}`.\n\n" + "\n".join(lines) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
