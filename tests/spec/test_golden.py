"""Golden tests: good specs resolve to the expected IR; each bad spec gives
exactly the expected diagnostics. Adding a case = dropping a .tml file in
ok/ or bad/ and running `pytest --update-goldens` (then review the new file)."""
import json
from pathlib import Path

import pytest

from conftest import ROOT, check_golden
from tinyc.spec import SpecError, load
from tinyc.spec.ir import strip_spans

HERE = Path(__file__).parent
OK = sorted((HERE / "ok").glob("*.tml"))
SPECS = sorted((ROOT / "specs").glob("*.tml")) + sorted((ROOT / "examples").glob("*/*.tml"))
BAD = sorted((HERE / "bad").glob("*.tml"))


def _ir_text(path: Path) -> str:
    resolved = load(path)
    return json.dumps(strip_spans(resolved.spec), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_ok_spec_resolves_to_expected_ir(path, update_goldens):
    check_golden(path.with_suffix(".ir.json"), _ir_text(path), update_goldens)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_shipped_spec_resolves_to_expected_ir(path, update_goldens, sklearn_data):
    check_golden(HERE / "shipped" / f"{path.stem}.ir.json", _ir_text(path), update_goldens)


def test_there_are_enough_bad_specs():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_spec_gives_expected_diagnostics(path, update_goldens, monkeypatch):
    monkeypatch.chdir(HERE)
    with pytest.raises(SpecError) as info:
        load(path.relative_to(HERE))
    text = info.value.render() + "\n"
    assert "Traceback" not in text
    check_golden(path.with_suffix(".err"), text, update_goldens)
