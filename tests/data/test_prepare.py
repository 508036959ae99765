"""Loading, splitting, missing values and constant columns, on real data."""
import shutil

import numpy as np
import pytest

from conftest import ROOT
from tinyc.data.header import DataError, sniff
from tinyc.data.load import load_table
from tinyc.data.prepare import prepare, split_indices
from tinyc.data.profile import profile
from tinyc.spec.ir import MissingPolicy, Task

FIX = ROOT / "tests" / "fixtures"


@pytest.fixture()
def wine(sklearn_data):
    return load_table(sklearn_data / "wine.csv", "cultivar", set())


def test_split_is_stratified_and_deterministic(wine):
    y = np.array([int(v[-1]) for v in wine.y_raw])
    tr1, ho1 = split_indices(y, 20.0, seed=3, stratify=True)
    tr2, ho2 = split_indices(y, 20.0, seed=3, stratify=True)
    assert np.array_equal(ho1, ho2) and np.array_equal(tr1, tr2)
    assert len(ho1) == round(178 * 0.2) and not set(tr1) & set(ho1)
    # class shares in the holdout follow the whole data (59/71/48)
    counts = np.bincount(y[ho1])[1:]
    assert np.abs(counts / counts.sum() - np.array([59, 71, 48]) / 178).max() < 0.03
    _, ho3 = split_indices(y, 20.0, seed=4, stratify=True)
    assert not np.array_equal(ho1, ho3)


def test_prepare_encodes_classes_and_splits(wine):
    ds = prepare(Task.classification, "cultivar", wine, None, 25.0, MissingPolicy.median, seed=0)
    assert ds.classes == ("cultivar_1", "cultivar_2", "cultivar_3")
    assert len(ds.y_train) + len(ds.y_holdout) == 178 and len(ds.y_holdout) == 44
    assert ds.X_train.shape[1] == 13 and not ds.imputed and not ds.dropped_constant


def test_missing_values_are_imputed_with_training_median_and_counted(tmp_path):
    src = (FIX / "stackloss.csv").read_text().splitlines()
    rows = [src[0]] + [r if i not in (3, 7) else ",".join(["", *r.split(",")[1:]]) for i, r in enumerate(src[1:], 1)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    t = load_table(tmp_path / "d.csv", "target", set())
    assert t.missing_per_feature == {"AIRFLOW": 2}
    ds = prepare(Task.regression, "target", t, None, 20.0, MissingPolicy.median, seed=0)
    assert ds.imputed == {"AIRFLOW": 2}
    observed = ds.X_train[:, 0]
    assert ds.fill_values["AIRFLOW"] in set(observed.tolist())  # a median of the training column
    assert not np.isnan(ds.X_train).any() and not np.isnan(ds.X_holdout).any()
    with pytest.raises(DataError, match="column 'AIRFLOW' has 2 missing values"):
        prepare(Task.regression, "target", t, None, 20.0, MissingPolicy.error, seed=0)
    dropped = prepare(Task.regression, "target", t, None, 20.0, MissingPolicy.drop, seed=0)
    assert dropped.dropped_rows == 2 and len(dropped.y_train) + len(dropped.y_holdout) == 19


def test_constant_column_is_dropped_and_reported(tmp_path):
    src = (FIX / "stackloss.csv").read_text().splitlines()
    (tmp_path / "d.csv").write_text("\n".join([src[0] + ",site"] + [r + ",7" for r in src[1:]]) + "\n")
    t = load_table(tmp_path / "d.csv", "target", set())
    ds = prepare(Task.regression, "target", t, None, 20.0, MissingPolicy.median, seed=0)
    assert ds.dropped_constant == ("site",) and "site" not in ds.feature_names


def test_semicolon_and_decimal_comma_are_sniffed(tmp_path):
    src = (FIX / "segments_head.csv").read_text().splitlines()
    eu = [src[0].replace(",", ";")] + [r.replace(",", ";").replace(".", ",") for r in src[1:]]
    (tmp_path / "eu.csv").write_text("\n".join(eu) + "\n")
    fmt = sniff(tmp_path / "eu.csv")
    assert (fmt.delimiter, fmt.decimal) == (";", ",")
    a = load_table(tmp_path / "eu.csv", "target", set())
    b = load_table(FIX / "segments_head.csv", "target", set())
    assert np.array_equal(a.X, b.X) and list(a.y_raw) == list(b.y_raw)


def test_holdout_file_and_unknown_holdout_label(tmp_path, sklearn_data):
    header, *rows = (sklearn_data / "wine.csv").read_text().splitlines()
    (tmp_path / "train.csv").write_text("\n".join([header] + [r for i, r in enumerate(rows) if i % 3]) + "\n")
    (tmp_path / "test.csv").write_text("\n".join([header] + rows[::3]) + "\n")
    tr = load_table(tmp_path / "train.csv", "cultivar", set())
    ho = load_table(tmp_path / "test.csv", "cultivar", set(), feature_names=tr.feature_names)
    ds = prepare(Task.classification, "cultivar", tr, ho, None, MissingPolicy.median, seed=0)
    assert (len(ds.y_train), len(ds.y_holdout)) == (118, 60)
    assert np.array_equal(ds.X_holdout, ho.X)  # a holdout file is used as it is, in file order
    (tmp_path / "odd.csv").write_text("\n".join([header] + [rows[0].rsplit(",", 1)[0] + ",cultivar_9"]) + "\n")
    odd = load_table(tmp_path / "odd.csv", "cultivar", set())
    with pytest.raises(DataError, match="label 'cultivar_9' in column 'cultivar' does not occur in the training"):
        prepare(Task.classification, "cultivar", tr, odd, None, MissingPolicy.median, seed=0)


def test_regression_label_must_be_numeric(tmp_path):
    shutil.copy(FIX / "segments_head.csv", tmp_path / "d.csv")
    t = load_table(tmp_path / "d.csv", "target", set())
    with pytest.raises(DataError, match="label column 'target' must be numeric for regression, found 'path'"):
        prepare(Task.regression, "target", t, None, 20.0, MissingPolicy.median, seed=0)


def test_profile_of_wine(wine):
    ds = prepare(Task.classification, "cultivar", wine, None, 20.0, MissingPolicy.median, seed=0)
    p = profile(ds, wine.rows, 14, wine.X.nbytes)
    assert p["rows"] == 178 and p["columns"] == 14 and p["memory_bytes"] == 178 * 13 * 8
    assert [c["count"] for c in p["target"]["classes"]] == [59, 71, 48]
    top = p["top_correlated_pairs"][0]
    assert {top["a"], top["b"]} == {"total_phenols", "flavanoids"} and 0.86 < top["correlation"] < 0.87
    assert len(p["top_correlated_pairs"]) <= 5 and all(abs(x["correlation"]) > 0.7 for x in p["top_correlated_pairs"])
    assert p["related_to_target"]["features"][0]["name"] in {"flavanoids", "proline", "od280/od315_of_diluted_wines"}
    m = np.array(p["correlation"]["matrix"])
    assert m.shape == (13, 13) and np.allclose(np.diag(m), 1.0)
    alcohol = next(f for f in p["features"] if f["name"] == "alcohol")
    assert alcohol["min"] == 11.03 and alcohol["max"] == 14.83
