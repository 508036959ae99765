"""A search shared through Optuna's storage, run as a user runs it: `tinyc build SPEC --storage URL`
(the coordinator) and `tinyc worker URL --study NAME` processes, on the wine data; SQLite, and a
real PostgreSQL cluster started in a temporary folder (skipped, with the install line, where
PostgreSQL is absent). Faults are real: processes killed with SIGKILL."""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import tinyc_exe

SPEC = """model wine
data "data/wine.csv" {{ label cultivar }}
task classification
metric accuracy
budget {budget}s
seed 1
quantize float32
target cortex-m4 {{ flash 8KB ram 2KB }}
target host
search {{ trials 500; grow off{search} }}
"""


def start(cwd, *args, **kw):
    return subprocess.Popen([tinyc_exe(), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **kw)


def project(root: Path, sklearn_data: Path, budget: int, search: str = "") -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(sklearn_data / "wine.csv", root / "data" / "wine.csv")
    (root / "wine.tml").write_text(SPEC.format(budget=budget, search=search))
    return root


def trials(url: str, name: str):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)


def finished(ts):
    return [t for t in ts if t.state.name in ("COMPLETE", "PRUNED", "FAIL")]


def wait_for_running(url, name, pid, timeout=60.0):
    """A trial that process ``pid`` is running (polled in the storage)."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            for t in trials(url, name):
                if t.state.name == "RUNNING" and (t.user_attrs.get("worker") or {}).get("pid") == pid:
                    return t
        except KeyError:  # the study is not created yet
            pass
        except SQLAlchemyError:  # its tables are being created by the processes just started
            pass
        time.sleep(0.2)
    raise AssertionError(f"process {pid} ran no trial within {timeout} s")


def killed_mid_trial(root, url, name, victim):
    """``victim`` (a worker) killed with its pool while it runs a trial, and that trial: a trial seen
    RUNNING may end before the kill lands, so its state is read again once the worker is dead (still
    RUNNING: it died in it) and, where it had ended, another worker is started and killed."""
    for _ in range(5):
        t = wait_for_running(url, name, victim.pid)
        kill_group(victim)
        if trials(url, name)[t.number].state.name == "RUNNING":
            return victim, t
        victim = start(root, "worker", url, "--study", name, "--jobs", "1")
    raise AssertionError("every trial seen running ended before its worker was killed")


def kill_group(proc):
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def compiles(build: Path) -> None:
    src = build / "host" / "src" / "wine.c"
    r = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", str(src), "-o",
                        str(build.parent / f"{build.name}.o")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_build(tmp_path_factory, sklearn_data):
    """A coordinator and two workers on one SQLite study, all on this machine."""
    root = project(tmp_path_factory.mktemp("shared"), sklearn_data, budget=20)
    url = f"sqlite:///{root / 'study.db'}"
    coord = start(root, "build", "wine.tml", "-o", "build/wine", "--storage", url, "--study", "s", "--workers", "1")
    workers = [start(root, "worker", url, "--study", "s", "--jobs", "1") for _ in range(2)]
    out, err = coord.communicate(timeout=180)
    results = [w.communicate(timeout=120) for w in workers]
    return root, url, coord, err, workers, results


def test_workers_on_other_processes_share_the_search_and_the_coordinator_ships_from_all(shared_build):
    root, url, coord, err, workers, results = shared_build
    assert coord.returncode == 0, err
    assert "study s created in sqlite:///" in err and "tinyc worker" in err
    for w, (_, werr) in zip(workers, results):
        assert w.returncode == 0, werr
    stored = finished(trials(url, "s"))
    pids = {t.user_attrs["worker"]["pid"] for t in stored}
    assert {w.pid for w in workers} <= pids and len(pids) >= 3  # both workers and the coordinator
    report = json.loads((root / "build" / "wine" / "report.json").read_text())
    board = report["search"]["leaderboard"]
    assert [c["trial"] for c in board] == [t.number for t in stored]  # every finished trial, no other
    assert {c["worker"]["pid"] for c in board} == pids
    study = report["search"]["study"]
    assert study["name"] == "s" and {w["pid"] for w in study["workers"]} == pids
    assert sum(w["trials"] for w in study["workers"]) == len(board)
    chosen = next(c for c in board if c["trial"] == report["model"]["chosen_trial"])
    assert chosen["status"] == "ok" and chosen["metric"] == report["model"]["validation_metric"]
    compiles(root / "build" / "wine")


def test_study_ls_lists_the_study_with_its_trials(shared_build):
    root, url, *_ = shared_build
    r = subprocess.run([tinyc_exe(), "study", "ls", url, "--json"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)[0]
    assert row["study"] == "s" and row["model"] == "wine" and row["trials"] == len(trials(url, "s"))
    assert row["workers"] >= 3


def test_a_trial_is_rebuilt_without_searching_the_shipped_one_byte_for_byte(shared_build):
    """`--from-trial URL#N`: the trial the coordinator shipped gives its libraries byte for byte;
    another trial (run by whichever process) gives that trial's model, trained with its seed."""
    from test_replay import same_libraries

    from tinyc.passes.candidates import trial_seed

    root, url, coord, *_ = shared_build
    assert coord.returncode == 0
    shipped = json.loads((root / "build" / "wine" / "manifest.json").read_text())["search"]["winner"]
    r = subprocess.run([tinyc_exe(), "build", "wine.tml", "--from-trial", f"{url}#{shipped['trial']}", "--study", "s",
                        "-o", "build/again", "-q"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    same_libraries(root / "build" / "wine", root / "build" / "again")
    again = json.loads((root / "build" / "again" / "report.json").read_text())
    assert again["search"]["replay"] == shipped and again["search"]["rebuilt_from"].endswith(f"#{shipped['trial']} (study s)")
    ran = [t for t in finished(trials(url, "s")) if t.number != shipped["trial"]
           and t.user_attrs.get("candidate", {}).get("status") in ("ok", "pruned", "too big")]
    # a worker's trial when a worker finished one (on a loaded machine they may all be cut by the deadline)
    other = sorted(ran, key=lambda t: t.user_attrs["worker"]["pid"] == coord.pid)[0]
    r = subprocess.run([tinyc_exe(), "build", "wine.tml", "--from-trial", f"{url}#{other.number}", "--study", "s",
                        "-o", "build/other", "-q"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    recipe = json.loads((root / "build" / "other" / "report.json").read_text())["search"]["replay"]
    assert (recipe["trial"], recipe["family"]) == (other.number, other.params["family"])
    assert recipe["seed"] == trial_seed(1, other.number) == other.user_attrs["candidate"]["seed"]
    for ref, says in ((f"{url}#100000", "has no trial 100000"), (url, "expected URL#N")):
        r = subprocess.run([tinyc_exe(), "build", "wine.tml", "--from-trial", ref, "--study", "s", "-o", "build/x"],
                           cwd=root, capture_output=True, text=True)
        assert r.returncode == 1 and says in r.stderr and "E0508" in r.stderr, r.stderr
        assert not (root / "build" / "x").exists()


def test_a_worker_whose_data_differs_refuses_in_one_line(shared_build, tmp_path):
    root, url, *_ = shared_build
    other = tmp_path / "checkout"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns("build", "*.db"))
    lines = (other / "data" / "wine.csv").read_text().splitlines()
    (other / "data" / "wine.csv").write_text("\n".join(lines[:-1]) + "\n")
    r = subprocess.run([tinyc_exe(), "worker", url, "--study", "s"], cwd=other, capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0].startswith("error[") and "this data file differs from the study's" in r.stderr
    assert "Traceback" not in r.stderr


def test_an_unreachable_storage_is_one_line_without_the_password(tmp_path, sklearn_data):
    root = project(tmp_path, sklearn_data, budget=5)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://tinyc:s3cret@127.0.0.1:{port}/tinyc"
    r = subprocess.run([tinyc_exe(), "build", "wine.tml", "--storage", url], cwd=root, capture_output=True,
                       text=True)
    assert r.returncode == 1
    assert f"postgresql://tinyc:***@127.0.0.1:{port}/tinyc" in r.stderr and "s3cret" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("error")]) == 1 and "Traceback" not in r.stderr
    assert not (root / "build").exists()


# ---------------------------------------------------------------------------
# Faults, on SQLite and on a real PostgreSQL

@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL cluster on loopback (initdb + pg_ctl in a temporary folder)."""
    initdb = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), None)
    if initdb is None:
        pytest.skip("PostgreSQL is not installed: apt-get install --no-install-recommends postgresql")
    bindir = Path(initdb).resolve().parent
    base = Path(tempfile.mkdtemp(prefix="tinyc-pg-"))
    as_user = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *a: subprocess.run([*as_user, *a], check=True, capture_output=True, text=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(base / "data"), "-U", "tinyc", "--auth=trust", "-N")
    run(str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "log"), "-w", "-o",
        f"-k {base} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tinyc", "tinyc")
        yield f"postgresql://tinyc@127.0.0.1:{port}/tinyc"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    return request.getfixturevalue("postgres")


def test_a_killed_workers_trial_is_run_again_with_the_same_parameters(storage, tmp_path, sklearn_data):
    root = project(tmp_path / "p", sklearn_data, budget=30, search="; families mlp")
    name = f"kill-{time.time_ns()}"
    coord = start(root, "build", "wine.tml", "-o", "build/wine", "--storage", storage, "--study", name,
                  "--workers", "1")
    victim = start(root, "worker", storage, "--study", name, "--jobs", "1")
    helper = start(root, "worker", storage, "--study", name, "--jobs", "1")
    t0 = time.monotonic()
    victim, lost = killed_mid_trial(root, storage, name, victim)  # the worker and its pool, mid-trial
    out, err = coord.communicate(timeout=240)
    helper.communicate(timeout=120)
    assert coord.returncode == 0, err
    assert time.monotonic() - t0 < 2 * 30 + 30  # the budget, the grace and writing (a loose bound)
    ts = trials(storage, name)
    assert ts[lost.number].state.name == "FAIL"
    again = [t for t in ts if t.system_attrs.get("failed_trial") == lost.number]
    assert again and ts[lost.number].params.items() <= again[0].params.items()  # the same parameters
    assert again[0].state.name in ("COMPLETE", "PRUNED")
    assert again[0].user_attrs["worker"]["pid"] != victim.pid
    compiles(root / "build" / "wine")


def test_a_restarted_coordinator_continues_from_the_stored_trials(storage, tmp_path, sklearn_data):
    root = project(tmp_path / "p", sklearn_data, budget=25)
    name = f"restart-{time.time_ns()}"
    args = ("build", "wine.tml", "-o", "build/wine", "--storage", storage, "--study", name, "--workers", "1")
    worker = start(root, "worker", storage, "--study", name, "--jobs", "1")
    first = start(root, *args)
    wait_for_running(storage, name, first.pid)
    time.sleep(3)
    kill_group(first)
    before = {t.number for t in finished(trials(storage, name))}
    again = start(root, *args)
    out, err = again.communicate(timeout=240)
    worker.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "resumed" in err
    stored = finished(trials(storage, name))
    board = json.loads((root / "build" / "wine" / "report.json").read_text())["search"]["leaderboard"]
    numbers = [c["trial"] for c in board]
    assert numbers == [t.number for t in stored] and len(set(numbers)) == len(numbers)
    assert before <= set(numbers)  # none lost
    compiles(root / "build" / "wine")
