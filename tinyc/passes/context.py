"""What the passes of a build share and hand on.

A build is a list of passes (tinyc.passes.pipeline). Each pass has a name and a function
``run(ctx, stage) -> next stage``: it reads the :class:`BuildContext` (the resolved spec, the
output plan, the progress sink, the time the build started) and the stage before it, and
returns a new frozen stage value; no pass changes a value another pass returned. The stages, in
order::

    Prepared    the rows (and a search sample on large data), the profile, the targets
    Searched    the search's result (task anomaly: none, detection chooses the model)
    Quantized   the numeric form chosen for the model
    Fitted      the model shrunk to fit every target (estimated, then against the linker)
    Formed      the form emitted per target, with its front end and its costs
    Evaluated   the model the build emits, scored, with what the report says about it
    Emitted     the libraries in the staging folder, with the provenance of each form
    Packaged    the artifacts beside them (holdout rows, predictions, predict tool, ONNX)
    Reported    report.json's content; the write pass puts the rest of the folder around it
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable


if TYPE_CHECKING:  # the values the stages hold (imported for annotations only: no cycle)
    import numpy as np

    from ..codegen.library import Provenance
    from ..data.prepare import Dataset
    from ..models import Cost, Model
    from ..output import OutputPlan
    from ..spec import Resolved

# The passes' own values (SearchConfig, SearchResult: tinyc.passes.search; Choice: .quantize;
# FitResult: .fit; Sample: .sample) are named in annotations only: the pass modules import this
# one, so it imports none of them.


@dataclass(frozen=True)
class BuildContext:
    resolved: Resolved
    spec_path: Path
    plan: OutputPlan
    progress: Callable[[dict], None] = lambda event: None
    trials: int | None = None  # the command line's --trials (else the spec's, else the default)
    workers: int = 0  # 0: one per core
    started: float = field(default_factory=time.monotonic)
    folder: Path | None = None  # the staging folder, for the passes that write
    storage: str | None = None  # --storage: the search shared through this storage (tinyc.passes.study)
    study: str | None = None  # --study: its name (default: from the spec, data and tinyc version)
    recipe: Any = None  # --from-report/--from-trial: the model rebuilt without a search (tinyc.passes.replay)

    @property
    def spec(self):
        return self.resolved.spec

    @property
    def seed(self) -> int:
        return self.spec.seed.value

    @property
    def metric(self):
        return self.spec.metric.value

    @property
    def name(self) -> str:
        return self.spec.model.value

    def emit(self, event: str, **fields) -> None:
        self.progress({"event": event, **fields})

    def staging(self, folder: Path) -> BuildContext:
        return replace(self, folder=folder)


@dataclass(frozen=True)
class Pass:
    """A named step of the pipeline (the name is what progress and timings show)."""

    name: str
    run: Callable[[BuildContext, Any], Any]

    def __call__(self, ctx: BuildContext, stage):
        t0 = time.monotonic()
        out = self.run(ctx, stage)
        ctx.emit("pass", name=self.name, seconds=round(time.monotonic() - t0, 3))
        return out


@dataclass(frozen=True)
class Prepared:
    ds: Dataset  # the rows model selection sees: on large data a sample of the training rows
    full: Dataset  # every row
    sample: Sample | None
    profile: dict  # the data profile (report.json's "data")
    checks: list  # findings about the data (report.json's "data_checks")
    frontend: Any  # the signal front end computing every candidate feature, or None
    signal: dict | None  # report.json's "signal" section as the data gives it
    declared: SearchConfig  # the spec's search settings and targets
    config: SearchConfig  # the same, its targets holding the front end beside the model

    def every_row(self, ds: Dataset) -> Dataset:
        """Every row (the sample's source on large data), on the features of ``ds``."""
        return self.full.select([self.full.feature_names.index(n) for n in ds.feature_names])


@dataclass(frozen=True)
class Searched:
    prepared: Prepared
    result: SearchResult
    ds: Dataset  # the search's rows, on the features left after the front end's pruning
    unused: tuple[str, ...]  # features dropped with their front-end work, or never split on
    blocks_dropped: tuple[dict, ...]  # the front end's work dropped (report.json's signal section)
    finish_by: float | None = None  # (time.monotonic) when the passes after the search must end
    unselected: tuple[str, ...] = ()  # features the search's selection left out (also in ``unused``)
    read: tuple[str, ...] | None = None  # the features its choice reads, in its order, when it selected some


@dataclass(frozen=True)
class Quantized:
    searched: Searched
    choice: Choice


@dataclass(frozen=True)
class Fitted:
    quantized: Quantized
    fit: FitResult
    sample_record: dict | None  # large data: the refit on every training row


@dataclass(frozen=True)
class Formed:
    fitted: Fitted
    fit: FitResult  # with the front end's costs
    ds: Dataset  # every row, exactly the model's features
    dropped: tuple[str, ...]
    forms: dict  # {target: the model emitted there}
    quantization: dict  # report.json's "quantization"
    signal: dict | None


@dataclass(frozen=True)
class Evaluated:
    """The model the build emits and what the report says about it, whatever the task."""

    prepared: Prepared
    ds: Dataset
    model: Any  # the build's form (a Model, or a detector)
    forms: dict  # {target: the form emitted there}
    costs: dict[str, Cost]
    docs: dict[str, dict]  # {form: artifacts/model[_<form>].json}, the build's form first
    sections: dict  # report.json's sections this model knows: quantization, fitting, search, model, ...
    signal: dict | None
    target_notes: dict[str, dict]  # more per-target fields of report.json
    summary: dict  # manifest.json's "search"
    golden: Any  # the model whose holdout predictions artifacts/holdout_predictions.csv holds
    holdout_pred: np.ndarray | None  # its predictions, when already made
    predict_form: str | None  # the form of artifacts/predict
    float_model: Model | None  # the float form for ONNX (None: the model has none, ``no_onnx`` says why)
    no_onnx: str | None = None
    search: SearchResult | None = None


@dataclass(frozen=True)
class Emitted:
    evaluated: Evaluated
    provenance: dict[str, Provenance]  # per form
    spec_sha256: str
    data_sha256: str
    targets: dict[str, dict]  # {target: {"files": ..., "measured": ...}}
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Packaged:
    emitted: Emitted
    artifacts: dict  # report.json's "artifacts"


@dataclass(frozen=True)
class Reported:
    packaged: Packaged
    report: Any  # tinyc.artifacts.Report
