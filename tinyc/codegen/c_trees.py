"""C for trees and tree ensembles (tree, forest, gbt), float32 or integer.

Three layouts, whichever is smallest for the model (see
:func:`tinyc.models.treeutil.choose_layout`):

- pointer: internal nodes as four parallel arrays (feature, threshold, left,
  right); a child ``c >= 0`` is an internal node, ``c < 0`` is leaf ``-c - 1``;
  each tree starts at its entry of ``roots``;
- relative: the same arrays with children relative to their tree (an internal
  child as its distance from the parent, a leaf as its place among the tree's
  leaves), so the children of trees up to 127 internal nodes take a byte each;
- heap: every tree a complete binary tree of depth D (node i has children
  2i+1 and 2i+2), so no child indices are stored; padding nodes always go left.

Arrays use the narrowest integer types that hold their values. Integer models
compare input codes with threshold codes and sum integer leaves. Float models
store each threshold as the uint32 key of its IEEE-754 bits (``key = bits | 2^31``
for a positive float, ``~bits`` for a negative one; a threshold of -0 is stored as
+0) and compare the key of the input with it: for finite values that is exactly
the float comparison, with no floating-point instruction (a core without FPU calls
no soft-float routine for it). The model's inputs are checked for NaN and infinity
where it reads them: only the features its trees split on (:func:`read_check`).
Vote trees (classification tree and forest) count their votes in integers. The
decisions are those of the golden model either way.
"""
from __future__ import annotations

import numpy as np

from ..models import treeutil
from ..models.costs import UNROLLED_ZEROS  # up to this many counters are zeroed by one store each
from .cgen import NON_FINITE_BITS, c_array, c_float, float_bits, int_type


def float_keys(values) -> np.ndarray:
    """The uint32 keys of float32 ``values``, ordered as the floats (what :func:`key_source`
    computes in C); -0 is keyed as +0, so a threshold of -0 splits as the float does.

    >>> float_keys([-2.0, -0.0, 0.0, 1e-45, 1.5]).tolist()
    [1073741823, 2147483648, 2147483648, 2147483649, 3217031168]
    """
    f = np.asarray(values, dtype=np.float32)
    u = np.where(f == 0, np.float32(0), f).view(np.uint32)
    return np.where(u >> 31 == 1, ~u, u | np.uint32(0x80000000)).astype(np.uint32)


def key_source(p: str) -> str:
    """``<p>_key(v)``: the uint32 key of a float, from its bits (see :func:`float_keys`; -0 gets
    a key one below +0's, which orders it as the float compare does against every stored key)."""
    return f"""static uint32_t {p}_key(float v)
{{
    uint32_t u;
{float_bits("v", "    ")}    return u ^ ((0u - (u >> 31)) | 0x80000000u);
}}"""


def read_check(model, p: str) -> tuple[list[str], str | None]:
    """(definitions, C condition) of the NaN/infinity check of a float tree model's inputs: only
    the features its trees read (their column ids in flash) when they are fewer than all; None:
    every feature, with the library's ``<p>_all_finite``."""
    used = treeutil.read_features(model.arrays)
    if len(used) >= model.n_features:
        return [], None
    if not len(used):  # a single leaf reads nothing
        return [f"static int {p}_read_finite(const float *x)\n{{\n    (void)x;\n    return 1;\n}}"], \
            f"{p}_read_finite(x)"
    return [c_array(int_type(0, model.n_features - 1), f"{p}_read", used, per_line=16),
            f"""/* whether every feature the trees read is finite (the others do not change the result) */
static int {p}_read_finite(const float *x)
{{
    uint16_t i;
    for (i = 0; i < {len(used)}u; ++i) {{
        uint32_t u;
{float_bits(f"x[{p}_read[i]]", "        ")}        if ({NON_FINITE_BITS}) {{
            return 0;
        }}
    }}
    return 1;
}}"""], f"{p}_read_finite(x)"


def integer_votes(model, integer: bool) -> bool:
    """Whether the body counts votes into ``int32_t *votes`` (a float vote tree; its
    library converts them to float scores only in ``<p>_scores``)."""
    return not integer and treeutil.votes(model)


def tree_arrays(a: dict, p: str, threshold_type: str, child_t: str | None = None) -> list[str]:
    """The node arrays of the pointer and relative layouts. ``child_t``: the type of the
    (relative) children; by default one type holds children and roots (pointer)."""
    n_int = len(a["feature"])

    def refs_type(refs) -> str:
        return int_type(min(int(refs.min(initial=0)), -1), max(n_int, 1))

    roots_t = refs_type(a["roots"]) if child_t else None
    child_t = child_t or refs_type(np.concatenate([a["left"], a["right"], a["roots"]]))
    feat_t = int_type(0, max(int(a["feature"].max(initial=0)), 0))
    return [
        c_array(feat_t, f"{p}_feature", a["feature"], per_line=16),
        c_array(threshold_type, f"{p}_threshold", a["threshold"], per_line=6 if threshold_type == "float" else 12),
        c_array(child_t, f"{p}_left", a["left"], per_line=12),
        c_array(child_t, f"{p}_right", a["right"], per_line=12),
        c_array(roots_t or child_t, f"{p}_roots", a["roots"], per_line=12),
    ]


def zero_counters(out: str, n: int) -> str:
    """C that zeroes ``out[0..n)``. GCC turns a loop that only zeroes an array into a call
    to the C library's memset (over 100 B on a Cortex-M) once the loop is not unrolled,
    so a few counters get one store each (2-4 B apiece); only many take the loop."""
    if n <= UNROLLED_ZEROS:
        return "\n".join(f"    {out}[{c}] = 0;" for c in range(n))
    return f"""    uint16_t c;
    for (c = 0; c < {n}; ++c) {{
        {out}[c] = 0;
    }}"""


def _kinds(model, integer: bool):
    """(input type, threshold type, threshold bytes, padding threshold, leaf payload type, leaf bytes)."""
    from ..quant.fixedpoint import RANGES

    votes = treeutil.votes(model)
    if integer:
        mode = model.qinfo["mode"]
        qt = "int8_t" if mode == "int8" else "int16_t"
        value_t, vb = qt, (1 if mode == "int8" else 2)
        x_t, thr_t, tb, pad = qt, qt, vb, RANGES[mode][1]
    else:
        value_t, vb = "float", 4
        x_t, thr_t, tb, pad = "float", "float", 4, np.float32(np.finfo(np.float32).max)
    if votes:
        leaf_t = int_type(0, max(model.classes - 1, 0))
        return x_t, thr_t, tb, pad, leaf_t, 1 if leaf_t.endswith("8_t") else 2
    return x_t, thr_t, tb, pad, value_t, vb


def _walker(a: dict, p: str, layout: str, d: int, payload, x_t: str, xs: str, thr_t: str, pad, read):
    """The arrays of the trees in ``layout`` and ``<p>_leaf``, the walk from a root to its leaf:
    (definitions, the C expression of tree t's leaf, the leaf values in the layout's order)."""
    folded = payload is not None and layout != "heap"
    if layout == "heap":
        feature, threshold, leaf_index = treeutil.to_heap(a, d, pad)
        ni, nl = 2**d - 1, 2**d
        leaves = a["leaf"][leaf_index].ravel()
        defs = [c_array(int_type(0, max(int(feature.max(initial=0)), 0)), f"{p}_feature", feature.ravel(),
                        per_line=16),
                c_array(thr_t, f"{p}_threshold", threshold.ravel(), per_line=6 if thr_t == "float" else 12),
                f"""/* tree t is a complete binary tree of depth {d}: nodes t*{ni}.., leaves t*{nl}.. */
static uint32_t {p}_leaf(uint32_t t, const {x_t} *{xs})
{{
    const {int_type(0, max(int(feature.max(initial=0)), 0))} *f = {p}_feature + t * {ni}u;
    const {thr_t} *th = {p}_threshold + t * {ni}u;
    uint32_t node = 0;
    uint8_t depth;
    for (depth = 0; depth < {d}u; ++depth) {{
        node = 2u * node + (({read("f[node]")} <= th[node]) ? 1u : 2u);
    }}
    return t * {nl}u + (node - {ni}u);
}}"""]
        reach = f"{p}_leaf(t, {xs})"
    elif layout == "relative":
        leaves = a["leaf"]
        left, right = treeutil.relative_children(a, payload)
        both = np.concatenate([left, right])
        rel_t = int_type(int(both.min()), int(both.max()))
        roots = treeutil.fold_leaves(a, payload)["roots"] if folded else a["roots"]
        leaf_doc = "" if folded else ", leaves from roots[t] + t on"
        defs = tree_arrays({**a, "left": left, "right": right, "roots": roots}, p, thr_t, rel_t)
        defs += [f"""/* tree t: internal nodes from roots[t] on{leaf_doc}; a child c > 0 is the internal
 * node c places further, c < 0 {"is the class -c - 1" if folded else "is the tree's leaf -c - 1"}
 * (roots[t] < 0: the tree is the single leaf -roots[t] - 1) */
static int32_t {p}_leaf(uint32_t t, const {x_t} *{xs})
{{
    int32_t node = {p}_roots[t];
    int32_t c = 0;
    if (node < 0) {{
        return -node - 1;
    }}
    while (c >= 0) {{
        node += c;
        c = ({read(f"{p}_feature[node]")} <= {p}_threshold[node]) ? {p}_left[node] : {p}_right[node];
    }}
    return {"-c - 1" if folded else f"{p}_roots[t] + (int32_t)t - c - 1"};
}}"""]
        reach = f"{p}_leaf(t, {xs})"
    else:
        leaves = a["leaf"]
        defs = tree_arrays(treeutil.fold_leaves(a, payload) if folded else a, p, thr_t)
        defs.append(f"""static int32_t {p}_leaf(int32_t node, const {x_t} *{xs})
{{
    while (node >= 0) {{
        node = ({read(f"{p}_feature[node]")} <= {p}_threshold[node]) ? {p}_left[node] : {p}_right[node];
    }}
    return -node - 1;
}}""")
        reach = f"{p}_leaf({p}_roots[t], {xs})"
    return defs, reach, leaves


def emit(model, p: str, integer: bool = False) -> tuple[str, str, int]:
    """(definitions, body of the scores function, scratch elements). The body reads
    ``x`` (float model) or ``q`` (integer model) and writes ``scores`` (``votes``
    when :func:`integer_votes`)."""
    a = model.arrays
    x_t, thr_t, tb, pad, leaf_t, lb = _kinds(model, integer)
    xs = "q" if integer else "x"
    keys = not integer
    if keys:  # thresholds (and the heap layout's padding) as uint32 keys, compared with the key of the input
        a = {**a, "threshold": float_keys(a["threshold"])}
        thr_t, pad = "uint32_t", float_keys([pad])[0]

    def read(feature: str) -> str:
        return f"{p}_key({xs}[{feature}])" if keys else f"{xs}[{feature}]"
    payload = treeutil.vote_payload(model)  # vote trees: the child references hold the classes
    layout, d = treeutil.choose_layout(model.n_features, a, tb, lb, payload)
    folded = payload is not None and layout != "heap"
    n_trees = len(a["roots"])
    defs, reach, leaves = _walker(a, p, layout, d, payload, x_t, xs, thr_t, pad, read)
    if keys:
        defs.insert(0, key_source(p))
    zero = "0" if integer else "0.0f"
    pre = "    (void)scratch;\n" if integer else ""
    if treeutil.votes(model):
        if not folded:
            defs.insert(-1, c_array(leaf_t, f"{p}_leaf_class", leaves, per_line=16))
        vote = reach if folded else f"{p}_leaf_class[{reach}]"
        out = "votes" if integer_votes(model, integer) else "scores"
        body = f"""{pre}    uint16_t t;
{zero_counters(out, model.classes)}
    for (t = 0; t < {n_trees}; ++t) {{
        {out}[{vote}] += 1;
    }}"""
    elif not treeutil.boosted(model):
        defs.insert(-1, c_array(leaf_t, f"{p}_leaf_value", leaves, per_line=6 if leaf_t == "float" else 16))
        acc_t = "int32_t" if integer else "float"
        final = "scores[0] = acc;" if integer else f"scores[0] = acc * {c_float(np.float32(1.0 / n_trees))};"
        body = f"""{pre}    uint16_t t;
    {acc_t} acc = {zero};
    for (t = 0; t < {n_trees}; ++t) {{
        acc += {p}_leaf_value[{reach}];
    }}
    {final}"""
    else:  # gbt: trees are stored stage by stage, one per output in each stage
        k = len(a["init"])
        assert np.array_equal(a["tree_output"], np.arange(n_trees) % k), "gbt trees out of stage order"
        defs[-1:-1] = [c_array(leaf_t, f"{p}_leaf_value", leaves, per_line=6 if leaf_t == "float" else 16),
                       c_array("int32_t" if integer else "float", f"{p}_init", a["init"], per_line=6)]
        # output by output (its trees are every k-th, in stage order, as the golden model adds
        # them): the sum stays in a register, and no loop copies init (GCC would call memcpy)
        body = f"""{pre}    uint16_t t;
    uint16_t c;
    for (c = 0; c < {k}; ++c) {{
        {"int32_t" if integer else "float"} acc = {p}_init[c];
        for (t = c; t < {n_trees}; t += {k}) {{
            acc += {p}_leaf_value[{reach}];
        }}
        scores[c] = acc;
    }}"""
    return "\n\n".join(defs), body, 0
