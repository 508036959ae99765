"""A target block's statements, tree → IR: the part of the spec's transformer
(:class:`tinyc.spec.parser._Builder`, which mixes this class in) for `target NAME { ... }`: its
limits (flash, ram, clock, latency) and, for a target that reads its sensor itself, where each
input of a feature table comes from (`read`, `supply`, `inputs`)."""
from __future__ import annotations

from lark import Token, v_args

from . import vocab
from .ir import InputRead, InputSupply, Located, Target
from .syntax import span_of_meta, span_of_token


class TargetStatements:
    """Transformer methods of a target block; the host class provides ``error``, ``_collect`` and
    ``_positive``."""

    @v_args(meta=True)
    def target_stmt(self, meta, children):
        name = children[0]
        body = children[1] if len(children) > 1 else []
        repeated = {"reads": [i for k, _, i in body if k == "reads" and i is not None],
                    "supplies": [i for k, _, i in body if k == "supplies" and i is not None]}
        fields = self._collect([b for b in body if b[0] not in repeated], f"target {name.value}")
        return ("target", span_of_meta(meta), Target(name=name, span=span_of_meta(meta), **fields, **repeated))

    def target_body(self, children):
        return children

    def _size(self, meta, children, key):
        return (key, span_of_meta(meta), self._positive(children[0], vocab.SIZE_UNITS, "size", "KB", key,
                                                        most=vocab.MOST["size"]))

    @v_args(meta=True)
    def flash_stmt(self, meta, children):
        return self._size(meta, children, "flash")

    @v_args(meta=True)
    def ram_stmt(self, meta, children):
        return self._size(meta, children, "ram")

    @v_args(meta=True)
    def clock_stmt(self, meta, children):
        return ("clock", span_of_meta(meta), self._positive(children[0], vocab.CLOCK_UNITS, "clock", "MHz", "clock",
                                                            most=vocab.MOST["clock"]))

    @v_args(meta=True)
    def latency_stmt(self, meta, children):
        return ("latency", span_of_meta(meta), self._positive(children[0], vocab.LATENCY_UNITS, "latency", "ms",
                                                              "latency", most=vocab.MOST["latency"]))

    @v_args(meta=True)
    def read_stmt(self, meta, children):
        names = [c for c in children if isinstance(c, Located)]
        registers = next(c for c in children if isinstance(c, list))
        unit = next(Located[str](value=str(c), span=span_of_token(c)) for c in children if isinstance(c, Token))
        return ("reads", span_of_meta(meta), InputRead(features=names, registers=registers, unit=unit,
                                                       span=span_of_meta(meta)))

    def registers(self, children):
        return [Located[str](value=str(t), span=span_of_token(t)) for t in children]

    @v_args(meta=True)
    def supply_stmt(self, meta, children):
        unit = None
        if children and isinstance(children[-1], Token):
            tok = children.pop()
            unit = Located[str](value=str(tok).strip('"'), span=span_of_token(tok))
        return ("supplies", span_of_meta(meta), InputSupply(features=children, unit=unit, span=span_of_meta(meta)))

    @v_args(meta=True)
    def inputs_stmt(self, meta, children):
        loc = children[0]
        if loc.value not in ("strict", "notice"):
            self.error("E0112", f"inputs '{loc.value}' is not a choice here", loc.span,
                       hint="inputs strict (an input declared neither by read nor by supply stops the build) "
                            "or inputs notice (the default: the build says which inputs the integrator supplies)")
            return ("inputs", span_of_meta(meta), None)
        return ("inputs", span_of_meta(meta), loc)
