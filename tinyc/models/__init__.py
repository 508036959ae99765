"""Model families: one module each, registered by name."""
from . import centroid, detectors, forest, gbt, linear, mlp, tree  # noqa: F401  (registers the families)
from .base import FAMILY_REGISTRY, Cost, Family, Limits, Model, Problem


__all__ = ["FAMILY_REGISTRY", "Cost", "Family", "Limits", "Model", "Problem"]
