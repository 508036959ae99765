"""Small inline-SVG charts for the report: no JavaScript, no network, escaped text.

Each function returns an ``<svg>`` string sized in CSS pixels; deterministic
output (fixed number formatting) so reports diff cleanly.
"""
from __future__ import annotations

from html import escape

W, H = 560, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 16, 48
INK, MUTED, ACCENT, GOOD, BAD = "#1f2937", "#9ca3af", "#2563eb", "#059669", "#dc2626"


def _f(v: float) -> str:
    return f"{v:.1f}"


def _svg(body: list[str], w: int = W, h: int = H, label: str = "") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            f'role="img" aria-label="{escape(label)}" class="chart">' + "".join(body) + "</svg>")


def _axes(x0, y0, x1, y1, xlabel: str, ylabel: str) -> list[str]:
    return [f'<line x1="{_f(x0)}" y1="{_f(y1)}" x2="{_f(x1)}" y2="{_f(y1)}" stroke="{MUTED}"/>',
            f'<line x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(x0)}" y2="{_f(y1)}" stroke="{MUTED}"/>',
            f'<text x="{_f((x0 + x1) / 2)}" y="{_f(y1 + 36)}" text-anchor="middle" class="axis">{escape(xlabel)}</text>',
            f'<text x="14" y="{_f((y0 + y1) / 2)}" text-anchor="middle" class="axis" '
            f'transform="rotate(-90 14 {_f((y0 + y1) / 2)})">{escape(ylabel)}</text>']


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / n for i in range(n + 1)]


def _num(v: float) -> str:
    a = abs(v)
    return f"{v:.0f}" if a >= 100 else f"{v:.2f}" if a >= 1 else f"{v:.3f}"


def bars(labels: list[str], values: list[float], xlabel: str = "", ylabel: str = "", title: str = "",
         color: str = ACCENT) -> str:
    n = max(len(values), 1)
    hi = max(values + [1e-12])
    x0, y0, x1, y1 = PAD_L, PAD_T, W - PAD_R, H - PAD_B
    bw = (x1 - x0) / n
    out = _axes(x0, y0, x1, y1, xlabel, ylabel)
    for t in _ticks(0, hi):
        y = y1 - (y1 - y0) * t / hi
        out.append(f'<text x="{_f(x0 - 4)}" y="{_f(y + 4)}" text-anchor="end" class="tick">{_num(t)}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = (y1 - y0) * v / hi
        x = x0 + i * bw + bw * 0.1
        out.append(f'<rect x="{_f(x)}" y="{_f(y1 - h)}" width="{_f(bw * 0.8)}" height="{_f(h)}" fill="{color}">'
                   f'<title>{escape(lab)}: {_num(v)}</title></rect>')
        if n <= 16:
            out.append(f'<text x="{_f(x + bw * 0.4)}" y="{_f(y1 + 14)}" text-anchor="middle" class="tick">'
                       f'{escape(lab[:12])}</text>')
    return _svg(out, label=title or ylabel)


def heatmap(labels: list[str], matrix: list[list[float]], lo: float = -1.0, hi: float = 1.0, title: str = "",
            annotate: bool = False, size: int = 420) -> str:
    n = max(len(labels), 1)
    margin = 110
    cell = (size - margin) / n
    out = []
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if lo < 0:  # diverging around 0: blue for negative, red for positive
                a = min(abs(v) / max(abs(lo), abs(hi)), 1.0)
                r, g, b = (255, int(255 * (1 - a)), int(255 * (1 - a))) if v >= 0 else \
                    (int(255 * (1 - a)), int(255 * (1 - a)), 255)
            else:  # sequential: white to blue
                t = min(max((v - lo) / (hi - lo), 0.0), 1.0) if hi > lo else 0.0
                r, g, b = int(255 - 218 * t), int(255 - 156 * t), int(255 - 20 * t)
            x, y = margin + j * cell, margin + i * cell
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(cell)}" height="{_f(cell)}" '
                       f'fill="rgb({r},{g},{b})"><title>{escape(labels[i])} / {escape(labels[j])}: '
                       f'{_num(v)}</title></rect>')
            if annotate and n <= 12:
                out.append(f'<text x="{_f(x + cell / 2)}" y="{_f(y + cell / 2 + 4)}" text-anchor="middle" '
                           f'class="cell">{_num(v)}</text>')
    if n <= 40:
        for i, lab in enumerate(labels):
            c = margin + (i + 0.5) * cell
            out.append(f'<text x="{margin - 4}" y="{_f(c + 3)}" text-anchor="end" class="tick">{escape(lab[:16])}</text>')
            out.append(f'<text x="{_f(c)}" y="{margin - 4}" text-anchor="start" class="tick" '
                       f'transform="rotate(-60 {_f(c)} {margin - 4})">{escape(lab[:16])}</text>')
    return _svg(out, size, size, title)


def scatter(points: list[tuple[float, float, str]], highlight: list[tuple[float, float]] = (),
            chosen: tuple[float, float] | None = None, xlabel: str = "", ylabel: str = "", title: str = "",
            line: bool = False) -> str:
    """points: (x, y, tooltip); ``highlight`` is drawn as a line (e.g. a Pareto front)."""
    if not points:
        return _svg([f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no data</text>'], label=title)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    xlo, xhi, ylo, yhi = min(xs), max(xs), min(ys), max(ys)
    if xhi == xlo:
        xhi = xlo + 1
    if yhi == ylo:
        yhi = ylo + 1e-9 + abs(ylo) * 0.01
    x0, y0, x1, y1 = PAD_L, PAD_T, W - PAD_R, H - PAD_B

    def px(x):
        return x0 + (x1 - x0) * (x - xlo) / (xhi - xlo)

    def py(y):
        return y1 - (y1 - y0) * (y - ylo) / (yhi - ylo)

    out = _axes(x0, y0, x1, y1, xlabel, ylabel)
    for t in _ticks(ylo, yhi):
        out.append(f'<text x="{_f(x0 - 4)}" y="{_f(py(t) + 4)}" text-anchor="end" class="tick">{_num(t)}</text>')
    for t in _ticks(xlo, xhi):
        out.append(f'<text x="{_f(px(t))}" y="{_f(y1 + 16)}" text-anchor="middle" class="tick">{_num(t)}</text>')
    if line:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_f(px(x))},{_f(py(y))}" for i, (x, y, _) in enumerate(points))
        out.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for x, y, tip in points:
        out.append(f'<circle cx="{_f(px(x))}" cy="{_f(py(y))}" r="3.5" fill="{ACCENT}" fill-opacity="0.55">'
                   f'<title>{escape(tip)}</title></circle>')
    if len(highlight) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_f(px(x))},{_f(py(y))}" for i, (x, y) in enumerate(highlight))
        out.append(f'<path d="{path}" fill="none" stroke="{GOOD}" stroke-width="2" stroke-dasharray="5 3"/>')
    if chosen is not None:
        out.append(f'<circle cx="{_f(px(chosen[0]))}" cy="{_f(py(chosen[1]))}" r="7" fill="none" stroke="{BAD}" '
                   f'stroke-width="2.5"><title>chosen model</title></circle>')
    return _svg(out, label=title)


def budget_bar(used: int, limit: int, label: str) -> str:
    w, h = 300, 18
    frac = min(used / limit, 1.0) if limit else 0.0
    color = GOOD if used <= limit else BAD
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="{escape(label)}"><rect x="0" y="0" width="{w}" height="{h}" fill="#e5e7eb"/>'
            f'<rect x="0" y="0" width="{_f(w * frac)}" height="{h}" fill="{color}"/>'
            f'<text x="6" y="13" class="barlabel">{escape(label)}</text></svg>')
