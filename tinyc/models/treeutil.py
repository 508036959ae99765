"""Decision trees as flat arrays, shared by the tree, forest and gbt families.

A tree is stored as its internal nodes (``feature``, ``threshold``, ``left``,
``right``) and its leaves (``leaf``). A child index ``c >= 0`` is an internal
node; ``c < 0`` is leaf ``-c - 1``. An ensemble concatenates its trees and
keeps each tree's root in ``roots`` (a root may itself be a leaf: ``< 0``).
Inference walks ``x[feature] <= threshold`` → left, as scikit-learn does, with
thresholds and features in float32 as the C compares them.
"""
from __future__ import annotations

import math

import numpy as np

from ..spec.ir import Quantization
from .base import FAMILY_REGISTRY
from .costs import VALUE_BYTES, index_bytes
from .tree_prune import prune


def float32_floor(values: np.ndarray) -> np.ndarray:
    """The largest float32 not above each value. For a float32 ``x``,
    ``x <= t`` holds exactly when ``x <= float32_floor(t)``, so a float32
    comparison in C decides every split as scikit-learn does in float64.

    >>> t = np.array([0.1, 2.5]); f = float32_floor(t)
    >>> bool(np.all(f.astype(np.float64) <= t)), f.dtype
    (True, dtype('float32'))
    """
    values = np.asarray(values, dtype=np.float64)
    f = values.astype(np.float32)
    over = f.astype(np.float64) > values
    f[over] = np.nextafter(f[over], np.float32(-np.inf))
    return f


def from_sklearn(tree, leaf_values: np.ndarray) -> dict[str, np.ndarray]:
    """Flat arrays of one fitted sklearn tree (``estimator.tree_``);
    ``leaf_values[i]`` is the payload of sklearn node i when it is a leaf."""
    t = tree
    is_leaf = t.children_left == -1
    internal = np.flatnonzero(~is_leaf)
    leaves = np.flatnonzero(is_leaf)
    new_internal = {int(n): i for i, n in enumerate(internal)}
    new_leaf = {int(n): i for i, n in enumerate(leaves)}

    def ref(n: int) -> int:
        return new_internal[n] if n in new_internal else -new_leaf[n] - 1

    return {
        "feature": t.feature[internal].astype(np.int32),
        "threshold": float32_floor(t.threshold[internal]),
        "left": np.array([ref(int(t.children_left[n])) for n in internal], dtype=np.int32),
        "right": np.array([ref(int(t.children_right[n])) for n in internal], dtype=np.int32),
        "leaf": leaf_values[leaves],
        "root": np.array([ref(0)], dtype=np.int32),
        # the share of the training rows that reach each internal node (what a prediction's
        # comparisons are expected to be: see expected_walk)
        "cover": (t.weighted_n_node_samples[internal] / max(float(t.weighted_n_node_samples[0]), 1e-12)).astype(
            np.float32),
    }


def concat(trees: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One ensemble from several trees (indices rebased), each without the splits that cannot change
    its prediction (tree_prune)."""
    keys = ("feature", "threshold", "left", "right", "leaf") + (("cover",) if all("cover" in t for t in trees) else ())
    out = {k: [] for k in keys}
    roots = []
    n_int = n_leaf = 0

    def rebase(c: np.ndarray) -> np.ndarray:
        return np.where(c >= 0, c + n_int, c - n_leaf).astype(np.int32)

    for t in trees:
        t = prune(t)
        roots.append(int(rebase(t["root"])[0]))
        out["left"].append(rebase(t["left"]))
        out["right"].append(rebase(t["right"]))
        for k in ("feature", "threshold", "leaf") + (("cover",) if "cover" in out else ()):
            out[k].append(t[k])
        n_int += len(t["feature"])
        n_leaf += len(t["leaf"])
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in out.items()}
    arrays["feature"] = arrays["feature"].astype(np.int32)
    arrays["threshold"] = arrays["threshold"].astype(np.float32)
    arrays["roots"] = np.array(roots, dtype=np.int32)
    return arrays


def leaf_index(arrays: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """For each tree (column) and row, the index of the leaf reached."""
    X = np.asarray(X, dtype=np.float32)
    rows = np.arange(X.shape[0])
    feature, threshold, left, right = arrays["feature"], arrays["threshold"], arrays["left"], arrays["right"]
    out = np.empty((X.shape[0], len(arrays["roots"])), dtype=np.int64)
    for j, root in enumerate(arrays["roots"]):
        node = np.full(X.shape[0], root, dtype=np.int64)
        active = node >= 0
        while active.any():
            n = node[active]
            go_left = X[rows[active], feature[n]] <= threshold[n]
            node[active] = np.where(go_left, left[n], right[n])
            active = node >= 0
        out[:, j] = -node - 1
    return out


def depth(arrays: dict[str, np.ndarray]) -> int:
    """Total comparisons on the deepest path of every tree, summed."""
    return sum(tree_depths(arrays))


def leaf_depths(arrays: dict[str, np.ndarray]) -> list[list[int]]:
    """Per tree, the depth of each of its leaves ([0] for a tree that is a single leaf)."""
    out = []
    for root in arrays["roots"]:
        stack, depths = [(int(root), 0)], []
        while stack:
            n, d = stack.pop()
            if n < 0:
                depths.append(d)
                continue
            stack.append((int(arrays["left"][n]), d + 1))
            stack.append((int(arrays["right"][n]), d + 1))
        out.append(depths)
    return out


def tree_depths(arrays: dict[str, np.ndarray]) -> list[int]:
    """The depth of each tree (0 for a tree that is a single leaf)."""
    return [max(depths) for depths in leaf_depths(arrays)]


# -- layouts -------------------------------------------------------------------
# "pointer": the arrays above (feature, threshold, left, right per internal node,
# leaves apart, a root per tree). "relative": the same, with each child stored
# relative to its tree (an internal child as its distance from the parent, a leaf
# as -1 - its index among the tree's leaves), so small trees' children fit a byte.
# "heap": every tree as a complete binary tree of the ensemble's depth D (node i has
# children 2i+1 and 2i+2, no child indices); a leaf above depth D becomes a subtree
# of padding nodes that always go left.
# The emitter takes the smallest; the decisions, and so the golden model, are the same.


def fold_leaves(arrays: dict[str, np.ndarray], payload: np.ndarray) -> dict[str, np.ndarray]:
    """The pointer layout with each leaf reference ``c < 0`` replaced by
    ``-1 - payload[leaf]`` (a vote tree's class): the walk ends on the payload itself
    and no leaf array is stored."""
    payload = np.asarray(payload, dtype=np.int64)

    def fold(c):
        c = np.asarray(c, dtype=np.int64)
        return np.where(c >= 0, c, -1 - payload[np.maximum(-c - 1, 0)])

    return {**arrays, "left": fold(arrays["left"]), "right": fold(arrays["right"]), "roots": fold(arrays["roots"])}


def relative_children(arrays: dict[str, np.ndarray],
                      payload: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """``(left, right)`` in the relative layout, or None when the trees are not
    stored in the order it needs: tree by tree, its root first and every internal
    child after its parent, its leaves in one run that starts at ``root + t`` (tree
    ``t`` with k internal nodes has k + 1 leaves). Trees built by scikit-learn and
    joined by :func:`concat` are. With ``payload``, a leaf child is ``-1 - payload[leaf]``
    instead (see :func:`fold_leaves`)."""
    left, right = arrays["left"].astype(np.int64), arrays["right"].astype(np.int64)
    n = len(left)
    # tree t's internal nodes [base[t], base[t] + k[t]), its leaves from base[t] + t
    base, k = [], []
    node_base = leaf_base = 0
    roots = [int(r) for r in arrays["roots"]]
    ends = iter([r for r in roots if r >= 0][1:] + [n])  # where each tree's internal nodes end
    for t, root in enumerate(roots):
        if root < 0:  # a single leaf
            if -root - 1 != leaf_base:
                return None
            base.append(node_base)
            k.append(0)
            leaf_base += 1
            continue
        if root != node_base or leaf_base != node_base + t:
            return None
        size = next(ends) - root
        if size < 1:
            return None
        base.append(root)
        k.append(size)
        node_base += size
        leaf_base += size + 1
    if node_base != n:
        return None
    trees = np.arange(len(k))
    tree_of = np.repeat(trees, k)  # the tree of each internal node
    lo_node, hi_node = np.asarray(base)[tree_of], np.asarray(base)[tree_of] + np.asarray(k)[tree_of]
    lo_leaf = lo_node + tree_of
    hi_leaf = lo_leaf + np.asarray(k)[tree_of] + 1
    nodes = np.arange(n)
    rel, parents = {}, np.zeros(n, dtype=np.int64)
    leaf_refs = np.zeros(leaf_base, dtype=np.int64)
    for side, c in (("left", left), ("right", right)):
        inner = c >= 0
        # an internal child follows its parent inside the parent's tree
        if not ((c[inner] > nodes[inner]) & (c[inner] < hi_node[inner])).all():
            return None
        leaf = -c[~inner] - 1
        if not ((leaf >= lo_leaf[~inner]) & (leaf < hi_leaf[~inner])).all():
            return None
        np.add.at(parents, c[inner], 1)
        np.add.at(leaf_refs, leaf, 1)
        out = np.empty(n, dtype=np.int64)
        out[inner] = c[inner] - nodes[inner]
        out[~inner] = -1 - (leaf - lo_leaf[~inner] if payload is None else np.asarray(payload, np.int64)[leaf])
        rel[side] = out
    # every node but a root has one parent (so each tree is reached from its root) and
    # every leaf one parent
    is_root = np.zeros(n, dtype=bool)
    is_root[[b for b, size in zip(base, k) if size > 0]] = True
    if not (parents == ~is_root).all():
        return None
    single = [-r - 1 for r in roots if r < 0]
    leaf_refs[single] += 1
    if not (leaf_refs == 1).all():
        return None
    return rel["left"], rel["right"]


def layout_bytes(n_features: int, arrays: dict[str, np.ndarray], threshold_bytes: int, leaf_bytes: int,
                 payload: np.ndarray | None = None) -> dict:
    """Bytes of each layout. ``payload``: leaf values small enough to stand in the
    child references of the pointer and relative layouts (a vote tree's classes):
    those layouts then store no leaf array."""
    n_int, n_leaf, n_trees = len(arrays["feature"]), len(arrays["leaf"]), len(arrays["roots"])
    feat = index_bytes(n_features)
    if payload is None:
        child = index_bytes(2 * max(n_int, n_leaf, 1))
        leaves = n_leaf * leaf_bytes
    else:
        child = signed_bytes(-1 - int(np.max(payload, initial=0)), max(n_int, 1))
        leaves = 0
    root = n_trees * child
    pointer = n_int * (feat + threshold_bytes + 2 * child) + leaves + root
    rel = relative_children(arrays, payload)
    relative = None
    if rel is not None and n_int:
        both = np.concatenate(rel)
        relative = n_int * (feat + threshold_bytes + 2 * signed_bytes(int(both.min()), int(both.max()))) + \
            leaves + root
    depths = tree_depths(arrays)
    d = max(depths, default=0)
    heap = n_trees * ((2**d - 1) * (feat + threshold_bytes) + 2**d * leaf_bytes) if d >= 1 else None
    return {"pointer": pointer, "relative": relative, "heap": heap, "depth": d, "compares": sum(depths)}


def signed_bytes(lo: int, hi: int) -> int:
    """Bytes of the narrowest signed type holding ``lo..hi``."""
    return next(b for b in (1, 2, 4) if -(2 ** (8 * b - 1)) <= lo and hi < 2 ** (8 * b - 1))


def smallest_layout(sizes: dict) -> tuple[str, int]:
    """(layout, bytes) of the smallest layout in :func:`layout_bytes`'s answer
    (the first of equals in the order pointer, relative, heap)."""
    options = [(sizes[k], i, k) for i, k in enumerate(("pointer", "relative", "heap")) if sizes[k] is not None]
    b, _, name = min(options)
    return name, b


def choose_layout(n_features: int, arrays, threshold_bytes: int, leaf_bytes: int,
                  payload: np.ndarray | None = None) -> tuple[str, int]:
    """("heap", depth), ("relative", 0) or ("pointer", 0): the smallest layout."""
    b = layout_bytes(n_features, arrays, threshold_bytes, leaf_bytes, payload)
    name, _ = smallest_layout(b)
    return name, (b["depth"] if name == "heap" else 0)


def to_heap(arrays: dict[str, np.ndarray], d: int, pad_threshold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(feature, threshold) as (trees, 2**d - 1) arrays and, for each of the
    (trees, 2**d) heap leaves, the index of the original leaf it stands for. A padding node
    reads a feature the trees split on (so one whose value was checked finite: it then
    always goes left)."""
    n_trees = len(arrays["roots"])
    ni, nl = 2**d - 1, 2**d
    pad_feature = int(arrays["feature"][0]) if len(arrays["feature"]) else 0
    feature = np.full((n_trees, ni), pad_feature, dtype=np.int64)
    threshold = np.full((n_trees, ni), pad_threshold, dtype=arrays["threshold"].dtype)
    leaf = np.zeros((n_trees, nl), dtype=np.int64)
    for t, root in enumerate(arrays["roots"]):
        stack = [(int(root), 0)]
        while stack:
            ref, pos = stack.pop()
            if pos >= ni:  # a heap leaf: the original leaf reached here
                leaf[t, pos - ni] = -ref - 1
                continue
            if ref >= 0:
                feature[t, pos] = arrays["feature"][ref]
                threshold[t, pos] = arrays["threshold"][ref]
                stack.append((int(arrays["left"][ref]), 2 * pos + 1))
                stack.append((int(arrays["right"][ref]), 2 * pos + 2))
            else:  # padding: both children stand for the same leaf (only the left is ever reached)
                stack.append((ref, 2 * pos + 1))
                stack.append((ref, 2 * pos + 2))
    return feature, threshold, leaf


def node_bytes(n_features: int, n_internal: int, n_leaves: int, quant: str) -> int:
    """Bytes of one internal node: feature id, threshold, two child references."""
    child = index_bytes(2 * max(n_internal, n_leaves))
    threshold = 4 if quant == Quantization.float32 else VALUE_BYTES[quant] if quant != Quantization.auto else 1
    return index_bytes(n_features) + threshold + 2 * child


def vote_payload(model) -> np.ndarray | None:
    """A vote tree's leaf classes, which the pointer and relative layouts fold into the
    child references; None for trees with value leaves."""
    return model.arrays["leaf"] if model.family in ("tree", "forest") and model.classes else None


def expected_walk(arrays: dict[str, np.ndarray]) -> float:
    """Comparisons of a walk through every tree: the share of the training rows that reach each
    internal node, summed (``cover``, kept from scikit-learn's trees); without it, each split taken
    either way with probability 1/2: the sum over leaves of depth * 2^-depth."""
    if "cover" in arrays and len(arrays["cover"]) == len(arrays["feature"]):
        return float(np.sum(arrays["cover"], dtype=np.float64))
    return sum(d * 0.5**d for depths in leaf_depths(arrays) for d in depths)


def read_features(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """The features (or an integer model's input codes) the trees split on, ascending."""
    return np.unique(np.asarray(arrays["feature"], dtype=np.int64))


def sklearn_leaf_limit(max_leaves: int, max_depth: int, n_rows: int) -> int | None:
    """``max_leaf_nodes`` for scikit-learn: None when depth and data bound the
    tree anyway (scikit-learn sizes its buffers by this number, so a cap of
    millions from a roomy flash budget would cost seconds per fit).

    >>> sklearn_leaf_limit(10**7, 6, 1000), sklearn_leaf_limit(20, 6, 1000)
    (None, 20)
    """
    natural = min(2 ** max_depth, max(n_rows, 2))
    return None if max_leaves >= natural else max(int(max_leaves), 2)


def leaf_cap(budget: int, n_trees: int, n_features: int, quant: str, leaf_bytes: int) -> int:
    """Most leaves per tree so that ``n_trees`` trees fit in ``budget`` bytes."""
    per_tree = budget / max(n_trees, 1)
    node = node_bytes(n_features, 256, 256, quant)  # assume 1-byte children, checked after training
    return int((per_tree + node) // (node + leaf_bytes))


def leaves_per_tree(model) -> int:
    return max(2, math.ceil(len(model.arrays["leaf"]) / max(len(model.arrays["roots"]), 1)))


def votes(model) -> bool:
    """Whether a tree ensemble's classifier counts class votes (its leaves name classes)."""
    return bool(FAMILY_REGISTRY[model.family].vote_scores and model.classes)


def boosted(model) -> bool:
    """Whether a tree ensemble adds each boosting stage's leaf to its output's base score."""
    return bool(getattr(FAMILY_REGISTRY[model.family], "boosted", False))
