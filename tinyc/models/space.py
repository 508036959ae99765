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
