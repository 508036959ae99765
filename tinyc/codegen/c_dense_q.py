"""C for int8 dense layers (linear and MLP families): the kernel every core runs at a few
instructions per multiply-accumulate.

The weights are stored offset by 128 (``u = w + 128``, unsigned bytes) and blocked: the rows of a
layer in blocks of four, each block's columns in groups of four, a group's sixteen bytes the four
rows' four weights (row after row); the columns that do not fill a group follow, a row's weight
after another for each; the rows that do not fill a block follow one after another. A block
of four rows reads each input once for four rows. Since ``sum w*x = sum u*x - 128 * sum x``,
the layer sums its inputs once and starts every accumulator at ``B - 128 * sum x``: the integers
are exactly those of :mod:`tinyc.quant.dense` (every bound checked there), in another order.

- Cores with the Arm DSP extension (Cortex-M4, M33) compiled by GCC or Clang run a group in 23
  instructions: one word of inputs split into two pairs of halfwords (SXTB16), the sixteen
  weights in two double-word loads, each weight word split likewise (UXTB16), eight dual
  multiply-accumulates (SMLAD). The loop is inline assembly: the instruction count is the
  same whatever the compiler's version or flags.
- Other cores (Cortex-M0/M0+/M3, RISC-V, the host) run the same layout in C: an unsigned byte
  load (an immediate offset, no sign extension), a multiply and an add per weight.
"""
from __future__ import annotations

import numpy as np

from ..quant.dense import n_layers
from ..quant.fixedpoint import SPLIT_SHIFT
from .cgen import c_array

BLOCK = 4  # rows read together
GROUP = 4  # columns of one word of inputs


def blocked(W: np.ndarray) -> np.ndarray:
    """The stored bytes of an int8 weight matrix ``W`` (outputs x inputs), in the kernel's order.

    >>> blocked(np.arange(-16, 4, dtype=np.int8).reshape(4, 5)).tolist()[:8]
    [112, 113, 114, 115, 117, 118, 119, 120]
    """
    n_out, n_in = W.shape
    u = (W.astype(np.int16) + 128).astype(np.uint8)
    whole = n_in // GROUP * GROUP
    parts = []
    for b in range(n_out // BLOCK):
        rows = u[b * BLOCK:(b + 1) * BLOCK]
        parts.append(rows[:, :whole].reshape(BLOCK, whole // GROUP, GROUP).transpose(1, 0, 2).ravel())
        parts.append(rows[:, whole:].T.ravel())
    parts.append(u[n_out // BLOCK * BLOCK:].ravel())
    return np.concatenate(parts)


def blocked_form(model):
    """The integer model emitted with this kernel (the same golden model: only its C differs)."""
    from dataclasses import replace

    return replace(model, qinfo={**model.qinfo, "kernel": "blocked"})


def worthwhile(model) -> bool:
    """Whether the kernel can serve the model (:func:`exact`) and gains by it: some layer has a
    whole block of four rows (a model of fewer outputs everywhere, such as a binary linear one,
    would run the one-row loop only, no faster than the compact kernel)."""
    return exact(model) and any(model.arrays[f"W{i}"].shape[0] >= BLOCK for i in range(n_layers(model)))


def exact(model) -> bool:
    """Whether every partial sum of every layer stays inside int32 in this kernel's order: it starts
    at ``B - 128 * sum x`` and adds ``u * x`` (u < 256, |x| <= 128), so ``|B| + n_in * 128 * 383``
    must be below 2^31 (a layer of more than some 21,000 inputs may not be)."""
    a = model.arrays
    return all(int(np.abs(a[f"B{i}"].astype(np.int64)).max(initial=0)) + a[f"W{i}"].shape[1] * 128 * 383 < 2**31
               for i in range(n_layers(model)))


def guard(p: str) -> str:
    P = p.upper()
    return f"""/* Cores with the Arm DSP extension (Cortex-M4, Cortex-M33 built with it) take the dual
 * multiply-accumulate path, in inline assembly under GCC and Clang, else through the ACLE
 * intrinsics; define {P}_NO_SIMD to force the portable C. Every path adds the same integers:
 * the results are identical. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined({P}_NO_SIMD)
#include <arm_acle.h>
#include <string.h>
#define {P}_SIMD 1
#if defined(__GNUC__) && defined(__thumb2__)
#define {P}_SIMD_ASM 1
#else
#define {P}_SIMD_ASM 0
#endif
#else
#define {P}_SIMD 0
#define {P}_SIMD_ASM 0
#endif
/* the four-row kernel stays a function of its own: inlined into the layer's loop, its
 * accumulators would compete for registers with the loop's own values */
#if defined(__GNUC__)
#define {P}_NOINLINE __attribute__((noinline))
#else
#define {P}_NOINLINE
#endif
#if {P}_SIMD_ASM  /* the byte pairs 1 and 3 of a word, in one instruction */
static inline uint32_t {p}_uxtb16_ror8(uint32_t v)
{{
    uint32_t r;
    __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}}
static inline int32_t {p}_sxtb16_ror8(uint32_t v)
{{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}}
#elif {P}_SIMD
#define {p}_uxtb16_ror8(v) __uxtb16((v) >> 8)
#define {p}_sxtb16_ror8(v) __sxtb16((int32_t)((v) >> 8))
#endif"""


def arrays(model, p: str) -> list[str]:
    """Each layer's blocked weights (as 32-bit words: the assembly loads them a double word at a
    time, aligned), biases, requantization multipliers and shifts."""
    a = model.arrays
    defs = ["""/* the weights are stored as words, read a byte at a time too: little-endian cores only */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "this model's weights are laid out for a little-endian core"
#endif"""]
    for i in range(n_layers(model)):
        u = blocked(a[f"W{i}"])
        words = np.zeros((len(u) + 3) // 4 * 4, dtype=np.uint8)
        words[:len(u)] = u
        defs.append(c_array("uint32_t", f"{p}_W{i}", words.view("<u4"), fmt=lambda v: f"0x{int(v):08x}u", per_line=8))
        defs.append(c_array("int32_t", f"{p}_B{i}", a[f"B{i}"], per_line=8))
        defs.append(c_array("int16_t", f"{p}_M{i}", a[f"M{i}"], per_line=8))
        defs.append(c_array("uint8_t", f"{p}_S{i}", a[f"S{i}"], per_line=16))
    return defs


def _asm_group() -> str:
    lines = ["1:", "ldr %[x], [%[in]], #4", "sxtb16 %[x02], %[x]", "sxtb16 %[x13], %[x], ror #8"]
    for pair in ((0, 1), (2, 3)):
        lines.append("ldrd %[w0], %[w1], [%[w]], #8")
        for k, r in enumerate(pair):
            lines += [f"uxtb16 %[x], %[w{k}]", f"smlad %[a{r}], %[x], %[x02], %[a{r}]",
                      f"uxtb16 %[x], %[w{k}], ror #8", f"smlad %[a{r}], %[x], %[x13], %[a{r}]"]
    lines += ["subs %[k], %[k], #1", "bne 1b"]
    return "\n".join(f'            "{line}\\n\\t"' for line in lines)


def block(p: str) -> str:
    """``<p>_block``: the dot products of four rows with the inputs, added to ``acc``."""
    P = p.upper()
    return f"""/* four rows' dot products with the n inputs, added to acc; w: the block's weights */
static {P}_NOINLINE void {p}_block(const int8_t *in, uint16_t n, const uint8_t *w, int32_t *acc)
{{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    uint32_t k = n >> 2;
#if {P}_SIMD_ASM
    if (k != 0u) {{
        uint32_t x, x02, x13, w0, w1;
        __asm__ volatile(
{_asm_group()}
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [in] "+r"(in), [w] "+r"(w),
              [k] "+r"(k), [x] "=&r"(x), [x02] "=&r"(x02), [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1)
            :
            : "cc", "memory");
    }}
#else
    for (; k != 0u; --k) {{  /* input by input: one input in a register at a time */
        int32_t x;
        x = in[0];
        a0 += w[0] * x;
        a1 += w[4] * x;
        a2 += w[8] * x;
        a3 += w[12] * x;
        x = in[1];
        a0 += w[1] * x;
        a1 += w[5] * x;
        a2 += w[9] * x;
        a3 += w[13] * x;
        x = in[2];
        a0 += w[2] * x;
        a1 += w[6] * x;
        a2 += w[10] * x;
        a3 += w[14] * x;
        x = in[3];
        a0 += w[3] * x;
        a1 += w[7] * x;
        a2 += w[11] * x;
        a3 += w[15] * x;
        in += 4;
        w += 16;
    }}
#endif
    for (k = n & 3u; k != 0u; --k) {{
        int32_t x = *in++;
        a0 += w[0] * x;
        a1 += w[1] * x;
        a2 += w[2] * x;
        a3 += w[3] * x;
        w += 4;
    }}
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}}"""


def row(p: str) -> str:
    """``<p>_row``: one row's dot product (the rows that do not fill a block)."""
    P = p.upper()
    return f"""/* one row's dot product with the n inputs, added to acc */
static int32_t {p}_row(const int8_t *in, uint16_t n, const uint8_t *w, int32_t acc)
{{
    uint32_t k = n >> 2;
#if {P}_SIMD
    for (; k != 0u; --k) {{
        uint32_t wv, xv;
        memcpy(&wv, w, 4);
        memcpy(&xv, in, 4);
        acc = __smlad((int32_t)__uxtb16(wv), __sxtb16((int32_t)xv), acc);
        acc = __smlad((int32_t){p}_uxtb16_ror8(wv), {p}_sxtb16_ror8(xv), acc);
        w += 4;
        in += 4;
    }}
#else
    for (; k != 0u; --k) {{
        acc += w[0] * in[0] + w[1] * in[1] + w[2] * in[2] + w[3] * in[3];
        w += 4;
        in += 4;
    }}
#endif
    for (k = n & 3u; k != 0u; --k) {{
        acc += *w++ * *in++;
    }}
    return acc;
}}"""


def requant(p: str) -> str:
    """``<p>_requant``: an accumulator times M / 2^S (tinyc.quant.fixedpoint's requant32): the
    product in 64 bits where the core multiplies 32 x 32 -> 64 in an instruction or two, else
    from the two 16-bit halves of the accumulator (Armv6-M, RISC-V without M)."""
    P = p.upper()
    return f"""#if (defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1) || (defined(__riscv) && !defined(__riscv_mul))
#define {P}_MUL64 0
#else
#define {P}_MUL64 1
#endif

/* acc * m / 2^s, rounded half up (|acc| < 2^30, 0 <= m < 2^15) */
static int32_t {p}_requant(int32_t acc, int32_t m, uint8_t s)
{{
    if (s < {SPLIT_SHIFT}) {{  /* a gain of 1/2 or more (hidden layers only): beyond 2^16 the
                     * activation saturates whatever the exact value */
        acc = acc < -65536 ? -65536 : (acc > 65535 ? 65535 : acc);
        return {P}_FLOOR_SHIFT(acc * m + ((int32_t)1 << (s - 1)), s);
    }}
    /* floor(acc * m / 2^15) */
#if {P}_MUL64
    acc = (int32_t){P}_FLOOR_SHIFT((int64_t)acc * m, 15);
#else
    acc = {P}_FLOOR_SHIFT(acc, 16) * m * 2 + (int32_t)((((uint32_t)acc & 0xFFFFu) * (uint32_t)m) >> 15);
#endif
    return {P}_FLOOR_SHIFT(acc + ((int32_t)1 << (s - {SPLIT_SHIFT})), s - 15);
}}"""


def layer(p: str, hidden: bool) -> str:
    """``<p>_layer``: one layer's outputs, requantized: hidden activations into ``dst``, or the
    scores."""
    P = p.upper()
    if hidden:
        emit = f"""    v = {p}_requant(v, m, s);
    if (dst != 0) {{
        dst[o] = {p}_activate(v);
    }} else {{
        scores[o] = v;
    }}"""
    else:
        emit = f"    scores[o] = {p}_requant(v, m, s);"
    dst = "int8_t *dst, " if hidden else ""
    dst_arg = "dst, " if hidden else ""
    return f"""/* output o: an accumulator requantized{' (and activated into dst when there is one)' if hidden else ''} */
static void {p}_emit(int32_t v, int32_t m, uint8_t s, {dst}int32_t *scores, uint16_t o)
{{
{emit}
}}

/* the sum of the n inputs times 128 (the weights are stored plus 128) */
static int32_t {p}_offset(const int8_t *in, uint16_t n)
{{
    int32_t sum = 0;
    uint32_t k = n >> 2;
#if {P}_SIMD
    for (; k != 0u; --k) {{
        uint32_t xv;
        memcpy(&xv, in, 4);
        sum = __smlad(__sxtb16((int32_t)xv), 0x00010001, sum);
        sum = __smlad({p}_sxtb16_ror8(xv), 0x00010001, sum);
        in += 4;
    }}
#else
    for (; k != 0u; --k) {{
        sum += in[0] + in[1] + in[2] + in[3];
        in += 4;
    }}
#endif
    for (k = n & 3u; k != 0u; --k) {{
        sum += *in++;
    }}
    return sum * 128;
}}

/* a layer: B + sum W x for every output, requantized{' (then activated into dst when there is one)' if hidden else ''} */
static void {p}_layer(const int8_t *in, const {p}_layer_t *L, {dst}int32_t *scores)
{{
    const uint8_t *w = L->W;
    uint16_t n = L->n_in;
    uint16_t o = 0;
    int32_t offset = {p}_offset(in, n);
    for (; o + 4u <= L->n_out; o = (uint16_t)(o + 4u)) {{
        int32_t acc[4];
        acc[0] = L->B[o] - offset;
        acc[1] = L->B[o + 1u] - offset;
        acc[2] = L->B[o + 2u] - offset;
        acc[3] = L->B[o + 3u] - offset;
        {p}_block(in, n, w, acc);
        w += (uint32_t)4u * n;
        {p}_emit(acc[0], L->M[o], L->S[o], {dst_arg}scores, o);
        {p}_emit(acc[1], L->M[o + 1u], L->S[o + 1u], {dst_arg}scores, (uint16_t)(o + 1u));
        {p}_emit(acc[2], L->M[o + 2u], L->S[o + 2u], {dst_arg}scores, (uint16_t)(o + 2u));
        {p}_emit(acc[3], L->M[o + 3u], L->S[o + 3u], {dst_arg}scores, (uint16_t)(o + 3u));
    }}
    for (; o < L->n_out; ++o) {{
        {p}_emit({p}_row(in, n, w, L->B[o] - offset), L->M[o], L->S[o], {dst_arg}scores, o);
        w += n;
    }}
}}"""


def layer_table(model, p: str, types=("uint8_t", "int32_t", "int16_t"), weights="(const uint8_t *){p}_W{i}",
                comment="  /* blocked, plus 128 */") -> str:
    """The table of a dense model's layers (their weights, biases, multipliers and shifts, and sizes):
    one loop over it runs any depth (GCC would otherwise specialise an inlined copy of the kernel for
    every layer). ``types``: the C types of weights, biases and multipliers; ``weights``: the
    expression of layer ``i``'s weights (this kernel's words read as bytes, by default)."""
    n, a = n_layers(model), model.arrays
    rows = ",\n    ".join(f"{{{weights.format(p=p, i=i)}, {p}_B{i}, {p}_M{i}, {p}_S{i}, {a[f'W{i}'].shape[1]}, "
                          f"{a[f'W{i}'].shape[0]}}}" for i in range(n))
    wt, bt, mt = types
    return f"""typedef struct {{
    const {wt} *W;{comment}
    const {bt} *B;
    const {mt} *M;
    const uint8_t *S;
    uint16_t n_in;
    uint16_t n_out;
}} {p}_layer_t;

static const {p}_layer_t {p}_layers[{n}] = {{
    {rows}
}};"""


def body(p: str, n: int, widest: int) -> str:
    """The layers in turn, ping-ponging between the two halves of the scratch; the last layer's
    outputs are the scores."""
    if n == 1:
        return f"""    (void)scratch;
    {p}_layer(q, &{p}_layers[0], scores);"""
    return f"""    const int8_t *src = q;
    uint16_t l;
    for (l = 0; l + 1u < {n}u; ++l) {{
        int8_t *dst = scratch + (l % 2u) * {widest}u;
        {p}_layer(src, &{p}_layers[l], dst, scores);
        src = dst;
    }}
    {p}_layer(src, &{p}_layers[{n - 1}], 0, scores);"""
