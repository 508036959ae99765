"""The power spectrum of a window by a mixed-radix fast Fourier transform, in float32, in exactly the
order of operations of the C (tinyc.codegen.c_fft), vectorised over windows.

For a window of N samples whose prime factors are 2, 3 and 5 (N = 96 = 4*4*2*3, N = 30 = 2*3*5),
the transform takes O(N * sum of the radices) operations where the direct DFT takes N * N/2
complex multiply-accumulates. Decimation in time, in place: the real samples are read in
digit-reversed order (a table computed here) into one complex buffer, then each stage s of radix
p combines p transforms of length m = L/p into transforms of length L: for each block and each
k < m, the inputs a_q = buf[b + q*m + k] are multiplied by the twiddles W_L^(q*k) (none for q*k = 0;
W_N^t = cos(2 pi t/N) - i sin(2 pi t/N) from the front end's float32 tables, t = (N/L)*q*k < N) and
combined by the radix-p butterfly (radix 4 and 2 by additions; 3 and 5 from sums and differences
of the inputs paired by conjugate twiddles, with float32 constants). Every product and sum is one float32 operation (no fused multiply-add:
the C is compiled with -ffp-contract=off). The power of bin k is re*re + im*im.
"""
from __future__ import annotations

import numpy as np

F32 = np.float32
RADICES = (4, 2, 3, 5)  # tried in this order when factoring N


def radices(n: int) -> tuple[int, ...] | None:
    """The radices of the stages, innermost first (4s, then a 2, then 3s and 5s), or None when N has
    another prime factor (the front end then keeps the direct DFT).

    >>> radices(96), radices(30), radices(16), radices(14)
    ((4, 4, 2, 3), (2, 3, 5), (4, 4), None)
    """
    out, rest = [], n
    for p in RADICES:
        while rest % p == 0 and rest > 1:
            out.append(p)
            rest //= p
    return tuple(out) if rest == 1 and n > 1 else None


def digit_reversal(n: int, rad: tuple[int, ...]) -> np.ndarray:
    """perm[P]: the sample that position P of the buffer starts from. Going down the stages from the
    last: a block of length L at offset j (its samples x[j + (N/L)*i]) splits into p blocks of length
    L/p, the q-th at offset j + (N/L)*q."""
    perm = np.zeros(n, dtype=np.int64)
    blocks = [(0, 0)]  # (position, offset) of the blocks of the current length
    length = n
    for p in reversed(rad):
        stride = n // length
        length //= p
        blocks = [(pos + q * length, j + stride * q) for pos, j in blocks for q in range(p)]
    for pos, j in blocks:
        perm[pos] = j
    return perm


# the radix-3 and radix-5 butterflies' constants: cos and sin of 2 pi / 3, and of 2 pi / 5 and 4 pi / 5
C3, S3 = F32(np.cos(2 * np.pi / 3)), F32(np.sin(2 * np.pi / 3))
C51, C52 = F32(np.cos(2 * np.pi / 5)), F32(np.cos(4 * np.pi / 5))
S51, S52 = F32(np.sin(2 * np.pi / 5)), F32(np.sin(4 * np.pi / 5))


def butterfly(p: int, re: list, im: list) -> tuple[list, list]:
    """The radix-p combination y_u = sum_q t_q W_p^(q*u) of the twiddled inputs (lists of p arrays),
    as the C writes it: radix 2 and 4 by additions, radix 3 and 5 by the sums and differences of
    inputs with conjugate twiddles (t_q W^q + t_(p-q) W^-q = cos * (t_q + t_(p-q)) - i sin * (t_q - t_(p-q)))."""
    if p == 2:
        return [re[0] + re[1], re[0] - re[1]], [im[0] + im[1], im[0] - im[1]]
    if p == 4:  # a = t0 + t2, b = t0 - t2, c = t1 + t3, d = t1 - t3; y1 = b - i d, y3 = b + i d
        ar, ai, br, bi = re[0] + re[2], im[0] + im[2], re[0] - re[2], im[0] - im[2]
        cr, ci, dr, di = re[1] + re[3], im[1] + im[3], re[1] - re[3], im[1] - im[3]
        return [ar + cr, br + di, ar - cr, br - di], [ai + ci, bi - dr, ai - ci, bi + dr]
    if p == 3:  # s = t1 + t2, d = t1 - t2; m = t0 + cos * s; y1 = m - i sin d, y2 = m + i sin d
        sr, si, dr, di = re[1] + re[2], im[1] + im[2], re[1] - re[2], im[1] - im[2]
        mr, mi = re[0] + C3 * sr, im[0] + C3 * si
        br, bi = S3 * dr, S3 * di
        return [re[0] + sr, mr + bi, mr - bi], [im[0] + si, mi - br, mi + br]
    assert p == 5
    s1r, s1i, d1r, d1i = re[1] + re[4], im[1] + im[4], re[1] - re[4], im[1] - im[4]
    s2r, s2i, d2r, d2i = re[2] + re[3], im[2] + im[3], re[2] - re[3], im[2] - im[3]
    a1r, a1i = re[0] + C51 * s1r + C52 * s2r, im[0] + C51 * s1i + C52 * s2i
    a2r, a2i = re[0] + C52 * s1r + C51 * s2r, im[0] + C52 * s1i + C51 * s2i
    b1r, b1i = S51 * d1r + S52 * d2r, S51 * d1i + S52 * d2i
    b2r, b2i = S52 * d1r - S51 * d2r, S52 * d1i - S51 * d2i
    return ([re[0] + s1r + s2r, a1r + b1i, a2r + b2i, a2r - b2i, a1r - b1i],
            [im[0] + s1i + s2i, a1i - b1r, a2i - b2r, a2i + b2r, a1i + b1r])


def power(d: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """(windows, N/2) power of bins 1..N/2 of the windows ``d`` (windows, N), float32; ``cos``, ``sin``:
    the front end's tables of 2 pi t / N."""
    d = np.asarray(d, dtype=F32)
    n = d.shape[1]
    rad = radices(n)
    assert rad is not None, f"no FFT for a window of {n}"
    re = d[:, digit_reversal(n, rad)].copy()
    im = np.zeros_like(re)
    m = 1
    for p in rad:
        length = p * m
        step = n // length
        blocks = np.arange(0, n, length)
        for k in range(m):
            idx = [blocks + q * m + k for q in range(p)]
            tr, ti = [re[:, idx[0]]], [im[:, idx[0]]]
            for q in range(1, p):
                ar, ai = re[:, idx[q]], im[:, idx[q]]
                t = step * q * k
                if t == 0:
                    tr.append(ar)
                    ti.append(ai)
                else:  # a * (c - i s)
                    tr.append(ar * cos[t] + ai * sin[t])
                    ti.append(ai * cos[t] - ar * sin[t])
            yr, yi = butterfly(p, tr, ti)
            for u in range(p):
                re[:, idx[u]] = yr[u]
                im[:, idx[u]] = yi[u]
        m = length
    k = np.arange(1, n // 2 + 1)
    return (re[:, k] * re[:, k] + im[:, k] * im[:, k]).astype(F32)
