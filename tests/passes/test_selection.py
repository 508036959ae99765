"""Feature selection inside the search (`search { select on }`, tinyc.passes.selection)."""
import json

import numpy as np
import pytest

from tinyc.spec.ir import Task


def wine(sklearn_data):
    import csv

    rows = list(csv.reader(open(sklearn_data / "wine.csv")))
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    labels = sorted({r[-1] for r in rows[1:]})
    y = np.array([labels.index(r[-1]) for r in rows[1:]])
    return X, y, rows[0][:-1]


def test_the_ranking_puts_the_datas_columns_before_noise(sklearn_data):
    """Wine's 13 measured columns beside 13 columns of noise: the ranking's best 8 are all real,
    and it is the same twice under the seed."""
    from tinyc.passes.selection import rank

    X, y, _ = wine(sklearn_data)
    noisy = np.hstack([X, np.random.default_rng(0).normal(size=X.shape)])
    order = rank(noisy, y, Task.classification, 0)
    assert sorted(order) == list(range(26)) and all(j < 13 for j in order[:8])
    assert order == rank(noisy, y, Task.classification, 0)


def test_a_fold_is_ranked_without_its_validation_rows(sklearn_data, monkeypatch):
    """Each fold's ranking is computed on that fold's training rows alone, the final one on all."""
    from tinyc.passes import selection
    from tinyc.passes.cv import fold_indices

    X, y, _ = wine(sklearn_data)
    seen = []
    real = selection.rank
    monkeypatch.setattr(selection, "rank", lambda Xs, *a: seen.append(Xs.copy()) or real(Xs, *a))
    splits = fold_indices(y, 5, 0, True)
    r = selection.rankings(X, y, splits, Task.classification, 0)
    assert len(r.folds) == 5 and len(seen) == 6
    for (tr, va), Xs in zip(splits, seen):
        rows = {row.tobytes() for row in Xs}
        assert len(Xs) == len(tr) and not rows & {row.tobytes() for row in X[va]}
    assert len(seen[-1]) == len(X)


def test_cross_validation_of_a_candidate_reading_fewer_columns(sklearn_data):
    """A linear candidate with `inputs 4` is trained and costed on 4 columns (its weights: 4 per
    class), and scored on them in every fold; without rankings the same params read every column."""
    from tinyc.models import Problem
    from tinyc.passes.cv import evaluate, fold_indices
    from tinyc.passes.selection import rankings
    from tinyc.spec.ir import Metric, Quantization
    from tinyc.budget import TargetBudget
    from tinyc_backends.cortex_m4 import CortexM4Backend

    X, y, _ = wine(sklearn_data)
    problem = Problem(Task.classification, X.shape[1], 3)
    splits = fold_indices(y, 5, 0, True)
    r = rankings(X, y, splits, Task.classification, 0)
    targets = (TargetBudget("cortex-m4", CortexM4Backend.caps, 4096, 2048),)
    narrow = evaluate("linear", {"c": 1.0, "inputs": 4}, X, y, problem, Metric.accuracy, 5, 0, targets,
                      Quantization.float32, splits=splits, rankings=r)
    wide = evaluate("linear", {"c": 1.0, "inputs": 4}, X, y, problem, Metric.accuracy, 5, 0, targets,
                    Quantization.float32, splits=splits)
    assert narrow.columns == sorted(r.full[:4]) and wide.columns is None
    assert narrow.model.arrays["W0"].shape == (3, 4) and wide.model.arrays["W0"].shape == (3, 13)
    assert narrow.costs["cortex-m4"].weights < wide.costs["cortex-m4"].weights
    # measured: wine's best 4 columns cross-validate at 0.92-0.96 (every column: 0.98)
    assert 0.9 <= narrow.metric <= wide.metric


@pytest.mark.parametrize("switch", ["on", "off"])
def test_a_build_with_select_reads_only_the_columns_cross_validation_chose(tmp_path, sklearn_data, switch):
    """`select on`, as a user builds: the leaderboard's linear and MLP candidates carry `inputs`,
    the chosen model reads that many columns (the report's kept features, the header's input
    count, the predict tool's rows) and its library is compiled and run; `select off` (the
    default) gives every candidate every column."""
    from conftest import tinyc_exe

    import subprocess

    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{sklearn_data / "wine.csv"}" {{ label cultivar }}\ntask classification\n'
                    f"target cortex-m4 {{ flash 2KB ram 2KB }}\nsearch {{ trials 16; families linear, mlp; "
                    f"select {switch} }}\n")
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    board = report["search"]["leaderboard"]
    assert report["search"]["select"] is (switch == "on")
    with_inputs = [c for c in board if "inputs" in c["params"]]
    kept = report["fitting"]["features_kept"]
    if switch == "off":
        assert not with_inputs and kept == 13 and report["fitting"]["features_not_selected"] == []
        return
    assert len(with_inputs) == len(board) and {c["params"]["inputs"] for c in board} != {13}
    assert kept == report["model"]["params"]["inputs"]
    left_out = report["fitting"]["features_not_selected"]
    assert len(left_out) == 13 - kept and set(left_out) < set(wine(sklearn_data)[2])
    source = "".join(f.read_text() for f in (tmp_path / "out" / "cortex-m4" / "src").glob("*.c"))
    assert not any(f'"{name}"' in source for name in left_out)  # (the library names the inputs it reads)
    assert "selection left out" in (tmp_path / "out" / "report.html").read_text()
    header = (tmp_path / "out" / "cortex-m4" / "src" / "m.h").read_text()
    assert f"#define M_N_FEATURES {kept}\n" in header
    v = subprocess.run([tinyc_exe(), "verify", "out"], cwd=tmp_path, capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr
