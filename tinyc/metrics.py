"""The metrics a spec can optimise, computed the same way everywhere."""
from __future__ import annotations

import warnings

import numpy as np

from .spec.ir import Metric

GREATER_IS_BETTER = {Metric.accuracy: True, Metric.balanced_accuracy: True, Metric.f1: True, Metric.auc: True,
                     Metric.rmse: False, Metric.mae: False, Metric.r2: True}


def score(metric: Metric, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray | None = None,
          n_classes: int = 0) -> float:
    """``y_pred`` are class indices or values; ``scores`` the raw outputs (for auc)."""
    from sklearn import metrics as m

    if metric == Metric.accuracy:
        return float(m.accuracy_score(y_true, y_pred))
    if metric == Metric.balanced_accuracy:
        with warnings.catch_warnings():  # a class missing from a fold's predictions is not an error
            warnings.simplefilter("ignore")
            return float(m.balanced_accuracy_score(y_true, y_pred))
    if metric == Metric.f1:
        average = "binary" if n_classes == 2 else "macro"
        return float(m.f1_score(y_true, y_pred, average=average, zero_division=0))
    if metric == Metric.auc:
        return _auc(y_true, scores, n_classes)
    if metric == Metric.rmse:
        return float(np.sqrt(np.mean((np.asarray(y_true) - y_pred) ** 2)))
    if metric == Metric.mae:
        return float(np.mean(np.abs(np.asarray(y_true) - y_pred)))
    if metric == Metric.r2:
        return float(m.r2_score(y_true, y_pred))
    raise ValueError(metric)  # pragma: no cover


def _auc(y_true, scores, n_classes) -> float:
    from sklearn.metrics import roc_auc_score

    s = np.asarray(scores, dtype=np.float64)
    present = np.unique(y_true)
    if len(present) < 2:
        return 0.5
    if s.shape[1] == 1:
        return float(roc_auc_score(y_true, s[:, 0]))
    if n_classes == 2:
        return float(roc_auc_score(y_true, s[:, 1] - s[:, 0]))
    # one-vs-rest on softmax-normalised scores, classes present in y_true only
    z = s - s.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    aucs = [roc_auc_score(y_true == c, p[:, c]) for c in present]
    return float(np.mean(aucs))


def better(metric: Metric, a: float, b: float) -> bool:
    """Whether ``a`` is strictly better than ``b``."""
    return a > b if GREATER_IS_BETTER[metric] else a < b


def worst(metric: Metric) -> float:
    return -np.inf if GREATER_IS_BETTER[metric] else np.inf
