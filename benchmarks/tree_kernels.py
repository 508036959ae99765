"""Instructions and flash of tinyc's two tree kernels against emlearn, on the same trees.

For each benchmark data set a scikit-learn RandomForest (10 trees, depth 8: benchmarks/run.py's
"forest 10×d8", trained on the same 75% split) is converted once into a tinyc forest and
emitted with each kernel: the walk over node arrays (tinyc.codegen.c_trees, in the smallest of
its layouts: pointer, relative or heap) and the trees as if-else code
(tinyc.codegen.c_tree_branches), float32 (the same decisions as scikit-learn's) and int8
(thresholds as input codes: a quantized model, whose decisions may differ on a few rows); and by
emlearn's inline C (float). Every library is compiled at -Os with the core's toolchain and counted
under qemu by the driver of benchmarks/run.py over the holdout rows (at most 32): flash = what the
prediction adds to an image, instructions per prediction. tinyc checks the inputs its trees read
for NaN and infinity; emlearn checks nothing.

Prints the table and replaces the "Tree kernels" section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/tree_kernels.py
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402
from common import PROV, replace_section  # noqa: E402

from tinyc.models import FAMILY_REGISTRY, Problem, treeutil  # noqa: E402
from tinyc.models.tree_cost import IF_ELSE  # noqa: E402
from tinyc.quant import quantize  # noqa: E402
from tinyc.spec.ir import Task  # noqa: E402

ROWS = 32
BEGIN, END = "<!-- tree kernels: benchmarks/tree_kernels.py -->", "<!-- /tree kernels -->"


def split(name: str):
    import pandas as pd
    from sklearn.model_selection import train_test_split

    csv, label = run.DATASETS[name]
    df = pd.read_csv(ROOT / csv)
    y_raw = df.pop(label)
    classes, y = np.unique(y_raw.astype(str), return_inverse=True)
    X = df.to_numpy(dtype=np.float32)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return Xtr, ytr, Xte[:ROWS], len(classes)


def tinyc_figures(model, X, target) -> dict:
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        HostBackend().emit(EmitRequest(model, "m", tuple(f"f{i}" for i in range(model.n_features)),
                                       tuple(f"c{i}" for i in range(model.classes)), PROV, 0, 0), folder)
        return run.measure("tinyc", target, X, [folder / "src" / "m.c"], [folder / "src"], '#include "m.h"',
                           "    int32_t c = -1;\n    (void)m_predict(x, &c);\n    return c;")


def emlearn_figures(rf, X, target) -> dict:
    import emlearn

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        emlearn.convert(rf, method="inline", dtype="float").save(file=str(tmp / "eml_model.h"), name="eml_model")
        return run.measure("emlearn", target, X, [], [tmp, Path(emlearn.includedir)], '#include "eml_model.h"',
                           f"    return eml_model_predict(x, {X.shape[1]});")


def layout(model) -> str:
    a = model.arrays
    tb = 4 if not model.qinfo else 1
    return treeutil.smallest_layout(treeutil.layout_bytes(model.n_features, a, tb, 1, treeutil.vote_payload(model)))[0]


def main() -> None:
    import importlib

    from sklearn.ensemble import RandomForestClassifier

    importlib.import_module("emlearn")
    np.seterr(all="ignore")  # emlearn's import makes every floating-point warning an error
    header = ["| data set | core | float32 walk | float32 if-else | int8 walk | int8 if-else | emlearn inline | "
              "if-else / emlearn instructions |", "|---|---|---|---|---|---|---|---|"]
    lines = []
    for name in run.DATASETS:
        Xtr, ytr, X, k = split(name)
        rf = RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0).fit(Xtr, ytr)
        walk = FAMILY_REGISTRY["forest"].from_estimator(rf, Problem(Task.classification, Xtr.shape[1], k), {})
        walk8 = quantize(walk, "int8", Xtr)
        kinds = [walk, replace(walk, tree_kernel=IF_ELSE), walk8, replace(walk8, tree_kernel=IF_ELSE)]
        for t in run.TARGETS:
            figs = [tinyc_figures(m, X, t) for m in kinds]
            eml = emlearn_figures(rf, X, t)
            assert np.array_equal(figs[0]["pred"], eml["pred"]) and np.array_equal(figs[1]["pred"], eml["pred"])
            cells = [f"{f['instructions']:.0f} instr, {f['flash']} B" for f in figs]
            cells[0] += f" ({layout(walk)})"
            cells[2] += f" ({layout(walk8)})"
            lines.append(f"| {name} | {run.SHORT[t]} | {' | '.join(cells)} | {eml['instructions']:.0f} instr, "
                         f"{eml['flash']} B | {figs[1]['instructions'] / eml['instructions']:.2f} |")
            print(lines[-1], flush=True)
    section = "\n".join([BEGIN, "## Tree kernels: the same forest in each kernel", "",
                         "A scikit-learn random forest of 10 trees of depth 8 per data set (benchmarks/tree_kernels.py: "
                         "instructions per prediction counted under qemu over the holdout rows, flash the prediction "
                         "adds to an image, -Os), emitted by tinyc with the walk over node arrays (its layout in "
                         "brackets) and as if-else code, float32 (scikit-learn's decisions, checked equal to "
                         "emlearn's) and int8 (thresholds as input codes), and by emlearn's inline C (float). tinyc "
                         "checks the inputs the trees read for NaN and infinity; emlearn checks nothing.", "",
                         *header, *lines, END])
    replace_section(BEGIN, END, section)


if __name__ == "__main__":
    main()
