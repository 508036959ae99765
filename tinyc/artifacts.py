"""A build's JSON artifacts, report.json and manifest.json: their schema as pydantic models, written
here and only here (by the build's write pass and by `tinyc verify`), and read here (by verify,
`tinyc report` and whatever indexes builds). Each carries a schema version (its major version, an
integer); a reader refuses a version above the one this tinyc writes, with the reason, and a
document that does not match the schema; older versions are read as they are (fields added since
are optional). The report's sections are typed at their top level; what they hold is described
in docs/report-json.md and free to grow within a major version."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import TinycError
from .output import write_json

REPORT_SCHEMA_VERSION = 1
MANIFEST_SCHEMA_VERSION = 1


class ArtifactError(TinycError):
    """A build folder's report.json or manifest.json is missing, unreadable or from a newer tinyc."""

    code, kind = "E0702", "input"


def target_figures(targets, costs: dict) -> dict:
    """report.json's ``targets``: each target's estimated cost against its limits, and the latency
    at its clock (the spec's, else the core's); ``uncalibrated``: why, when the estimates are not
    fitted to the core."""
    from . import targets as registry

    out = {}
    for t in targets:
        reason = getattr(registry.get(t.name), "uncalibrated", None)
        out[t.name] = {**costs[t.name].as_dict(), "flash_limit": t.flash, "ram_limit": t.ram, "clock_hz": t.hz,
                       "latency_us": round(costs[t.name].cycles / t.hz * 1e6, 3), "estimated": True,
                       **({"latency_limit_us": round(t.latency_s * 1e6, 3)} if t.latency_s is not None else {}),
                       **({"uncalibrated": reason} if reason else {})}
    return out


class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow")  # fields a later minor version adds are kept


class Provenance(_Doc):
    seed: int
    spec_sha256: str
    data_sha256: str
    model_id: str


class TargetFigures(_Doc):
    """A target's estimate against its limits, its linked size (``measured``) and its files."""

    flash: int
    ram: int
    flash_limit: int
    ram_limit: int
    clock_hz: Any  # the clock latency figures use (a number, as written)
    latency_us: Any
    latency_limit_us: Any = None  # the spec's latency (µs), a hard limit
    estimated: bool
    files: list[str] = []
    measured: dict = {}
    quantization: Optional[str] = None  # the form emitted there (classification, regression)
    kernel: Optional[str] = None  # an int8 dense model's kernel there: "blocked" or "compact"
    uncalibrated: Optional[str] = None  # why the estimates are not fitted to this core
    # a target that reads its sensor itself: where each input comes from (a register, or the integrator)
    inputs: Optional[list[dict]] = None


class Report(_Doc):
    schema_version: int
    tinyc_version: str
    model_name: str
    task: str
    metric: str
    provenance: Provenance
    data: dict
    data_checks: list[dict] = []
    quantization: dict
    fitting: dict
    search: dict
    model: dict
    targets: dict[str, TargetFigures]
    notes: list[str] = []
    artifacts: dict = {}
    signal: Optional[dict] = None
    anomaly: Optional[dict] = None
    verify: Optional[dict] = None
    figures: list[dict] = []  # how each figure is obtained and its bound (tinyc.report.figures)


class FileRef(_Doc):
    file: str
    sha256: str


class ManifestTarget(_Doc):
    flash: int
    ram: int
    measured_flash: Optional[int]
    measured_ram: Optional[int]
    quantization: Optional[str] = None


class Manifest(_Doc):
    schema_version: int
    tinyc_version: str
    model: str
    spec: FileRef
    data: FileRef
    holdout: Optional[FileRef]
    seed: int
    search: dict
    model_id: str
    files: list[str]
    targets: dict[str, ManifestTarget]
    verify: Optional[dict] = None


def as_json(doc: _Doc) -> dict:
    """The document as written: exactly the fields it was given (none filled in by default)."""
    return doc.model_dump(exclude_unset=True)


def write_report(folder: Path, report: Report) -> None:
    write_json(Path(folder) / "report.json", as_json(report))


def write_manifest(folder: Path, manifest: Manifest) -> None:
    write_json(Path(folder) / "manifest.json", as_json(manifest))


def read(build: Path, name: str, supported: int, schema: type[_Doc]):
    path = Path(build) / name
    if not path.is_file():
        raise ArtifactError(f"{build} has no {name}: not a tinyc build folder", hint="run `tinyc build` first")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ArtifactError(f"{path} cannot be read: {e}", hint="rebuild the folder with `tinyc build`") from None
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if not isinstance(version, int):
        raise ArtifactError(f"{path} has no schema_version: not written by tinyc")
    if version > supported:
        from . import __version__

        raise ArtifactError(f"{path} has schema version {version}; this tinyc ({__version__}) reads up to "
                            f"{supported}", hint=f"use the tinyc that built it ({doc.get('tinyc_version', 'newer')}) "
                                                 f"or rebuild with this one")
    try:
        return schema.model_validate(doc)
    except ValidationError as e:
        where = ".".join(str(x) for x in e.errors()[0]["loc"])
        raise ArtifactError(f"{path} does not match the schema of version {version}: {where}: "
                            f"{e.errors()[0]['msg'].lower()}", hint="rebuild the folder with `tinyc build`") from None


def read_report(build: Path) -> Report:
    return read(build, "report.json", REPORT_SCHEMA_VERSION, Report)


def read_manifest(build: Path) -> Manifest:
    return read(build, "manifest.json", MANIFEST_SCHEMA_VERSION, Manifest)
