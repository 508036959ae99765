"""Among candidates the cross-validation cannot tell apart, the cheapest to run.

The search ranks candidates by their cross-validated metric, but a difference smaller than the
metric's noise is no evidence that one model is better: an MLP that scores 0.005 above a tree on
five folds whose scores spread by 0.03 is as good as the tree, and may run 50 times its
instructions. After the search and the growth pass, every candidate that fits every target and
whose metric is within one standard error of the best's (the standard deviation of the best's
fold scores over the square root of the number of folds) is a tie; among ties tinyc takes the one
with the fewest instructions per inference (the largest over the targets), then the least flash,
then the best metric, when it saves a quarter of the best's instructions at least (a signal
model's front end may dwarf the model: 0.4% fewer instructions is no reason to give up the best
metric). The report says which candidate it preferred over which, and why.

With a single validation split (tiny data) there is no spread to measure and nothing changes.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..metrics import GREATER_IS_BETTER
from .candidates import Candidate, SearchResult, trained

SPREAD = 1.0  # standard errors of the best's cross-validated metric that make a tie
SAVING = 0.75  # a tie is preferred when it runs at most this share of the best's instructions


def noise(best: Candidate) -> float:
    """One standard error of ``best``'s cross-validated metric (0 with fewer than two folds)."""
    scores = [s for s in best.fold_scores if math.isfinite(s)]
    if len(scores) < 2:
        return 0.0
    return SPREAD * float(np.std(scores, ddof=1)) / math.sqrt(len(scores))


def instructions(c: Candidate) -> int:
    return max((cost.instructions for cost in c.costs.values()), default=0)


def ties(res: SearchResult, cfg) -> list[Candidate]:
    """The candidates within the best's noise that fit every target and can be trained again as
    they were costed (on every training row, or reading every column)."""
    best, greater = res.best_candidate, GREATER_IS_BETTER[cfg.metric]
    if best.metric is None:
        return []
    margin = noise(best)
    out = [best]
    for c in res.leaderboard:
        if c.trial == best.trial and c.params == best.params or c.status != "ok" or c.metric is None or \
                not c.fits or not (c.full_fit or "inputs" not in c.params):
            continue
        behind = (best.metric - c.metric) if greater else (c.metric - best.metric)
        if behind <= margin + 1e-12:
            out.append(c)
    return out


def prefer(res: SearchResult, X, y, problem, cfg, emit=None) -> SearchResult:
    """``res`` with the cheapest of the ties as its best (trained again on every training row
    with its seed) and ``res.preferred`` saying why; ``res`` unchanged when the best is cheapest."""
    best = res.best_candidate
    tied = ties(res, cfg)
    greater = GREATER_IS_BETTER[cfg.metric]
    for c in sorted(tied, key=lambda c: (instructions(c), c.flash, -c.metric if greater else c.metric, c.trial)):
        if c is best or instructions(c) > SAVING * instructions(best):
            return res  # the best is (one of) the cheapest, or none saves enough
        try:
            model = trained(c.family, c.params, X, y, problem, c.seed, c.columns)
        except Exception:  # (it trained once; a failure now only means keeping the best)
            continue
        why = {"trial": c.trial, "family": c.family, "metric": c.metric, "instructions": instructions(c),
               "flash": c.flash, "over_trial": best.trial, "over_family": best.family, "over_metric": best.metric,
               "over_instructions": instructions(best), "over_flash": best.flash, "noise": noise(best),
               "ties": len(tied)}
        if emit:
            emit({"event": "prefer", **why})
        return replace(res, best=model, best_candidate=c, preferred=why)
    return res

