"""Float features → integer codes, one affine map per feature.

``code(x) = QMIN + trunc(d + r)`` where ``d = (x - lo) * inv`` in float32,
clamped to ``[QMIN, QMAX]``; ``r`` is 0.5 (rounding, dense models) or 0
(floor, trees: a code compares with a threshold code exactly as the value
compares with the threshold, except inside the threshold's own bin). The
value a code stands for is ``lo + (code - QMIN) / inv``.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import RANGES


def fit_map(lo: np.ndarray, hi: np.ndarray, mode: str, reserve_top: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(lo, inv) float32 arrays mapping [lo, hi] onto the code range (onto
    ``[QMIN, QMAX - 1]`` with ``reserve_top``, so that values above ``hi``
    get a code above that of ``hi``)."""
    qmin, qmax = RANGES[mode]
    if reserve_top:
        qmax -= 1
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    width = hi - lo
    inv = np.where(width > 0, (qmax - qmin) / np.where(width > 0, width, 1.0), 0.0)
    return lo.astype(np.float32), inv.astype(np.float32)


def codes(X: np.ndarray, lo: np.ndarray, inv: np.ndarray, mode: str, rounding: str) -> np.ndarray:
    """The codes the C computes for float32 rows ``X`` (int64 array)."""
    qmin, qmax = RANGES[mode]
    X = np.asarray(X, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        d = (X - lo) * inv  # float32, two roundings, as in C
        if rounding == "round":
            d = d + np.float32(0.5)
        span = np.float32(qmax - qmin)
        pos = d > 0
        big = d >= span
        t = np.trunc(np.where(pos & ~big, d, 0)).astype(np.int64)
    return np.where(~pos, qmin, np.where(big, qmax, qmin + t)).astype(np.int64)


def columns(model) -> np.ndarray:
    """The feature each input code stands for (trees encode only the features they split on)."""
    a = model.arrays
    return a["in_cols"] if "in_cols" in a else np.arange(model.n_features)


def encode(model, X: np.ndarray) -> np.ndarray:
    """Input codes, (rows, codes): one per entry of :func:`columns`."""
    a = model.arrays
    X = np.asarray(X, dtype=np.float32)[:, columns(model)]
    return codes(X, a["in_lo"], a["in_inv"], model.qinfo["mode"], model.qinfo["input_rounding"])


def stored_maps(model) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The maps the C stores for ``model``: see :func:`map_table`."""
    return map_table(model.arrays["in_lo"], model.arrays["in_inv"])


def map_table(lo: np.ndarray, inv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The stored form of per-code maps ``(lo, inv)``: ``(lo, inv, index)``. Codes
    whose maps are equal (features with the same calibration range: pixels,
    channels of one sensor, unused features) share one entry through a one-byte
    ``index`` per code when that is smaller than a map per code; ``index`` is
    None when every code (or every feature, for a single shared map) has its own
    entry. The maps themselves, and so every code, are unchanged."""
    n = len(lo)
    if n <= 1:
        return lo, inv, None
    pairs = np.stack([np.asarray(lo, np.float32).view(np.uint32), np.asarray(inv, np.float32).view(np.uint32)], axis=1)
    _, first, index = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    u = len(first)
    if u > 256 or MAP_BYTES * u + n >= MAP_BYTES * n:
        return lo, inv, None
    rank = np.empty(u, dtype=np.int64)  # table entries in order of first use
    rank[np.argsort(first)] = np.arange(u)
    table = np.sort(first)
    return lo[table], inv[table], rank[np.asarray(index).ravel()].astype(np.uint8)


def map_bytes(lo: np.ndarray, inv: np.ndarray) -> int:
    """Flash of per-code maps as stored (table and index)."""
    t, _, index = map_table(lo, inv)
    return MAP_BYTES * len(t) + (0 if index is None else len(index))


def stored_map_bytes(model) -> int:
    return map_bytes(model.arrays["in_lo"], model.arrays["in_inv"])


MAP_BYTES = 8  # lo and inv, float32 each


def real(model, Q: np.ndarray) -> np.ndarray:
    """The float64 value each code stands for."""
    a = model.arrays
    qmin = RANGES[model.qinfo["mode"]][0]
    inv = a["in_inv"].astype(np.float64)
    step = np.where(inv > 0, 1.0 / np.where(inv > 0, inv, 1.0), 0.0)
    return a["in_lo"].astype(np.float64) + (np.asarray(Q, dtype=np.float64) - qmin) * step
