"""What the benchmark scripts share: the spec they build for a data set, the provenance of the
libraries they emit, and how each replaces its section of benchmarks/RESULTS.md."""
from __future__ import annotations

from pathlib import Path

from tinyc.codegen.library import Provenance

# what every library a benchmark emits says it came from (the scripts put the project on sys.path first)
PROV = Provenance("bench", "bench.tml", "0" * 64, "0" * 64, "bench")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(begin: str, end: str, section: str, results: Path = RESULTS) -> None:
    """Put ``section`` (which starts with ``begin`` and ends with ``end``) in place of the one between
    those markers in ``results``, or append it."""
    text = results.read_text(encoding="utf-8")
    if begin in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text, encoding="utf-8")


def classification_spec(name: str, csv, label: str, budget: float, targets: dict[str, tuple[str, str]]) -> str:
    """A spec for ``csv`` with a 20% holdout, accuracy as the metric, seed 0 and
    ``targets`` = {target: (flash, ram)}."""
    blocks = "".join(f"target {t} {{\n  flash {flash}\n  ram {ram}\n}}\n" for t, (flash, ram) in targets.items())
    return (f'model {name}\ndata "{csv}" {{\n  label {label}\n  holdout 20%\n}}\ntask classification\n'
            f"metric accuracy\nbudget {budget}s\nseed 0\n{blocks}")
