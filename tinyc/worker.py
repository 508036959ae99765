"""`tinyc worker URL --study NAME`: one more process (on any host) for a shared search.

It reads the study's attributes from the storage (tinyc.passes.study), finds the same spec at the
same path from its own folder (a checkout of the same project), refuses when its spec, data or
tinyc version differ from the study's, loads and splits the data exactly as the coordinator
does, and then asks, evaluates and tells candidates (its own pool of ``jobs`` processes) until
the study's deadline or its trial cap. It writes nothing but trials; the coordinator (`tinyc
build SPEC --storage URL`) chooses, emits and reports. `tinyc study ls URL` lists the studies."""
from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .errors import TinycError

WAIT_S = 60.0  # how long a worker waits for the coordinator to create the study


def _kept(url: str, name: str, wait_s: float, on_line) -> dict:
    from .passes.study import StorageError, open_study

    until, said = time.monotonic() + wait_s, False
    while True:
        try:
            return open_study(url, name, None, None)[1]
        except StorageError as e:
            # (the coordinator creates the study, then gives it its attributes)
            if not (str(e).startswith("no study") or "was not made by tinyc" in str(e)) or time.monotonic() >= until:
                raise
            if not said:
                on_line(f"waiting for study {name} (the coordinator creates it)")
                said = True
            time.sleep(1.0)


def run(url: str, name: str, jobs: int = 0, on_line=print, on_event=None, wait_s: float = WAIT_S) -> int:
    """Work for study ``name`` until its deadline; returns how many candidates this process ran."""
    from .models import Problem
    from .passes import load
    from .passes.context import BuildContext
    from .passes.search import search
    from .passes.study import Shared, identity, mismatch, redact
    from .spec import load as load_spec
    from .spec.ir import Task

    kept = _kept(url, name, wait_s, on_line)
    spec_file = Path(kept.get("spec_file", ""))
    if not spec_file.is_file():
        raise TinycError(f"study {name}'s spec {spec_file} is not here ({Path.cwd()})",
                         hint="run the worker in a checkout of the same project, from the folder the build ran in")
    r = load_spec(str(spec_file))
    differs = mismatch(kept, identity(spec_file, r))
    if differs:
        raise TinycError(f"refusing study {name}: {differs}",
                         hint="check out the same commit and data as the coordinator, and the same tinyc")
    if r.spec.task.value == Task.anomaly:
        raise TinycError("task anomaly chooses its detector in one process: there is no search to share")
    left = kept["deadline"] - time.time()
    if left <= 0:
        on_line(f"study {name}: its deadline has passed; nothing to do")
        return 0
    ctx = BuildContext(r, spec_file, None, on_event or (lambda e: None), workers=jobs)
    prep = load.run(ctx, None)
    ds = prep.ds
    problem = Problem(r.spec.task.value, len(ds.feature_names), ds.n_classes, r.spec.seed.value)
    y = ds.y_train if r.spec.task.value == Task.classification else ds.y_train.astype(np.float64)
    cfg = replace(prep.config, budget_s=kept["deadline"] - time.time(), grow=False,
                  shared=Shared(url, name, kept["deadline"], "worker"))
    on_line(f"working for study {name} in {redact(url)} ({left:.0f}s left)")
    board = search(ds.X_train, y, problem, cfg, on_event, ds.groups_train)
    mine = [c for c in board if c.worker and c.worker.get("pid") == os.getpid()]
    on_line(f"study {name}: {len(mine)} candidates from this worker, {len(board)} in the study")
    return len(mine)


def study_lines(rows: list[dict]) -> list[str]:
    """`tinyc study ls URL`'s lines: a study per line."""
    lines = []
    for r in rows:
        left = "done" if r["seconds_left"] is None or r["seconds_left"] <= 0 else f"{r['seconds_left']:.0f}s left"
        best = "-" if r["best"] is None else f"{r['best']:.4f}"
        lines.append(f"{r['study']}  {r['model']}  {r['trials']} trials ({r['complete']} complete, {r['running']} "
                     f"running)  best {best}  {r['workers']} processes  {left}")
    return lines or ["no studies"]


def study_rows(url: str) -> list[dict]:
    """`tinyc study ls URL`: each study's name, model, trials (finished, running), best value and
    seconds to its deadline."""
    import optuna
    from optuna.trial import TrialState

    from .passes.study import StorageError, _first_line, redact, storage

    st = storage(url)
    try:
        summaries = optuna.get_all_study_summaries(st, include_best_trial=False)
    except Exception as e:
        raise StorageError(f"cannot read the study storage {redact(url)}: {_first_line(e)}") from None
    rows = []
    for s in sorted(summaries, key=lambda s: s.study_name):
        attrs = s.user_attrs.get("tinyc", {})
        trials = optuna.load_study(study_name=s.study_name, storage=st).get_trials(deepcopy=False)
        done = [t for t in trials if t.state == TrialState.COMPLETE]
        fitting = [t.value for t in done if (t.user_attrs.get("candidate") or {}).get("fits")]
        best = None
        if fitting:  # the best candidate that fits every target
            best = (max if s.direction == optuna.study.StudyDirection.MAXIMIZE else min)(fitting)
        rows.append({"study": s.study_name, "model": attrs.get("model"), "trials": len(trials),
                     "complete": len(done), "running": sum(t.state == TrialState.RUNNING for t in trials),
                     "best": best, "seconds_left": round(attrs["deadline"] - time.time(), 1)
                     if "deadline" in attrs else None,
                     "workers": len({(t.user_attrs.get("worker") or {}).get("pid") for t in trials} - {None})})
    return rows
