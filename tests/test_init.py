"""`tinyc init` as a new user meets it: a spec that builds from their CSV, with the columns a
model must not learn from (text, row ids, sample counters, recording ids) kept out and said why,
and a signal block for long-format sensor data; and a build that keeps an id as a feature is
warned, in its output and its report, instead of praised."""
import json
import shutil
import subprocess

from conftest import ROOT, tinyc_exe

LONG = ROOT / "examples" / "basic_motions" / "data.csv"  # recording, sample, 6 IMU channels, activity


def run(*args, cwd):
    return subprocess.run([tinyc_exe(), *map(str, args)], cwd=cwd, capture_output=True, text=True)


def test_long_sensor_data_gets_a_signal_block_with_the_recording_as_group(tmp_path):
    shutil.copy(LONG, tmp_path / "imu.csv")
    r = run("init", "imu.csv", "--label", "activity", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "imu.tml").read_text()
    assert "signal {" in text and "group recording" in text
    assert "channels acc_x, acc_y, acc_z, gyr_x, gyr_y, gyr_z" in text
    assert "sample" not in text.split("channels")[1].split("\n")[0]  # the counter is not a channel
    assert "# 'sample' counts rows (steps of one, restarting 79 times): not a channel" in text
    assert run("check", "-q", "imu.tml", cwd=tmp_path).returncode == 0
    assert run("fmt", "--check", "imu.tml", cwd=tmp_path).returncode == 0
    r = run("build", "imu.tml", "-o", "out", "--trials", "4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    assert rep["data_checks"] == [] and rep["signal"]["features_used"]


def test_ids_and_text_columns_are_kept_out_of_a_tabular_spec(tmp_path, sklearn_data):
    rows = (sklearn_data / "wine.csv").read_text().splitlines()
    head, body = rows[0], rows[1:]
    lines = [f"row_id,{head},batch,operator"] + [f"{1000 + i},{line},{i // 20},op{i % 3}"
                                                  for i, line in enumerate(body)]
    (tmp_path / "w.csv").write_text("\n".join(lines) + "\n")
    r = run("init", "w.csv", "--label", "cultivar", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "w.tml").read_text()
    assert "ignore row_id, operator" in text and "group batch" in text
    assert "# 'row_id' is unique in every row" in text and "# 'operator' holds text" in text
    assert "# 'batch' is constant over runs of rows" in text
    assert "signal" not in text
    r = run("build", "w.tml", "-o", "out", "--trials", "4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_target_is_an_alias_of_label_that_says_so(tmp_path, sklearn_data):
    shutil.copy(sklearn_data / "diabetes.csv", tmp_path / "d.csv")
    r = run("init", "d.csv", "--target", "progression", cwd=tmp_path)
    assert r.returncode == 0 and "--target is deprecated: use --label" in r.stderr
    r = run("init", "d.csv", cwd=tmp_path)
    assert r.returncode == 2 and "--label" in r.stderr


def test_a_build_that_keeps_a_recording_id_as_a_feature_is_warned_not_praised(tmp_path):
    """The trap of the issue: recording and sample kept as features on long-format rows."""
    shutil.copy(LONG, tmp_path / "imu.csv")
    (tmp_path / "s.tml").write_text('model m\ndata "imu.csv" { label activity }\ntask classification\n'
                                    'target cortex-m4\n')
    r = run("build", "s.tml", "-o", "out", "--trials", "4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout + r.stderr
    assert "warning: feature 'recording' is constant over runs of rows" in out
    assert "a recording, session or subject id" in out
    assert "warning: feature 'sample' counts rows" in out
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    checks = {(c["check"], c["feature"]) for c in rep["data_checks"]}
    assert {("group_like", "recording"), ("counter", "sample")} <= checks
    gap = rep["model"]["gap_explanation"]
    assert "generalises" not in gap and "not to be trusted" in gap
    assert "Data checks" in (tmp_path / "out" / "report.md").read_text()
    assert "Data checks" in (tmp_path / "out" / "report.html").read_text()


def test_clean_data_has_no_data_checks(tmp_path, sklearn_data):
    r = run("build", "specs/wine.tml", "-o", tmp_path / "w", "--trials", "3", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "w" / "report.json").read_text())["data_checks"] == []
    assert "warning" not in r.stdout + r.stderr
