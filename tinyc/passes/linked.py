"""The linked-size pass: the cost model's flash estimate is within ~10% of the linker (or 256 B
for small models); where an estimate comes that close to a limit, the library is emitted into a
scratch folder and linked, and if it is over the limit the model is shrunk again against a
limit tightened by the estimate's error (up to three rounds). After the emit pass, the
check-linked pass compares every library's linked size with its limit once more."""
from __future__ import annotations

from dataclasses import replace

from .. import __version__
from ..budget import shared_frontend
from ..codegen.library import Provenance
from ..errors import BuildError
from .context import BuildContext, Emitted, Fitted
from .fit import DoesNotFit, fit_memory

ROUNDS = 3


def run(ctx: BuildContext, fitted: Fitted) -> Fitted:
    from . import emit

    searched = fitted.quantized.searched
    ds, mode, fit = searched.ds, fitted.quantized.choice.mode, fitted.fit
    declared = {t.name: t for t in searched.prepared.config.targets}
    targets = tuple(declared.values())
    fe = shared_frontend(targets)
    for _ in range(ROUNDS):
        near = {n: c for n, c in fit.costs.items() if declared[n].may_exceed(c.flash)}
        if not near:
            break
        prov = Provenance(__version__, "fit", "0" * 64, "0" * 64, "fit")
        kept = ds.select(fit.columns)
        model = fit.model if fe is None else replace(fit.model, frontend=fe.with_used(kept.feature_names))
        over = {n: f for n, f in emit.measured_flash(model, kept, ctx.name, prov, near).items()
                if declared[n].over_flash(f)}
        if not over:
            break
        # the estimate this library would need to link within the declared limit, at its
        # estimate-to-linked ratio (never loosening an earlier round's)
        targets = tuple(t.tightened(declared[t.name].estimate_within(fit.costs[t.name].flash, over[t.name]))
                        if t.name in over else t for t in targets)
        try:
            more = fit_memory(fit.float_model, fit.params, mode, ds, targets, ctx.metric,
                              searched.result.best_candidate.seed,
                              on_step=lambda st: ctx.emit("shrink", **st), columns=fit.columns,
                              first_step=len(fit.steps) + 1, build_seed=ctx.seed)
        except DoesNotFit as e:
            name, linked = next(iter(over.items()))
            raise DoesNotFit(f"{name}: the linked library takes {linked} B of flash, over the {declared[name].flash} B "
                             f"limit, and no smaller model was found ({e})") from None
        for st in more.steps:
            st["why"] = "linked size over the limit"
            st["action"] += "; the linked size was over the limit"
        fit = replace(more, steps=fit.steps + more.steps, costs=more.costs)
    return replace(fitted, fit=fit)


def check(ctx: BuildContext, emitted: Emitted) -> Emitted:
    """The check-linked pass: no emitted library links to more flash than its target allows (the
    passes before tighten until this cannot happen; if it does, the cost model has a bug)."""
    costs = emitted.evaluated.costs
    for t in emitted.evaluated.prepared.declared.targets:
        linked = emitted.targets[t.name]["measured"].get("flash")
        if t.over_flash(linked):
            raise BuildError(f"{t.name}: the linked library takes {linked} B of flash, over the {t.flash} B "
                             f"limit (estimate {costs[t.name].flash} B); a tinyc cost-model bug")
    return emitted
