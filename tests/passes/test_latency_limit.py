"""`latency` in a target block: a hard limit on a prediction's time at the target's clock (estimated
instructions x the cycles an instruction is assumed to take), held by the search and the fitting
pass, reported per target, and checked by `tinyc verify` against the instructions qemu counts."""
import json
import subprocess

import pytest

from tinyc.budget import TargetBudget
from tinyc.models.base import Cost
from tinyc.targets import get


def test_a_budget_with_a_latency_refuses_a_slow_cost():
    caps = get("cortex-m0plus").caps
    t = TargetBudget("cortex-m0plus", caps, 32 * 1024, 8 * 1024, clock_hz=16e6, latency_s=1e-3)
    fast = Cost(flash=1000, weights=500, code=500, ram=100, ops=10, cycles=15_000, instructions=12_000)
    slow = Cost(flash=1000, weights=500, code=500, ram=100, ops=10, cycles=20_000, instructions=16_000)
    assert t.fits(fast) and not t.fits(slow)
    assert t.excess(slow) == pytest.approx(20_000 / 16e6 / 1e-3)
    assert t.relative_excess(slow)["latency"] == pytest.approx(0.25)
    assert "1.25 ms a prediction at 16 MHz (limit 1 ms)" in t.describe(slow)
    assert "latency" not in TargetBudget("cortex-m0plus", caps, 32 * 1024, 8 * 1024).relative_excess(slow)


SPEC = ('model m\ndata "{data}" {{ label digit }}\ntask classification\nbudget 20s\n'
        "target cortex-m0plus {{ flash 32KB; ram 8KB; clock 16MHz{latency} }}\n"
        "quantize int8\nsearch {{ trials 12; families mlp, linear }}\n")


def _build(tmp_path, data, latency: str):
    from conftest import tinyc_exe

    folder = tmp_path / (latency.strip("; ").replace(" ", "_") or "none")
    folder.mkdir()
    (folder / "s.tml").write_text(SPEC.format(data=data, latency=latency))
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out"], cwd=folder, capture_output=True, text=True)
    return folder, r


def test_a_latency_gets_a_model_fast_enough_and_verify_holds_it(tmp_path, sklearn_data):
    """Digits on a 16 MHz Cortex-M0+: the model chosen without a limit (an MLP) takes hundreds of µs
    a prediction; with a latency of half that the build ships one within it, reports the limit,
    and qemu's count confirms it."""
    from conftest import tinyc_exe

    free, r = _build(tmp_path, sklearn_data / "digits.csv", "")
    assert r.returncode == 0, r.stderr
    unconstrained = json.loads((free / "out" / "report.json").read_text())["targets"]["cortex-m0plus"]
    limit = int(unconstrained["latency_us"] / 2)  # binds
    assert limit > 100

    timed, r = _build(tmp_path, sklearn_data / "digits.csv", f"; latency {limit}us")
    assert r.returncode == 0, r.stderr
    report = json.loads((timed / "out" / "report.json").read_text())
    figures = report["targets"]["cortex-m0plus"]
    assert figures["latency_limit_us"] == limit and figures["latency_us"] <= limit
    assert f"limit {limit} µs" in (timed / "out" / "report.md").read_text()
    v = subprocess.run([tinyc_exe(), "verify", "out"], cwd=timed, capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr
    counted = json.loads((timed / "out" / "report.json").read_text())["verify"]["cortex-m0plus"]
    assert counted["instructions_per_inference"] * 1.25 / 16e6 <= limit * 1e-6


def test_a_latency_no_model_can_keep_fails_naming_the_fastest(tmp_path, sklearn_data):
    """(Wine's 13 features: the fitting pass shrinks to its smallest model in a few steps.)"""
    from conftest import tinyc_exe

    folder = tmp_path / "late"
    folder.mkdir()
    (folder / "s.tml").write_text(SPEC.format(data=sklearn_data / "wine.csv", latency="; latency 20us")
                                  .replace("label digit", "label cultivar"))
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out"], cwd=folder, capture_output=True, text=True)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert "a prediction at 16 MHz (limit 0.02 ms)" in r.stderr, r.stderr
    assert "latency of cortex-m0plus is out of reach of the smallest model: raise it, or the clock" in r.stderr
    assert not (folder / "out" / "report.json").exists()  # no half-written output


def test_verify_holds_the_counted_instructions_to_the_latency():
    """`tinyc verify`'s check: qemu's count (per window with a front end) x 1.25 cycles at the clock."""
    from types import SimpleNamespace

    from tinyc.verify import TargetResult, late

    def result(insns, per_window=None):
        return TargetResult("cortex-m0plus", "microbit", 10, 1000, 100, False, (), 0, insns, True, 0,
                            instructions_per_window=per_window)

    figures = SimpleNamespace(latency_limit_us=1000.0, clock_hz=16e6)
    assert late("cortex-m0plus", result(12_800), figures) is None  # 12,800 x 1.25 / 16 MHz = 1000 µs
    why = late("cortex-m0plus", result(12_900), figures)
    assert why.startswith("cortex-m0plus counted 12900 instructions a prediction, 1007.81 µs at 16 MHz")
    assert late("cortex-m0plus", result(100, per_window=20_000), figures) is not None  # the window counts
    assert late("cortex-m0plus", result(10**9), SimpleNamespace(latency_limit_us=None, clock_hz=16e6)) is None
