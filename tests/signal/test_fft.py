"""The mixed-radix FFT power spectrum (tinyc.signal.fft, its C in tinyc.codegen.c_fft): the golden
model is the discrete Fourier transform, and the C computes it bit for bit, on the host and on
emulated cores with and without an FPU, on real windows (ECG200 beats, IMU samples)."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tinyc import emulator
from tinyc.codegen import c_fft
from tinyc.codegen.cgen import c_array
from tinyc.signal import fft

ROOT = Path(__file__).resolve().parents[2]


def _tables(n):
    m = np.arange(n)
    return np.cos(2 * np.pi * m / n).astype(np.float32), np.sin(2 * np.pi * m / n).astype(np.float32)


def _windows(n: int) -> np.ndarray:
    """Real windows of n samples, minus their mean as the front end transforms them: ECG200 beats
    (96 samples) and, for other lengths, stretches of the BasicMotions accelerometer."""
    if n == 96:
        W = pd.read_csv(ROOT / "examples" / "ecg200" / "data.csv").drop(columns="target").to_numpy(np.float32)[:24]
    else:
        x = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")["acc_x"].to_numpy(np.float32)
        W = np.stack([x[i * n:(i + 1) * n] for i in range(12)])
    return (W - W.mean(axis=1, keepdims=True).astype(np.float32)).astype(np.float32)


@pytest.mark.parametrize("n", [96, 30, 16, 12, 20, 60, 8, 128])
def test_the_fft_is_the_fourier_transform(n):
    D = _windows(n)
    cos, sin = _tables(n)
    ref = np.abs(np.fft.fft(D.astype(np.float64), axis=1))[:, 1:n // 2 + 1] ** 2
    got = fft.power(D, cos, sin)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.max(np.abs(got - ref)) <= 1e-5 * np.max(ref)


def test_windows_with_another_prime_factor_keep_the_direct_dft():
    assert fft.radices(14) is None and fft.radices(97) is None and fft.radices(1) is None
    assert fft.radices(90) == (2, 3, 3, 5)


def test_the_digit_reversal_is_a_permutation():
    lengths = [n for n in range(2, 257) if fft.radices(n) is not None]
    smooth = {2**a * 3**b * 5**c for a in range(9) for b in range(6) for c in range(4)}
    assert lengths == sorted(n for n in smooth if 2 <= n <= 256)  # every 2^a 3^b 5^c, nothing else
    for n in lengths:
        assert sorted(fft.digit_reversal(n, fft.radices(n))) == list(range(n))


def _library(n: int, folder: Path) -> None:
    cos, sin = _tables(n)
    src = folder / "src"
    src.mkdir(parents=True)
    (src / "m.h").write_text("#include <stdint.h>\nvoid m_power(const float *d, float *power);\n")
    (src / "m.c").write_text('#include "m.h"\n\n' + c_array("float", "m_cos", cos, per_line=6) + "\n"
                             + c_array("float", "m_sin", sin, per_line=6) + "\n\n" + c_fft.source(n, "m")
                             + f"\n\nvoid m_power(const float *d, float *power)\n{{\n    static float re[{n}];\n"
                             "    m_fft_power(d, re, power);\n}\n")


def _driver(D: np.ndarray) -> str:
    n = D.shape[1]
    bits = ",".join(f"0x{int(b):08x}u" for b in D.view(np.uint32).ravel())
    return (f'#include <stdint.h>\n#include <string.h>\n#include "m.h"\nstatic const uint32_t rows[] = {{{bits}}};\n'
            + emulator.PRINT_HELPERS.replace("{{", "{").replace("}}", "}") +
            f"""
int main(void)
{{
    uint32_t r, k;
    for (r = 0; r < {len(D)}u; ++r) {{
        float d[{n}], p[{n // 2}];
        memcpy(d, &rows[r * {n}u], sizeof d);
        m_power(d, p);
        for (k = 0; k < {n // 2}u; ++k) {{
            tinyc_print_row((int32_t)k, &p[k], 1u);
        }}
    }}
    return 0;
}}
""")


def _bits(res, D) -> np.ndarray:
    return res.scores.view(np.uint32).reshape(len(D), -1)


@pytest.mark.parametrize("n", [96, 30, 16])
def test_the_c_fft_equals_the_golden_model_on_the_host(n, tmp_path):
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    D = _windows(n)
    _library(n, tmp_path)
    res = emulator.run_host(tmp_path, "m", D, False, driver=_driver(D))
    assert np.array_equal(_bits(res, D), fft.power(D, *_tables(n)).view(np.uint32))


@pytest.mark.parametrize("n,target", [(96, "cortex-m0plus"), (96, "cortex-m4"), (30, "cortex-m4"),
                                      (30, "riscv32imc")])
def test_the_c_fft_equals_the_golden_model_on_the_cores(n, target, tmp_path):
    why = emulator.available(target)
    if why:
        pytest.skip(why)
    D = _windows(n)[:6]
    _library(n, tmp_path)
    elf = emulator.build_image(tmp_path, "m", D, False, target, tmp_path / "img", driver=_driver(D))
    res = emulator.run_qemu(elf, target)
    assert np.array_equal(_bits(res, D), fft.power(D, *_tables(n)).view(np.uint32))
