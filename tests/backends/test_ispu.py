"""The ISPU project: ST's programming model (algo_00_init / algo_00, raw-data
registers in, output registers and interrupt flag out), compiled with host gcc
against a register-map shim and fed real smartwatch IMU samples; its outputs
must equal the Python model's."""
import csv
import shutil

import numpy as np
import pytest

import ispu_host
from conftest import ROOT
from tinyc.codegen.library import Provenance
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.spec.ir import Task
from tinyc_backends.base import EmitRequest
from tinyc_backends.ispu import IspuBackend
from tinyc_backends.ispu_sensor import ACC_SCALE, GYR_SCALE

AXES = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
# the spec's `read acc_x, acc_y, acc_z: ARAW_X, ARAW_Y, ARAW_Z g` and `read gyr_x, ...: GRAW_X, ... dps`
READ = {a: ("register", f"{'A' if a.startswith('acc') else 'G'}RAW_{a[-1].upper()}", "g" if a.startswith("acc") else "dps")
        for a in AXES}
G, RAD2DEG = 9.80665, 57.29577951308232


def imu_samples():
    """Raw int16 register values of the real recordings, and the activity per sample."""
    rows = list(csv.DictReader(open(ROOT / "examples" / "basic_motions" / "data.csv")))
    units = np.array([[float(r[a]) / G for a in AXES[:3]] + [float(r[a]) * RAD2DEG for a in AXES[3:]]
                      for r in rows])
    scale = np.array([ACC_SCALE] * 3 + [GYR_SCALE] * 3)
    raw = np.clip(np.round(units / scale), -32768, 32767).astype(np.int16)
    labels = sorted({r["activity"] for r in rows})
    y = np.array([labels.index(r["activity"]) for r in rows])
    return raw, scale.astype(np.float32), y, labels


# every sample: "class status score bits..." from the output registers
PRINT_OUTPUTS = r"""        printf("%d %d", TINYC_REG(int16_t, TINYC_ISPU_DOUT(0)), TINYC_REG(int16_t, TINYC_ISPU_DOUT(1)));
        {
            unsigned k;
            for (k = 0; k < M_N_OUTPUTS; ++k) {
                float s = TINYC_REG(float, TINYC_ISPU_DOUT(2 + 2 * k));
                uint32_t bits;
                memcpy(&bits, &s, sizeof bits);
                printf(" %08x", (unsigned)bits);
            }
        }
        printf("\n");
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
@pytest.mark.parametrize("family, params, quant", [
    ("forest", {"n_estimators": 6, "max_depth": 6, "max_features": 0.7, "max_leaves": 40}, None),
    ("mlp", {"layers": 1, "hidden": 12, "alpha": 1e-2, "activation": "relu"}, None),
    ("mlp", {"layers": 1, "hidden": 12, "alpha": 1e-2, "activation": "relu"}, "int8"),
    ("gbt", {"n_estimators": 10, "max_depth": 3, "learning_rate": 0.3, "max_leaves": 8}, "int16"),
])
def test_ispu_project_on_real_imu_samples(family, params, quant, tmp_path):
    raw, scale, y, labels = imu_samples()
    X = raw.astype(np.float32) * scale  # what algo_00 computes from the registers
    rng = np.random.default_rng(0)
    train = rng.choice(len(X), 3000, replace=False)
    test = np.setdiff1d(np.arange(len(X)), train)[::20][:200]
    model = FAMILY_REGISTRY[family].fit(params, X[train].astype(np.float64), y[train],
                                        Problem(Task.classification, 6, len(labels)), seed=0)
    if quant:  # the integer form, calibrated on the training samples
        from tinyc.quant import quantize

        model = quantize(model, quant, X[train])
    req = EmitRequest(model, "m", AXES, tuple(labels), Provenance("t", "imu.tml", "0" * 64, "0" * 64, "id"), 0, 0,
                      inputs=READ)
    files = IspuBackend().emit(req, tmp_path)
    names = {f.relative_to(tmp_path).as_posix() for f in files}
    assert {"src/main.c", "src/m.c", "src/m.h", "conf.txt", "meta.txt", "make/Makefile"} <= names
    conf = (tmp_path / "conf.txt").read_text()
    assert "algo 0 enable" in conf and "acc_fs 8" in conf and "gyr_fs 2000" in conf
    assert "output class int16 DOUT_00" in (tmp_path / "meta.txt").read_text()
    main = (tmp_path / "src" / "main.c").read_text()
    assert "void TINYC_SIGNAL algo_00(void)" in main and "TINYC_ISPU_ARAW_X" in main

    out = _run_ispu(tmp_path, raw[test])
    assert len(out) == len(test) >= 100
    cls = np.array([int(line.split()[0]) for line in out])
    status = np.array([int(line.split()[1]) for line in out])
    bits = np.array([[int(h, 16) for h in line.split()[2:]] for line in out], dtype=np.uint32)
    assert (status == 0).all()
    assert np.array_equal(cls, model.predict(X[test]))
    assert np.array_equal(bits.view(np.float32), model.scores(X[test]))
    assert (cls == y[test]).mean() > 0.5  # single raw samples do tell activities apart, roughly


def _run_ispu(folder, raw_rows) -> list[str]:
    """Compile the ISPU project with host gcc against the register shim and feed it the samples."""
    return ispu_host.run(folder, "m", ispu_host.driver("m", raw_rows, after=PRINT_OUTPUTS))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_ispu_anomaly_detector_flags_other_activities(tmp_path):
    """A detector that learned one activity's samples as normal, on the ISPU: flag and
    score in the output registers equal the golden detector's."""
    from tinyc.models import anomaly as A

    raw, scale, y, labels = imu_samples()
    X = raw.astype(np.float32) * scale
    normal = np.flatnonzero(y == labels.index("standing"))
    det = A.fit("gaussian", X[normal[::2]])
    det.threshold = A.threshold_for_false_alarms(det, X[normal[::2]], 0.02)
    req = EmitRequest(det, "m", AXES, ("normal", "anomaly"), Provenance("t", "imu.tml", "0" * 64, "0" * 64, "id"),
                      0, 0, inputs=READ)
    IspuBackend().emit(req, tmp_path)
    assert "output anomaly int16 DOUT_00" in (tmp_path / "meta.txt").read_text()
    test = np.r_[normal[1::2][:100], np.flatnonzero(y != labels.index("standing"))[::40][:100]]
    out = _run_ispu(tmp_path, raw[test])
    flag = np.array([int(line.split()[0]) for line in out])
    status = np.array([int(line.split()[1]) for line in out])
    bits = np.array([int(line.split()[2], 16) for line in out], dtype=np.uint32)
    assert (status == 0).all()
    assert np.array_equal(bits.view(np.float32), det.scores(X[test]))  # bit for bit
    assert np.array_equal(flag, det.predict(X[test]))
    assert flag[100:].mean() > flag[:100].mean() + 0.2  # other activities are flagged far more often


def test_an_input_named_after_an_axis_is_not_read_from_a_register_unless_the_spec_says_so(tmp_path):
    """Features named acc_x … gyr_z with no `read` statement: main.c asks the integrator's
    tinyc_user_feature(i) for every one and reads no raw-data register; the README says each is
    supplied by the integrator and not declared."""
    raw, scale, y, labels = imu_samples()
    X = raw.astype(np.float32) * scale
    model = FAMILY_REGISTRY["tree"].fit({"max_depth": 3, "max_leaves": 8, "min_samples_leaf": 5}, X[:500].astype(np.float64), y[:500],
                                        Problem(Task.classification, 6, len(labels)), seed=0)
    req = EmitRequest(model, "m", AXES, tuple(labels), Provenance("t", "imu.tml", "0" * 64, "0" * 64, "id"), 0, 0)
    IspuBackend().emit(req, tmp_path)
    main = (tmp_path / "src" / "main.c").read_text()
    assert "TINYC_REG(int16_t, TINYC_ISPU_ARAW" not in main and "TINYC_REG(int16_t, TINYC_ISPU_GRAW" not in main
    for i, a in enumerate(AXES):
        assert f"x[{i}] = tinyc_user_feature({i}u); /* {a}: your code, not declared in the spec */" in main
    readme = (tmp_path / "README.md").read_text()
    assert "**Your code supplies 6 of 6 inputs**" in readme
    assert f"| 0 | `acc_x` | your code: `tinyc_user_feature(0)`, in the training data's unit (**not declared" in readme
    sources = IspuBackend().input_sources(req)
    assert [s["source"] for s in sources] == ["integrator"] * 6 and not any(s["declared"] for s in sources)
