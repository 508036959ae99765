"""The signal front end on real smartwatch IMU samples (UEA BasicMotions): the golden
features agree with plain float64 formulas (numpy FFT, scipy-style moments), and the
emitted C — fed one sample at a time through <model>_push_sample — computes the same
features bit for bit, on the host and on an emulated Cortex-M4."""
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from tinyc import emulator
from tinyc.codegen.library import Provenance
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.quant import quantize
from tinyc.signal import FrontEnd
from tinyc.signal.features import compute, window_starts, windows
from tinyc.spec.ir import Task
from tinyc_backends.base import EmitRequest
from tinyc_backends.host import HostBackend
from tinyc_backends.arm import ARM_TOOLCHAIN

AXES = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
FE = FrontEnd(AXES, 10.0, window=32, hop=12, bands=4, magnitudes=(("acc", (0, 1, 2)),), group="recording")


def recordings():
    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")
    return [(g[list(AXES)].to_numpy(dtype=np.float32), g["activity"].iloc[0]) for _, g in d.groupby("recording")]


def test_golden_features_agree_with_float64_formulas():
    rec = recordings()
    W = np.concatenate([windows(FE, x) for x, _ in rec[:20]])
    F = compute(FE, W)
    names = FE.feature_names()
    W64 = W.astype(np.float64)
    mean = W64.mean(axis=1)
    d = W64 - mean[:, None, :]
    var = (d ** 2).mean(axis=1)
    ref = {"mean": mean, "std": np.sqrt(var), "min": W64.min(axis=1), "max": W64.max(axis=1),
           "rms": np.sqrt((W64 ** 2).mean(axis=1)), "p2p": W64.max(axis=1) - W64.min(axis=1),
           "skew": (d ** 3).mean(axis=1) / var ** 1.5, "kurtosis": (d ** 4).mean(axis=1) / var ** 2 - 3}
    p = np.abs(np.fft.rfft(d, axis=1)) ** 2  # (windows, bins, channels); bin 0 is DC
    freq = np.fft.rfftfreq(FE.window, 1 / FE.rate_hz)
    for b, (lo, hi) in enumerate(FE.band_edges()):
        ref[f"band{b}"] = p[:, lo:hi].sum(axis=1) / FE.window ** 2
    ref["centroid"] = (freq[1:, None] * p[:, 1:]).sum(axis=1) / p[:, 1:].sum(axis=1)
    ref["dominant"] = freq[1 + np.argmax(p[:, 1:], axis=1)]
    for j, name in enumerate(names):
        c, f = FE.split(name)
        if f in ("crossings", "zero_crossings"):
            s = np.sign(d[:, :, c] if f == "crossings" else W64[:, :, c])
            expect = np.sum((s[:, 1:] < 0) != (s[:, :-1] < 0), axis=1)
            assert np.mean(F[:, j] == expect) > 0.99, name
            continue
        scale = np.abs(ref[f][:, c]).max() + 1e-12
        np.testing.assert_allclose(F[:, j], ref[f][:, c], rtol=1e-4, atol=1e-5 * scale, err_msg=name)


def test_filters_are_first_order_butterworth_from_steady_state():
    """The high-pass removes a constant (gravity) from the first sample on; the low-pass
    passes it; both attenuate by 3 dB at their cut-off."""
    from tinyc.signal.features import filtered

    t = np.arange(2000) / 100.0
    for kind, fc, const_gain in (("highpass", 1.0, 0.0), ("lowpass", 1.0, 1.0)):
        fe = FrontEnd(("x",), 100.0, 16, 8, **{f"{kind}_hz": fc})
        y = filtered(fe, np.full((200, 1), 9.81, dtype=np.float32))[:, 0]
        np.testing.assert_allclose(y, 9.81 * const_gain, atol=1e-4)
        sine = filtered(fe, np.sin(2 * np.pi * fc * t)[:, None].astype(np.float32))[1000:, 0]
        assert np.sqrt(2 * np.mean(sine ** 2)) == pytest.approx(2 ** -0.5, abs=0.02)


def test_windows_follow_the_push_sample_schedule():
    assert list(window_starts(31, FE)) == []
    assert list(window_starts(32, FE)) == [0]
    assert list(window_starts(100, FE)) == [0, 12, 24, 36, 48, 60]


DRIVER = """#include <stdint.h>
#include <string.h>
#include "m.h"
static const float samples[{n}][M_N_CHANNELS] = {{ {rows} }};
static const uint16_t starts[{n_rec}] = {{ {starts} }};
""" + emulator.PRINT_HELPERS + """
int main(void)
{{
    static float f[M_N_FEATURES];
    uint16_t r, i;
    for (r = 0; r < {n}u; ++r) {{
        int32_t ready = 0, cls = -1;
        m_status st;
        for (i = 0; i < {n_rec}u; ++i) {{
            if (starts[i] == r) {{
                m_signal_reset();
            }}
        }}
        if (m_push_sample(samples[r], &ready) != M_OK || !ready) {{
            continue;
        }}
        st = m_window_features(f);
        (void)m_predict_window(&cls);
        tinyc_print_row(st == M_OK ? cls : -1 - (int32_t)st, f, M_N_FEATURES);
    }}
    return 0;
}}
"""


FILTERED = FrontEnd(AXES, 10.0, window=32, hop=12, bands=4, magnitudes=(("acc", (0, 1, 2)),), group="recording",
                    highpass_hz=0.3, lowpass_hz=3.0)
# the spectrum by the FFT: radix 4, 4, 2 (32 samples) and radix 2, 3, 5 (30 samples)
FFT32 = replace(FE, spectrum="fft")
FFT30 = FrontEnd(AXES, 10.0, window=30, hop=10, bands=4, magnitudes=(("gyr", (3, 4, 5)),), group="recording",
                 spectrum="fft")
# a few features: each channel computes only its statistics' groups (tinyc.codegen.c_stats)
PARTIAL = ["acc_x_mean", "acc_y_max", "acc_z_rms", "gyr_x_std", "gyr_y_zero_crossings", "gyr_z_kurtosis",
           "acc_p2p", "acc_crossings", "gyr_x_band2"]


# "+gnu": compiled as Arduino and PlatformIO compile (GNU C, where GCC fuses a*b+c unless the
# library forbids it; the host tuned for this machine's FMA)
@pytest.mark.parametrize("where", ["host", "cortex-m4", "cortex-m0plus", "host+gnu", "cortex-m4+gnu"])
@pytest.mark.parametrize("front", ["plain", "filtered", "fft-32", "fft-30-partial"])
def test_emitted_front_end_computes_the_golden_features_bit_for_bit(front, where, tmp_path):
    where, gnu = where.split("+")[0], where.endswith("+gnu")
    extra = ("-std=gnu11", "-O2", "-ffp-contract=fast") + (("-march=native",) if where == "host" else ()) if gnu else ()
    why = emulator.unavailable(where)
    if why:
        pytest.skip(why)
    rec = recordings()[::10]  # 8 recordings, two of each activity
    labels = sorted({lab for _, lab in rec})
    # the model uses a subset of the features: the C computes only those, in the model's order
    base = {"plain": FE, "filtered": FILTERED, "fft-32": FFT32, "fft-30-partial": FFT30}[front]
    # plain, fft-32: every feature block of every channel (magnitude included); filtered: a subset in
    # a shuffled order (the C computes only those, in the model's order); fft-30-partial: a few
    # features, a statistic or a band per channel
    if front in ("plain", "fft-32"):
        used = list(base.feature_names())
    elif front == "filtered":
        used = [base.feature_names()[j] for j in (40, 3, 17, 55, 66, 69, 1, 111, 106, 9)]
    else:
        used = [f.replace("acc_p2p", "gyr_p2p").replace("acc_crossings", "gyr_crossings") for f in PARTIAL]
    fe = base.with_used(used)
    Xu = np.concatenate([compute(fe, windows(fe, x)) for x, _ in rec])
    y = np.concatenate([[labels.index(lab)] * len(window_starts(len(x), fe)) for x, lab in rec])
    model = FAMILY_REGISTRY["tree"].fit({"max_depth": 4, "min_samples_leaf": 2, "max_leaves": 12}, Xu, y,
                                        Problem(Task.classification, len(used), len(labels)), seed=0)
    model.frontend = fe
    req = EmitRequest(model, "m", tuple(used), tuple(labels), Provenance("t", "s.tml", "0" * 64, "0" * 64, "id"),
                      0, 0)
    HostBackend().emit(req, tmp_path / "lib")
    samples = np.concatenate([x for x, _ in rec])
    starts = np.cumsum([0] + [len(x) for x, _ in rec[:-1]])
    driver = DRIVER.format(n=len(samples), rows=", ".join("{" + ", ".join(f"{float(v)!r}f" for v in r) + "}"
                                                          for r in samples),
                           n_rec=len(starts), starts=", ".join(str(int(s)) for s in starts))
    res = emulator.run(where, tmp_path / "lib", "m", samples, True, driver, tmp_path / "img", extra)
    assert len(res.classes) == len(Xu) > 30
    assert np.array_equal(res.scores.view(np.uint32), Xu.view(np.uint32))  # every feature, bit for bit
    assert np.array_equal(res.classes, model.predict(Xu))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_integer_square_root_is_correctly_rounded(tmp_path):
    """The front end's own sqrt (no libm, no errno) equals IEEE sqrtf on every tested float:
    random bit patterns over the whole positive range, subnormals, powers of two, and
    the neighbours of perfect squares (where rounding is decided)."""
    from tinyc.codegen.c_signal import sqrt_source

    rng = np.random.default_rng(0)
    bits = np.r_[rng.integers(0, 0x7F800000, 200000, dtype=np.uint32), np.arange(0, 5000, dtype=np.uint32),
                 np.arange(0x7F7FF000, 0x7F800000, dtype=np.uint32)]
    squares = (np.arange(1, 4000, dtype=np.float32) ** 2).view(np.uint32)
    bits = np.r_[bits, squares - 1, squares, squares + 1, (2.0 ** np.arange(-149, 128)).astype(np.float32).view(
        np.uint32)].astype(np.uint32)
    (tmp_path / "in.bin").write_bytes(bits.tobytes())
    (tmp_path / "t.c").write_text("#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n"
                                  + sqrt_source("t") + """
int main(void)
{
    FILE *f = fopen("in.bin", "rb");
    FILE *o = fopen("out.bin", "wb");
    float v;
    while (fread(&v, sizeof v, 1, f) == 1) {
        float r = t_sqrt(v);
        fwrite(&r, sizeof r, 1, o);
    }
    fclose(f);
    fclose(o);
    return 0;
}
""")
    import subprocess

    subprocess.run(["cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "t.c", "-o", "t"],
                   cwd=tmp_path, check=True)
    subprocess.run(["./t"], cwd=tmp_path, check=True)
    got = np.frombuffer((tmp_path / "out.bin").read_bytes(), dtype=np.uint32)
    want = np.sqrt(bits.view(np.float32)).view(np.uint32)
    assert len(got) == len(bits) and np.array_equal(got, want)


@pytest.mark.parametrize("front,quant", [
    (FrontEnd(AXES, 10.0, 32, 10, blocks=("mean", "std", "crossings"), bands=4), "float32"),
    (FrontEnd(AXES, 10.0, 32, 10, bands=4, magnitudes=(("acc", (0, 1, 2)), ("gyr", (3, 4, 5))), highpass_hz=0.3),
     "float32"),
    # an int8 model links no soft-float of its own: the front end brings all it needs
    (FrontEnd(AXES, 10.0, 32, 10, bands=4), "int8"),
    (FrontEnd(AXES, 10.0, 30, 10, bands=4, spectrum="fft"), "int8"),
    (FE.with_used(PARTIAL), "float32"),
    (FE.with_used(PARTIAL), "int8"),
], ids=["time-only", "all-blocks-filtered", "next-to-int8", "fft-next-to-int8", "partial", "partial-next-to-int8"])
def test_front_end_cost_is_within_ten_percent_of_the_linked_size(front, quant, tmp_path):
    """What push_sample + predict_window add to an image beyond the model's own scores, linked
    with arm-none-eabi-gcc -Os, against tinyc.signal.cost's estimate; static RAM exactly."""
    from tinyc import targets, toolchain
    from tinyc.signal import cost as fe_cost

    if not ARM_TOOLCHAIN.available():
        pytest.skip(ARM_TOOLCHAIN.install)
    rec = recordings()[::10]
    X = np.concatenate([compute(front, windows(front, x)) for x, _ in rec])
    model = FAMILY_REGISTRY["linear"].fit({"c": 1.0}, X.astype(np.float64), np.arange(len(X)) % 2,
                                          Problem(Task.classification, X.shape[1], 2), seed=0)
    if quant != "float32":
        model = quantize(model, quant, X.astype(np.float64))
    model.frontend = front
    HostBackend().emit(EmitRequest(model, "m", front.outputs(), ("a", "b"),
                                   Provenance("t", "s.tml", "0" * 64, "0" * 64, "id"), 0, 0), tmp_path)
    for core in ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m33"):
        backend = targets.get(core)
        alone = toolchain.measure(tmp_path, "m", backend)
        both = toolchain.measure(tmp_path, "m", backend, signal=toolchain.signal_calls("m", True))
        measured = both.flash - alone.flash
        estimate = fe_cost.flash_bytes(front, backend.caps, FAMILY_REGISTRY["linear"].soft_float_parts(
            model.task, model.quant))
        assert abs(estimate - measured) <= 0.1 * measured, (core, estimate, measured)
        # static RAM to the byte but for alignment (a flag only the filters read is dropped by the compiler)
        assert abs(both.ram - alone.ram - fe_cost.ram_bytes(front)) <= 3, (core, both.ram - alone.ram)
        assert not set(both.library_symbols) & set(toolchain.MEMORY_ROUTINES), (core, both.library_symbols)


WINDOW_CALL = """{
        int32_t ready = 0, cls = 0;
        uint32_t i;
        for (i = 0; i < M_HOP; ++i) {
            (void)m_push_sample(x, &ready);
            if (ready) {
                (void)m_predict_window(&cls);
            }
        }
        tinyc_class = cls;
        (void)s;
    }"""
PREDICT_CALL = "{\n        int32_t c = 0;\n        (void)m_predict(x, &c);\n        tinyc_class = c;\n        (void)s;\n    }"


@pytest.mark.parametrize("front", [
    FrontEnd(AXES, 10.0, 32, 10, blocks=("mean", "std", "crossings"), bands=4),
    FrontEnd(AXES[:3], 10.0, 16, 8, bands=4, magnitudes=(("acc", (0, 1, 2)),), highpass_hz=0.3),
    FrontEnd(AXES[:3], 10.0, 30, 10, bands=4, magnitudes=(("acc", (0, 1, 2)),), spectrum="fft"),
    FE.with_used(PARTIAL),
], ids=["time-only", "spectral-magnitude-filtered", "fft-30", "partial"])
def test_front_end_instructions_per_window_are_within_a_quarter_of_the_counted(front, tmp_path):
    """The latency estimate of a signal build: what a window costs beyond the model (its hop
    of pushed samples and the features), as tinyc.signal.cost estimates it, against qemu's count."""
    from tinyc import targets
    from tinyc.signal import cost as fe_cost

    rec = recordings()[::10]
    X = np.concatenate([compute(front, windows(front, x)) for x, _ in rec])
    model = FAMILY_REGISTRY["linear"].fit({"c": 1.0}, X.astype(np.float64), np.arange(len(X)) % 2,
                                          Problem(Task.classification, X.shape[1], 2), seed=0)
    model.frontend = front
    HostBackend().emit(EmitRequest(model, "m", front.outputs(), ("a", "b"),
                                   Provenance("t", "s.tml", "0" * 64, "0" * 64, "id"), 0, 0), tmp_path)
    rows = np.zeros((12, X.shape[1]), dtype=np.float32)  # one hop of the same real sample per row
    rows[:, :len(front.channels)] = np.concatenate([x for x, _ in rec])[:12, :len(front.channels)]
    windows_run = (len(rows) * front.hop - front.window) // front.hop + 1
    for core in ("cortex-m0plus", "cortex-m4"):
        why = emulator.available(core)
        if why:
            pytest.skip(why)
        total = emulator.instructions_per_inference(tmp_path, "m", rows, core, call=WINDOW_CALL) * len(rows)
        model_only = emulator.instructions_per_inference(tmp_path, "m", rows, core, call=PREDICT_CALL)
        counted = (total - model_only * windows_run) / windows_run
        est = fe_cost.instructions(front, targets.get(core).caps)
        assert abs(est - counted) <= 0.25 * counted, (core, est, counted)
