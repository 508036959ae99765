"""The estimates hold on models the cost profiles were not fitted on: the small held-out corpus
(tinyc.calibration.heldout; every family on three shapes the calibration corpus lacks, each in every
form), on a core without FPU and one with, against the linked image, GCC's stack and qemu's count.
The full corpus on every core is benchmarks/estimates.py (benchmarks/ESTIMATES.md)."""
from functools import lru_cache

import pytest

from tinyc import emulator
from tinyc.calibration import heldout

ENTRIES = list(heldout.entries(small=True))
TARGETS = ("cortex-m0plus", "cortex-m4")


@lru_cache(maxsize=None)
def _forms(i: int):
    from tinyc.calibration.models import corpus

    return list(corpus(entries=(ENTRIES[i],)))


def test_the_small_corpus_has_every_family_shape_and_form():
    labels = [label for i in range(len(ENTRIES)) for label, _, _ in _forms(i)]
    assert {e[1] for e in ENTRIES} == {"linear", "tree", "forest", "gbt", "mlp", "centroid"}
    assert {e[0] for e in ENTRIES} == set(heldout.SMALL_SHAPES)
    assert {label.split("/")[-1] for label in labels} >= {"float32", "int8", "int16", "int8:blocked",
                                                           "float32:if-else", "int8:if-else"}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("i", range(len(ENTRIES)), ids=["/".join(map(str, (s, f, *p.values()))) for s, f, p in ENTRIES])
def test_estimates_are_within_their_bounds(i, target, tmp_path):
    why = emulator.available(target)
    if why:
        pytest.skip(why)
    for j, (label, model, X) in enumerate(_forms(i)):
        row = heldout.measure(target, label, model, X, tmp_path / str(j))
        flash, ram, insns = row.within(typical=False)
        assert flash, f"{label}: flash {row.flash} estimated, {row.linked} linked"
        assert ram, f"{label}: RAM {row.ram} estimated, {row.ram_measured} measured"
        assert insns, f"{label}: {row.instructions} instructions estimated, {row.counted:.0f} counted"
