"""Scores of the chosen model on the training part and on the holdout, with
the confusion matrices and per-class figures for classification."""
from __future__ import annotations

import numpy as np

from .. import quality
from ..metrics import score
from ..models import Model
from ..spec.ir import Task
from ..spec.vocab import METRICS_FOR_TASK
from . import floor


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


def run(ctx, formed):
    """The evaluate pass: the emitted model scored on the training rows and the holdout, and the
    report's sections about the search, the quantization, the fitting and the model."""
    from ..data.checks import distrust
    from ..metrics import GREATER_IS_BETTER
    from ..models import FAMILY_REGISTRY
    from ..models.forms import read_columns
    from .context import Evaluated
    from .replay import of_build

    fitted = formed.fitted
    searched = fitted.quantized.searched
    prep, res, fit, ds = searched.prepared, searched.result, formed.fit, formed.ds
    cfg, model, metric = prep.declared, fit.model, ctx.metric
    scores = evaluate_model(model, ds, ctx.seed)
    holdout_pred = scores.pop("holdout_pred")
    seen = np.concatenate([scores.pop("train_pred"), holdout_pred])
    train_m, hold_m = scores["train"][metric.value], scores["holdout"][metric.value]
    gap = explain_gap(metric.value, train_m, hold_m, GREATER_IS_BETTER[metric])
    constant = is_constant(model, ds, seen)
    if constant:
        what = "class" if ds.task == Task.classification else "value"
        gap = (f"the model predicts the same {what} for every row (a constant): the limits leave no room for a "
               f"useful model of these features; raise the flash/RAM limits, or give it more training rows")
    base = baseline_section(ctx, ds, model.task, metric, hold_m, train_m, res)
    if base["weak"]:  # what held it back, rather than the gap (or the constant's guess at the limits)
        gap = (f"not clearly better than the trivial baseline ({base['kind']})"
               + (", predicting the same for every row" if constant else "") + ": " + floor.diagnosis(
                   metric, base, res.leaderboard, cfg.targets, getattr(model, "frontend", None)))
    if ds.holdout_overlap:
        gap = f"{overlap_warning(ds)}; {gap}"
    gap = distrust(prep.checks) or gap  # a leaky-looking result is never praised
    recipe = of_build(res.best_candidate, searched.read, fitted.quantized.choice.record, fitted.sample_record)
    sections = {
        "quantization": formed.quantization,
        "fitting": {"steps": fit.steps, "first_choice_fit": not fit.steps and res.best_candidate.fits,
                    "features_kept": len(fit.columns), "features_dropped": list(formed.dropped),
                    "features_not_selected": list(searched.unselected)},
        "search": {
            "budget_s": cfg.budget_s, "elapsed_s": round(res.elapsed, 3), "stopped_by": res.stopped_by,
            **({"stop_rule": res.stop_rule} if res.stop_rule else {}),
            "max_trials": cfg.max_trials, "folds": res.folds, "families": list(cfg.families),
            "leaderboard": [c.row() for c in res.leaderboard],
            "history": [{"elapsed": round(t, 4), "best": v} for t, v in res.history],
            "grow": cfg.grow, "prune": cfg.prune,
            "distill": cfg.distill and prep.sample is None, "qat": cfg.qat, "select": cfg.select,
            "growth": res.growth,
            "preferred": res.preferred,  # a cheaper candidate within the best's noise (tinyc.passes.cheaper)
            "sample": fitted.sample_record,
            **({"study": res.study} if res.study else {}),
            "replay": recipe,  # what `tinyc build SPEC --from-report` rebuilds this model from
            **({"rebuilt_from": ctx.recipe.source} if ctx.recipe is not None else {}),
        },
        "model": {
            "family": model.family, "params": fit.params, "description": model.size_summary(),
            "quantization": model.quant,
            "validation_metric": res.best_candidate.metric,
            "chosen_trial": res.best_candidate.trial,
            "importance": permutation_importance(model, ds, metric, ctx.seed),
            "metrics": {"train": scores["train"], "holdout": scores["holdout"]},
            "gap_explanation": gap,
            "constant": constant,
            "baseline": base,  # the trivial baseline on the same holdout, and the quality floor (tinyc.quality)
            # what the library reads (and checks for NaN/infinity): a tree model only the features it splits on
            "features_read": [ds.feature_names[j] for j in read_columns(model)],
            **{k: v for k, v in scores.items() if k not in ("train", "holdout")},
        },
    }
    # per form emitted, its golden model (artifacts/model.json, model_<form>.json)
    docs = {q: model_json(m, ds) for q, m in {m.quant: m for m in (model, *formed.forms.values())}.items()}
    host = formed.forms.get("host", model)  # artifacts/predict's form, when the spec has a host target
    return Evaluated(prep, ds, model, formed.forms, fit.costs, docs, sections, formed.signal,
                     {t: {"quantization": m.quant, **({"kernel": m.kernel} if m.kernel else {})}
                      for t, m in formed.forms.items()},
                     {"stopped_by": res.stopped_by, "trials": len(res.leaderboard), "winner": recipe},
                     golden=host, holdout_pred=holdout_pred if host is model else None, predict_form=host.quant,
                     float_model=fit.float_model if FAMILY_REGISTRY[model.family].onnx_form else None,
                     no_onnx=f"the {model.family} family has no ONNX form", search=res)


def baseline_section(ctx, ds, task, metric, holdout: float, train: float, res) -> dict:
    """The trivial baseline on the holdout beside the model's metric, the floor and the verdict."""
    from .cheaper import noise

    base = quality.baseline(task, METRICS_FOR_TASK[task], ds, ctx.seed)
    return floor.section(metric, holdout, train, base, noise(res.best_candidate),
                         ctx.spec.allow is not None)


def is_constant(model, ds, seen: np.ndarray | None = None) -> bool:
    """Whether the model gives every training and holdout row the same prediction (``seen``:
    predictions already made on some of them, which settle it when they differ)."""
    if seen is not None and len(seen) > 1 and not np.all(seen == seen[0]):
        return False
    X = np.concatenate([ds.X_train, ds.X_holdout]) if len(ds.X_holdout) else ds.X_train
    pred = model.predict(X)
    return bool(len(pred) > 1 and np.all(pred == pred[0]))


def overlap_warning(ds) -> str:
    return (f"{ds.holdout_overlap} of the {len(ds.y_holdout)} holdout rows are also training rows (rows the data "
            f"holds twice, or a holdout file sharing rows), so the holdout score is optimistic")


def model_json(model, ds) -> dict:
    """artifacts/model.json: the golden model as arrays, with its features, classes and front end."""
    from dataclasses import asdict

    fe = {"frontend": asdict(model.frontend)} if getattr(model, "frontend", None) is not None else {}
    return {**fe,
        "family": model.family, "task": model.task.value, "params": model.params,
        "features": list(ds.feature_names), "classes": list(ds.classes),
        # the golden model is the same whichever kernel a target's C runs (report.json says which)
        "qinfo": {k: v for k, v in model.qinfo.items() if k != "kernel"} if model.qinfo else None,
        "arrays": {k: {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.ravel().tolist()}
                   for k, v in sorted(model.arrays.items())},
    }
