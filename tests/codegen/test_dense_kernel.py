"""The blocked int8 dense kernel (tinyc.codegen.c_dense_q): its blocked weight layout holds every weight
once where the C reads it, the C equals the golden model on every path (the DSP extension's
assembly, the ACLE fallback forced off, the portable loop) and on awkward shapes, and its
instructions per multiply-accumulate, counted under qemu, stay within the bounds
benchmarks/RESULTS.md reports."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets

from tinyc import emulator
from tinyc.codegen.c_dense_q import blocked
from tinyc.codegen.library import Provenance
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.quant import quantize
from tinyc.spec.ir import Task

sys.path.insert(0, str(Path(__file__).parents[1] / "backends"))
from test_quantized import integer_driver, parse  # noqa: E402

PROV = Provenance("test", "test.tml", "0" * 64, "1" * 64, "testmodel")


def reference_dot(u: np.ndarray, n_out: int, n_in: int, x: np.ndarray) -> np.ndarray:
    """The C kernel's traversal of the stored bytes, in Python: blocks of four rows, groups of four
    inputs, the remainder inputs, then the rows left over; weights stored plus 128."""
    out = np.zeros(n_out, dtype=np.int64)
    pos = 0
    whole = n_in // 4 * 4
    for b in range(n_out // 4):
        for g in range(0, whole, 4):
            for r in range(4):
                for j in range(4):
                    out[4 * b + r] += (int(u[pos]) - 128) * int(x[g + j])
                    pos += 1
        for i in range(whole, n_in):
            for r in range(4):
                out[4 * b + r] += (int(u[pos]) - 128) * int(x[i])
                pos += 1
    for o in range(n_out // 4 * 4, n_out):
        for i in range(n_in):
            out[o] += (int(u[pos]) - 128) * int(x[i])
            pos += 1
    assert pos == len(u)  # every stored byte read once
    return out


@pytest.mark.parametrize("shape", [(4, 4), (3, 2), (10, 13), (8, 64), (7, 5), (1, 1)])
def test_blocked_layout_holds_each_weight_where_the_kernel_reads_it(shape):
    rng = np.random.default_rng(sum(shape))
    W = rng.integers(-128, 128, size=shape).astype(np.int8)
    x = rng.integers(-128, 128, size=shape[1])
    u = blocked(W)
    assert u.dtype == np.uint8 and len(u) == W.size
    assert np.array_equal(reference_dot(u, *shape, x), W.astype(np.int64) @ x)


def _mlp(X, y, hidden, layers=1, activation="relu"):
    k = len(np.unique(y))
    model = FAMILY_REGISTRY["mlp"].fit({"layers": layers, "hidden": hidden, "alpha": 1e-2, "activation": activation},
                                       X, y, Problem(Task.classification, X.shape[1], k), seed=0)
    q = quantize(model, "int8", X)
    q.qinfo["kernel"] = "blocked"  # the kernel under test (no pass chooses it yet)
    return q


def _emit(model, folder: Path):
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    features = tuple(f"f{i}" for i in range(model.n_features))
    HostBackend().emit(EmitRequest(model, "m", features, tuple(f"c{i}" for i in range(model.classes)), PROV, 0, 0),
                       folder)
    return folder


class Case:
    classification = True

    def __init__(self, model, X):
        self.model, self.X = model, X


def _digits():
    d = datasets.load_digits()
    return d.data.astype(np.float32), d.target


def _tiny():
    """Three inputs (no whole group of four) and hidden layers of two and five (no whole block, then
    one block and a row)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


SHAPES = {"digits_64_32_10": lambda: (*_digits(), 32, 1, "relu"),
          "digits_64_12_12_10_tanh": lambda: (*_digits(), 12, 2, "tanh"),
          "tiny_3_5_5_3": lambda: (*_tiny(), 5, 2, "relu")}


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("target,defines", [("cortex-m4", ()), ("cortex-m4", ("-DM_NO_SIMD",)),
                                            ("cortex-m0plus", ()), ("riscv32imc", ())],
                         ids=["m4-asm", "m4-portable", "m0plus", "rv32imc"])
def test_every_kernel_path_equals_the_golden_model(name, target, defines, tmp_path):
    why = emulator.available(target)
    if why:
        pytest.skip(why)
    X, y, hidden, layers, activation = SHAPES[name]()
    model = _mlp(X, y, hidden, layers, activation)
    rows = X[:: max(1, len(X) // 60)]
    Q = model.encode(rows)
    case = Case(model, rows)
    folder = _emit(model, tmp_path / "lib")
    elf = emulator.build_image(folder, "m", rows, True, target, tmp_path / "img", driver=integer_driver(case, Q),
                               defines=defines)
    if target == "cortex-m4":  # the path named is the one compiled
        import subprocess

        text = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True, text=True).stdout
        assert ("uxtb16" in text and "ror #8" in text) == (defines == ()), defines
    decision, scores = parse(emulator.run_qemu(elf, target))
    assert len(decision) == len(rows) >= 60
    assert np.array_equal(scores, model.scores_q(Q))
    assert np.array_equal(decision, model.predict(rows))


# instructions per multiply-accumulate of the whole integer kernel (scores_q: every layer, its
# input sum, requantization and activation; the encoder not included), digits 64-32-10 (2368 MACs)
PER_MAC = {"cortex-m4": 2.6, "cortex-m0plus": 6.3, "riscv32imc": 4.8}


@pytest.mark.parametrize("target", PER_MAC)
def test_instructions_per_multiply_accumulate(target, tmp_path):
    why = emulator.available(target)
    if why:
        pytest.skip(why)
    X, y = _digits()
    model = _mlp(X, y, 32)
    macs = sum(model.arrays[f"W{i}"].size for i in range(2))
    assert macs == 64 * 32 + 32 * 10
    folder = _emit(model, tmp_path / "lib")
    call = ("{ static m_input_t q[M_N_CODES]; static int32_t out[M_N_OUTPUTS]; "
            "q[0] = (m_input_t)x[0]; (void)m_scores_q(q, out); (void)s; }")
    per_mac = emulator.instructions_per_inference(folder, "m", X[:8], target, call=call) / macs
    assert per_mac <= PER_MAC[target], per_mac


@pytest.mark.skipif(shutil.which("cppcheck") is None, reason="cppcheck not installed (apt-get install cppcheck)")
@pytest.mark.parametrize("name", SHAPES)
def test_cppcheck_finds_nothing_in_the_blocked_kernel(name, tmp_path):
    X, y, hidden, layers, activation = SHAPES[name]()
    folder = _emit(_mlp(X, y, hidden, layers, activation), tmp_path / "lib")
    r = subprocess.run(["cppcheck", "--std=c99", "--enable=warning,style,performance,portability",
                        "--error-exitcode=1", "--quiet", "-I", str(folder / "src"), str(folder / "src")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("opt", ["-O0", "-O2", "-O3"])
def test_the_assembly_builds_at_every_optimisation_level(opt, tmp_path):
    """The inline assembly asks for twelve registers: GCC must find them without optimisation too
    (a frame pointer taken), and with -std=gnu11 as Arduino and PlatformIO compile."""
    from tinyc_backends.arm import ARM_TOOLCHAIN

    if not ARM_TOOLCHAIN.available():
        pytest.skip(ARM_TOOLCHAIN.install)
    X, y = _digits()
    folder = _emit(_mlp(X, y, 8), tmp_path / "lib")
    for std in ("-std=c99", "-std=gnu11"):
        r = subprocess.run([ARM_TOOLCHAIN.gcc, "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16",
                            std, opt, "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", str(folder / "src" / "m.c"),
                            "-o", str(tmp_path / "m.o")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_a_layer_too_wide_for_int32_partial_sums_keeps_the_compact_kernel():
    from tinyc.codegen import c_quant
    from tinyc.codegen.c_dense_q import exact

    X, y = _digits()
    model = _mlp(X, y, 8)
    assert exact(model) and "_block(" in c_quant.dense(model, "m")[0]
    wide = model.arrays["B0"].copy()
    wide[0] = 2**31 - 1000  # |B| + 64 inputs * 128 * 383 passes 2^31
    model.arrays["B0"] = wide
    assert not exact(model) and "_block(" not in c_quant.dense(model, "m")[0]
