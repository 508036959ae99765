"""Window features, computed in float32 in exactly the order the generated C
computes them (sequential sums, no fused multiply-add), vectorised over windows.
The C and this code agree bit for bit; the tests check it on real IMU windows.

Per channel, for a window ``w[0..N-1]`` (oldest first):

- ``mean = (sum w) / N``; ``d = w - mean``; ``m2, m3, m4 = sum d^2, d^2*d, d^2*d^2``;
  ``std = sqrt(m2 / N)``; ``rms = sqrt((sum w^2) / N)``; ``min``, ``max``, ``p2p = max - min``;
  ``skew = (m3/N) / (var*std)``, ``kurtosis = (m4/N) / (var*var) - 3`` (0 when var is 0);
  ``crossings``: how often ``d`` changes sign (mean crossings); ``zero_crossings``: how often
  ``w`` does;
- spectrum of ``d`` by a direct DFT with float32 sine/cosine tables (or, where the front end
  chose it, a mixed-radix FFT on the same tables: tinyc.signal.fft), bins k = 1..N/2:
  ``p_k = re^2 + im^2``; ``band_b = (sum of p_k over the band) / N^2``;
  ``centroid = sum f_k p_k / sum p_k`` (Hz, 0 for a flat window); ``dominant = f_k`` of the
  first largest ``p_k``.

A magnitude channel is ``sqrt(a*a + b*b + ...)`` of its raw channels, sample by sample.
Filters (``highpass``, ``lowpass``: first-order IIR, direct form II transposed in float32,
``y = b0*x + z; z = b1*x - a1*y``, the state starting at its steady state for the first
sample) run on the raw channels of a whole recording before the magnitudes and windows;
scipy's ``lfilter`` on float32 computes exactly this.
"""
from __future__ import annotations

import numpy as np

from .frontend import FrontEnd

F32 = np.float32


def tables(fe: FrontEnd) -> dict[str, np.ndarray]:
    """The constant tables the C holds: cos/sin of 2*pi*m/N and bin frequencies."""
    n = fe.window
    m = np.arange(n)
    return {"cos": np.cos(2 * np.pi * m / n).astype(F32), "sin": np.sin(2 * np.pi * m / n).astype(F32),
            "freq": (np.arange(fe.n_bins + 1) * (fe.rate_hz / n)).astype(F32)}


def filtered(fe: FrontEnd, samples: np.ndarray) -> np.ndarray:
    """The raw channels of one recording through the front end's filters (float32)."""
    x = np.asarray(samples, dtype=F32)
    filters = fe.filters()
    if not filters:
        return x
    from scipy.signal import lfilter

    out = x.copy()
    for _, b, a, zi in filters:
        for c in range(out.shape[1]):
            out[:, c] = lfilter(b, a, out[:, c], zi=zi * out[0, c])[0]
    return out


def with_magnitudes(fe: FrontEnd, samples: np.ndarray) -> np.ndarray:
    """(rows, raw channels) → (rows, all channels), float32, after the filters."""
    x = filtered(fe, samples)
    cols = [x]
    for _, idx in fe.magnitudes:
        acc = x[:, idx[0]] * x[:, idx[0]]
        for j in idx[1:]:
            acc = acc + x[:, j] * x[:, j]
        cols.append(np.sqrt(acc)[:, None])
    return np.concatenate(cols, axis=1).astype(F32)


def window_starts(n_rows: int, fe: FrontEnd) -> np.ndarray:
    """Start rows of the windows of one recording: a window is complete after
    ``window`` samples and then every ``hop`` samples, as ``<model>_push_sample`` reports."""
    if n_rows < fe.window:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, n_rows - fe.window + 1, fe.hop, dtype=np.int64)


def windows(fe: FrontEnd, recording: np.ndarray) -> np.ndarray:
    """(windows, N, all channels) of one recording's raw samples (rows, raw channels)."""
    full = with_magnitudes(fe, recording)
    starts = window_starts(len(full), fe)
    idx = starts[:, None] + np.arange(fe.window)[None, :]
    return full[idx]


def compute(fe: FrontEnd, W: np.ndarray) -> np.ndarray:
    """Features (windows, len(fe.outputs())) of windows (windows, N, all channels)."""
    W = np.asarray(W, dtype=F32)
    n = fe.window
    needs = fe.needs()
    spectral = set(fe.spectral_channels())
    tab = tables(fe)
    values: dict[tuple[int, str], np.ndarray] = {}
    for c, feats in needs.items():
        stats = _stats(W[:, :, c], n)
        for f in feats:
            if f in stats:
                values[(c, f)] = stats[f]
        if c in spectral:
            for f, v in _spectrum(stats["d"], fe, tab).items():
                values[(c, f)] = v
    return np.stack([values[fe.split(name)] for name in fe.outputs()], axis=1).astype(F32)


def _stats(w: np.ndarray, n: int) -> dict[str, np.ndarray]:
    rows = w.shape[0]
    s1 = np.zeros(rows, dtype=F32)
    s2 = np.zeros(rows, dtype=F32)
    mn, mx = w[:, 0].copy(), w[:, 0].copy()
    for i in range(n):
        x = w[:, i]
        s1 = s1 + x
        s2 = s2 + x * x
        mn = np.where(x < mn, x, mn)
        mx = np.where(x > mx, x, mx)
    nf = F32(n)
    mean = (s1 / nf).astype(F32)
    m2 = np.zeros(rows, dtype=F32)
    m3 = np.zeros(rows, dtype=F32)
    m4 = np.zeros(rows, dtype=F32)
    cross = np.zeros(rows, dtype=F32)
    zero = np.zeros(rows, dtype=F32)
    d = (w - mean[:, None]).astype(F32)
    for i in range(n):
        di = d[:, i]
        dd = di * di
        m2 = m2 + dd
        m3 = m3 + dd * di
        m4 = m4 + dd * dd
        if i > 0:
            cross = cross + ((di < 0) != (d[:, i - 1] < 0)).astype(F32)
            zero = zero + ((w[:, i] < 0) != (w[:, i - 1] < 0)).astype(F32)
    var = (m2 / nf).astype(F32)
    std = np.sqrt(var).astype(F32)
    pos = var > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(pos, (m3 / nf) / (var * std), F32(0)).astype(F32)
        kurt = np.where(pos, (m4 / nf) / (var * var) - F32(3), F32(0)).astype(F32)
    return {"mean": mean, "std": std, "min": mn, "max": mx, "rms": np.sqrt(s2 / nf).astype(F32),
            "p2p": (mx - mn).astype(F32), "skew": skew, "kurtosis": kurt, "crossings": cross,
            "zero_crossings": zero, "d": d}


def _spectrum(d: np.ndarray, fe: FrontEnd, tab: dict) -> dict[str, np.ndarray]:
    n, k = fe.window, fe.n_bins
    if fe.spectrum == "fft":
        from .fft import power

        p = power(d, tab["cos"], tab["sin"])
    else:
        ks = np.arange(1, k + 1)
        re = np.zeros((d.shape[0], k), dtype=F32)
        im = np.zeros((d.shape[0], k), dtype=F32)
        for i in range(n):  # bin by bin the same sequential sum over samples as the C's inner loop
            idx = (ks * i) % n
            re = re + d[:, i, None] * tab["cos"][idx][None, :]
            im = im + d[:, i, None] * tab["sin"][idx][None, :]
        p = (re * re + im * im).astype(F32)  # p[:, j] is bin j + 1
    total = np.zeros(d.shape[0], dtype=F32)
    num = np.zeros(d.shape[0], dtype=F32)
    for j in range(k):
        total = total + p[:, j]
        num = num + tab["freq"][j + 1] * p[:, j]
    out = {}
    inv_nn = F32(1.0 / (n * n))
    for b, (lo, hi) in enumerate(fe.band_edges()):
        e = np.zeros(d.shape[0], dtype=F32)
        for j in range(lo - 1, hi - 1):
            e = e + p[:, j]
        out[f"band{b}"] = (e * inv_nn).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["centroid"] = np.where(total > 0, num / total, F32(0)).astype(F32)
    best = np.zeros(d.shape[0], dtype=np.int64)
    for j in range(1, k):  # first largest, as the C's strict '>' scan
        best = np.where(p[:, j] > p[np.arange(d.shape[0]), best], j, best)
    out["dominant"] = tab["freq"][best + 1].astype(F32)
    return out
