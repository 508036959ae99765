"""The wheel ships everything tinyc needs at run time: the grammar and the
backends (which live at the top of the repository, outside tinyc/), and the
entry points that register the backends. Built, installed into a fresh venv
and run on an example — no source tree on the path."""
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_installs_and_builds_an_example(tmp_path):
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(ROOT)],
                       check=True, capture_output=True, text=True)
    # the package metadata is current: no deprecation block from setuptools on install
    assert "BuildBackendWarning" not in r.stderr and "deprecated" not in r.stderr.lower(), r.stderr
    (wheel,) = dist.glob("tinyc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("licenses/LICENSE") for n in names)  # Apache-2.0, as pyproject says
    assert "tinyc_grammar/tinyc.lark" in names
    assert "tinyc_backends/templates/predict.c.in" in names and "tinyc/runtime/baremetal.c" in names
    for init in (ROOT / "tinyc").rglob("__init__.py"):  # every subpackage of the source tree is shipped
        assert init.relative_to(ROOT).as_posix() in names, init
    assert "tinyc_backends/cortex_m4.py" in names and "tinyc_backends/ispu.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "[tinyc.backends]" in zipfile.ZipFile(wheel).read(entry_points).decode()

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # the dependencies come from this test run's environment; tinyc only from the wheel
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    script = env_dir / "bin" / "tinyc"  # the console script pip made from the wheel's metadata

    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "out"
    r = subprocess.run([str(script), "build", str(ROOT / "examples" / "image_segments" / "segments.tml"),
                        "-o", str(out), "--trials", "4"], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (out / "spec.resolved.json").exists()
    r = subprocess.run([str(py), "-c", "import tinyc; print(tinyc.__file__)"], cwd=work, capture_output=True, text=True)
    assert str(site) in r.stdout  # the installed copy, not the source tree
    r = subprocess.run([str(script), "targets"], cwd=work, capture_output=True, text=True)
    assert "cortex-m33" in r.stdout and "BROKEN" not in r.stdout
