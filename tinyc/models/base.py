"""What every model family provides, and the types they share.

A family is one module with one :class:`Family` subclass:

- ``space(trial, problem, limits)``: draws hyperparameters from an Optuna trial,
  within the bounds the spec's ``search`` block allows and, where the family
  can, within what fits the smallest declared target (trees get a leaf cap
  computed from the flash budget, so they are small by construction);
- ``fit(params, X, y, problem, seed)``: trains (with scikit-learn) and converts
  the result to a :class:`Model` made of plain numpy arrays;
- ``cost(model, caps, quant)``: flash, RAM and operations per inference on a
  target core, for a quantization mode;
- ``estimate(params, problem, caps, quant)``: the same before training, when
  the shape of the model follows from its hyperparameters alone (else None).

A :class:`Model` carries the golden inference: numpy code that computes what
the generated C computes, in float32.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..spec.ir import Task

# Bytes of one stored value per quantization mode ("auto" is costed as its
# smallest candidate, int8; the quantize pass may choose wider and the
# memory-fitting pass then guarantees the fit).
VALUE_BYTES = {"float32": 4, "int16": 2, "int8": 1, "auto": 1}
STACK_BYTES = 64  # call frame of the predict function and its callees


@dataclass(frozen=True)
class Problem:
    task: Task
    n_features: int
    n_classes: int  # 0 for regression

    @property
    def n_outputs(self) -> int:
        if self.task == Task.classification:
            return 1 if self.n_classes == 2 else self.n_classes
        return 1


@dataclass(frozen=True)
class Limits:
    """The declared targets as the search sees them: (caps, flash, ram) each,
    and the quantization mode the candidates are costed in."""

    targets: tuple[tuple[Any, int, int], ...]
    quant: str
    task: Task = Task.classification

    def weight_budget(self, family: "Family") -> int:
        """Bytes left for weights on the tightest target once the family's code is in."""
        return min(flash - family.code_size(caps, self.quant, self.task) for caps, flash, _ in self.targets)


@dataclass(frozen=True)
class Cost:
    flash: int  # weights + code
    weights: int
    code: int
    ram: int  # input + scratch buffers + stack
    ops: int  # multiply-accumulates, comparisons or distance terms per inference
    cycles: int  # estimated cycles per inference on the core
    instructions: int = 0  # estimated instructions per inference (what `tinyc verify` counts)

    def as_dict(self) -> dict:
        return {"flash": self.flash, "weights": self.weights, "code": self.code, "ram": self.ram,
                "ops": self.ops, "instructions": self.instructions, "cycles": self.cycles}


@dataclass
class Model:
    """A trained model as arrays, with its golden (reference) inference."""

    family: str
    task: Task
    params: dict[str, Any]
    n_features: int
    classes: int  # number of classes; 0 for regression
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    # None for a float32 model; for an integer one (see tinyc.quant): mode,
    # input rounding, score scale and the layers' zero points
    qinfo: dict[str, Any] | None = None
    # a signal front end (tinyc.signal.FrontEnd) computing the features from raw samples, or None
    frontend: Any = None

    @property
    def quant(self) -> str:
        return self.qinfo["mode"] if self.qinfo else "float32"

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Raw outputs, shape (rows, outputs), float32, as the C computes them."""
        if self.qinfo:
            from .. import quant

            return quant.scores(self, X)
        return FAMILY_REGISTRY[self.family].scores(self, np.asarray(X, dtype=np.float32))

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Integer input codes (integer models only), as ``<model>_quantize_input`` computes them."""
        from ..quant.inputs import encode

        return encode(self, X)

    def scores_q(self, Q: np.ndarray) -> np.ndarray:
        """Integer scores from integer input codes (integer models only)."""
        from .. import quant

        return quant.scores_q(self, Q)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class indices (classification) or values (regression). Integer
        models decide on their integer scores, as the C does."""
        if self.qinfo and self.task == Task.classification:
            s = self.scores_q(self.encode(X)).astype(np.float64)
        else:
            s = self.scores(X)
        return decide(s, self.task, self.classes, FAMILY_REGISTRY[self.family].vote_scores)

    def outputs(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(``predict(X)``, ``scores(X)``), bit for bit, from one pass over the rows (an integer
        model's integer scores give both)."""
        if self.qinfo:
            from .. import quant

            q = quant.scores_q(self, self.encode(X))
            s = q.astype(np.float32) * np.float32(self.qinfo["score_scale"])
            basis = q.astype(np.float64) if self.task == Task.classification else s
        else:
            s = basis = self.scores(X)
        return decide(basis, self.task, self.classes, FAMILY_REGISTRY[self.family].vote_scores), s

    def size_summary(self) -> str:
        return FAMILY_REGISTRY[self.family].describe(self)


def decide(s: np.ndarray, task: Task, classes: int, votes: bool) -> np.ndarray:
    """Scores → prediction. Binary classifiers with one output decide on
    ``score > 0``; otherwise the first maximum wins (as the C loop does)."""
    if task == Task.regression:
        return s[:, 0].astype(np.float64)
    if s.shape[1] == 1 and not votes:
        return (s[:, 0] > 0).astype(np.int64)
    return np.argmax(s, axis=1).astype(np.int64)


def index_bytes(n: int) -> int:
    """Narrowest unsigned type that holds 0..n-1.

    >>> index_bytes(200), index_bytes(300), index_bytes(70000)
    (1, 2, 4)
    """
    return 1 if n <= 256 else 2 if n <= 65536 else 4


def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale (std, 1 where constant) of the training features."""
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    return mu, sd


class Family:
    """Base class of a model family (see the module docstring)."""

    name: ClassVar[str]
    tasks: ClassVar[tuple[Task, ...]]
    vote_scores: ClassVar[bool] = False  # scores are vote counts (argmax even for 2 classes)
    # code bytes of the inference routine, Thumb-2 (M3/M4/M33) and Thumb-1 (M0/M0+)
    code_bytes: ClassVar[tuple[int, int]] = (200, 240)
    # float operations beyond compare and add that the inference needs ("mul", "sub"):
    # on a core without FPU each pulls its soft-float routine into flash
    float_ops: ClassVar[frozenset[str]] = frozenset()
    # integer (int8/int16) models: bytes of the kernel, the input encoder and the
    # entry points (within a few % on Thumb-1 and Thumb-2), and which libgcc set the
    # float entry points pull in on a core without FPU (see INT_SOFT_BYTES); None:
    # the family has no integer form and is always costed and emitted in float32
    int_code_bytes: ClassVar[int | None] = None
    int_kind: ClassVar[str] = "trees"
    # a third-party family's hyperparameters and bounds (a spec.vocab.FamilySpec) for the spec
    # checker; the built-in ones' are in spec.vocab.FAMILIES, which `tinyc check` reads without
    # importing any model code
    spec: ClassVar[object] = None
    onnx_form: ClassVar[bool] = False  # whether tinyc.onnx_export writes the float form

    def space(self, trial, problem: Problem, limits: Limits, fixed: dict) -> dict:
        raise NotImplementedError

    def fit(self, params: dict, X: np.ndarray, y: np.ndarray, problem: Problem, seed: int) -> Model:
        raise NotImplementedError

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def cost(self, model: Model, caps, quant: str) -> Cost:
        raise NotImplementedError

    def estimate(self, params: dict, problem: Problem, caps, quant: str) -> Cost | None:
        return None

    def describe(self, model: Model) -> str:
        return self.name

    def c_kernel(self, model: Model, prefix: str) -> tuple[str, str, int]:
        """The float32 C of a third-party family: (definitions of its const arrays, the body that
        fills ``float scores[]`` from ``const float x[]``, the floats of scratch it needs). The
        built-in families' kernels are in tinyc.codegen.library.EMITTERS."""
        raise NotImplementedError(f"the {self.name} family has no C kernel")

    # -- shared cost helpers ---------------------------------------------
    def float_ops_for(self, task: Task) -> frozenset[str]:
        return self.float_ops

    def compares_floats(self, task: Task) -> bool:
        """Whether the float inference compares floats (a split, ReLU, the argmax)."""
        return True

    def soft_float(self, task: Task) -> bool:
        """Whether the float inference uses floating-point arithmetic at all (on a core
        without FPU: libgcc's soft-float); trees compare float bits as integers."""
        return True

    def soft_float_parts(self, task: Task, quant: str) -> frozenset[str]:
        """The soft-float routines (SOFT_FLOAT_BYTES: "base" = add and compare, "mul",
        "sub") this family's prediction links on a core without FPU, in ``quant``."""
        if quant == "float32" or self.int_code_bytes is None:
            return (frozenset({"base"}) | self.float_ops_for(task)) if self.soft_float(task) else frozenset()
        return frozenset({"mul"}) if task == Task.regression else frozenset()  # the float value's scale

    def code_size(self, caps, quant: str, task: Task = Task.classification) -> int:
        isa = "thumb1" if caps.arch == "armv6-m" else "thumb2"
        if quant != "float32" and self.int_code_bytes is not None:
            base = self.int_code_bytes
            if caps.fpu == "none":
                soft = INT_SOFT_BYTES[isa][self.int_kind]
                base += soft[quant] if isinstance(soft, dict) else soft
                if task == Task.regression:  # the float value: int32 to float, times the scale
                    base += INT_VALUE_SOFT_BYTES[isa]
            return base
        thumb2, thumb1 = self.code_bytes
        base = thumb1 if isa == "thumb1" else thumb2
        if task == Task.classification:  # predict: the argmax over the scores, the class index
            base += CLASS_ENTRY_BYTES[isa] if self.soft_float(task) else VOTE_ENTRY_BYTES[isa]
        if quant == "float32" and caps.fpu == "none" and self.soft_float(task):
            table = SOFT_FLOAT_BYTES[isa]
            base += table["base"] + sum(table[op] for op in self.float_ops_for(task))
            if not self.compares_floats(task):
                base -= table["cmp"]
        return base


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


def instructions(caps, quant: str, **units: float) -> int:
    """Estimated instructions of one prediction: ``units`` counts the work (see
    INSTRUCTIONS: check, code, mac, neuron, tanh, node, vote, add, class, term)."""
    isa = instruction_set(caps)
    if quant != "float32" and isa == "thumb2_soft":
        isa = "thumb2"  # integer code does not care about the FPU
    return count(INSTRUCTIONS[(isa, quant)], **units)


def count(per_unit: dict, **units: float) -> int:
    """Instructions of a call: its fixed part plus each unit of work at its cost."""
    return int(round(per_unit["call"] + sum(per_unit[k] * v for k, v in units.items())))


def cycles(n_instructions: int) -> int:
    """The latency estimate's cycles for an instruction count (CYCLES_PER_INSTRUCTION)."""
    return int(round(n_instructions * CYCLES_PER_INSTRUCTION))


def effective_quant(family: "Family", quant: str) -> str:
    """The mode a family is really emitted in: "auto" is costed as int8; a family
    without integer form stays float32."""
    if quant == "float32" or family.int_code_bytes is None:
        return "float32"
    return "int8" if quant == "auto" else quant


def input_bytes(n_features: int, quant: str) -> int:
    """The feature vector the caller passes (float API: 4 bytes each) plus its
    quantized copy in integer modes."""
    return 4 * n_features + (0 if quant == "float32" else VALUE_BYTES[quant] * n_features)


class _Registry(dict):
    """Family name → Family. The built-in families register when their modules are imported
    (tinyc.models); an installed package's family (the ``tinyc.families`` entry-point group)
    when it is first asked for: the spec checker has already refused a spec naming one that
    does not load (tinyc.spec.vocab)."""

    def __missing__(self, name: str) -> Family:
        from importlib.metadata import entry_points

        for ep in entry_points(group="tinyc.families", name=name):
            self[name] = ep.load()()
            return self[name]
        raise KeyError(name)


FAMILY_REGISTRY: dict[str, Family] = _Registry()


def register(cls):
    FAMILY_REGISTRY[cls.name] = cls()
    return cls
