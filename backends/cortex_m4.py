from .arm import ArmBackend, qemu_board
from .base import Caps


class CortexM4Backend(ArmBackend):
    name = "cortex-m4"
    description = "Arm Cortex-M4F: ARMv7E-M with DSP SIMD and a single-precision FPU"
    caps = Caps(fpu="single", dsp=True, hw_divide=True, word_bits=32, clock_hz=80e6,
                default_flash=256 * 1024, default_ram=64 * 1024, arch="armv7e-m")
    cflags = ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")
    emulator = qemu_board("mps2-an386", (0x0, 4 * 1024 * 1024), (0x20000000, 64 * 1024))
