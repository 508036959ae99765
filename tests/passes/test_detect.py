"""task anomaly end to end: the detector pass on real ECG windows (MIT-BIH), its
output folder (C checked against the golden detector through the predict tool),
the declared false-alarm rate on unseen normal data, and clear errors."""
import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from tinyc.data.header import DataError
from tinyc.models import anomaly as A
from tinyc.passes import detect as D
from tinyc.errors import BuildError
from tinyc.passes.pipeline import build
from tinyc.spec import load
from tinyc.spec.ir import Learn
from tinyc.verify import VerifyError, verify

ECG = ROOT / "examples" / "ecg_anomaly"


@pytest.fixture(scope="module")
def ecg_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("ecg") / "out"
    spec = ECG / "ecg.tml"
    return build(load(spec), spec, out), out


def test_ecg_example_reports_auc_and_holds_the_false_alarm_rate(ecg_build):
    result, out = ecg_build
    rep = json.loads((out / "report.json").read_text())
    a, m = rep["anomaly"], rep["model"]
    assert rep["task"] == "anomaly" and rep["metric"] == "auc"
    assert a["false_alarms_declared"] == 0.02 and a["learn"] == "both"
    # the threshold comes from out-of-fold scores: the rate carries over to normal rows never seen
    assert abs(a["false_alarm_rate_holdout"] - 0.02) <= 0.01
    assert m["metrics"]["holdout"]["auc"] > 0.6 and m["metrics"]["train"]["auc"] > 0.65
    assert a["labelled_anomalies"] == {"train": 71, "holdout": 24}
    hold = np.array(m["confusion"]["holdout"])
    assert hold.sum() == 467 and hold[1].sum() == 24
    assert hold[0, 1] / hold[0].sum() == pytest.approx(a["false_alarm_rate_holdout"])
    # every candidate is costed per target; the chosen one is the best ranked among those that fit
    board = rep["search"]["leaderboard"]
    assert {c["family"] for c in board} == {"gaussian", "kmeans"} and all(set(c["costs"]) == {
        "cortex-m4", "cortex-m0plus", "host"} for c in board)
    best = max((c for c in board if c["fits"]), key=lambda c: c["metric"])
    assert m["chosen_trial"] == best["trial"]


def test_ecg_library_learns_and_matches_the_golden_detector(ecg_build):
    result, out = ecg_build
    header = (out / "cortex-m4" / "src" / "ecg.h").read_text()
    assert "#define ECG_LEARNS 1" in header and "ecg_learn(const float *x)" in header
    doc = json.loads((out / "artifacts" / "model.json").read_text())
    det = A.Detector.from_json(doc["detector"])
    hold = pd.read_csv(out / "artifacts" / "holdout.csv")
    X = hold[doc["features"]].to_numpy(dtype=np.float32)
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    run = subprocess.run([str(out / "artifacts" / "predict"), "--csv", str(out / "artifacts" / "holdout.csv"),
                          "--scores"], capture_output=True, text=True, check=True)
    c_scores = np.array([float(v) for v in run.stdout.split()], dtype=np.float32)
    assert np.array_equal(c_scores.view(np.uint32), det.scores(X).view(np.uint32))  # bit for bit
    labels = subprocess.run([str(out / "artifacts" / "predict"), "--csv", str(out / "artifacts" / "holdout.csv")],
                            capture_output=True, text=True, check=True).stdout.split()
    expected = (out / "artifacts" / "holdout_predictions.csv").read_text().split()[1:]
    assert labels == expected and set(labels) == {"normal", "anomaly"}


def test_ecg_cost_estimate_matches_the_linked_library(ecg_build):
    result, out = ecg_build
    rep = json.loads((out / "report.json").read_text())
    for name in ("cortex-m4", "cortex-m0plus"):
        t = rep["targets"][name]
        if t["measured"]["flash"] is None:
            pytest.skip(t["measured"]["note"])
        assert abs(t["flash"] - t["measured"]["flash"]) <= max(0.1 * t["measured"]["flash"], 128), name


SPEC = """model det
data "{data}" {{ {label} holdout 25% }}
task anomaly
{extra}
target cortex-m4 {{ flash {flash}; ram {ram} }}
"""


def _spec(tmp_path, data=ECG / "data.csv", label="label target;", extra="", flash="16KB", ram="4KB"):
    p = tmp_path / "s.tml"
    p.write_text(SPEC.format(data=data, label=label, extra=extra, flash=flash, ram=ram))
    return p


def test_learn_on_device_ships_an_empty_baseline(tmp_path):
    spec = _spec(tmp_path, extra="learn on_device\nsearch { families gaussian }")
    result = build(load(spec), spec, tmp_path / "out")
    rep = result.report
    assert rep["anomaly"]["shipped"] == "empty (learned on the device)"
    assert result.model.n == 0 and result.model.learns_on_device
    # evaluated as the device learns it: the golden learn() over the normal training rows
    assert rep["model"]["metrics"]["holdout"]["auc"] > 0.6
    assert "#define DET_LEARNS 1" in (tmp_path / "out" / "cortex-m4" / "src" / "det.h").read_text()
    with pytest.raises(VerifyError, match="ships empty"):
        verify(tmp_path / "out", on_line=lambda s: None)


def test_without_labels_the_smallest_detector_is_taken_at_one_percent(tmp_path):
    d = pd.read_csv(ECG / "data.csv")
    d[d["target"] == 0].drop(columns="target").iloc[:600].to_csv(tmp_path / "normal.csv", index=False)
    spec = _spec(tmp_path, data=tmp_path / "normal.csv", label="")
    rep = build(load(spec), spec, tmp_path / "out").report
    assert "smallest detector" in rep["search"]["ranked_by"]
    assert rep["model"]["metrics"]["holdout"]["auc"] is None
    assert "default 1% false alarms" in rep["anomaly"]["threshold_rule"]
    board = rep["search"]["leaderboard"]
    assert rep["model"]["chosen_trial"] == min(board, key=lambda c: c["costs"]["cortex-m4"]["flash"])["trial"]


def test_offline_full_covariance_keeps_only_the_threshold_in_ram(tmp_path):
    spec = _spec(tmp_path, extra="learn offline\nallow weak  # this data's full-covariance detector: AUC 0.60\n"
                               "search { families gaussian; gaussian { covariance full } }",
                 flash="8KB")
    result = build(load(spec), spec, tmp_path / "out")
    assert result.model.kind == "gaussian_full"
    src = (tmp_path / "out" / "cortex-m4" / "src" / "det.c").read_text()
    assert "static float det_thr" in src and "static det_state_t det_s" not in src
    from tinyc.models.costs import STACK_BYTES

    # RAM: the caller's features, the 4-byte threshold, the stack (no state kept)
    assert result.report["targets"]["cortex-m4"]["ram"] == 4 * result.model.n_features + 4 + STACK_BYTES


def test_full_covariance_cannot_learn_on_the_device(tmp_path):
    spec = _spec(tmp_path, extra="learn both\nsearch { families gaussian; gaussian { covariance full } }")
    with pytest.raises(BuildError, match="fitted offline only"):
        build(load(spec), spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_impossible_flash_names_the_smallest_detector(tmp_path):
    spec = _spec(tmp_path, flash="256B", ram="128B")
    with pytest.raises(BuildError, match=r"no anomaly detector fits every target: the smallest \(gaussian, "
                                         r"covariance=diagonal\): cortex-m4 needs \d+ B flash \(limit 256\) and "
                                         r"\d+ B RAM \(limit 128\)"):
        build(load(spec), spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("rows, message", [
    ("a,b,target\n1,2,0\n2,3,2\n", r"must be 0 \(normal\) or 1 \(anomaly\), found '2'"),
    ("a,b,target\n1,2,1\n2,3,1\n3,4,1\n4,5,1\n", "no normal rows"),
])
def test_bad_anomaly_labels_are_one_line_errors(tmp_path, rows, message):
    (tmp_path / "d.csv").write_text(rows)
    spec = _spec(tmp_path, data=tmp_path / "d.csv")
    with pytest.raises(DataError, match=message):
        build(load(spec), spec, tmp_path / "out")


def test_best_f1_threshold_is_the_brute_force_optimum():
    rng = np.random.default_rng(3)
    s = np.r_[rng.normal(0, 1, 300), rng.normal(2, 1, 30)].astype(np.float32)
    y = np.r_[np.zeros(300), np.ones(30)]
    thr, f1 = D._best_f1(s, y)

    def f1_at(t):
        pred = s > t
        tp = np.sum(pred & (y == 1))
        return 2 * tp / (pred.sum() + y.sum())

    assert f1 == pytest.approx(f1_at(thr))
    assert f1 == pytest.approx(max(f1_at(t) for t in np.r_[s, s.min() - 1]))


def test_false_alarm_threshold_flags_at_most_the_rate():
    s = np.arange(1000, dtype=np.float32)
    t = D.false_alarm_threshold(s, 0.02)
    assert np.mean(s > t) == pytest.approx(0.02)


def test_candidates_follow_the_spec_and_the_learning_mode():
    assert D.candidates(("gaussian", "kmeans"), {}, Learn.offline) == [
        ("gaussian", 1), ("gaussian_full", 1), ("kmeans", 2), ("kmeans", 4), ("kmeans", 8), ("kmeans", 16)]
    assert ("gaussian_full", 1) not in D.candidates(("gaussian",), {}, Learn.both)
    assert D.candidates(("kmeans",), {"kmeans": {"k": ("range", 3, 8)}}, Learn.offline) == [
        ("kmeans", 3), ("kmeans", 4), ("kmeans", 8)]
    assert D.candidates(("iforest",), {"iforest": {"n_estimators": ("fixed", 20)}}, Learn.offline) == [
        ("iforest", (20, 64)), ("iforest", (20, 128))]
    assert D.candidates(("gaussian", "iforest"), {}, Learn.both) == [("gaussian", 1)]
    with pytest.raises(D.DetectError, match="isolation forest is fitted offline only"):
        D.candidates(("iforest",), {}, Learn.on_device)


def test_build_summary_and_reports_say_how_the_detector_flags_and_learns(ecg_build, capsys):
    from tinyc.summary import print_summary

    result, out = ecg_build
    print_summary(result, out)
    text = capsys.readouterr().out
    assert "flags    score > " in text and "false alarms on the held-out normal rows: " in text
    assert "learn    both: fitted on 1330 normal rows" in text
    assert "Anomaly detector" in (out / "report.html").read_text()
    assert "false alarms on the held-out normal rows" in (out / "report.md").read_text()
    assert "ecg_is_anomaly(x, &anomaly, &score)" in (out / "README.md").read_text()


def test_isolation_forest_build_matches_its_golden_model_and_cost(tmp_path):
    spec = _spec(tmp_path, extra="learn offline\nsearch { families iforest; iforest { n_estimators 10, 20; "
                                  "max_samples 64 } }")
    result = build(load(spec), spec, tmp_path / "out")
    out, rep = tmp_path / "out", result.report
    assert result.model.kind == "iforest" and rep["model"]["family"] == "iforest"
    assert [c["params"] for c in rep["search"]["leaderboard"]] == [
        {"n_estimators": 10, "max_samples": 64}, {"n_estimators": 20, "max_samples": 64}]
    assert rep["model"]["metrics"]["holdout"]["auc"] > 0.55
    t = rep["targets"]["cortex-m4"]
    if t["measured"]["flash"] is not None:
        assert abs(t["flash"] - t["measured"]["flash"]) <= 0.1 * t["measured"]["flash"]
        assert t["measured"]["ram"] == 4  # the threshold; the trees are const
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    doc = json.loads((out / "artifacts" / "model.json").read_text())
    X = pd.read_csv(out / "artifacts" / "holdout.csv")[doc["features"]].to_numpy(dtype=np.float32)
    run = subprocess.run([str(out / "artifacts" / "predict"), "--csv", str(out / "artifacts" / "holdout.csv"),
                          "--scores"], capture_output=True, text=True, check=True)
    c_scores = np.array([float(v) for v in run.stdout.split()], dtype=np.float32)
    assert np.array_equal(c_scores.view(np.uint32), result.model.scores(X).view(np.uint32))


def test_a_misspelt_normal_value_is_a_one_line_error(tmp_path):
    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{ROOT / "tests" / "fixtures" / "imu_long.csv"}" {{ label activity; '
                    f'normal standng }}\ntask anomaly\ntarget cortex-m4\n')
    with pytest.raises(DataError, match=r"normal value 'standng' does not occur in label column 'activity' "
                                        r"\(did you mean 'standing'\?"):
        build(load(spec), spec, tmp_path / "out")


def test_normal_values_name_the_normal_rows(tmp_path):
    """`normal standing`: the walking rows of the label column are the known anomalies."""
    spec = tmp_path / "s.tml"
    spec.write_text(f'model m\ndata "{ROOT / "tests" / "fixtures" / "imu_long.csv"}" {{ label activity; '
                    f'normal standing }}\ntask anomaly\nsearch {{ families gaussian }}\ntarget cortex-m4\n')
    rep = build(load(spec), spec, tmp_path / "out").report
    n = rep["anomaly"]["labelled_anomalies"]
    assert n["train"] + n["holdout"] == 200 and rep["anomaly"]["normal_training_rows"] == 160
