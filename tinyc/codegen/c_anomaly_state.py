"""The state of a detector's C library: its type, the baseline shipped in flash, what changes on
the device (the learned state, or the threshold alone), and the save/restore blob (magic number,
the model's tag, the fields, an FNV-1a checksum)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cgen import c_float


@dataclass(frozen=True)
class Names:
    """What every piece of a detector's C refers to."""

    p: str  # the model name (every symbol's prefix)
    d: int  # features
    k: int  # k-means centres (1 otherwise)
    kind: str
    learns: bool  # the state is in RAM and learns on the device

    @property
    def P(self) -> str:
        return self.p.upper()

    @property
    def S(self) -> str:  # the state scoring reads
        return f"{self.p}_s" if self.learns else f"{self.p}_baseline"

    @property
    def THR(self) -> str:
        return f"{self.p}_s.threshold" if self.learns else f"{self.p}_thr"

    @property
    def ensure(self) -> str:  # the first statement of an entry point reading the learned state
        return f"    {self.p}_ensure();\n" if self.learns else ""


def state_struct(n: Names, det, members, threshold: str) -> str:
    """The state's type and the baseline shipped in flash."""
    p, d, k = n.p, n.d, n.k
    shipped = (f"/* the baseline shipped in flash{f'; {p}_reset() copies it into the learned state' if n.learns else ''}"
               f" */")
    if n.kind == "iforest":  # the trees are the model; the state is the sample count and the threshold
        return f"""typedef struct {{
    uint32_t n;
    float threshold;
}} {p}_state_t;

{shipped}
static const {p}_state_t {p}_baseline = {{{int(det.n)}u, {threshold}}};
"""
    kmeans = n.kind == "kmeans"
    centers = det.centers if kmeans else np.zeros((1, d), dtype=np.float32)
    counts = det.counts if kmeans else np.zeros(1, dtype=np.uint32)
    dims = {"mean": f"[{d}]", "m2": f"[{d}]", "centers": f"[{k}][{d}]", "counts": f"[{k}]", "n": "", "threshold": ""}
    values = {"n": f"{int(det.n)}u", "threshold": threshold,
              "mean": "{" + ", ".join(c_float(v) for v in det.mean) + "}",
              "m2": "{" + ", ".join(c_float(v) for v in det.m2) + "}",
              "centers": "{" + ", ".join("{" + ", ".join(c_float(v) for v in row) + "}" for row in centers) + "}",
              "counts": "{" + ", ".join(f"{int(v)}u" for v in counts) + "}"}
    body = "".join(f"    {t} {m}{dims[m]};\n" for m, t, _ in members)
    return f"""typedef struct {{
{body}}} {p}_state_t;

{shipped}
static const {p}_state_t {p}_baseline = {{
    {values["n"]}, {values["threshold"]},
""" + ",\n".join(f"    {values[m]}" for m, _, _ in members[2:]) + """
};
"""


def state_source(n: Names, members, threshold: str) -> str:
    """What changes on the device: the learned state (from the baseline on first use), or the threshold."""
    p = n.p
    if not n.learns:
        return f"""/* the threshold: the one part of the detector that changes on the device */
static float {p}_thr = {threshold};"""
    zeros = {"n": "0u", "threshold": "0.0f", "mean": "{0.0f}", "m2": "{0.0f}", "centers": "{{0.0f}}", "counts": "{0u}"}
    return f"""static {p}_state_t {p}_s = {{{", ".join(zeros[m] for m, _, _ in members)}}};
static int {p}_loaded = 0;

static void {p}_ensure(void)
{{
    if (!{p}_loaded) {{
        {p}_s = {p}_baseline;
        {p}_loaded = 1;
    }}
}}"""


def _copies(fields, cursor: str, prefix: str, save: bool) -> str:
    """The memcpy of each state field into (``save``) or out of a blob, advancing ``cursor``."""
    out = []
    for j, (member, scalar, size) in enumerate(fields):
        var = ("&" if scalar else "") + prefix + member
        args = f"o, {var}" if save else f"{var}, i"
        out.append(f"    memcpy({args}, {size});\n")
        if save or j < len(fields) - 1:
            out.append(f"    {cursor} += {size[:-1]};\n")
    return "".join(out)


def save_source(n: Names, fields) -> str:
    """The FNV-1a checksum and save: magic, model tag, the state's fields, checksum."""
    p, P = n.p, n.P
    return f"""/* FNV-1a over the blob's bytes */
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
{n.ensure}    head[0] = {P}_MAGIC;
    head[1] = {P}_TAG;
    memcpy(o, head, sizeof head);
    o += sizeof head;
{_copies(fields, "o", f"{p}_s." if n.learns else f"{p}_", True)}    sum = {p}_checksum(buf, (uint32_t)(o - buf));
    memcpy(o, &sum, 4u);
    return {P}_OK;
}}"""


def restore_source(n: Names, fields) -> str:
    """restore: the blob checked (magic, tag, checksum) before any field replaces the state."""
    p, P = n.p, n.P
    decl = f"    {p}_state_t s;\n" if n.learns else "    float thr;\n"
    apply = f"    {p}_ensure();\n    s = {p}_s;\n" if n.learns else ""
    commit = f"    {p}_s = s;\n" if n.learns else f"    {p}_thr = thr;\n"
    return f"""{p}_status {p}_restore(const uint8_t *buf, uint32_t size)
{{
    uint32_t head[2];
    uint32_t sum;
    const uint8_t *i = buf;
{decl}    if (buf == 0) {{
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
{apply}    i += sizeof head;
{_copies(fields, "i", "s." if n.learns else "", False)}{commit}    return {P}_OK;
}}"""
