"""Boosted decision stumps (AdaBoost, SAMME) as a tinyc model family, from outside tinyc.

A family tells tinyc everything about its models: the hyperparameters a spec may set and their
bounds (``spec``), the search space, training, the golden inference (float32, the definition the
C must equal bit for bit), the cost on a core, and the C kernel. Each stump compares one feature
with a threshold and adds its weight to the score of the class on that side; the argmax of the
scores is the class.
"""
from __future__ import annotations

import numpy as np

from tinyc.codegen.cgen import c_array
from tinyc.models.base import Cost, Family, Model, Problem
from tinyc.models.costs import STACK_BYTES, cycles, input_bytes, instructions
from tinyc.models.space import suggest
from tinyc.spec.ir import Task
from tinyc.spec.vocab import FamilySpec, ParamSpec

MAX_STUMPS = 400
STUMP_BYTES = 2 + 4 + 1 + 1 + 4  # feature index, threshold, class on each side, weight


class StumpsFamily(Family):
    name = "stumps"
    tasks = (Task.classification,)
    spec = FamilySpec("stumps", tasks, {
        "n_estimators": ParamSpec("int", 1, MAX_STUMPS, doc="number of stumps"),
    }, "boosted decision stumps (AdaBoost)")
    code_bytes = 120  # the kernel's bytes (a target's profile may list its own under model_code.float)

    def space(self, trial, problem: Problem, limits, fixed: dict) -> dict:
        cap = max(1, min(MAX_STUMPS, limits.weight_budget(self) // STUMP_BYTES))
        return {"n_estimators": suggest(trial, fixed, self.name, "n_estimators", "int", 1, cap, log=True)}

    def fit(self, params: dict, X, y, problem: Problem, seed: int) -> Model:
        from sklearn.ensemble import AdaBoostClassifier
        from sklearn.tree import DecisionTreeClassifier

        est = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=params["n_estimators"],
                                 random_state=seed).fit(X, y)
        rows = []
        for stump, weight in zip(est.estimators_, est.estimator_weights_):
            t = stump.tree_
            side = est.classes_[np.argmax(t.value[:, 0, :], axis=1)]
            if t.node_count < 3:  # a leaf alone: every row on the left
                rows.append((0, np.finfo(np.float32).max, side[0], side[0], weight))
            else:
                rows.append((t.feature[0], t.threshold[0], side[1], side[2], weight))
        f, thr, left, right, w = zip(*rows)
        arrays = {"feature": np.array(f, np.uint16), "threshold": np.array(thr, np.float32),
                  "left": np.array(left, np.uint8), "right": np.array(right, np.uint8),
                  "weight": np.array(w, np.float32)}
        return Model(self.name, problem.task, params, problem.n_features, problem.n_classes, arrays)

    def scores(self, model: Model, X: np.ndarray) -> np.ndarray:
        a, rows = model.arrays, np.arange(len(X))
        out = np.zeros((len(X), model.classes), dtype=np.float32)
        for f, thr, left, right, w in zip(a["feature"], a["threshold"], a["left"], a["right"], a["weight"]):
            out[rows, np.where(X[:, f] <= thr, left, right)] += w  # float32 adds, in the C's order
        return out

    def cost(self, model: Model, caps, quant: str) -> Cost:
        return self._cost(len(model.arrays["weight"]), model.n_features, model.classes, caps)

    def estimate(self, params: dict, problem: Problem, caps, quant: str) -> Cost:
        return self._cost(params["n_estimators"], problem.n_features, problem.n_classes, caps)

    def _cost(self, m: int, d: int, k: int, caps) -> Cost:
        weights = STUMP_BYTES * m
        code = self.code_size(caps, "float32")
        n = instructions(caps, "float32", check=d, node=m, add=m, **{"class": k})
        return Cost(weights + code, weights, code, input_bytes(d, "float32") + 4 * k + STACK_BYTES, 2 * m,
                    cycles(n), n)

    def describe(self, model: Model) -> str:
        return f"boosted stumps, {len(model.arrays['weight'])} stumps"

    def c_kernel(self, model: Model, p: str) -> tuple[str, str, int]:
        a, m = model.arrays, len(model.arrays["weight"])
        defs = "\n\n".join([
            c_array("uint16_t", f"{p}_stump_feature", a["feature"], per_line=12),
            c_array("float", f"{p}_stump_threshold", a["threshold"], per_line=6),
            c_array("uint8_t", f"{p}_stump_left", a["left"], per_line=16),
            c_array("uint8_t", f"{p}_stump_right", a["right"], per_line=16),
            c_array("float", f"{p}_stump_weight", a["weight"], per_line=6),
        ])
        body = f"""    uint16_t i;
    for (i = 0; i < {model.classes}; ++i) {{
        scores[i] = 0.0f;
    }}
    for (i = 0; i < {m}; ++i) {{
        uint8_t c = x[{p}_stump_feature[i]] <= {p}_stump_threshold[i] ? {p}_stump_left[i] : {p}_stump_right[i];
        scores[c] += {p}_stump_weight[i];
    }}"""
        return defs, body, 0
