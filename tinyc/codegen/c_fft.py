"""C of the mixed-radix FFT power spectrum (tinyc.signal.fft is its golden model, operation for
operation): ``<p>_fft_power(d, re, power)`` reads the window's deviations ``d`` in digit-reversed
order into ``re`` and the static ``<p>_im``, runs the stages in place and writes the power of bins
1..N/2. Each stage is a loop over k (the twiddles W_L^(q*k) from the front end's cos/sin tables,
none for k = 0) and over the blocks; the butterflies are those of the golden model, statement for statement. No division, no recursion, no heap."""
from __future__ import annotations

from ..signal.fft import C3, C51, C52, S3, S51, S52, digit_reversal, radices
from .cgen import c_array, c_float, int_type


def _butterfly(p: int, indent: str) -> list[str]:
    """C that sets yr<u>, yi<u> from the twiddled inputs tr<q>, ti<q> (as fft.butterfly)."""
    if p == 2:
        return [f"{indent}yr0 = tr0 + tr1;", f"{indent}yr1 = tr0 - tr1;",
                f"{indent}yi0 = ti0 + ti1;", f"{indent}yi1 = ti0 - ti1;"]
    if p == 4:
        return [f"{indent}ar = tr0 + tr2;", f"{indent}ai = ti0 + ti2;", f"{indent}br = tr0 - tr2;",
                f"{indent}bi = ti0 - ti2;", f"{indent}cr = tr1 + tr3;", f"{indent}ci = ti1 + ti3;",
                f"{indent}dr = tr1 - tr3;", f"{indent}di = ti1 - ti3;",
                f"{indent}yr0 = ar + cr;", f"{indent}yr1 = br + di;", f"{indent}yr2 = ar - cr;",
                f"{indent}yr3 = br - di;", f"{indent}yi0 = ai + ci;", f"{indent}yi1 = bi - dr;",
                f"{indent}yi2 = ai - ci;", f"{indent}yi3 = bi + dr;"]
    if p == 3:
        return [f"{indent}ar = tr1 + tr2;", f"{indent}ai = ti1 + ti2;", f"{indent}dr = tr1 - tr2;",
                f"{indent}di = ti1 - ti2;", f"{indent}br = tr0 + {c_float(C3)} * ar;",
                f"{indent}bi = ti0 + {c_float(C3)} * ai;", f"{indent}cr = {c_float(S3)} * dr;",
                f"{indent}ci = {c_float(S3)} * di;", f"{indent}yr0 = tr0 + ar;", f"{indent}yr1 = br + ci;",
                f"{indent}yr2 = br - ci;", f"{indent}yi0 = ti0 + ai;", f"{indent}yi1 = bi - cr;",
                f"{indent}yi2 = bi + cr;"]
    c51, c52, s51, s52 = (c_float(v) for v in (C51, C52, S51, S52))
    return [f"{indent}ar = tr1 + tr4;", f"{indent}ai = ti1 + ti4;", f"{indent}br = tr1 - tr4;",
            f"{indent}bi = ti1 - ti4;", f"{indent}cr = tr2 + tr3;", f"{indent}ci = ti2 + ti3;",
            f"{indent}dr = tr2 - tr3;", f"{indent}di = ti2 - ti3;",
            f"{indent}a1r = tr0 + {c51} * ar + {c52} * cr;", f"{indent}a1i = ti0 + {c51} * ai + {c52} * ci;",
            f"{indent}a2r = tr0 + {c52} * ar + {c51} * cr;", f"{indent}a2i = ti0 + {c52} * ai + {c51} * ci;",
            f"{indent}b1r = {s51} * br + {s52} * dr;", f"{indent}b1i = {s51} * bi + {s52} * di;",
            f"{indent}b2r = {s52} * br - {s51} * dr;", f"{indent}b2i = {s52} * bi - {s51} * di;",
            f"{indent}yr0 = tr0 + ar + cr;", f"{indent}yi0 = ti0 + ai + ci;",
            f"{indent}yr1 = a1r + b1i;", f"{indent}yi1 = a1i - b1r;", f"{indent}yr2 = a2r + b2i;",
            f"{indent}yi2 = a2i - b2r;", f"{indent}yr3 = a2r - b2i;", f"{indent}yi3 = a2i + b2r;",
            f"{indent}yr4 = a1r - b1i;", f"{indent}yi4 = a1i + b1r;"]


def _stage(n: int, p: int, m: int) -> list[str]:
    """One stage: radix p combining transforms of length m into length p*m."""
    length, step = p * m, n // (p * m)
    body = ["            uint16_t i0 = (uint16_t)(b + k);"]
    for q in range(1, p):
        body.append(f"            uint16_t i{q} = (uint16_t)(i{q - 1} + {m}u);")
    # the first stage reads real samples: their imaginary parts are zeros (no loop zeroes the buffer,
    # which the compiler would turn into a call to memset)
    first = m == 1
    body.append("            tr0 = re[i0];\n            ti0 = " + ("0.0f;" if first else "im[i0];"))

    def loads(twiddled: bool) -> list[str]:
        out = []
        for q in range(1, p):
            if twiddled:
                out += [f"            tr{q} = re[i{q}] * cs[{q}] + im[i{q}] * sn[{q}];",
                        f"            ti{q} = im[i{q}] * cs[{q}] - re[i{q}] * sn[{q}];"]
            else:
                out += [f"            tr{q} = re[i{q}];", f"            ti{q} = {'0.0f' if first else f'im[i{q}]'};"]
        return out
    stores = [f"            re[i{u}] = yr{u};\n            im[i{u}] = yi{u};" for u in range(p)]
    walk = _butterfly(p, "            ") + stores
    lines = [f"    /* radix {p}: transforms of {m} into {length} */",
             f"    for (b = 0; b < {n}u; b = (uint16_t)(b + {length}u)) {{", "        k = 0;",
             *[ln.replace("            ", "        ", 1) for ln in body + loads(False) + walk], "    }"]
    if m > 1:
        lines += [f"    for (k = 1; k < {m}u; ++k) {{",
                  *[f"        cs[{q}] = {{p}}_cos[{step * q}u * k];\n        sn[{q}] = {{p}}_sin[{step * q}u * k];"
                    for q in range(1, p)],
                  f"        for (b = 0; b < {n}u; b = (uint16_t)(b + {length}u)) {{",
                  *body, *loads(True), *walk, "        }", "    }"]
    return lines


def source(n: int, p: str) -> str:
    """``<p>_fft_perm``, ``<p>_im`` and ``<p>_fft_power`` for windows of ``n`` samples; they read the
    front end's ``<p>_cos`` and ``<p>_sin`` tables (2 pi t / n)."""
    rad = radices(n)
    assert rad is not None, f"no FFT for a window of {n}"
    widest = max(rad)
    stages, m = [], 1
    for r in rad:
        stages += _stage(n, r, m)
        m *= r
    decl = ", ".join(f"tr{q}, ti{q}" for q in range(widest)) + ", " + \
        ", ".join(f"yr{u}, yi{u}" for u in range(widest))
    extra = "\n    float ar, ai, br, bi, cr, ci, dr, di;" if set(rad) - {2} else ""
    extra += "\n    float a1r, a1i, a2r, a2i, b1r, b1i, b2r, b2i;" if 5 in rad else ""
    tw = f"\n    float cs[{widest}], sn[{widest}];" if len(rad) > 1 else ""
    text = f"""/* digit-reversed order of the samples (stages of radix {", ".join(map(str, rad))}) */
{c_array(int_type(0, n - 1), f"{p}_fft_perm", digit_reversal(n, rad), per_line=16)}
static float {p}_im[{n}];

/* power of bins 1..{n // 2} of d by a mixed-radix FFT, in place in re and {p}_im */
static void {p}_fft_power(const float *d, float *re, float *power)
{{
    float *im = {p}_im;
    float {decl};{extra}{tw}
    uint16_t b, k;
    for (b = 0; b < {n}u; ++b) {{
        re[b] = d[{p}_fft_perm[b]];
    }}
{chr(10).join(stages)}
    for (k = 1; k <= {n // 2}u; ++k) {{
        power[k - 1u] = re[k] * re[k] + im[k] * im[k];
    }}
}}"""
    return text.replace("{p}", p)
