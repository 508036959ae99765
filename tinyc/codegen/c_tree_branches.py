"""C for trees and tree ensembles as code: every split an ``if``, every leaf a constant.

The other kernel of the tree families (tinyc.codegen.c_trees walks node arrays in a loop): a
split costs a load, a compare and a branch, with no node array, child index or loop, so a
prediction takes a fraction of the walk's instructions; the thresholds and leaves are
immediates or literals in the code, so it takes more flash than the smallest array layout. The
forms pass gives it to a vote tree (a classification tree or forest) on a target where its
profile says it is faster and the model still fits (tinyc.passes.forms.tree_kernels); trees
with value leaves (boosted, regression) keep the walk, whose code size the cost model follows.

A float split compares the input's bits with the threshold's, read as int32 for a threshold >= 0
and as uint32 in reverse for a negative one: one integer compare on every core (no FPU, no
soft-float), the float comparison's decision for every finite input, which is all the model
reads (the inputs its trees split on are checked first). An integer split compares the input
code with the threshold code. The votes are counted tree by tree, so the scores are those of the
golden model.
"""
from __future__ import annotations

import numpy as np

from ..models import treeutil
from ..models.tree_cost import IF_ELSE
from .c_trees import integer_votes
from .cgen import NON_FINITE_BITS, c_float, float_bits

KERNEL = IF_ELSE

# single-precision floating-point hardware: Arm (FPv4-SP and later), RISC-V with F, x86 with SSE, AArch64
FLOAT_HARDWARE = ("(defined(__ARM_FP) && (__ARM_FP & 4)) || (defined(__riscv_flen) && __riscv_flen >= 32) || "
                  "defined(__SSE__) || defined(__aarch64__)")


def _bits_source(p: str, suffix: str, int_t: str) -> str:
    """``<p>_<suffix>(v)``: a float's bits as ``int_t`` (through a union, C99 TC3 6.5.2.3;
    int32_t is two's complement by definition)."""
    return f"""static {int_t} {p}_{suffix}(float v)
{{
    union {{
        float f;
        {int_t} i;
    }} b;
    b.f = v;
    return b.i;
}}"""


def float_split(p: str, j: int, t) -> str:
    """The C condition ``x[j] <= t`` for a float32 threshold ``t`` and a finite ``x[j]``, on the
    bits alone: for ``t >= 0`` the floats are ordered as their bits read as int32 (a negative float
    is a negative int32), for ``t < 0`` as their bits read as uint32 in reverse (a larger magnitude
    is a larger uint32; every non-negative float is below 2^31). A threshold of -0 splits as +0."""
    t = np.float32(t)
    if t == 0:
        t = np.float32(0.0)
    bits = int(np.array([t], dtype=np.float32).view(np.uint32)[0])
    if bits >> 31 == 0:
        return f"{p}_s(x[{j}]) <= {bits}"
    return f"{p}_u(x[{j}]) >= {bits}u"


def read_check(model, p: str) -> tuple[list[str], str]:
    """(definitions, C condition) of the check that every feature the trees read is finite, one
    feature after the other with no loop: on floating-point hardware a sum of ``x[j] * 0`` (NaN
    exactly when some x[j] is NaN or infinite; two instructions a feature), else each feature's
    exponent bits (or where the compiler may assume finite floats, which would fold the sum)."""
    used = [int(j) for j in treeutil.read_features(model.arrays)]
    bits = "\n".join(f"""    {{
        uint32_t u;
{float_bits(f"x[{j}]", "        ")}        if ({NON_FINITE_BITS}) {{
            return 0;
        }}
    }}""" for j in used)
    zero = "\n".join(f"    z += x[{j}] * 0.0f;" for j in used)
    return [f"""/* whether every feature the trees read is finite (the others do not change the result) */
static int {p}_read_finite(const float *x)
{{{"" if used else chr(10) + "    (void)x;"}
#if ({FLOAT_HARDWARE}) && !defined(__FAST_MATH__) && !(defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__)
    float z = 0.0f;
{zero}
    return z == z;
#else
{bits}
    return 1;
#endif
}}"""], f"{p}_read_finite(x)"


def _tree(a: dict, root: int, cond, leaf, indent: str) -> list[str]:
    """The nested ifs of one tree: ``cond(node)`` the split's C condition, ``leaf(index)`` the
    statement of a leaf."""
    if root < 0:
        return [f"{indent}{leaf(-root - 1)}"]
    return [f"{indent}if ({cond(root)}) {{", *_tree(a, int(a["left"][root]), cond, leaf, indent + "    "),
            f"{indent}}} else {{", *_tree(a, int(a["right"][root]), cond, leaf, indent + "    "), f"{indent}}}"]


def emit(model, p: str, integer: bool = False) -> tuple[str, str, int]:
    """(definitions, body of the scores function, scratch elements) of a vote tree (a classification
    tree or forest), as tinyc.codegen.c_trees.emit gives them for the walk: the body reads ``x``
    (float) or ``q`` (integer codes) and counts the votes into ``scores`` (``votes`` when
    c_trees.integer_votes)."""
    a = model.arrays
    if integer:
        defs = []

        def cond(n):
            return f"q[{int(a['feature'][n])}] <= {int(a['threshold'][n])}"
    else:
        negative = np.asarray(a["threshold"], dtype=np.float32) < 0
        defs = ([_bits_source(p, "s", "int32_t")] if (~negative).any() else []) + \
            ([_bits_source(p, "u", "uint32_t")] if negative.any() else [])

        def cond(n):
            j, t = int(a["feature"][n]), a["threshold"][n]
            return f"{float_split(p, j, t)} /* x[{j}] <= {c_float(np.float32(t))} */"
    assert treeutil.votes(model), "the if-else kernel is for vote trees"
    leaves = a["leaf"]
    out = "votes" if integer_votes(model, integer) else "scores"
    lines = [f"    {out}[{c}] = 0;" for c in range(model.classes)]
    lines.append("    {\n        uint16_t c;")
    for r in a["roots"]:
        lines += _tree(a, int(r), cond, lambda i: f"c = {int(leaves[i])}u;", "        ")
        lines.append(f"        {out}[c] += 1;")
    lines.append("    }")
    pre = "    (void)scratch;\n" if integer else ""
    return "\n\n".join(defs), pre + "\n".join(lines), 0

