"""Cross-validation of a candidate against the best so far (tinyc.passes.cv): a candidate clearly
behind stops after a fold, only one that can win is trained on every row, and a search with
pruning finds as good a model with much less training."""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split

from tinyc.budget import TargetBudget
from tinyc.models import Problem
from tinyc.passes.cv import Bar, evaluate
from tinyc.passes.search import SearchConfig, search
from tinyc.spec.ir import Metric, Task
from tinyc_backends.cortex_m4 import CortexM4Backend

M4 = TargetBudget("cortex-m4", CortexM4Backend.caps, 8 * 1024, 4 * 1024)


def digits():
    d = datasets.load_digits()
    X, _, y, _ = train_test_split(d.data, d.target, test_size=0.2, random_state=0, stratify=d.target)
    return X, y, Problem(Task.classification, X.shape[1], 10)


def run(family, params, bar=None):
    X, y, problem = digits()
    return evaluate(family, params, X, y, problem, Metric.accuracy, 5, 0, (M4,), "int8", bar=bar)


STUMP = {"max_depth": 1, "min_samples_leaf": 1, "max_leaves": 2}
LINEAR = {"c": 1.0}


def test_without_a_bar_every_fold_runs_and_the_model_is_trained_on_every_row():
    ev = run("linear", LINEAR)
    assert ev.folds == 5 and len(ev.fold_scores) == 5 and not ev.pruned and ev.full_fit
    assert ev.model is not None and ev.metric > 0.9  # logistic regression on digits: ~0.96
    assert abs(ev.metric - np.mean(ev.fold_scores)) < 0.01  # equal folds: the metric is the folds' mean


def test_a_candidate_clearly_behind_the_best_stops_after_one_fold():
    best = run("linear", LINEAR)
    bar = Bar(best.metric, tuple(best.fold_scores), True)
    stump = run("tree", STUMP, bar)  # a 2-leaf tree on 10 classes: ~0.2
    assert stump.pruned and stump.folds == 1 and stump.metric is None and stump.model is None
    assert stump.partial < 0.3 and stump.costs["cortex-m4"].flash > 0  # costed on its fold's model
    full = run("tree", STUMP)
    assert full.fold_scores[0] == stump.fold_scores[0]  # the same first fold, scored the same


def test_a_candidate_behind_but_not_clearly_runs_every_fold_and_is_not_trained_on_every_row():
    best = run("linear", LINEAR)
    # a bar a hair above what this candidate reaches: close on every fold, so no pruning, but it cannot win
    near = Bar(best.metric + 1e-3, tuple(s + 1e-3 for s in best.fold_scores), True)
    ev = run("linear", LINEAR, near)
    assert not ev.pruned and ev.folds == 5 and ev.metric == best.metric
    assert ev.model is None and not ev.full_fit and ev.costs["cortex-m4"].flash == best.costs["cortex-m4"].flash
    # a bar it matches: trained on every row, the same model as without a bar
    tie = run("linear", LINEAR, Bar(best.metric, tuple(best.fold_scores), True))
    assert tie.full_fit and np.array_equal(tie.model.arrays["W0"], best.model.arrays["W0"])


def test_lower_is_better_metrics_prune_the_other_way():
    bar = Bar(10.0, (9.0, 10.0, 11.0), False)  # rmse: the best's folds 9..11
    assert bar.behind([15.0]) and not bar.behind([9.5]) and not bar.behind([15.0, 5.0, 5.0])


@pytest.mark.slow  # (35 s: two 32-candidate searches; `make test-slow`)
def test_a_search_with_pruning_trains_far_less_and_chooses_as_well():
    X, y, problem = digits()
    cfg = SearchConfig(metric=Metric.accuracy, budget_s=120.0, seed=0, quant="int8",
                       families=("linear", "tree", "forest", "gbt", "mlp", "centroid"), fixed={},
                       targets=(M4,), max_trials=32)
    on = search(X, y, problem, cfg)
    off = search(X, y, problem, SearchConfig(**{**cfg.__dict__, "prune": False}))
    fits_on = sum(len(c.fold_scores) + c.full_fit for c in on.leaderboard if c.fold_scores)
    fits_off = sum(len(c.fold_scores) + c.full_fit for c in off.leaderboard if c.fold_scores)
    pruned = [c for c in on.leaderboard if c.status == "pruned"]
    assert pruned and all(c.metric is None and c.partial is not None for c in pruned)
    assert not any(c.status == "pruned" for c in off.leaderboard)
    assert fits_on < 0.7 * fits_off, (fits_on, fits_off)  # measured: 0.5 of the model fits
    assert on.best_candidate.metric >= off.best_candidate.metric - 0.01
    assert on.best_candidate.full_fit and on.best_candidate.fits


def test_the_first_rung_promotes_the_best_third_of_first_fold_scores():
    from tinyc.passes.cv import promotion_cut

    scores = [0.5, 0.6, 0.7, 0.8, 0.9, 0.91, 0.92, 0.93, 0.94]
    assert promotion_cut(scores[:8], True) is None  # too few to rank
    cut = promotion_cut(scores, True)
    assert cut == 0.91 and sum(s >= cut for s in scores) == 4  # the best third (and ties) go on
    assert promotion_cut([10 * s for s in scores], False) == 8.0  # rmse: the lowest third (4 of 9 go on)
    bar = Bar(0.94, (0.92, 0.99, 0.85, 0.99, 0.95), True, cut)  # (a wide spread: the rung decides)
    assert bar.behind([0.90]) and not bar.behind([0.91]) and not bar.behind([0.93])
    assert not bar.behind([0.90, 0.97])  # the rung is the first fold only; later, the best's spread rules
