"""The signal block's statements, tree → IR: the part of the spec's transformer
(:class:`tinyc.spec.parser._Builder`, which mixes this class in) for `signal { ... }`:
channels, rate, window and hop, features, filters, magnitudes, and the sensor's units, raw
readings and rate (`units`, `device`, `resample from`)."""
from __future__ import annotations

import math
import re

from lark import Token, v_args

from . import vocab
from .ir import ChannelUnits, DeviceFormat, Layout, Located, Magnitude, Quantity, Signal, Span
from .syntax import span_of_meta, span_of_token, split_quantity, value_stmt


class SignalStatements:
    """Transformer methods of the signal block; the host class provides ``error``, ``_duplicate``,
    ``_positive``, ``_whole`` and ``_enum``."""

    @v_args(meta=True)
    def signal_stmt(self, meta, children):
        fields: dict = {}
        spans: dict[str, Span] = {}
        repeated: dict[str, list] = {"magnitude": [], "units": [], "device": []}  # statements that may repeat
        for key, span, value in children:
            if key in repeated:
                if value is not None:
                    repeated[key].append(value)
                continue
            if key in spans:
                self._duplicate(f"'{key}' in signal", span, spans[key])
                continue
            spans[key] = span
            if value is None:
                continue
            if key in ("channels", "features"):
                fields[key], fields[f"{key}_span"] = value
            else:
                fields[key] = value
        return ("signal", span_of_meta(meta), Signal(magnitudes=repeated["magnitude"], units=repeated["units"],
                                                     device=repeated["device"], span=span_of_meta(meta), **fields))

    @v_args(meta=True)
    def channels_stmt(self, meta, children):
        return ("channels", span_of_meta(meta), (children, span_of_meta(meta)))

    group_stmt = value_stmt("group")
    time_stmt = value_stmt("time")

    @v_args(meta=True)
    def rate_stmt(self, meta, children):
        return ("rate", span_of_meta(meta),
                self._positive(children[0], vocab.CLOCK_UNITS, "sample rate", "Hz", "sample rate",
                               hint="e.g. rate 50Hz", most=vocab.MOST["rate"]))

    def _span_or_samples(self, meta, children, key):
        tok = children[0]
        number, unit = split_quantity(tok)
        if not unit:  # a number of samples
            span = span_of_token(tok)
            if not re.fullmatch(r"\+?\d+", number) or not 1 <= int(number) <= vocab.MOST_SAMPLES:
                self.error("E0111", f"{key} in samples must be a whole number from 1 to {vocab.MOST_SAMPLES}, "
                                    f"got '{tok}'", span,
                           hint=f"e.g. {key} 64 (samples) or {key} 2s")
                return (key, span_of_meta(meta), None)
            return (key, span_of_meta(meta), Quantity(text=number, value=float(number), unit="samples", span=span))
        return (key, span_of_meta(meta), self._positive(tok, vocab.TIME_UNITS, "time", "s", key,
                                                        most=vocab.MOST["span"]))

    @v_args(meta=True)
    def window_stmt(self, meta, children):
        return self._span_or_samples(meta, children, "window")

    @v_args(meta=True)
    def hop_stmt(self, meta, children):
        return self._span_or_samples(meta, children, "hop")

    @v_args(meta=True)
    def features_stmt(self, meta, children):
        return ("features", span_of_meta(meta), (children, span_of_meta(meta)))

    @v_args(meta=True)
    def bands_stmt(self, meta, children):
        return ("bands", span_of_meta(meta), self._whole(children[0], "bands", 1, 64, "e.g. bands 8"))

    @v_args(meta=True)
    def layout_stmt(self, meta, children):
        return ("layout", span_of_meta(meta), self._enum(children[0], Layout, "signal layout"))

    def _cutoff(self, meta, children, key):
        return (key, span_of_meta(meta), self._positive(children[0], vocab.CLOCK_UNITS, "frequency", "Hz",
                                                        f"{key} cut-off", hint=f"e.g. {key} 0.5Hz"))

    @v_args(meta=True)
    def highpass_stmt(self, meta, children):
        return self._cutoff(meta, children, "highpass")

    @v_args(meta=True)
    def lowpass_stmt(self, meta, children):
        return self._cutoff(meta, children, "lowpass")

    @v_args(meta=True)
    def magnitude_stmt(self, meta, children):
        return ("magnitude", span_of_meta(meta), Magnitude(name=children[0], channels=children[1:],
                                                             span=span_of_meta(meta)))

    @v_args(meta=True)
    def units_stmt(self, meta, children):
        *channels, unit = children
        return ("units", span_of_meta(meta), ChannelUnits(channels=channels, unit=self._unit(unit),
                                                          span=span_of_meta(meta)))

    def _unit(self, tok: Token) -> Located[str]:
        return Located[str](value=str(tok), span=span_of_token(tok))

    @v_args(meta=True)
    def device_stmt(self, meta, children):
        *channels, typ, scale = children
        if scale is None:
            return ("device", span_of_meta(meta), None)
        kind, amount, unit = scale
        return ("device", span_of_meta(meta), DeviceFormat(channels=channels, type=typ, kind=kind, amount=amount,
                                                           unit=unit, span=span_of_meta(meta)))

    def _device_scale(self, kind: str, children):
        """(kind, amount, unit) of ``scale 0.061 mg``, ``scale 0.061mg`` or ``full_scale 8g``."""
        tok = children[0]
        number, suffix = split_quantity(tok)
        span = span_of_token(tok)
        if len(children) > 1 and suffix:
            self.error("E0110", f"'{tok}' already has a unit, then '{children[1]}' follows",
                       span_of_token(children[1]), hint=f"write {kind} {number} {children[1]}")
            return None
        if len(children) > 1:
            unit = self._unit(children[1])
        elif suffix:
            unit = Located[str](value=suffix, span=span)
        else:
            self.error("E0110", f"{kind} '{tok}' needs a unit", span,
                       hint=f"e.g. {kind} {'0.061 mg' if kind == 'scale' else '8g'} (one count, or the ± range)")
            return None
        value = float(number)
        if not (math.isfinite(value) and value > 0):
            self.error("E0111", f"{kind} must be a positive number, got '{tok}'", span, hint=f"e.g. {kind} 8g")
            return None
        return kind, Located[float](value=value, span=span), unit

    def scale(self, children):
        return self._device_scale("scale", children)

    def full_scale(self, children):
        return self._device_scale("full_scale", children)

    @v_args(meta=True)
    def resample_stmt(self, meta, children):
        return ("resample_from", span_of_meta(meta),
                self._positive(children[0], vocab.CLOCK_UNITS, "sample rate", "Hz", "device sample rate",
                               hint="e.g. resample from 12.5Hz", most=vocab.MOST["rate"]))
