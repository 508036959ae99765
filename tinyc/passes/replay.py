"""Rebuilding a model without searching: `tinyc build SPEC --from-report REPORT` and
`tinyc build SPEC --from-trial URL#N`.

A build records its *recipe* (report.json's ``search.replay``, manifest.json's ``search.winner``):
what the passes after the search need to reach its model again — the family, the
hyperparameters (as the growth pass left them), the training seed (its trial's,
tinyc.passes.candidates.trial_seed), the features it reads when the search selected some, and
what the budget's clock decided (an integer form whose fine-tuning it stopped; on large data, a
final fit on every row it did not let finish). A rebuild trains that candidate on the training
rows and runs the same passes after it with no clock but those decisions, so its C is
byte-identical to the build's when the spec, the data and tinyc are the same. Other data is
refused; another spec or tinyc version is said (the C may then differ).

A trial of a shared study (tinyc.passes.study) is a recipe too: its hyperparameters replayed as
the search proposed them (optuna.trial.FixedTrial), its seed from the study's and the trial's
number. The coordinator keeps its build's recipe in the study, so rebuilding the trial it
shipped reaches that build's model (grown, with its cuts).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import TinycError
from ..spec.ir import Task
from .candidates import Candidate, SearchResult, propose, trained, trial_seed


class ReplayError(TinycError):
    """The model cannot be rebuilt: no recipe, another data file, an unknown trial."""

    code, kind = "E0508", "replay"


@dataclass(frozen=True)
class Recipe:
    trial: int
    family: str | None  # None: a trial's, proposed from ``raw`` (its Optuna parameters)
    params: dict
    seed: int
    columns: tuple[str, ...] | None = None  # the features its model reads (None: every feature)
    qat_cut: tuple[str, ...] = ()  # integer forms whose fine-tuning the clock stopped
    final_fit_cut: bool = False  # large data: the fit on every training row did not finish
    metric: float | None = None  # its cross-validated metric, as the search measured it
    source: str = ""  # where it comes from (the report's path, or the storage and trial)
    identity: dict = field(default_factory=dict)  # its build's tinyc version and sha256 of spec, data, holdout
    raw: dict | None = None  # a trial's Optuna parameters

    def as_json(self) -> dict:
        return {"trial": self.trial, "family": self.family, "params": self.params, "seed": self.seed,
                "columns": list(self.columns) if self.columns is not None else None, "qat_cut": list(self.qat_cut),
                "final_fit_cut": self.final_fit_cut, "metric": self.metric}


def of_build(cand: Candidate, names: list[str], choice_record: dict, sample_record: dict | None) -> dict:
    """The recipe a build records: ``cand`` (the search's choice, grown), ``names`` the features
    it was trained on, the quantization pass's record and the large-data refit's."""
    cut = [row["mode"] for row in choice_record["candidates"] if (row.get("qat") or {}).get("cut_by_budget")]
    return Recipe(cand.trial, cand.family, cand.params, cand.seed,
                  tuple(names) if cand.columns is not None else None, tuple(str(m) for m in cut),
                  bool((sample_record or {}).get("final_fit_cut")), cand.metric).as_json()


def _recipe(doc: dict, source: str, identity: dict) -> Recipe:
    cols = doc.get("columns")
    return Recipe(int(doc["trial"]), doc["family"], dict(doc["params"]), int(doc["seed"]),
                  tuple(cols) if cols is not None else None, tuple(doc.get("qat_cut", ())),
                  bool(doc.get("final_fit_cut", False)), doc.get("metric"), source, identity)


def from_report(path: str) -> Recipe:
    """The recipe in a build's report.json (or a build folder holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    try:
        report = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"--from-report: no {p}", hint="give a build's report.json or its folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReplayError(f"--from-report: {p} is not a build's report.json ({e})") from None
    doc = (report.get("search") or {}).get("replay") if isinstance(report, dict) else None
    if not doc:
        what = "an anomaly detector's build (chosen without trials)" if report.get("task") == "anomaly" else \
            "written by a tinyc without rebuild recipes"
        raise ReplayError(f"--from-report: {p} has no recipe to rebuild from: {what}",
                          hint="rebuild it with `tinyc build SPEC` (the same spec, data and seed)")
    prov = report.get("provenance") or {}
    return _recipe(doc, p.as_posix(), {"tinyc_version": report.get("tinyc_version"),
                                       "spec_sha256": prov.get("spec_sha256"),
                                       "data_sha256": prov.get("data_sha256")})


def from_trial(ref: str, study_name: str | None, spec_path: Path, r) -> Recipe:
    """The recipe of trial N in ``ref`` (``URL#N``): study ``study_name``, or the one a
    coordinator of this spec, data and tinyc created (its default name)."""
    from . import study as shared

    url, sep, number = ref.rpartition("#")
    if not sep or not url or not number.isdigit():
        raise ReplayError(f"--from-trial {shared.redact(ref)}: expected URL#N (a storage and a trial number)",
                          hint="e.g. --from-trial sqlite:///tinyc.db#42 (`tinyc study ls URL` lists the studies)")
    mine = shared.identity(spec_path, r)
    name = study_name or shared.default_name(r.spec.model.value, spec_path.read_text(encoding="utf-8"),
                                             mine["data_sha256"], mine["tinyc_version"])
    study, kept = shared.open_study(url, name, None, None)
    trials = study.get_trials(deepcopy=False)
    n = int(number)
    if n >= len(trials):
        raise ReplayError(f"--from-trial: study '{name}' in {shared.redact(url)} has no trial {n} "
                          f"(trials 0-{len(trials) - 1})" if trials else f"study '{name}' has no trials yet")
    t = trials[n]
    source = f"{shared.redact(url)}#{n} (study {name})"
    built = study.user_attrs.get("build")
    if built and built.get("trial") == n:  # the trial its coordinator shipped: that build's recipe
        return _recipe(built, source, kept)
    cand = t.user_attrs.get("candidate") or {}
    if cand.get("status") == "failed" or "family" not in t.params:
        why = cand.get("note") or f"its state is {t.state.name}"
        raise ReplayError(f"--from-trial: trial {n} of study '{name}' has no model to rebuild ({why})")
    return Recipe(n, None, {}, trial_seed(int(kept.get("seed", r.spec.seed.value)), n), metric=cand.get("metric"),
                  source=source, identity=kept, raw=dict(t.params))


def requested(report: str | None, trial: str | None, study_name: str | None, spec_path: Path, r) \
        -> tuple[Recipe, list[str]]:
    """The recipe `--from-report REPORT` or `--from-trial URL#N` names, and what to tell the user."""
    from .study import identity

    recipe = from_report(report) if report else from_trial(trial, study_name, spec_path, r)
    return recipe, check(recipe, identity(spec_path, r))


def check(recipe: Recipe, mine: dict) -> list[str]:
    """Refuses a recipe from other data; the notices to print when the spec or tinyc differ."""
    def differs(key):
        return key in recipe.identity and recipe.identity[key] != mine.get(key)

    def shas(key):
        return f"{str(recipe.identity[key])[:12]} there, {str(mine.get(key))[:12]} here"

    for key, what in (("data_sha256", "data file"), ("holdout_sha256", "holdout file")):
        if differs(key):
            raise ReplayError(f"cannot rebuild from {recipe.source}: its {what} differs from this one ({shas(key)})",
                              hint="check out the data that build used (its manifest.json names the sha256)")
    notes = []
    if differs("spec_sha256"):
        notes.append(f"rebuilding from {recipe.source}: this spec differs from that build's ({shas('spec_sha256')}); "
                     f"the C may differ from that build's")
    if differs("tinyc_version"):
        notes.append(f"rebuilding from {recipe.source}: built by tinyc {recipe.identity['tinyc_version']}, this is "
                     f"{mine.get('tinyc_version')}; the C may differ from that build's")
    return notes


def result(recipe: Recipe, ds, y, problem, cfg, groups=None) -> SearchResult:
    """The search's result a rebuild starts from: the recipe's candidate trained on every
    training row of ``ds`` with its seed (a trial's parameters proposed as the search did)."""
    import time

    from ..budget import fits_all
    from ..models import FAMILY_REGISTRY
    from . import selection
    from .cv import _costs
    from .search import _limits, layout

    if problem.task == Task.anomaly:  # (the command line refuses it first: a detector has no recipe)
        raise ReplayError("task anomaly chooses its detector without trials: there is no model to rebuild from")
    t0 = time.monotonic()
    folds, groups, families, splits = layout(y, problem, cfg, groups)
    if recipe.raw is not None:  # a trial: its family and hyperparameters as the search proposed them
        import optuna

        rankings = selection.rankings(ds.X_train, y, splits, problem.task, cfg.seed) \
            if cfg.select and any(selection.applies(f, problem.n_features) for f in families) else None
        family, params = propose(optuna.trial.FixedTrial(recipe.raw), families, problem,
                                 _limits(cfg, problem.task), cfg, rankings)
        cols = None if rankings is None or "inputs" not in params else selection.columns(rankings.full, params)
    else:
        family, params = recipe.family, recipe.params
        cols = None if recipe.columns is None else _indices(recipe, list(ds.feature_names))
    if family not in FAMILY_REGISTRY or (problem.task not in FAMILY_REGISTRY[family].tasks):
        raise ReplayError(f"cannot rebuild from {recipe.source}: no {family} family for task "
                          f"{problem.task.value} here")
    narrowed = problem if cols is None else replace(problem, n_features=len(cols))
    model = trained(family, params, ds.X_train, y, problem, recipe.seed, cols)
    costs = _costs(FAMILY_REGISTRY[family], model, cfg.targets, family, narrowed, cfg.quant)
    cand = Candidate(recipe.trial, family, params, "ok", recipe.metric, costs, fits_all(costs, cfg.targets),
                     time.monotonic() - t0, columns=cols, seed=recipe.seed,
                     note=f"rebuilt from {recipe.source}")
    return SearchResult(model, cand, [cand], [], "rebuilt", cand.seconds, folds)


def _indices(recipe: Recipe, names: list[str]) -> list[int]:
    missing = [c for c in recipe.columns if c not in names]
    if missing:
        raise ReplayError(f"cannot rebuild from {recipe.source}: its model reads features this spec does not "
                          f"give ({', '.join(missing[:5])})")
    return [names.index(c) for c in recipe.columns]
