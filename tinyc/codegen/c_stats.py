"""C of a window's time-domain statistics, computing only what the model's features need.

Each channel needs some groups of work (tinyc.signal.frontend.STAT_GROUPS: the sum, the sum of
squares, the extrema, zero crossings, the deviations from the mean, the sums of their squares and of
their third and fourth powers, mean crossings); channels that need the same groups share one
function ``<p>_stats<i>(w, st, d)``, which fills the entries of ``st`` (TIME order) those groups
give and, with the deviations, ``d``. Each statistic is computed with the same float32 operations
in the same order as the golden model (tinyc.signal.features), so a statistic is the same bits
whichever others are computed beside it."""
from __future__ import annotations

from ..signal.frontend import TIME, FrontEnd
from .cgen import c_float


def variants(fe: FrontEnd) -> dict[tuple[str, ...], int]:
    """The distinct groups of the channels the model reads, each numbered (its function's suffix)."""
    out: dict[tuple[str, ...], int] = {}
    for c in sorted(fe.needs()):
        out.setdefault(fe.stat_groups(c), len(out))
    return out


def _function(p: str, n: int, groups: tuple[str, ...], i: int) -> str:
    P, g = p.upper(), set(groups)
    nf = c_float(n)
    decl = ["    uint16_t i;"]
    first, second, out = [], [], []
    if "sum" in g:
        decl.append("    float s1 = 0.0f, mean;")
        first.append("        s1 += w[i];")
    if "square" in g:
        decl.append("    float s2 = 0.0f;")
        first.append("        s2 += w[i] * w[i];")
    if "extrema" in g:
        decl.append("    float mn = w[0], mx = w[0];")
        first += ["        if (w[i] < mn) {", "            mn = w[i];", "        }",
                  "        if (w[i] > mx) {", "            mx = w[i];", "        }"]
    if "zero" in g:
        decl.append("    float zero = 0.0f;")
        first += ["        if (i > 0u && ((w[i] < 0.0f) != (w[i - 1u] < 0.0f))) {", "            zero += 1.0f;",
                  "        }"]
    if "dev" in g:
        second.append("        d[i] = w[i] - mean;")
    if "m2" in g:
        decl.append("    float m2 = 0.0f, var, sd;")
        second += ["        {", "            float dd = d[i] * d[i];", "            m2 += dd;"]
        if "moments" in g:
            decl.append("    float m3 = 0.0f, m4 = 0.0f;")
            second += ["            m3 += dd * d[i];", "            m4 += dd * dd;"]
        second.append("        }")
    if "cross" in g:
        decl.append("    float cross = 0.0f;")
        second += ["        if (i > 0u && ((d[i] < 0.0f) != (d[i - 1u] < 0.0f))) {", "            cross += 1.0f;",
                   "        }"]
    if "sum" in g:
        out += [f"    mean = s1 / {nf};", f"    st[{TIME.index('mean')}] = mean;"]
    loops = []
    if first:
        loops += [f"    for (i = 0; i < {P}_WINDOW; ++i) {{", *first, "    }"]
    if "sum" in g:
        loops.append(out.pop(0))
    if second:
        loops += [f"    for (i = 0; i < {P}_WINDOW; ++i) {{", *second, "    }"]
    if "m2" in g:
        out += [f"    var = m2 / {nf};", f"    sd = {p}_sqrt(var);", f"    st[{TIME.index('std')}] = sd;"]
    if "extrema" in g:
        out += [f"    st[{TIME.index('min')}] = mn;", f"    st[{TIME.index('max')}] = mx;",
                f"    st[{TIME.index('p2p')}] = mx - mn;"]
    if "square" in g:
        out.append(f"    st[{TIME.index('rms')}] = {p}_sqrt(s2 / {nf});")
    if "moments" in g:
        out += [f"    st[{TIME.index('skew')}] = (var > 0.0f) ? (m3 / {nf}) / (var * sd) : 0.0f;",
                f"    st[{TIME.index('kurtosis')}] = (var > 0.0f) ? (m4 / {nf}) / (var * var) - 3.0f : 0.0f;"]
    if "cross" in g:
        out.append(f"    st[{TIME.index('crossings')}] = cross;")
    if "zero" in g:
        out.append(f"    st[{TIME.index('zero_crossings')}] = zero;")
    unused = [] if "dev" in g else ["    (void)d;"]
    return "\n".join([f"/* statistics of w (oldest first): {', '.join(groups) or 'none'}"
                      f"{'; d receives w - mean' if 'dev' in g else ''} */",
                      f"static void {p}_stats{i}(const float *w, float *st, float *d)", "{",
                      *decl, *unused, *loops, *out, "}"])


def source(fe: FrontEnd, p: str) -> str:
    """The statistics functions of the front end's channels."""
    return "\n\n".join(_function(p, fe.window, groups, i) for groups, i in variants(fe).items())
