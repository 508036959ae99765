"""What a ``signal { }`` block resolves to, and the features it yields.

Feature names are ``<channel>_<block>`` (``acc_x_std``), with ``_band<i>`` for the
spectral bands (``acc_band0``). Channels are the raw ones, then the magnitude
channels in the order the spec declares them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

# time-domain statistics of a window (per channel)
TIME = ("mean", "std", "min", "max", "rms", "p2p", "skew", "kurtosis", "crossings", "zero_crossings")
# spectral features of the window minus its mean: energy in equal-width bands of the
# one-sided power spectrum (DC excluded), spectral centroid and dominant frequency (Hz)
SPECTRAL = ("bands", "centroid", "dominant")
BLOCKS = TIME + SPECTRAL
DEFAULT_BANDS = 8
# what a window's statistics take, in groups of work (tinyc.codegen.c_stats computes only the groups
# a channel's features need): the sum (the mean), the sum of squares, the extrema, zero crossings,
# the deviations from the mean (stored: the spectrum transforms them), their squares' sum, their
# third and fourth powers' sums, and mean crossings
STAT_GROUPS = ("sum", "square", "extrema", "zero", "dev", "m2", "moments", "cross")
NEEDS = {"mean": ("sum",), "std": ("sum", "dev", "m2"), "min": ("extrema",), "max": ("extrema",),
         "rms": ("square",), "p2p": ("extrema",), "skew": ("sum", "dev", "m2", "moments"),
         "kurtosis": ("sum", "dev", "m2", "moments"), "crossings": ("sum", "dev", "cross"),
         "zero_crossings": ("zero",)}


@dataclass(frozen=True)
class FrontEnd:
    channels: tuple[str, ...]  # raw columns, in the order of a sample
    rate_hz: float
    window: int  # samples
    hop: int  # samples between window ends
    blocks: tuple[str, ...] = BLOCKS
    bands: int = DEFAULT_BANDS
    magnitudes: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (name, indices of raw channels)
    group: str | None = None  # column of the recording id
    highpass_hz: float | None = None  # first-order IIR filters on the raw channels, before everything else
    lowpass_hz: float | None = None
    # layout wide: one CSV row per window, channel c's samples in these columns (per channel)
    wide_columns: tuple[tuple[str, ...], ...] | None = None
    # the features the model uses (None: all); the C computes only those
    used: tuple[str, ...] | None = field(default=None)
    # how a device delivers the channels (`units`/`device` in the spec): push_raw converts them
    device: "DeviceInput | None" = None
    # the power spectrum's kernel: "dft" (direct) or "fft" (mixed radix, tinyc.signal.fft: windows of
    # 2^a 3^b 5^c samples), chosen by what it costs on the targets (tinyc.signal.cost.choose_spectrum)
    spectrum: str = "dft"

    @property
    def all_channels(self) -> tuple[str, ...]:
        return self.channels + tuple(name for name, _ in self.magnitudes)

    @property
    def n_bins(self) -> int:
        """Spectrum bins 1..N/2 (DC excluded)."""
        return self.window // 2

    def band_edges(self) -> list[tuple[int, int]]:
        """[lo, hi) bin ranges of the bands over bins 1..N/2, as equal as integers allow."""
        k = self.n_bins
        edges = [1 + (b * k) // self.bands for b in range(self.bands + 1)]
        return [(edges[b], edges[b + 1]) for b in range(self.bands)]

    def block_features(self, block: str) -> tuple[str, ...]:
        return tuple(f"band{b}" for b in range(self.bands)) if block == "bands" else (block,)

    def feature_names(self) -> tuple[str, ...]:
        """Every feature the front end can compute, channel by channel."""
        return tuple(f"{ch}_{f}" for ch in self.all_channels for b in self.blocks for f in self.block_features(b))

    def outputs(self) -> tuple[str, ...]:
        """The features the model is fed, in its order."""
        return self.used if self.used is not None else self.feature_names()

    def split(self, name: str) -> tuple[int, str]:
        """(channel index, feature) of a feature name."""
        for c, ch in enumerate(self.all_channels):
            if name.startswith(ch + "_") and name[len(ch) + 1:] in self._features():
                return c, name[len(ch) + 1:]
        raise KeyError(name)

    def _features(self) -> set[str]:
        return {f for b in self.blocks for f in self.block_features(b)}

    def with_used(self, names) -> "FrontEnd":
        return replace(self, used=tuple(names))

    def needs(self) -> dict[int, set[str]]:
        """Per channel index, the features the model uses."""
        out: dict[int, set[str]] = {}
        for name in self.outputs():
            c, f = self.split(name)
            out.setdefault(c, set()).add(f)
        return out

    def stat_groups(self, c: int) -> tuple[str, ...]:
        """The groups of statistics work channel ``c`` needs (STAT_GROUPS order): its time-domain
        features' and, for a spectral channel, the deviations the spectrum transforms."""
        feats = self.needs().get(c, set())
        need = {g for f in feats if f in NEEDS for g in NEEDS[f]}
        if c in self.spectral_channels():
            need |= {"sum", "dev"}
        return tuple(g for g in STAT_GROUPS if g in need)

    def spectral_channels(self) -> list[int]:
        return sorted(c for c, fs in self.needs().items() if fs & ({"centroid", "dominant"} |
                                                                     {f"band{b}" for b in range(self.bands)}))

    def filters(self) -> list[tuple[str, "object", "object", "object"]]:
        """(kind, b, a, zi) of each filter in order (high-pass first): first-order Butterworth
        (bilinear transform), float32 coefficients, and the steady-state initial condition
        per unit input (the state starts as if the first sample had always been there)."""
        import numpy as np
        from scipy.signal import butter, lfilter_zi

        out = []
        for kind, fc in (("highpass", self.highpass_hz), ("lowpass", self.lowpass_hz)):
            if fc is not None:
                b, a = butter(1, fc, btype="highpass" if kind == "highpass" else "lowpass", fs=self.rate_hz)
                b, a = b.astype(np.float32), a.astype(np.float32)
                out.append((kind, b, a, lfilter_zi(b, a).astype(np.float32)))
        return out

    def describe(self) -> str:
        mags = "".join(f", |{name}|" for name, _ in self.magnitudes)
        filt = "".join(f", {k} {fc:g} Hz" for k, fc in (("high-pass", self.highpass_hz), ("low-pass", self.lowpass_hz))
                       if fc is not None)
        return (f"{len(self.channels)} channels{mags} at {self.rate_hz:g} Hz{filt}, windows of {self.window} samples "
                f"every {self.hop}, {len(self.outputs())} features")
