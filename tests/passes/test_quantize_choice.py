"""quantize auto takes the smallest form in flash among those within tolerance."""
from types import SimpleNamespace

import numpy as np
from sklearn.datasets import load_wine

from tinyc import targets
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.passes.quantize import choose
from tinyc.spec.ir import Metric, Task


def _data():
    X, y = load_wine(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(X))
    tr, ho = idx[:140], idx[140:]
    return SimpleNamespace(X_train=X[tr], y_train=y[tr], X_holdout=X[ho], y_holdout=y[ho], n_classes=3)


def _size_of(model):
    caps = targets.get("cortex-m4").caps
    return {"cortex-m4": FAMILY_REGISTRY[model.family].cost(model, caps, model.quant).flash}


def test_auto_keeps_float32_when_it_is_smaller_than_int8():
    ds = _data()
    forest = FAMILY_REGISTRY["forest"].fit({"n_estimators": 3, "max_depth": 3, "max_features": 0.5, "max_leaves": 8},
                                           ds.X_train, ds.y_train, Problem(Task.classification, 13, 3), seed=0)
    c = choose(forest, "auto", 1.0, ds, Metric.accuracy, size_of=_size_of)
    rows = {r["mode"]: r for r in c.record["candidates"]}
    assert rows["int8"]["loss"] <= 1.0  # int8 is accurate enough...
    assert rows["float32"]["flash"]["cortex-m4"] < rows["int8"]["flash"]["cortex-m4"]  # ...but larger
    assert c.mode == "float32"
    # without sizes, the old order (int8 first) decides
    assert choose(forest, "auto", 1.0, ds, Metric.accuracy).mode == "int8"


def test_auto_takes_int8_when_it_is_smallest():
    ds = _data()
    mlp = FAMILY_REGISTRY["mlp"].fit({"layers": 1, "hidden": 32, "alpha": 1e-3, "activation": "relu"},
                                     ds.X_train, ds.y_train, Problem(Task.classification, 13, 3), seed=0)
    c = choose(mlp, "auto", 2.0, ds, Metric.accuracy, size_of=_size_of)
    rows = {r["mode"]: r for r in c.record["candidates"]}
    sizes = {m: r["flash"]["cortex-m4"] for m, r in rows.items()}
    assert sizes["int8"] < min(sizes["int16"], sizes["float32"])
    assert c.mode == "int8" and rows["int8"]["loss"] <= 2.0


PER_TARGET_SPEC = """model wine
data "{csv}" {{ label cultivar; holdout 20% }}
task classification
seed 4
quantize auto
target cortex-m0plus {{ flash 8KB ram 2KB }}
target cortex-m4 {{ flash 8KB ram 2KB }}
target host
search {{ families linear }}
"""


def test_auto_gives_a_core_with_fpu_the_float32_form_where_it_is_smaller(tmp_path, sklearn_data):
    """The int8 form is chosen for the Cortex-M0+ (no FPU: float would need soft-float); on
    the Cortex-M4 the float32 form of the same fitted model is smaller (and exact), so that
    target gets it. Each library computes its own golden model, bit for bit on the host."""
    import json
    import shutil

    import pytest

    from tinyc import emulator
    from tinyc.passes.pipeline import build
    from tinyc.spec import load
    from tinyc.verify import load_model

    spec = tmp_path / "wine.tml"
    spec.write_text(PER_TARGET_SPEC.format(csv=sklearn_data / "wine.csv"))
    rep = build(load(spec), spec, tmp_path / "out", trials=4).report
    assert rep["quantization"]["effective"] == "int8"
    assert rep["quantization"]["per_target"] == {"cortex-m0plus": "int8", "cortex-m4": "float32", "host": "float32"}
    m0, m4 = rep["targets"]["cortex-m0plus"], rep["targets"]["cortex-m4"]
    assert (m0["quantization"], m4["quantization"]) == ("int8", "float32")
    int8_on_m4 = next(c for c in rep["quantization"]["candidates"] if c["mode"] == "int8")["flash"]["cortex-m4"]
    assert m4["flash"] < int8_on_m4
    if m4["measured"]["flash"] is not None:  # the estimate that decided holds against the linker
        assert abs(m4["flash"] - m4["measured"]["flash"]) <= max(0.1 * m4["measured"]["flash"], 256)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["targets"]["cortex-m4"]["quantization"] == "float32"
    assert "wine_input_t" not in (tmp_path / "out" / "cortex-m4" / "src" / "wine.h").read_text()
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    X = np.loadtxt(tmp_path / "out" / "artifacts" / "holdout.csv", delimiter=",", skiprows=1,
                   usecols=range(13), dtype=np.float32)
    for target, form in (("cortex-m0plus", "int8"), ("cortex-m4", "float32")):
        golden = load_model(tmp_path / "out", form)[0]
        assert golden.quant == form
        res = emulator.run_host(tmp_path / "out" / target, "wine", X, True)
        assert np.array_equal(res.classes, golden.predict(X))
        assert np.array_equal(res.scores.view(np.uint32), golden.scores(X).astype(np.float32).view(np.uint32))
    # artifacts/predict is the host library (float32 here): holdout_predictions.csv is what it prints
    import subprocess

    out = subprocess.run([str(tmp_path / "out" / "artifacts" / "predict"), "--csv",
                          str(tmp_path / "out" / "artifacts" / "holdout.csv")], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == (tmp_path / "out" / "artifacts" / "holdout_predictions.csv").read_text().splitlines()[1:]
    assert rep["artifacts"]["predict_form"] == "float32"
    if emulator.available("cortex-m4") is None and emulator.available("cortex-m0plus") is None:
        from tinyc.verify import verify

        results = verify(tmp_path / "out", on_line=lambda line: None)  # each core against its own form
        assert results["cortex-m0plus"].parity and results["cortex-m4"].parity
        assert results["cortex-m4"].flash < results["cortex-m0plus"].flash
