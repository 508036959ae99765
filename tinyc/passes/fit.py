"""The memory-fitting pass: make the model fit every declared target.

Given a trained float model, the quantization mode and the targets, cost the
emitted model (integer form when quantized) on every target; while one does
not fit, try each shrinking step this model allows and take the one that
loses the least metric per byte saved:

- a single tree: minimal cost-complexity pruning (the smallest alpha on
  scikit-learn's pruning path that leaves at most 3/4 of the leaves);
- forests and boosted trees: fewer leaves per tree (best-first growth, so the
  leaves kept are the ones that reduce impurity most), and fewer ensemble
  members (the last trees / boosting stages);
- MLPs: narrow the hidden layers (retrained, seeded);
- every family: drop the least useful features (permutation importance on
  the training rows), which also shrinks the input buffer;
- beside a signal front end: drop one of its feature groups (a channel's
  spectrum, a whole channel), whose computation, buffers and tables go with it
  (the targets' costs include the front end computing the kept features).

Steps are decided on the training rows only. Every step is recorded (what
was cut, metric and sizes before and after) for the report; when no step
helps any more the pass fails naming the smallest size it reached.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..budget import excess, shared_frontend
from ..errors import BuildError
from ..models import FAMILY_REGISTRY, Cost, Model, Problem
from ..quant import quantize
from ..spec.ir import Quantization
from .quantize import metric_of

MAX_STEPS = 60


class DoesNotFit(BuildError):
    """No shrinking step makes the model fit; the message names the smallest size reached."""

    code = "E0503"
    default_hint = "raise the flash/RAM limits, drop a target, or give fewer features"


@dataclass
class State:
    family: str
    params: dict
    columns: list[int]
    model: Model  # float, on ``columns``
    emitted: Model  # what is emitted (integer form when quantized)
    costs: dict[str, Cost]
    metric: float

    def excess(self, targets) -> float:
        """How far over budget the tightest target is (<= 1 when everything fits)."""
        return excess(self.costs, targets)


@dataclass
class FitResult:
    model: Model  # the emitted model
    float_model: Model
    params: dict
    columns: list[int]
    costs: dict[str, Cost]
    steps: list[dict] = field(default_factory=list)
    frontend_costs: dict[str, dict] = field(default_factory=dict)  # signal front end per target (in costs)


def _state(family, params, columns, model, mode, ds, targets, metric) -> State:
    X = ds.X_train[:, columns]
    emitted = model if mode == Quantization.float32 else quantize(model, mode, X)
    names = [ds.feature_names[j] for j in columns]  # a front end computes only the features kept
    costs = {t.name: t.charge(FAMILY_REGISTRY[family].cost(emitted, t.caps, mode), family, ds.task, mode, names)
             for t in targets}
    return State(family, params, list(columns), model, emitted, costs,
                 metric_of(emitted, X, ds.y_train, metric, ds.n_classes))


def _refit(st: State, params: dict, columns: list[int], ds, seed: int, build_seed: int) -> Model:
    prob = Problem(ds.task, len(columns), ds.n_classes, build_seed)
    return FAMILY_REGISTRY[st.family].fit(params, ds.X_train[:, columns], ds.y_train, prob, seed)


def _options(st: State, ds, metric, seed: int, build_seed: int, fe=None):
    """(description, params, columns) of each shrinking step that applies (``fe``: a signal
    front end on the targets, whose feature groups can go as a whole)."""
    p, cols = st.params, st.columns
    prob = Problem(ds.task, len(cols), ds.n_classes, build_seed)
    for what, smaller in FAMILY_REGISTRY[st.family].shrink_steps(st.model, p, ds.X_train[:, cols], ds.y_train,
                                                                   prob, seed):
        yield what, smaller, cols
    if len(st.columns) > 1:
        drop = _least_useful(st, ds, metric, seed)
        names = ", ".join(ds.feature_names[j] for j in drop)
        yield (f"drop {len(drop)} least useful feature{'s' if len(drop) > 1 else ''} ({names})", p,
               [j for j in st.columns if j not in drop])
    if fe is not None and len(st.columns) > 1:  # a feature group whose front-end work goes with it
        from .frontend import feature_groups

        kept = [ds.feature_names[j] for j in st.columns]
        for label, idx in feature_groups(fe.with_used(kept), kept):
            if len(idx) < len(kept):
                gone = {st.columns[i] for i in idx}
                yield f"drop the {label} from the front end ({len(idx)} features)", p, \
                    [j for j in st.columns if j not in gone]


def _least_useful(st: State, ds, metric, seed: int) -> list[int]:
    """The ~10% of the model's columns (at least one) whose shuffling hurts the training metric least."""
    from .evaluate import permutation_drops

    rng = np.random.default_rng(seed)
    rows = rng.choice(len(ds.X_train), min(len(ds.X_train), 5000), replace=False)
    X, y = ds.X_train[np.ix_(rows, st.columns)], ds.y_train[rows]
    drops = permutation_drops(st.emitted, X, y, metric, ds.n_classes, rng)
    n = max(1, len(st.columns) // 10)
    order = sorted(range(len(st.columns)), key=lambda i: (drops[i], i))
    return [st.columns[i] for i in order[:n]]


def _worst(st: State, targets):
    return max(targets, key=lambda t: t.excess(st.costs[t.name]))


def fit_memory(model: Model, params: dict, mode: str, ds, targets, metric, seed: int,
               on_step=None, columns: list[int] | None = None, first_step: int = 1,
               build_seed: int | None = None, floor: float | None = None) -> FitResult:
    """Shrink ``model`` (float, trained with ``params`` and ``seed`` on ``columns`` of ``ds``,
    all by default) until its ``mode`` form fits every target; ``build_seed`` is the build's (the
    distillation teacher's; default ``seed``). ``floor``: the training-rows metric no step may
    fall to (tinyc.quality: no better than the trivial baseline). Raises :class:`DoesNotFit`."""
    build_seed = seed if build_seed is None else build_seed
    from ..metrics import GREATER_IS_BETTER

    cols = list(range(len(ds.feature_names))) if columns is None else list(columns)
    st = _state(model.family, params, cols, model, mode, ds, targets, metric)
    steps: list[dict] = []
    sign = 1.0 if GREATER_IS_BETTER[metric] else -1.0
    fe = shared_frontend(targets)
    below = None  # the best step the floor refused: (what, its metric)
    if floor is not None and sign * (st.metric - floor) <= 0:  # weak already: the floor pass says so
        floor = None
    while st.excess(targets) > 1.0 and len(steps) < MAX_STEPS:
        worst = _worst(st, targets)
        best, best_key = None, None
        for what, params2, cols in _options(st, ds, metric, seed, build_seed, fe):
            try:
                new = _state(st.family, params2, cols, _refit(st, params2, cols, ds, seed, build_seed), mode, ds,
                             targets, metric)
            except Exception:  # a step the family cannot take (e.g. too few leaves to grow) is skipped
                continue
            saved = (st.excess(targets) - new.excess(targets))
            if saved <= 0:
                continue
            if floor is not None and sign * (new.metric - floor) <= 0:
                if below is None or sign * (new.metric - below[1]) > 0:
                    below = (what, new.metric)
                continue
            lost = max(sign * (st.metric - new.metric), 0.0)
            key = ((lost + 1e-6) / saved, what)
            if best_key is None or key < best_key:
                best, best_key = (what, new), key
        if best is None:
            break
        what, new = best
        step = {"step": len(steps) + first_step, "action": what, "target": worst.name,
                "metric_before": st.metric, "metric_after": new.metric,
                "flash_before": st.costs[worst.name].flash, "flash_after": new.costs[worst.name].flash,
                "ram_before": st.costs[worst.name].ram, "ram_after": new.costs[worst.name].ram}
        steps.append(step)
        if on_step:
            on_step(step)
        st = new
    if st.excess(targets) > 1.0:
        parts = [t.describe(st.costs[t.name]) for t in targets]
        late = [t.name for t in targets if not t.in_time(st.costs[t.name])]
        in_memory = all(st.costs[t.name].flash <= t.flash and st.costs[t.name].ram <= t.ram for t in targets)
        hint = (f"the latency of {', '.join(late)} is out of reach of the smallest model: raise it, or the clock"
                if late and in_memory else None)
        if below is not None:
            raise DoesNotFit(f"no model fits every target and stays clearly better than the trivial baseline: "
                             f"shrinking further ({below[0]}) would leave training {metric.value} {below[1]:.4f}, "
                             f"at or under the quality floor {floor:.4f}; the smallest model above it "
                             f"({st.emitted.size_summary()}, {mode}, {len(st.columns)} features, training "
                             f"{metric.value} {st.metric:.4f}, after {len(steps)} shrinking steps) "
                             + "; ".join(parts),
                             hint=hint or "raise the flash/RAM limits, or write `allow weak` in the spec to let the "
                                          "fitting pass shrink the model below the floor")
        raise DoesNotFit(f"no model fits every target: the smallest reached ({st.emitted.size_summary()}, "
                         f"{mode}, {len(st.columns)} features, after {len(steps)} shrinking steps) "
                         + "; ".join(parts), hint=hint)
    return FitResult(st.emitted, st.model, st.params, st.columns, st.costs, steps)



def run(ctx, quantized):
    """The pass: the chosen model in its chosen form, shrunk to fit every target."""
    from .context import Fitted

    searched = quantized.searched
    res = searched.result
    ds = searched.ds
    floor = None
    if ctx.spec.allow is None:  # the training rows' floor: a shrink step may not fall to the baseline's
        from .. import quality

        floor = quality.floor(ctx.metric, quality.score_on(ds.task, ctx.metric, ds.y_train, ds.n_classes, ctx.seed))
    fit = fit_memory(quantized.choice.model or res.best, res.best_candidate.params, quantized.choice.mode, ds,
                     searched.prepared.config.targets, ctx.metric, res.best_candidate.seed,
                     on_step=lambda st: ctx.emit("shrink", **st), build_seed=ctx.seed, floor=floor)
    return Fitted(quantized, fit, None)
