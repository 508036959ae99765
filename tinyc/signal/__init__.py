"""The signal front end: raw sensor samples → windows → features, computed the same
way in Python (training) and in the emitted C (on the device).

- :mod:`.frontend`: what the spec's ``signal { }`` block resolves to (channels,
  derived magnitude channels, window, hop, feature blocks) and which features a
  model uses;
- :mod:`.features`: the golden feature computation, float32 operation for
  operation as the C does it (so the two agree bit for bit), vectorised over windows;
- :mod:`.data`: long-format CSV (one row per sample) → windows per recording →
  a feature table, split by recording.
"""
from .frontend import BLOCKS, SPECTRAL, TIME, FrontEnd

__all__ = ["BLOCKS", "SPECTRAL", "TIME", "FrontEnd"]
