"""Accuracy per byte: tinyc at a few flash limits (one Cortex-M4 target) against the best
unconstrained scikit-learn model on the same split and against emlearn's best model at the same
flash; with --off, tinyc with one of its search techniques switched off (what each buys), with
--on, with one that is off by default switched on, and with --baseline, with all of them off (the
search as it was before them).

For each data set a spec is written with the limit, the budget and (optionally) a trial cap, and
built by the pipeline exactly as `tinyc build` does; the holdout accuracy, the flash estimate of
the shipped model and the candidates evaluated come from its report (a candidate is evaluated
when it was trained on at least one fold; "full" counts those cross-validated on every fold).
The unconstrained models (HistGradientBoosting, RandomForest(200), MLP(64), logistic
regression; the best of them) are trained on the same training rows and scored on the same
holdout rows, read back from the build's load pass. emlearn's models (decision trees, random
forests, MLPs over a grid of sizes) are trained on the same rows, emitted with emlearn, linked
for the M4 with the same toolchain and measured (text + data over an image without the model);
among those within the limit, the one with the best 5-fold cross-validated accuracy on the
training rows is shown with its holdout accuracy (chosen as tinyc chooses, never on the
holdout). Writes benchmarks/ACCURACY.md.

    .venv/bin/python benchmarks/accuracy_per_byte.py [--budget S] [--trials N] [--limits 2,4,8]
        [--sets wine,digits,...] [--off grow,prune] [--on select,distill] [--baseline] [--no-emlearn]

The issue's protocol is `budget 2m` without a trial cap on an idle machine; shorter runs are for
development and say so in the table's heading.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# name: (csv, label column)
SETS = {
    "wine": (ROOT / "specs/data/wine.csv", "cultivar"),
    "breast_cancer": (ROOT / "specs/data/breast_cancer.csv", "diagnosis"),
    "digits": (ROOT / "specs/data/digits.csv", "digit"),
    "image_segments": (ROOT / "examples/image_segments/data.csv", "target"),
    "basic_motions": (ROOT / "examples/basic_motions/features.csv", "target"),
    "gunpoint": (SHARED / "gunpoint.csv", "target"),
    "italy_power": (SHARED / "italy_power_demand.csv", "target"),
    "ecg200": (SHARED / "ucr_ecg200.csv", "target"),
}


SWITCHES = ("grow", "prune", "distill", "qat", "select")
BASELINE = {k: "off" for k in SWITCHES}


def spec_text(name: str, csv: Path, label: str, flash_kb: int, budget: float, trials: int | None,
              switches: dict | None = None, seed: int = 0) -> str:
    search = [f"trials {trials}"] if trials else []
    search += [f"{k} {v}" for k, v in (switches or {}).items()]
    block = f"search {{ {'; '.join(search)} }}\n" if search else ""
    return (f'model {name}\ndata "{csv}" {{ label {label}; holdout 20% }}\ntask classification\nmetric accuracy\n'
            f"budget {budget:g}s\nseed {seed}\ntarget cortex-m4 {{ flash {flash_kb}KB; ram 8KB }}\n{block}")


def tinyc(name: str, csv: Path, label: str, flash_kb: int, budget: float, trials: int | None,
          switches: dict | None = None, seed: int = 0) -> dict:
    from tinyc.passes.pipeline import build
    from tinyc.spec import load

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"{name}.tml"
        spec.write_text(spec_text(name, csv, label, flash_kb, budget, trials, switches, seed))
        t0 = time.monotonic()
        result = build(load(spec), spec, Path(tmp) / "out")
        wall = time.monotonic() - t0
        rep = result.report
        s = rep["search"]
        trained = [c for c in s["leaderboard"] if c.get("folds", 0) > 0]
        full = [c for c in trained if c["metric"] is not None]
        minutes = max(s["elapsed_s"], 1e-9) / 60
        ds = prepared(spec, Path(tmp) / "split").full  # every feature, the build's split
        return {"holdout": rep["model"]["metrics"]["holdout"]["accuracy"], "flash": rep["targets"]["cortex-m4"]["flash"],
                "cv": rep["model"]["validation_metric"],
                "model": rep["model"]["description"], "evaluated": len(trained), "full": len(full),
                "per_min": len(trained) / minutes, "stopped_by": s["stopped_by"], "grown": len(s.get("growth", [])),
                "wall": wall, "split": (ds.X_train, ds.y_train, ds.X_holdout, ds.y_holdout)}


def prepared(spec: Path, out: Path):
    """The build's load pass alone: its split of the rows, on every feature."""
    from tinyc.output import claim
    from tinyc.passes import load as load_pass
    from tinyc.passes.context import BuildContext
    from tinyc.spec import load

    r = load(spec)
    ctx = BuildContext(r, spec, claim(out, (spec, r.data_path, r.holdout_path), False), lambda e: None, None, 0)
    return load_pass.run(ctx, None)


def unconstrained(split) -> tuple[str, float]:
    """The best of four unconstrained scikit-learn models on the build's own split."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xh, yh = split
    models = {"HistGB": HistGradientBoostingClassifier(random_state=0),
              "RF(200)": RandomForestClassifier(200, random_state=0, n_jobs=1),
              "MLP(64)": make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=2000, random_state=0)),
              "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))}
    scores = {k: float(np.mean(m.fit(X, y).predict(Xh) == yh)) for k, m in models.items()}
    best = max(scores, key=scores.get)
    return best, scores[best]


def emlearn_models(split) -> list[tuple[str, float, float, int]]:
    """(model, cross-validated accuracy on the training rows, holdout accuracy, flash bytes on the
    M4) of emlearn's models over a grid of sizes."""
    old = np.geterr()
    import emlearn  # (sets np.seterr(all="raise") at import: put back)
    np.seterr(**old)
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    from run import build, sizes_of

    X, y, Xh, yh = split
    f = X.shape[1]
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    grid = [(f"tree d{d}", DecisionTreeClassifier(max_depth=d, random_state=0)) for d in (3, 4, 5, 6, 8, 10, None)]
    grid += [(f"forest {n}×d{d}", RandomForestClassifier(n, max_depth=d, random_state=0, n_jobs=1))
             for n in (3, 5, 10, 20) for d in (4, 6, 8)]
    grid += [(f"mlp {h}", MLPClassifier((h,), max_iter=2000, random_state=0)) for h in (4, 8, 16, 32)]
    scale = (f"    static const float mu[] = {{{', '.join(f'{float(v)!r}f' for v in mu)}}};\n"
             f"    static const float inv[] = {{{', '.join(f'{float(v)!r}f' for v in 1 / sd)}}};\n"
             f"    float z[{f}];\n    int i;\n    for (i = 0; i < {f}; ++i) {{ z[i] = (x[i] - mu[i]) * inv[i]; }}\n")
    driver = DRIVER_ONE.format(f=f)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        empty = build(tmp, "cortex-m4", [], [], driver.format(include="", call="    return (int32_t)x[0];"),
                      [], "none")
        base, _ = sizes_of(empty, "cortex-m4")
        for i, (name, est) in enumerate(grid):
            mlp = name.startswith("mlp")
            folds = StratifiedKFold(5, shuffle=True, random_state=0)
            cv = float(np.mean(cross_val_score(est, (X - mu) / sd if mlp else X, y, cv=folds)))
            est.fit((X - mu) / sd if mlp else X, y)
            acc = float(np.mean(est.predict((Xh - mu) / sd if mlp else Xh) == yh))
            work = tmp / f"m{i}"
            work.mkdir()
            cwd = os.getcwd()
            os.chdir(work)  # emlearn compiles helper programs in ./tmp
            try:
                emlearn.convert(est, method="loadable" if mlp else "inline", dtype="float").save(
                    file=str(work / "eml_model.h"), name="eml_model")
            finally:
                os.chdir(cwd)
            call = scale + f"    return eml_net_predict(&eml_model, z, {f});" if mlp else \
                f"    return eml_model_predict(x, {f});"
            elf = build(work, "cortex-m4", [], [work, Path(emlearn.includedir)],
                        driver.format(include='#include "eml_model.h"', call=call), [], "model")
            out.append((name, cv, acc, sizes_of(elf, "cortex-m4")[0] - base))
    return out


# the whole program around one prediction: the row comes from a volatile array, the class goes to a sink
DRIVER_ONE = """#include <stdint.h>
{{include}}
volatile float tinyc_row[{f}];
volatile int32_t tinyc_sink;
static int32_t predict_row(const float *x)
{{{{
{{call}}
}}}}
int main(void)
{{{{
    float x[{f}];
    int i;
    for (i = 0; i < {f}; ++i) {{{{ x[i] = tinyc_row[i]; }}}}
    tinyc_sink = predict_row(x);
    return 0;
}}}}
"""


def best_within(models, limit: int):
    """The model a user of emlearn would pick: the best cross-validated accuracy within the limit."""
    fitting = [m for m in models if m[3] <= limit]
    return max(fitting, key=lambda m: (m[1], -m[3])) if fitting else None


def mean(values) -> float:
    return float(np.mean(values))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--limits", default="2,4,8")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--off", default="", help="techniques to compare switched off, one build each: "
                                              + ",".join(SWITCHES))
    ap.add_argument("--on", default="", help="techniques to compare switched on, one build each")
    ap.add_argument("--baseline", action="store_true", help="also build with every technique off")
    ap.add_argument("--repeats", type=int, default=1, help="splits (seeds 0..N-1): figures are means over them")
    ap.add_argument("--no-emlearn", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "ACCURACY.md"), help="the table's file")
    a = ap.parse_args(argv)
    limits = [int(v) for v in a.limits.split(",")]
    seeds = list(range(a.repeats))
    offs = ([{k: "off"} for k in a.off.split(",") if k] + [{k: "on"} for k in a.on.split(",") if k]
            + ([BASELINE] if a.baseline else []))
    head = ["data set", "flash limit", "tinyc model" + (" (seed 0)" if a.repeats > 1 else ""), "tinyc holdout",
            "flash used", "evaluated (full)", "per min", "stopped by"]
    for off in offs:
        what = "all off" if off == BASELINE else " ".join(f"{k} {v}" for k, v in off.items())
        head += [f"{what}: holdout", "flash", "evaluated (full)", "per min"]
    head += ["best unconstrained", "its holdout", "Δ points"]
    if not a.no_emlearn:
        head += ["emlearn best within the limit", "its holdout", "its flash", "Δ points"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    summary: dict[int, list[tuple[float, float | None]]] = {kb: [] for kb in limits}
    for name in a.sets.split(","):
        csv, label = SETS[name]
        models: dict[int, list] = {}
        for kb in limits:
            runs = [tinyc(name, csv, label, kb, a.budget, a.trials, seed=s) for s in seeds]
            on = runs[0]
            row = [name, f"{kb} KB", on["model"], f"{mean([r['holdout'] for r in runs]):.4f}",
                   f"{mean([r['flash'] for r in runs]):.0f}",
                   f"{mean([r['evaluated'] for r in runs]):.0f} ({mean([r['full'] for r in runs]):.0f})",
                   f"{mean([r['per_min'] for r in runs]):.0f}", "/".join(sorted({r["stopped_by"] for r in runs}))]
            for off in offs:
                os_ = [tinyc(name, csv, label, kb, a.budget, a.trials, off, s) for s in seeds]
                row += [f"{mean([o['holdout'] for o in os_]):.4f}", f"{mean([o['flash'] for o in os_]):.0f}",
                        f"{mean([o['evaluated'] for o in os_]):.0f} ({mean([o['full'] for o in os_]):.0f})",
                        f"{mean([o['per_min'] for o in os_]):.0f}"]
            best = [unconstrained(r["split"]) for r in runs]
            tinyc_acc, best_acc = mean([r["holdout"] for r in runs]), mean([b[1] for b in best])
            row += ["/".join(sorted({b[0] for b in best})), f"{best_acc:.4f}", f"{100 * (tinyc_acc - best_acc):+.1f}"]
            eml_acc = None
            if not a.no_emlearn:
                for s, r in zip(seeds, runs):
                    models.setdefault(s, emlearn_models(r["split"]))
                eml = [best_within(models[s], kb * 1024) for s in seeds]
                if all(e is not None for e in eml):
                    eml_acc = mean([e[2] for e in eml])
                    row += ["/".join(sorted({e[0] for e in eml})), f"{eml_acc:.4f}", f"{mean([e[3] for e in eml]):.0f}",
                            f"{100 * (tinyc_acc - eml_acc):+.1f}"]
                else:
                    row += ["none fits", "—", "—", "—"]
            summary[kb].append((100 * (tinyc_acc - best_acc), None if eml_acc is None else 100 * (tinyc_acc - eml_acc)))
            lines.append("| " + " | ".join(row) + " |")
            print(lines[-1], flush=True)
    how = f"budget {a.budget:g} s" + (f", at most {a.trials} candidates" if a.trials else "")
    splits = f"seeds 0-{a.repeats - 1} (each its own holdout split and search; means over them)" \
        if a.repeats > 1 else "seed 0"
    notes = []
    for kb, deltas in summary.items():
        within = {pts: sum(d >= -pts for d, _ in deltas) for pts in (1, 3)}
        vs = [e for _, e in deltas if e is not None]
        notes.append(f"- {kb} KB: within 1 point of the best unconstrained model on {within[1]} of {len(deltas)} sets, "
                     f"within 3 points on {within[3]}" + (f"; at or above emlearn's best within the limit on "
                                                         f"{sum(e >= 0 for e in vs)} of {len(vs)}" if vs else ""))
    out = Path(a.out)
    out.write_text(f"# Accuracy per byte\n\nOne Cortex-M4 target per build, {how}, {splits}, holdout 20%; "
                   f"`benchmarks/accuracy_per_byte.py {' '.join(argv)}`.\n\n" + "\n".join(lines) + "\n\n"
                   + "\n".join(notes) + "\n")
    print("\n".join(notes))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
