"""Tree storage layouts: the emitter stores an ensemble in the smallest of three
layouts (pointer, relative, heap); all reach the leaves the golden model reaches.
The C of each layout is run against the golden model in tests/backends."""
import numpy as np
from sklearn.datasets import load_digits

from tinyc.models import FAMILY_REGISTRY, Problem, treeutil
from tinyc.spec.ir import Task


def _digits_forest(n_trees=10, depth=8):
    d = load_digits()
    prob = Problem(Task.classification, d.data.shape[1], 10)
    m = FAMILY_REGISTRY["forest"].fit({"n_estimators": n_trees, "max_depth": depth, "max_features": 0.5,
                                       "max_leaves": 10**6}, d.data, d.target, prob, seed=0)
    return m, d.data


def _walk_relative(arrays, left, right, X):
    """The relative layout's walk, written out in Python (as the C does it)."""
    X = np.asarray(X, dtype=np.float32)
    out = np.empty((len(X), len(arrays["roots"])), dtype=np.int64)
    for r, x in enumerate(X):
        for t, root in enumerate(arrays["roots"]):
            node, c = int(root), 0
            if node < 0:
                out[r, t] = -node - 1
                continue
            while c >= 0:
                node += c
                c = int(left[node] if x[arrays["feature"][node]] <= arrays["threshold"][node] else right[node])
            out[r, t] = int(root) + t - c - 1
    return out


def test_relative_layout_reaches_the_golden_leaves_with_one_byte_children():
    m, X = _digits_forest()
    a = m.arrays
    left, right = treeutil.relative_children(a)
    both = np.concatenate([left, right])
    assert both.min() >= -128 and both.max() <= 127  # trees of < 128 internal nodes: a byte per child
    assert len(a["feature"]) > 256  # ...where the pointer layout needs two bytes per child
    assert np.array_equal(_walk_relative(a, left, right, X[:300]), treeutil.leaf_index(a, X[:300]))
    sizes = treeutil.layout_bytes(m.n_features, a, 4, 1)
    assert treeutil.choose_layout(m.n_features, a, 4, 1) == ("relative", 0)
    assert sizes["pointer"] - sizes["relative"] == 2 * len(a["feature"])  # a byte saved per child


def test_relative_layout_declines_trees_stored_out_of_order():
    m, _ = _digits_forest(n_trees=2, depth=4)
    a = dict(m.arrays)
    a["roots"] = a["roots"][::-1].copy()  # the second tree's nodes no longer start at its root + 0
    assert treeutil.relative_children(a) is None
    sizes = treeutil.layout_bytes(m.n_features, a, 4, 1)
    assert sizes["relative"] is None
    assert treeutil.choose_layout(m.n_features, a, 4, 1)[0] in ("pointer", "heap")


def test_shallow_boosted_trees_take_the_heap_layout():
    d = load_digits()
    prob = Problem(Task.classification, d.data.shape[1], 10)
    m = FAMILY_REGISTRY["gbt"].fit({"n_estimators": 10, "max_depth": 3, "learning_rate": 0.2, "max_leaves": 10**6},
                                   d.data, d.target, prob, seed=0)
    sizes = treeutil.layout_bytes(m.n_features, m.arrays, 4, 4)
    name, b = treeutil.smallest_layout(sizes)
    assert name == "heap" and b == sizes["heap"] < sizes["relative"] < sizes["pointer"]


def test_vote_trees_fold_their_classes_into_the_child_references():
    """A vote forest's leaves hold only a class: the pointer and relative layouts store
    it in the child reference (-1 - class) and no leaf array. The walk of the folded
    relative arrays ends on the golden leaf's class; the emitted C has no leaf array."""
    from tinyc.codegen import c_trees

    m, X = _digits_forest()
    a = m.arrays
    payload = treeutil.vote_payload(m)
    assert payload is not None and np.array_equal(payload, a["leaf"])
    left, right = treeutil.relative_children(a, payload)
    roots = treeutil.fold_leaves(a, payload)["roots"]
    walked = []
    for x in np.asarray(X[:200], dtype=np.float32):
        row = []
        for root in roots:
            node, c = int(root), 0
            if node < 0:
                row.append(-node - 1)
                continue
            while c >= 0:
                node += c
                c = int(left[node] if x[a["feature"][node]] <= a["threshold"][node] else right[node])
            row.append(-c - 1)
        walked.append(row)
    assert np.array_equal(np.array(walked), a["leaf"][treeutil.leaf_index(a, X[:200])])
    plain = treeutil.layout_bytes(m.n_features, a, 4, 1)
    folded = treeutil.layout_bytes(m.n_features, a, 4, 1, payload)
    assert plain["relative"] - folded["relative"] == len(a["leaf"])  # one byte per leaf saved
    defs, body, _ = c_trees.emit(m, "m")
    assert "m_leaf_class" not in defs and "votes[m_leaf(t, x)] += 1;" in body
    assert treeutil.vote_payload(FAMILY_REGISTRY["gbt"].fit(
        {"n_estimators": 2, "max_depth": 2, "learning_rate": 0.3, "max_leaves": 10**6}, X, load_digits().target,
        Problem(Task.classification, X.shape[1], 10), seed=0)) is None  # value leaves stay apart


def test_many_class_vote_forest_zeroes_its_counters_in_a_loop_and_matches_the_golden_model(tmp_path):
    """Up to 16 classes the vote counters are zeroed by one store each (a loop would become a
    call to memset); beyond that a loop zeroes them. Both run on the host against the golden model."""
    import shutil

    import pytest

    from tinyc import emulator
    from tinyc.codegen import c_trees
    from tinyc.codegen.library import Provenance
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    rng = np.random.default_rng(0)
    k = c_trees.UNROLLED_ZEROS + 4
    centres = rng.normal(scale=4.0, size=(k, 6))
    y = np.repeat(np.arange(k), 30)
    X = centres[y] + rng.normal(size=(len(y), 6))
    m = FAMILY_REGISTRY["forest"].fit({"n_estimators": 6, "max_depth": 6, "max_features": 0.5, "max_leaves": 10**6},
                                      X, y, Problem(Task.classification, 6, k), seed=0)
    _, body, _ = c_trees.emit(m, "m")
    assert f"for (c = 0; c < {k}; ++c)" in body and "votes[0] = 0;" not in body
    small = FAMILY_REGISTRY["forest"].fit({"n_estimators": 6, "max_depth": 6, "max_features": 0.5,
                                           "max_leaves": 10**6}, X[y < 5], y[y < 5],
                                          Problem(Task.classification, 6, 5), seed=0)
    assert "votes[4] = 0;" in c_trees.emit(small, "m")[1]
    HostBackend().emit(EmitRequest(m, "m", tuple(f"f{j}" for j in range(6)), tuple(f"c{j}" for j in range(k)),
                                   Provenance("t", "t.tml", "0" * 64, "0" * 64, "id"), 0, 0), tmp_path)
    res = emulator.run_host(tmp_path, "m", X.astype(np.float32), True)
    assert np.array_equal(res.classes, m.predict(X.astype(np.float32)))
    assert np.array_equal(res.scores.view(np.uint32), m.scores(X.astype(np.float32)).astype(np.float32).view(np.uint32))
