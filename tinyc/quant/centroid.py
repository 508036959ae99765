"""Integer centroid models (nearest centroid, Gaussian naive Bayes).

``score_k = const_k - sum_j w_kj (x_j - c_kj)^2`` becomes, with feature codes
``q_j`` (x_j ≈ lo_j + (q_j - QMIN) / inv_j) and centre codes ``C_kj``:

    acc_k   = sum_j U_kj * (q_j - C_kj)^2          int64, capped at 2**47
    score_k = sat32(K_k - requant(acc_k, M_k, S_k))  one common scale

``U_kj`` = round(w_kj / inv_j^2 / su_k) is an int16 with one scale ``su_k`` per
class (per feature-weight row); ``K_k`` = round(const_k / s_out). A capped
distance only happens far outside the training data, where the class loses anyway.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import RANGES, NotQuantizable, check_range, multiplier, requant, round_half_away
from .inputs import affine, codes, fit_map

ACC_CAP = 2**47
U_MAX = 32767
M_BITS = 15  # int16 multipliers in both modes: a capped accumulator times one stays below 2**62
INT32 = (-(2**31), 2**31 - 1)


def quantize(model, mode: str, X: np.ndarray):
    from ..models.base import Model

    a = model.arrays
    qmin, qmax = RANGES[mode]
    lo, hi = X.min(axis=0).astype(np.float64), X.max(axis=0).astype(np.float64)
    maps = fit_map(lo, hi, mode, "round")
    in_lo, inv = affine(maps, "round")
    centers = a["centers"].astype(np.float64)
    cq = np.clip(round_half_away((centers - in_lo) * inv) + qmin, qmin, qmax)
    step2 = np.where(inv > 0, 1.0 / np.where(inv > 0, inv, 1.0) ** 2, 0.0)
    u = a["weights"].astype(np.float64) * step2[None, :]
    Q = codes(X, maps, mode)
    # the largest weighted distance on the calibration rows, per weight row, must stay
    # below the cap: wide (int16) codes give up weight precision where they must
    d2 = np.stack([((Q - cq[c][None, :]).astype(np.float64) ** 2) for c in range(cq.shape[0])])  # (k, rows, d)
    if u.shape[0] == 1:
        dmax = np.array([float(np.max(d2 @ u[0]))]) if d2.size else np.ones(1)
    else:
        dmax = np.array([float(np.max(d2[c] @ u[c])) if d2.size else 1.0 for c in range(u.shape[0])])
    su = np.maximum(np.max(u, axis=1) / U_MAX, dmax / 2**46)
    su[su == 0] = 1.0
    uq = round_half_away(u / su[:, None])
    arrays = {**maps, "centers": cq.astype(np.int8 if mode == "int8" else np.int16),
              "weights": uq.astype(np.int16)}
    k = centers.shape[0]
    su_k = su if len(su) == k else np.full(k, su[0])
    acc = _acc(arrays, Q)
    real = a["const"].astype(np.float64)[None, :] - acc * su_k[None, :]
    top = float(np.max(np.abs(real))) if real.size else 1.0
    s_out = float(np.max(su_k))
    while top / s_out >= 2**30:
        s_out *= 2.0
    ms = [multiplier(s / s_out, M_BITS) for s in su_k]
    const_q = round_half_away(a["const"].astype(np.float64) / s_out)
    check_range(const_q, 2**31 - 1, "class constants")
    arrays["const"] = const_q.astype(np.int32)
    arrays["M"] = np.array([m for m, _ in ms], dtype=np.int16)
    arrays["S"] = np.array([s for _, s in ms], dtype=np.uint8)
    if not np.all(np.isfinite(real)):
        raise NotQuantizable("centroid scores are not finite on the calibration rows")
    qinfo = {"mode": mode, "input_rounding": "round", "score_scale": float(np.float32(s_out))}
    return Model(model.family, model.task, dict(model.params), model.n_features, model.classes, arrays,
                 qinfo=qinfo)


def _acc(arrays, Q: np.ndarray) -> np.ndarray:
    """(rows, classes) capped weighted squared code distances, int64."""
    Q = np.asarray(Q, dtype=np.int64)
    C = arrays["centers"].astype(np.int64)
    U = arrays["weights"].astype(np.int64)
    out = np.empty((Q.shape[0], C.shape[0]), dtype=np.int64)
    for c in range(C.shape[0]):
        d = Q - C[c][None, :]
        out[:, c] = (d * d) @ U[c if U.shape[0] > 1 else 0]
    return np.minimum(out, ACC_CAP)


def scores_q(model, Q: np.ndarray) -> np.ndarray:
    a = model.arrays
    acc = _acc(a, Q)
    r = requant(acc, a["M"].astype(np.int64)[None, :], a["S"].astype(np.int64)[None, :])
    return np.clip(a["const"].astype(np.int64)[None, :] - r, *INT32)
