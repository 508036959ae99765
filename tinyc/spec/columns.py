"""The data's columns as a spec names them: the hint for a column the data does not have, and a
channel's sample columns in layout wide."""
from __future__ import annotations

import re

from .diagnostics import suggestion


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
