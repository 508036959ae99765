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
from .cgen import c_float, c_string
from .library import all_finite_source, banner

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
    p, P = name, name.upper()
    learns = det.learns if learns is None else (learns and det.learns)
    d, k = det.n_features, max(len(det.counts), 1)
    kmeans = det.kind == "kmeans"
    full = det.kind == "gaussian_full"
    iforest = det.kind == "iforest"
    members = state_members(det, learns)
    S = f"{p}_s" if learns else f"{p}_baseline"  # the state scoring reads
    THR = f"{p}_s.threshold" if learns else f"{p}_thr"
    header = api_header(det, p, features, prov, learns)
    centers = det.centers if kmeans else np.zeros((1, d), dtype=np.float32)
    counts = det.counts if kmeans else np.zeros(1, dtype=np.uint32)
    nearest = f"""
static uint16_t {p}_nearest(const float *x)
{{
    uint16_t c, j, best = 0;
    float best_d = 0.0f;
    for (c = 0; c < {P}_N_CENTERS; ++c) {{
        float acc = 0.0f;
        for (j = 0; j < {d}; ++j) {{
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
""" if kmeans and learns else ""
    learn_centres = f"""
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
    }}""" if kmeans else ""
    ready = (f"{S}.n >= 2u && {S}.counts[{P}_N_CENTERS - 1] > 0u" if kmeans else
             "1" if full or iforest else f"{S}.n >= 2u")
    chol = (f"\n/* upper Cholesky factor of the inverse covariance, row by row (j >= i) */\n"
            f"static const float {p}_chol[{len(det.chol)}] = {{{', '.join(c_float(v) for v in det.chol)}}};\n"
            if full else "")
    learn_body = (f"    return {P}_ERR_OFFLINE;" if not learns else f"""    uint16_t j;
    {p}_ensure();
    {p}_s.n += 1u;
    for (j = 0; j < {d}; ++j) {{
        float delta = x[j] - {p}_s.mean[j];
        {p}_s.mean[j] = {p}_s.mean[j] + delta / (float){p}_s.n;
        {p}_s.m2[j] = {p}_s.m2[j] + delta * (x[j] - {p}_s.mean[j]);
    }}{learn_centres}
    return {P}_OK;""")
    finish = f"    *score = best * {c_float(np.float32(1.0 / d))};"
    tree_defs = ""
    if iforest:
        from . import c_trees

        tree_defs, body, _ = c_trees.emit(det.forest(), f"{p}_tree")  # {p}_threshold is the API's
        tree_defs = f"\n/* the isolation trees; a leaf holds its path length, depth + c(leaf size) */\n{tree_defs}\n"
        distance = body
        finish = (f"    /* c(psi) / mean path length: ~1 for typical samples, larger when isolated quickly */\n"
                  f"    *score = (scores[0] > 0.0f) ? {c_float(det.c_psi)} / scores[0] : FLT_MAX;")
    elif full:
        distance = f"""    {{
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
    }}"""
    else:
        distance = _diagonal(P, d, f"{P}_N_CENTERS" if kmeans else "1",
                             f"{S}.centers[c]" if kmeans else f"{S}.mean", S)
    decls = ("    float scores[1];" if iforest else "    float best = FLT_MAX;" if full else
             f"    float w[{d}];\n    float best = FLT_MAX;\n    float denom;\n    uint16_t c, j;")
    threshold = c_float(det.threshold) if np.isfinite(det.threshold) else "FLT_MAX"
    if learns:
        zeros = {"n": "0u", "threshold": "0.0f", "mean": "{0.0f}", "m2": "{0.0f}", "centers": "{{0.0f}}",
                 "counts": "{0u}"}
        state = f"""static {p}_state_t {p}_s = {{{", ".join(zeros[m] for m, _, _ in members)}}};
static int {p}_loaded = 0;

static void {p}_ensure(void)
{{
    if (!{p}_loaded) {{
        {p}_s = {p}_baseline;
        {p}_loaded = 1;
    }}
}}"""
        reset = f"    {p}_s = {p}_baseline;\n    {p}_loaded = 1;"
        ensure = f"    {p}_ensure();\n"
        # (member of the state struct, whether it is a scalar, bytes)
        fields = [(m, m in ("n", "threshold"), f"{4 * n}u") for m, _, n in members]
    else:
        state = f"""/* the threshold: the one part of the detector that changes on the device */
static float {p}_thr = {threshold};"""
        reset = f"    {p}_thr = {p}_baseline.threshold;"
        ensure = ""
        fields = [("thr", True, "4u")]

    def copies(cursor: str, prefix: str, save: bool) -> str:
        out = []
        for j, (member, scalar, n) in enumerate(fields):
            var = ("&" if scalar else "") + prefix + member
            args = f"o, {var}" if save else f"{var}, i"
            out.append(f"    memcpy({args}, {n});\n")
            if save or j < len(fields) - 1:
                out.append(f"    {cursor} += {n[:-1]};\n")
        return "".join(out)

    save_fields = copies("o", f"{p}_s." if learns else f"{p}_", True)
    restore_fields = copies("i", "s." if learns else "", False)
    restore_decl = f"    {p}_state_t s;\n" if learns else "    float thr;\n"
    restore_apply = (f"    {p}_ensure();\n    s = {p}_s;\n" if learns else "")
    restore_commit = f"    {p}_s = s;\n" if learns else f"    {p}_thr = thr;\n"
    names = ",\n".join(f"    {c_string(f)}" for f in features)
    shipped = f"/* the baseline shipped in flash{f'; {p}_reset() copies it into the learned state' if learns else ''} */"
    if iforest:  # the trees are the model; the state is the sample count and the threshold
        struct = f"""typedef struct {{
    uint32_t n;
    float threshold;
}} {p}_state_t;

{shipped}
static const {p}_state_t {p}_baseline = {{{int(det.n)}u, {threshold}}};
"""
    else:
        dims = {"mean": f"[{d}]", "m2": f"[{d}]", "centers": f"[{k}][{d}]", "counts": f"[{k}]", "n": "",
                "threshold": ""}
        values = {"n": f"{int(det.n)}u", "threshold": threshold,
                  "mean": "{" + ", ".join(c_float(v) for v in det.mean) + "}",
                  "m2": "{" + ", ".join(c_float(v) for v in det.m2) + "}",
                  "centers": "{" + ", ".join("{" + ", ".join(c_float(v) for v in row) + "}" for row in centers) + "}",
                  "counts": "{" + ", ".join(f"{int(v)}u" for v in counts) + "}"}
        body = "".join(f"    {t} {m}{dims[m]};\n" for m, t, _ in members)
        struct = f"""typedef struct {{
{body}}} {p}_state_t;

{shipped}
static const {p}_state_t {p}_baseline = {{
    {values["n"]}, {values["threshold"]},
""" + ",\n".join(f"    {values[m]}" for m, _, _ in members[2:]) + """
};
"""
    source = f"""{banner(prov, f"{p}.c: the {det.kind} anomaly detector '{p}'")}#include "{p}.h"

#include <float.h>
#include <string.h>

#define {P}_MAGIC {MAGIC}u
#define {P}_TAG {_model_tag(prov.model_id)}u
#define {P}_VAR_FLOOR {c_float(1e-6)}

{struct}{chol}{tree_defs}
{state}

const char *const {p}_feature_names[{P}_N_FEATURES] = {{
{names}
}};

const char *{p}_status_str({p}_status status)
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
}}

{all_finite_source(p)}
{nearest}
{p}_status {p}_score(const float *x, float *score)
{{
{decls}
    if (x == 0 || score == 0) {{
        return {P}_ERR_NULL;
    }}
    if (!{p}_all_finite(x, {P}_N_FEATURES)) {{
        return {P}_ERR_INPUT;
    }}
{ensure}    if (!({ready})) {{
        return {P}_ERR_NOT_READY;
    }}
{distance}
{finish}
    return {P}_OK;
}}

{p}_status {p}_is_anomaly(const float *x, int32_t *flag, float *score)
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
    *flag = (s > {THR}) ? 1 : 0;
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
}}

{p}_status {p}_learn(const float *x)
{{
    if (x == 0) {{
        return {P}_ERR_NULL;
    }}
    if (!{p}_all_finite(x, {P}_N_FEATURES)) {{
        return {P}_ERR_INPUT;
    }}
{learn_body}
}}

void {p}_reset(void)
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
}}

/* FNV-1a over the blob's bytes */
static uint32_t {p}_checksum(const uint8_t *buf, uint32_t n)
{{
    uint32_t h = 2166136261u;
    uint32_t i;
    for (i = 0; i < n; ++i) {{
        h = (h ^ buf[i]) * 16777619u;
    }}
    return h;
}}

{p}_status {p}_save(uint8_t *buf, uint32_t size)
{{
    uint32_t head[2];
    uint32_t sum;
    uint8_t *o = buf;
    if (buf == 0) {{
        return {P}_ERR_NULL;
    }}
    if (size < {P}_STATE_SIZE) {{
        return {P}_ERR_STATE;
    }}
{ensure}    head[0] = {P}_MAGIC;
    head[1] = {P}_TAG;
    memcpy(o, head, sizeof head);
    o += sizeof head;
{save_fields}    sum = {p}_checksum(buf, (uint32_t)(o - buf));
    memcpy(o, &sum, 4u);
    return {P}_OK;
}}

{p}_status {p}_restore(const uint8_t *buf, uint32_t size)
{{
    uint32_t head[2];
    uint32_t sum;
    const uint8_t *i = buf;
{restore_decl}    if (buf == 0) {{
        return {P}_ERR_NULL;
    }}
    if (size < {P}_STATE_SIZE) {{
        return {P}_ERR_STATE;
    }}
    memcpy(head, i, sizeof head);
    memcpy(&sum, buf + {P}_STATE_SIZE - 4u, 4u);
    if (head[0] != {P}_MAGIC || head[1] != {P}_TAG || sum != {p}_checksum(buf, {P}_STATE_SIZE - 4u)) {{
        return {P}_ERR_STATE;
    }}
{restore_apply}    i += sizeof head;
{restore_fields}{restore_commit}    return {P}_OK;
}}
"""
    return header, source


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
