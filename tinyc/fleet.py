"""`tinyc build DIR_OR_FILES… -o OUT`: many specs built at once, like a build system.

Each spec (the ``*.tml`` files of a folder, recursively, or the files given) is built into
``OUT/<model name>`` by its own `tinyc build` process, at most ``jobs`` at a time, the cores
shared between them. A spec whose text, data (and holdout) files and tinyc version equal what the
folder's manifest records is skipped; ``force`` rebuilds it. A spec that fails does not stop the
others: its first error line is kept. At the end ``OUT/index.json`` and ``OUT/index.html`` list
every spec with its status, model, holdout metric, flash/RAM/latency per target, hashes, a link
to its report and what changed since the previous build in that folder (tinyc.diff). tinyc
writes the index files only where they are new or its own (``"generator": "tinyc"``)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TinycError
from .output import OutputError, tinyc_manifest, write_json

INDEX_SCHEMA_VERSION = 1
GENERATOR = "tinyc"


@dataclass
class Job:
    spec: Path  # as the user gave it (relative to the current folder)
    name: str | None = None  # the spec's model name: its output folder
    status: str = "pending"  # "built", "skipped", "failed"
    error: str | None = None
    seconds: float = 0.0
    previous: dict | None = None  # the report of the build the folder held before
    inputs: list[Path] = field(default_factory=list)  # spec, data and holdout files

    @property
    def label(self) -> str:
        return self.name or self.spec.as_posix()


def is_many(specs: list[str]) -> bool:
    """Whether a build command names many specs (a folder, or several files)."""
    return len(specs) > 1 or Path(specs[0]).is_dir()


def spec_files(paths: list[str], out: Path) -> list[Path]:
    """The spec files named: folders searched for ``*.tml`` (not inside the output folder)."""
    found: list[Path] = []
    out_abs = out.resolve()
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*.tml") if out_abs not in f.resolve().parents)
        elif p.is_file():
            found.append(p)
        else:
            raise TinycError(f"{p}: no such spec file or folder")
    if not found:
        raise TinycError(f"no *.tml spec under {', '.join(paths)}")
    return list(dict.fromkeys(found))


def claim_index(out: Path) -> None:
    """Refuse an index.json or index.html in ``out`` that tinyc did not write."""
    import json

    for name in ("index.json", "index.html"):
        path = out / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            ours = json.loads(text).get("generator") == GENERATOR if name.endswith(".json") else \
                f'<meta name="generator" content="{GENERATOR}">' in text
        except (ValueError, AttributeError):
            ours = False
        if not ours:
            raise OutputError(f"{path.as_posix()} exists and was not written by tinyc; a build of many specs writes "
                              f"its index there: move the file or choose another folder with -o")


def plan(specs: list[Path], out: Path, force: bool) -> list[Job]:
    """Each spec checked and named; the ones whose output is up to date marked skipped."""
    from .passes.study import identity
    from .spec import SpecError, load

    jobs, names = [], {}
    for spec in specs:
        job = Job(spec)
        jobs.append(job)
        try:
            r = load(str(spec))
        except SpecError as e:
            first = e.diagnostics[0] if e.diagnostics else None
            job.status, job.error = "failed", e.render(color=False).splitlines()[0] + (
                f"; help: {first.hint}" if first is not None and first.hint else "")
            continue
        job.name = r.spec.model.value
        if job.name in names:
            job.status, job.error = "failed", f"model name '{job.name}' is also built by {names[job.name]}"
            continue
        names[job.name] = spec.as_posix()
        job.inputs = [p for p in (spec, r.data_path, r.holdout_path) if p is not None]
        folder = out / job.name
        job.previous = _report(folder)
        manifest = tinyc_manifest(folder)
        if force or manifest is None or job.previous is None:
            continue
        mine = identity(spec, r)  # what a shared study also holds every process to
        built = {"tinyc_version": manifest.get("tinyc_version"), "spec_sha256": manifest["spec"]["sha256"],
                 "data_sha256": manifest["data"]["sha256"],
                 "holdout_sha256": (manifest.get("holdout") or {}).get("sha256")}
        if built == mine:
            job.status = "skipped"
    return jobs


def _report(folder: Path) -> dict | None:
    from .artifacts import ArtifactError
    from .diff import load

    try:
        return load(folder) if (folder / "report.json").is_file() else None
    except ArtifactError:
        return None


def _first_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return next((ln for ln in lines if ln.startswith(("error", "internal error")) or ": error" in ln),
                lines[-1] if lines else "failed with no message")


def _run(job: Job, out: Path, args: list[str], workers: int, running: list) -> Job:
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "tinyc", "build", str(job.spec), "-o", str(out / job.name), "--quiet",
           "--workers", str(workers), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True)
    running.append(proc)
    _, stderr = proc.communicate()
    job.seconds = time.monotonic() - t0
    job.status = "built" if proc.returncode == 0 else "failed"
    if proc.returncode != 0:
        job.error = _first_error(stderr)
    return job


def build_all(paths: list[str], out: Path, jobs: int = 0, force: bool = False, args: list[str] = (),
              on_line=print) -> list[Job]:
    """Build every spec under ``paths`` into ``out``; the jobs, each with its status."""
    specs = spec_files(paths, out)
    claim_index(out)
    todo = plan(specs, out, force)
    run = [j for j in todo if j.status == "pending"]
    for j in todo:
        if j.status == "skipped":
            on_line(f"{j.label}: unchanged, skipped")
    cores = os.cpu_count() or 1
    n = max(1, min(jobs or cores, len(run) or 1))
    workers = max(1, cores // n)
    running: list[subprocess.Popen] = []
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(_run, j, out, list(args), workers, running) for j in run]
        try:
            for f in as_completed(futures):
                j = f.result()
                if j.status == "built":
                    on_line(f"{j.label}: built in {j.seconds:.0f} s")
        except BaseException:  # stopped (Ctrl-C, SIGTERM): the builds stop too, each removing its partial output
            for f in futures:
                f.cancel()
            for proc in running:
                if proc.poll() is None:
                    proc.terminate()
            raise
    out.mkdir(parents=True, exist_ok=True)
    write_index(out, todo)
    return todo


def entry(job: Job, out: Path) -> dict:
    """The index's row of a spec."""
    from .diff import compare

    row = {"spec": job.spec.as_posix(), "model": job.name, "status": job.status, "error": job.error,
           "seconds": round(job.seconds, 1)}
    report = _report(out / job.name) if job.name and job.status != "failed" else None
    if report is None:
        return row
    metric = report["metric"]
    row.update(folder=job.name, report=f"{job.name}/report.html", description=report["model"]["description"],
               family=report["model"]["family"], metric=metric,
               holdout=report["model"]["metrics"]["holdout"].get(metric),
               targets={t: {k: f.get(k) for k in ("flash", "ram", "flash_limit", "ram_limit", "latency_us")}
                        for t, f in report["targets"].items()},
               spec_sha256=report["provenance"]["spec_sha256"], data_sha256=report["provenance"]["data_sha256"],
               tinyc_version=report["tinyc_version"])
    if job.status == "built" and job.previous is not None:
        row["change"] = summary(compare(job.previous, report))
    elif job.status == "built":
        row["change"] = {"first_build": True}
    return row


def summary(doc: dict) -> dict:
    """What changed, flattened: {"model": {"old", "new"}, "cortex-m4.flash": {...}, ...}."""
    out = {}
    for key in ("description", "quantization"):
        if doc["model"][key]["changed"]:
            out["model" if key == "description" else "form"] = {"old": doc["model"][key]["old"],
                                                                "new": doc["model"][key]["new"]}
    if doc["metric"]["holdout"]["changed"]:
        out["holdout"] = {k: doc["metric"]["holdout"][k] for k in ("old", "new")}
    for t, figures in doc["targets"].items():
        for k, p in figures.items():
            if p["changed"] and k != "measured_flash":
                out[f"{t}.{k}"] = {"old": p["old"], "new": p["new"]}
    for k, p in doc["provenance"].items():
        if p["changed"]:
            out[k.replace("_sha256", "")] = {"old": p["old"], "new": p["new"]}
    return out


def write_index(out: Path, jobs: list[Job]) -> None:
    from .report.index import render

    doc = {"generator": GENERATOR, "schema_version": INDEX_SCHEMA_VERSION,
           "specs": sorted((entry(j, out) for j in jobs), key=lambda e: e["spec"])}
    tmp_json, tmp_html = out / ".index.json.partial", out / ".index.html.partial"
    write_json(tmp_json, doc)
    tmp_html.write_text(render(doc), encoding="utf-8")
    os.replace(tmp_json, out / "index.json")
    os.replace(tmp_html, out / "index.html")
