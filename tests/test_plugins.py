"""Third-party backends and model families: installed as packages, found through the
`tinyc.backends` and `tinyc.families` entry-point groups, usable from a spec; a broken one
breaks only its own target."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, tinyc_exe


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    for pkg in (ROOT / "examples" / "plugin_backend", ROOT / "examples" / "plugin_family",
                ROOT / "tests" / "plugins" / "broken_backend"):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(site), str(pkg)], check=True, capture_output=True)
    return site


def run(site, *args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([tinyc_exe(), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd)


def test_installed_plugin_is_listed_and_broken_one_is_isolated(plugin_site):
    r = run(plugin_site, "targets")
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines()}
    assert "tinyc-cortex-m7 0.1.0" in lines["cortex-m7"]
    assert "BROKEN" in lines["broken-target"] and "broken on purpose" in lines["broken-target"]
    assert "BROKEN" not in lines["cortex-m4"]


def test_spec_can_use_the_plugin_target(plugin_site, tmp_path):
    shutil.copy(ROOT / "tests" / "fixtures" / "segments_head.csv", tmp_path / "d.csv")
    spec = tmp_path / "s.tml"
    spec.write_text('model m\ndata "d.csv" { label target }\ntask classification\n'
                    'target cortex-m7 { flash 16KB ram 4KB }\n')
    r = run(plugin_site, "build", spec, "-o", tmp_path / "out", "--trials", "3")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "cortex-m7" / "src" / "m.h").exists()
    assert "-mcpu=cortex-m7" in (tmp_path / "out" / "cortex-m7" / "m.mk").read_text()
    # the plugin declares its qemu board (MPS2 AN500, a Cortex-M7): verify runs the library there
    r = run(plugin_site, "verify", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert "cortex-m7      mps2-an500" in r.stderr and "parity ok (12/12 rows)" in r.stderr
    # without the plugin installed the same spec is an unknown target
    r = subprocess.run([tinyc_exe(), "check", str(spec)], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown target 'cortex-m7'" in r.stderr
    # a broken plugin's target is refused with its load error
    spec.write_text('model m\ndata "d.csv" { label target }\ntask classification\ntarget broken-target\n')
    r = run(plugin_site, "check", spec)
    assert r.returncode == 2 and "installed but its backend does not load" in r.stderr


def test_a_family_from_another_package_is_searched_emitted_and_verified(plugin_site, tmp_path):
    """examples/plugin_family registers boosted decision stumps; a spec naming the family gets
    it searched, fitted to the target, emitted as C and verified bit for bit, with no edit to
    tinyc."""
    import json

    shutil.copy(ROOT / "tests" / "fixtures" / "segments_head.csv", tmp_path / "d.csv")
    spec = tmp_path / "s.tml"
    spec.write_text('model m\ndata "d.csv" { label target }\ntask classification\n'
                    'target cortex-m0plus { flash 8KB ram 2KB }\ntarget host\n'
                    'search { families stumps trials 8 }\n')
    r = run(plugin_site, "build", spec, "-o", "out", "--verify", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["model"]["family"] == "stumps"
    assert len([c for c in report["search"]["leaderboard"] if c["status"] == "ok"]) >= 2
    assert report["model"]["metrics"]["holdout"]["accuracy"] > 0.4  # 7 classes (12 holdout rows): chance is 0.14
    assert report["artifacts"]["onnx"] is None and "no ONNX form" in report["artifacts"]["onnx_note"]
    src = (tmp_path / "out" / "cortex-m0plus" / "src" / "m.c").read_text()
    assert "m_stump_threshold" in src
    t = report["targets"]["cortex-m0plus"]
    assert t["measured"]["flash"] is not None and t["measured"]["flash"] <= 8192
    assert "parity" in r.stderr and "mismatch" not in r.stderr.lower()
    # the desktop predictor agrees with the golden model's predictions
    pred = subprocess.run([str(tmp_path / "out" / "artifacts" / "predict"), "--csv", "out/artifacts/holdout.csv"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert pred.returncode == 0, pred.stderr
    golden = (tmp_path / "out" / "artifacts" / "holdout_predictions.csv").read_text().split()[1:]
    assert pred.stdout.split() == golden
    # without the plugin the family is unknown, with its name in the message
    r = subprocess.run([tinyc_exe(), "check", str(spec)], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown model family 'stumps'" in r.stderr


def test_the_plugin_target_passes_the_conformance_suite(plugin_site):
    """tests/backends/test_conformance.py over the Cortex-M7 plugin's target, with the plugin installed."""
    env = {**os.environ, "PYTHONPATH": str(plugin_site)}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                        str(ROOT / "tests" / "backends" / "test_conformance.py"), "-k", "cortex-m7"],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "3 passed" in r.stdout, r.stdout[-2000:]
