"""What the Arm Cortex-M backends share: the cross compiler, and the folder packaged for
every firmware build system Arm boards use (see packages.py)."""
from __future__ import annotations

from .base import Backend


class ArmBackend(Backend):
    compiler = "arm-none-eabi-gcc"
    arduino_architectures = "*"
    packages = ("cmake", "toolchain", "make", "arduino", "platformio", "zephyr")
