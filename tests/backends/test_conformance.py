"""Every registered backend (plugins installed in the environment included) against the same
bar, on a few model cases (a float forest, an int8 MLP, a float boosted regressor):

- it emits a library;
- with a toolchain declared: the library compiles with the strict flags, and its flash estimate
  is within 10% or 256 B of the linked size (unless the backend marks its estimates uncalibrated);
- with an emulator declared: every holdout row's class and scores equal the golden model's, bit
  for bit, and the instruction estimate is within 25% of the count (unless uncalibrated);
- the host compiles and runs it with the host's C compiler.

A check a target cannot run here is named in the skip message (or, when others ran, in the
test's properties: `pytest -rA --junitxml` shows them). The sources every built-in target emits
for two small trees are kept as golden files under tests/golden/<target>/."""
import shutil

import numpy as np
import pytest

from conftest import ROOT, check_golden
from model_cases import CASES
from tinyc import emulator, targets, toolchain
from tinyc.models import FAMILY_REGISTRY

NAMES = ("wine_forest", "wine_mlp_int8", "diabetes_gbt")
CONFORMANCE = [c for c in CASES if c.name in NAMES]
TARGETS = targets.names()


@pytest.mark.parametrize("case", CONFORMANCE, ids=[c.name for c in CONFORMANCE])
@pytest.mark.parametrize("target", TARGETS)
def test_backend_conformance(target, case, tmp_path, record_property):
    backend = targets.get(target)
    cost = FAMILY_REGISTRY[case.model.family].cost(case.model, backend.caps, case.model.quant)
    files = backend.emit(case.request(cost.flash, cost.ram), tmp_path)
    assert files and all(f.exists() and f.stat().st_size > 0 for f in files)
    pred, scores = case.model.predict(case.X), case.model.scores(case.X).astype(np.float32)
    if target == "host":
        if shutil.which("cc") is None:
            pytest.skip("no host C compiler (cc): emitted only")
        run = emulator.run_host(tmp_path, "m", case.X, case.classification)
    elif backend.toolchain is None:
        pytest.skip(f"{target} declares no toolchain and no emulator: emitted only (not compiled, measured or run)")
    else:
        if not backend.toolchain.available():
            pytest.skip(backend.toolchain.install)
        skipped = []
        toolchain.compile_strict(tmp_path, "m", backend)
        linked = toolchain.measure(tmp_path, "m", backend).flash
        if backend.uncalibrated:
            skipped.append(f"estimate bounds (uncalibrated: {backend.uncalibrated})")
        else:
            assert abs(cost.flash - linked) <= max(0.10 * linked, 256), (cost.flash, linked)
        why = emulator.available(target)
        if why:
            pytest.skip(f"parity and instructions: {why}")
        run = emulator.run_emulated(tmp_path, "m", case.X, case.classification, target)
        if not backend.uncalibrated:
            counted = emulator.instructions_per_inference(tmp_path, "m", case.X[:8], target)
            assert abs(cost.instructions - counted) <= 0.25 * counted, (cost.instructions, counted)
        record_property("skipped_checks", "; ".join(skipped))
    assert len(run.classes) == len(case.X) >= 100
    if case.classification:
        assert np.array_equal(run.classes, pred)
    assert np.array_equal(run.scores.view(np.uint32), scores.view(np.uint32))


GOLDEN = ROOT / "tests" / "golden"
SMALL = [c for c in CASES if c.name in ("wine_tree", "cancer_tree_int8")]
BUILTIN = [t for t in TARGETS if targets.registry()[t].package == "tinyc"]


@pytest.mark.parametrize("case", SMALL, ids=[c.name for c in SMALL])
@pytest.mark.parametrize("target", sorted(BUILTIN, key=lambda t: t != "host"))  # the host's first: the others refer to it
def test_generated_sources_match_the_golden_ones(target, case, tmp_path, update_goldens):
    """The sources each built-in target emits for two small trees (float and int8), kept as golden
    files so that a change to the generated C shows in review: the host's under
    tests/golden/host/<case>/, another target's under tests/golden/<target>/<case>/ only where it
    differs from the host's (`pytest --update-goldens` records a change; review the diff)."""
    backend = targets.get(target)
    cost = FAMILY_REGISTRY[case.model.family].cost(case.model, backend.caps, case.model.quant)
    backend.emit(case.request(cost.flash, cost.ram), tmp_path)
    sources = sorted((tmp_path / "src").iterdir())
    assert sources
    for f in sources:
        actual = f.read_text(encoding="utf-8")
        own, host = GOLDEN / target / case.name / f.name, GOLDEN / "host" / case.name / f.name
        if target != "host" and host.exists() and host.read_text(encoding="utf-8") == actual:
            if own.exists():  # a copy of the host's (an update that ran before the host's was written)
                if not update_goldens:
                    pytest.fail(f"{own.relative_to(ROOT)} repeats the host's file; pytest --update-goldens removes it")
                own.unlink()
            continue  # the same as the host's
        if update_goldens:
            own.parent.mkdir(parents=True, exist_ok=True)
        check_golden(own, actual, update_goldens)
