"""The spec checker's input checks: for a target that reads its sensor itself (the ISPU), where
each input of a feature-table model comes from — a raw-data register's reading (`read`), the
integrator's code (`supply`) — and whether an input declared neither way stops the build
(`inputs strict`). No input is ever taken from a register because of its column's name.

    target ispu {
      read acc_x, acc_y, acc_z: ARAW_X, ARAW_Y, ARAW_Z m/s2
      supply ax_mean, ax_std: m/s2
      inputs strict
    }
"""
from __future__ import annotations

from .. import targets as target_registry
from ..data.header import CsvFormat
from . import vocab
from .columns import column_hint
from .diagnostics import Note, listing, suggestion
from .ir import Signal, Target

LISTED = 8  # undeclared inputs an error names at most


def sensor_registers(target_name: str) -> dict[str, str]:
    """The raw-data registers a target reads itself (name → quantity); empty for a target whose
    caller hands the model its inputs."""
    try:
        return dict(getattr(target_registry.get(target_name), "input_registers", {}) or {})
    except (KeyError, RuntimeError):
        return {}


def declared(t: Target) -> dict[str, tuple]:
    """Each declared input: feature → ("register", register, unit) or ("supply", unit)."""
    out: dict[str, tuple] = {}
    for r in t.reads:
        for f, reg in zip(r.features, r.registers):
            out[f.value] = ("register", reg.value, r.unit.value if r.unit else None)
    for s in t.supplies:
        for f in s.features:
            out[f.value] = ("supply", s.unit.value if s.unit else None)
    return out


def undeclared(t: Target, features) -> list[str]:
    """The features of a sensor-reading target's model that no `read` or `supply` declares."""
    known = declared(t)
    return [f for f in features if f not in known]


def notices(resolved) -> list[str]:
    """What `tinyc check` says of a resolved spec's sensor-reading targets whose feature-table inputs
    are not all declared (the build says the same, for the features the model keeps)."""
    s, fmt = resolved.spec, resolved.csv
    if s.signal is not None or fmt is None or s.data is None:
        return []
    d = s.data
    used = {d.label.value if d.label else None, d.group.value if d.group else None, *(x.value for x in d.ignore)}
    features = [c for c in fmt.columns if c not in used]
    out = []
    for t in s.targets:
        missing = undeclared(t, features) if sensor_registers(t.name.value) else []
        if missing:
            out.append(f"target {t.name.value}: {len(missing)} of the model's inputs are declared neither by `read` nor "
                       f"by `supply` ({listing(missing, LISTED)}); a build asks your code for them (tinyc_user_feature in its main.c): "
                       f"declare them in the target block, or write `inputs strict` to make this an error")
    return out


class InputChecks:
    """Mixed into the checker (tinyc.spec.resolve): it provides ``spec`` and ``error``."""

    def target_inputs(self, tgts: list[Target], signal: Signal | None, fmt: CsvFormat | None) -> None:
        features = self._feature_columns(fmt)
        for t in tgts:
            registers = sensor_registers(t.name.value)
            stmts = [*t.reads, *t.supplies, *([t.inputs] if t.inputs else [])]
            here = [Note(f"target {t.name.value} declared here", t.name.span)] if t.name.span else []
            if stmts and not registers:
                self.error("E0207", f"target {t.name.value} takes its inputs from the caller's array: 'read', "
                                    f"'supply' and 'inputs' apply to targets that read their sensor themselves",
                           stmts[0].span, hint="remove them from this target (the ISPU takes them: target ispu)",
                           notes=here)
                continue
            if stmts and signal is not None:
                self.error("E0207", f"with a signal block, target {t.name.value} computes every input from the "
                                    f"channels the device statements declare", stmts[0].span,
                           hint="remove 'read', 'supply' and 'inputs' from the target", notes=here)
                continue
            seen: dict[str, object] = {}
            for r in t.reads:
                self._read(r, registers, seen, features)
            for s in t.supplies:
                for f in s.features:
                    self._feature(f, seen, features)
            if (t.inputs is not None and t.inputs.value == "strict" and signal is None and features is not None
                    and (missing := undeclared(t, features))):
                self.error("E0210", f"target {t.name.value} reads its sensor itself, and {len(missing)} of the "
                                    f"model's inputs {'is' if len(missing) == 1 else 'are'} declared neither by 'read' nor by 'supply': "
                           + listing(missing, LISTED),
                           t.inputs.span,
                           hint=f"say where each comes from: read {missing[0]}: ARAW_X g (a raw-data register, in the "
                                f"data's unit), supply {', '.join(missing[:2])}: <unit> (your code computes them), or a "
                                f"signal block (the sensor computes the features from raw samples)", notes=here)

    def _feature_columns(self, fmt: CsvFormat | None) -> list[str] | None:
        d = self.spec.data
        if fmt is None or d is None:
            return None
        used = {d.label.value if d.label else None, d.group.value if d.group else None, *(x.value for x in d.ignore)}
        return [c for c in fmt.columns if c not in used]

    def _feature(self, loc, seen: dict, features) -> bool:
        if loc.value in seen:
            self.error("E0202", f"input '{loc.value}' is declared twice", loc.span,
                       notes=[Note("first declared here", seen[loc.value])] if seen[loc.value] else ())
            return False
        seen[loc.value] = loc.span
        if features is not None and loc.value not in features:
            self.error("E0302", f"'{loc.value}' is not a feature column of the data file", loc.span,
                       hint=column_hint(loc.value, features))
            return False
        return True

    def _read(self, r, registers: dict[str, str], seen: dict, features) -> None:
        if len(r.registers) != len(r.features):
            self.error("E0111", f"{len(r.features)} features and {len(r.registers)} register{'s' * (len(r.registers) != 1)}: "
                                f"each feature reads one register, in the order written", r.span,
                       hint="e.g. read acc_x, acc_y: ARAW_X, ARAW_Y g")
            return
        quantity = None
        for f, reg in zip(r.features, r.registers):
            self._feature(f, seen, features)
            if reg.value not in registers:
                self.error("E0112", f"'{reg.value}' is not a raw-data register of the sensor", reg.span,
                           hint=suggestion(reg.value, sorted(registers), "registers"))
                continue
            quantity = registers[reg.value]
        if r.unit is None:
            self.error("E0110", "a register's reading needs the data's unit (the counts are converted to it)",
                       r.registers[-1].span, hint=f"e.g. read {r.features[0].value}: {r.registers[0].value} "
                                                  f"{'dps' if quantity == 'angular rate' else 'g'}")
        elif r.unit.value not in vocab.SENSOR_UNITS:
            self.error("E0110", f"unknown sensor unit '{r.unit.value}'", r.unit.span,
                       hint="one of: " + ", ".join(vocab.SENSOR_UNITS))
        elif quantity is not None:
            mixed = {registers[x.value] for x in r.registers if x.value in registers}
            have = vocab.SENSOR_UNITS[r.unit.value][0]
            if len(mixed) > 1 or have != quantity:
                self.error("E0208", f"{r.unit.value} is a unit of {have}; "
                                    f"{' and '.join(sorted(mixed))} registers are read here", r.unit.span,
                           hint=f"one statement per quantity; units of {quantity}: " + ", ".join(
                               u for u, (q, _) in vocab.SENSOR_UNITS.items() if q == quantity))
