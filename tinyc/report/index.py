"""index.json → index.html of a build of many specs (tinyc.fleet): one self-contained page, no
script, no request (the report's Content-Security-Policy), every string escaped; each spec's row
links to its report."""
from __future__ import annotations

from urllib.parse import quote

from .html import CSP, CSS, _e, _n, _table


def _targets(row: dict) -> str:
    parts = []
    for t, f in sorted((row.get("targets") or {}).items()):
        parts.append(f"{_e(t)}: {_e(f.get('flash'))}/{_e(f.get('flash_limit'))} B flash, "
                     f"{_e(f.get('ram'))}/{_e(f.get('ram_limit'))} B RAM, {_n(f.get('latency_us'), 1)} µs")
    return "<br>".join(parts) or "—"


def _change(row: dict) -> str:
    change = row.get("change")
    if change is None:
        return '<span class="muted">unchanged</span>' if row["status"] == "skipped" else "—"
    if change.get("first_build"):
        return '<span class="muted">first build</span>'
    if not change:
        return '<span class="muted">no change</span>'
    return "<br>".join(f"{_e(k)}: {_n(v['old'])} → {_n(v['new'])}" for k, v in sorted(change.items())
                       if k not in ("spec", "data", "model_id"))  \
        + ("<br>" if set(change) - {"spec", "data", "model_id"} else "") \
        + " ".join(f'<span class="muted">{_e(k)} changed</span>' for k in ("spec", "data") if k in change)


def _status(row: dict) -> str:
    css = {"built": "ok", "skipped": "muted", "failed": "bad"}.get(row["status"], "")
    text = _e(row["status"]) + (f"<br><small>{_e(row['error'])}</small>" if row.get("error") else "")
    return f'<span class="{css}">{text}</span>'


def render(doc: dict) -> str:
    rows = []
    for r in doc["specs"]:
        model = (f'<a href="{quote(r["report"])}">{_e(r["model"])}</a><br><small>{_e(r["description"])}</small>'
                 if r.get("report") else _e(r.get("model") or "—"))
        metric = f"{_e(r['metric'])} {_n(r.get('holdout'))}" if r.get("metric") else "—"
        hashes = (f"<small>spec {_e(r['spec_sha256'][:12])}<br>data {_e(r['data_sha256'][:12])}<br>"
                  f"tinyc {_e(r['tinyc_version'])}</small>") if r.get("spec_sha256") else "—"
        rows.append([_e(r["spec"]), _status(r), model, metric, _targets(r), _change(r), hashes])
    failed = sum(r["status"] == "failed" for r in doc["specs"])
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="generator" content="tinyc">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>tinyc builds</title><style>{CSS}</style></head><body><main>"
            f"<h1>tinyc builds</h1><p class=\"muted\">{len(doc['specs'])} specs, {failed} failed</p><section>"
            + _table(["spec", "status", "model", "holdout", "per target", "since the previous build", "from"], rows, 7)
            + "</section></main></body></html>\n")
