"""The emit pass: one C library folder per declared target, through each
target's backend, plus the desktop ``predict`` tool and the holdout rows with
their expected predictions (for checking the C against the Python model)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from .. import targets as target_registry
from ..codegen.cgen import c_float
from ..codegen.library import Provenance
from ..spec.diagnostics import listing
from ..spec.ir import Task
from ..spec.resolve_inputs import LISTED


def _reads(report: dict) -> str:
    """What the README adds when the model reads only some of its features (a tree model)."""
    read = report["model"].get("features_read")
    every = (report.get("fitting") or {}).get("features_kept")
    if read is None or every is None or len(read) >= every:
        return ""
    return (f" (of the ones it reads: {len(read)} of the {every} features, `model.features_read` in "
            f"report.json; a value the model does not read cannot change its result)")


def _csv_number(v: float) -> str:
    return c_float(v)[:-1]  # the float32 value's shortest decimal form


def write_holdout(ds, path: Path, predictions: np.ndarray | None = None) -> None:
    """Holdout features as float32 decimals (the shortest that reads back exactly by strtod + a
    cast to float), with the label; names and labels quoted as CSV needs. Signal data: ``path``
    gets the raw samples laid out like the data (what the predict tool reads, as it reads the
    data), and ``holdout_windows.csv`` beside it the window features."""
    import csv

    if ds.raw_holdout is not None:
        columns, rows = ds.raw_holdout
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(columns)
            w.writerows(rows)
        path = path.with_name("holdout_windows.csv")
    X = ds.X_holdout.astype(np.float32)
    if ds.task == Task.classification:
        labels = [ds.classes[int(c)] for c in ds.y_holdout]
    else:
        labels = [repr(float(v)) for v in ds.y_holdout]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([*ds.feature_names, "label"])
        # str() of a numpy float32 is its shortest round-trip decimal (what c_float writes, 5x faster)
        w.writerows([*map(str, row), y] for row, y in zip(X, labels))


def write_predictions(model, ds, path: Path, pred: np.ndarray | None = None) -> None:
    """The model's prediction of every holdout row (``pred``: already made)."""
    pred = model.predict(ds.X_holdout) if pred is None else pred
    if ds.task != Task.regression:  # class labels; a detector's 0/1 flag is normal/anomaly
        rows = [ds.classes[int(c)] for c in pred]
    else:
        rows = [_csv_number(v) for v in pred.astype(np.float32)]
    path.write_text("prediction\n" + "\n".join(rows) + "\n", encoding="utf-8")


def emit_all(model, ds, name: str, prov: Provenance, costs: dict, out: Path, per_target: dict | None = None,
             columns: tuple[str | None, str | None] = (None, None), package: dict | None = None,
             inputs: dict | None = None) -> dict:
    """Emit every target into ``out/<target>/`` (``per_target``: {target: (model, provenance)}
    where a target gets another form of the model; ``columns``: the data's label and time
    columns; ``package``: the spec's package block; ``inputs``: {target: its declared input
    sources}, for targets that read their sensor); returns per-target notes for the report."""
    from tinyc_backends.base import EmitRequest

    notes = {}
    for target_name, cost in costs.items():
        backend = target_registry.get(target_name)
        m, pv = (per_target or {}).get(target_name, (model, prov))
        req = EmitRequest(model=m, name=name, features=tuple(ds.feature_names), classes=tuple(ds.classes),
                          provenance=pv, flash=cost.flash, ram=cost.ram, example=example_row(m, ds),
                          label_column=columns[0], time_column=columns[1], package=package,
                          inputs=(inputs or {}).get(target_name))
        files = backend.emit(req, out / target_name)
        notes[target_name] = {"files": sorted(str(f.relative_to(out)) for f in files),
                              "measured": _measure(backend, req, out / target_name)}
        sources = backend.input_sources(req)
        if sources is not None:
            notes[target_name]["inputs"] = sources
    return notes


def input_notes(targets: dict) -> list[str]:
    """What a build says of a target that reads its sensor itself when the integrator's code must
    supply inputs the spec does not declare."""
    out = []
    for name, t in targets.items():
        owed = [s["feature"] for s in t.get("inputs") or () if s["source"] == "integrator" and not s["declared"]]
        if owed:
            out.append(f"target {name}: the sensor does not compute {len(owed)} of the model's inputs and the spec "
                       f"does not say where they come from ({listing(owed, LISTED)}); {name}/src/main.c asks your code for them "
                       f"(tinyc_user_feature). Declare them in the target block: supply <inputs>: <unit> (your "
                       f"code computes them) or read <input>: ARAW_X g (a raw register), or add a signal block so "
                       f"the sensor computes the features; `inputs strict` makes this an error")
    return out


def package_notes(costs: dict, package: dict | None) -> list[str]:
    """What a build says when its library manifests (Arduino, PlatformIO) lack the spec's package
    fields."""
    from tinyc_backends.packages import missing_package_note

    manifests = any({"arduino", "platformio"} & set(getattr(target_registry.get(t), "packages", ())) for t in costs)
    note = missing_package_note(package) if manifests else None
    return [note] if note else []


def example_row(model, ds) -> tuple[tuple[float, ...], str] | None:
    """The first holdout row as float32 values and what ``model`` predicts for it (a label, or a
    value), for the examples the packages carry; None for a signal model (its rows are windows,
    not the raw samples its library takes) or without holdout rows."""
    if getattr(model, "frontend", None) is not None or len(ds.X_holdout) == 0:
        return None
    row = ds.X_holdout[:1].astype(np.float32)
    pred = model.predict(row)[0]
    if ds.task == Task.regression:
        shown = _csv_number(float(pred))
    else:
        shown = f'"{ds.classes[int(pred)]}"'
    return tuple(float(v) for v in row[0]), shown


def measured_flash(model, ds, name: str, prov: Provenance, costs: dict) -> dict[str, int]:
    """Linked flash of the inference entry point per Arm target (empty without the toolchain):
    the libraries are emitted into a scratch folder and measured as :func:`emit_all` does."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        notes = emit_all(model, ds, name, prov, costs, Path(tmp))
    return {t: n["measured"]["flash"] for t, n in notes.items() if n["measured"]["flash"] is not None}


def _measure(backend, req, folder: Path) -> dict:
    """arm-none-eabi-size figures of the inference entry point, when the toolchain is here."""
    from .. import toolchain

    if backend.toolchain is None:
        return {"flash": None, "ram": None, "note": "measured only for targets with a cross toolchain"}
    if not backend.toolchain.available():
        return {"flash": None, "ram": None, "note": backend.toolchain.install}
    m = toolchain.measure(folder, req.name, backend, **toolchain.firmware_calls(req.name, req.model))
    return {"flash": m.flash, "ram": m.ram, "soft_float": m.soft_float, "library_symbols": list(m.library_symbols),
            "library_bytes": m.library_bytes,
            "tool": f"{backend.toolchain.gcc} -Os, --gc-sections, {backend.toolchain.size}"}


def build_predict_tool(model, ds, name: str, prov: Provenance, out: Path,
                       columns: tuple[str | None, str | None] = (None, None)) -> str | None:
    """Emit the host library into a scratch folder and compile ``artifacts/predict``
    (``columns``: the data's label and time columns, which it reads by name).
    Returns None on success, else why the tool was not built."""
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return "no C compiler (cc) found; install gcc to get the predict tool"
    host_dir = out / "host"
    backend = HostBackend()
    if not host_dir.exists():
        host_dir = out / "artifacts" / ".host"
        backend.emit(EmitRequest(model, name, tuple(ds.feature_names), tuple(ds.classes), prov, 0, 0,
                                 label_column=columns[0], time_column=columns[1]), host_dir)
    try:
        backend.build_predict(host_dir, out / "artifacts" / "predict", cc)
    finally:
        if host_dir.name == ".host":
            shutil.rmtree(host_dir, ignore_errors=True)
    return None


LICENSE_TEXT = """The files in this folder were generated by tinyc from your spec and your data.
They are yours: use, modify and distribute them under any terms you choose, with
or without this notice. tinyc's own licence does not apply to its output.
"""


def output_readme(report: dict, name: str) -> str:
    """README.md of a build folder: integration in three steps, the API, the figures."""
    P = name.upper()
    classification = report["task"] == "classification"
    metric = report["metric"]
    m = report["model"]
    rows = "\n".join(
        f"| `{t}` | {c['flash']} / {c['flash_limit']} | {c['ram']} / {c['ram_limit']} | {c['ops']} | "
        f"{c['latency_us']:g} µs at {c['clock_hz'] / 1e6:g} MHz"
        + (f" (limit {c['latency_limit_us']:g} µs)" if c.get("latency_limit_us") is not None else "") + " |"
        for t, c in report["targets"].items())
    call = (f"int32_t cls;\nif ({name}_predict(x, &cls) == {P}_OK) {{\n"
            f"    printf(\"%s\\n\", {name}_class_label(cls));\n}}" if classification else
            f"float y;\nif ({name}_predict_value(x, &y) == {P}_OK) {{\n    printf(\"%f\\n\", (double)y);\n}}")
    api = (f"Every symbol starts with `{name}_`; there is no heap, no recursion, weights are `const`\n"
           f"(flash), and `{name}_scores_r()` takes caller-supplied scratch for re-entrant use.\n"
           f"NaN or infinite inputs return `{P}_ERR_INPUT`{_reads(report)}.")
    anomaly = report.get("anomaly")
    if anomaly:
        call = (f"int32_t anomaly;\nfloat score;\nif ({name}_is_anomaly(x, &anomaly, &score) == {P}_OK && anomaly) {{\n"
                f"    /* raise the alarm */\n}}\n/* {'feed normal data to adapt the baseline: ' + name + '_learn(x); ' if anomaly['learn'] != 'offline' else ''}"
                f"see {name}.h for _reset, _save and _restore */")
        api = (f"Every symbol starts with `{name}_`; there is no heap and no recursion. The detector "
               f"({anomaly['learn']}: {anomaly['shipped']}) flags a score above {anomaly['threshold']:.6g} "
               f"({anomaly['threshold_rule']}); `{name}_set_threshold()` changes it. NaN or infinite "
               f"inputs return `{P}_ERR_INPUT`.")

    step3 = f"Fill a `float x[{P}_N_FEATURES]` in the order of `{name}_feature_names` and call:"
    if report.get("signal"):  # raw samples in, one at a time
        sig = report["signal"]
        entry = (f"{name}_predict_window_value(&y)" if report["task"] == "regression" else
                 f"{name}_predict_window(&cls)")
        step3 = (f"Push each raw sample as `float sample[{P}_N_CHANNELS]` ({', '.join(sig['channels'])}) "
                 f"at {sig['rate_hz']:g} Hz; a window of {sig['window']} samples completes every {sig['hop']}:")
        push = f"{name}_push_sample(sample, &ready)"
        if sig.get("device"):
            dev = sig["device"]
            readings = ", ".join(f"{c}: {d['reading']}" for c, d in dev["channels"].items())
            step3 = (f"Push each raw reading of the device as `int16_t raw[{P}_N_CHANNELS]` ({readings}) "
                     f"at {dev['rate_hz']:g} Hz; `{name}_push_raw` converts them to the training data's units"
                     f"{' and resamples to ' + format(sig['rate_hz'], 'g') + ' Hz' if dev['resampled'] else ''}; "
                     f"a window of {sig['window']} samples completes every {sig['hop']}:")
            push = f"{name}_push_raw(raw, &ready)"
        elif sig.get("units_notice"):
            step3 += f" ({sig['units_notice']})"
        call = (f"int32_t ready = 0, cls = -1;\nfloat y = 0.0f;\n"
                f"if ({push} == {P}_OK && ready && {entry} == {P}_OK) {{\n"
                f"    /* {'y' if report['task'] == 'regression' else 'cls'}: the last window's result */\n}}")

    def fmt(v):
        return "—" if v is None else f"{v:.4f}"

    return f"""# {name}: a {m['description']} built by tinyc

{report['task']}, {metric} on the holdout: **{fmt(m['metrics']['holdout'][metric])}**
(training: {fmt(m['metrics']['train'][metric])}). Details: `report.json`.

## Use it in three steps

1. Copy the folder of your target (e.g. `{next(iter(report['targets']))}/`) into your firmware project.
2. Add `src/` to the include path and `src/{name}.c` to the sources — or use the folder's
   `CMakeLists.txt` (`add_subdirectory`) or `{name}.mk` (Makefile fragment); Arm folders are
   also Arduino and PlatformIO libraries (with an example sketch) and a Zephyr module. The
   folder's `README.md` says how, in a line each.
3. {step3}

```c
#include "{name}.h"
{call}
```

{api}

## Per target (estimates)

| target | flash (B) used / limit | RAM (B) used / limit | operations | latency |
|---|---|---|---|---|
{rows}

## Files

- `<target>/src/{name}.h`, `<target>/src/{name}.c`: the library for each target, with its
  build glue (`CMakeLists.txt`, `{name}.mk`; for Arm also `toolchain-<target>.cmake`,
  `library.properties`, `library.json`, `examples/{name}/{name}.ino`, `zephyr/`)
- `artifacts/model.json`: the model as arrays{'' if anomaly else '; `artifacts/model.onnx`: its float form as ONNX'};
  `artifacts/predict`: desktop tool
  (`artifacts/predict --csv artifacts/holdout.csv`); `artifacts/holdout.csv` and
  `artifacts/holdout_predictions.csv`: the holdout rows and what the model predicts for them
- `manifest.json`: versions and hashes of everything this build came from
- `LICENSE`: the generated code is yours
"""
