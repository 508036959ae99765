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

from ..spec.ir import Quantization, Task
from . import profile



@dataclass(frozen=True)
class Problem:
    task: Task
    n_features: int
    n_classes: int  # 0 for regression
    seed: int = 0  # the build's seed: what every candidate shares (the distillation teacher's rows)

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
    # of ``ram``: the arrays the prediction keeps on its stack (scores, votes), beside its fixed frame
    # (tinyc.models.costs.ram_bytes); not serialized, ``ram`` says the whole
    stack: int = 0

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
    # a tree model's kernel where the forms pass gives it another than the walk over node arrays:
    # "if-else" (tinyc.codegen.c_tree_branches); None otherwise
    tree_kernel: str | None = None

    @property
    def quant(self) -> Quantization:
        return Quantization(self.qinfo["mode"]) if self.qinfo else Quantization.float32

    @property
    def kernel(self) -> str | None:
        """The kernel its library runs where there is a choice: an int8 dense model's "blocked"
        (tinyc.codegen.c_dense_q, where the forms pass gives it) or "compact"; a tree model's
        "if-else" (tinyc.codegen.c_tree_branches, where the forms pass gives it); else None (a
        tree model's walk over node arrays, and every other model's one kernel)."""
        if self.tree_kernel:
            return self.tree_kernel
        if self.quant != Quantization.int8 or FAMILY_REGISTRY[self.family].int_kind != "dense":
            return None
        return self.qinfo.get("kernel", "compact")

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Raw outputs, shape (rows, outputs), float32, as the C computes them."""
        if self.qinfo:  # float entry point: codes, integer scores, (float)score * score_scale in float32
            return self.scores_q(self.encode(X)).astype(np.float32) * np.float32(self.qinfo["score_scale"])
        return FAMILY_REGISTRY[self.family].scores(self, np.asarray(X, dtype=np.float32))

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Integer input codes (integer models only), as ``<model>_quantize_input`` computes them."""
        from ..quant.inputs import encode

        return encode(self, X)

    def scores_q(self, Q: np.ndarray) -> np.ndarray:
        """Integer scores from integer input codes (integer models only)."""
        return FAMILY_REGISTRY[self.family].scores_q(self, Q)

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
            q = self.scores_q(self.encode(X))
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


def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale (std, 1 where constant) of the training features."""
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    return mu, sd


class Family:
    """Base class of a model family (see the module docstring)."""

    def __init_subclass__(cls, **kwargs):
        """A family's ``cost`` and ``estimate`` take their code bytes from the core's calibrated
        profile where it has them (tinyc.models.costs.calibrated_code); the weights stay the
        family's own count."""
        super().__init_subclass__(**kwargs)
        if "cost" in cls.__dict__:
            cls.cost = _calibrated(cls.__dict__["cost"], lambda a: (getattr(a["model"], "task", None),
                                                                   code_params(a["model"]),
                                                                   getattr(a["model"], "classes", 0)))
        if "estimate" in cls.__dict__:
            cls.estimate = _calibrated(cls.__dict__["estimate"], lambda a: (a["problem"].task, a["params"],
                                                                           a["problem"].n_classes))

    name: ClassVar[str]
    tasks: ClassVar[tuple[Task, ...]]
    vote_scores: ClassVar[bool] = False  # scores are vote counts (argmax even for 2 classes)
    # code bytes of the float inference routine on a core whose profile does not list the family
    # (the built-in families' are in every profile's model_code.float)
    code_bytes: ClassVar[int] = 220
    # float operations beyond compare and add that the inference needs ("mul", "sub"):
    # on a core without FPU each pulls its soft-float routine into flash
    float_ops: ClassVar[frozenset[str]] = frozenset()
    # integer (int8/int16) models: bytes of the kernel, the input encoder and the
    # entry points (within a few % on Thumb-1 and Thumb-2), and which libgcc set the
    # float entry points pull in on a core without FPU (a profile's model_code.int_soft); None:
    # the family has no integer form and is always costed and emitted in float32
    int_code_bytes: ClassVar[int | None] = None
    int_kind: ClassVar[str] = "trees"
    # a third-party family's hyperparameters and bounds (a spec.vocab.FamilySpec) for the spec
    # checker; the built-in ones' are in spec.vocab.FAMILIES, which `tinyc check` reads without
    # importing any model code
    spec: ClassVar[object] = None
    onnx_form: ClassVar[bool] = False  # whether tinyc.onnx_export writes the float form
    # the model's size grows with its inputs (weights per input): the search may have it read only
    # the best-ranked columns (`search { select on }`, tinyc.passes.selection)
    input_bound: ClassVar[bool] = False
    score_name: ClassVar[str] = "logit"  # what a classifier's score of a class is (the header says)

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

    # -- the model's other forms (tinyc.models.forms implements them per layout) ----------
    def c_kernel(self, model: Model, prefix: str) -> tuple[str, str, int]:
        """The float32 C: (definitions of its const arrays, the body that fills ``float
        scores[]`` from ``const float *x``, the floats of scratch it needs)."""
        raise NotImplementedError(f"the {self.name} family has no C kernel")

    def quantize(self, model: Model, mode: str, X: np.ndarray) -> Model:
        """The integer form in ``mode`` calibrated on ``X`` (see tinyc.quant)."""
        from ..quant.fixedpoint import NotQuantizable

        raise NotQuantizable(f"the {self.name} family has no integer form")

    def scores_q(self, model: Model, Q: np.ndarray) -> np.ndarray:
        """An integer model's integer scores (int64 holding int32) from its input codes."""
        raise NotImplementedError(f"the {self.name} family has no integer form")

    def c_kernel_q(self, model: Model, prefix: str) -> tuple[str, str, int]:
        """The integer model's C: (definitions, the body filling ``int32_t scores[]`` from the
        codes ``q``, the code elements of scratch it needs)."""
        raise NotImplementedError(f"the {self.name} family has no integer form")

    def onnx_graph(self, model: Model, nodes: list, inits: list) -> None:
        """The float model's ONNX nodes and initializers (when ``onnx_form``), from ``x`` to ``scores``."""
        raise NotImplementedError(f"the {self.name} family has no ONNX form")

    def shrink_steps(self, model: Model, params: dict, X, y, problem: Problem, seed: int):
        """(description, smaller params) of each way the memory-fitting pass may shrink the model
        beyond dropping features."""
        return iter(())

    def grow_steps(self, params: dict, problem: Problem, limits: Limits, fixed: dict):
        """(description, larger params) of each way the growth pass may enlarge a candidate, within
        the search space and what the spec's search block fixed or bounded (``fixed``)."""
        return iter(())

    def without_unsplit_features(self, model: Model):
        """(the model on the features it reads, their indices) when it ignores some, else None."""
        return None

    def scores_doc(self, model: Model, k: int) -> str:
        """What ``scores[]`` holds, for the generated header."""
        if model.task != Task.classification:
            return "scores[0] is the predicted value"
        if self.vote_scores:
            return f"scores[c] = trees voting for class c ({k} outputs)"
        if k == 1:
            return "scores[0] > 0 means class 1, else class 0 (1 output)"
        return f"scores[c] = {self.score_name} of class c, highest wins ({k} outputs)"

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
        """The soft-float routines (a profile's model_code.soft_float: "base" = add and compare, "mul",
        "sub") this family's prediction links on a core without FPU, in ``quant``."""
        if quant == Quantization.float32 or self.int_code_bytes is None:
            return (frozenset({"base"}) | self.float_ops_for(task)) if self.soft_float(task) else frozenset()
        return frozenset({"mul"}) if task == Task.regression else frozenset()  # the float value's scale

    def code_size(self, caps, quant: str, task: Task = Task.classification) -> int:
        """Code bytes of the prediction on a core, from its profile's model_code figures."""
        if quant != Quantization.float32 and self.int_code_bytes is not None:
            base = self.int_code_bytes
            if caps.fpu == "none":
                soft = profile.table(caps, "model_code", "int_soft", self.int_kind)
                base += soft[quant] if isinstance(soft, dict) else soft
                if task == Task.regression:  # the float value: int32 to float, times the scale
                    base += profile.table(caps, "model_code", "int_value_soft")
            return base
        base = profile.table(caps, "model_code", "float").get(self.name, self.code_bytes)
        if task == Task.classification:  # predict: the argmax over the scores, the class index
            base += profile.table(caps, "model_code", "class_entry" if self.soft_float(task) else "vote_entry")
        if quant == Quantization.float32 and caps.fpu == "none" and self.soft_float(task):
            table = profile.table(caps, "model_code", "soft_float")
            base += table["base"] + sum(table[op] for op in self.float_ops_for(task))
            if not self.compares_floats(task):
                base -= table["cmp"]
        return base


def code_params(model) -> dict:
    """A model's hyperparameters and, for its code bytes, the kernel its integer form is emitted with
    (a tree model's if-else code is priced beside the walk's code: tinyc.models.tree_cost, but has a
    stack frame of its own)."""
    params = getattr(model, "params", None) or {}
    kernel = (getattr(model, "qinfo", None) or {}).get("kernel")
    trees = getattr(model, "tree_kernel", None)  # its stack frame is the if-else code's (costs.stack_key)
    return {**params, **({"kernel": kernel} if kernel else {}), **({"tree_kernel": trees} if trees else {})}


def _calibrated(method, task_params):
    """``method`` (a family's cost or estimate) with its code bytes from the core's profile;
    ``task_params(arguments)`` gives the task, hyperparameters and classes from its bound arguments."""
    import inspect
    from functools import wraps

    from .costs import calibrated_code

    signature = inspect.signature(method)

    @wraps(method)
    def costed(self, *args, **kwargs):
        cost = method(self, *args, **kwargs)
        if cost is None:
            return cost
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        task, params, classes = task_params(a)
        return calibrated_code(cost, self, task, a["quant"], params, a["caps"], classes)

    return costed


class _Registry(dict):
    """Family name → Family, from the ``tinyc.families`` entry-point group (tinyc's own families
    and installed packages' alike), each loaded when first asked for; importing tinyc.models
    registers the built-in ones at once. The spec checker has already refused a spec naming a
    family that does not load (tinyc.spec.vocab)."""

    def __missing__(self, name: str) -> Family:
        from importlib.metadata import entry_points

        for ep in entry_points(group="tinyc.families", name=name):
            cls = ep.load()  # a built-in family's module registers itself as it is imported
            return self[name] if name in self else self.setdefault(name, cls())
        raise KeyError(name)


FAMILY_REGISTRY: dict[str, Family] = _Registry()


def register(cls):
    FAMILY_REGISTRY[cls.name] = cls()
    return cls
