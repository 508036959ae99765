"""Gradient-boosted trees (scikit-learn's GradientBoosting*). The learning
rate is folded into the leaf values; the initial raw score is a constant per
output. Binary classification has one output (decide on > 0), k classes have
k trees per stage."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Task
from . import distill, tree_cost, treeutil
from .base import Family, Model, Problem, register
from .costs import VALUE_BYTES
from .forms import TreeForm
from .space import grown, suggest, upper


@register
class GbtFamily(TreeForm, Family):
    boosted = True
    members = "boosting stages"
    name = "gbt"
    tasks = (Task.classification, Task.regression)
    int_code_bytes = 435

    def compares_floats(self, task) -> bool:
        return task == Task.classification  # thresholds are integer keys; the class is a float compare

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        n = suggest(trial, fixed, self.name, "n_estimators", "int", 5, 120, log=True)
        trees = n * problem.n_outputs
        cap = treeutil.leaf_cap(limits.weight_budget(self), trees, problem.n_features, limits.quant,
                                VALUE_BYTES[limits.quant])
        return {
            "n_estimators": n,
            "max_depth": suggest(trial, fixed, self.name, "max_depth", "int", 1, 5),
            "learning_rate": suggest(trial, fixed, self.name, "learning_rate", "float", 0.03, 0.5, log=True),
            "max_leaves": cap,
        }

    def grow_steps(self, params: dict, problem: Problem, limits, fixed: dict):
        """More boosting stages (each tree with the leaves the flash then allows), or deeper trees."""
        n = grown(params["n_estimators"], upper(fixed, "n_estimators", 120))
        if n is not None:
            cap = treeutil.leaf_cap(limits.weight_budget(self), n * problem.n_outputs, problem.n_features,
                                    limits.quant, VALUE_BYTES[limits.quant])
            yield f"{params['n_estimators']} → {n} boosting stages", {**params, "n_estimators": n, "max_leaves": cap}
        depth = grown(params["max_depth"], upper(fixed, "max_depth", 5), 1.0)
        if depth is not None:
            yield f"depth {params['max_depth']} → {depth}", {**params, "max_depth": depth}

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

        X, y = distill.rows(params, X, y, problem.task, problem.seed)  # (the teacher's rows, when asked)
        if params["max_leaves"] < 2:
            raise ValueError("no boosted ensemble of this size fits the flash budget")
        kw = dict(n_estimators=params["n_estimators"], max_depth=params["max_depth"],
                  learning_rate=params["learning_rate"], max_leaf_nodes=treeutil.sklearn_leaf_limit(params["max_leaves"], params["max_depth"], len(X)), random_state=seed)
        est = (GradientBoostingClassifier if problem.task == Task.classification
               else GradientBoostingRegressor)(**kw).fit(X, y)
        lr = params["learning_rate"]
        k = est.estimators_.shape[1]
        trees, tree_output = [], []
        for stage in est.estimators_:
            for c, t in enumerate(stage):
                trees.append(treeutil.from_sklearn(t.tree_, (lr * t.tree_.value[:, 0, 0]).astype(np.float32)))
                tree_output.append(c)
        arrays = treeutil.concat(trees)
        arrays["tree_output"] = np.array(tree_output, dtype=np.int32)
        # the constant initial score: what the model outputs minus what the trees add, on one row
        raw = est.decision_function(X[:1]) if problem.task == Task.classification else est.predict(X[:1])
        raw = np.asarray(raw, dtype=np.float64).reshape(1, -1)
        model = Model(self.name, problem.task, params, problem.n_features, problem.n_classes, arrays)
        arrays["init"] = np.zeros(k, dtype=np.float32)
        added = self.scores(model, X[:1].astype(np.float32)).astype(np.float64)
        arrays["init"] = (raw[0] - added[0]).astype(np.float32)
        return model

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        a = model.arrays
        leaves = treeutil.leaf_index(a, X)
        out = np.tile(a["init"], (X.shape[0], 1)).astype(np.float32)
        for j in range(leaves.shape[1]):
            out[:, a["tree_output"][j]] += a["leaf"][leaves[:, j]]
        return out

    def cost(self, model: Model, caps, quant: str):
        return tree_cost.ensemble_cost(self, model, caps, quant, VALUE_BYTES[quant], extra_ops=len(model.arrays["roots"]))

    def describe(self, model: Model) -> str:
        return f"gbt, {len(model.arrays['roots'])} trees, {len(model.arrays['leaf'])} leaves"
