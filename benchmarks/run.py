"""tinyc against emlearn and m2cgen, measured by the same machinery as
`tinyc verify`: real cross toolchain, emulated cores, instruction counts.

On the example data sets (scikit-learn's digits, wine and breast cancer, UCI
image segments, BasicMotions features) tinyc builds its model for cortex-m4,
cortex-m0plus and riscv32imc; on the same train/holdout split the baselines are trained
and converted: RandomForest (10 trees, depth 8), DecisionTree and MLP (one
hidden layer of 16) with emlearn (float features), forest and logistic
regression with m2cgen (double precision, as it generates). Every C file is
compiled with the core's toolchain at -Os (arm-none-eabi-gcc; riscv64-unknown-elf-gcc
with picolibc for RV32IMC), linked with --gc-sections
(flash and RAM = what the predict call adds to an image), run over the holdout
rows under qemu (accuracy is computed from what the C printed), and its guest
instructions per inference are counted with tinyc's qemu plugin.

Prints the table and writes benchmarks/RESULTS.md (with the environment).

    .venv/bin/python benchmarks/run.py [BUDGET_SECONDS]      (or: make bench)

Needs: pip install -e '.[bench]' (emlearn, m2cgen); apt-get install gcc-arm-none-eabi
libnewlib-arm-none-eabi qemu-system-arm gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import classification_spec  # noqa: E402

from tinyc import emulator  # noqa: E402
from tinyc import targets as registry  # noqa: E402
from tinyc_backends.arm import ARM_TOOLCHAIN  # noqa: E402

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
    """A bare-metal image of the tool's C (compiled as GNU C, as the tools' users would) with tinyc's board files."""
    backend = registry.get(target)
    work = tmp / tag
    link, startup_obj = emulator.board_files(work, target)
    (work / "main.c").write_text(driver)
    elf = work / "image.elf"
    cmd = [backend.toolchain.gcc, *backend.cflags, *backend.toolchain.compile_flags(link), "-std=gnu99", "-Os",
           "-ffunction-sections", "-fdata-sections", *defines, *backend.emulator.driver_flags,
           *(f"-I{i}" for i in includes), str(startup_obj), str(work / "main.c"), *map(str, sources),
           *link, "-o", str(elf), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{tag}: {r.stderr[-3000:]}")
    return elf


def sizes_of(elf: Path, target: str) -> tuple[int, int]:
    """(flash, ram) of an image: text + data, data + bss."""
    out = subprocess.run([registry.get(target).toolchain.size, "-B", str(elf)], check=True, capture_output=True,
                         text=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    return text + data, data + bss


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
        (f1, r1), (f0, r0) = sizes_of(with_model, target), sizes_of(without, target)
    pred = np.array([int(c) for c in out.split()])
    return {"flash": f1 - f0, "ram": r1 - r0, "instructions": (counts[0] - counts[1]) / len(X), "pred": pred}


DATASETS = {  # name: (csv, label column)
    "digits": ("specs/data/digits.csv", "digit"),
    "wine": ("specs/data/wine.csv", "cultivar"),
    "breast_cancer": ("specs/data/breast_cancer.csv", "diagnosis"),
    "image_segments": ("examples/image_segments/data.csv", "target"),
    "basic_motions": ("examples/basic_motions/features.csv", "target"),
}
TARGETS = ("cortex-m4", "cortex-m0plus", "riscv32imc")
SHORT = {"cortex-m4": "M4", "cortex-m0plus": "M0+", "riscv32imc": "RV32IMC"}



def emlearn_mlp(mlp, mu: np.ndarray, sd: np.ndarray):
    """How to emit emlearn's C for a scikit-learn MLP trained on standardized features ``(x - mu) / sd``
    (the standardizing is part of the call)."""
    import emlearn

    f = len(mu)
    scale = (f"    static const float mu[] = {{{', '.join(f'{float(v)!r}f' for v in mu)}}};\n"
             f"    static const float inv[] = {{{', '.join(f'{float(v)!r}f' for v in 1 / sd)}}};\n"
             f"    float z[{f}];\n    int i;\n"
             f"    for (i = 0; i < {f}; ++i) {{ z[i] = (x[i] - mu[i]) * inv[i]; }}\n")

    def emit(tmp):
        cwd = os.getcwd()
        os.chdir(tmp)  # emlearn compiles helper programs in ./tmp
        try:
            emlearn.convert(mlp, method="loadable").save(file=str(tmp / "eml_model.h"), name="eml_model")
        finally:
            os.chdir(cwd)
        return [], [tmp, Path(emlearn.includedir)], '#include "eml_model.h"', \
            scale + f"    return eml_net_predict(&eml_model, z, {f});"
    return emit


def baselines(ds):
    """The fitted baseline models: (tool, model name, how to emit C)."""
    import emlearn
    import m2cgen
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    Xtr, ytr = ds.X_train, ds.y_train
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    sd[sd == 0] = 1.0
    f, k = Xtr.shape[1], ds.n_classes
    rf = RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0).fit(Xtr, ytr)
    dt = DecisionTreeClassifier(random_state=0).fit(Xtr, ytr)
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=0).fit((Xtr - mu) / sd, ytr)
    lr = LogisticRegression(max_iter=5000).fit((Xtr - mu) / sd, ytr)

    def eml_tree(est):
        def emit(tmp):
            emlearn.convert(est, method="inline", dtype="float").save(file=str(tmp / "eml_model.h"), name="eml_model")
            return [], [tmp, Path(emlearn.includedir)], '#include "eml_model.h"', \
                f"    return eml_model_predict(x, {f});"
        return emit

    def m2c(est, scaled):
        def emit(tmp):
            (tmp / "m2c.c").write_text(m2cgen.export_to_c(est))
            pre = "".join(f"    in[{i}] = (in[{i}] - {float(mu[i])!r}) / {float(sd[i])!r};\n" for i in range(f)) \
                if scaled else ""
            setup = f"    double in[{f}], out[{k}];\n    int i, best = 0;\n" \
                    f"    for (i = 0; i < {f}; ++i) {{ in[i] = x[i]; }}\n{pre}"
            if isinstance(est, LogisticRegression) and k == 2:
                # m2cgen writes a binary linear model as `double score(double *input)`: the decision value
                return [tmp / "m2c.c"], [], "double score(double *input);", \
                    setup + "    (void)out;\n    (void)best;\n    return score(in) > 0.0 ? 1 : 0;"
            return [tmp / "m2c.c"], [], "void score(double *input, double *output);", \
                setup + f"    score(in, out);\n    for (i = 1; i < {k}; ++i) {{ if (out[i] > out[best]) best = i; }}\n" \
                "    return best;"
        return emit

    return [("emlearn", "forest 10×d8", eml_tree(rf)), ("emlearn", "tree", eml_tree(dt)),
            ("emlearn", "mlp 16", emlearn_mlp(mlp, mu, sd)), ("m2cgen", "forest 10×d8", m2c(rf, False)),
            ("m2cgen", "logistic", m2c(lr, True))]


def environment() -> list[str]:
    import platform

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "not found"

    import emlearn
    import m2cgen
    import sklearn

    from tinyc import __version__
    return [f"- tinyc {__version__}, scikit-learn {sklearn.__version__}, emlearn "
            f"{getattr(emlearn, '__version__', (Path(emlearn.includedir) / 'VERSION.txt').read_text().strip())}, "
            f"m2cgen {m2cgen.__version__}, Python {platform.python_version()}",
            f"- {version([ARM_TOOLCHAIN.gcc, '--version'])}",
            f"- {version([registry.get('riscv32imc').toolchain.gcc, '--version'])}, picolibc",
            f"- {version([registry.get('cortex-m4').emulator.qemu, '--version'])}",
            "- flags: `-Os -ffunction-sections -fdata-sections -Wl,--gc-sections`, "
            + ", ".join(f"{t}: `{' '.join(registry.get(t).cflags)}`" for t in TARGETS),
            "- flash/RAM: what the predict call adds to a bare-metal image (the core's `size`); "
            "instructions: qemu TCG plugin, (count over N rows − count over 0 rows) / N",
            "- reproduce: `make bench` (or `.venv/bin/python benchmarks/run.py`)"]


def main(budget: float) -> None:
    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    rows = []  # (dataset, tool, model, accuracy, {target: (flash, ram, instr)})
    for name, (csv, label) in DATASETS.items():
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            spec = tmp / f"{name}.tml"
            spec.write_text(classification_spec(name, ROOT / csv, label, budget,
                                                {t: ("32KB", "8KB") for t in TARGETS}))
            result = build(load(spec), spec, tmp / "out")
            ds = result.dataset
            X = ds.X_holdout.astype(np.float32)
            figures, accs = {}, []
            for target in TARGETS:
                folder = tmp / "out" / target
                r = measure("tinyc", target, X, [folder / "src" / f"{name}.c"], [folder / "src"],
                            f'#include "{name}.h"',
                            f"    int32_t c = -1;\n    (void){name}_predict(x, &c);\n    return c;")
                figures[target] = (r["flash"], r["ram"], r["instructions"])
                accs.append(float((r["pred"] == ds.y_holdout).mean()))
            # quantize auto may give the targets different forms (float32 where smaller): the
            # label says which, the accuracy is the lower of the two libraries'
            forms = {t: result.report["targets"][t].get("quantization") for t in TARGETS}
            label = result.report["model"]["description"]
            if len(set(forms.values())) > 1:
                label += " (" + ", ".join(f"{SHORT[t]} {f}" for t, f in forms.items()) + ")"
            rows.append((name, "tinyc", label, min(accs), figures))
            for tool, model_name, emit in baselines(ds):
                work = tmp / tool.replace(" ", "_")
                work.mkdir(exist_ok=True)
                sources, includes, include, call = emit(work)
                figures = {}
                for target in TARGETS:
                    r = measure(tool, target, X, sources, includes, include, call)
                    figures[target] = (r["flash"], r["ram"], r["instructions"])
                    acc = float((r["pred"] == ds.y_holdout).mean())
                rows.append((name, tool, model_name, acc, figures))
        print(f"done: {name}", file=sys.stderr)
    lines = table(rows)
    print("\n".join(lines))
    out = ROOT / "benchmarks" / "RESULTS.md"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    kept = old[old.index("\n<!-- "):] if "\n<!-- " in old else ""  # sections other scripts write (dense_kernels.py)
    out.write_text("# Benchmark results\n\n" + "\n".join(lines) + "\n\n## Environment\n\n"
                   + "\n".join(environment()) + "\n" + kept)
    print(f"wrote {out}")


def table(rows) -> list[str]:
    head = ("| dataset | tool | model | accuracy | M4 flash | M4 RAM | M4 instr | M0+ flash | M0+ instr "
            "| RV32IMC flash | RV32IMC instr |", "|---|---|---|---|---|---|---|---|---|---|---|")
    lines = list(head)
    for d, tool, model, acc, fig in rows:
        m4, m0, rv = fig["cortex-m4"], fig["cortex-m0plus"], fig["riscv32imc"]
        lines.append(f"| {d} | {tool} | {model} | {acc:.4f} | {m4[0]} | {m4[1]} | {m4[2]:.0f} | {m0[0]} | {m0[2]:.0f} "
                     f"| {rv[0]} | {rv[2]:.0f} |")
    lines += ["", "tinyc against the most accurate baseline of each data set (targets: accuracy at most 0.5 points "
              "below it, at most 25% of its M4 flash, at most 50% of its M4 instructions):", "",
              "| dataset | best baseline | Δ accuracy (points) | flash ratio | instr ratio | met |", "|---|---|---|---|---|---|"]
    for d in dict.fromkeys(r[0] for r in rows):
        mine = next(r for r in rows if r[0] == d and r[1] == "tinyc")
        base = max((r for r in rows if r[0] == d and r[1] != "tinyc"), key=lambda r: (r[3], -r[4]["cortex-m4"][0]))
        dacc = 100 * (mine[3] - base[3])
        fr = mine[4]["cortex-m4"][0] / base[4]["cortex-m4"][0]
        ir = mine[4]["cortex-m4"][2] / base[4]["cortex-m4"][2]
        met = [dacc >= -0.5, fr <= 0.25, ir <= 0.5]
        verdict = "yes" if all(met) else "no (" + ", ".join(n for n, ok in zip(("accuracy", "flash", "instructions"),
                                                                                met) if not ok) + ")"
        lines.append(f"| {d} | {base[1]} {base[2]} | {dacc:+.2f} | {fr:.2f} | {ir:.2f} | {verdict} |")
    return lines


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 30.0)
