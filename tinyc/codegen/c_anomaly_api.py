"""The API of a detector library (:mod:`tinyc.codegen.c_anomaly`): its header, and the size of its
saved state (its RAM is tinyc.models.anomaly_cost.state_ram, which the cost model uses)."""
from __future__ import annotations

from ..models.anomaly_cost import state_words
from .cgen import c_comment
from .library import banner


def state_size(det, learns: bool | None = None) -> int:
    """Bytes of a saved state: the whole learned state, or (a detector that does not
    learn on the device) its threshold only."""
    learns = det.learns if learns is None else learns
    if not learns:
        return 4 * 4  # magic, tag, threshold, checksum
    return 4 * (2 + state_words(det, True) + 1)  # magic, tag, the state's members, checksum


def header(det, p: str, features, prov, learns: bool) -> str:
    """``<p>.h``: the detector's API and its figures."""
    P, d = p.upper(), det.n_features
    kmeans, iforest = det.kind == "kmeans", det.kind == "iforest"
    score_doc = ("how easily x is isolated from the normal data: c(psi) / mean path length (~1 typical, larger = "
                 "more anomalous)" if iforest else
                 "how far x is from the learned normal data (0 = the mean; ~1 = one standard deviation per feature)")
    header = f"""{banner(prov, f"{p}.h: the {det.kind} anomaly detector '{p}'" + (" with on-device learning" if learns else ""))}#ifndef {P}_H
#define {P}_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {{
#endif

#define {P}_N_FEATURES {d}
#define {P}_N_CENTERS {len(det.counts)}
/* one output, the score (as in every tinyc library) */
#define {P}_N_OUTPUTS 1
/* 1 when {p}_learn updates the baseline on the device, 0 when it returns {P}_ERR_OFFLINE */
#define {P}_LEARNS {1 if learns else 0}
/* bytes of a saved state (see {p}_save) */
#define {P}_STATE_SIZE {state_size(det, learns)}u

typedef enum {{
    {P}_OK = 0,
    {P}_ERR_NULL = 1,       /* a pointer argument is NULL */
    {P}_ERR_INPUT = 2,      /* a feature is NaN or infinite */
    {P}_ERR_NOT_READY = 3,  /* too few samples learned to score (2, or one per centre) */
    {P}_ERR_STATE = 4,      /* a saved state of the wrong size, model or checksum */
    {P}_ERR_OFFLINE = 5     /* this detector is fitted offline: it does not learn on the device */
}} {p}_status;

/* feature order expected in x[]: {c_comment(', '.join(features))} */
extern const char *const {p}_feature_names[{P}_N_FEATURES];
const char *{p}_status_str({p}_status status);
/* {score_doc} */
{p}_status {p}_score(const float *x, float *score);
/* *flag = 1 when score > threshold; score may be NULL */
{p}_status {p}_is_anomaly(const float *x, int32_t *flag, float *score);
/* the API every tinyc library has: scores[0] = the score; *anomaly = the flag */
{p}_status {p}_scores(const float *x, float *scores);
{p}_status {p}_predict(const float *x, int32_t *anomaly);
/* learn one more sample of normal data (running mean/variance{', nearest centre' if kmeans else ''}){'' if learns else f'; this build returns {P}_ERR_OFFLINE'} */
{p}_status {p}_learn(const float *x);
/* forget what was learned on the device: back to the baseline shipped in flash */
void {p}_reset(void);
uint32_t {p}_samples_learned(void);
float {p}_threshold(void);
void {p}_set_threshold(float threshold);
/* the {'learned state' if learns else 'threshold'} as {P}_STATE_SIZE bytes (for flash persistence on the same device) */
{p}_status {p}_save(uint8_t *buf, uint32_t size);
{p}_status {p}_restore(const uint8_t *buf, uint32_t size);

#ifdef __cplusplus
}}
#endif

#endif /* {P}_H */
"""
    return header
