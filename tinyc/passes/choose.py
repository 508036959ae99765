"""The model-choosing pass of classification and regression: the search (tinyc.passes.search)
in the time the budget leaves after loading, the growth of its best candidates into the room the
targets leave (tinyc.passes.grow), then, beside a signal front end, the pruning of
front-end work that does not pay for itself and of features no tree splits on. (Task anomaly
chooses its model in the detection pass, tinyc.passes.anomaly.)"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..models import FAMILY_REGISTRY, Problem
from ..spec.ir import Task
from .context import BuildContext, Prepared, Searched
from .cheaper import prefer
from .grow import grow
from .sample import WRITE_SMALL, evaluation_seconds, link_allowance, search_budget, small_search_budget
from .search import NothingFits, SearchConfig, SearchResult, search


SEARCH_SHARE = 0.8  # of the search's time when the growth pass follows


def run(ctx: BuildContext, prep: Prepared) -> Searched:
    ds, cfg = prep.ds, prep.config
    problem = Problem(ctx.spec.task.value, len(ds.feature_names), ds.n_classes, ctx.seed)
    y = ds.y_train if ctx.spec.task.value == Task.classification else ds.y_train.astype(np.float64)
    if ctx.recipe is not None:  # a rebuild (tinyc.passes.replay): the recipe's model, no search, no growth
        from .replay import result

        res = result(ctx.recipe, ds, y, problem, cfg, ds.groups_train)
        ds, problem, read, unread = _selected(res, ds, problem)
        return _front_end(ctx, prep, res, ds, read, unread, None)
    budgeted = _budgeted(ctx, prep)
    if ctx.storage is not None:  # the search shared with workers through the storage
        from .study import coordinate

        budgeted = replace(budgeted, shared=coordinate(ctx, budgeted.budget_s))
    deadline = time.monotonic() + budgeted.budget_s
    # growing the best candidates gets a share of the time when the search would use it all
    share = replace(budgeted, budget_s=budgeted.budget_s * SEARCH_SHARE) if budgeted.grow else budgeted
    try:
        res = search(ds.X_train, y, problem, share, ctx.progress, ds.groups_train)
    except NothingFits as e:
        res = first_choice(e, cfg, ds.X_train, y, problem)
    searched, every = ds, problem  # (the columns of the leaderboard's candidates are these rows')
    selected = res.best_candidate.columns
    ds, problem, read, unread = _selected(res, ds, problem)
    if budgeted.keep_for is not None:  # large data: the grown model's refit and evaluation must fit too
        deadline = min(deadline, budgeted.finish_by - budgeted.keep_for(res.best, selected))
    deadline -= qat_reserve(res, budgeted)
    res = grow(res, ds.X_train, y, problem, budgeted, deadline, ctx.progress, ds.groups_train)
    cheapest = prefer(res, searched.X_train, y, every, cfg, ctx.progress)  # among ties, the fewest instructions
    if cheapest is not res:
        res = cheapest
        ds, problem, read, unread = _selected(res, searched, every)
    return _front_end(ctx, prep, res, ds, read, unread, finish_by)


def _selected(res: SearchResult, ds, problem: Problem):
    """The rows and problem on the columns the chosen candidate reads (feature selection), with
    the names it reads (None: every feature) and those it leaves out."""
    selected = res.best_candidate.columns
    if selected is None:
        return ds, problem, None, ()
    unread = tuple(n for j, n in enumerate(ds.feature_names) if j not in set(selected))
    read = tuple(ds.feature_names[j] for j in selected)
    return ds.select(selected), replace(problem, n_features=len(selected)), read, unread


def _front_end(ctx: BuildContext, prep: Prepared, res: SearchResult, ds, read, unread, finish) -> Searched:
    """Beside a signal front end, its work that does not pay for itself pruned, and features no
    tree splits on dropped. ``finish``: finish_by, or None (a rebuild: no clock)."""
    if prep.frontend is None:
        return Searched(prep, res, ds, unread, (), finish and finish(ctx, prep, res, ds), unread, read)
    from .frontend import drop_unsplit_features, prune_blocks

    res, ds, blocks = prune_blocks(res, ds, prep.frontend, prep.config, ctx.metric, ctx.spec.quantize_tolerance.value,
                                   on_step=lambda st: ctx.emit("block", **st))
    unused = [f for b in blocks for f in b["features"]]
    res, ds, unsplit = drop_unsplit_features(res, ds)
    return Searched(prep, res, ds, unread + tuple(unused + unsplit), tuple(blocks),
                    finish and finish(ctx, prep, res, ds), unread, read)


def finish_by(ctx: BuildContext, prep: Prepared, res: SearchResult, ds) -> float:
    """When the quantization pass (its MLP fine-tuning) must be done for the build to end in its
    budget: before the time to evaluate and write the output (on large data: to evaluate the
    chosen model on every row, on ``ds``'s features)."""
    end = ctx.started + prep.config.budget_s
    if prep.sample is None:
        return end - WRITE_SMALL
    return end - evaluation_seconds(res.best, prep.every_row(ds))


def qat_reserve(res: SearchResult, cfg: SearchConfig) -> float:
    """Seconds the search leaves for the quantization pass to fine-tune an MLP (tinyc.quant.qat):
    the best candidate's time per fit (a proxy for an epoch budget of the same rows) for each of
    QAT's folds and its final fit, at most a quarter of the search's time."""
    from .quantize import QAT_FOLDS

    if not cfg.qat or res.best.family != "mlp":
        return 0.0
    per_fit = res.best_candidate.seconds / (max(len(res.best_candidate.fold_scores), 1) + 1)
    return min(per_fit * (QAT_FOLDS + 1), 0.25 * cfg.budget_s)


def _budgeted(ctx: BuildContext, prep: Prepared) -> SearchConfig:
    """The budget is the whole build's: the search gets what loading left less the time to write
    the output (and, on large data, to refit and evaluate the chosen model); linking is the
    allowance beyond."""
    cfg, full = prep.config, prep.full
    spent = time.monotonic() - ctx.started
    if prep.sample:
        out = replace(cfg, budget_s=search_budget(cfg.budget_s, spent, len(full.y_train) + len(full.y_holdout)),
                      finish_by=ctx.started + cfg.budget_s,
                      keep_for=lambda m, columns=None: evaluation_seconds(m, full, columns),
                      distill=False)  # (a teacher's rows add little to 10,000 real ones, and cost a refit's time)
    else:
        out = replace(cfg, budget_s=small_search_budget(cfg.budget_s, spent))
    ctx.emit("budget", budget=cfg.budget_s, loading=round(spent, 3), search=round(out.budget_s, 3),
             link_allowance=round(link_allowance(cfg.targets), 3))
    return out


def first_choice(e: NothingFits, cfg: SearchConfig, X, y, problem: Problem) -> SearchResult:
    """When no candidate fits, the one closest to fitting, trained on all training rows,
    is handed to the memory-fitting pass."""
    cand = e.closest(cfg.targets)
    if cand is None:
        raise e
    cand = replace(cand, params={k: v for k, v in cand.params.items() if k != "inputs"}, columns=None)
    try:  # (on every column: the ranking a narrower candidate read is the search's)
        model = FAMILY_REGISTRY[cand.family].fit(cand.params, X, y, problem, cand.seed)
    except Exception:
        raise e from None
    return SearchResult(model, cand, e.board, [], e.stopped_by, e.elapsed, e.folds)
