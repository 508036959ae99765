"""`tinyc build specs/ -o out`: a folder of specs built at once, in parallel, only what changed, with
an index; run as a user runs it (relative paths, from the project folder), on real data."""
import json
import shutil
import subprocess

import pytest

from conftest import tinyc_exe

SMALL = """model {name}
data "../data/{data}.csv" {{ label {label} }}
task classification
metric accuracy
budget 20s
seed {seed}
quantize float32
target cortex-m4 {{ flash 8KB ram 4KB }}
search {{ families tree; trials 4; grow off }}
"""
BROKEN = """model broken
data "../data/wine.csv" { label cultivar }
task classification
target cortex-m4 { flash 8KB ram oops }
"""


def tinyc(cwd, *args):
    return subprocess.run([tinyc_exe(), *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory, sklearn_data):
    """A project with three specs, one broken, built once."""
    root = tmp_path_factory.mktemp("fleet")
    (root / "data").mkdir()
    (root / "specs").mkdir()
    for name in ("wine", "breast_cancer"):
        shutil.copy(sklearn_data / f"{name}.csv", root / "data" / f"{name}.csv")
    (root / "specs" / "wine.tml").write_text(SMALL.format(name="wine", data="wine", label="cultivar", seed=1))
    (root / "specs" / "cancer.tml").write_text(SMALL.format(name="cancer", data="breast_cancer", label="diagnosis",
                                                            seed=1))
    (root / "specs" / "broken.tml").write_text(BROKEN)
    first = tinyc(root, "build", "specs", "-o", "out", "--jobs", "2")
    return root, first


def test_a_folder_builds_every_good_spec_and_names_the_broken_one(project):
    root, r = project
    assert r.returncode == 1
    assert "specs/broken.tml" in r.stderr and "expected a number" in r.stderr.split("specs/broken.tml", 1)[1]
    assert "Traceback" not in r.stderr
    for name in ("wine", "cancer"):
        report = json.loads((root / "out" / name / "report.json").read_text())
        assert report["model"]["family"] == "tree"
        assert (root / "out" / name / "cortex-m4" / "src" / f"{name}.c").is_file()
    assert not (root / "out" / "broken").exists()
    index = json.loads((root / "out" / "index.json").read_text())
    rows = {e["spec"]: e for e in index["specs"]}
    assert set(rows) == {"specs/broken.tml", "specs/cancer.tml", "specs/wine.tml"}
    assert rows["specs/broken.tml"]["status"] == "failed" and "expected a number" in rows["specs/broken.tml"]["error"]
    wine = rows["specs/wine.tml"]
    report = json.loads((root / "out" / "wine" / "report.json").read_text())
    assert wine["status"] == "built" and wine["report"] == "wine/report.html"
    assert wine["holdout"] == report["model"]["metrics"]["holdout"]["accuracy"]
    assert wine["targets"]["cortex-m4"]["flash"] == report["targets"]["cortex-m4"]["flash"]
    assert wine["data_sha256"] == report["provenance"]["data_sha256"]
    winner = json.loads((root / "out" / "wine" / "manifest.json").read_text())["search"]["winner"]  # to rebuild it
    chosen = next(c for c in report["search"]["leaderboard"] if c["trial"] == report["model"]["chosen_trial"])
    assert winner == report["search"]["replay"]
    assert (winner["trial"], winner["family"], winner["params"], winner["seed"]) == \
        (chosen["trial"], "tree", chosen["params"], chosen["seed"])
    html = (root / "out" / "index.html").read_text()
    assert 'href="wine/report.html"' in html and "specs/broken.tml" in html and "<script" not in html


def test_a_second_run_skips_what_did_not_change_and_rebuilds_an_edited_spec(project):
    root, _ = project
    before = (root / "out" / "cancer" / "report.json").stat().st_mtime_ns
    again = tinyc(root, "build", "specs", "-o", "out")
    assert again.returncode == 1  # the broken spec is still broken
    assert "wine: unchanged, skipped" in again.stdout and "cancer: unchanged, skipped" in again.stdout
    spec = root / "specs" / "wine.tml"
    spec.write_text(spec.read_text().replace("seed 1", "seed 2"))
    (root / "specs" / "broken.tml").unlink()
    third = tinyc(root, "build", "specs", "-o", "out")
    assert third.returncode == 0, third.stderr
    assert "cancer: unchanged, skipped" in third.stdout and "wine: built" in third.stdout
    assert (root / "out" / "cancer" / "report.json").stat().st_mtime_ns == before
    index = json.loads((root / "out" / "index.json").read_text())
    wine = next(e for e in index["specs"] if e["spec"] == "specs/wine.tml")
    assert wine["change"]["seed"] == {"old": 1, "new": 2}  # since the previous build in this folder
    assert {e["spec"] for e in index["specs"]} == {"specs/cancer.tml", "specs/wine.tml"}


def test_an_index_the_user_wrote_is_never_overwritten(tmp_path, sklearn_data):
    (tmp_path / "data").mkdir()
    (tmp_path / "specs").mkdir()
    shutil.copy(sklearn_data / "wine.csv", tmp_path / "data" / "wine.csv")
    (tmp_path / "specs" / "wine.tml").write_text(SMALL.format(name="wine", data="wine", label="cultivar", seed=1))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "index.html").write_text("<h1>my page</h1>")
    r = tinyc(tmp_path, "build", "specs", "-o", "out")
    assert r.returncode == 1
    assert "out/index.html" in r.stderr and "not written by tinyc" in r.stderr
    assert (tmp_path / "out" / "index.html").read_text() == "<h1>my page</h1>"
    assert not (tmp_path / "out" / "wine").exists()  # refused before any work
