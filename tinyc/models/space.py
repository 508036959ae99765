"""The search space of a family: one hyperparameter drawn from the sampler, within what the
spec's ``search`` block fixed, bounded or listed."""
from __future__ import annotations


def suggest(trial, fixed: dict, family: str, name: str, kind: str, low, high, log: bool = False, choices=None):
    """Draw one hyperparameter, honouring what the spec fixed or bounded.

    ``fixed[name]`` is ("fixed", v), ("range", lo, hi) or ("choice", [v...])."""
    key = f"{family}.{name}"
    rule = fixed.get(name)
    if rule is not None:
        if rule[0] == "fixed":
            return rule[1]
        if rule[0] == "choice":
            return trial.suggest_categorical(key, list(rule[1]))
        low, high = rule[1], rule[2]
        if low == high:
            return low
    if kind == "int":
        return trial.suggest_int(key, int(low), int(high), log=log)
    if kind == "float":
        return trial.suggest_float(key, float(low), float(high), log=log)
    return trial.suggest_categorical(key, list(choices))


def upper(fixed: dict, name: str, high):
    """How large the growth pass may make a hyperparameter: the spec's bound, the search space's
    ``high`` when the spec says nothing, or None when the spec fixed it or listed its values."""
    rule = fixed.get(name)
    if rule is None:
        return high
    return rule[2] if rule[0] == "range" else None


def grown(value: int, high, factor: float = 1.5) -> int | None:
    """``value`` grown by ``factor`` (at least by one), up to ``high``; None when it cannot grow."""
    if high is None or value >= high:
        return None
    return int(min(high, max(value + 1, round(value * factor))))
