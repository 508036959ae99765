"""tinyc pins OpenBLAS's kernels on import (tinyc.blas), so a model trains to the same weights on
every x86-64 machine; a user's own choice stands, and numpy imported first cannot be changed."""
import os
import subprocess
import sys

import pytest

from tinyc import blas

pytestmark = pytest.mark.skipif(not blas._has_avx2(), reason="the AVX2 kernels need an x86-64 processor with AVX2")

SHOW = "import {first}, numpy; from tinyc.blas import kernel; print(kernel())"


def _kernel(first: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    out = subprocess.run([sys.executable, "-c", SHOW.format(first=first)], env={**clean, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_tinyc_first_runs_the_avx2_kernels_whatever_the_processor_prefers():
    assert _kernel("tinyc") == blas.CORE


def test_the_users_own_choice_stands():
    assert _kernel("tinyc", OPENBLAS_CORETYPE="Sandybridge") == "Sandybridge"


def test_numpy_already_loaded_is_left_alone():
    code = "import numpy, os, tinyc; print(os.environ.get('OPENBLAS_CORETYPE', 'unset'))"
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "unset"
