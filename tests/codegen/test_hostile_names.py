"""Any class label or column name gives C that compiles under the strictest flags, with
trigraph warnings on, and the generated tables give back the exact text (UTF-8 bytes)."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyc.codegen.cgen import c_comment, c_string
from tinyc.codegen.library import Provenance
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.spec.ir import Task

STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wtrigraphs")
# what broke or could break C: trigraphs, escapes, quotes, comment ends, hex-digit runs after
# a non-ASCII byte, keywords, control characters, non-ASCII
SPECIALS = ["??/", "??=", "a??'", "??(x??)", "\\", "\\n", '"', "'", "*/", "/*", "// x", "é1", "\x7fF", "int", "main",
            "\t", "\r\n", "\x01", "日本", "😀", "?", "%s%n", "\u2028", "\\x41"]
TEXT = st.one_of(st.sampled_from(SPECIALS),
                 st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                          max_size=10))

DRIVER = r"""#include <stdio.h>
#include "m.h"
static void hex(const char *s) { while (*s) printf("%02x", (unsigned char)*s++); printf("\n"); }
int main(void) {
    int i;
    for (i = 0; i < M_N_FEATURES; i++) hex(m_feature_names[i]);
    for (i = 0; i < M_N_CLASSES; i++) hex(m_class_labels[i]);
    return 0;
}
"""


def _emit(features, labels, folder: Path):
    from tinyc_backends.host import HostBackend
    from tinyc_backends.base import EmitRequest

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12 * len(labels), len(features))).astype(np.float32)
    y = np.arange(len(X)) % len(labels)
    X[:, 0] += y  # separable enough to fit
    model = FAMILY_REGISTRY["centroid"].fit({"kind": "nearest"}, X, y, Problem(Task.classification, len(features),
                                                                              len(labels)), seed=0)
    prov = Provenance("test", "s??/.tml", "0" * 64, "1" * 64, "testmodel")
    HostBackend().emit(EmitRequest(model, "m", tuple(features), tuple(labels), prov, 0, 0), folder)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(features=st.lists(TEXT, min_size=1, max_size=3, unique=True),
       labels=st.lists(TEXT, min_size=2, max_size=4, unique=True))
def test_any_label_and_column_name_compiles_and_round_trips(tmp_path, features, labels):
    folder = tmp_path / "lib"
    shutil.rmtree(folder, ignore_errors=True)
    _emit(features, labels, folder)
    (tmp_path / "main.c").write_text(DRIVER)
    exe = tmp_path / "run"
    for sources in ([folder / "src" / "m.c", tmp_path / "main.c"], [folder / "src" / "m.c", folder / "tools" /
                                                                    "predict.c"]):
        r = subprocess.run(["cc", *STRICT, "-I", str(folder / "src"), *map(str, sources), "-o", str(exe), "-lm"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    r = subprocess.run(["cc", *STRICT, "-I", str(folder / "src"), str(folder / "src" / "m.c"),
                        str(tmp_path / "main.c"), "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    assert out == [t.encode("utf-8").hex() for t in [*features, *labels]]


def test_c_string_and_comment_cases():
    assert c_string("??/") == '"\\?\\?/"'
    assert c_string("é1") == '"\\xc3\\xa9" "1"'  # 1 is a hex digit: the literal is split
    assert c_string("éz") == '"\\xc3\\xa9z"'
    with pytest.raises(ValueError, match="NUL"):
        c_string("a\0b")
    assert "??" not in c_comment("???/ ??=") and "*/" not in c_comment("**/") and "\x01" not in c_comment("a\x01")


def test_build_with_hostile_labels_and_column_names(tmp_path):
    """The case the issue found: a label with ``??/`` ended in an internal error from the Arm
    compiler. Labels and column names of every kind, built for an Arm core and the host."""
    import csv

    from conftest import tinyc_exe

    rng = np.random.default_rng(1)
    labels = ["a??/", 'say "hi"', "é1", "x*/y"]
    with open(tmp_path / "d.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["int", "??=", "col */ 1", "label"])
        for i in range(80):
            c = i % len(labels)
            w.writerow([f"{c + rng.normal():.4f}", f"{rng.normal():.4f}", f"{c * 2 + rng.normal():.4f}", labels[c]])
    (tmp_path / "s.tml").write_text('model m\ndata "d.csv" { label label }\ntask classification\n'
                                    'target cortex-m0plus\ntarget host\n')
    r = subprocess.run([tinyc_exe(), "build", "s.tml", "-o", "out", "--trials", "3"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    if shutil.which("arm-none-eabi-gcc"):
        assert json.loads((tmp_path / "out" / "report.json").read_text())["targets"]["cortex-m0plus"]["measured"][
            "flash"] > 0
    pred = subprocess.run([str(tmp_path / "out" / "artifacts" / "predict"), "--csv", str(tmp_path / "d.csv")],
                          capture_output=True, check=True).stdout.decode("utf-8").splitlines()
    assert set(pred) <= set(labels) and len(set(pred)) >= 3
