"""What `tinyc calibrate` measures of the routines a library pulls in beside its own code: on a core
without FPU, the soft-float routines (add with compare, compare alone, multiply, subtract, divide, and an
integer model's float value: int32 to float and a multiply), each the linked size of a few C
statements with the target's toolchain against none; and a device input's push_raw (converting
counts; resampling), measured next to the signal corpus's first front end. They become the
profile's ``model_code`` figures ``soft_float`` and ``int_value_soft`` and its ``device`` table."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

HEADER = """#ifndef M_H
#define M_H
#include <stdint.h>
#define M_N_CHANNELS 3
int32_t m_unused(void);
#endif
"""
SOURCE = '#include "m.h"\nint32_t m_unused(void)\n{\n    return 0;\n}\n'
# the statements whose linked size is each part; x[] holds floats the compiler cannot see
STATEMENTS = {
    "cmp": "ready = x[0] < x[1];",
    "base": "value = x[0] + x[1];\n    ready = x[0] < x[1];",
    "base+mul": "value = (x[0] + x[1]) * x[2];\n    ready = x[0] < x[1];",
    "base+sub": "value = (x[0] + x[1]) - x[2];\n    ready = x[0] < x[1];",
    "base+mul+div": "value = (x[0] + x[1]) * x[2] / x[1];\n    ready = x[0] < x[1];",
    "value": "value = (float)(int32_t)tinyc_raw[0] * x[0];",
}


def soft_float(backend, tmp: Path) -> dict:
    """The ``soft_float`` parts and ``int_value_soft`` of a core without FPU, in bytes."""
    from .. import toolchain

    folder = tmp / "routines"
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "src" / "m.h").write_text(HEADER, encoding="utf-8")
    (folder / "src" / "m.c").write_text(SOURCE, encoding="utf-8")
    size = {part: toolchain.measure(folder, "m", backend, signal=code).flash for part, code in STATEMENTS.items()}
    return {"soft_float": {"base": size["base"], "cmp": size["cmp"],
                           "mul": max(size["base+mul"] - size["base"], 0),
                           "sub": max(size["base+sub"] - size["base"], 0),
                           # beside a multiply (which a float model or front end always links; on
                           # Thumb-2 both share one object of libgcc)
                           "div": max(size["base+mul+div"] - size["base+mul"], 0)},
            "int_value_soft": size["value"]}


def with_device(fe, resample: bool):
    """``fe`` fed by a device of int16 counts, at the model's rate or (``resample``) 5 readings per
    4 samples."""
    from ..signal.device import DeviceInput

    n = len(fe.channels)
    dev = DeviceInput("int16", (0.01,) * n, ("g",) * n, ("full_scale 4g",) * n, tuple(range(n)))
    return replace(fe, device=replace(dev, num=5, den=4, device_rate_hz=fe.rate_hz * 1.25) if resample else dev)


def device(backend, folder: Path, fe, model) -> dict:
    """The ``device`` table: push_raw's code beyond push_sample without resampling (convert) and
    what resampling adds (resample), less the tables of 4 bytes per channel and per fraction.
    ``folder`` holds ``model`` (with front end ``fe``) emitted; it is emitted again with a device."""
    from tinyc_backends.base import EmitRequest

    from .. import toolchain
    from .fit import PROV

    n = len(fe.channels)
    sizes = []
    for resample in (False, True):
        model.frontend = with_device(fe, resample)
        backend.emit(EmitRequest(model, "m", fe.outputs(), ("a", "b"), PROV, 0, 0), folder)
        pushed = toolchain.measure(folder, "m", backend, signal=toolchain.signal_calls("m", True)).flash
        raw = toolchain.measure(folder, "m", backend, signal=toolchain.signal_calls("m", True, raw=True)).flash
        sizes.append(raw - pushed)
    model.frontend = fe
    convert = sizes[0] - 4 * n
    return {"convert": convert, "resample": sizes[1] - sizes[0] - 4 * 4}
