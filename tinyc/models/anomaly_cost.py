"""What a detector library costs on a core (tinyc.models.anomaly's detectors): the members of its
state (the C's struct, its saved blob and its RAM), its flash, and the instructions of one score."""
from __future__ import annotations


# Code bytes of a detector library as arm-none-eabi-gcc 12 -Os links it (measured with
# toolchain.measure, score + flag; with learning also learn/save/restore), by instruction
# set and whether it learns on the device. Thumb-1 (Cortex-M0/M0+) includes the
# soft-float routines (add, mul, div, compare: ~3.6 KB), as does Thumb-2 without FPU
# (Cortex-M3, ~1.4 KB); Thumb-2 learning includes memcpy.
CODE_BYTES = {
    ("thumb2", False): {"gaussian": 344, "gaussian_full": 284, "kmeans": 358, "iforest": 352},
    ("thumb2", True): {"gaussian": 1120, "kmeans": 1440},
    ("thumb1", False): {"gaussian": 3808, "gaussian_full": 3088, "kmeans": 3828, "iforest": 3014},
    ("thumb1", True): {"gaussian": 4640, "kmeans": 4990},
    ("thumb2_soft", False): {"gaussian": 1812, "gaussian_full": 1440, "kmeans": 1830, "iforest": 1793},
    ("thumb2_soft", True): {"gaussian": 2568, "kmeans": 2900},
}
# Instructions of one score (`_predict`, counted under qemu), per unit of work, by
# instruction set; fitted like the model families' (models.costs.INSTRUCTIONS) to 21
# detectors on the ECG data (every kind, 8-32 features, 2-6 centres, 4-24 trees, learning
# or not): all within 8% of their counts. Units: check = a feature tested for NaN/inf,
# div = a feature's 1/variance, term = a centre x feature distance term, mac = a term of
# the Cholesky factor, node = a comparison on an isolation tree's expected path.
DETECTOR_INSTRUCTIONS = {
    "thumb1": {"call": 400, "check": 13.5, "div": 800, "term": 396, "mac": 309, "node": 72},
    "thumb2_soft": {"call": 195, "check": 10.9, "div": 339, "term": 190, "mac": 165, "node": 48},
    "thumb2": {"call": 65, "check": 7.5, "div": 12.6, "term": 8.8, "mac": 10.3, "node": 32},
}


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


def cost(det, caps):
    """Flash, RAM, operations and cycles of one score on a core (tinyc.models.Cost)."""
    from . import treeutil
    from .base import Cost
    from .costs import STACK_BYTES, count, cycles, instruction_set

    learns = det.learns_on_device
    isa = instruction_set(caps)
    code = CODE_BYTES[(isa, learns)][det.kind]
    weights = baseline_bytes(det)
    d = det.n_features
    ram = state_ram(det, learns) + STACK_BYTES
    if det.kind == "iforest":
        ops = treeutil.depth(det.trees)
        work = {"node": treeutil.expected_walk(det.trees)}
    elif det.kind == "gaussian_full":
        ops = d * (d + 1) // 2
        work = {"mac": ops}
    else:  # 1/variance per feature, then the weighted distance to each centre
        ops = d * max(len(det.counts), 1)
        work = {"div": d, "term": ops}
        ram += 4 * d
    n = count(DETECTOR_INSTRUCTIONS[isa], check=d, **work)
    return Cost(flash=weights + code, weights=weights, code=code, ram=ram, ops=ops,
                cycles=cycles(n), instructions=n)
