"""`tinyc build SPEC --from-report REPORT`, run as a user runs it: a build's model rebuilt without a
search gives the same libraries byte for byte (a grown MLP fine-tuned for int8; feature selection;
a signal front end whose work was pruned), and a rebuild refuses what would not be that model.
(`--from-trial URL#N` of a shared study: tests/test_shared_search.py.)"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, tinyc_exe

WINE = """model wine
data "data/wine.csv" {{ label cultivar }}
task classification
metric accuracy
budget {budget}s
seed 3
quantize int8
target cortex-m0plus {{ flash 4KB ram 1KB }}
target host
search {{ families mlp; trials 16 }}
"""

DIABETES = """model progression
data "data/diabetes.csv" { label progression }
task regression
metric rmse
budget 20s
seed 5
target cortex-m4 { flash 4KB ram 1KB }
search { families tree, forest, gbt, linear; trials 24; select on }
"""


def tinyc(cwd, *args):
    return subprocess.run([tinyc_exe(), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def libraries(build: Path) -> dict[str, bytes]:
    """Every file a consumer compiles or loads: the target folders' and the golden models."""
    out = {}
    for f in sorted(build.rglob("*")):
        rel = f.relative_to(build).as_posix()
        top = rel.split("/")[0]
        if f.is_file() and top not in ("report.json", "report.html", "report.md", "manifest.json", "README.md",
                                       "spec.tml", "spec.resolved.json"):  # (these name the spec as given)
            out[rel] = f.read_bytes()
    return out


def same_libraries(a: Path, b: Path, spec_renamed: tuple[str, str] | None = None) -> None:
    """``spec_renamed`` (the spec's name in ``a``, in ``b``): the provenance comments name the spec
    and its sha256, which then differ; nothing else may."""
    la, lb = libraries(a), libraries(b)
    if spec_renamed:
        shas = [json.loads((d / "manifest.json").read_text())["spec"]["sha256"][:16].encode() for d in (a, b)]
        old, new = (n.encode() for n in spec_renamed)
        lb = {k: v.replace(new, old).replace(shas[1], shas[0]) for k, v in lb.items()}
    assert sorted(la) == sorted(lb)
    assert any(k.endswith(".c") for k in la)
    differ = [k for k in la if la[k] != lb[k]]
    assert not differ, differ


def project(root: Path, name: str, text: str, data: Path) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(data, root / "data" / data.name)
    (root / f"{name}.tml").write_text(text)
    return root


@pytest.fixture(scope="module")
def wine(tmp_path_factory, sklearn_data):
    """A wine build (an MLP, grown, fine-tuned for int8 when that helps) and its rebuild."""
    root = project(tmp_path_factory.mktemp("replay"), "wine", WINE.format(budget=6), sklearn_data / "wine.csv")
    first = tinyc(root, "build", "wine.tml", "-o", "build/a", "-q")
    assert first.returncode == 0, first.stderr
    return root


def test_a_rebuild_from_a_report_writes_byte_identical_libraries(wine):
    root = wine
    (root / "elsewhere").mkdir()
    again = tinyc(root / "elsewhere", "build", "../wine.tml", "--from-report", "../build/a/report.json",
                  "-o", "../build/b")  # relative paths, from another folder
    assert again.returncode == 0, again.stderr
    a, b = json.loads((root / "build/a/report.json").read_text()), json.loads((root / "build/b/report.json").read_text())
    recipe = a["search"]["replay"]
    assert recipe["family"] == "mlp" and len(a["search"]["leaderboard"]) > 1
    # each trial trains with its own seed (from the spec's and the trial's number), recorded
    chosen = next(c for c in a["search"]["leaderboard"] if c["trial"] == recipe["trial"])
    assert recipe["seed"] == chosen["seed"] != 3
    assert len({c["seed"] for c in a["search"]["leaderboard"]}) == len(a["search"]["leaderboard"])
    manifest = json.loads((root / "build/a/manifest.json").read_text())
    assert manifest["search"]["winner"] == recipe
    # the rebuild: no search, the same model and libraries
    assert b["search"]["rebuilt_from"] == "../build/a/report.json" and len(b["search"]["leaderboard"]) == 1
    assert b["search"]["replay"] == recipe
    assert b["model"]["metrics"] == a["model"]["metrics"]
    assert b["quantization"]["effective"] == "int8"
    same_libraries(root / "build/a", root / "build/b")
    assert "rebuilt  trial" in again.stdout and "(no search)" in again.stdout
    assert "Search: none; rebuilt trial" in (root / "build/b/report.md").read_text()


def test_a_rebuild_with_another_budget_says_so_and_still_gives_the_same_libraries(wine):
    root = wine
    spec = root / "wine2.tml"
    spec.write_text(WINE.format(budget=300))  # the clock is not what the model came from
    r = tinyc(root, "build", "wine2.tml", "--from-report", "build/a", "-o", "build/c", "-q")
    assert r.returncode == 0, r.stderr
    assert "note: rebuilding from build/a/report.json: this spec differs from that build's" in r.stderr
    assert "the C may differ" in r.stderr
    same_libraries(root / "build/a", root / "build/c", ("wine.tml", "wine2.tml"))


def test_a_rebuild_refuses_other_data_and_writes_nothing(wine, tmp_path):
    root = wine
    other = tmp_path / "p"
    project(other, "wine", WINE.format(budget=6), root / "data" / "wine.csv")
    lines = (other / "data" / "wine.csv").read_text().splitlines(keepends=True)
    (other / "data" / "wine.csv").write_text("".join(lines[:-1]))  # one row fewer
    r = tinyc(other, "build", "wine.tml", "--from-report", str(root / "build/a/report.json"), "-o", "out")
    assert r.returncode == 1
    assert "E0508" in r.stderr and "its data file differs from this one" in r.stderr
    assert "Traceback" not in r.stderr and not (other / "out").exists()


@pytest.mark.parametrize("doc, says", [
    ({"task": "anomaly", "search": {"stopped_by": "trials"}}, "an anomaly detector's build"),
    ({"task": "classification", "search": {}}, "written by a tinyc without rebuild recipes"),
])
def test_a_report_without_a_recipe_is_refused_with_the_reason(wine, tmp_path, doc, says):
    (tmp_path / "report.json").write_text(json.dumps(doc))
    r = tinyc(wine, "build", "wine.tml", "--from-report", str(tmp_path / "report.json"), "-o", str(tmp_path / "o"))
    assert r.returncode == 1 and says in r.stderr and "E0508" in r.stderr
    assert not (tmp_path / "o").exists()


def test_a_rebuild_takes_one_spec(wine):
    r = tinyc(wine, "build", "wine.tml", "wine.tml", "--from-report", "build/a", "-o", "many")
    assert r.returncode == 1 and "rebuilds one spec's model" in r.stderr
    missing = tinyc(wine, "build", "wine.tml", "--from-report", "build/nothing", "-o", "x")
    assert missing.returncode == 1 and "--from-report: no build/nothing" in missing.stderr


def test_a_rebuild_keeps_the_features_the_search_selected(tmp_path, sklearn_data):
    root = project(tmp_path, "progression", DIABETES, sklearn_data / "diabetes.csv")
    assert tinyc(root, "build", "progression.tml", "-o", "a", "-q").returncode == 0
    r = tinyc(root, "build", "progression.tml", "--from-report", "a", "-o", "b", "-q")
    assert r.returncode == 0, r.stderr
    a, b = (json.loads((root / d / "report.json").read_text()) for d in ("a", "b"))
    assert b["fitting"]["features_not_selected"] == a["fitting"]["features_not_selected"]
    assert b["model"]["metrics"] == a["model"]["metrics"]
    same_libraries(root / "a", root / "b")


@pytest.mark.slow
def test_a_rebuild_of_a_signal_build_gives_the_same_front_end_and_model(tmp_path):
    """The activity example: windows from raw IMU samples, front-end work pruned by cross-validation."""
    src = ROOT / "examples" / "basic_motions"
    shutil.copy(src / "data.csv", tmp_path / "data.csv")
    text = (src / "activity.tml").read_text().replace("budget 60s", "budget 20s").replace("trials 24", "trials 8")
    (tmp_path / "activity.tml").write_text(text)
    assert tinyc(tmp_path, "build", "activity.tml", "-o", "a", "-q").returncode == 0
    r = tinyc(tmp_path, "build", "activity.tml", "--from-report", "a/report.json", "-o", "b", "-q")
    assert r.returncode == 0, r.stderr
    a, b = (json.loads((tmp_path / d / "report.json").read_text()) for d in ("a", "b"))
    assert b["signal"]["blocks_dropped"] == a["signal"]["blocks_dropped"]
    same_libraries(tmp_path / "a", tmp_path / "b")
