"""Float features → integer codes, one affine map per feature, computed
without floating point and without 64-bit arithmetic (a core without FPU links
no soft-float or long-multiply routine for it).

A map is four integers: ``e`` (a binary scale), ``l`` (the low end of the
range in that scale), ``m`` (a multiplier) and ``s`` (a right shift). For a
float32 feature ``x`` with IEEE-754 sign, exponent ``ex`` and 24-bit
significand ``sig``:

    v    = ±trunc(sig * 2**(ex - 150 + e))     from the bits, shifts only;
                                               |v| saturates at 2**30
    d    = v - l                               int32
    code = QMIN if d < 0, else
           min(QMIN + ((min(d, DMAX) * m) >> s), QMAX)
                                               (one 32x32 -> 32-bit multiply:
                                               DMAX * m < 2**32)

``e`` is chosen so that the calibration range is exact in ``v`` (|lo|, |hi|
below 2**28 units) and its width spans at most a quarter of ``DMAX`` units
(room for the half code of rounding and for values above the range); ``m`` has
``32 - log2(DMAX + 1)`` bits. The code is ``floor((x - lo) * inv)`` (trees) or,
with ``l`` set half a code lower, ``round((x - lo) * inv)`` (dense models), for
the effective ``lo`` and ``inv`` that :func:`affine` gives. It is monotone in
``x``: a tree's threshold, stored as its own code, compares with the code of
``x`` as ``x`` with the threshold, except inside the threshold's bin.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import RANGES

MAP_KEYS = ("in_e", "in_l", "in_m", "in_s")
MAP_BYTES = 8  # e (int8), l (int32), m (uint16), s (uint8)
RANGE_BITS = 28  # |lo|, |hi| < 2**28 units of the map's scale
SATURATE_SHIFT = 6  # significands shifted further left than this saturate (|v| >= 2**30)
E_LIMIT = 100  # |e| <= 100 (an int8), far beyond any real feature scale
# d is clamped to 2**D_BITS - 1 before the multiply, m has 32 - D_BITS bits: int8 codes
# get 2**14..2**15 units of v over the calibration range (64-128 per code) and a 16-bit
# m; int16 codes 2**16..2**17 units (1-2 per code) and a 14-bit m
D_BITS = {"int8": 16, "int16": 18}


def d_max(mode: str) -> int:
    return (1 << D_BITS[mode]) - 1


def fit_map(lo: np.ndarray, hi: np.ndarray, mode: str, rounding: str, reserve_top: bool = False) -> dict:
    """Maps of ``[lo, hi]`` (per feature) onto the code range (onto ``[QMIN, QMAX - 1]``
    with ``reserve_top``, so that values above ``hi`` get a code above that of ``hi``);
    ``rounding`` "round" (to the nearest code) or "floor"."""
    qmin, qmax = RANGES[mode]
    if reserve_top:
        qmax -= 1
    span = qmax - qmin
    d_bits = D_BITS[mode]
    m_bits = 32 - d_bits
    lo = np.atleast_1d(np.asarray(lo, dtype=np.float64))
    hi = np.atleast_1d(np.asarray(hi, dtype=np.float64))
    width = hi - lo
    pos = width > 0
    inv = np.where(pos, span / np.where(pos, width, 1.0), 0.0)
    big = np.maximum(np.abs(lo), np.abs(hi))
    e_mag = np.where(big > 0, RANGE_BITS - np.ceil(np.log2(np.where(big > 0, big, 1.0))), 0)
    e_width = np.where(pos, d_bits - 2 - np.floor(np.log2(np.where(pos, width, 1.0))), e_mag)
    e = np.clip(np.minimum(e_mag, e_width), -E_LIMIT, E_LIMIT).astype(np.int64)
    scale = np.ldexp(1.0, e)
    start = lo - (np.where(pos, 0.5 / np.where(pos, inv, 1.0), 0.0) if rounding == "round" else 0.0)
    el = np.round(start * scale)
    t = inv / scale  # codes per unit of v
    s = np.where(t > 0, m_bits - 1 - np.floor(np.log2(np.where(t > 0, t, 1.0))), 0)
    s = np.clip(s, 0, 31).astype(np.int64)
    m = np.minimum(np.round(t * np.ldexp(1.0, s)), 2.0**m_bits - 1)
    maps = {"in_e": e.astype(np.int8), "in_l": el.astype(np.int32), "in_m": m.astype(np.uint16),
            "in_s": s.astype(np.uint8)}
    if reserve_top:  # rounding of l and m must not push hi onto the reserved top code
        d_hi = np.minimum(_diff(hi.astype(np.float32)[None, :], maps)[0], d_max(mode))
        over = (d_hi > 0) & (codes(hi.astype(np.float32)[None, :], maps, mode)[0] > qmax)
        fit = (((span + 1) << s) - 1) // np.maximum(d_hi, 1)  # the largest m with (d_hi * m) >> s <= span
        maps["in_m"] = np.where(over, np.minimum(maps["in_m"], fit), maps["in_m"]).astype(np.uint16)
    return maps


def maps_of(arrays: dict) -> dict[str, np.ndarray]:
    return {k: arrays[k] for k in MAP_KEYS}


def take(maps: dict, index) -> dict[str, np.ndarray]:
    """The maps at ``index`` (an index array or list)."""
    return {k: np.asarray(v)[index] for k, v in maps.items()}


def affine(maps: dict, rounding: str) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, inv)`` float64: a code ``q`` stands for ``lo + (q - QMIN) / inv``."""
    e = np.asarray(maps["in_e"], dtype=np.int64)
    s = np.asarray(maps["in_s"], dtype=np.int64)
    inv = np.asarray(maps["in_m"], dtype=np.float64) * np.ldexp(1.0, e - s)
    lo = np.asarray(maps["in_l"], dtype=np.float64) * np.ldexp(1.0, -e)
    if rounding == "round":  # l sits half a code below the value of code QMIN
        lo = lo + np.where(inv > 0, 0.5 / np.where(inv > 0, inv, 1.0), 0.0)
    return lo, inv


def _diff(X: np.ndarray, maps: dict) -> np.ndarray:
    """``d = v - l`` as the C computes it for float32 rows ``X`` (int64 array)."""
    u = np.ascontiguousarray(X, dtype=np.float32).view(np.uint32).astype(np.int64)
    ex = (u >> 23) & 0xFF
    sig = np.where(ex == 0, u & 0x7FFFFF, (u & 0x7FFFFF) | 0x800000)
    sh = np.maximum(ex, 1) - 150 + np.asarray(maps["in_e"], dtype=np.int64)
    mag = np.where(sh > SATURATE_SHIFT, 1 << 30,
                   np.where(sh >= 0, sig << np.clip(sh, 0, SATURATE_SHIFT),
                            np.where(sh > -32, sig >> np.clip(-sh, 0, 31), 0)))
    v = np.where(u >> 31 == 1, -mag, mag)
    return v - np.asarray(maps["in_l"], dtype=np.int64)


def codes(X: np.ndarray, maps: dict, mode: str) -> np.ndarray:
    """The codes the C computes for float32 rows ``X`` (int64 array), column j
    with map j (or every column with a single map)."""
    qmin, qmax = RANGES[mode]
    d = _diff(X, maps)
    h = (np.clip(d, 0, d_max(mode)) * np.asarray(maps["in_m"], dtype=np.int64)) >> np.asarray(maps["in_s"], np.int64)
    return np.where(d < 0, qmin, np.where(h > qmax - qmin, qmax, qmin + h)).astype(np.int64)


def reads_every_feature(model) -> bool:
    """Whether the codes cover every feature (trees may encode only those they split on);
    the encoder then checks every input for NaN/infinity as it reads it."""
    return "in_cols" not in model.arrays


def columns(model) -> np.ndarray:
    """The feature each input code stands for (trees encode only the features they split on)."""
    a = model.arrays
    return a["in_cols"] if "in_cols" in a else np.arange(model.n_features)


def encode(model, X: np.ndarray) -> np.ndarray:
    """Input codes, (rows, codes): one per entry of :func:`columns`."""
    a = model.arrays
    X = np.asarray(X, dtype=np.float32)[:, columns(model)]
    return codes(X, maps_of(a), model.qinfo["mode"])


def stored_maps(model) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The maps the C stores for ``model``: see :func:`map_table`."""
    return map_table(maps_of(model.arrays))


def map_table(maps: dict) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The stored form of per-code maps: ``(table, index)``. Codes whose maps
    are equal (features with the same calibration range: pixels, channels of one
    sensor, unused features) share one entry through a one-byte ``index`` per
    code when that is smaller than a map per code; ``index`` is None when every
    code (or every feature, for a single shared map) has its own entry. The maps
    themselves, and so every code, are unchanged."""
    n = len(maps["in_l"])
    if n <= 1:
        return maps, None
    rows = np.stack([np.asarray(maps[k], dtype=np.int64) for k in MAP_KEYS], axis=1)
    _, first, index = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    u = len(first)
    if u > 256 or MAP_BYTES * u + n >= MAP_BYTES * n:
        return maps, None
    rank = np.empty(u, dtype=np.int64)  # table entries in order of first use
    rank[np.argsort(first)] = np.arange(u)
    return take(maps, np.sort(first)), rank[np.asarray(index).ravel()].astype(np.uint8)


def map_bytes(maps: dict) -> int:
    """Flash of per-code maps as stored (table and index)."""
    table, index = map_table(maps)
    return MAP_BYTES * len(table["in_l"]) + (0 if index is None else len(index))


def stored_map_bytes(model) -> int:
    return map_bytes(maps_of(model.arrays))


def real(model, Q: np.ndarray) -> np.ndarray:
    """The float64 value each code stands for."""
    qmin = RANGES[model.qinfo["mode"]][0]
    lo, inv = affine(maps_of(model.arrays), model.qinfo["input_rounding"])
    step = np.where(inv > 0, 1.0 / np.where(inv > 0, inv, 1.0), 0.0)
    return lo + (np.asarray(Q, dtype=np.float64) - qmin) * step
