"""The cost model's measured tables: code bytes of libgcc's soft-float routines and of entry
points, instructions per unit of work on each instruction set and numeric form, and the helpers
that turn a family's units of work into bytes, instructions and cycles (see Family.cost)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ..spec.ir import Quantization

# Bytes of one stored value per quantization mode ("auto" is costed as its
# smallest candidate, int8; the quantize pass may choose wider and the
# memory-fitting pass then guarantees the fit).
VALUE_BYTES = {"float32": 4, "int16": 2, "int8": 1, "auto": 1}
STACK_BYTES = 64  # call frame of the predict function and its callees


def index_bytes(n: int) -> int:
    """Narrowest unsigned type that holds 0..n-1.

    >>> index_bytes(200), index_bytes(300), index_bytes(70000)
    (1, 2, 4)
    """
    return 1 if n <= 256 else 2 if n <= 65536 else 4


# libgcc's soft-float routines as linked by arm-none-eabi-gcc 12 with --gc-sections
# (measured): add and compare ("base"; "cmp" of it is compare alone), multiply and
# subtract add more; ARMv6-M (Thumb-1) gets the generic C versions, Thumb-2 cores the
# smaller assembly ones
SOFT_FLOAT_BYTES = {"thumb1": {"base": 1256, "cmp": 418, "mul": 630, "sub": 800},
                    "thumb2": {"base": 770, "cmp": 340, "mul": 420, "sub": 0}}
# a float classifier's prediction entry point beyond its scores (measured)
CLASS_ENTRY_BYTES = {"thumb1": 130, "thumb2": 50}
# a float vote tree's prediction (integer votes and argmax, the float scores path not
# linked) against the code_bytes baseline, which counts that path (measured)
VOTE_ENTRY_BYTES = {"thumb1": -50, "thumb2": -20}
# what an integer model's prediction takes from libgcc without FPU (measured): the
# input encoder, the trees and the int8 dense kernel use 32-bit integers only; on
# Thumb-1 the int16 dense kernel and the centroid kernel call the 64-bit multiply and
# shifts. A regressor's float value adds int32-to-float and a float multiply
INT_SOFT_BYTES = {"thumb1": {"trees": 0, "dense": {"int8": 0, "int16": 144}, "centroid": 120},
                  "thumb2": {"trees": 0, "dense": 0, "centroid": 0}}
INT_VALUE_SOFT_BYTES = {"thumb1": 848, "thumb2": 900}
# an integer model's per-feature input map (scale, offset, multiplier: tinyc.quant.inputs)
INPUT_MAP_BYTES = 8


# an integer tree model that encodes only the features its splits use stores their column
# ids and checks every feature for NaN/infinity in a loop of its own (the encoder checks
# what it reads otherwise): measured, Thumb-1 and Thumb-2 alike within a few bytes
FINITE_LOOP_BYTES = 24


def column_index_bytes(n_features: int, n_used: int) -> int:
    """What encoding only ``n_used`` of ``n_features`` features costs beyond their maps."""
    return index_bytes(n_features) * n_used + FINITE_LOOP_BYTES


def input_map_bytes(model, n_codes: int) -> int:
    """Flash of an integer model's input maps: what it stores (codes with equal
    maps share one entry), or one map per code for a float model costed as integer
    (or no model yet: an estimate from hyperparameters)."""
    if model is None or not model.qinfo:
        return INPUT_MAP_BYTES * n_codes
    from ..quant.inputs import stored_map_bytes

    return stored_map_bytes(model)
# a float MLP's own tanh (tinyc.models.dense.tanh32) between its layers, measured: Thumb-2 with FPU;
# without FPU with the soft-float division, subtraction and int/float conversions it adds
TANH_BYTES = {"fpu": 170, "soft_thumb1": 2000, "soft_thumb2": 615}


# Instructions one prediction executes (the `_predict` call, as `tinyc verify` counts them
# under qemu), per unit of work, by instruction set and mode. Fitted (non-negative least
# squares on relative error) to the counts of every model case of the tests on the
# Cortex-M0+ (Thumb-1, soft-float), M3 (Thumb-2, soft-float) and M4 (Thumb-2, FPU, DSP);
# int16 shares int8's encoder and tree walk. Units: check = a feature tested for NaN/inf,
# code = a feature encoded (integer models), mac = a weight, neuron = an output of a
# layer (bias, requantization, activation), tanh = a tanh neuron, node = a comparison on
# the expected path, vote / add = a tree's vote or its leaf value added, class = an
# output, term = a centroid's class x feature term. A float tanh neuron (tinyc's own tanh)
# depends on its input (|x| >= 9 returns at once): the mean over the tanh cases.
_INT8_THUMB1 = {"call": 215, "check": 6, "code": 52, "mac": 17.6, "neuron": 67, "tanh": 48, "node": 22,
                "vote": 7.4, "add": 0, "class": 0, "term": 120}
_INT8_THUMB2 = {"call": 46, "check": 7.2, "code": 37, "mac": 5.3, "neuron": 48, "tanh": 29, "node": 13.3,
                "vote": 13.7, "add": 0, "class": 3.1, "term": 22}
INSTRUCTIONS = {
    ("thumb1", "float32"): {"call": 0, "check": 10.7, "code": 0, "mac": 89, "neuron": 1150, "tanh": 3500,
                            "node": 13.3, "vote": 38, "add": 120, "class": 26, "term": 410},
    ("thumb2_soft", "float32"): {"call": 0, "check": 8.9, "code": 0, "mac": 42, "neuron": 560, "tanh": 1700,
                                 "node": 13.7, "vote": 23, "add": 69, "class": 0, "term": 190},
    ("thumb2", "float32"): {"call": 0, "check": 7.4, "code": 0, "mac": 4.3, "neuron": 26, "tanh": 47,
                            "node": 17.2, "vote": 13.9, "add": 15.4, "class": 6.4, "term": 9.7},
    ("thumb1", "int8"): _INT8_THUMB1,
    ("thumb2", "int8"): _INT8_THUMB2,
    # 64-bit accumulators: on Thumb-1 a call to the long multiply per weight
    ("thumb1", "int16"): {**_INT8_THUMB1, "mac": 17.5, "neuron": 291, "tanh": 43, "term": 114},
    ("thumb2", "int16"): {**_INT8_THUMB2, "mac": 5.2, "neuron": 70, "tanh": 8.6, "term": 20},
}
# Cycles per instruction, for the latency estimate: loads, stores and taken branches take
# two cycles on these cores, most other instructions one (an assumption; qemu counts
# instructions, not cycles, so only the instruction count is checked against the real code)
CYCLES_PER_INSTRUCTION = 1.25


def instruction_set(caps) -> str:
    return "thumb1" if caps.arch == "armv6-m" else "thumb2_soft" if caps.fpu == "none" else "thumb2"


def instructions(caps, quant: Quantization, **units: float) -> int:
    """Estimated instructions of one prediction: ``units`` counts the work (see
    INSTRUCTIONS: check, code, mac, neuron, tanh, node, vote, add, class, term). A core with a
    calibrated profile (``tinyc calibrate``; Caps.profile, or tinyc_backends/profiles/<arch>.json)
    uses its table for the form, else the Thumb tables below."""
    if _RECORDING is not None:
        _RECORDING.append((Quantization(quant), dict(units)))
    table = profile_table(caps, Quantization(quant))
    if table is not None:
        return int(round(table["call"] + sum(table.get(k, 0.0) * v for k, v in units.items())))
    isa = instruction_set(caps)
    if quant != Quantization.float32 and isa == "thumb2_soft":
        isa = "thumb2"  # integer code does not care about the FPU
    return count(INSTRUCTIONS[(isa, quant)], **units)


def count(per_unit: dict, **units: float) -> int:
    """Instructions of a call: its fixed part plus each unit of work at its cost."""
    return int(round(per_unit["call"] + sum(per_unit[k] * v for k, v in units.items())))


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


@lru_cache(maxsize=None)
def profile(arch: str, path: str | None = None) -> dict | None:
    """A core's calibrated profile: the file at ``path``, else tinyc_backends/profiles/<arch>.json,
    or None."""
    try:
        if path is not None:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        from importlib import resources

        text = resources.files("tinyc_backends").joinpath("profiles", f"{arch}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    return json.loads(text)


def profile_table(caps, quant: Quantization) -> dict | None:
    p = profile(caps.arch, getattr(caps, "profile", None)) if caps.arch else None
    return (p or {}).get("instructions", {}).get(str(quant))


def code_key(family: str, task, quant, params: dict) -> str:
    """The profile's key of a model's code bytes: family, task, form (and tanh, whose float routine
    is code of its own)."""
    tanh = ":tanh" if params.get("activation") == "tanh" else ""
    return f"{family}:{getattr(task, 'value', task)}:{quant}{tanh}"


def calibrated_code(cost, family, task, quant, params: dict, caps):
    """``cost`` with its code bytes from the core's profile, when the profile has them for this
    family, task and form; else ``cost`` as the built-in tables give it."""
    p = profile(caps.arch, getattr(caps, "profile", None)) if getattr(caps, "arch", "") else None
    table = (p or {}).get("code_bytes")
    if not table or task is None or quant is None:
        return cost
    code = table.get(code_key(family.name, task, effective_quant(family, Quantization(quant)), params))
    if code is None:
        return cost
    from dataclasses import replace

    return replace(cost, code=code, flash=cost.weights + code)
