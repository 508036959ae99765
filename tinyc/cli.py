"""The `tinyc` command line. Thin: parse arguments, call the library, render
diagnostics, choose the exit code.

Exit codes: 0 success, 1 build failure (bad data, nothing fits, toolchain),
2 spec error (or a command-line usage error).
"""
from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

from .errors import TinycError

EXIT_OK, EXIT_BUILD, EXIT_SPEC = 0, 1, 2


def _color(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


_JSON = False  # --json: results and errors also as JSON lines on stdout (set by main)


def _emit(obj: dict) -> None:
    """One JSON line on stdout (with --json)."""
    if _JSON:
        print(json.dumps(obj, sort_keys=True, ensure_ascii=False), flush=True)


def _report_spec_error(e) -> int:
    print(e.render(color=_color(sys.stderr)), file=sys.stderr)
    _emit({"event": "error", "kind": "spec", "file": e.file,
           "errors": [{"code": d.code, "severity": d.severity, "message": d.message, "hint": d.hint,
                       "line": d.span.line if d.span else None, "column": d.span.column if d.span else None}
                      for d in e.diagnostics]})
    return EXIT_SPEC


def _fail(kind: str, error, status: int = EXIT_BUILD) -> int:
    """A one-line error on stderr, with its code and hint when it is a TinycError (and, with --json,
    as an object on stdout)."""
    code, hint = getattr(error, "code", None), getattr(error, "hint", None)
    print(f"error[{code}]: {error}" if code else f"error: {error}", file=sys.stderr)
    if hint:
        print(f"  help: {hint}", file=sys.stderr)
    _emit({"event": "error", "kind": getattr(error, "kind", kind), "code": code, "message": str(error),
           "hint": hint})
    return status


# ---------------------------------------------------------------------------
def cmd_check(args) -> int:
    from .spec import SpecError, load
    from .spec.resolve_inputs import notices

    status = EXIT_OK
    for path in args.specs:
        try:
            r = load(path)
        except SpecError as e:
            status = _report_spec_error(e)
            continue
        s, notes, targets = r.spec, notices(r), [t.name.value for t in r.spec.targets]
        if _JSON:
            _emit({"event": "ok", "file": str(path), "model": s.model.value, "task": s.task.value.value,
                   "data": s.data.path.value, "metric": s.metric.value.value, "targets": targets, "notes": notes})
        elif not args.quiet:
            print(f"{path}: ok — model {s.model.value}, {s.task.value.value} on '{s.data.path.value}', "
                  f"metric {s.metric.value.value}, targets {', '.join(targets)}")
            print("".join(f"{path}: note: {n}\n" for n in notes), end="", file=sys.stderr)
    return status


def cmd_fmt(args) -> int:
    from .spec import SpecError
    from .spec.fmt import fmt

    status = EXIT_OK
    for path in args.specs:
        if path == "-":
            source, name = sys.stdin.read(), "<stdin>"
        else:
            try:
                source, name = Path(path).read_text(encoding="utf-8"), path
            except (OSError, UnicodeDecodeError) as e:
                status = _fail("input", f"{path}: cannot read: {e}", EXIT_SPEC)
                continue
        try:
            out = fmt(source, name)
        except SpecError as e:
            status = _report_spec_error(e)
            continue
        _emit({"event": "formatted", "file": name, "canonical": out == source,
               "changed": out != source and not args.check and path != "-",
               **({"text": out} if path == "-" else {})})
        if path == "-":
            if not _JSON:
                sys.stdout.write(out)
        elif args.check:
            if out != source and not _JSON:
                sys.stdout.writelines(difflib.unified_diff(
                    source.splitlines(keepends=True), out.splitlines(keepends=True),
                    f"{path} (as written)", f"{path} (canonical)"))
            if out != source:
                print(f"{path}: not in canonical form (run `tinyc fmt {path}`)", file=sys.stderr)
                status = max(status, EXIT_BUILD)
        elif out != source:
            Path(path).write_text(out, encoding="utf-8")
            print(f"{path}: reformatted", file=sys.stderr)
    return status


def cmd_build(args) -> int:
    from . import fleet
    from .passes.replay import ReplayError

    rebuild = "--from-report" if args.from_report else "--from-trial" if args.from_trial else None
    if rebuild and (fleet.is_many(args.specs) or args.storage):
        raise ReplayError(f"{rebuild} rebuilds one spec's model without searching: give one spec, no --storage")
    if fleet.is_many(args.specs):
        return _build_many(args)
    from .spec import SpecError, load

    spec = args.specs[0]
    try:
        r = load(spec)
    except SpecError as e:
        return _report_spec_error(e)
    from . import STARTED, progress
    from .passes.pipeline import build

    recipe = _recipe(args, r) if rebuild else None
    out = Path(args.output) if args.output else Path("build") / r.spec.model.value
    sink = progress.make("json" if args.json else "quiet" if args.quiet else "live", r.spec.metric.value.value)
    try:  # a TinycError reaches main, which reports it once the progress display is closed
        result = build(r, Path(spec), out, on_event=sink, trials=args.trials, workers=args.workers,
                       force=args.force, started=STARTED, storage=args.storage, study=args.study, recipe=recipe)
    finally:
        sink.close()
    for check in result.report.get("data_checks", []):
        print(f"warning: {check['message']}", file=sys.stderr)
    notes = [n for n in [(result.report.get("signal") or {}).get("units_notice"), *result.report.get("notes", [])]
             if n]
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.verify:
        status = _run_verify(out, quiet=args.quiet or args.json)
        if status != EXIT_OK:
            return status
        _rerender(out)
    if args.json:
        _emit({"event": "built", "output": str(out), "model": result.report["model"]["description"],
               "holdout": result.report["model"]["metrics"]["holdout"],
               "warnings": [c["message"] for c in result.report.get("data_checks", [])],
               "notes": notes})
    elif not args.quiet:
        from .summary import print_summary

        print_summary(result, out)
    return EXIT_OK


def _recipe(args, r):
    """The model a `--from-report`/`--from-trial` build rebuilds; says when spec or tinyc differ."""
    from .passes.replay import requested

    recipe, notices = requested(args.from_report, args.from_trial, args.study, Path(args.specs[0]), r)
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)
    return recipe


def _build_many(args) -> int:
    """`tinyc build DIR_OR_FILES… -o OUT` (tinyc.fleet): one line per spec; exit 1 when any failed,
    naming each with its first error line."""
    from . import fleet

    out = Path(args.output) if args.output else Path("build")
    passed = [*(["--trials", str(args.trials)] if args.trials else []), *(["--verify"] if args.verify else []),
              *(["--force"] if args.force else [])]
    quiet = args.quiet or args.json
    jobs = fleet.build_all(args.specs, out, jobs=args.jobs, force=args.force, args=passed,
                           on_line=(lambda line: None) if quiet else print)
    failed = [j for j in jobs if j.status == "failed"]
    for j in failed:
        where = j.spec.as_posix()
        print(j.error if j.error.startswith(where + ":") else f"{where}: {j.error}", file=sys.stderr)
    _emit({"event": "built", "output": str(out), "index": str(out / "index.json"),
           "specs": {j.spec.as_posix(): j.status for j in jobs}})
    if not quiet:
        print(f"{sum(j.status == 'built' for j in jobs)} built, {sum(j.status == 'skipped' for j in jobs)} unchanged, "
              f"{len(failed)} failed: {out / 'index.html'}")
    return EXIT_BUILD if failed else EXIT_OK


def _run_verify(build: Path, quiet: bool = False) -> int:
    from .verify import verify

    results = verify(build, on_line=(lambda line: None) if quiet else (lambda line: print(line, file=sys.stderr)))
    _emit({"event": "verified", "build": str(build), "targets": {t: r.as_dict() for t, r in results.items()}})
    return EXIT_OK


def cmd_verify(args) -> int:
    status = _run_verify(Path(args.build), quiet=args.json)
    if status == EXIT_OK:
        _rerender(Path(args.build))
    return status


def _rerender(build: Path) -> None:
    from .artifacts import as_json, read_report
    from .passes.write import write_reports

    report = as_json(read_report(build))
    spec_text = (build / "spec.tml").read_text(encoding="utf-8") if (build / "spec.tml").exists() else ""
    resolved = json.loads((build / "spec.resolved.json").read_text(encoding="utf-8"))
    write_reports(build, report, spec_text, resolved["spec"])


def cmd_report(args) -> int:
    build = Path(args.build)
    _rerender(build)
    if _JSON:
        _emit({"event": "rendered", "files": [str(build / "report.html"), str(build / "report.md")]})
    else:
        print(f"wrote {build}/report.html and {build}/report.md")
    return EXIT_OK


def cmd_init(args) -> int:
    from .init import init

    label = args.label
    if args.target is not None:
        print("note: --target is deprecated: use --label (in a spec, `target` names a device)", file=sys.stderr)
        label = label or args.target
    if label is None:
        return _fail("usage", "say which column to predict: tinyc init DATA.csv --label COLUMN", EXIT_SPEC)
    try:
        out = init(Path(args.csv), label, args.force)
    except FileExistsError as e:  # (a DataError reaches main)
        return _fail("data", e)
    if _JSON:
        _emit({"event": "written", "spec": str(out)})
    else:
        print(f"wrote {out}; check it with `tinyc check {out}`, build it with `tinyc build {out}`")
    return EXIT_OK


def cmd_targets(args) -> int:
    from . import targets

    print(targets.listing(as_json=args.json))
    return EXIT_OK


def cmd_schema(args) -> int:
    from .spec.ir import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_calibrate(args) -> int:
    from .calibration import calibrate, error_lines, write

    profile = calibrate(args.target, on_line=lambda line: print(line, file=sys.stderr))
    out = Path(args.out) if args.out else Path(f"{profile['target']}.json")
    write(profile, out)
    print("\n".join(error_lines(profile)))
    print(f"profile written to {out}")
    return EXIT_OK


def cmd_worker(args) -> int:
    from .worker import run

    ran = run(args.url, args.study, args.jobs, on_line=(lambda line: None) if args.json else
              (lambda line: print(line, file=sys.stderr)))
    _emit({"event": "worked", "study": args.study, "candidates": ran})
    return EXIT_OK


def cmd_study(args) -> int:
    from .worker import study_lines, study_rows

    rows = study_rows(args.url)
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    print("\n".join(study_lines(rows)))
    return EXIT_OK


def cmd_diff(args) -> int:
    from . import diff

    doc = diff.compare(diff.load(Path(args.old)), diff.load(Path(args.new)))
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print((diff.markdown if args.markdown else diff.text)(doc, args.old, args.new))
    return EXIT_BUILD if args.exit_code and doc["changed"] else EXIT_OK


def cmd_explain(args) -> int:
    from .errors import CODES as BUILD_CODES
    from .spec.diagnostics import CODES as SPEC_CODES

    CODES = {**SPEC_CODES, **BUILD_CODES}
    code = args.code.upper()
    if code not in CODES:
        return _fail("usage", f"no such error code '{args.code}'; codes: {', '.join(sorted(CODES))}", EXIT_SPEC)
    if _JSON:
        _emit({"event": "explained", "code": code, "text": CODES[code]})
    else:
        print(f"{code}: {CODES[code]}")
    return EXIT_OK


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C: partial output is removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    import signal

    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # a second signal must not cut the clean-up short
        signal.signal(s, signal.SIG_IGN)
    raise Terminated(signum)


def _handle_termination() -> dict:
    """SIGTERM and SIGHUP raise Terminated in the main thread; returns the handlers of the
    signals tinyc may change (SIGINT too: the first stop ignores the others), to restore."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    return before


def main(argv: list[str] | None = None) -> int:
    import signal

    global _JSON
    from .cli_args import parser

    handlers = {"check": cmd_check, "fmt": cmd_fmt, "build": cmd_build, "verify": cmd_verify, "report": cmd_report,
                "init": cmd_init, "targets": cmd_targets, "schema": cmd_schema, "explain": cmd_explain,
                "calibrate": cmd_calibrate, "diff": cmd_diff,
                "worker": cmd_worker, "study": cmd_study}
    args = parser(handlers).parse_args(argv)
    _JSON = bool(getattr(args, "json", False))
    before = _handle_termination()
    try:
        return args.func(args)
    except Terminated as e:
        print(f"stopped by {signal.Signals(e.signum).name}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except TinycError as e:  # a failure the user can act on: its code, message and hint
        return _fail(e.kind, e, e.status)
    except BrokenPipeError:  # the reader went away (`tinyc fmt --check ... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
        return 128 + 13  # as a process killed by SIGPIPE
    except Exception as e:  # an internal error: short message unless --debug
        if args.debug:
            raise
        print(f"internal error: {type(e).__name__}: {e}\n(this is a bug in tinyc; rerun with --debug "
              f"for the traceback and report it)", file=sys.stderr)
        _emit({"event": "error", "kind": "internal", "message": f"{type(e).__name__}: {e}"})
        return EXIT_BUILD
    finally:  # a caller in the same process (a test, an editor plugin) gets its handlers back
        for sig, handler in before.items():
            if handler is not None:
                signal.signal(sig, handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
