"""`data { group subject }` on a feature table: the holdout is whole groups and the search's
cross-validation keeps every group on one side, as the signal block does for recordings."""
import shutil
import subprocess

import numpy as np
import pandas as pd

from conftest import ROOT, build_spec, tinyc_exe
from tinyc.data.prepare import group_split
from tinyc.passes.cv import fold_indices

LONG = ROOT / "examples" / "basic_motions" / "data.csv"  # recording, sample, 6 IMU channels, activity


def test_a_grouped_build_holds_out_whole_recordings(tmp_path):
    shutil.copy(LONG, tmp_path / "imu.csv")
    r, rep = build_spec(tmp_path, 'model m\ndata "imu.csv" { label activity; group recording; ignore sample }\n'
                                  'task classification\ntarget cortex-m4\n', "--trials", "4")
    g = rep["data"]["group"]
    assert g["column"] == "recording" and g["train_groups"] + g["holdout_groups"] == 80 and g["holdout_groups"] >= 16
    assert "recording" not in [f["name"] for f in rep["data"]["features"]] and rep["data_checks"] == []
    hold = pd.read_csv(tmp_path / "out" / "artifacts" / "holdout.csv")
    assert len(hold) == 100 * g["holdout_groups"]  # every sample of a held-out recording, none of the others
    assert "Traceback" not in r.stderr


def test_group_split_and_folds_never_split_a_group():
    rng = np.random.default_rng(0)
    groups = np.repeat([f"s{i}" for i in range(12)], rng.integers(5, 30, 12))
    tr, ho = group_split(groups, 25.0, seed=3)
    assert not set(groups[tr]) & set(groups[ho]) and len(tr) + len(ho) == len(groups)
    assert 0.15 <= len(ho) / len(groups) <= 0.5
    y = (np.arange(len(groups)) % 3)
    for folds in (1, 3, 5):
        for a, b in fold_indices(y, folds, 0, True, groups):
            assert not set(groups[a]) & set(groups[b])
        for a, b in fold_indices(y.astype(float), folds, 0, False, groups):
            assert not set(groups[a]) & set(groups[b])


def test_the_group_statement_is_checked(tmp_path):
    shutil.copy(LONG, tmp_path / "imu.csv")
    (tmp_path / "s.tml").write_text('model m\ndata "imu.csv" { label activity; group recordng }\n'
                                    'task classification\ntarget cortex-m4\n')
    r = subprocess.run([tinyc_exe(), "check", "s.tml"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "column 'recordng' is not in the data file" in r.stderr
    assert "did you mean 'recording'?" in r.stderr
    (tmp_path / "s.tml").write_text('model m\ndata "imu.csv" {\n  label activity\n  group recording\n}\n'
                                    'task classification\ntarget cortex-m4\n')
    assert subprocess.run([tinyc_exe(), "fmt", "--check", "s.tml"], cwd=tmp_path).returncode == 0


def test_a_holdout_file_sharing_groups_is_a_data_check(tmp_path):
    df = pd.read_csv(LONG)
    last = df["recording"].isin(range(60, 80))
    df[~last].to_csv(tmp_path / "train.csv", index=False)
    df[last | df["recording"].isin([0, 1])].to_csv(tmp_path / "test.csv", index=False)  # two recordings twice
    r, rep = build_spec(tmp_path, 'model m\ndata "train.csv" { label activity; group recording; ignore sample; '
                                  'holdout "test.csv" }\ntask classification\ntarget cortex-m4\n', "--trials", "3")
    assert "warning: 2 of the 22 recording values of the holdout file are in the training file too" in r.stderr
    assert rep["data"]["group"] == {"column": "recording", "train_groups": 60, "holdout_groups": 22}
