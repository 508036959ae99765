"""The build: a list of passes, run in order over the values of tinyc.passes.context.

Every task loads its data the same way and writes the same output folder; what differs is how
the model is chosen: classification and regression search, quantize and fit to the targets;
``task anomaly`` detects (search, calibration and evaluation of a detector in one pass). The
passes that write run in a staging folder that replaces the output folder only when all of
them have succeeded, so a failed build leaves no half-written output.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..artifacts import as_json
from ..errors import BuildError
from ..output import atomic_dir, claim
from ..spec import Resolved
from ..spec.ir import Task
from . import anomaly, choose, evaluate, fit, floor, forms, linked, load, quantize, report, sample, write
from .context import BuildContext, Pass

CHOOSE_MODEL = (
    Pass("search", choose.run),  # candidates trained and costed; beside a front end, its work pruned
    Pass("quantize", quantize.run),  # float32, int16 or int8
    Pass("fit", fit.run),  # shrunk until its estimate fits every target
    Pass("refit", sample.run),  # large data: trained again on every training row
    Pass("linked", linked.run),  # ... and its linked size, where the estimate comes close
    Pass("forms", forms.run),  # the form per target, with the front end computing its features
    Pass("evaluate", evaluate.run),  # scored on the training rows and the holdout
    Pass("floor", floor.run),  # clearly better than the trivial baseline, or the spec allows it
)
CHOOSE_DETECTOR = (
    Pass("detect", anomaly.run),  # detectors costed, ranked, calibrated and evaluated
)
OUTPUT = (
    Pass("emit", write.emit),  # a library per target
    Pass("check-linked", linked.check),  # none links to more flash than its target allows
    Pass("artifacts", write.artifacts),  # holdout rows and predictions, predict tool, ONNX
    Pass("report", report.run),  # report.json's content
    Pass("write", write.write),  # README, reports, golden models, manifest
)


def passes(task: Task) -> tuple[tuple[Pass, ...], tuple[Pass, ...]]:
    """The passes of a build of ``task``: those that choose the model, then those that write."""
    choose_model = CHOOSE_DETECTOR if task == Task.anomaly else CHOOSE_MODEL
    return (Pass("load", load.run), *choose_model), OUTPUT


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    dataset: object  # the rows and columns the emitted model uses (tinyc.data.prepare.Dataset)
    search: object  # the search's result (None for an anomaly detector: see report["search"])
    report: dict
    model: object = None  # the emitted model (after quantization and fitting)


def build(r: Resolved, spec_path: Path, out_dir: Path, on_event: Callable[[dict], None] | None = None,
          trials: int | None = None, workers: int = 0, force: bool = False,
          started: float | None = None, storage: str | None = None, study: str | None = None,
          recipe=None) -> BuildResult:
    """Run the pipeline for a resolved spec and write ``out_dir`` atomically.
    Raises OutputError (before any work) when ``out_dir`` is not tinyc's to write (see
    tinyc.output.claim; ``force`` keeps user files in an earlier build's folder), DataError
    for unusable data and a BuildError (tinyc.errors) when no model fits. ``started``
    (time.monotonic()): when the budget's time began (the command line passes its process's
    start, so that start-up counts; default: now). ``storage``/``study``: the search is shared
    with `tinyc worker` processes through this storage (tinyc.passes.study). ``recipe``: the model
    rebuilt without a search (tinyc.passes.replay.Recipe; its check() first)."""
    if storage is not None and r.spec.task.value == Task.anomaly:
        raise BuildError("--storage: task anomaly chooses its detector in one process; there is no search to share")
    if recipe is not None and r.spec.task.value == Task.anomaly:
        raise BuildError("task anomaly chooses its detector without trials: there is no model to rebuild from",
                         hint="rebuild it with `tinyc build SPEC` (the same spec, data and seed)")
    plan = claim(out_dir, (spec_path, r.data_path, r.holdout_path), force)
    ctx = BuildContext(r, spec_path, plan, on_event or (lambda e: None), trials, workers,
                       **({"started": started} if started is not None else {}), storage=storage, study=study,
                       recipe=recipe)
    choosing, writing = passes(r.spec.task.value)
    stage = None
    for p in choosing:
        stage = p(ctx, stage)
    evaluated = stage
    with atomic_dir(plan) as folder:
        staged = ctx.staging(folder)
        for p in writing:
            stage = p(staged, stage)
    search = stage.report.search
    if storage is not None and "study" in search:  # `--from-trial URL#N` of the trial it shipped rebuilds it
        from .study import keep_recipe

        keep_recipe(storage, search["study"]["name"], search["replay"])
    return BuildResult(out_dir, evaluated.ds, evaluated.search, as_json(stage.report), evaluated.model)
