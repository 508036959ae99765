"""The float32 model as an ONNX graph (``artifacts/model.onnx``), for tools
outside tinyc: input ``x`` (rows × features, float), output ``scores`` (rows ×
outputs, float) — the same scores the golden model and the float C API give.

Dense families become MatMul/Add with Relu or Tanh between layers; trees and
ensembles an ``ai.onnx.ml`` TreeEnsembleRegressor (vote counts for
classification forests and trees, the mean for regression forests, the init
values plus the tree sums for boosted trees); centroid models
``const - sum(w * (x - c)^2)`` with elementwise ops. The graph is written with
the ``onnx`` package's helpers; integer models are exported in their float
form (the integer arithmetic has no faithful ONNX equivalent).
"""
from __future__ import annotations

import numpy as np

from .models import treeutil

OPSET = 17
ML_OPSET = 3


def to_onnx(model, features, name: str) -> bytes:
    from onnx import TensorProto, helper

    from .models.base import FAMILY_REGISTRY

    d = model.n_features
    k = int(model.scores(np.zeros((1, d), dtype=np.float32)).shape[1])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, d])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, k])
    nodes, inits = [], []
    FAMILY_REGISTRY[model.family].onnx_graph(model, nodes, inits)
    graph = helper.make_graph(nodes, name, [x], [y], inits,
                              doc_string="features: " + ", ".join(features))
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="tinyc")
    m.ir_version = 8
    return m.SerializeToString()


def _const(inits, name: str, value) -> str:
    from onnx import numpy_helper

    inits.append(numpy_helper.from_array(np.asarray(value), name))
    return name


def dense(model, nodes, inits) -> None:
    from onnx import helper

    n = len([key for key in model.arrays if key.startswith("W")])
    act = model.params.get("activation", "relu")
    src = "x"
    for i in range(n):
        W, b = model.arrays[f"W{i}"], model.arrays[f"b{i}"]
        wt = _const(inits, f"W{i}", W.T.astype(np.float32))
        bt = _const(inits, f"b{i}", b.astype(np.float32))
        nodes.append(helper.make_node("MatMul", [src, wt], [f"mm{i}"]))
        out = "scores" if i == n - 1 else f"z{i}"
        nodes.append(helper.make_node("Add", [f"mm{i}", bt], [out]))
        if i < n - 1:
            nodes.append(helper.make_node("Relu" if act == "relu" else "Tanh", [out], [f"h{i}"]))
            src = f"h{i}"


def centroid(model, nodes, inits) -> None:
    from onnx import helper

    a = model.arrays
    nodes += [
        helper.make_node("Unsqueeze", ["x", _const(inits, "axis1", np.array([1], dtype=np.int64))], ["x3"]),
        helper.make_node("Sub", ["x3", _const(inits, "centers", a["centers"][None].astype(np.float32))], ["diff"]),
        helper.make_node("Mul", ["diff", "diff"], ["sq"]),
        helper.make_node("Mul", ["sq", _const(inits, "weights", a["weights"][None].astype(np.float32))], ["wsq"]),
        helper.make_node("ReduceSum", ["wsq", _const(inits, "axis2", np.array([2], dtype=np.int64))], ["dist"],
                         keepdims=0),
        helper.make_node("Sub", [_const(inits, "const", a["const"][None].astype(np.float32)), "dist"], ["scores"]),
    ]


def trees(model, nodes) -> None:
    """One TreeEnsembleRegressor: every tree's nodes with local ids, leaves carrying
    their contribution to each output."""
    from onnx import helper

    a = model.arrays
    votes = treeutil.votes(model)
    k = model.classes if votes else (len(a["init"]) if "init" in a else 1)
    att = {key: [] for key in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_values",
                               "nodes_truenodeids", "nodes_falsenodeids", "target_treeids", "target_nodeids",
                               "target_ids", "target_weights")}
    for t, root in enumerate(a["roots"]):
        ids: dict[int, int] = {}
        order = []
        stack = [int(root)]
        while stack:  # local ids in depth-first order
            ref = stack.pop()
            ids[ref] = len(order)
            order.append(ref)
            if ref >= 0:
                stack.append(int(a["right"][ref]))
                stack.append(int(a["left"][ref]))
        for ref in order:
            att["nodes_treeids"].append(t)
            att["nodes_nodeids"].append(ids[ref])
            if ref >= 0:
                att["nodes_featureids"].append(int(a["feature"][ref]))
                att["nodes_modes"].append("BRANCH_LEQ")
                att["nodes_values"].append(float(a["threshold"][ref]))
                att["nodes_truenodeids"].append(ids[int(a["left"][ref])])
                att["nodes_falsenodeids"].append(ids[int(a["right"][ref])])
                continue
            att["nodes_featureids"].append(0)
            att["nodes_modes"].append("LEAF")
            att["nodes_values"].append(0.0)
            att["nodes_truenodeids"].append(0)
            att["nodes_falsenodeids"].append(0)
            leaf = a["leaf"][-ref - 1]
            att["target_treeids"].append(t)
            att["target_nodeids"].append(ids[ref])
            if votes:
                att["target_ids"].append(int(leaf))
                att["target_weights"].append(1.0)
            else:
                att["target_ids"].append(int(a["tree_output"][t]) if "tree_output" in a else 0)
                att["target_weights"].append(float(leaf))
    extra = {}
    if treeutil.boosted(model):
        extra["base_values"] = [float(v) for v in a["init"]]
    aggregate = "SUM" if votes or treeutil.boosted(model) else "AVERAGE"
    nodes.append(helper.make_node("TreeEnsembleRegressor", ["x"], ["scores"], domain="ai.onnx.ml", n_targets=k,
                                  aggregate_function=aggregate, post_transform="NONE", **att, **extra))
