"""The quality floor (tinyc.quality): a build whose model is not clearly better than the trivial
baseline fails, unless the spec says `allow weak`, with what held it back — a limit (flash, RAM,
the signal window's RAM, latency) when the search trained better candidates that did not fit, what
it reached with them; else whether the model is too small to learn (it does no better on its
training rows) or overfits (it does well there, not on the holdout)."""
from __future__ import annotations

import math

from .. import quality
from ..errors import BuildError
from ..metrics import GREATER_IS_BETTER


class WeakModel(BuildError):
    """The model is not clearly better than the trivial baseline."""

    code = "E0509"


def run(ctx, ev):
    """The pass: the evaluated model against the floor (a classifier's or a regressor's)."""
    check(ctx.metric, ev.sections["model"], ev.search.leaderboard if ev.search else [],
          ev.prepared.declared.targets, getattr(ev.model, "frontend", None))
    return ev


def section(metric, value: float, train: float, base: dict, noise: float, allowed: bool) -> dict:
    """report.json's model.baseline: the baseline, the floor and whether the model clears it."""
    b = base["holdout"][metric.value]
    return {**base, "floor": quality.floor(metric, b, noise), "noise": noise,
            "gain": quality.gain(metric, value, b), "train_gain": quality.gain(metric, train, b),
            "weak": quality.is_weak(metric, value, b, noise), "allowed": allowed}


def check(metric, model_section: dict, leaderboard, targets, frontend=None) -> None:
    """Raise WeakModel when the model is weak and the spec does not allow it."""
    base = model_section.get("baseline")
    if not base or not base["weak"] or base["allowed"]:
        return
    value = model_section["metrics"]["holdout"][metric.value]
    b = base["holdout"][metric.value]
    what = (f"holdout {metric.value} {value:.4f} is not clearly better than the trivial baseline's {b:.4f} "
            f"({base['kind']}): " + (
                f"the model takes {max(base['gain'], 0):.0%} of the room between the baseline and a perfect score, "
                f"under the {quality.FLOOR_SHARE:.0%} floor" if base["gain"] < quality.FLOOR_SHARE else
                f"its lead is within {quality.NOISE:g} standard errors of its cross-validated {metric.value} "
                f"({quality.NOISE * base['noise']:.4f})"))
    raise WeakModel(f"{what}; {diagnosis(metric, base, leaderboard, targets, frontend)}",
                    hint="raise the binding limit, give more or better data, or write `allow weak` in the spec to "
                         "ship it anyway (its report shows the baseline beside its metric)")


def diagnosis(metric, base: dict, leaderboard, targets, frontend=None) -> str:
    """Why the model is weak, and what to change."""
    b = base["holdout"][metric.value]
    bigger = [c for c in leaderboard if c.metric is not None and math.isfinite(c.metric) and not c.fits
              and c.costs and not quality.is_weak(metric, c.metric, b)]
    if bigger:
        best = max(bigger, key=lambda c: c.metric if GREATER_IS_BETTER[metric] else -c.metric)
        limits = binding(best, targets, frontend)
        return (f"{limits} {'are the binding limits' if ', ' in limits else 'is the binding limit'}: the search reached {metric.value} {best.metric:.4f} (cross-"
                f"validated) with a {best.family} that does not fit ({_needs(best, targets)})")
    blocked = sum(1 for c in leaderboard if c.status == "too big")
    if base["train_gain"] < quality.FLOOR_SHARE:
        return ("too small to learn: the model does no better on its training rows (it takes "
                f"{max(base['train_gain'], 0):.0%} of the room there too), so the inputs as given do not tell the "
                "answer apart at this size"
                + (f"; {blocked} larger candidates did not fit the limits" if blocked else "")
                + "; give it more informative inputs or room to grow")
    return ("overfitting: the model does well on its training rows (it takes "
            f"{base['train_gain']:.0%} of the room there) but not on the holdout; give it more rows, fewer inputs, "
            "or check that the holdout comes from the same source as the training rows")


def binding(cand, targets, frontend=None) -> str:
    """Which limit a candidate exceeds: flash, RAM, the signal window's RAM or latency, per target."""
    names = []
    for t in targets:
        cost = cand.costs.get(t.name)
        if cost is None:
            continue
        over = t.relative_excess(cost)
        for key, amount in sorted(over.items(), key=lambda kv: -kv[1]):
            if amount <= 0:
                continue
            label = {"flash": "flash", "ram": "RAM", "latency": "latency"}[key]
            if key == "ram" and frontend is not None:
                from ..signal.cost import ram_bytes

                window = ram_bytes(frontend)
                if window >= t.ram / 2:
                    label = f"RAM (the signal window takes {window} B of the {t.ram} B)"
            names.append(f"{t.name}'s {label}")
    return ", ".join(dict.fromkeys(names)) or "a limit"


def _needs(cand, targets) -> str:
    return "; ".join(f"{t.name}: {cand.costs[t.name].flash} B flash, {cand.costs[t.name].ram} B RAM "
                     f"(limits {t.flash}, {t.ram})" for t in targets if t.name in cand.costs)
