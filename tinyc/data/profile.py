"""The data profile kept in the build result (the report renders it)."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Task
from .prepare import Dataset

TOP_PAIRS = 5
PAIR_THRESHOLD = 0.7


def _corr(X: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        c = np.corrcoef(X, rowvar=False)
    c = np.atleast_2d(c)
    return np.nan_to_num(c, nan=0.0)


def profile(ds: Dataset, rows_loaded: int, columns_loaded: int, bytes_loaded: int) -> dict:
    X = np.vstack([ds.X_train, ds.X_holdout])
    y = np.concatenate([ds.y_train, ds.y_holdout])
    names = list(ds.feature_names)
    features = []
    q = np.percentile(X, [0, 25, 50, 75, 100], axis=0)
    for j, name in enumerate(names):
        col = X[:, j]
        features.append({
            "name": name, "mean": float(col.mean()), "std": float(col.std()),
            "min": float(q[0, j]), "p25": float(q[1, j]), "median": float(q[2, j]), "p75": float(q[3, j]),
            "max": float(q[4, j]), "distinct": int(len(np.unique(col))),
            "imputed": int(ds.imputed.get(name, 0)),
        })
    corr = _corr(X)
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(corr[i, j]) > PAIR_THRESHOLD:
                pairs.append({"a": names[i], "b": names[j], "correlation": float(corr[i, j])})
    pairs.sort(key=lambda p: (-abs(p["correlation"]), p["a"], p["b"]))
    if ds.task == Task.classification:
        # correlation ratio (eta): share of a feature's variance explained by the class
        grand = X.mean(axis=0)
        between = np.zeros(X.shape[1])
        for c in range(ds.n_classes):
            part = X[y == c]
            if len(part):
                between += len(part) * (part.mean(axis=0) - grand) ** 2
        total = ((X - grand) ** 2).sum(axis=0)
        relation = np.sqrt(np.divide(between, total, out=np.zeros_like(between), where=total > 0))
        relation_kind = "correlation ratio (eta)"
        counts = np.bincount(y.astype(np.int64), minlength=ds.n_classes)
        target = {"kind": "classes", "classes": [{"label": lbl, "count": int(n)} for lbl, n in zip(ds.classes, counts)]}
    else:
        with np.errstate(all="ignore"):
            relation = np.array([np.nan_to_num(np.corrcoef(X[:, j], y)[0, 1]) for j in range(X.shape[1])])
        relation_kind = "Pearson correlation"
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
