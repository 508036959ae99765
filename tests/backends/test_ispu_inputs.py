"""A feature table of window statistics built for the ISPU, as a user runs it: no input is taken
from a raw-data register because of its column's name. Without declarations the build says which
inputs the integrator's code supplies (build output, report.json, report.md, report.html, the
project's README and main.c); with `supply` for all of them and `inputs strict`, the project fed
the holdout rows through its hook predicts what the golden model predicts."""
import csv
import json
import shutil
import subprocess

import pytest

import ispu_host
from conftest import ROOT, tinyc_exe

FEATURES = ("acc_x_mean", "acc_x_std", "acc_y_mean", "acc_z_mean", "acc_mag_mean", "acc_mag_std", "gyr_z_max",
            "gyr_mag_mean")
SPEC = """model motion
data "stats.csv" {{ label activity; group recording }}
task classification
budget 10s
seed 1
target ispu{target}
"""


def build(tmp_path, target: str = ""):
    shutil.copy(ROOT / "tests" / "fixtures" / "imu_window_stats.csv", tmp_path / "stats.csv")
    (tmp_path / "motion.tml").write_text(SPEC.format(target=target))
    return subprocess.run([tinyc_exe(), "build", "motion.tml", "--trials", "6"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)


def test_window_statistics_on_the_ispu_are_named_as_the_integrators_inputs(tmp_path):
    r = build(tmp_path)
    assert r.returncode == 0, r.stderr
    assert ("note: target ispu: the sensor does not compute 8 of the model's inputs and the spec does not say where "
            f"they come from ({', '.join(FEATURES)})") in r.stderr
    out = tmp_path / "build" / "motion"
    main = (out / "ispu" / "src" / "main.c").read_text()
    assert "TINYC_REG(int16_t, TINYC_ISPU_ARAW" not in main and "TINYC_REG(int16_t, TINYC_ISPU_GRAW" not in main
    for i, f in enumerate(FEATURES):
        assert f"x[{i}] = tinyc_user_feature({i}u); /* {f}: your code, not declared in the spec */" in main
    readme = (out / "ispu" / "README.md").read_text()
    assert "**Your code supplies 8 of 8 inputs**" in readme and "`acc_mag_std`" in readme
    rep = json.loads((out / "report.json").read_text())
    assert [s["feature"] for s in rep["targets"]["ispu"]["inputs"]] == list(FEATURES)
    assert {s["source"] for s in rep["targets"]["ispu"]["inputs"]} == {"integrator"}
    line = ("ispu inputs: 8 supplied by your code through tinyc_user_feature(i) (" + ", ".join(FEATURES)
            + "), 8 of them not declared in the spec")
    assert line in r.stdout
    assert line.replace("_", "\\_") in (out / "report.md").read_text()
    assert line in (out / "report.html").read_text()


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
def test_supplied_inputs_reach_the_model_through_the_hook(tmp_path):
    r = build(tmp_path, " {\n  supply " + ", ".join(FEATURES) + ": m/s2\n  inputs strict\n}")
    assert r.returncode == 0, r.stderr
    assert "note: target ispu" not in r.stderr
    out = tmp_path / "build" / "motion"
    main = (out / "ispu" / "src" / "main.c").read_text()
    assert "x[7] = tinyc_user_feature(7u); /* gyr_mag_mean: your code, in m/s2 */" in main
    rows = list(csv.DictReader(open(out / "artifacts" / "holdout.csv")))
    expected = [line.strip() for line in open(out / "artifacts" / "holdout_predictions.csv")][1:]
    table = ",\n".join("{" + ", ".join(row[f] for f in FEATURES) + "}" for row in rows)
    driver = f"""#include <stdio.h>
#include <stdint.h>
#include "tinyc_ispu.h"
#include "motion.h"
volatile uint32_t tinyc_ispu_regs[TINYC_ISPU_REG_SPACE / 4u];
void algo_00_init(void);
void algo_00(void);
static const double rows[][{len(FEATURES)}] = {{
{table}
}};
static unsigned current;
float tinyc_user_feature(uint16_t i)
{{
    return (float)rows[current][i];
}}
int main(void)
{{
    algo_00_init();
    for (current = 0; current < sizeof rows / sizeof rows[0]; ++current) {{
        algo_00();
        printf("%s\\n", motion_class_label(TINYC_REG(int16_t, TINYC_ISPU_DOUT(0))));
    }}
    return 0;
}}
"""
    got = ispu_host.run(out / "ispu", "motion", driver)
    assert len(got) == len(rows) >= 100
    assert got == expected


def test_check_names_the_undeclared_inputs_before_any_build(tmp_path):
    shutil.copy(ROOT / "tests" / "fixtures" / "imu_window_stats.csv", tmp_path / "stats.csv")
    (tmp_path / "motion.tml").write_text(SPEC.format(target=" { supply acc_x_mean, acc_x_std: m/s2 }"))
    r = subprocess.run([tinyc_exe(), "check", "motion.tml"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("motion.tml: ok")
    assert ("motion.tml: note: target ispu: 6 of the model's inputs are declared neither by `read` nor by `supply` "
            "(acc_y_mean, acc_z_mean, acc_mag_mean, acc_mag_std, gyr_z_max, gyr_mag_mean)") in r.stderr
    r = subprocess.run([tinyc_exe(), "check", "--json", "motion.tml"], cwd=tmp_path, capture_output=True, text=True)
    assert json.loads(r.stdout)["notes"][0].startswith("target ispu: 6 of the model's inputs")
