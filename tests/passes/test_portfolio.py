"""The search's start portfolio (tinyc.passes.portfolio): its first candidates are sized to the
declared limits, within the spec's rules, and they use the room a random start leaves."""
import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split

from tinyc.budget import TargetBudget
from tinyc.models import Problem
from tinyc.passes.portfolio import starts
from tinyc.passes.search import SearchConfig, _limits, search, too_big
from tinyc.spec.ir import Metric, Task
from tinyc_backends.cortex_m4 import CortexM4Backend

ALL = ("linear", "tree", "forest", "gbt", "mlp", "centroid")


def digits():
    d = datasets.load_digits()
    X, _, y, _ = train_test_split(d.data, d.target, test_size=0.2, random_state=0, stratify=d.target)
    return X, y, Problem(Task.classification, X.shape[1], 10)


def config(flash=4096, **kw):
    m4 = TargetBudget("cortex-m4", CortexM4Backend.caps, flash, 4096)
    return SearchConfig(**{**dict(metric=Metric.accuracy, budget_s=120.0, seed=0, quant="int8", families=ALL,
                                  fixed={}, targets=(m4,), max_trials=12, portfolio=True), **kw})


def portfolio(cfg, problem):
    return starts(cfg.families, problem, _limits(cfg, problem.task), cfg.fixed,
                  lambda f, p: too_big(f, p, problem, cfg) is None)


def test_the_first_mlps_are_the_widest_that_fit():
    _, _, problem = digits()
    for flash in (2048, 4096, 8192):
        cfg = config(flash)
        mlps = [p for p in portfolio(cfg, problem) if p["family"] == "mlp"]
        assert [p["mlp.layers"] for p in mlps] == [1, 2]
        for p in mlps:
            params = {k.split(".")[1]: v for k, v in p.items() if k != "family"}
            assert too_big("mlp", params, problem, cfg) is None
            wider = {**params, "hidden": params["hidden"] + 1}
            assert params["hidden"] == 64 or too_big("mlp", wider, problem, cfg) is not None, (flash, params)
    one_layer = {f: [p["mlp.hidden"] for p in portfolio(config(f), problem) if p["family"] == "mlp"][0]
                 for f in (2048, 8192)}
    assert one_layer[8192] > 2 * one_layer[2048]  # sized to the limit (measured: 6 and 27 wide)


def test_the_spec_rules_bound_the_portfolio():
    _, _, problem = digits()
    cfg = config(fixed={"mlp": {"hidden": ("range", 2, 8), "layers": ("fixed", 1)},
                        "forest": {"n_estimators": ("choice", [3, 5])}, "centroid": {"kind": ("fixed", "nearest")}})
    queue = portfolio(cfg, problem)
    mlps = [p for p in queue if p["family"] == "mlp"]
    assert len(mlps) == 1 and mlps[0]["mlp.hidden"] <= 8 and "mlp.layers" not in mlps[0]
    assert all(p["forest.n_estimators"] in (3, 5) for p in queue if p["family"] == "forest")
    assert [p for p in queue if p["family"] == "centroid"] == [{"family": "centroid"}]


def test_a_search_starts_with_the_portfolio_and_it_uses_the_room():
    X, y, problem = digits()
    cfg = config(max_trials=12)
    res = search(X, y, problem, cfg)
    queue = portfolio(cfg, problem)
    assert [c.family for c in res.leaderboard[:len(queue)]] == [p["family"] for p in queue]
    first = {c.family: c for c in reversed(res.leaderboard[:len(queue)])}
    # the trees and the networks are sized to the 4 KB limit, not left at a random fraction of it
    for family in ("forest", "gbt", "mlp"):
        assert first[family].fits and first[family].flash > 0.5 * 4096, (family, first[family].flash)
    off = search(X, y, problem, SearchConfig(**{**cfg.__dict__, "portfolio": False}))
    assert [c.params for c in off.leaderboard] != [c.params for c in res.leaderboard]
    assert np.median([c.flash for c in off.leaderboard if c.fits]) < np.median(
        [c.flash for c in res.leaderboard if c.fits])
