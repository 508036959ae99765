"""C for integer (int8 / int16) models: the input encoder and the integer
kernels of the dense (linear, MLP), tree (tree, forest, gbt) and centroid families.

Each emitter returns ``(definitions, body, scratch elements)``; the body runs in
``<p>_scores_qr(const <p>_input_t *q, int32_t *scores, void *scratch)`` (with
``<p>_input_t *scratch``: codes are all the scratch holds) and
computes exactly what :mod:`tinyc.quant` computes in numpy.
"""
from __future__ import annotations

from ..quant.dense import TANH_STEP_SHIFT, n_layers, tanh_table
from ..quant.fixedpoint import RANGES, SPLIT_SHIFT
from ..quant.inputs import d_max, stored_maps
from .cgen import NON_FINITE_BITS, c_array, float_bits, int_type


def qtype(mode: str) -> str:
    return "int8_t" if mode == "int8" else "int16_t"


def floor_shift(p: str) -> str:
    """``floor(v / 2^s)`` as an arithmetic right shift. C99 leaves the right shift
    of a negative number implementation-defined; every compiler tinyc targets
    (GCC, Clang, Arm's) shifts arithmetically, and the generated code refuses to
    compile where the preprocessor says otherwise."""
    return f"""#if (-1 >> 1) != -1
#error "this model needs an arithmetic right shift of negative integers"
#endif
#define {p.upper()}_FLOOR_SHIFT(v, s) ((v) >> (s))"""


def emit_encoder(model, p: str) -> str:
    """``<p>_encode``: float features → codes with integer arithmetic only (see
    :mod:`tinyc.quant.inputs`); 0 when a value it reads is NaN or infinite (a tree model
    reads only the features it splits on: the others do not change its result). The public
    ``<p>_quantize_input`` wraps it."""
    mode = model.qinfo["mode"]
    qmin, qmax = RANGES[mode]
    P = p.upper()
    a = model.arrays
    table, index = stored_maps(model)
    defs = [c_array("int8_t", f"{p}_input_e", table["in_e"], per_line=16, static=False),
            c_array("int32_t", f"{p}_input_l", table["in_l"], per_line=8, static=False),
            c_array("uint16_t", f"{p}_input_m", table["in_m"], per_line=12, static=False),
            c_array("uint8_t", f"{p}_input_s", table["in_s"], per_line=16, static=False)]
    source = "x[k]"
    m = "k"
    if len(table["in_l"]) == 1 and model.n_features > 1:  # one map shared by every feature
        m = "0"
    elif index is not None:  # codes with equal maps share one entry
        defs.append(c_array("uint8_t", f"{p}_input_map", index, per_line=16, static=False))
        m = f"{p}_input_map[k]"
    if "in_cols" in a:  # only the features the trees split on are encoded
        defs.append(c_array(int_type(0, model.n_features - 1), f"{p}_input_column", a["in_cols"], per_line=16))
        source = f"x[{p}_input_column[k]]"
    finite_check = f"        if ({NON_FINITE_BITS}) {{\n            return 0;  /* NaN or infinite */\n        }}\n"
    dmax = d_max(mode)
    defs.append(f"""/* code = clamp({qmin} + ((min(v - l, {dmax}) * m) >> s)): v is x in units of 2^-e,
 * taken from the float's bits with shifts (no floating-point, no 64-bit arithmetic) */
static int {p}_encode(const float *x, {p}_input_t *q)
{{
    uint16_t k;
    for (k = 0; k < {P}_N_CODES; ++k) {{
        uint16_t j = {m};
        uint32_t u;
        uint32_t mag;
        int32_t sh;
        int32_t d;
{float_bits(source, "        ")}{finite_check}        sh = (int32_t)((u >> 23) & 0xFFu);
        mag = u & 0x7FFFFFu;
        if (sh == 0) {{
            sh = 1;
        }} else {{
            mag |= 0x800000u;
        }}
        sh += (int32_t){p}_input_e[j] - 150;
        if (sh > 6) {{
            mag = 0x40000000u;
        }} else if (sh >= 0) {{
            mag <<= sh;
        }} else if (sh > -32) {{
            mag >>= -sh;
        }} else {{
            mag = 0u;
        }}
        d = ((u >> 31) ? -(int32_t)mag : (int32_t)mag) - {p}_input_l[j];
        if (d < 0) {{
            q[k] = {qmin};
        }} else {{
            uint32_t h = d > {dmax} ? {dmax}u : (uint32_t)d;
            h *= {p}_input_m[j];  /* < 2^32 */
            h >>= {p}_input_s[j];
            if (h > {qmax - qmin}u) {{
                q[k] = {qmax};
            }} else {{
                q[k] = ({p}_input_t)({qmin} + (int32_t)h);
            }}
        }}
    }}
    return 1;
}}""")
    return "\n\n".join(defs)


def emit(model, p: str) -> tuple[str, str, int]:
    """The integer model's kernel: its family's (tinyc.models.forms)."""
    from ..models.base import FAMILY_REGISTRY

    return FAMILY_REGISTRY[model.family].c_kernel_q(model, p)


def dense(model, p: str) -> tuple[str, str, int]:
    mode, n, a = model.qinfo["mode"], n_layers(model), model.arrays
    if model.kernel == "blocked":  # the forms pass's choice (tinyc.passes.forms.dense_kernels)
        from .c_dense_q import exact

        if exact(model):
            return _dense_int8(model, p)
    qt, acct, mt, _ = _dense_types(mode)
    defs = [_simd_guard(p.upper()), floor_shift(p)]
    for i in range(n):
        defs.append(c_array(qt, f"{p}_W{i}", a[f"W{i}"].ravel(), per_line=16))
        defs.append(c_array(acct, f"{p}_B{i}", a[f"B{i}"], per_line=8))
        defs.append(c_array(mt, f"{p}_M{i}", a[f"M{i}"], per_line=8))
        defs.append(c_array("uint8_t", f"{p}_S{i}", a[f"S{i}"], per_line=16))
    if n > 1:
        defs += _activation(p, mode, model.qinfo["activation"])
    defs.append(_neuron(p, mode))
    widest = max([a[f"W{i}"].shape[0] for i in range(n - 1)], default=0)
    defs.append(_layer_table(model, p, mode))
    return "\n\n".join(defs), _dense_body(p, mode, n, widest), 2 * widest


def _dense_int8(model, p: str) -> tuple[str, str, int]:
    from . import c_dense_q as k

    n, a = n_layers(model), model.arrays
    defs = [k.guard(p), floor_shift(p), *k.arrays(model, p)]
    if n > 1:
        defs += _activation(p, "int8", model.qinfo["activation"])
    defs += [k.requant(p), k.block(p), k.row(p), k.layer_table(model, p), k.layer(p, n > 1)]
    widest = max([a[f"W{i}"].shape[0] for i in range(n - 1)], default=0)
    return "\n\n".join(defs), k.body(p, n, widest), 2 * widest


def _dense_types(mode: str) -> tuple[str, str, str, str]:
    """The C types of a dense model's codes, accumulators, requantization multipliers and
    requantized accumulators (int8: 32-bit arithmetic; int16: 64-bit)."""
    if mode == "int8":
        return qtype(mode), "int32_t", "int16_t", "int32_t"
    return qtype(mode), "int64_t", "int32_t", "int64_t"


def _simd_guard(P: str) -> str:
    return f"""/* Cores with the Arm DSP extension (Cortex-M4, Cortex-M33 built with it) take the
 * dual multiply-accumulate path (ACLE intrinsics); define {P}_NO_SIMD to force the
 * portable loop. Both add the same integers: the results are identical. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined({P}_NO_SIMD)
#include <arm_acle.h>
#include <string.h>
#define {P}_SIMD 1
#else
#define {P}_SIMD 0
#endif"""


def _activation(p: str, mode: str, act: str) -> list[str]:
    """The hidden activation of a requantized accumulator: ReLU's clamp, or tanh by its table."""
    qmin, qmax = RANGES[mode]
    qt, _, _, rt = _dense_types(mode)
    defs = []
    if act == "tanh":
        defs.append(c_array("int16_t", f"{p}_tanh_table", tanh_table(), per_line=12))
        to_mode = "y" if mode == "int16" else "(y + 128) >> 8 > 127 ? 127 : (y + 128) >> 8"
        activate = f"""    int32_t u = (int32_t)(r < -32768 ? -32768 : (r > 32767 ? 32767 : r));
    uint32_t v = (uint32_t)(u + 32768);
    uint32_t i = v >> {TANH_STEP_SHIFT};
    int32_t frac = (int32_t)(v & {(1 << TANH_STEP_SHIFT) - 1}u);
    int32_t y = {p}_tanh_table[i] + (((int32_t){p}_tanh_table[i + 1] - {p}_tanh_table[i]) * frac >> {TANH_STEP_SHIFT});
    return ({qt})({to_mode});"""
    else:
        activate = f"""    r += {qmin};
    return ({qt})(r < {qmin} ? {qmin} : (r > {qmax} ? {qmax} : r));"""
    defs.append(f"""/* the hidden activation ({act}) of a requantized accumulator */
static {qt} {p}_activate({rt} r)
{{
{activate}
}}""")
    return defs


def _neuron(p: str, mode: str) -> str:
    """One neuron: the dot product (the DSP extension's dual multiply-accumulates where the core
    has them), then the requantization by M / 2^S."""
    P = p.upper()
    qt, acct, _, rt = _dense_types(mode)
    if mode == "int8":
        simd = """        int32_t wv, xv;
        memcpy(&wv, w + i, 4);
        memcpy(&xv, in + i, 4);
        /* bytes 0 and 2, then 1 and 3, as two halfword pairs: two dual multiply-accumulates */
        acc = __smlad(__sxtb16(wv), __sxtb16(xv), acc);
        acc = __smlad(__sxtb16((int32_t)((uint32_t)wv >> 8)), __sxtb16((int32_t)((uint32_t)xv >> 8)), acc);"""
        step = 4
        requant = f"""    if (s < {SPLIT_SHIFT}) {{  /* a gain of 1/2 or more (hidden layers only): beyond 2^16 the
                     * activation saturates whatever the exact value */
        acc = acc < -65536 ? -65536 : (acc > 65535 ? 65535 : acc);
        return {P}_FLOOR_SHIFT(acc * m + ((int32_t)1 << (s - 1)), s);
    }}
    /* floor(acc * m / 2^15) from the two 16-bit halves of acc (|acc| < 2^30, m < 2^15) */
    acc = {P}_FLOOR_SHIFT(acc, 16) * m * 2 + (int32_t)((((uint32_t)acc & 0xFFFFu) * (uint32_t)m) >> 15);
    return {P}_FLOOR_SHIFT(acc + ((int32_t)1 << (s - {SPLIT_SHIFT})), s - 15);"""
    else:
        simd = """        int32_t wv, xv;
        memcpy(&wv, w + i, 4);
        memcpy(&xv, in + i, 4);
        acc = __smlald(wv, xv, acc);  /* two 16x16 products into the 64-bit accumulator */"""
        step = 2
        requant = f"    return {P}_FLOOR_SHIFT((int64_t)acc * m + ((int64_t)1 << (s - 1)), s);"
    bits = "32" if mode == "int8" else "64"
    return f"""/* one neuron: B + sum W[i] * in[i], requantized by M / 2^S ({bits}-bit arithmetic) */
static {rt} {p}_neuron(const {qt} *in, uint16_t n_in, const {qt} *w, {acct} acc, int32_t m, uint8_t s)
{{
    uint16_t i = 0;
#if {P}_SIMD
    for (; i + {step}u <= n_in; i += {step}u) {{
{simd}
    }}
#endif
    for (; i < n_in; ++i) {{
        acc += ({acct})((int32_t)w[i] * in[i]);
    }}
{requant}
}}"""


def _layer_table(model, p: str, mode: str) -> str:
    """The compact kernel's table of layers (tinyc.codegen.c_dense_q.layer_table with its types)."""
    from .c_dense_q import layer_table

    qt, acct, mt, _ = _dense_types(mode)
    return layer_table(model, p, (qt, acct, mt), "{p}_W{i}", "")


def _dense_body(p: str, mode: str, n: int, widest: int) -> str:
    """The layers in turn, ping-ponging between the two halves of the scratch; the last layer's
    outputs are the scores."""
    qt, _, _, rt = _dense_types(mode)
    score = "r" if mode == "int8" else "(int32_t)(r < INT32_MIN ? INT32_MIN : (r > INT32_MAX ? INT32_MAX : r))"
    if n == 1:
        return f"""    const {qt} *src = q;
    (void)scratch;
    uint16_t l, o;
    for (l = 0; l < {n}; ++l) {{
        const {p}_layer_t *L = &{p}_layers[l];
        for (o = 0; o < L->n_out; ++o) {{
            {rt} r = {p}_neuron(src, L->n_in, L->W + (uint32_t)o * L->n_in, L->B[o], L->M[o], L->S[o]);
            scores[o] = {score};
        }}
    }}"""
    return f"""    const {qt} *src = q;
    uint16_t l, o;
    for (l = 0; l < {n}; ++l) {{
        const {p}_layer_t *L = &{p}_layers[l];
        {qt} *dst = scratch + (l % 2u) * {widest}u;
        for (o = 0; o < L->n_out; ++o) {{
            {rt} r = {p}_neuron(src, L->n_in, L->W + (uint32_t)o * L->n_in, L->B[o], L->M[o], L->S[o]);
            if (l + 1 < {n}) {{
                dst[o] = {p}_activate(r);
            }} else {{
                scores[o] = {score};
            }}
        }}
        src = dst;
    }}"""


def centroid(model, p: str) -> tuple[str, str, int]:
    """score_c = K[c] - requant(min(sum_j U[c][j] * (q[j] - C[c][j])^2, cap), M[c], S[c])."""
    from ..quant.centroid import ACC_CAP

    P = p.upper()
    a = model.arrays
    qt = qtype(model.qinfo["mode"])
    k, d = a["centers"].shape
    shared = a["weights"].shape[0] == 1
    defs = [floor_shift(p),
            c_array(qt, f"{p}_centers", a["centers"].ravel(), per_line=16),
            c_array("int16_t", f"{p}_weights", a["weights"].ravel(), per_line=12),
            c_array("int32_t", f"{p}_const", a["const"], per_line=6),
            c_array("int16_t", f"{p}_M", a["M"], per_line=8),
            c_array("uint8_t", f"{p}_S", a["S"], per_line=16)]
    u = f"{p}_weights[j]" if shared else f"{p}_weights[(uint32_t)c * {d} + j]"
    body = f"""    uint16_t c, j;
    (void)scratch;
    for (c = 0; c < {k}; ++c) {{
        int64_t acc = 0;
        int64_t r;
        for (j = 0; j < {d}; ++j) {{
            int32_t diff = (int32_t)q[j] - {p}_centers[(uint32_t)c * {d} + j];
            acc += (int64_t)diff * diff * {u};
        }}
        if (acc > {ACC_CAP}LL) {{
            acc = {ACC_CAP}LL;
        }}
        r = (int64_t){p}_const[c] - {P}_FLOOR_SHIFT(acc * {p}_M[c] + ((int64_t)1 << ({p}_S[c] - 1)), {p}_S[c]);
        scores[c] = (int32_t)(r < INT32_MIN ? INT32_MIN : (r > INT32_MAX ? INT32_MAX : r));
    }}"""
    return "\n\n".join(defs), body, 0
