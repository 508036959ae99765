"""Distillation (tinyc.models.distill): synthetic rows around the training rows, labelled by a
teacher trained on those rows only, and what they buy a small model on real data."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tinyc.models import FAMILY_REGISTRY, Problem, distill
from tinyc.passes.cv import evaluate
from tinyc.spec.ir import Metric, Task

ROOT = Path(__file__).resolve().parents[2]


def motions():
    df = pd.read_csv(ROOT / "examples" / "basic_motions" / "features.csv")
    y = pd.factorize(df["target"], sort=True)[0]
    X = df.drop(columns=["target"]).to_numpy(dtype=np.float64)
    return X, y, Problem(Task.classification, X.shape[1], int(y.max()) + 1)


def test_without_distill_the_rows_are_the_data():
    X, y, _ = motions()
    Xr, yr = distill.rows({"distill": False}, X, y, Task.classification, 0)
    assert Xr is X and yr is y


def test_the_synthetic_rows_surround_the_data_and_carry_the_teachers_labels():
    X, y, _ = motions()
    Xr, yr = distill.rows({"distill": True}, X, y, Task.classification, 0)
    n = len(X)
    assert len(Xr) == n + distill.MIN_ROWS == n + distill.count(n)  # 80 rows: 4 each, at least 500
    assert distill.count(128) == 512 and distill.count(1478) == 522 and distill.count(10_000) == 500
    assert np.array_equal(Xr[:n], X) and np.array_equal(yr[:n], y)
    S = Xr[n:]
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    inside = (S >= lo - span) & (S <= hi + span)
    assert inside.mean() > 0.99  # draws around real values, not anywhere
    kept = np.isclose(S, X[np.arange(len(S)) % n])
    assert 0.35 < kept.mean() < 0.65  # each attribute kept with probability one half
    teacher = distill.teacher(X, y, Task.classification, 0)
    assert np.array_equal(yr[n:], teacher.predict(S))
    again = distill.rows({"distill": True}, X.copy(), y.copy(), Task.classification, 0)
    assert np.array_equal(again[0], Xr) and np.array_equal(again[1], yr)  # the same for the same rows and seed


def test_the_teacher_is_trained_on_each_folds_training_rows_only(monkeypatch):
    X, y, problem = motions()
    seen = []
    real = distill.teacher
    monkeypatch.setattr(distill, "teacher", lambda Xt, yt, *a: seen.append(Xt.copy()) or real(Xt, yt, *a))
    distill._CACHE.clear()
    params = {"max_depth": 6, "min_samples_leaf": 1, "max_leaves": 64, "distill": True}
    ev = evaluate("tree", params, X, y, problem, Metric.accuracy, 5, 0, (), "float32")
    from tinyc.passes.cv import fold_indices

    folds = fold_indices(y, 5, 0, True)
    assert len(seen) == 6  # one teacher per fold and one for the final fit on every row
    for (tr, va), Xt in zip(folds, seen):
        rows = {r.tobytes() for r in Xt}
        assert rows == {r.tobytes() for r in X[tr]} and not rows & {r.tobytes() for r in X[va]}
    assert ev.model is not None


@pytest.mark.slow  # (20 s; distillation is off by default; `make test-slow`)
def test_distillation_lifts_a_small_tree_on_real_data():
    """Digits (1797 rows, 10 classes), 5-fold cross-validation (850 synthetic rows a fold): a
    depth-6 tree 0.753 alone, 0.767 with the teacher's rows (an 8-wide MLP: 0.938 and 0.939)."""
    from sklearn import datasets

    d = datasets.load_digits()
    X, y = d.data, d.target
    problem = Problem(Task.classification, X.shape[1], 10)
    for family, params, gain in (("tree", {"max_depth": 6, "min_samples_leaf": 1, "max_leaves": 64}, 0.01),):
        alone = evaluate(family, params, X, y, problem, Metric.accuracy, 5, 0, (), "float32")
        taught = evaluate(family, {**params, "distill": True}, X, y, problem, Metric.accuracy, 5, 0, (), "float32")
        assert taught.metric >= alone.metric + gain, (family, alone.metric, taught.metric)
        assert FAMILY_REGISTRY[family].describe(taught.model).startswith(family)  # the same kind of model
