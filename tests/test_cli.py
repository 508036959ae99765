"""The `tinyc` command as a user runs it: exit codes, output, files."""
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, tinyc_exe

SPEC_OK = ROOT / "tests" / "spec" / "ok"
BAD = ROOT / "tests" / "spec" / "bad"


def run(*args, cwd=ROOT, stdin=None):
    return subprocess.run([tinyc_exe(), *map(str, args)], cwd=cwd, capture_output=True, text=True, input=stdin)


def test_version_and_help():
    from tinyc import __version__
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"tinyc {__version__}"
    for cmd in ("check", "fmt", "build", "targets", "schema", "explain"):
        r = run(cmd, "--help")
        assert r.returncode == 0 and "usage: tinyc " + cmd in r.stdout


def test_check_ok_and_bad_exit_codes(sklearn_data):
    r = run("check", "specs/wine.tml")
    assert r.returncode == 0, r.stderr
    assert "specs/wine.tml: ok" in r.stdout
    r = run("check", BAD / "unknown_target.tml")
    assert r.returncode == 2
    assert "error[E0201]: unknown target 'cortex-m5'" in r.stderr
    assert "help: did you mean 'cortex-m4'?" in r.stderr
    assert "Traceback" not in r.stderr


def test_check_does_not_import_heavy_libraries():
    """`tinyc check` must stay fast: it never imports numpy, scikit-learn, or pydantic (whose set-up alone
    took half of check's start-up; only `tinyc schema` uses it)."""
    code = ("import sys; from tinyc.cli import main; rc = main(['check', '-q', sys.argv[1]]); "
            "rc2 = main(['fmt', '--check', sys.argv[1]]); "
            "print(rc, [m for m in ('numpy', 'sklearn', 'pandas', 'optuna', 'scipy', 'pydantic', 'rich') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code, str(SPEC_OK / "full.tml")], capture_output=True, text=True)
    assert r.stdout.split("\n")[-2] == "0 []", r.stdout + r.stderr


def test_fmt_check_reports_diff_and_fmt_rewrites(tmp_path):
    spec = tmp_path / "s.tml"
    shutil.copy(ROOT / "tests" / "fixtures" / "stackloss.csv", tmp_path / "stack.csv")
    spec.write_text('model m\ndata "stack.csv" {label target}\ntask regression;target host # dev box\n')
    r = run("fmt", "--check", spec)
    assert r.returncode == 1
    assert "+data \"stack.csv\" {" in r.stdout and "not in canonical form" in r.stderr
    assert spec.read_text().startswith("model m\ndata \"stack.csv\" {label")  # --check changes nothing
    r = run("fmt", spec)
    assert r.returncode == 0
    assert spec.read_text() == ('model m\ndata "stack.csv" {\n  label target\n}\ntask regression\n'
                                'target host  # dev box\n')
    assert run("fmt", "--check", spec).returncode == 0
    assert run("check", "-q", spec).returncode == 0


def test_fmt_stdin_and_bad_spec():
    r = run("fmt", "-", stdin="model   m\n")
    assert r.returncode == 0 and r.stdout == "model m\n"
    r = run("fmt", "-", stdin="model m\ntask regresion\n")
    assert r.returncode == 2 and "<stdin>:2:6: error[E0112]: unknown task 'regresion'" in r.stderr


def test_targets_lists_builtin_backends_with_package():
    r = run("targets")
    assert r.returncode == 0
    for name in ("host", "cortex-m0", "cortex-m0plus", "cortex-m4", "cortex-m33", "ispu"):
        assert any(line.split()[0] == name and "tinyc " in line for line in r.stdout.splitlines()), name
    rows = json.loads(run("targets", "--json").stdout)
    m0 = next(r for r in rows if r["name"] == "cortex-m0")
    assert m0["caps"]["fpu"] == "none" and m0["caps"]["hw_divide"] is False and m0["error"] is None
    # each target's tools here and its cost profile
    assert m0["profile"] == "cortex-m0: the tables of cortex-m0plus" and m0["toolchain"] in ("found", "missing")
    rv = next(r for r in rows if r["name"] == "riscv32imc")
    shipped = json.loads((ROOT / "backends" / "profiles" / "riscv32imc.json").read_text())  # its fit errors, said
    assert rv["profile"].startswith("riscv32imc, calibrated (median error of instructions float32 "
                                    f"{100 * shipped['fit_error']['float32']['median']:.1f}%")
    assert f"code bytes {100 * shipped['code_bytes_error']['median']:.1f}%)" in rv["profile"]
    assert "uncalibrated" not in rv["profile"]
    ispu = next(r for r in rows if r["name"] == "ispu")
    assert ispu["toolchain"] == ispu["emulator"] == "none" and "uncalibrated" in ispu["profile"]


def test_schema_is_a_json_schema_of_the_ir(tmp_path):
    out = tmp_path / "schema.json"
    assert run("schema", "-o", out).returncode == 0
    schema = json.loads(out.read_text())
    assert schema["title"] == "Spec" and "targets" in schema["properties"]
    assert "Span" in schema["$defs"]


def test_explain():
    r = run("explain", "e0201")
    assert r.returncode == 0 and r.stdout.startswith("E0201: Unknown target")
    assert run("explain", "E9999").returncode == 2
    # build errors have codes too, and `explain` knows them
    for code, start in (("E0401", "Data cannot be used"), ("E0501", "The build cannot go on"),
                        ("E0601", "The output folder is not tinyc's"), ("E0701", "Verification")):
        r = run("explain", code)
        assert r.returncode == 0 and r.stdout.startswith(f"{code}: {start}"), r.stdout


def test_every_user_facing_error_is_a_tinyc_error_with_an_explained_code():
    from tinyc.data.header import DataError
    from tinyc.errors import CODES, TinycError
    from tinyc.output import OutputError
    from tinyc.errors import DetectError
    from tinyc.errors import BuildError
    from tinyc.passes.fit import DoesNotFit
    from tinyc.passes.frontend import FrontEndError
    from tinyc.passes.quantize import QuantizationFailed
    from tinyc.passes.search import NothingFits
    from tinyc.verify import VerifyError

    classes = (DataError, OutputError, DetectError, BuildError, VerifyError, DoesNotFit, FrontEndError,
               QuantizationFailed, NothingFits)
    for cls in classes:
        assert issubclass(cls, TinycError) and cls.code in CODES, cls
    assert len({cls.code for cls in classes}) == len(classes)  # each its own code


def test_build_writes_resolved_ir_report_and_manifest(tmp_path, sklearn_data):
    out = tmp_path / "wine"
    r = run("build", "specs/wine.tml", "-o", out, "--trials", "6")
    assert r.returncode == 0, r.stderr
    assert f"built wine → {out}/" in r.stdout and "accuracy train" in r.stdout
    resolved = json.loads((out / "spec.resolved.json").read_text())
    spec = resolved["spec"]
    assert spec["model"]["value"] == "wine" and spec["metric"]["value"] == "accuracy"
    assert [t["name"]["value"] for t in spec["targets"]] == ["cortex-m4", "cortex-m0plus", "riscv32imc", "host"]
    host = spec["targets"][3]
    assert host["flash"]["span"] is None and host["flash"]["value"] == 64 * 1024 * 1024  # default from the backend
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["rows"] == 178 and len(report["data"]["features"]) == 13
    assert report["data"]["target"]["classes"] == [{"label": "cultivar_1", "count": 59},
                                                   {"label": "cultivar_2", "count": 71},
                                                   {"label": "cultivar_3", "count": 48}]
    assert len(report["search"]["leaderboard"]) == 6 and report["search"]["stopped_by"] == "trials"
    manifest = json.loads((out / "manifest.json").read_text())
    import hashlib
    assert manifest["data"]["sha256"] == hashlib.sha256((sklearn_data / "wine.csv").read_bytes()).hexdigest()
    assert manifest["seed"] == 42


def test_build_bad_spec_exit_2_and_no_output(tmp_path):
    out = tmp_path / "o"
    r = run("build", BAD / "several_errors.tml", "-o", out)
    assert r.returncode == 2 and "4 errors" in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("csv_text, message", [
    ("", "the file is empty"),
    ("1,2,3\n4,5,6\n", "the first row holds numbers, not column names; add a header row"),
    ("a,b,target\n", "the file has a header but no data rows"),
    ("a,b,target\n1,2,x\n3,4,x\n5,6,x\n", "label column 'target' has a single class ('x')"),
    ("a,b,target\n1,red,x\n3,blue,y\n", "column 'b' is not numeric (row 2 holds 'red')"),
    ("a,b,target\n1,,x\n3,NaN,y\n", "column 'b' has no values (every cell is empty or NaN)"),
    ("a,b,target\n1,2,x\n3,4\n", "label column 'target' is empty at row 3"),
    ("a,b,target\n1,2,x\n3,4,y,5,6\n", "cannot parse the CSV: Expected 3 fields in line 3, saw 5"),
])
def test_bad_data_gets_one_line_reason(tmp_path, csv_text, message):
    (tmp_path / "d.csv").write_text(csv_text)
    (tmp_path / "s.tml").write_text('model m\ndata "d.csv" { label target }\ntask classification\ntarget host\n')
    out = tmp_path / "out"
    r = run("build", tmp_path / "s.tml", "-o", out)
    assert r.returncode in (1, 2), r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_failed_rebuild_keeps_previous_output(tmp_path):
    shutil.copy(ROOT / "tests" / "fixtures" / "stackloss.csv", tmp_path / "d.csv")
    spec = tmp_path / "s.tml"
    spec.write_text('model m\ndata "d.csv" { label target }\ntask regression\ntarget host\n')
    out = tmp_path / "out"
    assert run("build", spec, "-o", out, "--trials", "3").returncode == 0
    before = (out / "manifest.json").read_text()
    (tmp_path / "d.csv").write_text("AIRFLOW,WATERTEMP,ACIDCONC,target\n80,27,x,42\n")
    r = run("build", spec, "-o", out, "--trials", "3")
    assert r.returncode == 1 and "column 'ACIDCONC' is not numeric" in r.stderr
    assert (out / "manifest.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "out", "s.tml"]


def test_missing_spec_file():
    r = run("check", "nope.tml")
    assert r.returncode == 2 and "nope.tml: error[E0301]: cannot read spec file" in r.stderr


def test_init_writes_a_commented_spec_that_checks_and_is_canonical(tmp_path, sklearn_data):
    shutil.copy(sklearn_data / "diabetes.csv", tmp_path / "diabetes.csv")
    shutil.copy(sklearn_data / "wine.csv", tmp_path / "wine.csv")
    r = run("init", tmp_path / "diabetes.csv", "--label", "progression")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "diabetes.tml").read_text()
    assert "task regression  # inferred: the column 'progression' holds numbers" in text
    assert "metric rmse" in text and "target cortex-m4 {" in text
    assert all(line.strip() == "" or "#" in line or line.strip() == "}" for line in text.splitlines())
    assert run("check", "-q", tmp_path / "diabetes.tml").returncode == 0
    assert run("fmt", "--check", tmp_path / "diabetes.tml").returncode == 0
    assert run("init", tmp_path / "diabetes.csv", "--label", "progression").returncode == 1  # no overwrite
    r = run("init", tmp_path / "wine.csv", "--label", "cultivr")
    assert r.returncode == 1 and "no column 'cultivr'; did you mean 'cultivar'?" in r.stderr
    assert run("init", tmp_path / "wine.csv", "--label", "cultivar").returncode == 0
    assert "task classification  # inferred: the column 'cultivar' holds text labels (3 distinct)" in \
        (tmp_path / "wine.tml").read_text()


def test_build_json_progress_is_machine_readable(tmp_path):
    shutil.copy(ROOT / "tests" / "fixtures" / "segments_head.csv", tmp_path / "d.csv")
    spec = tmp_path / "s.tml"
    spec.write_text('model m\ndata "d.csv" { label target }\ntask classification\ntarget cortex-m4\n')
    r = run("build", spec, "-o", tmp_path / "out", "--json", "--trials", "4")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    # each pass of the pipeline says when it ends and how long it took, in the pipeline's order
    passes = [e for e in events if e["event"] == "pass"]
    assert [e["name"] for e in passes] == ["load", "search", "quantize", "fit", "refit", "linked", "forms",
                                           "evaluate", "floor", "emit", "check-linked", "artifacts", "report", "write"]
    assert all(e["seconds"] >= 0 for e in passes)
    events = [e for e in events if e["event"] != "pass"]
    kinds = [e["event"] for e in events]
    assert kinds[:2] == ["budget", "start"] and kinds.count("trial") == 4 and kinds[-1] == "built"
    # after the search: the quantization decision, then any shrinking steps
    assert kinds.index("end") < kinds.index("quantize") < len(kinds) - 1
    assert set(kinds) <= {"budget", "start", "trial", "end", "grow", "quantize", "shrink", "built"}
    trial = next(e for e in events if e["event"] == "trial")
    assert {"family", "metric", "best_metric", "time_left", "tried"} <= set(trial)
    assert events[-1]["holdout"]["accuracy"] > 0.5


def test_main_in_process_gives_the_callers_signal_handlers_back(sklearn_data):
    """tinyc handles SIGTERM/SIGHUP while a command runs; a caller in the same process (an
    editor plugin, a test) has its own handlers again afterwards."""
    import signal

    from tinyc.cli import main

    mine = lambda signum, frame: None  # noqa: E731
    old = signal.signal(signal.SIGTERM, mine)
    try:
        assert main(["check", "-q", str(ROOT / "specs" / "wine.tml")]) == 0
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, old)


def test_a_closed_pipe_is_not_an_internal_error(tmp_path):
    """`tinyc fmt --check spec | head -1`: the reader stops early; tinyc stops quietly."""
    spec = tmp_path / "s.tml"
    spec.write_text("".join(f"target   host{i}\n" for i in range(20000)))  # every line differs: a long diff
    r = subprocess.run(f"'{tinyc_exe()}' fmt --check '{spec}' | head -1", shell=True, capture_output=True, text=True)
    assert r.stdout.startswith("---") and "internal error" not in r.stderr and "Traceback" not in r.stderr


def test_json_on_every_command_success_and_failure(tmp_path, sklearn_data):
    """--json: each command's result, and every error as an object (kind, and for a spec the
    code, line, column, message and hint of each diagnostic), on stdout; the exit codes as ever."""
    def lines(r):
        return [json.loads(x) for x in r.stdout.splitlines()]

    r = run("check", "--json", "specs/wine.tml", BAD / "unknown_target.tml")
    ok, err = lines(r)
    assert r.returncode == 2 and ok["event"] == "ok" and ok["model"] == "wine"
    assert err["kind"] == "spec" and err["errors"][0] == {
        "code": "E0201", "severity": "error", "line": 4, "column": 8, "message": "unknown target 'cortex-m5'",
        "hint": "did you mean 'cortex-m4'? (known targets: cortex-m0, cortex-m0plus, cortex-m3, cortex-m33, "
                "cortex-m4, host, ispu, riscv32ec, riscv32imc)"}
    r = run("build", BAD / "several_errors.tml", "--json", "-o", tmp_path / "o")
    (err,) = lines(r)
    assert r.returncode == 2 and err["event"] == "error" and len(err["errors"]) == 4
    (tmp_path / "d.csv").write_text("a,b,target\n1,red,x\n3,blue,y\n")
    (tmp_path / "s.tml").write_text('model m\ndata "d.csv" { label target }\ntask classification\ntarget host\n')
    r = run("build", tmp_path / "s.tml", "--json", "-o", tmp_path / "o")
    assert r.returncode == 1 and lines(r)[-1]["kind"] == "data" and "not numeric" in lines(r)[-1]["message"]
    assert lines(r)[-1]["code"] == "E0401" and "error[E0401]: " in r.stderr
    r = run("fmt", "--json", "-", stdin="model   m\n")
    assert lines(r) == [{"event": "formatted", "file": "<stdin>", "canonical": False, "changed": False,
                         "text": "model m\n"}]
    r = run("explain", "--json", "E0201")
    assert lines(r)[0]["code"] == "E0201" and "target" in lines(r)[0]["text"]
    r = run("report", "--json", tmp_path / "nothing")
    assert r.returncode == 1 and lines(r)[0]["kind"] == "input"
    shutil.copy(sklearn_data / "diabetes.csv", tmp_path / "diabetes.csv")
    r = run("init", "--json", tmp_path / "diabetes.csv", "--label", "progression")
    assert r.returncode == 0 and lines(r) == [{"event": "written", "spec": str(tmp_path / "diabetes.tml")}]


def test_every_command_has_a_description_and_an_example():
    for cmd in ("check", "fmt", "build", "verify", "report", "init", "targets", "schema", "explain"):
        r = run(cmd, "--help")
        assert r.returncode == 0
        assert "example:\n  tinyc " + cmd in r.stdout, cmd
        assert r.stdout.split("\n\n")[1].strip(), cmd  # a description under the usage


def test_a_build_folder_from_a_newer_tinyc_is_refused_with_the_reason(tmp_path, sklearn_data):
    out = tmp_path / "wine"
    assert run("build", "specs/wine.tml", "-o", out, "--trials", "2").returncode == 0
    rep = json.loads((out / "report.json").read_text())
    rep["schema_version"] = 2
    (out / "report.json").write_text(json.dumps(rep))
    for cmd in ("report", "verify"):
        r = run(cmd, out)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert f"error[E0702]: {out}/report.json has schema version 2; this tinyc" in r.stderr, r.stderr
        assert "help: use the tinyc that built it" in r.stderr
    # a report.json of this version that does not match its schema: the field named, no traceback
    rep["schema_version"] = 1
    del rep["targets"]["cortex-m4"]["flash_limit"]
    (out / "report.json").write_text(json.dumps(rep))
    for cmd in ("report", "verify"):
        r = run(cmd, out)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert (f"error[E0702]: {out}/report.json does not match the schema of version 1: "
                f"targets.cortex-m4.flash_limit: field required") in r.stderr, r.stderr


def test_a_build_error_names_its_own_code_and_what_to_do(tmp_path):
    """No model fits: the memory-fitting pass's own code (E0503, explained by tinyc explain), the
    targets' needs and a hint; exit 1, nothing written."""
    shutil.copy(ROOT / "tests" / "fixtures" / "segments_head.csv", tmp_path / "d.csv")
    spec = tmp_path / "s.tml"
    spec.write_text('model m\ndata "d.csv" { label target }\ntask classification\n'
                    'target cortex-m0plus { flash 600B ram 64B }\nsearch { trials 4 }\n')
    r = run("build", spec, "-o", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "error[E0503]: no model fits every target: the smallest reached" in r.stderr
    assert "(limit 64)" in r.stderr and "help: raise the flash/RAM limits" in r.stderr
    assert not (tmp_path / "out").exists()
    assert run("explain", "E0503").stdout.startswith("E0503: No model fits every target")
