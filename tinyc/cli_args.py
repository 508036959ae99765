"""The command line's grammar: every command with its description, an example and its options.
tinyc.cli runs them."""
from __future__ import annotations

import argparse
from typing import Callable

# what each command does and an example, for `tinyc COMMAND --help`
COMMANDS = {
    "check": ("parse and validate specs (fast; for editors and pre-commit hooks)",
              "Parses each spec and checks it against its data file's header and the installed targets;\n"
              "every problem is reported at once with file:line:col, a caret and a hint.",
              "tinyc check specs/wine.tml\n  tinyc check --json specs/*.tml"),
    "fmt": ("rewrite specs in canonical form",
            "Normalises whitespace, indentation and units; keeps every comment and the statement order.",
            "tinyc fmt specs/wine.tml\n  tinyc fmt --check specs/*.tml   # in CI: a diff and exit 1 if not canonical"),
    "build": ("build a spec: check it, load the data, run the passes, write the output",
              "Searches the model that fits every target, quantizes and fits it, and writes a C library per\n"
              "target, a report and a manifest into the output folder (only a new, empty or earlier tinyc\n"
              "build folder; see --force).",
              "tinyc build specs/wine.tml\n  tinyc build specs/wine.tml -o build/wine --verify\n"
              "  tinyc build specs/wine.tml --json > progress.jsonl\n"
              "  tinyc build specs/ -o build/      # every spec, in parallel, only what changed\n"
              "  tinyc build specs/wine.tml --from-report build/wine/report.json -o build/wine-again"),
    "verify": ("measure the Arm libraries of a build and run them under qemu against the Python model",
               "Links each Arm target's library with arm-none-eabi-gcc (flash, RAM, stack), runs the holdout\n"
               "rows under qemu and compares every prediction with the golden model, bit for bit.",
               "tinyc verify build/wine"),
    "report": ("re-render report.html and report.md of a build from its report.json",
               "Renders the report again without retraining (e.g. after upgrading tinyc).",
               "tinyc report build/wine"),
    "init": ("write a commented starter spec next to a CSV file",
             "Infers the task from the label column, leaves out columns a model must not learn from (text,\n"
             "ids, counters, recording ids) and proposes a signal block for long-format sensor data.",
             "tinyc init data/imu.csv --label activity"),
    "targets": ("list backend targets, built-in and third-party",
                "Every target installed through the tinyc.backends entry points, with its core and clock.",
                "tinyc targets\n  tinyc targets --json"),
    "schema": ("print the JSON Schema of the spec IR",
               "The schema of spec.resolved.json, for tools that read the resolved spec.",
               "tinyc schema -o spec.schema.json"),
    "calibrate": ("fit a target's cost profile from its linker and its emulator",
                  "Emits fixed, seeded corpora for the target (models of every family in float32 and integer\n"
                  "forms, signal front ends, anomaly detectors), links each with the target's toolchain and\n"
                  "counts its instructions under the target's emulator, and fits the profile's code bytes and\n"
                  "per-unit instructions (non-negative least squares); prints each fit's error and writes the\n"
                  "profile (ship it as the backend's profiles/<target>.json; $TINYC_PROFILE_PATH tries one).",
                  "tinyc calibrate riscv32imc --out backends/profiles/riscv32imc.json"),
    "worker": ("work for a search shared through a storage, on any machine",
               "Joins the study a `tinyc build SPEC --storage URL` created: reads the same spec at the same path\n"
               "(a checkout of the same project), checks that spec, data and tinyc match the study's, and\n"
               "evaluates candidates until the study's deadline. Writes nothing but trials.",
               "tinyc worker sqlite:////shared/tinyc.db --study wine-3f2a9c1e0b7d\n"
               "  tinyc worker postgresql://tinyc@db/tinyc --study wine-3f2a9c1e0b7d --jobs 8"),
    "study": ("list the studies in a storage",
              "Each study's name, model, trials (complete, running), best value, processes and time left.",
              "tinyc study ls sqlite:///tinyc.db"),
    "diff": ("show what changed between two builds of a spec (for code review)",
             "Compares two build folders (or their report.json): the model, the holdout metric, each target's\n"
             "flash, RAM and latency against its limits, and the spec, data, seed and tinyc they came from.",
             "tinyc diff build-main/wine build/wine\n  tinyc diff old/report.json new/report.json --markdown"),
    "explain": ("explain an error code", "The long explanation of an error code from a diagnostic.",
                "tinyc explain E0201"),
}


class _Version(argparse.Action):
    """--version, looked up only when asked for (reading the metadata is slow for `check`)."""

    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__

        print(f"tinyc {__version__}")
        parser.exit()


def parser(handlers: dict[str, Callable]) -> argparse.ArgumentParser:
    """The command line's parser; ``handlers``: the function each command runs."""
    p = argparse.ArgumentParser(prog="tinyc", description="Compile a tiny ML model spec (.tml) into C libraries "
                                "for microcontrollers.", epilog="`tinyc COMMAND --help` describes a command, "
                                "with examples.")
    p.add_argument("--version", action=_Version)
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str):
        short, long, example = COMMANDS[name]
        c = sub.add_parser(name, help=short, description=f"{short[0].upper()}{short[1:]}.\n\n{long}",
                           epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        c.set_defaults(func=handlers[name])
        return c

    def json_flag(c, what: str = "results and errors as JSON lines on stdout"):
        c.add_argument("--json", action="store_true", help=what)

    c = command("check")
    c.add_argument("specs", nargs="+", metavar="SPEC")
    c.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    json_flag(c)

    f = command("fmt")
    f.add_argument("specs", nargs="+", metavar="SPEC", help="spec files ('-' reads stdin, writes stdout)")
    f.add_argument("--check", action="store_true", help="change nothing; print a diff and exit 1 if not canonical")
    json_flag(f)

    b = command("build")
    b.add_argument("specs", nargs="+", metavar="SPEC", help="a spec file; or a folder of specs, or several, each "
                   "built into OUT/<model> (only those that changed), with OUT/index.html")
    b.add_argument("-o", "--output", metavar="DIR", help="output folder (default: build/<model>; for many specs "
                   "the folder that receives one per spec, default build/)")
    b.add_argument("--jobs", type=int, default=0, metavar="N", help="for many specs: builds at once (default: one "
                   "per core, the cores shared between them)")
    b.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    json_flag(b, "progress, result and errors as JSON lines on stdout")
    b.add_argument("--trials", type=int, metavar="N", help="most candidates to try (overrides the spec)")
    b.add_argument("--workers", type=int, default=0, metavar="N", help="worker processes (default: one per core)")
    b.add_argument("--verify", action="store_true", help="then run `tinyc verify` on the output")
    b.add_argument("--force", action="store_true", help="rebuild into a folder that holds an earlier tinyc build "
                   "and files tinyc did not write (they are kept)")
    b.add_argument("--storage", metavar="URL", help="share the search with `tinyc worker` processes through this "
                   "storage: sqlite:///FILE, postgresql://USER@HOST/DB or journal:FILE")
    b.add_argument("--study", metavar="NAME", help="the shared study's name (default: the model's name and a hash "
                   "of spec, data and tinyc version)")
    rebuild = b.add_mutually_exclusive_group()
    rebuild.add_argument("--from-report", metavar="REPORT", help="rebuild the model of an earlier build without "
                         "searching (its report.json or folder): byte-identical C from the same spec and data")
    rebuild.add_argument("--from-trial", metavar="URL#N", help="rebuild trial N of a shared study without "
                         "searching (the study: --study, else this spec's)")

    w = command("worker")
    w.add_argument("url", metavar="URL")
    w.add_argument("--study", required=True, metavar="NAME")
    w.add_argument("--jobs", type=int, default=0, metavar="N", help="candidates evaluated at once (default: one "
                   "per core)")
    json_flag(w)

    st = command("study")
    st.add_argument("action", choices=["ls"])
    st.add_argument("url", metavar="URL")
    json_flag(st)

    v = command("verify")
    v.add_argument("build", metavar="BUILD_DIR")
    json_flag(v)

    rp = command("report")
    rp.add_argument("build", metavar="BUILD_DIR")
    json_flag(rp)

    i = command("init")
    i.add_argument("csv", metavar="DATA.csv")
    i.add_argument("--label", metavar="COLUMN", help="the column to predict")
    i.add_argument("--target", metavar="COLUMN", help=argparse.SUPPRESS)  # the old name of --label
    i.add_argument("--force", action="store_true", help="overwrite an existing spec")
    json_flag(i)

    t = command("targets")
    json_flag(t, "machine-readable output")

    s = command("schema")
    s.add_argument("-o", "--output", metavar="FILE")

    cal = command("calibrate")
    cal.add_argument("target", metavar="TARGET")
    cal.add_argument("-o", "--out", metavar="FILE", help="where to write the profile (default: <target>.json)")

    d = command("diff")
    d.add_argument("old", metavar="OLD_BUILD")
    d.add_argument("new", metavar="NEW_BUILD")
    form = d.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="the comparison as one JSON object")
    form.add_argument("--markdown", action="store_true", help="a Markdown table (for a pull-request comment)")
    d.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed (as `git diff`)")

    e = command("explain")
    e.add_argument("code")
    json_flag(e)
    return p
