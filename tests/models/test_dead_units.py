"""An MLP carries no hidden ReLU unit that cannot fire on the training data's range: such units
(and their weights) are removed when it is trained, and its outputs on those rows are unchanged."""
import numpy as np
import pytest
from sklearn import datasets

from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.models.mlp import prune_dead_units
from tinyc.spec.ir import Task


def _fit(X, y, hidden=32, alpha=0.1, activation="relu"):
    params = {"layers": 2, "hidden": hidden, "alpha": alpha, "activation": activation}
    return FAMILY_REGISTRY["mlp"].fit(params, X, y, Problem(Task.classification, X.shape[1], len(np.unique(y))), 0)


def _hidden(m):
    return [m.arrays[f"W{i}"].shape[0] for i in range(2)]


def test_a_trained_mlp_has_no_unit_that_cannot_fire():
    d = datasets.load_wine()
    m = _fit(d.data, d.target)
    assert _hidden(m) == [26, 25]  # of 32 and 32: real dead units on real data
    lo, hi = d.data.min(axis=0), d.data.max(axis=0)
    assert prune_dead_units(m, lo, hi) == [0, 0]  # nothing left to remove
    # every kept unit fires on some training row
    h = np.maximum(d.data @ m.arrays["W0"].T.astype(np.float64) + m.arrays["b0"], 0)
    assert (h.max(axis=0) > 0).all()


def test_removing_dead_units_keeps_the_outputs_on_the_training_range():
    d = datasets.load_breast_cancer()
    m = _fit(d.data, d.target, alpha=1.0)
    full = {k: v.copy() for k, v in m.arrays.items()}
    # a unit whose bias means it can never fire, added back, changes nothing and is removed again
    W0 = np.vstack([full["W0"], full["W0"][:1]])
    b0 = np.append(full["b0"], np.float32(-1e6))
    W1 = np.hstack([full["W1"], np.ones((full["W1"].shape[0], 1), dtype=np.float32)])
    m.arrays.update(W0=W0, b0=b0, W1=W1)
    before = m.scores(d.data)
    assert prune_dead_units(m, d.data.min(axis=0), d.data.max(axis=0)) == [1, 0]
    assert m.arrays["W0"].shape == full["W0"].shape and m.arrays["W1"].shape == full["W1"].shape
    assert np.array_equal(m.scores(d.data), before)


@pytest.mark.parametrize("activation", ["tanh"])
def test_tanh_units_are_kept(activation):
    d = datasets.load_wine()
    assert _hidden(_fit(d.data, d.target, activation=activation)) == [32, 32]
