"""The entry points of a model's library, as C: the float API (scores, scores_r, predict or
predict_value over one unchecked kernel), the vote trees' integer-count variant, and an integer
model's API (the input codes, their maps, scores_q, predict_q). tinyc.codegen.library assembles
them with the model's kernel into <model>.c and <model>.h."""
from __future__ import annotations

from .cgen import c_comment, c_float


def _argmax(P: str, cmp_zero: str, k_out: int) -> list[str]:
    """C that sets ``*class_index`` from scores ``s`` (first maximum wins)."""
    if k_out == 1:
        return [f"    *class_index = (s[0] > {cmp_zero}) ? 1 : 0;"]
    return ["    {", "        int32_t c, best = 0;",
            f"        for (c = 1; c < {P}_N_OUTPUTS; ++c) {{",
            "            if (s[c] > s[best]) {", "                best = c;", "            }", "        }",
            "        *class_index = best;", "    }"]


def _scores_with_static_scratch(p: str) -> list[str]:
    """``<p>_scores``: ``<p>_scores_r`` with the library's static scratch buffer."""
    return [f"{p}_status {p}_scores(const float *x, float *scores)",
            "{",
            f"    return {p}_scores_r(x, scores, {p}_scratch);",
            "}", ""]


def _predict_value(p: str, body: list[str]) -> list[str]:
    """``<p>_predict_value``: the regression output; ``body`` computes it into ``*value``
    once the pointers are checked, and returns the status."""
    return [f"{p}_status {p}_predict_value(const float *x, float *value)",
            "{",
            "    if (x == 0 || value == 0) {",
            f"        return {p.upper()}_ERR_NULL;",
            "    }",
            *body,
            "}", ""]


def float_api_source(p: str, body: str, classification: bool, k_out: int, votes: bool = False,
                     check: str | None = None) -> list[str]:
    """The entry points of a float32 model. ``votes``: the body counts integer votes
    (vote trees): a prediction takes the argmax of the counts, only the scores
    entry points convert them to float. ``check``: the C condition that the inputs the model
    reads are finite (by default every feature)."""
    P = p.upper()
    check = check or f"{p}_all_finite(x, {P}_N_FEATURES)"
    if votes:
        return _vote_api_source(p, body, k_out, check)
    # the public entry points check their pointers, then call the unchecked static kernel
    src = [f"static {p}_status {p}_kernel(const float *x, float *scores, float *scratch)",
           "{",
           f"    if (!{check}) {{",
           f"        return {P}_ERR_INPUT;",
           "    }",
           "    (void)scratch;",
           body,
           f"    if (!{p}_all_finite(scores, {P}_N_OUTPUTS)) {{",
           f"        return {P}_ERR_RANGE;",
           "    }",
           f"    return {P}_OK;",
           "}", "",
           f"{p}_status {p}_scores_r(const float *x, float *scores, void *scratch_mem)",
           "{",
           "    if (x == 0 || scores == 0 || scratch_mem == 0) {",
           f"        return {P}_ERR_NULL;",
           "    }",
           f"    return {p}_kernel(x, scores, (float *)scratch_mem);",
           "}", "",
           *_scores_with_static_scratch(p)]
    if classification:
        src += [f"{p}_status {p}_predict(const float *x, int32_t *class_index)",
                "{",
                f"    float s[{P}_N_OUTPUTS];",
                f"    {p}_status st;",
                "    if (x == 0 || class_index == 0) {",
                f"        return {P}_ERR_NULL;",
                "    }",
                f"    st = {p}_kernel(x, s, {p}_scratch);",
                f"    if (st != {P}_OK) {{",
                "        return st;",
                "    }",
                *_argmax(P, "0.0f", k_out),
                f"    return {P}_OK;",
                "}", ""]
    else:
        src += _predict_value(p, [f"    return {p}_kernel(x, value, {p}_scratch);"])
    return src


def _vote_api_source(p: str, body: str, k_out: int, check: str) -> list[str]:
    """Entry points of a float32 vote tree (see :func:`float_api_source`)."""
    P = p.upper()
    return [f"static int {p}_votes(const float *x, int32_t *votes, float *scratch)",
            "{",
            f"    if (!{check}) {{",
            "        return 0;",
            "    }",
            "    (void)scratch;",
            body,
            "    return 1;",
            "}", "",
            f"{p}_status {p}_scores_r(const float *x, float *scores, void *scratch_mem)",
            "{",
            f"    int32_t v[{P}_N_OUTPUTS];",
            "    uint16_t c;",
            "    if (x == 0 || scores == 0 || scratch_mem == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    if (!{p}_votes(x, v, (float *)scratch_mem)) {{",
            f"        return {P}_ERR_INPUT;",
            "    }",
            f"    for (c = 0; c < {P}_N_OUTPUTS; ++c) {{",
            "        scores[c] = (float)v[c];",
            "    }",
            f"    return {P}_OK;",
            "}", "",
            *_scores_with_static_scratch(p),
            f"{p}_status {p}_predict(const float *x, int32_t *class_index)",
            "{",
            f"    int32_t s[{P}_N_OUTPUTS];",
            "    if (x == 0 || class_index == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    if (!{p}_votes(x, s, {p}_scratch)) {{",
            f"        return {P}_ERR_INPUT;",
            "    }",
            *_argmax(P, "0", k_out),
            f"    return {P}_OK;",
            "}", ""]


def integer_api_header(model, p: str, features) -> list[str]:
    """Declarations of an integer model: its input type, the code of each
    feature and the integer entry points."""
    import numpy as np

    from ..quant.fixedpoint import RANGES
    from ..quant.inputs import affine, columns, d_max, maps_of, stored_maps

    P = p.upper()
    mode = model.quant
    qmin, qmax = RANGES[mode]
    rnd = "round" if model.qinfo["input_rounding"] == "round" else "floor"
    out = ["",
           f"/* integer ({mode}) model. The features are encoded once as codes",
           f" *   q[k] = clamp({qmin} + {rnd}((x[j] - lo_k) / step_k), {qmin}, {qmax})",
           " * computed from the float's bits with integer arithmetic only (no floating point,",
           " * so no soft-float routine on a core without FPU): code q stands for",
           f" * x = lo + (q - ({qmin})) * step. With codes from another source (e.g. a sensor's raw",
           " * int16 data mapped the same way) call the *_q entry points. The codes (lo, step):"]
    n_codes = len(columns(model))
    los, invs = (np.broadcast_to(v, (n_codes,)) for v in affine(maps_of(model.arrays), model.qinfo["input_rounding"]))
    for k, j in enumerate(columns(model)):
        unit = 1.0 / invs[k] if invs[k] > 0 else 0.0
        out.append(f" *   q[{k}] = {c_comment(features[j])} (x[{j}]): lo {float(los[k]):.7g}, step {unit:.7g}")
    table, index = stored_maps(model)
    n_maps = len(table["in_l"])
    shared_by = ("one map shared by every code" if n_maps == 1 else
                 f"{n_maps} distinct maps; code k uses entry {p}_input_map[k]" if index is not None else "per code")
    out += [" */",
            f"typedef {'int8_t' if mode == 'int8' else 'int16_t'} {p}_input_t;",
            "/* entries of a code vector q[]" + (" (only the features the model uses)" if n_codes < model.n_features
                                                  else "") + " */",
            f"#define {P}_N_CODES {n_codes}",
            f"#define {P}_INPUT_MIN ({qmin})",
            f"#define {P}_INPUT_MAX ({qmax})",
            "/* a float score (or regression value) is an int32 score times this */",
            f"#define {P}_SCORE_SCALE {c_float(model.qinfo['score_scale'])}",
            f"/* the maps ({shared_by}): v = x * 2^e (truncated), code = {qmin} + ((min(v - l, "
            f"{d_max(mode)}) * m) >> s), clamped to the code range (a value below l gets {qmin}) */",
            f"extern const int8_t {p}_input_e[{n_maps}];",
            f"extern const int32_t {p}_input_l[{n_maps}];",
            f"extern const uint16_t {p}_input_m[{n_maps}];",
            f"extern const uint8_t {p}_input_s[{n_maps}];",
            *([f"extern const uint8_t {p}_input_map[{n_codes}];"] if index is not None else []),
            "/* the codes of a float feature vector (ERR_INPUT for NaN or infinite) */",
            f"{p}_status {p}_quantize_input(const float *x, {p}_input_t *q);",
            f"/* int32 scores from codes; the float scores are these times {P}_SCORE_SCALE */",
            f"{p}_status {p}_scores_q(const {p}_input_t *q, int32_t *scores);",
            f"/* as {p}_scores_q, with caller-supplied scratch ({P}_SCRATCH_SIZE bytes of {p}_input_t) */",
            f"{p}_status {p}_scores_qr(const {p}_input_t *q, int32_t *scores, void *scratch);"]
    return out


def integer_api_source(model, p: str, body: str, classification: bool, k_out: int) -> list[str]:
    """The entry points of an integer model: the float ones encode the input
    into the front of the scratch buffer and call the integer kernel."""
    encode = f"{p}_encode(x, q)"  # it checks what it reads (trees read only the features they split on)
    src = [*_integer_kernel(p, body, encode), *_integer_scores(p), *_scores_with_static_scratch(p)]
    return src + (_integer_predict(p, encode, k_out) if classification else _integer_predict_value(p, encode))


def _integer_kernel(p: str, body: str, encode: str) -> list[str]:
    """quantize_input, the unchecked static kernel, and scores_qr / scores_q that check their
    pointers and call it."""
    P = p.upper()
    return [f"{p}_status {p}_quantize_input(const float *x, {p}_input_t *q)",
            "{",
            "    if (x == 0 || q == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    return {encode} ? {P}_OK : {P}_ERR_INPUT;",
            "}", "",
            f"static void {p}_kernel(const {p}_input_t *q, int32_t *scores, {p}_input_t *scratch)",
            "{",
            body,
            "}", "",
            f"{p}_status {p}_scores_qr(const {p}_input_t *q, int32_t *scores, void *scratch_mem)",
            "{",
            "    if (q == 0 || scores == 0 || scratch_mem == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    {p}_kernel(q, scores, ({p}_input_t *)scratch_mem);",
            f"    return {P}_OK;",
            "}", "",
            f"{p}_status {p}_scores_q(const {p}_input_t *q, int32_t *scores)",
            "{",
            f"    return {p}_scores_qr(q, scores, {p}_scratch);",
            "}", ""]


def _integer_scores(p: str) -> list[str]:
    """scores_r: the float scores of a float input, through the caller's scratch."""
    P = p.upper()
    return [f"{p}_status {p}_scores_r(const float *x, float *scores, void *scratch_mem)",
            "{",
            f"    int32_t s[{P}_N_OUTPUTS];",
            "    uint16_t i;",
            f"    {p}_status st;",
            "    if (scores == 0 || scratch_mem == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    st = {p}_quantize_input(x, ({p}_input_t *)scratch_mem);",
            f"    if (st == {P}_OK) {{",
            f"        st = {p}_scores_qr(({p}_input_t *)scratch_mem, s, ({p}_input_t *)scratch_mem + {P}_N_CODES);",
            "    }",
            f"    if (st != {P}_OK) {{",
            "        return st;",
            "    }",
            f"    for (i = 0; i < {P}_N_OUTPUTS; ++i) {{",
            f"        scores[i] = (float)s[i] * {P}_SCORE_SCALE;",
            "    }",
            f"    return {P}_OK;",
            "}", ""]


def _integer_predict(p: str, encode: str, k_out: int) -> list[str]:
    """A classifier's decide (the argmax of the integer scores), predict_q and predict."""
    P = p.upper()
    return [f"static void {p}_decide(const {p}_input_t *q, int32_t *class_index, {p}_input_t *scratch)",
            "{",
            f"    int32_t s[{P}_N_OUTPUTS];",
            f"    {p}_kernel(q, s, scratch);",
            *_argmax(P, "0", k_out),
            "}", "",
            f"{p}_status {p}_predict_q(const {p}_input_t *q, int32_t *class_index)",
            "{",
            "    if (q == 0 || class_index == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    {p}_decide(q, class_index, {p}_scratch);",
            f"    return {P}_OK;",
            "}", "",
            f"{p}_status {p}_predict(const float *x, int32_t *class_index)",
            "{",
            f"    {p}_input_t *q = {p}_scratch;",
            "    if (x == 0 || class_index == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    if (!({encode})) {{",
            f"        return {P}_ERR_INPUT;",
            "    }",
            f"    {p}_decide(q, class_index, {p}_scratch + {P}_N_CODES);",
            f"    return {P}_OK;",
            "}", ""]


def _integer_predict_value(p: str, encode: str) -> list[str]:
    """A regressor's predict_value (the scaled integer score) and predict_value_q."""
    P = p.upper()
    return [*_predict_value(p, [f"    {p}_input_t *q = {p}_scratch;",
                                "    int32_t s;",
                                f"    if (!({encode})) {{",
                                f"        return {P}_ERR_INPUT;",
                                "    }",
                                f"    {p}_kernel(q, &s, {p}_scratch + {P}_N_CODES);",
                                f"    *value = (float)s * {P}_SCORE_SCALE;",
                                f"    return {P}_OK;"]),
            f"{p}_status {p}_predict_value_q(const {p}_input_t *q, int32_t *value)",
            "{",
            "    if (value == 0) {",
            f"        return {P}_ERR_NULL;",
            "    }",
            f"    return {p}_scores_q(q, value);",
            "}", ""]
