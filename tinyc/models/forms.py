"""The forms a family's models take beyond training and golden float inference: the integer form
(tinyc.quant), the C kernels (tinyc.codegen), the ONNX graph (tinyc.onnx_export), the shrinking
steps of the memory-fitting pass, and what the scores mean.

A family inherits the form of its arrays: :class:`DenseForm` (layers of weights: linear, MLP),
:class:`TreeForm` (tree ensembles in treeutil's flat layout: tree, forest, boosted trees) or
:class:`CentroidForm`. A third-party family may inherit one of them when its arrays have that
layout, or implement the methods of :class:`tinyc.models.base.Family` itself.
"""
from __future__ import annotations

import numpy as np

from .treeutil import leaves_per_tree, read_features

SHRINK = 0.75  # each shrinking step keeps about three quarters of what it cuts


class DenseForm:
    onnx_form = True
    int_kind = "dense"

    def quantize(self, model, mode: str, X: np.ndarray):
        from ..quant import dense

        return dense.quantize(model, mode, X)

    def scores_q(self, model, Q: np.ndarray) -> np.ndarray:
        from ..quant import dense

        return dense.scores_q(model, Q)

    def c_kernel(self, model, prefix: str) -> tuple[str, str, int]:
        from ..codegen import c_dense

        return c_dense.emit(model, prefix)

    def c_kernel_q(self, model, prefix: str) -> tuple[str, str, int]:
        from ..codegen import c_quant

        return c_quant.dense(model, prefix)

    def onnx_graph(self, model, nodes: list, inits: list) -> None:
        from .. import onnx_export

        onnx_export.dense(model, nodes, inits)

    def shrink_steps(self, model, params: dict, X, y, problem, seed: int):
        if params.get("hidden", 1) > 1:
            keep = max(1, int(params["hidden"] * SHRINK))
            yield f"narrow hidden layers: {params['hidden']} → {keep} units (retrained)", {**params, "hidden": keep}


class CentroidForm:
    onnx_form = True
    int_kind = "centroid"
    score_name = "log-likelihood-like score"

    def quantize(self, model, mode: str, X: np.ndarray):
        from ..quant import centroid

        return centroid.quantize(model, mode, X)

    def scores_q(self, model, Q: np.ndarray) -> np.ndarray:
        from ..quant import centroid

        return centroid.scores_q(model, Q)

    def c_kernel(self, model, prefix: str) -> tuple[str, str, int]:
        from ..codegen import c_centroid

        return c_centroid.emit(model, prefix)

    def c_kernel_q(self, model, prefix: str) -> tuple[str, str, int]:
        from ..codegen import c_quant

        return c_quant.centroid(model, prefix)

    def onnx_graph(self, model, nodes: list, inits: list) -> None:
        from .. import onnx_export

        onnx_export.centroid(model, nodes, inits)


class TreeForm:
    """Tree ensembles: a vote family's classifier counts its trees' class votes; a boosted one
    (``boosted``) adds each stage's leaf to its output's base score; otherwise the leaves' mean."""

    onnx_form = True
    int_kind = "trees"
    boosted = False
    members = "trees"  # what an ensemble member is called in the shrinking steps

    def quantize(self, model, mode: str, X: np.ndarray):
        from ..quant import trees

        return trees.quantize(model, mode, X)

    def scores_q(self, model, Q: np.ndarray) -> np.ndarray:
        from ..quant import trees

        return trees.scores_q(model, Q)

    def c_kernel(self, model, prefix: str, integer: bool = False) -> tuple[str, str, int]:
        """The walk over node arrays (tinyc.codegen.c_trees), or the trees as code where the forms
        pass gave the model that kernel (tinyc.codegen.c_tree_branches)."""
        from ..codegen import c_tree_branches, c_trees

        emit = c_tree_branches.emit if model.kernel == c_tree_branches.KERNEL else c_trees.emit
        return emit(model, prefix, integer=integer)

    def c_kernel_q(self, model, prefix: str) -> tuple[str, str, int]:
        return self.c_kernel(model, prefix, integer=True)

    def onnx_graph(self, model, nodes: list, inits: list) -> None:
        from .. import onnx_export

        onnx_export.trees(model, nodes)

    def shrink_steps(self, model, params: dict, X, y, problem, seed: int):
        """Fewer leaves per tree (best-first growth keeps the ones that reduce impurity most),
        then fewer ensemble members."""
        leaves = leaves_per_tree(model)
        if leaves > 2:
            keep = max(2, int(leaves * SHRINK))
            yield f"prune trees to at most {keep} leaves (best-first)", {**params, "max_leaves": keep}
        if params["n_estimators"] > 1:
            keep = max(1, int(params["n_estimators"] * SHRINK))
            yield (f"drop ensemble members: {params['n_estimators']} → {keep} {self.members}",
                   {**params, "n_estimators": keep})

    def without_unsplit_features(self, model):
        """(the model on the features its trees split on, their indices), or None when it splits
        on every feature (or is integer: its input maps are per feature)."""
        if model.qinfo is not None:
            return None
        used = sorted({int(f) for f in model.arrays["feature"]})
        if len(used) == model.n_features or not used:
            return None
        from dataclasses import replace

        index = np.full(model.n_features, -1, dtype=np.int32)
        index[used] = np.arange(len(used), dtype=np.int32)
        arrays = {**model.arrays, "feature": index[model.arrays["feature"]].astype(np.int32)}
        return replace(model, arrays=arrays, n_features=len(used)), used


def read_columns(model) -> np.ndarray:
    """The features a model's library reads, and so checks for NaN and infinity: a tree model's
    split features (an integer one's encoded columns, which may be every feature); every feature of
    any other model."""
    from .base import FAMILY_REGISTRY

    if not isinstance(FAMILY_REGISTRY[model.family], TreeForm):
        return np.arange(model.n_features)
    if model.qinfo:
        from ..quant.inputs import columns

        return np.asarray(columns(model))
    return read_features(model.arrays)
