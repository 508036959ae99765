"""The mutated-spec fuzzer: every shipped and test spec, mutated the ways users and tools break
files (a character, a line, a number pushed to an extreme, a name made hostile, a BOM or CR line
ends), then checked against its real data files exactly as `tinyc check` does. Whatever comes
in, the answer is the spec (it checks) or diagnostics that point into it (file:line:col, a code),
never another exception, and within a bounded time (hypothesis's deadline)."""
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from tinyc.spec import SpecError, diagnostics
from tinyc.spec.fmt import fmt
from tinyc.spec.parser import normalize, parse_partial
from tinyc.spec.resolve import resolve

CORPUS = sorted([*(ROOT / "specs").glob("*.tml"), *(ROOT / "examples").glob("*/*.tml"),
                 *(ROOT / "tests" / "spec" / "ok").glob("*.tml")])
EXTREMES = ["0", "-1", "1e400", "99999999999", "1e-400", "0.0000001", "4294967296", "18446744073709551616", "nan",
            "inf", "1.5", "00", "+3"]
HOSTILE = ["??/", "\x00", "\u202e", "😀", "\\", '"', "*/", "a" * 300, "é", "\t", "#", "{", "}", ";", "..", "%"]


def check_text(text: str, folder: Path, name: str):
    """What `tinyc check` does with ``text`` saved as ``folder/name`` (the spec's data resolved
    against ``folder``): the resolved spec, or a SpecError."""
    source = normalize(text)
    spec, diags, invalid = parse_partial(source, name)
    return resolve(spec, folder, source, diags, invalid)


@st.composite
def mutated(draw):
    path = draw(st.sampled_from(CORPUS))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["char", "delete_line", "duplicate_line", "swap_lines", "number", "word",
                                   "truncate", "bom", "cr"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "char" and text:
            pos = draw(st.integers(0, len(text) - 1))
            ch = draw(st.sampled_from(list('{}";,.#%-+0aZ\n@\t=') + HOSTILE + [""]))
            text = text[:pos] + ch + text[pos + draw(st.integers(0, 1)):]
            continue
        if op == "delete_line":
            del lines[i]
        elif op == "duplicate_line":
            lines.insert(i, lines[i])
        elif op == "swap_lines":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "number":
            numbers = list(re.finditer(r"\d+(\.\d+)?", text))
            if numbers:
                m = draw(st.sampled_from(numbers))
                text = text[:m.start()] + draw(st.sampled_from(EXTREMES)) + text[m.end():]
            continue
        elif op == "word":
            words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_\-]*", text))
            if words:
                m = draw(st.sampled_from(words))
                text = text[:m.start()] + draw(st.sampled_from(HOSTILE + ["target", "model", "data"])) + \
                    text[m.end():]
            continue
        elif op == "truncate":
            text = text[:draw(st.integers(0, len(text)))]
            continue
        elif op == "bom":
            text = "\ufeff" + text
            continue
        elif op == "cr":
            text = text.replace("\n", draw(st.sampled_from(["\r", "\r\n"])))
            continue
        text = "\n".join(lines)
    return path, text


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_specs_get_a_spec_or_diagnostics(case):
    path, text = case
    try:
        resolved = check_text(text, path.parent, path.name)
    except SpecError as e:
        rendered = e.render()
        assert e.diagnostics and "error[E" in rendered, rendered
        shown: dict[str, int] = {}
        for d in e.diagnostics:  # each shown in full points into the spec; past SAME_CODE of a code, counted
            shown[d.code] = shown.get(d.code, 0) + 1
            if d.span is not None and shown[d.code] <= diagnostics.SAME_CODE:
                assert f"{path.name}:{d.span.line}:{d.span.column}: " in rendered
        return
    assert resolved.spec.model is not None and resolved.spec.targets
    assert fmt(fmt(text)) == fmt(text)  # a spec that checks also formats, and formatting is stable


@pytest.mark.parametrize("text", [
    "\ufeffmodel m\n",                                  # BOM
    "model m\rdata \"x.csv\"\r",                        # CR-only line ends
    "budget 99999999999h\n", "budget 1e400s\n",          # numbers past any bound
    "target cortex-m4 { flash 1e400KB }\n",
    "search { tree { max_depth 1e999 } }\n",
    "data \"" + "x" * 300 + ".csv\" { label y }\n",      # a path component too long for the file system
    "model m\n" + "target host\n" * 3000,               # many errors of one kind
])
def test_regressions_from_the_hostile_user_report(text, tmp_path):
    try:
        check_text(text, tmp_path, "s.tml")
    except SpecError as e:
        assert "error[E" in e.render()
