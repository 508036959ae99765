"""C for the signal front end (:mod:`tinyc.signal`): a ring buffer of raw samples,
``<p>_push_sample`` and the window features the model uses, computed exactly as
:mod:`tinyc.signal.features` computes them (float32, the same order of operations).

API added to the model's library (prefix ``<p>``):

    <p>_status <p>_push_sample(const float *sample, int32_t *ready);  <P>_N_CHANNELS values
    <p>_status <p>_window_features(float *features);   the model's <P>_N_FEATURES inputs
    <p>_status <p>_predict_window(int32_t *class_index);   classification
    <p>_status <p>_predict_window_value(float *value);     regression
    void <p>_signal_reset(void);

Memory: the ring buffer (channels x window floats), a window and its deviations
(2 x window floats), the power spectrum (window/2 floats) when a spectral feature
is used, and the cos/sin tables (2 x window floats, const); tinyc.signal.cost counts them.
"""
from __future__ import annotations

from ..signal.cost import ram_bytes
from ..signal.features import tables
from ..signal.frontend import TIME, FrontEnd
from . import c_device, c_fft, c_stats
from .cgen import c_array, c_comment, c_float


def sqrt_source(p: str) -> str:
    """A correctly rounded float square root (as IEEE sqrtf): the FPU's instruction on an Arm
    core with a single-precision FPU, else from integer operations (no libm, no errno, no
    soft-float routine); the same result on every core."""
    return f"""/* correctly rounded square root of v >= 0 (round to nearest even, as IEEE 754 sqrt) */
static float {p}_sqrt(float v)
{{
#if defined(__GNUC__) && defined(__ARM_FP) && (__ARM_FP & 4)
    float r; /* the FPU's square root is IEEE 754's, correctly rounded: one instruction */
    __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(v));
    return r;
#else
    uint32_t b, m, rem = 0u, res = 0u;
    int32_t e, i, shift;
    float out;
    memcpy(&b, &v, sizeof b);
    if (b == 0u || b >= 0x7f800000u) {{
        return v; /* +0, +inf, NaN; negative values do not reach here */
    }}
    e = (int32_t)(b >> 23);
    m = b & 0x7fffffu;
    if (e == 0) {{ /* subnormal: normalise */
        e = 1;
        while ((m & 0x800000u) == 0u) {{
            m <<= 1;
            e -= 1;
        }}
    }} else {{
        m |= 0x800000u;
    }}
    e -= 150; /* v = m * 2^e, m in [2^23, 2^25) after evening e */
    if (e & 1) {{
        m <<= 1;
        e -= 1;
    }}
    /* res = floor(sqrt(m * 2^shift)), 24 significant bits, digit by digit from m's top pair of
     * bits (then shift / 2 zero pairs); the remainder stays at most 2 * res < 2^25, so 32-bit
     * arithmetic suffices (no 64-bit shifts: cheap on a Cortex-M0) */
    shift = (m < 0x1000000u) ? 24 : 22;
    e = e / 2 - shift / 2;
    for (i = 12; i >= -shift / 2; --i) {{
        uint32_t trial = (res << 2) | 1u;
        rem = (rem << 2) | ((i >= 0) ? ((m >> (2 * i)) & 3u) : 0u);
        res <<= 1;
        if (rem >= trial) {{
            rem -= trial;
            res |= 1u;
        }}
    }}
    if (rem > res) {{ /* round to nearest: sqrt > res + 1/2 exactly when rem > res (no ties) */
        res += 1u;
        if (res == 0x1000000u) {{
            res >>= 1;
            e += 1;
        }}
    }}
    b = ((uint32_t)(e + 150) << 23) | ((uint32_t)res & 0x7fffffu);
    memcpy(&out, &b, sizeof out);
    return out;
#endif
}}"""


def header(fe: FrontEnd, p: str, classification: bool, detector_learns: bool | None = None) -> str:
    """The front end's part of the model header (``detector_learns`` set for an anomaly detector:
    whether it also gets ``<p>_learn_window``)."""
    P = p.upper()
    chans = ", ".join(fe.channels)
    mags = "".join(f"; {name} = |{', '.join(fe.channels[i] for i in idx)}|" for name, idx in fe.magnitudes)
    entry = (f"{p}_status {p}_predict_window(int32_t *class_index);" if classification else
             f"{p}_status {p}_predict_window_value(float *value);")
    if detector_learns is not None:
        entry = (f"/* *anomaly = 1 when the last complete window is an anomaly */\n"
                 f"{p}_status {p}_predict_window(int32_t *anomaly);")
        if detector_learns:
            entry += (f"\n/* learn the last complete window as normal data (see {p}_learn) */\n"
                      f"{p}_status {p}_learn_window(void);")
    return f"""
/* ---- signal front end: raw samples in, window features out -------------------
 * A sample is {P}_N_CHANNELS floats in the order: {c_comment(chans)}{c_comment(mags)}.
 * Sample rate {fe.rate_hz:g} Hz; a window of {P}_WINDOW samples is complete after the
 * first {P}_WINDOW samples and then every {P}_HOP samples ({c_comment(fe.describe())}). */
#define {P}_N_CHANNELS {len(fe.channels)}
#define {P}_WINDOW {fe.window}u
#define {P}_HOP {fe.hop}u
#define {P}_SAMPLE_RATE_HZ {c_float(fe.rate_hz)}
#define {P}_SIGNAL_RAM_BYTES {ram_bytes(fe)}u
/* push one sample; *ready = 1 when it completes a window (then call {p}_window_features
 * or the predict_window function), else 0. A NaN or infinite value returns {P}_ERR_INPUT
 * and the sample is not stored. */
{p}_status {p}_push_sample(const float *sample, int32_t *ready);
/* the {P}_N_FEATURES model inputs of the last complete window ({P}_ERR_NOT_READY before the first) */
{p}_status {p}_window_features(float *features);
/* the model's prediction for the last complete window */
{entry}
/* forget every sample pushed */
void {p}_signal_reset(void);
""" + (c_device.header(fe.device, p, fe.channels) if fe.device is not None else "")


def _push_sample(fe: FrontEnd, p: str, slots: dict, filters) -> str:
    """``<p>_push_sample``: filter a sample, store the channels the features read (and the
    magnitudes) in the ring, and say when a window is complete."""
    P = p.upper()
    mags = []
    for m, (name, idx) in enumerate(fe.magnitudes):
        if len(fe.channels) + m not in slots:
            continue
        terms = [f"v[{i}] * v[{i}]" for i in idx]
        body = f"        float acc = {terms[0]};\n" + "".join(f"        acc = acc + {t};\n" for t in terms[1:])
        mags.append(f"    {{ /* {c_comment(name)} */\n{body}        {p}_ring[{slots[len(fe.channels) + m]}][{p}_head] = "
                    f"{p}_sqrt(acc);\n    }}")
    stages = "".join(f"""        if (!{p}_started) {{
            {p}_{kind}_z[c] = {p}_{kind}_zi * x;
        }}
        y = {p}_{kind}_b[0] * x + {p}_{kind}_z[c];
        {p}_{kind}_z[c] = {p}_{kind}_b[1] * x - {p}_{kind}_a1 * y;
        x = y;
""" for kind, _, _, _ in filters)
    if filters:
        v_decl = f"    float v[{P}_N_CHANNELS]; /* the sample, filtered */\n    uint16_t c;\n"
        filtered = f"""    for (c = 0; c < {P}_N_CHANNELS; ++c) {{
        float x = sample[c], y;
{stages}        v[c] = x;
    }}
"""
    else:  # the sample as it is (a loop that copied it would become a call to memcpy)
        v_decl, filtered = "    const float *v = sample;\n", ""
    stores = "".join(f"    {p}_ring[{slots[c]}][{p}_head] = v[{c}]; /* {c_comment(fe.channels[c])} */\n"
                     for c in range(len(fe.channels)) if c in slots)
    return f"""{p}_status {p}_push_sample(const float *sample, int32_t *ready)
{{
{v_decl}    if (sample == 0 || ready == 0) {{
        return {P}_ERR_NULL;
    }}
    *ready = 0;
    if (!{p}_all_finite(sample, {P}_N_CHANNELS)) {{
        return {P}_ERR_INPUT;
    }}
{filtered}    {p}_started = 1;
{stores}
{chr(10).join(mags)}
    {p}_head = (uint16_t)({p}_head + 1u);
    if ({p}_head == {P}_WINDOW) {{ /* no division: a core without one would call a routine */
        {p}_head = 0;
    }}
    if ({p}_filled < {P}_WINDOW) {{
        {p}_filled = (uint16_t)({p}_filled + 1u);
        *ready = ({p}_filled == {P}_WINDOW) ? 1 : 0;
        return {P}_OK;
    }}
    {p}_since = (uint16_t)({p}_since + 1u);
    if ({p}_since >= {P}_HOP) {{
        {p}_since = 0;
        *ready = 1;
    }}
    return {P}_OK;
}}"""


def source(fe: FrontEnd, p: str, classification: bool, detector_learns: bool | None = None) -> str:
    spectral = fe.spectral_channels()
    slots = {c: i for i, c in enumerate(sorted(fe.needs()))}  # the ring buffer holds only the channels used
    filters = fe.filters()
    roots = any(c >= len(fe.channels) for c in slots) or any({"m2", "square"} & set(g) for g in c_stats.variants(fe))
    parts = [f"/* ---- signal front end ({c_comment(fe.describe())}) ---- */", *([sqrt_source(p)] if roots else [])]
    if spectral:
        tab = tables(fe)
        parts += [c_array("float", f"{p}_cos", tab["cos"], per_line=6),
                  c_array("float", f"{p}_sin", tab["sin"], per_line=6),
                  "/* frequency (Hz) of spectrum bin k */\n" + c_array("float", f"{p}_freq", tab["freq"], per_line=6)]
    parts += [_filter_source(p, kind, b, a, zi, len(fe.channels)) for kind, b, a, zi in filters]
    parts.append(_state_source(fe, p, len(slots), bool(spectral)))
    parts.append(_push_sample(fe, p, slots, filters) + "\n\n" + c_stats.source(fe, p))
    if spectral:
        parts.append(_spectrum_source(fe, p))
    parts.append(_window_features_source(fe, p, slots) + "\n\n" + _window_entries(p, classification, detector_learns))
    if fe.device is not None:
        parts.append(c_device.source(fe.device, p))
    return "\n\n".join(parts) + "\n"


def _filter_source(p: str, kind: str, b, a, zi, channels: int) -> str:
    return (f"/* first-order {kind} (Butterworth, bilinear): y = b0*x + z; z = b1*x - a1*y */\n"
            f"static const float {p}_{kind}_b[2] = {{{c_float(b[0])}, {c_float(b[1])}}};\n"
            f"static const float {p}_{kind}_a1 = {c_float(a[1])};\n"
            f"static const float {p}_{kind}_zi = {c_float(zi[0])}; /* steady state per unit input */\n"
            f"static float {p}_{kind}_z[{channels}];")


def _state_source(fe: FrontEnd, p: str, n_slots: int, spectral: bool) -> str:
    """The ring buffer, the window's scratch and the position state, and signal_reset."""
    n, P = fe.window, p.upper()
    return f"""static float {p}_ring[{n_slots}][{n}];
static float {p}_w[{n}];
static float {p}_d[{n}];{f'''
static float {p}_power[{fe.n_bins}];''' if spectral else ''}
static float {p}_feat[{P}_N_FEATURES];
static uint16_t {p}_head = 0;
static uint16_t {p}_filled = 0;
static uint16_t {p}_since = 0;
static uint8_t {p}_started = 0;
{c_device.state(fe.device, p) if fe.device is not None else ""}
void {p}_signal_reset(void)
{{
    {p}_head = 0;
    {p}_filled = 0;
    {p}_since = 0;
    {p}_started = 0;
{c_device.reset(fe.device, p) if fe.device is not None else ""}}}"""


def _spectrum_source(fe: FrontEnd, p: str) -> str:
    """The power spectrum by a direct DFT or the FFT (tinyc.codegen.c_fft, its scratch the window
    copy ``<p>_w``, free once the statistics are taken), then the bands, the centroid and the
    dominant frequency."""
    P, n, k = p.upper(), fe.window, fe.n_bins
    bands = "\n".join(
        f"    e = 0.0f;\n    for (j = {lo - 1}; j < {hi - 1}; ++j) {{\n        e += {p}_power[j];\n    }}\n"
        f"    sp[{b}] = e * {c_float(1.0 / (n * n))};" for b, (lo, hi) in enumerate(fe.band_edges()))
    if fe.spectrum == "fft":
        head, power = c_fft.source(n, p) + "\n\n", f"    {p}_fft_power(d, {p}_w, {p}_power);"
        decl, how = "uint16_t j, best = 0;", "the FFT"
    else:
        head, decl, how = "", "uint16_t j, i, best = 0;", "a direct DFT"
        power = f"""    for (j = 0; j < {k}u; ++j) {{
        float re = 0.0f, im = 0.0f;
        uint32_t idx = 0;
        for (i = 0; i < {P}_WINDOW; ++i) {{
            re += d[i] * {p}_cos[idx];
            im += d[i] * {p}_sin[idx];
            idx += (uint32_t)j + 1u;
            if (idx >= {P}_WINDOW) {{
                idx -= {P}_WINDOW;
            }}
        }}
        {p}_power[j] = re * re + im * im;
    }}"""
    return f"""{head}/* power spectrum of d (bins 1..{k}) by {how}; bands, centroid, dominant frequency */
static void {p}_spectrum(const float *d, float *sp)
{{
    float total = 0.0f, num = 0.0f, e;
    {decl}
{power}
    for (j = 0; j < {k}u; ++j) {{
        total += {p}_power[j];
        num += {p}_freq[j + 1u] * {p}_power[j];
    }}
{bands}
    sp[{fe.bands}] = (total > 0.0f) ? num / total : 0.0f;
    for (j = 1; j < {k}u; ++j) {{
        if ({p}_power[j] > {p}_power[best]) {{
            best = j;
        }}
    }}
    sp[{fe.bands + 1}] = {p}_freq[best + 1u];
}}"""


def _window_features_source(fe: FrontEnd, p: str, slots: dict) -> str:
    """window_features: per channel, its window oldest first, its statistics (and spectrum), the
    model's features picked from them."""
    P, spectral = p.upper(), fe.spectral_channels()
    spec_index = {f"band{b}": b for b in range(fe.bands)}
    spec_index.update({"centroid": fe.bands, "dominant": fe.bands + 1})
    outputs = fe.outputs()
    stats = c_stats.variants(fe)
    blocks = []
    for c, feats in sorted(fe.needs().items()):
        lines = [f"    /* {c_comment(fe.all_channels[c])}: its window, oldest first (the ring index wraps with no division;"
                 " a loop that only copied would become a call to memcpy) */",
                 f"    j = {p}_head;",
                 f"    for (i = 0; i < {P}_WINDOW; ++i) {{",
                 f"        {p}_w[i] = {p}_ring[{slots[c]}][j];",
                 "        j = (uint16_t)(j + 1u);",
                 f"        if (j == {P}_WINDOW) {{",
                 "            j = 0;",
                 "        }",
                 "    }",
                 f"    {p}_stats{stats[fe.stat_groups(c)]}({p}_w, st, {p}_d);"]
        if c in spectral:
            lines.append(f"    {p}_spectrum({p}_d, sp);")
        for j, name in enumerate(outputs):
            ch, f = fe.split(name)
            if ch == c:
                src = f"st[{TIME.index(f)}]" if f in TIME else f"sp[{spec_index[f]}]"
                lines.append(f"    features[{j}] = {src};")
        blocks.append("\n".join(lines))
    sp_decl = f"\n    float sp[{fe.bands + 2}];" if spectral else ""
    return f"""{p}_status {p}_window_features(float *features)
{{
    float st[{len(TIME)}];{sp_decl}
    uint16_t i, j;
    if (features == 0) {{
        return {P}_ERR_NULL;
    }}
    if ({p}_filled < {P}_WINDOW) {{
        return {P}_ERR_NOT_READY;
    }}
{chr(10).join(blocks)}
    return {P}_OK;
}}"""


def _window_entries(p: str, classification: bool, detector_learns: bool | None) -> str:
    """predict_window (or predict_window_value), and learn_window for a detector that learns."""
    P = p.upper()
    call, entry, out = (("predict", "predict_window", "int32_t *class_index") if classification else
                        ("predict_value", "predict_window_value", "float *value"))
    entries = [(entry, out, f"{call}({p}_feat, {out.split('*')[1]})")]
    if detector_learns:
        entries.append(("learn_window", "void", f"learn({p}_feat)"))
    return "\n\n".join(f"""{p}_status {p}_{name}({args})
{{
    {p}_status st = {p}_window_features({p}_feat);
    if (st != {P}_OK) {{
        return st;
    }}
    return {p}_{call_};
}}""" for name, args, call_ in entries)
