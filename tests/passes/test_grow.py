"""The growth pass: the best candidates grow into the room the targets leave, while they fit every
target and cross-validate better; within the spec's bounds; switchable."""
import subprocess
import time
from dataclasses import replace

import numpy as np

from conftest import tinyc_exe
from tinyc.budget import TargetBudget
from tinyc.models import Problem
from tinyc.passes.grow import grow
from tinyc.passes.cv import evaluate
from tinyc.passes.search import Candidate, SearchConfig, SearchResult
from tinyc.spec.ir import Metric, Quantization, Task
from tinyc_backends.cortex_m4 import CortexM4Backend

SMALL_MLP = {"layers": 1, "hidden": 3, "alpha": 1e-2, "activation": "relu"}


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data[:600].astype(np.float64), d.target[:600]


def config(**kw) -> SearchConfig:
    target = TargetBudget("cortex-m4", CortexM4Backend.caps, 4096, 4096)
    return replace(SearchConfig(metric=Metric.accuracy, budget_s=60, seed=0, quant=Quantization.int8,
                                families=("mlp",), fixed={}, targets=(target,), workers=2), **kw)


def searched(cfg: SearchConfig, X, y, problem) -> SearchResult:
    """A search that found only a small MLP (as TPE's random start often does)."""
    ev = evaluate("mlp", SMALL_MLP, X, y, problem, cfg.metric, 3, cfg.seed, cfg.targets, cfg.quant)
    cand = Candidate(0, "mlp", SMALL_MLP, "ok", ev.metric, ev.costs, True, ev.seconds, fold_scores=ev.fold_scores)
    return SearchResult(ev.model, cand, [cand], [], "trials", 1.0, 3)


def test_the_best_candidate_grows_while_it_fits_and_validates_better():
    X, y = digits()
    problem = Problem(Task.classification, X.shape[1], 10)
    cfg = config()
    res = searched(cfg, X, y, problem)
    grown = grow(res, X, y, problem, cfg, time.monotonic() + 120)
    assert grown.growth, "a 3-wide MLP on digits has room to grow in 4 KB"
    metrics = [res.best_candidate.metric] + [st["metric"] for st in grown.growth]
    assert all(b > a for a, b in zip(metrics, metrics[1:])), metrics  # every accepted step validates better
    assert all(st["flash"] <= 4096 for st in grown.growth)
    assert grown.best_candidate.params["hidden"] > 3 and grown.best_candidate.metric == metrics[-1]
    assert grown.best_candidate.fits and grown.best.params == grown.best_candidate.params
    assert grown.best_candidate.flash > res.best_candidate.flash  # it used the room


def test_growth_stays_within_the_spec_bounds_and_can_be_switched_off():
    X, y = digits()
    problem = Problem(Task.classification, X.shape[1], 10)
    bounded = config(fixed={"mlp": {"hidden": ("range", 2, 4), "layers": ("fixed", 1)}})
    res = searched(bounded, X, y, problem)
    grown = grow(res, X, y, problem, bounded, time.monotonic() + 120)
    assert all(st["params"]["hidden"] <= 4 and st["params"]["layers"] == 1 for st in grown.growth)
    off = config(grow=False)
    assert grow(res, X, y, problem, off, time.monotonic() + 120) is res


def test_a_tight_flash_limit_keeps_the_model_as_it_is():
    X, y = digits()
    problem = Problem(Task.classification, X.shape[1], 10)
    cfg = config()
    res = searched(cfg, X, y, problem)
    tight = config(targets=(TargetBudget("cortex-m4", CortexM4Backend.caps, res.best_candidate.flash + 8, 4096),))
    grown = grow(res, X, y, problem, tight, time.monotonic() + 120)
    assert not grown.growth and grown.best_candidate is res.best_candidate


def test_grow_is_a_search_statement(tmp_path):
    spec = tmp_path / "s.tml"
    spec.write_text('model m\ndata "d.csv" { label y }\ntask classification\ntarget cortex-m4\n'
                    "search {\n  grow   off\n}\n")
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    r = subprocess.run([tinyc_exe(), "fmt", "--check", str(spec)], capture_output=True, text=True)
    assert "grow off" in r.stdout
    spec.write_text('model m\ndata "d.csv" { label y }\ntask classification\ntarget cortex-m4\nsearch { grow maybe }\n')
    r = subprocess.run([tinyc_exe(), "check", str(spec)], capture_output=True, text=True)
    assert r.returncode == 2 and "s.tml:5:15" in r.stderr and "grow is 'on' or 'off', not 'maybe'" in r.stderr, r.stderr


def test_the_holdout_rows_never_reach_the_search_the_growth_or_the_teacher(tmp_path, monkeypatch, sklearn_data):
    """The rows the search and the growth pass train and validate on, and those every distillation
    teacher is trained on (in the worker processes too), are training rows only: none of the
    holdout's rows (compared by content) is among them."""
    from tinyc.models import distill
    from tinyc.passes import choose
    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    seen = []
    real_search, real_grow = choose.search, choose.grow
    taught = tmp_path / "teacher_rows"  # (appended to by forked workers as well)
    real_teacher = distill.teacher

    def teacher(X, *a):
        rows = np.ascontiguousarray(X, dtype=np.float64).tobytes()
        with open(taught, "ab") as f:  # length-prefixed: one record per teacher
            f.write(len(rows).to_bytes(8, "little") + rows)
        return real_teacher(X, *a)

    monkeypatch.setattr(distill, "teacher", teacher)
    distill._CACHE.clear()
    monkeypatch.setattr(choose, "search", lambda X, *a, **k: seen.append(("search", X.copy())) or real_search(X, *a, **k))
    monkeypatch.setattr(choose, "grow", lambda res, X, *a, **k: seen.append(("grow", X.copy())) or real_grow(res, X, *a, **k))
    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{sklearn_data / "wine.csv"}" {{ label cultivar; holdout 25% }}\n'
                    "task classification\ntarget cortex-m4 { flash 4KB ram 2KB }\nsearch { trials 8; distill on }\n")
    result = build(load(spec), spec, tmp_path / "out")
    holdout = {r.tobytes() for r in np.asarray(result.dataset.X_holdout, dtype=np.float64)}
    assert [what for what, _ in seen] == ["search", "grow"]
    for what, X in seen:
        assert X.shape[1] == len(result.dataset.feature_names)  # (no feature dropped: rows compare whole)
        rows = {r.tobytes() for r in np.asarray(X, dtype=np.float64)}
        assert len(X) + len(holdout) == 178 and not rows & holdout, what
    width = len(result.dataset.feature_names) * 8
    data, sets = taught.read_bytes() if taught.exists() else b"", []
    while data:
        n = int.from_bytes(data[:8], "little")
        sets.append(data[8:8 + n])
        data = data[8 + n:]
    assert sets, "the search tried distilled candidates"
    for blob in sets:
        rows = {blob[i:i + width] for i in range(0, len(blob), width)}
        assert not rows & holdout and len(rows) < 178 - len(holdout) + 1
