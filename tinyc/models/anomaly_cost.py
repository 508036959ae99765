"""What a detector library costs on a core (tinyc.models.anomaly's detectors): the members of its
state (the C's struct, its saved blob and its RAM), its flash, and the instructions of one score."""
from __future__ import annotations


# A detector's code bytes and the instructions of one score (`_predict`, counted under qemu) are
# the core's profile's ``detector`` figures: code bytes by kind, scoring only or learning on the
# device (learn/save/restore); instructions per unit of work. Units: check = a feature tested for
# NaN/inf, div = a feature's 1/variance, term = a centre x feature distance term, mac = a term of
# the Cholesky factor, node = a comparison on an isolation tree's expected path.


def state_members(det, learns: bool) -> list[tuple[str, str, int]]:
    """The members of a detector's state struct, (name, C type, elements of 4 bytes): what its
    kind reads when it scores and, learning on the device, what it updates; nothing else.

    - every kind: the sample count ``n`` and the ``threshold``;
    - ``mean``: the Gaussians score from it; learning updates it (Welford);
    - ``m2``: the diagonal distance weights (Gaussian, k-means); learning updates it;
    - ``centers``, ``counts``: k-means.
    """
    out = [("n", "uint32_t", 1), ("threshold", "float", 1)]
    if det.kind == "iforest":  # the trees are the model
        return out
    d, k = det.n_features, len(det.counts)
    kmeans, full = det.kind == "kmeans", det.kind == "gaussian_full"
    if learns or not kmeans:
        out.append(("mean", "float", d))
    if learns or not full:
        out.append(("m2", "float", d))
    if kmeans:
        out += [("centers", "float", k * d), ("counts", "uint32_t", k)]
    return out


def state_words(det, learns: bool) -> int:
    """The 4-byte words of the state struct (state_members)."""
    return sum(n for _, _, n in state_members(det, learns))


def state_ram(det, learns: bool | None = None) -> int:
    """Bytes of RAM the library keeps: the learned state (and its "loaded" flag), or the threshold."""
    return 4 * state_words(det, True) + 4 if (det.learns if learns is None else learns) else 4


def baseline_bytes(det) -> int:
    """The const baseline in flash (the state struct, plus the Cholesky factor or the trees)."""
    state = 4 * state_words(det, det.learns_on_device)
    if det.kind == "iforest":
        from . import treeutil

        return treeutil.smallest_layout(treeutil.layout_bytes(det.n_features, det.trees, 4, 4))[1] + state
    return state + 4 * len(det.chol)


def work(det) -> dict[str, float]:
    """The units of work of one score (see the comment above)."""
    d = det.n_features
    if det.kind == "iforest":
        from . import treeutil

        return {"check": d, "node": treeutil.expected_walk(det.trees)}
    if det.kind == "gaussian_full":
        return {"check": d, "mac": d * (d + 1) // 2}
    return {"check": d, "div": d, "term": d * max(len(det.counts), 1)}


def cost(det, caps):
    """Flash, RAM, operations and cycles of one score on a core (tinyc.models.Cost)."""
    from . import profile, treeutil
    from .base import Cost
    from .costs import STACK_BYTES, count, cycles

    learns = det.learns_on_device
    code = profile.table(caps, "detector", "code", "learn" if learns else "score", det.kind)
    weights = baseline_bytes(det)
    units = work(det)
    # as for every model: the caller's float features, the library's static state, the stack
    ram = 4 * det.n_features + state_ram(det, learns) + STACK_BYTES
    if det.kind == "iforest":
        ops = treeutil.depth(det.trees)
    elif det.kind == "gaussian_full":
        ops = units["mac"]
    else:  # 1/variance per feature (on the stack), then the weighted distance to each centre
        ops = units["term"]
        ram += 4 * det.n_features
    n = count(profile.table(caps, "detector", "instructions"), **units)
    return Cost(flash=weights + code, weights=weights, code=code, ram=ram, ops=ops,
                cycles=cycles(n), instructions=n)
