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


def nice_ticks(lo: float, hi: float, n: int = 5) -> tuple[list[float], int]:
    """About ``n`` ticks at a 1-2-5 step covering lo..hi, and the decimals the step needs.

    >>> nice_ticks(0, 82.5)
    ([0.0, 20.0, 40.0, 60.0, 80.0], 0)
    >>> nice_ticks(0.9, 1.0)
    ([0.9, 0.92, 0.94, 0.96, 0.98, 1.0], 2)
    >>> nice_ticks(3, 3)
    ([3.0], 0)
    """
    import math

    if not hi > lo:
        return [float(lo)], max(0, -math.floor(math.log10(abs(lo)))) if lo and abs(lo) < 1 else 0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(float(round(t, 12)))
        t += step
    return ticks, max(0, -math.floor(math.log10(step) + 1e-9))


def _value_axis(values: list[float], n: int = 5) -> tuple[list[float], int, float]:
    """The ticks of a bar chart's value axis from 0, their decimals, and the axis's end."""
    top = max(values + [1e-12])
    ticks, decimals = nice_ticks(0, top, n)
    return ticks, decimals, max(ticks[-1], top)


def _label(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def _num(v: float) -> str:
    """A value shown on a chart: whole numbers (counts) as integers, others to 3 significant digits."""
    if float(v).is_integer() and abs(v) < 1e9:
        return f"{int(v)}"
    return f"{v:.3g}"


def bars(labels: list[str], values: list[float], xlabel: str = "", ylabel: str = "", title: str = "",
         color: str = ACCENT) -> str:
    n = max(len(values), 1)
    ticks, decimals, hi = _value_axis(values)
    x0, y0, x1, y1 = PAD_L, PAD_T, W - PAD_R, H - PAD_B
    bw = (x1 - x0) / n
    out = _axes(x0, y0, x1, y1, xlabel, ylabel)
    for t in ticks:
        y = y1 - (y1 - y0) * t / hi
        out.append(f'<text x="{_f(x0 - 4)}" y="{_f(y + 4)}" text-anchor="end" class="tick">{_label(t, decimals)}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = (y1 - y0) * v / hi
        x = x0 + i * bw + bw * 0.1
        out.append(f'<rect x="{_f(x)}" y="{_f(y1 - h)}" width="{_f(bw * 0.8)}" height="{_f(h)}" fill="{color}">'
                   f'<title>{escape(lab)}: {_num(v)}</title></rect>')
        if n <= 16:
            out.append(f'<text x="{_f(x + bw * 0.4)}" y="{_f(y1 + 14)}" text-anchor="middle" class="tick">'
                       f'{_short(lab, 12)}</text>')
    return _svg(out, label=title or ylabel)


def _short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis, the whole of it in a tooltip; escaped."""
    if len(text) <= n:
        return escape(text)
    return f'<tspan>{escape(text[:n - 1])}…<title>{escape(text)}</title></tspan>'


def hbars(labels: list[str], values: list[float], xlabel: str = "", title: str = "", color: str = ACCENT) -> str:
    """Horizontal bars, one row per label, the label in full (up to 32 characters, then a tooltip)
    left of its bar: readable however many or long the labels are."""
    row, left, right, top = 20, 200, 60, 8
    n = max(len(values), 1)
    h = top + row * n + 40
    ticks, decimals, hi = _value_axis(values, 4)
    x0, x1 = left, W - right
    out = [f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{top + row * n}" stroke="{MUTED}"/>']
    for t in ticks:
        x = x0 + (x1 - x0) * t / hi
        out.append(f'<text x="{_f(x)}" y="{top + row * n + 16}" text-anchor="middle" class="tick">'
                   f'{_label(t, decimals)}</text>')
    out.append(f'<text x="{_f((x0 + x1) / 2)}" y="{top + row * n + 34}" text-anchor="middle" class="axis">'
               f'{escape(xlabel)}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = top + i * row
        out.append(f'<text x="{x0 - 6}" y="{y + row * 0.7:.1f}" text-anchor="end" class="tick">{_short(lab, 32)}</text>')
        out.append(f'<rect x="{x0}" y="{y + 3}" width="{_f((x1 - x0) * max(v, 0.0) / hi)}" height="{row - 6}" '
                   f'fill="{color}"><title>{escape(lab)}: {v:.4g}</title></rect>')
        out.append(f'<text x="{_f(x0 + (x1 - x0) * max(v, 0.0) / hi + 4)}" y="{y + row * 0.7:.1f}" '
                   f'class="tick">{v:.3g}</text>')
    return _svg(out, W, h, title or xlabel)


def heatmap(labels: list[str], matrix: list[list[float]], lo: float = -1.0, hi: float = 1.0, title: str = "",
            annotate: bool = False, size: int = 420) -> str:
    n = max(len(labels), 1)
    margin = 110
    cell = (size - margin) / n
    out = []
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            x, y = margin + j * cell, margin + i * cell
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(cell)}" height="{_f(cell)}" '
                       f'fill="{_colour(v, lo, hi)}"><title>{escape(labels[i])} / {escape(labels[j])}: '
                       f'{_num(v)}</title></rect>')
            if annotate and n <= 12:
                out.append(f'<text x="{_f(x + cell / 2)}" y="{_f(y + cell / 2 + 4)}" text-anchor="middle" '
                           f'class="cell">{_num(v)}</text>')
    if n <= 40:
        for i, lab in enumerate(labels):
            c = margin + (i + 0.5) * cell
            out.append(f'<text x="{margin - 4}" y="{_f(c + 3)}" text-anchor="end" class="tick">{_short(lab, 16)}</text>')
            out.append(f'<text x="{_f(c)}" y="{margin - 4}" text-anchor="start" class="tick" '
                       f'transform="rotate(-60 {_f(c)} {margin - 4})">{_short(lab, 16)}</text>')
    # the colour scale: its ends and middle, in the matrix's units
    steps = 24
    sx, sw, sy = margin, size - margin - 10, size + 8
    for k in range(steps):
        v = lo + (hi - lo) * (k + 0.5) / steps
        out.append(f'<rect class="scale" x="{_f(sx + sw * k / steps)}" y="{sy}" width="{_f(sw / steps + 0.5)}" height="10" '
                   f'fill="{_colour(v, lo, hi)}"/>')
    for v, anchor, x in ((lo, "start", sx), ((lo + hi) / 2, "middle", sx + sw / 2), (hi, "end", sx + sw)):
        out.append(f'<text x="{_f(x)}" y="{sy + 24}" text-anchor="{anchor}" class="tick">{_num(v)}</text>')
    return _svg(out, size, size + 36, title)


def _colour(v: float, lo: float, hi: float) -> str:
    if lo < 0:  # diverging around 0: blue for negative, red for positive
        a = min(abs(v) / max(abs(lo), abs(hi)), 1.0)
        r, g, b = (255, int(255 * (1 - a)), int(255 * (1 - a))) if v >= 0 else \
            (int(255 * (1 - a)), int(255 * (1 - a)), 255)
    else:  # sequential: white to blue
        t = min(max((v - lo) / (hi - lo), 0.0), 1.0) if hi > lo else 0.0
        r, g, b = int(255 - 218 * t), int(255 - 156 * t), int(255 - 20 * t)
    return f"rgb({r},{g},{b})"


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
    yt, yd = nice_ticks(ylo, yhi)
    xt, xd = nice_ticks(xlo, xhi)
    for t in yt:
        out.append(f'<text x="{_f(x0 - 4)}" y="{_f(py(t) + 4)}" text-anchor="end" class="tick">{_label(t, yd)}</text>')
    for t in xt:
        out.append(f'<text x="{_f(px(t))}" y="{_f(y1 + 16)}" text-anchor="middle" class="tick">{_label(t, xd)}</text>')
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


def pareto(points: list[tuple[float, float]], greater: bool) -> list[tuple[float, float]]:
    """The Pareto front of (cost, value) points: by cost, each better than every cheaper one."""
    front, best = [], None
    for x, v in sorted(points, key=lambda p: p[0]):
        if best is None or (v > best if greater else v < best):
            best = v
            front.append((x, v))
    return front
