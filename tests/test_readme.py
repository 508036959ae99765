"""The README is a front door a newcomer can follow: short, every link leads somewhere, and its
five-minute quick start runs as written on a shipped CSV."""
import re
import shlex
import shutil
import subprocess

from conftest import ROOT, tinyc_exe

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_short_and_its_links_lead_somewhere():
    assert len(README.splitlines()) < 200
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)\)", page.read_text(encoding="utf-8")):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), (page.name, target)


def test_the_quick_start_runs_as_written(tmp_path):
    """Each `tinyc` line of the quick start, in order, in a folder holding a shipped CSV as
    data.csv (the build with fewer trials, to stay quick; verify where the Arm tools are)."""
    block = README.split("## Five minutes from your own CSV", 1)[1].split("```", 2)[1]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("tinyc ")]
    assert [c.split()[1] for c in commands] == ["init", "check", "build", "verify", "report"]
    shutil.copy(ROOT / "examples" / "image_segments" / "data.csv", tmp_path / "data.csv")
    for command in commands:
        args = shlex.split(command)[1:]
        if args[0] == "build":
            args += ["--trials", "4"]
        if args[0] == "verify" and shutil.which("arm-none-eabi-gcc") is None:
            continue
        r = subprocess.run([tinyc_exe(), *args], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, (command, r.stderr)
    assert (tmp_path / "build" / "data" / "report.html").exists()
    assert (tmp_path / "build" / "data" / "cortex-m4" / "src" / "data.h").exists()
