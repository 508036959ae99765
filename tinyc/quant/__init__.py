"""Post-training integer quantization (int8 / int16) of trained models.

``quantize(model, mode, X)`` turns a float32 :class:`~tinyc.models.Model` into an
integer one calibrated on ``X`` (the training rows). The integer model keeps
the same family and task; its ``arrays`` hold what the C stores, its
``qinfo`` the modes and scales, and its golden inference computes, with
numpy integers, exactly what the generated C computes (bit for bit):

- every model first maps each float feature to an integer code with an affine
  map per feature (:mod:`.inputs`); the integer entry points of the generated
  library take these codes directly;
- dense models (linear, MLP: :mod:`.dense`) use per-output-channel symmetric
  weights, int32 (int8 mode) or int64 (int16 mode) accumulators and
  requantization by an integer multiplier and shift (:mod:`.fixedpoint`);
- trees and ensembles (:mod:`.trees`) compare codes with thresholds stored as
  codes, and sum integer leaf values;
- centroid models (:mod:`.centroid`) sum int16-weighted squared code distances.

A model whose integer form would overflow raises :class:`NotQuantizable`.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import NotQuantizable

INTEGER_MODES = ("int8", "int16")


def quantize(model, mode: str, X: np.ndarray):
    """The integer form of ``model`` in ``mode`` ("int8" or "int16"), calibrated on ``X``: its
    family's (tinyc.models.forms; a family without one raises NotQuantizable)."""
    from ..models.base import FAMILY_REGISTRY

    if mode not in INTEGER_MODES:
        raise ValueError(mode)
    if model.qinfo:
        raise ValueError("the model is already an integer model")
    return FAMILY_REGISTRY[model.family].quantize(model, mode, np.asarray(X, dtype=np.float32))


__all__ = ["INTEGER_MODES", "NotQuantizable", "quantize"]
