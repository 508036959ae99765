"""The build pipeline: spec → checked spec → data → search → output folder.

The one place that strings the passes together. Quantization, memory fitting
and the backends plug in after the search.
"""
from __future__ import annotations

import hashlib
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .. import __version__
from .. import targets as target_registry
from ..artifacts import MANIFEST_SCHEMA_VERSION, REPORT_SCHEMA_VERSION, target_figures
from ..data.checks import dataset_checks, distrust, table_findings
from ..data.header import DataError
from ..data.load import Table, load_table
from ..data.prepare import Dataset, cv_folds, prepare
from ..data.profile import profile
from ..errors import TinycError
from ..metrics import GREATER_IS_BETTER
from ..models import Model, Problem
from ..output import OutputPlan, atomic_dir, claim, write_json, written_files
from ..spec import Resolved
from ..spec.ir import IR_VERSION, ParamValue, Task, to_json
from ..spec.vocab import FAMILIES
from ..codegen.library import Provenance
from .emit import (LICENSE_TEXT, build_predict_tool, emit_all, output_readme, package_notes, write_holdout,
                   write_predictions)
from .evaluate import evaluate_model, explain_gap, permutation_importance
from .fit import DoesNotFit, FitResult, fit_memory
from .quantize import QuantizationFailed, choose
from .sample import (evaluation_seconds, link_allowance, refit_on_all_rows, search_budget, search_sample,
                     small_search_budget)
from .search import DEFAULT_TRIALS, SearchConfig, SearchResult, TargetBudget, search, shared_frontend


class BuildError(TinycError):
    """The build cannot go on; the message says why in one line."""

    code = "E0501"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    dataset: Dataset  # the columns the emitted model uses
    search: SearchResult | None  # None for an anomaly detector (see report["search"])
    report: dict
    model: Model | None = None  # the emitted model (after quantization and fitting)


def overlap_warning(ds: Dataset) -> str:
    return (f"{ds.holdout_overlap} of the {len(ds.y_holdout)} holdout rows are also training rows (rows the data "
            f"holds twice, or a holdout file sharing rows), so the holdout score is optimistic")


def load_data(r: Resolved) -> tuple[Table, Table | None]:
    d = r.spec.data
    label = d.label.value if d.label else None
    ignore = {x.value for x in d.ignore}
    group = d.group.value if d.group else None
    train = load_table(r.data_path, label, ignore, r.csv, group=group)
    holdout = None
    if r.holdout_path is not None:
        if r.holdout_path.resolve() == r.data_path.resolve():
            raise DataError(f"{r.holdout_path}: the holdout file is the training file; a holdout must hold rows "
                            f"the model never saw: name another file, or a percentage (holdout 20%)")
        holdout = load_table(r.holdout_path, label, ignore, feature_names=train.feature_names, group=group)
    if r.spec.task.value == Task.classification:
        classes = np.unique(train.y_raw).tolist()
        if len(classes) < 2:
            raise DataError(f"{r.data_path}: label column '{label}' has a single class ('{classes[0]}'); "
                            f"classification needs at least two")
    return train, holdout


def _rule(v: ParamValue) -> tuple:
    vals = [s.value for s in v.values]
    if v.kind == "fixed":
        return ("fixed", vals[0])
    if v.kind == "range":
        return ("range", vals[0], vals[1])
    return ("choice", vals)


def search_config(r: Resolved, trials: int | None = None, workers: int = 0) -> SearchConfig:
    from ..models import FAMILY_REGISTRY

    s = r.spec
    task = s.task.value
    quant = s.quantize.value.value
    families = tuple(f for f, spec in FAMILIES.items() if task in spec.tasks)
    fixed: dict[str, dict[str, tuple]] = {}
    max_trials = DEFAULT_TRIALS
    if s.search is not None:
        if s.search.families is not None:
            families = tuple(f.value for f in s.search.families)
        for cfg in s.search.configs:
            fixed[cfg.family.value] = {p.name.value: _rule(p.value) for p in cfg.params}
        if s.search.trials is not None:
            max_trials = s.search.trials.value
    if quant in ("int8", "int16") and task != Task.anomaly:  # families without an integer form cannot be emitted in this mode
        integer = tuple(f for f in families if FAMILY_REGISTRY[f].int_code_bytes is not None)
        if not integer:
            raise BuildError(f"quantize {quant}: none of the families searched ({', '.join(families)}) has an "
                             f"integer form; add one of linear, tree, forest, gbt, mlp or use quantize auto")
        families = integer
    budgets = tuple(TargetBudget(t.name.value, target_registry.get(t.name.value).caps, int(t.flash.value),
                                 int(t.ram.value), clock_hz=t.clock.value if t.clock is not None else None)
                    for t in s.targets)
    return SearchConfig(metric=s.metric.value, budget_s=s.budget.value, seed=s.seed.value,
                        quant=quant, families=families, fixed=fixed, targets=budgets,
                        max_trials=trials or max_trials, workers=workers)


def _model_json(model, ds: Dataset) -> dict:
    from dataclasses import asdict

    fe = {"frontend": asdict(model.frontend)} if getattr(model, "frontend", None) is not None else {}
    return {**fe,
        "family": model.family, "task": model.task.value, "params": model.params,
        "features": list(ds.feature_names), "classes": list(ds.classes), "qinfo": model.qinfo,
        "arrays": {k: {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.ravel().tolist()}
                   for k, v in sorted(model.arrays.items())},
    }


def _report(r: Resolved, ds: Dataset, prof: dict, res: SearchResult, cfg: SearchConfig, fit: FitResult,
            quantization: dict, dropped: list[str]) -> tuple[dict, np.ndarray]:
    """The report of a build, and the emitted model's predictions of the holdout rows."""
    s = r.spec
    model = fit.model
    scores = evaluate_model(model, ds, s.seed.value)
    holdout_pred = scores.pop("holdout_pred")
    seen = np.concatenate([scores.pop("train_pred"), holdout_pred])
    metric = s.metric.value.value
    train_m, hold_m = scores["train"][metric], scores["holdout"][metric]
    gap = explain_gap(metric, train_m, hold_m, GREATER_IS_BETTER[s.metric.value])
    constant = is_constant(model, ds, seen)
    if constant:
        what = "class" if s.task.value == Task.classification else "value"
        gap = (f"the model predicts the same {what} for every row (a constant): the limits leave no room for a "
               f"useful model of these features; raise the flash/RAM limits, or give it more training rows")
    if ds.holdout_overlap:
        gap = f"{overlap_warning(ds)}; {gap}"
    gap = distrust(prof.get("data_checks", [])) or gap  # a leaky-looking result is never praised
    targets = target_figures(cfg.targets, fit.costs)
    report = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tinyc_version": __version__,
        "model_name": s.model.value,
        "task": s.task.value.value,
        "metric": metric,
        "provenance": {"seed": s.seed.value},
        "quantization": quantization,
        "fitting": {"steps": fit.steps, "first_choice_fit": not fit.steps and res.best_candidate.fits,
                    "features_kept": len(fit.columns), "features_dropped": dropped},
        "data": prof,
        "search": {
            "budget_s": cfg.budget_s, "elapsed_s": round(res.elapsed, 3), "stopped_by": res.stopped_by,
            "max_trials": cfg.max_trials, "folds": res.folds, "families": list(cfg.families),
            "leaderboard": [c.row() for c in res.leaderboard],
            "history": [{"elapsed": round(t, 4), "best": v} for t, v in res.history],
        },
        "model": {
            "family": model.family, "params": fit.params, "description": model.size_summary(),
            "quantization": model.quant,
            "validation_metric": res.best_candidate.metric,
            "chosen_trial": res.best_candidate.trial,
            "importance": permutation_importance(model, ds, s.metric.value, s.seed.value),
            "metrics": {"train": scores["train"], "holdout": scores["holdout"]},
            "gap_explanation": gap,
            "constant": constant,
            **{k: v for k, v in scores.items() if k not in ("train", "holdout")},
        },
        "targets": targets,
    }
    return report, holdout_pred


def is_constant(model, ds: Dataset, seen: np.ndarray | None = None) -> bool:
    """Whether the model gives every training and holdout row the same prediction (``seen``:
    predictions already made on some of them, which settle it when they differ)."""
    if seen is not None and len(seen) > 1 and not np.all(seen == seen[0]):
        return False
    X = np.concatenate([ds.X_train, ds.X_holdout]) if len(ds.X_holdout) else ds.X_train
    pred = model.predict(X)
    return bool(len(pred) > 1 and np.all(pred == pred[0]))


def _first_choice(e, cfg: SearchConfig, X, y, problem: Problem, seed: int) -> SearchResult:
    """When no candidate fits, the one closest to fitting, trained on all training rows,
    is handed to the memory-fitting pass."""
    from ..models import FAMILY_REGISTRY

    cand = e.closest(cfg.targets)
    if cand is None:
        raise BuildError(str(e))
    try:
        model = FAMILY_REGISTRY[cand.family].fit(cand.params, X, y, problem, seed)
    except Exception:
        raise BuildError(str(e)) from None
    return SearchResult(model, cand, e.board, [], e.stopped_by, e.elapsed, e.folds)


MEASURE_FROM = 0.85  # estimates above this share of a limit are checked against the linked size
MEASURE_WITHIN = 256  # ... and those within this many bytes of it (small models: the error is bounded in bytes)


def may_exceed(estimate: int, limit: int) -> bool:
    """Whether a library estimated at ``estimate`` bytes may link to more than ``limit``: the
    cost model is within 10% of the linker, or 256 B for small models (tested)."""
    return estimate >= min(MEASURE_FROM * limit, limit - MEASURE_WITHIN)


def _fit_linked(fit: FitResult, mode: str, ds: Dataset, r: Resolved, cfg: SearchConfig, emit) -> FitResult:
    """The estimate is within ~10% of the linked size; where it is close to a limit,
    link the library and, if it is over, shrink again against a limit tightened by
    the estimate's error (up to three times)."""
    from dataclasses import replace

    from .emit import measured_flash

    s = r.spec
    limits = {t.name: t.flash for t in cfg.targets}
    targets = cfg.targets
    fe = shared_frontend(targets)
    for _ in range(3):
        near = {n: c for n, c in fit.costs.items() if may_exceed(c.flash, limits[n])}
        if not near:
            return fit
        prov = Provenance(__version__, "fit", "0" * 64, "0" * 64, "fit")
        kept = ds.select(fit.columns)
        model = fit.model if fe is None else replace(fit.model, frontend=fe.with_used(kept.feature_names))
        over = {n: f for n, f in measured_flash(model, kept, s.model.value, prov, near).items() if f > limits[n]}
        if not over:
            return fit
        # the estimate this library would need to link within the declared limit, at its
        # estimate-to-linked ratio (never loosening an earlier round's)
        targets = tuple(replace(t, flash=min(t.flash, int(limits[t.name] * fit.costs[t.name].flash
                                                          / over[t.name]) - 1))
                        if t.name in over else t for t in targets)
        try:
            more = fit_memory(fit.float_model, fit.params, mode, ds, targets, s.metric.value, s.seed.value,
                              on_step=lambda st: emit({"event": "shrink", **st}), columns=fit.columns,
                              first_step=len(fit.steps) + 1)
        except DoesNotFit as e:
            name, linked = next(iter(over.items()))
            raise BuildError(f"{name}: the linked library takes {linked} B of flash, over the {limits[name]} B "
                             f"limit, and no smaller model was found ({e})") from None
        for st in more.steps:
            st["why"] = "linked size over the limit"
            st["action"] += "; the linked size was over the limit"
        fit = replace(more, steps=fit.steps + more.steps,
                      costs=more.costs)
    return fit


def _flash_per_target(cfg: SearchConfig, names):
    """{target: estimated flash} of a model form (float or integer) on features ``names``, for
    quantize auto; with a signal front end, of both (on a core without FPU a float model shares
    the soft-float routines the front end needs, an integer one does not)."""
    from ..models import FAMILY_REGISTRY

    def size_of(model) -> dict[str, int]:
        fam = FAMILY_REGISTRY[model.family]
        return {t.name: t.charge(fam.cost(model, t.caps, model.quant), model.family, model.task, model.quant,
                                 names).flash for t in cfg.targets}

    return size_of


def quantize_and_fit(res: SearchResult, ds: Dataset, r: Resolved, cfg: SearchConfig,
                     on_event: Callable[[dict], None] | None = None,
                     refit: Callable[[FitResult, str], FitResult] | None = None) -> tuple[FitResult, dict]:
    """The quantization pass then the memory-fitting pass; returns the fitted model and
    the quantization record of the report. A signal front end on ``cfg``'s targets counts
    in every size (choosing the form, fitting, the linked check). ``refit``: large data, where
    ``ds`` is a sample: trains the fitted model again on every training row before the linked
    check (tinyc.passes.sample)."""
    s = r.spec
    metric = s.metric.value
    try:
        choice = choose(res.best, s.quantize.value.value, s.quantize_tolerance.value, ds, metric,
                        size_of=_flash_per_target(cfg, list(ds.feature_names)))
    except QuantizationFailed as e:
        raise BuildError(str(e)) from None
    emit = on_event or (lambda e: None)
    emit({"event": "quantize", "requested": choice.record["requested"], "chosen": choice.mode,
          "candidates": choice.record["candidates"]})
    try:
        fit = fit_memory(res.best, res.best_candidate.params, choice.mode, ds, cfg.targets, metric, s.seed.value,
                         on_step=lambda st: emit({"event": "shrink", **st}))
    except DoesNotFit as e:
        raise BuildError(str(e)) from None
    if refit is not None:
        fit = refit(fit, choice.mode)
    fit = _fit_linked(fit, choice.mode, ds, r, cfg, emit)
    record = {**choice.record, "effective": choice.mode}
    if fit.steps and choice.mode != "float32":  # float vs quantized of the model actually emitted
        after = choose(fit.float_model, choice.mode, s.quantize_tolerance.value, ds.select(fit.columns), metric)
        record["emitted_comparison"] = after.record["candidates"]
    else:
        record["emitted_comparison"] = [c for c in choice.record["candidates"] if c["mode"] in ("float32", choice.mode)]
    return fit, record


def float_where_smaller(fit: FitResult, targets, fe=None) -> tuple[FitResult, dict[str, Model]]:
    """``quantize auto`` per target: the integer form was chosen for the largest target, but
    on a core where the float32 form of the same fitted model is smaller (an FPU makes float
    arithmetic cheap; the integer form adds its input encoder) and fits with the estimate's
    margin, that target gets float32 — exact, so no accuracy is traded for it. Returns the fit
    with those targets' costs and the model emitted per target."""
    from dataclasses import replace

    from ..models import FAMILY_REGISTRY

    forms = {t.name: fit.model for t in targets}
    if fit.model.quant == "float32":
        return fit, forms
    fam = FAMILY_REGISTRY[fit.model.family]
    float_model = fit.float_model
    float_model.frontend = getattr(fit.model, "frontend", None)
    costs, fe_costs = dict(fit.costs), dict(fit.frontend_costs)
    for t in targets:
        c = {t.name: fam.cost(float_model, t.caps, "float32")}
        f = None
        if fe is not None:
            from .frontend import add_frontend_costs

            c, f = add_frontend_costs(c, fe, (t,), float_model.family, float_model.task, "float32")
        c = c[t.name]
        if c.flash < costs[t.name].flash and not may_exceed(c.flash, t.flash) and c.ram <= t.ram:
            forms[t.name], costs[t.name] = float_model, c
            if f is not None:
                fe_costs[t.name] = f[t.name]
    return replace(fit, costs=costs, frontend_costs=fe_costs), forms


def dataset(r: Resolved):
    """The training and holdout rows of a spec, and its data profile: the CSV's rows, or the
    window features of a signal block. Returns (dataset, profile, front end or None, the report's
    signal section or None)."""
    s = r.spec
    if s.signal is not None:
        from .frontend import signal_dataset

        ds, fe, signal_report, prof = signal_dataset(r)
        return ds, prof, fe, signal_report
    train, holdout = load_data(r)
    findings = table_findings(train.feature_names, train.X)  # ids and counters among the features, in file order
    percent = s.data.holdout.percent.value if s.data.holdout.percent is not None else None
    label = s.data.label.value if s.data.label else None
    normal = tuple(x.value for x in s.data.normal) if s.data.normal else None
    ds = prepare(s.task.value, label, train, holdout, percent, s.data.missing.value, s.seed.value, normal)
    n_cols = len(r.csv.columns) if r.csv else len(train.feature_names) + (1 if label else 0)
    prof = profile(ds, train.rows + (holdout.rows if holdout else 0), n_cols,
                   int(train.X.nbytes + (holdout.X.nbytes if holdout else 0)))
    group = s.data.group.value if s.data.group is not None else None
    if group is not None:
        prof["group"] = {"column": group, "train_groups": ds.group_counts[0], "holdout_groups": ds.group_counts[1]}
    prof["data_checks"] = dataset_checks(findings, ds, group, holdout is not None, s.metric.value.value, s.seed.value)
    return ds, prof, None, None


def model_targets(cfg: SearchConfig, fe, ds: Dataset) -> SearchConfig:
    """The targets as the search and fitting see them: holding a signal front end beside the model."""
    if fe is None:
        return cfg
    from .frontend import FrontEndError, share_targets

    try:
        return share_targets(cfg, fe.with_used(ds.feature_names))
    except FrontEndError as e:
        raise BuildError(str(e)) from None


def build(r: Resolved, spec_path: Path, out_dir: Path, on_event: Callable[[dict], None] | None = None,
          trials: int | None = None, workers: int = 0, force: bool = False) -> BuildResult:
    """Run the pipeline for a resolved spec and write ``out_dir`` atomically.
    Raises OutputError (before any work) when ``out_dir`` is not tinyc's to write (see
    tinyc.output.claim; ``force`` keeps user files in an earlier build's folder), DataError
    for unusable data and BuildError when no model fits."""
    from .search import NothingFits

    s = r.spec
    plan = claim(out_dir, (spec_path, r.data_path, r.holdout_path), force)
    if s.task.value == Task.anomaly:
        return build_anomaly(r, spec_path, plan, on_event)
    started = time.monotonic()
    ds, prof, fe, signal_report = dataset(r)
    holdout = s.data.holdout.percent
    cv_folds(ds.y_train, s.task.value == Task.classification, ds.classes,  # too few rows: said in tinyc's words
             f"holdout {holdout.text}" if holdout is not None else "")
    full_cfg = search_config(r, trials, workers)
    sample = search_sample(ds, s.seed.value)  # large data: model selection on a sample of the training rows
    full, ds = ds, (sample.ds if sample else ds)
    cfg = model_targets(full_cfg, fe, ds)
    # the budget is the whole build's: the search gets what loading left less the time to write the
    # output (and, on large data, to refit and evaluate the chosen model); linking is the allowance beyond
    spent = time.monotonic() - started
    if sample:
        search_cfg = replace(cfg, budget_s=search_budget(cfg.budget_s, spent, len(full.y_train) + len(full.y_holdout)),
                             finish_by=started + cfg.budget_s, keep_for=lambda m: evaluation_seconds(m, full))
    else:
        search_cfg = replace(cfg, budget_s=small_search_budget(cfg.budget_s, spent))
    (on_event or (lambda e: None))({"event": "budget", "budget": cfg.budget_s, "loading": round(spent, 3),
                                    "search": round(search_cfg.budget_s, 3),
                                    "link_allowance": round(link_allowance(cfg.targets), 3)})
    problem = Problem(s.task.value, len(ds.feature_names), ds.n_classes)
    y = ds.y_train if s.task.value == Task.classification else ds.y_train.astype(np.float64)
    try:
        res = search(ds.X_train, y, problem, search_cfg, on_event, ds.groups_train)
    except NothingFits as e:
        res = _first_choice(e, cfg, ds.X_train, y, problem, s.seed.value)
    unused: list[str] = []
    if fe is not None:  # front-end work that does not pay for itself, then features no tree splits on
        from .frontend import drop_unsplit_features, prune_blocks

        res, ds, blocks = prune_blocks(res, ds, fe, cfg, s.metric.value, s.quantize_tolerance.value,
                                       on_step=lambda st: (on_event or (lambda e: None))({"event": "block", **st}))
        signal_report["blocks_dropped"] = blocks
        unused = [f for b in blocks for f in b["features"]]
        res, ds, unsplit = drop_unsplit_features(res, ds)
        unused += unsplit
    refit, sample_record = None, None
    if sample:  # the chosen model on every training row, in the time the budget leaves
        full = full.select([full.feature_names.index(n) for n in ds.feature_names])
        sampled = ds

        def refit(fit, mode):
            nonlocal sample_record
            fit, sample_record = refit_on_all_rows(fit, full, sampled, mode, cfg.targets, s.metric.value,
                                                   s.seed.value, started + cfg.budget_s)
            return fit
    fit, quantization = quantize_and_fit(res, ds, r, cfg, on_event, refit)
    if sample:  # the report, the holdout and the artifacts cover every row
        ds = full
    dropped = unused + [n for j, n in enumerate(ds.feature_names) if j not in fit.columns]
    ds = ds.select(fit.columns) if dropped else ds
    model = fit.model
    used_fe = fe.with_used(ds.feature_names) if fe is not None else None  # exactly the features the model uses
    if used_fe is not None:
        from .frontend import with_frontend

        fit = with_frontend(fit, used_fe, full_cfg)
    forms = {t.name: model for t in full_cfg.targets}
    if s.quantize.value.value == "auto":
        fit, forms = float_where_smaller(fit, full_cfg.targets, used_fe)
    if fe is not None:
        signal_report["features_used"] = list(ds.feature_names)
        signal_report["per_target"] = {t.name: fit.frontend_costs[t.name] for t in full_cfg.targets}
    quantization["per_target"] = {t: m.quant for t, m in forms.items()}
    report, holdout_pred = _report(r, ds, prof, res, full_cfg, fit, quantization, dropped)
    report["search"]["sample"] = sample_record
    report["data_checks"] = report["data"].pop("data_checks", [])
    for t, m in forms.items():
        report["targets"][t]["quantization"] = m.quant
    if signal_report is not None:
        report["signal"] = signal_report
    spec_sha, data_sha = sha256_file(spec_path), sha256_file(r.data_path)
    # per form emitted: its golden model (artifacts/model.json, model_<form>.json) and provenance
    docs = {q: _model_json(m, ds) for q, m in {m.quant: m for m in (model, *forms.values())}.items()}
    provs = {q: Provenance(__version__, spec_path.name, spec_sha, data_sha,
                           hashlib.sha256(json_bytes(d)).hexdigest()[:16]) for q, d in docs.items()}
    model_doc, prov = docs[model.quant], provs[model.quant]
    report["provenance"].update({"spec_sha256": spec_sha, "data_sha256": data_sha, "model_id": prov.model_id})
    onnx = lambda tmp: _write_onnx(fit.float_model, fit.model.quant, ds, s.model.value, tmp)  # noqa: E731
    _write_build(r, spec_path, plan, model, ds, report, model_doc, prov, fit.costs, onnx,
                 {"stopped_by": res.stopped_by, "trials": len(res.leaderboard)}, holdout_pred=holdout_pred,
                 per_target={t: (m, provs[m.quant]) for t, m in forms.items()},
                 other_docs={q: d for q, d in docs.items() if q != model.quant})
    return BuildResult(out_dir, ds, res, report, model)


def build_anomaly(r: Resolved, spec_path: Path, plan: OutputPlan,
                  on_event: Callable[[dict], None] | None = None) -> BuildResult:
    """task anomaly: the detector pass (tinyc.passes.detect) in place of search,
    quantization and fitting; the same output folder."""
    from .detect import DetectError, anomaly_report, detect

    s = r.spec
    out_dir = plan.final
    ds, prof, fe, signal_report = dataset(r)
    full_cfg = search_config(r)
    cfg = model_targets(full_cfg, fe, ds)
    learn = s.learn.value
    rate = s.false_alarms.value / 100 if s.false_alarms is not None else None
    metric = s.metric.value.value
    try:
        found = detect(ds.X_train, ds.y_train, cfg.targets, metric, learn, rate, cfg.families, cfg.fixed,
                       s.seed.value, cfg.budget_s, on_event)
    except DetectError as e:
        raise BuildError(str(e)) from None
    det, ev = found.detector, found.evaluated
    if fe is not None:  # the library computes the features from pushed samples
        from .frontend import add_frontend_costs

        det.frontend = ev.frontend = fe.with_used(ds.feature_names)
        found.chosen.costs, fe_costs = add_frontend_costs(found.chosen.costs, det.frontend, full_cfg.targets,
                                                          det.family)
        signal_report["features_used"] = list(ds.feature_names)
        signal_report["per_target"] = fe_costs
        signal_report["blocks_dropped"] = []
    report = anomaly_report(found, ds, full_cfg, prof, s.model.value, s.seed.value, s.quantize.value.value,
                            learn.value, rate, metric)
    report["data_checks"] = (report.get("data") or {}).pop("data_checks", [])
    if signal_report is not None:
        report["signal"] = signal_report
    from dataclasses import asdict

    model_doc = {"family": det.family, "task": "anomaly", "params": det.params, "features": list(ds.feature_names),
                 "classes": list(ds.classes), "detector": det.to_json(), "evaluated": ev.to_json(),
                 **({"frontend": asdict(det.frontend)} if fe is not None else {})}
    model_id = hashlib.sha256(json_bytes(model_doc)).hexdigest()[:16]
    spec_sha, data_sha = sha256_file(spec_path), sha256_file(r.data_path)
    prov = Provenance(__version__, spec_path.name, spec_sha, data_sha, model_id)
    report["provenance"].update({"spec_sha256": spec_sha, "data_sha256": data_sha, "model_id": model_id})
    no_onnx = lambda tmp: {"onnx": None, "onnx_note": "anomaly detectors have no ONNX form"}  # noqa: E731
    _write_build(r, spec_path, plan, det, ds, report, model_doc, prov, found.chosen.costs, no_onnx,
                 {"stopped_by": found.stopped_by, "trials": len(found.trials)}, golden=ev)
    return BuildResult(out_dir, ds, None, report, det)


def _write_build(r: Resolved, spec_path: Path, plan: OutputPlan, model, ds: Dataset, report: dict, model_doc: dict,
                 prov: Provenance, costs: dict, extra_artifacts, search_summary: dict, golden=None,
                 holdout_pred: np.ndarray | None = None,
                 per_target: dict | None = None, other_docs: dict | None = None) -> None:
    """The output folder, written atomically: a library per target, the predict
    tool, the holdout rows and predictions (of ``golden``, by default the emitted
    model), reports, model.json and the manifest. ``per_target``: {target: (model,
    provenance)} where a target gets another form of the model than ``model``, whose golden
    models go into artifacts/model_<form>.json (``other_docs``: {form: doc})."""
    s = r.spec
    spec_sha, data_sha = prov.spec_sha256, prov.data_sha256
    # artifacts/predict is the host target's library when the spec has one (its form may be
    # float32 where the build's is integer): holdout_predictions.csv is that form's
    host = (per_target or {}).get("host", (model, prov))[0] if "host" in costs else model
    columns = (s.data.label.value if s.data.label else None,
               s.signal.time.value if s.signal is not None and s.signal.time else None)
    with atomic_dir(plan) as tmp:
        package = ({k: v.value for k in ("version", "author", "maintainer", "url") if (v := getattr(s.package, k))}
                   if s.package is not None else None)
        report["notes"] = package_notes(costs, package)
        emitted = emit_all(model, ds, s.model.value, prov, costs, tmp, per_target, columns, package)
        (tmp / "artifacts").mkdir()
        write_holdout(ds, tmp / "artifacts" / "holdout.csv")
        write_predictions(golden or host, ds, tmp / "artifacts" / "holdout_predictions.csv",
                          holdout_pred if (golden or host) is model else None)
        try:
            why_not = build_predict_tool(model, ds, s.model.value, prov, tmp, columns)
        except subprocess.CalledProcessError as e:
            raise BuildError(f"the generated C did not compile on this machine (a tinyc bug): {e.stderr}") from None
        report["artifacts"] = {"predict": "artifacts/predict" if why_not is None else None,
                               "predict_note": why_not, "predict_form": host.quant if golden is None else None,
                               **extra_artifacts(tmp)}
        for name, note in emitted.items():
            report["targets"][name]["files"] = note["files"]
            report["targets"][name]["measured"] = note["measured"]
            linked, limit = note["measured"].get("flash"), report["targets"][name]["flash_limit"]
            if linked is not None and linked > limit:  # the fitting pass tightens until this cannot happen
                raise BuildError(f"{name}: the linked library takes {linked} B of flash, over the {limit} B "
                                 f"limit (estimate {report['targets'][name]['flash']} B); a tinyc cost-model bug")
        (tmp / "README.md").write_text(output_readme(report, s.model.value), encoding="utf-8")
        (tmp / "LICENSE").write_text(LICENSE_TEXT, encoding="utf-8")
        spec_json = to_json(s)
        write_json(tmp / "spec.resolved.json", {"tinyc_version": __version__, "ir_version": IR_VERSION,
                                                 "spec": spec_json})
        write_json(tmp / "report.json", report)
        spec_text = spec_path.read_text(encoding="utf-8")
        (tmp / "spec.tml").write_text(spec_text, encoding="utf-8")
        write_reports(tmp, report, spec_text, spec_json)
        write_json(tmp / "artifacts" / "model.json", model_doc)
        for form, doc in (other_docs or {}).items():
            write_json(tmp / "artifacts" / f"model_{form}.json", doc)
        write_json(tmp / "manifest.json", {
            "schema_version": MANIFEST_SCHEMA_VERSION,
            "tinyc_version": __version__,
            "model": s.model.value,
            "spec": {"file": spec_path.name, "sha256": spec_sha},
            "data": {"file": s.data.path.value, "sha256": data_sha},
            "holdout": ({"file": s.data.holdout.path, "sha256": sha256_file(r.holdout_path)}
                        if r.holdout_path else None),
            "seed": s.seed.value,
            "search": search_summary,
            "model_id": prov.model_id,
            "files": written_files(tmp) + ["manifest.json"],  # what tinyc owns when it rebuilds here
            "targets": {name: {"flash": t["flash"], "ram": t["ram"], "measured_flash": t["measured"]["flash"],
                               "measured_ram": t["measured"]["ram"],
                               **({"quantization": t["quantization"]} if "quantization" in t else {})}
                        for name, t in report["targets"].items()},
        })


def _write_onnx(float_model, emitted_mode: str, ds: Dataset, name: str, out: Path) -> dict:
    """artifacts/model.onnx: the float form of the emitted model (see tinyc.onnx_export)."""
    from ..onnx_export import to_onnx

    (out / "artifacts" / "model.onnx").write_bytes(to_onnx(float_model, ds.feature_names, name))
    note = None if emitted_mode == "float32" else f"the float32 form of the {emitted_mode} model the C implements"
    return {"onnx": "artifacts/model.onnx", "onnx_note": note}


def write_reports(folder: Path, report: dict, spec_text: str, spec_json: dict) -> None:
    """report.html and report.md from the report data."""
    from ..report import html, markdown

    (folder / "report.html").write_text(html.render(report, spec_text, spec_json), encoding="utf-8")
    (folder / "report.md").write_text(markdown.render(report), encoding="utf-8")


def json_bytes(data) -> bytes:
    import json

    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
