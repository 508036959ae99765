"""The generated C under AddressSanitizer and UndefinedBehaviorSanitizer, on
real rows and on hostile ones (NaN, infinities, huge and tiny values): no
crash, no undefined behaviour, and a defined result or an error status."""
import shutil
import subprocess

import numpy as np
import pytest

from model_cases import CASES, emitted  # noqa: F401  (emitted is a fixture)
from tinyc import emulator
from tinyc.models.forms import read_columns

SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g")


def hostile_rows(X: np.ndarray, read: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows with one hostile value each, in a feature the model reads (``read``) or, every other row,
    in any feature; returns (rows, whether the input the model reads is invalid)."""
    rng = np.random.default_rng(seed)
    specials = [np.nan, np.inf, -np.inf, 3.0e38, -3.0e38, 1e-45, -0.0, 1e20, -1e20]
    rows, invalid = [], []
    for i, v in enumerate(specials * 4):
        row = X[i % len(X)].astype(np.float32).copy()
        j = int(rng.integers(row.shape[0])) if i % 2 else int(read[rng.integers(len(read))])
        row[j] = v
        rows.append(row)
        invalid.append(not np.isfinite(v) and j in set(read.tolist()))
    return np.array(rows, dtype=np.float32), np.array(invalid)


def _sanitizers_work() -> bool:
    cc = shutil.which("cc")
    if cc is None:
        return False
    r = subprocess.run([cc, *SANITIZE, "-x", "c", "-", "-o", "/dev/null"], input="int main(void){return 0;}",
                       capture_output=True, text=True)
    return r.returncode == 0


@pytest.mark.skipif(not _sanitizers_work(), reason="host cc without AddressSanitizer/UBSan runtime")
@pytest.mark.parametrize("case", [c for c in CASES if c.dataset != "wine"], ids=lambda c: c.name)
def test_sanitized_run_on_real_and_hostile_rows(case, emitted):
    rows, invalid = hostile_rows(case.X, read_columns(case.model))
    X = np.vstack([case.X.astype(np.float32), rows])
    res = emulator.run_host(emitted[case.name], "m", X, case.classification, extra_flags=SANITIZE)
    n = len(case.X)
    assert (res.classes[:n] >= 0).all()
    hostile = res.classes[n:]
    # NaN or infinite inputs the model reads are refused with M_ERR_INPUT (printed as -1 - 2 = -3); one it
    # does not read (a feature no split uses) leaves the prediction as it is
    assert (hostile[invalid] == -3).all()
    unread = np.array([not np.isfinite(r).all() for r in rows]) & ~invalid
    pred = case.model.predict(np.where(np.isfinite(rows), rows, 0.0).astype(np.float32))
    if case.classification:
        assert np.array_equal(hostile[unread], pred[unread])
    # finite but extreme inputs give a class or M_ERR_RANGE (-5), never garbage
    ok = hostile[~invalid]
    assert np.isin(ok, [-5, *range(max(len(case.classes), 1))]).all(), ok
    finite = res.scores[n:][~invalid][ok >= 0]
    assert np.isfinite(finite).all()


@pytest.mark.skipif(shutil.which("cppcheck") is None, reason="cppcheck not installed (apt-get install cppcheck)")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_cppcheck_finds_nothing(case, emitted):
    folder = emitted[case.name]
    r = subprocess.run(["cppcheck", "--std=c99", "--enable=warning,style,performance,portability",
                        "--error-exitcode=1", "--quiet", "-I", str(folder / "src"), str(folder / "src"),
                        str(folder / "tools")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
