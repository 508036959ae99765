"""Anomaly detectors with on-device learning, on real ECG windows (MIT-BIH):
the generated C learns the normal baseline sample by sample exactly as the
Python golden model does (host gcc and an emulated Cortex-M4), reaches the
offline fit's AUC, keeps the declared false-alarm rate, and its saved state
round-trips."""
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from conftest import ROOT
from tinyc import emulator
from tinyc.codegen import c_anomaly
from tinyc.models import anomaly_cost
from tinyc.codegen.library import Provenance
from tinyc.models import anomaly as A
from tinyc_backends.arm import ARM_TOOLCHAIN

PROV = Provenance("test", "ecg.tml", "0" * 64, "1" * 64, "ecgmodel")


def ecg():
    import pandas as pd

    d = pd.read_csv(ROOT / "examples" / "ecg_anomaly" / "data.csv")
    X = d.drop(columns="target").to_numpy(dtype=np.float32)
    y = d["target"].to_numpy()
    idx = np.random.default_rng(0).permutation(len(X))
    train, test = idx[:1200], idx[1200:]
    return X, y, train[y[train] == 0], test


def test_full_covariance_is_the_mahalanobis_distance():
    X, y, normal, test = ecg()
    det = A.fit("gaussian_full", X[normal])
    mu = X[normal].astype(np.float64).mean(axis=0)
    cov = np.cov(X[normal].astype(np.float64).T)
    cov += np.eye(len(mu)) * max(1e-6 * np.trace(cov) / len(mu), 1e-6)  # the detector's ridge
    diff = X[test].astype(np.float64) - mu
    ref = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff) / len(mu)
    np.testing.assert_allclose(det.scores(X[test]), ref, rtol=2e-3, atol=1e-3)
    assert roc_auc_score(y[test], det.scores(X[test])) > 0.6
    with pytest.raises(ValueError):
        A.learn(det, X[normal][:3])


def test_isolation_forest_is_scikit_learns():
    """The isolation forest's trees and path lengths are scikit-learn's: its score is a
    monotone transform of IsolationForest.score_samples (same ranking, same AUC)."""
    from sklearn.ensemble import IsolationForest

    X, y, normal, test = ecg()
    det = A.fit_iforest(X[normal], 25, 128, seed=3)
    ref = IsolationForest(n_estimators=25, max_samples=128, random_state=3).fit(X[normal].astype(np.float64))
    mean_path = np.float32(det.c_psi) / det.scores(X[test])
    np.testing.assert_allclose(2.0 ** (-mean_path / det.c_psi), -ref.score_samples(X[test]), atol=1e-6)
    assert roc_auc_score(y[test], det.scores(X[test])) == pytest.approx(
        roc_auc_score(y[test], -ref.score_samples(X[test])), abs=1e-3)


def test_learning_on_device_reaches_the_offline_fit():
    X, y, normal, test = ecg()
    offline = A.fit("gaussian", X[normal])
    online = A.learn(A.empty("gaussian", X.shape[1]), X[normal])
    np.testing.assert_allclose(online.mean, offline.mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(online.m2, offline.m2, rtol=1e-3)
    auc_off = roc_auc_score(y[test], offline.scores(X[test]))
    auc_on = roc_auc_score(y[test], online.scores(X[test]))
    assert auc_off > 0.7 and abs(auc_on - auc_off) <= 0.01
    # the threshold for 1% false alarms on the training normals holds on unseen normal windows
    t = A.threshold_for_false_alarms(offline, X[normal], 0.01)
    held_out_normal = test[y[test] == 0]
    assert abs(float(np.mean(offline.scores(X[held_out_normal]) > t)) - 0.01) <= 0.01


MAIN = """#include <stdint.h>
#include <string.h>
#include "m.h"
static const float learn_rows[{n_learn}][M_N_FEATURES] = {{ {learn} }};
static const float test_rows[{n_test}][M_N_FEATURES] = {{ {test} }};
static uint8_t blob[M_STATE_SIZE];
""" + emulator.PRINT_HELPERS + """
static void emit_scores(void)
{{
    unsigned r;
    for (r = 0; r < {n_test}u; ++r) {{
        float s = 0.0f;
        int32_t flag = 0;
        m_status st = m_is_anomaly(test_rows[r], &flag, &s);
        if (st != M_OK) {{
            flag = -1 - (int32_t)st;
            s = 0.0f;
        }}
        tinyc_print_row(flag, &s, 1u);
    }}
}}
int main(void)
{{
    unsigned r;
    static char line[24];
    char *o = line;
    m_reset();
    for (r = 0; r < {n_learn}u; ++r) {{
        (void)m_learn(learn_rows[r]);
    }}
    m_set_threshold({threshold}f);
    emit_scores();                              /* block 1: after learning */
    o = dec(o, (int32_t)m_save(blob, sizeof blob));
    *o++ = '\\n';
    *o = '\\0';
    tinyc_puts(line);
    m_reset();
    emit_scores();                              /* block 2: the shipped baseline again */
    blob[7] ^= 1u;
    line[0] = (char)('0' + (int)m_restore(blob, sizeof blob));   /* a corrupted blob is refused */
    blob[7] ^= 1u;
    line[1] = (char)('0' + (int)m_restore(blob, sizeof blob));
    line[2] = '\\n';
    line[3] = '\\0';
    tinyc_puts(line);
    emit_scores();                              /* block 3: restored */
    return 0;
}}
"""


def _rows(X):
    return ", ".join("{" + ", ".join(f"{float(v)!r}f" for v in r) + "}" for r in X)


def _build(tmp: Path, det, learn_rows, test_rows, threshold):
    header, source = c_anomaly.generate(det, "m", [f"x{i}" for i in range(det.n_features)], PROV)
    (tmp / "src").mkdir(parents=True)
    (tmp / "src" / "m.h").write_text(header)
    (tmp / "src" / "m.c").write_text(source)
    return MAIN.format(n_learn=len(learn_rows), learn=_rows(learn_rows), n_test=len(test_rows),
                       test=_rows(test_rows), threshold=repr(float(threshold)))


def _parse(text: str, n: int):
    lines = text.strip().splitlines()
    blocks = [lines[0:n], lines[n + 1:2 * n + 1], lines[2 * n + 2:3 * n + 2]]
    out = []
    for block in blocks:
        flags = np.array([int(line.split()[0]) for line in block])
        bits = np.array([int(line.split()[1], 16) for line in block], dtype=np.uint32)
        out.append((flags, bits.view(np.float32)))
    return out, lines[n], lines[2 * n + 1]


CASES = {
    # learned on the device from nothing (the shipped baseline is empty)
    "gaussian_from_scratch": lambda X, normal: (A.empty("gaussian", X.shape[1]), X[normal][:400]),
    # shipped pre-trained (offline k-means), then adapted on the device
    "kmeans_adapted": lambda X, normal: (A.fit("kmeans", X[normal][:600], k=4), X[normal][600:800]),
    # full covariance: fitted offline, refuses to learn (the state stays the shipped one)
    "gaussian_full_offline": lambda X, normal: (A.fit("gaussian_full", X[normal]), X[normal][:5]),
    # isolation forest: fitted offline, its trees in flash
    "iforest_offline": lambda X, normal: (A.fit_iforest(X[normal], 12, 64, seed=0), X[normal][:5]),
}


# ordinary GNU C flags: GCC would fuse a*b+c (the M4 has vfma, this host FMA) but for the library's pragma
ORDINARY = {"strict": (), "gnu11-fast": ("-std=gnu11", "-O2", "-ffp-contract=fast")}


@pytest.mark.parametrize("flags", sorted(ORDINARY))
@pytest.mark.parametrize("where", ["host", "cortex-m4"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_c_learns_exactly_like_the_golden_model(case, where, flags, tmp_path):
    why = emulator.unavailable(where)
    if why:
        pytest.skip(why)
    X, y, normal, test = ecg()
    baseline, learn_rows = CASES[case](X, normal)
    test_rows = X[test][:120]
    offline = A.fit("gaussian", X[normal])
    threshold = A.threshold_for_false_alarms(offline, X[normal], 0.01)
    driver = _build(tmp_path / "lib", baseline, learn_rows, test_rows, threshold)
    extra = ORDINARY[flags] + (("-march=native",) if flags != "strict" and where == "host" else ())
    res = emulator.run(where, tmp_path / "lib", "m", test_rows, True, driver, tmp_path / "img", extra)
    (learned, shipped, restored), saved, restore = _parse(res.text, len(test_rows))
    golden = A.learn(baseline, learn_rows) if baseline.learns else baseline
    golden.threshold = threshold
    assert saved == "0" and restore == "40"  # corrupted blob: M_ERR_STATE (4); intact: M_OK
    assert np.array_equal(learned[1].view(np.uint32), golden.scores(test_rows).view(np.uint32))  # bit for bit
    assert np.array_equal(learned[0], golden.is_anomaly(test_rows).astype(int))
    assert np.array_equal(restored[1].view(np.uint32), learned[1].view(np.uint32))  # save/restore round trip
    if baseline.n == 0:  # reset: an empty baseline cannot score yet
        assert (shipped[0] == -1 - 3).all()
        # learned on the device from the reset state vs fitted offline (float64 statistics) on the
        # same rows: scores within 1e-3 relative, AUC within 0.01
        offline_fit = A.fit(baseline.kind, learn_rows)
        np.testing.assert_allclose(learned[1], offline_fit.scores(test_rows), rtol=1e-3)
        labels = y[test][:120]
        assert labels.any() and abs(roc_auc_score(labels, learned[1]) -
                                    roc_auc_score(labels, offline_fit.scores(test_rows))) <= 0.01
    else:
        assert np.array_equal(shipped[1].view(np.uint32), baseline.scores(test_rows).view(np.uint32))


KINDS = [("gaussian", 1, False), ("gaussian", 1, True), ("gaussian_full", 1, False), ("kmeans", 4, False),
         ("kmeans", 4, True), ("iforest", (12, 64), False)]


def _emitted_detector(kind, k, learns, folder):
    """A detector of ``kind`` fitted on normal ECG rows, its library written into ``folder``;
    returns it with the ECG rows and the test indices."""
    X, y, normal, test = ecg()
    det = A.fit_iforest(X[normal][:500], *k, seed=0) if kind == "iforest" else A.fit(kind, X[normal][:500], k=k)
    det.threshold, det.on_device = 1.0, learns
    header, source = c_anomaly.generate(det, "m", [f"x{i}" for i in range(det.n_features)], PROV, learns)
    (folder / "src").mkdir()
    (folder / "src" / "m.h").write_text(header)
    (folder / "src" / "m.c").write_text(source)
    return det, X, test


@pytest.mark.parametrize("kind, k, learns", KINDS)
def test_cost_estimate_is_within_ten_percent_of_the_linked_size(kind, k, learns, tmp_path):
    from tinyc import targets, toolchain

    if not ARM_TOOLCHAIN.available():
        pytest.skip(ARM_TOOLCHAIN.install)
    det, _, _ = _emitted_detector(kind, k, learns, tmp_path)
    for core in ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m33"):
        backend = targets.get(core)
        est = A.cost(det, backend.caps)
        m = toolchain.measure(tmp_path, "m", backend, anomaly=toolchain.anomaly_calls("m", learns))
        assert abs(est.flash - m.flash) <= max(0.1 * m.flash, 128), (core, est.flash, m.flash)
        assert m.ram == anomaly_cost.state_ram(det, learns), core  # static RAM: exactly the state (or threshold)
        if not learns:  # (a learning detector copies its state blocks with memcpy on purpose)
            assert not set(m.library_symbols) & set(toolchain.MEMORY_ROUTINES), (core, m.library_symbols)


@pytest.mark.parametrize("kind, k, learns", KINDS)
def test_ram_estimate_counts_the_inputs_the_state_and_the_deepest_stack(kind, k, learns, tmp_path):
    """RAM as for every model: the caller's float features, the library's static RAM (linked) and
    the deepest stack of a score (GCC's stack usage), within 10% or 64 B."""
    from tinyc import targets, toolchain

    if not ARM_TOOLCHAIN.available():
        pytest.skip(ARM_TOOLCHAIN.install)
    det, _, _ = _emitted_detector(kind, k, learns, tmp_path)
    for core in ("cortex-m0plus", "cortex-m4"):
        backend = targets.get(core)
        m = toolchain.measure(tmp_path, "m", backend, anomaly=toolchain.anomaly_calls("m", learns))
        stack, external = toolchain.stack_depth(tmp_path, "m", backend, "m_is_anomaly")
        used = 4 * det.n_features + m.ram + stack
        assert not external and abs(A.cost(det, backend.caps).ram - used) <= max(0.1 * used, 64), \
            (core, A.cost(det, backend.caps).ram, m.ram, stack)


@pytest.mark.parametrize("kind, k, learns", KINDS)
def test_estimated_instructions_are_within_a_quarter_of_the_counted(kind, k, learns, tmp_path):
    """The report's latency estimate of a detector: its instructions per score as the cost
    model says, against what the linked code executes under qemu."""
    from tinyc import emulator, targets

    det, X, test = _emitted_detector(kind, k, learns, tmp_path)
    for core in ("cortex-m0plus", "cortex-m4"):
        why = emulator.available(core)
        if why:
            pytest.skip(why)
        counted = emulator.instructions_per_inference(tmp_path, "m", X[test][:8], core)
        est = A.cost(det, targets.get(core).caps).instructions
        assert abs(est - counted) <= 0.25 * counted, (core, est, counted)


@pytest.mark.skipif(shutil.which("cppcheck") is None, reason="cppcheck not installed (apt-get install cppcheck)")
@pytest.mark.parametrize("kind, k, learns", KINDS)
def test_cppcheck_finds_nothing_in_any_detector(kind, k, learns, tmp_path):
    """Every detector's library, learning on the device or not, clean under cppcheck's warning,
    style, performance and portability checks (the isolation forest's had unassignedVariable)."""
    _emitted_detector(kind, k, learns, tmp_path)
    r = subprocess.run(["cppcheck", "--std=c99", "--enable=warning,style,performance,portability",
                        "--error-exitcode=1", "--quiet", "-I", str(tmp_path / "src"), str(tmp_path / "src")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
