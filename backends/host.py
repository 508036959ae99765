from .base import Backend, Caps


class HostBackend(Backend):
    name = "host"
    description = "portable C99 for desktop and servers; used for the predict tool and parity tests"
    caps = Caps(fpu="double", dsp=False, hw_divide=True, word_bits=64, clock_hz=2e9,
                default_flash=64 * 1024 * 1024, default_ram=64 * 1024 * 1024, arch="host")
