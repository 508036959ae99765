"""The load pass: the spec's data as rows, its profile and checks, and the search settings.

Tabular data: the CSV's columns (with the holdout file or percentage, the group column and the
missing-value rule); signal data: the window features of the ``signal`` block
(tinyc.passes.frontend). On large data, model selection runs on a sample of the training rows
(tinyc.passes.sample).
"""
from __future__ import annotations

import numpy as np

from .. import targets as target_registry
from ..budget import TargetBudget
from ..data.checks import dataset_checks, table_findings
from ..data.header import DataError
from ..data.load import Table, load_table
from ..data.prepare import cv_folds, prepare
from ..data.profile import profile
from ..spec import Resolved
from ..spec.ir import ParamValue, Task
from ..spec.vocab import FAMILIES, SWITCHES
from .context import BuildContext, Prepared
from .quantize import QuantizationFailed
from .sample import search_sample
from .search import SearchConfig, default_trials


def run(ctx: BuildContext, _=None) -> Prepared:
    r, s = ctx.resolved, ctx.spec
    anomaly = s.task.value == Task.anomaly
    ds, prof, fe, signal = dataset(r)
    checks = prof.get("data_checks", [])
    prof = {k: v for k, v in prof.items() if k != "data_checks"}
    if anomaly:  # detection has its own folds and no trial count
        declared, sample = search_config(r), None
    else:
        holdout = s.data.holdout.percent
        cv_folds(ds.y_train, s.task.value == Task.classification, ds.classes,  # too few rows: said in tinyc's words
                 f"holdout {holdout.text}" if holdout is not None else "")
        declared = search_config(r, ctx.trials, ctx.workers)
        sample = search_sample(ds, ctx.seed)  # large data: model selection on a sample of the training rows
    searched = sample.ds if sample else ds
    return Prepared(searched, ds, sample, prof, checks, fe, signal, declared, model_targets(declared, fe, searched))


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
    quant = s.quantize.value
    families = tuple(f for f, spec in FAMILIES.items() if task in spec.tasks)
    fixed: dict[str, dict[str, tuple]] = {}
    max_trials = default_trials(s.budget.value)
    switches = {}  # the search's techniques the spec turns on or off (the rest: SearchConfig's defaults)
    if s.search is not None:
        switches = {key: getattr(s.search, key).value for key in SWITCHES if getattr(s.search, key) is not None}
        if s.search.families is not None:
            families = tuple(f.value for f in s.search.families)
        for cfg in s.search.configs:
            fixed[cfg.family.value] = {p.name.value: _rule(p.value) for p in cfg.params}
        if s.search.trials is not None:
            max_trials = s.search.trials.value
    if quant.integer and task != Task.anomaly:  # families without an integer form cannot be emitted in this mode
        integer = tuple(f for f in families if FAMILY_REGISTRY[f].int_code_bytes is not None)
        if not integer:
            raise QuantizationFailed(f"quantize {quant}: none of the families searched ({', '.join(families)}) has an "
                             f"integer form; add one of linear, tree, forest, gbt, mlp or use quantize auto")
        families = integer
    budgets = tuple(_budget(t) for t in s.targets)
    return SearchConfig(metric=s.metric.value, budget_s=s.budget.value, seed=s.seed.value,
                        quant=quant, families=families, fixed=fixed, targets=budgets,
                        max_trials=trials or max_trials, workers=workers, **switches,
                        default_cap=not trials and (s.search is None or s.search.trials is None))


def _budget(t) -> TargetBudget:
    """A declared target's budget; one whose code bytes are not calibrated to its core and whose
    toolchain is here gets its library linked and checked whatever the estimate."""
    backend = target_registry.get(t.name.value)
    return TargetBudget(t.name.value, backend.caps, int(t.flash.value), int(t.ram.value),
                        clock_hz=t.clock.value if t.clock is not None else None,
                        latency_s=t.latency.value if t.latency is not None else None,
                        uncalibrated=bool(backend.uncalibrated) and backend.toolchain is not None)


def model_targets(cfg: SearchConfig, fe, ds) -> SearchConfig:
    """The targets as the search and fitting see them: holding a signal front end beside the model."""
    if fe is None:
        return cfg
    from .frontend import share_targets

    return share_targets(cfg, fe.with_used(ds.feature_names))
