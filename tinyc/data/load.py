"""Load a CSV named by a resolved spec into numeric arrays.

pandas' C parser does the reading (a million rows × 100 columns in seconds;
see benchmarks/load_speed.py), with the delimiter and decimal mark sniffed by
:mod:`tinyc.data.header`. Feature columns must be numeric; the label column
may hold strings or numbers and is kept as text. Every failure is a
:class:`DataError` with a one-line reason that names the file, the column and,
where it helps, the row (counted as in a text editor, header = line 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .header import CsvFormat, DataError, sniff

# the largest float32 magnitude: the device computes in float32 (or integers scaled from it),
# and a value beyond it turns into infinity there and in the metrics
FLOAT32_MAX = float(np.finfo(np.float32).max)
MISSING_TOKENS = ["", "na", "NA", "nan", "NaN", "NAN", "null", "NULL", "None", "none", "?", "n/a", "N/A"]


@dataclass(frozen=True)
class Table:
    """A loaded CSV: features as a float matrix (NaN where missing) and the label column as written."""

    path: Path
    feature_names: tuple[str, ...]
    X: np.ndarray  # (rows, features) float64
    y_raw: np.ndarray | None  # (rows,) str, or None when no label column
    missing_per_feature: dict[str, int] = field(default_factory=dict)
    groups: np.ndarray | None = None  # (rows,) str: the group column's values (`data { group ... }`)

    @property
    def rows(self) -> int:
        return self.X.shape[0]


BEYOND = "beyond float32's range (±3.4e+38) that the model computes in; rescale the column"


CHUNK_ROWS = 200_000  # rows parsed at a time: the matrix is filled in place, never copied whole


def _read(path: Path, fmt: CsvFormat, label: str | None, group: str | None = None):
    """The CSV in chunks of CHUNK_ROWS rows (pandas' C parser)."""
    import pandas as pd

    # all columns are read (no usecols): only then does the parser refuse rows with extra fields
    text = {c: str for c in (label, group) if c}
    return pd.read_csv(path, sep=fmt.delimiter, decimal=fmt.decimal, encoding="utf-8-sig", index_col=False,
                       dtype=text or None, na_values=MISSING_TOKENS, keep_default_na=False,
                       skipinitialspace=True, skip_blank_lines=True, engine="c", chunksize=CHUNK_ROWS)


def _chunks(path: Path, fmt: CsvFormat, label: str | None, group: str | None = None):
    """Each chunk of the CSV with the number of the first row it holds; parse errors as DataError."""
    import pandas as pd

    first = 0
    try:
        with _read(path, fmt, label, group) as reader:
            for df in reader:
                yield first, df
                first += len(df)
    except pd.errors.ParserError as e:
        reason = str(e).strip().splitlines()[-1].replace("Error tokenizing data. C error: ", "")
        raise DataError(f"{path}: cannot parse the CSV: {reason}") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text (byte {e.start})") from None


def _data_lines(path: Path) -> int:
    """At most how many data rows the file holds (its line breaks; the header is one)."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            n += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            last = block[-1:]
    return n + (last not in (b"\n", b"\r"))


def _numeric(series, path: Path, column: str, first: int) -> np.ndarray:
    import pandas as pd

    if series.dtype.kind in "fiub":
        arr = series.to_numpy(dtype=np.float64)
    else:
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(np.isnan(arr) & series.notna().to_numpy())
        if len(bad):
            i = int(bad[0])
            raise DataError(f"{path}: column '{column}' is not numeric (row {first + i + 2} holds "
                            f"'{str(series.iloc[i]).strip()[:40]}'); list it under `ignore` or encode it as numbers")
    return arr


def _check_values(X: np.ndarray, path: Path, names, first: int) -> None:
    infinite = np.argwhere(np.isinf(X))
    if len(infinite):
        i, j = infinite[0]
        raise DataError(f"{path}: column '{names[j]}' holds an infinite value at row {first + i + 2}")
    with np.errstate(invalid="ignore"):
        huge = np.argwhere(np.abs(X) > FLOAT32_MAX)
    if len(huge):
        i, j = huge[0]
        raise DataError(f"{path}: column '{names[j]}' holds {X[i, j]:g} at row {first + i + 2}, {BEYOND}")


def load_table(path: Path, label: str | None, ignore: set[str], fmt: CsvFormat | None = None,
               feature_names: tuple[str, ...] | None = None, group: str | None = None) -> Table:
    """Read ``path``. ``feature_names`` forces the feature columns (a holdout
    file must have the same features as the training file). Memory: the feature matrix, the
    labels and one chunk of rows (about 1.2 times the matrix for a file of numbers)."""
    fmt = fmt or sniff(path)
    if label is not None and label not in fmt.columns:
        raise DataError(f"{path}: label column '{label}' is not in the header")
    names = feature_names or tuple(c for c in fmt.columns if c not in (label, group) and c not in ignore)
    if group is not None and group not in fmt.columns:
        raise DataError(f"{path}: group column '{group}' is not in the header")
    if not names:
        raise DataError(f"{path}: no feature columns left after removing the label and ignored columns")
    missing_cols = [c for c in names if c not in fmt.columns]
    if missing_cols:
        raise DataError(f"{path}: column '{missing_cols[0]}' is missing")
    X = np.empty((_data_lines(path), len(names)), dtype=np.float64)
    labels, groups = [], []
    rows = 0
    for first, df in _chunks(path, fmt, label, group):
        features = df[list(names)]
        if all(dt.kind in "fiub" for dt in features.dtypes):  # the common case: one conversion for all
            part = features.to_numpy(dtype=np.float64)
        else:
            part = np.column_stack([_numeric(df[name], path, name, first) for name in names])
        _check_values(part, path, names, first)
        X[first:first + len(df)] = part
        if label is not None:
            labels.append(_labels(df[label], path, label, first))
        if group is not None:
            groups.append(_text(df[group], path, f"group column '{group}'", first))
        rows = first + len(df)
    if rows == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    X = X[:rows]
    n_missing = np.isnan(X).sum(axis=0)
    for j in np.flatnonzero(n_missing == rows):
        raise DataError(f"{path}: column '{names[j]}' has no values (every cell is empty or NaN)")
    missing = {names[j]: int(n_missing[j]) for j in np.flatnonzero(n_missing)}
    y = np.concatenate(labels) if label is not None else None
    g = np.concatenate(groups) if group is not None else None
    del labels, groups
    _release_freed_memory()
    return Table(path, tuple(names), X, y, missing, g)


def _release_freed_memory() -> None:
    """Hand the parser's freed heap back to the system (glibc keeps it: a million rows left
    ~145 MB of freed chunks resident). Nothing happens where there is no glibc."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _text(col, path: Path, what: str, first: int) -> np.ndarray:
    """A text column's values, stripped; an empty cell is an error (``what``: "label column 'y'")."""
    empty = np.flatnonzero(col.isna().to_numpy())
    if len(empty):
        raise DataError(f"{path}: {what} is empty at row {first + int(empty[0]) + 2}")
    return col.str.strip().to_numpy(dtype=str)


def _labels(col, path: Path, label: str, first: int) -> np.ndarray:
    values = _text(col, path, f"label column '{label}'", first)
    nul = np.flatnonzero(col.str.contains("\x00", regex=False).to_numpy(dtype=bool))
    if len(nul):  # C strings (the generated label table) end at a NUL
        raise DataError(f"{path}: label column '{label}' holds a NUL character at row {first + int(nul[0]) + 2}")
    return values
