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
from . import units, vocab
from .diagnostics import Diagnostic, Note, SpecError, did_you_mean, sort_key, suggestion
from .ir import (
    DataSource, Holdout, Layout, Learn, Located, Metric, MissingPolicy, Quantity, Quantization, Scalar, Signal, Spec,
    Target, Task,
)


@dataclass(frozen=True)
class Resolved:
    spec: Spec  # with defaults filled in
    spec_dir: Path
    data_path: Path
    holdout_path: Path | None
    csv: CsvFormat | None


def column_hint(word: str, columns) -> str:
    """The help line for a column that is not in the data file. The file's header is listed only
    when it has two or more columns: a file that is not a CSV (a password file, a key) has one,
    and its first line is not echoed."""
    if len(columns) < 2:
        return "the file's first line holds a single column name (not shown): is it a CSV file with a header row?"
    return suggestion(word, list(columns), "columns")


def wide_columns(channel: str, columns) -> tuple[str, ...]:
    """The sample columns of a channel in layout wide, in sample order: ``<channel><n>``
    or ``<channel>_<n>``.

    >>> wide_columns("t", ["t0002", "t0000", "t0001", "target"])
    ('t0000', 't0001', 't0002')
    """
    found = []
    for c in columns:
        m = re.fullmatch(re.escape(channel) + r"_?(\d+)", c)
        if m:
            found.append((int(m.group(1)), c))
    return tuple(c for _, c in sorted(found))


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


class _Checker:
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

    def signal(self, fmt: CsvFormat | None) -> Signal | None:
        """The signal block checked against the CSV header, with its defaults filled in."""
        from ..signal.frontend import BLOCKS, DEFAULT_BANDS

        sig = self.spec.signal
        if sig is None:
            return None
        cols = list(fmt.columns) if fmt is not None else None
        if not sig.channels:
            self.error("E0203", "the signal block names no channels", sig.span,
                       hint="list the sample columns, e.g. channels ax, ay, az")
        wide = sig.layout is not None and sig.layout.value == Layout.wide
        wide_len = None
        if wide:
            for key in ("group", "time", "hop", "highpass", "lowpass"):
                node = getattr(sig, key)
                if node is not None:
                    self.error("E0111", f"'{key}' does not apply to layout wide: each row is one window on its own",
                               node.span, hint=f"remove '{key}', or give one sample per row (layout long)")
            lengths = {}
            for loc in sig.channels:
                found = wide_columns(loc.value, cols) if cols is not None else ()
                lengths[loc.value] = len(found)
                if cols is not None and not found:
                    self.error("E0302", f"no columns {loc.value}0, {loc.value}1, ... for channel '{loc.value}' "
                                        f"(layout wide)", loc.span,
                               hint="name a channel by the prefix of its sample columns; "
                                    + suggestion(loc.value, sorted({re.sub(r"_?\d+$", "", c) for c in cols}),
                                                 "column prefixes"))
            if len({n for n in lengths.values() if n}) > 1:
                self.error("E0111", "the channels have different numbers of sample columns: "
                           + ", ".join(f"{c} {n}" for c, n in lengths.items()), sig.channels_span)
            wide_len = max(lengths.values(), default=0) or None
        named = [*([] if wide else sig.channels), *([sig.group] if sig.group else []),
                 *([sig.time] if sig.time else [])]
        for loc in named:
            if cols is not None and loc.value not in cols:
                self.error("E0302", f"column '{loc.value}' is not in the data file", loc.span,
                           hint=column_hint(loc.value, cols))
        channels = [c.value for c in sig.channels]
        for m in sig.magnitudes:
            for loc in m.channels:
                if loc.value not in channels:
                    self.error("E0302", f"magnitude of '{loc.value}', which is not a channel", loc.span,
                               hint=suggestion(loc.value, channels, "channels"))
            if m.name.value in channels:
                self.error("E0202", f"magnitude name '{m.name.value}' is already a channel", m.name.span)
        units.check(self, sig, channels)
        for loc in sig.features or []:
            if loc.value not in BLOCKS:
                self.error("E0112", f"unknown signal feature '{loc.value}'", loc.span,
                           hint=suggestion(loc.value, list(BLOCKS), "signal features"))
        if sig.rate is None:
            self.error("E0203", "the signal block gives no sample rate", sig.span, hint="e.g. rate 50Hz")
            return sig
        if sig.window is None and wide_len is not None:  # a row is a window
            sig = replace(sig, **{"window": Quantity(text=str(wide_len), value=float(wide_len),
                                                            unit="samples")})
        if sig.window is None:
            self.error("E0203", "the signal block gives no window length", sig.span,
                       hint="e.g. window 2s (or a number of samples: window 128)")
            return sig
        rate = sig.rate.value
        for q in (sig.highpass, sig.lowpass):
            if q is not None and q.value >= rate / 2:
                self.error("E0111", f"cut-off {q.text} is not below half the sample rate ({rate / 2:g} Hz)", q.span,
                           hint="a digital filter's cut-off must be below the Nyquist frequency")
        if sig.highpass is not None and sig.lowpass is not None and sig.highpass.value >= sig.lowpass.value:
            self.error("E0111", f"highpass {sig.highpass.text} is not below lowpass {sig.lowpass.text}",
                       sig.highpass.span, hint="together they pass the band between the two cut-offs")
        window = self._samples(sig.window, rate, "window")
        hop = self._samples(sig.hop, rate, "hop") if sig.hop is not None else None
        if window is None or (sig.hop is not None and hop is None):
            return sig
        if window < 2:
            self.error("E0111", f"a window of {window} sample is too short for any feature", sig.window.span,
                       hint="use at least 2 samples (8 or more for spectral features)")
            return sig
        if wide_len is not None and window != wide_len:
            self.error("E0111", f"window {sig.window.text} is {window} samples, but the rows hold {wide_len} "
                                f"(layout wide: a row is one window)", sig.window.span,
                       hint="drop the window statement: it follows from the columns")
            return sig
        hop = window if wide else hop if hop is not None else max(1, window // 2)
        bands = sig.bands.value if sig.bands is not None else min(DEFAULT_BANDS, window // 2)
        if bands > window // 2:
            self.error("E0111", f"{bands} bands need a window of at least {2 * bands} samples; this one has {window}",
                       sig.bands.span if sig.bands else sig.window.span, hint=f"use bands {window // 2} or fewer")
        samples = lambda n: Quantity(text=str(n), value=float(n), unit="samples")  # noqa: E731
        return replace(sig, **{
            "window": samples(window), "hop": samples(hop),
            "bands": Located[int](value=bands, span=sig.bands.span if sig.bands else None),
            "features": sig.features or [Located[str](value=b) for b in BLOCKS],
        })

    def _samples(self, q: Quantity, rate: float, what: str) -> int | None:
        """A window or hop in samples: a count as written, or a time times the rate."""
        if q.unit == "samples":
            return int(q.value)
        n = q.value * rate
        if abs(n - round(n)) > 1e-6 * max(1.0, n) or round(n) < 1:
            self.error("E0111", f"{what} {q.text} is {n:g} samples at {rate:g} Hz, not a whole number", q.span,
                       hint=f"use a multiple of {1 / rate:g}s, or give samples: {what} {max(1, round(n))}")
            return None
        if round(n) > vocab.MOST_SAMPLES:
            self.error("E0111", f"{what} {q.text} is {n:g} samples at {rate:g} Hz, more than the "
                                f"{vocab.MOST_SAMPLES} a window or hop may hold", q.span)
            return None
        return int(round(n))

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

    def target_signal(self, tgts: list[Target], sig: Signal | None) -> None:
        """What targets that read sensors themselves (the ISPU) say of the signal block."""
        if sig is None or self.diags:
            return
        for t in tgts:
            check = getattr(target_registry.get(t.name.value), "check_signal", None)
            for message, span, hint in (check(sig) if check else []):
                self.error("E0209", f"target {t.name.value}: {message}", span, hint=hint,
                           notes=[Note(f"target {t.name.value} declared here", t.name.span)] if t.name.span else ())

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

    # ---------------------------------------------------------------------
    def search(self):
        s = self.spec.search
        if s is None:
            return
        task = self.spec.task.value if self.spec.task else None
        names = list(vocab.FAMILIES)
        listed = set()
        for fam in s.families or []:
            spec = vocab.family(fam.value)
            if spec is None:
                self.error("E0206", vocab.family_load_error(fam.value) or f"unknown model family '{fam.value}'",
                           fam.span, hint=suggestion(fam.value, names, "families"))
            elif task is not None and task not in spec.tasks:
                self.error("E0206", f"model family '{fam.value}' does not do {task.value}", fam.span,
                           hint=f"families for {task.value}: "
                                + ", ".join(n for n, f in vocab.FAMILIES.items() if task in f.tasks))
            listed.add(fam.value)
        for cfg in s.configs:
            fam = cfg.family.value
            spec = vocab.family(fam)
            if spec is None:
                self.error("E0206", vocab.family_load_error(fam) or f"unknown model family '{fam}'",
                           cfg.family.span, hint=suggestion(fam, names, "families"))
                continue
            if s.families is not None and fam not in listed:
                self.error("E0206", f"settings for family '{fam}', which the families list leaves out",
                           cfg.family.span, hint=f"add '{fam}' to the families list or remove this block",
                           notes=[Note("families listed here", s.families_span)])
            for p in cfg.params:
                self._param(fam, spec, p)

    def _param(self, fam, spec, p):
        ps = spec.params.get(p.name.value)
        if ps is None:
            self.error("E0206", f"family '{fam}' has no hyperparameter '{p.name.value}'", p.name.span,
                       hint=suggestion(p.name.value, list(spec.params), "hyperparameters"))
            return
        v = p.value
        if ps.kind == "choice":
            if v.kind == "range":
                self.error("E0206", f"'{p.name.value}' takes one of {', '.join(ps.choices)}, not a range", v.span)
                return
            for sc in v.values:
                if sc.value not in ps.choices:
                    self.error("E0206", f"'{sc.value}' is not a value of '{p.name.value}'", sc.span,
                               hint=suggestion(str(sc.value), list(ps.choices), "values"))
            return
        for sc in v.values:
            if not self._number_ok(p.name.value, ps, sc):
                return
        if v.kind == "range" and v.values[0].value > v.values[1].value:
            self.error("E0206", f"range {v.values[0].value}..{v.values[1].value} is empty (low end above high end)",
                       v.span, hint=f"write {v.values[1].value}..{v.values[0].value}")

    def _number_ok(self, name: str, ps, sc: Scalar) -> bool:
        val = sc.value
        if isinstance(val, str) or (ps.kind == "int" and not isinstance(val, int)):
            kind = "a whole number" if ps.kind == "int" else "a number"
            self.error("E0206", f"'{name}' takes {kind}, got '{val}'", sc.span)
            return False
        if not ps.low <= val <= ps.high:
            self.error("E0206", f"'{name}' must be between {ps.low:g} and {ps.high:g}, got {val}", sc.span)
            return False
        return True

    # ---------------------------------------------------------------------
    def run(self) -> Resolved:
        self.required()
        metric = self.metric()
        self.anomaly_options()
        tgts = self.targets()
        data, data_path, holdout_path, fmt = self.data()
        signal = self.signal(fmt)
        self.target_signal(tgts, signal)
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
