"""The budget's split over a build, and large data: model selection on a sample, the final fit
on every training row.

The budget is the whole build's wall time: the search gets what loading left, less the time
writing the output takes (small_search_budget); linking the libraries is an allowance beyond it
(link_allowance).

Cross-validating every candidate on a million rows would leave the search a handful of trials
in its budget. Above ``SEARCH_ROWS`` training rows the search, the quantization choice and the
memory-fitting pass work on a sample of that many training rows (stratified by class,
deterministic under the seed); the chosen model is then refitted on every training row, and
the holdout is scored on all its rows. The search then also leaves a fifth of the budget for the
final fit, which gets what the search left it less the chosen model's evaluation (timed on 2,000
rows); a final fit that does not finish in what is left keeps the sample's model (the report
says which).
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, replace

import numpy as np

from ..data.prepare import Dataset
from ..models import FAMILY_REGISTRY, Problem
from ..spec.ir import Task
from .fit import FitResult, _state
from .cv import quiet_child, stops_held

SEARCH_ROWS = 10_000  # (models.mlp.EPOCH_ROWS keeps an MLP's final fit as long as one on this many)


@dataclass(frozen=True)
class Sample:
    ds: Dataset  # the sampled training rows, the holdout rows unchanged
    rows: int
    of: int


def search_sample(ds: Dataset, seed: int, limit: int = SEARCH_ROWS) -> Sample | None:
    """A sample of ``limit`` training rows when there are more, else None."""
    n = len(ds.y_train)
    if n <= limit:
        return None
    idx = rows_of(ds, limit, seed)
    groups = ds.groups_train[idx] if ds.groups_train is not None else None
    return Sample(replace(ds, X_train=np.ascontiguousarray(ds.X_train[idx]), y_train=ds.y_train[idx],
                          groups_train=groups), limit, n)


def rows_of(ds: Dataset, k: int, seed: int) -> np.ndarray:
    """``k`` training row indices, sorted: stratified by class for classification (every class
    keeps its share, and at least two rows where it has them)."""
    n = len(ds.y_train)
    rng = np.random.default_rng(seed)
    if ds.task != Task.classification:
        return np.sort(rng.choice(n, size=k, replace=False))
    picked = []
    classes, counts = np.unique(ds.y_train, return_counts=True)
    quota = np.maximum(np.minimum(counts, 2), np.floor(counts * k / n).astype(int))
    while quota.sum() > k:  # the two rows kept of a rare class come out of the largest share
        quota[np.argmax(quota)] -= 1
    for c, q in zip(classes, quota):
        members = np.flatnonzero(ds.y_train == c)
        picked.append(rng.choice(members, size=min(int(q), len(members)), replace=False))
    chosen = np.concatenate(picked)
    if len(chosen) < k:  # the shares' rounding: the rest drawn from the rows not chosen yet
        rest = np.setdiff1d(np.arange(n), chosen)
        chosen = np.concatenate([chosen, rng.choice(rest, size=k - len(chosen), replace=False)])
    return np.sort(chosen)


def write_seconds(rows: int) -> float:
    """Time to write a build of ``rows`` training and holdout rows with a quick model (a million
    rows, an MLP: 5.5 s measured, most of it holdout.csv and the metrics)."""
    return 2.0 + 4.0 * rows / 1e6


def evaluation_seconds(model, ds: Dataset, columns=None) -> float:
    """Time the report's evaluation of ``model`` will take on ``ds`` (every holdout row, a sample
    of training rows, the permutation importance), from a timed pass over 2,000 rows, plus the
    rest of the output (write_seconds)."""
    from .evaluate import IMPORTANCE_ROWS, TRAIN_ROWS

    columns = list(range(ds.X_train.shape[1])) if columns is None else list(columns)
    X = ds.X_holdout[:2000] if len(ds.X_holdout) >= 2000 else ds.X_train[:2000]
    t0 = time.perf_counter()
    model.outputs(X[:, columns])
    per_row = (time.perf_counter() - t0) / max(len(X), 1)
    n_features = len(columns)
    passes = (len(ds.y_holdout) + min(TRAIN_ROWS, len(ds.y_train))
              + min(IMPORTANCE_ROWS, len(ds.y_holdout)) * (n_features + 1))
    return write_seconds(len(ds.y_train) + len(ds.y_holdout)) + per_row * passes


WRITE_SMALL = 1.0  # evaluating and writing a build of a few thousand rows, linking aside (measured: 0.5-1 s)
LINK_SECONDS = 0.8  # linking and measuring one Arm target's library (the allowance outside the budget)


def small_search_budget(budget_s: float, spent_s: float) -> float:
    """The search's share of a build's budget (the whole build's time): what loading left, less
    WRITE_SMALL; linking the libraries is the allowance beyond it (link_allowance)."""
    return max(min(budget_s, 1.0), budget_s - spent_s - WRITE_SMALL)


def link_allowance(targets) -> float:
    """Seconds linking adds beyond the budget: LINK_SECONDS per target with a cross toolchain and
    the predict tool."""
    from .. import targets as registry

    linked = sum(1 for t in targets if registry.get(t.name).toolchain is not None)
    return LINK_SECONDS * (linked + 1)


def search_budget(budget_s: float, spent_s: float, rows: int) -> float:
    """The search's share of a sampled build's budget: what loading left, less the time to write
    the output of ``rows`` rows and a fifth of the budget (at least 3 s) for the final fit and
    the evaluation of a slow model (a gbt of 700 trees takes 50 µs a row)."""
    return max(1.0, budget_s - spent_s - write_seconds(rows) - max(3.0, 0.2 * budget_s))


def refit_on_all_rows(fit: FitResult, full: Dataset, sampled: Dataset, mode: str, targets, metric, seed: int,
                      deadline: float, build_seed: int | None = None) -> tuple[FitResult, dict]:
    """The chosen model (``fit``: params and columns decided on the training rows of ``sampled``,
    trained with ``seed``) trained again on every training row of ``full`` (the same features), in
    a child process given the time to ``deadline`` (time.monotonic; infinity: no limit) less the
    output's; its integer form calibrated on the sample. Keeps the sample's model when the fit does
    not finish in that time (the record's ``final_fit_cut``) or the refitted model no longer fits
    a target. Returns the fit and the report's record. ``build_seed``: the distillation teacher's."""
    n_all, n_sample = len(full.y_train), len(sampled.y_train)
    record = {"search_rows": n_sample, "training_rows": n_all, "final_fit_rows": n_sample}
    family = fit.float_model.family
    t0 = time.monotonic()
    problem = Problem(full.task, len(fit.columns), full.n_classes, seed if build_seed is None else build_seed)
    every = list(fit.columns) == list(range(full.X_train.shape[1]))
    X = full.X_train if every else full.X_train[:, fit.columns]  # (no copy of a million rows when all are kept)
    model = fit_in_time(family, fit.params, X, full.y_train, problem, seed,
                        deadline - t0 - evaluation_seconds(fit.model, full, fit.columns))  # (the output's time in it)
    record["final_fit_seconds"] = round(time.monotonic() - t0, 3)
    if model is None:
        record["final_fit_note"] = (f"the fit on all {n_all} training rows did not finish in the budget; the model "
                                    f"is the one fitted on the {n_sample}-row sample (a larger budget refits it)")
        return fit, {**record, "final_fit_cut": True}
    st = _state(family, fit.params, fit.columns, model, mode, sampled, targets, metric)
    if st.excess(targets) > 1.0:
        record["final_fit_note"] = "refitted on all rows the model no longer fitted a target; the sample's is kept"
        return fit, record
    record["final_fit_rows"] = n_all
    return replace(fit, model=st.emitted, float_model=model, costs=st.costs), record


def fit_in_time(family: str, params: dict, X: np.ndarray, y: np.ndarray, problem: Problem, seed: int,
                seconds: float):
    """The family's fit in a child process (forked: the rows are shared, not copied), stopped
    after ``seconds``; None when it did not finish (or could not run)."""
    if seconds <= 0:
        return None
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_fit_child, args=(send, family, params, X, y, problem, seed), daemon=True)
    with stops_held():  # until the child has its own handlers (cv.quiet_child)
        child.start()
    send.close()
    try:
        return receive.recv() if receive.poll(None if seconds == float("inf") else seconds) else None
    except EOFError:  # the child died (out of memory, a crash in the library)
        return None
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()


def _fit_child(send, family, params, X, y, problem, seed) -> None:
    quiet_child()
    send.send(FAMILY_REGISTRY[family].fit(params, X, y, problem, seed))
    send.close()


def run(ctx, fitted):
    """The refit pass, on large data: the fitted model trained again on every training row in the
    time the budget leaves (:func:`refit_on_all_rows`); the report records what happened."""
    searched = fitted.quantized.searched
    prep, ds = searched.prepared, searched.ds
    if prep.sample is None:
        return fitted
    deadline = ctx.started + prep.config.budget_s
    if ctx.recipe is not None:  # a rebuild (tinyc.passes.replay): no clock, but the rebuilt build's cut
        deadline = float("-inf") if ctx.recipe.final_fit_cut else float("inf")
    fit, record = refit_on_all_rows(fitted.fit, prep.every_row(ds), ds, fitted.quantized.choice.mode, prep.config.targets,
                                    ctx.metric, searched.result.best_candidate.seed, deadline, build_seed=ctx.seed)
    return replace(fitted, fit=fit, sample_record=record)
