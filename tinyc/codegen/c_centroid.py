"""C for the centroid family: score_k = const_k - sum_j w_kj (x_j - c_kj)^2."""
from __future__ import annotations

from .cgen import c_array


def emit(model, p: str) -> tuple[str, str, int]:
    a = model.arrays
    k, d = a["centers"].shape
    shared = a["weights"].shape[0] == 1
    defs = [
        c_array("float", f"{p}_centers", a["centers"].ravel(), per_line=6),
        c_array("float", f"{p}_weights", a["weights"].ravel(), per_line=6),
        c_array("float", f"{p}_const", a["const"], per_line=6),
    ]
    w = f"{p}_weights[j]" if shared else f"{p}_weights[(uint32_t)c * {d} + j]"
    body = f"""    uint16_t c, j;
    for (c = 0; c < {k}; ++c) {{
        float acc = 0.0f;
        for (j = 0; j < {d}; ++j) {{
            float diff = x[j] - {p}_centers[(uint32_t)c * {d} + j];
            acc += {w} * diff * diff;
        }}
        scores[c] = {p}_const[c] - acc;
    }}"""
    return "\n\n".join(defs), body, 0
