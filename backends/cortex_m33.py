from dataclasses import replace

from .arm import qemu_board
from .cortex_m4 import CortexM4Backend


class CortexM33Backend(CortexM4Backend):
    name = "cortex-m33"
    description = "Arm Cortex-M33: ARMv8-M Mainline; DSP extension and FPU are optional"
    caps = replace(CortexM4Backend.caps, clock_hz=100e6, default_flash=512 * 1024,
                   default_ram=128 * 1024, arch="armv8-m.main")
    cflags = ("-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16")
    emulator = qemu_board("mps2-an505", (0x10000000, 4 * 1024 * 1024), (0x38000000, 64 * 1024))
