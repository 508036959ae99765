"""RISC-V RV32EC (CH32V003 class): the embedded base ISA (16 registers) with compressed
instructions, no multiply/divide unit and no FPU (libgcc multiplies, divides and does float in
software), 16 KB of flash and 2 KB of RAM. Built with riscv64-unknown-elf-gcc for the ilp32e ABI
and picolibc; run under qemu-system-riscv32's `virt` machine with a CPU that has only E and C.

Its costs come from its calibrated profile (profiles/riscv32ec.json, `tinyc calibrate riscv32ec`).
Multiplies are libgcc calls whose length depends on the operands; fitted on relative error over
the 32-model corpus, the instruction estimates of the test suite's 60 model cases are within 6%
(median) and 31% (worst, a float linear model) of qemu's counts, as close as the Cortex-M0+'s."""
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
