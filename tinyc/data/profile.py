"""The data profile kept in the build result (the report renders it)."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Task
from .prepare import Dataset

TOP_PAIRS = 5
PAIR_THRESHOLD = 0.7


ROWS_AT_A_TIME = 100_000  # the profile reads the rows in slices: no copy of the whole matrix


def _slices(ds: Dataset):
    """(features, target) of every row, training then holdout, ROWS_AT_A_TIME at a time."""
    for X, y in ((ds.X_train, ds.y_train), (ds.X_holdout, ds.y_holdout)):
        for i in range(0, len(X), ROWS_AT_A_TIME):
            yield X[i:i + ROWS_AT_A_TIME], np.asarray(y[i:i + ROWS_AT_A_TIME], dtype=np.float64)


def _moments(ds: Dataset):
    """Column means, the centred cross-product matrix and, per class, row counts and column sums
    (classification), or the target's centred cross-products with the columns and with itself."""
    n = len(ds.y_train) + len(ds.y_holdout)
    mean = (ds.X_train.sum(axis=0) + ds.X_holdout.sum(axis=0)) / n
    k = ds.X_train.shape[1]
    cross = np.zeros((k, k))
    per_class = np.zeros((max(ds.n_classes, 1), k))
    counts = np.zeros(max(ds.n_classes, 1))
    y_mean = (ds.y_train.sum() + ds.y_holdout.sum()) / n if ds.task != Task.classification else 0.0
    xy, yy = np.zeros(k), 0.0
    for X, y in _slices(ds):
        C = X - mean
        cross += C.T @ C
        if ds.task == Task.classification:
            np.add.at(per_class, y.astype(np.int64), X)
            counts += np.bincount(y.astype(np.int64), minlength=len(counts))
        else:
            d = y - y_mean
            xy += C.T @ d
            yy += d @ d
    return mean, cross, per_class, counts, xy, yy


def _corr(cross: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(cross))
    with np.errstate(all="ignore"):
        c = cross / np.outer(sd, sd)
    return np.clip(np.nan_to_num(np.atleast_2d(c), nan=0.0), -1.0, 1.0)


def profile(ds: Dataset, rows_loaded: int, columns_loaded: int, bytes_loaded: int) -> dict:
    """The profile of every training and holdout row, computed column by column and in slices of
    rows (a million rows take a few column copies of memory, not a copy of the matrix)."""
    names = list(ds.feature_names)
    features = []
    for j, name in enumerate(names):
        col = np.concatenate([ds.X_train[:, j], ds.X_holdout[:, j]])
        q = np.percentile(col, [0, 25, 50, 75, 100])
        features.append({
            "name": name, "mean": float(col.mean()), "std": float(col.std()),
            "min": float(q[0]), "p25": float(q[1]), "median": float(q[2]), "p75": float(q[3]),
            "max": float(q[4]), "distinct": int(len(np.unique(col))),
            "imputed": int(ds.imputed.get(name, 0)),
        })
    mean, cross, per_class, counts, xy, yy = _moments(ds)
    corr = _corr(cross)
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(corr[i, j]) > PAIR_THRESHOLD:
                pairs.append({"a": names[i], "b": names[j], "correlation": float(corr[i, j])})
    pairs.sort(key=lambda p: (-abs(p["correlation"]), p["a"], p["b"]))
    total = np.diag(cross)
    if ds.task == Task.classification:
        # correlation ratio (eta): share of a feature's variance explained by the class
        present = counts > 0
        between = (counts[present, None] * (per_class[present] / counts[present, None] - mean) ** 2).sum(axis=0)
        relation = np.sqrt(np.clip(np.divide(between, total, out=np.zeros_like(between), where=total > 0), 0, 1))
        relation_kind = "correlation ratio (eta)"
        target = {"kind": "classes", "classes": [{"label": lbl, "count": int(c)} for lbl, c in zip(ds.classes, counts)]}
    else:
        with np.errstate(all="ignore"):
            relation = np.nan_to_num(xy / np.sqrt(total * yy))
        relation_kind = "Pearson correlation"
        y = np.concatenate([ds.y_train, ds.y_holdout]).astype(np.float64)
        hist, edges = np.histogram(y, bins=20)
        target = {"kind": "values", "mean": float(y.mean()), "std": float(y.std()), "min": float(y.min()),
                  "max": float(y.max()), "histogram": {"counts": hist.tolist(), "edges": edges.tolist()}}
    order = np.argsort(-np.abs(relation), kind="stable")
    return {
        "rows": int(rows_loaded), "columns": int(columns_loaded), "memory_bytes": int(bytes_loaded),
        "train_rows": int(len(ds.y_train)), "holdout_rows": int(len(ds.y_holdout)),
        "holdout_overlap": ds.holdout_overlap,
        "features": features,
        "dropped_constant": list(ds.dropped_constant),
        "imputed": dict(sorted(ds.imputed.items())), "dropped_rows": ds.dropped_rows,
        "target": target,
        "correlation": {"features": names, "matrix": np.round(corr, 6).tolist()},
        "top_correlated_pairs": pairs[:TOP_PAIRS],
        "related_to_target": {"measure": relation_kind,
                              "features": [{"name": names[j], "value": float(relation[j])} for j in order[:10]]},
    }
