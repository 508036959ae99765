"""Progress sinks for the search: a live `rich` display on a terminal, JSON
lines for machines (--json), or nothing (--quiet). Each is a callable that
takes the search's event dicts."""
from __future__ import annotations

import json
import sys
import time


class JsonLines:
    """One JSON object per event on stdout."""

    def __call__(self, event: dict) -> None:
        print(json.dumps(event, sort_keys=True), flush=True)

    def close(self) -> None:
        pass


class Quiet:
    def __call__(self, event: dict) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress:
    """Time left of the budget, candidates tried, best metric so far and its size."""

    def __init__(self, metric: str, console=None):
        from rich.console import Console

        self.metric = metric
        self.console = console or Console(stderr=True)
        self.state: dict = {}
        self.live = None
        self.start = time.monotonic()
        self.budget = 0.0

    def _render(self):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        elapsed = time.monotonic() - self.start
        left = max(0.0, self.budget - elapsed)
        t = Table.grid(padding=(0, 1))
        t.add_row("search", ProgressBar(total=self.budget or 1, completed=min(elapsed, self.budget), width=30),
                  f"{left:5.1f}s left of {self.budget:.4g}s")
        s = self.state
        best = s.get("best_metric")
        best_txt = f"{best:.4f} ({s.get('best_flash')} B flash)" if best is not None else "—"
        t.add_row("tried", str(s.get("tried", 0)), f"best {self.metric}: {best_txt}")
        if "family" in s:
            t.add_row("last", s["family"], s["status"])
        return t

    def __call__(self, event: dict) -> None:
        from rich.live import Live

        if event["event"] == "budget":
            self.console.print(budget_line(event))
        elif event["event"] == "start":
            self.start = time.monotonic()
            self.budget = event["budget"]
            self.live = Live(get_renderable=self._render, console=self.console, refresh_per_second=4,
                             transient=True)
            self.live.start()
        elif event["event"] == "trial":
            self.state = event
        elif event["event"] == "end":
            self.close()
            self.console.print(f"search: {event['tried']} candidates in {event['elapsed']:.1f}s "
                               f"(stopped by {event.get('rule') or event['stopped_by']})")
        elif event["event"] == "grow":
            self.console.print(grow_line(event, self.metric))
        elif event["event"] == "study":
            self.console.print(study_line(event))

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def budget_line(event: dict) -> str:
    """How the build's budget is spent, and the linking allowance beyond it."""
    return (f"budget: {event['budget']:.4g}s for the build: {event['loading']:.1f}s loading, "
            f"{event['search']:.1f}s search, the rest writing; linking adds up to "
            f"{event['link_allowance']:.1f}s")


def study_line(event: dict) -> str:
    """The shared study a build coordinates, and how workers join it."""
    how = "resumed" if event["resumed"] else "created"
    return (f"study {event['name']} {how} in {event['storage']} ({max(event['seconds_left'], 0):.0f}s left): "
            f"more machines join with `tinyc worker {event['storage']} --study {event['name']}`")


def grow_line(event: dict, metric: str) -> str:
    """One accepted step of the growth pass."""
    return f"grow: {event['family']}: {event['step']}: {metric} {event['metric']:.4f} at {event['flash']} B flash"


def make(kind: str, metric: str):
    if kind == "json":
        return JsonLines()
    if kind == "quiet" or not sys.stderr.isatty():
        return Quiet() if kind == "quiet" else _Plain(metric)
    return RichProgress(metric)


class _Plain:
    """Not a terminal (CI logs): one line at the start and one at the end."""

    def __init__(self, metric: str):
        self.metric = metric
        self.best = None

    def __call__(self, event: dict) -> None:
        if event["event"] == "budget":
            print(budget_line(event), file=sys.stderr)
        elif event["event"] == "start":
            print(f"search: budget {event['budget']:.4g}s, {event['workers']} workers, families "
                  f"{', '.join(event['families'])}", file=sys.stderr)
        elif event["event"] == "trial":
            self.best = (event["best_metric"], event["best_flash"])
        elif event["event"] == "end":
            best = f", best {self.metric} {self.best[0]:.4f} at {self.best[1]} B flash" if self.best and \
                self.best[0] is not None else ""
            print(f"search: {event['tried']} candidates in {event['elapsed']:.1f}s "
                  f"(stopped by {event.get('rule') or event['stopped_by']}){best}", file=sys.stderr)
        elif event["event"] == "go_on":
            print(f"search: going on to {event['max_trials']} trials: {event['why']}", file=sys.stderr)
        elif event["event"] == "grow":
            print(grow_line(event, self.metric), file=sys.stderr)
        elif event["event"] == "study":
            print(study_line(event), file=sys.stderr)

    def close(self) -> None:
        pass
