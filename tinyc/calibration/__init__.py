"""`tinyc calibrate TARGET`: fit a target's cost profile from what its toolchain links and its
emulator counts.

Three fixed, seeded corpora are emitted for the target, linked with its toolchain and counted
under its emulator: models of every family and form (calibration.models: the ``instructions``
per unit of work of each form and the ``code_bytes`` of each family, task and form), signal
front ends (calibration.signal: ``frontend``) and anomaly detectors (calibration.detectors:
``detector``). Units of work are related to the counts by non-negative least squares
(calibration.fit). The result is the target's profile (tinyc.models.profile) with those
sections replaced, the toolchain and emulator it was fitted with, and each fit's error (median
and worst relative error, and how many corpus entries); what calibration does not fit (the
code-size model of families it has no code bytes for, the device input, the profile's base and
source) is kept as the target's profile file has it. Running it twice gives the same file.
"""
from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path


def calibrate(target: str, on_line=print) -> dict:
    """Measure the corpora on ``target`` and fit its profile (see the module docstring)."""
    from .. import emulator
    from .. import targets as registry
    from ..errors import TinycError
    from ..models import profile
    from . import detectors, models, routines, signal

    if target not in registry.names():
        from ..spec.diagnostics import did_you_mean

        close = did_you_mean(target, registry.names())
        raise TinycError(f"unknown target '{target}'", hint=(f"did you mean '{close}'? " if close else "")
                         + "`tinyc targets` lists the installed ones")
    why = emulator.available(target)
    if why:
        raise TinycError(f"cannot calibrate {target}: {why}", hint="calibration counts instructions under the "
                                                                   "target's emulator")
    backend = copy.copy(registry.get(target))
    kept = current(backend)
    if not kept:  # a new target: measured against the default profile of its kind of core
        kept = {"base": profile.DEFAULT[backend.caps.fpu]}
        backend.caps = replace(backend.caps, profile=kept["base"])
        on_line(f"{target} has no profile yet: the figures calibration does not fit come from {kept['base']}")
    with tempfile.TemporaryDirectory() as tmp:
        model_code = dict(profile.of(backend.caps)["model_code"])
        if backend.caps.fpu == "none":  # the soft-float routines a model or front end may pull in
            model_code.update(routines.soft_float(backend, Path(tmp)))
            on_line(f"soft-float routines: {model_code['soft_float']}, an integer model's float value "
                    f"{model_code['int_value_soft']} B")
            # the fits below take these routines' bytes off what they measure: this run's, not the
            # profile file's (so that the result does not depend on the profile calibrated before)
            backend.caps = replace(backend.caps, profile=_staged(Path(tmp), backend.caps, model_code))
        fitted, errors = models.calibrate(backend, target, Path(tmp), on_line)
        frontend, device, fe_errors = signal.calibrate(backend, target, Path(tmp), on_line)
        detector, det_errors = detectors.calibrate(backend, target, Path(tmp), on_line)
    version = subprocess.run([backend.toolchain.gcc, "--version"], capture_output=True, text=True).stdout
    return {**kept, **fitted, "target": target, "source": source(target, kept, backend.caps.fpu == "none"),
            "frontend": {**kept.get("frontend", {}), **frontend}, "device": device, "model_code": model_code,
            "detector": detector, "fit_error": {**errors, **fe_errors, **det_errors},
            "toolchain": version.splitlines()[0] if version else "",
            "emulator": f"{backend.emulator.qemu} -M {backend.emulator.machine}"}


def _staged(tmp: Path, caps, model_code: dict) -> str:
    """A path to the target's profile as it is with ``model_code`` in place of its own (its base
    resolved as before)."""
    from ..models import profile

    staged = {**profile.read(profile.name_of(caps)), "model_code": model_code}
    path = tmp / "staged-profile" / f"{profile.name_of(caps)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(staged), encoding="utf-8")
    return str(path)


def source(target: str, kept: dict, soft: bool) -> str:
    """What the calibrated profile says of where its figures come from."""
    said = f"`tinyc calibrate {target}`: instructions, code_bytes, tree_branches, stack, frontend, device, detector"
    said += " and model_code's soft-float figures; the rest of model_code" if soft else "; model_code"
    said += (" (a float kernel per family, entry points, tanh, what integer kernels take from libgcc: the "
             "figures for what code_bytes does not list)")
    return said + (f" from {kept['base']} (an assumption)" if kept.get("base") else " as measured by hand before")


def current(backend) -> dict:
    """The target's profile file as it is (without its base's tables): what calibration keeps of
    it (the sections it does not fit, its base, its source), or nothing."""
    from ..models import profile

    try:
        return profile.read(profile.name_of(backend.caps)) if backend.caps.profile else {}
    except profile.ProfileError:
        return {}


def write(profile: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(profile, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def error_lines(profile: dict) -> list[str]:
    """Each fit's relative error, a line per form (what `tinyc calibrate` prints)."""
    lines = []
    for form, err in [*profile["fit_error"].items(), ("code", profile["code_bytes_error"])]:
        what = "flash" if form.endswith("code") else "instructions"
        lines.append(f"{form:<21} {err['models']:>3} models  {what}: relative error median {err['median']:.1%}, "
                     f"worst {err['worst']:.1%}")
    return lines
