from .arm import ArmBackend, qemu_board
from .base import Caps


class CortexM0Backend(ArmBackend):
    name = "cortex-m0"
    description = "Arm Cortex-M0: ARMv6-M, no FPU, no hardware divide, integer-only code"
    caps = Caps(fpu="none", dsp=False, hw_divide=False, word_bits=32, clock_hz=48e6,
                default_flash=32 * 1024, default_ram=4 * 1024, arch="armv6-m")
    cflags = ("-mcpu=cortex-m0", "-mthumb", "-mfloat-abi=soft")
    # the micro:bit's nRF51 is a Cortex-M0; ARMv6-M code built for the M0+ runs on it unchanged
    emulator = qemu_board("microbit", (0x0, 256 * 1024), (0x20000000, 16 * 1024))


class CortexM0PlusBackend(CortexM0Backend):
    name = "cortex-m0plus"
    description = "Arm Cortex-M0+: ARMv6-M, no FPU, no hardware divide, integer-only code"
    cflags = ("-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft")
