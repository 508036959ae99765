"""Integer arithmetic shared by the quantized kernels, as the C does it.

A real multiplier ``M`` is stored as an integer ``m`` and a right shift ``s``
with ``M ≈ m / 2**s``; ``requant(acc) = floor((acc * m + 2**(s-1)) / 2**s)``
(round half up). The int16 kernels compute it in 64 bits; the int8 dense
kernel in 32 bits (:func:`requant32`), so that a core without a 64-bit multiply
(Cortex-M0/M0+) calls no library routine for it. The C uses the same formulas
with a floor shift (an arithmetic right shift, checked by the preprocessor).
"""
from __future__ import annotations

import math

import numpy as np

RANGES = {"int8": (-128, 127), "int16": (-32768, 32767)}
# bits of the requantization multiplier (stored as int16 in int8 mode, int32 in
# int16 mode): 15 bits are far finer than an int8 activation needs; int16 mode
# multiplies an int64 accumulator bounded by 2**40, so the product stays in 64 bits
MULT_BITS = {"int8": 15, "int16": 22}
# int8: |acc| < 2**30 and s <= 45 keep every step of requant32 inside int32
ACC_LIMIT = {"int8": 2**30 - 1, "int16": 2**40}
MAX_SHIFT = {"int8": 45, "int16": 62}
SPLIT_SHIFT = 16  # requant32: shifts from 16 up use the split product; smaller ones (gains >= 1/2) clamp acc


class NotQuantizable(Exception):
    """The model has no integer form in this mode (the reason is the message)."""


def multiplier(M: float, bits: int, max_shift: int = 62) -> tuple[int, int]:
    """``(m, s)`` with ``m / 2**s ≈ M``, ``m < 2**bits``, ``1 <= s <= max_shift``.

    >>> multiplier(0.5, 15)
    (16384, 15)
    >>> m, s = multiplier(0.0123, 22); abs(m / 2**s - 0.0123) < 1e-8
    True
    """
    if not (M > 0 and math.isfinite(M)):
        return 0, 1
    f, k = math.frexp(M)  # M = f * 2**k, 0.5 <= f < 1
    m = int(round(f * 2**bits))
    if m == 2**bits:
        m //= 2
        k += 1
    s = bits - k
    if s < 1:
        raise NotQuantizable(f"a rescaling factor ({M:.3g}) is too large for the integer format")
    if s > max_shift:
        m >>= s - max_shift
        s = max_shift
    return m, s


def requant(acc: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Elementwise ``floor((acc*m + 2**(s-1)) >> s)`` in int64 (numpy's >> floors)."""
    acc = np.asarray(acc, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    return (acc * m + (np.int64(1) << (s - 1))) >> s


def requant32(acc: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """:func:`requant` of an int8 dense layer as its C computes it in 32-bit arithmetic
    (|acc| < 2**30, 0 <= m < 2**15, 1 <= s <= 45):

    - ``s >= 16``: exactly :func:`requant`, as ``floor((p + 2**(s-16)) / 2**(s-15))``
      with ``p = floor(acc * m / 2**15)`` formed from the two 16-bit halves of ``acc``;
    - ``s < 16`` (a gain of at least 1/2, which only hidden layers have): ``acc`` is
      first clamped to ``[-2**16, 2**16)``, where the 32-bit product cannot overflow.
      Beyond that range ``|requant| >= 2**15``, which saturates the activation either
      way (ReLU at 255 codes, tanh at 2**15), so the layer's output is unchanged.
    """
    acc = np.asarray(acc, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    return requant(np.where(s < SPLIT_SHIFT, np.clip(acc, -(1 << 16), (1 << 16) - 1), acc), m, s)


def round_half_away(v: np.ndarray) -> np.ndarray:
    """Round to nearest, halves away from zero (as C's lround), to int64."""
    v = np.asarray(v, dtype=np.float64)
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)


def check_range(values: np.ndarray, limit: int, what: str) -> None:
    if values.size and int(np.max(np.abs(values))) > limit:
        raise NotQuantizable(f"{what} exceed the integer range (|v| <= {limit})")
