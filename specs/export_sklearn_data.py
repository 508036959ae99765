"""Export the real data sets that scikit-learn ships to CSV, for the specs in
this folder. Run by `make demo` and `make test`; deterministic output.

    python specs/export_sklearn_data.py specs/data

Sources (bundled with scikit-learn, BSD-3 package; see each loader's docs):
- wine: UCI Wine recognition data (Forina et al.), 178 wines × 13 measurements → cultivar
- breast_cancer: UCI Breast Cancer Wisconsin (Diagnostic), 569 × 30 → malignant/benign
- digits: UCI Optical Recognition of Handwritten Digits, 1797 8×8 images → digit
- diabetes: Efron et al. (2004) diabetes data, 442 × 10 → disease progression after one year
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path


def _fmt(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def tables():
    from sklearn import datasets

    wine = datasets.load_wine()
    yield "wine", wine.feature_names, [f"cultivar_{i + 1}" for i in wine.target], wine.data, "cultivar"
    bc = datasets.load_breast_cancer()
    yield "breast_cancer", bc.feature_names, [bc.target_names[i] for i in bc.target], bc.data, "diagnosis"
    dg = datasets.load_digits()
    yield "digits", [f"px_{r}_{c}" for r in range(8) for c in range(8)], [str(i) for i in dg.target], dg.data, "digit"
    db = datasets.load_diabetes(scaled=False)
    yield "diabetes", db.feature_names, [_fmt(v) for v in db.target], db.data, "progression"


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, features, labels, X, label in tables():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*features, label])
        for row, y in zip(X, labels):
            w.writerow([*(_fmt(v) for v in row), y])
        path = folder / f"{name}.csv"
        text = buf.getvalue()
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path} ({len(labels)} rows)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "specs/data")
