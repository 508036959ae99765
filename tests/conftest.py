import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tinyc  # noqa: F401  (first, before numpy: it pins OpenBLAS's kernels, tinyc.blas)

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite golden files from the current output (review the diff!)")


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")


@pytest.fixture(scope="session")
def sklearn_data() -> Path:
    """specs/data/*.csv, exported from scikit-learn's bundled sets (make test does it first)."""
    folder = ROOT / "specs" / "data"
    if not (folder / "wine.csv").exists():
        subprocess.run([sys.executable, str(ROOT / "specs" / "export_sklearn_data.py"), str(folder)], check=True)
    return folder


def tinyc_exe() -> str:
    exe = Path(sys.executable).with_name("tinyc")
    return str(exe) if exe.exists() else shutil.which("tinyc")


def check_golden(path: Path, actual: str, update: bool) -> None:
    if update or not path.exists():
        if not update:
            pytest.fail(f"golden file {path} is missing; run pytest --update-goldens and review it")
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path.relative_to(ROOT)} (pytest --update-goldens to accept)"


def build_spec(folder: Path, spec_text: str, *args: str):
    """`tinyc build s.tml -o out ARGS` run in ``folder`` on ``spec_text`` saved as s.tml, as a user
    runs it; asserts it succeeds; returns the process and the build's report.json."""
    import json

    (folder / "s.tml").write_text(spec_text)
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out", *args], cwd=folder, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return r, json.loads((folder / "out" / "report.json").read_text())


def verify_within_a_quarter(cwd: Path, report: dict, targets, per: str) -> dict:
    """`tinyc verify out` run in ``cwd`` as a user runs it: asserts it passes, each target's parity,
    and that its counted instructions (``per``: "inference" or "window") are within a quarter of
    the build report's estimate; returns report.json's verify section."""
    import json

    v = subprocess.run([tinyc_exe(), "verify", "out"], cwd=cwd, capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr
    verified = json.loads((cwd / "out" / "report.json").read_text())["verify"]
    for t in targets:
        assert verified[t]["parity"] is True
        counted, estimated = verified[t][f"instructions_per_{per}"], report["targets"][t]["instructions"]
        assert abs(estimated - counted) <= 0.25 * counted, (t, estimated, counted)
    return verified

