"""The anomaly-detection pass: from normal data (and optionally labelled
anomalies) to a calibrated detector that fits every declared target.

- The detector learns from the normal rows of the training part only; rows
  labelled 1 are known anomalies, used to rank the candidates and to calibrate,
  never to fit.
- Candidates: the families of :mod:`tinyc.models.anomaly` (diagonal and full
  Gaussian, k-means with k from the spec or 2..16, isolation forests of 10..50
  trees), each costed per target.
  ``learn on_device`` keeps the kinds that learn on the device, and each
  candidate is evaluated as the device would learn it (from the reset state,
  one sample at a time).
- Ranking: out-of-fold scores (4 folds of the normal training rows; the labelled
  anomalies scored by each fold's model and averaged) give the AUC (or best F1)
  of each candidate. Without labelled anomalies nothing can rank the detectors
  by quality: the smallest that fits is taken, and the report says so.
- Threshold: the out-of-fold normal scores' quantile for the declared
  ``false_alarms`` rate (held out, so the rate carries over to unseen data), else
  the best-F1 threshold when labelled anomalies exist, else 1%.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import DetectError
from ..models import FAMILY_REGISTRY
from ..models import anomaly as A
from ..spec.ir import Learn, Quantization, Task
from ..spec.vocab import DEFAULT_FALSE_ALARMS_PERCENT, FAMILIES

FOLDS = 4


@dataclass
class Trial:
    trial: int
    kind: str
    k: int | tuple[int, int]  # k-means centres, or (trees, samples per tree) of an isolation forest
    costs: dict
    fits: bool
    metric: float | None
    seconds: float
    note: str = ""

    @property
    def family(self) -> str:
        return A.family_of(self.kind)

    @property
    def params(self) -> dict:
        return A.params_of(self.kind, self.k)

    def row(self, finished_at: float) -> dict:
        return {"trial": self.trial, "family": self.family, "params": self.params,
                "status": "ok" if self.fits else "too big", "metric": self.metric, "fits": self.fits,
                "seconds": round(self.seconds, 4), "finished_at": round(finished_at, 4), "note": self.note,
                "costs": {t: c.as_dict() for t, c in sorted(self.costs.items())}}


@dataclass
class Detection:
    detector: A.Detector  # what ships (the reset state for learn on_device)
    evaluated: A.Detector  # what is evaluated: as shipped, or as learned on the device from the training rows
    trials: list[Trial]
    chosen: Trial
    threshold_rule: str
    ranked_by: str
    elapsed: float
    stopped_by: str


def candidates(families: tuple[str, ...], fixed: dict, learn: Learn) -> list[tuple[str, int | tuple[int, int]]]:
    """(kind, size) of every detector to try, family by family in the vocabulary's order, as each
    detector family proposes them for the spec's settings (tinyc.models.detectors)."""
    order = list(FAMILIES)
    ranked = sorted(families, key=lambda f: order.index(f) if f in order else len(order))
    return [c for f in ranked for c in FAMILY_REGISTRY[f].candidates(fixed.get(f), learn, families == (f,))]


def train(kind: str, k, X: np.ndarray, learn: Learn, seed: int) -> A.Detector:
    """The detector as it will be evaluated (its family's training)."""
    return FAMILY_REGISTRY[A.family_of(kind)].train(kind, k, X, learn, seed)


def _folds(n: int, seed: int) -> list[np.ndarray]:
    idx = np.random.default_rng(seed).permutation(n)
    return [np.sort(f) for f in np.array_split(idx, FOLDS)]


def out_of_fold(kind: str, k: int, N: np.ndarray, An: np.ndarray, learn: Learn, seed: int):
    """Scores of every normal training row by a detector that did not see it, and
    of the labelled anomalies averaged over the fold detectors."""
    oof = np.zeros(len(N), dtype=np.float64)
    anom = np.zeros(len(An), dtype=np.float64)
    for f in _folds(len(N), seed):
        rest = np.setdiff1d(np.arange(len(N)), f)
        det = train(kind, k, N[rest], learn, seed)
        oof[f] = det.scores(N[f])
        if len(An):
            anom += det.scores(An) / FOLDS
    return oof, anom


def rank_metric(metric: str, oof: np.ndarray, anom: np.ndarray) -> float | None:
    """AUC, or the best F1 over thresholds, of normal vs anomaly scores (None without anomalies)."""
    if not len(anom):
        return None
    y = np.r_[np.zeros(len(oof)), np.ones(len(anom))]
    s = np.r_[oof, anom]
    if not np.isfinite(s).all():
        return 0.0
    if metric == "auc":
        from sklearn.metrics import roc_auc_score

        return float(roc_auc_score(y, s))
    return _best_f1(s, y)[1]


def _best_f1(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of ``s > threshold``; the threshold is one of the scores."""
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    pred = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (pred + y.sum())
    # flagging the first i+1 rows means threshold just below s_sorted[i]: use the next score down
    best, best_f1 = len(s) - 1, -1.0
    for i in range(len(s)):
        if i + 1 < len(s) and s_sorted[i + 1] == s_sorted[i]:
            continue  # ties: a threshold cannot split equal scores
        if f1[i] > best_f1:
            best, best_f1 = i, float(f1[i])
    thr = float(s_sorted[best + 1]) if best + 1 < len(s) else float(np.nextafter(np.float32(s_sorted[best]),
                                                                               np.float32(-np.inf)))
    return thr, best_f1


def false_alarm_threshold(scores: np.ndarray, rate: float) -> float:
    """The smallest float32 score with at most ``rate`` of ``scores`` above it."""
    s = np.sort(np.asarray(scores, dtype=np.float32))
    allowed = int(np.floor(rate * len(s)))
    return float(s[len(s) - 1 - allowed]) if allowed < len(s) else float(s[0])


def detect(X_train: np.ndarray, y_train: np.ndarray, targets, metric: str, learn: Learn,
           false_alarms: float | None, families: tuple[str, ...], fixed: dict, seed: int,
           budget_s: float = float("inf"), on_event=None) -> Detection:
    """Search, choose, calibrate (see the module docstring). ``targets`` are the
    search's TargetBudget rows; ``false_alarms`` a share (0.01), or None. Candidates
    are tried smallest family first; once ``budget_s`` has passed no new one starts."""
    emit = on_event or (lambda e: None)
    N, An = X_train[y_train == 0].astype(np.float32), X_train[y_train == 1].astype(np.float32)
    if len(N) < 2 * FOLDS:
        raise DetectError(f"{len(N)} normal training rows are too few to fit and calibrate a detector "
                          f"(at least {2 * FOLDS})")
    start = time.perf_counter()
    emit({"event": "start", "budget": budget_s, "workers": 1, "families": list(families)})
    stopped_by = "candidates"
    trials: list[Trial] = []
    best: Trial | None = None
    scored: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for i, (kind, k) in enumerate(candidates(families, fixed, learn)):
        t0 = time.perf_counter()
        if t0 - start > budget_s and any(t.fits for t in trials):
            stopped_by = "budget"
            break
        family = FAMILY_REGISTRY[A.family_of(kind)]
        if not family.usable(kind, k, len(N) // FOLDS):
            continue
        shape = family.sized(kind, k, N, learn, seed)
        shape.on_device = learn != Learn.offline
        costs = {t.name: t.charge(A.cost(shape, t.caps), kind, Task.anomaly, Quantization.float32) for t in targets}
        fits = all(t.fits(costs[t.name]) for t in targets)
        value, note = None, ""
        if fits:
            oof, anom = out_of_fold(kind, k, N, An, learn, seed)
            scored[i] = (oof, anom)
            value = rank_metric(metric, oof, anom)
        else:
            over = [t.name for t in targets if not t.fits(costs[t.name])]
            note = "over the limits of " + ", ".join(over)
        trial = Trial(i, kind, k, costs, fits, value, time.perf_counter() - t0, note)
        trials.append(trial)
        if fits and (best is None or (value or 0.0) > (best.metric or 0.0)):
            best = trial
        emit({"event": "trial", "trial": i, "family": trial.family, "status": "ok" if fits else "too big",
              "metric": value, "flash": max(c.flash for c in costs.values()),
              "best_metric": best.metric if best else None,
              "best_flash": max(c.flash for c in best.costs.values()) if best else None,
              "elapsed": round(time.perf_counter() - start, 3), "time_left": 0.0, "tried": len(trials)})
    emit({"event": "end", "tried": len(trials), "elapsed": round(time.perf_counter() - start, 3),
          "stopped_by": stopped_by})
    fitting = [t for t in trials if t.fits]
    if not fitting:
        if not trials:
            raise DetectError("no detector family to try: the search block leaves none for task anomaly")
        smallest = min(trials, key=lambda t: max(c.flash for c in t.costs.values()))
        parts = "; ".join(t.describe(smallest.costs[t.name]) for t in targets)
        what = ", ".join(f"{k}={v}" for k, v in smallest.params.items())
        raise DetectError(f"no anomaly detector fits every target: the smallest ({smallest.family}, {what}): "
                          f"{parts}")

    def size(t: Trial) -> int:
        return max(c.flash for c in t.costs.values())

    if any(t.metric is not None for t in fitting):
        chosen = max(fitting, key=lambda t: (t.metric, -size(t), -t.trial))
        ranked_by = f"{metric} of out-of-fold normal rows against the {len(An)} labelled anomalies of the training part"
    else:
        chosen = min(fitting, key=lambda t: (size(t), t.trial))
        ranked_by = ("no labelled anomalies in the training part: no quality ranking is possible, the smallest "
                     "detector that fits was taken")
    oof, anom = scored[chosen.trial]
    evaluated = train(chosen.kind, chosen.k, N, learn, seed)
    if false_alarms is not None:
        threshold = false_alarm_threshold(oof, false_alarms)
        rule = f"false_alarms {false_alarms * 100:g}%: quantile of out-of-fold scores of the normal training rows"
    elif len(An):
        y = np.r_[np.zeros(len(oof)), np.ones(len(anom))]
        threshold = _best_f1(np.r_[oof, anom].astype(np.float32), y)[0]
        rule = "best F1 on out-of-fold scores of the training part's normal rows and labelled anomalies"
    else:
        rate = DEFAULT_FALSE_ALARMS_PERCENT / 100
        threshold = false_alarm_threshold(oof, rate)
        rule = (f"default {DEFAULT_FALSE_ALARMS_PERCENT:g}% false alarms (no `false_alarms` and no labelled "
                f"anomalies): quantile of out-of-fold scores of the normal training rows")
    evaluated.threshold = float(np.float32(threshold))
    evaluated.on_device = learn != Learn.offline
    if learn == Learn.on_device:  # ships empty: the device learns its own baseline
        shipped = A.empty(chosen.kind, N.shape[1], chosen.k)
        shipped.threshold, shipped.on_device = evaluated.threshold, True
    else:
        shipped = evaluated
    chosen.costs = {t.name: A.cost(shipped, t.caps) for t in targets}
    return Detection(shipped, evaluated, trials, chosen, rule, ranked_by, time.perf_counter() - start, stopped_by)

