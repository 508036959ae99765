"""The HTML report's search section: the metric against flash and against instructions (with the
Pareto fronts and the chosen model), the best metric over time, the time per family, why a cheaper
candidate was preferred, the growth path and the leaderboard."""
from __future__ import annotations

from . import growth, svg
from .markup import _e, _n, _table


def section(rep: dict) -> str:
    s = rep["search"]
    metric = rep["metric"]
    if s.get("rebuilt_from"):  # --from-report / --from-trial: no search, no leaderboard
        from ..summary import rebuilt_line

        return f"<section id='search'><h2>Search</h2><p>None; rebuilt {_e(rebuilt_line(rep))}.</p></section>"
    board = s["leaderboard"]
    costed = [c for c in board if c["costs"] and c["metric"] is not None]
    greater = metric not in ("rmse", "mae")
    chosen = rep["model"].get("chosen_trial")
    history = [(h["elapsed"], h["best"], f"{h['elapsed']:.1f}s: {h['best']:.4f}") for h in s["history"]]
    per_family: dict[str, float] = {}
    for c in board:
        per_family[c["family"]] = per_family.get(c["family"], 0.0) + c["seconds"]
    rows = []
    for c in sorted(board, key=lambda c: (c["metric"] is None, -(c["metric"] or 0) if greater else (c["metric"] or 0))):
        params = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(c["params"].items()))
        rows.append([_e(c["trial"]), _e(c["family"]), _e(params), _n(c["metric"]),
                     *(_e(_most(c, key) if c["costs"] else "—") for key in ("flash", "ram", "instructions")),
                     f"{c['seconds']:.2f}", f"<span class='{'ok' if c['fits'] else 'bad'}'>{_e(c['status'])}</span>"])
    return (f"<section id='search'><h2>Search</h2><p>{_e(len(board))} candidates in {s['elapsed_s']:.1f} s of a "
            f"{s['budget_s']:g} s budget (stopped by {_e(s.get('stop_rule') or s['stopped_by'])}; {s['folds']}-fold cross-validation on "
            f"the training rows).</p><div class='grid'>"
            + _against(costed, "flash", "flash (bytes, largest target)", metric, greater, chosen)
            + _against(costed, "instructions", "instructions per inference (largest target)", metric, greater, chosen)
            + (f"<div><h3>Best {_e(metric)} so far</h3>"
               f"{svg.scatter(history, (), None, 'seconds', metric, 'best so far', line=True)}</div>"
               if history else "")  # (the detector pass compares every detector at once: no curve)
            + f"<div><h3>Time per family</h3>{svg.bars(list(per_family), list(per_family.values()), 'family', 'seconds', 'time per family')}</div>"
            f"</div>{_preferred(rep)}{growth.section(s, metric)}<h3>Leaderboard</h3>"
            f"{_table(['#', 'family', 'hyperparameters', metric, 'flash', 'RAM', 'instructions', 's', 'status'], rows, 3)}"
            f"</section>")


def _most(c: dict, key: str) -> int:
    """A candidate's largest figure over the targets."""
    return max(t.get(key, 0) for t in c["costs"].values())


def _against(costed: list[dict], key: str, axis: str, metric: str, greater: bool, chosen) -> str:
    """The metric of every candidate against its flash or instructions, the Pareto front dashed and
    the chosen model circled."""
    points = [(_most(c, key), c["metric"], f"#{c['trial']} {c['family']}: {metric} {c['metric']:.4f}, "
               f"{_most(c, key)} {'B' if key == 'flash' else key}") for c in costed]
    front = svg.pareto([(_most(c, key), c["metric"]) for c in costed], greater)
    chosen_pt = next(((_most(c, key), c["metric"]) for c in costed if c["trial"] == chosen), None)
    return (f"<div><h3>{_e(metric)} against {_e(key)}</h3>"
            f"{svg.scatter(points, front, chosen_pt, axis, metric, f'metric vs {key}')}"
            f"<p class='muted'>dashed: Pareto front; circled: chosen model</p></div>")


def _preferred(rep: dict) -> str:
    from ..summary import preferred_line

    line = preferred_line(rep)
    return f"<p><b>Fewer instructions at the same {_e(rep['metric'])}:</b> {_e(line)}.</p>" if line else ""
