"""Logistic regression (classification) and ridge regression: one dense layer."""
from __future__ import annotations

import warnings

import numpy as np

from ..spec.ir import Task
from . import distill
from .base import Family, Model, Problem, register, standardize
from .forms import DenseForm
from .space import suggest
from .dense import fold_standardization, forward, layers_cost


@register
class LinearFamily(DenseForm, Family):
    name = "linear"
    input_bound = True
    tasks = (Task.classification, Task.regression)
    int_code_bytes = 400
    float_ops = frozenset({"mul"})

    def compares_floats(self, task) -> bool:
        return task != Task.regression  # a regressor only multiplies and adds

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        return {"c": suggest(trial, fixed, self.name, "c", "float", 1e-3, 1e3, log=True)}

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression, Ridge

        X, y = distill.rows(params, X, y, problem.task, problem.seed)  # (the teacher's rows, when asked)
        mu, sd = standardize(X)
        Z = (X - mu) / sd
        if problem.task == Task.classification:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est = LogisticRegression(C=params["c"], max_iter=500, random_state=seed).fit(Z, y)
            W, b = est.coef_, est.intercept_
        else:
            est = Ridge(alpha=1.0 / params["c"]).fit(Z, y)
            W, b = est.coef_.reshape(1, -1), np.atleast_1d(est.intercept_)
        W, b = fold_standardization(W, b, mu, sd)
        return Model(self.name, problem.task, params, problem.n_features, problem.n_classes, {"W0": W, "b0": b})

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        return forward([(model.arrays["W0"], model.arrays["b0"])], X, "relu")

    def estimate(self, params, problem: Problem, caps, quant: str):
        return layers_cost(self, [problem.n_features, problem.n_outputs], caps, quant, task=problem.task)

    def cost(self, model: Model, caps, quant: str):
        W = model.arrays["W0"]
        return layers_cost(self, [W.shape[1], W.shape[0]], caps, quant, model=model, task=model.task)

    def describe(self, model: Model) -> str:
        return f"linear, {model.arrays['W0'].size} weights"
