"""Reading a regression data set from a file, for the ``fastpen`` command.

Formats, chosen by the file's extension: delimited text with a header row
(``.csv``, ``.tsv``, ``.txt``, optionally gzipped), NumPy arrays (``.npy``: one
2-D array whose target is a column; ``.npz``: arrays ``X`` and ``y``, or one
2-D array) and svmlight / libsvm (``.svm``, ``.svmlight``, ``.libsvm``:
sparse).  Every defect is a :class:`DataError` whose message names the file,
the line (or row) and the column.
"""
import csv
import gzip
import io
import math
import os
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

TEXT = (".csv", ".tsv", ".txt")
SVMLIGHT = (".svm", ".svmlight", ".libsvm")


class DataError(ValueError):
    """A data file that cannot be used (the message names file, line and column)."""


class Dataset(NamedTuple):
    X: object                  # ndarray (n, p) or scipy.sparse CSR matrix
    y: np.ndarray              # (n,)
    feature_names: tuple
    target_name: str
    source: str


def load_dataset(path=None, target=None):
    """The data set in ``path`` (None: the bundled diabetes data).

    Parameters
    ----------
    path : str or None
    target : str or None
        The target column: a header name, or a 0-based column index (text,
        ``.npy``); default the last column.  Not used by svmlight files (their
        first field is the target) nor ``.npz`` files with ``X`` and ``y``.

    Raises
    ------
    DataError
        A missing or malformed file, a missing target column, a cell that is
        not a finite number.
    """
    if path is None:
        from .datasets import load_diabetes

        X, y, names = load_diabetes()
        if target not in (None, "y", "target", "progression"):
            raise DataError(f"the bundled diabetes data has no column {target!r}: its "
                            "target is 'y' and its features are " + ", ".join(names))
        return Dataset(X, y, tuple(names), "y", "bundled diabetes data (Efron et al. 2004)")
    if os.path.isdir(path):
        raise DataError(f"{path}: a directory, not a data file")
    if not os.path.isfile(path):
        raise DataError(f"{path}: no such file")
    name = path[:-3] if path.endswith(".gz") else path
    ext = os.path.splitext(name)[1].lower()
    if ext == ".npy":
        return _load_npy(path, target)
    if ext == ".npz":
        return _load_npz(path, target)
    if ext in SVMLIGHT:
        return _load_svmlight(path, target)
    return _load_text(path, target, delimiter="\t" if ext == ".tsv" else None)


def _open_text(path):
    try:
        if path.endswith(".gz"):
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
        return open(path, encoding="utf-8-sig", newline="")   # -sig: Excel's BOM
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None


def _number(cell, path, line, column):
    """float(cell), or a DataError naming where it is."""
    text = cell.strip()
    try:
        if "_" in text:                   # Python's float() accepts 1_000; a data file not
            raise ValueError
        value = float(text)
    except ValueError:
        what = "an empty cell" if not text else f"{text!r} is not a number"
        raise DataError(f"{path}, line {line}, column {column!r}: {what}") from None
    if not math.isfinite(value):
        raise DataError(f"{path}, line {line}, column {column!r}: {text} (NaN and "
                        "infinite values are not allowed)")
    return value


def _target_index(target, names, path):
    if target is None:
        return len(names) - 1
    if target in names:
        return names.index(target)
    try:
        index = int(target)
    except (TypeError, ValueError):
        raise DataError(f"{path}: no column {target!r} in the header (columns: "
                        + ", ".join(names) + ")") from None
    if not -len(names) <= index < len(names):
        raise DataError(f"{path}: column index {index} out of range ({len(names)} columns)")
    return index % len(names)


def _load_text(path, target, delimiter=None):
    try:
        with _open_text(path) as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise DataError(f"{path}, line {line}: not UTF-8 text ({exc.reason})") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: {exc}") from None
    first = text.split("\n", 1)[0].strip("\r")
    if not first.strip():
        raise DataError(f"{path}, line 1: no header row (the file is empty or starts with "
                        "a blank line)")
    spaces = False
    if delimiter is None:
        if not any(c in first for c in ",;\t"):
            delimiter, spaces = " ", True       # columns separated by blanks
        else:
            try:
                delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
    lines = io.StringIO(text, newline="")
    if spaces:
        lines = io.StringIO("\n".join(line.strip() for line in text.splitlines()))
    rows = csv.reader(lines, delimiter=delimiter, skipinitialspace=spaces)
    try:
        names = [name.strip() for name in next(rows)]
        if len(names) < 2:
            raise DataError(f"{path}, line 1: the header has {len(names)} column; at least "
                            "a feature and the target are needed")
        if all(_is_number(name) for name in names):
            raise DataError(f"{path}, line 1: the header row holds numbers only; the first "
                            "line must name the columns")
        for i, name in enumerate(names):
            if not name:
                raise DataError(f"{path}, line 1, column {i + 1}: an empty column name")
        if len(set(names)) < len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise DataError(f"{path}, line 1: column name {dup!r} appears twice")
        t = _target_index(target, names, path)
        values = []
        line = rows.line_num + 1
        for row in rows:
            if not row or all(not cell.strip() for cell in row):
                line = rows.line_num + 1
                continue                          # blank lines
            if len(row) != len(names):
                raise DataError(f"{path}, line {line}: {len(row)} fields, the header has "
                                f"{len(names)}")
            values.append([_number(cell, path, line, names[j]) for j, cell in enumerate(row)])
            line = rows.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{path}, line {rows.line_num}: {exc}") from None
    if not values:
        raise DataError(f"{path}: a header but no data rows")
    data = np.array(values)
    features = [j for j in range(len(names)) if j != t]
    return Dataset(np.asfortranarray(data[:, features]), data[:, t].copy(),
                   tuple(names[j] for j in features), names[t], path)


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_finite(a, path, what):
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        where = ", ".join(f"{ax} {i}" for ax, i in zip(("row", "column"), bad[0]))
        raise DataError(f"{path}, {what}{where}: {a[tuple(bad[0])]} (NaN and infinite values "
                        "are not allowed)")


def _numeric(a, path, what):
    if a.dtype.kind not in "biuf":
        raise DataError(f"{path}, {what}: dtype {a.dtype} is not numeric")
    return a.astype(np.float64, copy=False)


def _load_npy(path, target):
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a NumPy .npy file ({exc})") from None
    return _table_with_target(a, path, target)


def _table_with_target(a, path, target):
    """A 2-D numeric array whose column ``target`` (default the last) is the target."""
    a = _numeric(a, path, "array")
    if a.ndim != 2 or a.shape[1] < 2 or a.shape[0] < 1:
        raise DataError(f"{path}: expected a 2-D array with the target as one of at least two "
                        f"columns, got shape {a.shape}")
    _check_finite(a, path, "")
    names = [f"x{j}" for j in range(a.shape[1])]
    t = _target_index(target, names, path)
    features = [j for j in range(a.shape[1]) if j != t]
    return Dataset(np.asfortranarray(a[:, features]), a[:, t].copy(),
                   tuple(names[j] for j in features), names[t], path)


def _load_npz(path, target):
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a NumPy .npz file ({exc})") from None
    if "X" in arrays and "y" in arrays:
        X = _numeric(arrays["X"], path, "array X")
        y = _numeric(arrays["y"], path, "array y")
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0] or X.shape[0] < 1:
            raise DataError(f"{path}: X must be 2-D and y 1-D with as many rows, got shapes "
                            f"{X.shape} and {y.shape}")
        _check_finite(X, path, "array X, ")
        _check_finite(y[:, None], path, "array y, ")
        given = arrays.get("feature_names")
        names = tuple(str(n) for n in given) \
            if given is not None and np.ndim(given) == 1 and len(given) == X.shape[1] \
            else tuple(f"x{j}" for j in range(X.shape[1]))
        return Dataset(np.asfortranarray(X), y, names, "y", path)
    if len(arrays) == 1:
        return _table_with_target(next(iter(arrays.values())), path, target)
    raise DataError(f"{path}: expected arrays 'X' and 'y' (or a single 2-D array), found "
                    + (", ".join(sorted(arrays)) or "none"))


class _Names:
    """x{first}, x{first + 1}, ... as a sequence, made on demand (svmlight files may
    index millions of features)."""

    def __init__(self, count, first):
        self.count, self.first = count, first

    def __len__(self):
        return self.count

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(self.count))]
        if not -self.count <= j < self.count:
            raise IndexError(j)
        return f"x{j % self.count + self.first}"

    def __iter__(self):
        return (self[j] for j in range(self.count))


_MAX_INDEX = 2 ** 31 - 2          # fastpen's sparse kernels index with 32-bit integers


def _load_svmlight(path, target):
    """svmlight / libsvm: ``label index:value ...``, ``# comments``, an optional ``qid:``.
    Indices are one-based unless a zero appears (scikit-learn's ``zero_based='auto'``)."""
    if target is not None:
        raise DataError(f"{path}: --target does not apply to svmlight files (the first "
                        "field of each line is the target)")
    labels, rows, cols, vals = [], [], [], []
    with _open_text(path) as f:
        try:
            lines = f.read().splitlines()
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: not UTF-8 text ({exc.reason})") from None
    for line_no, line in enumerate(lines, start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        fields = body.split()
        labels.append(_number(fields[0], path, line_no, "target"))
        row = len(labels) - 1
        last = -1
        for col, field in enumerate(fields[1:], start=2):
            if field.startswith("qid:") and col == 2:
                continue
            index, sep, value = field.partition(":")
            where = f"{path}, line {line_no}, field {col}"
            if not sep:
                raise DataError(f"{where}: {field!r} is not index:value")
            try:
                j = int(index)
            except ValueError:
                raise DataError(f"{where}: feature index {index!r} is not an integer") from None
            if j < 0 or j <= last or j > _MAX_INDEX:
                raise DataError(f"{where}: feature indices must be increasing, from 0 or 1 "
                                f"up to {_MAX_INDEX}; got {j}"
                                + (f" after {last}" if last >= 0 else ""))
            last = j
            rows.append(row)
            cols.append(j)
            vals.append(_number(value, path, line_no, f"feature {j}"))
    if not labels:
        raise DataError(f"{path}: no data lines")
    first = 0 if (cols and min(cols) == 0) else 1
    cols = np.asarray(cols, dtype=np.int64) - first
    width = int(cols.max()) + 1 if cols.size else 1
    X = sp.csr_matrix((vals, (rows, cols)), shape=(len(labels), width))
    return Dataset(X, np.asarray(labels), _Names(width, first), "target", path)
