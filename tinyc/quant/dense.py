"""Integer dense layers (linear and MLP families).

Layer ``l`` stores int8/int16 weights ``W`` (per-output-channel symmetric
scale), a bias ``B`` already holding the zero-point and input-offset terms,
and per output a requantization multiplier ``M`` and shift ``S``:

    acc[o]  = B[o] + sum_i W[o][i] * a[i]          int32 (int8) / int64 (int16)
    hidden  = clamp(requant(acc[o], M[o], S[o]) + Z, Z_relu, QMAX)     (ReLU)
              tanh: u = clamp(requant(...), int16) on a 2**-12 grid, then an
              interpolated 257-entry table                            (tanh)
    scores  = saturate_int32(requant(acc[o], M[o], S[o]))  one common scale

Every bound is checked when quantizing (accumulators cannot overflow), so the
C has no undefined behaviour and this numpy code computes its exact result.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import ACC_LIMIT, MAX_SHIFT, MULT_BITS, RANGES, SPLIT_SHIFT, NotQuantizable, check_range, \
    multiplier, requant, requant32, round_half_away
from .inputs import affine, codes, fit_map

TANH_IN_SHIFT = 12  # pre-activation grid 2**-12 (int16: range ±8)
TANH_STEP_SHIFT = 8  # table step: 2**8 pre-activation codes = 1/16
TANH_OUT = 32767  # tanh(v) ≈ table value / 32767
INT32 = (-(2**31), 2**31 - 1)


def tanh_table() -> np.ndarray:
    k = np.arange(257)
    return np.round(TANH_OUT * np.tanh((k - 128) / 16.0)).astype(np.int64)


def tanh_q(u: np.ndarray) -> np.ndarray:
    """Interpolated table lookup on int16 pre-activations ``u``: int in [-32767, 32767]."""
    t = tanh_table()
    v = np.asarray(u, dtype=np.int64) + 32768
    i = v >> TANH_STEP_SHIFT
    frac = v & ((1 << TANH_STEP_SHIFT) - 1)
    return t[i] + (((t[i + 1] - t[i]) * frac) >> TANH_STEP_SHIFT)


def tanh_to_mode(y: np.ndarray, mode: str) -> np.ndarray:
    """The activation code of a tanh output in ``mode`` (int8: floor(y/256 + 1/2) clamped)."""
    if mode == "int16":
        return y
    return np.minimum((y + 128) >> 8, 127)


def tanh_scale(mode: str) -> float:
    return 1.0 / TANH_OUT if mode == "int16" else 256.0 / TANH_OUT


def _layers(model):
    n = len([k for k in model.arrays if k.startswith("W")])
    return [(model.arrays[f"W{i}"].astype(np.float64), model.arrays[f"b{i}"].astype(np.float64)) for i in range(n)]


def quantize(model, mode: str, X: np.ndarray):
    """Per-feature input maps, or one map shared by all features (8 bytes instead of
    8 per feature) when that changes no more of the float model's outputs on the
    calibration rows -- typically when the features share a scale (pixels, one sensor)."""
    lo, hi = X.min(axis=0).astype(np.float64), X.max(axis=0).astype(np.float64)
    own = _quantize(model, mode, X, lo, hi)
    try:
        shared = _quantize(model, mode, X, np.array([lo.min()]), np.array([hi.max()]))
    except NotQuantizable:
        return own
    return shared if _error(model, shared, X) <= _error(model, own, X) else own


def _error(reference, model, X: np.ndarray) -> float:
    """How far an integer model is from the float one on ``X``: decisions changed
    (classification) or mean absolute output error (regression)."""
    if reference.task.value == "classification":
        return float(np.sum(reference.predict(X) != model.predict(X)))
    return float(np.mean(np.abs(reference.scores(X).astype(np.float64) - model.scores(X).astype(np.float64))))


def _quantize(model, mode: str, X: np.ndarray, lo_x: np.ndarray, hi_x: np.ndarray):
    from ..models.base import Model

    qmin, qmax = RANGES[mode]
    bits = MULT_BITS[mode]
    max_shift = MAX_SHIFT[mode]
    act = model.params.get("activation", "relu")
    layers = _layers(model)
    if mode == "int16" and max(W.shape[1] for W, _ in layers) > 1024:
        raise NotQuantizable("int16 layers are limited to 1024 inputs")
    maps = fit_map(lo_x, hi_x, mode, "round")
    arrays = dict(maps)
    # the value each code stands for: lo + (q - qmin) / inv  =  s_in * q + off_in
    lo_eff, inv_eff = affine(maps, "round")
    inv64 = np.broadcast_to(inv_eff, (X.shape[1],))
    s_in = np.where(inv64 > 0, 1.0 / np.where(inv64 > 0, inv64, 1.0), 0.0)
    off_in = np.broadcast_to(lo_eff, (X.shape[1],)) - s_in * qmin
    a = codes(X, maps, mode)  # calibration codes, layer by layer
    h_float = X.astype(np.float64)
    zeros = []
    for li, (W, b) in enumerate(layers):
        last = li == len(layers) - 1
        W_eff = W * s_in[None, :]
        b_eff = b + W @ off_in
        s_w = np.max(np.abs(W_eff), axis=1) / qmax
        s_w[s_w == 0] = 1.0
        Wq = round_half_away(W_eff / s_w[:, None])
        Bq = round_half_away(b_eff / s_w)
        bound = np.abs(Bq) + np.abs(Wq).sum(axis=1) * max(-qmin, qmax)
        check_range(bound, ACC_LIMIT[mode], "accumulators")
        acc = Bq[None, :] + a @ Wq.T  # exact in int64
        z_float = h_float @ W.T + b  # the float model's pre-activation, for calibration
        if last:
            top = float(np.max(np.abs(acc * s_w[None, :]))) if acc.size else 1.0
            # int8: every gain below 1/2 (shifts >= 16: requant32 is exact, no clamp)
            s_out = float(np.max(s_w)) * (2.0 + 2.0**-12 if mode == "int8" else 1.0)
            while top / s_out >= 2**30:
                s_out *= 2.0
            ms = [multiplier(sw / s_out, bits, max_shift) for sw in s_w]
            while mode == "int8" and min(s for _, s in ms) < SPLIT_SHIFT:
                s_out *= 2.0
                ms = [multiplier(sw / s_out, bits, max_shift) for sw in s_w]
            zeros.append(0)
        elif act == "tanh":
            ms = [multiplier(sw * 2**TANH_IN_SHIFT, bits, max_shift) for sw in s_w]
            s_out = tanh_scale(mode)
            zeros.append(0)
        else:  # ReLU: [0, max] of the float activations onto the whole range
            hi = float(np.max(z_float)) if z_float.size else 1.0
            s_out = max(hi, 1e-12) / (qmax - qmin)
            ms = [multiplier(sw / s_out, bits, max_shift) for sw in s_w]
            zeros.append(qmin)
        M = np.array([m for m, _ in ms], dtype=np.int64)
        S = np.array([s for _, s in ms], dtype=np.int64)
        arrays[f"W{li}"] = Wq.astype(np.int8 if mode == "int8" else np.int16)
        arrays[f"B{li}"] = Bq.astype(np.int32 if mode == "int8" else np.int64)
        arrays[f"M{li}"] = M.astype(np.int16 if mode == "int8" else np.int32)
        arrays[f"S{li}"] = S.astype(np.uint8)
        a = _activate(acc, M, S, mode, act, last, zeros[-1])
        h_float = z_float if last else (np.maximum(z_float, 0) if act == "relu" else np.tanh(z_float))
        s_in = np.full(W.shape[0], s_out)
        off_in = -s_out * zeros[-1] * np.ones(W.shape[0])
    qinfo = {"mode": mode, "input_rounding": "round", "score_scale": float(np.float32(s_out)),
             "zero_points": zeros, "activation": act}
    return Model(model.family, model.task, dict(model.params), model.n_features, model.classes, arrays,
                 qinfo=qinfo)


def _activate(acc, M, S, mode, act, last, zero):
    qmin, qmax = RANGES[mode]
    r = (requant32 if mode == "int8" else requant)(acc, M[None, :], S[None, :])
    if last:
        return np.clip(r, *INT32)
    if act == "tanh":
        return tanh_to_mode(tanh_q(np.clip(r, -32768, 32767)), mode)
    return np.clip(r + zero, zero, qmax)


def n_layers(model) -> int:
    return len([k for k in model.arrays if k.startswith("W")])


def scores_q(model, Q: np.ndarray) -> np.ndarray:
    a = np.asarray(Q, dtype=np.int64)
    mode, act = model.qinfo["mode"], model.qinfo["activation"]
    n = n_layers(model)
    for li in range(n):
        arr = model.arrays
        acc = arr[f"B{li}"].astype(np.int64)[None, :] + a @ arr[f"W{li}"].astype(np.int64).T
        a = _activate(acc, arr[f"M{li}"].astype(np.int64), arr[f"S{li}"].astype(np.int64), mode, act,
                      li == n - 1, model.qinfo["zero_points"][li])
    return a
