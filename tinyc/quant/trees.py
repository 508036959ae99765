"""Integer trees and ensembles (tree, forest, gbt families).

Each feature gets an affine code fitted to the range of its split thresholds
(the only place a tree looks at it); thresholds are stored as the code of the
threshold, so ``code(x) <= code(t)`` holds whenever ``x <= t`` and the two
differ only for values inside the threshold's own bin. Leaf values (regression
trees, forests and boosted trees) share one symmetric scale; scores are int32
sums (votes for classification forests and trees).
"""
from __future__ import annotations

import numpy as np

from ..models import treeutil
from ..models.tree_prune import prune
from .fixedpoint import RANGES, check_range, round_half_away
from ..models.costs import column_index_bytes
from .inputs import codes, fit_map, map_bytes, maps_of, take

INT32_MAX = 2**31 - 1


def quantize(model, mode: str, X: np.ndarray):
    from ..models.base import Model

    a = model.arrays
    qmin, qmax = RANGES[mode]
    # a map per feature fitted to the range of its thresholds; the features no split
    # uses are left out (codes k = 0.. stand for columns in_cols[k]) unless encoding
    # them too is smaller (they then share one constant map)
    used = sorted(set(int(f) for f in a["feature"])) or [0]
    thr = a["threshold"].astype(np.float64)
    lo = np.zeros(model.n_features)
    hi = np.zeros(model.n_features)
    for j in used:
        t = thr[a["feature"] == j]
        if t.size:
            lo[j], hi[j] = t.min(), t.max()
            if hi[j] <= lo[j]:  # one threshold: a narrow bin around it
                hi[j] = lo[j] + max(abs(lo[j]), 1.0) * 1e-3
    every = fit_map(lo, hi, mode, "floor", reserve_top=True)
    only_used = take(every, used)
    if len(used) < model.n_features and \
            map_bytes(only_used) + column_index_bytes(model.n_features, len(used)) < map_bytes(every):
        arrays = {**only_used, "in_cols": np.array(used, dtype=np.int32)}
        code_of = {f: k for k, f in enumerate(used)}
        feat = np.array([code_of[int(f)] for f in a["feature"]], dtype=np.int32)
    else:
        arrays = dict(every)
        feat = a["feature"].astype(np.int32)
    t_codes = codes(a["threshold"][:, None], take(maps_of(arrays), feat[:, None]), mode)[:, 0]
    arrays["threshold"] = t_codes.astype(np.int8 if mode == "int8" else np.int16)
    arrays["feature"] = feat
    for k in ("left", "right", "roots"):
        arrays[k] = a[k].copy()
    votes = treeutil.votes(model)
    qinfo = {"mode": mode, "input_rounding": "floor"}
    if votes:
        arrays["leaf"] = a["leaf"].copy()
        qinfo["score_scale"] = 1.0
    else:
        leaf = a["leaf"].astype(np.float64)
        init = a["init"].astype(np.float64) if "init" in a else np.zeros(0)
        top = float(np.max(np.abs(leaf))) if leaf.size else 1.0
        s = (top or 1.0) / qmax
        lq = round_half_away(leaf / s)
        arrays["leaf"] = lq.astype(np.int8 if mode == "int8" else np.int16)
        n_trees = len(a["roots"])
        if treeutil.boosted(model):
            iq = round_half_away(init / s)
            arrays["init"] = iq.astype(np.int32)
            arrays["tree_output"] = a["tree_output"].copy()
            per_out = np.bincount(a["tree_output"], minlength=len(init)) if n_trees else np.zeros(len(init))
            check_range(np.abs(iq) + per_out * qmax, INT32_MAX, "boosted scores")
            qinfo["score_scale"] = float(np.float32(s))
        else:  # mean of the trees' leaves
            check_range(np.array([n_trees * qmax]), INT32_MAX, "forest sums")
            qinfo["score_scale"] = float(np.float32(s / n_trees))
    # thresholds that share a code can settle a later split, and leaves that round alike end one
    arrays = prune(arrays, integer=True)
    return Model(model.family, model.task, dict(model.params), model.n_features, model.classes, arrays,
                 qinfo=qinfo)


def scores_q(model, Q: np.ndarray) -> np.ndarray:
    a = model.arrays
    Q = np.asarray(Q, dtype=np.int64)
    walk = {"feature": a["feature"], "threshold": a["threshold"].astype(np.int64), "left": a["left"],
            "right": a["right"], "roots": a["roots"]}
    leaves = treeutil.leaf_index(walk, Q)
    rows = np.arange(Q.shape[0])
    if treeutil.votes(model):
        out = np.zeros((Q.shape[0], model.classes), dtype=np.int64)
        for j in range(leaves.shape[1]):
            out[rows, a["leaf"][leaves[:, j]]] += 1
        return out
    if treeutil.boosted(model):
        out = np.tile(a["init"].astype(np.int64), (Q.shape[0], 1))
        for j in range(leaves.shape[1]):
            out[rows, a["tree_output"][j]] += a["leaf"][leaves[:, j]].astype(np.int64)
        return out
    return a["leaf"][leaves].astype(np.int64).sum(axis=1, keepdims=True)

