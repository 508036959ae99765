"""Integer models: the integer entry points of the generated C compute the
numpy golden model's integer scores exactly, on the host and on an emulated
Cortex-M0+; an int8 Cortex-M0+ build used through them links no soft-float
routine (and, but for the centroid family, no 64-bit one); quantization costs little accuracy on real data."""
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from model_cases import CASES, emitted  # noqa: F401  (emitted is a fixture)
from tinyc import emulator, toolchain
from tinyc.targets import get
from tinyc_backends.arm import ARM_TOOLCHAIN

INTEGER = [c for c in CASES if c.model.qinfo]

MAIN = """#include <stdint.h>
#include "m.h"
static const m_input_t rows[{n}][M_N_CODES] = {{ {rows} }};
""" + emulator.PRINT_HELPERS + """
int main(void)
{{
    unsigned r;
    for (r = 0; r < {n}u; ++r) {{
        int32_t s[M_N_OUTPUTS];
        int32_t c = -1;
        m_status st = m_scores_q(rows[r], s);
        if (st == M_OK) {{
            st = {predict}(rows[r], &c);
        }}
        tinyc_print_row(st == M_OK ? c : -1 - (int32_t)st, s, M_N_OUTPUTS);
    }}
    return 0;
}}
"""


def integer_driver(case, Q: np.ndarray) -> str:
    """Scores and decision through the integer entry points, for codes ``Q``."""
    rows = ", ".join("{" + ", ".join(str(int(v)) for v in row) + "}" for row in Q)
    return MAIN.format(n=len(Q), rows=rows, predict="m_predict_q" if case.classification else "m_predict_value_q")


def parse(res):
    """(decision or -1-status, int32 scores) from a run of the integer driver."""
    return res.classes, res.scores.view(np.int32).astype(np.int64)


def golden_q(case):
    Q = case.model.encode(case.X)
    s = case.model.scores_q(Q)
    pred = case.model.predict(case.X) if case.classification else s[:, 0]
    return Q, s, pred


@pytest.mark.parametrize("case", INTEGER, ids=lambda c: c.name)
def test_integer_entry_point_is_bit_exact_on_host(case, emitted):
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    Q, s, pred = golden_q(case)
    res = emulator.run_host(emitted[case.name], "m", case.X, case.classification, driver=integer_driver(case, Q))
    decision, scores = parse(res)
    assert len(decision) == len(case.X) >= 100
    assert np.array_equal(scores, s)  # every row, every output, to the bit
    assert np.array_equal(decision, pred)


@pytest.mark.parametrize("case", [c for c in INTEGER if c.dataset in ("cancer", "diabetes") and "int8" in c.variant],
                         ids=lambda c: c.name)
def test_int8_cortex_m0plus_links_no_soft_float_and_matches(case, emitted, tmp_path):
    """Through the integer entry point, an int8 model on a core without FPU
    needs no __aeabi_f*/__aeabi_d* routine; its results under qemu are the golden ones.
    An int8 classifier called with float features needs none either."""
    why = emulator.available("cortex-m0plus")
    if why:
        pytest.skip(why)
    backend = get("cortex-m0plus")
    Q, s, pred = golden_q(case)
    folder = emitted[case.name]
    entry = "m_predict_q" if case.classification else "m_predict_value_q"
    linked = _routines_linked(tmp_path, folder, backend, entry)
    assert not [u for u in linked if u.startswith(("__aeabi_f", "__aeabi_d"))], linked
    # 32-bit arithmetic only (Armv6-M has no 32x32->64 multiply): the encoder, the trees and
    # the int8 dense kernel call no 64-bit routine; the centroid's distance sums are 64-bit
    wide = [u for u in linked if u in ("__aeabi_lmul", "__aeabi_llsl", "__aeabi_lasr", "__aeabi_llsr")]
    assert bool(wide) == (case.model.family == "centroid"), linked
    # through the float entry point, the encoder is integer arithmetic too: a classifier's
    # predict (float features -> class) links none either; a regressor's float value needs
    # int32-to-float and a multiply (so the check can fail)
    via_float = toolchain.measure(folder, "m", backend)
    assert via_float.soft_float == (not case.classification), via_float.library_symbols
    if case.classification and case.model.family != "centroid":  # nothing from any library, memcpy included
        assert via_float.library_bytes == 0, via_float.library_symbols
    elf = emulator.build_image(folder, "m", case.X, case.classification, "cortex-m0plus", tmp_path / "img",
                               driver=integer_driver(case, Q))
    decision, scores = parse(emulator.run_qemu(elf, "cortex-m0plus"))
    assert len(decision) >= 100 and np.array_equal(scores, s) and np.array_equal(decision, pred)


def test_instructions_are_counted_for_the_prediction_call(emitted):
    """The latency figure of `tinyc verify` counts the call whose flash it reports,
    ``m_predict``: for an int8 classifier on a Cortex-M0+ that is integer work only, while
    ``m_scores`` also converts every score to float in soft-float."""
    why = emulator.available("cortex-m0plus")
    if why:
        pytest.skip(why)
    case = next(c for c in INTEGER if c.name == "wine_mlp_int8")
    X = case.X[:8]
    predict = emulator.instructions_per_inference(emitted[case.name], "m", X, "cortex-m0plus")
    scores = emulator.instructions_per_inference(emitted[case.name], "m", X, "cortex-m0plus",
                                                 call="(void)m_scores(x, s);\ntinyc_out = s[0];")
    assert 0 < predict < scores - 3 * 20, (predict, scores)  # three int-to-float conversions and multiplies


def _routines_linked(tmp: Path, folder: Path, backend, entry: str) -> list[str]:
    """Library routines (``__*`` symbols) in an image whose only use of the model is ``entry``."""
    drv = tmp / "only.c"
    drv.write_text(f'#include "m.h"\nvolatile m_input_t tinyc_q[M_N_CODES];\nvolatile int32_t tinyc_out;\n'
                   f'void tinyc_entry(void);\nvoid tinyc_entry(void)\n{{\n    m_input_t q[M_N_CODES];\n'
                   f'    int32_t c = 0;\n    unsigned i;\n    for (i = 0; i < M_N_CODES; ++i) {{\n'
                   f'        q[i] = tinyc_q[i];\n    }}\n    (void){entry}(q, &c);\n    tinyc_out = c;\n}}\n')
    elf = tmp / "only.elf"
    subprocess.run([ARM_TOOLCHAIN.gcc, *backend.cflags, *toolchain.STRICT, "-Os", "-ffunction-sections",
                    "-fdata-sections", "-I", str(folder / "src"), str(drv), str(folder / "src" / "m.c"),
                    "-nostartfiles", "-Wl,--gc-sections", "-Wl,-e,tinyc_entry", "--specs=nosys.specs",
                    "-o", str(elf)], check=True, capture_output=True, text=True)
    out = subprocess.run([ARM_TOOLCHAIN.nm, "--defined-only", str(elf)], check=True, capture_output=True,
                         text=True).stdout
    return sorted(line.split()[-1] for line in out.splitlines() if line.split()[-1].startswith("__"))


@pytest.mark.parametrize("case", [c for c in INTEGER if c.classification], ids=lambda c: c.name)
def test_quantization_costs_at_most_two_points_of_accuracy(case):
    float_case = next(c for c in CASES if c.dataset == case.dataset and c.variant == case.variant.rsplit("_", 1)[0])
    acc_f = np.mean(float_case.model.predict(case.X) == case.y)
    acc_q = np.mean(case.model.predict(case.X) == case.y)
    assert acc_q >= acc_f - 0.02, (acc_f, acc_q)


def _disassembly(folder: Path, cflags: tuple[str, ...], tmp: Path) -> str:
    obj = tmp / "m.o"
    subprocess.run([ARM_TOOLCHAIN.gcc, *cflags, *toolchain.STRICT, "-Os", "-I", str(folder / "src"), "-c",
                    str(folder / "src" / "m.c"), "-o", str(obj)], check=True, capture_output=True, text=True)
    return subprocess.run([ARM_TOOLCHAIN.gcc.replace("gcc", "objdump"), "-d", str(obj)], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("case", [c for c in INTEGER if c.name in ("cancer_mlp_int8", "cancer_mlp_int16")],
                         ids=lambda c: c.name)
def test_dsp_cores_use_dual_multiply_accumulate(case, emitted, tmp_path):
    """M4 and M33 compile the SIMD loop (SMLAD for int8, SMLALD for int16); an M33
    without the DSP extension and the M0+ compile the portable one. Parity of both
    paths with the golden model is checked under qemu in test_parity."""
    if not ARM_TOOLCHAIN.available():
        pytest.skip(ARM_TOOLCHAIN.install)
    insn = "smlad" if case.variant.endswith("int8") else "smlald"
    folder = emitted[case.name]
    for cflags, expected in ((get("cortex-m4").cflags, True), (get("cortex-m33").cflags, True),
                             (("-mcpu=cortex-m33+nodsp", "-mthumb", "-mfloat-abi=soft"), False),
                             (get("cortex-m0plus").cflags, False)):
        text = _disassembly(folder, cflags, tmp_path)
        assert (f"\t{insn}\t" in text) == expected, cflags


@pytest.mark.parametrize("case", [c for c in INTEGER if c.dataset == "digits"], ids=lambda c: c.name)
def test_features_with_equal_ranges_share_one_stored_map(case, emitted):
    """Pixels mostly share a range: the C stores each distinct input map once and a
    one-byte index per code (the bit-exact tests run these models too), and the
    cost model counts what is stored, not a map per feature."""
    from tinyc.models import FAMILY_REGISTRY
    from tinyc.quant.inputs import MAP_BYTES, MAP_KEYS, stored_maps
    from tinyc.targets import get as target

    table, index = stored_maps(case.model)
    n_codes = len(case.model.arrays["in_l"])
    assert index is not None and len(table["in_l"]) < 0.6 * n_codes, (len(table["in_l"]), n_codes)
    for key in MAP_KEYS:  # each code keeps its own map
        assert np.array_equal(table[key][index], case.model.arrays[key])
    header = (emitted[case.name] / "src" / "m.h").read_text()
    assert f"extern const uint8_t m_input_map[{n_codes}];" in header
    assert f"extern const int32_t m_input_l[{len(table['in_l'])}];" in header
    per_code = FAMILY_REGISTRY[case.model.family].cost(case.model, target("cortex-m4").caps, case.model.quant)
    saved = MAP_BYTES * n_codes - (MAP_BYTES * len(table["in_l"]) + n_codes)
    assert saved > 100
    dense = dict(case.model.arrays, in_l=np.arange(n_codes, dtype=np.int32))  # no two maps equal
    unshared = FAMILY_REGISTRY[case.model.family].cost(
        type(case.model)(case.model.family, case.model.task, case.model.params, case.model.n_features,
                         case.model.classes, dense, qinfo=case.model.qinfo, tree_kernel=case.model.tree_kernel),
        target("cortex-m4").caps, case.model.quant)
    assert unshared.flash - per_code.flash == saved


def test_trees_encode_every_feature_when_that_is_smaller():
    """Features no split uses are left out of the codes (a column index per code) unless
    encoding them too is smaller: they then share one constant map. One tree on the
    cancer data (its features' threshold ranges all differ) keeps a column index; a
    40-tree forest on pixels, which leaves some pixels unused, encodes every pixel."""
    from sklearn.datasets import load_breast_cancer, load_digits

    from tinyc.models import FAMILY_REGISTRY, Problem
    from tinyc.quant import quantize
    from tinyc.quant.inputs import encode
    from tinyc.spec.ir import Task

    for loader, n_trees, expect_all in ((load_breast_cancer, 1, False), (load_digits, 40, True)):
        d = loader()
        X, y = d.data, d.target
        k = len(np.unique(y))
        m = FAMILY_REGISTRY["forest"].fit({"n_estimators": n_trees, "max_depth": 8, "max_features": 0.5,
                                           "max_leaves": 10**6}, X, y, Problem(Task.classification, X.shape[1], k),
                                          seed=0)
        q = quantize(m, "int8", X)
        used = np.unique(m.arrays["feature"])
        assert len(used) < X.shape[1]  # some features unused in both cases
        assert ("in_cols" not in q.arrays) == expect_all, (n_trees, len(used))
        if not expect_all:
            assert np.array_equal(q.arrays["in_cols"], used)
        assert encode(q, X).shape[1] == (X.shape[1] if expect_all else len(used))
        assert np.mean(q.predict(X) == m.predict(X)) > 0.97


ENCODE_MAIN = """#include <stdint.h>
#include "m.h"
static const uint32_t rows[{n}][M_N_FEATURES] = {{ {rows} }};
""" + emulator.PRINT_HELPERS + """
int main(void)
{{
    unsigned r, k;
    for (r = 0; r < {n}u; ++r) {{
        float x[M_N_FEATURES];
        m_input_t q[M_N_CODES];
        int32_t w[M_N_CODES];
        m_status st;
        memcpy(x, rows[r], sizeof x);
        st = m_quantize_input(x, q);
        for (k = 0; k < M_N_CODES; ++k) {{
            w[k] = q[k];
        }}
        tinyc_print_row(-(int32_t)st, w, M_N_CODES);
    }}
    return 0;
}}
"""


@pytest.mark.parametrize("case", [c for c in INTEGER if c.name in ("cancer_mlp_int8", "cancer_forest_int16",
                                                                   "digits_gbt_int8")], ids=lambda c: c.name)
def test_integer_encoder_matches_the_golden_one_on_awkward_floats(case, emitted):
    """The encoder works on the float's bits: values far outside the calibration range
    (saturation), signed zeros, subnormals, the largest floats, values a hair beside
    the range ends, and every bit pattern near them give the golden codes; NaN and
    infinities are refused with ERR_INPUT."""
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    from tinyc.quant.inputs import affine, columns, maps_of

    rng = np.random.default_rng(0)
    n = case.model.n_features
    lo, inv = affine(maps_of(case.model.arrays), case.model.qinfo["input_rounding"])
    lo = np.broadcast_to(lo, (len(columns(case.model)),))
    step = np.where(inv > 0, 1.0 / np.where(inv > 0, inv, 1.0), 1.0)
    special = np.array([0.0, -0.0, 1e-45, -1e-45, 1e-39, -1e-39, 3.4e38, -3.4e38, 1e30, -1e30, 1.0, -1.0],
                       dtype=np.float32)
    rows = [np.full(n, v, dtype=np.float32) for v in special]
    for _ in range(150):  # around the range ends and across the range, with random bit-level jitter
        x = np.asarray(case.X[rng.integers(len(case.X))], dtype=np.float32).copy()
        cols = columns(case.model)
        pick = rng.choice(len(cols), size=min(len(cols), 8), replace=False)
        for k in pick:
            edge = lo[k] + step[k] * rng.choice([0.0, 0.5, 1.0, 254.5, 255.0, 65535.0, -3.0, 1e6])
            x[cols[k]] = np.float32(edge)
        bits = x.view(np.uint32).astype(np.int64) + rng.integers(-3, 4, size=n)
        rows.append(np.clip(bits, 0, 2**32 - 1).astype(np.uint32).view(np.float32))
    X = np.array(rows, dtype=np.float32)
    X = X[np.all(np.isfinite(X), axis=1)]
    bad = np.array([[np.nan] + [0.0] * (n - 1), [np.inf] * n, [-np.inf] + [1.0] * (n - 1)], dtype=np.float32)
    allX = np.vstack([X, bad])
    text = ", ".join("{" + ", ".join(f"{int(b)}u" for b in row.view(np.uint32)) + "}" for row in allX)
    res = emulator.run_host(emitted[case.name], "m", allX, True, driver=ENCODE_MAIN.format(n=len(allX), rows=text))
    status = -res.classes
    codes_c = res.scores.view(np.int32).astype(np.int64)
    assert np.array_equal(status[:len(X)], np.zeros(len(X)))
    assert np.array_equal(codes_c[:len(X)], case.model.encode(X))  # every code of every row, to the bit
    assert np.all(status[len(X):] == 2)  # M_ERR_INPUT
    q = case.model.encode(X[:len(special)])[:, np.broadcast_to(case.model.arrays["in_m"], (len(lo),)) > 0]
    qmin, qmax = (-128, 127) if case.model.quant == "int8" else (-32768, 32767)
    assert np.all(q[special >= 1e30] == qmax) and np.all(q[special <= -1e30] == qmin)  # saturation
