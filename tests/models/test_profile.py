"""Cost profiles are data: every target's figures come from its profile file, and no per-core table
is left in the package's code."""
import ast
import json
import re
from dataclasses import replace

import pytest

from conftest import ROOT
from tinyc import targets
from tinyc.models import FAMILY_REGISTRY, profile
from tinyc.models.costs import instructions
from tinyc.spec.ir import Quantization, Task

# the names the per-core tables had while they were Python constants
OLD_TABLES = {"INSTRUCTIONS", "FRONTEND_INSTRUCTIONS", "DETECTOR_INSTRUCTIONS", "SOFT_FLOAT_BYTES",
              "SHARED_MAP_THUMB1_SAVING", "CLASS_ENTRY_BYTES", "VOTE_ENTRY_BYTES", "INT_SOFT_BYTES",
              "INT_VALUE_SOFT_BYTES", "TANH_BYTES", "CODE_BYTES", "DETECTOR_OVERLAP_THUMB1"}
CORE_KEY = re.compile(r"^(thumb\w*|soft_thumb\w*|armv\d.*|rv32\w*)$")


def per_core_tables(source: str) -> list[str]:
    """What in ``source`` is a per-core table: a module-level name of the old tables, a dict keyed
    by an instruction set or architecture, a family's per-core code-bytes tuple, a comparison of a
    core's ``arch``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            names = [t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                     if isinstance(t, ast.Name)]
            found += [f"line {node.lineno}: {n}" for n in names if n in OLD_TABLES]
            if "code_bytes" in names and isinstance(node.value, ast.Tuple):
                found.append(f"line {node.lineno}: code_bytes per core")
        if isinstance(node, ast.Dict):
            for key in node.keys:
                parts = key.elts if isinstance(key, ast.Tuple) else [key]
                if any(isinstance(k, ast.Constant) and isinstance(k.value, str) and CORE_KEY.match(k.value)
                       for k in parts):
                    found.append(f"line {node.lineno}: a table keyed by core")
                    break
        if isinstance(node, ast.Compare) and any(isinstance(s, ast.Attribute) and s.attr == "arch"
                                                 for s in [node.left, *node.comparators]):
            found.append(f"line {node.lineno}: a comparison of the core's arch")
    return found


def test_the_check_finds_the_old_kinds_of_table():
    assert per_core_tables('X = {"thumb1": 3, "thumb2": 4}')
    assert per_core_tables('X = {("thumb2_soft", "int8"): {"mac": 5}}')
    assert per_core_tables("SOFT_FLOAT_BYTES = {}")
    assert per_core_tables("class F:\n    code_bytes = (200, 240)")
    assert per_core_tables('isa = "t1" if caps.arch == "armv6-m" else "t2"')
    assert not per_core_tables('VALUE_BYTES = {"float32": 4, "int8": 1}\ncode_bytes = 220')


def test_no_file_under_tinyc_defines_a_per_core_table():
    found = {path.relative_to(ROOT).as_posix(): hits for path in sorted((ROOT / "tinyc").rglob("*.py"))
             if (hits := per_core_tables(path.read_text(encoding="utf-8")))}
    assert not found, f"per-core figures belong in backends/profiles/<target>.json: {found}"


@pytest.mark.parametrize("name", targets.names())
def test_every_target_has_a_profile_with_every_table(name):
    p = profile.of(targets.get(name).caps)
    assert set(profile.TABLES) <= set(p), (name, set(profile.TABLES) - set(p))
    for form in ("float32", "int8", "int16"):
        assert p["instructions"][form]["call"] >= 0


def test_a_profile_takes_what_it_lacks_from_its_base_and_says_so():
    m0 = profile.load("cortex-m0")
    assert m0["base"] == "cortex-m0plus" and set(m0["inherited"]) == set(profile.TABLES)
    assert m0["instructions"] == profile.load("cortex-m0plus")["instructions"]
    ispu = profile.load("ispu")
    assert "fit_error" not in ispu and "assumed" in ispu["source"]  # what describes a file is never inherited
    # a calibrated profile says where the figures calibration does not fit come from
    assert "from cortex-m3 (an assumption)" in profile.load("riscv32imc")["source"]


def test_the_cost_model_reads_the_profile_file(tmp_path):
    """Change a figure in a copy of the Cortex-M4's profile and the estimate follows it."""
    m4 = targets.get("cortex-m4").caps
    data = profile.read("cortex-m4")
    data["instructions"]["int8"]["mac"] += 1.0
    data["model_code"]["float"]["tree"] += 100
    path = tmp_path / "m4-edited.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    edited = replace(m4, profile=str(path))
    assert instructions(edited, Quantization.int8, mac=50) == instructions(m4, Quantization.int8, mac=50) + 50
    tree = FAMILY_REGISTRY["tree"]
    assert tree.code_size(edited, Quantization.float32, Task.regression) == \
        tree.code_size(m4, Quantization.float32, Task.regression) + 100


def test_a_profile_without_a_needed_table_is_a_clear_error(tmp_path):
    path = tmp_path / "bare.json"
    path.write_text(json.dumps({"target": "bare", "instructions": {}}), encoding="utf-8")
    caps = replace(targets.get("cortex-m3").caps, profile=str(path))
    with pytest.raises(profile.ProfileError, match=r"bare.json' has no instructions.int8 figures"):
        instructions(caps, Quantization.int8, mac=1)
    with pytest.raises(profile.ProfileError, match="no cost profile"):
        profile.of(replace(caps, profile=str(tmp_path / "missing.json")))
