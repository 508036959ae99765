"""The signal front end's part of `tinyc calibrate`: a fixed corpus of front ends (1-6 channels,
windows of 16-96, time-only to every block, magnitudes, filters, the spectrum by the DFT or the FFT), each emitted next to a float
linear model on its features, linked twice with the target's toolchain (the model alone, and
with push_sample and predict_window: the difference is the front end's flash) and counted under
its emulator (a stream of synthetic samples, per window, less the model's own prediction). The
front end's code units (tinyc.signal.cost.code_units) are related to its flash less its fixed
bytes (tables, soft-float, device) and its work units (cost.work) to the counted instructions by
least squares (code: a fixed part of either sign, non-negative bytes per unit; instructions:
non-negative): the profile's ``frontend`` tables. The first front end is measured
once more with a device input (calibration.routines.device)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..signal.frontend import FrontEnd
from .routines import with_device

CHANNELS = ("ax", "ay", "az", "gx", "gy", "gz")
TIME = ("mean", "std", "min", "max", "rms", "p2p", "skew", "kurtosis", "crossings", "zero_crossings")
ACC = (("acc", (0, 1, 2)),)
FRONTENDS = (
    FrontEnd(CHANNELS[:3], 10.0, 32, 10, blocks=("mean", "std", "crossings"), bands=4),
    FrontEnd(CHANNELS, 10.0, 32, 10, bands=4, magnitudes=ACC + (("gyr", (3, 4, 5)),), highpass_hz=0.3),
    FrontEnd(CHANNELS[:3], 10.0, 16, 8, bands=4, magnitudes=ACC, highpass_hz=0.3),
    FrontEnd(CHANNELS, 50.0, 64, 16, bands=8),
    FrontEnd(CHANNELS[:2], 25.0, 32, 16, blocks=TIME),
    FrontEnd(CHANNELS[:4], 20.0, 48, 12, blocks=("mean", "std", "bands", "dominant"), bands=6, lowpass_hz=2.0),
    FrontEnd(CHANNELS[:3], 10.0, 24, 6, blocks=("rms", "p2p", "centroid"), bands=4, magnitudes=ACC,
             highpass_hz=0.2, lowpass_hz=3.0),
    FrontEnd(CHANNELS, 10.0, 16, 4, blocks=("mean", "min", "max")),
    FrontEnd(CHANNELS[:1], 100.0, 64, 32, bands=8),
    FrontEnd(CHANNELS[:3], 50.0, 40, 20, blocks=("std", "bands"), bands=5, magnitudes=ACC),
)
# the spectrum by the FFT (tinyc.signal.fft): the spectral front ends above, and windows whose
# stages have radix 3 and 5
FFT = tuple(replace(fe, spectrum="fft") for fe in FRONTENDS if fe.spectral_channels()) + (
    FrontEnd(CHANNELS[:1], 96.0, 96, 96, blocks=("mean", "std", "bands", "centroid", "dominant"), bands=8,
             spectrum="fft"),
    FrontEnd(CHANNELS[:3], 10.0, 30, 10, blocks=("mean", "bands", "dominant"), bands=4, magnitudes=ACC,
             spectrum="fft"),
    FrontEnd(CHANNELS[:2], 20.0, 60, 20, blocks=("std", "bands"), bands=6, spectrum="fft"),
)


def _partial(fe: FrontEnd, per_channel: dict) -> FrontEnd:
    """``fe`` computing only some features: {channel index: its features}."""
    return fe.with_used([f"{fe.all_channels[c]}_{f}" for c, feats in per_channel.items() for f in feats])


_ALL3 = FrontEnd(CHANNELS[:3], 10.0, 32, 8, blocks=TIME + ("bands", "dominant"), bands=4, magnitudes=ACC)
_ALL2 = FrontEnd(CHANNELS[:2], 25.0, 48, 12, blocks=TIME + ("bands",), bands=4)
# the statistics' groups one by one and mixed (channels that need different groups get functions of their own)
PARTIAL = (
    _partial(_ALL3, {0: ("mean",), 2: ("mean",)}),
    _partial(_ALL3, {0: ("min", "max"), 1: ("p2p",)}),
    _partial(_ALL3, {1: ("rms",), 2: ("rms",)}),
    _partial(_ALL2, {0: ("zero_crossings",), 1: ("zero_crossings",)}),
    _partial(_ALL2, {0: ("std",), 1: ("std", "mean")}),
    _partial(_ALL3, {0: ("skew",), 3: ("kurtosis",)}),
    _partial(_ALL2, {0: ("crossings",), 1: ("crossings",)}),
    _partial(_ALL3, {0: ("mean",), 1: ("max",), 2: ("rms",), 3: ("std",)}),
    _partial(_ALL2, {0: ("band1", "band3")}),
    _partial(_ALL3, {2: ("kurtosis", "zero_crossings"), 3: ("min", "dominant")}),
    _partial(_ALL2, {0: ("p2p", "crossings"), 1: ("mean", "rms", "zero_crossings")}),
    _partial(replace(_ALL2, spectrum="fft"), {0: ("band0", "std"), 1: ("skew", "max")}),
)
# counted with a device's raw readings pushed (for the instructions of push_raw; its code is
# measured by routines.device)
WITH_DEVICE = (with_device(FRONTENDS[1], False), with_device(FRONTENDS[6], True))

PREDICT_CALL = "{\n        int32_t c = 0;\n        (void)m_predict(x, &c);\n        tinyc_class = c;\n        (void)s;\n    }"
STREAM_ROWS = 12  # rows of the counted stream; each pushes one hop of the same sample


def _model(fe: FrontEnd, seed: int = 0):
    """A float linear classifier on the front end's features of a synthetic stream."""
    from ..emulator import synthetic_samples
    from ..models import FAMILY_REGISTRY, Problem
    from ..signal.features import compute, windows
    from ..spec.ir import Task

    X = compute(fe, windows(fe, synthetic_samples(fe.window * 8, len(fe.channels), fe.rate_hz, seed))).astype(np.float64)
    model = FAMILY_REGISTRY["linear"].fit({"c": 1.0}, X, np.arange(len(X)) % 2, Problem(Task.classification, X.shape[1], 2),
                                          seed)
    model.frontend = fe
    return model


def measure(backend, target: str, folder: Path, fe: FrontEnd) -> tuple[int, float]:
    """(the front end's linked flash, its instructions per window) next to a float linear model,
    measured and counted with the calls `tinyc verify` makes (push_raw with a device input)."""
    from tinyc_backends.base import EmitRequest

    from .. import emulator, toolchain
    from ..verify import instructions_per_window
    from .fit import PROV

    model = _model(fe)
    backend.emit(EmitRequest(model, "m", fe.outputs(), ("a", "b"), PROV, 0, 0), folder)
    alone = toolchain.measure(folder, "m", backend)
    both = toolchain.measure(folder, "m", backend, **toolchain.firmware_calls("m", model))
    per_window = instructions_per_window(folder, "m", target, model)
    rows = np.zeros((STREAM_ROWS, model.n_features), dtype=np.float32)  # the model's rows: any values do
    k = min(len(fe.channels), model.n_features)
    rows[:, :k] = emulator.synthetic_samples(STREAM_ROWS, len(fe.channels), fe.rate_hz)[:, :k]
    model_only = emulator.instructions_per_inference(folder, "m", rows, target, call=PREDICT_CALL)
    return both.flash - alone.flash, per_window - model_only


def calibrate(backend, target: str, tmp: Path, on_line=print) -> tuple[dict, dict, dict]:
    """The profile's ``frontend`` section (code bytes and instructions per unit), its ``device``
    section (calibration.routines) and the fit errors, from the corpus measured on ``target``."""
    from . import routines
    from .fit import fit, fit_branches
    from ..signal import cost

    code_rows, insn_rows = [], []
    for i, fe in enumerate(FRONTENDS + FFT + PARTIAL + WITH_DEVICE):
        flash, per_window = measure(backend, target, tmp / f"fe{i}", fe)
        if fe.device is None:  # the device's code: routines.device
            units = {k: v for k, v in cost.code_units(fe).items() if k != "base"}
            if backend.caps.fpu == "none":  # what its calls to these routines add beside the float model
                parts = cost.soft_float_parts(fe)
                units.update({f"soft_{p}": int(p in parts) for p in cost.FITTED_SOFT})
            every = frozenset({"base", "cmp", "mul", *cost.FITTED_SOFT})  # (tables and device only)
            code_rows.append((units, flash - cost.fixed_bytes(fe, backend.caps, every), flash))
        insn_rows.append((cost.work(fe), per_window))
        what = "+".join(fe.blocks)[:24] + (" raw" if fe.device is not None else "") + \
            (" fft" if fe.spectrum == "fft" else "")
        on_line(f"front end {len(fe.channels)}ch w{fe.window} h{fe.hop} {what:<28} "
                f"{per_window:>10.1f} instructions/window {flash:>7} B linked")
    device = routines.device(backend, tmp / "device", FRONTENDS[0], _model(FRONTENDS[0]))
    on_line(f"device input: push_raw {device['convert']} B, resampling {device['resample']} B")
    code, code_err = fit_branches(code_rows)  # (a fixed part of either sign: the soft-float routines
    code = {k: int(round(v)) for k, v in code.items()}  # taken off may share code with the front end's)
    instructions, insn_err = fit(insn_rows)
    return ({"code": code, "instructions": instructions}, device,
            {"frontend_code": code_err, "frontend_instructions": insn_err})
