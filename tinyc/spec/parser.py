"""Spec text → IR.

One cached LALR parser built from ``grammar/tinyc.lark``; a Transformer with a
method per rule that returns typed IR nodes with their spans. Syntax errors
become diagnostics; after one, the parser blanks the offending line and tries
again so that independent mistakes further down are reported in the same run.
Value checks that need no context beyond the statement (units, enum words,
numbers) are done here too; checks across statements and against the outside
world (targets, files, columns) are in :mod:`tinyc.spec.resolve`.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from lark import Token, Transformer, v_args
from lark.exceptions import VisitError

from . import vocab
from .diagnostics import Diagnostic, Note, SpecError, sort_key, suggestion
from .search_syntax import SearchStatements
from .signal_syntax import SignalStatements
from .target_syntax import TargetStatements
from .syntax import parse_tree, span_of_meta, span_of_token, split_quantity, value_stmt
from .ir import (
    DataSource, Holdout, Learn, Located, Metric, MissingPolicy, Package, Quantity, Quantization, Span, Spec, Target,
    Task,
)

# ---------------------------------------------------------------------------
# Tree → IR

def _canonical_unit(unit: str, units: dict) -> str | None:
    if unit in units:
        return unit
    lowered = {u.lower(): u for u in units}
    return lowered.get(unit.lower())


class _Builder(SignalStatements, SearchStatements, TargetStatements, Transformer):
    """Builds IR nodes. Value errors are collected in ``self.diags``; the node
    concerned is then left out so that building can go on."""

    def __init__(self, source: str, file: str):
        super().__init__()
        self.source = source
        self.file = file
        self.diags: list[Diagnostic] = []
        self.invalid: set[str] = set()  # statements left out of the IR because of an error

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None, notes=()):
        self.diags.append(Diagnostic(code, message, span, hint, tuple(notes)))

    # -- terminals ---------------------------------------------------------
    def name(self, children):
        (tok,) = children
        value = str(tok)[1:-1] if tok.type == "STRING" else str(tok)
        return Located[str](value=value, span=span_of_token(tok))

    word = name
    string = name

    def _quantity(self, tok: Token, units: dict, what: str, example: str) -> Quantity | None:
        number, unit = split_quantity(tok)
        span = span_of_token(tok)
        if not unit:
            self.error("E0110", f"missing {what} unit in '{tok}'", span,
                       hint=f"write the unit right after the number, e.g. {number}{example}; units: {', '.join(units)}")
            return None
        canon = _canonical_unit(unit, units)
        if canon is None:
            near = vocab.closest_unit(unit, units)
            hint = (f"did you mean '{number}{near}'? ({what} units: {', '.join(units)})" if near
                    else suggestion(unit, list(units), f"{what} units"))
            self.error("E0110", f"unknown {what} unit '{unit}'", span, hint=hint)
            return None
        value = float(number) * units[canon]
        if not math.isfinite(value):
            self.error("E0111", f"{what} '{tok}' is too large to be a number", span,
                       hint=f"e.g. 10{example}")
            return None
        return Quantity(text=number + canon, value=value, unit=canon, span=span)

    def _positive(self, tok: Token, units: dict, what: str, example: str, subject: str,
                  hint: str | None = None, most: str | None = None) -> Quantity | None:
        """A quantity with a unit that must be above zero (``subject must be positive``) and,
        with ``most`` (a quantity in the same units, such as "30d"), at most that."""
        q = self._quantity(tok, units, what, example)
        if q is not None and q.value <= 0:
            self.error("E0111", f"{subject} must be positive, got {q.text}", q.span, hint=hint)
            return None
        if q is not None and most is not None:
            n, u = split_quantity(most)
            if q.value > float(n) * units[u]:
                self.error("E0111", f"{subject} must be at most {most}, got {q.text}", q.span, hint=hint)
                return None
        return q

    def _whole(self, tok: Token, key: str, lo: int, hi: int, hint: str) -> Located[int] | None:
        """A whole number in ``[lo, hi]`` (``key must be a whole number from lo to hi``)."""
        span = span_of_token(tok)
        if not re.fullmatch(r"\+?\d+", str(tok)) or not lo <= int(str(tok)) <= hi:
            self.error("E0111", f"{key} must be a whole number from {lo} to {hi}, got '{tok}'", span, hint=hint)
            return None
        return Located[int](value=int(str(tok)), span=span)

    def _enum(self, loc: Located[str], enum, what: str, code: str = "E0112"):
        try:
            return Located[enum](value=enum(loc.value), span=loc.span)
        except ValueError:
            self.error(code, f"unknown {what} '{loc.value}'", loc.span,
                       hint=suggestion(loc.value, [e.value for e in enum], f"{what}s"))
            return None

    # -- top-level statements ---------------------------------------------
    @v_args(meta=True)
    def model_stmt(self, meta, children):
        return ("model", span_of_meta(meta), children[0])

    @v_args(meta=True)
    def task_stmt(self, meta, children):
        return ("task", span_of_meta(meta), self._enum(children[0], Task, "task"))

    @v_args(meta=True)
    def metric_stmt(self, meta, children):
        return ("metric", span_of_meta(meta), self._enum(children[0], Metric, "metric"))

    @v_args(meta=True)
    def quantize_stmt(self, meta, children):
        mode = self._enum(children[0], Quantization, "quantization")
        tol = None
        if len(children) > 1:
            tol = self._quantity(children[1], {"%": 1.0}, "tolerance", "%")
            if tol is not None and not 0 <= tol.value < 100:
                self.error("E0111", f"quantization tolerance must be between 0% and 100%, got {tol.text}",
                           tol.span, hint="e.g. quantize auto within 1%")
                tol = None
            elif tol is not None and mode is not None and mode.value != Quantization.auto:
                self.error("E0111", f"'within' applies to 'quantize auto' only, not to {mode.value.value}", tol.span,
                           hint=f"write 'quantize auto within {tol.text}' to let tinyc choose, or drop 'within'")
                tol = None
        return ("quantize", span_of_meta(meta), (mode, tol) if mode is not None else None)

    @v_args(meta=True)
    def false_alarms_stmt(self, meta, children):
        q = self._quantity(children[0], {"%": 1.0}, "false-alarm rate", "%")
        if q is not None and not 0 < q.value < 50:
            self.error("E0111", f"false-alarm rate must be above 0% and below 50%, got {q.text}", q.span,
                       hint="e.g. false_alarms 1%")
            q = None
        return ("false_alarms", span_of_meta(meta), q)

    @v_args(meta=True)
    def allow_stmt(self, meta, children):
        loc = children[0]
        if loc.value != "weak":
            self.error("E0112", f"allow '{loc.value}' is not a choice here", loc.span,
                       hint="allow weak: ship a model that is not clearly better than the trivial baseline")
            return ("allow", span_of_meta(meta), None)
        return ("allow", span_of_meta(meta), loc)

    @v_args(meta=True)
    def learn_stmt(self, meta, children):
        return ("learn", span_of_meta(meta), self._enum(children[0], Learn, "learning mode"))

    @v_args(meta=True)
    def budget_stmt(self, meta, children):
        return ("budget", span_of_meta(meta),
                self._positive(children[0], vocab.TIME_UNITS, "time", "s", "budget", hint="e.g. budget 30s, 5m or 4h",
                               most=vocab.MOST["budget"]))

    @v_args(meta=True)
    def seed_stmt(self, meta, children):
        return ("seed", span_of_meta(meta), self._whole(children[0], "seed", 0, 2**32 - 1, "e.g. seed 42"))

    # -- data ----------------------------------------------------------------
    @v_args(meta=True)
    def data_stmt(self, meta, children):
        path = children[0]
        body = children[1] if len(children) > 1 else []
        fields = self._collect(body, "data")
        ignore_stmt = fields.get("ignore")
        src = DataSource(
            path=path,
            label=fields.get("label"),
            ignore=ignore_stmt[0] if ignore_stmt else [],
            ignore_span=ignore_stmt[1] if ignore_stmt else None,
            holdout=fields.get("holdout"),
            missing=fields.get("missing"),
            normal=fields.get("normal"),
            group=fields.get("group"),
            span=span_of_meta(meta),
        )
        return ("data", span_of_meta(meta), src)

    def data_body(self, children):
        return children

    label_stmt = value_stmt("label")

    @v_args(meta=True)
    def ignore_stmt(self, meta, children):
        return ("ignore", span_of_meta(meta), (children, span_of_meta(meta)))

    @v_args(meta=True)
    def normal_stmt(self, meta, children):
        return ("normal", span_of_meta(meta), children)

    @v_args(meta=True)
    def missing_stmt(self, meta, children):
        return ("missing", span_of_meta(meta), self._enum(children[0], MissingPolicy, "missing-value policy"))

    @v_args(meta=True)
    def holdout_stmt(self, meta, children):
        (val,) = children
        span = span_of_meta(meta)
        if isinstance(val, Located):
            return ("holdout", span, Holdout(path=val.value, span=val.span))
        q = self._quantity(val, {"%": 1.0}, "holdout", "%")
        if q is None:
            return ("holdout", span, None)
        if not 0 < q.value < 100:
            self.error("E0111", f"holdout percentage must be between 0 and 100, got {q.text}", q.span,
                       hint="20% is a common choice; or name a second CSV file: holdout \"test.csv\"")
            return ("holdout", span, None)
        return ("holdout", span, Holdout(percent=q, span=q.span))

    # -- package ---------------------------------------------------------------
    @v_args(meta=True)
    def package_stmt(self, meta, children):
        fields = self._collect(children, "package")
        return ("package", span_of_meta(meta), Package(span=span_of_meta(meta), **fields))

    version_stmt = value_stmt("version")
    author_stmt = value_stmt("author")
    maintainer_stmt = value_stmt("maintainer")
    url_stmt = value_stmt("url")

    # -- assembling ----------------------------------------------------------
    def _duplicate(self, what: str, span: Span, first: Span | None):
        notes = [Note("first given here", first)] if first is not None else []
        self.error("E0202", f"duplicate {what}", span, hint="remove one of them", notes=notes)

    def _collect(self, items, scope: str) -> dict:
        """Statements of a block into a field dict, refusing duplicates."""
        fields: dict = {}
        spans: dict[str, Span] = {}
        for key, span, value in items:
            if key in spans:
                self._duplicate(f"'{key}' in {scope}", span, spans[key])
                continue
            spans[key] = span
            if key == "quantize" and value is not None:
                fields["quantize"], tol = value
                if tol is not None:
                    fields["quantize_tolerance"] = tol
            elif value is not None:
                fields[key] = value
        return fields

    def start(self, children):
        fields: dict = {}
        spans: dict[str, Span] = {}
        targets: list[Target] = []
        for key, span, value in children:
            if key == "target":
                targets.append(value)
                continue
            if key in spans:
                self._duplicate(f"'{key}' statement", span, spans[key])
                continue
            spans[key] = span
            if key == "quantize" and value is not None:
                fields["quantize"], tol = value
                if tol is not None:
                    fields["quantize_tolerance"] = tol
            elif value is not None:
                fields[key] = value
            else:
                self.invalid.add(key)
        return Spec(file=self.file, targets=targets, **fields)


def _check_model_name(spec: Spec, builder: _Builder) -> None:
    from ..codegen.cgen import C_KEYWORDS, RESERVED_FILE_NAMES, suggest_identifier

    if spec.model is None:
        return
    name = spec.model.value
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in C_KEYWORDS:
        builder.error("E0113", f"model name '{name}' is not a valid C identifier", spec.model.span,
                      hint=f"the name prefixes every generated C symbol; try '{suggest_identifier(name)}'")
    elif name.lower() in RESERVED_FILE_NAMES:
        builder.error("E0113", f"model name '{name}' would name the library's files {name}.h and {name}.c, which "
                               f"shadow the system's <{name.lower()}.h>" if name.lower() != "main" else
                      f"model name '{name}' would name the library's source {name}.c, the firmware's own main file",
                      spec.model.span, hint=f"choose another name, e.g. {name}_model")


def normalize(source: str) -> str:
    """Spec text as the grammar reads it: without a UTF-8 byte-order mark (editors on Windows
    write one), and with CR LF and lone CR (old Mac) line ends as LF.

    >>> normalize("\\ufeffmodel m\\rtask regression\\r\\n")
    'model m\\ntask regression\\n'
    """
    return source.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_partial(source: str, file: str = "<spec>") -> tuple[Spec, list[Diagnostic], set[str]]:
    """Parse as far as possible: the IR with invalid statements left out, the
    value errors found, and the names of the statements left out (so that the
    resolver does not report them missing too). Raises :class:`SpecError` on
    syntax errors, which leave no IR to check."""
    source = normalize(source)
    tree, diags = parse_tree(source)
    if tree is None:
        raise SpecError(diags, source, file)
    builder = _Builder(source, file)
    try:
        spec = builder.transform(tree)
    except VisitError as e:  # a bug in a builder method, not a user error
        raise e.orig_exc from e
    _check_model_name(spec, builder)
    return spec, sorted(builder.diags, key=sort_key), builder.invalid


def parse(source: str, file: str = "<spec>") -> Spec:
    """Parse spec text into IR. Raises :class:`SpecError` with every
    diagnostic found."""
    spec, diags, _ = parse_partial(source, file)
    if diags:
        raise SpecError(diags, source, file)
    return spec


def read_source(path: str | Path, display_name: str | None = None) -> str:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SpecError([Diagnostic("E0301", f"cannot read spec file: {e.strerror}")], "", str(display_name or path))
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError([Diagnostic("E0106", f"spec file is not UTF-8 text (byte {e.start})")], "",
                        str(display_name or path))
    return normalize(source)


def parse_file(path: str | Path, display_name: str | None = None) -> Spec:
    return parse(read_source(path, display_name), str(display_name or path))
