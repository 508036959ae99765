"""Scores of the chosen model on the training part and on the holdout, with
the confusion matrices and per-class figures for classification."""
from __future__ import annotations

import numpy as np

from ..metrics import score
from ..models import Model
from ..spec.ir import Task
from ..spec.vocab import METRICS_FOR_TASK


TRAIN_ROWS = 10_000  # training rows the training metrics are computed on (a seeded sample above)
IMPORTANCE_ROWS = 2_000  # holdout rows the permutation importance shuffles (a seeded sample above)


def _metrics(model: Model, X, y, n_classes: int) -> tuple[dict[str, float], np.ndarray]:
    """Every metric of the task on these rows, and the predictions (one pass over the rows)."""
    pred, s = model.outputs(X)
    return {m.value: score(m, y, pred, s, n_classes) for m in METRICS_FOR_TASK[model.task]}, pred


def _confusion(y, pred, k: int) -> list[list[int]]:
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y.astype(np.int64), pred.astype(np.int64)), 1)
    return cm.tolist()


def _per_class(cm: list[list[int]], classes) -> list[dict]:
    m = np.asarray(cm, dtype=np.float64)
    out = []
    for i, label in enumerate(classes):
        tp = m[i, i]
        precision = tp / m[:, i].sum() if m[:, i].sum() else 0.0
        recall = tp / m[i, :].sum() if m[i, :].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append({"label": label, "precision": precision, "recall": recall, "f1": f1, "support": int(m[i].sum())})
    return out


def permutation_drops(model: Model, X, y, metric, n_classes: int, rng) -> list[float]:
    """Per column of ``X``, how much the metric gets worse when that column's values
    are shuffled (with ``rng``, column by column)."""
    from ..metrics import GREATER_IS_BETTER

    base = score(metric, y, *model.outputs(X), n_classes)
    sign = 1.0 if GREATER_IS_BETTER[metric] else -1.0
    drops = []
    for j in range(X.shape[1]):
        Xp = X.copy()
        Xp[:, j] = rng.permutation(Xp[:, j])
        drops.append(sign * (base - score(metric, y, *model.outputs(Xp), n_classes)))
    return drops


def permutation_importance(model: Model, ds, metric, seed: int, max_rows: int = IMPORTANCE_ROWS) -> list[dict]:
    """How much the holdout metric drops when one feature's values are shuffled (seeded)."""
    rng = np.random.default_rng(seed)
    X, y = ds.X_holdout, ds.y_holdout
    if len(X) > max_rows:
        idx = rng.choice(len(X), max_rows, replace=False)
        X, y = X[idx], y[idx]
    drops = permutation_drops(model, X, y, metric, ds.n_classes, rng)
    out = [{"name": name, "value": v} for name, v in zip(ds.feature_names, drops)]
    return sorted(out, key=lambda d: -d["value"])


def evaluate_model(model: Model, ds, seed: int = 0) -> dict:
    """The metrics on every holdout row and on the training rows (a seeded sample of TRAIN_ROWS
    of them when there are more: ``train_rows`` says how many), the confusion matrices and per-
    class figures, or the holdout predictions of a regressor. ``holdout_pred``: the predictions."""
    X_tr, y_tr = ds.X_train, ds.y_train
    if len(y_tr) > TRAIN_ROWS:
        idx = np.sort(np.random.default_rng(seed).choice(len(y_tr), TRAIN_ROWS, replace=False))
        X_tr, y_tr = X_tr[idx], y_tr[idx]
    train, pred_tr = _metrics(model, X_tr, y_tr, ds.n_classes)
    hold, pred_ho = _metrics(model, ds.X_holdout, ds.y_holdout, ds.n_classes)
    out = {"train": train, "holdout": hold, "train_rows": len(y_tr), "holdout_pred": pred_ho, "train_pred": pred_tr}
    if model.task == Task.classification:
        k = ds.n_classes
        cm_train = _confusion(y_tr, pred_tr, k)
        cm_hold = _confusion(ds.y_holdout, pred_ho, k)
        out["confusion"] = {"labels": list(ds.classes), "train": cm_train, "holdout": cm_hold}
        out["per_class"] = _per_class(cm_hold, ds.classes)
    else:
        out["holdout_predictions"] = {"actual": ds.y_holdout.tolist(), "predicted": pred_ho.tolist()}
    return out


def explain_gap(metric: str, train: float, holdout: float, greater_is_better: bool) -> str:
    """One line on the difference between training and holdout scores."""
    gap = (train - holdout) if greater_is_better else (holdout - train)
    rel = gap / max(abs(train), 1e-12)
    if rel <= 0.02:
        return (f"holdout {metric} is close to training {metric}: the model generalises to rows it never saw")
    if rel <= 0.10:
        return (f"holdout {metric} is somewhat worse than on the training rows, as expected for rows the "
                f"model never saw")
    return (f"holdout {metric} is much worse than on the training rows: the model fits its training data "
            f"closely (overfitting) or the holdout differs from it; more data or a smaller model may help")
