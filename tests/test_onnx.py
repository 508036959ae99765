"""artifacts/model.onnx: run by onnxruntime, the exported graph gives the golden
model's scores (float32, within 1e-5 relative) and classes, for every family."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "backends"))
from model_cases import CASES  # noqa: E402

from tinyc.onnx_export import to_onnx  # noqa: E402

ort = pytest.importorskip("onnxruntime", reason="pip install onnxruntime (the dev extra) to check ONNX exports")
FLOAT = [c for c in CASES if not c.model.qinfo]


@pytest.mark.parametrize("case", FLOAT, ids=lambda c: c.name)
def test_onnx_export_computes_the_golden_scores(case):
    sess = ort.InferenceSession(to_onnx(case.model, case.features, "m"), providers=["CPUExecutionProvider"])
    out = sess.run(["scores"], {"x": case.X.astype(np.float32)})[0]
    golden = case.model.scores(case.X)
    assert out.shape == golden.shape
    np.testing.assert_allclose(out, golden, rtol=1e-5, atol=1e-4)
    if case.classification:
        from tinyc.models.base import decide
        from tinyc.models import FAMILY_REGISTRY

        pred = decide(out, case.model.task, case.model.classes, FAMILY_REGISTRY[case.model.family].vote_scores)
        assert np.array_equal(pred, case.model.predict(case.X))
