"""Splits that cannot change a prediction are taken out of the trees (tinyc.models.tree_prune): the
pruned trees reach leaves of the same payload on every row, real and random, float and integer,
and are smaller where scikit-learn or quantization left such splits."""
import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.tree import DecisionTreeClassifier

from tinyc.models import FAMILY_REGISTRY, Problem, treeutil
from tinyc.models.tree_prune import prune
from tinyc.quant import quantize
from tinyc.quant.trees import scores_q
from tinyc.spec.ir import Quantization, Task


def _rows(X, n=3000, seed=0):
    """The data's rows and random rows over (and a little past) each feature's range."""
    rng = np.random.default_rng(seed)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    R = rng.uniform(lo - 0.1 * span, hi + 0.1 * span, size=(n, X.shape[1]))
    return np.vstack([X, R]).astype(np.float32)


def _payloads(arrays, X):
    return arrays["leaf"][treeutil.leaf_index(arrays, X)]


def test_a_classification_tree_loses_the_splits_whose_sides_vote_alike_and_votes_as_before():
    d = load_breast_cancer()
    est = DecisionTreeClassifier(max_depth=6, min_samples_leaf=4, random_state=0).fit(d.data, d.target)
    leaf = est.classes_[np.argmax(est.tree_.value[:, 0, :], axis=1)].astype(np.int32)
    raw = treeutil.from_sklearn(est.tree_, leaf)
    raw["roots"] = raw.pop("root")
    pruned = prune(raw)
    X = _rows(d.data)
    assert len(pruned["feature"]) < len(raw["feature"])  # scikit-learn split without changing the class
    assert len(pruned["leaf"]) == len(pruned["feature"]) + 1  # still a binary tree, no orphan leaf
    assert np.array_equal(_payloads(pruned, X), _payloads(raw, X))
    # no split left whose sides are equal leaves
    for a, b in zip(pruned["left"], pruned["right"]):
        assert not (a < 0 and b < 0 and pruned["leaf"][-a - 1] == pruned["leaf"][-b - 1])
    assert prune(pruned) is pruned  # nothing more to take out: the arrays as they were


def test_a_decided_split_goes_and_its_dead_side_with_it():
    # x0 <= 5 ? (x0 <= 7 ? A : B) : C   — the inner split always goes left
    raw = {"feature": np.array([0, 0], dtype=np.int32), "threshold": np.array([5.0, 7.0], dtype=np.float32),
           "left": np.array([1, -1], dtype=np.int32), "right": np.array([-3, -2], dtype=np.int32),
           "leaf": np.array([0, 1, 2], dtype=np.int32), "roots": np.array([0], dtype=np.int32)}
    pruned = prune(raw)
    assert pruned["feature"].tolist() == [0] and pruned["leaf"].tolist() == [0, 2]
    X = np.array([[-1.0], [5.0], [5.5], [7.0], [9.0]], dtype=np.float32)
    assert np.array_equal(_payloads(pruned, X), _payloads(raw, X))
    # integer codes: after x <= 3 went right, x >= 4, so x <= 3 again is decided right
    ints = {**raw, "threshold": np.array([3, 3], dtype=np.int8), "left": np.array([-1, -2], dtype=np.int32),
            "right": np.array([1, -3], dtype=np.int32)}
    pruned = prune(ints, integer=True)
    assert pruned["feature"].tolist() == [0] and pruned["leaf"].tolist() == [0, 2]


def test_integer_ensembles_score_as_unpruned_on_every_row_and_lose_what_their_codes_decide(monkeypatch):
    import tinyc.quant.trees as qtrees
    from tinyc.quant.inputs import codes, maps_of

    d = load_wine()
    prob = Problem(Task.classification, d.data.shape[1], 3)
    X = _rows(d.data, seed=1)
    smaller = 0
    for family, params in (("forest", {"n_estimators": 12, "max_depth": 6, "max_features": 0.5, "max_leaves": 40}),
                           ("gbt", {"n_estimators": 20, "max_depth": 3, "learning_rate": 0.3, "max_leaves": 8})):
        model = FAMILY_REGISTRY[family].fit(params, d.data, d.target, prob, seed=0)
        for mode in (Quantization.int8, Quantization.int16):
            pruned = quantize(model, mode, d.data)
            with monkeypatch.context() as m:
                m.setattr(qtrees, "prune", lambda arrays, integer=False: arrays)
                whole = quantize(model, mode, d.data)
            a = pruned.arrays
            cols = a["in_cols"] if "in_cols" in a else np.arange(d.data.shape[1])
            Q = codes(X[:, cols], maps_of(a), str(mode))
            assert np.array_equal(scores_q(pruned, Q), scores_q(whole, Q))
            assert len(a["feature"]) <= len(whole.arrays["feature"])
            smaller += len(a["feature"]) < len(whole.arrays["feature"])
    assert smaller >= 1  # int8 codes decide some split of these ensembles
