"""Anomaly detectors that learn what normal data looks like, and can keep
learning on the device.

Three detectors, each a model of the normal data with one score, "how far from
normal", normalised so that it does not depend on the number of features:

- ``gaussian``: per-feature mean and variance (the diagonal Mahalanobis
  distance), ``score = mean_j (x_j - mu_j)^2 / var_j``;
- ``gaussian_full``: mean and full covariance (the Mahalanobis distance),
  ``score = |U (x - mu)|^2 / d`` with ``U`` the upper Cholesky factor of the
  inverse covariance (ridge-regularised), stored packed; fitted offline only;
- ``kmeans``: k centres of the normal data (k-means on standardised
  features) and the per-feature variance,
  ``score = min_k mean_j (x_j - c_kj)^2 / var_j``;
- ``iforest``: an isolation forest (Liu, Ting and Zhou 2008; scikit-learn's
  IsolationForest) as float32 trees whose leaves hold the path length
  (depth + c(leaf size)), ``score = c(psi) / mean path length`` — about 1 for
  typical samples, larger for samples that are isolated quickly (a monotone
  transform of scikit-learn's score, so the same ranking); fitted offline only.

The state is small and updated one sample at a time (Welford's running mean and
variance; a running mean for the nearest centre), which is what the generated
C does on the device (``<model>_learn``): :func:`learn` here is its golden model,
float32 operation for operation. The decision threshold is a quantile of the
normal training scores (a declared false-alarm rate) or, with labelled
anomalies, the score that maximises F1; it is in the score's normalised units,
so it stays meaningful while the state keeps learning.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..spec.ir import Quantization, Task
from .anomaly_cost import cost  # noqa: F401  (a detector's cost, as A.cost, like the families' costs)

VAR_FLOOR = np.float32(1e-6)  # variance floor: a constant feature does not divide by zero


def family_of(kind: str) -> str:
    """The spec's family name of a detector kind: gaussian (either covariance), kmeans or iforest."""
    return kind if kind in ("kmeans", "iforest") else "gaussian"


def params_of(kind: str, k) -> dict:
    """The spec's hyperparameters of a detector: ``k`` is the number of k-means centres, or
    (trees, samples per tree) of an isolation forest."""
    if kind == "kmeans":
        return {"k": k}
    if kind == "iforest":
        return {"n_estimators": k[0], "max_samples": k[1]}
    return {"covariance": "full" if kind == "gaussian_full" else "diagonal"}


@dataclass
class Detector:
    kind: str  # "gaussian", "gaussian_full" or "kmeans"
    n: int  # samples learned
    mean: np.ndarray  # (d,) float32, running mean of every sample
    m2: np.ndarray  # (d,) float32, running sum of squared deviations
    centers: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))  # (k, d)
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))  # (k,)
    threshold: float = float("inf")
    chol: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))  # packed upper U, row by row
    on_device: bool = True  # the emitted library learns on the device (when the kind can)
    trees: dict = field(default_factory=dict)  # iforest: treeutil arrays, leaves = path lengths
    c_psi: float = 0.0  # iforest: expected path length of an unsuccessful search in psi samples
    frontend: object = None  # a signal front end (tinyc.signal.FrontEnd) computing the features, or None

    task = Task.anomaly
    qinfo = None
    quant = Quantization.float32

    @property
    def learns(self) -> bool:
        """Whether the detector can keep learning on the device."""
        return self.kind not in ("gaussian_full", "iforest")

    @property
    def learns_on_device(self) -> bool:
        return self.learns and self.on_device

    @property
    def family(self) -> str:
        return family_of(self.kind)

    @property
    def params(self) -> dict:
        k = (len(self.counts) if self.kind == "kmeans" else
             (len(self.trees["roots"]), int(self.n)) if self.kind == "iforest" else 1)
        return params_of(self.kind, k)

    def forest(self):
        """The isolation forest as a tinyc regression forest whose score is the mean path length."""
        from .base import Model

        return Model("forest", Task.regression, {}, self.n_features, 0, self.trees)

    def size_summary(self) -> str:
        d = self.n_features
        what = {"gaussian": f"diagonal Gaussian over {d} features",
                "gaussian_full": f"full-covariance Gaussian (Mahalanobis) over {d} features",
                "kmeans": f"distance to the nearest of {len(self.counts)} k-means centres over {d} features",
                "iforest": f"isolation forest of {len(self.trees.get('roots', ()))} trees "
                           f"({len(self.trees.get('leaf', ()))} leaves) over {d} features"}[self.kind]
        return what + (", learning on the device" if self.learns_on_device else "")

    @property
    def n_features(self) -> int:
        return len(self.mean)

    def inv_var(self) -> np.ndarray:
        """1 / max(m2 / (n - 1), floor) in float32, as the C computes it."""
        denom = np.float32(max(self.n - 1, 1))
        var = np.maximum(self.m2 / denom, VAR_FLOOR).astype(np.float32)
        return (np.float32(1.0) / var).astype(np.float32)

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Anomaly scores (rows,), float32, accumulated feature by feature as the C does."""
        X = np.asarray(X, dtype=np.float32)
        inv_d = np.float32(1.0 / self.n_features)
        if self.kind == "iforest":
            e = self.forest().scores(X)[:, 0].astype(np.float32)
            with np.errstate(divide="ignore"):
                return np.where(e > 0, np.float32(self.c_psi) / np.where(e > 0, e, 1), np.finfo(np.float32).max
                                ).astype(np.float32)
        if self.kind == "gaussian_full":
            return (self._mahalanobis(X) * inv_d).astype(np.float32)
        w = self.inv_var()
        centers = self.centers if self.kind == "kmeans" else self.mean[None, :]
        best = None
        for c in centers:
            acc = np.zeros(X.shape[0], dtype=np.float32)
            for j in range(X.shape[1]):
                diff = X[:, j] - c[j]
                acc += w[j] * diff * diff
            best = acc if best is None else np.minimum(best, acc)
        return (best * inv_d).astype(np.float32)

    def _mahalanobis(self, X: np.ndarray) -> np.ndarray:
        """sum_i (sum_{j>=i} U_ij (x_j - mu_j))^2 in float32, in the C's loop order."""
        d = self.n_features
        diff = (X - self.mean).astype(np.float32)
        acc = np.zeros(X.shape[0], dtype=np.float32)
        k = 0
        for i in range(d):
            z = np.zeros(X.shape[0], dtype=np.float32)
            for j in range(i, d):
                z += self.chol[k] * diff[:, j]
                k += 1
            acc += z * z
        return acc

    def is_anomaly(self, X: np.ndarray) -> np.ndarray:
        return self.scores(X) > np.float32(self.threshold)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """1 for an anomaly, 0 for normal (as ``<model>_predict``)."""
        return self.is_anomaly(X).astype(np.int64)

    def to_json(self) -> dict:
        arrays = {"mean": self.mean, "m2": self.m2, "centers": self.centers, "counts": self.counts, "chol": self.chol}
        arrays.update({f"tree_{k}": v for k, v in self.trees.items()})
        return {"kind": self.kind, "n": int(self.n), "threshold": float(self.threshold), "on_device": self.on_device,
                "c_psi": self.c_psi,
                "arrays": {k: {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.ravel().tolist()}
                           for k, v in arrays.items()}}

    @classmethod
    def from_json(cls, doc: dict) -> "Detector":
        a = {k: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for k, v in doc["arrays"].items()}
        trees = {k[5:]: v for k, v in a.items() if k.startswith("tree_")}
        return cls(doc["kind"], doc["n"], a["mean"], a["m2"], a["centers"], a["counts"], doc["threshold"], a["chol"],
                   doc["on_device"], trees, doc.get("c_psi", 0.0))


def empty(kind: str, d: int, k: int = 1) -> Detector:
    """The reset state of a detector that learns from nothing."""
    if kind in ("gaussian_full", "iforest"):
        raise ValueError(f"a {kind} detector is fitted offline only")
    return Detector(kind, 0, np.zeros(d, dtype=np.float32), np.zeros(d, dtype=np.float32),
                    np.zeros((k if kind == "kmeans" else 0, d), dtype=np.float32),
                    np.zeros(k if kind == "kmeans" else 0, dtype=np.uint32))


def shape(kind: str, d: int, k: int = 1) -> Detector:
    """A detector of the given size with zero state: what the cost model needs before fitting
    (None for an isolation forest, whose size is known only once it is grown)."""
    if kind == "iforest":
        return None
    if kind != "gaussian_full":
        return empty(kind, d, k)
    det = Detector(kind, 0, np.zeros(d, dtype=np.float32), np.zeros(d, dtype=np.float32))
    det.chol = np.zeros(d * (d + 1) // 2, dtype=np.float32)
    return det


def learn(det: Detector, X: np.ndarray) -> Detector:
    """Update ``det`` with the rows of ``X``, one at a time, in float32 (the golden
    model of ``<model>_learn``). A k-means detector whose centres are not all
    seeded yet takes each new sample as the next centre."""
    if not det.learns:
        raise ValueError(f"a {det.kind} detector is fitted offline only")
    X = np.asarray(X, dtype=np.float32)
    mean, m2 = det.mean.copy(), det.m2.copy()
    centers, counts = det.centers.copy(), det.counts.copy()
    n = det.n
    for x in X:
        n += 1
        delta = x - mean
        mean = mean + delta / np.float32(n)
        m2 = m2 + delta * (x - mean)
        if det.kind == "kmeans":
            seeded = int(np.sum(counts > 0))
            if seeded < len(counts):
                c = seeded
                centers[c] = x
            else:
                c = _nearest(centers, x)
                centers[c] = centers[c] + (x - centers[c]) / np.float32(counts[c] + 1)
            counts[c] += 1
    return Detector(det.kind, n, mean.astype(np.float32), m2.astype(np.float32), centers.astype(np.float32),
                    counts, det.threshold, det.chol, det.on_device, det.trees, det.c_psi, det.frontend)


def _nearest(centers: np.ndarray, x: np.ndarray) -> int:
    """Index of the nearest centre in plain squared distance (first on ties), as the C loop."""
    best, best_d = 0, None
    for c in range(centers.shape[0]):
        acc = np.float32(0.0)
        for j in range(centers.shape[1]):
            diff = np.float32(x[j] - centers[c, j])
            acc = np.float32(acc + diff * diff)
        if best_d is None or acc < best_d:
            best, best_d = c, acc
    return best


def average_path_length(n) -> np.ndarray:
    """c(n): the average path length of an unsuccessful search in a binary search tree of
    n samples (Liu et al. 2008), as scikit-learn computes it: c(1) = 0, c(2) = 1."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def fit_iforest(X: np.ndarray, n_estimators: int, max_samples: int, seed: int) -> Detector:
    """An isolation forest grown by scikit-learn, as float32 trees whose leaves hold
    depth + c(leaf size); every tree indexes the original feature columns."""
    from sklearn.ensemble import IsolationForest

    from . import treeutil

    X64 = np.asarray(X, dtype=np.float64)
    psi = int(min(max_samples, len(X64)))
    est = IsolationForest(n_estimators=n_estimators, max_samples=psi, random_state=seed).fit(X64)
    trees = []
    for tree, feats in zip(est.estimators_, est.estimators_features_):
        t = tree.tree_
        depth = np.zeros(t.node_count, dtype=np.int64)
        for node in range(t.node_count):  # children come after their parent in sklearn's arrays
            for child in (t.children_left[node], t.children_right[node]):
                if child != -1:
                    depth[child] = depth[node] + 1
        leaf = (depth + average_path_length(t.n_node_samples)).astype(np.float32)
        arrays = treeutil.from_sklearn(t, leaf)
        arrays["feature"] = np.asarray(feats, dtype=np.int32)[arrays["feature"]]
        trees.append(arrays)
    det = Detector("iforest", psi, np.zeros(X64.shape[1], dtype=np.float32), np.zeros(X64.shape[1], dtype=np.float32))
    det.trees = treeutil.concat(trees)
    det.c_psi = float(np.float32(average_path_length([psi])[0]))
    det.on_device = False
    return det


def fit(kind: str, X: np.ndarray, k: int = 4, seed: int = 0) -> Detector:
    """The offline fit on normal rows: exact mean and variance; k-means centres from
    scikit-learn on standardised rows (seeded)."""
    X64 = np.asarray(X, dtype=np.float64)
    n = len(X64)
    mean = X64.mean(axis=0)
    m2 = ((X64 - mean) ** 2).sum(axis=0)
    det = Detector(kind, n, mean.astype(np.float32), m2.astype(np.float32))
    if kind == "gaussian_full":
        d = X64.shape[1]
        cov = np.cov(X64.T).reshape(d, d) if n > 1 else np.eye(d)
        cov = cov + np.eye(d) * max(1e-6 * np.trace(cov) / d, float(VAR_FLOOR))
        lower = np.linalg.cholesky(np.linalg.inv(cov))  # inverse covariance = L L^T
        upper = lower.T  # |L^T (x - mu)|^2 is the squared Mahalanobis distance
        det.chol = np.concatenate([upper[i, i:] for i in range(d)]).astype(np.float32)
    if kind == "kmeans":
        from sklearn.cluster import KMeans

        sd = np.sqrt(np.maximum(m2 / max(n - 1, 1), float(VAR_FLOOR)))
        km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit((X64 - mean) / sd)
        det.centers = (km.cluster_centers_ * sd + mean).astype(np.float32)
        det.counts = np.bincount(km.labels_, minlength=k).astype(np.uint32)
    return det


def threshold_for_false_alarms(det: Detector, X_normal: np.ndarray, rate: float) -> float:
    """The smallest float32 threshold with at most ``rate`` of ``X_normal`` scoring above it."""
    s = np.sort(det.scores(X_normal))
    allowed = int(np.floor(rate * len(s)))
    return float(s[len(s) - 1 - allowed]) if allowed < len(s) else float(s[0])


def threshold_for_f1(det: Detector, X: np.ndarray, is_anomaly: np.ndarray) -> float:
    """The threshold (one of the scores) that maximises F1 on labelled rows."""
    s = det.scores(X)
    y = np.asarray(is_anomaly, dtype=bool)
    best_t, best_f1 = float(np.max(s)), -1.0
    for t in np.unique(s):
        pred = s > t
        tp = float(np.sum(pred & y))
        f1 = 2 * tp / (np.sum(pred) + np.sum(y)) if (np.sum(pred) + np.sum(y)) else 0.0
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return best_t
