"""The generated C computes what the Python model computes: on the host
(gcc), and on emulated Cortex-M and RISC-V cores (their cross compilers + qemu), over at
least 100 real rows per model, for every family."""
import platform
import shutil

import numpy as np
import pytest

from model_cases import CASES, emitted  # noqa: F401  (emitted is a fixture)
from tinyc import emulator, toolchain
from tinyc.models.costs import IF_ELSE_BOUND, RAM, RAM_BYTES
from tinyc.targets import get
from tinyc_backends.arm import ARM_TOOLCHAIN

IDS = [c.name for c in CASES]
INTEGER = [c for c in CASES if c.model.qinfo]


def golden(case):
    return case.model.predict(case.X), case.model.scores(case.X)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_host_c_matches_golden_model(case, emitted):
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    res = emulator.run_host(emitted[case.name], "m", case.X, case.classification)
    pred, scores = golden(case)
    assert len(res.classes) == len(case.X) >= 100
    assert (res.classes >= 0).all(), "the C refused a valid row"
    if case.classification:
        assert np.array_equal(res.classes, pred)
    # the same float32 operations in the same order (tinyc's own tanh too): the same bits
    assert np.array_equal(res.scores.view(np.uint32), scores.astype(np.float32).view(np.uint32))


ARM = ["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m33"]
# integer models: the cores the quantization issue names (Thumb-1 without FPU, Thumb-2 with)
INTEGER_ARM = ["cortex-m0plus", "cortex-m4", "cortex-m33"]


@pytest.mark.parametrize("case,target", [(c, t) for c in CASES for t in (INTEGER_ARM if c.model.qinfo else ARM)],
                         ids=[f"{c.name}-{t}" for c in CASES for t in (INTEGER_ARM if c.model.qinfo else ARM)])
def test_arm_builds_are_clean_and_cost_estimate_holds(case, target, tmp_path):
    if not ARM_TOOLCHAIN.available():
        pytest.skip(ARM_TOOLCHAIN.install)
    backend = get(target)
    fam = case.model.family
    from tinyc.models import FAMILY_REGISTRY

    cost = FAMILY_REGISTRY[fam].cost(case.model, backend.caps, case.model.quant)
    backend.emit(case.request(cost.flash, cost.ram), tmp_path)
    toolchain.compile_strict(tmp_path, "m", backend)  # -Wall -Wextra -Werror -pedantic -std=c99 -Os
    measured = toolchain.measure(tmp_path, "m", backend)
    assert abs(cost.flash - measured.flash) <= max(0.10 * measured.flash, 256), (cost.flash, measured.flash)
    # RAM: the caller's float features, the library's static data and buffers and the deepest stack
    # (GCC's stack usage of the prediction and its callees)
    stack, external = toolchain.stack_depth(tmp_path, "m", backend)
    ram = 4 * case.model.n_features + measured.ram + stack
    # (the bounds the reports state: trees as if-else code may be estimated up to 55% over)
    slack = max(RAM * ram, RAM_BYTES)
    over = max(IF_ELSE_BOUND * ram, slack) if case.model.kernel == "if-else" else slack
    assert not external and -slack <= cost.ram - ram <= over, (cost.ram, measured.ram, stack, external)
    # without FPU a float model needs soft-float, except a vote tree (its thresholds compared as
    # integer keys, its votes counted in integers); an integer model's prediction does not
    # (integer encoder and kernel), except a regressor's float value (int32 to float, scale)
    uses_float = FAMILY_REGISTRY[fam].soft_float(case.model.task) if not case.model.qinfo else not case.classification
    expect_soft = backend.caps.fpu == "none" and uses_float
    assert measured.soft_float == expect_soft, measured.library_symbols
    # no loop of the model (zeroing votes, copying initial scores) became a call to the C
    # library's memset/memcpy (newlib's are 100-300 B, more than many whole models)
    assert not set(measured.library_symbols) & set(toolchain.MEMORY_ROUTINES), measured.library_symbols


EMULATED = ([c for c in CASES if c.dataset in ("cancer", "diabetes") and not c.model.qinfo] +
            [c for c in CASES if c.dataset == "wine" and c.variant in ("mlp_tanh", "forest")])
# integer models: the portable loop on Thumb-1, the DSP (SIMD) loop on the M4 and M33
# RISC-V: soft-float on RV32IMC, and everything in software on RV32EC (no multiply unit)
RISCV = ["riscv32imc", "riscv32ec"]
EMULATED_PAIRS = [(c, t) for c in EMULATED for t in ARM + RISCV] + \
    [(c, t) for c in INTEGER if c.dataset in ("cancer", "diabetes")
     for t in (("cortex-m0plus", "cortex-m4", "cortex-m33", *RISCV) if c.variant.endswith("int8")
               else ("cortex-m4", "riscv32imc"))]


@pytest.mark.parametrize("case,target", EMULATED_PAIRS, ids=[f"{c.name}-{t}" for c, t in EMULATED_PAIRS])
def test_emulated_core_matches_host(case, target, emitted):
    why = emulator.available(target)
    if why:
        pytest.skip(why)
    emu = emulator.run_emulated(emitted[case.name], "m", case.X, case.classification, target)
    host = emulator.run_host(emitted[case.name], "m", case.X, case.classification)
    assert len(emu.classes) == len(case.X) >= 100
    assert np.array_equal(emu.classes, host.classes)
    assert np.array_equal(emu.scores.view(np.uint32), host.scores.view(np.uint32))


# the flags an Arduino or PlatformIO build passes (GNU C: GCC then fuses a*b+c into one multiply-add
# where the core has one, unless the code forbids it), and a host build tuned for this machine
ORDINARY = ("-std=gnu11", "-O2", "-ffp-contract=fast")
NATIVE = ("-march=native",) if platform.machine() in ("x86_64", "AMD64", "aarch64", "arm64") else ()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_host_c_is_bit_exact_under_ordinary_and_aggressive_flags(case, emitted):
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    res = emulator.run_host(emitted[case.name], "m", case.X, case.classification, extra_flags=ORDINARY + NATIVE)
    pred, scores = golden(case)
    assert np.array_equal(res.scores.view(np.uint32), scores.astype(np.float32).view(np.uint32))
    if case.classification:
        assert np.array_equal(res.classes, pred)


FUSING = [c for c in CASES if not c.model.qinfo or not c.classification]  # float arithmetic in the C


@pytest.mark.parametrize("case", FUSING, ids=[c.name for c in FUSING])
def test_cortex_m4_c_is_bit_exact_under_ordinary_flags(case, emitted):
    """The M4's FPU has a fused multiply-add (vfma.f32): with -ffp-contract=fast GCC uses it
    unless the library forbids it."""
    why = emulator.available("cortex-m4")
    if why:
        pytest.skip(why)
    res = emulator.run_emulated(emitted[case.name], "m", case.X, case.classification, "cortex-m4", ORDINARY)
    pred, scores = golden(case)
    assert np.array_equal(res.scores.view(np.uint32), scores.astype(np.float32).view(np.uint32))
