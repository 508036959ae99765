"""Diagnostics: what went wrong, where, and what to do about it.

Rendered like a good compiler does it::

    specs/bad.tml:7:8: error[E0201]: unknown target 'cortex-m5'
      7 | target cortex-m5 {
        |        ^^^^^^^^^
      help: did you mean 'cortex-m4'?

Each kind of error has a code; ``tinyc explain CODE`` prints the long form.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from .ir import Span


@dataclass(frozen=True)
class Note:
    message: str
    span: Span | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    notes: tuple[Note, ...] = ()
    severity: str = "error"


class SpecError(Exception):
    """A spec (or the data it names) is wrong. Carries every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic], source: str = "", file: str = "<spec>"):
        self.diagnostics = list(diagnostics)
        self.source = source
        self.file = file
        super().__init__()

    def __str__(self) -> str:  # rendered when asked for, not when raised
        return self.render()

    def render(self, color: bool = False) -> str:
        return render_all(self.diagnostics, self.source, self.file, color=color)


# ---------------------------------------------------------------------------
# Error codes. The short message is written where the error is raised; the
# explanation here is what `tinyc explain` prints.
CODES: dict[str, str] = {
    "E0101": "Syntax error: the parser met a token it did not expect at this point.\n"
    "A spec is a list of statements, each a keyword and its value, e.g.\n"
    "    task classification\n    budget 30s\n    target cortex-m4 { flash 32KB ram 8KB }",
    "E0102": "Unknown statement: the word at the start of a statement is not a keyword\n"
    "allowed there. Top-level keywords: model, data, task, metric, budget, seed,\n"
    "quantize, target, search, signal, false_alarms, learn, allow, package. Inside `signal { }`:\n"
    "channels, group, time, rate, window, hop, highpass, lowpass, magnitude, features,\n"
    "bands, units, device, resample.\n"
    "Inside `data { }`: label, ignore, holdout, missing, normal, group.\n"
    "Inside `package { }`: version, author, maintainer, url.\n"
    "Inside `target NAME { }`: flash, ram, clock, latency; for a target that reads its\n"
    "sensor itself (the ISPU): read, supply, inputs.",
    "E0103": "Unterminated string: a string starts with '\"' and must end with '\"' on the\nsame line.",
    "E0104": "Bad number: numbers are written as 42, 0.5 or 1e-3, optionally followed\n"
    "directly by a unit (30s, 32KB, 20%).",
    "E0105": "Unexpected end of file: a block opened with '{' was not closed, or a\n"
    "statement is missing its value.",
    "E0106": "Unexpected character: this character cannot start any token of the spec\nlanguage.",
    "E0110": "Wrong or missing unit. Sizes take B, KB, KiB, MB or MiB (KB = KiB = 1024\n"
    "bytes, as in MCU datasheets); times take ms, s, m or h; a latency takes us, ms\n"
    "or s; clocks take Hz, kHz, MHz; a holdout share takes %. Sensor channels\n"
    "(`units`, `device`): m/s2, g, mg (acceleration); rad/s, mrad/s, dps, mdps\n"
    "(angular rate); T, mT, uT, gauss, mgauss (magnetic field).",
    "E0111": "Value out of range: the number is not allowed here (a budget must be\n"
    "positive, a holdout percentage must be between 0 and 100, a seed must be a\n"
    "non-negative integer below 2**32).",
    "E0112": "Unknown value: the word is not one of the values this statement accepts.",
    "E0113": "Invalid model name: the model name prefixes every symbol of the generated\n"
    "C library, so it must be a C identifier (letters, digits, '_', not starting with\n"
    "a digit) and not a C keyword; and it names the library's files <name>.h and\n"
    "<name>.c, so it may not be a system header's name (math, time, string, features, ...)\n"
    "or main.",
    "E0201": "Unknown target: no backend with this name is installed. `tinyc targets`\n"
    "lists the installed ones; third-party packages add more through the\n"
    "`tinyc.backends` entry-point group.",
    "E0202": "Duplicate: this statement or block may appear only once in its scope.",
    "E0203": "Missing statement: the spec needs this statement to be complete.",
    "E0204": "Metric does not fit the task. classification: accuracy, balanced_accuracy,\n"
    "f1, auc; regression: rmse, mae, r2; anomaly: auc, f1.",
    "E0205": "Memory budget exceeds what the device has: the flash or RAM given for a\n"
    "target is more than its program memory or data RAM.",
    "E0206": "Search block error: an unknown model family or hyperparameter, a range\n"
    "whose low end is above its high end, or a value of the wrong type.",
    "E0207": "Statement does not fit the task: `false_alarms`, `learn` and the data block's\n"
    "`normal` configure an anomaly detector and apply to `task anomaly` only; the data\n"
    "block's `group` is for feature tables (with a signal block, the group goes in it);\n"
    "a target's `read`, `supply` and `inputs` are for a target that reads its sensor itself,\n"
    "with a feature table (with a signal block, the sensor computes every input).",
    "E0208": "Units do not fit: a device delivers a channel in a unit of another quantity\n"
    "than the training data's (e.g. dps, an angular rate, for a channel the data holds\n"
    "in m/s2, an acceleration), a device reading is given for a channel whose training\n"
    "unit is not (`units ax: m/s2`), or the readings mix types.",
    "E0209": "The target cannot read the signal as declared: a target that reads its sensor\n"
    "itself (the ISPU) needs `units` and `device` statements for every channel, full\n"
    "scales and a sample rate the sensor has (or `resample from` one it has), and\n"
    "channels it measures (acceleration, angular rate).",
    "E0210": "An input's source is not declared: with `inputs strict`, each input of a\n"
    "feature-table model on a target that reads its sensor itself (the ISPU) is either a\n"
    "raw-data register's reading (`read acc_x: ARAW_X g`) or computed by the integrator's\n"
    "code (`supply ax_mean: g`). tinyc never guesses a source from a column's name; without\n"
    "`inputs strict` an undeclared input is supplied by the integrator, and the build says so.",
    "E0301": "Data file not found: the path is relative to the directory of the spec file.",
    "E0302": "Column not found: a column named in the spec is not in the CSV header.",
    "E0303": "Data file cannot be used: it is empty, has no header, or has a column\n"
    "that cannot be read as numbers.",
}


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest choice to ``word``, if any is close enough.

    >>> did_you_mean("cortex-m5", ["cortex-m4", "host"])
    'cortex-m4'
    >>> did_you_mean("xyz", ["cortex-m4", "host"]) is None
    True
    """
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


LISTED = 24  # names a help line lists at most; each cut to NAME_CHARS
NAME_CHARS = 40


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


def listing(names: Sequence[str], most: int = LISTED) -> str:
    """``names`` joined with commas, at most ``most`` of them, then how many more.

    >>> listing(["a", "b", "c"], 2), listing(["a"], 2)
    ('a, b and 1 more', 'a')
    """
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def suggestion(word: str, choices: Sequence[str], what: str = "") -> str:
    """A help line: did-you-mean when something is close, else the valid list (bounded: at
    most LISTED names, each at most NAME_CHARS characters).

    >>> suggestion("zzz", [f"c{i}" for i in range(100)], "columns")[-25:]
    'c21, c22, c23 and 76 more'
    """
    best = did_you_mean(word, choices)
    shown = listing([_short(c) for c in choices])
    if best is not None:
        return f"did you mean '{best}'?" + (f" ({what}: {shown})" if what and len(choices) <= 16 else "")
    return f"expected one of: {shown}" if not what else f"{what}: {shown}"


# ---------------------------------------------------------------------------
# Rendering

_RED, _YELLOW, _BLUE, _BOLD, _RESET = "\033[31m", "\033[33m", "\033[34m", "\033[1m", "\033[0m"


EXCERPT = 100  # characters of a long line quoted around the place of a diagnostic
SAME_CODE = 10  # diagnostics of one code shown in full; the rest are counted


@lru_cache(maxsize=4)
def _lines(source: str) -> list[str]:
    return source.split("\n")  # once per source, not once per diagnostic (linear in the spec's size)


def _line_text(source: str, line: int) -> str:
    lines = _lines(source)
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _snippet(source: str, span: Span, color: bool) -> list[str]:
    text = _line_text(source, span.line).expandtabs(1)
    width = len(str(span.line))
    start = max(span.column, 1)
    if span.end_line == span.line:
        length = max(span.end_column - span.column, 1)
    else:
        length = max(len(text) - start + 1, 1)
    if len(text) > EXCERPT:  # a bounded excerpt of a long line, with the place in it
        lo = max(0, min(start - 1 - EXCERPT // 3, len(text) - EXCERPT))
        hi = lo + EXCERPT
        text = ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")
        start = start - lo + (1 if lo > 0 else 0)
        length = max(1, min(length, EXCERPT - (start - 1) + 1))
    caret = " " * (start - 1) + "^" * length
    if color:
        caret = _RED + caret + _RESET
    return [f"  {span.line:>{width}} | {text}".rstrip(), f"  {'':>{width}} | {caret}"]


def render(diag: Diagnostic, source: str, file: str, color: bool = False) -> str:
    sev = diag.severity
    if color:
        sev = (_RED if sev == "error" else _YELLOW) + _BOLD + sev + _RESET
    where = f"{file}:{diag.span.line}:{diag.span.column}" if diag.span else file
    out = [f"{where}: {sev}[{diag.code}]: {diag.message}"]
    if diag.span is not None and source:
        out += _snippet(source, diag.span, color)
    for note in diag.notes:
        if note.span is not None:
            out.append(f"  note: {file}:{note.span.line}:{note.span.column}: {note.message}")
            out += _snippet(source, note.span, color)
        else:
            out.append(f"  note: {note.message}")
    if diag.hint:
        label = (_BLUE + "help" + _RESET) if color else "help"
        out.append(f"  {label}: {diag.hint}")
    return "\n".join(out)


def render_all(diags: Sequence[Diagnostic], source: str, file: str, color: bool = False) -> str:
    """Every diagnostic in full, but at most SAME_CODE of one code: the others of that code are
    counted on one line after them."""
    shown: dict[str, int] = {}
    parts = []
    for d in diags:
        shown[d.code] = shown.get(d.code, 0) + 1
        if shown[d.code] <= SAME_CODE:
            parts.append(render(d, source, file, color))
    for code, n in shown.items():
        if n > SAME_CODE:
            parts.append(f"{file}: ... and {n - SAME_CODE} more {code} like these (`tinyc explain {code}`)")
    errors = sum(1 for d in diags if d.severity == "error")
    if errors > 1:
        parts.append(f"{errors} errors")
    return "\n".join(parts)


def sort_key(d: Diagnostic):
    s = d.span
    return (s.line, s.column) if s else (10**9, 0)
