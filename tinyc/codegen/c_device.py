"""C for a device's raw readings (:mod:`tinyc.signal.device`): ``<p>_push_raw`` converts each
count to the training data's unit and, when the device samples faster than the model, resamples
to the model's rate before ``<p>_push_sample``.

    <p>_status <p>_push_raw(const int16_t *raw, int32_t *ready);   <P>_N_CHANNELS counts

State: the previous reading (channels floats) and the next output's position (two integers).
"""
from __future__ import annotations

from ..signal.device import DeviceInput
from .cgen import c_array, c_comment, c_float

# Bytes of code beyond the front end are the core's profile's (its ``device`` figures): push_raw
# with the firmware's copy of a reading (convert; on cores without FPU the int-to-float routine),
# and the interpolation with its counters (resample); tables of 4 bytes per channel and per
# fraction come on top.
STATE_BYTES = 8  # position, fraction numerator, started flag (the previous reading: 4 per channel)


def flash_bytes(dev: DeviceInput, channels: int, caps) -> int:
    from ..models import profile

    code = profile.table(caps, "device")
    return code["convert"] + 4 * channels + ((code["resample"] + 4 * dev.den) if dev.resamples else 0)


def ram_bytes(dev: DeviceInput, channels: int) -> int:
    return (4 * channels + STATE_BYTES) if dev.resamples else 0


def header(dev: DeviceInput, p: str, channels) -> str:
    P = p.upper()
    units = ", ".join(f"{c} {u}" for c, u in zip(channels, dev.device_units))
    rate = (f" at {dev.device_rate_hz:g} Hz (resampled to {P}_SAMPLE_RATE_HZ by linear interpolation: "
            f"{dev.num} readings per {dev.den} samples)" if dev.resamples else f" at {P}_SAMPLE_RATE_HZ")
    return f"""
/* ---- the device's raw readings ------------------------------------------------
 * {P}_N_CHANNELS {dev.type} counts per reading ({c_comment(units)}),
 * one reading{c_comment(rate)}. Each count times {p}_raw_scale[c] is the value in the
 * training data's unit ({c_comment(', '.join(dev.units))}); the result goes to {p}_push_sample. */
extern const float {p}_raw_scale[{P}_N_CHANNELS];
{p}_status {p}_push_raw(const int16_t *raw, int32_t *ready);
"""


def source(dev: DeviceInput, p: str) -> str:
    P = p.upper()
    parts = [f"/* ---- raw readings ({c_comment(dev.describe())}) ---- */",
             c_array("float", f"{p}_raw_scale", dev.scales, per_line=6, static=False)]
    convert = f"""    for (c = 0; c < {P}_N_CHANNELS; ++c) {{
        x[c] = (float)raw[c] * {p}_raw_scale[c];
    }}"""
    if not dev.resamples:
        parts.append(f"""{p}_status {p}_push_raw(const int16_t *raw, int32_t *ready)
{{
    float x[{P}_N_CHANNELS];
    uint16_t c;
    if (raw == 0 || ready == 0) {{
        return {P}_ERR_NULL;
    }}
{convert}
    return {p}_push_sample(x, ready);
}}""")
        return "\n\n".join(parts)
    step_int, step_frac = divmod(dev.num, dev.den)
    parts += [f"""/* a reading at {c_float(dev.device_rate_hz)[:-1]} Hz; at most one sample at {P}_SAMPLE_RATE_HZ follows from it */
{p}_status {p}_push_raw(const int16_t *raw, int32_t *ready)
{{
    float x[{P}_N_CHANNELS];
    uint16_t c;
    {p}_status st = {P}_OK;
    if (raw == 0 || ready == 0) {{
        return {P}_ERR_NULL;
    }}
    *ready = 0;
{convert}
    if ({p}_raw_started && {p}_raw_pos == 0) {{ /* a sample between the previous reading and this one */
        float s[{P}_N_CHANNELS];
        const float f = {p}_raw_frac[{p}_raw_rem];
        for (c = 0; c < {P}_N_CHANNELS; ++c) {{
            s[c] = {p}_raw_prev[c] + (x[c] - {p}_raw_prev[c]) * f;
        }}
        st = {p}_push_sample(s, ready);
        {p}_raw_pos += {step_int};
        {p}_raw_rem = (uint16_t)({p}_raw_rem + {step_frac}u);
        if ({p}_raw_rem >= {dev.den}u) {{
            {p}_raw_rem = (uint16_t)({p}_raw_rem - {dev.den}u);
            {p}_raw_pos += 1;
        }}
    }}
    if ({p}_raw_started) {{
        {p}_raw_pos -= 1;
    }}
    {p}_raw_started = 1;
    for (c = 0; c < {P}_N_CHANNELS; ++c) {{
        {p}_raw_prev[c] = x[c];
    }}
    return st;
}}"""]
    return "\n\n".join(parts)


def state(dev: DeviceInput, p: str) -> str:
    """The resampler's tables and state (before ``<p>_signal_reset``, which clears it)."""
    if not dev.resamples:
        return ""
    return (f"/* frac[r] = r / {dev.den}: where a sample falls between two readings */\n"
            + c_array("float", f"{p}_raw_frac", dev.fracs(), per_line=6) + f"""
static float {p}_raw_prev[{p.upper()}_N_CHANNELS];
static int32_t {p}_raw_pos = 0;    /* the next sample's left reading, relative to the previous one */
static uint16_t {p}_raw_rem = 0;   /* ... and its fraction's numerator (of {dev.den}) */
static uint8_t {p}_raw_started = 0;
""")


def reset(dev: DeviceInput, p: str) -> str:
    """Statements for ``<p>_signal_reset``: forget the readings."""
    if not dev.resamples:
        return ""
    return f"    {p}_raw_pos = 0;\n    {p}_raw_rem = 0;\n    {p}_raw_started = 0;\n"
