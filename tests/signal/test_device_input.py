"""A device's raw readings in its own units and rate (`units`, `device`, `resample from`): the
generated push_raw converts each count to the training data's unit and resamples to the model's
rate exactly as tinyc.signal.device does, so a recording read in g at 12.5 Hz gives, through the
library, the Python model's predictions on the same readings bit for bit, and about the
predictions of the model on the original m/s² data at 10 Hz."""
import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from tinyc import emulator
from tinyc.passes.pipeline import build
from tinyc.signal import features as F
from tinyc.signal.device import DeviceInput
from tinyc.spec import load

DATA = ROOT / "examples" / "basic_motions" / "data.csv"  # 10 Hz; acceleration in m/s², rotation in rad/s
SPEC = """model act
data "{data}" {{
  label activity
  holdout 25%
}}
signal {{
  channels acc_x, acc_y, acc_z, gyr_x, gyr_y, gyr_z
  group recording
  rate 10Hz
  window 3s
  hop 1s
  features mean, std, min, max, p2p
  units acc_x, acc_y, acc_z: m/s2
  units gyr_x, gyr_y, gyr_z: rad/s
  device acc_x, acc_y, acc_z: int16 full_scale 4g
  device gyr_x, gyr_y, gyr_z: int16 scale 70 mdps
  {resample}
}}
task classification
seed 0
target cortex-m4
"""


def test_scales_follow_the_declared_units():
    from tinyc.spec import parse
    from tinyc.signal.device import from_spec

    sig = parse(SPEC.format(data="d.csv", resample="resample from 12.5Hz")).signal
    dev = from_spec(sig)
    g = 9.80665
    assert dev.scales[:3] == (float(np.float32(4 / 32768 * g)),) * 3  # counts of ±4 g into m/s²
    assert dev.scales[3:] == (float(np.float32(70e-3 * np.pi / 180)),) * 3  # mdps into rad/s
    assert (dev.num, dev.den, dev.device_rate_hz) == (5, 4, 12.5)


def test_resampling_a_ramp_is_exact_and_readings_round_trip():
    dev = DeviceInput("int16", (1.0,), ("m/s2",), ("scale 1m/s2",), num=5, den=4, device_rate_hz=12.5)
    ramp = np.arange(0, 100, 1.25, dtype=np.float32)[:, None]  # a ramp read at 12.5 Hz, 1.25 per reading
    out = dev.samples(ramp)
    assert np.array_equal(out[:, 0], np.arange(len(out), dtype=np.float32) * 1.5625)  # at 10 Hz
    x = np.sin(np.arange(200) / 7.0)[:, None] * 3000
    back = dev.samples(dev.readings(x))
    assert np.max(np.abs(back[:, 0] - x[:len(back), 0])) < 60  # interpolation of a smooth wave, rounding


@pytest.fixture(scope="module")
def resampled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev")
    spec = tmp / "act.tml"
    spec.write_text(SPEC.format(data=DATA, resample="resample from 12.5Hz"))
    return build(load(spec), spec, tmp / "out", trials=6), tmp / "out"


def _holdout(result, n=6):
    d = pd.read_csv(DATA)
    fe = result.model.frontend
    hold = result.dataset.X_holdout.astype(np.float32)
    picked = []
    for _, g in d.groupby("recording", sort=False):
        x = g[list(fe.channels)].to_numpy(dtype=np.float32)
        feats = F.compute(fe, F.windows(fe, x))
        if any(np.array_equal(feats[0], h) for h in hold):
            picked.append(x)
    return picked[:n]


DRIVER = """#include <stdint.h>
#include "act.h"
static const int16_t raw[{n}][ACT_N_CHANNELS] = {{ {rows} }};
static const uint32_t starts[{k}] = {{ {starts} }};
""" + emulator.PRINT_HELPERS + """
int main(void)
{{
    static float f[ACT_N_FEATURES];
    uint32_t r, s = 0;
    for (r = 0; r < {n}u; ++r) {{
        int32_t ready = 0, cls = -1;
        if (s < {k}u && r == starts[s]) {{
            act_signal_reset(); /* a new recording */
            ++s;
        }}
        if (act_push_raw(raw[r], &ready) != ACT_OK || !ready) {{
            continue;
        }}
        (void)act_window_features(f);
        (void)act_predict_window(&cls);
        tinyc_print_row(cls, f, ACT_N_FEATURES);
    }}
    return 0;
}}
"""


def test_push_raw_gives_the_python_models_predictions_bit_for_bit(resampled):
    result, out = resampled
    fe = result.model.frontend
    dev = fe.device
    assert dev is not None and dev.resamples
    readings = [dev.readings(x) for x in _holdout(result)]  # what the device delivers: g and dps at 12.5 Hz
    feats = [F.compute(fe, F.windows(fe, dev.samples(raw))) for raw in readings]
    expect_f = np.concatenate(feats)
    expect_c = result.model.predict(expect_f)
    rows = np.concatenate(readings)
    starts = np.cumsum([0] + [len(r) for r in readings[:-1]])
    driver = DRIVER.format(n=len(rows), k=len(starts), starts=", ".join(map(str, starts)),
                           rows=", ".join("{" + ", ".join(map(str, r)) + "}" for r in rows))
    res = emulator.run_host(out / "cortex-m4", "act", expect_f, True, driver=driver)
    assert len(res.classes) == len(expect_c) > 20
    assert np.array_equal(res.scores.view(np.uint32), expect_f.astype(np.float32).view(np.uint32))
    assert np.array_equal(res.classes, expect_c)
    # and the conversion is the right one: the device's g and dps at 12.5 Hz, converted and
    # resampled, give about what the model predicts on the data itself (m/s², rad/s at 10 Hz)
    same = total = 0
    got = np.split(res.classes, np.cumsum([len(f) for f in feats])[:-1])
    for x, c in zip(_holdout(result), got):  # a recording read at 12.5 Hz may end a window sooner
        original = result.model.predict(F.compute(fe, F.windows(fe, x)))[:len(c)]
        same, total = same + int(np.sum(original == c[:len(original)])), total + len(original)
    assert same >= 0.9 * total


def test_header_and_report_say_what_the_device_delivers(resampled):
    result, out = resampled
    header = (out / "cortex-m4" / "src" / "act.h").read_text()
    assert "act_push_raw(const int16_t *raw, int32_t *ready)" in header
    assert "resampled to ACT_SAMPLE_RATE_HZ" in header and "12.5 Hz" in header
    assert "int16 at 12.5 Hz, resampled to 10 Hz by linear interpolation; acc_x: int16 full_scale 4g" in (
        out / "report.html").read_text()
    sig = result.report["signal"]
    assert sig["device"]["rate_hz"] == 12.5 and sig["device"]["channels"]["acc_x"] == {
        "training_unit": "m/s2", "reading": "int16 full_scale 4g", "scale": pytest.approx(4 / 32768 * 9.80665)}


def _cli_build(tmp_path, text):
    import subprocess

    from conftest import tinyc_exe

    (tmp_path / "s.tml").write_text(text)
    return subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out", "--trials", "2"], cwd=tmp_path,
                          capture_output=True, text=True)


def test_without_a_declaration_the_build_says_in_one_line_which_units_the_device_must_push(tmp_path):
    spec = SPEC.format(data=DATA, resample="").split("  units")[0] + "}\ntask classification\ntarget cortex-m4\n"
    r = _cli_build(tmp_path, spec)
    assert r.returncode == 0, r.stderr
    notes = [line for line in r.stderr.splitlines() if line.startswith("note: push_sample")]
    assert len(notes) == 1 and "push_sample takes samples in the training data's units and at its rate (10 Hz)" \
        in notes[0]
    assert "declare them (units and device in the signal block)" in (tmp_path / "out" / "report.html").read_text()
    assert "push_raw" not in (tmp_path / "out" / "cortex-m4" / "src" / "act.h").read_text()


def test_data_beyond_the_devices_full_scale_is_a_warning(tmp_path):
    r = _cli_build(tmp_path, SPEC.format(data=DATA, resample="").replace("full_scale 4g", "full_scale 2g"))
    assert r.returncode == 0, r.stderr
    assert ("warning: channel 'acc_x' reaches 29.39 m/s2 in the data, beyond the ±19.61 m/s2 the device reads "
            "(int16 full_scale 2g)") in r.stderr
    assert "note: push_sample" not in r.stderr  # declared: push_raw converts
