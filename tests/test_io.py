"""fastpen._io: file types told by content, standard input, column selection, one-hot
categorical columns, missing values, and a one-line DataError naming file, line and
column for every defect."""
import csv
import gzip
import io
import sys
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

from fastpen._io import (MISSING, Column, DataError, Encoding, mapping_table,
                         load_dataset, load_table_for)

PENGUINS = "fastpen/datasets/data/penguins.csv"


@pytest.fixture
def penguins_path():
    import os

    import fastpen

    # the imported package's copy (the tests also run against an installed wheel)
    return os.path.join(os.path.dirname(os.path.dirname(fastpen.__file__)), PENGUINS)


def _penguin_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def _one_line_error(excinfo, *parts):
    message = str(excinfo.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, (part, message)
    return message


# -- file type by content -------------------------------------------------------------


def test_content_decides_the_file_type(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((7, 3)), rng.standard_normal(7)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    (tmp_path / "d.npz").rename(tmp_path / "d.bin")
    data = load_dataset(str(tmp_path / "d.bin"))
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)
    assert data.target_name == "y" and data.feature_names == ("x0", "x1", "x2")

    np.save(tmp_path / "a.npy", np.c_[X, y])
    (tmp_path / "a.npy").rename(tmp_path / "a.csv")
    data = load_dataset(str(tmp_path / "a.csv"))
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)

    (tmp_path / "g.data").write_bytes(gzip.compress(b"a;b;t\n1;2;3\n4;5;6\n"))
    data = load_dataset(str(tmp_path / "g.data"))
    np.testing.assert_array_equal(data.X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(data.y, [3, 6])

    # svmlight recognised by its first data line, whatever the name
    _write(tmp_path / "s.txt", "# comment\n2.5 1:1 3:-2\n-1 qid:4 2:0.5\n")
    data = load_dataset(str(tmp_path / "s.txt"))
    assert sp.issparse(data.X)
    np.testing.assert_array_equal(data.X.toarray(), [[1, 0, -2], [0, 0.5, 0]])
    np.testing.assert_array_equal(data.y, [2.5, -1])


@pytest.mark.parametrize("name, content, message", [
    ("junk.dat", bytes(range(256)) * 4, "not a data file fastpen can read"),
    ("text.npy", b"a,b\n1,2\n", "not a NumPy .npy file"),
    ("latin1.csv", "a,b\n1,2\ncaf\xe9,3\n".encode("latin-1"), "line 3: not UTF-8 text"),
    ("broken.csv.gz", b"\x1f\x8b\x08\x00garbage", "a damaged gzip file"),
    ("book.xlsx", None, "an Excel workbook? save it as CSV"),
    ("plain.zip", None, "a zip archive that is not a NumPy .npz file"),
    ("bad.npz", b"PK\x03\x04 not really", "zip"),
])
def test_unreadable_files(tmp_path, name, content, message):
    if content is None:
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr("xl/workbook.xml" if name.endswith("xlsx") else "a.txt", "x")
    else:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError) as excinfo:
        load_dataset(str(tmp_path / name))
    _one_line_error(excinfo, name, message)


def test_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"u,v,w\n1,2,3\n4,5,7\n")))
    data = load_dataset("-", "v")
    assert data.source == "<stdin>" and data.feature_names == ("u", "w")
    np.testing.assert_array_equal(data.y, [2, 5])
    buffer = io.BytesIO()
    np.save(buffer, np.arange(6.0).reshape(3, 2))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(buffer.getvalue())))
    data = load_dataset("-")
    np.testing.assert_array_equal(data.y, [1, 3, 5])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a,b\n1,x\n")))
    with pytest.raises(DataError) as excinfo:
        load_dataset("-")
    _one_line_error(excinfo, "<stdin>, line 2, column 'b'", "'x' is not a number")


# -- choosing columns ------------------------------------------------------------------


def test_features_and_drop(tmp_path):
    path = _write(tmp_path / "d.csv", "id,a,b,c,y\n1,10,20,30,5\n2,11,21,31,6\n")
    data = load_dataset(path, "y", features=["c", "a"])
    assert data.feature_names == ("c", "a")                 # the order asked for
    np.testing.assert_array_equal(data.X, [[30, 10], [31, 11]])
    assert data.encoding.ignored == ("id", "b")
    data = load_dataset(path, "y", drop=["id"])
    assert data.feature_names == ("a", "b", "c")
    np.testing.assert_array_equal(data.X, [[10, 20, 30], [11, 21, 31]])
    data = load_dataset(path, "y", features=["a", "b"], drop=["id"])   # disjoint: fine
    assert data.feature_names == ("a", "b")
    with pytest.raises(ValueError, match="features and drop both name 'a'"):
        load_dataset(path, "y", features=["a", "b"], drop=["a"])
    with pytest.raises(DataError) as excinfo:
        load_dataset(path, "y", features=["a", "nope"])
    _one_line_error(excinfo, "d.csv", "'nope'", "columns: id, a, b, c, y")
    for option in ("features", "drop"):
        with pytest.raises(DataError, match="the target 'y' cannot be among"):
            load_dataset(path, "y", **{option: ["y"]})
    with pytest.raises(DataError, match="no feature columns left"):
        load_dataset(path, "y", drop=["id", "a", "b", "c"])


def test_columns_of_arrays_by_index_or_name(tmp_path):
    A = np.arange(20.0).reshape(4, 5)
    np.save(tmp_path / "a.npy", A)
    data = load_dataset(str(tmp_path / "a.npy"), "0", features=[3, "x1"])
    np.testing.assert_array_equal(data.X, A[:, [3, 1]])
    np.testing.assert_array_equal(data.y, A[:, 0])
    data = load_dataset(str(tmp_path / "a.npy"), drop=[0])
    np.testing.assert_array_equal(data.X, A[:, 1:4])
    _write(tmp_path / "s.svm", "1 1:1 2:2 3:3\n2 1:4 3:6\n")
    data = load_dataset(str(tmp_path / "s.svm"), drop=["x2"])
    assert list(data.feature_names) == ["x1", "x3"]
    np.testing.assert_array_equal(data.X.toarray(), [[1, 3], [4, 6]])
    with pytest.raises(DataError, match="x1 to x3"):
        load_dataset(str(tmp_path / "s.svm"), features=["x9"])
    # features and drop naming one column, by name and by position: an error as for
    # named columns, not a silent drop
    with pytest.raises(ValueError, match=r"^features and drop both name 'x1'$"):
        load_dataset(str(tmp_path / "s.svm"), features=["x1", "x2"], drop=[0])
    with pytest.raises(ValueError, match=r"^features and drop both name 'a'$"):
        load_dataset(_write(tmp_path / "n.csv", "a,b,t\n1,2,3\n"), features=["a", "b"],
                     drop=[0])


# -- categorical columns ---------------------------------------------------------------


def test_penguins_one_hot_and_dropped_rows(penguins_path):
    rows = _penguin_rows(penguins_path)
    data = load_dataset(penguins_path, "body_mass_g", na="drop")
    kept = [r for r in rows if not any(r[c] in MISSING for c in r)]
    assert data.n_rows_read == len(rows) == 344
    assert data.n_rows_dropped == len(rows) - len(kept) == 11
    assert data.missing_by_column == {c: sum(r[c] == "NA" for r in rows) for c in rows[0]
                                      if any(r[c] == "NA" for r in rows)}
    names = list(data.feature_names)
    for column in ("species", "island", "sex"):
        levels = sorted({r[column] for r in kept})
        assert [n for n in names if n.startswith(column + "=")] == \
            [f"{column}={level}" for level in levels]
        for level in levels:        # each indicator is 1 exactly on the rows of its level
            got = data.X[:, names.index(f"{column}={level}")]
            np.testing.assert_array_equal(got, [r[column] == level for r in kept])
        block = data.X[:, [n.startswith(column + "=") for n in names]]
        np.testing.assert_array_equal(block.sum(axis=1), 1.0)       # no level dropped
    np.testing.assert_array_equal(data.X[:, names.index("flipper_length_mm")],
                                  [float(r["flipper_length_mm"]) for r in kept])
    np.testing.assert_array_equal(data.y, [float(r["body_mass_g"]) for r in kept])
    assert data.X.flags.f_contiguous and data.X.dtype == np.float64


def test_penguins_missing_values_are_an_error_by_default(penguins_path):
    with pytest.raises(DataError) as excinfo:
        load_dataset(penguins_path, "body_mass_g")
    _one_line_error(excinfo, "penguins.csv, line 5, column 'bill_length_mm': NA is a "
                    "missing value", "11 of 344 rows", "--na drop")
    # without the columns that hold them, nothing is missing but sex (11 rows)
    data = load_dataset(penguins_path, "year", features=["species", "island"])
    assert data.n_rows_dropped == 0 and data.X.shape == (344, 6)


def test_categorical_modes(tmp_path):
    path = _write(tmp_path / "d.csv", "code,colour,t\n10,red,1\n2,blue,2\n1,red,3\n2,green,4\n")
    data = load_dataset(path, categorical=["code", "colour"])
    assert data.feature_names == ("code=1", "code=2", "code=10",          # numerically
                                  "colour=blue", "colour=green", "colour=red")
    np.testing.assert_array_equal(data.X[:, :3], [[0, 0, 1], [0, 1, 0], [1, 0, 0],
                                                  [0, 1, 0]])
    data = load_dataset(path)                     # auto: colour only
    assert data.feature_names == ("code", "colour=blue", "colour=green", "colour=red")
    assert data.encoding.columns[1] == Column("colour", "categorical",
                                              ("blue", "green", "red"))
    with pytest.raises(DataError) as excinfo:
        load_dataset(path, categorical="none")
    _one_line_error(excinfo, "d.csv, line 2, column 'colour'", "'red' is not a number",
                    "--categorical")
    with pytest.raises(DataError) as excinfo:
        load_dataset(path, categorical=["code"])
    _one_line_error(excinfo, "line 2, column 'colour'", "not among --categorical")
    with pytest.raises(DataError, match="cannot be categorical"):
        load_dataset(path, categorical=["t"])
    with pytest.raises(DataError, match="not a column"):
        load_dataset(path, categorical=["shape"])
    with pytest.raises(ValueError, match="categorical must be"):
        load_dataset(path, categorical="yes")


def test_levels_sort_as_text_unless_all_are_numbers(tmp_path):
    path = _write(tmp_path / "d.csv", "g,t\nb,1\nB,2\na10,3\na9,4\n")
    assert load_dataset(path).feature_names == ("g=B", "g=a10", "g=a9", "g=b")


@pytest.mark.parametrize("cells, message", [
    (["1.5", "2", "oops", "4"], "line 4, column 'b': 'oops' is not a number (column 'b' "
                                "has 1 text cell and 3 numbers: --categorical b"),
    (["1,5", "2,25", "3,0", "4,5"], "line 2, column 'b': '1,5' is not a number"),
    (["1_000", "2", "x", "y"], "line 2, column 'b': '1_000' is not a number"),
    (["1", "inf", "2", "3"], "line 3, column 'b': inf (infinite values"),
])
def test_numeric_columns_with_bad_cells(tmp_path, cells, message):
    text = "a;b;t\n" + "".join(f"{i};{c};{i}\n" for i, c in enumerate(cells))
    with pytest.raises(DataError) as excinfo:
        load_dataset(_write(tmp_path / "d.csv", text))
    text = _one_line_error(excinfo, "d.csv", message)
    if "1,5" in cells:
        assert "decimal comma" in text


def test_identifier_columns(tmp_path):
    rows = "".join(f"id{i},{i % 3},{i}\n" for i in range(30))
    path = _write(tmp_path / "d.csv", "name,x,t\n" + rows)
    with pytest.raises(DataError) as excinfo:
        load_dataset(path)
    _one_line_error(excinfo, "column 'name'", "30 different values in 30 rows",
                    "--drop name")
    assert load_dataset(path, drop=["name"]).X.shape == (30, 1)
    assert load_dataset(path, categorical=["name"]).X.shape == (30, 31)   # asked for
    with pytest.raises(DataError, match="more than 10"):
        load_dataset(path, categorical=["name"], max_levels=10)


def test_target_must_be_numeric(tmp_path):
    path = _write(tmp_path / "d.csv", "a,t\n1,2\n2,high\n")
    with pytest.raises(DataError) as excinfo:
        load_dataset(path)
    _one_line_error(excinfo, "line 3, column 't': 'high' is not a number",
                    "fastpen fits regressions")


# -- missing values --------------------------------------------------------------------


@pytest.mark.parametrize("token", sorted(MISSING))
def test_every_missing_token(tmp_path, token):
    path = _write(tmp_path / "d.csv", f"a,b,t\n1,2,3\n4,{token},6\n7,8,9\n")
    with pytest.raises(DataError) as excinfo:
        load_dataset(path)
    _one_line_error(excinfo, "line 3, column 'b'", "1 of 3 rows has one")
    data = load_dataset(path, na="drop")
    np.testing.assert_array_equal(data.X, [[1, 2], [7, 8]])
    assert (data.n_rows_read, data.n_rows_dropped, data.missing_by_column) == (3, 1, {"b": 1})


def test_missing_values_only_count_in_used_columns(tmp_path):
    path = _write(tmp_path / "d.csv", "note,a,cat,t\nNA,1,x,2\n,2,NA,3\nok,3,y,NA\n4,4,x,5\n")
    data = load_dataset(path, drop=["note"], na="drop")
    assert data.n_rows_dropped == 2 and data.missing_by_column == {"cat": 1, "t": 1}
    assert data.feature_names == ("a", "cat=x")       # 'y' only on a dropped row
    np.testing.assert_array_equal(data.X, [[1, 1], [4, 1]])
    np.testing.assert_array_equal(data.y, [2, 5])
    with pytest.raises(DataError) as excinfo:
        load_dataset(_write(tmp_path / "e.csv", "a,t\nNA,1\n2,NA\n"), na="drop")
    _one_line_error(excinfo, "e.csv", "every one of the 2 rows", "a: 1, t: 1")


def test_nan_in_arrays_is_missing(tmp_path):
    A = np.arange(12.0).reshape(4, 3)
    A[1, 0] = np.nan
    np.save(tmp_path / "a.npy", A)
    with pytest.raises(DataError) as excinfo:
        load_dataset(str(tmp_path / "a.npy"))
    _one_line_error(excinfo, "a.npy, row 1, column 0: NaN is a missing value")
    data = load_dataset(str(tmp_path / "a.npy"), na="drop")
    np.testing.assert_array_equal(data.X, A[[0, 2, 3], :2])
    A[1, 0] = np.inf
    np.save(tmp_path / "a.npy", A)
    with pytest.raises(DataError, match="row 1, column 0: inf"):
        load_dataset(str(tmp_path / "a.npy"), na="drop")


def test_arguments_are_checked(tmp_path):
    path = _write(tmp_path / "d.csv", "a,t\n1,2\n")
    with pytest.raises(ValueError, match="na must be"):
        load_dataset(path, na="skip")
    with pytest.raises(TypeError, match="features must"):
        load_dataset(path, features=3.5)
    with pytest.raises(ValueError, match="twice"):
        load_dataset(path, features=["a", "a"])


# -- the encoding ----------------------------------------------------------------------


def test_encoding_round_trips_and_rejects_malformed_dicts(penguins_path):
    encoding = load_dataset(penguins_path, "body_mass_g", na="drop", drop=["year"]).encoding
    d = encoding.to_dict()
    assert d["ignored"] == ["year"]
    again = Encoding.from_dict(d)
    assert again == encoding and again.feature_names == encoding.feature_names
    for broken in ({**d, "layout": "excel"}, {**d, "columns": "x"},
                   {**d, "target": 3}, {**d, "feature_names": ["a"]},
                   {**d, "columns": [{"name": "species", "kind": "categorical",
                                      "levels": []}]},
                   {**d, "columns": [{"name": "species", "kind": "text"}]}):
        with pytest.raises(ValueError):
            Encoding.from_dict(broken)

    sparse = {"layout": "svmlight", "target": "t", "first_index": 1, "width": 3}
    assert Encoding.from_dict({**sparse, "positions": [2, 0]}).feature_names == ("x3", "x1")
    for broken, message in (({**sparse, "positions": [0, 0]}, "distinct"),
                            ({**sparse, "positions": []}, "at least one"),
                            ({**sparse, "positions": [3]}, "lie in"),
                            ({**sparse, "first_index": True}, "first_index 0 or 1"),
                            ({**sparse, "width": True}, "positive width")):
        with pytest.raises(ValueError, match=message):
            Encoding.from_dict(broken)


def test_transform_checks_the_columns(tmp_path, penguins_path):
    encoding = load_dataset(penguins_path, "body_mass_g", na="drop", drop=["year"]).encoding
    good = "sex,bill_depth_mm,species,island,flipper_length_mm,bill_length_mm\n"
    row = "female,18,Gentoo,Dream,200,45\n"
    X, rows, y = load_table_for(encoding, _write(tmp_path / "ok.csv", good + row))
    assert y is None and rows.tolist() == [True]
    names = encoding.feature_names
    assert X[0, names.index("species=Gentoo")] == 1 and X[0, names.index("bill_depth_mm")] == 18
    assert X.sum() == 1 + 1 + 1 + 18 + 200 + 45
    cases = {
        "unknown.csv": (good + row.replace("Gentoo", "Emperor"),
                        "line 2, column 'species': level 'Emperor' was not in the training "
                        "data (known levels: Adelie, Chinstrap, Gentoo)"),
        "missing_col.csv": (good.replace(",island", "") + row.replace(",Dream", ""),
                            "column 'island' is missing"),
        "extra.csv": (good.strip() + ",foo\n" + row.strip() + ",1\n",
                      "column 'foo' was not in the training data (leave it out with "
                      "--drop foo); the model uses: species, island"),
        "text.csv": (good + row.replace("200", "tall"),
                     "line 2, column 'flipper_length_mm': 'tall' is not a number"),
        "na.csv": (good + row.replace("45", "NA"),
                   "line 2, column 'bill_length_mm': NA is a missing value"),
    }
    for name, (text, message) in cases.items():
        with pytest.raises(DataError) as excinfo:
            load_table_for(encoding, _write(tmp_path / name, text))
        _one_line_error(excinfo, name, message)
    # the ignored column and the target are welcome; na="drop" keeps the row's place
    text = good.strip() + ",year,body_mass_g\n" + row.strip() + ",2009,4000\n" \
        + row.replace("45", "NA").strip() + ",2009,NA\n"
    X, rows, y = load_table_for(encoding, _write(tmp_path / "full.csv", text), na="drop")
    assert rows.tolist() == [True, False] and X.shape == (1, len(names))
    np.testing.assert_array_equal(y, [4000, np.nan])


def test_transform_of_mappings():
    encoding = Encoding([Column("g", "categorical", ("a", "b")), Column("v", "numeric")], "t")
    X, rows, y = encoding.transform(mapping_table({"v": [1.5, None, 3], "g": ["b", "a", "a"]}),
                                    na="drop")
    np.testing.assert_array_equal(X, [[0, 1, 1.5], [1, 0, 3]])
    assert rows.tolist() == [True, False, True] and y is None
    with pytest.raises(DataError, match="data, row 1, column 'g': level 'c'"):
        encoding.transform(mapping_table({"v": [1, 2], "g": ["a", "c"]}))


def test_mapping_columns_must_be_one_dimensional():
    """A scalar or a 2-D value in a mapping is a ValueError naming the column (NumPy's
    'len() of unsized object' or a broadcasting error before)."""
    for value, shape in ((1.5, r"\(\)"), (np.ones((2, 2)), r"\(2, 2\)")):
        with pytest.raises(ValueError, match=r"^column 'v' of data must be one-dimensional, "
                                             rf"got shape {shape}$"):
            mapping_table({"v": value, "g": ["a", "b"]})


def test_pandas_na_is_a_missing_cell():
    """pd.NA (pandas' nullable string, integer and boolean columns) is a missing cell,
    not the text '<NA>': na='drop' leaves its row out, na='error' names it."""
    pd = pytest.importorskip("pandas")
    encoding = Encoding([Column("g", "categorical", ("a", "b")), Column("v", "numeric")], "t")
    frame = pd.DataFrame({"g": pd.array(["b", None, "a"], dtype="string"),
                          "v": [1.5, 2.0, 3.0]})
    X, rows, _ = encoding.transform(mapping_table(frame), na="drop")
    np.testing.assert_array_equal(X, [[0, 1, 1.5], [1, 0, 3]])
    assert rows.tolist() == [True, False, True]
    mapping = {"g": ["b", "a", "a"], "v": [1.5, pd.NA, 3.0]}   # pd.NA in a numeric column
    X, rows, _ = encoding.transform(mapping_table(mapping), na="drop")
    np.testing.assert_array_equal(X, [[0, 1, 1.5], [1, 0, 3]])
    assert rows.tolist() == [True, False, True]
    with pytest.raises(DataError, match=r"^data, row 1, column 'g': <NA> is a missing value "
                                        r"\(1 of 3 rows has one"):
        encoding.transform(mapping_table(frame))


def test_other_spellings_of_nan_are_missing_cells(tmp_path):
    """NAN or -nan parse as float NaN: missing cells (they were called infinite)."""
    path = tmp_path / "nan.csv"
    path.write_text("a,b,y\n1,2,3\nNAN,1,4\n2,-nan,5\n3,1,6\n")
    with pytest.raises(DataError, match="line 3, column 'a'.*missing"):
        load_dataset(str(path))
    data = load_dataset(str(path), na="drop")
    assert data.n_rows_dropped == 2
    assert data.missing_by_column.get("a") == 1 and data.missing_by_column.get("b") == 1


def test_predicting_the_training_file_after_dropping_rows(tmp_path):
    """A level seen only in a row --na drop left out of training: predicting the same
    file with --na drop leaves that row out again instead of calling the level unknown."""
    from fastpen._model import Model

    path = tmp_path / "catna.csv"
    path.write_text("c,x,y\na,1,2\nb,2,3\na,3,5\nb,4,4\nz,NA,7\na,5,6\n")
    data = load_dataset(str(path), na="drop")
    assert "c=z" not in data.feature_names
    model = Model(coef=np.ones(len(data.feature_names)), intercept=0.0,
                  feature_names=list(data.feature_names), target_name="y",
                  encoding=data.encoding)
    predictions = model.predict(str(path), na="drop")
    assert np.isnan(predictions[4]) and np.isfinite(np.delete(predictions, 4)).all()
    with pytest.raises(DataError, match="line 6, column 'c': level 'z'"):
        model.predict(str(path))                  # na='error': every row is checked
