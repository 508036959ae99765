"""The spec checker's search checks: the families listed and their settings against each family's
hyperparameters and bounds (tinyc.spec.vocab, installed families included)."""
from __future__ import annotations

from . import vocab
from .diagnostics import Note, suggestion
from .ir import Scalar


class SearchChecks:
    """Mixed into the checker (tinyc.spec.resolve): it provides ``spec`` and ``error``."""

    def search(self):
        s = self.spec.search
        if s is None:
            return
        task = self.spec.task.value if self.spec.task else None
        names = list(vocab.FAMILIES)
        listed = set()
        for fam in s.families or []:
            spec = vocab.family(fam.value)
            if spec is None:
                self.error("E0206", vocab.family_load_error(fam.value) or f"unknown model family '{fam.value}'",
                           fam.span, hint=suggestion(fam.value, names, "families"))
            elif task is not None and task not in spec.tasks:
                self.error("E0206", f"model family '{fam.value}' does not do {task.value}", fam.span,
                           hint=f"families for {task.value}: "
                                + ", ".join(n for n, f in vocab.FAMILIES.items() if task in f.tasks))
            listed.add(fam.value)
        for cfg in s.configs:
            fam = cfg.family.value
            spec = vocab.family(fam)
            if spec is None:
                self.error("E0206", vocab.family_load_error(fam) or f"unknown model family '{fam}'",
                           cfg.family.span, hint=suggestion(fam, names, "families"))
                continue
            if s.families is not None and fam not in listed:
                self.error("E0206", f"settings for family '{fam}', which the families list leaves out",
                           cfg.family.span, hint=f"add '{fam}' to the families list or remove this block",
                           notes=[Note("families listed here", s.families_span)])
            for p in cfg.params:
                self._param(fam, spec, p)

    def _param(self, fam, spec, p):
        ps = spec.params.get(p.name.value)
        if ps is None:
            self.error("E0206", f"family '{fam}' has no hyperparameter '{p.name.value}'", p.name.span,
                       hint=suggestion(p.name.value, list(spec.params), "hyperparameters"))
            return
        v = p.value
        if ps.kind == "choice":
            if v.kind == "range":
                self.error("E0206", f"'{p.name.value}' takes one of {', '.join(ps.choices)}, not a range", v.span)
                return
            for sc in v.values:
                if sc.value not in ps.choices:
                    self.error("E0206", f"'{sc.value}' is not a value of '{p.name.value}'", sc.span,
                               hint=suggestion(str(sc.value), list(ps.choices), "values"))
            return
        for sc in v.values:
            if not self._number_ok(p.name.value, ps, sc):
                return
        if v.kind == "range" and v.values[0].value > v.values[1].value:
            self.error("E0206", f"range {v.values[0].value}..{v.values[1].value} is empty (low end above high end)",
                       v.span, hint=f"write {v.values[1].value}..{v.values[0].value}")

    def _number_ok(self, name: str, ps, sc: Scalar) -> bool:
        val = sc.value
        if isinstance(val, str) or (ps.kind == "int" and not isinstance(val, int)):
            kind = "a whole number" if ps.kind == "int" else "a number"
            self.error("E0206", f"'{name}' takes {kind}, got '{val}'", sc.span)
            return False
        if not ps.low <= val <= ps.high:
            self.error("E0206", f"'{name}' must be between {ps.low:g} and {ps.high:g}, got {val}", sc.span)
            return False
        return True

    # ---------------------------------------------------------------------
