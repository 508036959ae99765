"""The search shared through Optuna's storage: `tinyc build SPEC --storage URL` (the coordinator)
and `tinyc worker URL --study NAME` (any number, on any host) ask candidates of one study and
tell their results to it; nothing coordinates them but the storage.

- Storages: ``sqlite:///FILE`` and ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`` (Optuna's
  RDBStorage, with its heartbeat: a trial whose process stops beating for GRACE_S is failed by
  the next process that looks, and RetryHeartbeatStaleTrialCallback queues it again with the
  same parameters), or ``journal:FILE`` (a journal file on a shared disk; no heartbeat, so a
  killed worker's trial is not retried).
- The study's attributes (``tinyc``) hold what every process must agree on: the spec's text and
  path, the data's and holdout's sha256, the tinyc version, the seed and the absolute deadline
  (Optuna's ``timeout`` is per process). A worker that differs in any refuses, saying which.
- Each trial records who ran it (``worker``: host and pid, set when asked) and, when told, the
  candidate (``candidate``: family, status, metric, fold scores, costs per target); the
  coordinator's leaderboard is every finished trial in the storage.
"""
from __future__ import annotations

import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import TinycError
from . import selection
from .candidates import Candidate, SearchConfig, better, propose, trained

HEARTBEAT_S = 2  # a running trial's process records a heartbeat this often
GRACE_S = 8  # a trial whose heartbeat is older than this is failed (and retried)
MAX_RETRY = 3


class StorageError(TinycError):
    """The study's storage cannot be used; the message names it without its password."""

    code, kind = "E0507", "storage"


@dataclass(frozen=True)
class Shared:
    """A search shared through a storage: its URL, its study's name, the absolute deadline
    (time.time()) and this process's role ("coordinator" or "worker")."""

    url: str
    study: str
    deadline: float
    role: str = "coordinator"


def redact(url: str) -> str:
    """``url`` without its password."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def storage(url: str):
    """Optuna's storage for ``url`` (see the module docstring); a StorageError when it cannot be
    opened (unreachable, refused, wrong credentials, unknown kind)."""
    import warnings

    import optuna

    # Optuna marks the heartbeat and the retry callback experimental, and its heartbeat is meant for
    # study.optimize: tinyc records it itself around ask and tell (Heartbeat)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # (tinyc says what it did with the study)
    try:
        if url.startswith("journal:"):
            from optuna.storages.journal import JournalFileBackend

            return optuna.storages.JournalStorage(JournalFileBackend(url[len("journal:"):]))
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+", "mysql:", "mysql+")):
            raise StorageError(f"unknown storage '{redact(url)}'",
                               hint="use sqlite:///FILE, postgresql://USER@HOST/DB or journal:FILE")
        kwargs = {"connect_args": {"timeout": 30}} if url.startswith("sqlite:") else {"pool_pre_ping": True}
        # a dead process's trial queued again: RetryHeartbeatStaleTrialCallback (Optuna 5), or the
        # same callback under its Optuna 4 name
        retry = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
        callback = {"heartbeat_stale_trial_callback": retry(max_retry=MAX_RETRY)} if retry else \
            {"failed_trial_callback": optuna.storages.RetryFailedTrialCallback(max_retry=MAX_RETRY)}
        for attempt in range(5):  # processes started together may create the tables at once
            try:
                return optuna.storages.RDBStorage(url, engine_kwargs=kwargs, heartbeat_interval=HEARTBEAT_S,
                                                  grace_period=GRACE_S, **callback)
            except Exception as e:
                racing = any(m in str(e) for m in ("already exists", "UNIQUE constraint", "duplicate key"))
                if not racing or attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
    except StorageError:
        raise
    except ImportError as e:  # (the database's driver)
        raise StorageError(f"cannot open the study storage {redact(url)}: {e}",
                           hint="pip install 'tinyc[postgres]' (psycopg) for PostgreSQL") from None
    except Exception as e:  # sqlalchemy's OperationalError and the like: one line, no password
        raise StorageError(f"cannot open the study storage {redact(url)}: {_first_line(e)}") from None


def _first_line(e: Exception) -> str:
    text = str(getattr(e, "orig", None) or e).strip().splitlines()
    return redact(text[0]) if text else type(e).__name__


def default_name(model: str, spec_text: str, data_sha: str, version: str) -> str:
    """The study's name when none is given: the model's name and a hash of what the build is."""
    import hashlib

    digest = hashlib.sha256("\0".join((spec_text, data_sha, version)).encode()).hexdigest()[:12]
    return f"{model}-{digest}"


def open_study(url: str, name: str, direction: str | None, sampler, attrs: dict | None = None):
    """The study ``name`` in ``url``: created with ``attrs`` (the coordinator) or loaded (a
    worker, ``attrs`` None: it must exist). A coordinator resuming a study keeps its deadline.
    Returns (study, the study's attributes)."""
    import optuna

    st = storage(url)
    try:
        if attrs is None:
            study = optuna.load_study(study_name=name, storage=st, sampler=sampler)
        else:
            study = optuna.create_study(study_name=name, storage=st, direction=direction, sampler=sampler,
                                        load_if_exists=True)
            if "tinyc" not in study.user_attrs:
                study.set_user_attr("tinyc", attrs)
    except KeyError:
        raise StorageError(f"no study '{name}' in {redact(url)}",
                           hint=f"`tinyc study ls {redact(url)}` lists the studies there") from None
    except TinycError:
        raise
    except Exception as e:
        raise StorageError(f"cannot open the study storage {redact(url)}: {_first_line(e)}") from None
    kept = study.user_attrs.get("tinyc")
    if kept is None:
        raise StorageError(f"study '{name}' in {redact(url)} was not made by tinyc")
    return study, kept


def mismatch(kept: dict, mine: dict) -> str | None:
    """What differs between the study's attributes and this process's (one line), or None."""
    for key, what in (("tinyc_version", "tinyc version"), ("spec_sha256", "spec"), ("data_sha256", "data file"),
                      ("holdout_sha256", "holdout file")):
        if kept.get(key) != mine.get(key):
            return (f"this {what} differs from the study's ({str(mine.get(key))[:12]} here, "
                    f"{str(kept.get(key))[:12]} in the study)")
    return None


def who() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def claim(trial) -> None:
    """Record on ``trial`` the process running it (unless another already failed it as stale)."""
    import optuna

    try:
        trial.set_user_attr("worker", who())
    except optuna.exceptions.UpdateFinishedTrialError:
        pass  # (its retry runs elsewhere; telling it will be refused the same way: search._tell)


class Heartbeat:
    """Records a heartbeat for this process's running trials every HEARTBEAT_S (a thread), so that
    the others can tell a trial whose process died."""

    def __init__(self, study):
        self.storage, self.trials, self.stop = study._storage, set(), threading.Event()
        self.enabled = hasattr(self.storage, "record_heartbeat")
        self.thread = threading.Thread(target=self._beat, daemon=True) if self.enabled else None

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_S):
            for trial_id in list(self.trials):
                try:
                    self.storage.record_heartbeat(trial_id)
                except Exception:  # a storage hiccup: the next beat tries again
                    pass

    def add(self, trial) -> None:
        if self.enabled:
            self.storage.record_heartbeat(trial._trial_id)
            self.trials.add(trial._trial_id)

    def done(self, trial) -> None:
        self.trials.discard(trial._trial_id)


@contextmanager
def heartbeat(study):
    hb = Heartbeat(study)
    if hb.thread is not None:
        hb.thread.start()
    try:
        yield hb
    finally:
        hb.stop.set()


def fail_stale(study) -> None:
    """Fail the trials whose process stopped beating (their retries are queued)."""
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def settle(study, wait_s: float = GRACE_S + HEARTBEAT_S) -> None:
    """Wait (at most ``wait_s``) until no trial runs: the workers' last candidates, cut at the
    deadline, are told; a dead process's are failed when their heartbeat goes stale."""
    from optuna.trial import TrialState

    until = time.monotonic() + wait_s
    while time.monotonic() < until:
        fail_stale(study)
        if not any(t.state == TrialState.RUNNING for t in study.get_trials(deepcopy=False)):
            return
        time.sleep(0.5)


def finished(study) -> list:
    """The study's finished trials (complete, pruned or failed), in trial order."""
    from optuna.trial import TrialState

    return sorted((t for t in study.get_trials(deepcopy=False)
                   if t.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)), key=lambda t: t.number)


def seconds_left(shared: Shared) -> float:
    return shared.deadline - time.time()


def tried(study, board: list, shared) -> int:
    """Candidates tried so far: this process's, or in a shared study every process's."""
    return len(board) if shared is None else len(study.get_trials(deepcopy=False))


def stored(study) -> list[Candidate]:
    """Every finished trial of a shared study as a candidate (a trial whose process died: failed)."""
    out = []
    for t in finished(study):
        if "candidate" in t.user_attrs:
            out.append(Candidate.from_row({**t.user_attrs["candidate"], "trial": t.number}))
        else:
            out.append(Candidate(t.number, str(t.params.get("family", "?")), dict(t.params), "failed",
                                 note="its process stopped before it ended (queued again)"))
        out[-1].worker = t.user_attrs.get("worker")
    return out


def gather(study, board, best, cfg: SearchConfig, X, y, problem, families, limits, rankings):
    """The coordinator's leaderboard, every finished trial in the storage, and its best candidate
    with its model (trained again from the trial's parameters when another process ran it)."""
    import optuna

    board = stored(study)
    leader = None
    for c in board:
        if c.status == "ok" and c.full_fit and c.metric is not None and \
                (leader is None or better(cfg.metric, c, leader)):
            leader = c
    if leader is None:
        return board, None
    if best is not None and best[0].trial == leader.trial:
        return board, (leader, best[1])
    frozen = study.get_trials(deepcopy=False)[leader.trial]
    family, params = propose(optuna.trial.FixedTrial(frozen.params), families, problem, limits, cfg, rankings)
    cols = None if rankings is None else selection.columns(rankings.full, params)
    model = trained(family, params, X, y, problem, leader.seed, cols)
    leader.params, leader.columns = params, cols
    return board, (leader, model)


def keep_recipe(url: str, name: str, recipe: dict) -> None:
    """The coordinator's build, kept in its study (``build``): rebuilding the trial it shipped
    (`--from-trial URL#N`, tinyc.passes.replay) reaches that build's model, grown as it was."""
    study, _ = open_study(url, name, None, None)
    study.set_user_attr("build", recipe)


def summary(shared: Shared, board: list) -> dict:
    """report.json's search.study: the storage (no password), the study and each process that ran
    trials (host, pid, how many)."""
    ran: dict[tuple, int] = {}
    for c in board:
        if c.worker:
            key = (c.worker["host"], c.worker["pid"])
            ran[key] = ran.get(key, 0) + 1
    return {"storage": redact(shared.url), "name": shared.study,
            "workers": [{"host": h, "pid": p, "trials": n} for (h, p), n in sorted(ran.items())]}


def identity(spec_path, r) -> dict:
    """What every process of a shared search must agree on: tinyc's version, the spec's and the
    data's (and holdout's) sha256."""
    from .. import __version__
    from .write import sha256_file

    def sha(path) -> str | None:
        return sha256_file(path) if path is not None else None

    return {"tinyc_version": __version__, "spec_sha256": sha(spec_path), "data_sha256": sha(r.data_path),
            "holdout_sha256": sha(r.holdout_path)}


def coordinate(ctx, budget_s: float) -> Shared:
    """The coordinator's side: the study created (its attributes: the build's identity, the spec,
    the seed, the deadline ``budget_s`` from now) or, when it exists, resumed with its deadline."""
    from ..metrics import GREATER_IS_BETTER

    mine = identity(ctx.spec_path, ctx.resolved)
    name = ctx.study or default_name(ctx.name, ctx.spec_path.read_text(encoding="utf-8"), mine["data_sha256"],
                                     mine["tinyc_version"])
    attrs = {**mine, "model": ctx.name, "spec_file": ctx.spec_path.as_posix(), "seed": ctx.seed,
             "deadline": time.time() + budget_s}
    direction = "maximize" if GREATER_IS_BETTER[ctx.metric] else "minimize"
    _, kept = open_study(ctx.storage, name, direction, None, attrs)
    differs = mismatch(kept, mine)
    if differs:
        raise StorageError(f"study '{name}' in {redact(ctx.storage)} belongs to another build: {differs}",
                           hint="give this build its own study with --study NAME")
    ctx.emit("study", storage=redact(ctx.storage), name=name, resumed=kept["deadline"] != attrs["deadline"],
             seconds_left=round(kept["deadline"] - time.time(), 1))
    return Shared(ctx.storage, name, kept["deadline"], "coordinator")

