"""The output folder as users meet it: tinyc never destroys a file it did not write, refuses
folders that are not its own with a clear message, is clean when stopped by a signal, and
takes every path relative to the current folder."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import ROOT, tinyc_exe

SPEC = 'model m\ndata "d.csv" { label target }\ntask regression\ntarget host\n'


def run(*args, cwd, env=None):
    return subprocess.run([tinyc_exe(), *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env)


@pytest.fixture
def project(tmp_path):
    """A user's project folder: a spec and its CSV."""
    shutil.copy(ROOT / "tests" / "fixtures" / "stackloss.csv", tmp_path / "d.csv")
    (tmp_path / "s.tml").write_text(SPEC)
    return tmp_path


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_into_the_spec_folder_is_refused_even_with_force(project):
    before = snapshot(project)
    for out, extra in ((project, ()), (".", ()), (project, ("--force",))):
        r = run("build", "s.tml", "-o", out, "--trials", "2", *extra, cwd=project)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert "error[E0601]: output folder" in r.stderr and "choose a new folder such as build/" in r.stderr
        assert snapshot(project) == before
        assert not list(project.glob(".*partial*"))


def test_build_into_the_data_folder_root_or_home_is_refused(project):
    (project / "data").mkdir()
    shutil.move(project / "d.csv", project / "data" / "d.csv")
    (project / "s.tml").write_text(SPEC.replace('"d.csv"', '"data/d.csv"'))
    r = run("build", "s.tml", "-o", "data", cwd=project)
    assert r.returncode == 1 and "holds d.csv, an input of this build" in r.stderr
    assert sorted(p.name for p in (project / "data").iterdir()) == ["d.csv"]
    r = run("build", "s.tml", "-o", "/", cwd=project)
    assert r.returncode == 1 and "is the filesystem root" in r.stderr
    home = project / "home"
    home.mkdir()
    r = run("build", "s.tml", "-o", home, cwd=project, env={**os.environ, "HOME": str(home)})
    assert r.returncode == 1 and "is your home folder" in r.stderr


def test_build_into_a_folder_of_user_files_refuses_and_keeps_them(project):
    out = project / "out"
    (out / "subdir").mkdir(parents=True)
    (out / "my_notes.txt").write_text("mine")
    (out / "subdir" / "keep.c").write_text("int x;")
    before = snapshot(out)
    for extra in ((), ("--force",)):
        r = run("build", "s.tml", "-o", "out", "--trials", "2", *extra, cwd=project)
        assert r.returncode == 1, r.stdout
        assert "exists and holds files tinyc did not write (my_notes.txt, subdir)" in r.stderr
        assert snapshot(out) == before


def test_output_that_is_a_file_is_refused_and_kept(project):
    (project / "out").write_text("a file of mine")
    r = run("build", "s.tml", "-o", "out", "--trials", "2", cwd=project)
    assert r.returncode == 1 and "output 'out' is a file, not a folder" in r.stderr
    assert (project / "out").read_text() == "a file of mine"
    assert sorted(p.name for p in project.iterdir()) == ["d.csv", "out", "s.tml"]


def test_rebuild_replaces_only_tinycs_files_and_force_keeps_the_users(project):
    out = project / "out"
    out.mkdir()  # an empty folder is fine
    assert run("build", "s.tml", "-o", "out", "--trials", "2", cwd=project).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert "host/src/m.c" in manifest["files"] and "report.json" in manifest["files"]
    assert set(manifest["files"]) == set(snapshot(out))
    r = run("build", "s.tml", "-o", "out", "--trials", "2", cwd=project)  # a plain rebuild
    assert r.returncode == 0, r.stderr
    (out / "notes.md").write_text("my notes")
    (out / "host" / "src" / "extra.c").write_text("int y;")
    (out / "report.md").write_text("edited")  # tinyc's own file: replaced
    r = run("build", "s.tml", "-o", "out", "--trials", "2", cwd=project)
    assert r.returncode == 1 and "files tinyc did not write (host/src/extra.c, notes.md)" in r.stderr
    assert "--force, which keeps them" in r.stderr and (out / "report.md").read_text() == "edited"
    r = run("build", "s.tml", "-o", "out", "--trials", "2", "--force", cwd=project)
    assert r.returncode == 0, r.stderr
    assert (out / "notes.md").read_text() == "my notes" and (out / "host" / "src" / "extra.c").read_text() == "int y;"
    assert (out / "report.md").read_text() != "edited"
    assert "notes.md" not in json.loads((out / "manifest.json").read_text())["files"]
    assert sorted(p.name for p in project.iterdir()) == ["d.csv", "out", "s.tml"]


def test_stale_partial_folders_are_removed_by_the_next_build(project):
    dead = subprocess.Popen(["true"])
    dead.wait()  # a process id that no longer runs
    stale = [project / f".out.partial-{dead.pid}-abc123", project / ".out.partial-x7y8z9"]
    for p in stale:
        (p / "host").mkdir(parents=True)
    alive = project / f".out.partial-{os.getpid()}-live01"  # a build still running: left alone
    alive.mkdir()
    r = run("build", "s.tml", "-o", "out", "--trials", "2", cwd=project)
    assert r.returncode == 0, r.stderr
    assert not any(p.exists() for p in stale) and alive.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_cleanly(project, sig):
    """Stopped during the search (worker processes running): exit 128+signal, one line, no
    traceback, no partial folder, no process left behind."""
    (project / "s.tml").write_text(SPEC.replace("target host", "budget 60s\ntarget host"))
    p = subprocess.Popen([tinyc_exe(), "build", "s.tml", "-o", "out", "--json", "--workers", "2"], cwd=project,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    for line in p.stdout:  # wait until the search is under way
        if json.loads(line)["event"] == "trial":
            break
    os.kill(p.pid, sig)
    p.wait(timeout=30)
    err = p.stderr.read()
    assert p.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == f"stopped by {signal.Signals(sig).name}" and "Traceback" not in err
    assert sorted(x.name for x in project.iterdir()) == ["d.csv", "s.tml"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the pool's workers, in the build's process group
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("a worker process of the stopped build is still running")


def test_signal_during_the_write_removes_the_partial_folder(project, monkeypatch):
    """A signal that arrives while the output is written (the search is over): the partial
    folder goes and an earlier build stays as it was."""
    from tinyc import output

    (project / "out").mkdir()
    (project / "out" / "manifest.json").write_text(json.dumps({"tinyc_version": "0", "model_id": "x",
                                                                 "files": ["manifest.json"]}))
    monkeypatch.chdir(project)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # (whatever earlier tests left)
    try:
        with pytest.raises(KeyboardInterrupt):
            with output.atomic_dir(output.claim(project / "out")) as tmp:
                (tmp / "report.json").write_text("{}")
                # to this thread, handled before raise_signal returns: a process-wide kill may be
                # taken by another thread (a pool's) and surface a few instructions later
                signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, before)
    assert sorted(p.name for p in project.iterdir()) == ["d.csv", "out", "s.tml"]
    assert sorted(p.name for p in (project / "out").iterdir()) == ["manifest.json"]


def test_a_swap_cut_between_its_renames_is_restored(project):
    """Killed between the two renames of the swap (signals are blocked there, but not SIGKILL
    or a power cut): the next build puts the earlier build back before building."""
    from tinyc import output

    dead = subprocess.Popen(["true"])
    dead.wait()
    old = project / f".out.old-{dead.pid}"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    output.remove_stale(project / "out")
    assert (project / "out" / "manifest.json").exists() and not old.exists()


@pytest.mark.parametrize("command", ["report", "verify"])
def test_commands_take_paths_relative_to_the_current_folder(project, command):
    """The README's `tinyc verify build/wine` and `tinyc report build/wine`, run from the folder
    above the build and from a sibling folder."""
    if command == "verify":
        from tinyc import emulator
        if emulator.available("cortex-m4"):
            pytest.skip(emulator.available("cortex-m4") + " (apt-get install gcc-arm-none-eabi qemu-system-arm)")
        (project / "s.tml").write_text(SPEC.replace("target host", "target cortex-m4"))
    assert run("build", "s.tml", "-o", "build/m", "--trials", "2", cwd=project).returncode == 0
    (project / "elsewhere").mkdir()
    for cwd, path in ((project, "build/m"), (project / "elsewhere", "../build/m"), (project / "build", "m")):
        r = run(command, path, cwd=cwd)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
    if command == "verify":
        assert "parity ok" in r.stderr
        assert json.loads((project / "build" / "m" / "report.json").read_text())["verify"]["cortex-m4"]["parity"]


def test_build_verify_with_a_relative_output(project):
    from tinyc import emulator
    if emulator.available("cortex-m0plus"):
        pytest.skip(emulator.available("cortex-m0plus") + " (apt-get install gcc-arm-none-eabi qemu-system-arm)")
    (project / "s.tml").write_text(SPEC.replace("target host", "target cortex-m0plus"))
    r = run("build", "s.tml", "-o", "v", "--trials", "2", "--verify", cwd=project)
    assert r.returncode == 0, r.stderr
    assert "parity ok" in r.stderr
    # verify adds no file the manifest does not list: a rebuild needs no --force
    assert run("build", "s.tml", "-o", "v", "--trials", "2", cwd=project).returncode == 0
