"""The integer arithmetic of int8 models stays inside 32 bits (a Cortex-M0+ has
no 32x32->64-bit multiply, so anything wider calls a library routine) and still
computes what it claims: the split requantization is exact, the clamp before a
large gain changes no activation, and the input maps are monotone affine maps
whose product cannot overflow. The C mirrors these formulas line by line; the
parity tests check the C against them on real rows."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyc.quant.dense import tanh_q, tanh_to_mode
from tinyc.quant.fixedpoint import ACC_LIMIT, MAX_SHIFT, SPLIT_SHIFT, requant, requant32
from tinyc.quant.inputs import D_BITS, codes, d_max, fit_map

INT32 = (-(2**31), 2**31 - 1)


def c_split_requant(acc: int, m: int, s: int) -> int:
    """The int8 kernel's steps for s >= 16, each checked to fit an int32 as the C holds it."""
    hi = acc >> 16
    lo = acc & 0xFFFF
    assert lo * m < 2**32  # uint32 product
    p = hi * m * 2 + ((lo * m) >> 15)
    assert INT32[0] <= hi * m * 2 <= INT32[1] and INT32[0] <= p <= INT32[1]
    t = p + (1 << (s - SPLIT_SHIFT))
    assert INT32[0] <= t <= INT32[1]
    return t >> (s - 15)


@settings(max_examples=2000, deadline=None)
@given(acc=st.integers(-ACC_LIMIT["int8"], ACC_LIMIT["int8"]), m=st.integers(0, 2**15 - 1),
       s=st.integers(SPLIT_SHIFT, MAX_SHIFT["int8"]))
def test_split_requantization_is_exact_within_int32(acc, m, s):
    exact = int(requant(np.array([acc]), np.array([m]), np.array([s]))[0])
    assert c_split_requant(acc, m, s) == exact == int(requant32(np.array([acc]), np.array([m]), np.array([s]))[0])


@settings(max_examples=2000, deadline=None)
@given(acc=st.integers(-ACC_LIMIT["int8"], ACC_LIMIT["int8"]), m=st.integers(2**14, 2**15 - 1),
       s=st.integers(1, SPLIT_SHIFT - 1))
def test_clamp_before_a_large_gain_changes_no_activation(acc, m, s):
    """Gains of 1/2 or more (normalised multipliers, shift below 16): requant32 clamps
    the accumulator to 17 bits, so the product fits an int32; the ReLU and tanh
    activations of the clamped and the exact value are the same."""
    a, M, S = np.array([acc]), np.array([m]), np.array([s])
    clamped, exact = int(requant32(a, M, S)[0]), int(requant(a, M, S)[0])
    c = max(-(2**16), min(acc, 2**16 - 1))
    assert INT32[0] <= c * m + (1 << (s - 1)) <= INT32[1]
    assert np.clip(clamped - 128, -128, 127) == np.clip(exact - 128, -128, 127)  # ReLU, zero point -128
    tanh = [tanh_to_mode(tanh_q(np.clip(np.array([r]), -32768, 32767)), "int8")[0] for r in (clamped, exact)]
    assert tanh[0] == tanh[1]


@settings(max_examples=400, deadline=None)
@given(lo=st.floats(-1e6, 1e6, width=32), frac=st.floats(1e-5, 1e3), mode=st.sampled_from(["int8", "int16"]),
       rounding=st.sampled_from(["floor", "round"]), reserve=st.booleans())
def test_input_maps_are_monotone_and_fit_32_bits(lo, frac, mode, rounding, reserve):
    hi = float(np.float32(lo + max(abs(lo), 1.0) * frac))
    if not hi > lo:
        return
    maps = fit_map(np.array([lo]), np.array([hi]), mode, rounding, reserve_top=reserve)
    m, s = int(maps["in_m"][0]), int(maps["in_s"][0])
    assert m < 2 ** (32 - D_BITS[mode]) and 0 <= s <= 31
    assert d_max(mode) * m < 2**32  # the encoder's product is a uint32
    x = np.linspace(lo, hi, 4001, dtype=np.float32)
    x = np.concatenate([[-np.float32(3e38), np.float32(lo) - abs(lo) - 1], x, [hi + abs(hi) + 1, 3e38]])
    q = codes(x[:, None].astype(np.float32), maps, mode)[:, 0]
    assert (np.diff(q) >= 0).all()  # monotone: a tree threshold's code compares as the threshold
    qmin, qmax = {"int8": (-128, 127), "int16": (-32768, 32767)}[mode]
    top = qmax - 1 if reserve else qmax
    assert q[0] == qmin and q[-1] == qmax
    inside = q[2:-2]
    # the calibration range onto the codes, short at the top by at most the multiplier's
    # rounding (m has 32 - D_BITS bits: 0 codes of int8, 7 of int16) and a truncation
    short = 2 + ((qmax - qmin) >> (31 - D_BITS[mode]))
    assert inside[0] <= qmin + 1 and top - short <= inside[-1] <= top
