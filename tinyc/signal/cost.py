"""What the signal front end costs on a core: static RAM, flash (code and tables, calibrated
against the linker), instructions per window (fitted to qemu's counts) and operations. The C is
tinyc.codegen.c_signal; push_raw's share comes from tinyc.codegen.c_device."""
from __future__ import annotations

from ..codegen import c_device
from .frontend import FrontEnd


def ram_bytes(fe: FrontEnd) -> int:
    """Static RAM of the front end (ring, window, deviations, spectrum, features, counters, and the
    previous reading when raw readings are resampled)."""
    spectral = bool(fe.spectral_channels())
    n_filters = sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz))
    device = c_device.ram_bytes(fe.device, len(fe.channels)) if fe.device is not None else 0
    return 4 * (len(fe.needs()) * fe.window + 2 * fe.window + (fe.n_bins if spectral else 0)
                + len(fe.outputs()) + n_filters * len(fe.channels)) + 8 + device


# soft-float routines an anomaly detector links on ARMv6-M that the front end's figures above
# also count (division, subtraction, comparisons; measured next to each detector kind)
DETECTOR_OVERLAP_THUMB1 = {"gaussian": 1250, "kmeans": 1250, "iforest": 370}


def flash_bytes(fe: FrontEnd, caps, model_soft_float: frozenset = frozenset({"base", "mul"}),
                detector: str | None = None) -> int:
    """Code and tables of the front end on a core (calibrated with arm-none-eabi-size next to a
    float linear model). On a core without FPU, the soft-float add, compare and multiply are
    counted when the model does not link them already (``model_soft_float``, see
    Family.soft_float_parts: vote trees and integer classifiers link none); next to an
    anomaly detector (``detector``: its family) on ARMv6-M, the routines both use count once."""
    from ..models.costs import SOFT_FLOAT_BYTES, instruction_set

    spectral = bool(fe.spectral_channels())
    tables_bytes = 4 * (2 * fe.window + fe.n_bins + 1) if spectral else 0
    isa = instruction_set(caps)
    code = CODE[isa]
    extra = -DETECTOR_OVERLAP_THUMB1[detector] if detector is not None and isa == "thumb1" else 0
    if detector is None and caps.fpu == "none":
        table = SOFT_FLOAT_BYTES["thumb1" if isa == "thumb1" else "thumb2"]
        extra = sum(table[part] for part in ("base", "mul") if part not in model_soft_float)
    n_filters = sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz))
    n_mags = sum(1 for c in fe.needs() if c >= len(fe.channels))
    device = c_device.flash_bytes(fe.device, len(fe.channels), isa) if fe.device is not None else 0
    return (device + code["base"] + (code["spectrum"] if spectral else 0) + code["magnitude"] * n_mags
            + code["filter"] * n_filters
            + code["output"] * len(fe.outputs()) + code["channel"] * len(fe.needs())
            + code["spectral"] * len(fe.spectral_channels()) + tables_bytes + extra)


# measured (arm-none-eabi-gcc 12 -Os; least squares over eight front ends, all within 7%): push_sample,
# window_features, the statistics and the square root (base), the DFT with bands/centroid/
# dominant (spectrum), one magnitude channel, one output stored, one channel's window copied and
# summarised (channel) and transformed (spectral), one filter stage; soft-float division and
# subtraction included on cores without FPU
CODE = {"thumb2": {"base": 572, "spectrum": 403, "magnitude": 0, "output": 7, "channel": 35, "spectral": 0,
                   "filter": 97},  # with an FPU: its square root instruction
        "thumb2_soft": {"base": 880, "spectrum": 470, "magnitude": 0, "output": 7, "channel": 41, "spectral": 0,
                        "filter": 129},
        "thumb1": {"base": 2579, "spectrum": 218, "magnitude": 0, "output": 10, "channel": 0, "spectral": 0,
                   "filter": 173}}


# Instructions of one window beyond the model's prediction (its hop of push_sample calls and
# predict_window's features), per unit of work, by instruction set; fitted (non-negative
# least squares) to qemu's counts of eight front ends (2-6 channels, windows of 16-64,
# time-only to all blocks, magnitudes, filters): all within 5%. Units: sample = a channel of a
# pushed sample, filter = a filter stage on it, mag = a magnitude (its square root) of a pushed
# sample, stat = a window sample of a channel the model reads (copy and statistics), dft = a
# window sample x spectrum bin of a spectral channel (the DFT), output = a feature stored
FRONTEND_INSTRUCTIONS = {
    "thumb1": {"call": 12475, "sample": 0, "filter": 346, "mag": 2716, "stat": 1198, "dft": 412, "output": 0},
    "thumb2_soft": {"call": 221, "sample": 0, "filter": 231, "mag": 1444, "stat": 769, "dft": 193, "output": 0},
    "thumb2": {"call": 184, "sample": 20.6, "filter": 22.7, "mag": 5.1, "stat": 60.3, "dft": 16.6, "output": 18.2},
}


def instructions(fe: FrontEnd, caps) -> int:
    """Estimated instructions the front end adds per window on a core (see FRONTEND_INSTRUCTIONS)."""
    from ..models.costs import count, instruction_set

    n_filters = sum(f is not None for f in (fe.highpass_hz, fe.lowpass_hz))
    n_mags = sum(1 for c in fe.needs() if c >= len(fe.channels))
    return count(FRONTEND_INSTRUCTIONS[instruction_set(caps)], sample=fe.hop * len(fe.channels),
                 filter=fe.hop * len(fe.channels) * n_filters,
                 mag=fe.hop * n_mags, stat=fe.window * len(fe.needs()),
                 dft=fe.window * fe.n_bins * len(fe.spectral_channels()), output=len(fe.outputs()))


def ops(fe: FrontEnd) -> int:
    """Multiply-accumulates per window: statistics and, for spectral channels, the DFT."""
    return len(fe.needs()) * 6 * fe.window + len(fe.spectral_channels()) * 2 * fe.window * fe.n_bins
