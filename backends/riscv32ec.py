"""RISC-V RV32EC (CH32V003 class): the embedded base ISA (16 registers) with compressed
instructions, no multiply/divide unit and no FPU (libgcc multiplies, divides and does float in
software), 16 KB of flash and 2 KB of RAM. Built with riscv64-unknown-elf-gcc for the ilp32e ABI
and picolibc; run under qemu-system-riscv32's `virt` machine with a CPU that has only E and C.

Its instructions per prediction come from its calibrated profile (profiles/rv32ec.json, `tinyc
calibrate riscv32ec`): multiplies are libgcc calls whose length depends on the operands, so the
fit is looser than on cores with a multiplier (wine's int8 MLP: 151,913 estimated, 139,596
counted). Code bytes still come from the tables of a Cortex-M without FPU (1871 B estimated,
2088 B linked); the report marks them uncalibrated."""
from __future__ import annotations

from .base import Caps, Emulator
from .riscv32imc import RISCV_TOOLCHAIN, VIRT, Riscv32imcBackend


class Riscv32ecBackend(Riscv32imcBackend):
    name = "riscv32ec"
    description = "RISC-V RV32EC (CH32V003 class): 16 registers, no multiply unit, no FPU; 16 KB flash, 2 KB RAM"
    caps = Caps(fpu="none", dsp=False, hw_divide=False, word_bits=32, clock_hz=48e6,
                default_flash=16 * 1024, default_ram=2 * 1024, max_flash=16 * 1024, max_ram=2 * 1024,
                arch="rv32ec")
    cflags = ("-march=rv32ec", "-mabi=ilp32e")
    toolchain = RISCV_TOOLCHAIN
    emulator = Emulator(**VIRT, args=("-bios", "none", "-cpu", "rv32,e=true,i=false,m=false,a=false,f=false,d=false,"
                                      "h=false"))
    uncalibrated = ("code bytes costed with the tables of a Cortex-M without FPU (instructions come from its "
                    "calibrated profile); the build measures the linked size")
