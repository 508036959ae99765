"""Large and long specs: diagnostics stay bounded and checking stays linear in the spec's size
(benchmarks/check_scale.py measures the time: 100,000 statements in a few seconds)."""
import shutil
import subprocess

from conftest import ROOT, tinyc_exe
from tinyc.spec import diagnostics
from tinyc.spec.diagnostics import Diagnostic, render_all
from tinyc.spec.ir import Span

HEAD = 'model m\ndata "d.csv" { label target }\ntask regression\n'


def check(tmp_path, text):
    shutil.copy(ROOT / "tests" / "fixtures" / "stackloss.csv", tmp_path / "d.csv")
    (tmp_path / "s.tml").write_text(text)
    return subprocess.run([tinyc_exe(), "check", "s.tml"], cwd=tmp_path, capture_output=True, text=True)


def test_many_errors_of_one_kind_are_counted_not_repeated(tmp_path):
    r = check(tmp_path, HEAD + "target host\n" * 20000)
    assert r.returncode == 2
    assert r.stderr.count("error[E0202]") == diagnostics.SAME_CODE
    assert "s.tml: ... and 19989 more E0202 like these (`tinyc explain E0202`)" in r.stderr
    assert r.stderr.rstrip().endswith("19999 errors") and len(r.stderr) < 5000


def test_a_long_line_is_quoted_as_a_bounded_excerpt(tmp_path):
    cols = ", ".join(f"c{i}" for i in range(4000))
    r = check(tmp_path, HEAD.replace("label target }", f"label target; ignore {cols} }}") + "target host\n")
    assert r.returncode == 2 and len(r.stderr) < 5000  # was the whole line once per column: 161 MB
    assert "'c3000'" not in r.stderr  # only the first SAME_CODE are shown in full
    quote, caret = r.stderr.splitlines()[1:3]
    assert len(quote) < diagnostics.EXCERPT + 20 and quote.endswith("…")
    assert quote[caret.index("^"):caret.index("^") + 2] == "c0"
    # a place deep in the line: the excerpt moves with it, the caret stays under the word
    text = "x" * 5000 + " bad " + "y" * 5000
    d = Diagnostic("E0101", "m", Span(line=1, column=5002, end_line=1, end_column=5005, start=5001, end=5004))
    out = render_all([d], text, "f").splitlines()
    assert out[1].startswith("  1 | …") and out[1].endswith("…") and len(out[1]) < diagnostics.EXCERPT + 20
    assert out[1][out[2].index("^"):out[2].rindex("^") + 1] == "bad"


def test_rendering_reads_the_source_once_for_all_diagnostics():
    source = "\n".join(f"target host{i}" for i in range(5000))
    diags = [Diagnostic(f"E{i % 3}", "m", Span(line=i + 1, column=1, end_line=i + 1, end_column=7, start=0, end=6))
             for i in range(5000)]
    diagnostics._lines.cache_clear()
    render_all(diags, source, "f")
    assert diagnostics._lines.cache_info().misses == 1  # was a split of the whole source per diagnostic
