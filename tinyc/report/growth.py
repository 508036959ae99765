"""The report's growth path (tinyc.passes.grow): each leading family's start and the steps it
took into the room the targets leave, as a chart of the metric against flash and a table."""
from __future__ import annotations

from html import escape

from . import svg


def section(s: dict, metric: str) -> str:
    """The growth path of report.json's search section as HTML ('' when nothing grew)."""
    steps = s.get("growth") or []
    if not steps:
        return ""
    points, path, rows = [], [], []
    for st in steps:
        start = (st["from_flash"], st["from_metric"])
        if start not in path:
            path.append(start)
            points.append((*start, f"trial {st['from_trial']} ({st['family']}) as the search found it"))
        path.append((st["flash"], st["metric"]))
        points.append((st["flash"], st["metric"], f"{st['family']}: {st['step']}"))
        rows.append(f"<tr><td class='l'>{escape(st['family'])}</td><td class='l'>{escape(st['step'])}</td>"
                    f"<td>{st['metric']:.4f}</td><td>{st['flash']}</td></tr>")
    chart = svg.scatter(points, path, path[-1], "flash (bytes, largest target)", metric, "growth path")
    return (f"<h3>Grown into the room the targets leave</h3><div class='grid'><div>{chart}</div><div>"
            f"<table><thead><tr><th class='l'>family</th><th class='l'>step</th><th>{escape(metric)}</th>"
            f"<th>flash</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class='muted'>each step cross-validated on the training rows and fitting every target</p>"
            f"</div></div>")
