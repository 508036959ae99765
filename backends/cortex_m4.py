from .arm import ArmBackend
from .base import Caps


class CortexM4Backend(ArmBackend):
    name = "cortex-m4"
    description = "Arm Cortex-M4F: ARMv7E-M with DSP SIMD and a single-precision FPU"
    caps = Caps(fpu="single", dsp=True, hw_divide=True, word_bits=32, clock_hz=80e6,
                default_flash=256 * 1024, default_ram=64 * 1024, arch="armv7e-m")
    cflags = ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")
