"""What a tree model costs on a core, in either of its kernels: the walk over node arrays
(tinyc.codegen.c_trees, in the smallest of the layouts of tinyc.models.treeutil) or the trees as
code (tinyc.codegen.c_tree_branches, "if-else"). The if-else code is priced beside the walk's code
(the library's entry points and the rest, the profile's ``code_bytes``): a fixed part (``base``, what
replacing the walk adds or saves) and bytes per split, per leaf (its class), per tree, per feature
checked and per split reading an input beyond the short loads' reach, at the rates the core's
profile states (``tree_branches``, fitted by `tinyc calibrate`). The forms pass gives the if-else
code to vote trees only (tinyc.passes.forms). A vote tree's walk with more classes than
costs.UNROLLED_ZEROS zeroes its counters through memset, priced per counter (``zeroed``)."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Quantization
from . import profile
from .base import Cost
from .costs import UNROLLED_ZEROS, VALUE_BYTES, column_index_bytes, cycles, effective_quant, index_bytes, \
    input_map_bytes, ram_bytes, instructions, own_table, record
from .treeutil import expected_walk, layout_bytes, read_features, smallest_layout, vote_payload

IF_ELSE = "if-else"
FAR = 32  # elements a short load reaches (16-bit Thumb: 5-bit offset; RISC-V C: 5 bits of words)
FARTHER_BYTES = 256  # bytes an 8-bit immediate offset reaches
# the bytes of the if-else code per split, leaf, tree and checked feature, for a core whose profile
# has not measured them (a Cortex-M4's, roughly): only calibration costs such a model before it has
BRANCH_BYTES_ASSUMED = {"base": -100.0, "node": 6.0, "leaf": 6.0, "tree": 8.0, "read": 8.0}


def form(quant: Quantization) -> str:
    """The profile's instruction table of the if-else kernel in a numeric form."""
    return f"{Quantization(quant)}:{IF_ELSE}"


def has_branches(caps, quant: Quantization) -> bool:
    """Whether the core's own profile prices the if-else kernel in this form (not one that takes
    another core's tables as assumed, as the ISPU and the host do)."""
    return own_table(caps, form(quant)) and str(Quantization(quant)) in profile.of(caps).get("tree_branches", {})


def branch_units(model, quant: Quantization) -> dict:
    """What the if-else code's bytes grow with: splits, leaves (a class each), trees, (float)
    features checked, and the splits whose input lies beyond the reach of the short loads: ``far``
    (element 32 on: past a 16-bit Thumb load's or a compressed RISC-V load's offset) and
    ``farther`` (byte 256 on: past an 8-bit immediate, so the offset itself is a literal on the
    M0+); ``base`` is the fixed part."""
    a = model.arrays
    element = 4 if quant == Quantization.float32 else VALUE_BYTES[quant]
    feature = np.asarray(a["feature"], dtype=np.int64)
    return {"base": 1, "node": len(feature), "leaf": len(a["leaf"]), "tree": len(a["roots"]),
            "read": len(read_features(a)) if quant == Quantization.float32 else 0,
            "far": int(np.sum(feature >= FAR)), "farther": int(np.sum(feature * element >= FARTHER_BYTES))}


def branch_bytes(caps, quant: Quantization, units: dict) -> int:
    """The if-else code's bytes beyond the library's fixed code, by the core's per-unit figures."""
    rates = profile.of(caps).get("tree_branches", {}).get(str(Quantization(quant)), BRANCH_BYTES_ASSUMED)
    return int(round(sum(rates.get(k, 0.0) * v for k, v in units.items())))


def ensemble_cost(family, model, caps, quant: str, leaf_bytes: int, extra_ops: int = 0) -> Cost:
    quant = effective_quant(family, quant)
    a = model.arrays
    threshold = 4 if quant == Quantization.float32 else VALUE_BYTES[quant]
    sizes = layout_bytes(model.n_features, a, threshold, leaf_bytes, vote_payload(model))
    branches = model.kernel == IF_ELSE
    n_trees = len(a["roots"])
    read = max(len(read_features(a)), 1)
    inputs = 0
    if quant != Quantization.float32:  # the input map of the features the trees split on (and their column ids)
        if model.qinfo:  # as quantized: codes for the columns in_cols, or for every feature
            used = len(a["in_cols"]) if "in_cols" in a else model.n_features
        else:  # as quant.trees will choose
            used = read
            if input_map_bytes(None, used) + column_index_bytes(model.n_features, used) >= \
                    input_map_bytes(None, model.n_features):
                used = model.n_features
        inputs = input_map_bytes(model, used)
        if used < model.n_features:
            inputs += column_index_bytes(model.n_features, used)
        work = {"code": used}
    else:  # the features the trees read are checked for NaN/infinity
        work = {"check": read if read < model.n_features else model.n_features}
        if read < model.n_features and not branches:  # their column ids
            inputs = index_bytes(model.n_features) * read
    code = family.code_size(caps, quant, model.task)
    # static: the codes of the features read (integer) and a one-element scratch; on the stack: the
    # scores (or votes) of each output
    element = VALUE_BYTES[quant]  # a float, or an integer code
    codes = work.get("code", 0) * element
    stack = 4 * (model.classes or 1)
    ram = ram_bytes(model.n_features, codes + element, stack)
    # a vote tree's classes are tallies (zeroed, counted, compared as integers), a sum's are scores
    voted = vote_payload(model) is not None
    work.update({"vote": n_trees, "tally": model.classes} if voted else {"add": n_trees, "class": model.classes or 1})
    if voted and not branches and model.classes > UNROLLED_ZEROS:  # the walk zeroes them in a loop: memset
        work["zeroed"] = model.classes
    if branches:
        weights = inputs + branch_bytes(caps, quant, branch_units(model, quant))
        work["node"] = expected_walk(a)
        if has_branches(caps, quant):
            n = instructions(caps, quant, form=form(quant), **work)
        else:  # priced as the walk, while calibration measures it
            n = instructions(caps, quant, **work)
            record(form(quant), work)
    else:
        heap = smallest_layout(sizes)[0] == "heap"  # every walk goes down the full depth
        work["node"] = n_trees * sizes["depth"] if heap else expected_walk(a)
        weights = inputs + smallest_layout(sizes)[1]
        n = instructions(caps, quant, **work)
    return Cost(flash=weights + code, weights=weights, code=code, ram=ram, ops=sizes["compares"] + extra_ops, stack=stack,
                cycles=cycles(n), instructions=n)
