"""`tinyc calibrate`: per-unit instructions fitted from emulator counts, reproducibly."""
import json
import subprocess

import numpy as np
import pytest

from conftest import ROOT, tinyc_exe
from tinyc import emulator
from tinyc.calibration.fit import fit
from tinyc.models import profile
from tinyc.models.costs import instructions


def test_the_fit_recovers_known_per_unit_costs():
    rng = np.random.default_rng(0)
    truth = {"call": 40.0, "mac": 5.5, "neuron": 30.0, "class": 7.0}
    rows = []
    for _ in range(12):
        units = {"mac": int(rng.integers(10, 500)), "neuron": int(rng.integers(1, 40)), "class": int(rng.integers(1, 8))}
        rows.append((units, truth["call"] + sum(truth[k] * v for k, v in units.items())))
    table, err = fit(rows)
    assert table == pytest.approx(truth, abs=0.01) and err["worst"] < 1e-6


def test_a_unit_priced_by_another_table_stays_at_its_price():
    """The blocked int8 kernel's encoder is the compact kernel's: calibration fixes its price."""
    rng = np.random.default_rng(1)
    truth = {"call": 300.0, "code": 36.0, "mac": 2.1}
    rows = []
    for _ in range(6):  # codes and macs rise together, as in a corpus of networks: alone, the fit confounds them
        code = int(rng.integers(10, 120))
        units = {"code": code, "mac": code * 20 + int(rng.integers(0, 9))}
        rows.append((units, truth["call"] + sum(truth[k] * v for k, v in units.items())))
    table, err = fit(rows, fixed={"code": 36.0})
    assert table == pytest.approx(truth, abs=0.01) and err["worst"] < 1e-6


def test_a_core_with_a_profile_is_costed_from_it():
    from tinyc import targets

    caps = targets.get("riscv32imc").caps
    table = profile.load("riscv32imc")["instructions"]["int8"]
    units = {"code": 13, "mac": 39, "neuron": 3, "tanh": 0, "class": 3}
    assert instructions(caps, "int8", **units) == round(table["call"] + sum(table[k] * v for k, v in units.items()))
    m4 = profile.load("cortex-m4")["instructions"]["int8"]
    assert instructions(targets.get("cortex-m4").caps, "int8", **units) == round(
        m4["call"] + sum(m4[k] * v for k, v in units.items())) != instructions(caps, "int8", **units)


@pytest.mark.skipif(emulator.available("riscv32imc") is not None, reason=str(emulator.available("riscv32imc")))
@pytest.mark.slow  # (2 minutes: `make test-slow`; the RV32EC calibration test covers the command in `make test`)
def test_calibrating_riscv32imc_reproduces_the_shipped_profile(tmp_path):
    out = tmp_path / "p.json"
    r = subprocess.run([tinyc_exe(), "calibrate", "riscv32imc", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if " models " in line}
    assert " 38 models  instructions" in lines["int8"] and " 133 models  flash" in lines["code"]
    assert " 15 models  instructions" in lines["int8:blocked"]
    assert " 34 models  instructions" in lines["frontend_instructions"] and " 13 models  flash" in lines["detector_code"]
    assert f"profile written to {out}" in r.stdout
    new, shipped = json.loads(out.read_text()), json.loads((ROOT / "backends" / "profiles" / "riscv32imc.json").read_text())
    if new["toolchain"] != shipped["toolchain"]:
        pytest.skip(f"profile fitted with {shipped['toolchain']}; this machine has {new['toolchain']}")
    assert out.read_text() == (ROOT / "backends" / "profiles" / "riscv32imc.json").read_text()
    assert all(e["median"] < 0.06 for e in new["fit_error"].values()), new["fit_error"]  # (16 classes: float32 5.1%)
    assert new["code_bytes_error"]["worst"] < 0.10, new["code_bytes_error"]


def test_a_target_that_cannot_be_calibrated_is_a_clear_error():
    r = subprocess.run([tinyc_exe(), "calibrate", "cortex-m5"], capture_output=True, text=True)
    assert r.returncode == 1 and "unknown target 'cortex-m5'" in r.stderr and "did you mean 'cortex-m4'" in r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    r = subprocess.run([tinyc_exe(), "calibrate", "ispu"], capture_output=True, text=True)
    assert r.returncode == 1 and "cannot calibrate ispu: no emulator is declared" in r.stderr
