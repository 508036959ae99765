"""tinyc against emlearn and m2cgen on the same trained models, measured on
the real cross toolchain and an emulated core.

For each data set, one scikit-learn RandomForestClassifier (10 trees, depth
6) and one MLPClassifier (1 hidden layer of 16) are trained on the same split;
each tool turns the *same fitted model* into C (emlearn with float features,
m2cgen as it generates: double precision; tinyc float32). Each C file is
compiled with arm-none-eabi-gcc -Os for the core, linked with --gc-sections
(flash = what the predict call adds to an image), run over the holdout rows
under qemu (accuracy is computed from what the C printed), and its guest
instructions per inference counted with tinyc's qemu plugin.

    .venv/bin/python benchmarks/vs_emlearn_m2cgen.py [cortex-m4|cortex-m0plus|cortex-m33]

Needs: pip install emlearn m2cgen; apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinyc import emulator  # noqa: E402
from tinyc.toolchain import GCC, SIZE  # noqa: E402

DRIVER = """#include <stdint.h>
#include <string.h>
{include}
void tinyc_puts(const char *s);
{rows}
volatile uint32_t tinyc_n_rows = {n};
volatile int32_t tinyc_sink;
static int32_t predict_row(const float *x)
{{
#ifdef NO_MODEL
    return (int32_t)x[0];
#else
{call}
#endif
}}
int main(void)
{{
    uint32_t r;
    for (r = 0; r < tinyc_n_rows; ++r) {{
        float x[{f}];
        int32_t c;
        memcpy(x, &tinyc_rows[r * {f}], sizeof x);
        c = predict_row(x);
#ifdef PRINT
        {{
            char line[4] = {{(char)('0' + c), '\\n', 0, 0}};
            tinyc_puts(line);
        }}
#else
        tinyc_sink = c;
#endif
    }}
    return 0;
}}
"""


def build(tmp: Path, target: str, sources: list[Path], includes: list[Path], driver: str, defines: list[str],
          tag: str) -> Path:
    board = emulator.BOARDS[target]
    work = tmp / tag
    work.mkdir(parents=True)
    (work / "main.c").write_text(driver)
    (work / "board.ld").write_text(emulator.LINKER_SCRIPT.format(fo=board.flash[0], fl=board.flash[1],
                                                                 ro=board.ram[0], rl=board.ram[1]))
    (work / "startup.c").write_text(resources.files("tinyc.runtime").joinpath("baremetal.c").read_text())
    elf = work / "image.elf"
    cmd = [GCC, *board.cflags, "-std=gnu99", "-Os", "-ffunction-sections", "-fdata-sections", *defines,
           *(f"-I{i}" for i in includes), str(work / "startup.c"), str(work / "main.c"), *map(str, sources),
           "-nostartfiles", "-Wl,--gc-sections", "-T", str(work / "board.ld"), "--specs=nosys.specs", "-o", str(elf),
           "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{tag}: {r.stderr[-3000:]}")
    return elf


def flash_of(elf: Path) -> int:
    out = subprocess.run([SIZE, "-B", str(elf)], check=True, capture_output=True, text=True).stdout
    text, data, _ = (int(v) for v in out.splitlines()[1].split()[:3])
    return text + data


def measure(tool: str, target: str, X: np.ndarray, sources, includes, include: str, call: str) -> dict:
    bits = np.ascontiguousarray(X, dtype=np.float32).view(np.uint32).ravel()
    rows = "static const uint32_t tinyc_rows[] = {" + ",".join(f"0x{int(b):08x}u" for b in bits) + "};"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plugin = emulator._plugin(tmp)

        def drv(n):
            return DRIVER.format(include=include, rows=rows, n=n, call=call, f=X.shape[1])

        with_model = build(tmp, target, sources, includes, drv(len(X)), [], f"{tool}-n")
        without = build(tmp, target, sources, includes, drv(len(X)), ["-DNO_MODEL"], f"{tool}-none")
        zero = build(tmp, target, sources, includes, drv(0), [], f"{tool}-0")
        printing = build(tmp, target, sources, includes, drv(len(X)), ["-DPRINT"], f"{tool}-print")
        counts = []
        for elf in (with_model, zero):
            emulator.run_qemu(elf, target, plugin=plugin)
            counts.append(int(elf.with_suffix(".insns").read_text().split()[1]))
        out = emulator.run_qemu(printing, target).text
        flash = flash_of(with_model) - flash_of(without)
    pred = np.array([int(c) for c in out.split()])
    return {"flash": flash, "instructions": (counts[0] - counts[1]) / len(X), "pred": pred}


def main(target: str) -> None:
    import emlearn
    import m2cgen
    from sklearn import datasets
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from tinyc.codegen.library import Provenance
    from tinyc.models import Problem
    from tinyc.models.forest import ForestFamily
    from tinyc.spec.ir import Task
    from tinyc_backends.base import EmitRequest
    from tinyc_backends.host import HostBackend

    rows = []
    for ds_name, loader in (("wine", datasets.load_wine), ("breast_cancer", datasets.load_breast_cancer)):
        d = loader()
        Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=0.25, random_state=0, stratify=d.target)
        k = len(np.unique(d.target))
        X32 = Xte.astype(np.float32)
        rf = RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(Xtr, ytr)
        mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
        models = [("forest", rf)]
        mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=0).fit((Xtr - mu) / sd, ytr)
        models.append(("mlp", mlp))
        for kind, est in models:
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                results = {}
                # tinyc: the same fitted estimator converted to tinyc's model
                prob = Problem(Task.classification, Xtr.shape[1], k)
                if kind == "forest":
                    model = ForestFamily().from_estimator(est, prob, {})
                else:
                    from tinyc.models.mlp import MlpFamily
                    model = MlpFamily().from_estimator(est, prob, mu, sd, {"activation": "relu", "layers": 1})
                req = EmitRequest(model, "m", tuple(f"f{i}" for i in range(Xtr.shape[1])),
                                  tuple(str(c) for c in range(k)), Provenance("b", "b.tml", "0" * 64, "0" * 64, "b"), 0, 0)
                HostBackend().emit(req, tmp / "tinyc")
                results["tinyc"] = measure("tinyc", target, X32, [tmp / "tinyc" / "src" / "m.c"],
                                           [tmp / "tinyc" / "include"], '#include "m.h"',
                                           "    int32_t c = -1;\n    (void)m_predict(x, &c);\n    return c;")
                # emlearn, float features (its int16 default would truncate these features)
                if kind == "forest":
                    emlearn.convert(est, method="inline", dtype="float").save(file=str(tmp / "eml_model.h"),
                                                                               name="eml_model")
                    call = f"    return eml_model_predict(x, {Xtr.shape[1]});"
                else:  # emlearn's MLP expects the scaled inputs the model was trained on
                    emlearn.convert(est, method="loadable").save(file=str(tmp / "eml_model.h"), name="eml_model")
                    scale = ", ".join(f"{float(v)!r}f" for v in (1 / sd))
                    shift = ", ".join(f"{float(v)!r}f" for v in mu)
                    call = (f"    static const float mu[] = {{{shift}}};\n    static const float inv[] = {{{scale}}};\n"
                            f"    float z[{Xtr.shape[1]}];\n    int i;\n"
                            f"    for (i = 0; i < {Xtr.shape[1]}; ++i) {{ z[i] = (x[i] - mu[i]) * inv[i]; }}\n"
                            f"    return eml_net_predict(&eml_model, z, {Xtr.shape[1]});")
                results["emlearn"] = measure("emlearn", target, X32, [], [tmp, Path(emlearn.includedir)],
                                             '#include "eml_model.h"', call)
                # m2cgen: double precision, as it generates; it has no MLP support
                try:
                    src = m2cgen.export_to_c(est)
                except NotImplementedError:
                    src = None
                (tmp / "m2c.c").write_text(src or "")
                pre = ""
                if kind == "mlp":
                    pre = "".join(f"    in[{i}] = (in[{i}] - {float(mu[i])!r}) / {float(sd[i])!r};\n" for i in range(Xtr.shape[1]))
                n_out = 1 if (kind == "mlp" and k == 2) else k
                call = (f"    double in[{Xtr.shape[1]}], out[{max(n_out, 2)}];\n    int i, best = 0;\n"
                        f"    for (i = 0; i < {Xtr.shape[1]}; ++i) {{ in[i] = x[i]; }}\n{pre}"
                        f"    score(in, out);\n"
                        + ("    return out[0] > 0.5 ? 1 : 0;" if n_out == 1 else
                           f"    for (i = 1; i < {k}; ++i) {{ if (out[i] > out[best]) best = i; }}\n    return best;"))
                if src is not None:
                    results["m2cgen"] = measure("m2cgen", target, X32, [tmp / "m2c.c"], [],
                                                "void score(double *input, double *output);", call)
                for tool, r in results.items():
                    acc = float((r["pred"] == yte).mean())
                    rows.append((ds_name, kind, tool, acc, r["flash"], r["instructions"]))
    print(f"{'dataset':<14} {'model':<7} {'tool':<8} {'accuracy':>8} {'flash B':>8} {'instr/inf':>10} "
          f"{'flash × tinyc':>13} {'instr × tinyc':>13}")
    base = {(d, m): (f, i) for d, m, t, _, f, i in rows if t == "tinyc"}
    for d, m, t, acc, f, i in rows:
        bf, bi = base[(d, m)]
        print(f"{d:<14} {m:<7} {t:<8} {acc:>8.4f} {f:>8} {i:>10.0f} {f / bf:>13.2f} {i / bi:>13.2f}")
    print(f"(target {target}; same fitted scikit-learn model per row group; accuracy from the C run under qemu;"
          f" m2cgen does not convert MLPs)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cortex-m4")
