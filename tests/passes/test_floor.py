"""The quality floor, as a user meets it: a build whose model is no better than the trivial
baseline fails with why and what to change (the binding limit and what the search reached beyond
it, or "too small to learn"), leaves no output folder, and builds with `allow weak`, its reports
showing the baseline beside the metric. The search's rule for going on past its default trial cap
and the fitting pass's refusal to shrink below the floor are checked on their own."""
import json
import shutil
import subprocess
import time
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import ROOT, tinyc_exe
from tinyc import quality
from tinyc.passes import search
from tinyc.spec.ir import Metric, Task

# ECG200 beats are z-normalised: every beat's mean is 0 and its standard deviation 1, so a model of
# those two features cannot tell a normal beat from an infarction
ECG_MEAN_STD = """model beats
data "data.csv" {{ label target; holdout 25% }}
signal {{
  channels t
  layout wide
  rate 96Hz
  features mean, std
}}
task classification
metric accuracy
budget 30s
seed 0
search {{ trials 40 }}
target cortex-m4 {{ flash 16KB ram 4KB }}
{allow}"""

# the digits' 8 pixel rows as 8 channels of one wide window: at 1 KB of RAM only a 2-leaf tree fits
DIGITS_1KB = """model digits
data "digits.csv" { label digit }
signal {
  channels px_0, px_1, px_2, px_3, px_4, px_5, px_6, px_7
  layout wide
  rate 8Hz
}
task classification
metric accuracy
budget 60s
seed 0
search { trials 16 }
target cortex-m4 { flash 4KB ram 1KB }
"""


def _build(cwd, *args):
    return subprocess.run([tinyc_exe(), "build", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_a_model_no_better_than_the_baseline_fails_unless_the_spec_allows_it(tmp_path):
    shutil.copy(ROOT / "examples" / "ecg200" / "data.csv", tmp_path / "data.csv")
    (tmp_path / "beats.tml").write_text(ECG_MEAN_STD.format(allow=""))
    r = _build(tmp_path, "beats.tml")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    err = r.stderr
    assert "error[E0509]: holdout accuracy" in err and "is not clearly better than the trivial baseline's 0.6600" in err
    assert "(the majority class '1' for every row)" in err and "too small to learn" in err
    assert "allow weak" in err
    assert not (tmp_path / "build" / "beats").exists()  # no half-written output

    (tmp_path / "beats.tml").write_text(ECG_MEAN_STD.format(allow="allow weak\n"))
    r = _build(tmp_path, "beats.tml")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "build" / "beats"
    rep = json.loads((out / "report.json").read_text())
    base = rep["model"]["baseline"]
    assert base["weak"] and base["allowed"] and base["holdout"]["accuracy"] == pytest.approx(0.66)
    assert base["gain"] < quality.FLOOR_SHARE
    assert "NOT clearly better (shipped because the spec says `allow weak`)" in r.stdout
    assert "NOT clearly better" in (out / "report.md").read_text()
    assert "NOT clearly better" in (out / "report.html").read_text()
    assert rep["model"]["gap_explanation"].startswith("not clearly better than the trivial baseline")


def test_the_message_names_the_windows_ram_as_the_binding_limit_and_what_the_search_reached():
    """The issue's case: 12 gestures from 300-sample windows (layout wide) on a 4 KB Cortex-M4; the
    2-leaf tree that fits scores 0.126 over a 0.083 baseline, and a forest that scored 0.495 needs
    more RAM than the window leaves: the window's RAM is named, with what the search reached."""
    from tinyc.budget import TargetBudget
    from tinyc.models import Cost
    from tinyc.passes import floor
    from tinyc.signal.cost import ram_bytes
    from tinyc.signal.frontend import FrontEnd
    from tinyc.targets import get

    fe = FrontEnd(("t",), 100.0, 300, 300, blocks=("mean", "std"))
    m4 = TargetBudget("cortex-m4", get("cortex-m4").caps, 4096, 4096)
    assert ram_bytes(fe) >= 2048  # the window takes half the RAM or more
    model = {"metrics": {"holdout": {"accuracy": 0.126}}}
    base = floor.section(Metric.accuracy, 0.126, 0.13, {"kind": "the majority class 'swipe' for every row",
                                                          "holdout": {"accuracy": 0.083}}, 0.0, False)
    assert base["weak"]
    board = [SimpleNamespace(family="tree", metric=0.12, fits=True, status="ok",
                             costs={"cortex-m4": Cost(900, 100, 800, 3900, 2, 30)}),
             SimpleNamespace(family="forest", metric=0.495, fits=False, status="too big",
                             costs={"cortex-m4": Cost(3500, 2500, 1000, 5200, 400, 3000)}),
             SimpleNamespace(family="mlp", metric=None, fits=False, status="too big", costs={})]
    with pytest.raises(floor.WeakModel) as info:
        floor.check(Metric.accuracy, {**model, "baseline": base}, board, (m4,), fe)
    msg = str(info.value)
    assert msg.startswith("holdout accuracy 0.1260 is not clearly better than the trivial baseline's 0.0830 (the "
                          "majority class 'swipe' for every row): the model takes 5% of the room")
    assert (f"cortex-m4's RAM (the signal window takes {ram_bytes(fe)} B of the 4096 B) is the binding limit: the "
            "search reached accuracy 0.4950 (cross-validated) with a forest that does not fit (cortex-m4: 3500 B "
            "flash, 5200 B RAM (limits 4096, 4096))") in msg
    assert "allow weak" in info.value.hint
    floor.check(Metric.accuracy, {**model, "baseline": {**base, "allowed": True}}, board, (m4,), fe)  # allowed


def _cfg(default_cap=True, budget=60.0):
    return SimpleNamespace(default_cap=default_cap, shared=None, budget_s=budget, seed=0, metric=Metric.accuracy,
                           max_trials=100)


def test_the_default_trial_cap_gives_way_while_the_best_is_weak_and_most_of_the_budget_is_left():
    y = np.array([0] * 70 + [1] * 30)  # the majority class scores 0.7
    problem = SimpleNamespace(task=Task.classification, n_classes=2)
    weak, good = SimpleNamespace(metric=0.72, fold_scores=[]), SimpleNamespace(metric=0.9, fold_scores=[])
    now = time.monotonic()
    assert search._go_on(_cfg(), (weak, None), y, problem, now + 50)
    assert search._go_on(_cfg(), None, y, problem, now + 50)  # nothing fits yet
    assert not search._go_on(_cfg(), (good, None), y, problem, now + 50)
    assert not search._go_on(_cfg(), (weak, None), y, problem, now + 20)  # less than half the budget left
    assert not search._go_on(_cfg(default_cap=False), (weak, None), y, problem, now + 50)  # the spec's trials
    assert search.stop_rule("trials", _cfg(), 100, False) == \
        "the 100-trial cap (the default for this budget: 100 a minute, at least 100)"
    assert "raised while its best was not clearly better than the trivial baseline" in \
        search.stop_rule("trials", _cfg(), 300, True)
    assert search.stop_rule("budget", _cfg(), 100, False) == "its 60 s budget"


def test_the_fitting_pass_does_not_shrink_a_model_below_the_floor():
    """A wine tree in 460 B of the M4's flash: without a floor the pass prunes it until it fits
    (test_fit); with a floor above what the pruned trees score on the training rows it takes no
    such step and fails naming the smallest model above the floor."""
    from test_fit import m4, wine

    from tinyc.models import FAMILY_REGISTRY, Problem
    from tinyc.passes.fit import DoesNotFit, fit_memory

    ds = wine()
    params = {"max_depth": 10, "min_samples_leaf": 1, "max_leaves": 64}
    model = FAMILY_REGISTRY["tree"].fit(params, ds.X_train, ds.y_train, Problem(Task.classification, 13, 3), seed=0)
    shrunk = fit_memory(model, params, "int8", ds, (m4(460),), Metric.accuracy, seed=0)
    floor = shrunk.steps[-1]["metric_after"] + 0.01  # the last step would take it under this floor
    with pytest.raises(DoesNotFit) as info:
        fit_memory(model, params, "int8", ds, (m4(460),), Metric.accuracy, seed=0, floor=floor)
    msg = str(info.value)
    assert "stays clearly better than the trivial baseline" in msg and f"quality floor {floor:.4f}" in msg
    assert "the smallest model above it (tree, " in msg


def test_gain_and_floor_per_metric():
    assert quality.gain(Metric.accuracy, 0.126, 0.083) == pytest.approx(0.0469, abs=1e-4)  # the 12-class case
    assert quality.is_weak(Metric.accuracy, 0.126, 0.083) and not quality.is_weak(Metric.accuracy, 0.5, 0.25)
    assert quality.floor(Metric.accuracy, 0.5) == pytest.approx(0.6)
    assert quality.floor(Metric.accuracy, 0.5, noise=0.08) == pytest.approx(0.66)  # two standard errors
    assert quality.floor(Metric.r2, 0.0) == pytest.approx(0.2)
    assert quality.floor(Metric.rmse, 10.0) == pytest.approx(10 * np.sqrt(0.8))  # a fifth of the squared error
    assert quality.is_weak(Metric.rmse, 9.5, 10.0) and not quality.is_weak(Metric.rmse, 8.0, 10.0)
    assert quality.floor(Metric.mae, 10.0) == pytest.approx(8.0)
    assert quality.is_weak(Metric.auc, None, 0.5) and quality.is_weak(Metric.auc, float("nan"), 0.5)
