"""Checks across statements and against the outside world, and defaults.

``resolve(spec, spec_dir)`` returns a new Spec with every default filled in
(defaults carry ``span=None``) plus the resolved file paths and CSV format.
It reports every problem it finds at once, each with the span of the
statement concerned: required statements, metric vs task, targets against the
backend registry, memory budgets, data and holdout files, the columns named
against the CSV header, and the search block against the family table.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .. import targets as target_registry
from ..data.header import CsvFormat, DataError, sniff
from . import vocab
from .columns import column_hint
from .diagnostics import Diagnostic, Note, SpecError, did_you_mean, sort_key, suggestion
from .ir import DataSource, Holdout, Learn, Located, Metric, MissingPolicy, Quantity, Quantization, Spec, Target, Task
from .resolve_inputs import InputChecks
from .resolve_search import SearchChecks
from .resolve_signal import SignalChecks


@dataclass(frozen=True)
class Resolved:
    spec: Spec  # with defaults filled in
    spec_dir: Path
    data_path: Path
    holdout_path: Path | None
    csv: CsvFormat | None


def _size_text(n: float) -> str:
    """
    >>> _size_text(32768), _size_text(1536), _size_text(100)
    ('32KB', '1.5KB', '100B')
    """
    for unit, factor in (("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            v = n / factor
            return f"{v:g}{unit}"
    return f"{int(n)}B"


def _default_size(n: int) -> Quantity:
    text = _size_text(n)
    return Quantity(text=text, value=float(n), unit=text.lstrip("0123456789."))


class _Checker(SignalChecks, SearchChecks, InputChecks):
    def __init__(self, spec: Spec, spec_dir: Path, invalid: set[str]):
        self.spec = spec
        self.spec_dir = spec_dir
        self.invalid = invalid  # statements present but already reported invalid
        self.diags: list[Diagnostic] = []

    def error(self, code, message, span=None, hint=None, notes=()):
        self.diags.append(Diagnostic(code, message, span, hint, tuple(notes)))

    # ---------------------------------------------------------------------
    def required(self):
        s = self.spec
        if s.model is None and "model" not in self.invalid:
            self.error("E0203", "the spec has no 'model' statement", hint="add a name for the model, e.g. `model wine`")
        if s.data is None:
            self.error("E0203", "the spec has no 'data' statement",
                       hint='say where the data is, e.g. `data "wine.csv" { label cultivar }`')
        if s.task is None and "task" not in self.invalid:
            self.error("E0203", "the spec has no 'task' statement",
                       hint="add `task classification`, `task regression` or `task anomaly`")
        if not s.targets:
            self.error("E0203", "the spec declares no target",
                       hint="add at least one device, e.g. `target cortex-m4 { flash 32KB ram 8KB }`; "
                            "`tinyc targets` lists them")

    def metric(self) -> Located[Metric] | None:
        s = self.spec
        if s.task is None:
            return s.metric
        allowed = vocab.METRICS_FOR_TASK[s.task.value]
        if s.metric is None:
            return Located[Metric](value=vocab.DEFAULT_METRIC[s.task.value])
        if s.metric.value not in allowed:
            self.error("E0204", f"metric '{s.metric.value.value}' does not fit task '{s.task.value.value}'",
                       s.metric.span,
                       hint=f"{s.task.value.value} metrics: {', '.join(m.value for m in allowed)}",
                       notes=[Note("task given here", s.task.span)] if s.task.span else ())
        return s.metric

    def anomaly_options(self):
        """false_alarms, learn and the data block's normal values configure an anomaly detector
        and nothing else."""
        s = self.spec
        if s.task is None or s.task.value == Task.anomaly:
            if s.data is not None and s.data.normal and s.data.label is None:
                self.error("E0203", "'normal' names label values, but the data block names no label column",
                           s.data.normal[0].span, hint="add `label <column>` to the data block")
            return
        if s.data is not None and s.data.normal:
            self.error("E0207", f"'normal' applies to task anomaly only, not to task {s.task.value.value}",
                       s.data.normal[0].span, hint="remove the 'normal' statement, or write `task anomaly`")
        for key, node in (("false_alarms", s.false_alarms), ("learn", s.learn)):
            if node is not None:
                self.error("E0207", f"'{key}' applies to task anomaly only, not to task {s.task.value.value}",
                           node.span, hint=f"remove the '{key}' statement, or write `task anomaly`",
                           notes=[Note("task given here", s.task.span)] if s.task.span else ())

    def targets(self) -> list[Target]:
        out = []
        seen: dict[str, Target] = {}
        known = target_registry.names()
        for t in self.spec.targets:
            name = t.name.value
            if name in seen:
                self.error("E0202", f"duplicate target '{name}'", t.name.span,
                           hint="declare each target once; put all its limits in one block",
                           notes=[Note("first declared here", seen[name].name.span)])
                continue
            seen[name] = t
            if name not in known:
                self.error("E0201", f"unknown target '{name}'", t.name.span,
                           hint=suggestion(name, known, "known targets"))
                continue
            try:
                backend = target_registry.get(name)
            except RuntimeError as e:
                self.error("E0201", f"target '{name}' is installed but its backend does not load", t.name.span,
                           hint=str(e))
                continue
            caps = backend.caps
            flash = t.flash or _default_size(caps.default_flash)
            ram = t.ram or _default_size(caps.default_ram)
            for what, q, limit in (("flash", flash, caps.max_flash), ("ram", ram, caps.max_ram)):
                if limit is not None and q.value > limit:
                    self.error("E0205", f"{what} {q.text} is more than {name} has ({_size_text(limit)})", q.span,
                               hint=f"the {name} has {_size_text(caps.max_flash)} of program memory and "
                                    f"{_size_text(caps.max_ram)} of data RAM")
            clock = t.clock or Quantity(text=f"{caps.clock_hz / 1e6:g}MHz", value=caps.clock_hz, unit="MHz")
            out.append(replace(t, **{"flash": flash, "ram": ram, "clock": clock}))
        return out

    def package(self) -> None:
        """The library manifests' fields: a semantic version, a web address, no empty text."""
        pk = self.spec.package
        if pk is None:
            return
        if pk.version is not None and not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?",
                                                        pk.version.value):
            self.error("E0111", f"version \"{pk.version.value}\" is not a semantic version", pk.version.span,
                       hint='MAJOR.MINOR.PATCH, e.g. version "1.2.0" (Arduino and PlatformIO require it)')
        if pk.url is not None and not re.fullmatch(r"https?://\S+", pk.url.value):
            self.error("E0111", f"url \"{pk.url.value}\" is not a web address", pk.url.span,
                       hint='e.g. url "https://github.com/you/model"')
        for key in ("author", "maintainer"):
            loc = getattr(pk, key)
            if loc is not None and not loc.value.strip():
                self.error("E0111", f"{key} is empty", loc.span, hint=f'e.g. {key} "Jane Doe <jane@example.com>"')

    # ---------------------------------------------------------------------
    def _file(self, written: str, span, what: str) -> Path | None:
        path = (self.spec_dir / written)
        shown = written if len(written) <= 80 else written[:40] + "…" + written[-39:]
        try:
            if path.is_file():
                return path
            exists, folder_ok = path.is_dir(), path.parent.is_dir()
        except OSError as e:  # a name too long for the file system, a loop of links, ...
            self.error("E0301", f"{what} '{shown}' cannot be opened: {e.strerror}", span,
                       hint="paths are relative to the spec file's folder")
            return None
        folder = path.parent
        hint = "paths are relative to the spec file's folder"
        if folder_ok:
            near = did_you_mean(path.name, sorted(p.name for p in folder.iterdir() if p.suffix.lower() in (".csv", ".txt", ".tsv")))
            if near:
                rel = os.path.relpath(folder / near, self.spec_dir)
                hint = f"did you mean \"{Path(rel).as_posix()}\"? ({hint[0].lower()}{hint[1:]})"
        if exists:
            self.error("E0301", f"{what} '{shown}' is a directory, not a CSV file", span, hint=hint)
        else:
            self.error("E0301", f"{what} '{shown}' not found", span, hint=hint)
        return None

    def data(self) -> tuple[DataSource | None, Path | None, Path | None, CsvFormat | None]:
        d = self.spec.data
        if d is None:
            return None, None, None, None
        data_path = self._file(d.path.value, d.path.span, "data file")
        holdout = d.holdout or Holdout(percent=Quantity(text=f"{vocab.DEFAULT_HOLDOUT_PERCENT:g}%", unit="%",
                                                        value=vocab.DEFAULT_HOLDOUT_PERCENT))
        holdout_path = None
        if holdout.path is not None:
            holdout_path = self._file(holdout.path, holdout.span, "holdout file")
        task = self.spec.task.value if self.spec.task else None
        if d.label is None and task in (Task.classification, Task.regression):
            self.error("E0203", "the data block names no label column", d.path.span,
                       hint="say which column to predict: data \"%s\" { label <column> }" % d.path.value)
        fmt = None
        if data_path is not None:
            try:
                fmt = sniff(data_path)
            except DataError as e:
                self.error("E0303", str(e).replace(str(data_path), f"data file '{d.path.value}'"), d.path.span)
        if fmt is not None:
            self._columns(d, fmt)
            if holdout_path is not None:
                try:
                    hfmt = sniff(holdout_path)
                    missing = [c for c in fmt.columns if c not in hfmt.columns]
                    if missing:
                        self.error("E0302", f"holdout file lacks column '{missing[0]}' of the data file", holdout.span,
                                   hint="the holdout file must have the same columns as the data file")
                except DataError as e:
                    self.error("E0303", str(e).replace(str(holdout_path), f"holdout file '{holdout.path}'"),
                               holdout.span)
        resolved = replace(d, **{
            "holdout": holdout,
            "missing": d.missing or Located[MissingPolicy](value=vocab.DEFAULT_MISSING),
        })
        return resolved, data_path, holdout_path, fmt

    def _columns(self, d: DataSource, fmt: CsvFormat):
        cols = list(fmt.columns)
        if d.group is not None:
            if self.spec.signal is not None:
                self.error("E0207", "in a spec with a signal block the group goes in the signal block", d.group.span,
                           hint=f"write `group {d.group.value}` inside signal {{ }}")
            elif d.label is not None and d.group.value == d.label.value:
                self.error("E0202", f"column '{d.group.value}' is both the label and the group", d.group.span)
            elif d.group.value in {x.value for x in d.ignore}:
                self.error("E0202", f"column '{d.group.value}' is both ignored and the group", d.group.span,
                           hint="the group column is never a feature: remove it from the ignore list")
        for loc in ([d.label] if d.label else []) + list(d.ignore) + ([d.group] if d.group else []):
            if loc.value not in cols:
                self.error("E0302", f"column '{loc.value}' is not in the data file", loc.span,
                           hint=column_hint(loc.value, cols))
        if d.label is not None:
            for loc in d.ignore:
                if loc.value == d.label.value:
                    self.error("E0202", f"column '{loc.value}' is both the label and ignored", loc.span,
                               hint="remove it from the ignore list",
                               notes=[Note("label given here", d.label.span)])
        seen: dict[str, object] = {}
        for loc in d.ignore:
            if loc.value in seen:
                self.error("E0202", f"column '{loc.value}' is ignored twice", loc.span,
                           notes=[Note("first listed here", seen[loc.value])])
            seen[loc.value] = loc.span
        used = {d.label.value if d.label else None, d.group.value if d.group else None, *(x.value for x in d.ignore)}
        if not [c for c in cols if c not in used]:
            self.error("E0303", "no feature columns are left once the label and ignored columns are removed",
                       d.ignore_span or d.path.span)

    def run(self) -> Resolved:
        self.required()
        metric = self.metric()
        self.anomaly_options()
        tgts = self.targets()
        data, data_path, holdout_path, fmt = self.data()
        signal = self.signal(fmt)
        self.target_signal(tgts, signal)
        self.target_inputs(tgts, signal, fmt)
        self.package()
        self.search()
        if self.diags:
            raise SpecError(sorted(self.diags, key=sort_key), file=self.spec.file)
        s = self.spec
        spec = replace(s, **{
            "metric": metric,
            "budget": s.budget or Quantity(text=f"{vocab.DEFAULT_BUDGET_SECONDS:g}s",
                                           value=vocab.DEFAULT_BUDGET_SECONDS, unit="s"),
            "seed": s.seed or Located[int](value=vocab.DEFAULT_SEED),
            "quantize": s.quantize or Located[Quantization](value=vocab.DEFAULT_QUANTIZATION),
            "quantize_tolerance": s.quantize_tolerance or Quantity(
                text=f"{vocab.DEFAULT_QUANTIZE_TOLERANCE:g}%", value=vocab.DEFAULT_QUANTIZE_TOLERANCE, unit="%"),
            "targets": tgts,
            "data": data,
            "signal": signal,
            "learn": s.learn or (Located[Learn](value=vocab.DEFAULT_LEARN) if s.task and s.task.value == Task.anomaly
                                 else None),
        })
        return Resolved(spec, self.spec_dir, data_path, holdout_path, fmt)


def resolve(spec: Spec, spec_dir: str | Path, source: str = "", earlier: list[Diagnostic] = (),
            invalid: set[str] = frozenset()) -> Resolved:
    """Check ``spec`` (from a file in ``spec_dir``) and fill in its defaults.

    ``earlier`` are value errors the parser found (``invalid`` names the
    statements they left out); they are reported together with what the
    resolver finds. Raises :class:`SpecError` with every problem found."""
    checker = _Checker(spec, Path(spec_dir), set(invalid))
    try:
        resolved = checker.run()
    except SpecError as e:
        raise SpecError(sorted([*earlier, *e.diagnostics], key=sort_key), source, spec.file) from None
    if earlier:
        raise SpecError(list(earlier), source, spec.file)
    return resolved
