"""Nearest centroid and Gaussian naive Bayes, one form for both:
``score_k = const_k - sum_j w_kj (x_j - c_kj)^2``, highest score wins.
Nearest centroid works on standardised features (w = 1/sd^2, shared by all
classes, const = 0); Gaussian NB has a variance per class and feature."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Quantization, Task
from . import distill
from .base import Cost, Family, Model, Problem, register, standardize
from .costs import VALUE_BYTES, cycles, effective_quant, input_map_bytes, instructions, ram_bytes
from .forms import CentroidForm
from .space import suggest


@register
class CentroidFamily(CentroidForm, Family):
    name = "centroid"
    input_bound = True
    tasks = (Task.classification,)
    int_code_bytes = 590
    float_ops = frozenset({"mul", "sub"})

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        return {"kind": suggest(trial, fixed, self.name, "kind", "choice", None, None,
                                choices=("nearest", "gaussian"))}

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        X, y = distill.rows(params, X, y, problem.task, problem.seed)  # (the teacher's rows, when asked)
        k = problem.n_classes
        if params["kind"] == "nearest":
            _, sd = standardize(X)
            centers = np.stack([X[y == c].mean(axis=0) if np.any(y == c) else X.mean(axis=0) for c in range(k)])
            weights = (1.0 / sd**2)[None, :]
            const = np.zeros(k)
        else:
            from sklearn.naive_bayes import GaussianNB

            est = GaussianNB().fit(X, y)
            centers = np.zeros((k, X.shape[1]))
            var = np.ones((k, X.shape[1]))
            prior = np.full(k, 1e-12)
            centers[est.classes_] = est.theta_
            var[est.classes_] = est.var_
            prior[est.classes_] = est.class_prior_
            weights = 0.5 / var
            const = np.log(prior) - 0.5 * np.sum(np.log(2 * np.pi * var), axis=1)
        arrays = {"centers": centers.astype(np.float32), "weights": weights.astype(np.float32),
                  "const": const.astype(np.float32)}
        return Model(self.name, problem.task, params, problem.n_features, problem.n_classes, arrays)

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        a = model.arrays
        out = np.empty((X.shape[0], len(a["const"])), dtype=np.float32)
        for c in range(len(a["const"])):
            w = a["weights"][c if a["weights"].shape[0] > 1 else 0]
            acc = np.zeros(X.shape[0], dtype=np.float32)
            for j in range(X.shape[1]):  # feature by feature, as the C loop does
                d = X[:, j] - a["centers"][c, j]
                acc += w[j] * d * d
            out[:, c] = a["const"][c] - acc
        return out

    def _cost(self, k: int, d: int, shared: bool, caps, quant: str, model: Model | None = None) -> Cost:
        quant = effective_quant(self, quant)
        vb = VALUE_BYTES[quant]
        if quant == Quantization.float32:
            weights = k * d * vb + (d if shared else k * d) * vb + k * 4
        else:  # centre codes, int16 weights, int32 constants, int16 multiplier + shift, input map
            weights = k * d * vb + (d if shared else k * d) * 2 + k * (4 + 3) + input_map_bytes(model, d)
        code = self.code_size(caps, quant)
        ops = 2 * k * d
        # static: the codes of the inputs (integer) and a one-element scratch; on the stack: the scores
        ram = ram_bytes(d, (0 if quant == Quantization.float32 else vb * d) + vb, 4 * k)
        work = {"check" if quant == Quantization.float32 else "code": d, "term": k * d, "class": k}
        n = instructions(caps, quant, **work)
        return Cost(weights + code, weights, code, ram, ops, cycles(n), n, stack=4 * k)

    def estimate(self, params, problem: Problem, caps, quant: str):
        return self._cost(problem.n_classes, problem.n_features, params["kind"] == "nearest", caps, quant)

    def cost(self, model: Model, caps, quant: str):
        a = model.arrays
        return self._cost(len(a["const"]), model.n_features, a["weights"].shape[0] == 1, caps, quant, model)

    def describe(self, model: Model) -> str:
        return f"centroid ({model.params['kind']}), {len(model.arrays['const'])} classes"
