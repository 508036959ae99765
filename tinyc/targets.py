"""The backend registry: every target comes from the ``tinyc.backends``
entry-point group, built-in and third-party alike.

A plugin that fails to import breaks only its own target: the failure is kept
and reported when that target is used (and by ``tinyc targets``). Two
distributions registering the same target name are refused with a clear
message rather than one silently shadowing the other. ``tools`` says what a target has on this
machine (toolchain, emulator, cost profile), for `tinyc targets`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import entry_points

GROUP = "tinyc.backends"


@dataclass(frozen=True)
class TargetEntry:
    name: str
    package: str
    version: str
    backend: object | None  # a Backend instance, or None when it failed to load
    error: str | None = None


def _dist(ep) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    return (dist.metadata["Name"], dist.version) if dist is not None else ("?", "?")


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, TargetEntry]:
    found: dict[str, TargetEntry] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        package, version = _dist(ep)
        if ep.name in found and found[ep.name].package != package:
            prev = found[ep.name]
            found[ep.name] = TargetEntry(
                ep.name, package, version, None,
                f"target '{ep.name}' is registered by both {prev.package} and {package}; uninstall one of them")
            continue
        try:
            cls = ep.load()
            backend = cls()
            if getattr(backend, "name", None) != ep.name:
                raise TypeError(f"entry point '{ep.name}' loads a backend named '{getattr(backend, 'name', None)}'")
            found[ep.name] = TargetEntry(ep.name, package, version, backend)
        except Exception as e:  # a broken plugin must not break the other targets
            found[ep.name] = TargetEntry(ep.name, package, version, None,
                                         f"backend '{ep.name}' from {package} failed to load: {type(e).__name__}: {e}")
    return found


def names() -> list[str]:
    return sorted(registry())


def get(name: str):
    """The backend for ``name``. Raises KeyError when unknown and RuntimeError
    with the load failure when the plugin is broken."""
    entry = registry()[name]
    if entry.backend is None:
        raise RuntimeError(entry.error)
    return entry.backend


def tools(backend) -> dict:
    """What ``tinyc targets`` says of a target's tools here: its toolchain and emulator found,
    missing or none, and its cost profile (which file, the fit's median errors where calibrated,
    what it takes from a base profile, and why it is not calibrated when it is not)."""
    from .models import profile

    def state(tool) -> str:
        return "none" if tool is None else "found" if tool.available() else "missing"

    try:
        p = profile.of(backend.caps)
    except profile.ProfileError as e:
        return {"toolchain": state(backend.toolchain), "emulator": state(backend.emulator), "profile": f"BROKEN: {e}"}
    errors = [f"{form} {e['median']:.1%}" for form, e in sorted(p.get("fit_error", {}).items())
              if "median" in e and form in ("float32", "int8", "int16")]
    prof = p["name"]
    if errors:
        code = f"; code bytes {p['code_bytes_error']['median']:.1%}" if "code_bytes_error" in p else ""
        prof += f", calibrated (median error of instructions {', '.join(errors)}{code})"
    if set(p["inherited"]) == set(profile.TABLES):
        prof += f": the tables of {p['base']}"
    elif p["inherited"]:
        prof += f"; {', '.join(p['inherited'][:-1])} and {p['inherited'][-1]} from {p['base']}"
    if backend.uncalibrated:
        prof += f"; uncalibrated: {backend.uncalibrated}"
    return {"toolchain": state(backend.toolchain), "emulator": state(backend.emulator), "profile": prof}


def listing(as_json: bool = False) -> str:
    """`tinyc targets`: every installed target with its package, core, tools and profile (or why it
    is broken); as JSON rows with ``as_json``."""
    import json

    reg = registry()
    if as_json:
        rows = []
        for name, e in sorted(reg.items()):
            caps = e.backend.caps.__dict__ if e.backend is not None else None
            rows.append({"name": name, "package": e.package, "version": e.version,
                         "description": getattr(e.backend, "description", None), "caps": caps, "error": e.error,
                         **(tools(e.backend) if e.backend is not None else {})})
        return json.dumps(rows, indent=2)
    width = max((len(n) for n in reg), default=6)
    lines = []
    for name, e in sorted(reg.items()):
        if e.backend is None:
            lines.append(f"{name:<{width}}  BROKEN  {e.error}")
            continue
        c = e.backend.caps
        fpu = {"none": "no FPU", "single": "FPU sp", "double": "FPU dp"}[c.fpu]
        t = tools(e.backend)
        where = (f"toolchain {t['toolchain']}, emulator {t['emulator']}, profile {t['profile']}"
                 if name != "host" else "the host's cc")
        lines.append(f"{name:<{width}}  {e.package} {e.version}  [{fpu}{', DSP' if c.dsp else ''}, "
                     f"{c.clock_hz / 1e6:g} MHz]  {e.backend.description}\n{'':<{width}}  {where}")
    return "\n".join(lines)

