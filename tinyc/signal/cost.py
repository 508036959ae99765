"""What the signal front end costs on a core: static RAM, flash (code and tables, from the core's
profile), instructions per window (the profile's per-unit figures) and operations. The C is
tinyc.codegen.c_signal; push_raw's share comes from tinyc.codegen.c_device."""
from __future__ import annotations

from ..codegen import c_device
from ..models import profile
from .fft import radices
from .frontend import STAT_GROUPS, FrontEnd

# real floating-point operations of each radix's butterfly (tinyc.signal.fft.butterfly)
BUTTERFLY_FLOPS = {2: 4, 3: 16, 4: 16, 5: 48}


def fft_units(n: int) -> dict[str, int]:
    """What one FFT of ``n`` samples does and holds: its stages (code), its butterflies' code (a
    stage with twiddles has its butterfly twice: for k = 0 and for the rest), the points it passes
    (n per stage), its floating-point operations (butterflies and twiddle products)."""
    rad, m, out = radices(n), 1, {"fft_stage": 0, "fft_code": 0, "fft_point": 0, "fft_flop": 0}
    for p in rad:
        twiddled = (n // (p * m)) * (m - 1) * (p - 1)  # blocks x k > 0 x q > 0
        out["fft_stage"] += 1
        out["fft_code"] += BUTTERFLY_FLOPS[p] * (2 if m > 1 else 1)
        out["fft_point"] += n
        out["fft_flop"] += (n // p) * BUTTERFLY_FLOPS[p] + 6 * twiddled
        m *= p
    return out


def ram_bytes(fe: FrontEnd) -> int:
    """Static RAM of the front end (ring, window, deviations, spectrum, features, counters, and the
    previous reading when raw readings are resampled)."""
    spectral = bool(fe.spectral_channels())
    n_filters = sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz))
    device = c_device.ram_bytes(fe.device, len(fe.channels)) if fe.device is not None else 0
    fft = fe.window if spectral and fe.spectrum == "fft" else 0  # the FFT's imaginary parts
    return 4 * (len(fe.needs()) * fe.window + 2 * fe.window + (fe.n_bins if spectral else 0)
                + len(fe.outputs()) + n_filters * len(fe.channels) + fft) + 8 + device


def stat_work(fe: FrontEnd) -> dict[str, int]:
    """Per window, the statistics' groups of work over the channels that need them (window samples
    each: STAT_GROUPS), their square roots (std, rms) and divisions (mean, variance, rms, skew and
    kurtosis: two each)."""
    out = {g: 0 for g in STAT_GROUPS}
    out.update(sqrt=0, div=0)
    for c in fe.needs():
        groups = fe.stat_groups(c)
        for g in groups:
            out[g] += fe.window
        out["sqrt"] += ("m2" in groups) + ("square" in groups)
        out["div"] += ("sum" in groups) + ("m2" in groups) + ("square" in groups) + 4 * ("moments" in groups)
    return out


def stat_code(fe: FrontEnd) -> dict[str, int]:
    """The statistics' code: one function per distinct set of groups (stats_fn), each group's code in
    each function (code_<group>), and the square root routine where one is called (sqrt)."""
    from ..codegen.c_stats import variants

    sets = list(variants(fe))
    out = {"stats_fn": len(sets), **{f"code_{g}": sum(g in v for v in sets) for g in STAT_GROUPS}}
    out["sqrt"] = int(any({"m2", "square"} & set(v) for v in sets) or any(c >= len(fe.channels) for c in fe.needs()))
    return out


def code_units(fe: FrontEnd) -> dict[str, int]:
    """The front end's code, in the units its profile prices (frontend.code): push_sample and
    window_features (base), the statistics (stat_code), the spectrum's bands/centroid/dominant
    (spectrum), its DFT loop (dft_code) or the FFT's stages and butterflies (fft_units), one magnitude
    channel, one filter stage, one output stored, one channel's window copied and summarised
    (channel) and transformed (spectral)."""
    fft = {}
    if fe.spectral_channels() and fe.spectrum == "fft":
        u = fft_units(fe.window)
        fft = {"fft_stage": u["fft_stage"], "fft_code": u["fft_code"]}
    elif fe.spectral_channels():
        fft = {"dft_code": 1}
    return {"base": 1, **stat_code(fe), "spectrum": int(bool(fe.spectral_channels())), **fft,
            "magnitude": sum(1 for c in fe.needs() if c >= len(fe.channels)),
            "filter": sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz)), "output": len(fe.outputs()),
            "channel": len(fe.needs()), "spectral": len(fe.spectral_channels())}


FITTED_SOFT = ("sub", "div")  # soft-float routines whose bytes beside a float model the front-end fit finds


def soft_float_parts(fe: FrontEnd) -> frozenset[str]:
    """The soft-float routines (a profile's model_code.soft_float parts) the front end's code calls on
    a core without FPU: add with compare ("base", or "cmp" alone), multiply, subtract, divide. A
    division by the window's length is a multiplication when the length is a power of two (the
    compiler uses the exact reciprocal), a library call otherwise."""
    groups = {g for c in fe.needs() for g in fe.stat_groups(c)}
    spectral = bool(fe.spectral_channels())
    filters = fe.highpass_hz is not None or fe.lowpass_hz is not None
    mags = any(c >= len(fe.channels) for c in fe.needs())
    feats = {f for fs in fe.needs().values() for f in fs}
    power_of_two = fe.window & (fe.window - 1) == 0
    parts = set()
    if groups & {"sum", "square", "m2", "moments", "zero", "cross"} or spectral or filters or mags:
        parts.add("base")
    elif groups & {"extrema"}:
        parts.add("cmp")
    if groups & {"square", "m2", "moments"} or spectral or filters or mags or (groups & {"sum"} and power_of_two):
        parts.add("mul")
    # (GCC turns the deviations w - mean into an addition of the negated mean, hoisted out of the loop,
    # unless the loop also sums their squares or counts crossings without the higher moments: as
    # linked on the calibration corpus)
    if groups & {"extrema"} or (groups & {"m2", "cross"} and not groups & {"moments"}) or filters or \
            (spectral and fe.spectrum == "fft"):
        parts.add("sub")
    if (groups & {"sum", "square", "m2"} and not power_of_two) or "moments" in groups or "centroid" in feats:
        parts.add("div")
    return frozenset(parts)


def fixed_bytes(fe: FrontEnd, caps, model_soft_float: frozenset = frozenset({"base", "mul"}),
                detector: str | None = None) -> int:
    """What the front end adds beyond its code units: the spectrum's tables; on a core without FPU,
    the soft-float routines its code calls (soft_float_parts) that the model does not link already
    (``model_soft_float``, see Family.soft_float_parts: vote trees and integer classifiers link
    none): a subtraction's and a division's bytes as the profile's front-end fit found them beside a
    float model (frontend.code soft_sub, soft_div: libgcc may keep them in one object with the
    addition or the multiplication), the others as measured alone (model_code.soft_float); next to
    an anomaly detector (``detector``: its family), less the routines both link
    (frontend.detector_overlap); the device input's code."""
    extra = -profile.table(caps, "frontend").get("detector_overlap", {}).get(detector, 0) if detector else 0
    if detector is not None and caps.fpu == "none":  # the overlap was measured beside a subtraction and a division
        table = profile.table(caps, "model_code", "soft_float")
        extra += sum(table.get(part, 0) for part in soft_float_parts(fe) & {"sub", "div"})
    if detector is None and caps.fpu == "none":
        table, code = profile.table(caps, "model_code", "soft_float"), profile.table(caps, "frontend", "code")
        linked = set(model_soft_float) | ({"cmp"} if "base" in model_soft_float else set())
        extra = sum(code.get(f"soft_{part}", table.get(part, 0)) for part in soft_float_parts(fe) if part not in linked)
    tables_bytes = 4 * (2 * fe.window + fe.n_bins + 1) if fe.spectral_channels() else 0
    if fe.spectral_channels() and fe.spectrum == "fft":  # the digit-reversal table
        tables_bytes += (1 if fe.window <= 256 else 2) * fe.window
    device = c_device.flash_bytes(fe.device, len(fe.channels), caps) if fe.device is not None else 0
    return tables_bytes + extra + device


def flash_bytes(fe: FrontEnd, caps, model_soft_float: frozenset = frozenset({"base", "mul"}),
                detector: str | None = None) -> int:
    """Code and tables of the front end on a core: its code units at the profile's bytes, plus
    fixed_bytes."""
    code = profile.table(caps, "frontend", "code")
    return (sum(code.get(k, 0) * n for k, n in code_units(fe).items())
            + fixed_bytes(fe, caps, model_soft_float, detector))


def work(fe: FrontEnd) -> dict[str, int]:
    """The units of work of one window beyond the model (its hop of push_sample calls and
    predict_window's features): sample = a channel of a pushed sample, filter = a filter stage on
    it, mag = a magnitude (its square root) of a pushed sample, stat = a window sample of a
    channel the model reads (copied), its statistics' groups of work (stat_work), dft = a window sample x spectrum bin of a
    spectral channel (the DFT), output = a feature stored; with a device input, raw = a channel of a
    reading converted by push_raw, interp = a channel of a sample interpolated from readings; with
    the FFT instead of the DFT, per spectral channel its points and floating-point operations
    (fft_units) and bin = a spectrum bin's power, bands and peak."""
    code = code_units(fe)
    dev, channels = fe.device, len(fe.channels)
    spectral = len(fe.spectral_channels())
    spectrum = {"dft": fe.window * fe.n_bins * spectral}
    if spectral and fe.spectrum == "fft":
        u = fft_units(fe.window)
        spectrum = {"fft_point": u["fft_point"] * spectral, "fft_flop": u["fft_flop"] * spectral,
                    "bin": fe.n_bins * spectral}
    return {"sample": fe.hop * channels, "filter": fe.hop * channels * code["filter"],
            "mag": fe.hop * code["magnitude"], "stat": fe.window * len(fe.needs()), **stat_work(fe),
            **spectrum, "output": len(fe.outputs()),
            "raw": fe.hop * channels * dev.num / dev.den if dev is not None else 0,
            "interp": fe.hop * channels if dev is not None and dev.resamples else 0}


def instructions(fe: FrontEnd, caps) -> int:
    """Estimated instructions the front end adds per window on a core: its work at the profile's
    frontend.instructions."""
    from ..models.costs import count

    return count(profile.table(caps, "frontend", "instructions"), **work(fe))


def ops(fe: FrontEnd) -> int:
    """Operations per window: the statistics' groups over their samples and, for spectral channels,
    the DFT's multiply-accumulates or half the FFT's floating-point operations."""
    stats = sum(v for k, v in stat_work(fe).items() if k in STAT_GROUPS)
    spectral = len(fe.spectral_channels())
    if spectral and fe.spectrum == "fft":
        return stats + spectral * fft_units(fe.window)["fft_flop"] // 2
    return stats + spectral * 2 * fe.window * fe.n_bins


def choose_spectrum(fe: FrontEnd, caps_of_targets) -> FrontEnd:
    """``fe`` with the FFT where its window has one (2^a 3^b 5^c samples) and every target's profile
    prices it (its frontend.instructions has the FFT's units) as fewer instructions per window
    than the direct DFT; else with the DFT."""
    from dataclasses import replace

    from ..models.costs import count

    dft, fft = replace(fe, spectrum="dft"), replace(fe, spectrum="fft")
    if not fe.spectral_channels() or radices(fe.window) is None or not caps_of_targets:
        return dft
    for caps in caps_of_targets:
        table = profile.table(caps, "frontend", "instructions")
        if "fft_flop" not in table or count(table, **work(fft)) >= count(table, **work(dft)):
            return dft
    return fft
