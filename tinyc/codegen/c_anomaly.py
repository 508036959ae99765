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

from .cgen import c_float
from .library import banner

MAGIC = 0x44414354  # "TCAD"


def _model_tag(model_id: str) -> int:
    return int.from_bytes(hashlib.sha256(model_id.encode()).digest()[:4], "little")


def state_size(det) -> int:
    d, k = det.n_features, len(det.counts)
    return 4 * (4 + 2 * d + k * d + k + 1)  # magic, tag, n, threshold, mean, m2, centres, counts, checksum


def _diagonal(p: str, P: str, d: int, n_centres: str, centres: str) -> str:
    """Weighted squared distance to the nearest centre, weights 1/variance."""
    return f"""    denom = (float)({p}_s.n - 1u);
    for (j = 0; j < {d}; ++j) {{
        float var = {p}_s.m2[j] / denom;
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


def generate(det, name: str, features, prov) -> tuple[str, str]:
    """(header, source) of the detector library ``name``."""
    p, P = name, name.upper()
    d, k = det.n_features, max(len(det.counts), 1)
    kmeans = det.kind == "kmeans"
    header = f"""{banner(prov, f"{p}.h: the {det.kind} anomaly detector '{p}' with on-device learning")}#ifndef {P}_H
#define {P}_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {{
#endif

#define {P}_N_FEATURES {d}
#define {P}_N_CENTERS {len(det.counts)}
/* bytes of a saved state (see {p}_save) */
#define {P}_STATE_SIZE {state_size(det)}u

typedef enum {{
    {P}_OK = 0,
    {P}_ERR_NULL = 1,       /* a pointer argument is NULL */
    {P}_ERR_INPUT = 2,      /* a feature is NaN or infinite */
    {P}_ERR_NOT_READY = 3,  /* too few samples learned to score (2, or one per centre) */
    {P}_ERR_STATE = 4,      /* a saved state of the wrong size, model or checksum */
    {P}_ERR_OFFLINE = 5     /* this detector is fitted offline: it does not learn on the device */
}} {p}_status;

/* feature order expected in x[]: {', '.join(features)} */
const char *{p}_status_str({p}_status status);
/* how far x is from the learned normal data (0 = the mean; ~1 = one standard deviation per feature) */
{p}_status {p}_score(const float *x, float *score);
/* *flag = 1 when score > threshold; score may be NULL */
{p}_status {p}_is_anomaly(const float *x, int32_t *flag, float *score);
/* learn one more sample of normal data (running mean/variance{', nearest centre' if kmeans else ''}) */
{p}_status {p}_learn(const float *x);
/* forget what was learned on the device: back to the baseline shipped in flash */
void {p}_reset(void);
uint32_t {p}_samples_learned(void);
float {p}_threshold(void);
void {p}_set_threshold(float threshold);
/* the learned state as {P}_STATE_SIZE bytes (for flash persistence on the same device) */
{p}_status {p}_save(uint8_t *buf, uint32_t size);
{p}_status {p}_restore(const uint8_t *buf, uint32_t size);

#ifdef __cplusplus
}}
#endif

#endif /* {P}_H */
"""
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
""" if kmeans else ""
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
    full = det.kind == "gaussian_full"
    ready = (f"{p}_s.n >= 2u && {p}_s.counts[{P}_N_CENTERS - 1] > 0u" if kmeans else
             "1" if full else f"{p}_s.n >= 2u")
    chol = (f"\n/* upper Cholesky factor of the inverse covariance, row by row (j >= i) */\n"
            f"static const float {p}_chol[{len(det.chol)}] = {{{', '.join(c_float(v) for v in det.chol)}}};\n"
            if full else "")
    learn_body = (f"    (void)j;\n    return {P}_ERR_OFFLINE;" if full else f"""    {p}_ensure();
    {p}_s.n += 1u;
    for (j = 0; j < {d}; ++j) {{
        float delta = x[j] - {p}_s.mean[j];
        {p}_s.mean[j] = {p}_s.mean[j] + delta / (float){p}_s.n;
        {p}_s.m2[j] = {p}_s.m2[j] + delta * (x[j] - {p}_s.mean[j]);
    }}{learn_centres}
    return {P}_OK;""")
    if full:
        distance = f"""    {{
        uint32_t k = 0;
        uint16_t i;
        float acc = 0.0f;
        for (i = 0; i < {d}; ++i) {{
            float z = 0.0f;
            for (j = i; j < {d}; ++j) {{
                z += {p}_chol[k] * (x[j] - {p}_s.mean[j]);
                ++k;
            }}
            acc += z * z;
        }}
        best = acc;
    }}"""
    else:
        distance = None
    decls = ("    float best = FLT_MAX;\n    uint16_t j;" if full else
             f"    float w[{d}];\n    float best = FLT_MAX;\n    float denom;\n    uint16_t c, j;")
    score_centres = f"{p}_s.centers[c]" if kmeans else f"{p}_s.mean"
    n_score_centres = f"{P}_N_CENTERS" if kmeans else "1"
    source = f"""{banner(prov, f"{p}.c: the {det.kind} anomaly detector '{p}'")}#include "{p}.h"

#include <float.h>
#include <string.h>

#define {P}_MAGIC {MAGIC}u
#define {P}_TAG {_model_tag(prov.model_id)}u
#define {P}_VAR_FLOOR {c_float(1e-6)}

typedef struct {{
    uint32_t n;
    float threshold;
    float mean[{d}];
    float m2[{d}];
    float centers[{k}][{d}];
    uint32_t counts[{k}];
}} {p}_state_t;

/* the baseline shipped in flash; {p}_reset() copies it into the learned state */
static const {p}_state_t {p}_baseline = {{
    {int(det.n)}u, {c_float(det.threshold) if np.isfinite(det.threshold) else "FLT_MAX"},
    {{{", ".join(c_float(v) for v in det.mean)}}},
    {{{", ".join(c_float(v) for v in det.m2)}}},
    {{{", ".join("{" + ", ".join(c_float(v) for v in row) + "}" for row in centers)}}},
    {{{", ".join(f"{int(v)}u" for v in counts)}}}
}};

{chol}
static {p}_state_t {p}_s = {{0u, 0.0f, {{0.0f}}, {{0.0f}}, {{{{0.0f}}}}, {{0u}}}};
static int {p}_loaded = 0;

static void {p}_ensure(void)
{{
    if (!{p}_loaded) {{
        {p}_s = {p}_baseline;
        {p}_loaded = 1;
    }}
}}

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

static int {p}_finite(const float *x)
{{
    uint16_t j;
    for (j = 0; j < {d}; ++j) {{
        if (!(x[j] >= -FLT_MAX && x[j] <= FLT_MAX)) {{
            return 0;
        }}
    }}
    return 1;
}}
{nearest}
{p}_status {p}_score(const float *x, float *score)
{{
{decls}
    if (x == 0 || score == 0) {{
        return {P}_ERR_NULL;
    }}
    if (!{p}_finite(x)) {{
        return {P}_ERR_INPUT;
    }}
    {p}_ensure();
    if (!({ready})) {{
        return {P}_ERR_NOT_READY;
    }}
{distance or _diagonal(p, P, d, n_score_centres, score_centres)}
    *score = best * {c_float(np.float32(1.0 / d))};
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
    *flag = (s > {p}_s.threshold) ? 1 : 0;
    if (score != 0) {{
        *score = s;
    }}
    return {P}_OK;
}}

{p}_status {p}_learn(const float *x)
{{
    uint16_t j;
    if (x == 0) {{
        return {P}_ERR_NULL;
    }}
    if (!{p}_finite(x)) {{
        return {P}_ERR_INPUT;
    }}
{learn_body}
}}

void {p}_reset(void)
{{
    {p}_s = {p}_baseline;
    {p}_loaded = 1;
}}

uint32_t {p}_samples_learned(void)
{{
    {p}_ensure();
    return {p}_s.n;
}}

float {p}_threshold(void)
{{
    {p}_ensure();
    return {p}_s.threshold;
}}

void {p}_set_threshold(float threshold)
{{
    {p}_ensure();
    {p}_s.threshold = threshold;
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
    {p}_ensure();
    head[0] = {P}_MAGIC;
    head[1] = {P}_TAG;
    memcpy(o, head, sizeof head);
    o += sizeof head;
    memcpy(o, &{p}_s.n, 4u);
    o += 4;
    memcpy(o, &{p}_s.threshold, 4u);
    o += 4;
    memcpy(o, {p}_s.mean, sizeof {p}_s.mean);
    o += sizeof {p}_s.mean;
    memcpy(o, {p}_s.m2, sizeof {p}_s.m2);
    o += sizeof {p}_s.m2;
    memcpy(o, {p}_s.centers, {4 * len(det.counts) * d}u);
    o += {4 * len(det.counts) * d};
    memcpy(o, {p}_s.counts, {4 * len(det.counts)}u);
    o += {4 * len(det.counts)};
    sum = {p}_checksum(buf, (uint32_t)(o - buf));
    memcpy(o, &sum, 4u);
    return {P}_OK;
}}

{p}_status {p}_restore(const uint8_t *buf, uint32_t size)
{{
    uint32_t head[2];
    uint32_t sum;
    const uint8_t *i = buf;
    {p}_state_t s;
    if (buf == 0) {{
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
    {p}_ensure();
    s = {p}_s;
    i += sizeof head;
    memcpy(&s.n, i, 4u);
    i += 4;
    memcpy(&s.threshold, i, 4u);
    i += 4;
    memcpy(s.mean, i, sizeof s.mean);
    i += sizeof s.mean;
    memcpy(s.m2, i, sizeof s.m2);
    i += sizeof s.m2;
    memcpy(s.centers, i, {4 * len(det.counts) * d}u);
    i += {4 * len(det.counts) * d};
    memcpy(s.counts, i, {4 * len(det.counts)}u);
    {p}_s = s;
    return {P}_OK;
}}
"""
    return header, source
