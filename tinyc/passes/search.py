"""The search pass: an anytime AutoML search inside the time budget.

Optuna's TPE sampler (seeded, multivariate, with constraints) proposes a
model family and its hyperparameters; candidates are evaluated by k-fold
cross-validation on the training part (never the holdout), each in a worker
process, and each is also fitted on the whole training part so that the best
model so far is always ready: when the deadline comes, running workers are
stopped and the search ends with what it has.

Every candidate is costed in flash, RAM and operations for every declared
target. Candidates whose shape is known before training (linear, MLP,
centroid) are costed first and not trained when they cannot fit; trees get a
leaf cap derived from the flash budget, so they fit by construction. The
winner is the best validation metric among candidates that fit every target,
ties broken by the smaller flash.

Trials run in synchronous batches of a fixed size (whatever the number of
cores) and are told to the sampler in trial order, so the search is
deterministic under the seed, on any machine, when it stops because it ran
all its trials rather than because time ran out.
"""
from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..budget import TargetBudget, excess, fits_all
from ..data.prepare import cv_folds
from ..errors import BuildError
from ..metrics import GREATER_IS_BETTER, score, worst
from ..models import FAMILY_REGISTRY, Cost, Limits, Model, Problem
from ..spec.ir import Metric, Quantization, Task

DEFAULT_TRIALS = 100
# candidates proposed per round, whatever the number of cores, so that the
# sequence the sampler sees (and so the result) is the same on every machine
BATCH = 4


@dataclass(frozen=True)
class SearchConfig:
    metric: Metric
    budget_s: float
    seed: int
    quant: Quantization
    families: tuple[str, ...]
    fixed: dict[str, dict[str, tuple]]  # family -> param -> rule (see models.space.suggest)
    targets: tuple[TargetBudget, ...]
    max_trials: int = DEFAULT_TRIALS
    workers: int = 0  # 0: one per core
    # large data: the build must end by ``finish_by`` (time.monotonic), and the best model so far
    # needs ``keep_for(model)`` seconds after the search (its final fit and evaluation): the
    # search ends early enough for the model it would hand over
    finish_by: float | None = None
    keep_for: Callable[[Model], float] | None = None
    grow: bool = True  # grow the best candidates into the room the targets leave (tinyc.passes.grow)


@dataclass
class Candidate:
    trial: int
    family: str
    params: dict
    status: str  # "ok", "too big", "failed", "cut by budget"
    metric: float | None = None
    costs: dict[str, Cost] = field(default_factory=dict)
    fits: bool = False
    seconds: float = 0.0  # training time (folds + final fit)
    finished_at: float = 0.0  # seconds since the search started
    note: str = ""

    @property
    def flash(self) -> int:
        return max((c.flash for c in self.costs.values()), default=0)

    def row(self) -> dict:
        return {"trial": self.trial, "family": self.family, "params": self.params, "status": self.status,
                "metric": self.metric, "fits": self.fits, "seconds": round(self.seconds, 4),
                "finished_at": round(self.finished_at, 4), "note": self.note,
                "costs": {t: c.as_dict() for t, c in sorted(self.costs.items())}}


@dataclass
class SearchResult:
    best: Model
    best_candidate: Candidate
    leaderboard: list[Candidate]
    history: list[tuple[float, float]]  # (seconds since start, best metric so far among fitting)
    stopped_by: str  # "trials" or "budget"
    elapsed: float
    folds: int
    growth: list[dict] = field(default_factory=list)  # the growth pass's accepted steps (tinyc.passes.grow)


class NothingFits(BuildError):
    """No candidate fits every target; the message names the smallest found.
    ``board`` and the other fields let the pipeline hand the candidate closest
    to fitting to the memory-fitting pass; it reaches the user only when no candidate could be
    evaluated at all."""

    code = "E0506"

    def __init__(self, message: str, board=(), stopped_by: str = "trials", elapsed: float = 0.0, folds: int = 0):
        super().__init__(message)
        self.board, self.stopped_by, self.elapsed, self.folds = list(board), stopped_by, elapsed, folds

    def closest(self, targets) -> Candidate | None:
        """The costed candidate whose tightest budget is exceeded least."""
        costed = [c for c in self.board if c.costs and c.status != "failed"]
        if not costed:
            return None
        return min(costed, key=lambda c: (excess(c.costs, targets), c.trial))


# ---------------------------------------------------------------------------
# Worker side

_W: dict = {}


def quiet_child() -> None:
    """In a process the build forks to train models (a pool worker, the final fit): the parent
    handles Ctrl-C, SIGTERM and SIGHUP and stops its children (with SIGTERM), so a child ignores
    the terminal's SIGINT and dies quietly on SIGTERM/SIGHUP, no traceback; no library warnings."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
    warnings.simplefilter("ignore")


def _init_worker(X, y, problem, metric, folds, seed, targets, quant, groups=None):
    from threadpoolctl import threadpool_limits

    quiet_child()
    threadpool_limits(1)  # one core per worker: the pool is the parallelism
    _W.update(X=X, y=y, problem=problem, metric=metric, folds=folds, seed=seed, targets=targets, quant=quant,
              groups=groups)


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


def evaluate(family: str, params: dict, X, y, problem: Problem, metric: Metric, folds: int, seed: int,
             targets, quant: str, groups: np.ndarray | None = None) -> tuple[float, Model, dict[str, Cost], float]:
    """Cross-validated metric, the model fitted on all rows, its cost per target, seconds."""
    fam = FAMILY_REGISTRY[family]
    t0 = time.perf_counter()
    y_true, y_pred, y_score = [], [], []
    for tr, va in fold_indices(y, folds, seed, problem.task == Task.classification, groups):
        m = fam.fit(params, X[tr], y[tr], problem, seed)
        s = m.scores(X[va])
        y_true.append(y[va])
        y_pred.append(m.predict(X[va]))
        y_score.append(s)
    value = score(metric, np.concatenate(y_true), np.concatenate(y_pred), np.concatenate(y_score),
                  problem.n_classes)
    model = fam.fit(params, X, y, problem, seed)
    costs = {t.name: t.charge(fam.cost(model, t.caps, quant), family, problem.task, quant) for t in targets}
    return value, model, costs, time.perf_counter() - t0


def _evaluate_in_worker(family: str, params: dict):
    w = _W
    try:
        return ("ok",) + evaluate(family, params, w["X"], w["y"], w["problem"], w["metric"], w["folds"],
                                  w["seed"], w["targets"], w["quant"], w["groups"])
    except Exception as e:  # a candidate that cannot be trained is a result, not a crash
        return ("failed", f"{type(e).__name__}: {e}")


# ---------------------------------------------------------------------------
# Driver side

def _pool(cfg: SearchConfig, X, y, problem, folds, groups=None):
    # fork starts workers in milliseconds and shares the data copy-on-write; no thread
    # of ours runs at that point (the progress display starts after the pool)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    workers = cfg.workers or max(1, min(os.cpu_count() or 1, 8))
    return ctx.Pool(workers, initializer=_init_worker,
                    initargs=(X, y, problem, cfg.metric, folds, cfg.seed, cfg.targets, cfg.quant, groups)), workers


def _limits(cfg: SearchConfig, task: Task) -> Limits:
    return Limits(tuple((t.caps, *t.model_room()) for t in cfg.targets), cfg.quant, task)


def _set_constraints(trial, costs: dict[str, Cost], cfg: SearchConfig) -> None:
    """Feasible when every value is <= 0: the relative excess over each budget."""
    for t in cfg.targets:
        for limit, value in t.relative_excess(costs[t.name]).items():
            trial.set_constraint(f"{t.name}.{limit}", value)


def search(X: np.ndarray, y: np.ndarray, problem: Problem, cfg: SearchConfig,
           on_event: Callable[[dict], None] | None = None, groups: np.ndarray | None = None) -> SearchResult:
    """``groups``: the group of each row (`data { group }`): cross-validation keeps groups whole."""
    # the sampler's density estimates underflow routinely; a caller's np.seterr(all="raise")
    # (some libraries set it globally) must not break the search
    with np.errstate(all="ignore"):
        return _search(X, y, problem, cfg, on_event, groups)


def _search(X: np.ndarray, y: np.ndarray, problem: Problem, cfg: SearchConfig,
            on_event: Callable[[dict], None] | None, groups: np.ndarray | None = None) -> SearchResult:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.monotonic()
    deadline = start + cfg.budget_s
    # until a first model exists, waiting may use most of the allowed overrun (5% or 2 s)
    grace = 0.8 * max(0.05 * cfg.budget_s, 2.0)
    emit = on_event or (lambda e: None)
    folds = cv_folds(y, problem.task == Task.classification)
    if groups is not None and len(np.unique(groups)) < 2:
        groups = None  # a single group: nothing to keep apart
    if groups is not None:  # every fold needs a group of its own
        folds = max(1, min(folds, len(np.unique(groups)))) if folds > 1 else 1
    families = [f for f in cfg.families if problem.task in FAMILY_REGISTRY[f].tasks]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=cfg.seed, multivariate=True, group=True, n_startup_trials=10)
    direction = "maximize" if GREATER_IS_BETTER[cfg.metric] else "minimize"
    study = optuna.create_study(direction=direction, sampler=sampler)
    limits = _limits(cfg, problem.task)
    pool, workers = _pool(cfg, X, y, problem, folds, groups)
    emit({"event": "start", "budget": cfg.budget_s, "workers": workers, "folds": folds, "families": families,
          "max_trials": cfg.max_trials})
    board: list[Candidate] = []
    history: list[tuple[float, float]] = []
    best: tuple[Candidate, Model] | None = None
    stopped_by = "trials"
    try:
        while len(board) < cfg.max_trials:
            if time.monotonic() >= deadline:
                stopped_by = "budget"
                break
            batch = []
            for _ in range(min(BATCH, cfg.max_trials - len(board))):
                trial = study.ask()
                family = trial.suggest_categorical("family", families)
                params = FAMILY_REGISTRY[family].space(trial, problem, limits, cfg.fixed.get(family, {}))
                cand = Candidate(trial.number, family, params, "pending")
                estimates = too_big(family, params, problem, cfg)
                if estimates is not None:
                    cand.status, cand.costs = "too big", estimates
                    batch.append((trial, cand, None))
                else:
                    batch.append((trial, cand, pool.apply_async(_evaluate_in_worker, (family, params))))
            cut = False
            for trial, cand, job in batch:
                if job is not None:
                    remaining = deadline + (grace if best is None else 0.0) - time.monotonic()
                    try:
                        if remaining <= 0:
                            raise multiprocessing.TimeoutError
                        result = job.get(timeout=remaining)
                    except multiprocessing.TimeoutError:
                        cut = True
                        cand.status = "cut by budget"
                        board.append(cand)
                        study.tell(trial, state=optuna.trial.TrialState.FAIL)
                        continue
                    if result[0] == "failed":
                        cand.status, cand.note = "failed", result[1]
                    else:
                        _, cand.metric, model, cand.costs, cand.seconds = result
                        cand.status = "ok"
                        cand.fits = fits_all(cand.costs, cfg.targets)
                        if not cand.fits:
                            cand.status = "too big"
                        elif best is None or _better(cfg.metric, cand, best[0]):
                            best = (cand, model)
                            if cfg.keep_for is not None:
                                deadline = min(deadline, cfg.finish_by - cfg.keep_for(model))
                cand.finished_at = time.monotonic() - start
                board.append(cand)
                _tell(study, trial, cand, cfg)
                if best is not None:
                    history.append((cand.finished_at, best[0].metric))
                emit({"event": "trial", "trial": cand.trial, "family": cand.family, "status": cand.status,
                      "metric": cand.metric, "flash": cand.flash if cand.costs else None,
                      "best_metric": best[0].metric if best else None, "best_flash": best[0].flash if best else None,
                      "elapsed": round(cand.finished_at, 3), "time_left": round(max(0.0, deadline - time.monotonic()), 3),
                      "tried": len(board)})
            if cut:
                stopped_by = "budget"
                break
    finally:
        pool.terminate()
        pool.join()
    elapsed = time.monotonic() - start
    emit({"event": "end", "elapsed": round(elapsed, 3), "stopped_by": stopped_by, "tried": len(board)})
    if best is None:
        raise NothingFits(_nothing_fits_message(board, cfg), board, stopped_by, elapsed, folds)
    return SearchResult(best[1], best[0], board, history, stopped_by, elapsed, folds)


def _charged(t: TargetBudget, cost: Cost | None, family: str, task: Task, quant: str) -> Cost | None:
    return None if cost is None else t.charge(cost, family, task, quant)


def too_big(family: str, params: dict, problem: Problem, cfg: SearchConfig) -> dict[str, Cost] | None:
    """The estimates per target of a candidate whose size follows from its hyperparameters, when
    they show it cannot fit every target (so it need not be trained); else None."""
    estimates = {t.name: _charged(t, FAMILY_REGISTRY[family].estimate(params, problem, t.caps, cfg.quant), family,
                                  problem.task, cfg.quant) for t in cfg.targets}
    known = all(e is not None for e in estimates.values())
    return estimates if known and not fits_all(estimates, cfg.targets) else None


def _better(metric: Metric, a: Candidate, b: Candidate) -> bool:
    if abs(a.metric - b.metric) <= 1e-9:
        return a.flash < b.flash
    return (a.metric > b.metric) == GREATER_IS_BETTER[metric]


def _tell(study, trial, cand: Candidate, cfg: SearchConfig) -> None:
    import optuna

    if cand.status == "failed" or not cand.costs:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return
    _set_constraints(trial, cand.costs, cfg)
    value = cand.metric if cand.metric is not None else worst(cfg.metric)
    if not np.isfinite(value):
        value = -1e9 if GREATER_IS_BETTER[cfg.metric] else 1e9
    study.tell(trial, value)


def _nothing_fits_message(board: list[Candidate], cfg: SearchConfig) -> str:
    costed = [c for c in board if c.costs]
    if not costed:
        reasons = sorted({c.status + (f" ({c.note})" if c.note else "") for c in board})
        return f"no candidate could be evaluated in the budget ({len(board)} tried: {'; '.join(reasons) or 'none'})"
    smallest = min(costed, key=lambda c: max(t.flash_share(c.costs[t.name]) for t in cfg.targets))
    parts = [t.describe(smallest.costs[t.name]) for t in cfg.targets]
    return (f"no model fits every target; the smallest found ({smallest.family}) "
            + "; ".join(parts) + f" — after {len(board)} candidates")
