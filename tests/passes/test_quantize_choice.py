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
