"""What the Arm Cortex-M backends share: the cross compiler, and the folder packaged for
every firmware build system Arm boards use (see packages.py)."""
from __future__ import annotations

from .base import Backend, Emulator, Toolchain

ARM_TOOLCHAIN = Toolchain(
    "arm-none-eabi-gcc", "arm-none-eabi-size", "arm-none-eabi-nm",
    install="install the Arm toolchain: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
            "binutils-arm-none-eabi",
    link=("-nostartfiles", "-Wl,--gc-sections", "--specs=nosys.specs"))


def qemu_board(machine: str, flash: tuple[int, int], ram: tuple[int, int]) -> Emulator:
    """A Cortex-M board of qemu-system-arm (bare metal, semihosting; tinyc/runtime/baremetal.c
    starts it)."""
    return Emulator("qemu-system-arm", machine, flash, ram,
                    install="install the emulator: apt-get install qemu-system-arm")


class ArmBackend(Backend):
    toolchain = ARM_TOOLCHAIN
    compiler = ARM_TOOLCHAIN.gcc
    arduino_architectures = "*"
    packages = ("cmake", "toolchain", "make", "arduino", "platformio", "zephyr")
