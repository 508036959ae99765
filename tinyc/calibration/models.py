"""The model families' part of `tinyc calibrate`: a fixed, seeded corpus of models (every family, a
few sizes, float32 and the integer forms, on data sets scikit-learn ships) is emitted for the
target, each model's prediction is counted under the target's emulator, and the cost model's
units of work for each model (the ``work`` a family's cost reports: features checked or encoded,
multiply-accumulates, neurons, tree nodes, votes, centroid terms, classes) are related to those
counts by non-negative least squares, one table per numeric form: instructions = call + sum(per-
unit instructions x units). Each library is also linked, and what its image holds beyond the
model's weights is the code bytes of its family, task and form (the median over the corpus), and
its prediction's deepest stack (GCC's stack usage) less the scores it keeps there is the ``stack``
frame of its family, task and form (the largest over the corpus)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models.costs import BLOCKED
from ..models.tree_cost import IF_ELSE
from ..models.tree_cost import form as branch_form
from ..spec.ir import Quantization, Task

# the corpus: (data set, family, params); every family, two sizes where size changes the code path
CORPUS = (
    ("wine", "linear", {"c": 1.0}),
    ("diabetes", "linear", {"c": 1.0}),
    ("wine", "tree", {"max_depth": 3, "min_samples_leaf": 2, "max_leaves": 8}),
    ("cancer", "tree", {"max_depth": 6, "min_samples_leaf": 2, "max_leaves": 40}),
    ("diabetes", "tree", {"max_depth": 5, "min_samples_leaf": 4, "max_leaves": 24}),
    ("wine", "forest", {"n_estimators": 4, "max_depth": 4, "max_features": 0.5, "max_leaves": 12}),
    ("cancer", "forest", {"n_estimators": 10, "max_depth": 6, "max_features": 0.5, "max_leaves": 40}),
    ("diabetes", "forest", {"n_estimators": 6, "max_depth": 5, "max_features": 0.5, "max_leaves": 20}),
    ("wine", "gbt", {"n_estimators": 10, "max_depth": 2, "learning_rate": 0.3, "max_leaves": 4}),
    ("cancer", "gbt", {"n_estimators": 30, "max_depth": 3, "learning_rate": 0.3, "max_leaves": 8}),
    ("diabetes", "gbt", {"n_estimators": 20, "max_depth": 2, "learning_rate": 0.3, "max_leaves": 4}),
    ("wine", "mlp", {"layers": 1, "hidden": 8, "alpha": 1e-2, "activation": "relu"}),
    ("cancer", "mlp", {"layers": 2, "hidden": 16, "alpha": 1e-2, "activation": "relu"}),
    ("diabetes", "mlp", {"layers": 1, "hidden": 12, "alpha": 1e-2, "activation": "relu"}),
    ("wine", "mlp", {"layers": 1, "hidden": 10, "alpha": 1e-2, "activation": "tanh"}),
    ("cancer", "mlp", {"layers": 2, "hidden": 8, "alpha": 1e-2, "activation": "tanh"}),
    ("wine", "centroid", {"kind": "nearest"}),
    ("cancer", "centroid", {"kind": "gaussian"}),
    # more shapes: many classes and features (digits), one tree and many, deep and shallow
    ("digits", "linear", {"c": 1.0}),
    ("cancer", "linear", {"c": 0.1}),
    ("wine", "tree", {"max_depth": 6, "min_samples_leaf": 1, "max_leaves": 16}),
    ("digits", "tree", {"max_depth": 8, "min_samples_leaf": 2, "max_leaves": 64}),
    ("digits", "forest", {"n_estimators": 5, "max_depth": 6, "max_features": 0.3, "max_leaves": 32}),
    ("wine", "forest", {"n_estimators": 16, "max_depth": 3, "max_features": 0.5, "max_leaves": 8}),
    ("diabetes", "forest", {"n_estimators": 16, "max_depth": 3, "max_features": 0.7, "max_leaves": 8}),
    ("digits", "gbt", {"n_estimators": 4, "max_depth": 2, "learning_rate": 0.3, "max_leaves": 4}),
    ("cancer", "gbt", {"n_estimators": 60, "max_depth": 1, "learning_rate": 0.3, "max_leaves": 2}),
    ("diabetes", "gbt", {"n_estimators": 60, "max_depth": 3, "learning_rate": 0.1, "max_leaves": 8}),
    ("digits", "mlp", {"layers": 1, "hidden": 16, "alpha": 1e-2, "activation": "relu"}),
    ("wine", "mlp", {"layers": 2, "hidden": 6, "alpha": 1e-2, "activation": "relu"}),
    ("digits", "centroid", {"kind": "nearest"}),
    ("wine", "centroid", {"kind": "gaussian"}),
    # many classes (synthetic: 20 features, 16 classes), where a classifier's per-class work shows
    ("c20x16", "linear", {"c": 1.0}),
    ("c20x16", "tree", {"max_depth": 7, "min_samples_leaf": 2, "max_leaves": 48}),
    ("c20x16", "forest", {"n_estimators": 6, "max_depth": 5, "max_features": 0.5, "max_leaves": 24}),
    ("c20x16", "gbt", {"n_estimators": 3, "max_depth": 2, "learning_rate": 0.3, "max_leaves": 4}),
    ("c20x16", "mlp", {"layers": 1, "hidden": 12, "alpha": 1e-2, "activation": "relu"}),
    ("c20x16", "centroid", {"kind": "nearest"}),
    # more classes than a vote tree's walk zeroes one by one (costs.UNROLLED_ZEROS: memset)
    ("c16x20", "tree", {"max_depth": 7, "min_samples_leaf": 2, "max_leaves": 48}),
    ("c16x20", "forest", {"n_estimators": 4, "max_depth": 5, "max_features": 0.5, "max_leaves": 24}),
)
# linked for their code bytes only: a float tanh's instructions depend on its inputs (it returns at
# once for |x| >= 9), which a regressor on unscaled data reaches often; one such model in the
# instruction fit spoils the float32 table for every other model
CODE_ONLY = (
    ("diabetes", "mlp", {"layers": 1, "hidden": 10, "alpha": 1e-2, "activation": "tanh"}),
)
# counted in the blocked int8 dense kernel only (tinyc.codegen.c_dense_q): larger layers pin its
# cost per multiply-accumulate
BLOCKED_ONLY = (
    ("digits", "mlp", {"layers": 1, "hidden": 30, "alpha": 1e-2, "activation": "relu"}),
    ("digits", "mlp", {"layers": 2, "hidden": 12, "alpha": 1e-2, "activation": "relu"}),
    ("cancer", "mlp", {"layers": 1, "hidden": 24, "alpha": 1e-2, "activation": "relu"}),
    ("wine", "mlp", {"layers": 2, "hidden": 12, "alpha": 1e-2, "activation": "tanh"}),
    ("diabetes", "mlp", {"layers": 1, "hidden": 20, "alpha": 1e-2, "activation": "relu"}),
)
# counted as if-else code only (tinyc.codegen.c_tree_branches): larger vote trees pin its bytes and
# instructions per split, leaf, tree, feature checked and input beyond the short loads' reach
BRANCHES_ONLY = (
    ("digits", "forest", {"n_estimators": 8, "max_depth": 6, "max_features": 0.5, "max_leaves": 40}),
    ("cancer", "forest", {"n_estimators": 20, "max_depth": 4, "max_features": 0.5, "max_leaves": 16}),
    ("digits", "tree", {"max_depth": 10, "min_samples_leaf": 1, "max_leaves": 120}),
    ("wine", "forest", {"n_estimators": 10, "max_depth": 8, "max_features": 0.3, "max_leaves": 30}),
    ("digits", "forest", {"n_estimators": 16, "max_depth": 4, "max_features": 0.3, "max_leaves": 16}),
    ("c20x16", "forest", {"n_estimators": 12, "max_depth": 6, "max_features": 0.5, "max_leaves": 40}),
    # many inputs: splits whose input is past the short loads' reach (tree_cost.branch_units: far)
    ("c160x4", "forest", {"n_estimators": 8, "max_depth": 6, "max_features": 0.5, "max_leaves": 40}),
    ("c160x4", "tree", {"max_depth": 9, "min_samples_leaf": 1, "max_leaves": 100}),
)
# every numeric form; the blocked int8 dense kernel; the trees as code in each numeric form
BRANCH_FORMS = tuple(branch_form(q) for q in (Quantization.float32, Quantization.int8, Quantization.int16))
FORMS = (Quantization.float32, Quantization.int8, Quantization.int16, BLOCKED, *BRANCH_FORMS)
ROWS = 8  # rows counted per model (the count is per prediction: (N rows - 0 rows) / N)
JITTER = (0.01, 0.05)  # each counted input moves by this share of its feature's spread, either way


def counted_rows(X: np.ndarray, seed: int = 0) -> np.ndarray:
    """The rows a model's prediction is counted on: the data set's first ``ROWS``, each value moved
    by a seeded 1-5% of its feature's spread (either sign), so that no input is zero or a whole
    number. Soft-float arithmetic (M0+, M3, RISC-V) takes shortcuts on those, a product with zero
    returning at once and a multiplier of few set bits costing few steps: counted on digits' pixels
    (whole numbers 0-16, half of them 0), a float linear model ran about a third below what the same
    model counts on real-valued data, which is what sensors give and the estimates are for."""
    rng = np.random.default_rng(seed)
    rows = X[:ROWS].astype(np.float64)
    spread = X.astype(np.float64).std(axis=0) + 1e-3
    step = rng.uniform(*JITTER, rows.shape) * rng.choice((-1.0, 1.0), rows.shape)
    return (rows + step * spread).astype(np.float32)


def _data(name: str):
    """X, y, task of a data set scikit-learn ships, or of a synthetic shape (synthetic)."""
    from sklearn import datasets

    if name[0] in "cr" and name[1].isdigit():
        return synthetic(name)
    loader, task = {"wine": (datasets.load_wine, Task.classification),
                    "digits": (datasets.load_digits, Task.classification),
                    "cancer": (datasets.load_breast_cancer, Task.classification),
                    "diabetes": (datasets.load_diabetes, Task.regression)}[name]
    d = loader()
    X = d.data.astype(np.float32)
    return X, d.target, task


def synthetic(shape: str, seed: int = 0):
    """Seeded synthetic data of ``shape`` ("c<features>x<classes>" or "r<features>"): X, y, task."""
    from sklearn.datasets import make_classification, make_regression

    if shape.startswith("r"):
        d = int(shape[1:])
        X, y = make_regression(n_samples=400, n_features=d, n_informative=max(2, d // 3), noise=5.0, random_state=seed)
        return X.astype(np.float32), y, Task.regression
    d, k = (int(v) for v in shape[1:].split("x"))
    redundant = min(2, d // 3)
    X, y = make_classification(n_samples=max(400, 30 * k), n_features=d, n_redundant=redundant,
                               n_informative=max(3, min(d - redundant, 2 * k, 20)), n_classes=k,
                               n_clusters_per_class=1, random_state=seed)
    # features of unequal ranges and offsets, as sensors give them
    X = X * np.geomspace(0.01, 100.0, d) + np.linspace(-50.0, 50.0, d)
    return X.astype(np.float32), y, Task.classification


def corpus(seed: int = 0, entries=CORPUS, forms=FORMS):
    """(label, model) of every corpus model in every form it has, and the rows it is counted on; an
    int8 dense model also in the blocked kernel (form "int8:blocked") where the build would give it
    that kernel (tinyc.codegen.c_dense_q.worthwhile); a vote tree (classification tree or forest)
    also as if-else code in each of its numeric forms ("float32:if-else", ...)."""
    from dataclasses import replace

    from ..codegen.c_dense_q import blocked_form, worthwhile
    from ..models import FAMILY_REGISTRY, Problem
    from ..models.treeutil import vote_payload
    from ..quant import NotQuantizable, quantize

    for ds, family, params in entries:
        X, y, task = _data(ds)
        k = len(np.unique(y)) if task == Task.classification else 0
        model = FAMILY_REGISTRY[family].fit(params, X, y if task == Task.classification else y.astype(np.float64),
                                            Problem(task, X.shape[1], k), seed)
        label = f"{ds}/{family}/{'-'.join(f'{v}' for v in params.values())}"
        rows = counted_rows(X, seed)
        made: dict = {}  # numeric form: the model in it (None: it has none), each quantized once
        for form in forms:
            numeric, _, kernel = str(form).partition(":")
            numeric = Quantization(numeric)
            if numeric not in made:
                try:
                    made[numeric] = model if numeric == Quantization.float32 else quantize(model, numeric, X)
                except NotQuantizable:
                    made[numeric] = None
            m = made[numeric]
            if m is not None and form == BLOCKED:
                m = blocked_form(m) if m.kernel else None
                m = m if m is not None and worthwhile(m) else None
            elif m is not None and kernel == IF_ELSE:
                m = replace(m, tree_kernel=IF_ELSE) if vote_payload(m) is not None else None
            if m is not None:
                yield f"{label}/{form}", m, rows


def units_of(model, caps) -> tuple[Quantization, dict]:
    """The units of work the cost model counts for one prediction of ``model`` on ``caps``."""
    from ..models import FAMILY_REGISTRY
    from ..models.costs import recorded

    with recorded() as calls:
        FAMILY_REGISTRY[model.family].cost(model, caps, model.quant)
    quant, units = calls[-1]
    return quant, units


def frame(folder: Path, cost, backend) -> int:
    """The fixed stack frame of a library's prediction: GCC's deepest stack less the arrays its cost
    says the prediction keeps on the stack (``cost.stack``: its scores, 4 B an output)."""
    from .. import toolchain

    return toolchain.stack_depth(folder, "m", backend)[0] - cost.stack


def measured():
    """(corpus entry, whether its instructions are counted) of every model calibration measures."""
    return [(m, True) for m in corpus()] + [(m, True) for m in corpus(entries=BLOCKED_ONLY, forms=(BLOCKED,))] \
        + [(m, True) for m in corpus(entries=BRANCHES_ONLY, forms=BRANCH_FORMS)] \
        + [(m, False) for m in corpus(entries=CODE_ONLY)]


def calibrate(backend, target: str, tmp: Path, on_line=print) -> dict:
    """The profile's ``instructions``, ``code_bytes``, ``tree_branches`` and ``stack`` sections and
    their fit errors, from the corpus measured on ``target``."""
    from tinyc_backends.base import EmitRequest

    from .. import emulator, toolchain
    from ..models import FAMILY_REGISTRY
    from ..models.base import code_params
    from ..models.costs import code_key, stack_key
    from ..models.tree_cost import branch_bytes, branch_units
    from .fit import PROV, fit, fit_branches, fit_code

    by_form: dict[str, list] = {}
    by_code: dict[str, list] = {}  # code key: [(weights, linked flash)]
    by_branches: dict[str, list] = {}  # numeric form: [(code key, units, linked beyond the input maps, linked)]
    stack: dict[str, int] = {}  # code key: the largest stack frame of its corpus models
    for i, ((label, model, X), count) in enumerate(measured()):
        folder = tmp / f"m{i}"
        features = tuple(f"f{j}" for j in range(model.n_features))
        classes = tuple(f"c{j}" for j in range(model.classes))
        backend.emit(EmitRequest(model, "m", features, classes, PROV, 0, 0), folder)
        counted = emulator.instructions_per_inference(folder, "m", X, target) if count else float("nan")
        if count:
            quant, units = units_of(model, backend.caps)
            by_form.setdefault(str(quant), []).append((units, counted))
        linked = toolchain.measure(folder, "m", backend).flash
        cost = FAMILY_REGISTRY[model.family].cost(model, backend.caps, model.quant)
        weights = cost.weights
        key = code_key(model.family, model.task, model.quant, code_params(model), model.classes)
        framed = stack_key(model.family, model.task, model.quant, code_params(model), model.classes)
        stack[framed] = max(stack.get(framed, 0), frame(folder, cost, backend))
        if model.kernel == IF_ELSE:  # beside the walk's code: fitted per unit below
            units = branch_units(model, model.quant)
            inputs = weights - branch_bytes(backend.caps, model.quant, units)
            by_branches.setdefault(str(model.quant), []).append((key, units, linked - inputs, linked))
        else:
            by_code.setdefault(key, []).append((weights, linked))
        on_line(f"{label:<48} {counted:>10.1f} instructions {linked:>7} B linked")
    tables, errors = {}, {}
    for form, rows in sorted(by_form.items()):
        # the blocked int8 kernel takes its inputs from the compact kernel's encoder: its price
        same = {"code": tables["int8"]["code"]} if form == BLOCKED and "int8" in tables else None
        tables[form], errors[form] = fit(rows, fixed=same)
    code, code_errors = fit_code(by_code)
    branches = {}
    for quant, rows in sorted(by_branches.items()):  # the same models' walk is in the corpus: its code is fitted
        branches[quant], errors[f"{quant}:{IF_ELSE}:bytes"] = fit_branches(
            [(units, beyond - code[key], linked) for key, units, beyond, linked in rows])
    return {"instructions": tables, "code_bytes": code, "code_bytes_error": code_errors,
            "tree_branches": branches,
            "stack": dict(sorted(stack.items()))}, errors
