"""The passes that write the output folder, all into the staging folder (``ctx.folder``) that
replaces the build folder only when every pass has run (tinyc.output.atomic_dir):

- emit: one library per target through its backend (tinyc.passes.emit), each form of the model
  with its provenance (the hashes of the spec, the data and the golden model);
- artifacts: the holdout rows, the golden model's predictions of them, the desktop predict
  tool and the ONNX form;
- write: README, LICENSE, the resolved spec, report.json and its renderings, the golden
  models and manifest.json, which lists every file tinyc owns in the folder.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from .. import __version__
from ..artifacts import MANIFEST_SCHEMA_VERSION, Manifest, as_json, write_manifest, write_report
from ..codegen.library import Provenance
from ..output import write_json, written_files
from ..spec.ir import IR_VERSION, Quantization, to_json
from ..errors import BuildError
from .context import BuildContext, Emitted, Evaluated, Packaged, Reported
from ..spec.resolve_inputs import declared
from .emit import (LICENSE_TEXT, build_predict_tool, emit_all, input_notes, output_readme, package_notes,
                   write_holdout, write_predictions)


def emit(ctx: BuildContext, ev: Evaluated) -> Emitted:
    r, s = ctx.resolved, ctx.spec
    spec_sha, data_sha = sha256_file(ctx.spec_path), sha256_file(r.data_path)
    provs = {q: Provenance(__version__, ctx.spec_path.name, spec_sha, data_sha,
                           hashlib.sha256(json_bytes(d)).hexdigest()[:16]) for q, d in ev.docs.items()}
    package = ({k: v.value for k in ("version", "author", "maintainer", "url") if (v := getattr(s.package, k))}
               if s.package is not None else None)
    notes = package_notes(ev.costs, package)
    prov = provs[ev.model.quant]
    emitted = emit_all(ev.model, ev.ds, ctx.name, prov, ev.costs, ctx.folder,
                       {t: (m, provs[m.quant]) for t, m in ev.forms.items()}, _columns(s), package,
                       {t.name.value: declared(t) for t in s.targets})
    return Emitted(ev, provs, spec_sha, data_sha, emitted, tuple(input_notes(emitted) + notes))


def artifacts(ctx: BuildContext, em: Emitted) -> Packaged:
    ev, tmp = em.evaluated, ctx.folder
    (tmp / "artifacts").mkdir()
    write_holdout(ev.ds, tmp / "artifacts" / "holdout.csv")
    write_predictions(ev.golden, ev.ds, tmp / "artifacts" / "holdout_predictions.csv", ev.holdout_pred)
    try:
        why_not = build_predict_tool(ev.model, ev.ds, ctx.name, em.provenance[ev.model.quant], tmp,
                                     _columns(ctx.spec))
    except subprocess.CalledProcessError as e:
        raise BuildError(f"the generated C did not compile on this machine (a tinyc bug): {e.stderr}") from None
    record = {"predict": "artifacts/predict" if why_not is None else None, "predict_note": why_not,
              "predict_form": ev.predict_form}
    if ev.float_model is None:
        record.update({"onnx": None, "onnx_note": ev.no_onnx})
    else:
        from ..onnx_export import to_onnx

        (tmp / "artifacts" / "model.onnx").write_bytes(to_onnx(ev.float_model, ev.ds.feature_names, ctx.name))
        note = None if ev.model.quant == Quantization.float32 else f"the float32 form of the {ev.model.quant} model the C implements"
        record.update({"onnx": "artifacts/model.onnx", "onnx_note": note})
    return Packaged(em, record)


def write(ctx: BuildContext, rep: Reported) -> Reported:
    r, s, tmp = ctx.resolved, ctx.spec, ctx.folder
    em = rep.packaged.emitted
    report = as_json(rep.report)
    (tmp / "README.md").write_text(output_readme(report, ctx.name), encoding="utf-8")
    (tmp / "LICENSE").write_text(LICENSE_TEXT, encoding="utf-8")
    spec_json = to_json(s)
    write_json(tmp / "spec.resolved.json", {"tinyc_version": __version__, "ir_version": IR_VERSION, "spec": spec_json})
    write_report(tmp, rep.report)
    spec_text = ctx.spec_path.read_text(encoding="utf-8")
    (tmp / "spec.tml").write_text(spec_text, encoding="utf-8")
    write_reports(tmp, report, spec_text, spec_json)
    docs = iter(em.evaluated.docs.items())
    write_json(tmp / "artifacts" / "model.json", next(docs)[1])
    for form, doc in docs:
        write_json(tmp / "artifacts" / f"model_{form}.json", doc)
    write_manifest(tmp, Manifest(
        schema_version=MANIFEST_SCHEMA_VERSION,
        tinyc_version=__version__,
        model=ctx.name,
        spec={"file": ctx.spec_path.name, "sha256": em.spec_sha256},
        data={"file": s.data.path.value, "sha256": em.data_sha256},
        holdout=({"file": s.data.holdout.path, "sha256": sha256_file(r.holdout_path)} if r.holdout_path else None),
        seed=ctx.seed,
        search=em.evaluated.summary,
        model_id=rep.report.provenance.model_id,
        files=written_files(tmp) + ["manifest.json"],  # what tinyc owns when it rebuilds here
        targets={name: {"flash": t["flash"], "ram": t["ram"], "measured_flash": t["measured"]["flash"],
                        "measured_ram": t["measured"]["ram"],
                        **({"quantization": t["quantization"]} if "quantization" in t else {})}
                 for name, t in report["targets"].items()},
    ))
    return rep


def _columns(s) -> tuple[str | None, str | None]:
    """The data's label and time columns (the predict tool reads them by name)."""
    return (s.data.label.value if s.data.label else None,
            s.signal.time.value if s.signal is not None and s.signal.time else None)


def write_reports(folder: Path, report: dict, spec_text: str, spec_json: dict) -> None:
    """report.html and report.md from the report data."""
    from ..report import html, markdown

    (folder / "report.html").write_text(html.render(report, spec_text, spec_json), encoding="utf-8")
    (folder / "report.md").write_text(markdown.render(report), encoding="utf-8")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def json_bytes(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
