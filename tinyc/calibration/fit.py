"""Non-negative least squares of per-unit costs, and medians of code bytes: how calibration turns
measurements into a profile's tables; and the provenance every corpus library is emitted with."""
from __future__ import annotations

import numpy as np

from ..codegen.library import Provenance

PROV = Provenance("calibrate", "corpus", "0" * 64, "0" * 64, "calibrate")


def fit(rows: list[tuple[dict, float]], fixed: dict | None = None) -> tuple[dict, dict]:
    """Per-unit instructions (``call`` the intercept) by non-negative least squares on relative error
    (each row divided by its count, so a small model weighs as much as a large one), and the fit's
    relative errors (median and worst, over the rows). ``fixed``: units whose price is known already
    (code another table has measured), taken off the counts before the fit."""
    from scipy.optimize import nnls

    fixed = fixed or {}
    keys = sorted({k for units, _ in rows for k in units} - set(fixed))
    A = np.array([[1.0] + [units.get(k, 0.0) for k in keys] for units, _ in rows])
    b = np.array([count for _, count in rows])
    known = np.array([sum(p * units.get(k, 0.0) for k, p in fixed.items()) for units, _ in rows])
    weight = 1.0 / np.maximum(b, 1.0)
    coef, _ = nnls(A * weight[:, None], (b - known) * weight)
    table = {"call": round(float(coef[0]), 2), **{k: round(float(c), 2) for k, c in zip(keys, coef[1:])}}
    pred = A @ np.array([table["call"]] + [table[k] for k in keys]) + known
    table = dict(sorted({**table, **fixed}.items()))
    rel = np.abs(pred - b) / np.maximum(b, 1.0)
    return table, {"median": round(float(np.median(rel)), 4), "worst": round(float(rel.max()), 4), "models": len(rows)}


def fit_code(by_key: dict[str, list[tuple[int, int]]]) -> tuple[dict, dict]:
    """Code bytes per family, task and form: the median of what each corpus model's linked flash
    holds beyond its weights; and the relative error of weights + that median (median, worst)."""
    table = {key: int(np.median([linked - weights for weights, linked in rows])) for key, rows in sorted(by_key.items())}
    rel = [abs(weights + table[key] - linked) / linked for key, rows in by_key.items() for weights, linked in rows]
    return table, {"median": round(float(np.median(rel)), 4), "worst": round(float(max(rel)), 4), "models": len(rel)}


def fit_branches(rows: list[tuple[dict, int, int]]) -> tuple[dict, dict]:
    """Code bytes from (units, the bytes they account for, the linked bytes) of each corpus entry:
    least squares of a fixed part (``base``, of either sign) and non-negative bytes per unit. Used
    for the if-else tree kernel (tinyc.codegen.c_tree_branches: split, leaf, tree, checked feature,
    beside the input maps and the walk's code) and the signal front end's code (beside its tables
    and the soft-float routines measured on their own). Returns (bytes per unit, the fit's relative
    errors on the linked bytes)."""
    from scipy.optimize import nnls

    units = sorted({u for us, _, _ in rows for u in us if u != "base"})
    A = np.array([[1.0, -1.0] + [us.get(u, 0.0) for u in units] for us, _, _ in rows])
    b = np.array([float(beyond) for _, beyond, _ in rows])
    linked = np.array([float(total) for _, _, total in rows])
    weight = 1.0 / np.maximum(linked, 1.0)
    coef, _ = nnls(A * weight[:, None], b * weight)
    rates = {"base": round(float(coef[0] - coef[1]), 2), **{u: round(float(c), 2) for u, c in zip(units, coef[2:])}}
    pred = A[:, 2:] @ np.array([rates[u] for u in units]) + rates["base"]
    rel = np.abs(pred - b) / np.maximum(linked, 1.0)
    return rates, {"median": round(float(np.median(rel)), 4), "worst": round(float(rel.max()), 4), "models": len(rows)}
