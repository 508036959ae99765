"""Large data: the search runs on a sample of the training rows, the chosen model is refitted on
all of them, the holdout is scored on all its rows, and the report says so."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, build_spec, tinyc_exe
from tinyc.data.prepare import Dataset
from tinyc.models import Problem
from tinyc.passes import sample
from tinyc.spec.ir import Task


def segments(rows: int, seed: int = 0) -> pd.DataFrame:
    """The UCI image-segment rows repeated to ``rows``, each with 1% multiplicative noise."""
    df = pd.read_csv(ROOT / "examples" / "image_segments" / "data.csv")
    idx = np.arange(rows) % len(df)
    X = df.drop(columns=["target"]).to_numpy()[idx]
    X = X * (1 + 0.01 * np.random.default_rng(seed).standard_normal(X.shape))
    out = pd.DataFrame(X, columns=df.columns[:-1]).round(5)
    out["target"] = df["target"].to_numpy()[idx]
    return out


def test_a_large_build_searches_a_sample_and_fits_on_every_row(tmp_path):
    segments(16_000).to_csv(tmp_path / "big.csv", index=False)
    _, rep = build_spec(tmp_path, 'model big\ndata "big.csv" { label target }\ntask classification\n'
                                  'budget 30s\ntarget cortex-m4 { flash 16KB ram 4KB }\n'
                                  'search { families tree, linear }\n', "--trials", "6")
    s = rep["search"]["sample"]
    assert s["search_rows"] == sample.SEARCH_ROWS and s["training_rows"] == 12_800
    assert s["final_fit_rows"] == 12_800 and "final_fit_note" not in s
    assert rep["data"]["train_rows"] == 12_800 and rep["data"]["holdout_rows"] == 3_200
    assert rep["model"]["metrics"]["holdout"]["balanced_accuracy"] > 0.9  # seven classes of real image regions
    assert len(pd.read_csv(tmp_path / "out" / "artifacts" / "holdout.csv")) == 3_200


def test_small_data_is_not_sampled(tmp_path, sklearn_data):
    r = subprocess.run([tinyc_exe(), "build", "specs/wine.tml", "-o", tmp_path / "w", "--trials", "3"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "w" / "report.json").read_text())["search"]["sample"] is None


def _ds(n, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    y[:2] = classes - 1  # a rare class
    y[2:] = np.where(y[2:] == classes - 1, 0, y[2:])
    X = rng.normal(size=(n, 4)) + y[:, None]
    return Dataset(Task.classification, ("a", "b", "c", "d"), X, y, X[:10], y[:10], tuple("xyz"[:classes]))


def test_the_sample_is_stratified_exact_and_keeps_rare_classes():
    ds = _ds(30_000)
    s = sample.search_sample(ds, seed=1)
    assert s.rows == len(s.ds.y_train) == sample.SEARCH_ROWS and s.of == 30_000
    counts, full = np.bincount(s.ds.y_train), np.bincount(ds.y_train)
    assert counts[2] == 2  # the rare class keeps both its rows
    assert abs(counts[0] / counts.sum() - full[0] / full.sum()) < 0.01
    again = sample.search_sample(ds, seed=1)
    assert np.array_equal(again.ds.X_train, s.ds.X_train)  # deterministic under the seed
    assert sample.search_sample(_ds(sample.SEARCH_ROWS), seed=1) is None


def test_fit_in_time_gives_up_when_out_of_time():
    ds = _ds(5000)
    prob = Problem(Task.classification, 4, 3)
    assert sample.fit_in_time("tree", {"max_depth": 4, "min_samples_leaf": 2, "max_leaves": 16}, ds.X_train,
                              ds.y_train, prob, 0, 0.0) is None
    m = sample.fit_in_time("tree", {"max_depth": 4, "min_samples_leaf": 2, "max_leaves": 16}, ds.X_train,
                           ds.y_train, prob, 0, 60.0)
    assert m is not None and (m.predict(ds.X_train) == ds.y_train).mean() > 0.5


@pytest.mark.parametrize("budget, spent, rows, expected", [(60, 8, 1_000_000, 34), (60, 1, 20_000, 44.92),
                                                           (10, 1, 20_000, 3.92), (4, 3, 20_000, 1)])
def test_search_budget_leaves_the_final_fit_and_the_output_their_time(budget, spent, rows, expected):
    assert sample.search_budget(budget, spent, rows) == pytest.approx(expected)
