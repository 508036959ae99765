"""The detection pass of ``task anomaly``: it chooses, calibrates and evaluates the detector
(tinyc.passes.detect) where classification and regression search, quantize and fit; a detector
that learns keeps float32 state, and only candidates that fit every target are calibrated, so
the passes after it (emit, artifacts, report) are the same for every task."""
from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np

from ..budget import with_frontend_costs
from ..models import anomaly as A
from .. import quality
from ..spec.ir import Quantization, Task
from .context import BuildContext, Evaluated, Prepared
from .detect import FOLDS, Detection, detect
from .evaluate import explain_gap
from . import floor


def run(ctx: BuildContext, prep: Prepared) -> Evaluated:
    s, ds, cfg = ctx.spec, prep.ds, prep.config
    learn = s.learn.value
    rate = s.false_alarms.value / 100 if s.false_alarms is not None else None
    metric = ctx.metric.value
    found = detect(ds.X_train, ds.y_train, cfg.targets, metric, learn, rate, cfg.families, cfg.fixed,
                   ctx.seed, cfg.budget_s, ctx.progress)
    det, ev = found.detector, found.evaluated
    costs, signal = found.chosen.costs, None
    if prep.frontend is not None:  # the library computes the features from pushed samples
        det.frontend = ev.frontend = prep.frontend.with_used(ds.feature_names)
        costs, fe_costs = with_frontend_costs(costs, det.frontend, prep.declared.targets, det.family)
        signal = {**prep.signal, "features_used": list(ds.feature_names), "per_target": fe_costs,
                  "blocks_dropped": []}
    doc = {"family": det.family, "task": "anomaly", "params": det.params, "features": list(ds.feature_names),
           "classes": list(ds.classes), "detector": det.to_json(), "evaluated": ev.to_json(),
           **({"frontend": asdict(det.frontend)} if det.frontend is not None else {})}
    sections = anomaly_sections(found, costs, ds, prep.declared, s.quantize.value, learn.value, rate, metric)
    hold_m = sections["model"]["metrics"]["holdout"][metric]
    if hold_m is not None:  # labelled anomalies on the holdout: the detector against a random score
        base = quality.baseline(Task.anomaly, (ctx.metric,), ds, ctx.seed,
                                flag_share=rate if rate is not None else float(np.mean(ev.predict(ds.X_train) > 0)))
        train_m = sections["model"]["metrics"]["train"][metric]
        sections["model"]["baseline"] = floor.section(ctx.metric, hold_m, hold_m if train_m is None else train_m,
                                                      base, 0.0, s.allow is not None)
        floor.check(ctx.metric, sections["model"], [], prep.declared.targets)
    return Evaluated(prep, ds, det, {t.name: det for t in prep.declared.targets}, costs, {det.quant: doc},
                     sections, signal, {t.name: {} for t in prep.declared.targets},
                     {"stopped_by": found.stopped_by, "trials": len(found.trials)},
                     golden=ev, holdout_pred=None, predict_form=None, float_model=None,
                     no_onnx="anomaly detectors have no ONNX form")


def evaluate(det: A.Detector, X: np.ndarray, y: np.ndarray) -> dict:
    """auc, f1, precision, recall at the threshold, and the false-alarm rate on the normal rows."""
    s = det.scores(X).astype(np.float64)
    flag = s > det.threshold
    normal, anomalous = y == 0, y == 1
    out: dict = {"auc": None, "f1": None, "precision": None, "recall": None,
                 "false_alarm_rate": float(np.mean(flag[normal])) if normal.any() else None}
    if anomalous.any() and normal.any():
        from sklearn.metrics import roc_auc_score

        out["auc"] = float(roc_auc_score(y, s))
    if anomalous.any():
        tp = float(np.sum(flag & anomalous))
        out["recall"] = tp / float(anomalous.sum())
        out["precision"] = tp / float(flag.sum()) if flag.any() else 0.0
        p, r = out["precision"], out["recall"]
        out["f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return out


def confusion(det: A.Detector, X: np.ndarray, y: np.ndarray) -> list[list[int]]:
    flag = det.predict(X)
    return [[int(np.sum((y == t) & (flag == p))) for p in (0, 1)] for t in (0, 1)]


def anomaly_sections(found: Detection, costs: dict, ds, cfg, requested_quant: Quantization, learn: str,
                     rate: float | None, metric: str) -> dict:
    """report.json's sections about an anomaly detector: how it was chosen (the chosen trial's
    row showing ``costs``, what the shipped detector costs beside its front end), what it scores,
    and the ``anomaly`` section (threshold, false alarms, learning)."""
    det, ev = found.detector, found.evaluated
    scores = {"train": evaluate(ev, ds.X_train, ds.y_train), "holdout": evaluate(ev, ds.X_holdout, ds.y_holdout)}
    train_m, hold_m = scores["train"][metric], scores["holdout"][metric]
    cm = confusion(ev, ds.X_holdout, ds.y_holdout)
    per_class = []
    for i, lab in enumerate(ds.classes):
        tp, pred, support = cm[i][i], cm[0][i] + cm[1][i], sum(cm[i])
        prec, rec = (tp / pred if pred else 0.0), (tp / support if support else 0.0)
        per_class.append({"label": lab, "precision": prec, "recall": rec,
                          "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0, "support": support})
    gap = ("no labelled anomalies on both sides: the metric cannot be compared" if train_m is None or hold_m is None
           else explain_gap(metric, train_m, hold_m, True))
    finished = np.cumsum([t.seconds for t in found.trials])
    board = [(replace(t, costs=costs) if t is found.chosen else t).row(float(f))
             for t, f in zip(found.trials, finished)]
    return {
        "quantization": {"requested": requested_quant, "effective": Quantization.float32, "candidates": [],
                         "emitted_comparison": [],
                         "note": "anomaly detectors are emitted in float32 (their state keeps learning on the device)"},
        "fitting": {"steps": [], "first_choice_fit": True, "features_kept": len(ds.feature_names),
                    "features_dropped": []},
        "search": {"budget_s": cfg.budget_s, "elapsed_s": round(found.elapsed, 3), "stopped_by": found.stopped_by,
                   "max_trials": len(found.trials), "folds": FOLDS, "families": list(cfg.families),
                   "leaderboard": board, "history": [], "ranked_by": found.ranked_by},
        "model": {
            "family": det.family, "params": det.params, "description": ev.size_summary(), "quantization": Quantization.float32,
            "validation_metric": found.chosen.metric, "chosen_trial": found.chosen.trial, "importance": [],
            "metrics": scores, "gap_explanation": gap,
            "confusion": {"labels": list(ds.classes), "holdout": cm}, "per_class": per_class,
        },
        "anomaly": {
            "threshold": ev.threshold, "threshold_rule": found.threshold_rule,
            "false_alarms_declared": rate, "false_alarm_rate_holdout": scores["holdout"]["false_alarm_rate"],
            "learn": learn, "shipped": "empty (learned on the device)" if det.n == 0 else
            f"fitted on {det.n} normal rows", "normal_training_rows": int(np.sum(ds.y_train == 0)),
            "labelled_anomalies": {"train": int(np.sum(ds.y_train == 1)), "holdout": int(np.sum(ds.y_holdout == 1))},
        },
    }
