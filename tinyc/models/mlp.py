"""A small multi-layer perceptron (scikit-learn's MLP), 1–2 hidden layers."""
from __future__ import annotations

import warnings

import numpy as np

from ..spec.ir import Task
from . import distill
from .base import Family, Model, Problem, register, standardize
from .forms import DenseForm
from .space import grown, suggest, upper
from .dense import fold_standardization, forward, layers_cost


EPOCH_ROWS = 400 * 10_000  # rows Adam may pass over in all: 400 epochs of up to 10,000 rows


def epochs(rows: int) -> int:
    """Most passes over the training rows: 400, fewer above 10,000 rows (the same number of
    gradient steps as on the 10,000-row sample a large data set is searched on, at least two
    passes), so that the final fit on every row takes about as long as a fit during the search.

    >>> epochs(5000), epochs(10000), epochs(20000), epochs(800000), epochs(10**7)
    (400, 400, 200, 5, 2)
    """
    return max(2, min(400, -(-EPOCH_ROWS // max(rows, 1))))


def prune_dead_units(model: Model, lo: np.ndarray, hi: np.ndarray) -> list[int]:
    """Remove the hidden ReLU units that cannot fire for any input x with lo <= x <= hi (the
    training rows' range), with their weights: where even the largest pre-activation over that
    box (interval arithmetic, layer by layer, in float64 with a margin) is below zero, the unit
    outputs 0 on every such input and adds nothing to the next layer. A layer keeps at least one
    unit. Changes ``model.arrays`` in place; returns how many units each hidden layer lost."""
    n = len([k for k in model.arrays if k.startswith("W")])
    a = model.arrays
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    removed = []
    for i in range(n - 1):  # hidden layers; the output layer has no activation
        W, b = a[f"W{i}"].astype(np.float64), a[f"b{i}"].astype(np.float64)
        up = b + np.maximum(W * lo, W * hi).sum(axis=1)
        down = b + np.minimum(W * lo, W * hi).sum(axis=1)
        margin = 1e-6 * (np.abs(b) + (np.abs(W) * np.maximum(np.abs(lo), np.abs(hi))).sum(axis=1)) + 1e-30
        live = up + margin > 0
        if not live.any():
            live[np.argmax(up)] = True
        keep = np.flatnonzero(live)
        removed.append(int((~live).sum()))
        if len(keep) < len(b):
            a[f"W{i}"], a[f"b{i}"] = a[f"W{i}"][keep], a[f"b{i}"][keep]
            a[f"W{i + 1}"] = np.ascontiguousarray(a[f"W{i + 1}"][:, keep])
        lo, hi = np.maximum(down[keep], 0.0), np.maximum(up[keep], 0.0)  # the ReLU's output range
    return removed


@register
class MlpFamily(DenseForm, Family):
    name = "mlp"
    input_bound = True
    tasks = (Task.classification, Task.regression)
    int_code_bytes = 665
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

    def grow_steps(self, params: dict, problem: Problem, limits, fixed: dict):
        hidden = grown(params["hidden"], upper(fixed, "hidden", 64))
        if hidden is not None:
            yield f"hidden layers {params['hidden']} → {hidden} wide", {**params, "hidden": hidden}
        layers = grown(params["layers"], upper(fixed, "layers", 2))
        if layers is not None:
            yield f"{params['layers']} → {layers} hidden layers", {**params, "layers": layers}

    def _sizes(self, params, problem: Problem) -> list[int]:
        return [problem.n_features] + [params["hidden"]] * params["layers"] + [problem.n_outputs]

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        """Trained on (x - mean) / std; L-BFGS up to 5,000 rows, Adam above, for at most
        :func:`epochs` passes over the rows."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        X, y = distill.rows(params, X, y, problem.task, problem.seed)  # (the teacher's rows, when asked)
        mu, sd = standardize(X)
        Z = (X - mu) / sd
        cls = MLPClassifier if problem.task == Task.classification else MLPRegressor
        target = y if problem.task == Task.classification else (y - y.mean()) / (y.std() or 1.0)
        est = cls(hidden_layer_sizes=(params["hidden"],) * params["layers"], activation=params["activation"],
                  alpha=params["alpha"], solver="lbfgs" if len(X) <= 5000 else "adam", max_iter=epochs(len(X)),
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
        if params["activation"] == "relu":
            prune_dead_units(model, np.nanmin(X, axis=0), np.nanmax(X, axis=0))
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

