"""The search's first candidates: a start portfolio sized to the declared limits.

TPE starts from random draws, and random sizes mostly waste the room a target leaves (a 4-wide
MLP under 4 KB, three trees where twenty fit). Before the sampler draws, every family searched
proposes a few candidates of its own (Family.starts): the widest MLPs that fit every target, as
many trees as the flash holds at a sensible number of leaves each, the usual regularisation. They
are queued in the study in a fixed order (the families' strongest guesses first, so the best so
far is a good bar for pruning early), within what the spec's search block fixed, bounded or
listed, and the sampler learns from them as from any other trial.
"""
from __future__ import annotations

from ..models import FAMILY_REGISTRY, Problem
from ..models.base import Limits

ORDER = ("gbt", "forest", "mlp", "linear", "tree", "centroid")  # the first start of each, in this order


def starts(families, problem: Problem, limits: Limits, fixed: dict, fits, distill: bool = False) -> list[dict]:
    """Optuna parameter dicts ("family" and "<family>.<name>") of the start portfolio;
    ``fits(family, params)``: whether a candidate of known shape fits every target. With
    ``distill``, a family's first start trains on its rows alone and the others on the teacher's
    synthetic rows too (tinyc.models.distill), so cross-validation sees both early."""
    per_family = {}
    for family in families:
        fam = FAMILY_REGISTRY[family]
        rules = fixed.get(family, {})
        proposed = fam.starts(problem, limits, rules, lambda p, f=family: fits(f, p))
        per_family[family] = [_within(family, params, rules) for params in proposed]
    order = [f for f in ORDER if f in per_family] + [f for f in per_family if f not in ORDER]
    queue = []
    for rank in range(max((len(v) for v in per_family.values()), default=0)):
        queue += [{**per_family[f][rank], **({"distill": rank > 0} if distill else {})}
                  for f in order if rank < len(per_family[f])]
    return queue


def _within(family: str, params: dict, rules: dict) -> dict:
    """``params`` as the trial's parameters, within the spec's rules: a fixed value is not a
    parameter of the study, a bounded one is clamped, a listed one must be in the list (else the
    first listed)."""
    out = {"family": family}
    for name, value in params.items():
        rule = rules.get(name)
        if rule is not None and rule[0] == "fixed":
            continue
        if rule is not None and rule[0] == "range":
            if rule[1] == rule[2]:
                continue
            value = type(value)(min(max(value, rule[1]), rule[2]))
        if rule is not None and rule[0] == "choice" and value not in rule[1]:
            value = list(rule[1])[0]
        out[f"{family}.{name}"] = value
    return out
