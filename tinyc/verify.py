"""`tinyc verify BUILD_DIR`: the emitted libraries, measured on the real cross
toolchain and run on emulated cores against the Python model.

For every target of a build that declares a toolchain and an emulator (the Arm and RISC-V
cores): flash and RAM of the inference entry point as linked (the toolchain's `size`, library
code such as soft-float listed), the
holdout rows run in a bare-metal image under qemu with the predictions checked
against the golden model, and guest instructions per inference counted by a
qemu plugin (qemu emulates no cycle counter: instructions are the latency
figure). Results go into report.json and manifest.json.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import emulator, toolchain
from . import targets as target_registry
from .artifacts import read_manifest, read_report, write_manifest, write_report
from .errors import TinycError
from .models import Model
from .spec.ir import Task


class VerifyError(TinycError):
    """Verification could not run or found a mismatch; the message says which."""

    code, kind = "E0701", "verify"


@dataclass(frozen=True)
class TargetResult:
    target: str
    board: str
    rows: int
    flash: int
    ram: int
    soft_float: bool
    library_symbols: tuple[str, ...]
    library_bytes: int
    instructions: float
    parity: bool
    mismatches: int
    stack: int = 0  # deepest stack of the predict call (GCC call graph; libgcc helpers not included)
    stack_external: tuple[str, ...] = ()
    instructions_per_window: float | None = None  # with a signal front end: a hop of samples and a prediction

    def as_dict(self) -> dict:
        return {"board": self.board, "rows": self.rows, "flash": self.flash, "ram": self.ram,
                "soft_float": self.soft_float, "library_symbols": list(self.library_symbols),
                "library_bytes": self.library_bytes,
                "instructions_per_inference": round(self.instructions, 1), "parity": self.parity,
                "mismatches": self.mismatches, "stack": self.stack, "stack_external_calls": list(self.stack_external),
                **({"instructions_per_window": round(self.instructions_per_window, 1)}
                   if self.instructions_per_window is not None else {})}


def load_model(build: Path, form: str | None = None) -> tuple[Model, dict]:
    """The golden model of a build (an anomaly detector: as shipped); ``form``: the form a
    target got when it differs from the build's (artifacts/model_<form>.json)."""
    doc = json.loads((build / "artifacts" / "model.json").read_text())
    if form is not None and form != ((doc.get("qinfo") or {}).get("mode") or "float32"):
        doc = json.loads((build / "artifacts" / f"model_{form}.json").read_text())
    if doc["task"] == "anomaly":
        from .models.anomaly import Detector

        det = Detector.from_json(doc["detector"])
        det.frontend = frontend_of(doc)
        return det, doc
    arrays = {k: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for k, v in doc["arrays"].items()}
    model = Model(doc["family"], Task(doc["task"]), doc["params"], len(doc["features"]), len(doc["classes"]), arrays,
                  qinfo=doc.get("qinfo"), frontend=frontend_of(doc))
    return model, doc


# one pushed sample per row of the stream, a prediction when a window is ready
WINDOW_CALL = """{{
    int32_t ready = 0, cls = 0;
    float value = 0.0f;
    {calls}
    tinyc_class = cls + ready;
    tinyc_out = value;
    (void)s;
}}"""


def instructions_per_window(folder: Path, name: str, target: str, model) -> float | None:
    """Instructions per window of a library with a signal front end, counted under ``target``'s
    emulator on a stream of rows pushed as firmware pushes them (a device's raw counts through
    push_raw, with a device input); None without a front end."""
    stream = toolchain.firmware_calls(name, model, raw_source="(int16_t)x[k]")["signal"]
    if stream is None:
        return None
    return emulator.instructions_per_window(folder, name, target, model.frontend,
                                            WINDOW_CALL.format(calls=stream.replace("\n", "\n    ")))


def frontend_of(doc: dict):
    """The signal front end of a model.json (None without one)."""
    if doc.get("frontend") is None:
        return None
    from .signal import FrontEnd
    from .signal.device import DeviceInput

    def tuples(v):
        return tuple(tuples(x) for x in v) if isinstance(v, list) else v

    fields = {k: tuples(v) for k, v in doc["frontend"].items()}
    if fields.get("device") is not None:
        fields["device"] = DeviceInput(**fields["device"])
    return FrontEnd(**fields)


def mismatches(run, golden_cls, golden_scores, classification: bool) -> int:
    """Rows where the C disagrees with the golden model: a different class, or
    scores that are not the same float32 bits."""
    if len(run.classes) != len(golden_cls):
        return max(1, abs(len(golden_cls) - len(run.classes)))
    golden = np.asarray(golden_scores, dtype=np.float32)
    ok = np.all(run.scores.view(np.uint32) == golden.view(np.uint32), axis=1)
    if classification:
        ok &= run.classes == golden_cls
    return int(np.sum(~ok))


def load_holdout(build: Path, features: list[str]) -> np.ndarray:
    import pandas as pd

    windows = build / "artifacts" / "holdout_windows.csv"  # a signal model's holdout.csv holds raw samples
    df = pd.read_csv(windows if windows.exists() else build / "artifacts" / "holdout.csv")
    return df[features].to_numpy(dtype=np.float32)


def verify(build: Path, on_line=print) -> dict[str, TargetResult]:
    build = Path(build).resolve()  # the toolchain runs in temporary folders: paths must not be relative
    for need in ("manifest.json", "report.json", "artifacts/model.json", "artifacts/holdout.csv"):
        if not (build / need).exists():
            raise VerifyError(f"{build} is not a tinyc build folder (no {need}); run `tinyc build` first")
    report, manifest = read_report(build), read_manifest(build)
    name = manifest.model
    model, doc = load_model(build)
    X = load_holdout(build, doc["features"])
    classification = model.task != Task.regression  # a detector's predict is its 0/1 flag
    if model.task == Task.anomaly and model.n == 0:
        raise VerifyError("the detector ships empty (learn on_device): it scores only after learning on the device, "
                          "so there is nothing to compare on the holdout (tests/backends/test_anomaly.py checks "
                          "the learning itself on host and qemu)")
    main_form = (doc.get("qinfo") or {}).get("mode") or "float32"
    goldens: dict = {}  # per form: (model, predictions, scores on the holdout rows)

    def golden_of(target: str):
        """The model a target's library implements (quantize auto may give a target float32), and
        its predictions and scores on the holdout rows, computed once per form."""
        form = (report.targets[target].quantization or main_form) if model.task != Task.anomaly else main_form
        if form not in goldens:
            m = model if form == main_form else load_model(build, form)[0]
            scores = m.scores(X)
            goldens[form] = (m, m.predict(X), scores[:, None] if scores.ndim == 1 else scores)
        return goldens[form]

    results: dict[str, TargetResult] = {}
    emulated = [t for t in report.targets if target_registry.get(t).emulator is not None]
    if not emulated:
        on_line("verify: the build has no target with an emulator; nothing to run")
    for target in emulated:
        why = emulator.available(target)
        if why:
            raise VerifyError(f"cannot verify {target}: {why}")
        backend = target_registry.get(target)
        folder = build / target
        emitted, golden_cls, golden_scores = golden_of(target)
        try:
            # what firmware calls (with a front end: push_sample, predict_window, the model)
            calls = toolchain.firmware_calls(name, emitted)
            measured = toolchain.measure(folder, name, backend, **calls)
            per_window = instructions_per_window(folder, name, target, emitted)
            run = emulator.run_emulated(folder, name, X, classification, target)
            insns = emulator.instructions_per_inference(folder, name, X, target)
            stack, external = toolchain.stack_depth(folder, name, backend)
        except RuntimeError as e:  # the library no longer builds or runs: report, not crash
            raise VerifyError(f"{target}: {e}") from None
        bad = mismatches(run, golden_cls, golden_scores, classification)
        results[target] = TargetResult(target, backend.emulator.machine, len(X), measured.flash,
                                       measured.ram, measured.soft_float, measured.library_symbols,
                                       measured.library_bytes, insns,
                                       bad == 0, bad, stack, external, per_window)
        r = results[target]
        window = f"  {r.instructions_per_window:>9.0f} instr/window" if r.instructions_per_window is not None else ""
        on_line(f"{target:<14} {r.board:<11} flash {r.flash:>6} B  ram {r.ram:>5} B + stack {r.stack:>4} B  "
                f"{r.instructions:>9.0f} instr/inference{window}  parity {'ok' if r.parity else 'FAILED'} "
                f"({r.rows - r.mismatches}/{r.rows} rows)"
                + (f"  incl. {r.library_bytes} B library code" if r.library_bytes else ""))
    report = report.model_copy(update={"verify": {t: r.as_dict() for t, r in results.items()}})
    manifest = manifest.model_copy(update={"verify": {t: {"flash": r.flash, "ram": r.ram, "stack": r.stack, "instructions_per_inference":
                              round(r.instructions, 1), "parity": r.parity,
                              **({"instructions_per_window": round(r.instructions_per_window, 1)}
                                 if r.instructions_per_window is not None else {})} for t, r in results.items()}})
    write_report(build, report)
    write_manifest(build, manifest)
    failed = [t for t, r in results.items() if not r.parity]
    if failed:
        raise VerifyError(f"parity broken on {', '.join(failed)}: the emulated C disagrees with the Python model "
                          f"(details in report.json under 'verify')")
    slow = [line for t, r in results.items() if (line := late(t, r, report.targets[t]))]
    if slow:
        raise VerifyError("over the latency: " + "; ".join(slow))
    return results


def late(target: str, r: TargetResult, figures) -> str | None:
    """Why a target's counted instructions break its latency (at CYCLES_PER_INSTRUCTION cycles each,
    an assumption: qemu counts instructions, not cycles), or None."""
    from .models.costs import CYCLES_PER_INSTRUCTION, cycles

    limit = getattr(figures, "latency_limit_us", None)
    if limit is None:
        return None
    counted = r.instructions_per_window if r.instructions_per_window is not None else r.instructions
    us = cycles(counted) / figures.clock_hz * 1e6  # as the estimate turns instructions into time
    if us <= limit:
        return None
    return (f"{target} counted {counted:.0f} instructions a prediction, {us:g} µs at {figures.clock_hz / 1e6:g} MHz "
            f"({CYCLES_PER_INSTRUCTION} cycles an instruction), over its {limit:g} µs")
