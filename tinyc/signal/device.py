"""A device's raw readings into the model's samples, exactly as the generated ``push_raw`` does.

A reading is one raw count per channel (int16). Each count times its channel's scale (a float32)
is the value in the training data's unit. When the device samples faster than the model's rate
(``resample from``), the readings are resampled to the model's rate by linear interpolation: model
sample k lies at device position k·num/den (the rates' ratio num/den ≥ 1), between readings i and
i+1 with i = ⌊k·num/den⌋, and is ``x[i] + (x[i+1] - x[i]) * frac`` with frac = (k·num mod den)/den
rounded to float32 once (a table). Every operation is float32 in this order, in C and here, so the
samples, and the model's predictions on them, agree bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DeviceInput:
    type: str  # "int16"
    scales: tuple[float, ...]  # per channel: training units per count (float32 values)
    units: tuple[str, ...]  # per channel: the training data's unit
    device_units: tuple[str, ...]  # per channel: what the device's statement declared, e.g. "full_scale 8g"
    # per channel: its place in its `device` statement (a sensor-hub target reads axis X, Y, Z of a
    # quantity in that order)
    axes: tuple[int, ...] = ()
    num: int = 1  # device samples per model sample = num / den (1 / 1: no resampling)
    den: int = 1
    device_rate_hz: float | None = None  # the device's rate when resampled

    @property
    def resamples(self) -> bool:
        return self.num != self.den

    def fracs(self) -> np.ndarray:
        """The interpolation weights frac[r] = r / den as float32 (r = k·num mod den)."""
        return (np.arange(self.den, dtype=np.float64) / self.den).astype(np.float32)

    def samples(self, raw: np.ndarray) -> np.ndarray:
        """Model-rate samples (float32, rows × channels) of consecutive raw readings (rows × channels)."""
        x = np.asarray(raw).astype(np.float32) * np.asarray(self.scales, dtype=np.float32)
        if not self.resamples:
            return x
        n = len(x)
        # outputs k whose right neighbour i+1 has arrived: floor(k*num/den) + 1 <= n - 1
        k = np.arange(0, max(0, ((n - 1) * self.den + self.num - 1) // self.num) + 1, dtype=np.int64)
        i = (k * self.num) // self.den
        arrived = i + 1 <= n - 1
        k, i = k[arrived], i[arrived]
        f = self.fracs()[(k * self.num) % self.den][:, None]
        a, b = x[i], x[i + 1]
        return (a + (b - a) * f).astype(np.float32)

    def readings(self, samples: np.ndarray) -> np.ndarray:
        """Raw readings (int16) that a device would deliver for ``samples`` in the training units at its
        own rate: the model-rate samples interpolated to the device's rate (float64), then divided by
        the scale and rounded. What a test feeds the device to exercise ``push_raw``."""
        x = np.asarray(samples, dtype=np.float64)
        if self.resamples:
            t_model = np.arange(len(x)) * self.num  # positions, in 1/den of a device sample
            n_dev = (len(x) - 1) * self.num // self.den + 1
            t_dev = np.arange(n_dev) * self.den
            x = np.stack([np.interp(t_dev, t_model, x[:, c]) for c in range(x.shape[1])], axis=1)
        counts = np.round(x / np.asarray(self.scales, dtype=np.float64))
        return np.clip(counts, -32768, 32767).astype(np.int16)

    def quantity(self, c: int) -> str:
        from ..spec.vocab import SENSOR_UNITS

        return SENSOR_UNITS[self.units[c]][0]

    def full_scale_si(self, c: int) -> float:
        """The largest reading of channel ``c`` (2^15 counts) in SI units (m/s², rad/s, T)."""
        from ..spec.vocab import DEVICE_TYPES, SENSOR_UNITS

        return DEVICE_TYPES[self.type] * self.scales[c] * SENSOR_UNITS[self.units[c]][1]

    def describe(self) -> str:
        rate = f", resampled from {self.device_rate_hz:g} Hz" if self.resamples else ""
        return f"{self.type} readings{rate}"


def from_spec(sig) -> DeviceInput | None:
    """The device input a resolved signal block declares (None without `device` statements)."""
    from ..spec import units

    if not sig.device:
        return None
    formats, trained = units.device_formats(sig), units.training_units(sig)
    channels = [c.value for c in sig.channels]
    scales = tuple(float(np.float32(units.scale(formats[c], trained[c]))) for c in channels)
    ratio = units.resample_ratio(sig)
    declared = tuple(f"{formats[c].kind} {formats[c].amount.value:g}{formats[c].unit.value}" for c in channels)
    axes = tuple([loc.value for loc in formats[c].channels].index(c) for c in channels)
    return DeviceInput(type=formats[channels[0]].type.value, scales=scales, units=tuple(trained[c] for c in channels),
                       device_units=declared, axes=axes, num=ratio.numerator, den=ratio.denominator,
                       device_rate_hz=sig.resample_from.value if sig.resample_from is not None else None)


def range_checks(dev: DeviceInput, channels, samples: np.ndarray) -> list[dict]:
    """Data checks: channels whose training values go beyond what the device can read (its largest
    count times the scale): there its readings clip, and the model sees other values than it
    learned from."""
    out = []
    peak = np.max(np.abs(samples), axis=0) if len(samples) else np.zeros(len(channels))
    for c, name in enumerate(channels):
        limit = 32767 * dev.scales[c]
        if peak[c] > limit:
            out.append({"check": "device_range", "feature": None,
                        "message": f"channel '{name}' reaches {peak[c]:.4g} {dev.units[c]} in the data, beyond the "
                                   f"±{limit:.4g} {dev.units[c]} the device reads ({dev.type} {dev.device_units[c]}): "
                                   f"its readings clip there; declare a larger full scale"})
    return out
