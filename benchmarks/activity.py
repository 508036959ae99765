"""The activity example (raw IMU samples → front end → model) against unconstrained
scikit-learn models on the same window features and the same split.

Builds `examples/basic_motions/activity.tml` through the whole pipeline (its trials
bind, so the result is reproducible) and reads the holdout accuracy of the emitted
model and the Cortex-M4 flash and RAM of front end + model (estimate, and the linked
size when the Arm toolchain is here). The baselines get every feature the front end
can compute (not only those tinyc kept) on the same training windows: RandomForest
(500 trees), GradientBoosting (defaults), logistic regression (standardised), median of
three seeds where seeded. The issue's target: within 3 points of the best baseline,
fitting the declared cortex-m4 budget.

    .venv/bin/python benchmarks/activity.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinyc.passes.frontend import signal_dataset  # noqa: E402
from tinyc.passes.pipeline import build  # noqa: E402
from tinyc.spec import load  # noqa: E402

SPEC = ROOT / "examples" / "basic_motions" / "activity.tml"


def main() -> None:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    r = load(SPEC)
    with tempfile.TemporaryDirectory() as tmp:
        result = build(r, SPEC, Path(tmp) / "activity")
    rep = result.report
    ds, fe, sig, _ = signal_dataset(r)
    t = rep["targets"]["cortex-m4"]
    print(f"BasicMotions raw samples: {sig['recordings']['train']} training and {sig['recordings']['holdout']} "
          f"holdout recordings, windows of {fe.window} samples every {fe.hop} "
          f"({sig['windows']['train']} / {sig['windows']['holdout']} windows), {len(ds.feature_names)} features\n")
    print("| model | features | holdout accuracy | cortex-m4 flash (B) | cortex-m4 RAM (B) |")
    print("|---|---|---|---|---|")
    linked = t["measured"]["flash"]
    print(f"| tinyc: {rep['model']['description']} ({rep['model']['quantization']}) + front end | "
          f"{len(rep['signal']['features_used'])} | {rep['model']['metrics']['holdout']['accuracy']:.4f} | "
          f"{t['flash']} est.{f', {linked} linked' if linked else ''} (limit {t['flash_limit']}) | "
          f"{t['ram']} (limit {t['ram_limit']}) |")
    models = {
        "RandomForest(500)": lambda s: RandomForestClassifier(500, random_state=s),
        "GradientBoosting": lambda s: GradientBoostingClassifier(random_state=s),
        "LogisticRegression": lambda s: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    }
    best = 0.0
    for name, make in models.items():
        accs = [float((make(s).fit(ds.X_train, ds.y_train).predict(ds.X_holdout) == ds.y_holdout).mean())
                for s in (0, 1, 2)]
        acc = statistics.median(accs)
        best = max(best, acc)
        print(f"| scikit-learn {name} | {len(ds.feature_names)} | {acc:.4f} | — | — |")
    gap = (best - rep["model"]["metrics"]["holdout"]["accuracy"]) * 100
    fits = t["flash"] <= t["flash_limit"] and t["ram"] <= t["ram_limit"] and (linked or 0) <= t["flash_limit"]
    print(f"\ntinyc is {gap:.1f} points below the best unconstrained baseline (target: at most 3); "
          f"front end + model {'fit' if fits else 'do NOT fit'} the cortex-m4 budget.")


if __name__ == "__main__":
    main()
