from .base import Backend, Caps


class IspuBackend(Backend):
    name = "ispu"
    description = ("ST ISPU, the processing unit inside LSM6DSO16IS / ISM330IS sensors: "
                   "32 KB program memory, 8 KB data RAM (stack included)")
    caps = Caps(fpu="single", dsp=False, hw_divide=True, word_bits=32, clock_hz=10e6,
                default_flash=32 * 1024, default_ram=8 * 1024,
                max_flash=32 * 1024, max_ram=8 * 1024, arch="ispu")
