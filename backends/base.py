"""What every backend declares and does.

A backend declares its name and the capabilities of its core, and emits a C
library folder for a model. It subclasses the closest existing backend and
overrides only what differs (``CortexM33Backend(CortexM4Backend)``), so
adding a target is one small file.

The default ``emit`` writes the portable C99 library (tinyc.codegen.library)
with build glue: ``include/<model>.h``, ``src/<model>.c``, a
``CMakeLists.txt`` and a Makefile fragment ``<model>.mk``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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


@dataclass(frozen=True)
class EmitRequest:
    """Everything a backend needs to emit one model for one target."""

    model: object  # tinyc.models.Model
    name: str  # C prefix (the spec's model name)
    features: tuple[str, ...]
    classes: tuple[str, ...]
    provenance: object  # tinyc.codegen.library.Provenance
    flash: int  # estimated bytes on this target
    ram: int


class Backend:
    """Base class of all backends. Subclasses set ``name``, ``description`` and ``caps``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    caps: ClassVar[Caps]
    # compiler flags selecting the core (what the CMake/Make glue passes)
    cflags: ClassVar[tuple[str, ...]] = ()
    compiler: ClassVar[str] = "cc"

    def __repr__(self) -> str:
        return f"<backend {self.name}>"

    def library(self, req: EmitRequest):
        from tinyc.codegen.library import generate

        if req.model.task.value == "anomaly":
            from tinyc.codegen.c_anomaly import library

            return library(req.model, req.name, req.features, req.provenance)
        return generate(req.model, req.name, req.features, req.classes, req.provenance, req.flash, req.ram)

    def emit(self, req: EmitRequest, out_dir: Path) -> list[Path]:
        """Write the library folder for this target; returns the files written."""
        lib = self.library(req)
        files = {
            f"include/{lib.header_name}": lib.header,
            f"src/{lib.source_name}": lib.source,
            "CMakeLists.txt": self.cmake(req),
            f"{req.name}.mk": self.makefile(req),
        }
        files.update(self.extra_files(req, lib))
        written = []
        for rel, text in sorted(files.items()):
            path = out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written

    def extra_files(self, req: EmitRequest, lib) -> dict[str, str]:
        return {}

    def cmake(self, req: EmitRequest) -> str:
        p = req.name
        flags = " ".join(self.cflags)
        return f"""# CMake glue for the tinyc model '{p}' ({self.name}). Use it with
#   add_subdirectory(<this folder>) and target_link_libraries(<your target> {p})
cmake_minimum_required(VERSION 3.13)
project({p} C)
add_library({p} STATIC src/{p}.c)
target_include_directories({p} PUBLIC include)
set_target_properties({p} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
# -ffp-contract=off: no fused multiply-add, so results match tinyc's reference model bit for bit
target_compile_options({p} PRIVATE -Wall -Wextra -ffp-contract=off{(' ' + flags) if flags else ''})
"""

    def makefile(self, req: EmitRequest) -> str:
        p = req.name
        P = p.upper()
        return f"""# Makefile fragment for the tinyc model '{p}' ({self.name}). In your Makefile:
#   {P}_DIR := path/to/this/folder
#   include $({P}_DIR)/{p}.mk
#   CFLAGS += $({P}_CFLAGS)   and add $({P}_SRCS) to your sources
{P}_DIR ?= $(dir $(lastword $(MAKEFILE_LIST)))
{P}_SRCS := $({P}_DIR)src/{p}.c
{P}_CFLAGS := -I$({P}_DIR)include -std=c99 -ffp-contract=off{(' ' + ' '.join(self.cflags)) if self.cflags else ''}
{P}_LDLIBS :=
"""
