"""RISC-V RV32IMC (ESP32-C3 class): 32-bit integer core with multiply/divide and compressed
instructions, no FPU (float models link libgcc's soft-float). Built with Debian's
riscv64-unknown-elf-gcc and picolibc; run under qemu-system-riscv32's `virt` machine, with
picolibc's start-up code and semihosting for output and exit.

Its instructions per prediction and its code bytes come from its calibrated profile
(profiles/riscv32imc.json, fitted by `tinyc calibrate riscv32imc`); a family, task and form the
profile has no code bytes for, the signal front end and the detectors take the Cortex-M3's figures
(its profile's base: an assumption, said in `tinyc targets`), and the build
measures the linked size either way."""
from __future__ import annotations

from .base import Backend, Caps, Emulator, Toolchain

RISCV_TOOLCHAIN = Toolchain(
    "riscv64-unknown-elf-gcc", "riscv64-unknown-elf-size", "riscv64-unknown-elf-nm",
    install="install the RISC-V toolchain: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
    link=("--specs=picolibc.specs", "-nostartfiles", "-Wl,--gc-sections"), compile=("--specs=picolibc.specs",))

# picolibc's crt0 and linker script, placed at qemu virt's RAM (it has no flash); semihosting
VIRT = dict(qemu="qemu-system-riscv32", machine="virt", flash=(0x80000000, 0x200000), ram=(0x80200000, 0x200000),
            install="install the emulator: apt-get install qemu-system-misc", runtime="picolibc_semihost.c",
            linker_script=False,
            link=("--specs=picolibc.specs", "--oslib=semihost", "-Wl,--gc-sections",
                  "-Wl,--defsym=__flash={flash:#x}", "-Wl,--defsym=__flash_size={flash_size:#x}",
                  "-Wl,--defsym=__ram={ram:#x}", "-Wl,--defsym=__ram_size={ram_size:#x}"),
            driver_flags=("-Dmain=tinyc_main",))


class Riscv32imcBackend(Backend):
    name = "riscv32imc"
    description = "RISC-V RV32IMC (ESP32-C3 class): no FPU; soft-float for float models"
    caps = Caps(fpu="none", dsp=False, hw_divide=True, word_bits=32, clock_hz=160e6,
                default_flash=64 * 1024, default_ram=16 * 1024, arch="rv32imc")
    cflags = ("-march=rv32imc", "-mabi=ilp32")
    compiler = RISCV_TOOLCHAIN.gcc
    toolchain = RISCV_TOOLCHAIN
    emulator = Emulator(**VIRT, args=("-bios", "none"))

