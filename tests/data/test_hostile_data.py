"""Data a new or hostile user gives tinyc: each case a one-line reason in tinyc's words and a
non-zero exit, never a traceback or a library's raw message, and no output folder."""
import csv
import shutil
import subprocess

import pytest

from conftest import ROOT, tinyc_exe


def build(folder, spec_text, *extra):
    (folder / "s.tml").write_text(spec_text)
    return subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out", "--trials", "4", *extra], cwd=folder,
                          capture_output=True, text=True)


def rows(path, header, data):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(data)


@pytest.fixture
def wine(tmp_path, sklearn_data):
    shutil.copy(sklearn_data / "wine.csv", tmp_path / "wine.csv")
    return tmp_path


def _one_line_failure(r, folder, message):
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error[E0401]: ")]  # a data error, with its code
    assert len(err) == 1 and message in err[0], r.stderr
    assert not (folder / "out").exists()


@pytest.mark.parametrize("value, shown", [("1e308", "1e+308"), ("-1.7e308", "-1.7e+308"), ("4e38", "4e+38")])
def test_values_beyond_float32_are_a_data_error(wine, value, shown):
    lines = (wine / "wine.csv").read_text().splitlines()
    cells = lines[6].split(",")
    cells[1] = value
    lines[6] = ",".join(cells)
    (wine / "wine.csv").write_text("\n".join(lines) + "\n")
    r = build(wine, 'model m\ndata "wine.csv" { label cultivar }\ntask classification\nmetric auc\ntarget host\n')
    col = lines[0].split(",")[1]
    _one_line_failure(r, wine, f"column '{col}' holds {shown} at row 7, beyond float32's range (±3.4e+38)")


def test_regression_labels_beyond_float32_are_a_data_error(tmp_path):
    rows(tmp_path / "d.csv", ["a", "y"], [[i, 1e39 if i == 3 else i * 2] for i in range(20)])
    r = build(tmp_path, 'model m\ndata "d.csv" { label y }\ntask regression\ntarget host\n')
    _one_line_failure(r, tmp_path, "label column 'y' holds 1e+39 at row 5, beyond float32's range")


def test_three_rows_explained_in_tinycs_words(tmp_path):
    rows(tmp_path / "tiny.csv", ["a", "b", "label"], [[1, 2, "x"], [3, 4, "y"], [5, 6, "x"]])
    r = build(tmp_path, 'model m\ndata "tiny.csv" { label label }\ntask classification\ntarget host\n')
    _one_line_failure(r, tmp_path, "the 2 training rows are too few")
    assert "n_splits" not in r.stderr


def test_a_99_percent_holdout_explained(wine):
    r = build(wine, 'model m\ndata "wine.csv" { label cultivar; holdout 99% }\ntask classification\ntarget host\n')
    _one_line_failure(r, wine, "holdout 99%")
    assert "n_splits" not in r.stderr


def test_few_rows_per_class_use_fewer_folds(tmp_path):
    """Three rows of each class: three folds instead of five, and the build succeeds."""
    rows(tmp_path / "d.csv", ["a", "b", "label"],
         [[i + 10 * (i % 2), i % 3, "xy"[i % 2]] for i in range(8)])
    r = build(tmp_path, 'model m\ndata "d.csv" { label label; holdout 25% }\ntask classification\ntarget host\n',
              "--json")
    assert r.returncode == 0, r.stderr
    import json
    start = next(e for e in map(json.loads, r.stdout.splitlines()) if e["event"] == "start")
    assert start["folds"] == 3


def test_holdout_file_equal_to_the_training_file_is_refused(wine):
    r = build(wine, 'model m\ndata "wine.csv" { label cultivar; holdout "wine.csv" }\ntask classification\n'
                    'target host\n')
    _one_line_failure(r, wine, "the holdout file is the training file")
    shutil.copy(wine / "wine.csv", wine / "copy.csv")
    r = build(wine, 'model m\ndata "wine.csv" { label cultivar; holdout "copy.csv" }\ntask classification\n'
                    'target host\n')
    _one_line_failure(r, wine, "all 178 rows of the holdout file are rows of the training file")


def test_holdout_overlap_is_a_loud_warning_with_the_count(wine):
    lines = (wine / "wine.csv").read_text().splitlines()
    (wine / "train.csv").write_text("\n".join(lines[:151]) + "\n")
    (wine / "test.csv").write_text("\n".join([lines[0]] + lines[141:]) + "\n")  # rows 141-150 in both
    r = build(wine, 'model m\ndata "train.csv" { label cultivar; holdout "test.csv" }\ntask classification\n'
                    'target host\n')
    assert r.returncode == 0, r.stderr
    assert "warning: 10 of the 38 holdout rows are also training rows" in r.stdout + r.stderr
    import json
    rep = json.loads((wine / "out" / "report.json").read_text())
    assert rep["data"]["holdout_overlap"] == 10


def test_errors_never_echo_a_files_content(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOP-SECRET-LINE:/root:/bin/bash\ndaemon:x:1:1::/:/bin/sh\n")
    (tmp_path / "s.tml").write_text(f'model m\ndata "{secret}" {{ label cultivar }}\ntask classification\n'
                                    f'target host\n')
    for cmd in ("check", "build"):
        r = subprocess.run([tinyc_exe(), cmd, "s.tml"], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode != 0 and "TOP-SECRET" not in r.stderr + r.stdout, r.stderr
        assert "Traceback" not in r.stderr


def test_a_path_component_too_long_is_a_clean_error(tmp_path):
    (tmp_path / "s.tml").write_text(f'model m\ndata "{"x" * 300}.csv" {{ label y }}\ntask regression\ntarget host\n')
    r = subprocess.run([tinyc_exe(), "check", "s.tml"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert "error[E0301]" in r.stderr and "name too long" in r.stderr.lower()


def test_bom_and_cr_line_endings_in_specs_and_data(tmp_path):
    shutil.copy(ROOT / "tests" / "fixtures" / "stackloss.csv", tmp_path / "d.csv")
    text = 'model m\ndata "d.csv" { label target }\ntask regression\ntarget host\n'
    for name, raw in (("bom", "\ufeff" + text), ("cr", text.replace("\n", "\r")),
                      ("mixed", text.replace("\n", "\r", 2).replace("task regression\n", "task regression\r\n"))):
        (tmp_path / f"{name}.tml").write_bytes(raw.encode("utf-8"))
        r = subprocess.run([tinyc_exe(), "check", f"{name}.tml"], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, (name, r.stderr)
    csv_text = (tmp_path / "d.csv").read_text()
    (tmp_path / "cr.csv").write_bytes(("\ufeff" + csv_text.replace("\n", "\r")).encode("utf-8"))
    r = build(tmp_path, text.replace("d.csv", "cr.csv"))
    assert r.returncode == 0, r.stderr
    import json
    assert json.loads((tmp_path / "out" / "report.json").read_text())["data"]["rows"] == \
        len(csv_text.splitlines()) - 1


def test_rows_the_file_holds_twice_across_the_split_are_counted(tmp_path):
    """Image segments holds duplicated rows: with a percentage holdout some land on both sides."""
    shutil.copy(ROOT / "examples" / "image_segments" / "data.csv", tmp_path / "d.csv")
    r = build(tmp_path, 'model m\ndata "d.csv" { label target }\ntask classification\ntarget host\n')
    assert r.returncode == 0, r.stderr
    import json
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    n = rep["data"]["holdout_overlap"]
    assert n > 50 and f"warning: {n} of the 462 holdout rows are also training rows" in r.stderr
    assert "drop the duplicated rows from the data" in r.stderr
    assert "optimistic" in rep["model"]["gap_explanation"]


def test_a_rare_class_is_a_data_check(tmp_path, sklearn_data):
    lines = (sklearn_data / "wine.csv").read_text().splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if not ln.endswith("cultivar_3")] + \
        [ln for ln in lines[1:] if ln.endswith("cultivar_3")][:6]
    (tmp_path / "w.csv").write_text("\n".join(keep) + "\n")
    r = build(tmp_path, 'model m\ndata "w.csv" { label cultivar }\ntask classification\nmetric accuracy\n'
                        'target host\n')
    assert r.returncode == 0, r.stderr
    assert "warning: class 'cultivar_3' has 6 rows, under a tenth of class 'cultivar_2' (71)" in r.stderr
    assert "balanced_accuracy or f1 weigh every class" in r.stderr
