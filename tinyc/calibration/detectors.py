"""The anomaly detectors' part of `tinyc calibrate`: a fixed corpus of detectors (every kind, 8-30
features, 2-6 centres, 8-24 isolation trees, scoring only or learning on the device) fitted on the
breast-cancer data's benign rows, each emitted, linked with the target's toolchain (what the
library holds beyond its baseline is the kind's code bytes: the median over the corpus) and its
score counted under the target's emulator; the score's work units (models.anomaly_cost.work)
are related to the counts by non-negative least squares: the profile's ``detector`` tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np

# (kind, centres or (trees, samples per tree), features, learns on the device)
CORPUS = (
    ("gaussian", 1, 8, False), ("gaussian", 1, 30, False), ("gaussian", 1, 16, True), ("gaussian", 1, 30, True),
    ("gaussian_full", 1, 8, False), ("gaussian_full", 1, 20, False),
    ("kmeans", 2, 8, False), ("kmeans", 6, 30, False), ("kmeans", 4, 16, True), ("kmeans", 3, 30, True),
    ("iforest", (8, 64), 8, False), ("iforest", (24, 64), 30, False), ("iforest", (16, 128), 16, False),
)
ROWS = 8


def detectors(seed: int = 0):
    """(label, detector, the rows it is counted on) of every corpus entry."""
    from sklearn import datasets

    from ..models import anomaly as A

    d = datasets.load_breast_cancer()
    X = d.data.astype(np.float32)
    normal = X[d.target == 1]
    for kind, k, n_features, learns in CORPUS:
        rows = normal[:, :n_features]
        det = A.fit_iforest(rows, *k, seed=seed) if kind == "iforest" else A.fit(kind, rows, k=k, seed=seed)
        det.threshold, det.on_device = 1.0, learns
        size = "x".join(map(str, k)) if isinstance(k, tuple) else k
        yield f"{kind}/{size}/{n_features}{'/learns' if learns else ''}", det, X[:ROWS, :n_features]


def calibrate(backend, target: str, tmp: Path, on_line=print) -> tuple[dict, dict]:
    """The profile's ``detector`` section (code bytes by kind, scoring or learning; instructions
    per unit) with its fit errors, from the corpus measured on ``target``."""
    from tinyc_backends.base import EmitRequest

    from .. import emulator, toolchain
    from ..models import anomaly_cost
    from .fit import PROV, fit

    code_rows: dict[tuple[str, str], list[tuple[int, int]]] = {}
    insn_rows = []
    for i, (label, det, X) in enumerate(detectors()):
        folder = tmp / f"det{i}"
        backend.emit(EmitRequest(det, "m", tuple(f"x{j}" for j in range(det.n_features)), (), PROV, 0, 0), folder)
        linked = toolchain.measure(folder, "m", backend,
                                   anomaly=toolchain.anomaly_calls("m", det.learns_on_device)).flash
        counted = emulator.instructions_per_inference(folder, "m", X, target)
        mode = "learn" if det.learns_on_device else "score"
        code_rows.setdefault((mode, det.kind), []).append((anomaly_cost.baseline_bytes(det), linked))
        insn_rows.append((anomaly_cost.work(det), counted))
        on_line(f"detector {label:<39} {counted:>10.1f} instructions {linked:>7} B linked")
    code: dict[str, dict[str, int]] = {}
    rel = []
    for (mode, kind), rows in sorted(code_rows.items()):
        code.setdefault(mode, {})[kind] = bytes_ = int(np.median([linked - base for base, linked in rows]))
        rel += [abs(base + bytes_ - linked) / linked for base, linked in rows]
    code_err = {"median": round(float(np.median(rel)), 4), "worst": round(float(max(rel)), 4), "models": len(rel)}
    instructions, insn_err = fit(insn_rows)
    return {"code": code, "instructions": instructions}, {"detector_code": code_err, "detector_instructions": insn_err}
