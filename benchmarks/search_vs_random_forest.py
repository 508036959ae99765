"""tinyc's search against an unconstrained random forest, on the same split.

For each example data set: build with a 30 s budget and an 8 KB flash limit
on cortex-m4, then train scikit-learn's RandomForestClassifier(n_estimators=
100) on the same training rows and score both on the same holdout rows.
Prints a table; the random forest's flash is what its node arrays would need
in the same packed form tinyc uses (float32 thresholds), for scale.

    .venv/bin/python benchmarks/search_vs_random_forest.py [BUDGET_SECONDS] [DATASET...]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import classification_spec  # noqa: E402


DATASETS = {"wine": "cultivar", "breast_cancer": "diagnosis", "digits": "digit"}


def forest_flash(rf, n_features: int) -> int:
    from tinyc.models import treeutil
    from tinyc.models.costs import index_bytes

    nodes = sum(int((t.tree_.children_left != -1).sum()) for t in rf.estimators_)
    leaves = sum(int((t.tree_.children_left == -1).sum()) for t in rf.estimators_)
    return nodes * treeutil.node_bytes(n_features, nodes, leaves, "float32") + leaves * index_bytes(len(rf.classes_))


def main(budget: float, names: list[str]) -> None:
    from sklearn.ensemble import RandomForestClassifier

    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    rows = []
    for name in names:
        csv = ROOT / "specs" / "data" / f"{name}.csv"
        with tempfile.TemporaryDirectory() as tmp:
            spec = Path(tmp) / f"{name}.tml"
            spec.write_text(classification_spec(name, csv, DATASETS[name], budget, {"cortex-m4": ("8KB", "4KB")}))
            result = build(load(spec), spec, Path(tmp) / "out")
        ds = result.dataset
        rep = result.report
        rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1).fit(ds.X_train, ds.y_train)
        rf_acc = float((rf.predict(ds.X_holdout) == ds.y_holdout).mean())
        rows.append((name, rep["model"]["description"], rep["model"]["metrics"]["holdout"]["accuracy"],
                     rep["targets"]["cortex-m4"]["flash"], rf_acc, forest_flash(rf, len(ds.feature_names)),
                     len(rep["search"]["leaderboard"])))
    print(f"{'dataset':<14} {'tinyc model':<30} {'tinyc acc':>9} {'tinyc flash':>11} {'RF100 acc':>9} "
          f"{'RF100 flash':>11} {'Δ acc (pt)':>10} {'trials':>6}")
    for name, desc, acc, flash, rf_acc, rf_flash, trials in rows:
        print(f"{name:<14} {desc:<30} {acc:>9.4f} {flash:>11} {rf_acc:>9.4f} {rf_flash:>11} "
              f"{100 * (acc - rf_acc):>+10.2f} {trials:>6}")
    print(f"(budget {budget:g}s per build, cortex-m4 flash limit 8192 B; same train/holdout split for both)")


if __name__ == "__main__":
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    main(budget, sys.argv[2:] or list(DATASETS))
