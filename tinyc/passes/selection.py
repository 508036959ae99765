"""Feature selection inside the search (`search { select on }`).

A model whose size grows with its inputs (a family with ``input_bound``: an MLP's first layer, a
linear model's weights, a centroid's per-feature values) may read only the ``inputs`` best
columns, a hyperparameter the sampler draws like any other and cross-validation decides. The
columns are ranked by an extremely randomized forest's impurity importance (scikit-learn's
ExtraTrees: it sees interactions a univariate score misses and costs a fraction of a second),
ranked on each fold's training rows for that fold's model, and on every training row for the
model the search hands over, so no validation row takes part in choosing the columns it is
scored on. The rankings are computed once, before the search's workers fork, and shared.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..models import FAMILY_REGISTRY, Problem
from ..spec.ir import Task

RANKING_TREES = 48
MIN_FEATURES = 4  # below this many columns there is nothing worth selecting


@dataclass(frozen=True)
class Rankings:
    """Column indices, most important first: per fold (on its training rows) and on every row."""

    folds: tuple[tuple[int, ...], ...]
    full: tuple[int, ...]


def rank(X: np.ndarray, y: np.ndarray, task: Task, seed: int) -> tuple[int, ...]:
    """The columns of ``X`` by importance for predicting ``y``, most important first (ties: the
    lower index first, so the order is reproducible)."""
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    cls = ExtraTreesClassifier if task == Task.classification else ExtraTreesRegressor
    forest = cls(n_estimators=RANKING_TREES, min_samples_leaf=2, random_state=seed, n_jobs=1).fit(X, y)
    imp = forest.feature_importances_
    return tuple(int(j) for j in sorted(range(X.shape[1]), key=lambda j: (-imp[j], j)))


def rankings(X: np.ndarray, y: np.ndarray, splits, task: Task, seed: int) -> Rankings:
    """:func:`rank` on each fold's training rows and on every row."""
    return Rankings(tuple(rank(X[tr], y[tr], task, seed) for tr, _ in splits), rank(X, y, task, seed))


def applies(family: str, n_features: int) -> bool:
    return getattr(FAMILY_REGISTRY[family], "input_bound", False) and n_features >= MIN_FEATURES


def suggest(trial, n_features: int) -> int:
    """The ``inputs`` hyperparameter: how many of the best-ranked columns the model reads."""
    return trial.suggest_int("inputs", max(2, n_features // 8), n_features, log=True)


def columns(ranking: tuple[int, ...], params: dict) -> list[int] | None:
    """The columns a candidate of ``params`` reads (in the data's order), None for all of them."""
    k = params.get("inputs")
    if k is None or k >= len(ranking):
        return None
    return sorted(ranking[:k])


def narrowed(problem: Problem, params: dict) -> Problem:
    """The problem as a candidate reading ``params["inputs"]`` columns sees it."""
    k = params.get("inputs")
    return problem if k is None or k >= problem.n_features else replace(problem, n_features=int(k))
