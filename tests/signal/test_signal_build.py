"""`tinyc build` of a spec with a signal block, on raw smartwatch IMU samples: windows
split by recording, a model fed by the emitted front end (checked on the host through
the ISPU project with raw register samples), and clear errors for bad signal input."""
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ispu_host
from conftest import ROOT
from tinyc import emulator
from tinyc.data.header import DataError
from tinyc.errors import BuildError
from tinyc.passes.pipeline import build
from tinyc.signal import features as F
from tinyc.spec import load
from tinyc.spec.diagnostics import SpecError

SPEC = ROOT / "examples" / "basic_motions" / "activity.tml"


@pytest.fixture(scope="module")
def activity(tmp_path_factory):
    out = tmp_path_factory.mktemp("act") / "out"
    return build(load(SPEC), SPEC, out, trials=8), out


def test_windows_are_split_by_recording_and_the_model_is_accurate(activity):
    result, out = activity
    rep = result.report
    sig = rep["signal"]
    assert sig["recordings"] == {"train": 60, "holdout": 20} and sig["window"] == 30 and sig["hop"] == 10
    assert sig["windows"] == {"train": 60 * 8, "holdout": 20 * 8}  # (100 - 30) // 10 + 1 windows each
    assert rep["model"]["metrics"]["holdout"]["accuracy"] >= 0.9
    # the front end computes only what the model uses, and its cost is part of the target's
    used = sig["features_used"]
    assert used == list(result.dataset.feature_names) and len(used) <= 88
    if result.model.family in ("tree", "forest", "gbt"):  # no feature the trees never split on
        assert len(used) < 88
    t = rep["targets"]["cortex-m4"]
    assert t["flash"] >= sig["per_target"]["cortex-m4"]["flash"] > 0
    if t["measured"]["flash"] is not None:  # linked: push_sample + predict_window + the model
        assert abs(t["flash"] - t["measured"]["flash"]) <= 0.1 * t["measured"]["flash"]
        assert t["measured"]["ram"] <= t["ram"]
    header = (out / "cortex-m4" / "src" / "activity.h").read_text()
    assert "activity_push_sample(const float *sample, int32_t *ready)" in header
    assert "#define ACTIVITY_N_CHANNELS 6" in header and "#define ACTIVITY_WINDOW 30u" in header


def _holdout_recordings(result):
    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")
    recs = [g for _, g in d.groupby("recording", sort=False)]
    fe = result.model.frontend
    ours = []
    for g in recs:  # the holdout recordings are those whose windows are the holdout rows
        x = g[list(fe.channels)].to_numpy(dtype=np.float32)
        feats = F.compute(fe, F.windows(fe, x))
        ours.append((g, x, feats))
    hold = result.dataset.X_holdout.astype(np.float32)
    picked = [(g, x, f) for g, x, f in ours if any(np.array_equal(f[0], h) for h in hold[::8])]
    assert len(picked) == 20
    return picked


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_ispu_project_classifies_raw_register_samples_like_the_python_model(activity, tmp_path):
    """The spec declares the sensor: ±4 g and ±2000 dps int16 counts at 12.5 Hz for data in m/s² and
    rad/s at 10 Hz. Holdout recordings as the sensor would deliver them (resampled to 12.5 Hz,
    converted to counts) go through the ISPU project's registers: every window's class is the
    Python model's on the same readings, and nearly always its class on the original data."""
    result, out = activity
    fe = result.model.frontend
    dev = fe.device
    assert (dev.device_rate_hz, dev.num, dev.den) == (12.5, 5, 4)
    conf = (out / "ispu" / "conf.txt").read_text()
    assert "acc_odr 12.5\n" in conf and "acc_fs 4\n" in conf and "gyr_fs 2000\n" in conf
    assert "ispu_irq_rate 12.5\n" in conf
    picked = _holdout_recordings(result)[:6]
    raws, expect, original = [], [], []
    for g, x, feats in picked:
        raw = dev.readings(x)  # what the sensor's registers hold, sample by sample
        raws.append(raw)
        expect.append(result.model.predict(F.compute(fe, F.windows(fe, dev.samples(raw)))))
        original.append(result.model.predict(feats)[:len(expect[-1])])
    ispu = out / "ispu"
    shutil.copytree(ispu, tmp_path / "ispu")
    got = np.array([int(v) for v in ispu_host.run(tmp_path / "ispu", "activity",
                                                  window_driver(np.concatenate(raws), starts(raws)))])
    assert np.array_equal(got, np.concatenate(expect))  # one class per completed window, as in Python
    assert np.mean(np.concatenate(original) == np.concatenate([e[:len(o)] for e, o in zip(expect, original)])) >= 0.9


def starts(raws) -> list[int]:
    return [int(v) for v in np.cumsum([0] + [len(r) for r in raws[:-1]])]


def window_driver(raw_rows, recording_starts) -> str:
    """ISPU host driver: a new recording (front end reset) at each of ``recording_starts`` (or every
    ``recording_starts`` samples, when a number); prints the class (or anomaly flag) of every window
    completed with status ok."""
    if isinstance(recording_starts, int):
        new = f"i % {recording_starts}u == 0u"
    else:
        new = " || ".join(f"i == {s}u" for s in recording_starts)
    return ispu_host.driver("activity", raw_rows, before=f"""        if ({new}) {{
            activity_signal_reset(); /* a new recording */
        }}
        TINYC_REG(int16_t, TINYC_ISPU_DOUT(1)) = -99;
""", after="""        if (TINYC_REG(int16_t, TINYC_ISPU_DOUT(1)) == 0) {
            printf("%d\\n", TINYC_REG(int16_t, TINYC_ISPU_DOUT(0)));
        }
""")


BASE = """model m
data "{data}" {{ label activity }}
task classification
signal {{
  channels acc_x, acc_y, acc_z
  {extra}
  rate {rate}
  window {window}
}}
target cortex-m4
"""


def _spec(tmp_path, data=ROOT / "examples" / "basic_motions" / "data.csv", extra="group recording", rate="10Hz",
          window="2s"):
    p = tmp_path / "s.tml"
    p.write_text(BASE.format(data=data, extra=extra, rate=rate, window=window))
    return p


def test_a_channel_missing_in_the_csv_is_a_spec_error(tmp_path):
    p = _spec(tmp_path)
    p.write_text(p.read_text().replace("acc_z", "acc_w"))
    with pytest.raises(SpecError) as e:
        load(p)
    text = e.value.render()
    assert "E0302" in text and "column 'acc_w' is not in the data file" in text and "did you mean 'acc_z'" in text


def test_a_window_longer_than_a_recording_is_a_data_error(tmp_path):
    p = _spec(tmp_path, window="12s")
    with pytest.raises(DataError, match=r"recording '0' has 100 samples, fewer than one window of 120 "
                                        r"\(12 s at 10 Hz\)"):
        build(load(p), p, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_rate_that_does_not_match_the_timestamps_is_a_data_error(tmp_path):
    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")
    d["t"] = d["sample"] * 0.02  # 50 Hz timestamps
    d.to_csv(tmp_path / "d.csv", index=False)
    p = _spec(tmp_path, data=tmp_path / "d.csv", extra="group recording\n  time t")
    with pytest.raises(DataError, match=r"timestamps in column 't' in recording '0' are 0.02 s apart \(50 Hz\), "
                                        r"but the signal block says rate 10Hz"):
        build(load(p), p, tmp_path / "out")


def test_a_non_numeric_sample_is_a_data_error(tmp_path):
    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")
    d["acc_y"] = d["acc_y"].astype(object)
    d.loc[17, "acc_y"] = "n/a?"
    d.to_csv(tmp_path / "d.csv", index=False)
    p = _spec(tmp_path, data=tmp_path / "d.csv")
    with pytest.raises(DataError, match=r"channel 'acc_y' at row 19 holds 'n/a\?'"):
        build(load(p), p, tmp_path / "out")


def test_report_json_and_model_json_describe_the_front_end(activity):
    result, out = activity
    doc = json.loads((out / "artifacts" / "model.json").read_text())
    assert doc["frontend"]["window"] == 30 and doc["frontend"]["used"] == doc["features"]
    html = (out / "report.html").read_text()
    assert "<h3>Signal front end</h3>" in html and "features used" in html
    readme = (out / "README.md").read_text()  # integration: raw samples in, one at a time
    assert "activity_push_raw(raw, &ready) == ACTIVITY_OK && ready && activity_predict_window(&cls)" in readme
    assert "acc_x: int16 full_scale 4g" in readme and "resamples to 10 Hz" in readme
    assert "Signal front end: " in (out / "report.md").read_text()


def test_one_recording_is_split_in_time_and_builds_are_reproducible(tmp_path):
    """Without a group column the file is one recording: the holdout is its tail, and no
    window straddles the cut (a window shared by both sides would leak)."""
    p = tmp_path / "s.tml"
    p.write_text(f'model m\ndata "{ROOT / "tests" / "fixtures" / "imu_long.csv"}" {{ label activity; holdout 25% }}\n'
                 f"task classification\nsignal {{ channels ax, ay, az; time t; rate 10Hz; window 40; hop 20 }}\n"
                 f"search {{ families tree; trials 2 }}\ntarget cortex-m4\n")
    rep = build(load(p), p, tmp_path / "out").report
    sig = rep["signal"]
    assert sig["recordings"] == {"train": 1, "holdout": 1}
    # reproducible: the same spec, data and seed give byte-identical C (block selection included)
    build(load(p), p, tmp_path / "again")
    for f in ("cortex-m4/src/m.c", "cortex-m4/src/m.h"):
        assert (tmp_path / "out" / f).read_bytes() == (tmp_path / "again" / f).read_bytes()
    # 400 samples, cut at 300: training windows end by 300 (14 of them), holdout ones start at 300 (4)
    assert sig["windows"] == {"train": 14, "holdout": 4}
    assert rep["model"]["metrics"]["holdout"]["accuracy"] >= 0.75


def _imu_spec(tmp_path, target: str) -> Path:
    p = tmp_path / "s.tml"
    p.write_text(f'model m\ndata "{ROOT / "tests" / "fixtures" / "imu_long.csv"}" {{ label activity; holdout 25% }}\n'
                 f"task classification\nquantize float32\n"
                 f"signal {{ channels ax, ay, az; time t; rate 10Hz; window 40; hop 20 }}\n"
                 f"search {{ families linear; trials 2 }}\n{target}\n")
    return p


def test_search_and_fitting_cost_model_and_front_end_together(tmp_path):
    """On a core without FPU a float model and the front end share libgcc's soft-float routines:
    the search and the fitting pass count them once, against the limit the spec declares. A model
    and its front end are charged the front end alone (soft-float included) plus the model less the
    routines both link; the build fits 6600 B as its linked image shows."""
    from tinyc import targets
    from tinyc.budget import TargetBudget, frontend_cost
    from tinyc.models.base import Cost
    from tinyc.signal import FrontEnd
    from tinyc.spec.ir import Quantization, Task

    caps = targets.get("cortex-m0plus").caps
    fe = FrontEnd(("ax", "ay", "az"), 10.0, 40, 20)
    model = Cost(flash=3000, weights=800, code=2200, ram=300, ops=240, cycles=100, instructions=80)
    charged = TargetBudget("cortex-m0plus", caps, 6600, 4096, frontend=fe).charge(model, "linear", Task.classification,
                                                                                   Quantization.float32)
    alone = frontend_cost(fe, caps, None)["flash"]  # the front end linking every routine it calls
    from tinyc.models import profile

    soft = profile.table(caps, "model_code", "soft_float")
    assert charged.flash == model.flash + alone - soft["base"] - soft["mul"]  # add, compare, multiply: once
    p = _imu_spec(tmp_path, "target cortex-m0plus { flash 6600B; ram 4KB }")
    rep = build(load(p), p, tmp_path / "out").report
    t = rep["targets"]["cortex-m0plus"]
    assert t["flash_limit"] == 6600 and t["flash"] <= 6600
    if t["measured"]["flash"] is not None:
        assert t["measured"]["flash"] <= 6600
        assert abs(t["flash"] - t["measured"]["flash"]) <= 0.1 * t["measured"]["flash"]


def test_a_limit_below_the_whole_front_end_is_met_with_fewer_features(tmp_path):
    """5000 B is less than the front end computing all 60 features needs alone (5687 B with its
    soft-float); the build drops feature groups and features until model and front end fit,
    rather than refusing before the search."""
    p = _imu_spec(tmp_path, "target cortex-m0plus { flash 5000B; ram 4KB }")
    rep = build(load(p), p, tmp_path / "out").report
    t = rep["targets"]["cortex-m0plus"]
    assert t["flash"] <= 5000 and len(rep["signal"]["features_used"]) < 60
    if t["measured"]["flash"] is not None:
        assert t["measured"]["flash"] <= 5000
    assert rep["model"]["metrics"]["holdout"]["balanced_accuracy"] >= 0.75


def test_trees_are_searched_when_the_whole_front_end_leaves_them_no_room(tmp_path):
    """On a Cortex-M4 the 60-feature front end alone takes 1904 B and 1128 B of RAM: under
    2000 B / 1200 B a tree's leaf cap beside it would be zero and no candidate could even be
    trained. The search sizes trees beside the smallest front end instead, and the build drops
    front-end work until model and front end fit."""
    p = _imu_spec(tmp_path, "target cortex-m4 { flash 2000B; ram 1200B }").read_text()
    p = p.replace("families linear", "families tree")
    spec = tmp_path / "t.tml"
    spec.write_text(p)
    rep = build(load(spec), spec, tmp_path / "out").report
    t = rep["targets"]["cortex-m4"]
    assert rep["model"]["family"] == "tree" and t["flash"] <= 2000 and t["ram"] <= 1200
    assert len(rep["signal"]["features_used"]) < 60


def test_a_limit_below_the_smallest_front_end_is_refused_before_the_search(tmp_path):
    p = _imu_spec(tmp_path, "target cortex-m0plus { flash 1KB; ram 1KB }")
    with pytest.raises(BuildError, match=r"cortex-m0plus: the signal front end alone needs at least \d+ B flash"):
        build(load(p), p, tmp_path / "out")


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_layout_wide_rows_pushed_sample_by_sample_give_the_row_features(tmp_path):
    """UCR ECG200, one beat per row (layout wide): the emitted library, fed every beat's 96
    samples through push_sample, computes each row's features bit for bit and predicts as
    the Python model."""
    from tinyc.signal.data import read_wide

    spec = ROOT / "examples" / "ecg200" / "beats.tml"
    result = build(load(spec), spec, tmp_path / "out", trials=6)
    rep = result.report
    assert rep["signal"]["layout"] == "wide" and rep["signal"]["window"] == 96 and rep["signal"]["hop"] == 96
    # front end + model on the Cortex-M0+ (no FPU): the soft-float the front end needs is
    # counted whether or not the model links it too, so the estimate holds against the linker
    for name, t in rep["targets"].items():
        if t["measured"]["flash"] is not None:
            assert abs(t["flash"] - t["measured"]["flash"]) <= 0.1 * t["measured"]["flash"], (name, t["flash"],
                                                                                              t["measured"])
    assert rep["signal"]["windows"] == {"train": 150, "holdout": 50}
    assert rep["model"]["metrics"]["holdout"]["accuracy"] >= 0.75
    fe = result.model.frontend
    wt = read_wide(ROOT / "examples" / "ecg200" / "data.csv", fe, "target")
    raw = pd.read_csv(ROOT / "examples" / "ecg200" / "data.csv")[list(fe.wide_columns[0])].to_numpy(np.float32)
    driver = WIDE_DRIVER.format(n=raw.size, rows=", ".join(f"{float(v)!r}f" for v in raw.ravel()))
    res = emulator.run_host(tmp_path / "out" / "cortex-m4", "beats", raw, True, driver=driver)
    assert len(res.classes) == len(raw)
    assert np.array_equal(res.scores.view(np.uint32), wt.X.view(np.uint32))
    assert np.array_equal(res.classes, result.model.predict(wt.X))


WIDE_DRIVER = """#include <stdint.h>
#include <string.h>
#include "beats.h"
static const float samples[{n}] = {{ {rows} }};
""" + emulator.PRINT_HELPERS + """
int main(void)
{{
    static float f[BEATS_N_FEATURES];
    uint32_t r;
    for (r = 0; r < {n}u; ++r) {{
        int32_t ready = 0, cls = -1;
        if (beats_push_sample(&samples[r], &ready) != BEATS_OK || !ready) {{
            continue;
        }}
        (void)beats_window_features(f);
        (void)beats_predict_window(&cls);
        tinyc_print_row(cls, f, BEATS_N_FEATURES);
    }}
    return 0;
}}
"""


def test_feature_groups_that_do_not_pay_are_dropped_within_the_tolerance(activity):
    """Block selection: each dropped group (a channel's spectrum, or a whole channel) kept the
    cross-validated accuracy within the spec's 1-point tolerance of the model with every
    feature; its features are not computed by the emitted front end, whose ring buffer holds
    only the channels still used."""
    from tinyc.signal import cost as fe_cost

    result, out = activity
    sig = result.report["signal"]
    blocks = sig["blocks_dropped"]
    used = set(sig["features_used"])
    for b in blocks:
        assert b["cv_before"] - b["cv_after"] <= 0.01 + 1e-9 or b["cv_after"] >= b["cv_before"]
        assert b["ops_saved"] > 0 and not used & set(b["features"])
    if blocks:
        assert blocks[-1]["cv_after"] >= blocks[0]["cv_before"] - 0.01 - 1e-9
    fe = result.model.frontend
    header = (out / "cortex-m4" / "src" / "activity.h").read_text()
    assert f"#define ACTIVITY_SIGNAL_RAM_BYTES {fe_cost.ram_bytes(fe)}u" in header
    source = (out / "cortex-m4" / "src" / "activity.c").read_text()
    assert f"static float activity_ring[{len(fe.needs())}][30];" in source


MONITOR_DRIVER = """#include <stdint.h>
#include <string.h>
#include "monitor.h"
static const float samples[{n}][MONITOR_N_CHANNELS] = {{ {rows} }};
""" + emulator.PRINT_HELPERS + """
int main(void)
{{
    static float f[MONITOR_N_FEATURES];
    uint32_t r;
    for (r = 0; r < {n}u; ++r) {{
        int32_t ready = 0, flag = -1;
        float score = 0.0f;
        if (r % 100u == 0u) {{
            monitor_signal_reset(); /* a new recording */
        }}
        if (monitor_push_sample(samples[r], &ready) != MONITOR_OK || !ready) {{
            continue;
        }}
        (void)monitor_window_features(f);
        (void)monitor_is_anomaly(f, &flag, &score);
        tinyc_print_row(flag, &score, 1u);
    }}
    return 0;
}}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_anomaly_detector_on_raw_samples(tmp_path):
    """task anomaly with a signal block (examples/basic_motions/monitor.tml): standing and walking
    are normal, the other activities anomalies; the library computes the window features from
    pushed samples and flags them exactly as the Python detector does."""

    spec = ROOT / "examples" / "basic_motions" / "monitor.tml"
    result = build(load(spec), spec, tmp_path / "out")
    rep = result.report
    assert rep["task"] == "anomaly" and rep["signal"]["recordings"] == {"train": 60, "holdout": 20}
    assert rep["anomaly"]["labelled_anomalies"]["holdout"] > 0
    assert rep["model"]["metrics"]["holdout"]["auc"] >= 0.9
    header = (tmp_path / "out" / "cortex-m4" / "src" / "monitor.h").read_text()
    assert "monitor_learn_window(void)" in header and "monitor_push_sample(" in header
    for name in ("cortex-m4", "cortex-m0plus"):
        t = rep["targets"][name]
        if t["measured"]["flash"] is not None:
            assert abs(t["flash"] - t["measured"]["flash"]) <= 0.1 * t["measured"]["flash"], name
    det = result.model
    fe = det.frontend
    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")
    recs = [g[list(fe.channels)].to_numpy(np.float32) for _, g in d.groupby("recording", sort=False)][::10]
    raw = np.concatenate(recs)
    feats = np.concatenate([F.compute(fe, F.windows(fe, x)) for x in recs])
    driver = MONITOR_DRIVER.format(n=len(raw), rows=", ".join("{" + ", ".join(f"{float(v)!r}f" for v in r) + "}"
                                                              for r in raw))
    res = emulator.run_host(tmp_path / "out" / "cortex-m4", "monitor", raw, True, driver=driver)
    assert np.array_equal(res.scores[:, 0].view(np.uint32), det.scores(feats).view(np.uint32))
    assert np.array_equal(res.classes, det.predict(feats))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_ispu_project_of_a_detector_on_raw_samples_compiles_and_flags(tmp_path):
    """The ISPU glue of an anomaly detector with a front end pushes register samples and writes
    the flag of each completed window (host gcc against the register shim)."""
    import numpy as np

    from tinyc.codegen.library import Provenance
    from tinyc.models import anomaly as A
    from tinyc.signal import FrontEnd
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.ispu import IspuBackend

    from tinyc.signal.device import DeviceInput

    axes = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    dev = DeviceInput("int16", (float(np.float32(8 / 32768 * 9.80665)),) * 3 + (float(np.float32(0.07 * np.pi / 180)),) * 3,
                      ("m/s2",) * 3 + ("rad/s",) * 3, ("full_scale 8g",) * 3 + ("scale 70mdps",) * 3,
                      axes=(0, 1, 2, 0, 1, 2))
    fe = FrontEnd(axes, 26.0, 26, 13, blocks=("mean", "std", "p2p"), bands=4, device=dev)
    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")
    x = d[list(axes)].to_numpy(np.float32)[:400]
    det = A.fit("gaussian", F.compute(fe, F.windows(fe, x)))
    det.threshold, det.on_device, det.frontend = 3.0, True, fe
    req = EmitRequest(det, "activity", fe.outputs(), ("normal", "anomaly"),
                      Provenance("t", "m.tml", "0" * 64, "0" * 64, "id"), 0, 0)
    IspuBackend().emit(req, tmp_path / "ispu")
    assert "output class int16 DOUT_00 1 = the last window is an anomaly" in (tmp_path / "ispu" / "meta.txt").read_text()
    steady = window_driver([[1000, -200, 4000, 10, 20, -30]] * 60, 60)
    flags = ispu_host.run(tmp_path / "ispu", "activity", steady)
    assert len(flags) == 1 + (60 - 26) // 13 and set(flags) <= {"0", "1"}
    # shipped empty (learn on_device): the glue learns the first TINYC_LEARN windows, then flags
    empty = A.empty("gaussian", len(fe.outputs()))
    empty.threshold, empty.frontend = 3.0, fe
    IspuBackend().emit(EmitRequest(empty, "activity", fe.outputs(), ("normal", "anomaly"),
                                   Provenance("t", "m.tml", "0" * 64, "0" * 64, "id"), 0, 0), tmp_path / "learns")
    main = (tmp_path / "learns" / "src" / "main.c").read_text()
    assert "#define TINYC_LEARN 256u" in main and "activity_learn_window()" in main
    flags = ispu_host.run(tmp_path / "learns", "activity", steady, defines=["-DTINYC_LEARN=2u"])
    assert flags == ["0"]  # two windows learned; the third, identical to them, is normal


def test_a_beat_window_gets_the_fft_and_verifies(tmp_path):
    """As a user builds the ECG200 beat example (96-sample windows, spectral features, Cortex-M0+ and
    M4): the build chooses the FFT (cheaper than the DFT on both cores), says so in report.json, its C
    computes the spectrum by the FFT, and `tinyc verify` finds the C equal to the golden model under
    qemu with a window's instructions within the estimate's bound."""
    import subprocess

    from conftest import tinyc_exe, verify_within_a_quarter

    shutil.copy(ROOT / "examples" / "ecg200" / "data.csv", tmp_path / "data.csv")
    shutil.copy(ROOT / "examples" / "ecg200" / "beats.tml", tmp_path / "beats.tml")
    r = subprocess.run([tinyc_exe(), "build", "beats.tml", "-o", "out", "--trials", "4"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["signal"]["spectrum"] == "fft"
    spectral = any(f.startswith("t_band") or f in ("t_centroid", "t_dominant") for f in report["signal"]["features_used"])
    for t in ("cortex-m0plus", "cortex-m4"):
        src = (tmp_path / "out" / t / "src" / "beats.c").read_text()
        assert ("beats_fft_power(" in src) == spectral
    verify_within_a_quarter(tmp_path, report, ("cortex-m0plus", "cortex-m4"), "window")


def test_a_wide_layout_whose_window_features_include_a_constant_one_builds(tmp_path, sklearn_data):
    """The digits' 8 pixel rows as 8 channels of one wide window: some window features are the
    same for every image (the data preparation drops them); the holdout's raw rows are still found
    (this was an internal error) and the library's push path predicts them as the model does."""
    shutil.copy(sklearn_data / "digits.csv", tmp_path / "digits.csv")
    spec = tmp_path / "d.tml"
    spec.write_text('model digits\ndata "digits.csv" { label digit }\nsignal {\n'
                    "  channels px_0, px_1, px_2, px_3, px_4, px_5, px_6, px_7\n  layout wide\n  rate 8Hz\n}\n"
                    "task classification\nmetric accuracy\nseed 0\nsearch { families tree; trials 3 }\n"
                    "target cortex-m4 { flash 16KB ram 4KB }\n")
    result = build(load(spec), spec, tmp_path / "out")
    dropped = result.report["data"]["dropped_constant"]
    assert dropped  # the case: window features constant over every image
    assert result.report["model"]["metrics"]["holdout"]["accuracy"] > 0.5
    raw = (tmp_path / "out" / "artifacts" / "holdout.csv").read_text().splitlines()
    assert raw[0].startswith("px_0_0,px_0_1,") and len(raw) - 1 == len(result.dataset.y_holdout)
