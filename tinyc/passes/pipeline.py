"""The build pipeline: spec → checked spec → data → (passes) → output folder.

This is the one place that strings the passes together. Today it resolves the
spec, loads and checks the data and writes the resolved IR and a manifest;
the search, quantization, memory-fitting and backend passes plug in here.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..data.header import DataError
from ..data.load import Table, load_table
from ..output import atomic_dir, write_json
from ..spec import Resolved
from ..spec.ir import IR_VERSION, Task

MANIFEST_SCHEMA_VERSION = 1


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    train: Table
    holdout: Table | None


def load_data(r: Resolved) -> tuple[Table, Table | None]:
    d = r.spec.data
    label = d.label.value if d.label else None
    ignore = {x.value for x in d.ignore}
    train = load_table(r.data_path, label, ignore, r.csv)
    holdout = None
    if r.holdout_path is not None:
        holdout = load_table(r.holdout_path, label, ignore, feature_names=train.feature_names)
    if r.spec.task.value == Task.classification:
        classes = sorted(set(train.y_raw.tolist()))
        if len(classes) < 2:
            raise DataError(f"{r.data_path}: label column '{label}' has a single class ('{classes[0]}'); "
                            f"classification needs at least two")
    return train, holdout


def _data_summary(r: Resolved, train: Table, holdout: Table | None) -> dict:
    out = {
        "rows": train.rows,
        "features": list(train.feature_names),
        "missing_values": dict(sorted(train.missing_per_feature.items())),
        "holdout_rows": holdout.rows if holdout is not None else None,
    }
    if train.y_raw is not None and r.spec.task.value == Task.classification:
        labels, counts = __import__("numpy").unique(train.y_raw, return_counts=True)
        out["classes"] = {str(k): int(v) for k, v in zip(labels, counts)}
    return out


def build(r: Resolved, spec_path: Path, out_dir: Path) -> BuildResult:
    """Run the pipeline for a resolved spec and write ``out_dir`` atomically.
    Raises DataError for unusable data."""
    train, holdout = load_data(r)
    spec_json = r.spec.model_dump(mode="json")
    with atomic_dir(out_dir) as tmp:
        write_json(tmp / "spec.resolved.json", {"tinyc_version": __version__, "ir_version": IR_VERSION,
                                                 "spec": spec_json})
        write_json(tmp / "data.summary.json", _data_summary(r, train, holdout))
        write_json(tmp / "manifest.json", {
            "schema_version": MANIFEST_SCHEMA_VERSION,
            "tinyc_version": __version__,
            "model": r.spec.model.value,
            "spec": {"file": spec_path.name, "sha256": sha256_file(spec_path)},
            "data": {"file": r.spec.data.path.value, "sha256": sha256_file(r.data_path)},
            "holdout": ({"file": r.spec.data.holdout.path, "sha256": sha256_file(r.holdout_path)}
                        if r.holdout_path else None),
            "seed": r.spec.seed.value,
            "targets": [t.name.value for t in r.spec.targets],
        })
    return BuildResult(out_dir, train, holdout)
