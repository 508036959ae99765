"""Integer arithmetic shared by the quantized kernels, as the C does it.

A real multiplier ``M`` is stored as an integer ``m`` and a right shift ``s``
with ``M ≈ m / 2**s``; ``requant(acc) = floor((acc * m + 2**(s-1)) / 2**s)``
(round half up), computed in 64 bits. The C uses the same formula with a
floor shift that is defined for negative numbers in ISO C.
"""
from __future__ import annotations

import math

import numpy as np

RANGES = {"int8": (-128, 127), "int16": (-32768, 32767)}
# bits of the requantization multiplier (stored as int16 in int8 mode, int32 in
# int16 mode): 15 bits are far finer than an int8 activation needs; int16 mode
# multiplies an int64 accumulator bounded by 2**40, so the product stays in 64 bits
MULT_BITS = {"int8": 15, "int16": 22}
ACC_LIMIT = {"int8": 2**31 - 1, "int16": 2**40}
MAX_SHIFT = 62


class NotQuantizable(Exception):
    """The model has no integer form in this mode (the reason is the message)."""


def multiplier(M: float, bits: int) -> tuple[int, int]:
    """``(m, s)`` with ``m / 2**s ≈ M``, ``m < 2**bits``, ``1 <= s <= 62``.

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
    if s > MAX_SHIFT:
        m >>= s - MAX_SHIFT
        s = MAX_SHIFT
    return m, s


def requant(acc: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Elementwise ``floor((acc*m + 2**(s-1)) >> s)`` in int64 (numpy's >> floors)."""
    acc = np.asarray(acc, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    return (acc * m + (np.int64(1) << (s - 1))) >> s


def round_half_away(v: np.ndarray) -> np.ndarray:
    """Round to nearest, halves away from zero (as C's lround), to int64."""
    v = np.asarray(v, dtype=np.float64)
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)


def check_range(values: np.ndarray, limit: int, what: str) -> None:
    if values.size and int(np.max(np.abs(values))) > limit:
        raise NotQuantizable(f"{what} exceed the integer range (|v| <= {limit})")
