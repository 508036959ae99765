"""C for dense layers (the linear and MLP families), float32.

Each layer is ``out[o] = b[o] + sum_i W[o][i] * in[i]`` accumulated in input
order, then ReLU or tanh (its own, in float32 arithmetic) between layers; the last layer's outputs are the
scores. Hidden activations live in a scratch buffer of two ping-pong halves.
"""
from __future__ import annotations

from .cgen import c_array, c_float

ACTIVATIONS = {
    "relu": "if (!(v[i] > 0.0f)) {{ v[i] = 0.0f; }}",
    "tanh": "v[i] = {p}_tanh1(v[i]);",
}


def tanh_source(p: str) -> str:
    """``<p>_tanh1(x)``: tanh in float32 arithmetic, no libm (tinyc.models.dense.tanh32 is the
    same computation, bit for bit)."""
    from ..models.dense import TANH_EXPM1, TANH_LIMIT, TANH_LN2_HI, TANH_LN2_LO, TANH_LOG2E

    poly = "0"
    for c in reversed(TANH_EXPM1):  # innermost first: c0 + f * (c1 + f * (... + f * c6))
        poly = c_float(c) if poly == "0" else f"{c_float(c)} + f * ({poly})"
    return f"""/* tanh(x) = E / (E + 2), E = exp(2|x|) - 1 = 2^k (e^f - 1) + (2^k - 1) with 2|x| = k ln2 + f;
 * +-1 from |x| >= {c_float(TANH_LIMIT)} (float32 arithmetic only, within 3 ulp of tanh) */
static float {p}_tanh1(float x)
{{
    float a = (x < 0.0f) ? -x : x;
    float r = 1.0f;
    if (a < {c_float(TANH_LIMIT)}) {{
        float t = a + a;
        int32_t k = (int32_t)(t * {c_float(TANH_LOG2E)} + 0.5f);
        float f = (t - (float)k * {c_float(TANH_LN2_HI)}) - (float)k * {c_float(TANH_LN2_LO)};
        float m = f * ({poly});
        float s = (float)((int32_t)1 << k);
        float e = s * m + (s - 1.0f);
        r = e / (e + 2.0f);
    }}
    return (x < 0.0f) ? -r : r;
}}"""


def layers_of(model) -> list:
    n = len([k for k in model.arrays if k.startswith("W")])
    return [(model.arrays[f"W{i}"], model.arrays[f"b{i}"]) for i in range(n)]


def emit(model, p: str) -> tuple[str, str, int]:
    """(definitions, body of the scores function, scratch floats)."""
    layers = layers_of(model)
    act = model.params.get("activation", "relu")
    defs = []
    for i, (W, b) in enumerate(layers):
        defs.append(c_array("float", f"{p}_W{i}", W.ravel(), per_line=6))
        defs.append(c_array("float", f"{p}_b{i}", b, per_line=6))
    defs.append(f"""static void {p}_dense(const float *in, uint16_t n_in, const float *W, const float *b,
                     uint16_t n_out, float *out)
{{
    uint16_t o, i;
    for (o = 0; o < n_out; ++o) {{
        float acc = b[o];
        const float *w = W + (uint32_t)o * n_in;
        for (i = 0; i < n_in; ++i) {{
            acc += w[i] * in[i];
        }}
        out[o] = acc;
    }}
}}""")
    hidden = layers[:-1]
    if hidden:
        if act == "tanh":
            defs.append(tanh_source(p))
        defs.append(f"""static void {p}_{act}(float *v, uint16_t n)
{{
    uint16_t i;
    for (i = 0; i < n; ++i) {{
        {ACTIVATIONS[act].format(p=p)}
    }}
}}""")
    widest = max([W.shape[0] for W, _ in hidden], default=0)
    lines = []
    src = "x"
    for i, (W, _) in enumerate(layers):
        n_out, n_in = W.shape
        if i == len(layers) - 1:
            lines.append(f"    {p}_dense({src}, {n_in}, {p}_W{i}, {p}_b{i}, {n_out}, scores);")
        else:
            buf = f"scratch + {(i % 2) * widest}"
            lines.append(f"    {p}_dense({src}, {n_in}, {p}_W{i}, {p}_b{i}, {n_out}, {buf});")
            lines.append(f"    {p}_{act}({buf}, {n_out});")
            src = buf
    return "\n\n".join(defs), "\n".join(lines), 2 * widest
