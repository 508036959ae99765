"""The kernel per target (tinyc.passes.forms): an int8 dense model's blocked kernel, a tree model's
if-else code, where the target's profile prices it and the model fits with it; the kernel the model
was sized with otherwise (compact, the walk over node arrays); what a user's build emits, reports
and verifies."""
import json
import subprocess

import numpy as np
from sklearn import datasets

from tinyc.budget import TargetBudget
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.passes.fit import FitResult
from tinyc.passes.forms import dense_kernels, tree_kernels
from tinyc.quant import quantize
from tinyc.spec.ir import Task
from tinyc.targets import get


def _fit_result(model, targets):
    costs = {t.name: FAMILY_REGISTRY[model.family].cost(model, t.caps, model.quant) for t in targets}
    return FitResult(model=model, float_model=model, costs=costs, steps=[], columns=list(range(model.n_features)),
                     params=dict(model.params))


def _digits_mlp():
    d = datasets.load_digits()
    X = d.data.astype(np.float32)
    m = FAMILY_REGISTRY["mlp"].fit({"layers": 1, "hidden": 16, "alpha": 1e-2, "activation": "relu"}, X, d.target,
                                   Problem(Task.classification, 64, 10), seed=0)
    return quantize(m, "int8", X)


def test_the_blocked_kernel_where_it_fits_the_compact_one_where_it_does_not():
    model = _digits_mlp()
    m4 = get("cortex-m4").caps
    compact = FAMILY_REGISTRY["mlp"].cost(model, m4, model.quant)
    roomy = TargetBudget("cortex-m4", m4, 64 * 1024, 8 * 1024)
    tight = TargetBudget("cortex-m4", m4, compact.flash + 300, 8 * 1024)  # the compact code fits, not 400 B more
    for budget, expected in ((roomy, "blocked"), (tight, "compact")):
        fit = _fit_result(model, [budget])
        fit2, forms, kernels = dense_kernels(fit, {budget.name: model}, [budget])
        assert kernels == {"cortex-m4": expected}
        assert forms["cortex-m4"].qinfo.get("kernel", "compact") == expected
        blocked = fit2.costs["cortex-m4"]
        if expected == "blocked":  # more code, far fewer instructions
            assert blocked.code > compact.code and blocked.instructions < 0.8 * compact.instructions
        else:
            assert blocked == compact


def test_a_target_whose_profile_does_not_price_the_blocked_kernel_keeps_the_compact_one():
    model = _digits_mlp()
    ispu = get("ispu").caps  # the M4's tables assumed, not calibrated on the ISPU
    budget = TargetBudget("ispu", ispu, 64 * 1024, 8 * 1024)
    _, forms, kernels = dense_kernels(_fit_result(model, [budget]), {"ispu": model}, [budget])
    assert kernels == {"ispu": "compact"} and "kernel" not in forms["ispu"].qinfo


def test_a_users_build_runs_the_blocked_kernel_and_says_so(tmp_path, sklearn_data):
    """As a user builds: an int8 MLP on the M4 and the M0+ gets the blocked kernel (report.json,
    report.md), its C has the four-row block, `tinyc verify` runs it against the golden model under
    qemu and counts its instructions within the cost model's bound of the estimate."""
    from conftest import tinyc_exe, verify_within_a_quarter

    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{sklearn_data / "digits.csv"}" {{ label digit }}\ntask classification\n'
                    "target cortex-m4 { flash 32KB ram 8KB }\ntarget cortex-m0plus { flash 32KB ram 8KB }\n"
                    "quantize int8\nsearch { trials 4; families mlp }\n")
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    for t in ("cortex-m4", "cortex-m0plus"):
        assert report["targets"][t]["kernel"] == "blocked"
        assert "m_block(" in (tmp_path / "out" / t / "src" / "m.c").read_text()
    assert report["quantization"]["kernels"] == {"cortex-m4": "blocked", "cortex-m0plus": "blocked"}
    assert "int8, blocked kernel" in (tmp_path / "out" / "report.md").read_text()
    model_doc = json.loads((tmp_path / "out" / "artifacts" / "model.json").read_text())
    assert "kernel" not in model_doc["qinfo"]  # one golden model whichever kernel runs it
    verify_within_a_quarter(tmp_path, report, ("cortex-m4", "cortex-m0plus"), "inference")


def _cancer_forest():
    d = datasets.load_breast_cancer()
    X = d.data.astype(np.float32)
    return FAMILY_REGISTRY["forest"].fit({"n_estimators": 10, "max_depth": 6, "max_features": 0.5, "max_leaves": 40},
                                         X, d.target, Problem(Task.classification, 30, 2), seed=0)


def test_trees_as_code_where_they_fit_the_walk_where_they_do_not():
    model = _cancer_forest()
    m4 = get("cortex-m4").caps
    walk = FAMILY_REGISTRY["forest"].cost(model, m4, model.quant)
    roomy = TargetBudget("cortex-m4", m4, 64 * 1024, 8 * 1024)
    tight = TargetBudget("cortex-m4", m4, walk.flash + 300, 8 * 1024)  # the walk fits, the if-else code not
    for budget, expected in ((roomy, {"cortex-m4": "if-else"}), (tight, {})):
        fit2, forms, kernels = tree_kernels(_fit_result(model, [budget]), {budget.name: model}, [budget])
        assert kernels == expected
        assert forms["cortex-m4"].kernel == expected.get("cortex-m4")
        code = fit2.costs["cortex-m4"]
        if expected:  # more flash, far fewer instructions
            assert code.flash > walk.flash + 300 and code.instructions < 0.6 * walk.instructions
        else:
            assert code == walk


def test_a_target_whose_profile_does_not_price_the_if_else_code_keeps_the_walk():
    model = _cancer_forest()
    budget = TargetBudget("ispu", get("ispu").caps, 64 * 1024, 8 * 1024)
    _, forms, kernels = tree_kernels(_fit_result(model, [budget]), {"ispu": model}, [budget])
    assert kernels == {} and forms["ispu"].kernel is None


def test_a_users_build_runs_trees_as_code_and_says_so(tmp_path, sklearn_data):
    """As a user builds: a forest on the M4 and the M0+ with room to spare gets the if-else kernel
    (build output, report.json, report.md), `tinyc verify` runs it against the golden model under
    qemu and counts its instructions within the cost model's bound of the estimate."""
    from conftest import tinyc_exe, verify_within_a_quarter

    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{sklearn_data / "breast_cancer.csv"}" {{ label diagnosis }}\n'
                    "task classification\ntarget cortex-m4 { flash 32KB ram 8KB }\n"
                    "target cortex-m0plus { flash 32KB ram 8KB }\nquantize float32\n"
                    "search { trials 4; families forest }\n")
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "trees as if-else code on cortex-m4, cortex-m0plus" in r.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    for t in ("cortex-m4", "cortex-m0plus"):
        assert report["targets"][t]["kernel"] == "if-else"
        assert "m_leaf(" not in (tmp_path / "out" / t / "src" / "m.c").read_text()
    assert "float32, if-else kernel" in (tmp_path / "out" / "report.md").read_text()
    verify_within_a_quarter(tmp_path, report, ("cortex-m4", "cortex-m0plus"), "inference")
