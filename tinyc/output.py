"""Build output folders: tinyc writes only what it owns, and a folder appears whole or not at all.

An output folder is tinyc's when it does not exist yet, is empty, or holds an earlier tinyc
build (a manifest.json that tinyc wrote). Anything else is refused before any work starts
(`claim`), and again just before the swap, in case the folder changed meanwhile. Never the
filesystem root, the home folder, the current folder or one of its parents, or a folder that
holds the spec or its data, even with ``force``.

Files in an earlier build that tinyc did not write (the manifest lists what it wrote) are
refused unless ``force``; with ``force`` they are carried over into the new build unchanged.

Everything is written into a hidden sibling folder ``.NAME.partial-PID-XXXX``; only when the
build succeeds is it swapped into place, with signals blocked for the two renames. A failed or
interrupted build removes its partial folder; partial folders left by a process that no longer
runs (killed with SIGKILL, a power cut) are removed by the next build into the same place.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import TinycError
from .spec.diagnostics import listing

# what a build writes at its top level besides one folder per target (legacy manifests list no files)
TOP_LEVEL = frozenset({"manifest.json", "report.json", "report.html", "report.md", "README.md", "LICENSE",
                       "spec.tml", "spec.resolved.json", "artifacts"})
_SWAP_SIGNALS = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())


class OutputError(TinycError):
    """The output folder is not tinyc's to write; the message says why and what to do."""

    code, kind = "E0601", "output"


@dataclass(frozen=True)
class OutputPlan:
    """Where a build goes (absolute) and the user files an earlier build's folder holds that
    move into the new one (relative paths; only with ``force``)."""
    final: Path
    keep: tuple[str, ...] = ()
    protected: tuple[Path, ...] = ()
    force: bool = False


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _listing(names, limit: int = 5) -> str:
    return listing(sorted(names), limit)


def tinyc_manifest(folder: Path) -> dict | None:
    """The manifest of a tinyc build folder, or None when the folder holds none."""
    try:
        doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and "tinyc_version" in doc and "model_id" in doc else None


def foreign_files(folder: Path, manifest: dict) -> list[str]:
    """Files under ``folder`` that the build described by ``manifest`` did not write."""
    if isinstance(manifest.get("files"), list):
        owned = set(manifest["files"]) | {"manifest.json"}
        found = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()]
        return sorted(f for f in found if f not in owned)
    owned = TOP_LEVEL | set(manifest.get("targets") or {})  # a build from before manifests listed their files
    return sorted(p.name for p in folder.iterdir() if p.name not in owned)


def claim(out: Path, protected=(), force: bool = False) -> OutputPlan:
    """Check that ``out`` may receive a build; raises OutputError with the reason and the remedy.
    ``protected``: the spec, data and holdout files, which the folder must not hold."""
    given = Path(out)
    if given.is_symlink():
        raise OutputError(f"output folder '{out}' is a symbolic link; give the folder itself with -o")
    final = given.resolve()
    cwd, home = Path.cwd().resolve(), Path.home().resolve()
    if final == Path(final.anchor):
        raise OutputError(f"output folder '{out}' is the filesystem root; choose a new folder such as build/")
    if final == home:
        raise OutputError(f"output folder '{out}' is your home folder; choose a new folder such as build/")
    if _is_within(cwd, final):
        raise OutputError(f"output folder '{out}' is the current folder or holds it; tinyc replaces its output "
                          f"folder as a whole, so choose a new folder such as build/")
    prot = tuple(Path(p).resolve() for p in protected if p is not None)
    for p in prot:
        if _is_within(p, final):
            raise OutputError(f"output folder '{out}' holds {p.name}, an input of this build; tinyc replaces its "
                              f"output folder as a whole, so choose a new folder such as build/")
    if not final.exists():
        return OutputPlan(final, (), prot, force)
    if not final.is_dir():
        raise OutputError(f"output '{out}' is a file, not a folder; choose a folder name with -o")
    if not any(final.iterdir()):
        return OutputPlan(final, (), prot, force)
    manifest = tinyc_manifest(final)
    if manifest is None:
        names = [p.name for p in final.iterdir()]
        raise OutputError(f"output folder '{out}' exists and holds files tinyc did not write ({_listing(names)}); "
                          f"tinyc writes only into a new or empty folder or an earlier tinyc build: "
                          f"choose another folder with -o")
    extra = foreign_files(final, manifest)
    if extra and not force:
        raise OutputError(f"output folder '{out}' holds an earlier tinyc build and files tinyc did not write "
                          f"({_listing(extra)}); move them out, or rebuild with --force, which keeps them")
    return OutputPlan(final, tuple(extra), prot, force)


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder``, relative and sorted: what a manifest lists as tinyc's."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_pid(path: Path, marker: str) -> int | None:
    head = path.name.split(marker, 1)[1].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def remove_stale(final: Path) -> list[Path]:
    """Partial and swapped-out folders beside ``final`` whose build process no longer runs:
    removed (a swapped-out build is first restored when ``final`` itself went missing)."""
    removed = []
    for marker in (".old-", ".partial-"):
        for p in sorted(final.parent.glob(f".{final.name}{marker}*")):
            pid = _owner_pid(p, marker)
            if pid is not None and pid != os.getpid() and _pid_alive(pid):
                continue  # another build into the same place is running
            if marker == ".old-" and not final.exists() and p.is_dir():
                os.replace(p, final)  # killed between the two renames of a swap: the earlier build comes back
                continue
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


@contextmanager
def signals_blocked(signals=_SWAP_SIGNALS):
    """``signals`` held back in the calling thread (and in what it forks) for the body; those that
    arrive meanwhile are delivered after it."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover (not on POSIX)
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def atomic_dir(plan: OutputPlan | Path):
    """Yields a fresh hidden folder beside ``plan.final``; when the body succeeds the folder
    replaces the final one (the user files of ``plan.keep`` carried over). On any failure or
    signal the partial folder is removed and the earlier build stays."""
    if not isinstance(plan, OutputPlan):
        plan = claim(plan)
    final = plan.final
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-{os.getpid()}-", dir=final.parent))
    try:
        yield tmp
        again = claim(final, plan.protected, plan.force)  # the folder may have changed during the build
        for rel in again.keep:
            src, dst = final / rel, tmp / rel
            if dst.exists() or dst.is_symlink():
                raise OutputError(f"cannot keep {final / rel}: the new build writes a file of that name; "
                                  f"move it out of the output folder and build again")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copy2(src, dst)
        with signals_blocked():
            old = None
            if final.exists():
                old = final.parent / f".{final.name}.old-{os.getpid()}"
                os.replace(final, old)
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, data) -> None:
    """Deterministic JSON: sorted keys, fixed indentation, trailing newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
