"""The growth pass: use the room the targets leave.

The search samples sizes at random, so its best candidates often use a fraction of the flash
they are given where a larger model of the same kind would validate better. For the best
fitting candidate of each of the leading families, this pass tries the family's growth steps
(Family.grow_steps: wider or deeper MLPs, more or deeper trees), each costed before training and
cross-validated exactly as the search does (same folds, same seed, the training rows only),
and keeps the best step while it still fits every target and its cross-validated metric
improves; then grows from there. The best model it reaches replaces the search's when it
validates better. Every accepted step is recorded (the report's growth path: flash and metric).

The order of work is fixed and the candidates it evaluates are bounded in number (a quarter of the
search's trial cap), so a build that ends by trials grows the same way on every machine; the
build's deadline still stops it.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace
from functools import cmp_to_key

from ..budget import fits_all
from ..models import FAMILY_REGISTRY, Problem
from .cv import evaluate_in_worker
from .candidates import better
from .search import Candidate, SearchConfig, SearchResult, _limits, _pool, too_big

SEEDS = 3  # leading families grown, each from its best fitting candidate
MAX_STEPS = 6  # accepted steps per family


def allowance(cfg: SearchConfig) -> int:
    """Candidates the growth pass may evaluate: a quarter of the search's trial cap (at least 2)."""
    return max(2, cfg.max_trials // 4)


def _leaders(res: SearchResult, cfg: SearchConfig) -> list[Candidate]:
    """The best fitting candidate of each family, best first (ties: smaller flash), at most SEEDS."""
    best: dict[str, Candidate] = {}
    for c in sorted(res.leaderboard, key=lambda c: c.trial):
        if c.status == "ok" and c.fits and c.metric is not None and (
                c.family not in best or better(cfg.metric, c, best[c.family])):
            best[c.family] = c
    order = cmp_to_key(lambda a, b: -1 if better(cfg.metric, a, b) else 1 if better(cfg.metric, b, a) else 0)
    return sorted(best.values(), key=order)[:SEEDS]


def grow(res: SearchResult, X, y, problem: Problem, cfg: SearchConfig, deadline: float,
         on_event=None, groups=None) -> SearchResult:
    """``res`` with its best replaced by the best grown candidate when that validates better, and
    ``growth`` the accepted steps."""
    leaders = _leaders(res, cfg) if cfg.grow else []
    if not leaders or time.monotonic() >= deadline:
        return res
    emit = on_event or (lambda e: None)
    limits = _limits(cfg, problem.task)
    pool, _ = _pool(cfg, X, y, problem, res.folds, groups)
    best_cand, best_model = res.best_candidate, res.best
    path: list[dict] = []
    left = [allowance(cfg)]
    try:
        for leader in leaders:
            current = leader
            for _ in range(MAX_STEPS):
                step = _step(pool, current, problem, limits, cfg, deadline, left)
                if step is None:
                    break
                desc, cand, model = step
                path.append({"family": cand.family, "step": desc, "params": cand.params, "metric": cand.metric,
                             "flash": cand.flash, "from_trial": leader.trial, "from_metric": leader.metric,
                             "from_flash": leader.flash})
                emit({"event": "grow", "family": cand.family, "step": desc, "metric": cand.metric, "flash": cand.flash})
                current = cand
                if better(cfg.metric, cand, best_cand):
                    best_cand, best_model = cand, model
    finally:
        pool.terminate()
        pool.join()
    return replace(res, best=best_model, best_candidate=best_cand, growth=path)


def _step(pool, current: Candidate, problem: Problem, limits, cfg: SearchConfig, deadline: float, left: list[int]):
    """The best of ``current``'s growth steps that fits and validates better, or None; ``left[0]``
    is how many more candidates may be evaluated."""
    fam = FAMILY_REGISTRY[current.family]
    jobs = []
    for desc, params in fam.grow_steps(current.params, problem, limits, cfg.fixed.get(current.family, {})):
        if too_big(current.family, params, problem, cfg) is not None:
            continue  # too big before training
        if left[0] <= 0:
            break
        left[0] -= 1
        jobs.append((desc, params, pool.apply_async(evaluate_in_worker, (current.family, params, None, current.seed))))
    chosen = None
    for desc, params, job in jobs:
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise multiprocessing.TimeoutError
            result = job.get(timeout=remaining)
        except multiprocessing.TimeoutError:
            return None
        if result[0] != "ok":
            continue
        ev = result[1]
        model = ev.model
        cand = Candidate(current.trial, current.family, params, "grown", ev.metric, ev.costs,
                         fits_all(ev.costs, cfg.targets), ev.seconds, fold_scores=ev.fold_scores, seed=current.seed)
        if cand.fits and better(cfg.metric, cand, current) and abs(cand.metric - current.metric) > 1e-9 and (
                chosen is None or better(cfg.metric, cand, chosen[1])):
            chosen = (desc, cand, model)
    return chosen
