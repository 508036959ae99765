"""A declared target's budget: the one place a cost is compared with a limit.

A :class:`TargetBudget` is a target of the spec (its core, the flash and RAM it allows, its
clock) and, with a signal front end, the front end the library holds beside the model. Whether a
cost fits, how far over it is, how close to the limit an estimate may come before the linker must
settle it, what room a model has beside the front end: every such question is a method here, so
that no pass compares bytes with a limit on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .models.base import Cost
from .models.costs import cycles
from .spec.ir import Quantization, Task

ROOM_FLOOR = 256  # bytes of flash (a quarter of it RAM) below which a model has no room to speak of
# the cost model is within ~10% of the linker, or 256 B for small models (tested): an estimate above
# this share of a limit, or within this many bytes of it, may link to more than the limit
MEASURE_FROM = 0.85
MEASURE_WITHIN = 256


@dataclass(frozen=True)
class TargetBudget:
    """A declared target: its core and the flash and RAM the spec allows. With a signal
    front end (``frontend``, a tinyc.signal.FrontEnd computing every feature the model may
    use) the library holds both, so every cost compared with the limits is the model's plus
    the front end's next to it (:meth:`charge`)."""

    name: str
    caps: Any
    flash: int
    ram: int
    frontend: Any = None
    clock_hz: float | None = None  # the spec's clock (default: the core's typical clock), for latency
    latency_s: float | None = None  # the spec's latency: the longest a prediction may take (None: no limit)
    # the core's code bytes are not calibrated: every estimate may link over the limit, so the
    # linked-size pass links the library whatever the estimate (where a toolchain is here)
    uncalibrated: bool = False

    @property
    def hz(self) -> float:
        """The clock latency figures use: the spec's, else the core's typical clock."""
        return self.clock_hz or self.caps.clock_hz

    def latency(self, cost: Cost) -> float:
        """Seconds a prediction of ``cost`` takes at the clock (its estimated cycles)."""
        return cost.cycles / self.hz

    def fits(self, cost: Cost) -> bool:
        return cost.flash <= self.flash and cost.ram <= self.ram and self.in_time(cost)

    def in_time(self, cost: Cost) -> bool:
        return self.latency_s is None or self.latency(cost) <= self.latency_s

    def excess(self, cost: Cost) -> float:
        """How far over the tightest limit (flash, RAM, latency) ``cost`` is (<= 1 when it fits)."""
        over = max(cost.flash / self.flash, cost.ram / self.ram)
        return over if self.latency_s is None else max(over, self.latency(cost) / self.latency_s)

    def flash_share(self, cost: Cost) -> float:
        return cost.flash / self.flash

    def relative_excess(self, cost: Cost) -> dict[str, float]:
        """{"flash": .., "ram": ..}: how far over each limit, relative to it (<= 0 when within)."""
        out = {"flash": (cost.flash - self.flash) / self.flash, "ram": (cost.ram - self.ram) / self.ram}
        if self.latency_s is not None:
            out["latency"] = (self.latency(cost) - self.latency_s) / self.latency_s
        return out

    def may_exceed(self, estimate: int) -> bool:
        """Whether a library estimated at ``estimate`` bytes of flash may link to more than the limit."""
        return self.uncalibrated or estimate >= min(MEASURE_FROM * self.flash, self.flash - MEASURE_WITHIN)

    def fits_with_margin(self, cost: Cost) -> bool:
        """Fits even if the flash estimate is as far off as the cost model can be."""
        return not self.may_exceed(cost.flash) and cost.ram <= self.ram and self.in_time(cost)

    def over_flash(self, linked: int | None) -> bool:
        """Whether a linked size (None: not measured) is over the flash limit."""
        return linked is not None and linked > self.flash

    def estimate_within(self, estimate: int, linked: int) -> int:
        """The flash estimate a library must have to link within the limit, at the ratio of its
        ``estimate`` to its ``linked`` size."""
        return int(self.flash * estimate / linked) - 1

    def tightened(self, flash: int) -> TargetBudget:
        """This budget with a flash limit of at most ``flash``."""
        return replace(self, flash=min(self.flash, flash))

    def charge(self, cost: Cost, family: str, task: Task, quant: Quantization, features=None) -> Cost:
        """What the target must hold for a ``family`` model of ``cost``: with a front end, the
        model plus the front end computing ``features`` (names; by default all it computes).
        On a core without FPU they share libgcc's soft-float routines, counted once."""
        if self.frontend is None:
            return cost
        fe = self.frontend if features is None else self.frontend.with_used(features)
        return plus(cost, frontend_cost(fe, self.caps, family, task, quant))

    def model_room(self) -> tuple[int, int]:
        """Flash and RAM left for a model beside the front end (next to a model that links every
        soft-float routine it needs), which bounds the search space (trees' leaf caps): beside
        the whole front end, or when that leaves next to nothing, beside the smallest (one
        feature), so that candidates are still trained and costed and the fitting pass can drop
        front-end work until one fits."""
        if self.frontend is None:
            return self.flash, self.ram
        f = frontend_cost(self.frontend, self.caps, "*")
        if self.flash - f["flash"] >= ROOM_FLOOR and self.ram - f["ram"] >= ROOM_FLOOR // 4:
            return self.flash - f["flash"], self.ram - f["ram"]
        fs = one_feature_costs(self.frontend, self.caps, "*")
        return self.flash - min(f["flash"] for f in fs), self.ram - min(f["ram"] for f in fs)

    def no_room_for(self, fe) -> dict | None:
        """The smallest front end of ``fe`` (one feature, with the soft-float it links) when even
        that leaves no room for a model, else None."""
        c = min(one_feature_costs(fe, self.caps, None), key=lambda c: c["flash"] / self.flash + c["ram"] / self.ram)
        return c if c["flash"] >= self.flash or c["ram"] >= self.ram else None

    def describe(self, cost: Cost) -> str:
        """``<name> needs F B flash (limit L) and R B RAM (limit M)`` for a message."""
        beside = " with the signal front end" if self.frontend is not None else ""
        timed = (f", {self.latency(cost) * 1e3:.3g} ms a prediction at {self.hz / 1e6:g} MHz (limit "
                 f"{self.latency_s * 1e3:.3g} ms)" if self.latency_s is not None else "")
        return (f"{self.name} needs {cost.flash} B flash (limit {self.flash}) and {cost.ram} B RAM "
                f"(limit {self.ram}){timed}{beside}")


def excess(costs: dict[str, Cost], targets) -> float:
    """How far over budget the tightest target is (<= 1 when every one fits)."""
    return max(t.excess(costs[t.name]) for t in targets)


def fits_all(costs: dict[str, Cost], targets) -> bool:
    return all(t.fits(costs[t.name]) for t in targets)


def shared_frontend(targets):
    """The signal front end the targets hold beside the model (the same on every one), or None."""
    return next((t.frontend for t in targets if t.frontend is not None), None)


def frontend_cost(fe, caps, family: str | None, task: Task = Task.classification,
                  quant: Quantization = Quantization.float32) -> dict:
    """The front end's flash, RAM and operations next to a model of ``family`` in ``quant``
    (None: beside a model that links no soft-float of its own, so the front end links all it
    needs; "*": beside one that links all of it)."""
    from .models import FAMILY_REGISTRY
    from .signal import cost as fe_cost

    fam = FAMILY_REGISTRY.get(family) if family and family != "*" else None
    detector = family if getattr(fam, "detector", False) else None  # an anomaly detector's family
    if family == "*":
        parts = frozenset({"base", "cmp", "mul", "sub", "div"})
    else:
        parts = fam.soft_float_parts(task, quant) if fam is not None and detector is None else frozenset()
    return {"flash": fe_cost.flash_bytes(fe, caps, parts, detector), "ram": fe_cost.ram_bytes(fe),
            "ops": fe_cost.ops(fe), "instructions": fe_cost.instructions(fe, caps)}


def one_feature_costs(fe, caps, family: str | None) -> list[dict]:
    """:func:`frontend_cost` of the front end computing each of its features alone: the
    smallest the fitting pass can reduce it to."""
    return [frontend_cost(fe.with_used([n]), caps, family) for n in fe.outputs()]


def plus(cost: Cost, f: dict) -> Cost:
    """A model's Cost plus the front end's (:func:`frontend_cost`) next to it."""
    return Cost(flash=cost.flash + f["flash"], weights=cost.weights, code=cost.code + f["flash"],
                ram=cost.ram + f["ram"], ops=cost.ops + f["ops"], cycles=cost.cycles + cycles(f["instructions"]),
                instructions=cost.instructions + f["instructions"])


def with_frontend_costs(costs: dict[str, Cost], fe, targets, family: str, task: Task = Task.classification,
                        quant: Quantization = Quantization.float32) -> tuple[dict[str, Cost], dict[str, dict]]:
    """Per target: the model's cost plus the front end's, and the front end's alone (next to
    a ``family`` model of ``task`` in ``quant``)."""
    out, fe_costs = {}, {}
    for t in targets:
        f = frontend_cost(fe, t.caps, family, task, quant)
        fe_costs[t.name] = f
        out[t.name] = plus(costs[t.name], f)
    return out, fe_costs
