"""Quantization-aware fine-tuning (tinyc.quant.qat) and its decision in the quantization pass:
an MLP whose int8 form loses on real data loses less after fine-tuning, the fine-tuned model is
taken only when cross-validation on the training rows says so, and its integer form is what the
build emits."""
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tinyc.data.prepare import Dataset
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.passes.quantize import choose
from tinyc.quant import quantize
from tinyc.quant.qat import finetune
from tinyc.spec.ir import Metric, Quantization, Task

ROOT = Path(__file__).resolve().parents[2]


def segments():
    df = pd.read_csv(ROOT / "examples" / "image_segments" / "data.csv")
    y = pd.factorize(df["target"], sort=True)[0]
    X = df.drop(columns=["target"]).to_numpy(dtype=np.float64)
    return train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)


def accuracy(model, X, y) -> float:
    return float(np.mean(model.predict(X) == y))


TANH16 = {"layers": 1, "hidden": 16, "alpha": 1e-3, "activation": "tanh"}
RELU16 = {"layers": 1, "hidden": 16, "alpha": 1e-3, "activation": "relu"}
RELU12 = {**RELU16, "hidden": 12}


def test_fine_tuning_recovers_what_int8_rounding_loses():
    """Image segments (7 classes), a 12-wide ReLU MLP trained on float64 rows: int8 as trained
    loses 3.5 points on the training rows (0.9946 -> 0.9594), and the fine-tuned int8 form gets
    1.1 back there (0.9708) and 0.9 on the holdout (0.9372 -> 0.9459). Fine-tuning does not always
    help (on other widths and seeds it costs points), which is why the quantization pass takes it
    only where cross-validation says so (below)."""
    Xtr, Xh, ytr, yh = segments()
    problem = Problem(Task.classification, Xtr.shape[1], 7)
    m = FAMILY_REGISTRY["mlp"].fit(RELU12, Xtr, ytr, problem, 0)
    plain = quantize(m, "int8", Xtr)
    tuned = quantize(finetune(m, "int8", Xtr, ytr, 0), "int8", Xtr)
    assert accuracy(m, Xtr, ytr) - accuracy(plain, Xtr, ytr) > 0.02  # the loss to recover
    assert accuracy(tuned, Xtr, ytr) >= accuracy(plain, Xtr, ytr) + 0.01
    assert accuracy(tuned, Xh, yh) >= accuracy(plain, Xh, yh) + 0.005
    again = finetune(m, "int8", Xtr, ytr, 0)  # deterministic under the seed
    assert np.array_equal(again.arrays["W0"], finetune(m, "int8", Xtr, ytr, 0).arrays["W0"])


def dataset(Xtr, Xh, ytr, yh) -> Dataset:
    names = [f"f{i}" for i in range(Xtr.shape[1])]
    return Dataset(Task.classification, tuple(names), Xtr.astype(np.float32), ytr, Xh.astype(np.float32), yh,
                   classes=tuple(str(c) for c in range(7)))


def test_the_quantization_pass_fine_tunes_only_when_cross_validation_says_so():
    """Measured on image segments (the training rows, 3 folds): an 8-wide ReLU MLP's int8 form
    scores 0.9589 plain and 0.9594 fine-tuned across the folds, so it is fine-tuned (training rows
    0.958 -> 0.970, holdout 0.942 -> 0.950); a 16-wide tanh MLP's 0.9892 and 0.9886: left as is."""
    Xtr, Xh, ytr, yh = segments()
    ds = dataset(Xtr, Xh, ytr, yh)
    problem = Problem(Task.classification, Xtr.shape[1], 7)
    relu8 = FAMILY_REGISTRY["mlp"].fit({**RELU16, "hidden": 8}, ds.X_train, ytr, problem, 0)
    off = choose(relu8, Quantization.int8, 1.0, ds, Metric.accuracy)
    on = choose(relu8, Quantization.int8, 1.0, ds, Metric.accuracy, qat=True, seed=0)
    row_off = next(r for r in off.record["candidates"] if r["mode"] == Quantization.int8)
    row_on = next(r for r in on.record["candidates"] if r["mode"] == Quantization.int8)
    rec = row_on["qat"]
    assert rec["folds"] == 3 and rec["applied"] and "qat" not in row_off and off.model is None
    assert rec["cv_fine_tuned"] > rec["cv_plain"] and rec["train_plain"] == row_off["train"]
    assert on.model is not None and on.model.qinfo is None  # the float model the int8 form rounds
    assert row_on["train"] == rec["train_fine_tuned"] > row_off["train"] + 0.005
    assert row_on["holdout"] > row_off["holdout"]  # (reported; the holdout decided nothing)
    tanh16 = FAMILY_REGISTRY["mlp"].fit(TANH16, ds.X_train, ytr, problem, 0)
    kept = choose(tanh16, Quantization.int8, 1.0, ds, Metric.accuracy, qat=True, seed=0)
    rec = next(r for r in kept.record["candidates"] if r["mode"] == Quantization.int8)["qat"]
    assert not rec["applied"] and rec["cv_fine_tuned"] <= rec["cv_plain"] and kept.model is None


def test_fine_tuning_that_would_end_after_the_budget_is_not_started():
    """The quantization pass fine-tunes within the build's budget: past its deadline nothing is
    fine-tuned (the record says why); with time left the same model is fine-tuned as without one."""
    import time

    Xtr, Xh, ytr, yh = segments()
    ds = dataset(Xtr, Xh, ytr, yh)
    problem = Problem(Task.classification, Xtr.shape[1], 7)
    relu8 = FAMILY_REGISTRY["mlp"].fit({**RELU16, "hidden": 8}, ds.X_train, ytr, problem, 0)
    late = choose(relu8, Quantization.int8, 1.0, ds, Metric.accuracy, qat=True, seed=0,
                  deadline=time.monotonic() - 1)
    rec = next(r for r in late.record["candidates"] if r["mode"] == Quantization.int8)["qat"]
    assert not rec["applied"] and "ran out" in rec["note"] and late.model is None
    timely = choose(relu8, Quantization.int8, 1.0, ds, Metric.accuracy, qat=True, seed=0,
                    deadline=time.monotonic() + 600)
    assert timely.model is not None and np.array_equal(
        timely.model.arrays["W0"], choose(relu8, Quantization.int8, 1.0, ds, Metric.accuracy, qat=True,
                                          seed=0).model.arrays["W0"])
