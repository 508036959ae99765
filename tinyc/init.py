"""`tinyc init data.csv --label COLUMN`: a commented starter spec for people
who have never written one. The task is inferred from the label column:
text labels or a few distinct integers → classification; other numbers →
regression. Columns a model must not learn from (text, row ids, counters, time
stamps, recording ids: tinyc.data.checks) are ignored with the reason; long-format
sensor data (a recording id and a few channels, many rows each) gets a signal
block with the recording as its group."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .data.checks import column_findings
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


def _columns(csv_path: Path, label: str):
    """The CSV's columns (pandas, as the build reads them), the label's raw values, and what
    each other column is: (findings by column, text columns)."""
    import pandas as pd

    fmt = sniff(csv_path)
    if label not in fmt.columns:
        from .spec.diagnostics import did_you_mean

        near = did_you_mean(label, fmt.columns)
        raise DataError(f"{csv_path}: no column '{label}'" + (f"; did you mean '{near}'?" if near else
                                                                 f"; columns: {', '.join(fmt.columns)}"))
    try:
        df = pd.read_csv(csv_path, sep=fmt.delimiter, decimal=fmt.decimal, encoding="utf-8-sig", dtype={label: str},
                         skipinitialspace=True, index_col=False)
    except (ValueError, UnicodeDecodeError) as e:
        raise DataError(f"{csv_path}: cannot parse the CSV: {str(e).strip().splitlines()[-1]}") from None
    if len(df) == 0:
        raise DataError(f"{csv_path}: the file has a header but no data rows")
    df.columns = [str(c).strip() for c in df.columns]
    numeric = {c: df[c].to_numpy(dtype=float) for c in df.columns if c != label and df[c].dtype.kind in "fiub"}
    text = [c for c in df.columns if c != label and c not in numeric]
    # (a text column can be a group id too: a recording's name)
    findings = {f.column: f for f in column_findings({**numeric, **{c: df[c].astype(str).to_numpy() for c in text}})}
    return df, numeric, text, findings


def _signal_block(df, numeric: dict, findings: dict) -> tuple[str, list[str]] | None:
    """A signal block for long-format sensor data: a group column, a sample counter or time stamp
    that runs through each group, many rows per group and a few numeric channels; None for a
    feature table. Returns (block, comment lines)."""
    groups = [c for c, f in findings.items() if f.check == "group_like"]
    channels = [c for c in numeric if c not in findings]
    clocks = [c for c, f in findings.items() if f.check in ("counter", "time")]
    if not groups or not clocks or not 1 <= len(channels) <= 16:
        return None
    group = groups[0]
    per_group = len(df) / max(df[group].nunique(), 1)
    if per_group < 16:
        return None
    times = [c for c, f in findings.items() if f.check == "time"]
    window = int(max(8, min(256, 2 ** int(np.log2(per_group / 3)))))
    lines = ["signal {  # one row per sample; tinyc cuts each group into windows and computes their features",
             f"  channels {', '.join(_quote(c) for c in channels)}",
             f"  group {_quote(group)}  # windows never cross from one {group} to the next; the holdout is whole ones"]
    if times:
        t = times[0]
        step = float(np.median(np.diff(numeric[t])[np.diff(numeric[t]) > 0]))
        lines += [f"  time {_quote(t)}", f"  rate {float(f'{1 / step:.3g}'):g}Hz  # from the steps of '{t}'"]
    else:
        lines.append("  rate 50Hz  # EDIT: your sensors' sample rate (no time column to measure it from)")
    lines += [f"  window {window}  # samples ({int(per_group)} per {group} on average)",
              f"  hop {window // 2}",
              "  # say the channels' units in the data, e.g. units " + ", ".join(_quote(c) for c in channels[:2])
              + ": m/s2 (or g, rad/s, dps, uT, ...),",
              "  # and how the sensor delivers them (device, docs/spec.md): the library then takes its raw counts",
              "}"]
    notes = [f"# '{c}' {f.why}: not a channel" for c, f in findings.items()
             if c != group and f.check in ("counter", "id_like", "time") and c not in times]
    return "\n".join(lines), notes


def starter_spec(csv_path: Path, label: str) -> tuple[str, str]:
    """The text of a starter spec and the task it chose."""
    df, numeric, text, findings = _columns(csv_path, label)
    values = [v for v in df[label].tolist() if isinstance(v, str)]
    if not values:
        raise DataError(f"{csv_path}: label column '{label}' is empty")
    task, why = infer_task(values)
    metric = "balanced_accuracy" if task == "classification" else "rmse"
    metric_note = ("accuracy that weighs every class equally, robust to unbalanced classes"
                   if task == "classification" else "root mean squared error, in the units of the target")
    signal = _signal_block(df, numeric, findings)
    data_lines = [f'data "{csv_path.name}" {{  # the CSV, relative to this file',
                  f"  label {_quote(label)}  # the column to predict"]
    if signal is None:  # a feature table: columns a model must not learn from are ignored, and why
        groups = [c for c, f in findings.items() if f.check == "group_like"]
        group = groups[0] if groups else None  # the holdout and the cross-validation keep its groups whole
        left_out = [c for c in df.columns if c not in (label, group) and (c in text or c in findings)]
        for c in [*left_out, *([group] if group else [])]:
            why = findings[c].why if c in findings else "holds text, not numbers"
            data_lines.append(f"  # '{c}' {why}")
        if left_out:
            data_lines.append(f"  ignore {', '.join(_quote(c) for c in left_out)}  # not features: see above")
        if group:
            data_lines.append(f"  group {_quote(group)}  # not a feature: the holdout and the cross-validation keep "
                              f"each {group} whole")
    data_lines += ["  holdout 20%  # rows kept aside to score the final model", "}"]
    head = f"# Starter spec written by `tinyc init`. Edit it, then run: tinyc build {csv_path.stem}.tml"
    parts = [head, f"model {_name(csv_path)}  # prefixes every symbol of the generated C library", "",
             "\n".join(data_lines), ""]
    if signal is not None:
        block, notes = signal
        parts += [*notes, block, ""]
    parts += [f"task {task}  # inferred: the column '{label}' {why}",
              f"metric {metric}  # {metric_note}",
              "budget 1m  # how long the search may take",
              "seed 0  # same spec + data + seed => same model", "",
              "target cortex-m4 {  # the device; `tinyc targets` lists the others",
              "  flash 32KB  # flash the model may use (weights and code)",
              "  ram 8KB  # RAM the model may use (buffers and stack)",
              "}", ""]
    return "\n".join(parts), task


def init(csv_path: Path, label: str, force: bool = False) -> Path:
    out = csv_path.with_suffix(".tml")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to overwrite it")
    text, _ = starter_spec(csv_path, label)
    out.write_text(text, encoding="utf-8")
    return out
