"""What the signal front end costs on a core: static RAM, flash (code and tables, from the core's
profile), instructions per window (the profile's per-unit figures) and operations. The C is
tinyc.codegen.c_signal; push_raw's share comes from tinyc.codegen.c_device."""
from __future__ import annotations

from ..codegen import c_device
from ..models import profile
from .frontend import FrontEnd


def ram_bytes(fe: FrontEnd) -> int:
    """Static RAM of the front end (ring, window, deviations, spectrum, features, counters, and the
    previous reading when raw readings are resampled)."""
    spectral = bool(fe.spectral_channels())
    n_filters = sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz))
    device = c_device.ram_bytes(fe.device, len(fe.channels)) if fe.device is not None else 0
    return 4 * (len(fe.needs()) * fe.window + 2 * fe.window + (fe.n_bins if spectral else 0)
                + len(fe.outputs()) + n_filters * len(fe.channels)) + 8 + device


def code_units(fe: FrontEnd) -> dict[str, int]:
    """The front end's code, in the units its profile prices (frontend.code): push_sample,
    window_features, the statistics and the square root (base), the DFT with bands/centroid/
    dominant (spectrum), one magnitude channel, one filter stage, one output stored, one channel's
    window copied and summarised (channel) and transformed (spectral)."""
    return {"base": 1, "spectrum": int(bool(fe.spectral_channels())),
            "magnitude": sum(1 for c in fe.needs() if c >= len(fe.channels)),
            "filter": sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz)), "output": len(fe.outputs()),
            "channel": len(fe.needs()), "spectral": len(fe.spectral_channels())}


def fixed_bytes(fe: FrontEnd, caps, model_soft_float: frozenset = frozenset({"base", "mul"}),
                detector: str | None = None) -> int:
    """What the front end adds beyond its code units: the DFT's tables; on a core without FPU, the
    soft-float add, compare and multiply when the model does not link them already
    (``model_soft_float``, see Family.soft_float_parts: vote trees and integer classifiers link
    none); next to an anomaly detector (``detector``: its family), less the routines both link
    (frontend.detector_overlap); the device input's code."""
    extra = -profile.table(caps, "frontend").get("detector_overlap", {}).get(detector, 0) if detector else 0
    if detector is None and caps.fpu == "none":
        table = profile.table(caps, "model_code", "soft_float")
        extra = sum(table[part] for part in ("base", "mul") if part not in model_soft_float)
    tables_bytes = 4 * (2 * fe.window + fe.n_bins + 1) if fe.spectral_channels() else 0
    device = c_device.flash_bytes(fe.device, len(fe.channels), caps) if fe.device is not None else 0
    return tables_bytes + extra + device


def flash_bytes(fe: FrontEnd, caps, model_soft_float: frozenset = frozenset({"base", "mul"}),
                detector: str | None = None) -> int:
    """Code and tables of the front end on a core: its code units at the profile's bytes, plus
    fixed_bytes."""
    code = profile.table(caps, "frontend", "code")
    return (sum(code[k] * n for k, n in code_units(fe).items())
            + fixed_bytes(fe, caps, model_soft_float, detector))


def work(fe: FrontEnd) -> dict[str, int]:
    """The units of work of one window beyond the model (its hop of push_sample calls and
    predict_window's features): sample = a channel of a pushed sample, filter = a filter stage on
    it, mag = a magnitude (its square root) of a pushed sample, stat = a window sample of a
    channel the model reads (copy and statistics), dft = a window sample x spectrum bin of a
    spectral channel (the DFT), output = a feature stored; with a device input, raw = a channel of a
    reading converted by push_raw, interp = a channel of a sample interpolated from readings."""
    code = code_units(fe)
    dev, channels = fe.device, len(fe.channels)
    return {"sample": fe.hop * channels, "filter": fe.hop * channels * code["filter"],
            "mag": fe.hop * code["magnitude"], "stat": fe.window * len(fe.needs()),
            "dft": fe.window * fe.n_bins * len(fe.spectral_channels()), "output": len(fe.outputs()),
            "raw": fe.hop * channels * dev.num / dev.den if dev is not None else 0,
            "interp": fe.hop * channels if dev is not None and dev.resamples else 0}


def instructions(fe: FrontEnd, caps) -> int:
    """Estimated instructions the front end adds per window on a core: its work at the profile's
    frontend.instructions."""
    from ..models.costs import count

    return count(profile.table(caps, "frontend", "instructions"), **work(fe))


def ops(fe: FrontEnd) -> int:
    """Multiply-accumulates per window: statistics and, for spectral channels, the DFT."""
    return len(fe.needs()) * 6 * fe.window + len(fe.spectral_channels()) * 2 * fe.window * fe.n_bins
