"""Reading a regression data set, for the ``fastpen`` command and saved models.

This module reads files (and standard input) into tables of cells, selects the
target and feature columns (:func:`load_dataset`), and reads new data for a
fitted model (:func:`load_table_for`).  How the cells of a table become the
columns of X -- missing values, numeric and categorical columns, one-hot
encoding -- is :mod:`fastpen._encoding`'s part.

Formats
-------
The type of a file is decided by its content; the extension is a hint only:

- NumPy ``.npy`` (starts with ``\\x93NUMPY``): one 2-D numeric array, the
  target one of its columns (default the last);
- NumPy ``.npz`` (a zip archive, ``PK\\x03\\x04``): arrays ``X`` and ``y`` (and
  optionally ``feature_names``), or a single 2-D array read like a ``.npy``;
- gzip (``\\x1f\\x8b``): decompressed, then decided again on its content;
- text (UTF-8, an optional byte-order mark): svmlight / libsvm when the
  extension is ``.svm``, ``.svmlight`` or ``.libsvm`` or the first data line
  looks like ``label index:value ...``; otherwise delimited text with a header
  row (``,`` ``;`` tab, sniffed from the header, or blanks; ``.tsv`` means tab).

Anything else (a binary file that is none of these) is reported as "not a data
file fastpen can read".  ``path="-"`` reads standard input, named ``<stdin>``
in messages.  Every defect is a one-line :class:`DataError` naming the file,
the line (1-based, the header is line 1; ``row i``, 0-based, in arrays) and
the column.
"""
import csv
import gzip
import io
import math
import os
import re
import sys
import zlib
from typing import NamedTuple

import numpy as np

# MISSING, Column and DataError are also imported from here (tests, fastpen._model,
# the command line)
from ._encoding import (MAX_LEVELS, MISSING, Column, Encoding, NumberedNames,  # noqa: F401
                        Table, check_na, fit_encoding, is_number, short_listing)
from ._errors import DataError

SVMLIGHT = (".svm", ".svmlight", ".libsvm")
STDIN = "<stdin>"

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")       # a zip with members, an empty zip
_GZIP_MAGIC = b"\x1f\x8b"
_UNREADABLE = "not a data file fastpen can read (CSV/TSV text, .npy, .npz, svmlight)"


class Dataset(NamedTuple):
    """A data set ready to fit.

    ``X`` is float64, Fortran-ordered (a CSR matrix for svmlight files), its
    columns named by ``feature_names`` (one-hot columns as ``column=level``);
    ``encoding`` turns new files into the same columns; ``missing_by_column``
    counts the missing cells of each used column that has any (target included),
    over the ``n_rows_read`` rows read, of which ``n_rows_dropped`` were dropped.
    """
    X: object
    y: np.ndarray
    feature_names: tuple
    target_name: str
    source: str
    encoding: object = None
    n_rows_read: int = 0
    n_rows_dropped: int = 0
    missing_by_column: dict = {}


# -- reading bytes and deciding what they are ------------------------------------------


def _read_bytes(path):
    """(content, name for messages) of a file, or of standard input for ``"-"``."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is not None:
            return stream.read(), STDIN
        return sys.stdin.read().encode("utf-8"), STDIN
    path = os.fspath(path)
    if os.path.isdir(path):
        raise DataError(f"{path}: a directory, not a data file")
    if not os.path.isfile(path):
        raise DataError(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            return f.read(), path
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None


def _extension(source):
    """The extension hint of a file name, ``.gz`` removed (lower case, '' for stdin)."""
    if source == STDIN:
        return ""
    name = source[:-3] if source.lower().endswith(".gz") else source
    return os.path.splitext(name)[1].lower()


def _content_kind(content, source):
    """'npy', 'npz', 'svmlight' or 'text' for ``content`` (gzip already opened), or a
    DataError for a binary file none of these."""
    ext = _extension(source)
    if content.startswith(_NPY_MAGIC):
        return "npy"
    if content.startswith(_ZIP_MAGICS):
        return "npz"
    if ext in (".npy", ".npz"):
        raise DataError(f"{source}: not a NumPy {ext} file (it does not start with "
                        f"NumPy's {'header' if ext == '.npy' else 'zip signature'})")
    if _looks_binary(content[:8192]):
        raise DataError(f"{source}: {_UNREADABLE}")
    return "svmlight" if ext in SVMLIGHT else "text"


def _looks_binary(head):
    """NUL bytes or many control characters: not text in any encoding a CSV uses."""
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control > 0.1 * max(len(head), 1)


def _gunzip(content, source):
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{source}: a damaged gzip file ({exc})") from None


def _decode(content, source):
    try:
        return content.decode("utf-8-sig")          # -sig: Excel's byte-order mark
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise DataError(f"{source}, line {line}: not UTF-8 text ({exc.reason})") from None


_SVM_PAIR = re.compile(r"^\d+:\S+$")


def _looks_svmlight(text):
    """Whether the first data line reads ``label [qid:q] index:value ...``."""
    for line in io.StringIO(text):
        body = line.split("#", 1)[0].split()
        if not body:
            continue
        fields = body[2:] if len(body) > 1 and body[1].startswith("qid:") else body[1:]
        return (is_number(body[0]) and bool(fields)
                and all(_SVM_PAIR.match(f) for f in fields))
    return False


def _read_source(path):
    """(kind, payload, source): kind 'npy'/'npz' with the bytes, 'svmlight'/'text'
    with the decoded text."""
    content, source = _read_bytes(path)
    if content.startswith(_GZIP_MAGIC):
        content = _gunzip(content, source)
    kind = _content_kind(content, source)
    if kind in ("npy", "npz"):
        return kind, content, source
    text = _decode(content, source)
    if kind == "text" and _looks_svmlight(text):
        kind = "svmlight"
    return kind, text, source


# -- from text, arrays and mappings to tables ------------------------------------------


def _parse_text(text, source, tab=False):
    """A delimited text file with a header row, as a Table of strings."""
    first = text.split("\n", 1)[0].strip("\r")
    if not first.strip():
        raise DataError(f"{source}, line 1: no header row (the file is empty or starts "
                        "with a blank line)")
    spaces = False
    delimiter = "\t" if tab else None
    if delimiter is None:
        if not any(c in first for c in ",;\t"):
            delimiter, spaces = " ", True        # columns separated by blanks
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
            raise DataError(f"{source}, line 1: the header has {len(names)} column; at "
                            "least a feature and the target are needed")
        if all(is_number(name) for name in names):
            raise DataError(f"{source}, line 1: the header row holds numbers only; the "
                            "first line must name the columns")
        for i, name in enumerate(names):
            if not name:
                raise DataError(f"{source}, line 1, column {i + 1}: an empty column name")
        if len(set(names)) < len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise DataError(f"{source}, line 1: column name {dup!r} appears twice")
        cells, line_numbers = [], []
        line = rows.line_num + 1
        for row in rows:
            if not row or all(not cell.strip() for cell in row):
                line = rows.line_num + 1
                continue                          # blank lines
            if len(row) != len(names):
                raise DataError(f"{source}, line {line}: {len(row)} fields, the header "
                                f"has {len(names)}")
            cells.append(row)
            line_numbers.append(line)
            line = rows.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{source}, line {rows.line_num}: {exc}") from None
    if not cells:
        raise DataError(f"{source}: a header but no data rows")
    columns = [list(column) for column in zip(*cells)]
    return Table(names, columns, source, lines=np.asarray(line_numbers))


def _numeric(a, source, what):
    if a.dtype.kind not in "biuf":
        raise DataError(f"{source}, {what}: dtype {a.dtype} is not numeric")
    return a.astype(np.float64, copy=False)


def _array_table(a, source, names=None, labels=None):
    """A 2-D numeric array as a Table of float columns (names x0, x1, ... unless
    given)."""
    a = _numeric(a, source, "array")
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise DataError(f"{source}: expected a 2-D array with at least one row and one "
                        f"column, got shape {a.shape}")
    positional = names is None
    names = names or [f"x{j}" for j in range(a.shape[1])]
    labels = labels or [f"column {j}" for j in range(a.shape[1])]
    return Table(names, [a[:, j] for j in range(a.shape[1])], source, labels=labels,
                  positional=positional)


def _load_npy_table(content, source):
    try:
        a = np.load(io.BytesIO(content), allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{source}: not a NumPy .npy file ({exc})") from None
    return _array_table(a, source)


def _load_npz_table(content, source):
    """A .npz with ``X`` and ``y`` (target named 'y') or with one 2-D array."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(content)).namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"{source}: a damaged zip archive ({exc})") from None
    if not any(name.endswith(".npy") for name in members):
        hint = (" (an Excel workbook? save it as CSV)"
                if any(name.startswith("xl/") for name in members) else "")
        raise DataError(f"{source}: a zip archive that is not a NumPy .npz file{hint}; "
                        f"fastpen reads CSV/TSV text, .npy, .npz, svmlight")
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        raise DataError(f"{source}: not a NumPy .npz file ({exc})") from None
    if "X" in arrays and "y" in arrays:
        X = _numeric(arrays["X"], source, "array X")
        y = _numeric(arrays["y"], source, "array y")
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0] or X.shape[0] < 1:
            raise DataError(f"{source}: X must be 2-D and y 1-D with as many rows, got "
                            f"shapes {X.shape} and {y.shape}")
        given = arrays.get("feature_names")
        names = None
        if given is not None and np.ndim(given) == 1 and len(given) == X.shape[1]:
            names = [str(n) for n in given]
            if len(set(names)) < len(names) or "y" in names:
                names = None                     # unusable as column names
        table = _array_table(X, source, names=names,
                             labels=[f"column {j}" for j in range(X.shape[1])])
        table.names.append("y")
        table.columns.append(y)
        table.labels.append("array y")
        table.fixed_target = "y"
        return table
    if len(arrays) == 1:
        return _array_table(next(iter(arrays.values())), source)
    raise DataError(f"{source}: expected arrays 'X' and 'y' (or a single 2-D array), found "
                    + (", ".join(sorted(arrays)) or "none"))


def mapping_table(data, source="data"):
    """A mapping or a DataFrame of columns (name -> sequence) as a Table."""
    if hasattr(data, "columns") and hasattr(data, "__getitem__") \
            and not isinstance(data, dict):
        names = [str(name) for name in data.columns]
        columns = [np.asarray(data[name]) for name in data.columns]
    else:
        names = [str(name) for name in data]
        columns = [np.asarray(value) if not isinstance(value, (list, tuple)) else value
                   for value in data.values()]
    if not names:
        raise ValueError("data has no columns")
    if len(set(names)) < len(names):
        raise ValueError("data names a column twice")
    for name, column in zip(names, columns):
        if isinstance(column, np.ndarray) and column.ndim != 1:
            raise ValueError(f"column {name!r} of data must be one-dimensional, got shape "
                             f"{column.shape}")
    lengths = {len(column) for column in columns}
    if len(lengths) > 1:
        raise ValueError(f"the columns of data have different lengths: {sorted(lengths)}")
    columns = [c if not (isinstance(c, np.ndarray) and c.dtype.kind in "OUS") else list(c)
               for c in columns]
    return Table(names, columns, source)


# -- svmlight --------------------------------------------------------------------------


_MAX_INDEX = 2 ** 31 - 2          # fastpen's sparse kernels index with 32-bit integers


def _number(text, source, line, column):
    """float(text), or a DataError naming where it is."""
    text = text.strip()
    try:
        if "_" in text:
            raise ValueError
        value = float(text)
    except ValueError:
        what = "an empty cell" if not text else f"{text!r} is not a number"
        raise DataError(f"{source}, line {line}, {column}: {what}") from None
    if not math.isfinite(value):
        raise DataError(f"{source}, line {line}, {column}: {text} (NaN and infinite "
                        "values are not allowed in svmlight files)")
    return value


def _parse_svmlight(text, source, first=None, width=None):
    """(CSR matrix, labels, first index) of an svmlight / libsvm text:
    ``label index:value ...``, ``# comments``, an optional ``qid:``.  Indices are
    one-based unless a zero appears (scikit-learn's ``zero_based='auto'``), or
    ``first`` when given; ``width`` (given) is the number of columns, and an index
    beyond it is an error."""
    import scipy.sparse as sp

    labels, rows, cols, vals = [], [], [], []
    for line_no, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        fields = body.split()
        labels.append(_number(fields[0], source, line_no, "column 'target'"))
        row = len(labels) - 1
        last = -1
        for col, field in enumerate(fields[1:], start=2):
            if field.startswith("qid:") and col == 2:
                continue
            index, sep, value = field.partition(":")
            where = f"{source}, line {line_no}, field {col}"
            if not sep:
                raise DataError(f"{where}: {field!r} is not index:value")
            try:
                j = int(index)
            except ValueError:
                raise DataError(f"{where}: feature index {index!r} is not an integer") \
                    from None
            if j < 0 or j <= last or j > _MAX_INDEX:
                raise DataError(f"{where}: feature indices must be increasing, from 0 or 1 "
                                f"up to {_MAX_INDEX}; got {j}"
                                + (f" after {last}" if last >= 0 else ""))
            if first is not None and not first <= j < first + width:
                raise DataError(f"{where}: feature index {j} was not in the training data "
                                f"(indices {first} to {first + width - 1})")
            last = j
            rows.append(row)
            cols.append(j)
            vals.append(_number(value, source, line_no, f"feature {j}"))
    if not labels:
        raise DataError(f"{source}: no data lines")
    if first is None:
        first = 0 if (cols and min(cols) == 0) else 1
    cols = np.asarray(cols, dtype=np.int64) - first
    if width is None:
        width = int(cols.max()) + 1 if cols.size else 1
    X = sp.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)),
                      shape=(len(labels), width))
    return X, np.asarray(labels, dtype=np.float64), first


# -- loading a training data set -------------------------------------------------------


def _target_index(target, names, source):
    if target is None:
        return len(names) - 1
    if target in names:
        return names.index(target)
    try:
        index = int(target)
    except (TypeError, ValueError):
        raise DataError(f"{source}: no column {target!r} in the header (columns: "
                        + short_listing(names, 50) + ")") from None
    if not -len(names) <= index < len(names):
        raise DataError(f"{source}: column index {index} out of range ({len(names)} "
                        "columns)")
    return index % len(names)


def _names_list(value, what):
    """features / drop / categorical as a list (a single name allowed)."""
    if value is None:
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{what} must be a list of column names or indices, got "
                        f"{type(value).__name__}") from None
    for item in items:
        if not isinstance(item, (str, int, np.integer)) or isinstance(item, bool):
            raise TypeError(f"{what} must hold column names or indices, got {item!r}")
    if len(set(items)) < len(items):
        dup = next(i for i in items if items.count(i) > 1)
        raise ValueError(f"{what} names {dup!r} twice")
    return items


def _resolve(items, names, source, what):
    """Column positions of names (or 0-based indices) in ``names``."""
    positions = []
    for item in items:
        if isinstance(item, str) and item in names:
            positions.append(names.index(item))
            continue
        try:
            index = int(item)
        except (TypeError, ValueError):
            index = None
        if index is None or not 0 <= index < len(names) or (
                isinstance(item, str) and item.strip() != str(index)):
            raise DataError(f"{source}: {what} names {item!r}, not a column of the file "
                            f"(columns: {short_listing(names, 50)})")
        positions.append(index)
    return positions


def _select(names, t, features, drop, source):
    """Positions of the feature columns used, in the order ``features`` gives (file
    order otherwise)."""
    target = names[t]
    if features is not None:
        used = _resolve(features, names, source, "--features")
        if t in used:
            raise DataError(f"{source}: the target {target!r} cannot be among --features")
        if len(set(used)) < len(used):
            raise ValueError("features names a column twice")
    else:
        used = [j for j in range(len(names)) if j != t]
    if drop is not None:
        dropped = _resolve(drop, names, source, "--drop")
        if t in dropped:
            raise DataError(f"{source}: the target {target!r} cannot be among --drop")
        if features is not None:
            both = sorted(set(used) & set(dropped))
            if both:
                raise ValueError("features and drop both name "
                                 + ", ".join(repr(names[j]) for j in both))
        used = [j for j in used if j not in set(dropped)]
    if not used:
        raise DataError(f"{source}: no feature columns left (columns: "
                        f"{short_listing(names, 50)}; target {target!r})")
    return used


def load_dataset(path=None, target=None, *, features=None, drop=None, categorical="auto",
                 na="error", max_levels=MAX_LEVELS, target_labels=False):
    """The data set in ``path`` (None: the bundled diabetes data), ready to fit.

    Parameters
    ----------
    path : str, os.PathLike, ``"-"`` or None
        A file (its type decided by its content, see the module's docstring),
        ``"-"`` for standard input, or None for the bundled diabetes data.
    target : str or int, optional
        The target column: a name, or a 0-based column index (text, ``.npy``);
        default the last column.  Not used by svmlight files (their first field
        is the target) nor ``.npz`` files with ``X`` and ``y`` (the target is ``y``).
    features, drop : list of str or int, optional
        The feature columns to use (in this order), or the columns to leave out;
        names, or 0-based indices.  Both may be given if they name different
        columns; neither may name the target.
    categorical : 'auto', 'none' or list of str
        Which columns to one-hot encode (see :mod:`fastpen._encoding`): text and
        NumPy files (an svmlight file's columns are numeric).
    na : {'error', 'drop'}
        A missing cell in a used column or the target: an error, or its row is
        dropped.
    max_levels : int
        The most levels a categorical column may have.
    target_labels : bool, default=False
        The target holds class labels (any text; ``y`` an object array of str)
        rather than numbers.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        A missing, unreadable or malformed file, an unknown column, a cell that
        is not a number in a numeric column, a missing value under
        ``na='error'``, no rows left.
    ValueError, TypeError
        Arguments that contradict each other or have the wrong type, whatever
        the file (``features`` and ``drop`` naming the same column, an unknown
        ``na`` or ``categorical``).
    """
    check_na(na)
    mode, listed = _categorical_mode(categorical)
    features, drop = _names_list(features, "features"), _names_list(drop, "drop")
    if features is not None and drop is not None:
        overlap = set(map(str, features)) & set(map(str, drop))
        if overlap:
            raise ValueError("features and drop both name "
                             + ", ".join(repr(n) for n in sorted(overlap)))
    if path is None:
        table = _diabetes_table()
        if target not in (None, "y", "target", "progression"):
            raise DataError(f"the bundled diabetes data has no column {target!r}: its "
                            "target is 'y' and its features are "
                            + ", ".join(table.names[:-1]))
        target = "y"
        layout = "table"
    else:
        kind, payload, source = _read_source(path)
        if kind == "svmlight":
            if listed:
                raise DataError(f"{source}: categorical columns apply to text files, not "
                                "to svmlight files")
            data = _svmlight_dataset(payload, source, target, features, drop)
            if target_labels:
                from ._encoding import number_labels

                y = np.array(number_labels(data.y), dtype=object)
                data = data._replace(y=y)
            return data
        if kind == "npy":
            table = _load_npy_table(payload, source)
        elif kind == "npz":
            table = _load_npz_table(payload, source)
            if table.fixed_target is not None:
                if target not in (None, table.fixed_target):
                    raise DataError(f"{source}: --target does not apply to a .npz file "
                                    "with arrays X and y (the target is y)")
                target = table.fixed_target
        else:
            table = _parse_text(payload, source, tab=_extension(source) == ".tsv")
        layout = "array" if table.positional else "table"
    return _table_dataset(table, target, features, drop, mode, listed, na, max_levels,
                          layout, target_labels)


def _categorical_mode(categorical):
    """('auto' | 'none' | 'list', the listed names or None)."""
    if isinstance(categorical, str):
        if categorical in ("auto", "none"):
            return categorical, None
        raise ValueError(f"categorical must be 'auto', 'none' or a list of column names, "
                         f"got {categorical!r}")
    listed = _names_list(categorical, "categorical")
    if listed is None:
        raise ValueError("categorical must be 'auto', 'none' or a list of column names, "
                         "got None")
    return "list", listed


def _diabetes_table():
    from .datasets import load_diabetes

    X, y, names = load_diabetes()
    table = _array_table(np.c_[X, y], "bundled diabetes data (Efron et al. 2004)",
                         names=list(names) + ["y"])
    table.labels = [f"column {n!r}" for n in table.names]
    return table


def _table_dataset(table, target, features, drop, mode, listed, na, max_levels, layout,
                   target_labels=False):
    """The Dataset of a table: the target and feature columns chosen here, their
    encoding decided by :func:`fastpen._encoding.fit_encoding`."""
    source = table.source
    names = table.names
    t = _target_index(target, names, source)
    used = _select(names, t, features, drop, source)
    listed_positions = set()
    if listed is not None:
        listed_positions = set(_resolve(listed, names, source, "--categorical"))
        for j in listed_positions:
            if j == t:
                raise DataError(f"{source}: the target {names[t]!r} cannot be categorical "
                                "(fastpen fits regressions)")
            if j not in used:
                raise DataError(f"{source}: --categorical names {names[j]!r}, which is "
                                "not among the features used")
    encoding, X, y, missing, missing_by_column = fit_encoding(
        table, t, used, listed_positions, mode, na, max_levels, layout, target_labels)
    y = y if target_labels else np.ascontiguousarray(y)
    return Dataset(X, y, encoding.feature_names, names[t], source,
                   encoding, table.n_rows, int(missing.sum()), missing_by_column)


def _svmlight_dataset(text, source, target, features, drop):
    if target is not None:
        raise DataError(f"{source}: --target does not apply to svmlight files (the first "
                        "field of each line is the target)")
    X, labels, first = _parse_svmlight(text, source)
    width = X.shape[1]
    positions = None
    if features is not None or drop is not None:
        names = NumberedNames(width, first)
        positions = list(range(width))
        if features is not None:
            positions = _resolve_svm(features, names, source, "--features")
        if drop is not None:
            dropped = set(_resolve_svm(drop, names, source, "--drop"))
            if features is not None:
                both = sorted(set(positions) & dropped)
                if both:
                    raise ValueError("features and drop both name "
                                     + ", ".join(repr(names[p]) for p in both))
            positions = [p for p in positions if p not in dropped]
        if not positions:
            raise DataError(f"{source}: no feature columns left")
    encoding = Encoding(None, "target", layout="svmlight", first_index=first, width=width,
                        positions=positions)
    X, _, y = encoding._transform_sparse(X, labels)
    return Dataset(X, y, encoding.feature_names, "target", source, encoding,
                   X.shape[0], 0, {})


def _resolve_svm(items, names, source, what):
    """Positions of svmlight columns named x{index} or given as 0-based positions."""
    positions = []
    for item in items:
        text = str(item)
        if text.startswith("x") and text[1:].isdigit():
            p = int(text[1:]) - names.first
        elif text.strip().lstrip("-").isdigit():
            p = int(text)
        else:
            p = -1
        if not 0 <= p < len(names):
            raise DataError(f"{source}: {what} names {item!r}, not a column of the file "
                            f"(x{names.first} to x{names.first + len(names) - 1})")
        positions.append(p)
    if len(set(positions)) < len(positions):
        raise ValueError(f"{what} names a column twice")
    return positions


# -- new data for a fitted model -------------------------------------------------------


def load_table_for(encoding, path, *, na="error", drop=(), target_labels=False):
    """New data in ``path`` encoded as the model's training data was.

    Parameters
    ----------
    encoding : Encoding
    path : str, os.PathLike or ``"-"``
    na : {'error', 'drop'}
        A missing cell in a used column: an error, or the row is left out of X
        (its place kept by ``rows``).
    drop : sequence of str, default=()
        Columns of the file that training did not see, to leave out (see
        :meth:`Encoding.transform`).
    target_labels : bool, default=False
        The target column holds class labels: ``y`` is their text (see
        :meth:`Encoding.transform`).

    Returns
    -------
    X : ndarray (rows.sum(), n_features) or CSR matrix
    rows : ndarray of bool (n_rows,)
        The rows of the file that X holds, in order.
    y : ndarray (n_rows,) or None
        The target column when the file has it (NaN where missing).

    Raises
    ------
    DataError
        A file that cannot be read, a column the model uses missing, a column that
        was not in the training data, an unseen level, a text cell in a numeric
        column, a missing value under ``na='error'``.
    """
    check_na(na)
    kind, payload, source = _read_source(path)
    if encoding.layout == "svmlight":
        if kind != "svmlight":
            raise DataError(f"{source}: the model was fitted on an svmlight file; this is "
                            f"{'a NumPy file' if kind in ('npy', 'npz') else 'not one'}")
        if drop:
            raise DataError(f"{source}: an svmlight file has no named columns to drop")
        X, labels, _ = _parse_svmlight(payload, source, first=encoding.first_index,
                                       width=encoding.width)
        X, rows, y = encoding._transform_sparse(X, labels)
        if target_labels:
            from ._encoding import number_labels

            y = np.array(number_labels(y), dtype=object)
        return X, rows, y
    if kind == "svmlight":
        raise DataError(f"{source}: an svmlight file, but the model was fitted on "
                        "named columns")
    if kind == "npy":
        table = _load_npy_table(payload, source)
    elif kind == "npz":
        table = _load_npz_table(payload, source)
    else:
        table = _parse_text(payload, source, tab=_extension(source) == ".tsv")
    return encoding.transform(table, na=na, drop=drop, target_labels=target_labels)

