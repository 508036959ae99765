"""From loaded tables to the arrays the search trains on.

Encodes the label (classes sorted, numerically when every label is a number),
splits off the holdout (stratified for classification, deterministic under
the seed) unless the spec names a holdout file, fills or drops missing values
by the declared policy using training statistics only, and drops columns that
are constant in the training part. Every decision is recorded for the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..spec.ir import MissingPolicy, Task
from .header import DataError
from .load import BEYOND, FLOAT32_MAX, Table


@dataclass(frozen=True)
class Dataset:
    task: Task
    feature_names: tuple[str, ...]
    X_train: np.ndarray
    y_train: np.ndarray  # class indices (int64) or values (float64)
    X_holdout: np.ndarray
    y_holdout: np.ndarray
    classes: tuple[str, ...] = ()  # label text of each class index
    fill_values: dict[str, float] = field(default_factory=dict)  # per feature, when imputed
    imputed: dict[str, int] = field(default_factory=dict)  # cells filled per feature
    dropped_rows: int = 0
    dropped_constant: tuple[str, ...] = ()
    holdout_overlap: int = 0  # holdout rows that are also training rows (a duplicated row, a shared file)
    groups_train: np.ndarray | None = None  # the group of each training row (`data { group }`): CV keeps groups whole
    group_counts: tuple[int, int] = (0, 0)  # groups in the training part and in the holdout
    groups_shared: int = 0  # groups on both sides (a holdout file can share them)
    # signal data: the holdout's raw samples as the data holds them (columns, rows of text), which
    # the desktop predictor reads like the training data; None for feature tables
    raw_holdout: tuple[tuple[str, ...], list[tuple[str, ...]]] | None = None

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def select(self, columns) -> "Dataset":
        """The same rows with only ``columns`` (indices into ``feature_names``), in that order."""
        from dataclasses import replace

        cols = list(columns)
        return replace(self, feature_names=tuple(self.feature_names[j] for j in cols),
                       X_train=self.X_train[:, cols], X_holdout=self.X_holdout[:, cols])


def _sort_labels(labels) -> list[str]:
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


ANOMALY_CLASSES = ("normal", "anomaly")  # label 0 and 1 of task anomaly
_FLAGS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "normal": 0, "anomaly": 1}


def _encode(table: Table, task: Task, classes: list[str] | None, label: str | None, normal=None):
    if task == Task.anomaly:  # optional label: 1 marks a known anomaly, 0 (or no label) normal data
        if table.y_raw is None:
            return np.zeros(table.rows, dtype=np.int64)
        if normal:  # the label values of normal rows are named; every other value is an anomaly
            values = np.array([v.strip() for v in table.y_raw.tolist()])
            present = set(values.tolist())
            for v in normal:
                if v not in present:
                    from ..spec.diagnostics import suggestion

                    raise DataError(f"{table.path}: normal value '{v}' does not occur in label column '{label}' "
                                    f"({suggestion(v, sorted(present), 'values')})")
            return (~np.isin(values, list(normal))).astype(np.int64)
        bad = next((v for v in table.y_raw.tolist() if v.strip().lower() not in _FLAGS), None)
        if bad is not None:
            raise DataError(f"{table.path}: label column '{label}' of task anomaly must be 0 (normal) or 1 "
                            f"(anomaly), found '{bad}'")
        return np.array([_FLAGS[v.strip().lower()] for v in table.y_raw.tolist()], dtype=np.int64)
    if task == Task.classification:
        index = {c: i for i, c in enumerate(classes)}
        values, inverse = np.unique(table.y_raw, return_inverse=True)  # vectorised: a million labels in 0.2 s
        unknown = sorted(set(values.tolist()) - set(index))
        if unknown:
            raise DataError(f"{table.path}: label '{unknown[0]}' in column '{label}' does not occur in the "
                            f"training data")
        return np.array([index[v] for v in values.tolist()], dtype=np.int64)[inverse.ravel()]
    try:
        y = table.y_raw.astype(np.float64)
    except ValueError:
        bad = next(v for v in table.y_raw.tolist() if not _is_float(v))
        raise DataError(f"{table.path}: label column '{label}' must be numeric for regression, found '{bad}'") from None
    if not np.isfinite(y).all():
        raise DataError(f"{table.path}: label column '{label}' holds NaN or infinite values")
    huge = np.flatnonzero(np.abs(y) > FLOAT32_MAX)
    if len(huge):
        i = int(huge[0])
        raise DataError(f"{table.path}: label column '{label}' holds {y[i]:g} at row {i + 2}, {BEYOND}")
    return y


def _is_float(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def cv_folds(y: np.ndarray, classification: bool, classes=(), holdout: str = "") -> int:
    """Folds of the search's cross-validation over these training rows: 5 up to 2000 rows, 3 up
    to 50,000, one 80/20 split above; fewer when a class has fewer rows than folds. Raises
    DataError, in tinyc's words, when the rows are too few to validate a model at all
    (``holdout``: how the spec sets the holdout, named in the remedy)."""
    n = len(y)
    folds = 5 if n <= 2000 else 3 if n <= 50000 else 1
    aside = f", or keep fewer aside than `{holdout}`" if holdout else ""
    if classification:
        counts = np.bincount(y)
        k = int(np.argmin(np.where(counts > 0, counts, n + 1)))
        if counts[k] < 2:
            name = f" '{classes[k]}'" if k < len(classes) else ""
            raise DataError(f"the {n} training rows are too few: class{name} has {counts[k]} of them, and the "
                            f"search's cross-validation needs at least 2 rows of every class (5 for five folds); "
                            f"add rows{aside}")
        return max(2, min(folds, int(counts[k]))) if folds > 1 else 1
    if n < 4:
        raise DataError(f"the {n} training rows are too few: the search's cross-validation needs at least 4 "
                        f"(10 for five folds); add rows{aside}")
    return min(folds, n // 2) if folds > 1 else 1


def group_split(groups: np.ndarray, percent: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train/holdout row indices that keep every group on one side: whole groups, in a seeded
    order, go to the holdout until it holds ``percent`` of the rows (one group at least stays
    for training)."""
    values, counts = np.unique(groups, return_counts=True)
    if len(values) < 2:
        raise DataError(f"the group column has a single value ('{values[0]}'); a holdout of whole groups needs "
                        f"two or more")
    order = np.random.default_rng(seed).permutation(len(values))
    target, total, held = percent / 100.0 * len(groups), 0, []
    for k in order[:-1]:
        if total >= target:
            break
        held.append(values[k])
        total += int(counts[k])
    hold = np.isin(groups, held)
    return np.flatnonzero(~hold), np.flatnonzero(hold)


def split_indices(y: np.ndarray, percent: float, seed: int, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train/holdout row indices; stratified by class when asked
    and every class has at least two rows."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    strat = None
    if stratify:
        _, counts = np.unique(y, return_counts=True)
        strat = y if counts.min() >= 2 else None
    n_hold = int(round(len(y) * percent / 100.0))
    if n_hold < 1 or n_hold >= len(y):
        raise DataError(f"a {percent:g}% holdout of {len(y)} rows leaves no rows on one side; "
                        f"change `holdout` or add data")
    if strat is not None and (n_hold < len(np.unique(y)) or len(y) - n_hold < len(np.unique(y))):
        strat = None
    train, hold = train_test_split(idx, test_size=n_hold, random_state=seed, stratify=strat)
    return np.sort(train), np.sort(hold)


def prepare(task: Task, label: str | None, train: Table, holdout: Table | None, holdout_percent: float | None,
            missing: MissingPolicy, seed: int, normal: tuple[str, ...] | None = None) -> Dataset:
    classes: list[str] = []
    if task == Task.classification:
        classes = _sort_labels(np.unique(train.y_raw).tolist())
    elif task == Task.anomaly:
        classes = list(ANOMALY_CLASSES)
    y_all = _encode(train, task, classes, label, normal)
    X_all = train.X
    g_all = train.groups
    if holdout is None:
        tr, ho = (group_split(g_all, holdout_percent, seed) if g_all is not None  # whole groups on each side
                  else split_indices(y_all, holdout_percent, seed, stratify=task != Task.regression))
        X_tr, y_tr, X_ho, y_ho = X_all[tr], y_all[tr], X_all[ho], y_all[ho]
        g_tr, g_ho = (g_all[tr], g_all[ho]) if g_all is not None else (None, None)
    else:
        X_tr, y_tr = X_all, y_all
        X_ho, y_ho = holdout.X, _encode(holdout, task, classes, label, normal)
        g_tr, g_ho = g_all, holdout.groups
    # holdout rows that are training rows too: rows the file holds twice, or a holdout file sharing them
    overlap = shared_rows(X_tr, y_tr, X_ho, y_ho)
    if holdout is not None and overlap == len(X_ho):
        raise DataError(f"{holdout.path}: all {overlap} rows of the holdout file are rows of the training file; "
                        f"a holdout must hold rows the model never saw (or drop the file for a percentage, "
                        f"holdout 20%)")
    if task == Task.anomaly and not (y_tr == 0).any():
        raise DataError(f"{train.path}: the training part has no normal rows (label 0); an anomaly detector "
                        f"learns from normal data")
    if task == Task.classification and len(np.unique(y_tr)) < 2:
        raise DataError(f"{train.path}: the training part has a single class; classification needs two or more")

    names = list(train.feature_names)
    fill: dict[str, float] = {}
    imputed: dict[str, int] = {}
    dropped_rows = 0
    nan_tr, nan_ho = np.isnan(X_tr), np.isnan(X_ho)
    if nan_tr.any() or nan_ho.any():
        cols = np.flatnonzero(nan_tr.any(axis=0) | nan_ho.any(axis=0))
        if missing == MissingPolicy.error:
            j = cols[0]
            raise DataError(f"{train.path}: column '{names[j]}' has {int(nan_tr[:, j].sum() + nan_ho[:, j].sum())} "
                            f"missing values and the spec says `missing error`")
        if missing == MissingPolicy.drop:
            keep_tr, keep_ho = ~nan_tr.any(axis=1), ~nan_ho.any(axis=1)
            dropped_rows = int((~keep_tr).sum() + (~keep_ho).sum())
            X_tr, y_tr, X_ho, y_ho = X_tr[keep_tr], y_tr[keep_tr], X_ho[keep_ho], y_ho[keep_ho]
            g_tr = g_tr[keep_tr] if g_tr is not None else None
            g_ho = g_ho[keep_ho] if g_ho is not None else None
            if len(X_tr) == 0 or len(X_ho) == 0:
                raise DataError(f"{train.path}: no rows are left after dropping rows with missing values")
        else:
            X_tr, X_ho = X_tr.copy(), X_ho.copy()
            for j in cols:
                col = X_tr[:, j]
                if np.isnan(col).all():
                    raise DataError(f"{train.path}: column '{names[j]}' has no values in the training part")
                value = {MissingPolicy.median: np.nanmedian, MissingPolicy.mean: np.nanmean}.get(
                    missing, lambda c: 0.0)(col)
                fill[names[j]] = float(value)
                imputed[names[j]] = int(np.isnan(X_tr[:, j]).sum() + np.isnan(X_ho[:, j]).sum())
                X_tr[np.isnan(X_tr[:, j]), j] = value
                X_ho[np.isnan(X_ho[:, j]), j] = value

    ref = X_tr[y_tr == 0] if task == Task.anomaly else X_tr  # a detector learns from the normal rows
    constant = [j for j in range(X_tr.shape[1]) if np.all(ref[:, j] == ref[0, j])]
    if len(constant) == X_tr.shape[1]:
        raise DataError(f"{train.path}: every feature column is constant in the training part; nothing to learn from")
    keep = [j for j in range(X_tr.shape[1]) if j not in set(constant)]
    if constant:  # (a copy of the rows: only when a column goes)
        X_tr, X_ho = np.ascontiguousarray(X_tr[:, keep]), np.ascontiguousarray(X_ho[:, keep])
    return Dataset(
        task=task,
        feature_names=tuple(names[j] for j in keep),
        X_train=np.ascontiguousarray(X_tr), y_train=y_tr,
        X_holdout=np.ascontiguousarray(X_ho), y_holdout=y_ho,
        classes=tuple(classes), fill_values={k: v for k, v in fill.items() if names.index(k) in keep},
        imputed=imputed, dropped_rows=dropped_rows, dropped_constant=tuple(names[j] for j in constant),
        holdout_overlap=overlap,
        groups_train=g_tr,
        group_counts=(len(np.unique(g_tr)), len(np.unique(g_ho))) if g_tr is not None and g_ho is not None else (0, 0),
        groups_shared=len(np.intersect1d(g_tr, g_ho)) if g_tr is not None and g_ho is not None else 0,
    )


def shared_rows(X_tr: np.ndarray, y_tr: np.ndarray, X_ho: np.ndarray, y_ho: np.ndarray) -> int:
    """How many holdout rows (features and label) are exactly training rows."""
    def keys(X, y):
        rows = np.ascontiguousarray(np.column_stack([X, np.asarray(y, dtype=np.float64)]))
        return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()

    return int(np.isin(keys(X_ho, y_ho), keys(X_tr, y_tr)).sum())
