"""`tinyc build` end to end, in process: what lands in the output folder."""
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from tinyc.passes.pipeline import BuildError, build
from tinyc.spec import load


@pytest.fixture(scope="module")
def wine_build(tmp_path_factory, sklearn_data):
    out = tmp_path_factory.mktemp("b") / "wine"
    spec = ROOT / "specs" / "wine.tml"
    return build(load(spec), spec, out, trials=8), out


def test_report_has_training_and_holdout_metrics_and_confusion(wine_build):
    result, out = wine_build
    rep = json.loads((out / "report.json").read_text())
    assert rep["schema_version"] == 1 and rep["metric"] == "accuracy"
    m = rep["model"]
    assert set(m["metrics"]["train"]) == {"accuracy", "balanced_accuracy", "f1", "auc"}
    assert m["metrics"]["holdout"]["accuracy"] >= 0.9
    hold = np.array(m["confusion"]["holdout"])
    assert hold.sum() == 36 and hold.shape == (3, 3)
    assert np.trace(hold) / hold.sum() == pytest.approx(m["metrics"]["holdout"]["accuracy"])
    assert np.array(m["confusion"]["train"]).sum() == 142
    assert m["confusion"]["labels"] == ["cultivar_1", "cultivar_2", "cultivar_3"]
    assert [c["support"] for c in m["per_class"]] == hold.sum(axis=1).tolist()
    assert "holdout accuracy" in m["gap_explanation"]


def test_report_leaderboard_and_costs(wine_build):
    result, out = wine_build
    rep = json.loads((out / "report.json").read_text())
    board = rep["search"]["leaderboard"]
    assert len(board) == 8 and rep["search"]["stopped_by"] == "trials"
    row = board[0]
    assert {"trial", "family", "params", "metric", "fits", "seconds", "costs", "status"} <= set(row)
    assert set(row["costs"]) == {"cortex-m4", "cortex-m0plus", "host"} or row["status"] == "failed"
    for name, t in rep["targets"].items():
        assert t["flash"] <= t["flash_limit"] and t["ram"] <= t["ram_limit"]
        assert t["flash"] == t["weights"] + t["code"] and t["latency_us"] > 0
    best = [h["best"] for h in rep["search"]["history"]]
    assert best == sorted(best)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["targets"]["cortex-m4"]["flash"] == rep["targets"]["cortex-m4"]["flash"]
    assert len(manifest["model_id"]) == 16


def test_artifact_model_reproduces_the_predictions(wine_build):
    result, out = wine_build
    art = json.loads((out / "artifacts" / "model.json").read_text())
    from tinyc.models import Model
    from tinyc.spec.ir import Task
    arrays = {k: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for k, v in art["arrays"].items()}
    m = Model(art["family"], Task(art["task"]), art["params"], len(art["features"]), len(art["classes"]), arrays)
    ds = result.dataset
    assert np.array_equal(m.predict(ds.X_holdout), result.search.best.predict(ds.X_holdout))


def test_two_builds_are_identical_when_trials_bind(wine_build, tmp_path):
    _, first = wine_build
    spec = ROOT / "specs" / "wine.tml"
    build(load(spec), spec, tmp_path / "again", trials=8)
    for name in ("artifacts/model.json", "manifest.json"):
        assert (tmp_path / "again" / name).read_bytes() == (first / name).read_bytes(), name


def test_regression_build(tmp_path, sklearn_data):
    spec = ROOT / "specs" / "diabetes.tml"
    result = build(load(spec), spec, tmp_path / "d", trials=6)
    rep = result.report
    assert set(rep["model"]["metrics"]["holdout"]) == {"rmse", "mae", "r2"}
    assert rep["model"]["metrics"]["holdout"]["r2"] > 0.2
    assert len(rep["model"]["holdout_predictions"]["actual"]) == 88
    assert rep["data"]["target"]["kind"] == "values"


def test_nothing_fits_is_a_build_error_and_leaves_no_output(tmp_path, sklearn_data):
    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{sklearn_data / "wine.csv"}" {{ label cultivar }}\ntask classification\n'
                    f'target cortex-m0 {{ flash 64B ram 32B }}\n')
    with pytest.raises(BuildError, match="no model fits every target; the smallest found"):
        build(load(spec), spec, tmp_path / "out", trials=4)
    assert not (tmp_path / "out").exists()
