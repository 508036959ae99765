"""The held-out estimate corpus: models the cost profiles were not fitted on, to check the estimates
where the user meets them (tests/test_estimates.py at a small size, benchmarks/estimates.py in full,
benchmarks/ESTIMATES.md).

Every model is trained, seeded, on synthetic data of shapes the calibration corpus does not have
(6 to 300 features, 2 to 26 classes, two regressions), every family at two sizes, and taken in every
form a build may give it (float32, int8, int16; the blocked int8 dense kernel and if-else trees where
they apply: calibration.models.corpus). For each model and core the estimate (the family's cost on
that core's profile) is set against the linked image (flash: what the prediction adds), GCC's stack
usage plus the linked static RAM plus the caller's inputs (RAM), and qemu's count (instructions of one
prediction, the mean over the rows)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..models.costs import FLASH, FLASH_BYTES, IF_ELSE_BOUND, INSTRUCTIONS, INSTRUCTIONS_WORST, RAM, RAM_BYTES

# data shapes the calibration corpus (wine 13x3, cancer 30x2, digits 64x10, c20x16, diabetes 10) lacks
SHAPES = ("c6x2", "c24x5", "c40x26", "c120x8", "c300x3", "r6", "r120")
SMALL_SHAPES = ("c6x2", "c40x26", "r120")
ROWS = 8  # rows counted per model


def _tree(depth: int, leaves: int) -> dict:
    return {"max_depth": depth, "min_samples_leaf": 2, "max_leaves": leaves}


# (family, params): one size of each family (the small corpus), then a larger one (the full corpus)
SMALLER = (
    ("linear", {"c": 0.5}),
    ("tree", _tree(5, 20)),
    ("forest", {"n_estimators": 6, "max_depth": 5, "max_features": 0.4, "max_leaves": 20}),
    ("gbt", {"n_estimators": 12, "max_depth": 2, "learning_rate": 0.2, "max_leaves": 4}),
    ("mlp", {"layers": 1, "hidden": 20, "alpha": 1e-2, "activation": "relu"}),
    ("mlp", {"layers": 1, "hidden": 6, "alpha": 1e-2, "activation": "tanh"}),
    ("centroid", {"kind": "nearest"}),
    ("centroid", {"kind": "gaussian"}),
)
LARGER = (
    ("linear", {"c": 4.0}),
    ("tree", _tree(12, 150)),
    ("forest", {"n_estimators": 24, "max_depth": 8, "max_features": 0.3, "max_leaves": 60}),
    ("gbt", {"n_estimators": 90, "max_depth": 3, "learning_rate": 0.1, "max_leaves": 8}),
    ("mlp", {"layers": 2, "hidden": 40, "alpha": 1e-2, "activation": "relu"}),
    ("mlp", {"layers": 3, "hidden": 10, "alpha": 1e-2, "activation": "tanh"}),
)


def entries(small: bool = False):
    """(shape, family, params) of the corpus: every family and size on every shape it applies to (the
    larger boosted model on at most 8 classes: it has one tree per class per round)."""
    from ..models import FAMILY_REGISTRY
    from ..spec.ir import Task

    for shape in SMALL_SHAPES if small else SHAPES:
        task = Task.regression if shape.startswith("r") else Task.classification
        k = 0 if task == Task.regression else int(shape.split("x")[1])
        for family, params in SMALLER + (() if small else LARGER):
            if task in FAMILY_REGISTRY[family].tasks and not (params is LARGER[3][1] and k > 8):
                yield shape, family, params


def corpus(small: bool = False, seed: int = 0):
    """(label, model, rows) of every corpus model in every form it has (calibration.models.corpus)."""
    from .models import corpus as forms_of

    yield from forms_of(seed, entries=tuple(entries(small)))


@dataclass
class Row:
    """One model on one core: the estimates and what the toolchain and emulator measured."""

    target: str
    label: str
    flash: int
    linked: int
    ram: int
    ram_measured: int
    instructions: int
    counted: float

    def errors(self) -> tuple[float, float, float]:
        """Relative errors (estimate - measured) / measured of flash, RAM and instructions."""
        return ((self.flash - self.linked) / self.linked, (self.ram - self.ram_measured) / self.ram_measured,
                (self.instructions - self.counted) / self.counted)

    def within(self, typical: bool = True) -> tuple[bool, bool, bool]:
        """Whether flash, RAM and instructions are within their bounds: the typical ones (``typical``:
        flash 10% or 256 B, RAM 10% or 64 B, instructions 25%), or those every entry is held to
        (trees as if-else code: flash within 55%, RAM up to 55% over; instructions within 35%)."""
        branches = self.label.endswith("if-else") and not typical
        flash = IF_ELSE_BOUND * self.linked if branches else max(FLASH * self.linked, FLASH_BYTES)
        slack = max(RAM * self.ram_measured, RAM_BYTES)
        over = max(IF_ELSE_BOUND * self.ram_measured, slack) if branches else slack
        return (abs(self.flash - self.linked) <= flash,
                -slack <= self.ram - self.ram_measured <= over,
                abs(self.instructions - self.counted) <= (INSTRUCTIONS if typical else INSTRUCTIONS_WORST) * self.counted)


def measure(target: str, label: str, model, X, folder: Path) -> Row:
    """Emit ``model`` for ``target`` into ``folder``, link it, count a prediction under qemu and set
    its estimates against those figures."""
    from tinyc_backends.base import EmitRequest

    from .. import emulator, toolchain
    from ..models import FAMILY_REGISTRY
    from ..targets import get
    from .fit import PROV

    backend = get(target)
    cost = FAMILY_REGISTRY[model.family].cost(model, backend.caps, model.quant)
    request = EmitRequest(model, "m", tuple(f"f{j}" for j in range(model.n_features)),
                          tuple(f"c{j}" for j in range(model.classes)), PROV, 0, 0)
    backend.emit(request, folder)
    linked = toolchain.measure(folder, "m", backend)
    stack, _ = toolchain.stack_depth(folder, "m", backend)
    counted = emulator.instructions_per_inference(folder, "m", X[:ROWS], target)
    return Row(target, label, cost.flash, linked.flash, cost.ram, 4 * model.n_features + linked.ram + stack,
               cost.instructions, counted)
