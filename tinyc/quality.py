"""The trivial baseline every build is measured against, and the quality floor a shipped model must
clear.

The baseline is what a model that learned nothing from the inputs scores on the same rows: the
training rows' majority class (classification), their mean (regression), a seeded random score
(anomaly detection, flagging the share of rows the detector's false-alarm rate allows). A model is
*weak* when it is not clearly better than that: when it takes less than FLOOR_SHARE of the room
between the baseline and a perfect score (for rmse, of the baseline's squared error; for mae, of
its error), or when its lead over the baseline is within NOISE standard errors of its
cross-validated metric (the folds cannot tell it from the baseline). FLOOR_SHARE is a fifth: the
lower bound of Landis and Koch's "fair" agreement for Cohen's kappa, which is this share for
accuracy. A 12-class model at 0.126 accuracy over a 0.083 baseline takes 5% of the room; a 2-leaf
tree at 0.5 on four balanced classes takes 33%.
"""
from __future__ import annotations

import numpy as np

from .metrics import GREATER_IS_BETTER, score
from .spec.ir import Metric, Task

FLOOR_SHARE = 0.2  # of the room between the baseline and a perfect score, a shipped model takes at least
NOISE = 2.0  # standard errors of the cross-validated metric the lead over the baseline must exceed


def predictions(task: Task, y_train: np.ndarray, n_rows: int, n_classes: int, seed: int = 0):
    """(predictions, scores, description) of the baseline for ``n_rows`` rows."""
    if task == Task.classification:
        counts = np.bincount(y_train.astype(np.int64), minlength=n_classes)
        majority = int(np.argmax(counts))
        scores = np.zeros((n_rows, n_classes), dtype=np.float64)
        scores[:, majority] = 1.0
        return np.full(n_rows, majority), scores, majority
    if task == Task.regression:
        mean = float(np.mean(y_train))
        return np.full(n_rows, mean), np.full((n_rows, 1), mean), mean
    rng = np.random.default_rng(seed)
    s = rng.random(n_rows)
    return s, s[:, None], None


def score_on(task: Task, metric: Metric, y: np.ndarray, n_classes: int, seed: int = 0) -> float:
    """The baseline fitted on ``y`` and scored on the same rows (the training rows' floor)."""
    pred, scores, _ = predictions(task, y, len(y), n_classes, seed)
    return score(metric, y, pred, scores, n_classes)


def baseline(task: Task, metrics, ds, seed: int = 0, flag_share: float | None = None) -> dict:
    """The baseline on ``ds``'s holdout, every metric of ``metrics``: {"kind": what it predicts,
    "holdout": {metric: value}}. ``flag_share``: the share of rows a random detector flags."""
    y = ds.y_holdout
    pred, scores, what = predictions(task, ds.y_train, len(y), ds.n_classes, seed)
    if task == Task.classification:
        kind = f"the majority class '{ds.classes[what]}' for every row"
    elif task == Task.regression:
        kind = f"the training rows' mean {what:.6g} for every row"
    else:
        share = 0.01 if flag_share is None else flag_share
        pred = (scores[:, 0] >= np.quantile(scores[:, 0], 1 - share)).astype(np.int64) if len(y) else pred
        kind = f"a random score (seeded), flagging {share:.1%} of the rows"
    return {"kind": kind, "holdout": {m.value: score(m, y, pred, scores, ds.n_classes) for m in metrics}}


def gain(metric: Metric, value: float, base: float) -> float:
    """The share of the room between the baseline and a perfect score ``value`` takes (1: perfect,
    0: the baseline's, negative: worse).

    >>> round(gain(Metric.accuracy, 0.126, 0.083), 3), gain(Metric.r2, 0.5, 0.0), gain(Metric.rmse, 5.0, 10.0)
    (0.047, 0.5, 0.75)
    """
    if metric == Metric.rmse:
        return 1.0 - (value / base) ** 2 if base > 0 else 0.0
    if metric == Metric.mae:
        return 1.0 - value / base if base > 0 else 0.0
    room = 1.0 - base
    return (value - base) / room if room > 1e-12 else 0.0


def floor(metric: Metric, base: float, noise: float = 0.0) -> float:
    """The metric a model must do better than to clear the floor: FLOOR_SHARE of the room above
    ``base``, and NOISE standard errors (``noise``: one) beyond it."""
    if metric == Metric.rmse:
        share = base * np.sqrt(1.0 - FLOOR_SHARE)
    elif metric == Metric.mae:
        share = base * (1.0 - FLOOR_SHARE)
    else:
        share = base + FLOOR_SHARE * (1.0 - base)
    lead = base + NOISE * noise if GREATER_IS_BETTER[metric] else base - NOISE * noise
    return float(max(share, lead) if GREATER_IS_BETTER[metric] else min(share, lead))


def is_weak(metric: Metric, value: float | None, base: float, noise: float = 0.0) -> bool:
    """Whether ``value`` is not clearly better than the baseline's ``base``."""
    if value is None or not np.isfinite(value):
        return True
    line = floor(metric, base, noise)
    return bool(value <= line if GREATER_IS_BETTER[metric] else value >= line)
