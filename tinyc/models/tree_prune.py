"""Splits that cannot change a prediction, taken out of trees stored as flat arrays (treeutil).

Two kinds, both exact (every input reaches a leaf with the same payload as before):

- a *decided* split, whose test the splits above it on the same feature have settled: after
  ``x <= 5`` went right, ``x <= 3`` always goes right. Float32 thresholds rounded down
  (treeutil.float32_floor) and integer codes (tinyc.quant.trees: nearby thresholds share a code)
  make them;
- a split whose two sides end in leaves with equal payloads: a classification tree's split that
  lowered the impurity without changing the majority class, or two boosted leaves that round to
  the same code.

Both cost bytes in every kernel: a node in the walk's arrays, an ``if`` in the code (where the
compiler merges some of them and the cost model, counting nodes, would not know it).

Nodes and leaves keep their order, so a tree with nothing to take out is stored byte for byte as
before.
"""
from __future__ import annotations

import numpy as np

# arrays with one entry per internal node; per leaf: "leaf"
NODE_KEYS = ("feature", "threshold", "left", "right", "cover")


def prune(arrays: dict[str, np.ndarray], integer: bool = False) -> dict[str, np.ndarray]:
    """``arrays`` (one tree's, with ``root``, or an ensemble's, with ``roots``) without decided
    splits and with each split whose sides are equal leaves made that leaf. ``integer``: the
    thresholds are integer codes (``x <= t`` going right means ``x >= t + 1``)."""
    feature, threshold = arrays["feature"], arrays["threshold"]
    left, right, leaf = arrays["left"], arrays["right"], arrays["leaf"]
    if len(feature) == 0:
        return arrays
    new_left, new_right = left.copy(), right.copy()
    kept = np.zeros(len(feature), dtype=bool)

    def walk(n: int, box: dict) -> int:
        """The reference ``n`` becomes (itself, a child it is decided for, or its leaf)."""
        while n >= 0:
            j, t = int(feature[n]), threshold[n].item()
            lo, hi = box.get(j, (-np.inf, np.inf))  # float: lo < x <= hi; integer: lo <= x <= hi
            if t >= hi:
                n = int(left[n])
            elif t < lo or (not integer and t == lo):
                n = int(right[n])
            else:
                break
        if n < 0:
            return n
        a = walk(int(left[n]), {**box, j: (lo, t)})
        b = walk(int(right[n]), {**box, j: (t + 1 if integer else t, hi)})
        if a < 0 and b < 0 and np.array_equal(leaf[-a - 1], leaf[-b - 1]):
            return a
        kept[n] = True
        new_left[n], new_right[n] = a, b
        return n

    rooted = "roots" if "roots" in arrays else "root"
    roots = np.array([walk(int(r), {}) for r in arrays[rooted]], dtype=np.int32)
    if kept.all():
        return arrays
    # renumber what is still referenced, in the old order
    used_leaf = np.zeros(len(leaf), dtype=bool)
    for c in np.concatenate([new_left[kept], new_right[kept], roots]):
        if c < 0:
            used_leaf[-c - 1] = True
    node_at = np.cumsum(kept) - 1
    leaf_at = np.cumsum(used_leaf) - 1

    def ref(c):
        c = np.asarray(c, dtype=np.int64)
        return np.where(c >= 0, node_at[np.maximum(c, 0)], -leaf_at[np.maximum(-c - 1, 0)] - 1).astype(np.int32)

    out = dict(arrays)
    for k in NODE_KEYS:
        if k in arrays and len(arrays[k]) == len(feature):
            out[k] = arrays[k][kept]
    out["left"], out["right"] = ref(new_left[kept]), ref(new_right[kept])
    out["leaf"] = leaf[used_leaf]
    out[rooted] = ref(roots)
    return out
