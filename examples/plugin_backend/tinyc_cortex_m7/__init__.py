"""A third-party tinyc backend in a few lines: the Cortex-M7 is a Cortex-M4
with a double-precision FPU and a faster clock, so it subclasses the M4
backend and overrides only what differs. Its cost profile, cortex-m7.json, was
written by `tinyc calibrate cortex-m7` (docs/new-target.md)."""
from dataclasses import replace
from pathlib import Path

from tinyc_backends.arm import qemu_board
from tinyc_backends.cortex_m4 import CortexM4Backend


class CortexM7Backend(CortexM4Backend):
    name = "cortex-m7"
    description = "Arm Cortex-M7 with double-precision FPU (out-of-tree example plugin)"
    caps = replace(CortexM4Backend.caps, fpu="double", clock_hz=216e6, default_flash=1024 * 1024,
                   default_ram=256 * 1024, arch="armv7e-m")
    cflags = ("-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16")
    profile = str(Path(__file__).with_name("cortex-m7.json"))
    # qemu's MPS2 board with a Cortex-M7 (AN500): `tinyc verify` runs the library there
    emulator = qemu_board("mps2-an500", (0x0, 4 * 1024 * 1024), (0x20000000, 64 * 1024))
