"""The signal front end in the build: raw samples → window features (tinyc.signal),
its cost counted in every candidate's (search, fitting, the final report),
and the features a tree model never splits on dropped (the emitted front end
computes exactly the features the model uses)."""
from __future__ import annotations

from dataclasses import replace as dataclass_replace

import numpy as np

from ..errors import BuildError
from ..data.prepare import Dataset, prepare
from ..data.profile import profile
from ..spec import Resolved
from ..spec.ir import Task
from .search import SearchConfig, SearchResult


class FrontEndError(BuildError):
    """The front end alone does not fit a target; the message says which and by how much."""

    code = "E0505"
    default_hint = "shorten the window, use fewer channels, or raise the target's limits"


def signal_dataset(r: Resolved):
    """A spec with a signal block: raw samples → window features (tinyc.signal), split by
    recording. Returns (dataset, front end, the report's signal section, data profile)."""
    from ..signal import FrontEnd
    from ..signal import data as sd
    from ..signal import device

    from ..spec.ir import Layout
    from ..spec.columns import wide_columns

    s = r.spec
    sig = s.signal
    channels = tuple(c.value for c in sig.channels)
    wide = sig.layout is not None and sig.layout.value == Layout.wide
    fe = FrontEnd(channels, sig.rate.value, int(sig.window.value), int(sig.hop.value),
                  blocks=tuple(f.value for f in sig.features), bands=sig.bands.value,
                  magnitudes=tuple((m.name.value, tuple(channels.index(c.value) for c in m.channels))
                                   for m in sig.magnitudes),
                  group=sig.group.value if sig.group else None,
                  highpass_hz=sig.highpass.value if sig.highpass else None,
                  lowpass_hz=sig.lowpass.value if sig.lowpass else None,
                  wide_columns=tuple(wide_columns(c, r.csv.columns) for c in channels) if wide else None,
                  device=device.from_spec(sig))
    from .. import targets as target_registry
    from ..signal.cost import choose_spectrum

    fe = choose_spectrum(fe, [target_registry.get(t.name.value).caps for t in s.targets])
    label = s.data.label.value if s.data.label else None
    normal = tuple(x.value for x in s.data.normal) if s.data.normal else None
    time = sig.time.value if sig.time else None
    fmt = r.csv
    names = fe.feature_names()
    if wide:  # a row is a window: the ordinary stratified split of rows
        wt = sd.read_wide(r.data_path, fe, label, fmt.delimiter, fmt.decimal)
        train_t = sd.as_tables(r.data_path, wt, names, np.arange(len(wt.X)))
        hold_t, percent = None, s.data.holdout.percent.value if s.data.holdout.percent else None
        if r.holdout_path is not None:
            hwt = sd.read_wide(r.holdout_path, fe, label, fmt.delimiter, fmt.decimal)
            hold_t = sd.as_tables(r.holdout_path, hwt, names, np.arange(len(hwt.X)))
        ds = prepare(s.task.value, label, train_t, hold_t, percent, s.data.missing.value, s.seed.value, normal)
        ds = dataclass_replace(ds, raw_holdout=_wide_rows(fe, hwt if r.holdout_path is not None else wt, ds, label,
                                                          whole=r.holdout_path is not None))
        prof = profile(ds, len(wt.X) + (len(hold_t.X) if hold_t else 0), len(ds.feature_names) + 1,
                       int(wt.X.nbytes))
        report = _signal_report(fe, channels, len(wt.X) * fe.window, {"train": len(ds.X_train),
                                                                       "holdout": len(ds.X_holdout)}, ds)
        report["layout"] = "wide"
        return ds, fe, report, prof
    recs = sd.read(r.data_path, fe, label, time, fmt.delimiter, fmt.decimal)
    wt = sd.table(fe, recs)
    if r.holdout_path is not None:
        hrecs = sd.read(r.holdout_path, fe, label, time, fmt.delimiter, fmt.decimal)
        hwt = sd.table(fe, hrecs)
        train_t = sd.as_tables(r.data_path, wt, names, np.arange(len(wt.X)))
        hold_t = sd.as_tables(r.holdout_path, hwt, names, np.arange(len(hwt.X)))
        rec_counts = {"train": len(recs), "holdout": len(hrecs)}
    else:
        tr, ho = sd.split(wt, recs, fe, s.data.holdout.percent.value, s.seed.value,
                          stratify=s.task.value != Task.regression)
        train_t, hold_t = sd.as_tables(r.data_path, wt, names, tr), sd.as_tables(r.data_path, wt, names, ho)
        rec_counts = {"train": len(np.unique(wt.recording[tr])), "holdout": len(np.unique(wt.recording[ho]))}
    ds = prepare(s.task.value, label, train_t, hold_t, None, s.data.missing.value, s.seed.value, normal)
    held = hrecs if r.holdout_path is not None else _held_out(recs, wt, ho, fe, s.data.holdout.percent.value)
    ds = dataclass_replace(ds, raw_holdout=raw_rows(fe, held, label))
    samples = sum(len(x.samples) for x in recs)
    prof = profile(ds, len(train_t.X) + len(hold_t.X), len(ds.feature_names) + 1,
                   int(train_t.X.nbytes + hold_t.X.nbytes))
    report = _signal_report(fe, channels, samples, rec_counts, ds)
    report["layout"] = "long"
    if fe.device is not None:  # values the device cannot read
        prof["data_checks"] = device.range_checks(fe.device, fe.channels, np.concatenate([x.samples for x in recs]))
    return ds, fe, report, prof


def _wide_rows(fe, wt, ds: Dataset, label: str | None, whole: bool):
    """Layout wide: the holdout's rows as the data holds them (every sample column, the label):
    a holdout file's rows, or the data's rows whose features are the holdout's."""
    if whole:
        idx = np.arange(len(wt.X))
    else:  # prepare shuffled the rows: find each holdout row by the features it kept (a row's, exactly)
        kept = [fe.feature_names().index(f) for f in ds.feature_names]  # without the constant ones it dropped
        where = {row.tobytes(): i for i, row in enumerate(wt.X[:, kept].astype(np.float32))}
        idx = np.array([where[row.tobytes()] for row in ds.X_holdout.astype(np.float32)], dtype=np.int64)
    columns = (*(c for group in fe.wide_columns for c in group), *((label,) if label else ()))
    rows = [(*(str(wt.samples[i, k, c]) for c, group in enumerate(fe.wide_columns) for k in range(len(group))),
             *((str(wt.y_raw[i]),) if label and wt.y_raw is not None else ())) for i in idx]
    return columns, rows


def _held_out(recs, wt, ho: np.ndarray, fe, percent: float):
    """The holdout's recordings (whole ones), or the tail of the one recording it was cut from."""
    if len(recs) >= 2:
        keep = set(np.unique(wt.recording[ho]).tolist())
        return [r for i, r in enumerate(recs) if i in keep]
    from ..signal.data import Recording
    from ..signal.features import window_starts

    r = recs[0]
    cut = int(round(len(r.samples) * (1 - percent / 100.0)))
    first = int(next(s for s in window_starts(len(r.samples), fe) if s >= cut))  # the first holdout window's
    return [Recording(r.key, r.samples[first:], r.labels[first:] if r.labels is not None else None)]


def raw_rows(fe, recs, label: str | None) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Recordings as CSV rows laid out like the data: the group column (when the data has one), the
    channels (float32 values in their shortest exact decimal form), the label."""
    columns = (*((fe.group,) if fe.group else ()), *fe.channels, *((label,) if label else ()))
    rows = []
    for r in recs:
        for i, x in enumerate(r.samples):
            rows.append((*((r.key,) if fe.group else ()), *map(str, x),
                         *((str(r.labels[i]),) if label and r.labels is not None else ())))
    return columns, rows


def _signal_report(fe, channels, samples: int, recordings: dict, ds: Dataset) -> dict:
    return {"description": fe.describe(), "channels": list(fe.channels),
            "magnitudes": {name: [channels[i] for i in idx] for name, idx in fe.magnitudes},
            "rate_hz": fe.rate_hz, "window": fe.window, "hop": fe.hop, "blocks": list(fe.blocks), "bands": fe.bands,
            "spectrum": fe.spectrum, "samples": samples, "recordings": recordings,
            "windows": {"train": len(ds.X_train), "holdout": len(ds.X_holdout)},
            "window_label": "the label of the window's last sample" if fe.wide_columns is None else "the row's label",
            "device": _device_report(fe), "units_notice": units_notice(fe)}


def units_notice(fe) -> str | None:
    """The one line a build says when the spec does not declare how the device delivers the
    channels: the library then takes samples in the training data's units and rate."""
    if fe.device is not None:
        return None
    return (f"push_sample takes samples in the training data's units and at its rate ({fe.rate_hz:g} Hz): convert "
            f"the device's readings to those first, or declare them (units and device in the signal block) to "
            f"get push_raw, which does")


def _device_report(fe) -> dict | None:
    """How the device delivers the channels (`device` statements), or None: push_sample then takes
    samples in the training data's units, which the build says."""
    dev = fe.device
    if dev is None:
        return None
    return {"type": dev.type, "rate_hz": dev.device_rate_hz or fe.rate_hz, "resampled": dev.resamples,
            "channels": {c: {"training_unit": u, "reading": f"{dev.type} {d}", "scale": sc}
                         for c, u, d, sc in zip(fe.channels, dev.units, dev.device_units, dev.scales)}}


def drop_unsplit_features(res: SearchResult, ds: Dataset) -> tuple[SearchResult, Dataset, list[str]]:
    """The dataset without the features the model never reads (a tree ensemble's unsplit
    features), and the model renumbered to the rest (its predictions are unchanged)."""
    from dataclasses import replace

    from ..models import FAMILY_REGISTRY

    slim = FAMILY_REGISTRY[res.best.family].without_unsplit_features(res.best)
    if slim is None:
        return res, ds, []
    model, used = slim
    unused = [n for j, n in enumerate(ds.feature_names) if j not in set(used)]
    return replace(res, best=model), ds.select(used), unused


def share_targets(cfg: SearchConfig, fe) -> SearchConfig:
    """The targets holding the front end (every feature it may compute) beside the model: each
    candidate's cost then includes it (TargetBudget.charge), and the fitting pass may drop
    features and feature groups until both fit. Raises FrontEndError when even the smallest
    front end (one feature), with the soft-float routines it links, does not fit a target."""
    from dataclasses import replace

    for t in cfg.targets:
        c = t.no_room_for(fe)
        if c is not None:
            raise FrontEndError(f"{t.name}: the signal front end alone needs at least {c['flash']} B flash and "
                                f"{c['ram']} B RAM (one feature; limits {t.flash} and {t.ram}); shorten the window")
    return replace(cfg, targets=tuple(replace(t, frontend=fe) for t in cfg.targets))


def feature_groups(fe, names) -> list[tuple[str, list[int]]]:
    """The groups of features a front end can stop computing, as (label, column indices into
    ``names``): a channel's spectrum (its DFT), and a whole channel (its ring buffer too)."""
    from ..signal.frontend import TIME

    groups = []
    for c, ch in enumerate(fe.all_channels):
        cols = [j for j, n in enumerate(names) if fe.split(n)[0] == c]
        spectral = [j for j in cols if fe.split(names[j])[1] not in TIME]
        if spectral and len(spectral) < len(cols):
            groups.append((f"{ch} spectrum", spectral))
        if cols:
            groups.append((f"{ch} channel", cols))
    return groups


MAX_GROUPS = 24  # feature groups tried by prune_blocks (largest saving first): bounds its time


def prune_blocks(res: SearchResult, ds: Dataset, fe, cfg: SearchConfig, metric, tolerance: float,
                 on_step=None):
    """Feature groups that do not pay for themselves, dropped: in one pass, the group whose
    removal saves the most front-end operations first, a group goes when the chosen family with
    its hyperparameters, cross-validated (3 folds) on the training rows without it (and without
    the groups already dropped), stays within ``tolerance`` of the cross-validated metric with
    every feature (the spec's quantization tolerance: metric points, or percent for rmse/mae).
    At most ``MAX_GROUPS`` groups are tried — a count, not a time, so the result does not depend
    on the machine. Returns (search result refitted on the kept features, dataset, dropped
    groups)."""
    from dataclasses import replace

    from ..signal.cost import ops as fe_ops
    from ..models import FAMILY_REGISTRY, Problem
    from .quantize import loss
    from .cv import evaluate

    fam, params, seed = res.best.family, res.best_candidate.params, res.best_candidate.seed
    task = ds.task
    y = ds.y_train if task == Task.classification else ds.y_train.astype(np.float64)
    names = list(ds.feature_names)

    def cv(cols):
        problem = Problem(task, len(cols), ds.n_classes, cfg.seed)
        return evaluate(fam, params, ds.X_train[:, cols], y, problem, metric, 3, cfg.seed, (), cfg.quant,
                        model_seed=seed).metric

    def front(cols):
        return fe.with_used([names[j] for j in cols])

    keep = list(range(len(names)))
    base = cv(keep)
    dropped: list[dict] = []
    # one pass over the groups, largest saving first; the loss is bounded against the model with
    # every feature, so the drops together cost at most the tolerance
    groups = [(label, [keep[i] for i in cols]) for label, cols in feature_groups(front(keep), names)]
    saving = {label: fe_ops(front(keep)) - fe_ops(front([j for j in keep if j not in set(cols)]))
              for label, cols in groups if len(cols) < len(keep)}
    ranked = [g for g in sorted(groups, key=lambda g: (-saving.get(g[0], 0), g[0])) if g[0] in saving]
    for label, cols in ranked[:MAX_GROUPS]:
        rest = [j for j in keep if j not in set(cols)]
        if not rest or len(rest) == len(keep):
            continue
        after = cv(rest)
        if loss(metric, base, after) <= tolerance + 1e-9:
            step = {"group": label, "features": [names[j] for j in cols if j in keep], "ops_saved": saving[label],
                    "cv_before": base, "cv_after": after}
            dropped.append(step)
            if on_step:
                on_step(step)
            keep = rest
    if not dropped:
        return res, ds, []
    slim = ds.select(keep)
    model = FAMILY_REGISTRY[fam].fit(params, slim.X_train, y, Problem(task, len(keep), ds.n_classes, cfg.seed), seed)
    return replace(res, best=model), slim, dropped
