"""Every bundled example builds to the recorded bytes (benchmarks/output_hashes.json): the guard of
restructurings that must not change behaviour. A change that alters an output on purpose records
the new digests (`benchmarks/output_hashes.py --update`) and says why in its commit."""
import json
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import output_hashes as oh  # noqa: E402


def test_every_example_builds_to_the_recorded_bytes(tmp_path, sklearn_data):
    record = json.loads(oh.RECORD.read_text())
    if record["versions"] != oh.versions():
        pytest.skip(f"digests recorded with {record['versions']}; this environment has {oh.versions()}: "
                    f"run benchmarks/output_hashes.py --update and review what changed")
    found = oh.build_all(tmp_path)
    assert sum(len(v) for v in found.values()) > 300  # C, headers, glue, model.json, reports of 11 builds
    assert oh.compare(record["outputs"], found) == []


def test_timings_are_the_only_fields_left_out():
    report = {"search": {"elapsed_s": 1.0, "history": [{"elapsed": 2.0, "score": 0.5}],
                         "leaderboard": [{"seconds": 0.1, "finished_at": 0.2, "flash": 100}]}}
    assert oh._untimed(report) == {"search": {"history": [{"score": 0.5}], "leaderboard": [{"flash": 100}]}}
