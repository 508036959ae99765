"""`tinyc verify`: measured sizes, emulated parity and instruction counts for
the Arm targets of a build; a tampered library is caught."""
import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, tinyc_exe
from tinyc import emulator

pytestmark = pytest.mark.skipif(emulator.available("cortex-m4") is not None,
                                reason=str(emulator.available("cortex-m4")))


SPEC = """model wine
data "{csv}" {{ label cultivar; holdout 20% }}
task classification
seed 4
quantize float32
target cortex-m0plus {{ flash 8KB ram 2KB }}
target cortex-m3 {{ flash 8KB ram 2KB }}
target cortex-m4 {{ flash 8KB ram 2KB }}
target cortex-m33 {{ flash 8KB ram 2KB }}
target host
search {{ families linear, mlp }}
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory, sklearn_data):
    """One build for the four qemu boards: microbit, mps2-an385, mps2-an386, mps2-an505."""
    tmp = tmp_path_factory.mktemp("v")
    (tmp / "wine.tml").write_text(SPEC.format(csv=sklearn_data / "wine.csv"))
    out = tmp / "wine"
    r = subprocess.run([tinyc_exe(), "build", str(tmp / "wine.tml"), "-o", str(out), "--trials", "6",
                        "-q", "--verify"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_verify_records_measured_figures_and_parity(build):
    report = json.loads((build / "report.json").read_text())
    v = report["verify"]
    assert set(v) == {"cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m33"}  # host is not an Arm target
    assert {r["board"] for r in v.values()} == {"microbit", "mps2-an385", "mps2-an386", "mps2-an505"}
    for target, r in v.items():
        assert r["parity"] and r["mismatches"] == 0 and r["rows"] == 36
        assert r["flash"] > 0 and r["instructions_per_inference"] > 10
        assert 0 < r["stack"] < 1024  # from GCC's call graph: a few frames, no recursion
        est = report["targets"][target]["flash"]
        assert abs(est - r["flash"]) <= max(0.10 * r["flash"], 256)
    assert v["cortex-m0plus"]["soft_float"] and v["cortex-m3"]["soft_float"] and not v["cortex-m4"]["soft_float"]
    # the soft-float routines are counted in flash and reported on their own
    assert 500 < v["cortex-m0plus"]["library_bytes"] < v["cortex-m0plus"]["flash"]
    assert v["cortex-m4"]["library_bytes"] == 0
    # without an FPU every float operation is a library call: many more instructions
    assert v["cortex-m0plus"]["instructions_per_inference"] > 3 * v["cortex-m4"]["instructions_per_inference"]
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["verify"]["cortex-m4"]["parity"] is True


def test_verify_catches_a_tampered_library(build, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(build, bad)
    src = bad / "cortex-m4" / "src" / "wine.c"
    text = src.read_text()
    # change the first value of every array of the model (weights, thresholds, leaves, scales)
    tampered = re.sub(r"(static const float \w+\[\d+\] = \{\n    )(-?[0-9.e+-]+)f",
                      lambda m: f"{m.group(1)}{float(m.group(2)) * 3 + 1}f", text)
    tampered = re.sub(r"(static const u?int(?:8|16|32)_t \w+\[\d+\] = \{\n    )(-?\d+)",
                      lambda m: f"{m.group(1)}{0 if int(m.group(2)) else 1}", tampered)
    assert tampered != text
    src.write_text(tampered)
    r = subprocess.run([tinyc_exe(), "verify", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "parity broken on cortex-m4" in r.stderr


def test_verify_explains_a_folder_that_is_not_a_build(tmp_path):
    r = subprocess.run([tinyc_exe(), "verify", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 1 and "is not a tinyc build folder" in r.stderr


def test_flash_figure_is_stable_across_runs(build):
    from tinyc import toolchain
    from tinyc.targets import get

    backend = get("cortex-m4")
    a = toolchain.measure(build / "cortex-m4", "wine", backend)
    b = toolchain.measure(build / "cortex-m4", "wine", backend)
    assert a == b and a.flash > 0


def test_verify_an_int8_build_on_cortex_m0plus_links_no_soft_float(tmp_path, sklearn_data):
    """An int8 classifier on a core without FPU: the prediction the firmware calls
    (float features in) links no soft-float routine, and its classes under qemu are the
    Python model's on every holdout row."""
    spec = SPEC.replace("quantize float32", "quantize int8").split("target cortex-m3")[0]
    (tmp_path / "wine.tml").write_text(spec.format(csv=sklearn_data / "wine.csv"))
    out = tmp_path / "wine"
    r = subprocess.run([tinyc_exe(), "build", str(tmp_path / "wine.tml"), "-o", str(out), "--trials", "4",
                        "-q", "--verify"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    v = json.loads((out / "report.json").read_text())["verify"]["cortex-m0plus"]
    assert v["parity"] and v["mismatches"] == 0 and v["rows"] == 36
    assert not v["soft_float"] and not [s for s in v["library_symbols"] if s.startswith(("__aeabi_f", "__aeabi_d"))]
    assert v["library_bytes"] < 400  # the 64-bit multiply (and shifts) only


def test_verify_a_signal_build_measures_the_whole_library_and_counts_windows(tmp_path):
    """With a signal front end the firmware calls push_sample and predict_window: verify links
    those (the build's flash figure, front end included) and counts the instructions of a window
    (a hop of pushed samples and a prediction) on a sample stream under qemu, next to the
    estimate in the report."""
    csv = ROOT / "tests" / "fixtures" / "imu_long.csv"
    (tmp_path / "s.tml").write_text(
        f'model m\ndata "{csv}" {{ label activity; holdout 25% }}\ntask classification\nquantize float32\n'
        f"signal {{ channels ax, ay, az; time t; rate 10Hz; window 40; hop 20 }}\n"
        f"search {{ families linear; trials 2 }}\ntarget cortex-m0plus {{ flash 32KB; ram 4KB }}\n")
    out = tmp_path / "out"
    r = subprocess.run([tinyc_exe(), "build", str(tmp_path / "s.tml"), "-o", str(out), "-q", "--verify"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    t, v = rep["targets"]["cortex-m0plus"], rep["verify"]["cortex-m0plus"]
    assert v["parity"] and v["flash"] == t["measured"]["flash"] > rep["signal"]["per_target"]["cortex-m0plus"]["flash"]
    assert v["instructions_per_window"] > v["instructions_per_inference"]  # the window's features cost more
    assert abs(t["instructions"] - v["instructions_per_window"]) <= 0.25 * v["instructions_per_window"], \
        (t["instructions"], v["instructions_per_window"])
