"""A build's JSON artifacts (report.json, manifest.json): each carries a schema version, and a reader
checks it before it trusts a field. A major version above the one this tinyc writes is refused with
the reason; older versions are read as they are (fields added since are optional)."""
from __future__ import annotations

import json
from pathlib import Path

from .errors import TinycError

REPORT_SCHEMA_VERSION = 1
MANIFEST_SCHEMA_VERSION = 1


class ArtifactError(TinycError):
    """A build folder's report.json or manifest.json is missing, unreadable or from a newer tinyc."""

    code, kind = "E0702", "input"


def target_figures(targets, costs: dict) -> dict:
    """report.json's ``targets``: each target's estimated cost against its limits, and the latency
    at its clock (the spec's, else the core's)."""
    return {t.name: {**costs[t.name].as_dict(), "flash_limit": t.flash, "ram_limit": t.ram, "clock_hz": t.hz,
                     "latency_us": round(costs[t.name].cycles / t.hz * 1e6, 3), "estimated": True}
            for t in targets}


def read(build: Path, name: str, supported: int) -> dict:
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
    return doc


def read_report(build: Path) -> dict:
    return read(build, "report.json", REPORT_SCHEMA_VERSION)


def read_manifest(build: Path) -> dict:
    return read(build, "manifest.json", MANIFEST_SCHEMA_VERSION)
