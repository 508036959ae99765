"""Trained models of every family on real data, emitted once per session."""

from dataclasses import replace

import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split

from tinyc.codegen.library import Provenance
from tinyc.models import FAMILY_REGISTRY, Problem
from tinyc.models.tree_cost import IF_ELSE
from tinyc.quant import quantize
from tinyc.spec.ir import Task

PARAMS = {
    "linear": {"c": 1.0},
    "tree": {"max_depth": 6, "min_samples_leaf": 2, "max_leaves": 48},
    "forest": {"n_estimators": 8, "max_depth": 6, "max_features": 0.5, "max_leaves": 40},
    "gbt": {"n_estimators": 20, "max_depth": 2, "learning_rate": 0.3, "max_leaves": 4},
    "mlp": {"layers": 2, "hidden": 12, "alpha": 1e-2, "activation": "relu"},
    "mlp_tanh": {"layers": 1, "hidden": 10, "alpha": 1e-2, "activation": "tanh"},
    "centroid": {"kind": "gaussian"},
    "centroid_nearest": {"kind": "nearest"},
}

DATASETS = {
    "wine": (datasets.load_wine, Task.classification),
    "cancer": (datasets.load_breast_cancer, Task.classification),
    "diabetes": (datasets.load_diabetes, Task.regression),
    # pixels: many features share one range, so integer models store shared input maps
    "digits": (datasets.load_digits, Task.classification),
}
FAMILIES_OF = {"digits": ("mlp", "gbt", "forest")}  # a few families where the data set adds a code path

PROV = Provenance("test", "test.tml", "0" * 64, "1" * 64, "testmodel")


class Case:
    def __init__(self, dataset, variant, model, X_test, y_test, features, classes):
        self.dataset, self.variant, self.model = dataset, variant, model
        self.X, self.y, self.features, self.classes = X_test, y_test, features, classes
        self.name = f"{dataset}_{variant}"

    @property
    def classification(self):
        return self.model.task == Task.classification

    def request(self, flash=0, ram=0):
        from tinyc_backends.base import EmitRequest

        return EmitRequest(self.model, "m", self.features, self.classes, PROV, flash, ram)


def _cases():
    out = []
    for ds_name, (loader, task) in DATASETS.items():
        d = loader()
        strat = d.target if task == Task.classification else None
        Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=0.25, random_state=1, stratify=strat)
        if len(Xte) < 100:  # at least 100 rows through every build; training rows are real rows too
            Xte, yte = np.vstack([Xte, Xtr[:100 - len(Xte)]]), np.concatenate([yte, ytr[:100 - len(yte)]])
        k = len(np.unique(d.target)) if task == Task.classification else 0
        prob = Problem(task, d.data.shape[1], k)
        for variant, params in PARAMS.items():
            family = variant.split("_")[0]
            if task not in FAMILY_REGISTRY[family].tasks or variant not in FAMILIES_OF.get(ds_name, PARAMS):
                continue
            model = FAMILY_REGISTRY[family].fit(params, Xtr, ytr, prob, seed=0)
            feats = tuple(f"f{i}" for i in range(d.data.shape[1]))
            classes = tuple(str(n) for n in getattr(d, "target_names", []))[:k] if k else ()
            out.append(Case(ds_name, variant, model, Xte, yte, feats, classes))
            # integer forms, calibrated on the training rows: int8 of every quantizable model,
            # int16 of the cancer ones and of the diabetes MLPs (int64 accumulators, regression)
            for mode in ("int8", "int16"):
                if FAMILY_REGISTRY[family].int_code_bytes is not None and (mode == "int8" or ds_name == "cancer" or
                                              (ds_name == "diabetes" and family == "mlp")):
                    out.append(Case(ds_name, f"{variant}_{mode}", quantize(model, mode, Xtr), Xte, yte, feats,
                                    classes))
            # vote trees as code (tinyc.codegen.c_tree_branches), float32 and int8, where the data set
            # adds a code path: two classes, and features the trees never read (digits)
            if family in ("tree", "forest") and task == Task.classification and ds_name in ("cancer", "digits"):
                for form in (model, quantize(model, "int8", Xtr)):
                    suffix = "_int8" if form.qinfo else ""
                    out.append(Case(ds_name, f"{variant}{suffix}_ifelse", replace(form, tree_kernel=IF_ELSE), Xte, yte,
                                    feats, classes))
    return out


CASES = _cases()


@pytest.fixture(scope="session")
def emitted(tmp_path_factory):
    """case name -> folder of its host library."""
    from tinyc_backends.host import HostBackend

    root = tmp_path_factory.mktemp("emitted")
    folders = {}
    for case in CASES:
        folder = root / case.name
        HostBackend().emit(case.request(), folder)
        folders[case.name] = folder
    return folders
