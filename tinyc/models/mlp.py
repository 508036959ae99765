"""A small multi-layer perceptron (scikit-learn's MLP), 1–2 hidden layers."""
from __future__ import annotations

import warnings

import numpy as np

from ..spec.ir import Task
from .base import Family, Model, Problem, register, standardize, suggest
from .dense import fold_standardization, forward, layers_cost


@register
class MlpFamily(Family):
    name = "mlp"
    tasks = (Task.classification, Task.regression)
    code_bytes = (300, 340)
    int_code_bytes = 665
    int_kind = "dense"
    float_ops = frozenset({"mul"})

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        layers = suggest(trial, fixed, self.name, "layers", "int", 1, 2)
        hidden = suggest(trial, fixed, self.name, "hidden", "int", 2, 64, log=True)
        return {
            "layers": layers,
            "hidden": hidden,
            "alpha": suggest(trial, fixed, self.name, "alpha", "float", 1e-5, 1.0, log=True),
            "activation": suggest(trial, fixed, self.name, "activation", "choice", None, None,
                                  choices=("relu", "tanh")),
        }

    def _sizes(self, params, problem: Problem) -> list[int]:
        return [problem.n_features] + [params["hidden"]] * params["layers"] + [problem.n_outputs]

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        mu, sd = standardize(X)
        Z = (X - mu) / sd
        cls = MLPClassifier if problem.task == Task.classification else MLPRegressor
        target = y if problem.task == Task.classification else (y - y.mean()) / (y.std() or 1.0)
        est = cls(hidden_layer_sizes=(params["hidden"],) * params["layers"], activation=params["activation"],
                  alpha=params["alpha"], solver="lbfgs" if len(X) <= 5000 else "adam", max_iter=400,
                  random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(Z, target)
        model = self.from_estimator(est, problem, mu, sd, params)
        if problem.task == Task.regression:  # undo the target scaling in the last layer
            n = len(est.coefs_) - 1
            s, m = (y.std() or 1.0), y.mean()
            model.arrays[f"W{n}"] = (model.arrays[f"W{n}"] * s).astype(np.float32)
            model.arrays[f"b{n}"] = (model.arrays[f"b{n}"] * s + m).astype(np.float32)
        return model

    def from_estimator(self, est, problem: Problem, mu: np.ndarray, sd: np.ndarray, params: dict) -> Model:
        """A fitted scikit-learn MLP (trained on (x - mu) / sd) as a tinyc model taking raw x."""
        Ws = [w.T for w in est.coefs_]
        bs = list(est.intercepts_)
        Ws[0], bs[0] = fold_standardization(Ws[0], bs[0], mu, sd)
        arrays = {}
        for i, (W, b) in enumerate(zip(Ws, bs)):
            arrays[f"W{i}"] = np.asarray(W, dtype=np.float32)
            arrays[f"b{i}"] = np.asarray(b, dtype=np.float32)
        return Model(self.name, problem.task, params, problem.n_features, problem.n_classes, arrays)

    def _layers(self, model: Model):
        n = len([k for k in model.arrays if k.startswith("W")])
        bias = "B" if model.qinfo else "b"  # integer models keep their integer bias as B<i>
        return [(model.arrays[f"W{i}"], model.arrays[f"{bias}{i}"]) for i in range(n)]

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        return forward(self._layers(model), X, model.params["activation"])

    def estimate(self, params, problem: Problem, caps, quant: str):
        return layers_cost(self, self._sizes(params, problem), caps, quant, params["activation"], task=problem.task)

    def cost(self, model: Model, caps, quant: str):
        layers = self._layers(model)
        return layers_cost(self, [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers], caps, quant,
                           model.params["activation"], model=model, task=model.task)

    def describe(self, model: Model) -> str:
        sizes = [W.shape[0] for W, _ in self._layers(model)][:-1]
        return f"mlp {model.n_features}-{'-'.join(map(str, sizes))}, {model.params['activation']}"

