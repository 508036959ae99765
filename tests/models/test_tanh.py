"""tinyc's own float32 tanh (a float MLP's activation): accurate, and computed by numpy and by
the generated C with the same bits, on ordinary and awkward values."""
import shutil
import subprocess

import numpy as np
import pytest

from tinyc.codegen.c_dense import tanh_source
from tinyc.models.dense import tanh32

AWKWARD = np.array([0.0, -0.0, 1e-45, -1e-45, 1e-38, 1e-30, 1e-7, 0.1, 0.17328679, 0.25, 0.5, 1.0, 3.0,
                    8.999999, 9.0, 9.000001, 20.0, 1e30, 3.4e38, np.inf, -np.inf, -0.5, -8.999999, -9.0],
                   dtype=np.float32)


def test_within_3_ulp_of_tanh():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-12, 12, 1_000_001, dtype=np.float32),
                        (rng.standard_normal(500_000) * 3).astype(np.float32),
                        np.ldexp(np.float32(1), -rng.integers(1, 126, 10_000)).astype(np.float32), AWKWARD])
    ref = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    err = np.abs(tanh32(x).astype(np.float64) - ref) / ulp
    assert err.max() <= 3.0, (err.max(), x[np.argmax(err)])
    assert np.all(np.abs(tanh32(x)) <= 1.0) and np.array_equal(np.sign(tanh32(x)), np.sign(x))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_the_c_computes_the_same_bits(tmp_path):
    rng = np.random.default_rng(1)
    x = np.concatenate([AWKWARD, (rng.standard_normal(20_000) * 4).astype(np.float32),
                        rng.uniform(-10, 10, 20_000).astype(np.float32)])
    bits = ", ".join(f"0x{int(u):08x}u" for u in x.view(np.uint32))
    src = f"""#include <stdint.h>
#include <stdio.h>
#include <string.h>
{tanh_source("t")}
static const uint32_t in[] = {{ {bits} }};
int main(void)
{{
    unsigned i;
    for (i = 0; i < sizeof in / sizeof in[0]; ++i) {{
        float x, y;
        uint32_t u;
        memcpy(&x, &in[i], 4);
        y = t_tanh1(x);
        memcpy(&u, &y, 4);
        printf("%08x\\n", (unsigned)u);
    }}
    return 0;
}}
"""
    (tmp_path / "t.c").write_text(src)
    subprocess.run(["cc", "-std=c99", "-ffp-contract=off", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic",
                    str(tmp_path / "t.c"), "-o", str(tmp_path / "t")], check=True)
    out = subprocess.run([str(tmp_path / "t")], capture_output=True, text=True, check=True).stdout.split()
    got = np.array([int(h, 16) for h in out], dtype=np.uint32)
    assert np.array_equal(got, tanh32(x).view(np.uint32))
