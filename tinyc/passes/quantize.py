"""The quantization pass: float32, int16 or int8 for the model the search chose; and the one
place a model's form is decided: for the build (:func:`choose`) and per target
(:func:`per_target`).

``quantize int8`` / ``int16`` / ``float32`` take that mode. ``quantize auto``
takes the smallest representation — in flash on the declared targets, when the
pass is given their cost (else int8, then int16, then float32) — whose metric on
the training rows (the calibration data; the holdout is never used to decide)
stays within the spec's tolerance of the float model's: ``within 1%`` means one
point (0.01) for accuracy-like metrics and r2, one percent of the float value
for rmse and mae. Smallest in flash matters: a small random forest with vote
leaves can take more flash as int8 than as float32 (the input encoder and its
float entry point outweigh the thresholds saved). Every mode tried is reported
with its training and holdout metric and its flash, so the report shows what
quantization cost.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..budget import with_frontend_costs
from ..errors import BuildError
from ..metrics import GREATER_IS_BETTER, score
from ..models import FAMILY_REGISTRY, Model
from ..quant import NotQuantizable, quantize
from ..spec.ir import Metric, Quantization

RELATIVE = {Metric.rmse, Metric.mae}  # tolerance relative to the float value
ORDER = (Quantization.int8, Quantization.int16)


class QuantizationFailed(BuildError):
    """An explicitly requested integer mode is impossible for the chosen model."""

    code = "E0504"


def metric_of(model: Model, X: np.ndarray, y: np.ndarray, metric: Metric, n_classes: int) -> float:
    return float(score(metric, y, model.predict(X), model.scores(X), n_classes))


def loss(metric: Metric, reference: float, value: float) -> float:
    """What ``value`` loses against ``reference``, in the tolerance's unit (percent).

    >>> round(loss(Metric.accuracy, 0.95, 0.94), 6), round(loss(Metric.rmse, 50.0, 51.0), 6)
    (1.0, 2.0)
    """
    worse = (reference - value) if GREATER_IS_BETTER[metric] else (value - reference)
    if metric in RELATIVE:
        return 100.0 * worse / max(abs(reference), 1e-12)
    return 100.0 * worse


@dataclass
class Choice:
    mode: Quantization
    record: dict
    model: Model | None = None  # the float model the chosen integer form rounds, when fine-tuned for it


QAT_FOLDS = 3
# a fine-tuning the budget's clock stopped (a rebuild of that build skips it too: tinyc.passes.replay)
OUT_OF_TIME = {"applied": False, "note": "the budget's time ran out before fine-tuning finished", "cut_by_budget": True}


def fine_tuned(model: Model, mode: Quantization, ds, metric: Metric, seed: int,
               deadline: float | None = None) -> tuple[Model | None, dict]:
    """The MLP ``model`` fine-tuned for ``mode``'s rounding (tinyc.quant.qat) when cross-validation on
    the training rows says its integer form then scores better than the plain one (each fold
    fine-tuned on the other folds' rows); else None. With the record of the folds' scores.
    ``deadline`` (time.monotonic()): a fine-tuning step (a fold's, the final one) that would end
    after it, at the pace of the longest so far, is not started and the model stays as it is."""
    from ..quant.qat import finetune
    from ..spec.ir import Task
    from .cv import fold_indices

    X, y, k = ds.X_train, ds.y_train, ds.n_classes
    plain, tuned, longest = [], [], 0.0
    out_of_time = dict(OUT_OF_TIME)
    for tr, va in fold_indices(y, QAT_FOLDS, seed, ds.task == Task.classification):
        if deadline is not None and time.monotonic() + longest > deadline:
            return None, out_of_time
        t0 = time.monotonic()
        try:
            a = quantize(model, mode, X[tr])
            b = quantize(finetune(model, mode, X[tr], y[tr], seed), mode, X[tr])
        except NotQuantizable:
            return None, {"applied": False, "note": "a fold's fine-tuned model had no integer form"}
        plain.append(metric_of(a, X[va], y[va], metric, k))
        tuned.append(metric_of(b, X[va], y[va], metric, k))
        longest = max(longest, (time.monotonic() - t0) * len(X) / max(len(tr), 1))
    gain = -loss(metric, float(np.mean(plain)), float(np.mean(tuned)))
    record = {"cv_plain": float(np.mean(plain)), "cv_fine_tuned": float(np.mean(tuned)), "folds": QAT_FOLDS,
              "applied": gain > 1e-9}
    if record["applied"] and deadline is not None and time.monotonic() + longest > deadline:
        return None, {**record, **out_of_time}
    return (finetune(model, mode, X, y, seed) if record["applied"] else None), record


def choose(model: Model, requested: Quantization, tolerance: float, ds, metric: Metric, size_of=None,
           qat: bool = False, seed: int = 0, deadline: float | None = None, qat_cut=()) -> Choice:
    """Pick the mode for ``model`` (a float model trained on ``ds.X_train``). ``size_of(m)``
    gives the flash of a model form per target ({target: bytes}); with it, ``auto`` takes
    the form within tolerance whose largest flash over the targets is smallest (ties: the
    narrower integer form). With ``qat``, an MLP whose integer form loses on the training rows
    is fine-tuned for it when cross-validation says that helps (:func:`fine_tuned`); not for the
    modes in ``qat_cut`` (a rebuild of a build whose clock stopped their fine-tuning)."""
    k = ds.n_classes
    ref_train = metric_of(model, ds.X_train, ds.y_train, metric, k)
    rows = [{"mode": Quantization.float32, "train": ref_train,
             "holdout": metric_of(model, ds.X_holdout, ds.y_holdout, metric, k), "loss": 0.0, "note": None}]
    if size_of is not None:
        rows[0]["flash"] = size_of(model)
    within = {Quantization.float32: model}
    tuned_for: dict = {}  # mode -> the fine-tuned float model its integer form rounds
    modes = ORDER if requested == Quantization.auto else (requested,) if requested.integer else ()
    chosen = Quantization.float32 if requested in (Quantization.auto, Quantization.float32) else None
    for mode in modes:
        try:
            q = quantize(model, mode, ds.X_train)
        except NotQuantizable as e:
            rows.append({"mode": mode, "train": None, "holdout": None, "loss": None, "note": str(e)})
            if requested == mode:
                raise QuantizationFailed(f"quantize {mode}: the chosen {model.family} model has no {mode} form "
                                         f"({e}); use quantize auto or float32") from None
            continue
        train = metric_of(q, ds.X_train, ds.y_train, metric, k)
        lost = loss(metric, ref_train, train)
        qat_record = None
        if qat and model.family == "mlp" and lost > 1e-9:
            tuned, qat_record = (None, dict(OUT_OF_TIME)) if mode in qat_cut else \
                fine_tuned(model, mode, ds, metric, seed, deadline)
            if tuned is not None:
                try:
                    q2 = quantize(tuned, mode, ds.X_train)
                    train2 = metric_of(q2, ds.X_train, ds.y_train, metric, k)
                except NotQuantizable as e:
                    qat_record, train2 = {**qat_record, "applied": False, "note": str(e)}, None
                if train2 is not None:
                    qat_record = {**qat_record, "train_plain": train, "train_fine_tuned": train2}
                if train2 is not None and loss(metric, ref_train, train2) < lost:
                    q, train, lost, tuned_for[mode] = q2, train2, loss(metric, ref_train, train2), tuned
                elif train2 is not None:
                    qat_record = {**qat_record, "applied": False,
                                  "note": "fine-tuned on every training row, its integer form scored lower there"}
        rows.append({"mode": mode, "train": train, "holdout": metric_of(q, ds.X_holdout, ds.y_holdout, metric, k),
                     "loss": lost, "note": None, **({"qat": qat_record} if qat_record else {})})
        if size_of is not None:
            rows[-1]["flash"] = size_of(q)
        if requested == mode:
            chosen = mode
        elif requested == Quantization.auto and lost <= tolerance + 1e-9:
            within[mode] = q
            if size_of is None and chosen == Quantization.float32:
                chosen = mode
                break
    if requested == Quantization.auto and size_of is not None:
        flash = {r["mode"]: r["flash"] for r in rows if "flash" in r}
        order = {m: i for i, m in enumerate(ORDER + (Quantization.float32,))}
        chosen = min(within, key=lambda m: (max(flash[m].values()), order[m]))
    return Choice(chosen, {"requested": requested, "tolerance_percent": tolerance, "chosen": chosen,
                           "decided_on": "training rows (calibration data)", "candidates": rows},
                  tuned_for.get(chosen))


def run(ctx, searched):
    """The pass: the form of the searched model, sized on the declared targets."""
    from .context import Quantized

    ds = searched.ds
    recipe = ctx.recipe  # a rebuild (tinyc.passes.replay): no clock, but the rebuilt build's cuts
    choice = choose(searched.result.best, ctx.spec.quantize.value, ctx.spec.quantize_tolerance.value, ds,
                    ctx.metric, size_of=flash_per_target(searched.prepared.config.targets, list(ds.feature_names)),
                    qat=searched.prepared.config.qat, seed=searched.result.best_candidate.seed,
                    deadline=searched.finish_by,  # (None in a rebuild)
                    qat_cut=recipe.qat_cut if recipe is not None else ())
    ctx.emit("quantize", requested=choice.record["requested"], chosen=choice.mode,
             candidates=choice.record["candidates"])
    return Quantized(searched, choice)


def flash_per_target(targets, names):
    """{target: estimated flash} of a model form (float or integer) on features ``names``, for
    quantize auto; with a signal front end, of both (on a core without FPU a float model shares
    the soft-float routines the front end needs, an integer one does not)."""
    def size_of(model) -> dict[str, int]:
        fam = FAMILY_REGISTRY[model.family]
        return {t.name: t.charge(fam.cost(model, t.caps, model.quant), model.family, model.task, model.quant,
                                 names).flash for t in targets}

    return size_of


def per_target(fit, targets, fe=None) -> tuple:
    """``quantize auto`` per target: the integer form was chosen for the largest target, but
    on a core where the float32 form of the same fitted model is smaller (an FPU makes float
    arithmetic cheap; the integer form adds its input encoder) and fits with the estimate's
    margin, that target gets float32 — exact, so no accuracy is traded for it. Returns the fit
    with those targets' costs and the model emitted per target."""
    forms = {t.name: fit.model for t in targets}
    if fit.model.quant == Quantization.float32:
        return fit, forms
    float_model = fit.float_model
    float_model.frontend = getattr(fit.model, "frontend", None)
    return offer(fit, forms, targets, fe, lambda m, t: float_model, lambda new, old: new.flash < old.flash), forms


def offer(fit, forms: dict, targets, fe, form_of, better):
    """Each target takes ``form_of(its form, target)`` (another form of the model, or None) where
    ``better(its cost, the current one)`` holds and it fits with the estimate's margin (costs with
    the signal front end ``fe`` beside it, when there is one); ``forms`` is updated in place.
    Returns the fit with those targets' costs."""
    costs, fe_costs = dict(fit.costs), dict(fit.frontend_costs)
    for t in targets:
        m = form_of(forms[t.name], t)
        if m is None:
            continue
        c, f = {t.name: FAMILY_REGISTRY[m.family].cost(m, t.caps, m.quant)}, None
        if fe is not None:
            c, f = with_frontend_costs(c, fe, (t,), m.family, m.task, m.quant)
        if better(c[t.name], costs[t.name]) and t.fits_with_margin(c[t.name]):
            forms[t.name], costs[t.name] = m, c[t.name]
            if f is not None:
                fe_costs[t.name] = f[t.name]
    return replace(fit, costs=costs, frontend_costs=fe_costs)
