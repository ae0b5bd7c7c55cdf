"""fastpen.Model / load_model: JSON and npz files that round-trip bitwise, predictions
of new files through the training encoding (columns in any order, the target absent,
ignored columns allowed; unknown levels, missing and extra columns refused), and
clear errors for damaged, foreign and future model files."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from fastpen._io import DataError, load_dataset
from fastpen._model import Model, column_statistics, linear_predictor, load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the installed package's copy (the tests also run against an installed wheel)
PENGUINS = os.path.join(os.path.dirname(fastpen.__file__), "datasets", "data", "penguins.csv")


@pytest.fixture(scope="module")
def penguins():
    """(data, fitted Lasso, Model) on the penguins with the year dropped."""
    data = load_dataset(PENGUINS, "body_mass_g", na="drop", drop=["year"])
    estimator = fastpen.Lasso(alpha=2.0).fit(data.X, data.y)
    return data, estimator, Model.from_estimator(estimator, dataset=data,
                                                 options={"cv": None, "seed": 3})


def _csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")
    return str(path)


def _penguin_rows():
    with open(PENGUINS) as f:
        header, *rows = [line.rstrip("\n").split(",") for line in f]
    return header, rows


@pytest.mark.parametrize("ext", ["json", "npz"])
def test_save_load_round_trip_is_bitwise(tmp_path, penguins, ext):
    data, estimator, model = penguins
    model.save(tmp_path / f"m.{ext}")
    loaded = load_model(tmp_path / f"m.{ext}")
    assert np.array_equal(loaded.coef, model.coef) and loaded.intercept == model.intercept
    assert loaded.feature_names == data.feature_names and loaded.target_name == "body_mass_g"
    assert loaded.encoding == data.encoding and loaded.encoding.ignored == ("year",)
    assert (loaded.model, loaded.alpha, loaded.l1_ratio) == ("lasso", 2.0, 1.0)
    assert loaded.options["seed"] == 3 and loaded.options["tol"] == estimator.tol
    assert loaded.source == PENGUINS and loaded.fastpen_version == fastpen.__version__
    assert loaded.created == model.created
    np.testing.assert_allclose(loaded.column_mean, data.X.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(loaded.column_sd, data.X.std(axis=0), rtol=1e-14)
    # Bitwise: the same doubles (JSON writes repr, npz the raw bytes) go through the
    # same function, linear_predictor, on the same X read from the same file.
    before = model.predict(PENGUINS, na="drop")
    after = loaded.predict(PENGUINS, na="drop")
    assert np.array_equal(before, after, equal_nan=True)
    kept = ~np.isnan(after)
    assert kept.sum() == data.X.shape[0] and np.isnan(after).sum() == data.n_rows_dropped
    assert np.array_equal(after[kept], loaded.predict(data.X))
    np.testing.assert_allclose(after[kept], estimator.predict(data.X), rtol=1e-12)


def test_the_json_file_is_plain_and_complete(tmp_path, penguins):
    _, _, model = penguins
    model.save(tmp_path / "m.json")
    d = json.loads((tmp_path / "m.json").read_text())
    assert d["schema"] == "fastpen.model" and d["schema_version"] == 1
    assert set(d) >= {"fastpen_version", "created", "model", "alpha", "l1_ratio", "options",
                      "coef", "intercept", "feature_names", "target_name", "encoding",
                      "column_mean", "column_sd", "source"}
    assert d["created"].endswith("+00:00")
    assert d["encoding"]["columns"][0] == {"name": "species", "kind": "categorical",
                                           "levels": ["Adelie", "Chinstrap", "Gentoo"]}
    assert [float(v) for v in d["coef"]] == model.coef.tolist()
    with np.load(_saved_npz(tmp_path, model), allow_pickle=False) as archive:
        assert archive["metadata"].dtype.kind == "U"      # no object arrays: no pickle


def _saved_npz(tmp_path, model):
    model.save(tmp_path / "m.npz")
    return tmp_path / "m.npz"


def test_predicting_new_files(tmp_path, penguins):
    data, _, model = penguins
    header, rows = _penguin_rows()
    complete = [r for r in rows if "NA" not in r]
    want = model.predict(PENGUINS, na="drop")
    want = want[~np.isnan(want)]
    # other column order, no target, no ignored column
    order = ["sex", "flipper_length_mm", "island", "bill_depth_mm", "species",
             "bill_length_mm"]
    path = _csv(tmp_path / "new.csv", order,
                [[r[header.index(c)] for c in order] for r in complete])
    predictions, used, y = model.predict_file(path)
    assert y is None and used.all()
    np.testing.assert_allclose(predictions, want, rtol=1e-13)
    # the ignored column present, the target too: fine, y read back
    order = order + ["year", "body_mass_g"]
    path = _csv(tmp_path / "with_year.csv", order,
                [[r[header.index(c)] for c in order] for r in complete])
    predictions, _, y = model.predict_file(path)
    np.testing.assert_allclose(predictions, want, rtol=1e-13)
    np.testing.assert_array_equal(y, data.y)
    # a mapping of columns, by name
    columns = {c: [r[header.index(c)] for r in complete] for c in reversed(order[:6])}
    np.testing.assert_allclose(model.predict(columns), want, rtol=1e-13)
    # already encoded
    with pytest.raises(ValueError, match=r"shape \(n, 11\)"):
        model.predict(np.ones((3, 10)))


@pytest.mark.parametrize("change, message", [
    (lambda h, r: (h, ["Emperor"] + r[1:]),
     "line 2, column 'species': level 'Emperor' was not in the training data (known "
     "levels: Adelie, Chinstrap, Gentoo)"),
    (lambda h, r: (h[1:], r[1:]), "column 'species' is missing"),
    (lambda h, r: (h + ["ring"], r + ["7"]), "column 'ring' was not in the training data"),
    (lambda h, r: (h, r[:1] + ["NA"] + r[2:]), "line 2, column 'island': NA is a missing "
                                               "value"),
    (lambda h, r: (h, r[:4] + ["deep"] + r[5:]), "line 2, column 'flipper_length_mm': "
                                                 "'deep' is not a number"),
])
def test_predict_refuses_what_the_model_cannot_read(tmp_path, penguins, change, message):
    _, _, model = penguins
    header, rows = _penguin_rows()
    new_header, new_row = change(header, rows[0])
    path = _csv(tmp_path / "new.csv", new_header, [new_row])
    with pytest.raises(DataError) as excinfo:
        model.predict(path)
    assert "\n" not in str(excinfo.value) and "new.csv" in str(excinfo.value)
    assert message in str(excinfo.value)


def test_predict_with_na_drop_keeps_the_rows_in_place(tmp_path, penguins):
    _, _, model = penguins
    header, rows = _penguin_rows()
    predictions = model.predict(PENGUINS, na="drop")
    assert len(predictions) == len(rows)
    has_na = np.array(["NA" in [r[i] for i, c in enumerate(header)
                                if c not in ("year", "body_mass_g")] for r in rows])
    np.testing.assert_array_equal(np.isnan(predictions), has_na)
    with pytest.raises(DataError, match="--na drop"):
        model.predict(PENGUINS)


def test_array_and_svmlight_models(tmp_path):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 4))
    np.save(tmp_path / "a.npy", A)
    data = load_dataset(str(tmp_path / "a.npy"), "1", drop=[2])   # x0, x3 from x1
    model = Model.from_estimator(fastpen.Ridge(alpha=0.5).fit(data.X, data.y), dataset=data)
    model.save(tmp_path / "m.json")
    model = load_model(tmp_path / "m.json")
    want = model.predict(data.X)
    for width, columns in ((4, [0, 1, 2, 3]), (3, [0, 2, 3]), (2, [0, 3])):
        np.save(tmp_path / "new.npy", A[:, columns])
        got, _, y = model.predict_file(str(tmp_path / "new.npy"))
        np.testing.assert_allclose(got, want, rtol=1e-13)
        assert (y is not None) == (width == 4)
    np.save(tmp_path / "new.npy", A[:, :1])
    with pytest.raises(DataError, match="an array of 1 columns; the model expects 4"):
        model.predict(str(tmp_path / "new.npy"))

    with open(tmp_path / "d.svm", "w") as f:
        for row, t in zip(A[:, :3], A[:, 3]):
            f.write(f"{float(t)!r} "
                    + " ".join(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row)) + "\n")
    data = load_dataset(str(tmp_path / "d.svm"))
    est = fastpen.Lasso(alpha=0.01).fit(data.X, data.y)
    model = Model.from_estimator(est, dataset=data)
    model.save(tmp_path / "s.npz")
    loaded = load_model(tmp_path / "s.npz")
    assert np.array_equal(loaded.predict(str(tmp_path / "d.svm")),
                          model.predict(str(tmp_path / "d.svm")))
    np.testing.assert_allclose(loaded.column_sd, A[:, :3].std(axis=0), rtol=1e-12)
    with open(tmp_path / "wide.svm", "w") as f:
        f.write("1 1:1 4:2\n")
    with pytest.raises(DataError, match="feature index 4 was not in the training data"):
        loaded.predict(str(tmp_path / "wide.svm"))


def test_from_estimator_of_cv_models():
    X, y, names = fastpen_diabetes()
    est = fastpen.ElasticNetCV(l1_ratio=[0.5, 0.9], cv=3, alphas=10).fit(X, y)
    model = Model.from_estimator(est, feature_names=names, target_name="progression", X=X)
    assert model.model == "enet" and model.alpha == est.alpha_
    assert model.l1_ratio == est.l1_ratio_ and model.encoding.target == "progression"
    np.testing.assert_allclose(model.predict({n: X[:, j] for j, n in enumerate(names)}),
                               est.predict(X), rtol=1e-12)
    with pytest.raises(TypeError, match="fastpen Lasso"):
        Model.from_estimator(object())


def fastpen_diabetes():
    from fastpen.datasets import load_diabetes

    return load_diabetes()


def test_column_statistics_dense_and_sparse():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 5))
    X[rng.random((40, 5)) < 0.6] = 0.0
    X[:, 4] = 0.0                            # an empty column
    X[:, 3] += 1e8 * (X[:, 3] != 0)          # a large mean
    mean, sd = column_statistics(X)
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(sd, X.std(axis=0), rtol=1e-12)
    smean, ssd = column_statistics(sp.csr_matrix(X))
    np.testing.assert_allclose(smean, mean, rtol=1e-14)
    np.testing.assert_allclose(ssd, sd, rtol=1e-9)
    # the layout of X does not change the predictions' bits
    coef = rng.standard_normal(5)
    assert np.array_equal(linear_predictor(X, coef, 0.5),
                          linear_predictor(np.ascontiguousarray(X), coef, 0.5))


def _model_dict(tmp_path, penguins):
    penguins[2].save(tmp_path / "good.json")
    return json.loads((tmp_path / "good.json").read_text())


@pytest.mark.parametrize("edit, message", [
    (lambda d: {**d, "schema": "other"}, "not a fastpen model file"),
    (lambda d: {**d, "schema_version": 3, "fastpen_version": "9.1"},
     "written by fastpen 9.1, schema 3; this fastpen reads 2"),
    (lambda d: {**d, "schema_version": "1"}, "schema_version must be a positive integer"),
    (lambda d: {k: v for k, v in d.items() if k != "coef"}, "without coef"),
    (lambda d: {**d, "coef": d["coef"][:-1]}, "feature_names has 11 names for 10"),
    (lambda d: {**d, "coef": [None] + d["coef"][1:]}, "coef"),
    (lambda d: {**d, "intercept": "7"}, "intercept must be a number"),
    (lambda d: {**d, "model": "svm"}, "model must be one of"),
    (lambda d: {**d, "feature_names": d["feature_names"][::-1]}, "feature names differ"),
    (lambda d: {**d, "encoding": {**d["encoding"], "layout": "xml"}}, "layout"),
    (lambda d: {**d, "column_sd": [1.0]}, "column_sd must have shape (11,)"),
    (lambda d: [d], "not a fastpen model file"),
])
def test_defective_model_files(tmp_path, penguins, edit, message):
    d = _model_dict(tmp_path, penguins)
    (tmp_path / "bad.json").write_text(json.dumps(edit(d)))
    with pytest.raises(DataError) as excinfo:
        load_model(tmp_path / "bad.json")
    assert "bad.json" in str(excinfo.value) and message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_damaged_and_foreign_files(tmp_path, penguins):
    good = (tmp_path / "good.json")
    penguins[2].save(good)
    text = good.read_text()
    (tmp_path / "cut.json").write_text(text[:len(text) // 2])
    (tmp_path / "nan.json").write_text(text.replace('"intercept": ', '"intercept": NaN, "x": '))
    np.savez(tmp_path / "arrays.npz", coef=np.ones(3))
    np.savez(tmp_path / "pickled.npz", metadata=np.array([{"a": 1}], dtype=object))
    (tmp_path / "binary.json").write_bytes(b"\x00\xff" * 10)
    for name, message in [("cut.json", "neither JSON nor .npz"),
                          ("nan.json", "intercept must be finite"),
                          ("arrays.npz", "without its metadata"),
                          ("pickled.npz", "not a fastpen model file"),
                          ("binary.json", "not a fastpen model file"),
                          ("missing.json", "No such file")]:
        with pytest.raises(DataError) as excinfo:
            load_model(tmp_path / name)
        assert name in str(excinfo.value) and message in str(excinfo.value), excinfo.value
    with pytest.raises(ValueError, match=r"\.json or \.npz"):
        penguins[2].save(tmp_path / "m.pkl")


def test_model_and_load_model_are_public_and_lazy():
    assert fastpen.load_model is load_model and fastpen.Model is Model
    code = ("import sys, fastpen; assert 'fastpen._model' not in sys.modules; "
            "assert 'fastpen._io' not in sys.modules")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_column_statistics_of_a_sparse_matrix_without_entries():
    """An svmlight file whose rows hold no feature: zero means and deviations (the
    bincount of no weights was an integer array, and adding floats to it raised)."""
    import scipy.sparse as sp

    mean, sd = column_statistics(sp.csr_matrix((3, 2)))
    assert mean.dtype == sd.dtype == np.float64
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(sd, 0.0)


def test_a_deeply_nested_model_file_is_a_data_error(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match="not a fastpen model file"):
        load_model(tmp_path / "deep.json")
