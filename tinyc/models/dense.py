"""Dense layers shared by the linear and MLP families: weights with the
input standardisation folded in, float32 inference as the C computes it, and
the cost of a stack of layers."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Quantization, Task
from . import profile
from .base import Cost
from .costs import BLOCKED, VALUE_BYTES, cycles, effective_quant, has_blocked_kernel, ram_bytes, \
    input_map_bytes, instructions, record


def fold_standardization(W: np.ndarray, b: np.ndarray, mu: np.ndarray, sd: np.ndarray):
    """A layer trained on (x - mu) / sd, rewritten to take x directly.
    ``W`` is (outputs, inputs)."""
    W2 = W / sd[None, :]
    b2 = b - W2 @ mu
    return W2.astype(np.float32), b2.astype(np.float32)


F32 = np.float32
# tanh in float32 arithmetic, the same in numpy and in the generated C (no libm: newlib's tanhf
# brings ~2-4 KB of code and its 1 KB reentrancy struct into RAM, and C libraries differ in the
# last bit). tanh(a) = E / (E + 2) with E = exp(2a) - 1 = 2^k (e^f - 1) + (2^k - 1), 2a = k ln2 + f
# (Cody-Waite: k ln2 in two parts), e^f - 1 = f (1 + f/2! + ... + f^6/7!) on |f| <= ln2/2;
# |a| >= 9 gives +-1 (as does NaN, which a model never produces from finite inputs).
TANH_LIMIT = F32(9.0)
TANH_LOG2E = F32(1.44269502)
TANH_LN2_HI = F32(0.693145751953125)  # 15 significant bits: k * LN2_HI is exact for k <= 26
TANH_LN2_LO = F32(0.693147180559945309 - 0.693145751953125)
TANH_EXPM1 = tuple(F32(1.0 / c) for c in (1, 2, 6, 24, 120, 720, 5040))  # 1/(n+1)!, n = 0..6


def tanh32(v: np.ndarray) -> np.ndarray:
    """tanh as the generated C computes it (``<p>_tanh1``), bit for bit; within 3 ulp of tanh."""
    x = np.asarray(v, dtype=F32)
    neg = x < 0
    a = np.where(neg, -x, x)
    inside = a < TANH_LIMIT
    with np.errstate(all="ignore"):
        t = a + a
        k = np.where(inside, t * TANH_LOG2E + F32(0.5), F32(0)).astype(np.int32)
        kf = k.astype(F32)
        f = (t - kf * TANH_LN2_HI) - kf * TANH_LN2_LO
        p = TANH_EXPM1[-1]
        for c in TANH_EXPM1[-2::-1]:  # Horner, innermost first, as the C nests it
            p = c + f * p
        m = f * p
        s = np.ldexp(F32(1), k).astype(F32)
        e = s * m + (s - F32(1))
        r = np.where(inside, e / (e + F32(2)), F32(1)).astype(F32)
    return np.where(neg, -r, r).astype(F32)


def forward(layers: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, activation: str) -> np.ndarray:
    """Float32, accumulated input by input from the bias, as the C loop does
    (the C is compiled as ISO C99, so no fused multiply-add reorders it)."""
    h = np.asarray(X, dtype=np.float32)
    for i, (W, b) in enumerate(layers):
        acc = np.tile(b.astype(np.float32), (h.shape[0], 1))
        for j in range(W.shape[1]):
            acc += h[:, j:j + 1] * W[:, j]
        h = acc
        if i < len(layers) - 1:
            h = np.maximum(h, np.float32(0)) if activation == "relu" else tanh32(h)
    return h


def layers_cost(family, sizes: list[int], caps, quant: str, activation: str = "relu", model=None,
                task: Task = Task.classification) -> Cost:
    """``sizes`` = [inputs, hidden..., outputs]; ``model``: the model costed, whose
    input maps an integer model stores (one per input when not given)."""
    quant = effective_quant(family, quant)
    vb = VALUE_BYTES[quant]
    weights = 0
    macs = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        macs += n_in * n_out
        # weights + biases (int16 mode: int64); integer modes add a per-output
        # multiplier (int16 / int32) and shift byte
        weights += n_in * n_out * vb + n_out * (8 if quant == Quantization.int16 else 4) + \
            {Quantization.float32: 0, Quantization.int8: 3, Quantization.int16: 5}[quant] * n_out
    code = family.code_size(caps, quant, task)
    if quant != Quantization.float32:
        weights += input_map_bytes(model, sizes[0])
        if activation == "tanh" and len(sizes) > 2:
            weights += 257 * 2  # the interpolated tanh table
    elif activation == "tanh" and len(sizes) > 2:
        code += profile.table(caps, "model_code", "tanh")
    # static: the codes of the inputs (integer) and two buffers of the widest hidden layer (one
    # element where there is none); on the stack: the scores
    hidden = 2 * max(sizes[1:-1]) if len(sizes) > 2 else 1
    act_bytes = vb  # a float, or an integer activation
    codes = 0 if quant == Quantization.float32 else vb * sizes[0]
    stack = 4 * sizes[-1]
    ram = ram_bytes(sizes[0], codes + hidden * act_bytes, stack)
    # a network's weights ("net_mac") apart from a single layer's ("mac"): its kernel keeps more values
    # live and, on some cores, its inner loop spills registers a single layer's does not
    work = {"check" if quant == Quantization.float32 else "code": sizes[0],
            "net_mac" if len(sizes) > 2 else "mac": macs, "neuron": sum(sizes[1:]),
            "tanh": sum(sizes[1:-1]) if activation == "tanh" else 0, "class": sizes[-1]}
    if model is not None and model.kernel == "blocked":
        # tinyc.codegen.c_dense_q: rows in blocks of four, the rows left over one at a time, each
        # layer's inputs summed once; priced by the core's own table for it (else as the compact
        # kernel, while calibration measures it)
        tail = sum(n_out % 4 * n_in for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        blocked = {"code": sizes[0], "mac": macs - tail, "row": tail, "input": sum(sizes[:-1]),
                   "neuron": work["neuron"], "tanh": work["tanh"], "class": sizes[-1]}
        if has_blocked_kernel(caps):
            n = instructions(caps, quant, form=BLOCKED, **blocked)
        else:
            n = instructions(caps, quant, **work)
            record(BLOCKED, blocked)
    else:
        n = instructions(caps, quant, **work)
    return Cost(flash=weights + code, weights=weights, code=code, ram=ram, ops=macs, cycles=cycles(n), instructions=n,
                stack=stack)
