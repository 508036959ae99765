"""Quantization-aware fine-tuning of an MLP: the float network trained a few more passes with
the integer form's rounding in its forward pass, so that its int8 (or int16) form loses less.

The forward pass sees what the integer network will see: inputs as their input codes stand for
them (the quantizer's per-feature maps), each layer's weights rounded per output row on the
quantizer's grid (the first layer's in the input codes' units), hidden activations clamped and
rounded on their output grid (ReLU: [0, calibrated maximum] in 2^8 steps; tanh: the int8 table's
step). Gradients pass through the rounding unchanged (the straight-through estimator); Adam,
mini-batches in a seeded order; the epoch whose rounded network has the lowest loss on the rows
is kept (the network as trained, if none does better). The result is an ordinary float model whose weights the
quantizer (tinyc.quant.dense) then rounds with less damage. Training works on standardized
inputs; the first layer takes raw inputs again at the end.
"""
from __future__ import annotations

import numpy as np

from .dense import tanh_scale
from .fixedpoint import RANGES
from .inputs import affine, codes, fit_map

EPOCHS = 30
BATCH = 64
RATE = 1e-3


def finetune(model, mode: str, X: np.ndarray, y: np.ndarray, seed: int, epochs: int = EPOCHS):
    """A copy of the float MLP ``model`` fine-tuned on ``X, y`` with ``mode``'s rounding."""
    from ..models.base import Model
    from ..spec.ir import Task

    X = np.asarray(X, dtype=np.float64)
    qmin, qmax = RANGES[mode]
    act = model.params["activation"]
    n = len([k for k in model.arrays if k.startswith("W")])
    Ws = [model.arrays[f"W{i}"].astype(np.float64) for i in range(n)]
    bs = [model.arrays[f"b{i}"].astype(np.float64) for i in range(n)]
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Ws[0], bs[0] = Ws[0] * sd[None, :], bs[0] + Ws[0] @ mu  # onto standardized inputs
    maps = fit_map(X.min(axis=0), X.max(axis=0), mode, "round")
    lo, inv = affine(maps, "round")
    inv = np.broadcast_to(inv, (X.shape[1],))
    s_in = np.where(inv > 0, 1.0 / np.where(inv > 0, inv, 1.0), 0.0)  # input units per code
    Xq = np.broadcast_to(lo, (X.shape[1],)) + (codes(X.astype(np.float32), maps, mode) - qmin) * s_in
    Z = (Xq - mu) / sd
    col = np.where(s_in > 0, s_in / sd, 1.0)  # a first-layer weight's scale on the codes' grid
    pre = _forward(Ws, bs, Z, act, None, col, qmax, qmin, mode)[2]  # the float net's pre-activations
    his = [max(float(np.max(z)), 1e-6) for z in pre] if act == "relu" else [None] * (n - 1)
    task = model.task
    k = Ws[-1].shape[0]
    if task == Task.classification:
        target = np.eye(max(k, 2))[y.astype(int)] if k > 1 else y.astype(np.float64)[:, None]
    else:  # the outputs are in the target's units: squared error in units of its spread
        y_sd = float(np.std(y)) or 1.0
        target = np.asarray(y, dtype=np.float64)[:, None]
    params = Ws + bs
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(seed)
    alpha = float(model.params.get("alpha", 0.0)) / max(len(X), 1)
    t = 0

    def fake_loss(Ws, bs) -> float:
        out = _forward(Ws, bs, Z, act, his, col, qmax, qmin, mode)[0]
        if task != Task.classification:
            return float(np.mean((out - target) ** 2))
        if k > 1:
            p = _softmax(out)[np.arange(len(out)), y.astype(int)]
        else:
            p = np.where(target[:, 0] > 0.5, 1 / (1 + np.exp(-out[:, 0])), 1 / (1 + np.exp(out[:, 0])))
        return float(-np.mean(np.log(np.maximum(p, 1e-12))))

    best = (fake_loss(Ws, bs), [p.copy() for p in params])  # the epoch whose rounded net fits best
    for _ in range(epochs):
        order = rng.permutation(len(Z))
        for start in range(0, len(Z), BATCH):
            rows = order[start:start + BATCH]
            out, hs, pre, used = _forward(Ws, bs, Z[rows], act, his, col, qmax, qmin, mode)
            if task == Task.classification:
                d = (_softmax(out) if k > 1 else 1 / (1 + np.exp(-out))) - target[rows]
            else:
                d = (out - target[rows]) / y_sd**2
            d /= len(rows)
            grads_W, grads_b = [None] * n, [None] * n
            for i in range(n - 1, -1, -1):
                grads_W[i] = d.T @ hs[i] + alpha * Ws[i]
                grads_b[i] = d.sum(axis=0)
                if i:
                    d = (d @ used[i]) * _act_grad(pre[i - 1], hs[i], act, his[i - 1])
            t += 1
            for j, g in enumerate(grads_W + grads_b):
                m1[j] = 0.9 * m1[j] + 0.1 * g
                m2[j] = 0.999 * m2[j] + 0.001 * g * g
                step = RATE * (m1[j] / (1 - 0.9**t)) / (np.sqrt(m2[j] / (1 - 0.999**t)) + 1e-8)
                params[j] -= step
            Ws, bs = params[:n], params[n:]
        now = fake_loss(Ws, bs)
        if now < best[0]:
            best = (now, [p.copy() for p in params])
    Ws, bs = best[1][:n], best[1][n:]
    W0 = Ws[0] / sd[None, :]
    arrays = {f"W{i}": (W0 if i == 0 else Ws[i]).astype(np.float32) for i in range(n)}
    arrays.update({f"b{i}": ((bs[0] - W0 @ mu) if i == 0 else bs[i]).astype(np.float32) for i in range(n)})
    return Model(model.family, model.task, dict(model.params), model.n_features, model.classes, arrays)


def _round_rows(W: np.ndarray, qmax: int, scale=None) -> np.ndarray:
    """``W`` rounded per row on the quantizer's symmetric grid (``scale``: each column's unit)."""
    We = W * scale[None, :] if scale is not None else W
    s = np.max(np.abs(We), axis=1, keepdims=True) / qmax
    s[s == 0] = 1.0
    Wq = np.round(We / s) * s
    return Wq / scale[None, :] if scale is not None else Wq


def _forward(Ws, bs, Z, act, his, col, qmax, qmin, mode):
    """(output, layer inputs, pre-activations, the rounded weights used) of the fake-quantized net
    (``his`` None: the plain float net, for calibration)."""
    h, hs, pre, used = Z, [Z], [], []
    n = len(Ws)
    for i in range(n):
        W = Ws[i] if his is None else _round_rows(Ws[i], qmax, col if i == 0 else None)
        used.append(W)
        z = h @ W.T + bs[i]
        if i == n - 1:
            return z, hs, pre, used
        pre.append(z)
        if act == "relu":
            h = np.maximum(z, 0.0)
            if his is not None:
                step = his[i] / (qmax - qmin)
                h = np.round(np.minimum(h, his[i]) / step) * step
        else:
            h = np.tanh(z)
            if his is not None:
                step = tanh_scale(mode) if mode == "int8" else 1.0 / 32767
                h = np.round(h / step) * step
        hs.append(h)
    raise ValueError("a network has at least one layer")


def _act_grad(z, h, act, hi):
    if act == "relu":
        return ((z > 0) & (z < hi)).astype(np.float64)
    return 1.0 - np.tanh(z) ** 2


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
