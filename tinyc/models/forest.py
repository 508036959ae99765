"""A small random forest (scikit-learn). Classification votes with each
tree's majority class (one byte per leaf), regression averages leaf values."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Task
from . import distill, tree_cost, treeutil
from .base import Model, Problem, register
from .space import grown, suggest, upper
from .tree import VoteTreeFamily, leaf_payload_bytes


@register
class ForestFamily(VoteTreeFamily):
    name = "forest"
    tasks = (Task.classification, Task.regression)
    vote_scores = True
    int_code_bytes = 435
    float_ops = frozenset({"mul"})

    def float_ops_for(self, task):
        return self.float_ops if task == Task.regression else frozenset()  # votes only count

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        n = suggest(trial, fixed, self.name, "n_estimators", "int", 2, 32, log=True)
        cap = treeutil.leaf_cap(limits.weight_budget(self), n, problem.n_features, limits.quant,
                                leaf_payload_bytes(problem, limits.quant))
        return {
            "n_estimators": n,
            "max_depth": suggest(trial, fixed, self.name, "max_depth", "int", 2, 12),
            "max_features": suggest(trial, fixed, self.name, "max_features", "float", 0.2, 1.0),
            "max_leaves": cap,
        }

    def grow_steps(self, params: dict, problem: Problem, limits, fixed: dict):
        """More trees (each with the leaves the flash then allows), or deeper ones."""
        n = grown(params["n_estimators"], upper(fixed, "n_estimators", 32))
        if n is not None:
            cap = treeutil.leaf_cap(limits.weight_budget(self), n, problem.n_features, limits.quant,
                                    leaf_payload_bytes(problem, limits.quant))
            yield f"{params['n_estimators']} → {n} trees", {**params, "n_estimators": n, "max_leaves": cap}
        depth = grown(params["max_depth"], upper(fixed, "max_depth", 12), 1.0)
        if depth is not None:
            yield f"depth {params['max_depth']} → {depth}", {**params, "max_depth": depth}

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        X, y = distill.rows(params, X, y, problem.task, problem.seed)  # (the teacher's rows, when asked)
        if params["max_leaves"] < 2:
            raise ValueError("no forest of this size fits the flash budget")
        kw = dict(n_estimators=params["n_estimators"], max_depth=params["max_depth"],
                  max_features=params["max_features"], max_leaf_nodes=treeutil.sklearn_leaf_limit(params["max_leaves"], params["max_depth"], len(X)),
                  random_state=seed, n_jobs=1)
        cls = RandomForestClassifier if problem.task == Task.classification else RandomForestRegressor
        return self.from_estimator(cls(**kw).fit(X, y), problem, params)

    def from_estimator(self, est, problem: Problem, params: dict) -> Model:
        """A fitted scikit-learn random forest as a tinyc model (hard votes for classification)."""
        trees = []
        for t in est.estimators_:
            if problem.task == Task.classification:
                leaf = est.classes_[np.argmax(t.tree_.value[:, 0, :], axis=1)].astype(np.int32)
            else:
                leaf = t.tree_.value[:, 0, 0].astype(np.float32)
            trees.append(treeutil.from_sklearn(t.tree_, leaf))
        arrays = treeutil.concat(trees)
        return Model(self.name, problem.task, params, problem.n_features, problem.n_classes, arrays)

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        leaves = treeutil.leaf_index(model.arrays, X)
        values = model.arrays["leaf"][leaves]  # (rows, trees)
        if model.task == Task.regression:
            acc = np.zeros(X.shape[0], dtype=np.float32)
            for j in range(values.shape[1]):  # summed tree by tree, as the C loop does
                acc += values[:, j].astype(np.float32)
            return (acc * np.float32(1.0 / values.shape[1]))[:, None]
        out = np.zeros((X.shape[0], model.classes), dtype=np.float32)
        for j in range(values.shape[1]):
            out[np.arange(X.shape[0]), values[:, j]] += 1.0
        return out

    def cost(self, model: Model, caps, quant: str):
        return tree_cost.ensemble_cost(self, model, caps, quant, leaf_payload_bytes(model, quant))

    def describe(self, model: Model) -> str:
        return f"forest, {len(model.arrays['roots'])} trees, {len(model.arrays['leaf'])} leaves"
