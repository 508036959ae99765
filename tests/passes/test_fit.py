"""The memory-fitting pass on real data, called directly: each family's
shrinking steps, their record, and the failure message."""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split

from tinyc.budget import TargetBudget
from tinyc.data.prepare import Dataset
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.passes.fit import DoesNotFit, fit_memory
from tinyc.spec.ir import Metric, Task
from tinyc_backends.cortex_m4 import CortexM4Backend


def wine() -> Dataset:
    d = datasets.load_wine()
    Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=0.25, random_state=0, stratify=d.target)
    return Dataset(Task.classification, tuple(d.feature_names), Xtr, ytr, Xte, yte, classes=("a", "b", "c"))


def m4(flash: int) -> TargetBudget:
    return TargetBudget("cortex-m4", CortexM4Backend.caps, flash, 2048)


# limits a little above each family's code on the M4 (an int8 tree's: 400 B), so the weights must shrink
@pytest.mark.parametrize("family, params, flash, expect", [
    ("tree", {"max_depth": 10, "min_samples_leaf": 1, "max_leaves": 64}, 460, "cost-complexity"),
    ("forest", {"n_estimators": 16, "max_depth": 8, "max_features": 0.5, "max_leaves": 64}, 900, None),
    ("gbt", {"n_estimators": 30, "max_depth": 3, "learning_rate": 0.3, "max_leaves": 8}, 1100, None),
    ("mlp", {"layers": 1, "hidden": 32, "alpha": 1e-2, "activation": "relu"}, 1100, "narrow hidden layers"),
])
def test_each_family_shrinks_until_it_fits(family, params, flash, expect):
    ds = wine()
    prob = Problem(Task.classification, len(ds.feature_names), 3)
    model = FAMILY_REGISTRY[family].fit(params, ds.X_train, ds.y_train, prob, seed=0)
    res = fit_memory(model, params, "int8", ds, (m4(flash),), Metric.balanced_accuracy, seed=0)
    assert res.steps, "the model was too big: at least one step"
    assert res.costs["cortex-m4"].flash <= flash
    for st in res.steps:  # every step shrinks the binding target and is recorded
        assert st["flash_after"] < st["flash_before"] or st["ram_after"] < st["ram_before"]
        assert 0.0 <= st["metric_after"] <= 1.0 and st["target"] == "cortex-m4"
    if expect:
        assert any(expect in st["action"] for st in res.steps), [st["action"] for st in res.steps]
    acc = float(np.mean(res.model.predict(ds.X_holdout[:, res.columns]) == ds.y_holdout))
    assert acc >= 0.8  # still a useful model on rows it never saw


def test_dropping_features_shrinks_the_input(monkeypatch):
    """A linear model can only lose features: the kept columns are recorded and used."""
    ds = wine()
    prob = Problem(Task.classification, 13, 3)
    model = FAMILY_REGISTRY["linear"].fit({"c": 1.0}, ds.X_train, ds.y_train, prob, seed=0)
    full = FAMILY_REGISTRY["linear"].cost(model, CortexM4Backend.caps, "float32").flash
    res = fit_memory(model, {"c": 1.0}, "float32", ds, (m4(full - 40),), Metric.balanced_accuracy, seed=0)
    assert len(res.columns) < 13 and res.model.n_features == len(res.columns)
    assert all("least useful feature" in st["action"] for st in res.steps)


def test_impossible_limit_names_the_smallest_size_reached():
    ds = wine()
    prob = Problem(Task.classification, 13, 3)
    model = FAMILY_REGISTRY["tree"].fit({"max_depth": 4, "min_samples_leaf": 1, "max_leaves": 16}, ds.X_train,
                                        ds.y_train, prob, seed=0)
    with pytest.raises(DoesNotFit, match=r"the smallest reached \(tree, 2 leaves, int8, .*cortex-m4 needs \d+ B "
                                         r"flash \(limit 64\)"):
        fit_memory(model, {"max_depth": 4, "min_samples_leaf": 1, "max_leaves": 16}, "int8", ds, (m4(64),),
                   Metric.accuracy, seed=0)


def _window_features():
    """Rows of window features named as a two-channel front end computes them; the class
    depends on two time-domain features of ax."""
    from tinyc.signal import FrontEnd

    fe = FrontEnd(("ax", "ay"), 10.0, 32, 16)
    names = fe.feature_names()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, len(names)))
    y = (X[:, names.index("ax_mean")] + 0.5 * X[:, names.index("ax_std")] > 0).astype(np.int64)
    ds = Dataset(Task.classification, tuple(names), X[:180], y[:180], X[180:], y[180:], classes=("a", "b"))
    return fe, ds


def m0plus(flash: int, fe) -> TargetBudget:
    from tinyc_backends.cortex_m0 import CortexM0PlusBackend

    return TargetBudget("cortex-m0plus", CortexM0PlusBackend.caps, flash, 4096, frontend=fe)


def test_beside_a_front_end_dropping_features_drops_their_front_end_work():
    """With a signal front end the fitting pass costs model and front end together: a feature
    dropped is no longer computed either, so dropping features shrinks both (here the last
    spectral feature takes the DFT, its tables and code with it)."""
    from tinyc.budget import frontend_cost

    fe, ds = _window_features()
    prob = Problem(Task.classification, len(ds.feature_names), 2)
    model = FAMILY_REGISTRY["linear"].fit({"c": 1.0}, ds.X_train, ds.y_train, prob, seed=0)
    t = m0plus(10**6, fe)
    full = t.charge(FAMILY_REGISTRY["linear"].cost(model, t.caps, "float32"), "linear", Task.classification,
                    "float32")
    time_only = fe.with_used([n for n in ds.feature_names if fe.split(n)[1] in ("mean", "std", "min", "max")])
    limit = full.flash - 300  # DFT tables alone are 4 * (2 * 32 + 16 + 1) = 324 B
    res = fit_memory(model, {"c": 1.0}, "float32", ds, (m0plus(limit, fe),), Metric.accuracy, seed=0)
    kept = [ds.feature_names[j] for j in res.columns]
    c = res.costs["cortex-m0plus"]
    exact = FAMILY_REGISTRY["linear"].cost(res.model, t.caps, "float32").flash + frontend_cost(
        fe.with_used(kept), t.caps, "linear")["flash"]
    assert c.flash == exact <= limit
    assert not fe.with_used(kept).spectral_channels(), kept
    assert time_only.spectral_channels() == []
    assert {"ax_mean", "ax_std"} <= set(kept)  # the features the class depends on stay


def test_beside_a_front_end_an_impossible_limit_names_the_declared_limit():
    fe, ds = _window_features()
    prob = Problem(Task.classification, len(ds.feature_names), 2)
    model = FAMILY_REGISTRY["linear"].fit({"c": 1.0}, ds.X_train, ds.y_train, prob, seed=0)
    with pytest.raises(DoesNotFit, match=r"cortex-m0plus needs \d+ B flash \(limit 1000\) and \d+ B RAM "
                                         r"\(limit 4096\) with the signal front end"):
        fit_memory(model, {"c": 1.0}, "float32", ds, (m0plus(1000, fe),), Metric.accuracy, seed=0)
