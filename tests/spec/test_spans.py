"""Every IR node points back at the text it came from."""
import dataclasses
from pathlib import Path

from tinyc.spec import parse
from tinyc.spec.ir import Node

SRC = (Path(__file__).parent / "ok" / "full.tml").read_text()


def _nodes(obj):
    if isinstance(obj, Node):
        yield obj
        for f in dataclasses.fields(obj):
            yield from _nodes(getattr(obj, f.name))
    elif isinstance(obj, list):
        for x in obj:
            yield from _nodes(x)


def test_every_written_node_has_a_span_that_covers_its_text():
    spec = parse(SRC, "full.tml")
    nodes = [n for n in _nodes(spec) if n is not spec]
    assert len(nodes) > 40
    for n in nodes:
        assert n.span is not None, n
        text = SRC[n.span.start:n.span.end]
        assert text.strip(), n
        line = SRC.split("\n")[n.span.line - 1]
        assert line[n.span.column - 1:].startswith(text.split("\n")[0])


def test_spans_of_values_are_exact():
    spec = parse(SRC, "full.tml")
    at = lambda node: SRC[node.span.start:node.span.end]  # noqa: E731
    assert at(spec.model) == "segments"
    assert at(spec.task) == "classification"
    assert at(spec.budget) == "2m" and spec.budget.value == 120.0
    assert at(spec.targets[1].flash) == "0.5MB" and spec.targets[1].flash.value == 512 * 1024
    assert at(spec.targets[1].ram) == "64KiB" and spec.targets[1].ram.value == 65536
    assert at(spec.data.ignore[1]) == '"region_centroid_row"' and spec.data.ignore[1].value == "region_centroid_row"
    assert at(spec.targets[0]).startswith("target cortex-m0 {") and at(spec.targets[0]).endswith("}")
    tree = spec.search.configs[0]
    assert at(tree.params[0].value) == "2..8"
    assert (tree.params[0].value.kind, [v.value for v in tree.params[0].value.values]) == ("range", [2, 8])
    forest = spec.search.configs[1]
    assert forest.params[0].value.kind == "choice" and [v.value for v in forest.params[0].value.values] == [4, 8, 16]
