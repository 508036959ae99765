"""The closed vocabularies of the spec language: which metrics fit which task,
which model families exist and which hyperparameters they expose to the
`search { }` block (with their type and allowed bounds).

Kept in one place so the resolver, the formatter's tests and `tinyc explain`
agree. The search pass reads the same table to build its search space.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ir import Learn, Metric, MissingPolicy, Quantization, Task

METRICS_FOR_TASK: dict[Task, tuple[Metric, ...]] = {
    Task.classification: (Metric.accuracy, Metric.balanced_accuracy, Metric.f1, Metric.auc),
    Task.regression: (Metric.rmse, Metric.mae, Metric.r2),
    Task.anomaly: (Metric.auc, Metric.f1),
}

DEFAULT_METRIC: dict[Task, Metric] = {
    Task.classification: Metric.balanced_accuracy,
    Task.regression: Metric.rmse,
    Task.anomaly: Metric.auc,
}

DEFAULT_BUDGET_SECONDS = 60.0
DEFAULT_SEED = 0
DEFAULT_QUANTIZATION = Quantization.auto
# metric points (or %, for error metrics) an integer model may lose under quantize auto
DEFAULT_QUANTIZE_TOLERANCE = 1.0
DEFAULT_MISSING = MissingPolicy.median
DEFAULT_HOLDOUT_PERCENT = 20.0
# anomaly detectors: shipped fitted, no learning on the device unless asked; without
# `false_alarms` the threshold is the best-F1 one when labelled anomalies exist, else 1%
DEFAULT_LEARN = Learn.offline
DEFAULT_FALSE_ALARMS_PERCENT = 1.0

TIME_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
SIZE_UNITS = {"B": 1, "KB": 1024, "KiB": 1024, "MB": 1024**2, "MiB": 1024**2}
CLOCK_UNITS = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9}
LATENCY_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

# Units of sensor channels (`units`, `device` in a signal block): quantity, and the value of one unit
# in the quantity's SI unit (m/s², rad/s, T). Conversions go through the SI value.
_DEG = 3.141592653589793 / 180.0
SENSOR_UNITS: dict[str, tuple[str, float]] = {
    "m/s2": ("acceleration", 1.0), "m/s^2": ("acceleration", 1.0),
    "g": ("acceleration", 9.80665), "mg": ("acceleration", 9.80665e-3),
    "rad/s": ("angular rate", 1.0), "mrad/s": ("angular rate", 1e-3),
    "dps": ("angular rate", _DEG), "deg/s": ("angular rate", _DEG), "mdps": ("angular rate", _DEG * 1e-3),
    "T": ("magnetic field", 1.0), "mT": ("magnetic field", 1e-3), "uT": ("magnetic field", 1e-6),
    "gauss": ("magnetic field", 1e-4), "mgauss": ("magnetic field", 1e-7),
}
# raw reading types a device may deliver, and the count of a full-scale reading (2^15 for int16)
DEVICE_TYPES: dict[str, int] = {"int16": 32768}

# the largest value a spec may give (checked at `tinyc check`, the bound in the message): a month
# of search, 4 GB of memory (a 32-bit address space), a 10 GHz clock, a 1 MHz sample rate, an
# hour or a million samples in a window or hop
MOST = {"budget": "720h", "size": "4096MB", "clock": "10GHz", "rate": "1MHz", "span": "1h", "latency": "10s"}
MOST_SAMPLES = 1_000_000


@dataclass(frozen=True)
class ParamSpec:
    """A hyperparameter the search block may fix or bound."""

    kind: str  # "int", "float" or "choice"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class FamilySpec:
    name: str
    tasks: tuple[Task, ...]
    params: dict[str, ParamSpec]
    doc: str


_C, _R, _A = Task.classification, Task.regression, Task.anomaly

FAMILIES: dict[str, FamilySpec] = {
    f.name: f
    for f in (
        FamilySpec("linear", (_C, _R), {
            "c": ParamSpec("float", 1e-6, 1e6, doc="inverse regularisation strength"),
        }, "logistic regression (classification) or ridge regression"),
        FamilySpec("tree", (_C, _R), {
            "max_depth": ParamSpec("int", 1, 32, doc="maximum depth"),
            "max_leaves": ParamSpec("int", 2, 4096, doc="maximum number of leaves"),
            "min_samples_leaf": ParamSpec("int", 1, 10**6, doc="minimum rows per leaf"),
        }, "a single decision tree"),
        FamilySpec("forest", (_C, _R), {
            "n_estimators": ParamSpec("int", 1, 500, doc="number of trees"),
            "max_depth": ParamSpec("int", 1, 32, doc="maximum depth of each tree"),
            "max_features": ParamSpec("float", 0.0, 1.0, doc="share of features tried per split"),
        }, "a small random forest"),
        FamilySpec("gbt", (_C, _R), {
            "n_estimators": ParamSpec("int", 1, 1000, doc="boosting rounds"),
            "max_depth": ParamSpec("int", 1, 16, doc="maximum depth of each tree"),
            "learning_rate": ParamSpec("float", 1e-4, 1.0, doc="shrinkage"),
        }, "gradient-boosted trees"),
        FamilySpec("mlp", (_C, _R), {
            "layers": ParamSpec("int", 1, 2, doc="hidden layers"),
            "hidden": ParamSpec("int", 1, 256, doc="units per hidden layer"),
            "alpha": ParamSpec("float", 0.0, 10.0, doc="L2 penalty"),
            "activation": ParamSpec("choice", choices=("relu", "tanh"), doc="hidden activation"),
        }, "a small multi-layer perceptron"),
        FamilySpec("centroid", (_C,), {
            "kind": ParamSpec("choice", choices=("nearest", "gaussian"), doc="nearest centroid or Gaussian naive Bayes"),
        }, "nearest centroid / Gaussian model"),
        FamilySpec("gaussian", (_A,), {
            "covariance": ParamSpec("choice", choices=("diagonal", "full"),
                                    doc="per-feature variances (learns on the device) or full covariance (offline)"),
        }, "distance from the mean of the normal data (diagonal or full Mahalanobis)"),
        FamilySpec("kmeans", (_A,), {
            "k": ParamSpec("int", 1, 64, doc="number of centres"),
        }, "distance to the nearest of k centres of the normal data"),
        FamilySpec("iforest", (_A,), {
            "n_estimators": ParamSpec("int", 1, 500, doc="number of isolation trees"),
            "max_samples": ParamSpec("int", 2, 4096, doc="rows each tree is grown on (psi; depth limit log2 psi)"),
        }, "isolation forest (fitted offline)"),
    )
}

FAMILY_GROUP = "tinyc.families"  # the entry-point group of model families (third-party ones too)


def family(name: str) -> FamilySpec | None:
    """A model family's hyperparameters and bounds: a built-in's from :data:`FAMILIES` (no
    model code imported), an installed third-party family's from its class (``spec``)."""
    return FAMILIES.get(name) or third_party_families().get(name)


def third_party_families() -> dict[str, FamilySpec]:
    """The families installed packages register in the ``tinyc.families`` entry-point group
    (loaded only when a spec names a family tinyc does not have built in); one that fails to
    load is left out, and :func:`family_load_error` says why."""
    return {n: f for n, f in _third_party().items() if isinstance(f, FamilySpec)}


def family_load_error(name: str) -> str | None:
    found = _third_party().get(name)
    return found if isinstance(found, str) else None


def _third_party() -> dict[str, FamilySpec | str]:
    global _LOADED
    if _LOADED is None:
        from importlib.metadata import entry_points

        _LOADED = {}
        for ep in sorted(entry_points(group=FAMILY_GROUP), key=lambda e: e.name):
            if ep.name in FAMILIES:
                continue
            try:
                spec = ep.load().spec
                if not isinstance(spec, FamilySpec) or spec.name != ep.name:
                    raise TypeError(f"its class's `spec` must be a FamilySpec named '{ep.name}'")
                _LOADED[ep.name] = spec
            except Exception as e:  # a broken plugin breaks only its own family
                _LOADED[ep.name] = f"family '{ep.name}' is installed but does not load: {type(e).__name__}: {e}"
    return _LOADED


_LOADED: dict[str, FamilySpec | str] | None = None

# Spellings people write for units we spell differently, for did-you-mean hints.
UNIT_ALIASES = {
    "sec": "s", "secs": "s", "second": "s", "seconds": "s", "mins": "m", "minute": "m", "minutes": "m",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "msec": "ms",
    "byte": "B", "bytes": "B", "k": "KB", "kbyte": "KB", "kbytes": "KB", "m": "MB", "mbyte": "MB",
    "khz": "kHz", "mhz": "MHz", "hz": "Hz", "ghz": "GHz", "percent": "%", "pct": "%",
}


def closest_unit(unit: str, units) -> str | None:
    """The unit of ``units`` that ``unit`` most likely means.

    >>> closest_unit("sec", TIME_UNITS), closest_unit("kb", SIZE_UNITS), closest_unit("xyz", TIME_UNITS)
    ('s', 'KB', None)
    """
    lowered = {u.lower(): u for u in units}
    if unit.lower() in lowered:
        return lowered[unit.lower()]
    alias = UNIT_ALIASES.get(unit.lower())
    return alias if alias in units else None


# the search's techniques a spec turns on or off (grow, prune and qat on by default), with the hint a wrong value gets
SWITCHES = {
    "grow": "grow off keeps the search's best candidate as it is; grow on (the default) tries larger "
            "versions of the best ones while they fit and cross-validate better",
    "prune": "prune off cross-validates every candidate on every fold; prune on (the default) stops a "
             "candidate clearly behind the best after a fold or two",
    "distill": "distill on lets the search also try training candidates on synthetic rows labelled by a "
               "large teacher model; distill off (the default) trains them on the data's rows alone",
    "qat": "qat off quantizes an MLP as it was trained; qat on (the default) fine-tunes it for int8/int16 "
           "rounding when cross-validation says its integer form then scores better",
    "select": "select on lets the search try MLP, linear and centroid candidates on only the best-ranked "
              "columns (fewer inputs, fewer weights); select off (the default) gives every candidate every column",
}
