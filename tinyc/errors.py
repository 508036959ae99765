"""The errors tinyc reports to its user beyond the spec's own diagnostics (tinyc.spec.diagnostics):
one base class, each kind with a code that `tinyc explain` explains, a one-line message, an optional
hint, and the exit status the CLI gives it.

    error[E0401]: data.csv: channel 'ax' at row 7 holds 'n/a'; a signal needs a number for every sample

A build's errors are BuildErrors, each raised where it happens with its own code (the passes
define them: DoesNotFit in tinyc.passes.fit, QuantizationFailed in .quantize, FrontEndError in
.frontend, NothingFits in .search; DetectError, raised by the detection pass and the detector
families, is here); nothing re-wraps them. Control flow that
never reaches the user (a model form that does not quantize while quantize auto tries forms) uses
plain exceptions.
"""
from __future__ import annotations

EXIT_BUILD = 1


class TinycError(Exception):
    """A failure the user can act on: ``str(error)`` is the one-line message."""

    code = "E0500"
    kind = "build"
    status = EXIT_BUILD
    default_hint: str | None = None  # what the user can do, when the raise site gives no better hint

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint or self.default_hint

    def as_dict(self) -> dict:
        return {"code": self.code, "kind": self.kind, "message": str(self), "hint": self.hint}


class BuildError(TinycError):
    """The build cannot go on; the message says why in one line."""

    code = "E0501"


class DetectError(BuildError):
    """No detector can be built (task anomaly); the message says why in one line."""

    code = "E0502"


# what `tinyc explain` prints for each code (the spec's codes are in tinyc.spec.diagnostics.CODES)
CODES = {
    "E0401": "Data cannot be used: the CSV (or a holdout file) is unreadable, has a column that is not\n"
    "numbers where numbers are needed, a value out of float32's range, too few rows for the\n"
    "holdout and the cross-validation, or, for a signal, a missing sample, a recording shorter\n"
    "than a window or time stamps that do not match the rate. The message names the file, the\n"
    "row and the column.",
    "E0501": "The build cannot go on: no candidate model fits every target's flash and RAM, the\n"
    "quantization asked for is impossible, or the generated library would exceed a limit. The\n"
    "message says which target and by how much; raise the limit, allow more families, or\n"
    "ask for fewer features.",
    "E0502": "No anomaly detector can be built: too few normal rows, a detector asked to learn on\n"
    "the device that cannot, or none fits every target.",
    "E0503": "No model fits every target: the memory-fitting pass shrank the best candidate (fewer\n"
    "leaves, trees, units or features) until no step helped, and a target's flash or RAM is\n"
    "still exceeded. The message names the smallest model reached and what each target needs;\n"
    "raise the limits, drop a target, or give fewer features (or a shorter signal window).",
    "E0504": "The quantization the spec asks for (quantize int8 or int16) is impossible for the model\n"
    "chosen (its family has no such form, or its integer arithmetic would overflow); use\n"
    "quantize auto or float32, or limit the search to families with an integer form.",
    "E0505": "The signal front end alone (its ring buffer, window and tables, with one feature) does\n"
    "not fit a target's flash or RAM, so no model can sit beside it; shorten the window, use\n"
    "fewer channels, or raise the target's limits.",
    "E0506": "The search could not evaluate any candidate: every one failed or the budget ran out\n"
    "before one finished. The message lists why; give a larger budget, or check the data.",
    "E0507": "The study storage of a shared search (--storage, `tinyc worker`, `tinyc study`) cannot be\n"
    "used: unreachable, refused, wrong credentials, its driver missing (pip install 'tinyc[postgres]'),\n"
    "no such study, or a study of another build. The message names the storage without its password.",
    "E0508": "A model cannot be rebuilt without a search (tinyc build --from-report / --from-trial):\n"
    "more than one spec or --storage given, the report has no recipe (an anomaly detector's, or from an older tinyc), its data file\n"
    "differs from this one, its model reads features this spec does not give, or the study has\n"
    "no such trial (or the trial failed).",
    "E0509": "The model is not clearly better than the trivial baseline (the training rows' majority\n"
    "class, their mean, or a random anomaly score) on the same holdout: it takes less than a fifth\n"
    "of the room between the baseline and a perfect score, or leads it by less than two standard\n"
    "errors of its cross-validated metric (tinyc.quality). The message names the binding limit\n"
    "(flash, RAM, the signal window's RAM) and what the search reached beyond it, or says whether\n"
    "the model is too small to learn or overfits. `allow weak` in the spec ships it anyway.",
    "E0601": "The output folder is not tinyc's to write: it holds files tinyc did not write, is the\n"
    "spec's or the data's folder, the current folder or above it, or your home folder. tinyc\n"
    "writes only into a new or empty folder or an earlier build of its own (--force keeps\n"
    "your files there).",
    "E0701": "Verification could not run or found a mismatch: a build folder without its report or\n"
    "model, a toolchain or emulator missing, or the C library disagreeing with the model.",
    "E0702": "A build folder's report.json or manifest.json is missing, unreadable, does not match\n"
    "its schema (tinyc.artifacts; the message names the field), or was written by a newer tinyc\n"
    "(its schema_version is above what this one reads): use the tinyc that built it (manifest.json\n"
    "names its version) or rebuild the folder.",
}
