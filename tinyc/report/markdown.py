"""report.json → report.md: the key facts as compact Markdown tables (no
images), for a git diff or a pull-request comment. Data strings are escaped."""
from __future__ import annotations

import re

from ..models.costs import CYCLES_PER_INSTRUCTION
from ..summary import baseline_sentence, inputs_line


def md(text) -> str:
    """Escape a string for a Markdown table cell.

    >>> md("a|b <script>&")
    'a\\\\|b &lt;script&gt;&amp;'
    """
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([|`*_\[\]\\])", r"\\\1", s).replace("\n", " ")


def _num(v, digits=4) -> str:
    return "—" if v is None else f"{v:.{digits}f}" if isinstance(v, float) else md(v)


def render(rep: dict) -> str:
    m = rep["model"]
    metric = rep["metric"]
    d = rep["data"]
    lines = [f"# {md(rep['model_name'])}: {md(m['description'])}", "",
             f"{md(rep['task'])}, tinyc {md(rep['tinyc_version'])}; data: {d['rows']} rows × {d['columns']} columns "
             f"({d['train_rows']} training, {d['holdout_rows']} holdout)", "",
             "| metric | training | holdout | baseline (holdout) |", "|---|---|---|---|"]
    base = (m.get("baseline") or {}).get("holdout") or {}
    for k in m["metrics"]["train"]:
        bold = "**" if k == metric else ""
        lines.append(f"| {bold}{md(k)}{bold} | {_num(m['metrics']['train'][k])} | {_num(m['metrics']['holdout'][k])} "
                     f"| {_num(base.get(k))} |")
    checks = rep.get("data_checks") or []
    if checks:
        lines += ["", "**Data checks**:", ""]
        lines += [f"- {md(c['message'])}" for c in checks]
    if sentence := baseline_sentence(rep):
        lines += ["", md(sentence)]
    lines += ["", md(m["gap_explanation"]), "", "| target | form | flash est. | flash linked | RAM est. | "
              "limit flash / RAM | ops | instr. est. | instr. (qemu) |", "|---|---|---|---|---|---|---|---|---|"]
    verify = rep.get("verify", {})
    for t, c in rep["targets"].items():
        linked = (c.get("measured") or {}).get("flash")
        v = verify.get(t, {})
        form = c.get('quantization', m.get('quantization', '—')) + (f", {c['kernel']} kernel" if "kernel" in c else "")
        lines.append(f"| {md(t)} | {md(form)} | {c['flash']} | "
                     f"{linked if linked is not None else '—'} | {c['ram']} | "
                     f"{c['flash_limit']} / {c['ram_limit']} | {c['ops']} | {c.get('instructions', '—')} | "
                     f"{round(v.get('instructions_per_window', v['instructions_per_inference'])) if v else '—'} |")
    lines += [f"\n{md(t)}: estimated (uncalibrated): {md(c['uncalibrated'])}."
              for t, c in rep["targets"].items() if c.get("uncalibrated")]
    lines += [f"\n{md(t)}: a prediction takes about {c['latency_us']:g} µs at {c['clock_hz'] / 1e6:g} MHz (estimated "
              f"instructions x {CYCLES_PER_INSTRUCTION} cycles), limit {c['latency_limit_us']:g} µs."
              for t, c in rep["targets"].items() if c.get("latency_limit_us") is not None]
    lines += [f"\n{md(line)}." for t, c in rep["targets"].items() if (line := inputs_line(t, c))]
    if rep.get("figures"):
        lines += ["", "How each figure is obtained:", "", "| figure | obtained | bound |", "|---|---|---|"]
        lines += [f"| {md(f['figure'])} | {md(f['obtained'])} | {md(f['bound'])} |" for f in rep["figures"]]
    if "confusion" in m:
        labels = m["confusion"]["labels"]
        lines += ["", "Confusion on the holdout (rows: true class, columns: predicted):", "",
                  "| | " + " | ".join(md(x) for x in labels) + " |", "|---" * (len(labels) + 1) + "|"]
        for lab, row in zip(labels, m["confusion"]["holdout"]):
            lines.append(f"| **{md(lab)}** | " + " | ".join(str(v) for v in row) + " |")
    sig = rep.get("signal")
    if sig:
        dropped = ", ".join(b["group"] for b in sig.get("blocks_dropped") or []) or "none"
        lines += ["", f"Signal front end: {md(sig['description'])}; {sig['windows']['train']} training / "
                      f"{sig['windows']['holdout']} holdout windows; feature groups dropped: {md(dropped)}."]
    a = rep.get("anomaly")
    if a:
        fa = a["false_alarm_rate_holdout"]
        lines += ["", f"Flags a score above {a['threshold']:.6g} ({md(a['threshold_rule'])}); false alarms on the "
                      f"held-out normal rows: {'—' if fa is None else f'{fa * 100:.2f}%'}. Learning: "
                      f"{md(a['learn'])} ({md(a['shipped'])})."]
    s = rep["search"]
    if s.get("rebuilt_from"):
        from ..summary import rebuilt_line

        lines += ["", f"Search: none; rebuilt {md(rebuilt_line(rep))}."]
    else:
        lines += ["", f"Search: {len(s['leaderboard'])} candidates in {s['elapsed_s']:.1f} s of {s['budget_s']:g} s "
                  f"(stopped by {md(s.get('stop_rule') or s['stopped_by'])}). Best five that fit:", "",
                  f"| # | family | {md(metric)} | flash |", "|---|---|---|---|"]
        greater = metric not in ("rmse", "mae")
        fit = sorted((c for c in s["leaderboard"] if c["fits"] and c["metric"] is not None),
                     key=lambda c: (c["metric"] is None, -(c["metric"] or 0) if greater else (c["metric"] or 0)))
        for c in fit[:5]:
            lines.append(f"| {c['trial']} | {md(c['family'])} | {_num(c['metric'])} | "
                         f"{max(t['flash'] for t in c['costs'].values())} |")
    if s.get("preferred"):
        from ..summary import preferred_line

        lines += ["", f"Fewer instructions at the same {md(metric)}: {md(preferred_line(rep))}."]
    if s.get("growth"):
        lines += ["", "Grown into the room the targets leave (cross-validated, every step fitting):", "",
                  f"| family | step | {md(metric)} | flash |", "|---|---|---|---|"]
        for st in s["growth"]:
            lines.append(f"| {md(st['family'])} | {md(st['step'])} | {_num(st['metric'])} | {st['flash']} |")
    q = rep.get("quantization", {})
    lines += ["", f"Quantization: requested {md(q.get('requested'))}, emitted {md(q.get('effective'))}.", "",
              f"| mode | training {md(metric)} | holdout {md(metric)} | loss (points) |", "|---|---|---|---|"]
    for c in q.get("candidates", []):
        lines.append(f"| {md(c['mode'])} | {_num(c['train'])} | {_num(c['holdout'])} | {_num(c['loss'], 2)} |")
    steps = (rep.get("fitting") or {}).get("steps") or []
    if steps:
        lines += ["", "Memory fitting:", "", "| # | step | target | flash (B) | RAM (B) |", "|---|---|---|---|---|"]
        for st in steps:
            lines.append(f"| {st['step']} | {md(st['action'])} | {md(st['target'])} | "
                         f"{st['flash_before']} → {st['flash_after']} | {st['ram_before']} → {st['ram_after']} |")
    lines.append("")
    return "\n".join(lines)
