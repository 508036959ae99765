"""Load a CSV named by a resolved spec into numeric arrays.

Feature columns must be numeric; the label column may hold strings or
numbers. Every failure is a :class:`DataError` with a one-line reason that
names the file, the column and, where it helps, the row.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .header import CsvFormat, DataError, sniff

MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "?", "n/a"})


@dataclass(frozen=True)
class Table:
    """A loaded CSV: features as a float matrix (NaN where missing) and the label column as written."""

    path: Path
    feature_names: tuple[str, ...]
    X: np.ndarray  # (rows, features) float64
    y_raw: np.ndarray | None  # (rows,) str, or None when no label column
    missing_per_feature: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.X.shape[0]


def _to_float(values: list[str], decimal: str, path: Path, column: str) -> tuple[np.ndarray, int]:
    cleaned = [v.strip() for v in values]
    missing = [v.lower() in MISSING_TOKENS for v in cleaned]
    if decimal == ",":
        cleaned = [v.replace(",", ".") for v in cleaned]
    cleaned = ["nan" if m else v for v, m in zip(cleaned, missing)]
    try:
        arr = np.asarray(cleaned, dtype=np.float64)
    except ValueError:
        for i, v in enumerate(cleaned):
            try:
                float(v)
            except ValueError:
                raise DataError(f"{path}: column '{column}' is not numeric "
                                f"(row {i + 2} holds '{values[i].strip()}'); "
                                f"list it under `ignore` or encode it as numbers") from None
        raise  # pragma: no cover
    if np.isinf(arr).any():
        row = int(np.flatnonzero(np.isinf(arr))[0])
        raise DataError(f"{path}: column '{column}' holds an infinite value at row {row + 2}")
    return arr, int(sum(missing))


def load_table(path: Path, label: str | None, ignore: set[str], fmt: CsvFormat | None = None,
               feature_names: tuple[str, ...] | None = None) -> Table:
    """Read ``path``. ``feature_names`` forces the feature columns (a holdout
    file must have the same features as the training file)."""
    fmt = fmt or sniff(path)
    if label is not None and label not in fmt.columns:
        raise DataError(f"{path}: label column '{label}' is not in the header")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=fmt.delimiter)
        next(reader)  # header, already read by sniff
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    width = len(fmt.columns)
    for i, r in enumerate(rows):
        if len(r) != width:
            raise DataError(f"{path}: row {i + 2} has {len(r)} fields, the header has {width}")
    names = feature_names or tuple(c for c in fmt.columns if c != label and c not in ignore)
    if not names:
        raise DataError(f"{path}: no feature columns left after removing the label and ignored columns")
    index = {c: i for i, c in enumerate(fmt.columns)}
    cols = list(zip(*rows))
    X = np.empty((len(rows), len(names)), dtype=np.float64)
    missing: dict[str, int] = {}
    for j, name in enumerate(names):
        if name not in index:
            raise DataError(f"{path}: column '{name}' is missing")
        X[:, j], n_missing = _to_float(list(cols[index[name]]), fmt.decimal, path, name)
        if n_missing == len(rows):
            raise DataError(f"{path}: column '{name}' has no values (every cell is empty or NaN)")
        if n_missing:
            missing[name] = n_missing
    y = None
    if label is not None:
        y = np.asarray([v.strip() for v in cols[index[label]]], dtype=str)
        empty = np.flatnonzero(np.char.lower(y) == "") if y.size else []
        if len(empty):
            raise DataError(f"{path}: label column '{label}' is empty at row {int(empty[0]) + 2}")
    return Table(path, tuple(names), X, y, missing)
