from .base import Backend, Caps


class CortexM4Backend(Backend):
    name = "cortex-m4"
    description = "Arm Cortex-M4F: ARMv7E-M with DSP SIMD and a single-precision FPU"
    caps = Caps(fpu="single", dsp=True, hw_divide=True, word_bits=32, clock_hz=80e6,
                default_flash=256 * 1024, default_ram=64 * 1024, arch="armv7e-m")
