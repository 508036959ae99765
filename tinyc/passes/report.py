"""The report pass: report.json's content, assembled in this one place for every task from the
stages before it (the sections the model-choosing passes wrote, the targets' estimates against
their limits and the linked sizes, the artifacts)."""
from __future__ import annotations

from .. import __version__
from ..artifacts import REPORT_SCHEMA_VERSION, Report, target_figures
from ..report import figures as how
from .context import BuildContext, Packaged, Reported


def run(ctx: BuildContext, pk: Packaged) -> Reported:
    em = pk.emitted
    ev = em.evaluated
    targets = target_figures(ev.prepared.declared.targets, ev.costs)
    for name, figures in targets.items():
        figures.update(ev.target_notes[name])
        figures.update(em.targets[name])  # the library's files and its linked size
    report = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tinyc_version": __version__,
        "model_name": ctx.name,
        "task": ctx.spec.task.value.value,
        "metric": ctx.metric.value,
        "provenance": {"seed": ctx.seed, "spec_sha256": em.spec_sha256, "data_sha256": em.data_sha256,
                       "model_id": em.provenance[ev.model.quant].model_id},
        "data": ev.prepared.profile,
        "data_checks": ev.prepared.checks,
        **ev.sections,
        "targets": targets,
        "notes": list(em.notes),
        "artifacts": pk.artifacts,
    }
    if ev.signal is not None:
        report["signal"] = ev.signal
    report["figures"] = how.figures(report["task"], ev.signal is not None,
                                    any(t.get("uncalibrated") for t in targets.values()))
    return Reported(pk, Report.model_validate(report))
