"""What every backend declares and does.

A backend declares its name and the capabilities of its core, and emits a C
library folder for a model. It subclasses the closest existing backend and
overrides only what differs (``CortexM33Backend(CortexM4Backend)``), so
adding a target is one small file.

The default ``emit`` writes the portable C99 library (tinyc.codegen.library),
``src/<model>.h`` and ``src/<model>.c``, with the build-system packages the
backend lists in ``packages`` (see ``packages.py``: CMake, Make, Arduino,
PlatformIO, Zephyr) and a README saying how to use each.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Literal

PROFILES = Path(__file__).parent / "profiles"


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
    # the core's cost profile (tinyc.models.profile): a file of tinyc_backends/profiles/ by name,
    # or a path; set from the backend's ``profile`` (see Backend.__init_subclass__)
    profile: str | None = None


@dataclass(frozen=True)
class Toolchain:
    """A target's cross compiler and the tools beside it (tinyc.toolchain links and measures with
    them): the compiler, ``size`` and ``nm``, what to install when they are missing, flags every
    compile needs (e.g. the C library's specs), and the link flags of a bare-metal image that
    brings no start-up files of its own."""

    gcc: str
    size: str
    nm: str
    install: str
    link: tuple[str, ...] = ()
    compile: tuple[str, ...] = ()

    def compile_flags(self, link: tuple[str, ...] | list[str] = ()) -> list[str]:
        """The compile flags, less those ``link`` holds already (one command compiling and
        linking must not give a specs file twice)."""
        return [f for f in self.compile if f not in link]

    def available(self) -> bool:
        return all(shutil.which(tool) is not None for tool in (self.gcc, self.size, self.nm))


@dataclass(frozen=True)
class Emulator:
    """How tinyc.emulator runs a target's bare-metal image: the qemu binary and machine, where
    its flash and RAM are (origin, length), what to install when qemu is missing; the start-up
    code compiled into the image (a file of tinyc/runtime), whether tinyc writes the image's
    linker script from the memory map (else ``link`` places it, its {flash}/{flash_size}/{ram}/
    {ram_size} filled in), the image's link flags, flags for the driver alone, and more qemu
    arguments."""

    qemu: str
    machine: str
    flash: tuple[int, int]
    ram: tuple[int, int]
    install: str
    runtime: str = "baremetal.c"
    linker_script: bool = True
    link: tuple[str, ...] = ("-nostartfiles", "-Wl,--gc-sections", "--specs=nosys.specs")
    driver_flags: tuple[str, ...] = ()
    args: tuple[str, ...] = ()

    def link_flags(self) -> list[str]:
        where = {"flash": self.flash[0], "flash_size": self.flash[1], "ram": self.ram[0], "ram_size": self.ram[1]}
        return [flag.format(**where) for flag in self.link]

    def available(self) -> bool:
        return shutil.which(self.qemu) is not None


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
    # a holdout row and what the model predicts for it (the Arduino example runs it), or None
    example: tuple[tuple[float, ...], str] | None = None
    # the data's label and time columns (the desktop predictor reads files laid out like the data)
    label_column: str | None = None
    time_column: str | None = None
    # the spec's package block (version, author, maintainer, url) for the library manifests
    package: dict | None = None
    # a target that reads its sensor itself: the spec's declared source of each input
    # (tinyc.spec.resolve_inputs.declared: feature → ("register", register, unit) or ("supply", unit))
    inputs: dict | None = None


class Backend:
    """Base class of all backends. Subclasses set ``name``, ``description`` and ``caps``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    caps: ClassVar[Caps]
    # the cross toolchain that builds and measures the library, and the emulator that runs it
    # (None: the library is measured and emulated nowhere here)
    toolchain: ClassVar[Toolchain | None] = None
    emulator: ClassVar[Emulator | None] = None
    # why the cost estimates are not fitted to this core (the report says so beside them), or
    # None when they are (the built-in Arm cores, checked against the linker and qemu)
    uncalibrated: ClassVar[str | None] = None
    # the cost profile (tinyc.models.profile): a name under profiles/ or a JSON file's path; by
    # default profiles/<name>.json when it exists, else the profile of the backend subclassed
    profile: ClassVar[str | None] = None
    # the raw-data registers a target that reads its sensor itself can map an input from (name →
    # quantity: "acceleration", "angular rate"); empty when the caller hands the model its inputs
    input_registers: ClassVar[dict[str, str]] = {}
    # compiler flags selecting the core (what the CMake/Make glue passes)
    cflags: ClassVar[tuple[str, ...]] = ()
    compiler: ClassVar[str] = "cc"
    # build-system packages of the folder (packages.py); "toolchain": a CMake toolchain file
    packages: ClassVar[tuple[str, ...]] = ("cmake", "make")

    def __init_subclass__(cls, **kwargs):
        """Give the class's Caps its cost profile: the one it names, else the file named after the
        target when there is one, else (a subclass) its parent's."""
        super().__init_subclass__(**kwargs)
        if not hasattr(cls, "caps"):
            return
        own = cls.__dict__.get("profile")
        if own is None and cls.name and (PROFILES / f"{cls.name}.json").is_file():
            own = cls.name
        if own is not None and own != cls.caps.profile:
            cls.caps = replace(cls.caps, profile=own)

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
        files = {f"src/{lib.header_name}": lib.header, f"src/{lib.source_name}": lib.source}
        files.update(self.package_files(req))
        files.update(self.extra_files(req, lib))
        written = []
        for rel, text in sorted(files.items()):
            path = out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written

    def package_files(self, req: EmitRequest) -> dict[str, str]:
        """The build-system glue of ``packages``, and the README on using it."""
        from . import packages as pk

        p = req.name
        files = {"README.md": pk.readme(req, self, self.packages)}
        if "cmake" in self.packages:
            files["CMakeLists.txt"] = pk.cmake(req, self)
        if "toolchain" in self.packages:
            files[f"toolchain-{self.name}.cmake"] = pk.toolchain_file(self)
        if "make" in self.packages:
            files[f"{p}.mk"] = pk.makefile(req, self)
        if "arduino" in self.packages:
            files["library.properties"] = pk.library_properties(req, self)
            files[f"examples/{p}/{p}.ino"] = pk.arduino_sketch(req)
        if "platformio" in self.packages:
            files["library.json"] = pk.library_json(req, self)
            files.setdefault(f"examples/{p}/{p}.ino", pk.arduino_sketch(req))
        if "zephyr" in self.packages:
            files.update(pk.zephyr_files(req))
        return files

    def extra_files(self, req: EmitRequest, lib) -> dict[str, str]:
        """Files of this backend beyond the library and its packages (they win over both)."""
        return {}

    def input_sources(self, req: EmitRequest) -> list[dict] | None:
        """A target that reads its sensor itself: where each model input comes from on the device
        (report.json's ``inputs``); None when the caller hands the model its inputs."""
        return None
