"""The spec language: parse text into IR, check it, print it canonically."""
from __future__ import annotations

from pathlib import Path

from .diagnostics import Diagnostic, SpecError
from .parser import parse, parse_file, parse_partial, read_source
from .resolve import Resolved, resolve


def load(path: str | Path) -> Resolved:
    """Parse and resolve the spec file at ``path``, reporting every problem
    of both stages at once. Raises SpecError."""
    path = Path(path)
    source = read_source(path)
    spec, diags, invalid = parse_partial(source, str(path))
    return resolve(spec, path.parent, source, diags, invalid)


__all__ = ["Diagnostic", "SpecError", "Resolved", "load", "parse", "parse_file", "resolve"]
