"""Instructions per multiply-accumulate of tinyc's int8 dense kernels, against emlearn's float MLP
of the same shape on the same data.

For each data set and shape, tinyc trains its MLP (or linear model) and quantizes it to int8; the
library is emitted twice, with the compact kernel and with the blocked one (tinyc.codegen.c_dense_q),
and counted under qemu (tinyc's instruction-counting plugin, -Os): the kernel alone (``scores_q``
on codes: every layer with its input sum, requantization and activation) and the whole prediction
(``predict``: the input encoder too). emlearn's MLP (scikit-learn's MLPClassifier, same hidden
layer, float32, standardized inputs) is counted the same way through the benchmark driver of
benchmarks/run.py. Figures are instructions per multiply-accumulate of the model (its weights).

Prints the table and replaces the "Dense kernels" section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/dense_kernels.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import PROV, replace_section  # noqa: E402
from tinyc import emulator  # noqa: E402
from tinyc.models import FAMILY_REGISTRY, Problem  # noqa: E402
from tinyc.quant import quantize  # noqa: E402
from tinyc.spec.ir import Task  # noqa: E402

TARGETS = ("cortex-m4", "cortex-m0plus", "riscv32imc")
SHORT = {"cortex-m4": "M4", "cortex-m0plus": "M0+", "riscv32imc": "RV32IMC"}
ROWS = 16
# (data set, csv, label, family, hidden units or None)
CASES = (
    ("digits", "specs/data/digits.csv", "digit", "mlp", 32),
    ("digits", "specs/data/digits.csv", "digit", "linear", None),
    ("image_segments", "examples/image_segments/data.csv", "target", "mlp", 32),
    ("basic_motions", "examples/basic_motions/features.csv", "target", "mlp", 16),
)
BEGIN, END = "<!-- dense kernels: benchmarks/dense_kernels.py -->", "<!-- /dense kernels -->"


def data(csv: str, label: str):
    import pandas as pd

    df = pd.read_csv(ROOT / csv)
    y_raw = df.pop(label)
    classes, y = np.unique(y_raw.astype(str), return_inverse=True)
    return df.to_numpy(dtype=np.float32), y, len(classes)


def tinyc_model(X, y, k, family, hidden):
    params = {"c": 1.0} if family == "linear" else {"layers": 1, "hidden": hidden, "alpha": 1e-2,
                                                     "activation": "relu"}
    model = FAMILY_REGISTRY[family].fit(params, X, y, Problem(Task.classification, X.shape[1], k), seed=0)
    return quantize(model, "int8", X)


def count(model, X, target, kernel_only: bool) -> float:
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        HostBackend().emit(EmitRequest(model, "m", tuple(f"f{i}" for i in range(model.n_features)),
                                       tuple(f"c{i}" for i in range(model.classes)), PROV, 0, 0), folder)
        call = ("{ static m_input_t q[M_N_CODES]; static int32_t out[M_N_OUTPUTS]; q[0] = (m_input_t)x[0]; "
                "(void)m_scores_q(q, out); (void)s; }") if kernel_only else None
        return emulator.instructions_per_inference(folder, "m", X[:ROWS], target, call=call)


def emlearn_count(X, y, hidden, target) -> float:
    """emlearn's float MLP of the same hidden layer, the whole prediction (standardizing included),
    emitted and measured as benchmarks/run.py does its "mlp 16"."""
    from sklearn.neural_network import MLPClassifier

    import run

    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    mlp = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=2000, random_state=0).fit((X - mu) / sd, y)
    with tempfile.TemporaryDirectory() as tmp:
        sources, includes, include, call = run.emlearn_mlp(mlp, mu, sd)(Path(tmp))
        return run.measure("emlearn", target, X[:ROWS], sources, includes, include, call)["instructions"]


def main() -> None:
    import importlib

    importlib.import_module("emlearn")
    np.seterr(all="ignore")  # emlearn's import makes every floating-point warning an error
    header = ["| model | MACs | core | kernel, compact | kernel, blocked | predict, compact | predict, blocked | "
              "emlearn float MLP, predict |", "|---|---|---|---|---|---|---|---|"]
    lines = []
    for name, csv, label, family, hidden in CASES:
        X, y, k = data(csv, label)
        compact = tinyc_model(X, y, k, family, hidden)
        blocked = tinyc_model(X, y, k, family, hidden)
        blocked.qinfo["kernel"] = "blocked"
        sizes = [compact.arrays[f"W{i}"].shape for i in range(len([a for a in compact.arrays if a[0] == "W"]))]
        macs = sum(a * b for a, b in sizes)
        shape = "-".join([str(sizes[0][1])] + [str(s[0]) for s in sizes])
        for t in TARGETS:
            kc, kb = count(compact, X, t, True), count(blocked, X, t, True)
            pc, pb = count(compact, X, t, False), count(blocked, X, t, False)
            eml = emlearn_count(X, y, hidden, t) / macs if family == "mlp" else None
            lines.append(f"| {name} {family} {shape} | {macs} | {SHORT[t]} | {kc / macs:.2f} | {kb / macs:.2f} | "
                         f"{pc / macs:.2f} | {pb / macs:.2f} | {f'{eml:.2f}' if eml is not None else '—'} |")
            print(lines[-1], flush=True)
    section = "\n".join([BEGIN, "## Dense kernels: instructions per multiply-accumulate", "",
                         "tinyc's int8 MLP and linear models with the compact and the blocked kernel "
                         "(benchmarks/dense_kernels.py: qemu counts over 16 rows, -Os; kernel = every layer with "
                         "its requantization and activation, predict = with the input encoder), emlearn's float "
                         "MLP of the same hidden layer on the same data (predict, standardizing included).", "",
                         *header, *lines, END])
    replace_section(BEGIN, END, section)


if __name__ == "__main__":
    main()
