"""`tinyc init data.csv --target COLUMN`: a commented starter spec for people
who have never written one. The task is inferred from the target column:
text labels or a few distinct integers → classification; other numbers →
regression."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from .data.header import DataError, sniff

MAX_CLASSES = 20  # more distinct integer values than this reads as a quantity


def infer_task(values: list[str]) -> tuple[str, str]:
    """(task, why) for a column's raw values.

    >>> infer_task(["a", "b", "a"])[0], infer_task(["1", "2", "1"])[0], infer_task(["1.5", "2.25", "7"])[0]
    ('classification', 'classification', 'regression')
    """
    present = [v.strip() for v in values if v.strip()]
    distinct = set(present)
    try:
        numbers = [float(v) for v in distinct]
    except ValueError:
        return "classification", f"holds text labels ({len(distinct)} distinct)"
    if all(n.is_integer() for n in numbers) and len(distinct) <= MAX_CLASSES:
        return "classification", f"holds {len(distinct)} distinct whole numbers"
    return "regression", f"holds numbers with {len(distinct)} distinct values"


def _name(path: Path) -> str:
    from .codegen.cgen import suggest_identifier

    return suggest_identifier(path.stem or "model")


def _quote(col: str) -> str:
    return col if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", col) else f'"{col}"'


def starter_spec(csv_path: Path, target: str) -> tuple[str, str]:
    """The text of a starter spec and the task it chose."""
    fmt = sniff(csv_path)
    if target not in fmt.columns:
        from .spec.diagnostics import did_you_mean

        near = did_you_mean(target, fmt.columns)
        raise DataError(f"{csv_path}: no column '{target}'" + (f"; did you mean '{near}'?" if near else
                                                                  f"; columns: {', '.join(fmt.columns)}"))
    idx = fmt.columns.index(target)
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=fmt.delimiter)
        next(reader)
        values = [row[idx] for row in reader if len(row) > idx]
    if not values:
        raise DataError(f"{csv_path}: the file has a header but no data rows")
    task, why = infer_task(values)
    metric = "balanced_accuracy" if task == "classification" else "rmse"
    metric_note = ("accuracy that weighs every class equally, robust to unbalanced classes"
                   if task == "classification" else "root mean squared error, in the units of the target")
    text = f"""# Starter spec written by `tinyc init`. Edit it, then run: tinyc build {csv_path.stem}.tml
model {_name(csv_path)}  # prefixes every symbol of the generated C library

data "{csv_path.name}" {{  # the CSV, relative to this file
  label {_quote(target)}  # the column to predict
  holdout 20%  # rows kept aside to score the final model
}}

task {task}  # inferred: the column '{target}' {why}
metric {metric}  # {metric_note}
budget 1m  # how long the search may take
seed 0  # same spec + data + seed => same model

target cortex-m4 {{  # the device; `tinyc targets` lists the others
  flash 32KB  # flash the model may use (weights and code)
  ram 8KB  # RAM the model may use (buffers and stack)
}}
"""
    return text, task


def init(csv_path: Path, target: str, force: bool = False) -> Path:
    out = csv_path.with_suffix(".tml")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to overwrite it")
    text, _ = starter_spec(csv_path, target)
    out.write_text(text, encoding="utf-8")
    return out
