"""Syntax: the cached LALR parser, and syntax errors turned into diagnostics.

Lark's raw exceptions name terminals; users need plain words. This module
recognises the common mistakes (a misspelt keyword, an unterminated string,
a unit apart from its number, an unclosed block, a malformed number) and
says what to write instead. After an error, the offending line is blanked and
parsing resumes, so independent mistakes further down are reported too.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

from lark import Lark, Token, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import vocab
from .diagnostics import Diagnostic, Note, did_you_mean, suggestion
from .ir import Span

MAX_RECOVERIES = 20
_TOP_KEYWORDS = {"model", "data", "task", "metric", "budget", "seed", "quantize", "target", "search",
                 "false_alarms", "learn", "signal", "package", "allow"}


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("tinyc_grammar").joinpath("tinyc.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False, cache=True)


# Keyword tokens as Lark names them, for friendly "expected" lists.
def _expected_words(names) -> list[str]:
    out = []
    for n in sorted(names):
        if n == "$END":
            out.append("end of file")
            continue
        t = _parser().get_terminal(n)
        if t.pattern.type == "str":
            out.append(t.pattern.value)
        elif n == "WORD":
            out.append("a name")
        elif n == "STRING":
            out.append('a "quoted string"')
        elif n == "QUANTITY":
            out.append("a number")
        elif n == "UNIT":
            out.append("a unit")
    return sorted(set(out), key=lambda w: (not w[0].isalpha(), w))


def _expected_text(names) -> str:
    words = [w if w[0].isalpha() or w.startswith("a ") else f"'{w}'" for w in _expected_words(names) if w != ";"]
    return "expected " + (words[0] if len(words) == 1 else "one of: " + ", ".join(words))


def _keywords(names) -> list[str]:
    return [w for w in _expected_words(names) if re.fullmatch(r"[a-z_]+", w)]


def split_quantity(tok: Token) -> tuple[str, str]:
    """The number and the unit of a QUANTITY token (``32KB`` → ``("32", "KB")``)."""
    m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([A-Za-z%]*)", str(tok))
    assert m is not None
    return m.group(1), m.group(2)


def value_stmt(key: str):
    """A transformer method for ``key VALUE``: (key, span, the value as parsed)."""
    @v_args(meta=True)
    def method(self, meta, children):
        return (key, span_of_meta(meta), children[0])

    method.__name__ = f"{key}_stmt"
    return method


# Spans are built for every node of the tree: from the parser's own integers, without
# validation, so that checking stays fast on large specs
def span_of_token(tok: Token) -> Span:
    return Span(line=tok.line, column=tok.column, end_line=tok.end_line, end_column=tok.end_column,
                start=tok.start_pos, end=tok.end_pos)


def span_of_meta(meta) -> Span:
    return Span(line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column,
                start=meta.start_pos, end=meta.end_pos)


def _span_at(source: str, pos: int, length: int = 1) -> Span:
    line = source.count("\n", 0, pos) + 1
    col = pos - (source.rfind("\n", 0, pos) + 1) + 1
    length = max(1, min(length, len(source) - pos)) if pos < len(source) else 1
    return Span(line=line, column=col, end_line=line, end_column=col + length, start=pos, end=pos + length)


# ---------------------------------------------------------------------------
# Syntax errors

def _unclosed_brace(source: str, pos: int) -> int | None:
    """Offset of the last '{' before ``pos`` that is not closed before it."""
    stack: list[int] = []
    in_str = in_comment = False
    for i, ch in enumerate(source[:pos]):
        if in_comment:
            in_comment = ch != "\n"
        elif ch == '"':
            in_str = not in_str
        elif ch == "\n":
            in_str = False
        elif in_str:
            continue
        elif ch == "#":
            in_comment = True
        elif ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _spaced_unit(source: str, pos: int, word: str) -> Diagnostic | None:
    """`budget 30 sec`: a unit written apart from its number."""
    line_start = source.rfind("\n", 0, pos) + 1
    m = re.search(r"([+-]?\d+(?:\.\d+)?)\s+$", source[line_start:pos])
    if m is None:
        return None
    all_units = {**vocab.TIME_UNITS, **vocab.SIZE_UNITS, **vocab.CLOCK_UNITS, "%": 1}
    unit = vocab.closest_unit(word, all_units)
    if unit is None:
        return None
    start = line_start + m.start()
    return Diagnostic("E0110", f"unit '{word}' is separated from its number", _span_at(source, start, pos + len(word) - start),
                      hint=f"write the unit right after the number: {m.group(1)}{unit}")


def _missing_brace(source: str, pos: int, found: str) -> Diagnostic | None:
    opened = _unclosed_brace(source, pos)
    if opened is None:
        return None
    return Diagnostic("E0105", f"expected '}}' before {found}", _span_at(source, pos, 1),
                      hint="close the block with '}'",
                      notes=(Note("the block opened here is not closed", _span_at(source, opened)),))


def _needs_quotes(source: str, pos: int) -> Diagnostic:
    run = re.match(r"[^\s{};,]+", source[pos:]).group()
    return Diagnostic("E0101", f"expected a quoted string, found '{run}'", _span_at(source, pos, len(run)),
                      hint=f'write it in double quotes: "{run}"')


def _char_error(err: UnexpectedCharacters, source: str) -> Diagnostic:
    """The lexer found no token at all at this position."""
    pos = err.pos_in_stream
    ch = source[pos]
    if ch == '"':
        end = source.find("\n", pos)
        end = len(source) if end < 0 else end
        return Diagnostic("E0103", "unterminated string", _span_at(source, pos, end - pos),
                          hint="add a closing '\"' before the end of the line")
    word = re.match(r"[A-Za-z_][A-Za-z0-9_\-]*", source[pos:])
    if word:
        w = word.group()
        keys = _keywords(err.allowed)
        spaced = _spaced_unit(source, pos, w)
        if spaced is not None:
            return spaced
        if keys:
            return Diagnostic("E0102", f"unknown statement '{w}'", _span_at(source, pos, len(w)),
                              hint=suggestion(w, keys, "expected"))
        if "STRING" in err.allowed and "WORD" not in err.allowed:
            return _needs_quotes(source, pos)
        return Diagnostic("E0101", f"unexpected '{w}'", _span_at(source, pos, len(w)), hint=_expected_text(err.allowed))
    # a number glued to something that cannot follow it: 3.2.1KB
    start = pos
    while start > 0 and not source[start - 1].isspace() and source[start - 1] not in "{};,":
        start -= 1
    run = re.match(r"[^\s{};,]+", source[start:])
    if run and re.match(r"[+-]?\d", run.group()):
        return Diagnostic("E0104", f"bad number '{run.group()}'", _span_at(source, start, len(run.group())),
                          hint="numbers look like 42, 0.5 or 1e-3, with an optional unit right after: 30s, 32KB, 20%")
    shown = ch if ch.isprintable() else repr(ch)
    return Diagnostic("E0106", f"unexpected character '{shown}'", _span_at(source, pos),
                      hint="this character has no meaning in a spec; comments start with '#'")


def _token_error(err: UnexpectedToken, source: str) -> Diagnostic:
    """A valid token where the grammar does not allow it."""
    tok = err.token
    if tok.type == "$END":
        unclosed = _unclosed_brace(source, len(source))
        if unclosed is not None and "RBRACE" in err.expected:
            return Diagnostic("E0105", "unexpected end of file: a block is not closed",
                              _span_at(source, unclosed), hint="add the missing '}'")
        return Diagnostic("E0105", "unexpected end of file", _span_at(source, max(len(source.rstrip()) - 1, 0)),
                          hint=_expected_text(err.expected))
    if "RBRACE" in err.expected and str(tok) in _TOP_KEYWORDS and tok.type not in ("WORD", "STRING"):
        # a top-level keyword inside a block: the block was not closed
        missing = _missing_brace(source, tok.start_pos, f"'{tok}'")
        if missing is not None:
            return missing
    keys = _keywords(err.expected)
    # a word lexed as a sensor unit (UNIT, which also matches words) where no unit is allowed is a word
    if tok.type == "UNIT" and "UNIT" not in err.expected and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", str(tok)):
        tok = Token("WORD", str(tok), tok.start_pos, tok.line, tok.column, tok.end_line, tok.end_column, tok.end_pos)
    if tok.type == "WORD" and keys and "WORD" not in err.expected:
        spaced = _spaced_unit(source, tok.start_pos, str(tok))
        if spaced is not None:
            return spaced
        return Diagnostic("E0102", f"unknown statement '{tok}'", span_of_token(tok),
                          hint=suggestion(str(tok), keys, "expected"))
    if tok.type == "WORD" and "STRING" in err.expected:
        return _needs_quotes(source, tok.start_pos)
    if tok.type in ("WORD", "QUANTITY") and "LBRACE" in err.expected:
        misspelt = _misspelt_search_statement(source, tok.start_pos)
        if misspelt is not None:
            return misspelt
    what = {"QUANTITY": "number", "STRING": "string", "WORD": "name"}.get(tok.type, "")
    shown = f"{what} '{tok}'" if what else f"'{tok}'"
    return Diagnostic("E0101", f"unexpected {shown}", span_of_token(tok), hint=_expected_text(err.expected))


SEARCH_STATEMENTS = ("families", "trials", *vocab.SWITCHES)


def _misspelt_search_statement(source: str, pos: int) -> Diagnostic | None:
    """`search { prun off }`: the word before ``pos`` read as a family block's name; when it is
    close to a search statement, that is what was meant."""
    before = re.search(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]+$", source[:pos])
    if before is None:
        return None
    word = before.group(1)
    if did_you_mean(word, SEARCH_STATEMENTS) is None and not _unknown_in_search(source, before.start(1), word):
        return None
    return Diagnostic("E0102", f"unknown statement '{word}'", _span_at(source, before.start(1), len(word)),
                      hint=suggestion(word, SEARCH_STATEMENTS, "search statements"))


def _unknown_in_search(source: str, pos: int, word: str) -> bool:
    """Whether ``word`` at ``pos`` stands directly in a search block and names no model family
    (`search { portfolio on }`: a statement tinyc does not have, not a family block)."""
    opened = [m.end() for m in re.finditer(r"\bsearch\s*\{", source[:pos])]
    if not opened:
        return False
    inside = source[opened[-1]:pos]
    return inside.count("{") == inside.count("}") and word not in vocab.FAMILIES


def _syntax_diagnostic(err: UnexpectedInput, source: str) -> Diagnostic:
    if isinstance(err, UnexpectedCharacters):
        return _char_error(err, source)
    if isinstance(err, UnexpectedToken):
        return _token_error(err, source)
    # LALR reports the end of input as an UnexpectedToken; this is a fallback
    return Diagnostic("E0105", "unexpected end of file", _span_at(source, max(len(source) - 1, 0)))


def _error_pos(err: UnexpectedInput, source: str) -> int:
    if isinstance(err, UnexpectedToken) and err.token.type != "$END":
        return err.token.start_pos
    if isinstance(err, UnexpectedCharacters):
        return err.pos_in_stream
    return len(source)


def parse_tree(source: str):
    """Parse, collecting syntax errors. Returns (tree or None, diagnostics)."""
    diags: list[Diagnostic] = []
    text = source
    for _ in range(MAX_RECOVERIES):
        try:
            tree = _parser().parse(text)
            return (tree if not diags else None), diags
        except UnexpectedInput as err:
            diag = _syntax_diagnostic(err, source)
            diags.append(diag)
            pos = _error_pos(err, text)
            if pos >= len(text) or diag.code == "E0105":
                break
            line_start = text.rfind("\n", 0, pos) + 1
            line_end = text.find("\n", pos)
            line_end = len(text) if line_end < 0 else line_end
            blanked = text[line_start:line_end]
            # Only recover when blanking the line keeps the block structure intact;
            # otherwise every later error would be an echo of this one.
            if blanked.count("{") != blanked.count("}") or '"' in blanked[pos - line_start:] and blanked.count('"') % 2:
                break
            text = text[:line_start] + " " * (line_end - line_start) + text[line_end:]
    return None, diags
