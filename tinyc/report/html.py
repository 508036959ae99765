"""report.json → report.html: one self-contained file (inline CSS and SVG, no
script, no network — a Content-Security-Policy forbids any request), readable
on a laptop and printable. Every number comes from report.json; every string
from the data is escaped."""
from __future__ import annotations


from ..summary import baseline_sentence, inputs_line
from . import svg
from .markup import _e, _n, _table
from .search_html import section as _search_section

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;margin:0;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #e5e7eb}
h3{font-size:16px;margin:18px 0 6px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 20px 16px;margin:16px 0}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:right}th{background:#f3f4f6}
td.l,th.l{text-align:left}.muted{color:#6b7280}.ok{color:#059669}.bad{color:#dc2626}
pre{background:#111827;color:#e5e7eb;padding:12px;border-radius:6px;overflow:auto;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:12px}
.chart{max-width:100%;height:auto}.chart text{font-size:11px;fill:#374151}.chart .axis{font-size:12px}
.barlabel{font-size:11px;fill:#111827}
.kpi{display:inline-block;margin:4px 18px 4px 0}.kpi b{font-size:22px;display:block}
@media print{body{background:#fff}section{break-inside:avoid;border:none}}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _spec_section(rep: dict, spec_text: str, spec_json: dict) -> str:
    s = spec_json or {}
    resolved = []
    for key in ("task", "metric", "quantize", "seed"):
        node = s.get(key) or {}
        resolved.append([_e(key), _e(node.get("value")), "default" if node.get("span") is None else "spec"])
    budget = s.get("budget") or {}
    resolved.append(["budget", _e(budget.get("text")), "default" if budget.get("span") is None else "spec"])
    for t in s.get("targets", []):
        resolved.append([f"target {_e(t['name']['value'])}",
                         f"flash {_e(t['flash']['text'])}, ram {_e(t['ram']['text'])}, clock {_e(t['clock']['text'])}",
                         "spec" if t["flash"].get("span") else "backend default"])
    prov = rep.get("provenance", {})
    return (f"<section id='spec'><h2>Spec</h2><p class='muted'>tinyc {_e(rep['tinyc_version'])} · seed "
            f"{_e(prov.get('seed'))} · data sha256 {_e(str(prov.get('data_sha256', ''))[:16])}…</p>"
            f"<div class='grid'><div><h3>As written</h3><pre>{_e(spec_text)}</pre></div>"
            f"<div><h3>Resolved</h3>{_table(['statement', 'value', 'from'], resolved)}</div></div></section>")


def _data_section(d: dict) -> str:
    kpis = "".join(f"<span class='kpi'><b>{_e(v)}</b>{_e(k)}</span>" for k, v in (
        ("rows", d["rows"]), ("columns", d["columns"]), ("features used", len(d["features"])),
        ("memory", f"{d['memory_bytes'] / 1024:.0f} KiB"), ("training rows", d["train_rows"]),
        ("holdout rows", d["holdout_rows"])))
    t = d["target"]
    if t["kind"] == "classes":
        target_chart = svg.bars([c["label"] for c in t["classes"]], [c["count"] for c in t["classes"]],
                                "class", "rows", "class balance")
        target_title = "Class balance"
    else:
        edges, counts = t["histogram"]["edges"], t["histogram"]["counts"]
        target_chart = svg.bars([f"{edges[i]:.3g}" for i in range(len(counts))], counts, "target value", "rows",
                                "target histogram")
        target_title = "Target distribution"
    feats = [[_e(f["name"]), _n(f["mean"], 3), _n(f["std"], 3), _n(f["min"], 3), _n(f["median"], 3),
              _n(f["max"], 3), _e(f["distinct"]), _e(f["imputed"])] for f in d["features"]]
    corr = d["correlation"]
    # order features so that correlated ones sit together (by their first principal direction)
    order = _cluster_order(corr["matrix"])
    names = [corr["features"][i] for i in order]
    matrix = [[corr["matrix"][i][j] for j in order] for i in order]
    pairs = [[_e(p["a"]), _e(p["b"]), _n(p["correlation"], 3)] for p in d["top_correlated_pairs"]]
    rel = d["related_to_target"]
    related = [[_e(f["name"]), _n(f["value"], 3)] for f in rel["features"]]
    notes = []
    if d["dropped_constant"]:
        notes.append(f"Constant columns dropped: {_e(', '.join(d['dropped_constant']))}.")
    if d["imputed"]:
        notes.append("Missing values filled: " + _e(", ".join(f"{k} ({v})" for k, v in d["imputed"].items())) + ".")
    if d.get("dropped_rows"):
        notes.append(f"Rows dropped for missing values: {_e(d['dropped_rows'])}.")
    return (f"<section id='data'><h2>Data</h2><p>{kpis}</p><p class='muted'>{' '.join(notes)}</p>"
            f"<div class='grid'><div><h3>{target_title}</h3>{target_chart}</div>"
            f"<div><h3>Correlation</h3>{svg.heatmap(names, matrix, title='feature correlation')}</div></div>"
            f"<div class='grid'><div><h3>Most correlated pairs (|r| &gt; 0.7)</h3>"
            f"{_table(['feature', 'feature', 'r'], pairs, 2) if pairs else '<p class=muted>none</p>'}</div>"
            f"<div><h3>Most related to the target ({_e(rel['measure'])})</h3>{_table(['feature', 'value'], related)}"
            f"</div></div><h3>Features</h3>"
            f"{_table(['feature', 'mean', 'std', 'min', 'median', 'max', 'distinct', 'imputed'], feats)}</section>")


def _cluster_order(matrix: list[list[float]]) -> list[int]:
    import numpy as np

    m = np.asarray(matrix, dtype=float)
    if m.size == 0:
        return []
    w, v = np.linalg.eigh(np.abs(m))
    key = v[:, -1] * np.sign(v[:, -1].sum() or 1.0)
    second = v[:, -2] if m.shape[0] > 1 else np.zeros(m.shape[0])
    return [int(i) for i in np.lexsort((second, key))]


def _model_section(rep: dict) -> str:
    m = rep["model"]
    metrics = m["metrics"]
    base = (m.get("baseline") or {}).get("holdout") or {}
    rows = [[_e(k), _n(metrics["train"][k]), _n(metrics["holdout"][k]), _n(base.get(k))] for k in metrics["train"]]
    parts = [f"<section id='model'><h2>Model</h2><p><b>{_e(m['description'])}</b></p>",
             _table(["metric", "training", "holdout", "baseline (holdout)"], rows),
             f"<p id='baseline'>{_e(sentence)}</p>" if (sentence := baseline_sentence(rep)) else "",
             f"<p class='muted'>{_e(m['gap_explanation'])}</p>"]
    if "confusion" in m:
        labels = m["confusion"]["labels"]
        cm = m["confusion"]["holdout"]
        norm = [[v / max(sum(r), 1) for v in r] for r in cm]
        parts.append("<div class='grid'>")
        parts.append(f"<div><h3>Confusion (holdout, counts)</h3>"
                     f"{svg.heatmap(labels, cm, 0, max(max(r) for r in cm) or 1, 'confusion counts', annotate=True)}</div>")
        parts.append(f"<div><h3>Confusion (holdout, share of each true class)</h3>"
                     f"{svg.heatmap(labels, norm, 0, 1, 'confusion normalised', annotate=True)}</div></div>")
        pc = [[_e(c["label"]), _n(c["precision"], 3), _n(c["recall"], 3), _n(c["f1"], 3), _e(c["support"])]
              for c in m["per_class"]]
        parts.append("<h3>Per class (holdout)</h3>" + _table(["class", "precision", "recall", "F1", "rows"], pc))
    if "holdout_predictions" in m:
        hp = m["holdout_predictions"]
        pts = [(a, p, f"actual {a:.3g}, predicted {p:.3g}") for a, p in zip(hp["actual"], hp["predicted"])]
        res = [(p, a - p, f"predicted {p:.3g}, residual {a - p:.3g}") for a, p in zip(hp["actual"], hp["predicted"])]
        parts.append("<div class='grid'>")
        parts.append(f"<div><h3>Predicted vs actual</h3>{svg.scatter(pts, (), None, 'actual', 'predicted', 'pred vs actual')}</div>")
        parts.append(f"<div><h3>Residuals</h3>{svg.scatter(res, (), None, 'predicted', 'actual − predicted', 'residuals')}</div></div>")
    if m.get("importance"):
        imp = m["importance"][:15]
        parts.append("<h3>Feature importance (permutation, holdout)</h3>"
                     + svg.hbars([i["name"] for i in imp], [max(i["value"], 0.0) for i in imp],
                                 "metric drop when the feature is shuffled", "feature importance"))
    if rep.get("anomaly"):
        parts.append(_anomaly_html(rep["anomaly"], rep["search"].get("ranked_by", "")))
    if rep.get("signal"):
        parts.append(_signal_html(rep["signal"]))
    parts.append(_quantization_html(rep))
    parts.append("</section>")
    return "".join(parts)


def _anomaly_html(a: dict, ranked_by: str) -> str:
    """How the detector decides and learns."""
    fa = a["false_alarm_rate_holdout"]
    declared = a["false_alarms_declared"]
    rows = [["threshold", _e(f"{a['threshold']:.6g}")], ["how it was set", _e(a["threshold_rule"])],
            ["false alarms declared", "—" if declared is None else _e(f"{declared * 100:g}%")],
            ["false alarms on held-out normal rows", "—" if fa is None else _e(f"{fa * 100:.2f}%")],
            ["learning", _e(f"{a['learn']}: {a['shipped']}")],
            ["normal training rows", _e(a["normal_training_rows"])],
            ["labelled anomalies (training / holdout)",
             _e(f"{a['labelled_anomalies']['train']} / {a['labelled_anomalies']['holdout']}")],
            ["detectors ranked by", _e(ranked_by)]]
    return "<h3>Anomaly detector</h3>" + _table(["", ""], rows)


def _signal_html(sig: dict) -> str:
    """The front end: what it computes, how the data was cut, what was dropped, what it costs."""
    rows = [["front end", _e(sig["description"])], ["layout", _e(sig.get("layout", "long"))],
            ["recordings (training / holdout)", _e(f"{sig['recordings']['train']} / {sig['recordings']['holdout']}")],
            ["windows (training / holdout)", _e(f"{sig['windows']['train']} / {sig['windows']['holdout']}")],
            ["window label", _e(sig["window_label"])],
            ["features used", _e(", ".join(sig.get("features_used", [])))]]
    dev = sig.get("device")
    if dev:  # the device's readings, as the spec declares them (push_raw)
        rate = (f"{dev['rate_hz']:g} Hz, resampled to {sig['rate_hz']:g} Hz by linear interpolation"
                if dev["resampled"] else f"{dev['rate_hz']:g} Hz")
        rows.append(["device readings", _e(f"{dev['type']} at {rate}; " + "; ".join(
            f"{c}: {d['reading']}, × {d['scale']:.6g} → {d['training_unit']}" for c, d in dev["channels"].items()))])
    out = ["<h3>Signal front end</h3>", _table(["", ""], rows)]
    blocks = sig.get("blocks_dropped") or []
    if blocks:
        out.append("<p>Feature groups dropped (cross-validated on the training rows):</p>")
        out.append(_table(["group", "operations saved", "CV metric, all features", "CV metric without"],
                          [[_e(b["group"]), _e(b["ops_saved"]), _n(b["cv_before"]), _n(b["cv_after"])]
                           for b in blocks]))
    per = sig.get("per_target") or {}
    if per:
        out.append(_table(["target", "front-end flash (B)", "RAM (B)", "operations per window"],
                          [[_e(t), _e(c["flash"]), _e(c["ram"]), _e(c["ops"])] for t, c in per.items()]))
    return "".join(out)


def _quantization_html(rep: dict) -> str:
    """The quantization decision (every mode tried, float vs integer on the
    holdout) and the memory-fitting steps."""
    q = rep.get("quantization", {})
    metric = rep["metric"]
    if not q.get("candidates"):  # a detector: no forms compared
        out = [f"<h3>Quantization and fitting</h3><p>Emitted as <b>{_e(q.get('effective') or 'float32')}</b> "
               f"(requested {_e(q.get('requested'))}): an anomaly detector's scores stay in float32.</p>"]
    else:
        tolerance = q.get("tolerance_percent")
        out = [f"<h3>Quantization and fitting</h3><p>requested <b>{_e(q.get('requested'))}</b>"
               + (f" within {_n(tolerance, 2)} points" if q.get("requested") == "auto" and tolerance is not None
                  else "")
               + f", emitted <b>{_e(q.get('effective'))}</b>"
               + (f"; decided on the {_e(q['decided_on'])}" if q.get("decided_on") else "") + ".</p>"]
        rows = [[_e(c["mode"]) + (" ✓" if c["mode"] == q.get("effective") else ""), _n(c["train"]),
                 _n(c["holdout"]), _n(c["loss"], 2), _e(max(c["flash"].values()) if c.get("flash") else "—"),
                 _e(c.get("note") or "")] for c in q.get("candidates", [])]
        out.append(_table(["mode", f"training {metric}", f"holdout {metric}", "loss (points)",
                           "flash (B, largest target)", "note"], rows))
    cmp = q.get("emitted_comparison") or []
    if cmp and cmp != q.get("candidates"):
        out.append("<p>After memory fitting, the emitted model:</p>")
        out.append(_table(["mode", f"training {metric}", f"holdout {metric}"],
                          [[_e(c["mode"]), _n(c["train"]), _n(c["holdout"])] for c in cmp]))
    fit = rep.get("fitting") or {}
    steps = fit.get("steps") or []
    if steps:
        out.append(f"<p>The first-choice model did not fit; {len(steps)} shrinking step(s), cheapest loss first "
                   f"(metric on the training rows, sizes on the tightest target):</p>")
        out.append(_table(["#", "step", "target", "flash before → after (B)", "RAM before → after (B)",
                           f"{metric} before → after"],
                          [[str(st["step"]), _e(st["action"]), _e(st["target"]),
                            f"{st['flash_before']} → {st['flash_after']}", f"{st['ram_before']} → {st['ram_after']}",
                            f"{_n(st['metric_before'])} → {_n(st['metric_after'])}"] for st in steps], left=3))
    else:
        out.append("<p>The model fitted every target as chosen: no shrinking step was needed.</p>")
    unselected = fit.get("features_not_selected") or []
    if unselected:
        out.append(f"<p>Features the search's selection left out (cross-validated): {_e(', '.join(unselected))}.</p>")
    dropped = [f for f in fit.get("features_dropped") or [] if f not in unselected]
    if dropped:
        out.append(f"<p>Features dropped to fit: {_e(', '.join(dropped))}.</p>")
    return "".join(out)


def _work(rep: dict, t: str, c: dict) -> str:
    """What the instruction estimate covers: with a signal front end, a window (its share named,
    since `tinyc verify` counts the model's prediction alone)."""
    fe = ((rep.get("signal") or {}).get("per_target") or {}).get(t, {}).get("instructions")
    if fe is None or "instructions" not in c:
        return "inference"
    return f"window ({_e(fe)} of them the front end's, {_e(c['instructions'] - fe)} the model's)"


def _targets_section(rep: dict, name: str) -> str:
    out = ["<section id='targets'><h2>Targets</h2>"]
    verify = rep.get("verify", {})
    for t, c in rep["targets"].items():
        measured = (c.get("measured") or {}).get("flash")
        v = verify.get(t)
        form = f" ({_e(c['quantization'])}{_e(', ' + c['kernel'] + ' kernel') if 'kernel' in c else ''})" \
            if "quantization" in c else ""
        if t == "host":  # a desktop or server: no memory limit to show, no clock to time against
            lines = [f"<h3>{_e(t)}{form}</h3>",
                     f"<p>{_e(c['flash'])} B of code and weights, {_e(c['ram'])} B of RAM (estimates); limits and "
                     f"latency: not applicable to a desktop or server (the host library is the predict tool's "
                     f"and the parity tests' reference).</p>"]
            out.extend(lines)
            continue
        lines = [f"<h3>{_e(t)}{form}</h3>",
                 svg.budget_bar(c["flash"], c["flash_limit"], f"flash {c['flash']} / {c['flash_limit']} B (estimate)"),
                 "<br>",
                 svg.budget_bar(c["ram"], c["ram_limit"], f"RAM {c['ram']} / {c['ram_limit']} B (estimate)"),
                 f"<p>{_e(c['ops'])} operations, about {_e(c.get('instructions', '—'))} instructions per "
                 f"{_work(rep, t, c)}, {c['latency_us']:g} µs at "
                 f"{c['clock_hz'] / 1e6:g} MHz "
                 + (f"(limit {c['latency_limit_us']:g} µs) " if c.get("latency_limit_us") is not None else "")
                 + (f"(estimated, uncalibrated: {_e(c['uncalibrated'])})" if c.get("uncalibrated") else "(estimate)")
                 + (f"; linked with {_e(c['measured'].get('tool', 'the cross compiler'))}: <b>{_e(measured)} B</b> flash"
                    if measured else "")
                 + (f"; under qemu ({_e(v['board'])}): <b>{v['instructions_per_inference']:.0f}</b> instructions "
                    f"per inference"
                    + (f" and <b>{v['instructions_per_window']:.0f}</b> per window" if "instructions_per_window" in v
                       else "")
                    + f", stack {_e(v.get('stack', '—'))} B, parity {'ok' if v['parity'] else 'FAILED'}"
                    if v else "") + ".</p>"]
        if line := inputs_line(t, c):
            lines.append(f"<p class='inputs'>{_e(line)}.</p>")
        out.extend(lines)
    call = (f"int32_t cls;\nif ({name}_predict(x, &cls) == {name.upper()}_OK) {{\n"
            f"    /* {name}_class_label(cls) */\n}}" if rep["task"] == "classification" else
            f"int32_t anomaly;\nfloat score;\nif ({name}_is_anomaly(x, &anomaly, &score) == {name.upper()}_OK "
            f"&& anomaly) {{\n    /* raise the alarm */\n}}" if rep["task"] == "anomaly" else
            f"float y;\nif ({name}_predict_value(x, &y) == {name.upper()}_OK) {{\n    /* use y */\n}}")
    P = name.upper()
    if rep.get("signal"):  # raw samples in: the library computes the window features
        verdict = {"classification": f"int32_t cls;\n    if ({name}_predict_window(&cls) == {P}_OK) {{\n"
                                     f"        /* {name}_class_label(cls) */\n    }}",
                   "regression": f"float y;\n    if ({name}_predict_window_value(&y) == {P}_OK) {{\n"
                                 f"        /* use y */\n    }}",
                   "anomaly": f"int32_t anomaly;\n    if ({name}_predict_window(&anomaly) == {P}_OK && anomaly) "
                              f"{{\n        /* raise the alarm */\n    }}"}[rep["task"]]
        dev = rep["signal"].get("device")
        if dev:  # the device's raw counts: push_raw converts (and resamples) them
            snippet = (f"int16_t raw[{P}_N_CHANNELS]; /* one raw reading of every channel, in the order of the spec */\n"
                       f"int32_t ready;\n/* at {dev['rate_hz']:g} Hz, from the sensor's interrupt or FIFO: */\n"
                       f"if ({name}_push_raw(raw, &ready) == {P}_OK && ready) {{\n    {verdict}\n}}")
        else:
            snippet = (f"float sample[{P}_N_CHANNELS]; /* one reading of every channel, in the order of the spec */\n"
                       f"int32_t ready;\n/* at {P}_SAMPLE_RATE_HZ, from the sensor's interrupt or FIFO: */\n"
                       f"if ({name}_push_sample(sample, &ready) == {P}_OK && ready) {{\n    {verdict}\n}}")
    else:
        snippet = (f"float x[{P}_N_FEATURES]; /* features in the order of {name}_feature_names */\n{call}")
    if rep["task"] == "anomaly" and (rep.get("anomaly") or {}).get("learn") in ("on_device", "both"):
        snippet += (f"\n/* learning on the device: {name}_learn(x) (or {name}_learn_window()) on normal data; "
                    f"{name}_save(buf, {P}_STATE_SIZE) to keep what it learned, {name}_restore after a reset */")
    notice = (rep.get("signal") or {}).get("units_notice")
    if rep.get("figures"):
        rows = "".join(f"<tr><td>{_e(f['figure'])}</td><td>{_e(f['obtained'])}</td><td>{_e(f['bound'])}</td></tr>"
                       for f in rep["figures"])
        out.append(f"<h3>How each figure is obtained</h3><table id='figures'><tr><th>figure</th><th>obtained</th>"
                   f"<th>bound</th></tr>{rows}</table>")
    out.append(f"<h3>Integration</h3>{f'<p>{_e(notice)}</p>' if notice else ''}"
               f"<pre>#include \"{_e(name)}.h\"\n\n{_e(snippet)}</pre></section>")
    return "".join(out)


def _checks_section(rep: dict) -> str:
    """Data checks (nothing when there are none): each message names what it found and what to do."""
    checks = rep.get("data_checks") or []
    if not checks:
        return ""
    items = "".join(f"<li>{_e(c['message'])}</li>" for c in checks)
    return f"<section id='checks'><h2>Data checks</h2><ul>{items}</ul></section>"


def render(rep: dict, spec_text: str = "", spec_json: dict | None = None) -> str:
    name = rep["model_name"]
    m = rep["model"]
    metric = rep["metric"]
    head = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>tinyc report: {_e(name)}</title><style>{CSS}</style></head><body><main>")
    top = (f"<h1>{_e(name)}</h1><p class='muted'>{_e(rep['task'])} · {_e(m['description'])} · holdout "
           f"{_e(metric)} <b>{_n(m['metrics']['holdout'][metric])}</b> · generated by tinyc "
           f"{_e(rep['tinyc_version'])}</p>"
           "<p><a href='#spec'>Spec</a> · <a href='#data'>Data</a> · <a href='#search'>Search</a> · "
           "<a href='#model'>Model</a> · <a href='#targets'>Targets</a></p>")
    body = (_spec_section(rep, spec_text, spec_json or {}) + _data_section(rep["data"]) + _checks_section(rep)
            + _search_section(rep)
            + _model_section(rep) + _targets_section(rep, name))
    return head + top + body + "</main></body></html>\n"
