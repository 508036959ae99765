"""tinyc's anomaly detectors on the ECG example against unconstrained
scikit-learn detectors, on the same split.

Builds `examples/ecg_anomaly/ecg.tml` through the whole pipeline (split, out-of-fold
ranking, threshold for 2% false alarms, emitted C) and prints, for every detector
tinyc tried, its holdout AUC and false-alarm rate once refitted on all normal
training rows, and its Cortex-M4 flash (estimate). The baselines — IsolationForest
(100 trees), OneClassSVM (RBF) and LocalOutlierFactor (novelty, 20 neighbours), all
with scikit-learn's defaults and no size limit — are fitted on the same normal
training rows in the same process, their threshold set the same way (2% of the
training normals' scores), and their model size is what their arrays take
(float32), without any code. Median of three seeds where a detector is seeded.

    .venv/bin/python benchmarks/anomaly.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinyc.models import anomaly as A  # noqa: E402
from tinyc.passes import detect as D  # noqa: E402
from tinyc.passes.pipeline import build  # noqa: E402
from tinyc.spec import load  # noqa: E402
from tinyc.spec.ir import Learn  # noqa: E402

SPEC = ROOT / "examples" / "ecg_anomaly" / "ecg.tml"
RATE = 0.02


def _row(name, auc, fa, flash):
    return f"| {name} | {auc:.3f} | {fa * 100:.1f}% | {flash} |"


def main() -> None:
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.svm import OneClassSVM

    with tempfile.TemporaryDirectory() as tmp:
        result = build(load(SPEC), SPEC, Path(tmp) / "ecg")
    ds, rep = result.dataset, result.report
    N = ds.X_train[ds.y_train == 0]
    Xh, yh = ds.X_holdout, ds.y_holdout
    print(f"ECG windows: {len(N)} normal training rows, {int(yh.sum())} anomalies and {int((yh == 0).sum())} "
          f"normal rows in the holdout; threshold for {RATE * 100:g}% false alarms\n")
    print("| detector | holdout AUC | false alarms (held-out normal) | cortex-m4 flash (B) |")
    print("|---|---|---|---|")
    chosen = rep["model"]["chosen_trial"]
    seed = rep["provenance"]["seed"]
    from tinyc import targets

    m4 = targets.get("cortex-m4").caps
    rows = [(t["family"], t["params"], t["trial"] == chosen, Learn.both) for t in rep["search"]["leaderboard"]]
    # the spec learns on the device, which rules isolation forests out; measured here offline
    rows += [("iforest", {"n_estimators": n, "max_samples": m}, False, Learn.offline) for n, m in D.DEFAULT_IFOREST]
    for family, params, is_chosen, learn in rows:
        kind = "gaussian_full" if params.get("covariance") == "full" else family
        k = (params["n_estimators"], params["max_samples"]) if family == "iforest" else params.get("k", 1)
        oof, _ = D.out_of_fold(kind, k, N, np.zeros((0, N.shape[1]), dtype=np.float32), learn, seed)
        det = D.train(kind, k, N, learn, seed)
        det.threshold = D.false_alarm_threshold(oof, RATE)
        det.on_device = learn != Learn.offline
        s = det.scores(Xh)
        name = f"tinyc {family} {params}" + (" (chosen)" if is_chosen else "") + (
            " (offline)" if learn == Learn.offline else "")
        print(_row(name, roc_auc_score(yh, s), float(np.mean(s[yh == 0] > det.threshold)), A.cost(det, m4).flash))
    baselines = {
        "IsolationForest(100)": lambda sd: IsolationForest(random_state=sd),
        "OneClassSVM(rbf)": lambda sd: OneClassSVM(),
        "LocalOutlierFactor(20, novelty)": lambda sd: LocalOutlierFactor(novelty=True),
    }
    for name, make in baselines.items():
        aucs, fas, size = [], [], 0
        for sd in (0, 1, 2):
            m = make(sd).fit(N)
            train_s = -m.score_samples(N)
            thr = np.quantile(train_s, 1 - RATE)
            s = -m.score_samples(Xh)
            aucs.append(roc_auc_score(yh, s))
            fas.append(float(np.mean(s[yh == 0] > thr)))
            size = _size(m)
        print(_row(f"scikit-learn {name}", statistics.median(aucs), statistics.median(fas), f"{size} (arrays only)"))


def _size(m) -> int:
    """Bytes of a fitted scikit-learn detector's arrays as float32 (nodes: 4 values each)."""
    if hasattr(m, "estimators_"):
        return sum(e.tree_.node_count * 4 * 4 for e in m.estimators_)
    if hasattr(m, "support_vectors_"):
        return m.support_vectors_.size * 4 + m.dual_coef_.size * 4
    return m._fit_X.size * 4 + m._lrd.size * 4 if hasattr(m, "_fit_X") else 0


if __name__ == "__main__":
    main()
