"""int8 against float32, per model family, on the example classification specs.

For each example spec (its data, label and holdout split, as `tinyc build`
prepares them) and each family (MLP 1×32 ReLU, random forest 10×depth 8,
gradient-boosted trees 40×depth 3), the float32 model is trained once with
seed 0 and quantized to int8 by tinyc's quantization pass (calibrated on the
training rows). Both are emitted for Cortex-M0+ (no FPU: the float model
needs libgcc's soft-float, the int8 one does not) and Cortex-M4 (FPU), and
linked with arm-none-eabi-gcc -Os --gc-sections: flash is what a prediction
(float features -> class, `<model>_predict`) adds to an image, weights, code and
library routines together, measured with arm-none-eabi-size (the cost model's
estimate when the toolchain is missing).

The target of the quantization issue: int8 holdout accuracy within 1 point of
float, at <= 35% of its flash. The "met" columns say whether each row meets it.

    .venv/bin/python benchmarks/quantization.py
"""
from __future__ import annotations

import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinyc import toolchain  # noqa: E402
from tinyc.data.prepare import prepare  # noqa: E402
from tinyc.models import FAMILY_REGISTRY, Problem  # noqa: E402
from tinyc.passes.load import load_data  # noqa: E402
from tinyc.quant import quantize  # noqa: E402
from tinyc.spec import load  # noqa: E402
from tinyc.targets import get  # noqa: E402
from tinyc_backends.arm import ARM_TOOLCHAIN  # noqa: E402
from common import PROV  # noqa: E402

SPECS = ["specs/wine.tml", "specs/breast_cancer.tml", "specs/digits.tml", "examples/image_segments/segments.tml",
         "examples/basic_motions/features.tml"]
FAMILIES = {
    "mlp": {"layers": 1, "hidden": 32, "alpha": 1e-3, "activation": "relu"},
    "forest": {"n_estimators": 10, "max_depth": 8, "max_features": 0.5, "max_leaves": 10**6},
    "gbt": {"n_estimators": 40, "max_depth": 3, "learning_rate": 0.2, "max_leaves": 10**6},
}
TARGETS = ("cortex-m0plus", "cortex-m4")


def dataset(spec_path: Path):
    r = load(spec_path)
    s = r.spec
    train, holdout = load_data(r)
    percent = s.data.holdout.percent.value if s.data.holdout.percent is not None else None
    return prepare(s.task.value, s.data.label.value, train, holdout, percent, s.data.missing.value, s.seed.value)


def flash(model, ds, tmp: Path, target: str, integer: bool = False) -> tuple[int | None, str]:
    from tinyc_backends.base import EmitRequest

    backend = get(target)
    if not ARM_TOOLCHAIN.available():
        est = FAMILY_REGISTRY[model.family].cost(model, backend.caps, model.quant).flash
        return (None if integer else est), "estimate"
    folder = tmp / f"{model.family}_{model.quant}_{target}"
    backend.emit(EmitRequest(model, "m", ds.feature_names, ds.classes, PROV, 0, 0), folder)
    return toolchain.measure(folder, "m", backend, integer=integer).flash, "linked"


def main() -> int:
    rows = []
    how = "linked"
    with tempfile.TemporaryDirectory() as tmp:
        for spec in SPECS:
            ds = dataset(ROOT / spec)
            prob = Problem(ds.task, len(ds.feature_names), ds.n_classes)
            name = Path(spec).stem
            for family, params in FAMILIES.items():
                fm = FAMILY_REGISTRY[family].fit(params, ds.X_train, ds.y_train, prob, seed=0)
                qm = quantize(fm, "int8", ds.X_train)
                acc_f = float(np.mean(fm.predict(ds.X_holdout) == ds.y_holdout))
                acc_q = float(np.mean(qm.predict(ds.X_holdout) == ds.y_holdout))
                d = Path(tmp) / name
                per_core = []
                for target in TARGETS:
                    ff, how = flash(fm, ds, d, target)
                    fq, _ = flash(qm, ds, d, target)
                    per_core.append((ff, fq, acc_q >= acc_f - 0.01 and fq <= 0.35 * ff))
                fi, _ = flash(qm, ds, d, "cortex-m4", integer=True)
                caps = get("cortex-m4").caps
                wf = FAMILY_REGISTRY[family].cost(fm, caps, "float32").weights
                wq = FAMILY_REGISTRY[family].cost(qm, caps, "int8").weights
                rows.append((name, family, acc_f, acc_q, per_core, fi, wq / wf))
    head = ["data set", "family", "float acc", "int8 acc", "Δ points"]
    for target in TARGETS:
        head += [f"{target} float", "int8", "ratio", "met"]
    head += ["M4 int8, integer entry", "ratio", "weights ratio"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, fam, af, aq, per_core, fi, wr in rows:
        cells = [name, fam, f"{af:.4f}", f"{aq:.4f}", f"{100 * (aq - af):+.1f}"]
        for ff, fq, ok in per_core:
            cells += [str(ff), str(fq), f"{fq / ff:.1%}", "yes" if ok else "no"]
        m4_float = per_core[TARGETS.index("cortex-m4")][0]
        cells += [str(fi), f"{fi / m4_float:.1%}"] if fi is not None else ["—", "—"]
        cells.append(f"{wr:.1%}")
        lines.append("| " + " | ".join(cells) + " |")
    met = [sum(r[4][k][2] for r in rows) for k in range(len(TARGETS))]
    lines.append(
        f"\nflash: {how} bytes of a prediction (float features -> class: weights, code and the library routines "
        f"it pulls in, soft-float included). met: int8 within 1 point of float at <= 35% of its flash "
        f"({', '.join(f'{t}: {n} of {len(rows)} rows' for t, n in zip(TARGETS, met))}). "
        f"Integer entry: the int8 model called with integer codes (<model>_scores_q). weights ratio: the stored "
        f"arrays alone (int8 weights, biases, requantization constants, input maps, tree structure) against the "
        f"float model's, from the cost model, which counts them exactly.")
    text = "\n".join(lines)
    print(text)
    out = ROOT / "benchmarks" / "QUANTIZATION.md"
    out.write_text(f"# int8 against float32\n\n`.venv/bin/python benchmarks/quantization.py` "
                   f"({platform.machine()}, {platform.python_version()}, {toolchain_version()})\n\n{text}\n")
    return 0


def toolchain_version() -> str:
    import subprocess

    if not ARM_TOOLCHAIN.available():
        return "no Arm toolchain: cost-model estimates"
    out = subprocess.run([ARM_TOOLCHAIN.gcc, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
