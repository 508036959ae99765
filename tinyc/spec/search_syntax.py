"""The search block's statements, tree → IR: the part of the spec's transformer
(:class:`tinyc.spec.parser._Builder`, which mixes this class in) for `search { ... }`: the trial
count, the families listed, and per family its hyperparameters fixed, bounded or listed."""
from __future__ import annotations

import re

from lark import v_args

from .ir import FamilyConfig, Located, Param, ParamValue, Scalar, Search, Span
from .syntax import span_of_meta, span_of_token, split_quantity
from .vocab import SWITCHES


class SearchStatements:
    """Transformer methods of the search block; the host class provides ``error``, ``_duplicate``
    and ``_whole``."""

    @v_args(meta=True)
    def search_stmt(self, meta, children):
        families = None
        families_span = None
        once: dict = {}  # statements that may appear once: trials and the switches
        configs: list[FamilyConfig] = []
        seen: dict[str, Span] = {}
        for item in children:
            if isinstance(item, tuple) and item[0] in ("trials", *SWITCHES):
                key, span, value = item
                if key in once:
                    self._duplicate(f"'{key}'", span, once[key].span)
                elif value is not None:
                    once[key] = value
                continue
            if isinstance(item, FamilyConfig):
                prev = seen.get(item.family.value)
                if prev is not None:
                    self._duplicate(f"family block '{item.family.value}'", item.family.span, prev)
                    continue
                seen[item.family.value] = item.family.span
                configs.append(item)
            else:
                _, span, fams = item
                if families is not None:
                    self._duplicate("'families'", span, families_span)
                    continue
                families, families_span = fams, span
        return ("search", span_of_meta(meta),
                Search(families=families, families_span=families_span, trials=once.get("trials"), configs=configs,
                       grow=once.get("grow"), prune=once.get("prune"),
                       distill=once.get("distill"),
                       qat=once.get("qat"), select=once.get("select"), span=span_of_meta(meta)))

    @v_args(meta=True)
    def trials_stmt(self, meta, children):
        return ("trials", span_of_meta(meta), self._whole(children[0], "trials", 1, 1_000_000, "e.g. trials 50"))

    @v_args(meta=True)
    def switch_stmt(self, meta, children):
        name, word = children
        key = str(name)
        if word.value not in ("on", "off"):
            self.error("E0112", f"{key} is 'on' or 'off', not '{word.value}'", word.span, hint=SWITCHES[key])
            return (key, span_of_meta(meta), None)
        return (key, span_of_meta(meta), Located(value=word.value == "on", span=span_of_meta(meta)))

    @v_args(meta=True)
    def families_stmt(self, meta, children):
        return ("families", span_of_meta(meta), list(children))

    @v_args(meta=True)
    def family_block(self, meta, children):
        fam, *params = children
        seen: dict[str, Span] = {}
        kept = []
        for p in params:
            if p.name.value in seen:
                self._duplicate(f"parameter '{p.name.value}'", p.name.span, seen[p.name.value])
                continue
            seen[p.name.value] = p.name.span
            kept.append(p)
        return FamilyConfig(family=fam, params=kept, span=span_of_meta(meta))

    @v_args(meta=True)
    def param(self, meta, children):
        name, value = children
        if not isinstance(value, ParamValue):
            value = ParamValue(kind="fixed", values=[self._scalar(value)], span=value.span)
        return Param(name=name, value=value, span=span_of_meta(meta))

    def number(self, children):
        (tok,) = children
        number, unit = split_quantity(tok)
        span = span_of_token(tok)
        if unit:
            self.error("E0110", f"hyperparameters take plain numbers, found unit '{unit}' in '{tok}'", span,
                       hint=f"write {number}")
        is_int = re.fullmatch(r"[+-]?\d+", number) is not None
        # 1e999 reads as inf: resolve reports it against the hyperparameter's bounds
        return Scalar(value=int(number) if is_int else float(number), span=span)

    def _scalar(self, item) -> Scalar:
        return item if isinstance(item, Scalar) else Scalar(value=item.value, span=item.span)

    @v_args(meta=True)
    def range(self, meta, children):
        return ParamValue(kind="range", values=[self._scalar(c) for c in children], span=span_of_meta(meta))

    @v_args(meta=True)
    def choice(self, meta, children):
        return ParamValue(kind="choice", values=[self._scalar(c) for c in children], span=span_of_meta(meta))
