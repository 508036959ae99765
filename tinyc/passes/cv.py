"""Cross-validation of one candidate, as the search's worker processes run it.

A candidate is scored fold by fold on the training rows (never the holdout). When the search
has a best candidate already (the *bar*: its metric and its score on each fold), the folds are
rungs of a successive-halving ladder: after the first fold, a candidate must rank among the
best third of the first-fold scores seen so far to go on (eta = 3), and after each fold its mean
score so far is compared with the bar's on the same folds: a candidate clearly behind (by more
than the bar's fold-to-fold spread allows, shrinking as folds accumulate) stops there:
*pruned*, costed on the model of its last fold. Only a candidate whose cross-validated metric matches or beats the
bar is trained again on every training row (the model the search would hand over); the others
are costed on their last fold's model. The bar is the search's best when a batch of candidates
starts, so what is pruned depends on the seed and the data only, never on timing.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..metrics import score
from ..models import FAMILY_REGISTRY, Cost, Model, Problem
from ..spec.ir import Metric, Task

PRUNE_SPREAD = 1.0  # how many of the bar's fold standard deviations (over sqrt(folds run)) behind is "clearly"
PROMOTE = 1 / 3  # successive halving's first rung: the best third of first-fold scores go on (eta = 3)
RUNG_HISTORY = 9  # first-fold scores needed before the rung ranks candidates


def promotion_cut(first_scores: list[float], greater: bool) -> float | None:
    """The first-fold score a candidate must reach to be promoted to the other folds: that of the
    best third of the candidates scored so far (None until RUNG_HISTORY of them)."""
    seen = [s for s in first_scores if math.isfinite(s)]
    if len(seen) < RUNG_HISTORY:
        return None
    q = 1 - PROMOTE if greater else PROMOTE
    return float(np.quantile(seen, q, method="lower" if greater else "higher"))


@dataclass(frozen=True)
class Bar:
    """What a candidate must beat: the best candidate's cross-validated metric and fold scores,
    and the first rung's promotion cut (:func:`promotion_cut`)."""

    metric: float
    folds: tuple[float, ...]
    greater: bool
    cut: float | None = None

    def behind(self, scores: list[float]) -> bool:
        """Whether a candidate with these first fold scores is clearly behind (prune it): below
        the promotion cut after its first fold, or behind the best by more than its spread."""
        j = len(scores)
        if j >= len(self.folds) or not all(map(math.isfinite, scores + list(self.folds))):
            return False
        if j == 1 and self.cut is not None and ((scores[0] < self.cut) if self.greater else (scores[0] > self.cut)):
            return True
        gap = float(np.mean(scores)) - float(np.mean(self.folds[:j]))
        margin = PRUNE_SPREAD * float(np.std(self.folds)) / math.sqrt(j)
        return (gap < -margin - 1e-12) if self.greater else (gap > margin + 1e-12)

    def reached_by(self, metric: float) -> bool:
        """Whether a cross-validated ``metric`` matches or beats the bar (then it may win)."""
        if abs(metric - self.metric) <= 1e-9:
            return True
        return (metric > self.metric) == self.greater


@dataclass
class Evaluation:
    metric: float | None  # cross-validated (None when pruned)
    fold_scores: list[float]
    model: Model | None  # trained on every training row; None when it could not reach the bar
    costs: dict[str, Cost]
    seconds: float
    folds: int  # folds the candidate was scored on
    pruned: bool = False
    partial: float | None = None  # mean fold score when pruned
    full_fit: bool = True
    columns: list[int] | None = None  # the columns ``model`` reads (None: every one)


def _stops() -> set:
    """The signals the parent stops its children with (SIGTERM, and SIGHUP where there is one)."""
    import signal

    return {getattr(signal, s) for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)}


def stops_held():
    """Around a fork of children that call :func:`quiet_child`: SIGTERM and SIGHUP held back (in
    the forking thread, whose mask a child inherits) until the child has its own handlers. A stop
    that reached a child first would meet the parent's handler, or be caught by it and then dropped
    when quiet_child replaced it, and the child would wait for work forever (seen: a build hung in
    Pool.terminate, joining a worker it had signalled)."""
    from ..output import signals_blocked

    return signals_blocked(_stops())


def quiet_child() -> None:
    """In a process the build forks to train models (a pool worker, the final fit): the parent
    handles Ctrl-C, SIGTERM and SIGHUP and stops its children (with SIGTERM), so a child ignores
    the terminal's SIGINT and dies quietly on SIGTERM/SIGHUP, no traceback; no library warnings.
    A stop held back since the fork (:func:`stops_held`) is taken now, by the default action."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stops = _stops()
    for s in stops:
        signal.signal(s, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    warnings.simplefilter("ignore")


def fold_indices(y: np.ndarray, folds: int, seed: int, classification: bool, groups: np.ndarray | None = None):
    """(train, validation) row indices of each fold; with ``groups`` every group stays whole on
    one side (stratified by class as far as the groups allow)."""
    from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit

    if groups is not None:
        from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold

        if folds == 1:
            split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=seed)
        else:
            split = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed) if classification \
                else _shuffled_group_kfold(folds, seed)
        return list(split.split(np.zeros(len(y)), y, groups))
    if folds == 1:
        split = (StratifiedShuffleSplit if classification else ShuffleSplit)(n_splits=1, test_size=0.2,
                                                                             random_state=seed)
    elif classification and np.bincount(y).min() >= folds:
        split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        split = KFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(split.split(np.zeros(len(y)), y))


def _shuffled_group_kfold(folds: int, seed: int):
    """GroupKFold with the groups in a seeded order (regression: no classes to stratify)."""
    from sklearn.model_selection import GroupKFold

    class Shuffled:
        def split(self, X, y, groups):
            values = np.unique(groups)
            rank = dict(zip(values, np.random.default_rng(seed).permutation(len(values))))
            return GroupKFold(n_splits=folds).split(X, y, np.array([rank[g] for g in groups]))

    return Shuffled()


def _fold_score(metric: Metric, y, pred, s, n_classes: int) -> float:
    try:
        return float(score(metric, y, pred, s, n_classes))
    except ValueError:  # e.g. AUC on a fold with one class
        return float("nan")


def evaluate(family: str, params: dict, X, y, problem: Problem, metric: Metric, folds: int, seed: int,
             targets, quant: str, groups: np.ndarray | None = None, bar: Bar | None = None,
             splits=None, rankings=None, model_seed: int | None = None) -> Evaluation:
    """Cross-validate one candidate (pruned early when clearly behind ``bar``), train it on all
    rows when it matches or beats ``bar`` (always without one), cost it per target. ``splits``:
    the folds' row indices when the caller has them (else computed). With ``rankings``
    (tinyc.passes.selection.Rankings) a candidate whose ``params`` have ``inputs`` reads only
    that many of the best-ranked columns, ranked without the rows it is scored on. ``seed`` draws
    the folds; the models train with ``model_seed`` (the trial's, tinyc.passes.candidates.trial_seed;
    default ``seed``)."""
    from .selection import columns, narrowed

    fam = FAMILY_REGISTRY[family]
    t0 = time.perf_counter()
    y_true, y_pred, y_score, scores = [], [], [], []
    if splits is None:
        splits = fold_indices(y, folds, seed, problem.task == Task.classification, groups)
    if rankings is not None:
        problem = narrowed(problem, params)
    m, seed = None, seed if model_seed is None else model_seed
    for i, (tr, va) in enumerate(splits):
        cols = None if rankings is None else columns(rankings.folds[i], params)
        Xf = X if cols is None else X[:, cols]
        m = fam.fit(params, Xf[tr], y[tr], problem, seed)
        s = m.scores(Xf[va])
        pred = m.predict(Xf[va])
        y_true.append(y[va])
        y_pred.append(pred)
        y_score.append(s)
        scores.append(_fold_score(metric, y[va], pred, s, problem.n_classes))
        if bar is not None and bar.behind(scores):
            return Evaluation(None, scores, None, _costs(fam, m, targets, family, problem, quant),
                              time.perf_counter() - t0, len(scores), True, float(np.mean(scores)), False)
    value = score(metric, np.concatenate(y_true), np.concatenate(y_pred), np.concatenate(y_score),
                  problem.n_classes)
    if bar is None or bar.reached_by(value):
        cols = None if rankings is None else columns(rankings.full, params)
        m = fam.fit(params, X if cols is None else X[:, cols], y, problem, seed)
        return Evaluation(value, scores, m, _costs(fam, m, targets, family, problem, quant),
                          time.perf_counter() - t0, len(scores), columns=cols)
    return Evaluation(value, scores, None, _costs(fam, m, targets, family, problem, quant),
                      time.perf_counter() - t0, len(scores), full_fit=False)


def _costs(fam, model: Model, targets, family: str, problem: Problem, quant: str) -> dict[str, Cost]:
    return {t.name: t.charge(fam.cost(model, t.caps, quant), family, problem.task, quant) for t in targets}


# ---------------------------------------------------------------------------
# The pool's worker processes: the rows and the settings are sent once, at the pool's start

_W: dict = {}


def init_worker(X, y, problem, metric, folds, seed, targets, quant, groups, rankings, splits):
    """A pool worker's start: the rows, the settings and the folds' row indices (computed once
    by the search with :func:`fold_indices`), kept for every candidate it evaluates."""
    from threadpoolctl import threadpool_limits

    quiet_child()
    threadpool_limits(1)  # one core per worker: the pool is the parallelism
    _W.update(X=X, y=y, problem=problem, metric=metric, folds=folds, seed=seed, targets=targets, quant=quant,
              groups=groups, rankings=rankings, splits=splits)


def evaluate_in_worker(family: str, params: dict, bar: Bar | None = None, seed: int | None = None):
    """("ok", Evaluation) or ("failed", reason): a candidate that cannot be trained is a result.
    ``seed``: its models' training seed (default: the build's)."""
    w = _W
    try:
        return ("ok", evaluate(family, params, w["X"], w["y"], w["problem"], w["metric"], w["folds"], w["seed"],
                               w["targets"], w["quant"], w["groups"], bar, w["splits"], w["rankings"], seed))
    except Exception as e:
        return ("failed", f"{type(e).__name__}: {e}")
