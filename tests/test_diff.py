"""`tinyc diff OLD NEW`: what changed between two builds of a spec, as a reviewer reads it, on two
real builds of the wine spec (a tree, then a linear model at a smaller flash limit)."""
import json
import shutil
import subprocess

import pytest

from conftest import tinyc_exe

SPEC = """model wine
data "wine.csv" {{ label cultivar }}
task classification
metric accuracy
budget 20s
seed 3
quantize float32
target cortex-m4 {{ flash {flash} ram 2KB }}
target host
search {{ families {family}; trials 6; grow off }}
"""


def tinyc(cwd, *args):
    return subprocess.run([tinyc_exe(), *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory, sklearn_data):
    """Two builds of one spec (edited in between), from the user's folder with relative paths."""
    work = tmp_path_factory.mktemp("diff")
    shutil.copy(sklearn_data / "wine.csv", work / "wine.csv")
    for name, flash, family in (("old", "8KB", "tree"), ("new", "6KB", "linear")):
        (work / "wine.tml").write_text(SPEC.format(flash=flash, family=family))
        r = tinyc(work, "build", "wine.tml", "-o", f"build/{name}", "--quiet")
        assert r.returncode == 0, r.stderr
    reports = {n: json.loads((work / "build" / n / "report.json").read_text()) for n in ("old", "new")}
    return work, reports


def test_diff_names_each_change_a_reviewer_needs(builds):
    work, rep = builds
    r = tinyc(work, "diff", "build/old", "build/new")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    old, new = rep["old"], rep["new"]
    assert old["model"]["family"] == "tree" and new["model"]["family"] == "linear"
    assert f"{old['model']['description']} -> {new['model']['description']}" in out
    acc = lambda x: x["model"]["metrics"]["holdout"]["accuracy"]  # noqa: E731
    said = f"-> {acc(new):.4f}" if acc(old) != acc(new) else "(same)"
    assert f"holdout accuracy  {acc(old):.4f} {said}" in out
    m4o, m4n = old["targets"]["cortex-m4"], new["targets"]["cortex-m4"]
    assert f"flash {m4o['flash']} -> {m4n['flash']} B" in out
    assert "flash limit 8192 -> 6144 B" in out
    assert f"spec    {old['provenance']['spec_sha256'][:12]} -> {new['provenance']['spec_sha256'][:12]}" in out
    assert f"data    {old['provenance']['data_sha256'][:12]} (same)" in out


def test_diff_of_two_report_files_as_json_and_markdown(builds):
    work, rep = builds
    r = tinyc(work, "diff", "build/old/report.json", "build/new/report.json", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["model"]["family"] == {"old": "tree", "new": "linear", "changed": True}
    assert doc["metric"]["holdout"]["old"] == rep["old"]["model"]["metrics"]["holdout"]["accuracy"]
    assert doc["targets"]["cortex-m4"]["flash"]["new"] == rep["new"]["targets"]["cortex-m4"]["flash"]
    assert doc["provenance"]["data_sha256"]["changed"] is False
    assert doc["changed"] is True
    md = tinyc(work, "diff", "build/old", "build/new", "--markdown")
    assert md.returncode == 0, md.stderr
    assert "| | old | new | change |" in md.stdout
    assert f"| cortex-m4 flash | {rep['old']['targets']['cortex-m4']['flash']} B |" in md.stdout


def test_diff_of_a_build_with_itself_says_nothing_changed_and_exit_code_reports_changes(builds):
    work, _ = builds
    same = tinyc(work, "diff", "build/old", "build/old", "--exit-code")
    assert same.returncode == 0 and "no change" in same.stdout
    changed = tinyc(work, "diff", "build/old", "build/new", "--exit-code")
    assert changed.returncode == 1 and changed.stderr == ""


def test_diff_of_a_folder_that_is_no_build_is_one_clear_line(builds, tmp_path):
    work, _ = builds
    r = tinyc(work, "diff", "build/old", str(tmp_path))
    assert r.returncode == 1
    assert "has no report.json: not a tinyc build folder" in r.stderr and "Traceback" not in r.stderr
