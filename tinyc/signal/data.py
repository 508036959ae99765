"""Long-format CSV (one row per sample) → windows → a feature table, split by recording.

Rows of one recording (the ``group`` column, or the whole file without one) are
consecutive samples in file order. A window's label is the label of its last
sample (what the device would be predicting at that moment). The holdout is whole
recordings (stratified by their label) so that no window of a held-out recording
overlaps one used for training; without a group column it is the last part of the
file in time, with the windows that straddle the cut dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.header import DataError
from ..data.load import Table
from .features import compute, window_starts, windows, with_magnitudes
from .frontend import FrontEnd


@dataclass(frozen=True)
class Recording:
    key: str
    samples: np.ndarray  # (rows, raw channels) float32
    labels: np.ndarray | None  # (rows,) str


@dataclass(frozen=True)
class WindowTable:
    X: np.ndarray  # (windows, features) float32
    y_raw: np.ndarray | None  # (windows,) str
    recording: np.ndarray  # (windows,) index into recordings
    recordings: tuple[str, ...]
    samples: np.ndarray | None = None  # layout wide: each row's raw samples (windows, window, channels)


def read(path: Path, fe: FrontEnd, label: str | None, time: str | None, sep: str = ",",
         decimal: str = ".") -> list[Recording]:
    """The recordings of a long-format CSV, checked (numeric channels, no missing samples,
    recordings at least one window long, timestamps matching the rate)."""
    import pandas as pd

    cols = list(fe.channels) + [c for c in (fe.group, label, time) if c]
    try:
        df = pd.read_csv(path, sep=sep, decimal=decimal, usecols=cols, encoding="utf-8-sig",
                         dtype={c: str for c in (fe.group, label) if c}, keep_default_na=False,
                         na_values=["", "NA", "NaN", "nan", "null", "NULL", "?"], engine="c")
    except ValueError as e:
        raise DataError(f"{path}: {e}") from None
    if len(df) == 0:
        raise DataError(f"{path}: no samples (the file has a header only)")
    for c in fe.channels + ((time,) if time else ()):
        arr = pd.to_numeric(df[c], errors="coerce")
        bad = np.flatnonzero(arr.isna().to_numpy())
        if len(bad):
            i = int(bad[0])
            raw = df[c].iloc[i]
            what = "is empty" if raw is None or (isinstance(raw, float) and np.isnan(raw)) or str(raw).strip() == "" \
                else f"holds '{str(raw).strip()}'"
            raise DataError(f"{path}: channel '{c}' at row {i + 2} {what}; a signal needs a number for every sample")
        df[c] = arr
    if label:
        empty = np.flatnonzero(df[label].isna().to_numpy() | (df[label].astype(str).str.strip() == "").to_numpy())
        if len(empty):
            raise DataError(f"{path}: label column '{label}' is empty at row {int(empty[0]) + 2}")
    groups = [("all", df)] if not fe.group else list(df.groupby(fe.group, sort=False))
    recs = []
    for key, g in groups:
        if time:
            _check_rate(path, g[time].to_numpy(dtype=np.float64), fe, time, key)
        if len(g) < fe.window:
            where = f"recording '{key}'" if fe.group else "the file"
            raise DataError(f"{path}: {where} has {len(g)} samples, fewer than one window of {fe.window} "
                            f"({fe.window / fe.rate_hz:g} s at {fe.rate_hz:g} Hz); shorten the window or drop it")
        recs.append(Recording(str(key), g[list(fe.channels)].to_numpy(dtype=np.float32),
                              g[label].astype(str).str.strip().to_numpy() if label else None))
    return recs


def _check_rate(path: Path, t: np.ndarray, fe: FrontEnd, column: str, key) -> None:
    if len(t) < 2:
        return
    step = float(np.median(np.diff(t)))
    expect = 1.0 / fe.rate_hz
    if not step > 0 or abs(step - expect) > 0.02 * expect:
        where = f" in recording '{key}'" if fe.group else ""
        rate = f"{1 / step:g} Hz" if step > 0 else "not increasing"
        raise DataError(f"{path}: timestamps in column '{column}'{where} are {step:g} s apart ({rate}), but the "
                        f"signal block says rate {fe.rate_hz:g}Hz")


def read_wide(path: Path, fe: FrontEnd, label: str | None, sep: str = ",", decimal: str = ".") -> WindowTable:
    """Layout wide: every row one window; channel c's samples in ``fe.wide_columns[c]``."""
    import pandas as pd

    cols = [c for group in fe.wide_columns for c in group]
    try:
        df = pd.read_csv(path, sep=sep, decimal=decimal, usecols=cols + ([label] if label else []),
                         encoding="utf-8-sig", dtype={label: str} if label else None, keep_default_na=False,
                         na_values=["", "NA", "NaN", "nan", "null", "NULL", "?"], engine="c")
    except ValueError as e:
        raise DataError(f"{path}: {e}") from None
    if len(df) == 0:
        raise DataError(f"{path}: no windows (the file has a header only)")
    W = np.empty((len(df), fe.window, len(fe.channels)), dtype=np.float32)
    for c, group in enumerate(fe.wide_columns):
        for k, col in enumerate(group):
            arr = pd.to_numeric(df[col], errors="coerce")
            bad = np.flatnonzero(arr.isna().to_numpy())
            if len(bad):
                i = int(bad[0])
                raw = str(df[col].iloc[i]).strip()
                what = "is empty" if raw in ("", "nan") else f"holds '{raw}'"
                raise DataError(f"{path}: sample column '{col}' at row {i + 2} {what}; a signal needs a number "
                                f"for every sample")
            W[:, k, c] = arr.to_numpy(dtype=np.float32)
    y = None
    if label:
        y = df[label].astype(str).str.strip().to_numpy()
        empty = np.flatnonzero(y == "")
        if len(empty):
            raise DataError(f"{path}: label column '{label}' is empty at row {int(empty[0]) + 2}")
    full = with_magnitudes(fe, W.reshape(-1, len(fe.channels))).reshape(len(df), fe.window, -1)
    return WindowTable(compute(fe, full), y, np.arange(len(df)), tuple(str(i) for i in range(len(df))), W)


def table(fe: FrontEnd, recs: list[Recording]) -> WindowTable:
    """Every window's features, its label (last sample's) and its recording."""
    feats, labels, which = [], [], []
    for i, r in enumerate(recs):
        starts = window_starts(len(r.samples), fe)
        feats.append(compute(fe, windows(fe, r.samples)))
        which.append(np.full(len(starts), i))
        if r.labels is not None:
            labels.append(r.labels[starts + fe.window - 1])
    return WindowTable(np.concatenate(feats), np.concatenate(labels) if labels else None,
                       np.concatenate(which), tuple(r.key for r in recs))


def split(wt: WindowTable, recs: list[Recording], fe: FrontEnd, percent: float, seed: int,
          stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Window indices (train, holdout): whole recordings, or the file's tail in time."""
    from ..data.prepare import split_indices

    if len(recs) >= 2:
        rec_labels = np.array([r.labels[-1] if r.labels is not None else "" for r in recs])
        tr, ho = split_indices(rec_labels, percent, seed, stratify=stratify)
        hold = np.isin(wt.recording, ho)
        return np.flatnonzero(~hold), np.flatnonzero(hold)
    n = len(recs[0].samples)
    cut = int(round(n * (1 - percent / 100.0)))
    starts = window_starts(n, fe)
    train = np.flatnonzero(starts + fe.window <= cut)
    hold = np.flatnonzero(starts >= cut)
    if not len(train) or not len(hold):
        raise DataError(f"a {percent:g}% holdout of one recording of {n} samples leaves no whole window on one "
                        f"side; add recordings (a `group` column) or change `holdout`")
    return train, hold


def as_tables(path: Path, wt: WindowTable, names: tuple[str, ...], idx: np.ndarray) -> Table:
    """Windows as a feature table for :func:`tinyc.data.prepare.prepare`."""
    y = wt.y_raw[idx] if wt.y_raw is not None else None
    return Table(path, names, wt.X[idx].astype(np.float64), y)
