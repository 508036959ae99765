"""What `tinyc build` prints when it is done: the chosen model, its scores, what quantization and
memory fitting decided, and each target's flash, RAM and latency against its limits."""
from __future__ import annotations

from pathlib import Path


def quantization_lines(rep: dict) -> list[str]:
    """What quantization chose and what memory fitting cut, for the build output."""
    q = rep.get("quantization") or {}
    metric = rep["metric"]
    cmp = {c["mode"]: c for c in q.get("emitted_comparison", [])}
    lines = []
    if q.get("effective") and q["effective"] != "float32" and "float32" in cmp:
        f, i = cmp["float32"], cmp[q["effective"]]
        lines.append(f"quant    {q['effective']} (requested {q['requested']}): holdout {metric} "
                     f"{i['holdout']:.4f} vs {f['holdout']:.4f} float32")
    else:
        why = ""
        cands = {c["mode"]: c for c in q.get("candidates", [])}
        smaller = [m for m in ("int8", "int16") if m in cands and cands[m].get("flash") and cands[m]["loss"] is not None
                   and cands[m]["loss"] <= (q.get("tolerance_percent") or 0) + 1e-9]
        if q.get("requested") == "auto" and smaller and cands["float32"].get("flash"):
            m = smaller[0]
            why = (f": smaller than {m} ({max(cands['float32']['flash'].values())} B vs "
                   f"{max(cands[m]['flash'].values())} B)")
        lines.append(f"quant    float32 (requested {q.get('requested')}){why}")
    other = {t: m for t, m in (q.get("per_target") or {}).items() if m != q.get("effective")}
    if other:
        lines.append(f"         float32 on {', '.join(other)}: smaller on that core than {q['effective']}, and exact")
    blocked = [t for t, k in (q.get("kernels") or {}).items() if k == "blocked"]
    if blocked:
        lines.append(f"kernel   blocked int8 kernel on {', '.join(blocked)}: fewer instructions, more code, and "
                     f"within the limits")
    branches = [t for t, k in (q.get("kernels") or {}).items() if k == "if-else"]
    if branches:
        lines.append(f"kernel   trees as if-else code on {', '.join(branches)}: fewer instructions, more code, and "
                     f"within the limits")
    if (rep.get("model") or {}).get("constant"):
        lines.append(f"warning  {rep['model']['gap_explanation']}")
    fit = rep.get("fitting") or {}
    for st in fit.get("steps", []):
        lines.append(f"shrink   {st['step']}. {st['action']}: {st['target']} flash {st['flash_before']} → "
                     f"{st['flash_after']} B, RAM {st['ram_before']} → {st['ram_after']} B, {metric} "
                     f"{st['metric_before']:.4f} → {st['metric_after']:.4f}")
    return lines


def rebuilt_line(rep: dict) -> str | None:
    """How a build made without a search (--from-report, --from-trial) got its model, or None."""
    s = rep.get("search") or {}
    if not s.get("rebuilt_from"):
        return None
    r = s["replay"]
    return f"trial {r['trial']}'s {r['family']} from {s['rebuilt_from']}, with its hyperparameters and seed {r['seed']}"


def preferred_line(rep: dict) -> str | None:
    """Why the search took a cheaper candidate than its best (tinyc.passes.cheaper), or None."""
    why = (rep.get("search") or {}).get("preferred")
    if not why:
        return None
    return (f"trial {why['trial']} ({why['family']}, {why['instructions']} instructions, {why['flash']} B) over "
            f"trial {why['over_trial']} ({why['over_family']}, {why['over_instructions']} instructions, "
            f"{why['over_flash']} B): its cross-validated {rep['metric']} {why['metric']:.4f} is within one standard "
            f"error ({why['noise']:.4f}) of {why['over_metric']:.4f}, which the folds cannot tell apart")


def baseline_line(rep: dict) -> str | None:
    """The trivial baseline beside the model's metric, and whether the model clears the floor."""
    b = (rep.get("model") or {}).get("baseline")
    if not b:
        return None
    metric = rep["metric"]
    verdict = (f"the model takes {b['gain']:.0%} of the room between it and a perfect score"
               + (" — NOT clearly better (shipped because the spec says `allow weak`)" if b["weak"] else ""))
    return f"baseline {metric} {b['holdout'][metric]:.4f} on the holdout ({b['kind']}); {verdict}"


def baseline_sentence(rep: dict) -> str | None:
    """baseline_line as a sentence of the reports ("Baseline accuracy 0.1003 … score.")."""
    line = baseline_line(rep)
    return None if line is None else f"{line[:1].upper()}{line[1:]}."


def inputs_line(name: str, target: dict) -> str | None:
    """Where a target that reads its sensor itself takes the model's inputs from, or None."""
    sources = target.get("inputs")
    if not sources:
        return None
    read = [f"{s['feature']} ← {s['register']}" for s in sources if s["source"] == "register"]
    owed = [s for s in sources if s["source"] == "integrator"]
    undeclared = [s["feature"] for s in owed if not s["declared"]]
    parts = []
    if read:
        parts.append(f"{len(read)} read from the sensor's registers ({', '.join(read)})")
    if owed:
        parts.append(f"{len(owed)} supplied by your code through tinyc_user_feature(i) ("
                     + ", ".join(s["feature"] for s in owed[:12]) + (", …" if len(owed) > 12 else "") + ")"
                     + (f", {len(undeclared)} of them not declared in the spec" if undeclared else ""))
    return f"{name} inputs: " + "; ".join(parts)


def print_summary(result, out: Path) -> None:
    """The end-of-build summary: chosen model, holdout metric, per-target flash/RAM bars, report path."""
    from rich.console import Console
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    rep = result.report
    m = rep["model"]
    metric = rep["metric"]
    console = Console(highlight=False, soft_wrap=True)  # long paths stay on one line (logs, tests)
    console.print(f"built {rep['model_name']} → {out}/")
    console.print(f"  model    {m['description']}")
    line = rebuilt_line(rep)
    if line:
        console.print(f"  rebuilt  {line} (no search)")
    line = preferred_line(rep)
    if line:
        console.print(f"  cheaper  {line}")

    def fmt(v):
        return "—" if v is None else f"{v:.4f}"

    console.print(f"  {metric:<8} train {fmt(m['metrics']['train'][metric])}  holdout "
                  f"{fmt(m['metrics']['holdout'][metric])}  ({m['gap_explanation']})")
    if line := baseline_line(rep):
        console.print(f"  {line}")
    a = rep.get("anomaly")
    if a:
        fa = a["false_alarm_rate_holdout"]
        console.print(f"  flags    score > {a['threshold']:.6g} ({a['threshold_rule']}); false alarms on the "
                      f"held-out normal rows: {'—' if fa is None else f'{fa * 100:.2f}%'}")
        console.print(f"  learn    {a['learn']}: {a['shipped']}")
    for line in quantization_lines(rep):
        console.print(f"  {line}")
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    for col in ("target", "flash B (linked)", "", "RAM B", "", "latency"):
        table.add_column(col, no_wrap=True)
    for name, t in rep["targets"].items():
        measured = t.get("measured", {}).get("flash")
        us = t["latency_us"]
        if name == "host":  # no limits or clock of a desktop to show
            table.add_row(name, f"{t['flash']} (no limit)", "", f"{t['ram']} (no limit)", "", "n/a")
            continue
        table.add_row(name, f"{t['flash']}/{t['flash_limit']}" + (f" ({measured})" if measured is not None else ""),
                      ProgressBar(total=t["flash_limit"], completed=min(t["flash"], t["flash_limit"]), width=8),
                      f"{t['ram']}/{t['ram_limit']}",
                      ProgressBar(total=t["ram_limit"], completed=min(t["ram"], t["ram_limit"]), width=8),
                      (f"~{us:.0f} µs" if us >= 10 else f"~{us:.2g} µs")
                      + (f" / {t['latency_limit_us']:g}" if t.get("latency_limit_us") is not None else "")
                      + (" *" if t.get("uncalibrated") else ""))
    console.print(table)
    for name, t in rep["targets"].items():
        if t.get("uncalibrated"):
            console.print(f"  * {name}: estimates uncalibrated ({t['uncalibrated']})")
        if line := inputs_line(name, t):
            console.print(f"  {line}")
    console.print(f"  report   {out}/report.html  (summary: {out}/report.md)")
    if rep.get("artifacts", {}).get("predict"):
        console.print(f"  try it   {out}/artifacts/predict --csv {out}/artifacts/holdout.csv")
