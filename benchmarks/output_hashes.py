"""The outputs of every bundled example, as sha256 digests: the guard of a restructuring that must
not change behaviour. Builds each spec under examples/ and specs/ with a fixed trial count, one
worker and time to spare (the trial count, not the clock, ends each build), and digests every file of the output folder (report.json without its timings; not the
rendered reports, which show those timings, nor the compiled predict tool).

    .venv/bin/python benchmarks/output_hashes.py            # compare with benchmarks/output_hashes.json
    .venv/bin/python benchmarks/output_hashes.py --update   # record them (commit with the reason)

The record names the versions of the libraries that train the models: in an environment with other
versions the comparison does not apply (`tests/test_output_hashes.py` then skips, saying so).
"""
from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "benchmarks" / "output_hashes.json"
TRIALS = 3
SLACK = 300.0  # seconds added to every spec's budget (see build_all)
SKIPPED = {"report.html", "report.md", "artifacts/predict"}
TIMINGS = {"elapsed", "elapsed_s", "finished_at", "seconds"}  # report.json keys that measure time


def specs() -> list[Path]:
    return sorted(ROOT.glob("examples/*/*.tml")) + sorted(ROOT.glob("specs/*.tml"))


def versions() -> dict[str, str]:
    from importlib.metadata import version

    import numpy  # noqa: F401  (OpenBLAS loaded, so its kernels can be named)

    from tinyc.blas import kernel

    return {**{p: version(p) for p in ("numpy", "scikit-learn", "scipy", "optuna", "onnx")}, "openblas": kernel()}


def _untimed(obj):
    if isinstance(obj, dict):
        return {k: _untimed(v) for k, v in obj.items() if k not in TIMINGS}
    if isinstance(obj, list):
        return [_untimed(v) for v in obj]
    return obj


def digest(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel in SKIPPED:
            continue
        data = path.read_bytes()
        if rel == "report.json":
            data = json.dumps(_untimed(json.loads(data)), sort_keys=True).encode()
        out[rel] = hashlib.sha256(data).hexdigest()
    return out


def build_all(work: Path, on_spec=lambda name: None) -> dict[str, dict[str, str]]:
    """Build every spec (as a user does, from the repository's folder with relative paths: the
    resolved spec names its file as given, so absolute paths would tie the digests to a checkout)."""
    import os

    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    found = {}
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        for spec in specs():
            on_spec(spec.stem)
            rel = spec.relative_to(ROOT)
            # the budget's clock starts SLACK seconds late: a build bounded by its trial count must not
            # also be cut by its time budget on a loaded machine (growth, quantization's deadlines)
            build(load(rel), rel, work / spec.stem, trials=TRIALS, workers=1, started=time.monotonic() + SLACK)
            found[spec.stem] = digest(work / spec.stem)
    finally:
        os.chdir(here)
    return found


def compare(recorded: dict, found: dict) -> list[str]:
    """One line per difference (empty: identical)."""
    lines = []
    for name in sorted(set(recorded) | set(found)):
        a, b = recorded.get(name, {}), found.get(name, {})
        for rel in sorted(set(a) | set(b)):
            if a.get(rel) != b.get(rel):
                what = "new" if rel not in a else "gone" if rel not in b else "changed"
                lines.append(f"{name}/{rel}: {what}")
    return lines


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        found = build_all(Path(tmp), on_spec=lambda name: print(f"building {name}", file=sys.stderr))
    files = sum(len(v) for v in found.values())
    if "--update" in argv:
        RECORD.write_text(json.dumps({"versions": versions(), "trials": TRIALS, "outputs": found}, indent=1,
                                     sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {files} files of {len(found)} builds in {RECORD.relative_to(ROOT)}")
        return 0
    record = json.loads(RECORD.read_text())
    if record["versions"] != versions():
        print(f"recorded with {record['versions']}, this environment has {versions()}: not comparable")
        return 2
    diffs = compare(record["outputs"], found)
    print(f"{'build':<16} {'files':>6} {'differ':>7}")
    for name in sorted(found):
        n = sum(1 for d in diffs if d.startswith(name + "/"))
        print(f"{name:<16} {len(found[name]):>6} {n:>7}")
    for d in diffs:
        print(d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
