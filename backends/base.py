"""What every backend declares: its name and the capabilities of the core.

A backend subclasses the closest existing one and overrides only what
differs (``CortexM33Backend(CortexM4Backend)``), so adding a target is one
small file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True)
class Caps:
    """Capabilities of a target core, as the cost model and code generator need them."""

    fpu: Literal["none", "single", "double"]
    dsp: bool  # DSP/SIMD extension (dual 16-bit MAC etc.)
    hw_divide: bool
    word_bits: int
    clock_hz: float  # typical clock, for latency estimates
    default_flash: int  # bytes the model may use when the spec gives no limit
    default_ram: int
    max_flash: int | None = None  # what the device has at most, when fixed by the silicon
    max_ram: int | None = None
    arch: str = ""  # e.g. armv7e-m


class Backend:
    """Base class of all backends. Subclasses set ``name``, ``description`` and ``caps``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    caps: ClassVar[Caps]

    def __repr__(self) -> str:
        return f"<backend {self.name}>"
