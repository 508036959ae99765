"""The desktop predictor (artifacts/predict) reads files laid out like the training data: feature
rows, or raw samples for a signal model (one prediction per window, after where it starts); with
the label column there it prints the holdout metric the report gives, and a confusion matrix."""
import json
import shutil
import subprocess

import pytest

from conftest import ROOT, tinyc_exe

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def _build(spec, out, *extra):
    r = subprocess.run([tinyc_exe(), "build", str(spec), "-o", str(out), "--trials", "3", *extra],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads((out / "report.json").read_text())


def _predict(out, csv, *flags, cwd=None):
    return subprocess.run([str(out / "artifacts" / "predict"), "--csv", str(csv), *flags], capture_output=True,
                          text=True, cwd=cwd)


@pytest.fixture(scope="module")
def activity(tmp_path_factory):
    out = tmp_path_factory.mktemp("act") / "out"
    return _build(ROOT / "examples" / "basic_motions" / "activity.tml", out), out


def test_a_signal_model_predicts_from_raw_samples_with_the_holdout_metric(activity):
    rep, out = activity
    hold = out / "artifacts" / "holdout.csv"
    assert hold.read_text().split("\n")[0] == "recording,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,activity"
    r = _predict(out, hold)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")[:-1]
    assert lines[0] == "start_row,prediction"
    expected = (out / "artifacts" / "holdout_predictions.csv").read_text().split("\n")[1:-1]
    assert [line.split(",")[1] for line in lines[1:]] == expected  # one per window, as the Python model
    assert [int(line.split(",")[0]) for line in lines[1:9]] == [1, 11, 21, 31, 41, 51, 61, 71]  # hop 10 samples
    accuracy = rep["model"]["metrics"]["holdout"]["accuracy"]
    assert f"accuracy {accuracy:.4f} ({round(accuracy * len(expected))} of {len(expected)})" in r.stderr
    assert "confusion (rows: true label, columns: predicted):" in r.stderr
    last = json.loads(_predict(out, hold, "--json").stdout.split("\n")[-2])
    assert last["accuracy"] == pytest.approx(accuracy, abs=1e-6) and last["labels"] == sorted(last["labels"])
    assert sum(map(sum, last["confusion"])) == len(expected) == rep["signal"]["windows"]["holdout"]


def test_a_signal_model_reads_the_training_csv_itself(activity):
    """The data file as it is: 80 recordings of 100 samples (a new one wherever `recording`
    changes), 8 windows each."""
    rep, out = activity
    r = _predict(out, ROOT / "examples" / "basic_motions" / "data.csv", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.split("\n")[:-1]]
    assert len(rows) == 80 * 8 + 1 and rows[0] == {"start_row": 1, "prediction": rows[0]["prediction"]}
    assert rows[-1]["accuracy"] >= rep["model"]["metrics"]["holdout"]["accuracy"] - 0.02


def test_layout_wide_and_time_stamps(tmp_path):
    """ECG200 beats, a window per row (layout wide): one prediction per row of the raw holdout; the
    IMU fixture with a time column: each window placed at its first sample's time."""
    out = tmp_path / "beats"
    rep = _build(ROOT / "examples" / "ecg200" / "beats.tml", out)
    r = _predict(out, out / "artifacts" / "holdout.csv")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")[:-1]
    expected = (out / "artifacts" / "holdout_predictions.csv").read_text().split("\n")[1:-1]
    assert lines[0] == "row,prediction" and [line.split(",")[1] for line in lines[1:]] == expected
    assert f"accuracy {rep['model']['metrics']['holdout']['accuracy']:.4f}" in r.stderr
    spec = tmp_path / "timed.tml"
    spec.write_text(f'model m\ndata "{ROOT / "tests" / "fixtures" / "imu_long.csv"}" {{ label activity }}\n'
                    'task classification\nsignal {\n  channels ax, ay, az\n  time t\n  rate 10Hz\n  window 32\n'
                    '  hop 0.5s\n}\ntarget cortex-m4\n')
    _build(spec, tmp_path / "timed")
    r = _predict(tmp_path / "timed", ROOT / "tests" / "fixtures" / "imu_long.csv")
    lines = r.stdout.split("\n")[:-1]
    assert lines[0] == "start_time,prediction" and [line.split(",")[0] for line in lines[1:4]] == ["0.0", "0.5", "1.0"]


def test_feature_rows_print_the_metric_of_the_report(tmp_path, sklearn_data):
    out = tmp_path / "wine"
    rep = _build(ROOT / "specs" / "wine.tml", out)
    r = _predict(out, "artifacts/holdout.csv", cwd=out)  # a relative path, from the build folder
    assert r.returncode == 0, r.stderr
    expected = (out / "artifacts" / "holdout_predictions.csv").read_text().split("\n")[1:-1]
    assert r.stdout.split("\n")[:-1] == expected
    m = rep["model"]["metrics"]["holdout"]
    assert f"accuracy {m['accuracy']:.4f}" in r.stderr and f"balanced_accuracy {m['balanced_accuracy']:.4f}" in r.stderr
    out = tmp_path / "diabetes"
    rep = _build(ROOT / "specs" / "diabetes.tml", out)
    r = _predict(out, out / "artifacts" / "holdout.csv")
    m = rep["model"]["metrics"]["holdout"]
    assert f"rmse {m['rmse']:.6g}, mae {m['mae']:.6g}, r2 {m['r2']:.4f}" in r.stderr, r.stderr
    # without the label column: predictions only
    plain = tmp_path / "plain.csv"
    text = (out / "artifacts" / "holdout.csv").read_text().split("\n")
    plain.write_text("\n".join(",".join(line.split(",")[:-1]) for line in text) + "\n")
    r = _predict(out, plain)
    assert r.returncode == 0 and r.stderr == "" and len(r.stdout.split("\n")) == len(text) - 1  # no header


def test_a_missing_column_is_named(activity, tmp_path):
    _, out = activity
    bad = tmp_path / "bad.csv"
    bad.write_text("recording,acc_x,acc_y\n1,0.1,0.2\n")
    r = _predict(out, bad)
    assert r.returncode == 1 and "has no column 'acc_z'" in r.stderr


def test_the_predictor_is_strict_c(tmp_path):
    """Its source compiles with -Werror -pedantic, for raw samples and for feature rows."""
    from tinyc.codegen.library import Provenance
    from tinyc.passes.pipeline import build
    from tinyc.spec import load
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    for spec, label in ((ROOT / "examples" / "basic_motions" / "features.tml", "target"),
                        (ROOT / "examples" / "basic_motions" / "activity.tml", "activity")):
        result = build(load(spec), spec, tmp_path / spec.stem, trials=2)
        name = f"{spec.stem}_model"
        req = EmitRequest(result.model, name, tuple(result.dataset.feature_names), tuple(result.dataset.classes),
                          Provenance("t", "s.tml", "0" * 64, "0" * 64, "id"), 0, 0, label_column=label)
        HostBackend().emit(req, tmp_path / "host" / name)
        r = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I",
                            str(tmp_path / "host" / name / "src"), "-c",
                            str(tmp_path / "host" / name / "tools" / "predict.c"), "-o", str(tmp_path / f"{name}.o")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
