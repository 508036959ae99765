"""Columns a model must not learn from, found from their values alone, and the data checks of a build.

A model that reads a row id, a sample counter or the id of a recording learns the id, not the
sensor: on a holdout that shares recordings with training it scores perfectly and is useless on
the device. `tinyc init` keeps such columns out of the spec it writes (and turns long-format
sensor data into a signal block, the recording as its group); every tabular build reports the
features that look like them ("data checks": build output, report.json, report).

The kinds, each from the column's values in file order:

- ``text``: not numbers;
- ``id_like``: whole numbers, a different one in every row;
- ``counter``: whole numbers that step by one from row to row and restart (a sample index);
- ``time``: numbers that grow by a steady step and may restart (a time stamp per sample);
- ``group_like``: a few values, each in one run of consecutive rows (recording, session, subject).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_ROWS = 20  # fewer rows tell nothing
MIN_RUN = 5  # a group's rows, on average, at least


@dataclass(frozen=True)
class Finding:
    check: str  # text, id_like, counter, time, group_like
    column: str
    why: str  # a clause that follows the column's name

    def as_dict(self) -> dict:
        return {"check": self.check, "feature": self.column,
                "message": f"feature '{self.column}' {self.why}; a model can learn it instead of the data: list it "
                           f"under `ignore`"}


def _whole(x: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(x)) and np.all(x == np.round(x)))


def _runs(values: np.ndarray) -> int:
    """How many runs of equal consecutive values."""
    return int(1 + np.count_nonzero(values[1:] != values[:-1])) if len(values) else 0


def group_like(values: np.ndarray) -> int | None:
    """The number of groups when every distinct value occupies one run of rows of at least
    MIN_RUN rows on average (and there are two or more), else None."""
    n = len(values)
    if n < MIN_ROWS:
        return None
    runs = _runs(values)
    distinct = len(np.unique(values))
    if 2 <= distinct == runs and n / runs >= MIN_RUN:
        return distinct
    return None


def text_kind(values: np.ndarray) -> tuple[str, str] | None:
    """("group_like", why) of a column of whole numbers or text whose every value occupies one
    run of rows (a recording, session or subject id), else None."""
    groups = group_like(values)
    if groups is None:
        return None
    return "group_like", (f"is constant over runs of rows ({groups} values, one run each, "
                          f"{len(values) // groups} rows on average: a recording, session or subject id)")


def numeric_kind(x: np.ndarray) -> tuple[str, str] | None:
    """(kind, why) of a numeric column (file order, NaN allowed), or None when it looks like a
    measurement."""
    n = len(x)
    if n < MIN_ROWS or np.isnan(x).any():
        return None
    steps = np.diff(x)
    if _whole(x):
        if len(np.unique(x)) == n:
            return "id_like", "is unique in every row (a row id)"
        if np.mean(steps == 1) >= 0.8 and np.all((steps == 1) | (steps < 0)):
            restarts = int(np.count_nonzero(steps < 0))
            return "counter", f"counts rows (steps of one{f', restarting {restarts} times' if restarts else ''})"
        return text_kind(x)
    up = steps[steps > 0]
    if len(up) >= 0.8 * len(steps) and np.all(steps != 0):
        step = float(np.median(up))
        if step > 0 and np.mean(np.abs(up - step) <= 0.01 * step) >= 0.9:
            return "time", f"grows by a steady step of {step:g} (a time stamp)"
    return None


def column_findings(columns: dict[str, np.ndarray]) -> list[Finding]:
    """The findings on columns given as arrays in file order: float for numbers, str for text
    (which can only be a group id)."""
    out = []
    for name, x in columns.items():
        x = np.asarray(x)
        kind = text_kind(x) if x.dtype.kind in "USO" else numeric_kind(x.astype(np.float64))
        if kind is not None:
            out.append(Finding(kind[0], name, kind[1]))
    return out


def table_findings(feature_names, X: np.ndarray) -> list[Finding]:
    """The data checks of a build on its feature matrix in file order."""
    return column_findings({name: X[:, j] for j, name in enumerate(feature_names)})


IMBALANCE = 0.1  # the smallest class under a tenth of the largest


def imbalance(classes, y: np.ndarray, metric: str) -> dict | None:
    """A data check when the smallest class has under IMBALANCE of the largest's rows."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(classes))
    small, large = int(np.argmin(counts)), int(np.argmax(counts))
    if counts[large] == 0 or counts[small] >= IMBALANCE * counts[large]:
        return None
    advice = ("accuracy can look high by predicting the large class: balanced_accuracy or f1 weigh every class"
              if metric == "accuracy" else f"{metric} weighs every class; more rows of '{classes[small]}' would help")
    return {"check": "imbalance", "feature": None,
            "message": f"class '{classes[small]}' has {counts[small]} rows, under a tenth of class "
                       f"'{classes[large]}' ({counts[large]}): {advice}"}


def leak_check(ds, findings: list[Finding], seed: int) -> dict | None:
    """A data check when one feature alone predicts the label almost perfectly and no other comes
    close (tinyc.data.leakage), among the features not already found to be ids."""
    from .leakage import find_leak

    if ds.task.value not in ("classification", "regression"):
        return None
    flagged = {f.column for f in findings}
    keep = [j for j, name in enumerate(ds.feature_names) if name not in flagged]
    leak = find_leak([ds.feature_names[j] for j in keep], ds.X_train[:, keep], ds.y_train,
                     ds.n_classes if ds.task.value == "classification" else 0, ds.groups_train, seed)
    if leak is None:
        return None
    return {"check": "leak", "feature": leak.column,
            "message": f"feature '{leak.column}' alone predicts the label almost perfectly ({leak.measure} "
                       f"{leak.score:.2f} from it alone, out of fold; the next best feature, '{leak.runner_up}', "
                       f"{leak.runner_up_score:.2f}): likely leakage, a value derived from the label or known only "
                       f"after the outcome; unless the device measures it, list it under `ignore`"}


def dataset_checks(findings: list[Finding], ds, group: str | None, holdout_file: bool, metric: str,
                   seed: int = 0) -> list[dict]:
    """Every data check of a tabular build, as report.json's ``data_checks`` lists them and the
    build output warns of them: the features that look like ids (``findings``), one feature that
    alone predicts the label, holdout rows that are training rows too, groups on both sides of a
    holdout file, a rare class."""
    checks = [f.as_dict() for f in findings]
    leak = leak_check(ds, findings, seed)
    checks += [leak] if leak else []
    if ds.holdout_overlap:
        remedy = "remove them from the holdout file" if holdout_file else "drop the duplicated rows from the data"
        checks.append({"check": "holdout_overlap", "feature": None,
                       "message": f"{ds.holdout_overlap} of the {len(ds.y_holdout)} holdout rows are also training "
                                  f"rows: the holdout score is optimistic; {remedy}"})
    if ds.groups_shared:  # (only a holdout file can: a percentage split keeps groups whole)
        checks.append({"check": "group_overlap", "feature": None,
                       "message": f"{ds.groups_shared} of the {ds.group_counts[1]} {group} values of the holdout "
                                  f"file are in the training file too: the holdout score is optimistic; hold out "
                                  f"whole groups"})
    if ds.task.value == "classification":
        skew = imbalance(ds.classes, np.concatenate([ds.y_train, ds.y_holdout]), metric)
        checks += [skew] if skew else []
    return checks


def distrust(checks: list[dict]) -> str | None:
    """The sentence that replaces praise of the holdout score when features look like ids or a
    leak (the data checks that name a feature), or None when none does."""
    def names(cs):
        return ", ".join(f"'{c['feature']}'" for c in cs)

    ids = [c for c in checks if c["feature"] and c["check"] != "leak"]
    leaks = [c for c in checks if c["check"] == "leak"]
    said = []
    if ids:
        said.append(f"the features include {names(ids)}, which look like ids or counters, not measurements")
    if leaks:
        said.append(f"{names(leaks)} alone predicts the label almost perfectly (likely leakage)")
    if not said:
        return None
    them = "them" if len(ids) + len(leaks) > 1 else "it"
    return (f"{'; '.join(said)}: a model can learn {them} instead of the data, so the holdout score is not to be "
            f"trusted; list {them} under `ignore`")
