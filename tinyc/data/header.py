"""Read just the header of a CSV file: cheap enough for `tinyc check`.

The delimiter is sniffed from the first lines (comma, semicolon, tab or
pipe); the decimal mark follows from it (a ';'-separated file may use ',' as
decimal mark, as European spreadsheets write it).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import TinycError

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024


class DataError(TinycError):
    """The data cannot be used; the message is one line that says why."""

    code, kind = "E0401", "data"


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal: str
    columns: tuple[str, ...]


def _decimal_for(delimiter: str, sample_lines: list[str]) -> str:
    if delimiter == ",":
        return "."
    body = "\n".join(sample_lines[1:])
    # A ','-decimal file has digits on both sides of commas and no '.' between digits.
    import re
    commas = len(re.findall(r"\d,\d", body))
    dots = len(re.findall(r"\d\.\d", body))
    return "," if commas > dots else "."


def sniff(path: Path) -> CsvFormat:
    try:
        with open(path, "rb") as f:
            raw = f.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a CSV file") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(raw) - 4:  # not just a multi-byte char cut by the sniff window
            raise DataError(f"{path}: not UTF-8 text (byte {e.start})") from None
        text = raw[: e.start].decode("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if not lines:
        raise DataError(f"{path}: the file is empty")
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        # One column, or too few lines to tell: take the most frequent candidate.
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        delimiter = max(counts, key=counts.get) if max(counts.values()) > 0 else ","
    header = next(csv.reader([lines[0]], delimiter=delimiter))
    columns = tuple(h.strip() for h in header)
    if not any(columns):
        raise DataError(f"{path}: the header row is empty")
    if all(_is_number(c) for c in columns if c):
        raise DataError(f"{path}: the first row holds numbers, not column names; add a header row")
    if any("\x00" in c for c in columns):  # C strings (the generated feature-name table) end at a NUL
        raise DataError(f"{path}: the header row holds a NUL character")
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise DataError(f"{path}: column name '{dup[0]}' appears more than once in the header")
    return CsvFormat(delimiter, _decimal_for(delimiter, lines), columns)


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", "."))
        return True
    except ValueError:
        return False
