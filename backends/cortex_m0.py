from .arm import ArmBackend
from .base import Caps


class CortexM0Backend(ArmBackend):
    name = "cortex-m0"
    description = "Arm Cortex-M0: ARMv6-M, no FPU, no hardware divide, integer-only code"
    caps = Caps(fpu="none", dsp=False, hw_divide=False, word_bits=32, clock_hz=48e6,
                default_flash=32 * 1024, default_ram=4 * 1024, arch="armv6-m")
    cflags = ("-mcpu=cortex-m0", "-mthumb", "-mfloat-abi=soft")


class CortexM0PlusBackend(CortexM0Backend):
    name = "cortex-m0plus"
    description = "Arm Cortex-M0+: ARMv6-M, no FPU, no hardware divide, integer-only code"
    cflags = ("-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft")
