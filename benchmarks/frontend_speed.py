"""How fast the Python front end turns raw samples into window features (training side).

N samples of 6 channels (the BasicMotions recordings tiled to length, plus noise), one
recording, 2 s windows at 50 Hz every 1 s, every feature block with 8 bands and an
acceleration magnitude; median of three runs.

    .venv/bin/python benchmarks/frontend_speed.py [N]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinyc.signal import FrontEnd  # noqa: E402
from tinyc.signal.features import compute, windows  # noqa: E402

AXES = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")


def main(n: int) -> None:
    import pandas as pd

    d = pd.read_csv(ROOT / "examples" / "basic_motions" / "data.csv")[list(AXES)].to_numpy(dtype=np.float32)
    x = np.tile(d, (n // len(d) + 1, 1))[:n] + np.random.default_rng(0).normal(0, 0.01, (n, 6)).astype(np.float32)
    for filt in (None, 0.3):
        fe = FrontEnd(AXES, 50.0, 100, 50, bands=8, magnitudes=(("acc", (0, 1, 2)),), highpass_hz=filt)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            F = compute(fe, windows(fe, x))
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        print(f"{n} samples x 6 channels{' (high-pass)' if filt else ''}: {F.shape[0]} windows x {F.shape[1]} "
              f"features in {med:.2f} s (median of 3; {n / med / 1e6:.2f} M samples/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
