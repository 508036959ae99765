"""A target's cost profile: the measured figures that turn a model's, a front end's and a
detector's units of work into code bytes and instructions on one core.

Profiles are data, one JSON file per target (tinyc_backends/profiles/<target>.json, or a path a
plugin backend gives), written by `tinyc calibrate TARGET` or carried over from measurements. A
backend names its profile in ``Caps.profile``. Sections:

- ``instructions``: per numeric form (float32, int8, int16), instructions per unit of work of a
  model's prediction (tinyc.models.costs.instructions);
- ``code_bytes``: code bytes per family:task:form[:tanh][:binary], fitted from linked images (calibrated
  targets; tinyc.models.costs.calibrated_code);
- ``stack``: the deepest stack of a model's prediction (its entry point and callees, GCC's
  stack usage) per family:task:form[:tanh][:blocked][:binary], the largest over the calibration
  corpus (tinyc.models.costs.calibrated_code; STACK_BYTES where it has none);
- ``model_code``: the built-in code-size model (Family.code_size): a float kernel's bytes per
  family, the classifier's entry point, the soft-float routines a core without FPU links, tanh;
- ``frontend``: the signal front end's code bytes and instructions per unit (tinyc.signal.cost);
- ``device``: the code of a device's raw-reading input (tinyc.codegen.c_device);
- ``detector``: an anomaly detector's code bytes and instructions per unit (models.anomaly_cost).

A profile may name a ``base`` profile whose tables it takes for the sections it lacks (the file
says which, and why, in ``source``); what describes the file itself (its target, toolchain,
emulator, source and fit errors) is never inherited.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from ..errors import TinycError

TABLES = ("instructions", "code_bytes", "stack", "model_code", "frontend", "device", "detector")
# the profile a core gets when its backend names none (a plugin that declares new Caps)
DEFAULT = {"none": "cortex-m3", "single": "cortex-m4", "double": "cortex-m4"}


class ProfileError(TinycError):
    """A profile that is missing, malformed, or lacks a table a cost needs."""


def read(name: str) -> dict:
    """The profile file ``name`` as it is (no base merged in): a path, or a target's name looked up
    in the folders of $TINYC_PROFILE_PATH first (e.g. freshly calibrated profiles to try), then
    among the packaged ones."""
    folders = [Path(d) for d in os.environ.get("TINYC_PROFILE_PATH", "").split(os.pathsep) if d]
    found = next((d / f"{name}.json" for d in folders if (d / f"{name}.json").is_file()), None)
    if name.endswith(".json") or "/" in name or found is not None:
        path = found or Path(name)
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    else:
        from importlib import resources

        try:
            text = resources.files("tinyc_backends").joinpath("profiles", f"{name}.json").read_text(encoding="utf-8")
        except (FileNotFoundError, ModuleNotFoundError, OSError):
            text = None
    if text is None:
        raise ProfileError(f"no cost profile {name!r} (a file under tinyc_backends/profiles/ or a path)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ProfileError(f"cost profile {name!r} is not valid JSON: {e}") from None


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The profile ``name`` (a target's name or a path), with its base's tables for the sections
    it lacks; ``inherited`` lists those, ``name`` is what was asked for."""
    own = read(name)
    out = dict(own, name=name, inherited=[])
    if own.get("base"):
        base = load(own["base"])
        for section in TABLES:
            if section not in own and section in base:
                out[section] = base[section]
                out["inherited"].append(section)
    return out


def name_of(caps) -> str:
    return getattr(caps, "profile", None) or DEFAULT.get(getattr(caps, "fpu", "none"), "cortex-m3")


def of(caps) -> dict:
    """The cost profile of a core (its Caps)."""
    return load(name_of(caps))


def table(caps, *keys: str):
    """The profile's entry at ``keys`` (e.g. "frontend", "code"); a clear error when it has none."""
    node = of(caps)
    for i, key in enumerate(keys):
        if not isinstance(node, dict) or key not in node:
            raise ProfileError(f"cost profile {name_of(caps)!r} has no {'.'.join(keys[:i + 1])} figures: "
                               f"give the target a profile that has them (`tinyc calibrate`, or a base profile)")
        node = node[key]
    return node

