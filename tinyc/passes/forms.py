"""The forms pass: the fitted model as each target gets it.

The model keeps exactly the features it uses (its signal front end computes only those, and
its cost per target counts both); under ``quantize auto`` a target where the float32 form of the
same model is smaller gets that form (tinyc.passes.quantize decides the forms). The report's
quantization record says what was chosen, what the forms scored, and which target got which
form.
"""
from __future__ import annotations

from dataclasses import replace

from ..budget import with_frontend_costs
from ..models import FAMILY_REGISTRY
from ..spec.ir import Quantization
from .context import BuildContext, Fitted, Formed
from .fit import FitResult
from .quantize import choose, offer, per_target


def run(ctx: BuildContext, fitted: Fitted) -> Formed:
    searched, choice, fit = fitted.quantized.searched, fitted.quantized.choice, fitted.fit
    prep, ds = searched.prepared, searched.ds
    record = {**choice.record, "effective": choice.mode}
    if fit.steps and choice.mode != Quantization.float32:  # float vs quantized of the model actually emitted
        after = choose(fit.float_model, choice.mode, ctx.spec.quantize_tolerance.value, ds.select(fit.columns),
                       ctx.metric)
        record["emitted_comparison"] = after.record["candidates"]
    else:
        record["emitted_comparison"] = [c for c in choice.record["candidates"] if c["mode"] in (Quantization.float32, choice.mode)]
    if prep.sample:  # the report, the holdout and the artifacts cover every row
        ds = prep.every_row(ds)
    dropped = [*searched.unused, *(n for j, n in enumerate(ds.feature_names) if j not in fit.columns)]
    ds = ds.select(fit.columns) if dropped else ds
    targets = prep.declared.targets
    fe = prep.frontend.with_used(ds.feature_names) if prep.frontend is not None else None  # exactly the model's
    if fe is not None:
        fit = with_frontend(fit, fe, targets)
    forms = {t.name: fit.model for t in targets}
    if ctx.spec.quantize.value == Quantization.auto:
        fit, forms = per_target(fit, targets, fe)
    fit, forms, kernels = dense_kernels(fit, forms, targets, fe)
    fit, forms, branches = tree_kernels(fit, forms, targets, fe)
    kernels.update(branches)
    signal = None
    if prep.signal is not None:
        signal = {**prep.signal, "blocks_dropped": list(searched.blocks_dropped),
                  "features_used": list(ds.feature_names),
                  "per_target": {t.name: fit.frontend_costs[t.name] for t in targets}}
    record["per_target"] = {t: m.quant for t, m in forms.items()}
    if kernels:
        record["kernels"] = kernels
    return Formed(fitted, fit, ds, tuple(dropped), forms, record, signal)


def dense_kernels(fit: FitResult, forms: dict, targets, fe=None) -> tuple:
    """The int8 dense kernel per target: the blocked one (tinyc.codegen.c_dense_q: a few
    instructions per multiply-accumulate, more code) where the target's profile prices it, it is
    estimated faster (a layer of fewer than four outputs gains nothing) and the model still fits
    with the estimate's margin; else the compact one the model was sized with.
    Returns the fit with those targets' costs, the forms, and {target: kernel} of an int8 dense model."""
    from ..codegen.c_dense_q import blocked_form, worthwhile
    from ..models.costs import has_blocked_kernel

    def blocked(m, t):
        b = blocked_form(m) if m.kernel and has_blocked_kernel(t.caps) else None
        return b if b is not None and worthwhile(b) else None

    fit = offer(fit, forms, targets, fe, blocked, lambda new, old: new.instructions < old.instructions)
    return fit, forms, {t: m.kernel for t, m in forms.items() if m.kernel}


def tree_kernels(fit: FitResult, forms: dict, targets, fe=None) -> tuple:
    """The kernel of a vote tree (a classification tree or forest) per target: the trees as code
    (tinyc.codegen.c_tree_branches: a few instructions a split, more flash) where the target's
    profile prices it, it is estimated faster and the model still fits with the estimate's margin;
    else the walk over node arrays the model was sized with. Returns the fit with those targets'
    costs, the forms, and {target: "if-else"}."""
    from ..models.tree_cost import IF_ELSE, has_branches
    from ..models.treeutil import vote_payload

    def branches(m, t):
        if vote_payload(m) is None or not has_branches(t.caps, m.quant):
            return None
        return replace(m, tree_kernel=IF_ELSE)

    fit = offer(fit, forms, targets, fe, branches, lambda new, old: new.instructions < old.instructions)
    return fit, forms, {t: m.kernel for t, m in forms.items() if m.kernel == IF_ELSE}


def with_frontend(fit: FitResult, fe, targets) -> FitResult:
    """The fitted model with its front end (computing exactly the model's features) attached,
    and its cost per target: the model's plus that front end's."""
    m = fit.model
    m.frontend = fe
    model_only = {t.name: FAMILY_REGISTRY[m.family].cost(m, t.caps, m.quant) for t in targets}
    costs, fe_costs = with_frontend_costs(model_only, fe, targets, m.family, m.task, m.quant)
    return replace(fit, costs=costs, frontend_costs=fe_costs)
