"""What the benchmark scripts share: the spec they build for a data set."""
from __future__ import annotations


def classification_spec(name: str, csv, label: str, budget: float, targets: dict[str, tuple[str, str]]) -> str:
    """A spec for ``csv`` with a 20% holdout, accuracy as the metric, seed 0 and
    ``targets`` = {target: (flash, ram)}."""
    blocks = "".join(f"target {t} {{\n  flash {flash}\n  ram {ram}\n}}\n" for t, (flash, ram) in targets.items())
    return (f'model {name}\ndata "{csv}" {{\n  label {label}\n  holdout 20%\n}}\ntask classification\n'
            f"metric accuracy\nbudget {budget}s\nseed 0\n{blocks}")
