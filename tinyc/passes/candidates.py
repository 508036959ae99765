"""What the search works with and hands on: its settings (SearchConfig), a candidate it tried
(Candidate: a family, hyperparameters, cross-validated metric and costs per target), its result
(SearchResult), the error when no candidate fits (NothingFits), how a trial proposes a candidate
(propose) and which of two candidates is better (better)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from ..budget import TargetBudget, excess
from ..errors import BuildError
from ..metrics import GREATER_IS_BETTER
from ..models import FAMILY_REGISTRY, Cost, Limits, Model, Problem
from ..spec.ir import Metric, Quantization
from . import selection

DEFAULT_TRIALS = 100


def default_trials(budget_s: float) -> int:
    """The trial cap when the spec gives none: 100 a minute of budget (at least 100), so a longer
    budget is spent searching rather than left unused once a fixed count is reached."""
    return max(DEFAULT_TRIALS, round(DEFAULT_TRIALS * budget_s / 60.0))


def trial_seed(seed: int, trial: int) -> int:
    """The seed trial ``trial``'s models train with: from the build's seed and the trial's number, so
    a trial's model is the same whichever process runs it, and trials of equal hyperparameters
    still differ. (The folds and the distillation teacher use the build's seed: every candidate
    shares them.)

    >>> trial_seed(1, 0) != trial_seed(1, 1) and trial_seed(1, 7) == trial_seed(1, 7)
    True
    """
    import numpy as np

    return int(np.random.SeedSequence([seed, trial]).generate_state(1)[0] % 2 ** 31)


# candidates proposed per round, whatever the number of cores, so that the
# sequence the sampler sees (and so the result) is the same on every machine
BATCH = 4


@dataclass(frozen=True)
class SearchConfig:
    metric: Metric
    budget_s: float
    seed: int
    quant: Quantization
    families: tuple[str, ...]
    fixed: dict[str, dict[str, tuple]]  # family -> param -> rule (see models.space.suggest)
    targets: tuple[TargetBudget, ...]
    max_trials: int = DEFAULT_TRIALS
    workers: int = 0  # 0: one per core
    # large data: the build must end by ``finish_by`` (time.monotonic), and the best model so far
    # needs ``keep_for(model, columns)`` seconds after the search (its final fit and evaluation): the
    # search ends early enough for the model it would hand over
    finish_by: float | None = None
    keep_for: Callable[..., float] | None = None
    grow: bool = True  # grow the best candidates into the room the targets leave (tinyc.passes.grow)
    prune: bool = True  # stop candidates clearly behind the best after a fold (tinyc.passes.cv)
    distill: bool = False  # candidates may train on a teacher's synthetic rows too (tinyc.models.distill)
    qat: bool = True  # an MLP's integer form fine-tuned for its rounding when CV says so (passes.quantize)
    select: bool = False  # input-bound candidates may read only their best-ranked columns (passes.selection)
    shared: object = None  # a search shared through a storage (tinyc.passes.study.Shared), or None
    # the trial cap is the budget's default (not the spec's `trials` or --trials): when it stops the
    # search with most of the budget left and the best is weak, the search goes on (tinyc.quality)
    default_cap: bool = False


@dataclass
class Candidate:
    trial: int
    family: str
    params: dict
    status: str  # "ok", "pruned", "too big", "failed", "cut by budget"
    metric: float | None = None  # cross-validated; None when pruned (``partial``: its mean fold score)
    costs: dict[str, Cost] = field(default_factory=dict)
    fits: bool = False
    seconds: float = 0.0  # training time (folds + final fit)
    finished_at: float = 0.0  # seconds since the search started
    note: str = ""
    fold_scores: list[float] = field(default_factory=list)
    partial: float | None = None
    full_fit: bool = True  # costed on the model trained on every training row (else on a fold's)
    columns: list[int] | None = None  # the columns its model reads (feature selection; None: every one)
    worker: dict | None = None  # in a shared study, the process that ran it ({"host", "pid"})
    seed: int = 0  # its models' training seed (trial_seed; a grown candidate keeps its leader's)

    @property
    def flash(self) -> int:
        return max((c.flash for c in self.costs.values()), default=0)

    def row(self) -> dict:
        return {"trial": self.trial, "family": self.family, "params": self.params, "status": self.status,
                "metric": self.metric, "fits": self.fits, "seconds": round(self.seconds, 4),
                "finished_at": round(self.finished_at, 4), "note": self.note, "folds": len(self.fold_scores),
                "partial": self.partial, "costed_on": "all rows" if self.full_fit else "one fold", "seed": self.seed,
                "costs": {t: c.as_dict() for t, c in sorted(self.costs.items())},
                **({"worker": self.worker} if self.worker else {})}

    @classmethod
    def from_row(cls, row: dict) -> "Candidate":
        """The candidate a row() describes (as a shared study stores it)."""
        return cls(row["trial"], row["family"], row["params"], row["status"], row["metric"],
                   {t: Cost(**c) for t, c in row["costs"].items()}, row["fits"], row["seconds"],
                   row["finished_at"], row["note"], list(row.get("fold_scores", [])), row["partial"],
                   row["costed_on"] == "all rows", row.get("columns"), seed=row.get("seed", 0))


@dataclass
class SearchResult:
    best: Model
    best_candidate: Candidate
    leaderboard: list[Candidate]
    history: list[tuple[float, float]]  # (seconds since start, best metric so far among fitting)
    stopped_by: str  # "trials" or "budget"
    elapsed: float
    folds: int
    growth: list[dict] = field(default_factory=list)  # the growth pass's accepted steps (tinyc.passes.grow)
    study: dict | None = None  # a shared search: its storage, name and the processes that ran trials
    preferred: dict | None = None  # a cheaper candidate taken over the best within its noise (passes.cheaper)
    stop_rule: str | None = None  # which rule ended the search, in words (passes.search.stop_rule)


class NothingFits(BuildError):
    """No candidate fits every target; the message names the smallest found.
    ``board`` and the other fields let the pipeline hand the candidate closest
    to fitting to the memory-fitting pass; it reaches the user only when no candidate could be
    evaluated at all."""

    code = "E0506"

    def __init__(self, message: str, board=(), stopped_by: str = "trials", elapsed: float = 0.0, folds: int = 0):
        super().__init__(message)
        self.board, self.stopped_by, self.elapsed, self.folds = list(board), stopped_by, elapsed, folds

    def closest(self, targets) -> Candidate | None:
        """The costed candidate whose tightest budget is exceeded least."""
        costed = [c for c in self.board if c.costs and c.status != "failed"]
        if not costed:
            return None
        return min(costed, key=lambda c: (excess(c.costs, targets), c.trial))


def propose(trial, families: list[str], problem: Problem, limits: Limits, cfg: SearchConfig, rankings) \
        -> tuple[str, dict]:
    """The family and hyperparameters ``trial`` suggests (replayed as they were by an
    optuna.trial.FixedTrial of its params)."""
    family = trial.suggest_categorical("family", families)
    params = FAMILY_REGISTRY[family].space(trial, problem, limits, cfg.fixed.get(family, {}))
    if cfg.distill:  # decided by cross-validation, like any hyperparameter
        params["distill"] = trial.suggest_categorical("distill", [False, True])
    if rankings is not None and selection.applies(family, problem.n_features) \
            and not params.get("distill"):  # (a teacher is trained on every column)
        params["inputs"] = selection.suggest(trial, problem.n_features)
    return family, params


def trained(family: str, params: dict, X, y, problem: Problem, seed: int, columns=None) -> Model:
    """A candidate's model trained on the rows given, reading ``columns`` (None: every one), with
    its seed: what the search costed it on (the coordinator's winner from another process, a
    rebuild, a cheaper tie)."""
    if columns is not None:
        X, problem = X[:, columns], replace(problem, n_features=len(columns))
    return FAMILY_REGISTRY[family].fit(params, X, y, problem, seed)


def better(metric: Metric, a: Candidate, b: Candidate) -> bool:
    if abs(a.metric - b.metric) <= 1e-9:
        return a.flash < b.flash
    return (a.metric > b.metric) == GREATER_IS_BETTER[metric]
