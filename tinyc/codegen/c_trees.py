"""C for trees and tree ensembles (tree, forest, gbt), float32 thresholds.

Internal nodes are four parallel arrays (feature, threshold, left, right); a
child ``c >= 0`` is an internal node, ``c < 0`` is leaf ``-c - 1``. Arrays use
the narrowest integer types that hold their values.
"""
from __future__ import annotations

import numpy as np

from .cgen import c_array, c_float, int_type


def tree_arrays(model, p: str, threshold_type: str) -> list[str]:
    """The node arrays, each in the narrowest type that holds it."""
    a = model.arrays
    n_int, n_leaf = len(a["feature"]), len(a["leaf"])
    child_t = int_type(-max(n_leaf, 1), max(n_int, 1))
    feat_t = int_type(0, max(model.n_features - 1, 0))
    return [
        c_array(feat_t, f"{p}_feature", a["feature"], per_line=16),
        c_array(threshold_type, f"{p}_threshold", a["threshold"], per_line=6 if threshold_type == "float" else 12),
        c_array(child_t, f"{p}_left", a["left"], per_line=12),
        c_array(child_t, f"{p}_right", a["right"], per_line=12),
        c_array(child_t, f"{p}_roots", a["roots"], per_line=12),
    ]


def emit(model, p: str) -> tuple[str, str, int]:
    a = model.arrays
    defs = tree_arrays(model, p, "float")
    # the walk is only emitted when some tree has an internal node
    walk = f"""static int32_t {p}_leaf(int32_t node, const float *x)
{{
    while (node >= 0) {{
        node = (x[{p}_feature[node]] <= {p}_threshold[node]) ? {p}_left[node] : {p}_right[node];
    }}
    return -node - 1;
}}"""
    n_trees = len(a["roots"])
    classification = model.task.value == "classification"
    if model.family in ("tree", "forest") and classification:
        leaf_t = int_type(0, max(model.classes - 1, 0))
        defs.append(c_array(leaf_t, f"{p}_leaf_class", a["leaf"], per_line=16))
        defs.append(walk)
        body = f"""    uint16_t t;
    uint16_t c;
    for (c = 0; c < {model.classes}; ++c) {{
        scores[c] = 0.0f;
    }}
    for (t = 0; t < {n_trees}; ++t) {{
        scores[{p}_leaf_class[{p}_leaf({p}_roots[t], x)]] += 1.0f;
    }}"""
    elif model.family in ("tree", "forest"):
        defs.append(c_array("float", f"{p}_leaf_value", a["leaf"], per_line=6))
        defs.append(walk)
        inv = np.float32(1.0 / n_trees)
        body = f"""    uint16_t t;
    float acc = 0.0f;
    for (t = 0; t < {n_trees}; ++t) {{
        acc += {p}_leaf_value[{p}_leaf({p}_roots[t], x)];
    }}
    scores[0] = acc * {c_float(inv)};"""
    else:  # gbt
        k = len(a["init"])
        defs.append(c_array("float", f"{p}_leaf_value", a["leaf"], per_line=6))
        defs.append(c_array("float", f"{p}_init", a["init"], per_line=6))
        if k > 1:
            defs.append(c_array(int_type(0, k - 1), f"{p}_tree_output", a["tree_output"], per_line=16))
        defs.append(walk)
        target = f"scores[{p}_tree_output[t]]" if k > 1 else "scores[0]"
        body = f"""    uint16_t t;
    uint16_t c;
    for (c = 0; c < {k}; ++c) {{
        scores[c] = {p}_init[c];
    }}
    for (t = 0; t < {n_trees}; ++t) {{
        {target} += {p}_leaf_value[{p}_leaf({p}_roots[t], x)];
    }}"""
    return "\n\n".join(defs), body, 0
