"""Instructions per window and flash of the signal front ends the examples ship, on the Cortex-M0+,
the Cortex-M4 and RV32IMC, against the front end of an earlier commit in the same run.

The front ends are those the bundled ECG200 beat (examples/ecg200/beats.tml) and activity
(examples/basic_motions/activity.tml) builds chose (the features their models read, and the
spectrum's kernel), kept in benchmarks/frontends/*.json so that every run measures the same ones
(`--refresh` rebuilds the examples and replaces them). Each is emitted next to a float linear model
on its features and measured as `tinyc calibrate` measures front ends
(tinyc.calibration.signal.measure): flash = what push_sample and predict_window add to the image,
instructions = a window's hop of push_sample calls and its features under qemu, less the model's
own prediction. Measured three ways in the same run: as built, with the other spectrum kernel
(DFT or FFT), and by the tinyc of the baseline commit (`git archive BASELINE tinyc`, by default
c61b9e3: every statistic of a channel, the direct DFT, the ring index by division).

Prints the table and replaces the "Front ends" section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/frontend_kernels.py [--refresh] [--baseline REV]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import replace_section  # noqa: E402
from tinyc import targets as registry  # noqa: E402
from tinyc.calibration.signal import measure  # noqa: E402
from tinyc.signal.fft import radices  # noqa: E402
from tinyc.verify import frontend_of  # noqa: E402

EXAMPLES = {"ecg200 beat": "examples/ecg200/beats.tml", "activity": "examples/basic_motions/activity.tml"}
TARGETS = {"cortex-m0plus": "M0+", "cortex-m4": "M4", "riscv32imc": "RV32IMC"}
SAVED = ROOT / "benchmarks" / "frontends"
BASELINE = "c61b9e3"
BEGIN, END = "<!-- front ends: benchmarks/frontend_kernels.py -->", "<!-- /front ends -->"
# run by the baseline's tinyc: measure a front end (JSON, without the fields that tinyc lacks)
OLD = """import json, sys, tempfile
from pathlib import Path
from tinyc import targets as registry
from tinyc.calibration.signal import measure
from tinyc.signal import FrontEnd
import dataclasses
doc = json.loads(sys.argv[1])
known = {f.name for f in dataclasses.fields(FrontEnd)}
fe = FrontEnd(**{k: tuple(map(lambda v: tuple(v) if isinstance(v, list) else v, x)) if isinstance(x, list) else x
                 for k, x in doc.items() if k in known})
with tempfile.TemporaryDirectory() as tmp:
    print(json.dumps(measure(registry.get(sys.argv[2]), sys.argv[2], Path(tmp), fe)))
"""


def refresh() -> None:
    """Build the examples and keep their front ends (model.json's, without the device input)."""
    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    SAVED.mkdir(exist_ok=True)
    for name, spec in EXAMPLES.items():
        with tempfile.TemporaryDirectory() as tmp:
            build(load(ROOT / spec), ROOT / spec, Path(tmp) / "out")
            doc = json.loads((Path(tmp) / "out" / "artifacts" / "model.json").read_text())
        fe = {k: v for k, v in doc["frontend"].items() if k != "device"}
        (SAVED / f"{name.replace(' ', '_')}.json").write_text(json.dumps(fe, indent=1) + "\n")


def baseline(rev: str, tmp: Path) -> Path:
    """The baseline commit's tinyc package, extracted into ``tmp``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "tinyc"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp


def measure_old(old: Path, fe, target: str) -> tuple[int, float]:
    doc = json.dumps({k: v for k, v in asdict(fe).items() if k not in ("device", "spectrum")})
    out = subprocess.run([sys.executable, "-c", OLD, doc, target], cwd=old, env={"PYTHONPATH": str(old), "PATH": "/usr/bin:/bin"},
                         check=True, capture_output=True, text=True).stdout
    flash, n = json.loads(out)
    return flash, n


def main(argv: list[str]) -> None:
    if "--refresh" in argv or not SAVED.exists():
        refresh()
    rev = argv[argv.index("--baseline") + 1] if "--baseline" in argv else BASELINE
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old = baseline(rev, Path(tmp))
        for name in EXAMPLES:
            fe = frontend_of({"frontend": json.loads((SAVED / f"{name.replace(' ', '_')}.json").read_text())})
            variants = {f"as built ({fe.spectrum})": fe}
            other = "dft" if fe.spectrum == "fft" else "fft"
            if fe.spectral_channels() and (other == "dft" or radices(fe.window) is not None):
                variants[other] = replace(fe, spectrum=other)
            for t in TARGETS:
                backend = registry.get(t)
                with tempfile.TemporaryDirectory() as work:
                    figs = {v: measure(backend, t, Path(work) / f"v{i}", f) for i, (v, f) in enumerate(variants.items())}
                before = measure_old(old, fe, t)
                built = next(iter(figs.values()))
                cells = " | ".join(f"{n:.0f} instr, {b} B" for b, n in figs.values())
                rows.append(f"| {name} | {TARGETS[t]} | {fe.window} | {len(fe.outputs())} | {cells}"
                            f"{' | —' if len(figs) == 1 else ''} | {before[1]:.0f} instr, {before[0]} B | "
                            f"{built[1] / before[1]:.2f} | {built[0] / before[0]:.2f} |")
                print(rows[-1], flush=True)
    section = "\n".join([
        BEGIN, "## Front ends: instructions per window", "",
        "The signal front ends of the ECG200 beat and activity examples (benchmarks/frontend_kernels.py: the "
        "features their builds chose, kept in benchmarks/frontends/; push_sample for a hop and predict_window's "
        f"features, counted under qemu, -Os, less the model), as built, with the other spectrum kernel, and by "
        f"the tinyc of commit {rev} (every statistic, the direct DFT) in the same run.", "",
        "| example | core | window | features | as built | other spectrum | before | instr ratio | flash ratio |",
        "|---|---|---|---|---|---|---|---|---|", *rows, END])
    replace_section(BEGIN, END, section)


if __name__ == "__main__":
    main(sys.argv[1:])
