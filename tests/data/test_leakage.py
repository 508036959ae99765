"""One feature that alone predicts the label almost perfectly, far ahead of every other feature,
is reported as likely leakage; real data sets, even easy ones, are not."""
import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import ROOT, tinyc_exe
from tinyc.data.leakage import find_leak, single_feature_scores

EXAMPLES = ROOT / "examples"


def _table(path, label, classification=True):
    names = path.read_text().splitlines()[0].split(",")
    data = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)
    j = names.index(label)
    X = np.delete(data, j, axis=1).astype(np.float64)
    if classification:
        classes, y = np.unique(data[:, j], return_inverse=True)
        return [n for n in names if n != label], X, y, len(classes)
    return [n for n in names if n != label], X, data[:, j].astype(np.float64), 0


CASES = {  # (csv, label, classification)
    "wine": (lambda d: d / "wine.csv", "cultivar", True),
    "breast_cancer": (lambda d: d / "breast_cancer.csv", "diagnosis", True),
    "digits": (lambda d: d / "digits.csv", "digit", True),
    "diabetes": (lambda d: d / "diabetes.csv", "progression", False),
    "image_segments": (lambda d: EXAMPLES / "image_segments" / "data.csv", "target", True),
    # window features of four motions: several features alone separate them perfectly (a real, easy
    # task): none is far ahead of the others, so none is reported
    "basic_motions_features": (lambda d: EXAMPLES / "basic_motions" / "features.csv", "target", True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_data_has_no_leak(case, sklearn_data):
    path, label, classification = CASES[case]
    names, X, y, k = _table(path(sklearn_data), label, classification)
    assert find_leak(names, X, y, k) is None


@pytest.mark.parametrize("case", ["wine", "digits", "diabetes", "image_segments"])
@pytest.mark.parametrize("kind", ["recoded", "noisy"])
def test_a_feature_made_from_the_label_is_found(case, kind, sklearn_data):
    path, label, classification = CASES[case]
    names, X, y, k = _table(path(sklearn_data), label, classification)
    rng = np.random.default_rng(7)
    spread = 0.05 if classification else 0.02 * y.std()  # classes 1 apart; a regression label + 2% noise
    leaked = 3.0 * y + 1.0 if kind == "recoded" else y + rng.normal(0, spread, len(y))
    at = len(names) // 2  # anywhere among the real features
    X = np.insert(X, at, leaked, axis=1)
    leak = find_leak(names[:at] + ["code"] + names[at:], X, y, k)
    assert leak is not None and leak.column == "code"
    assert leak.score >= 0.99 and leak.runner_up != "code" and leak.runner_up_score < 0.95
    assert leak.measure == ("balanced accuracy" if classification else "R²")


def test_scores_are_out_of_fold_and_keep_groups_together():
    """A feature unique to each group predicts the label of rows it has seen, not of new groups:
    scored with the groups kept whole it is no better than chance."""
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 10)
    y = rng.integers(0, 2, 40)[groups]  # one class per group, at random
    group_id = groups.astype(np.float64) + rng.normal(0, 0.01, len(groups))
    noise = rng.normal(size=len(groups))
    X = np.column_stack([group_id, noise])
    mixed = single_feature_scores(X, y, 2)
    whole = single_feature_scores(X, y, 2, groups=groups)
    assert mixed[0] > 0.9  # rows of a group on both sides: the id looks perfect
    assert whole[0] < 0.75 and whole[1] < 0.75


def test_a_build_with_a_leaked_column_warns_and_does_not_praise(tmp_path, sklearn_data):
    rows = (sklearn_data / "wine.csv").read_text().splitlines()
    names = rows[0].split(",")
    label = names.index("cultivar")
    codes = {c: i for i, c in enumerate(sorted({r.split(",")[label] for r in rows[1:]}))}
    # the cultivar as a lab's "quality grade" column, one value per cultivar with a little jitter
    lines = [rows[0] + ",grade"] + [f"{r},{10 * codes[r.split(',')[label]] + (i % 3) * 0.1:.1f}"
                                    for i, r in enumerate(rows[1:])]
    (tmp_path / "w.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "w.tml").write_text('model w\ndata "w.csv" { label cultivar }\ntask classification\n'
                                    'target cortex-m4\n')
    r = subprocess.run([tinyc_exe(), "build", "w.tml", "-o", "out", "--trials", "3"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "warning: feature 'grade' alone predicts the label almost perfectly" in r.stdout + r.stderr
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [(c["check"], c["feature"]) for c in rep["data_checks"]] == [("leak", "grade")]
    assert "the next best feature, 'flavanoids'" in rep["data_checks"][0]["message"]
    gap = rep["model"]["gap_explanation"]
    assert "generalises" not in gap and "likely leakage" in gap and "not to be trusted" in gap
    assert "alone predicts the label" in (tmp_path / "out" / "report.html").read_text()
    shutil.rmtree(tmp_path / "out")
