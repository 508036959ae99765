"""C for the anomaly detectors of :mod:`tinyc.models.anomaly`, with on-device learning.

API (every symbol prefixed with the model name; no heap, fixed memory):

    <p>_status <p>_score(const float *x, float *score);
    <p>_status <p>_is_anomaly(const float *x, int32_t *flag, float *score);  score may be NULL
    <p>_status <p>_learn(const float *x);           one sample into the baseline
    void       <p>_reset(void);                     back to the shipped baseline
    <p>_status <p>_save(uint8_t *buf, uint32_t size);       <P>_STATE_SIZE bytes
    <p>_status <p>_restore(const uint8_t *buf, uint32_t size);
    uint32_t   <p>_samples_learned(void);
    float      <p>_threshold(void);   void <p>_set_threshold(float t);

The learned state lives in one static struct (RAM); the shipped baseline is
``const`` (flash). A saved blob carries a magic number, the model id's hash and a
checksum, and is refused (``<P>_ERR_STATE``) when any does not match.
"""
from __future__ import annotations

import hashlib

import numpy as np

from ..models.anomaly_cost import state_members
from .c_anomaly_api import header as api_header
from .c_anomaly_state import Names, restore_source, save_source, state_source, state_struct
from .cgen import c_float, c_string
from .library import NO_FUSED_MULTIPLY_ADD, all_finite_source, banner

MAGIC = 0x44414354  # "TCAD"


def _model_tag(model_id: str) -> int:
    return int.from_bytes(hashlib.sha256(model_id.encode()).digest()[:4], "little")


def _diagonal(P: str, d: int, n_centres: str, centres: str, S: str) -> str:
    """Weighted squared distance to the nearest centre, weights 1/variance."""
    return f"""    denom = (float)({S}.n - 1u);
    for (j = 0; j < {d}; ++j) {{
        float var = {S}.m2[j] / denom;
        if (!(var >= {P}_VAR_FLOOR)) {{
            var = {P}_VAR_FLOOR;
        }}
        w[j] = 1.0f / var;
    }}
    for (c = 0; c < {n_centres}; ++c) {{
        float acc = 0.0f;
        for (j = 0; j < {d}; ++j) {{
            float diff = x[j] - {centres}[j];
            acc += w[j] * diff * diff;
        }}
        if (acc < best) {{
            best = acc;
        }}
    }}"""


def generate(det, name: str, features, prov, learns: bool | None = None) -> tuple[str, str]:
    """(header, source) of the detector library ``name``. ``learns`` False ships a
    detector that does not learn on the device: its state stays in flash and only
    the threshold is in RAM (and in a saved blob)."""
    learns = det.learns if learns is None else (learns and det.learns)
    n = Names(name, det.n_features, max(len(det.counts), 1), det.kind, learns)
    p, P = n.p, n.P
    header = api_header(det, p, features, prov, learns)
    members = state_members(det, learns)
    threshold = c_float(det.threshold) if np.isfinite(det.threshold) else "FLT_MAX"
    defs, decls, distance, finish = _distance(n, det)
    fields = ([(m, m in ("n", "threshold"), f"{4 * size}u") for m, _, size in members] if learns
              else [("thr", True, "4u")])
    names = ",\n".join(f"    {c_string(f)}" for f in features)
    source = f"""{banner(prov, f"{p}.c: the {det.kind} anomaly detector '{p}'")}{NO_FUSED_MULTIPLY_ADD}#include "{p}.h"

#include <float.h>
#include <string.h>

#define {P}_MAGIC {MAGIC}u
#define {P}_TAG {_model_tag(prov.model_id)}u
#define {P}_VAR_FLOOR {c_float(1e-6)}

{state_struct(n, det, members, threshold)}{defs}
{state_source(n, members, threshold)}

const char *const {p}_feature_names[{P}_N_FEATURES] = {{
{names}
}};

{_status_str(n)}

{all_finite_source(p)}
{_nearest(n)}
{_score(n, decls, distance, finish)}

{_is_anomaly(n)}

{_learn(n)}

{_accessors(n)}

{save_source(n, fields)}

{restore_source(n, fields)}
"""
    return header, source


def _distance(n: Names, det) -> tuple[str, str, str, str]:
    """(definitions, declarations, the distance computation, the score from it) of the detector's kind."""
    p, P, S, d = n.p, n.P, n.S, n.d
    finish = f"    *score = best * {c_float(np.float32(1.0 / d))};"
    if n.kind == "iforest":
        from . import c_trees

        tree_defs, body, _ = c_trees.emit(det.forest(), f"{p}_tree")  # {p}_threshold is the API's
        return (f"\n/* the isolation trees; a leaf holds its path length, depth + c(leaf size) */\n{tree_defs}\n",
                "    float scores[1];", body,
                f"    /* c(psi) / mean path length: ~1 for typical samples, larger when isolated quickly */\n"
                f"    *score = (scores[0] > 0.0f) ? {c_float(det.c_psi)} / scores[0] : FLT_MAX;")
    if n.kind == "gaussian_full":
        chol = (f"\n/* upper Cholesky factor of the inverse covariance, row by row (j >= i) */\n"
                f"static const float {p}_chol[{len(det.chol)}] = {{{', '.join(c_float(v) for v in det.chol)}}};\n")
        return chol, "    float best = FLT_MAX;", f"""    {{
        uint32_t k = 0;
        uint16_t i, j;
        float acc = 0.0f;
        for (i = 0; i < {d}; ++i) {{
            float z = 0.0f;
            for (j = i; j < {d}; ++j) {{
                z += {p}_chol[k] * (x[j] - {S}.mean[j]);
                ++k;
            }}
            acc += z * z;
        }}
        best = acc;
    }}""", finish
    kmeans = n.kind == "kmeans"
    distance = _diagonal(P, d, f"{P}_N_CENTERS" if kmeans else "1", f"{S}.centers[c]" if kmeans else f"{S}.mean", S)
    return "", f"    float w[{d}];\n    float best = FLT_MAX;\n    float denom;\n    uint16_t c, j;", distance, finish


def _status_str(n: Names) -> str:
    p, P = n.p, n.P
    return f"""const char *{p}_status_str({p}_status status)
{{
    switch (status) {{
    case {P}_OK: return "ok";
    case {P}_ERR_NULL: return "null pointer argument";
    case {P}_ERR_INPUT: return "feature is NaN or infinite";
    case {P}_ERR_NOT_READY: return "too few samples learned to score";
    case {P}_ERR_STATE: return "saved state does not match this model";
    case {P}_ERR_OFFLINE: return "this detector does not learn on the device";
    }}
    return "unknown status";
}}"""


def _nearest(n: Names) -> str:
    """A learning k-means detector's nearest centre (for its update)."""
    if not (n.kind == "kmeans" and n.learns):
        return ""
    p, P = n.p, n.P
    return f"""
static uint16_t {p}_nearest(const float *x)
{{
    uint16_t c, j, best = 0;
    float best_d = 0.0f;
    for (c = 0; c < {P}_N_CENTERS; ++c) {{
        float acc = 0.0f;
        for (j = 0; j < {n.d}; ++j) {{
            float diff = x[j] - {p}_s.centers[c][j];
            acc = acc + diff * diff;
        }}
        if (c == 0 || acc < best_d) {{
            best = c;
            best_d = acc;
        }}
    }}
    return best;
}}
"""


def _score(n: Names, decls: str, distance: str, finish: str) -> str:
    p, P, S = n.p, n.P, n.S
    ready = (f"{S}.n >= 2u && {S}.counts[{P}_N_CENTERS - 1] > 0u" if n.kind == "kmeans" else
             "1" if n.kind in ("gaussian_full", "iforest") else f"{S}.n >= 2u")
    return f"""{p}_status {p}_score(const float *x, float *score)
{{
{decls}
    if (x == 0 || score == 0) {{
        return {P}_ERR_NULL;
    }}
    if (!{p}_all_finite(x, {P}_N_FEATURES)) {{
        return {P}_ERR_INPUT;
    }}
{n.ensure}    if (!({ready})) {{
        return {P}_ERR_NOT_READY;
    }}
{distance}
{finish}
    return {P}_OK;
}}"""


def _is_anomaly(n: Names) -> str:
    """The flag at the threshold, and the classifier-shaped entry points on top of it."""
    p, P = n.p, n.P
    return f"""{p}_status {p}_is_anomaly(const float *x, int32_t *flag, float *score)
{{
    float s = 0.0f;
    {p}_status st;
    if (flag == 0) {{
        return {P}_ERR_NULL;
    }}
    st = {p}_score(x, &s);
    if (st != {P}_OK) {{
        return st;
    }}
    *flag = (s > {n.THR}) ? 1 : 0;
    if (score != 0) {{
        *score = s;
    }}
    return {P}_OK;
}}

{p}_status {p}_scores(const float *x, float *scores)
{{
    return {p}_score(x, scores);
}}

{p}_status {p}_predict(const float *x, int32_t *anomaly)
{{
    return {p}_is_anomaly(x, anomaly, 0);
}}"""


def _learn(n: Names) -> str:
    """One sample into the baseline: Welford's running mean and variance, and k-means' centres."""
    p, P, d = n.p, n.P, n.d
    if not n.learns:
        body = f"    return {P}_ERR_OFFLINE;"
    else:
        centres = f"""
    {{
        uint16_t c, seeded = 0;
        for (c = 0; c < {P}_N_CENTERS; ++c) {{
            seeded = (uint16_t)(seeded + ({p}_s.counts[c] > 0u ? 1u : 0u));
        }}
        c = (seeded < {P}_N_CENTERS) ? seeded : {p}_nearest(x);
        for (j = 0; j < {d}; ++j) {{
            if (seeded < {P}_N_CENTERS) {{
                {p}_s.centers[c][j] = x[j];
            }} else {{
                {p}_s.centers[c][j] = {p}_s.centers[c][j] + (x[j] - {p}_s.centers[c][j]) / (float)({p}_s.counts[c] + 1u);
            }}
        }}
        {p}_s.counts[c] += 1u;
    }}""" if n.kind == "kmeans" else ""
        body = f"""    uint16_t j;
    {p}_ensure();
    {p}_s.n += 1u;
    for (j = 0; j < {d}; ++j) {{
        float delta = x[j] - {p}_s.mean[j];
        {p}_s.mean[j] = {p}_s.mean[j] + delta / (float){p}_s.n;
        {p}_s.m2[j] = {p}_s.m2[j] + delta * (x[j] - {p}_s.mean[j]);
    }}{centres}
    return {P}_OK;"""
    return f"""{p}_status {p}_learn(const float *x)
{{
    if (x == 0) {{
        return {P}_ERR_NULL;
    }}
    if (!{p}_all_finite(x, {P}_N_FEATURES)) {{
        return {P}_ERR_INPUT;
    }}
{body}
}}"""


def _accessors(n: Names) -> str:
    """reset, samples_learned, threshold and set_threshold."""
    p, S, THR, ensure = n.p, n.S, n.THR, n.ensure
    reset = f"    {p}_s = {p}_baseline;\n    {p}_loaded = 1;" if n.learns else f"    {p}_thr = {p}_baseline.threshold;"
    return f"""void {p}_reset(void)
{{
{reset}
}}

uint32_t {p}_samples_learned(void)
{{
{ensure}    return {S}.n;
}}

float {p}_threshold(void)
{{
{ensure}    return {THR};
}}

void {p}_set_threshold(float threshold)
{{
{ensure}    {THR} = threshold;
}}"""


def library(det, name: str, features, prov):
    """The detector as a :class:`tinyc.codegen.library.CLibrary` (what backends emit)."""
    from .library import CLibrary

    header, source = generate(det, name, features, prov, det.on_device)
    if det.frontend is not None:  # raw samples in: the front end feeds the detector
        from . import c_signal

        p = name
        learns = det.learns_on_device
        cut = header.rindex("#ifdef __cplusplus")
        header = header[:cut] + c_signal.header(det.frontend, p, True, learns) + "\n" + header[cut:]
        source += "\n" + c_signal.source(det.frontend, p, True, learns)
    return CLibrary(f"{name}.h", header, f"{name}.c", source, 4 * det.n_features)
