"""The cost model's helpers that turn a family's units of work into bytes, instructions and cycles
(see Family.cost), with the figures every core shares; what differs per core is in its profile
(tinyc.models.profile)."""
from __future__ import annotations

from contextlib import contextmanager

from ..spec.ir import Quantization
from . import profile

# Bytes of one stored value per quantization mode ("auto" is costed as its
# smallest candidate, int8; the quantize pass may choose wider and the
# memory-fitting pass then guarantees the fit).
VALUE_BYTES = {"float32": 4, "int16": 2, "int8": 1, "auto": 1}
# the deepest stack of the predict function and its callees where the core's profile has no
# ``stack`` figure for the model's family, task and form (calibrated_code)
STACK_BYTES = 64


def index_bytes(n: int) -> int:
    """Narrowest unsigned type that holds 0..n-1.

    >>> index_bytes(200), index_bytes(300), index_bytes(70000)
    (1, 2, 4)
    """
    return 1 if n <= 256 else 2 if n <= 65536 else 4


# an integer model's per-feature input map (scale, offset, multiplier: tinyc.quant.inputs)
INPUT_MAP_BYTES = 8


def column_index_bytes(n_features: int, n_used: int) -> int:
    """What encoding only ``n_used`` of ``n_features`` features costs beyond their maps: their
    column ids (the encoder checks for NaN/infinity what it reads, and only that)."""
    return index_bytes(n_features) * n_used


def input_map_bytes(model, n_codes: int) -> int:
    """Flash of an integer model's input maps: what it stores (codes with equal
    maps share one entry), or one map per code for a float model costed as integer
    (or no model yet: an estimate from hyperparameters)."""
    if model is None or not model.qinfo:
        return INPUT_MAP_BYTES * n_codes
    from ..quant.inputs import stored_map_bytes

    return stored_map_bytes(model)


# Instructions one prediction executes (the `_predict` call, as `tinyc verify` counts them under
# qemu) are a target's profile's (tinyc.models.profile) per-unit instructions times the units of
# work, per numeric form; int16 shares int8's encoder and tree walk. Units: check = a feature
# tested for NaN/inf, code = a feature encoded (integer models), mac = a weight of a single layer,
# net_mac = a weight of a network with hidden layers, neuron = an output of a layer (bias,
# requantization, activation), tanh = a tanh neuron, node = a comparison on the expected path,
# vote / add = a tree's vote or its leaf value added, class = an output, tally = a vote tree's
# class, term = a centroid's class x feature term. A float tanh neuron (tinyc's own tanh) depends
# on its input (|x| >= 9 returns at once): the mean over the tanh cases.

# Cycles per instruction, for the latency estimate: loads, stores and taken branches take
# two cycles on these cores, most other instructions one (an assumption; qemu counts
# instructions, not cycles, so only the instruction count is checked against the real code)
CYCLES_PER_INSTRUCTION = 1.25

# the bounds the estimates are held to, as the held-out corpus shows them (tinyc.calibration.heldout,
# benchmarks/ESTIMATES.md; the reports' ``figures``): flash within 10% or 256 B of the linked image,
# trees as if-else code within 55% (GCC lays out each split's code its own way; the build links them
# and holds the limit to the linked size); RAM within 10% or 64 B of the linked static RAM + GCC's
# stack usage + the inputs, if-else trees up to 55% over (their stack frame varies the same way);
# instructions within 25% of qemu's count for most models, 35% for every one
# a vote tree's walk zeroes up to this many counters one store each, more in a loop, which GCC makes
# a call to the C library's memset (tinyc.codegen.c_trees.zero_counters): code of its own, and a cost
# per counter (picolibc's memset on RISC-V goes byte by byte)
UNROLLED_ZEROS = 16
FLASH, FLASH_BYTES, RAM, RAM_BYTES, INSTRUCTIONS = 0.10, 256, 0.10, 64, 0.25
IF_ELSE_BOUND, INSTRUCTIONS_WORST = 0.55, 0.35


def instructions(caps, quant: Quantization, form: str | None = None, **units: float) -> int:
    """Estimated instructions of one prediction: ``units`` counts the work (check, code, mac,
    neuron, tanh, node, vote, add, class, term), the core's profile prices it per form (``form``: a
    table of its own, e.g. the blocked int8 dense kernel's, instead of the numeric form's)."""
    key = form or str(Quantization(quant))
    if _RECORDING is not None:
        _RECORDING.append((key, dict(units)))
    return count(profile.table(caps, "instructions", key), **units)


def record(form: str, units: dict) -> None:
    """Note the units of work of a form whose table the core's profile lacks yet (what `tinyc
    calibrate` fits it from)."""
    if _RECORDING is not None:
        _RECORDING.append((form, dict(units)))


BLOCKED = "int8:blocked"  # the profile's table of the blocked int8 dense kernel (tinyc.codegen.c_dense_q)


def own_table(caps, form: str) -> bool:
    """Whether the core's own profile has an instruction table for ``form`` (a target calibrated
    with it; not one that takes another core's tables as assumed, as the ISPU and the host do)."""
    p = profile.of(caps)
    return form in p.get("instructions", {}) and "instructions" not in p.get("inherited", [])


def has_blocked_kernel(caps) -> bool:
    """Whether the core's own profile prices the blocked int8 dense kernel."""
    return own_table(caps, BLOCKED)


def count(per_unit: dict, **units: float) -> int:
    """Instructions of a call: its fixed part plus each unit of work at its cost."""
    return int(round(per_unit["call"] + sum(per_unit.get(k, 0.0) * v for k, v in units.items())))


def cycles(n_instructions: int) -> int:
    """The latency estimate's cycles for an instruction count (CYCLES_PER_INSTRUCTION)."""
    return int(round(n_instructions * CYCLES_PER_INSTRUCTION))


def effective_quant(family, quant: Quantization) -> Quantization:
    """The form a family's estimate is costed in: "auto" as int8 (the quantization pass may choose
    wider, and the memory-fitting pass then makes the chosen form fit); a family without an
    integer form in float32."""
    if quant == Quantization.float32 or family.int_code_bytes is None:
        return Quantization.float32
    return Quantization.int8 if quant == Quantization.auto else Quantization(quant)


def ram_bytes(n_features: int, static: int, stack: int) -> int:
    """RAM of one prediction: the caller's float features, the library's static buffers (``static``:
    an integer model's codes of its inputs, a network's hidden layers), the arrays the prediction
    keeps on its stack (``stack``: scores, votes) and the stack's fixed frame (STACK_BYTES, which a
    core's profile replaces with the measured one: calibrated_code)."""
    return 4 * n_features + static + stack + STACK_BYTES


def input_bytes(n_features: int, quant: Quantization) -> int:
    """The feature vector the caller passes (float API: 4 bytes each) plus its
    quantized copy in integer modes."""
    return 4 * n_features + (0 if quant == Quantization.float32 else VALUE_BYTES[quant] * n_features)


# -- calibrated profiles --------------------------------------------------------------------

_RECORDING: list | None = None


@contextmanager
def recorded():
    """Within the block, every instructions() call appends (form, units) to the yielded list (what
    `tinyc calibrate` relates to the emulator's counts)."""
    global _RECORDING
    previous, _RECORDING = _RECORDING, []
    try:
        yield _RECORDING
    finally:
        _RECORDING = previous


def code_key(family: str, task, quant, params: dict, classes: int = 0) -> str:
    """The profile's key of a model's code bytes: family, task, form (and tanh, whose float routine
    is code of its own; blocked, the int8 dense kernel of tinyc.codegen.c_dense_q; and binary,
    whose single output takes less code than an argmax; memset, a vote tree's walk whose counters
    are zeroed by the C library's memset)."""
    tanh = ":tanh" if params.get("activation") == "tanh" else ""
    blocked = ":blocked" if params.get("kernel") == "blocked" else ""
    binary = ":binary" if classes == 2 and getattr(task, "value", task) == "classification" else ""
    memset = ":memset" if family in ("tree", "forest") and classes > UNROLLED_ZEROS and \
        getattr(task, "value", task) == "classification" and not params.get("tree_kernel") else ""
    return f"{family}:{getattr(task, 'value', task)}:{quant}{tanh}{blocked}{binary}{memset}"


def stack_key(family: str, task, quant, params: dict, classes: int = 0) -> str:
    """The profile's key of a model's stack frame: its code key, and whether its trees are if-else
    code (whose frame GCC lays out per model, unlike the walk's)."""
    return code_key(family, task, quant, params, classes) + (":if-else" if params.get("tree_kernel") else "")


def calibrated_code(cost, family, task, quant, params: dict, caps, classes: int = 0):
    """``cost`` with its code bytes and its stack frame from the core's profile, when the profile has
    them for this family, task, form (and binary classifier, where it tells them apart); else ``cost``
    as the profile's code-size model and STACK_BYTES give it."""
    p = profile.of(caps)
    if task is None or quant is None:
        return cost
    form = effective_quant(family, Quantization(quant))
    keys = (code_key(family.name, task, form, params, classes), code_key(family.name, task, form, params))
    from dataclasses import replace

    code = _first(p.get("code_bytes"), keys)
    if code is not None:
        cost = replace(cost, code=code, flash=cost.weights + code)
    frame = _first(p.get("stack"), (stack_key(family.name, task, form, params, classes),
                                     stack_key(family.name, task, form, params)))
    if frame is not None:
        cost = replace(cost, ram=cost.ram - STACK_BYTES + frame)
    return cost


def _first(table: dict | None, keys):
    return next((table[k] for k in keys if table and k in table), None)
