from .arm import ArmBackend, qemu_board
from .base import Caps


class CortexM3Backend(ArmBackend):
    name = "cortex-m3"
    description = "Arm Cortex-M3: ARMv7-M (Thumb-2, hardware divide), no FPU, no DSP"
    caps = Caps(fpu="none", dsp=False, hw_divide=True, word_bits=32, clock_hz=72e6,
                default_flash=128 * 1024, default_ram=20 * 1024, arch="armv7-m")
    cflags = ("-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft")
    emulator = qemu_board("mps2-an385", (0x0, 4 * 1024 * 1024), (0x20000000, 64 * 1024))
