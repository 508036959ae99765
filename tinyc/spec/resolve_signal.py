"""The spec checker's signal checks: the signal block against the data's columns (channels, time,
rate, window and hop in samples, bands, units and the device), and what targets that read
their sensors themselves (the ISPU) say of it."""
from __future__ import annotations

import re
from dataclasses import replace

from .. import targets as target_registry
from ..data.header import CsvFormat
from . import units, vocab
from .columns import column_hint, wide_columns
from .diagnostics import Note, suggestion
from .ir import Layout, Located, Quantity, Signal, Target


class SignalChecks:
    """Mixed into the checker (tinyc.spec.resolve): it provides ``spec``, ``error`` and ``diags``."""

    def signal(self, fmt: CsvFormat | None) -> Signal | None:
        """The signal block checked against the CSV header, with its defaults filled in."""
        from ..signal.frontend import BLOCKS, DEFAULT_BANDS

        sig = self.spec.signal
        if sig is None:
            return None
        cols = list(fmt.columns) if fmt is not None else None
        if not sig.channels:
            self.error("E0203", "the signal block names no channels", sig.span,
                       hint="list the sample columns, e.g. channels ax, ay, az")
        wide = sig.layout is not None and sig.layout.value == Layout.wide
        wide_len = None
        if wide:
            for key in ("group", "time", "hop", "highpass", "lowpass"):
                node = getattr(sig, key)
                if node is not None:
                    self.error("E0111", f"'{key}' does not apply to layout wide: each row is one window on its own",
                               node.span, hint=f"remove '{key}', or give one sample per row (layout long)")
            lengths = {}
            for loc in sig.channels:
                found = wide_columns(loc.value, cols) if cols is not None else ()
                lengths[loc.value] = len(found)
                if cols is not None and not found:
                    self.error("E0302", f"no columns {loc.value}0, {loc.value}1, ... for channel '{loc.value}' "
                                        f"(layout wide)", loc.span,
                               hint="name a channel by the prefix of its sample columns; "
                                    + suggestion(loc.value, sorted({re.sub(r"_?\d+$", "", c) for c in cols}),
                                                 "column prefixes"))
            if len({n for n in lengths.values() if n}) > 1:
                self.error("E0111", "the channels have different numbers of sample columns: "
                           + ", ".join(f"{c} {n}" for c, n in lengths.items()), sig.channels_span)
            wide_len = max(lengths.values(), default=0) or None
        named = [*([] if wide else sig.channels), *([sig.group] if sig.group else []),
                 *([sig.time] if sig.time else [])]
        for loc in named:
            if cols is not None and loc.value not in cols:
                self.error("E0302", f"column '{loc.value}' is not in the data file", loc.span,
                           hint=column_hint(loc.value, cols))
        channels = [c.value for c in sig.channels]
        for m in sig.magnitudes:
            for loc in m.channels:
                if loc.value not in channels:
                    self.error("E0302", f"magnitude of '{loc.value}', which is not a channel", loc.span,
                               hint=suggestion(loc.value, channels, "channels"))
            if m.name.value in channels:
                self.error("E0202", f"magnitude name '{m.name.value}' is already a channel", m.name.span)
        units.check(self, sig, channels)
        for loc in sig.features or []:
            if loc.value not in BLOCKS:
                self.error("E0112", f"unknown signal feature '{loc.value}'", loc.span,
                           hint=suggestion(loc.value, list(BLOCKS), "signal features"))
        if sig.rate is None:
            self.error("E0203", "the signal block gives no sample rate", sig.span, hint="e.g. rate 50Hz")
            return sig
        if sig.window is None and wide_len is not None:  # a row is a window
            sig = replace(sig, **{"window": Quantity(text=str(wide_len), value=float(wide_len),
                                                            unit="samples")})
        if sig.window is None:
            self.error("E0203", "the signal block gives no window length", sig.span,
                       hint="e.g. window 2s (or a number of samples: window 128)")
            return sig
        rate = sig.rate.value
        for q in (sig.highpass, sig.lowpass):
            if q is not None and q.value >= rate / 2:
                self.error("E0111", f"cut-off {q.text} is not below half the sample rate ({rate / 2:g} Hz)", q.span,
                           hint="a digital filter's cut-off must be below the Nyquist frequency")
        if sig.highpass is not None and sig.lowpass is not None and sig.highpass.value >= sig.lowpass.value:
            self.error("E0111", f"highpass {sig.highpass.text} is not below lowpass {sig.lowpass.text}",
                       sig.highpass.span, hint="together they pass the band between the two cut-offs")
        window = self._samples(sig.window, rate, "window")
        hop = self._samples(sig.hop, rate, "hop") if sig.hop is not None else None
        if window is None or (sig.hop is not None and hop is None):
            return sig
        if window < 2:
            self.error("E0111", f"a window of {window} sample is too short for any feature", sig.window.span,
                       hint="use at least 2 samples (8 or more for spectral features)")
            return sig
        if wide_len is not None and window != wide_len:
            self.error("E0111", f"window {sig.window.text} is {window} samples, but the rows hold {wide_len} "
                                f"(layout wide: a row is one window)", sig.window.span,
                       hint="drop the window statement: it follows from the columns")
            return sig
        hop = window if wide else hop if hop is not None else max(1, window // 2)
        bands = sig.bands.value if sig.bands is not None else min(DEFAULT_BANDS, window // 2)
        if bands > window // 2:
            self.error("E0111", f"{bands} bands need a window of at least {2 * bands} samples; this one has {window}",
                       sig.bands.span if sig.bands else sig.window.span, hint=f"use bands {window // 2} or fewer")
        samples = lambda n: Quantity(text=str(n), value=float(n), unit="samples")  # noqa: E731
        return replace(sig, **{
            "window": samples(window), "hop": samples(hop),
            "bands": Located[int](value=bands, span=sig.bands.span if sig.bands else None),
            "features": sig.features or [Located[str](value=b) for b in BLOCKS],
        })

    def _samples(self, q: Quantity, rate: float, what: str) -> int | None:
        """A window or hop in samples: a count as written, or a time times the rate."""
        if q.unit == "samples":
            return int(q.value)
        n = q.value * rate
        if abs(n - round(n)) > 1e-6 * max(1.0, n) or round(n) < 1:
            self.error("E0111", f"{what} {q.text} is {n:g} samples at {rate:g} Hz, not a whole number", q.span,
                       hint=f"use a multiple of {1 / rate:g}s, or give samples: {what} {max(1, round(n))}")
            return None
        if round(n) > vocab.MOST_SAMPLES:
            self.error("E0111", f"{what} {q.text} is {n:g} samples at {rate:g} Hz, more than the "
                                f"{vocab.MOST_SAMPLES} a window or hop may hold", q.span)
            return None
        return int(round(n))

    def target_signal(self, tgts: list[Target], sig: Signal | None) -> None:
        """What targets that read sensors themselves (the ISPU) say of the signal block."""
        if sig is None or self.diags:
            return
        for t in tgts:
            check = getattr(target_registry.get(t.name.value), "check_signal", None)
            for message, span, hint in (check(sig) if check else []):
                self.error("E0209", f"target {t.name.value}: {message}", span, hint=hint,
                           notes=[Note(f"target {t.name.value} declared here", t.name.span)] if t.name.span else ())
