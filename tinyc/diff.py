"""`tinyc diff OLD NEW`: what changed between two builds of a spec, for code review.

Each side is a build folder or its report.json (read and checked by tinyc.artifacts). ``compare``
pairs the figures a reviewer weighs — the model (family, size, form), the holdout metric, each
target's flash, RAM and latency against its limits, and what the build came from (spec, data,
seed, tinyc) — as ``{"old", "new", "changed"}``; ``text`` and ``markdown`` render that, and the
fleet index (tinyc.fleet) shows it per spec."""
from __future__ import annotations

from pathlib import Path

TARGET_FIGURES = (("flash", "B"), ("ram", "B"), ("latency_us", "µs"))
LIMITS = (("flash_limit", "flash limit", "B"), ("ram_limit", "RAM limit", "B"),
          ("latency_limit_us", "latency limit", "µs"))
PROVENANCE = ("spec_sha256", "data_sha256", "seed", "model_id")


def load(path: Path) -> dict:
    """The report of a build folder, or a report.json file, as written."""
    from .artifacts import as_json, read_report

    path = Path(path)
    folder = path.parent if path.is_file() and path.name == "report.json" else path
    return as_json(read_report(folder))


def _pair(old, new) -> dict:
    return {"old": old, "new": new, "changed": old != new}


def _holdout(report: dict):
    return report.get("model", {}).get("metrics", {}).get("holdout", {}).get(report.get("metric"))


def compare(old: dict, new: dict) -> dict:
    """The figures of two reports side by side; ``changed``: whether any differs."""
    model = {k: _pair(old["model"].get(k), new["model"].get(k)) for k in ("family", "description", "quantization")}
    metric = {"name": _pair(old.get("metric"), new.get("metric")), "holdout": _pair(_holdout(old), _holdout(new)),
              "validation": _pair(old["model"].get("validation_metric"), new["model"].get("validation_metric"))}
    targets = {}
    for t in sorted(set(old["targets"]) | set(new["targets"])):
        a, b = old["targets"].get(t, {}), new["targets"].get(t, {})
        targets[t] = {k: _pair(a.get(k), b.get(k)) for k, _ in TARGET_FIGURES}
        targets[t].update({k: _pair(a.get(k), b.get(k)) for k, _, _ in LIMITS})
        targets[t]["measured_flash"] = _pair(a.get("measured", {}).get("flash"), b.get("measured", {}).get("flash"))
        targets[t]["present"] = _pair(bool(a), bool(b))
    prov = {k: _pair(old["provenance"].get(k), new["provenance"].get(k)) for k in PROVENANCE}
    prov["tinyc_version"] = _pair(old.get("tinyc_version"), new.get("tinyc_version"))
    doc = {"model_name": _pair(old.get("model_name"), new.get("model_name")), "model": model, "metric": metric,
           "targets": targets, "provenance": prov}
    doc["changed"] = any(_changes(doc))
    return doc


def _changes(node):
    if isinstance(node, dict) and "changed" in node and "old" in node:
        yield node["changed"]
    elif isinstance(node, dict):
        for v in node.values():
            yield from _changes(v)


def _number(v, unit: str) -> str:
    if v is None:
        return "-"
    return f"{v:g} {unit}" if isinstance(v, float) else f"{v} {unit}"


def _delta(p: dict) -> str:
    """"+18, +4.6%" between two numbers; "" when either is missing."""
    a, b = p["old"], p["new"]
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or a == b:
        return ""
    d = b - a
    step = f"{d:+d}" if isinstance(d, int) else f"{d:+.4g}"
    return f"{step}, {100 * d / a:+.1f}%" if a else step


def _figure(name: str, p: dict, unit: str) -> str:
    if not p["changed"]:
        return f"{name} {_number(p['old'], unit)}"
    d = _delta(p)
    return f"{name} {_number(p['old'], '').strip()} -> {_number(p['new'], unit)}" + (f" ({d})" if d else "")


def _metric_value(v) -> str:
    return "-" if v is None else f"{v:.4f}"


def text(doc: dict, old_name: str, new_name: str) -> str:
    """The comparison as a terminal reads it: one line per figure, changes as ``old -> new``."""
    name = doc["model_name"]["new"] or doc["model_name"]["old"]
    lines = [f"{name}: {old_name} -> {new_name}" + ("" if doc["changed"] else ": no change")]
    m = doc["model"]
    changed = f" -> {m['description']['new']}" if m["description"]["changed"] else ""
    lines.append(f"  model   {m['description']['old']}{changed}")
    if m["quantization"]["changed"]:
        lines.append(f"  form    {m['quantization']['old']} -> {m['quantization']['new']}")
    metric, h = doc["metric"]["name"], doc["metric"]["holdout"]
    label = metric["new"] if not metric["changed"] else f"{metric['old']}/{metric['new']}"
    lines.append(f"  holdout {label}  {_metric_value(h['old'])}"
                 + (f" -> {_metric_value(h['new'])}" if h["changed"] else " (same)")
                 + (f" ({h['new'] - h['old']:+.4f})" if h["changed"] and None not in (h["old"], h["new"]) else ""))
    width = max(len(t) for t in doc["targets"]) if doc["targets"] else 0
    for t, f in doc["targets"].items():
        if f["present"]["changed"]:
            lines.append(f"  {t:<{width}}  {'added' if f['present']['new'] else 'removed'}")
            continue
        lines.append(f"  {t:<{width}}  " + "  ".join(_figure(k.split('_')[0], f[k], u) for k, u in TARGET_FIGURES))
        limits = [_figure(label, f[k], u) for k, label, u in LIMITS if f[k]["changed"]]
        if f["measured_flash"]["changed"] and f["measured_flash"]["new"] is not None:
            limits.append(_figure("linked flash", f["measured_flash"], "B"))
        if limits:
            lines.append(f"  {'':<{width}}  " + "  ".join(limits))
    p = doc["provenance"]
    for key, label in (("spec_sha256", "spec"), ("data_sha256", "data")):
        lines.append(f"  {label:<7} {(p[key]['old'] or '-')[:12]}" + (f" -> {(p[key]['new'] or '-')[:12]}"
                                                                     if p[key]["changed"] else " (same)"))
    for key, label in (("seed", "seed"), ("tinyc_version", "tinyc")):
        lines.append(f"  {label:<7} {p[key]['old']}" + (f" -> {p[key]['new']}" if p[key]["changed"] else " (same)"))
    return "\n".join(lines)


def _cell(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and not unit:
        return f"{v:.4f}"
    return f"{v:g} {unit}".strip() if isinstance(v, float) else f"{v} {unit}".strip()


def markdown(doc: dict, old_name: str, new_name: str) -> str:
    """The comparison as a Markdown table for a pull-request comment."""
    name = doc["model_name"]["new"] or doc["model_name"]["old"]
    rows = [("model", doc["model"]["description"], ""), ("form", doc["model"]["quantization"], ""),
            (f"holdout {doc['metric']['name']['new']}", doc["metric"]["holdout"], "")]
    for t, f in doc["targets"].items():
        rows += [(f"{t} {k.split('_')[0]}", f[k], u) for k, u in TARGET_FIGURES]
        rows += [(f"{t} {label}", f[k], u) for k, label, u in LIMITS if f[k]["changed"]]
    p = doc["provenance"]
    rows += [("spec", {**p["spec_sha256"], "old": (p["spec_sha256"]["old"] or "")[:12],
                       "new": (p["spec_sha256"]["new"] or "")[:12]}, ""),
             ("data", {**p["data_sha256"], "old": (p["data_sha256"]["old"] or "")[:12],
                       "new": (p["data_sha256"]["new"] or "")[:12]}, ""),
             ("tinyc", p["tinyc_version"], "")]
    out = [f"### {name}: `{old_name}` → `{new_name}`" + ("" if doc["changed"] else " (no change)"), "",
           "| | old | new | change |", "|---|---|---|---|"]
    for label, pair, unit in rows:
        change = _delta(pair) or ("changed" if pair["changed"] else "")
        out.append(f"| {label} | {_cell(pair['old'], unit)} | {_cell(pair['new'], unit)} | {change} |")
    return "\n".join(out)
