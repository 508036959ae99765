"""The anomaly-detector families (``task anomaly``): each says which detectors to try for the
spec's settings, how to train one (offline, or sample by sample from the reset state for
``learn on_device``), what it costs before training, and its cost on a core. The detection
pass (tinyc.passes.detect) asks the families of the spec's search for their candidates and
ranks what fits; the detector's golden inference and C are tinyc.models.anomaly and
tinyc.codegen.c_anomaly.
"""
from __future__ import annotations

import numpy as np

from ..errors import DetectError
from ..spec.ir import Learn, Quantization, Task
from . import anomaly as A
from .base import Cost, Family, register

DEFAULT_K = (2, 4, 8, 16)
DEFAULT_IFOREST = ((10, 64), (25, 64), (25, 128), (50, 128))  # (trees, samples per tree)


def values(rule, default) -> tuple[int, ...]:
    """The integer values a spec rule allows: fixed, a choice, or a range (its ends and the defaults inside)."""
    if rule is None:
        return tuple(default)
    if rule[0] == "fixed":
        return (int(rule[1]),)
    if rule[0] == "choice":
        return tuple(int(v) for v in rule[1])
    lo, hi = int(rule[1]), int(rule[2])
    return tuple(sorted({lo, hi, *(v for v in default if lo <= v <= hi)}))


class DetectorFamily(Family):
    tasks = (Task.anomaly,)
    detector = True  # beside a signal front end, the detector's float routines are shared (tinyc.signal.cost)

    def candidates(self, rules: dict | None, learn: Learn, alone: bool) -> list[tuple[str, object]]:
        """(kind, size) of each detector to try, in order, for the spec's settings of this family
        (``rules``: its block's, None without one; ``alone``: the only family searched). Raises
        DetectError for settings it cannot honour."""
        raise NotImplementedError

    def usable(self, kind: str, k, rows_per_fold: int) -> bool:
        """Whether a candidate can be trained on a fold of ``rows_per_fold`` normal rows."""
        return True

    def train(self, kind: str, k, X: np.ndarray, learn: Learn, seed: int) -> A.Detector:
        """The detector as it will be evaluated: fitted offline, or learned sample by sample from
        the reset state (``learn on_device``)."""
        if learn == Learn.on_device:
            return A.learn(A.empty(kind, X.shape[1], k), X)
        return A.fit(kind, X, k=k, seed=seed)

    def sized(self, kind: str, k, X: np.ndarray, learn: Learn, seed: int) -> A.Detector:
        """A detector of the candidate's size, for its cost before it is trained."""
        return A.shape(kind, X.shape[1], k)

    def cost(self, model, caps, quant: Quantization = Quantization.float32) -> Cost:
        return A.cost(model, caps)


@register
class GaussianFamily(DetectorFamily):
    name = "gaussian"

    def candidates(self, rules: dict | None, learn: Learn, alone: bool) -> list[tuple[str, object]]:
        rule = (rules or {}).get("covariance")
        cov = ("diagonal", "full") if rule is None else (rule[1],) if rule[0] == "fixed" else tuple(rule[1])
        out = []
        for c in cov:
            if c == "full" and learn != Learn.offline:
                if rule is not None:
                    raise DetectError(f"gaussian {{ covariance full }} is fitted offline only; it cannot "
                                      f"`learn {learn.value}` (use covariance diagonal, or learn offline)")
                continue
            out.append(("gaussian_full" if c == "full" else "gaussian", 1))
        return out


@register
class KMeansFamily(DetectorFamily):
    name = "kmeans"

    def candidates(self, rules: dict | None, learn: Learn, alone: bool) -> list[tuple[str, object]]:
        return [("kmeans", k) for k in values((rules or {}).get("k"), DEFAULT_K)]

    def usable(self, kind: str, k, rows_per_fold: int) -> bool:
        return k <= rows_per_fold  # no more centres than rows to place them on


@register
class IForestFamily(DetectorFamily):
    name = "iforest"

    def candidates(self, rules: dict | None, learn: Learn, alone: bool) -> list[tuple[str, object]]:
        if learn != Learn.offline:
            if rules is not None or alone:
                raise DetectError(f"an isolation forest is fitted offline only; it cannot `learn {learn.value}` "
                                  f"(use gaussian or kmeans, or learn offline)")
            return []
        if not rules:
            return [("iforest", pair) for pair in DEFAULT_IFOREST]
        trees = values(rules.get("n_estimators"), sorted({n for n, _ in DEFAULT_IFOREST}))
        samples = values(rules.get("max_samples"), sorted({m for _, m in DEFAULT_IFOREST}))
        return [("iforest", (n, m)) for n in trees for m in samples]

    def train(self, kind: str, k, X: np.ndarray, learn: Learn, seed: int) -> A.Detector:
        return A.fit_iforest(X, k[0], k[1], seed)

    def sized(self, kind: str, k, X: np.ndarray, learn: Learn, seed: int) -> A.Detector:
        return self.train(kind, k, X, learn, seed)  # a forest's size is known once it is grown
