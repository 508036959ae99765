"""One matrix-multiply kernel on every x86-64 machine, so that the same spec, data and seed train
the same model, and give the same C, wherever they are built.

numpy's OpenBLAS picks its kernels by the processor it finds: AVX-512 ones on one machine, AVX2
ones on another. They add in different orders, so an MLP trained on the two differs in its last
bits after the first step and in its weights after a few hundred (measured: the same 16-wide
network on image segments lost 0.7 points in int8 on one kernel, 3.6 on the other). Pinning the
AVX2 kernels ("Haswell"), which every x86-64 processor of the last decade runs, makes the builds
byte-identical across them. It has to happen before numpy is first imported (OpenBLAS reads its
setting when it loads), which is why ``tinyc`` does it on import; a user's own OPENBLAS_CORETYPE
is left as it is."""
from __future__ import annotations

import os
import sys

CORE = "Haswell"  # OpenBLAS's AVX2 + FMA kernels


def _has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return {"avx2", "fma"} <= flags
    except OSError:
        pass
    return False


def pin() -> bool:
    """Ask OpenBLAS for the AVX2 kernels where it has not loaded yet, the user has not chosen, and
    the processor runs them (x86-64 Linux); whether the setting was made."""
    if "numpy" in sys.modules or "OPENBLAS_CORETYPE" in os.environ:
        return False
    if not sys.platform.startswith("linux") or os.uname().machine != "x86_64" or not _has_avx2():
        return False
    os.environ["OPENBLAS_CORETYPE"] = CORE
    return True


def kernel() -> str:
    """The kernels OpenBLAS runs in this process ("Haswell", "SkylakeX", ...; "" if unknown)."""
    from threadpoolctl import threadpool_info

    return next((i.get("architecture", "") for i in threadpool_info() if i.get("internal_api") == "openblas"), "")
