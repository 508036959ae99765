"""A feature that alone predicts the label almost perfectly, when no other feature comes close.

That is what a leak looks like: the label recoded as a number, a value computed from the label, a
measurement taken after the outcome. A real feature can be that good too, but then its
neighbours (other statistics of the same signal) usually are as well; a feature far ahead of all
the others is worth a look before the model is trusted on a device.

Each feature is scored on its own, out of fold, by the simplest model of one variable: the
feature's range cut into quantile bins (edges from the training folds), each bin predicting the
majority class (classification, scored by balanced accuracy) or the mean value (regression, R²).
Bins blur the boundaries between classes and the steps of a smooth function, so each score is
the better of that and a second, sharper reading: the class of the nearest training value
(classification), the squared rank correlation (regression, which a monotone function of the
label reaches exactly).
It is vectorised over features and reads at most ROWS rows, so it costs milliseconds on every
build. Rows of one group stay in one fold.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROWS = 2000  # the rows scored, at most (a deterministic sample)
FOLDS = 3
BINS = 32  # at most; fewer with few rows (ROWS_PER_BIN)
ROWS_PER_BIN = 8
MIN_ROWS = 30
ALMOST_PERFECT = 0.99  # balanced accuracy or R² of the feature alone
CLEAR_LEAD = 0.05  # ... and every other feature this far below it


@dataclass(frozen=True)
class Leak:
    column: str
    score: float  # the feature alone, out of fold
    runner_up: str | None
    runner_up_score: float
    measure: str  # "balanced accuracy" or "R²"


def _folds(n: int, groups: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """The fold of each row: rows shuffled, or whole groups shuffled when rows have groups."""
    if groups is None:
        return rng.permutation(n) % FOLDS
    _, idx = np.unique(groups, return_inverse=True)
    return (rng.permutation(idx.max() + 1) % FOLDS)[idx]


def _bins(train: np.ndarray, X: np.ndarray, bins: int) -> np.ndarray:
    """Each value's quantile bin (0..bins-1), per column, with edges from ``train``."""
    edges = np.quantile(train, np.linspace(0, 1, bins + 1)[1:-1], axis=0)  # (bins-1, features)
    return np.stack([np.searchsorted(edges[:, j], X[:, j], side="right") for j in range(X.shape[1])], axis=1)


def _filled(table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``table`` with each empty bin (no training rows) taking the nearest filled bin's value below
    it (or above, for leading empty bins)."""
    filled = np.flatnonzero(rows > 0)
    nearest = filled[np.clip(np.searchsorted(filled, np.arange(len(rows)), side="right") - 1, 0, None)]
    return table[nearest]


def _nearest_class(train: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The class of the training value nearest to each of ``x`` (one feature)."""
    order = np.argsort(train, kind="stable")
    t, c = train[order], y[order]
    i = np.clip(np.searchsorted(t, x), 1, len(t) - 1)
    left = x - t[i - 1] <= t[i] - x
    return np.where(left, c[i - 1], c[i])


def _rank_r2(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The squared Spearman correlation of each column with ``y`` (ties ranked by order)."""
    rx = np.argsort(np.argsort(X, axis=0, kind="stable"), axis=0).astype(np.float64)
    ry = np.argsort(np.argsort(y, kind="stable")).astype(np.float64)
    rx -= rx.mean(axis=0)
    ry -= ry.mean()
    den = np.sqrt(np.sum(rx ** 2, axis=0) * np.sum(ry ** 2))
    return np.where(den > 0, (ry @ rx / np.where(den > 0, den, 1)) ** 2, 0.0)


def single_feature_scores(X: np.ndarray, y: np.ndarray, n_classes: int, groups: np.ndarray | None = None,
                          seed: int = 0) -> np.ndarray:
    """The out-of-fold score of each column of ``X`` alone: balanced accuracy when ``n_classes``
    (``y`` class indices), else R² (``y`` values)."""
    rng = np.random.default_rng(seed)
    if len(y) > ROWS:
        keep = np.sort(rng.choice(len(y), ROWS, replace=False))
        X, y, groups = X[keep], y[keep], (groups[keep] if groups is not None else None)
    n, f = X.shape
    fold = _folds(n, groups, rng)
    pred = np.zeros((n, f))
    nearest = np.zeros((n, f))
    for k in range(FOLDS):
        tr, te = fold != k, fold == k
        if not tr.any() or not te.any():
            continue
        bins = int(np.clip(tr.sum() // ROWS_PER_BIN, 2, BINS))
        b_tr, b_te = _bins(X[tr], X[tr], bins), _bins(X[tr], X[te], bins)
        for j in range(f):
            rows = np.bincount(b_tr[:, j], minlength=bins)
            if n_classes:
                counts = np.bincount(b_tr[:, j] * n_classes + y[tr], minlength=bins * n_classes)
                table = counts.reshape(bins, n_classes).argmax(axis=1)
            else:
                table = np.bincount(b_tr[:, j], weights=y[tr], minlength=bins) / np.maximum(rows, 1)
            pred[te, j] = _filled(table, rows)[b_te[:, j]]
            if n_classes:
                nearest[te, j] = _nearest_class(X[tr, j], y[tr], X[te, j])
    if n_classes:
        present = [c for c in range(n_classes) if np.any(y == c)]
        return np.maximum(*(np.mean([np.mean(p[y == c] == c, axis=0) for c in present], axis=0)
                            for p in (pred, nearest)))
    sst = np.sum((y - y.mean()) ** 2)
    if sst == 0:
        return np.zeros(f)
    return np.maximum(1.0 - np.sum((pred - y[:, None]) ** 2, axis=0) / sst, _rank_r2(X, y))


def find_leak(names, X: np.ndarray, y: np.ndarray, n_classes: int, groups: np.ndarray | None = None,
              seed: int = 0) -> Leak | None:
    """The feature that alone predicts the label almost perfectly while every other feature stays
    CLEAR_LEAD below it, or None."""
    if len(y) < MIN_ROWS or X.shape[1] < 2 or (n_classes and n_classes < 2):
        return None
    scores = single_feature_scores(np.asarray(X, dtype=np.float64), y, n_classes, groups, seed)
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    second = int(order[1]) if len(order) > 1 else None
    second_score = float(scores[second]) if second is not None else float("-inf")
    if scores[best] < ALMOST_PERFECT or scores[best] - second_score < CLEAR_LEAD:
        return None
    return Leak(names[best], float(scores[best]), names[second] if second is not None else None,
                second_score, "balanced accuracy" if n_classes else "R²")
