"""Distillation: a small model trained on its rows plus synthetic rows labelled by a large teacher.

A small tree or network trained on a few hundred rows learns the rows' noise as well as their
pattern; a large ensemble trained on the same rows (the teacher: scikit-learn's
HistGradientBoosting, unconstrained) draws smoother boundaries. Synthetic rows near the real
ones (MUNGE, Bucilă et al. 2006: each attribute of a row swapped, with probability one half, for
a draw around its nearest neighbour's value) labelled by the teacher carry those boundaries to
the student, which is then trained on the real rows plus the synthetic ones.

A candidate asks for it with the hyperparameter ``distill`` (the search draws it, and
cross-validation decides it like any other). Every family's ``fit`` calls :func:`rows`, so the
teacher is always trained on exactly the rows the student is given: a fold's training rows
during cross-validation, the training rows for the final fit, never a validation or holdout row.
A process keeps the teachers' synthetic rows for the row sets it has seen (the same folds serve
every candidate), so each is computed once per worker.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np

from ..spec.ir import Task

SWAP = 0.5  # MUNGE's probability of replacing an attribute by a draw around the neighbour's
SPREAD = 1.0  # MUNGE's s: the draw's standard deviation is |a - b| / s
# synthetic rows: 4 per real row, at least 500, and no more than bring the rows to 2,000 (a larger
# data set needs the teacher's help less, and every synthetic row slows training)
MIN_ROWS, TOTAL_ROWS, PER_ROW = 500, 2000, 4
_CACHE: OrderedDict = OrderedDict()
_KEEP = 16  # row sets remembered per process (the folds, the training rows, a few column subsets)


def rows(params: dict, X: np.ndarray, y: np.ndarray, task: Task, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows a family trains on: ``X, y`` as given, plus the teacher's synthetic rows when
    ``params["distill"]`` is set."""
    if not params.get("distill") or len(X) < 10:
        return X, y
    Xs, ys = synthetic(X, y, task, seed)
    return np.vstack([X, Xs.astype(X.dtype, copy=False)]), np.concatenate([y, ys.astype(y.dtype, copy=False)])


def synthetic(X: np.ndarray, y: np.ndarray, task: Task, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic rows around ``X`` and the teacher's labels (classification) or values
    (regression) for them; the same for the same rows and seed."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    key = (hashlib.blake2b(X.tobytes() + np.ascontiguousarray(y).tobytes(), digest_size=16).hexdigest(),
           X.shape, task, seed)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    Xs = munge(X, count(len(X)), seed)
    ys = teacher(X, y, task, seed).predict(Xs)
    _CACHE[key] = (Xs, ys)
    while len(_CACHE) > _KEEP:
        _CACHE.popitem(last=False)
    return Xs, ys


def count(n: int) -> int:
    """Synthetic rows for ``n`` real ones: 128 rows get 512, 1,478 get 522, 10,000 get 500."""
    return max(MIN_ROWS, min(PER_ROW * n, TOTAL_ROWS - n))


def teacher(X: np.ndarray, y: np.ndarray, task: Task, seed: int):
    """The unconstrained teacher, trained on ``X, y`` (one thread: the same on every machine)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    cls = HistGradientBoostingClassifier if task == Task.classification else HistGradientBoostingRegressor
    with threadpool_limits(1):
        return cls(random_state=seed).fit(X, y)


def munge(X: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` synthetic rows: copies of the real rows in turn, each attribute replaced with
    probability SWAP by a normal draw around the row's nearest neighbour's value (standard
    deviation |a - b| / SPREAD); distances on standardized attributes."""
    from sklearn.neighbors import NearestNeighbors

    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - X.mean(axis=0)) / sd
    neighbour = NearestNeighbors(n_neighbors=2).fit(Z).kneighbors(Z, return_distance=False)[:, 1]
    rng = np.random.default_rng(seed)
    idx = np.arange(n) % len(X)
    A, B = X[idx], X[neighbour[idx]]
    swap = rng.random(A.shape) < SWAP
    draw = rng.normal(B, np.abs(A - B) / SPREAD)
    return np.where(swap, draw, A)
