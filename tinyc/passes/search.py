"""The search pass: an anytime AutoML search inside the time budget.

Optuna's TPE sampler (seeded, multivariate, with constraints) proposes a
model family and its hyperparameters; candidates are evaluated by k-fold
cross-validation on the training part (never the holdout), each in a worker
process (tinyc.passes.cv). Once there is a best candidate, a candidate clearly
behind it stops after a fold or two (pruned), and only a candidate that matches
or beats it is fitted on the whole training part, so that the best model so far
is always ready: when the deadline comes, running workers are stopped and the
search ends with what it has.

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

With ``cfg.shared`` (tinyc.passes.study) the study lives in a storage that `tinyc worker`
processes share: the deadline and the trial cap are the study's, the bar a batch must beat is the
best candidate any process has told, and the coordinator's leaderboard is every finished trial in
the storage (the winner trained again here when another process ran it).
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
import warnings
from dataclasses import replace
from typing import Callable

import numpy as np

from ..budget import TargetBudget, fits_all
from ..data.prepare import cv_folds
from ..metrics import GREATER_IS_BETTER, worst
from ..models import FAMILY_REGISTRY, Cost, Limits, Model, Problem
from ..spec.ir import Task
from . import selection
from . import study as shared_study
from .candidates import (BATCH, Candidate, NothingFits, SearchConfig, SearchResult, better, default_trials, propose,
                         trial_seed)
from .cv import Bar, evaluate_in_worker, fold_indices, init_worker, promotion_cut, stops_held

# the search's values live in tinyc.passes.candidates; the passes import them from here
__all__ = ["Candidate", "NothingFits", "SearchConfig", "SearchResult", "default_trials", "search", "too_big"]

# ---------------------------------------------------------------------------
# Driver side

def _pool(cfg: SearchConfig, X, y, problem, folds, groups=None, rankings=None, splits=None):
    # fork starts workers in milliseconds and shares the data copy-on-write; no thread
    # of ours runs at that point (the progress display starts after the pool)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    workers = cfg.workers or max(1, min(os.cpu_count() or 1, 8))
    if splits is None:
        splits = fold_indices(y, folds, cfg.seed, problem.task == Task.classification, groups)
    with stops_held():  # until each worker has its own handlers (cv.quiet_child)
        pool = ctx.Pool(workers, initializer=init_worker,
                        initargs=(X, y, problem, cfg.metric, folds, cfg.seed, cfg.targets, cfg.quant, groups,
                                  rankings, splits))
    return pool, workers


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


def layout(y: np.ndarray, problem: Problem, cfg: SearchConfig, groups: np.ndarray | None):
    """What every candidate of a search shares: the number of folds, the rows' groups (None when
    fewer than two), the families the task allows, and each fold's (train, validation) rows."""
    folds = cv_folds(y, problem.task == Task.classification)
    if groups is not None and len(np.unique(groups)) < 2:
        groups = None  # a single group: nothing to keep apart
    if groups is not None:  # every fold needs a group of its own
        folds = max(1, min(folds, len(np.unique(groups)))) if folds > 1 else 1
    families = [f for f in cfg.families if problem.task in FAMILY_REGISTRY[f].tasks]
    return folds, groups, families, fold_indices(y, folds, cfg.seed, problem.task == Task.classification, groups)


def _search(X: np.ndarray, y: np.ndarray, problem: Problem, cfg: SearchConfig,
            on_event: Callable[[dict], None] | None, groups: np.ndarray | None = None) -> SearchResult:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.monotonic()
    deadline = start + cfg.budget_s
    # until a first model exists, waiting may use most of the allowed overrun (5% or 2 s)
    grace = 0.8 * max(0.05 * cfg.budget_s, 2.0)
    emit = on_event or (lambda e: None)
    # the folds' rows, once: the teachers, the rankings and every worker's cross-validation use them
    folds, groups, families, splits = layout(y, problem, cfg, groups)
    shared = cfg.shared
    # a worker of a shared search proposes its own candidates while the history is short
    seed = cfg.seed if shared is None or shared.role != "worker" else (cfg.seed * 1_000_003 + os.getpid()) % 2 ** 31
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, n_startup_trials=10)
    direction = "maximize" if GREATER_IS_BETTER[cfg.metric] else "minimize"
    if shared is None:
        study = optuna.create_study(direction=direction, sampler=sampler)
    else:  # the study in the storage; the deadline is the study's, the same for every process
        study, _ = shared_study.open_study(shared.url, shared.study, direction, sampler)
        deadline = min(deadline, start + shared_study.seconds_left(shared))
        grace = 0.0 if shared.role == "worker" else grace
    limits = _limits(cfg, problem.task)
    if cfg.distill:  # the teachers' rows of every fold, once, before the workers fork (they inherit them)
        from ..models import distill

        t0 = time.monotonic()
        for tr in [tr for tr, _ in splits] + [np.arange(len(y))]:
            distill.synthetic(X[tr], y[tr], problem.task, cfg.seed)
        emit({"event": "teacher", "seconds": round(time.monotonic() - t0, 3), "sets": len(splits) + 1})
    rankings = None
    if cfg.select and any(selection.applies(f, problem.n_features) for f in families):
        t0 = time.monotonic()  # the columns ranked on each fold's training rows and on all, once
        rankings = selection.rankings(X, y, splits, problem.task, cfg.seed)
        emit({"event": "ranking", "seconds": round(time.monotonic() - t0, 3), "sets": len(splits) + 1})
    pool, workers = _pool(cfg, X, y, problem, folds, groups, rankings, splits)
    emit({"event": "start", "budget": cfg.budget_s, "workers": workers, "folds": folds, "families": families,
          "max_trials": cfg.max_trials})
    board: list[Candidate] = []
    history: list[tuple[float, float]] = []
    best: tuple[Candidate, Model] | None = None
    stopped_by = "trials"
    cap, went_on = cfg.max_trials, False
    beat = shared_study.heartbeat(study) if shared is not None else contextlib.nullcontext()
    try:
        with beat as hb:
            while True:
                while shared_study.tried(study, board, shared) < cap:
                    if time.monotonic() >= deadline:
                        stopped_by = "budget"
                        break
                    stopped_by, deadline, best = _batch(replace(cfg, max_trials=cap), study, board, history, pool,
                                                        problem, limits, families, rankings, start, deadline, grace,
                                                        hb, emit, best)
                    if stopped_by == "budget":
                        break
                if stopped_by == "budget" or not _go_on(cfg, best, y, problem, deadline):
                    break
                cap, went_on = cap + cfg.max_trials, True
                emit({"event": "go_on", "max_trials": cap,
                      "why": "the best so far is not clearly better than the trivial baseline"})
    finally:
        pool.terminate()
        pool.join()
    elapsed = time.monotonic() - start
    if shared is not None and shared.role == "worker":
        board = shared_study.stored(study)
    elif shared is not None:  # the coordinator: every process's candidates, once the last are told
        shared_study.settle(study)
        board, best = shared_study.gather(study, board, best, cfg, X, y, problem, families, limits, rankings)
    rule = stop_rule(stopped_by, cfg, cap, went_on)
    emit({"event": "end", "elapsed": round(elapsed, 3), "stopped_by": stopped_by, "tried": len(board), "rule": rule})
    if shared is not None and shared.role == "worker":
        return board
    if best is None:
        raise NothingFits(_nothing_fits_message(board, cfg), board, stopped_by, elapsed, folds)
    return SearchResult(best[1], best[0], board, history, stopped_by, elapsed, folds,
                        study=shared_study.summary(shared, board) if shared is not None else None, stop_rule=rule)


def _go_on(cfg: SearchConfig, best, y, problem, deadline: float) -> bool:
    """Whether the default trial cap, reached with most of the budget left, gives way: when the best
    fitting candidate so far is not clearly better than the trivial baseline (tinyc.quality)."""
    from .. import quality
    from .cheaper import noise

    if not cfg.default_cap or cfg.shared is not None or deadline - time.monotonic() < 0.5 * cfg.budget_s:
        return False
    if best is None:
        return True
    base = quality.score_on(problem.task, cfg.metric, y, problem.n_classes, cfg.seed)
    return quality.is_weak(cfg.metric, best[0].metric, base, noise(best[0]))


def stop_rule(stopped_by: str, cfg: SearchConfig, cap: int, went_on: bool) -> str:
    """Which rule ended the search, as the report says it ("stopped by ...")."""
    raised = (f"the {cfg.max_trials}-trial default, raised while its best was not clearly better than the trivial "
              f"baseline")
    if stopped_by == "budget":
        return f"its {cfg.budget_s:.3g} s budget" + (f" ({raised})" if went_on else "")
    if went_on:
        return f"the {cap}-trial cap ({raised}, until one was or half the budget was spent)"
    return (f"the {cap}-trial cap " + ("(the default for this budget: 100 a minute, at least 100)" if cfg.default_cap
                                       else "(the spec's `trials` or --trials)"))


def _batch(cfg: SearchConfig, study, board, history, pool, problem, limits, families, rankings, start, deadline,
           grace, hb, emit, best) -> tuple[str, float, tuple | None]:
    """One batch of candidates asked, evaluated in the pool and told: ("budget" when the deadline
    cut it, else "trials"; the deadline, which the best model's remaining work may bring forward;
    the best (candidate, model) so far)."""
    shared = cfg.shared
    if shared is not None:  # the trials whose process died are failed and queued again
        shared_study.fail_stale(study)
    # what this batch's candidates must beat: the best when the batch starts (not timing)
    greater = GREATER_IS_BETTER[cfg.metric]
    known = board if shared is None else shared_study.stored(study)
    leader = best[0] if best is not None else None
    if shared is not None:
        fitted = [c for c in known if c.status == "ok" and c.full_fit and c.fold_scores]
        for c in fitted:
            if leader is None or better(cfg.metric, c, leader):
                leader = c
    bar = Bar(leader.metric, tuple(leader.fold_scores), greater,
              promotion_cut([c.fold_scores[0] for c in known if c.fold_scores], greater)) \
        if cfg.prune and leader is not None and leader.fold_scores else None
    batch = []
    for _ in range(min(BATCH, cfg.max_trials - shared_study.tried(study, board, shared))):
        trial = study.ask()
        if shared is not None:
            hb.add(trial)
        family, params = propose(trial, families, problem, limits, cfg, rankings)
        if shared is not None:  # (once its parameters are all in the storage)
            shared_study.claim(trial)
        cand = Candidate(trial.number, family, params, "pending", seed=trial_seed(cfg.seed, trial.number))
        estimates = too_big(family, params, problem, cfg)
        if estimates is not None:
            cand.status, cand.costs = "too big", estimates
            batch.append((trial, cand, None))
        else:
            batch.append((trial, cand, pool.apply_async(evaluate_in_worker, (family, params, bar, cand.seed))))
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
                _tell(study, trial, cand, cfg)
                if hb is not None:
                    hb.done(trial)
                continue
            if result[0] == "failed":
                cand.status, cand.note = "failed", result[1]
            else:
                model = _record(cand, result[1], cfg)
                if cand.status == "ok" and model is not None and (
                        best is None or better(cfg.metric, cand, best[0])):
                    best = (cand, model)
                    if cfg.keep_for is not None:
                        deadline = min(deadline, cfg.finish_by - cfg.keep_for(model, cand.columns))
        cand.finished_at = time.monotonic() - start
        board.append(cand)
        _tell(study, trial, cand, cfg)
        if hb is not None:
            hb.done(trial)
        if best is not None:
            history.append((cand.finished_at, best[0].metric))
        emit({"event": "trial", "trial": cand.trial, "family": cand.family, "status": cand.status,
              "metric": cand.metric, "flash": cand.flash if cand.costs else None,
              "best_metric": best[0].metric if best else None, "best_flash": best[0].flash if best else None,
              "elapsed": round(cand.finished_at, 3), "time_left": round(max(0.0, deadline - time.monotonic()), 3),
              "tried": len(board)})
    return ("budget" if cut else "trials"), deadline, best


def _record(cand: Candidate, ev, cfg: SearchConfig) -> Model | None:
    """Fill ``cand`` from its evaluation (tinyc.passes.cv.Evaluation); the model trained on every
    row, when it was."""
    cand.metric, cand.costs, cand.seconds = ev.metric, ev.costs, ev.seconds
    cand.fold_scores, cand.partial, cand.full_fit, cand.columns = ev.fold_scores, ev.partial, ev.full_fit, ev.columns
    cand.fits = fits_all(cand.costs, cfg.targets)
    if ev.pruned:
        cand.status = "pruned"
        cand.note = f"stopped after {ev.folds} fold{'s' if ev.folds > 1 else ''}: clearly behind the best"
    else:
        cand.status = "ok" if cand.fits else "too big"
    return ev.model


def _charged(t: TargetBudget, cost: Cost | None, family: str, task: Task, quant: str) -> Cost | None:
    return None if cost is None else t.charge(cost, family, task, quant)


def too_big(family: str, params: dict, problem: Problem, cfg: SearchConfig) -> dict[str, Cost] | None:
    """The estimates per target of a candidate whose size follows from its hyperparameters, when
    they show it cannot fit every target (so it need not be trained); else None."""
    problem = selection.narrowed(problem, params)
    estimates = {t.name: _charged(t, FAMILY_REGISTRY[family].estimate(params, problem, t.caps, cfg.quant), family,
                                  problem.task, cfg.quant) for t in cfg.targets}
    known = all(e is not None for e in estimates.values())
    return estimates if known and not fits_all(estimates, cfg.targets) else None


def _tell(study, trial, cand: Candidate, cfg: SearchConfig) -> None:
    import optuna

    try:
        _told(study, trial, cand, cfg)
    except optuna.exceptions.UpdateFinishedTrialError:
        # a shared study: another process took this one for dead (its heartbeat late: a machine
        # overloaded or suspended) and failed the trial; its retry, same parameters, is the study's
        cand.note = (cand.note + "; " if cand.note else "") + "failed by another process as stale, retried there"


def _told(study, trial, cand: Candidate, cfg: SearchConfig) -> None:
    import optuna

    if cfg.shared is not None:  # the candidate, for every process's leaderboard
        trial.set_user_attr("candidate", {**cand.row(), "fold_scores": cand.fold_scores, "columns": cand.columns})
    if cand.status == "failed" or not cand.costs:
        study.tell(trial, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
        return
    _set_constraints(trial, cand.costs, cfg)
    if cand.status == "pruned":  # the sampler ranks it by its last fold's running mean
        for step in range(1, len(cand.fold_scores) + 1):
            trial.report(float(np.mean(cand.fold_scores[:step])), step)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED, skip_if_finished=True)
        return
    value = cand.metric if cand.metric is not None else worst(cfg.metric)
    if not np.isfinite(value):
        value = -1e9 if GREATER_IS_BETTER[cfg.metric] else 1e9
    study.tell(trial, value, skip_if_finished=True)


def _nothing_fits_message(board: list[Candidate], cfg: SearchConfig) -> str:
    costed = [c for c in board if c.costs]
    if not costed:
        reasons = sorted({c.status + (f" ({c.note})" if c.note else "") for c in board})
        return f"no candidate could be evaluated in the budget ({len(board)} tried: {'; '.join(reasons) or 'none'})"
    smallest = min(costed, key=lambda c: max(t.flash_share(c.costs[t.name]) for t in cfg.targets))
    parts = [t.describe(smallest.costs[t.name]) for t in cfg.targets]
    return (f"no model fits every target; the smallest found ({smallest.family}) "
            + "; ".join(parts) + f" — after {len(board)} candidates")
