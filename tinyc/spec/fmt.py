"""The canonical printer behind `tinyc fmt`.

Statements keep the order they were written in (every IR node knows its
span); whitespace, indentation (two spaces per block), separators and unit
spelling are normalised: one statement per line, no ';', units written as
``32KB``/``30s``/``80MHz``, names quoted only when they need it.

Comments are kept. A comment on a line of its own belongs to the statement
that follows it (or to the closing brace / the end of the file when nothing
follows); a comment after code belongs to the statement on that line. One
blank line is kept where the source had at least one between statements.

Laws (tested with hypothesis): ``parse(fmt(x)) == parse(x)`` up to spans, and
``fmt(fmt(x)) == fmt(x)``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .ir import DataSource, ParamValue, Quantity, Search, Spec, Target
from .parser import parse
from .vocab import SWITCHES

INDENT = "  "
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


@dataclass
class _Item:
    text: str
    depth: int
    first: int  # source lines this item covers (1-based, inclusive)
    last: int
    leaf: bool = True  # False for a block opener or closer
    closer: bool = False
    leading: list[str] = field(default_factory=list)
    lead_first: int | None = None  # source line of the first leading comment
    trailing: list[str] = field(default_factory=list)


def _name(value: str) -> str:
    return value if _WORD.fullmatch(value) else f'"{value}"'


def _num(v) -> str:
    if isinstance(v, str):
        return _name(v)
    if isinstance(v, int):
        return str(v)
    assert math.isfinite(v)
    return repr(v)  # a float stays a float when read back: 1000.0, 0.1, 1e-05


def _amount(v: float, unit: str) -> str:
    """A device scale's number and unit: ``8g``, ``0.061mg``; apart when the unit is not letters
    only (``0.5 m/s2``), which the number's own unit suffix could not hold."""
    text = repr(v)[:-2] if repr(v).endswith(".0") else repr(v)
    return f"{text}{unit}" if unit.isalpha() else f"{text} {unit}"


def _qty(q: Quantity) -> str:
    return q.text


def _lines(node) -> tuple[int, int]:
    s = node.span
    return (s.line, s.end_line) if s is not None else (0, 0)


class _Printer:
    def __init__(self):
        self.items: list[_Item] = []

    def leaf(self, text: str, depth: int, node):
        first, last = _lines(node)
        self.items.append(_Item(text, depth, first, last))

    def block(self, head: str, depth: int, node, body):
        """A statement with a braced block; ``body`` emits the inner items."""
        first, last = _lines(node)
        self.items.append(_Item(head + " {", depth, first, first, leaf=False))
        body(depth + 1)
        self.items.append(_Item("}", depth, last, last, leaf=False, closer=True))

    # -- statements ------------------------------------------------------
    def spec(self, spec: Spec):
        self.tolerance = spec.quantize_tolerance
        stmts = []
        for key in ("model", "task", "metric", "budget", "seed", "quantize", "false_alarms", "learn", "allow"):
            node = getattr(spec, key)
            if node is not None:
                stmts.append((node, lambda d, k=key, n=node: self.simple(k, n, d)))
        if spec.data is not None:
            stmts.append((spec.data, lambda d: self.data(spec.data, d)))
        for t in spec.targets:
            stmts.append((t, lambda d, t=t: self.target(t, d)))
        if spec.search is not None:
            stmts.append((spec.search, lambda d: self.search(spec.search, d)))
        if spec.signal is not None:
            stmts.append((spec.signal, lambda d: self.signal(spec.signal, d)))
        if spec.package is not None:
            stmts.append((spec.package, lambda d: self.package(spec.package, d)))
        for _, emit in sorted(stmts, key=lambda s: _pos(s[0])):
            emit(0)

    def simple(self, key, node, depth):
        if key in ("budget", "false_alarms"):
            text = _qty(node)
        elif key == "model":
            text = _name(node.value)
        else:
            v = node.value
            text = v.value if hasattr(v, "value") else str(v)
        if key == "quantize" and self.tolerance is not None:
            text += f" within {_qty(self.tolerance)}"
        # statement span is the value's span for simple statements: print on one line
        self.leaf(f"{key} {text}", depth, node)

    def data(self, d: DataSource, depth):
        head = f'data "{d.path.value}"'
        inner = []
        if d.label is not None:
            inner.append((d.label, f"label {_name(d.label.value)}"))
        if d.ignore:
            inner.append((_Spanned(d.ignore_span), "ignore " + ", ".join(_name(x.value) for x in d.ignore)))
        if d.holdout is not None:
            h = d.holdout
            text = f'holdout "{h.path}"' if h.path is not None else f"holdout {_qty(h.percent)}"
            inner.append((h, text))
        if d.missing is not None:
            inner.append((d.missing, f"missing {d.missing.value.value}"))
        if d.normal:
            inner.append((d.normal[0], "normal " + ", ".join(_name(x.value) for x in d.normal)))
        if d.group is not None:
            inner.append((d.group, f"group {_name(d.group.value)}"))
        self.statement(head, depth, d, inner)

    def target(self, t: Target, depth):
        inner = [(q, f"{k} {_qty(q)}") for k in ("flash", "ram", "clock", "latency") if (q := getattr(t, k)) is not None]
        for r in t.reads:
            inner.append((r, "read " + ", ".join(_name(f.value) for f in r.features) + ": "
                          + ", ".join(x.value for x in r.registers) + (f" {r.unit.value}" if r.unit else "")))
        for u in t.supplies:
            unit = "" if u.unit is None else f": {u.unit.value}" if re.fullmatch(r"[A-Za-z][A-Za-z0-9/^]*", u.unit.value) \
                else f': "{u.unit.value}"'
            inner.append((u, "supply " + ", ".join(_name(f.value) for f in u.features) + unit))
        if t.inputs is not None:
            inner.append((t.inputs, f"inputs {t.inputs.value}"))
        self.statement(f"target {t.name.value}", depth, t, inner)

    def statement(self, head: str, depth: int, node, inner: list):
        """A statement with optional simple statements in braces, kept in source order;
        an empty block prints as the bare statement."""
        if not inner:
            self.leaf(head, depth, node)
            return
        self.block(head, depth, node,
                   lambda dd: [self.leaf(text, dd, n) for n, text in sorted(inner, key=lambda x: _pos(x[0]))])

    def signal(self, sig, depth):
        inner = []
        if sig.channels:
            inner.append((_Spanned(sig.channels_span), "channels " + ", ".join(_name(c.value) for c in sig.channels)))
        for key in ("group", "time"):
            loc = getattr(sig, key)
            if loc is not None:
                inner.append((loc, f"{key} {_name(loc.value)}"))
        if sig.layout is not None:
            inner.append((sig.layout, f"layout {sig.layout.value.value}"))
        for key in ("rate", "window", "hop", "highpass", "lowpass"):
            q = getattr(sig, key)
            if q is not None:
                inner.append((q, f"{key} {q.text if q.unit == 'samples' else _qty(q)}"))
        if sig.features is not None:
            inner.append((_Spanned(sig.features_span), "features " + ", ".join(f.value for f in sig.features)))
        if sig.bands is not None:
            inner.append((sig.bands, f"bands {sig.bands.value}"))
        for m in sig.magnitudes:
            inner.append((m, f"magnitude {_name(m.name.value)}: " + ", ".join(_name(c.value) for c in m.channels)))
        for u in sig.units:
            inner.append((u, "units " + ", ".join(_name(c.value) for c in u.channels) + f": {u.unit.value}"))
        for d in sig.device:
            inner.append((d, "device " + ", ".join(_name(c.value) for c in d.channels)
                          + f": {d.type.value} {d.kind} {_amount(d.amount.value, d.unit.value)}"))
        if sig.resample_from is not None:
            inner.append((sig.resample_from, f"resample from {_qty(sig.resample_from)}"))
        self.block("signal", depth, sig,
                   lambda dd: [self.leaf(text, dd, n) for n, text in sorted(inner, key=lambda x: _pos(x[0]))])

    def package(self, pk, depth):
        inner = [(loc, f'{k} "{loc.value}"') for k in ("version", "author", "maintainer", "url")
                 if (loc := getattr(pk, k)) is not None]
        self.block("package", depth, pk,
                   lambda dd: [self.leaf(text, dd, n) for n, text in sorted(inner, key=lambda x: _pos(x[0]))])

    def search(self, s: Search, depth):
        def body(dd):
            entries = []
            if s.families is not None:
                entries.append((_Spanned(s.families_span),
                                lambda d3: self.leaf("families " + ", ".join(f.value for f in s.families), d3,
                                                     _Spanned(s.families_span))))
            if s.trials is not None:
                entries.append((s.trials, lambda d3: self.leaf(f"trials {s.trials.value}", d3, s.trials)))
            for key in SWITCHES:
                v = getattr(s, key)
                if v is not None:
                    entries.append((v, lambda d3, v=v, key=key: self.leaf(f"{key} {'on' if v.value else 'off'}", d3, v)))
            for cfg in s.configs:
                entries.append((cfg, lambda d3, cfg=cfg: self.block(
                    cfg.family.value, d3, cfg,
                    lambda d4: [self.leaf(f"{p.name.value} {_value(p.value)}", d4, p) for p in cfg.params])))
            for _, emit in sorted(entries, key=lambda e: _pos(e[0])):
                emit(dd)

        self.block("search", depth, s, body)


@dataclass
class _Spanned:
    span: object


def _pos(node) -> int:
    return node.span.start if node.span is not None else 1 << 60


def _value(v: ParamValue) -> str:
    vals = [_num(x.value) for x in v.values]
    if v.kind == "range":
        return f"{vals[0]}..{vals[1]}"
    return ", ".join(vals)


# ---------------------------------------------------------------------------
# Comments

def _comments(source: str) -> list[tuple[int, str, bool]]:
    """(line, text, own_line) for every comment; '#' inside strings is not one."""
    out = []
    for n, line in enumerate(source.split("\n"), 1):
        in_str = False
        for i, ch in enumerate(line):
            if ch == '"':
                in_str = not in_str
            elif ch == "#" and not in_str:
                out.append((n, line[i:].rstrip(), line[:i].strip() == ""))
                break
    return out


def _attach(items: list[_Item], comments, tail: list[tuple[int, str]]):
    for line, text, own in comments:
        if not own:
            covering = [it for it in items if it.first <= line <= it.last]
            if covering:
                best = min(covering, key=lambda it: (it.last - it.first, -items.index(it)))
                best.trailing.append(text)
                continue
        inside = [it for it in items if it.leaf and it.first < line <= it.last]
        after = [it for it in items if it.first > line]
        target = inside[0] if inside else min(after, key=lambda it: (it.first, items.index(it))) if after else None
        if target is None:
            tail.append((line, text))
            continue
        target.leading.append(text)
        if target.lead_first is None:
            target.lead_first = line


def _render(items: list[_Item], tail: list[tuple[int, str]], source_lines: list[str]) -> str:
    out: list[str] = []
    prev_last: int | None = None
    prev_opener = False

    def blank_between(a: int, b: int) -> bool:
        return any(not source_lines[i - 1].strip() for i in range(a + 1, b) if 0 < i <= len(source_lines))

    for it in items:
        start = it.lead_first if it.lead_first is not None else it.first
        # one blank line where the source had one; never right after '{' or before a bare '}'
        if prev_last is not None and not prev_opener and not (it.closer and not it.leading) \
                and blank_between(prev_last, start):
            out.append("")
        pad = INDENT * (it.depth + (1 if it.closer else 0))
        out.extend(pad + c for c in it.leading)
        # several comments after one (multi-line) statement: all but the last go above it
        out.extend(INDENT * it.depth + c for c in it.trailing[:-1])
        line = INDENT * it.depth + it.text
        if it.trailing:
            line += "  " + it.trailing[-1]
        out.append(line)
        prev_last = it.last
        prev_opener = not it.leaf and not it.closer
    if tail:
        if prev_last is not None and blank_between(prev_last, tail[0][0]):
            out.append("")
        out.extend(text for _, text in tail)
    return "\n".join(out) + "\n" if out else ""


def format_spec(spec: Spec, source: str) -> str:
    """The canonical text of ``spec``, which was parsed from ``source``."""
    printer = _Printer()
    printer.spec(spec)
    tail: list[tuple[int, str]] = []
    _attach(printer.items, _comments(source), tail)
    return _render(printer.items, tail, source.split("\n"))


def fmt(source: str, file: str = "<spec>") -> str:
    """Parse and print canonically (LF line ends, no byte-order mark). Raises SpecError when
    ``source`` is invalid."""
    from .parser import normalize

    source = normalize(source)
    return format_spec(parse(source, file), source)
