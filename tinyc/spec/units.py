"""Sensor units of a signal block: what the training data's channels are measured in (`units`),
how a device delivers them (`device`: raw counts and what one count is worth), and the device's
own sample rate (`resample from`).

The rule: the model is trained, and its ``push_sample`` is fed, in the training data's units at
the block's `rate`. With `device` statements the library also takes the device's raw readings
(``push_raw``): each count times a per-channel scale gives the training unit, and with `resample
from` the readings are resampled to `rate` by linear interpolation. The scale of a channel is

    scale = amount × (one `device` unit in SI) / (one `units` unit in SI)        (`scale` form)
    scale = amount / full-scale count × (same ratio)                             (`full_scale` form)

so a device in mg feeding a model trained in m/s² multiplies each count by 0.061 × 9.80665e-3.
"""
from __future__ import annotations

from fractions import Fraction

from . import vocab
from .diagnostics import suggestion
from .ir import DeviceFormat, Signal

MAX_RESAMPLE_DENOMINATOR = 64  # the device rate / model rate as a fraction p/q with q at most this


def _unit_ok(resolver, loc) -> bool:
    if loc.value in vocab.SENSOR_UNITS:
        return True
    resolver.error("E0110", f"unknown sensor unit '{loc.value}'", loc.span,
                   hint=suggestion(loc.value, list(vocab.SENSOR_UNITS), "sensor units"))
    return False


def check(resolver, sig: Signal, channels: list[str]) -> None:
    """Report every problem of the block's `units`, `device` and `resample` statements."""
    unit_of: dict[str, str | None] = {}  # None: declared in a unit tinyc does not know (reported)
    for u in sig.units:
        known = _unit_ok(resolver, u.unit)
        for loc in u.channels:
            if loc.value not in channels:
                resolver.error("E0302", f"units of '{loc.value}', which is not a channel", loc.span,
                               hint=suggestion(loc.value, channels, "channels"))
            elif loc.value in unit_of:
                resolver.error("E0202", f"the units of '{loc.value}' are given twice", loc.span)
            else:
                unit_of[loc.value] = u.unit.value if known else None
    seen: set[str] = set()
    types = set()
    for d in sig.device:
        if d.type.value in vocab.DEVICE_TYPES:
            types.add(d.type.value)
        else:
            resolver.error("E0112", f"unknown device reading type '{d.type.value}'", d.type.span,
                           hint=suggestion(d.type.value, list(vocab.DEVICE_TYPES), "reading types"))
        known = _unit_ok(resolver, d.unit)
        for loc in d.channels:
            if loc.value not in channels:
                resolver.error("E0302", f"device reading of '{loc.value}', which is not a channel", loc.span,
                               hint=suggestion(loc.value, channels, "channels"))
                continue
            if loc.value in seen:
                resolver.error("E0202", f"the device reading of '{loc.value}' is given twice", loc.span)
                continue
            seen.add(loc.value)
            if loc.value not in unit_of:
                resolver.error("E0208", f"the device's unit for '{loc.value}' is given, but not the training "
                                        f"data's", loc.span,
                               hint=f"say what the data holds, e.g. units {loc.value}: m/s2")
            elif known and unit_of[loc.value] is not None:
                have, want = vocab.SENSOR_UNITS[d.unit.value][0], vocab.SENSOR_UNITS[unit_of[loc.value]][0]
                if have != want:
                    resolver.error("E0208", f"the device delivers '{loc.value}' in {d.unit.value} ({have}), but the "
                                            f"data holds it in {unit_of[loc.value]} ({want})", d.unit.span,
                                   hint=f"units of {want}: " + ", ".join(
                                       u for u, (q, _) in vocab.SENSOR_UNITS.items() if q == want))
    if len(types) > 1:
        resolver.error("E0208", f"the device readings mix types ({', '.join(sorted(types))}); push_raw takes one",
                       sig.device[1].type.span, hint="declare every channel with the same type")
    missing = [c for c in channels if c not in seen] if sig.device else []
    if missing:
        resolver.error("E0203", f"the device readings of {', '.join(repr(c) for c in missing)} are not given: "
                                f"push_raw takes every channel", sig.device[0].span,
                       hint=f"add e.g. device {', '.join(missing)}: int16 full_scale 8g")
    if sig.resample_from is not None:
        if not sig.device:
            resolver.error("E0203", "resample applies to the device's raw readings, and no `device` statement "
                                    "gives them", sig.resample_from.span,
                           hint="add e.g. device ax, ay, az: int16 full_scale 8g")
        elif sig.rate is not None and sig.resample_from.value < sig.rate.value:
            resolver.error("E0111", f"the device rate {sig.resample_from.text} is below the model's rate "
                                    f"{sig.rate.text}: resampling makes no new information",
                           sig.resample_from.span, hint="train at the device's rate, or run the device faster")
        elif sig.rate is not None and resample_ratio(sig) is None:
            resolver.error("E0111", f"the device rate {sig.resample_from.text} and the model's rate {sig.rate.text} "
                                    f"are not in a simple ratio (p/q with q ≤ {MAX_RESAMPLE_DENOMINATOR})",
                           sig.resample_from.span, hint="e.g. resample from 12.5Hz for rate 10Hz (5/4)")


def resample_ratio(sig: Signal) -> Fraction | None:
    """The device's samples per model sample as a fraction (1 without `resample from`), or None
    when the two rates are in no simple ratio."""
    if sig.resample_from is None:
        return Fraction(1)
    ratio = Fraction(sig.resample_from.value / sig.rate.value).limit_denominator(MAX_RESAMPLE_DENOMINATOR)
    if abs(float(ratio) * sig.rate.value - sig.resample_from.value) > 1e-9 * sig.resample_from.value:
        return None
    return ratio


def training_units(sig: Signal) -> dict[str, str]:
    """The declared unit of each channel in the training data."""
    return {loc.value: u.unit.value for u in sig.units for loc in u.channels}


def device_formats(sig: Signal) -> dict[str, DeviceFormat]:
    return {loc.value: d for d in sig.device for loc in d.channels}


def scale(d: DeviceFormat, training_unit: str) -> float:
    """Training units (or any unit of the same quantity) per raw count of a channel the device
    delivers as ``d``."""
    ratio = vocab.SENSOR_UNITS[d.unit.value][1] / vocab.SENSOR_UNITS[training_unit][1]
    if d.kind == "scale":
        return d.amount.value * ratio
    return d.amount.value / vocab.DEVICE_TYPES[d.type.value] * ratio
