"""`tinyc fmt`: canonical text, comments kept, laws on every spec we ship."""
from pathlib import Path

import pytest

from conftest import ROOT, check_golden
from tinyc.spec import parse
from tinyc.spec.fmt import fmt
from tinyc.spec.ir import strip_spans

HERE = Path(__file__).parent
ALL_OK = sorted((HERE / "ok").glob("*.tml")) + sorted((ROOT / "specs").glob("*.tml")) \
    + sorted((ROOT / "examples").glob("*/*.tml"))


@pytest.mark.parametrize("path", ALL_OK, ids=lambda p: p.stem)
def test_laws_on_shipped_specs(path):
    src = path.read_text()
    out = fmt(src)
    assert strip_spans(parse(out)) == strip_spans(parse(src))
    assert fmt(out) == out


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.tml")) + sorted((ROOT / "examples").glob("*/*.tml")),
                         ids=lambda p: p.stem)
def test_shipped_specs_are_canonical(path):
    assert fmt(path.read_text()) == path.read_text()


MESSY = """\
# header comment
model   wine   # the name

data "wine.csv" {   # data comment
    label cultivar ;   ignore alcohol,
       "color_intensity"   # trailing on multi-line
    # before holdout
    holdout 20.50%
}
task classification;  metric accuracy


budget 30S
target cortex-m4 { flash 32kb ram 8KiB }  # one-liner
target host {}
search {
  # about families
  families tree,forest
  tree { max_depth 2..8; min_samples_leaf 3 }
  forest{n_estimators 4,8,16   learning 1e-3}
  # end of search
}
# trailing file comment
"""


def test_messy_spec_formats_to_golden(update_goldens):
    check_golden(HERE / "fmt" / "messy.expected.tml", fmt(MESSY), update_goldens)
