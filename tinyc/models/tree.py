"""A single decision tree (CART, scikit-learn), small by construction: its
leaf count is capped by what fits the tightest target's flash."""
from __future__ import annotations

import numpy as np

from ..spec.ir import Task
from . import distill, tree_cost, treeutil
from .base import Family, Model, Problem, register
from .costs import VALUE_BYTES, index_bytes
from .forms import SHRINK, TreeForm
from .space import grown, suggest, upper


def leaf_payload_bytes(problem_or_model, quant: str) -> int:
    classes = getattr(problem_or_model, "n_classes", None)
    if classes is None:
        classes = problem_or_model.classes
    return index_bytes(classes) if classes else VALUE_BYTES[quant]


class VoteTreeFamily(TreeForm, Family):
    """Tree and forest: their float C compares thresholds as integer keys and counts
    classification votes in integers (codegen.c_trees), so only a regression's leaf sum
    is floating-point arithmetic."""

    def compares_floats(self, task) -> bool:
        return False  # thresholds are compared as integer keys (codegen.c_trees), votes are integers

    def soft_float(self, task) -> bool:
        return task == Task.regression  # the leaf values' sum (and a forest's mean)


@register
class TreeFamily(VoteTreeFamily):
    name = "tree"
    tasks = (Task.classification, Task.regression)
    vote_scores = True
    int_code_bytes = 370

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        cap = treeutil.leaf_cap(limits.weight_budget(self), 1, problem.n_features, limits.quant,
                                leaf_payload_bytes(problem, limits.quant))
        params = {
            "max_depth": suggest(trial, fixed, self.name, "max_depth", "int", 1, 12),
            "min_samples_leaf": suggest(trial, fixed, self.name, "min_samples_leaf", "int", 1, 20, log=True),
        }
        params["max_leaves"] = min(cap, fixed["max_leaves"][-1]) if "max_leaves" in fixed else cap
        return params

    def fit(self, params, X, y, problem: Problem, seed: int) -> Model:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        X, y = distill.rows(params, X, y, problem.task, problem.seed)  # (the teacher's rows, when asked)
        if params["max_leaves"] < 2:
            raise ValueError("no tree fits the flash budget")
        kw = dict(max_depth=params["max_depth"], min_samples_leaf=params["min_samples_leaf"],
                  max_leaf_nodes=treeutil.sklearn_leaf_limit(params["max_leaves"], params["max_depth"], len(X)),
                  ccp_alpha=params.get("ccp_alpha", 0.0), random_state=seed)
        if problem.task == Task.classification:
            est = DecisionTreeClassifier(**kw).fit(X, y)
            leaf = est.classes_[np.argmax(est.tree_.value[:, 0, :], axis=1)].astype(np.int32)
        else:
            est = DecisionTreeRegressor(**kw).fit(X, y)
            leaf = est.tree_.value[:, 0, 0].astype(np.float32)
        arrays = treeutil.concat([treeutil.from_sklearn(est.tree_, leaf)])
        return Model(self.name, problem.task, params, problem.n_features, problem.n_classes, arrays)

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        leaves = treeutil.leaf_index(model.arrays, X)[:, 0]
        values = model.arrays["leaf"][leaves]
        if model.task == Task.regression:
            return values.astype(np.float32)[:, None]
        out = np.zeros((X.shape[0], model.classes), dtype=np.float32)
        out[np.arange(X.shape[0]), values] = 1.0
        return out

    def cost(self, model: Model, caps, quant: str):
        return tree_cost.ensemble_cost(self, model, caps, quant, leaf_payload_bytes(model, quant))

    def grow_steps(self, params: dict, problem: Problem, limits, fixed: dict):
        """A deeper tree, or smaller leaves (its leaf count stays capped by the flash)."""
        if "ccp_alpha" in params:
            return
        depth = grown(params["max_depth"], upper(fixed, "max_depth", 12), 1.0)
        if depth is not None:
            yield f"depth {params['max_depth']} → {depth}", {**params, "max_depth": depth}
        low = fixed.get("min_samples_leaf")
        floor = 1 if low is None else low[1] if low[0] == "range" else None
        if floor is not None and params["min_samples_leaf"] > floor:
            leaf = max(floor, params["min_samples_leaf"] // 2)
            yield f"leaves of {params['min_samples_leaf']} → {leaf} rows", {**params, "min_samples_leaf": leaf}

    def shrink_steps(self, model: Model, params: dict, X, y, problem: Problem, seed: int):
        """Minimal cost-complexity pruning to about three quarters of the leaves."""
        leaves = treeutil.leaves_per_tree(model)
        if leaves > 2:
            keep = max(2, int(leaves * SHRINK))
            alpha = self.prune_alpha(params, X, y, problem, seed, keep)
            if alpha is not None:
                yield (f"prune the tree (cost-complexity, alpha {alpha:.3g}) to at most {keep} leaves",
                       {**params, "ccp_alpha": alpha})

    def prune_alpha(self, params: dict, X, y, problem: Problem, seed: int, keep: int) -> float | None:
        """The smallest cost-complexity pruning alpha (minimal cost-complexity pruning,
        Breiman et al.) whose tree has at most ``keep`` leaves, or None."""
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        cls = DecisionTreeClassifier if problem.task == Task.classification else DecisionTreeRegressor
        kw = dict(max_depth=params["max_depth"], min_samples_leaf=params["min_samples_leaf"], random_state=seed)
        alphas = cls(**kw).cost_complexity_pruning_path(X, y).ccp_alphas
        lo, hi, found = 0, len(alphas) - 1, None
        while lo <= hi:  # leaves shrink as alpha grows: binary search on the path
            mid = (lo + hi) // 2
            if cls(**kw, ccp_alpha=alphas[mid]).fit(X, y).get_n_leaves() <= keep:
                found, hi = float(alphas[mid]), mid - 1
            else:
                lo = mid + 1
        return found

    def describe(self, model: Model) -> str:
        return f"tree, {len(model.arrays['leaf'])} leaves"
