"""report.html / report.md: every section and chart present, self-contained,
data strings escaped; rendered in headless Chromium without console errors."""
import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, tinyc_exe

SECTIONS = ("spec", "data", "search", "model", "targets")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("r")
    spec = ROOT / "examples" / "image_segments" / "segments.tml"
    out = tmp / "segments"
    r = subprocess.run([tinyc_exe(), "build", str(spec), "-o", str(out), "--trials", "6", "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_html_has_every_section_and_chart_and_is_self_contained(build):
    html = (build / "report.html").read_text()
    for s in SECTIONS:
        assert f"id='{s}'" in html
    for chart in ("class balance", "feature correlation", "metric vs flash", "best so far", "time per family",
                  "confusion counts", "confusion normalised", "feature importance"):
        assert f'aria-label="{chart}"' in html, chart
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html.lower()
    # no reference to anything outside the file (the SVG namespace is an identifier, not a request)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}
    report = json.loads((build / "report.json").read_text())
    assert f"{report['model']['metrics']['holdout']['balanced_accuracy']:.4f}" in html


def test_markdown_summary(build):
    md = (build / "report.md").read_text()
    assert md.startswith("# segments: ")
    assert "| **balanced\\_accuracy** |" in md and "| cortex-m4 |" in md
    assert "Confusion on the holdout" in md and "![" not in md  # tables only, no images


def test_report_command_rerenders_without_retraining(build):
    (build / "report.html").unlink()
    r = subprocess.run([tinyc_exe(), "report", str(build)], capture_output=True, text=True)
    assert r.returncode == 0 and (build / "report.html").exists()


def test_data_strings_are_escaped_everywhere(tmp_path):
    src = (ROOT / "tests" / "fixtures" / "segments_head.csv").read_text().splitlines()
    header = src[0].split(",")
    header[0] = '"<script>alert(1)</script> & ""quoted"""'
    header[1] = "*/ x & y"
    rows = [r.rsplit(",", 1) for r in src[1:]]
    labels = {"sky": '<b>sky</b> & "blue"'}
    body = [f"{a},{labels.get(b, b)}" if '"' not in labels.get(b, b) else f'{a},"{labels[b].replace(chr(34), chr(34) * 2)}"'
            for a, b in rows]
    (tmp_path / "d.csv").write_text("\n".join([",".join(header)] + body) + "\n")
    (tmp_path / "s.tml").write_text('model m\ndata "d.csv" { label target }\ntask classification\n'
                                    'target cortex-m4\ntarget host\n')
    r = subprocess.run([tinyc_exe(), "build", str(tmp_path / "s.tml"), "-o", str(tmp_path / "out"), "--trials", "3",
                        "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<script>alert" not in html and "<b>sky</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;" in html
    assert "&lt;b&gt;sky&lt;/b&gt; &amp; &quot;blue&quot;" in html
    md = (tmp_path / "out" / "report.md").read_text()
    assert "<b>sky" not in md and "&lt;b&gt;sky&lt;/b&gt; &amp; \"blue\"" in md
    # the C still compiles and keeps the names as data
    header_c = (tmp_path / "out" / "host" / "src" / "m.h").read_text()
    assert "* / x & y" in header_c
    if shutil.which("cc"):
        lib = tmp_path / "out" / "host"
        r = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-I",
                            str(lib / "src"), str(lib / "src" / "m.c"), "-o", str(tmp_path / "m.o")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert '"<script>alert(1)</script> & \\"quoted\\""' in (lib / "src" / "m.c").read_text()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_headless_chromium_renders_it_without_errors(build, tmp_path):
    shot = tmp_path / "report.png"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
                        "--window-size=1200,3000", f"--screenshot={shot}", (build / "report.html").as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 50_000, r.stderr[-2000:]
    console = [line for line in r.stderr.splitlines() if "CONSOLE" in line or "Content Security Policy" in line
               or "Refused to" in line or "Uncaught" in line]
    assert console == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
