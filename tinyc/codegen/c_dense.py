"""C for dense layers (the linear and MLP families), float32.

Each layer is ``out[o] = b[o] + sum_i W[o][i] * in[i]`` accumulated in input
order, then ReLU or tanh between layers; the last layer's outputs are the
scores. Hidden activations live in a scratch buffer of two ping-pong halves.
"""
from __future__ import annotations

from .cgen import c_array

ACTIVATIONS = {
    "relu": "if (!(v[i] > 0.0f)) {{ v[i] = 0.0f; }}",
    "tanh": "v[i] = tanhf(v[i]);",
}


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
        defs.append(f"""static void {p}_{act}(float *v, uint16_t n)
{{
    uint16_t i;
    for (i = 0; i < n; ++i) {{
        {ACTIVATIONS[act].format()}
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
