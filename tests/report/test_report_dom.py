"""The report of every task, as a reader sees it: no placeholder text, chart ticks at 1-2-5
steps, whole numbers for counts, a colour scale on every heatmap, feature-importance labels that
do not overlap (measured in headless Chromium), the integration snippet that fits the model, and
no raw limits for the host."""
import json
import math
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, tinyc_exe

IMU = ROOT / "tests" / "fixtures" / "imu_long.csv"
STACK = ROOT / "tests" / "fixtures" / "stackloss.csv"
SEGMENTS = ROOT / "tests" / "fixtures" / "segments_head.csv"
SPECS = {
    "classification": f'model m\ndata "{SEGMENTS}" {{ label target }}\ntask classification\n'
                      f"target cortex-m4\ntarget host\n",
    "regression": f'model m\ndata "{STACK}" {{ label target }}\ntask regression\ntarget cortex-m4\ntarget host\n',
    "anomaly": f'model m\ndata "{IMU}" {{ label activity; normal standing; ignore t }}\ntask anomaly\n'
               f"learn both\ntarget cortex-m4\n",
    "signal": f'model m\ndata "{IMU}" {{ label activity; holdout 25% }}\ntask classification\n'
              f"signal {{ channels ax, ay, az; time t; rate 10Hz; window 40; hop 20 }}\ntarget cortex-m4\n",
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PLACEHOLDERS = (r"\bno data\b", r"decided on the \.", r"within — points", r"\bNone\b", r"\bnan\b", r">—<\/p>")


@pytest.fixture(scope="module", params=sorted(SPECS))
def report(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    (tmp / "s.tml").write_text(SPECS[request.param])
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out", "--trials", "4", "-q"], cwd=tmp,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return request.param, tmp / "out"


def _axis(svg_text: str, anchor: str) -> list[float]:
    return [float(v) for v in re.findall(rf'text-anchor="{anchor}" class="tick">([-0-9.]+)</text>', svg_text)]


def _nice(axis: list[float]) -> bool:
    """Evenly spaced at 1, 2 or 5 times a power of ten."""
    steps = {round(b - a, 9) for a, b in zip(axis, axis[1:])}
    if len(steps) > 1:
        return False
    return all(round(st / 10 ** math.floor(math.log10(st)), 6) in (1.0, 2.0, 5.0) for st in steps if st > 0)


SCATTERS = ("metric vs flash", "best so far", "pred vs actual", "residuals")


def test_no_placeholder_and_nice_numbers(report):
    task, out = report
    html = (out / "report.html").read_text()
    for p in PLACEHOLDERS:
        assert not re.search(p, html), (task, p, re.search(p, html))
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        label = re.search(r'aria-label="([^"]*)"', svg).group(1)
        if label == "confusion counts":  # counts are whole numbers
            assert all("." not in v for v in re.findall(r'class="cell">([^<]+)<', svg))
        if 'class="scale"' in svg or label.startswith("confusion") or "correlation" in label:
            continue  # heatmaps: a colour scale, no axes
        assert _nice(_axis(svg, "end")), (task, label, _axis(svg, "end"))
        if label in SCATTERS:
            assert _nice(_axis(svg, "middle")), (task, label, _axis(svg, "middle"))
    for svg in re.findall(r"<svg[^>]*aria-label=\"(?:feature correlation|confusion counts)\".*?</svg>", html, re.S):
        assert svg.count('class="scale"') > 10  # a colour scale under every heatmap


def test_integration_snippet_fits_the_model_and_host_has_no_raw_limits(report):
    task, out = report
    html = (out / "report.html").read_text()
    notice, snippet = re.search(r"<h3>Integration</h3>(?:<p>(.*?)</p>)?<pre>(.*?)</pre>", html, re.S).groups()
    rep = json.loads((out / "report.json").read_text())
    if rep.get("signal"):  # no device declared: samples in the training data's units, which it says
        assert "m_push_sample(sample, &amp;ready)" in snippet and "N_FEATURES" not in snippet
        assert "push_sample takes samples in the training data&#x27;s units" in notice
    else:
        assert "float x[M_N_FEATURES]" in snippet
    if task == "anomaly":
        assert "m_save(buf, M_STATE_SIZE)" in snippet
    if "host" in rep["targets"]:
        assert "67108864" not in html and "not applicable to a desktop" in html


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_importance_labels_do_not_overlap_in_chromium(report, tmp_path):
    """The report forbids scripts (CSP); a copy without the CSP measures the label boxes of the
    importance chart in Chromium's layout and writes the overlaps into the DOM it dumps."""
    task, out = report
    html = (out / "report.html").read_text()
    if 'aria-label="feature importance"' not in html:
        pytest.skip("no importance chart for this task")
    probe = re.sub(r"<meta http-equiv='Content-Security-Policy'[^>]*>", "", html).replace("</body>", """<script>
const svg = document.querySelector('svg[aria-label="feature importance"]');
const boxes = [...svg.querySelectorAll('text[text-anchor="end"]')].map(t => t.getBoundingClientRect());
let overlaps = 0;
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps++;
}
document.body.setAttribute('data-labels', boxes.length);
document.body.setAttribute('data-overlaps', overlaps);
</script></body>""")
    page = tmp_path / "probe.html"
    page.write_text(probe)
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,3000",
                        "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    labels = re.search(r'data-labels="(\d+)"', r.stdout)
    overlaps = re.search(r'data-overlaps="(\d+)"', r.stdout)
    assert labels and overlaps, r.stderr[-2000:]
    assert int(labels.group(1)) >= 2 and int(overlaps.group(1)) == 0


def test_each_figure_says_how_it_was_obtained_and_its_bound(report):
    task, out = report
    rep = json.loads((out / "report.json").read_text())
    by = {f["figure"]: f for f in rep["figures"]}
    what = "window" if task == "signal" else "prediction"
    assert by["flash (estimate)"]["bound"].startswith("within 10% or 256 B of the linked image")
    assert by["RAM (estimate)"]["bound"].startswith("within 10% or 64 B")
    assert by[f"instructions per {what} (estimate)"]["bound"].startswith("within 25% of qemu's count")
    assert by["flash (linked)"]["obtained"].startswith("linked")
    assert by[f"instructions per {what} (qemu)"]["obtained"].startswith("counted by `tinyc verify` under qemu")
    assert by["latency (µs)"]["bound"].startswith("none stated")
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for f in rep["figures"]:  # every one in both reports, with its bound
        assert f"| {f['figure']} |" in md.replace("\\", "") and f["bound"].replace("`", "") in md.replace("\\", "")
        assert f"<td>{f['figure']}</td>" in html


def test_the_trivial_baseline_stands_beside_the_metric_in_every_report(report):
    """report.json, report.md and report.html give the baseline's holdout metric next to the
    model's, what the baseline predicts, and the share of the room above it the model takes."""
    task, out = report
    rep = json.loads((out / "report.json").read_text())
    metric, base = rep["metric"], rep["model"]["baseline"]
    value = base["holdout"][metric]
    assert 0.0 <= value <= 1.0 if metric != "rmse" else value > 0
    kind = {"classification": "the majority class", "regression": "the training rows' mean",
            "anomaly": "a random score", "signal": "the majority class"}[task]
    assert base["kind"].startswith(kind) and not base["weak"] and base["gain"] >= 0.2
    line = f"aseline {metric} {value:.4f} on the holdout ("
    md_text = (out / "report.md").read_text()
    assert line.replace("_", "\\_") in md_text and "| baseline (holdout) |" in md_text
    html = (out / "report.html").read_text()
    assert line in html and "<th class=\"\">baseline (holdout)</th>" in html
    if task != "anomaly":  # every metric of the task has its baseline column
        assert set(base["holdout"]) == set(rep["model"]["metrics"]["holdout"])
