"""Reading a regression data set, for the ``fastpen`` command and saved models.

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

Columns
-------
Missing cells: a cell that is empty or one of ``NA``, ``N/A``, ``n/a``,
``NaN``, ``nan``, ``null``, ``NULL``, ``None``, ``?``, ``.`` (after stripping
blanks; exactly these spellings), and NaN in arrays.  Infinite numbers
(``inf``, ``1e999``) are errors, not missing values.

Categorical columns (``categorical=``):

- ``"auto"``: a column whose non-missing cells are all text (none is a number)
  is categorical; all numbers: numeric.  A column that *mixes* numbers and text
  is an error naming its first text cell -- far more often a numeric column
  with a typo than a category coded partly in digits; naming the column in
  ``categorical`` encodes it.  A text column that looks like an identifier (more
  than ``max_levels`` levels, or, with 20 rows or more, more levels than half
  the rows) is an error suggesting ``--drop``: its one-hot columns could not
  generalise, and a new file's identifiers would all be unseen levels.
- ``"none"``: every used column must be numeric.
- a list of column names: exactly those are one-hot encoded (numeric codes
  included: ``1`` and ``1.0`` are then different levels, compared as text);
  the others must be numeric.  Only ``max_levels`` is checked.

One-hot encoding keeps one indicator column per level, named
``column=level``: no reference level is dropped, since the penalty already
makes the coefficients identifiable (and the intercept absorbs the common
part), so every level is treated alike whatever order the levels come in.
Levels are those seen in the rows kept, sorted numerically when every level
reads as a number (``2`` before ``10``), else as text (by code point).

The target must be numeric (regression).  ``na="error"`` reports the first
missing cell of a used column (or of the target) and how many rows have one;
``na="drop"`` drops those rows and counts them (:class:`Dataset`).
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

SVMLIGHT = (".svm", ".svmlight", ".libsvm")
MISSING = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?", "."})
MAX_LEVELS = 1000
STDIN = "<stdin>"

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")       # a zip with members, an empty zip
_GZIP_MAGIC = b"\x1f\x8b"
_UNREADABLE = "not a data file fastpen can read (CSV/TSV text, .npy, .npz, svmlight)"

# cell codes of a scanned column
_MISSING, _NUMBER, _TEXT, _NONFINITE = 0, 1, 2, 3


class DataError(ValueError):
    """A data file that cannot be used (the message names file, line and column)."""


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
        return (_is_number(body[0]) and bool(fields)
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


# -- tables: named columns of cells, before they become numbers ------------------------


class _Table:
    """Columns read from one source.

    ``columns[j]`` is a list of cells (strings from text files, any Python or NumPy
    scalars from a mapping) or a float64 array (NumPy files); ``labels[j]`` names
    the column in messages; ``lines[i]`` is the 1-based line of row i in a text
    file (None: rows are named by their 0-based index).  ``positional``: the names
    were made up from column positions (arrays without names).
    """

    def __init__(self, names, columns, source, *, labels=None, lines=None,
                 positional=False):
        self.names = list(names)
        self.columns = list(columns)
        self.source = source
        self.labels = labels or [f"column {name!r}" for name in self.names]
        self.lines = lines
        self.positional = positional
        self.fixed_target = None          # .npz with X and y: the target is 'y'
        self.n_rows = len(self.columns[0]) if self.columns else 0

    def where(self, row):
        """``source, line L`` (or ``row i``) of a row, for messages."""
        if self.lines is not None:
            return f"{self.source}, line {self.lines[row]}"
        return f"{self.source}, row {row}"

    def index(self, name):
        return self.names.index(name)


def _scan(cells):
    """(codes, values, texts) of a column: the kind of each cell (_MISSING, _NUMBER,
    _TEXT, _NONFINITE), its number (NaN when not a finite number) and its stripped
    text (None for missing cells; None throughout for float arrays)."""
    if isinstance(cells, np.ndarray) and cells.dtype.kind in "biuf":
        values = cells.astype(np.float64)
        codes = np.full(values.shape, _NUMBER, dtype=np.int8)
        codes[np.isnan(values)] = _MISSING
        codes[np.isinf(values)] = _NONFINITE
        values = np.where(codes == _NUMBER, values, np.nan)
        return codes, values, None
    n = len(cells)
    codes = np.empty(n, dtype=np.int8)
    values = np.full(n, np.nan)
    texts = [None] * n
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            text = cell.strip()
            if text in MISSING:
                codes[i] = _MISSING
                continue
            texts[i] = text
            if "_" in text:                  # float() accepts 1_000; a data file does not
                codes[i] = _TEXT
                continue
            try:
                value = float(text)
            except ValueError:
                codes[i] = _TEXT
                continue
        elif cell is None:
            codes[i] = _MISSING
            continue
        elif isinstance(cell, (int, float, np.integer, np.floating)) \
                and not isinstance(cell, (bool, np.bool_)):
            value = float(cell)
            if math.isnan(value):
                codes[i] = _MISSING
                continue
            texts[i] = str(cell)
        else:
            codes[i] = _TEXT
            texts[i] = str(cell)
            continue
        if math.isfinite(value):
            codes[i] = _NUMBER
            values[i] = value
        else:
            codes[i] = _NONFINITE
    return codes, values, texts


def _texts(cells, scan):
    """The stripped text of each non-missing cell (made from the numbers of a numeric
    array, as ``str`` writes them, when the column is read as categorical)."""
    codes, _, texts = scan
    if texts is not None:
        return texts
    return [None if code == _MISSING else str(value)
            for code, value in zip(codes, cells.tolist())]


def _cell_text(table, j, row):
    """The cell as the file wrote it, for messages."""
    cell = table.columns[j][row]
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, (float, np.floating)) and math.isnan(cell):
        return "NaN"
    return str(cell)


_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
# digits with separators Python's float() does not take (1,5  1_000  1.234,5): a number
# written for another locale, never read as a category
_NUMBER_LIKE = re.compile(r"^[-+]?[\d_.,]*\d[\d_.,]*([eE][-+]?\d+)?$")


def _not_a_number(table, j, row, hint):
    text = _cell_text(table, j, row)
    if _DECIMAL_COMMA.match(text):
        hint += "; a decimal comma? fastpen reads '.' as the decimal mark"
    return f"{table.where(row)}, {table.labels[j]}: {text!r} is not a number ({hint})"


def _nonfinite(table, j, row):
    return (f"{table.where(row)}, {table.labels[j]}: {_cell_text(table, j, row)} "
            "(infinite values are not allowed)")


def _first(mask):
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _raise_first(problems):
    """Raise the problem found earliest in reading order: (row, column, message)."""
    if problems:
        raise DataError(min(problems)[2])


# -- from text, arrays and mappings to tables ------------------------------------------


def _parse_text(text, source, tab=False):
    """A delimited text file with a header row, as a _Table of strings."""
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
        if all(_is_number(name) for name in names):
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
    return _Table(names, columns, source, lines=np.asarray(line_numbers))


def _numeric(a, source, what):
    if a.dtype.kind not in "biuf":
        raise DataError(f"{source}, {what}: dtype {a.dtype} is not numeric")
    return a.astype(np.float64, copy=False)


def _array_table(a, source, names=None, labels=None):
    """A 2-D numeric array as a _Table of float columns (names x0, x1, ... unless
    given)."""
    a = _numeric(a, source, "array")
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise DataError(f"{source}: expected a 2-D array with at least one row and one "
                        f"column, got shape {a.shape}")
    positional = names is None
    names = names or [f"x{j}" for j in range(a.shape[1])]
    labels = labels or [f"column {j}" for j in range(a.shape[1])]
    return _Table(names, [a[:, j] for j in range(a.shape[1])], source, labels=labels,
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


def _mapping_table(data, source="data"):
    """A mapping or a DataFrame of columns (name -> sequence) as a _Table."""
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
    lengths = {len(column) for column in columns}
    if len(lengths) > 1:
        raise ValueError(f"the columns of data have different lengths: {sorted(lengths)}")
    columns = [c if not (isinstance(c, np.ndarray) and c.dtype.kind in "OUS") else list(c)
               for c in columns]
    return _Table(names, columns, source)


# -- svmlight --------------------------------------------------------------------------


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

    def __eq__(self, other):
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))


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


# -- the encoding ----------------------------------------------------------------------


class Column(NamedTuple):
    """One input column a model uses: ``kind`` is 'numeric' or 'categorical' (then
    ``levels``, sorted, one indicator column each)."""
    name: str
    kind: str
    levels: tuple = None


class Encoding:
    """How the columns of a file become the columns of X.

    Parameters
    ----------
    columns : sequence of Column
        The input columns used, in the order of X.
    target : str
        The target column's name.
    source_columns : sequence of str, optional
        Every column of the training file, target included, in file order; those
        neither used nor the target were ignored (dropped or not selected), and may
        appear in new files.  Default: the used columns and the target.
    layout : {'table', 'array', 'svmlight'}
        'table': named columns (text with a header, or arrays whose columns have
        names); 'array': a NumPy array whose columns were named by position
        (x0, x1, ...), so a new array with exactly the used columns is also
        accepted; 'svmlight': sparse, see ``first_index``, ``width``, ``positions``.
    first_index, width : int, optional
        svmlight only: the index of the first feature (0 or 1) and the number of
        feature columns of the training file.
    positions : sequence of int or None
        svmlight only: the training file's feature columns used (None: all).
    """

    LAYOUTS = ("table", "array", "svmlight")

    def __init__(self, columns, target, *, source_columns=None, layout="table",
                 first_index=None, width=None, positions=None):
        if layout not in self.LAYOUTS:
            raise ValueError(f"layout must be one of {self.LAYOUTS}, got {layout!r}")
        self.layout = layout
        self.target = str(target)
        if layout == "svmlight":
            if first_index not in (0, 1) or not isinstance(width, int) or width < 1:
                raise ValueError("an svmlight encoding needs first_index 0 or 1 and a "
                                 "positive width")
            self.first_index, self.width = first_index, width
            self.positions = None if positions is None else tuple(int(p) for p in positions)
            if self.positions is not None and any(not 0 <= p < width
                                                  for p in self.positions):
                raise ValueError("svmlight positions must lie in [0, width)")
            self.columns = None            # made on demand: there may be millions
            self.source_columns = None
            return
        self.columns = tuple(Column(*c) if not isinstance(c, Column) else c
                             for c in columns)
        for c in self.columns:
            if c.kind == "numeric" and c.levels is None:
                continue
            if c.kind != "categorical" or not c.levels or len(set(c.levels)) != len(c.levels):
                raise ValueError(f"column {c.name!r}: kind must be 'numeric' or "
                                 "'categorical' with distinct levels")
        used = [c.name for c in self.columns]
        if not used or len(set(used)) != len(used) or self.target in used:
            raise ValueError("the encoding's columns must be distinct, at least one, and "
                             "not the target")
        if source_columns is None:
            source_columns = used + [self.target]
        self.source_columns = tuple(str(s) for s in source_columns)
        if not set(used) | {self.target} <= set(self.source_columns) \
                or len(set(self.source_columns)) != len(self.source_columns):
            raise ValueError("source_columns must be distinct and hold every used column "
                             "and the target")
        names = self.feature_names
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"two encoded columns would be named {dup!r}")

    @classmethod
    def numeric(cls, feature_names, target="y"):
        """Every feature a numeric column of its own name."""
        return cls([Column(str(n), "numeric") for n in feature_names], target)

    @property
    def feature_names(self):
        """The names of the columns of X (tuple; a lazy sequence for svmlight)."""
        if self.layout == "svmlight":
            if self.positions is None:
                return _Names(self.width, self.first_index)
            return tuple(f"x{p + self.first_index}" for p in self.positions)
        names = []
        for c in self.columns:
            if c.kind == "numeric":
                names.append(c.name)
            else:
                names.extend(f"{c.name}={level}" for level in c.levels)
        return tuple(names)

    @property
    def n_features(self):
        if self.layout == "svmlight":
            return self.width if self.positions is None else len(self.positions)
        return sum(1 if c.kind == "numeric" else len(c.levels) for c in self.columns)

    @property
    def ignored(self):
        """Columns of the training file neither used nor the target."""
        if self.layout == "svmlight":
            if self.positions is None:
                return ()
            kept = set(self.positions)
            return tuple(f"x{p + self.first_index}" for p in range(self.width)
                         if p not in kept)
        used = {c.name for c in self.columns} | {self.target}
        return tuple(name for name in self.source_columns if name not in used)

    def __eq__(self, other):
        return isinstance(other, Encoding) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return (f"Encoding(layout={self.layout!r}, target={self.target!r}, "
                f"n_features={self.n_features})")

    # -- JSON ------------------------------------------------------------------------

    def to_dict(self):
        """A JSON-safe description (``from_dict`` reads it back)."""
        if self.layout == "svmlight":
            return {"layout": "svmlight", "target": self.target,
                    "first_index": self.first_index, "width": self.width,
                    "positions": None if self.positions is None else list(self.positions)}
        return {"layout": self.layout, "target": self.target,
                "columns": [{"name": c.name, "kind": c.kind} if c.kind == "numeric" else
                            {"name": c.name, "kind": c.kind, "levels": list(c.levels)}
                            for c in self.columns],
                "source_columns": list(self.source_columns),
                "ignored": list(self.ignored),
                "feature_names": list(self.feature_names)}

    @classmethod
    def from_dict(cls, d):
        """The encoding ``to_dict`` described; ValueError for anything malformed."""
        if not isinstance(d, dict):
            raise ValueError("the encoding must be a JSON object")
        layout = d.get("layout")
        target = d.get("target")
        if not isinstance(target, str):
            raise ValueError("the encoding's target must be a string")
        if layout == "svmlight":
            positions = d.get("positions")
            if positions is not None and not (
                    isinstance(positions, list)
                    and all(isinstance(p, int) and not isinstance(p, bool)
                            for p in positions)):
                raise ValueError("the encoding's positions must be a list of integers")
            return cls(None, target, layout="svmlight", first_index=d.get("first_index"),
                       width=d.get("width"), positions=positions)
        columns = d.get("columns")
        if not isinstance(columns, list):
            raise ValueError("the encoding's columns must be a list")
        parsed = []
        for c in columns:
            if not isinstance(c, dict) or not isinstance(c.get("name"), str):
                raise ValueError("each encoding column must be an object with a name")
            levels = c.get("levels")
            if levels is not None and not (isinstance(levels, list)
                                           and all(isinstance(v, str) for v in levels)):
                raise ValueError(f"column {c['name']!r}: levels must be a list of strings")
            parsed.append(Column(c["name"], c.get("kind"),
                                 None if levels is None else tuple(levels)))
        source_columns = d.get("source_columns")
        if source_columns is not None and not (
                isinstance(source_columns, list)
                and all(isinstance(s, str) for s in source_columns)):
            raise ValueError("the encoding's source_columns must be a list of strings")
        encoding = cls(parsed, target, source_columns=source_columns, layout=layout)
        stored = d.get("feature_names")
        if stored is not None and list(stored) != list(encoding.feature_names):
            raise ValueError("the encoding's feature_names do not follow from its columns")
        return encoding

    # -- new data --------------------------------------------------------------------

    def transform(self, table, *, na="error"):
        """(X, rows, y) for new data read with :func:`load_table_for`.

        Parameters
        ----------
        table : _Table
            The columns of the new data (a text file, an array, a mapping).
        na : {'error', 'drop'}
            A missing cell in a used column: an error, or the row is not encoded.

        Returns
        -------
        X : ndarray of shape (rows.sum(), n_features), float64, Fortran-ordered
        rows : ndarray of bool, shape (n_rows,)
            The rows encoded (all of them unless ``na='drop'``).
        y : ndarray of shape (n_rows,) or None
            The target column when the data has it (NaN for a missing cell).
        """
        _check_na(na)
        if self.layout == "svmlight":
            raise DataError(f"{table.source}: the model was fitted on an svmlight file; "
                            "give it an svmlight file")
        table = self._align(table)
        positions = [table.index(c.name) for c in self.columns]
        scans = {j: _scan(table.columns[j]) for j in positions}
        problems = []
        for column, j in zip(self.columns, positions):
            codes = scans[j][0]
            if column.kind == "numeric":
                _numeric_problems(table, j, codes, problems,
                                  f"the model reads column {column.name!r} as numeric")
            else:
                known = set(column.levels)
                texts = _texts(table.columns[j], scans[j])
                scans[j] = scans[j][:2] + (texts,)
                for row in np.flatnonzero(codes != _MISSING):
                    if texts[row] not in known:
                        problems.append((row, j, _unseen_level(table, j, row, column)))
                        break
        y = None
        if self.target in table.names:
            t = table.index(self.target)
            codes, y, _ = _scan(table.columns[t])
            _target_problems(table, t, codes, problems)
        _raise_first(problems)
        missing = np.zeros(table.n_rows, dtype=bool)
        for j in positions:
            missing |= scans[j][0] == _MISSING
        if missing.any() and na == "error":
            _raise_missing(table, positions, scans, missing)
        rows = ~missing
        return _encode(self.columns, positions, scans, rows), rows, y

    def _align(self, table):
        """The table after the column checks, its columns named as in training when
        both name them by position (arrays without names)."""
        used = [c.name for c in self.columns]
        if table.positional and self.layout == "table":
            raise DataError(f"{table.source}: an array without column names; the model "
                            f"uses named columns: {_listing(used)}")
        if table.positional and self.layout == "array":
            full = list(self.source_columns)
            features = [name for name in full if name != self.target]
            for names in (full, features, used):
                if len(table.names) == len(names):
                    table.names = list(names)
                    break
            else:
                raise DataError(
                    f"{table.source}: an array of {len(table.names)} columns; the model "
                    f"expects {len(full)} (the training file's, target included), "
                    f"{len(features)} (without the target) or {len(used)} (the features "
                    "it uses)")
        for name in used:
            if name not in table.names:
                raise DataError(f"{table.source}: column {name!r} is missing; the model "
                                f"uses: {_listing(used)}")
        known = set(self.source_columns)
        for name in table.names:
            if name not in known:
                raise DataError(f"{table.source}: column {name!r} was not in the training "
                                f"data; the model uses: {_listing(used)}")
        return table

    def _transform_sparse(self, X, labels):
        """(X restricted to the used columns, rows, y) for a parsed svmlight file."""
        if self.positions is not None:
            X = X[:, list(self.positions)]
        return X.tocsr(), np.ones(X.shape[0], dtype=bool), labels


def _unseen_level(table, j, row, column):
    return (f"{table.where(row)}, {table.labels[j]}: level "
            f"{_cell_text(table, j, row)!r} was not in the training data (known levels: "
            f"{_listing(column.levels)})")


def _listing(names, limit=20):
    names = list(names)
    shown = ", ".join(str(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _check_na(na):
    if na not in ("error", "drop"):
        raise ValueError(f"na must be 'error' or 'drop', got {na!r}")


def _numeric_problems(table, j, codes, problems, hint):
    """Append the first text cell and the first infinite number of a numeric column."""
    row = _first(codes == _TEXT)
    if row is not None:
        problems.append((row, j, _not_a_number(table, j, row, hint)))
    row = _first(codes == _NONFINITE)
    if row is not None:
        problems.append((row, j, _nonfinite(table, j, row)))


def _target_problems(table, t, codes, problems):
    _numeric_problems(table, t, codes, problems,
                      "the target must be numeric: fastpen fits regressions")


def _raise_missing(table, positions, scans, missing):
    """The DataError for na='error': the first missing cell and how many rows have one."""
    row = int(np.flatnonzero(missing)[0])
    j = min(j for j in positions if scans[j][0][row] == _MISSING)   # leftmost in the file
    text = _cell_text(table, j, row)
    what = "an empty cell" if not text else text
    count = int(missing.sum())
    raise DataError(f"{table.where(row)}, {table.labels[j]}: {what} is a missing value "
                    f"({count} of {table.n_rows} rows {'has' if count == 1 else 'have'} "
                    "one; --na drop drops those rows)")


def _sorted_levels(texts):
    """Distinct levels, numerically when all read as numbers, else by code point."""
    levels = set(texts)
    if all(_is_number(level) for level in levels):
        return tuple(sorted(levels, key=lambda v: (float(v), v)))
    return tuple(sorted(levels))


def _encode(columns, positions, scans, rows):
    """X (rows.sum(), p) of the used columns: numbers as they are, one indicator
    column per level (Fortran order, float64)."""
    n = int(rows.sum())
    width = sum(1 if c.kind == "numeric" else len(c.levels) for c in columns)
    X = np.zeros((n, width), order="F")
    offset = 0
    kept = np.flatnonzero(rows)
    for column, j in zip(columns, positions):
        codes, values, texts = scans[j]
        if column.kind == "numeric":
            X[:, offset] = values[rows]
            offset += 1
            continue
        index = {level: k for k, level in enumerate(column.levels)}
        hot = np.fromiter((index[texts[i]] for i in kept), dtype=np.intp, count=n)
        X[np.arange(n), offset + hot] = 1.0
        offset += len(column.levels)
    return X


# -- loading a training data set -------------------------------------------------------


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _target_index(target, names, source):
    if target is None:
        return len(names) - 1
    if target in names:
        return names.index(target)
    try:
        index = int(target)
    except (TypeError, ValueError):
        raise DataError(f"{source}: no column {target!r} in the header (columns: "
                        + _listing(names, 50) + ")") from None
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
                            f"(columns: {_listing(names, 50)})")
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
                        f"{_listing(names, 50)}; target {target!r})")
    return used


def load_dataset(path=None, target=None, *, features=None, drop=None, categorical="auto",
                 na="error", max_levels=MAX_LEVELS):
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
        Which columns to one-hot encode (module docstring).  Text files only.
    na : {'error', 'drop'}
        A missing cell in a used column or the target: an error, or its row is
        dropped.
    max_levels : int
        The most levels a categorical column may have.

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
    _check_na(na)
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
            return _svmlight_dataset(payload, source, target, features, drop)
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
                          layout)


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


def _table_dataset(table, target, features, drop, mode, listed, na, max_levels, layout):
    source = table.source
    names = table.names
    t = _target_index(target, names, source)
    used = _select(names, t, features, drop, source)
    categorical = set()
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
            categorical.add(j)
    scans = {j: _scan(table.columns[j]) for j in used + [t]}
    problems = []
    for j in used:
        codes = scans[j][0]
        n_text = int(np.count_nonzero(codes == _TEXT))
        n_numbers = int(np.count_nonzero((codes == _NUMBER) | (codes == _NONFINITE)))
        if j in categorical:
            continue
        texts = scans[j][2]
        number_like = mode == "auto" and n_text and not n_numbers and any(
            _NUMBER_LIKE.match(texts[i]) for i in np.flatnonzero(codes == _TEXT))
        if mode == "auto" and n_text and not n_numbers and not number_like:
            categorical.add(j)
            continue
        if number_like:
            hint = (f"column {names[j]!r} holds numbers written with ',' or '_', which "
                    "fastpen does not read")
        elif mode == "auto" and n_text:
            hint = (f"column {names[j]!r} has {n_text} text "
                    f"{'cell' if n_text == 1 else 'cells'} and {n_numbers} "
                    f"{'number' if n_numbers == 1 else 'numbers'}: --categorical "
                    f"{names[j]} encodes it as categorical")
        elif mode == "auto":
            hint = "a numeric column"
        elif mode == "none":
            hint = ("a numeric column: --categorical auto or --categorical "
                    f"{names[j]} one-hot encodes text")
        else:
            hint = (f"column {names[j]!r} is not among --categorical, so it must be "
                    "numeric")
        _numeric_problems(table, j, codes, problems, hint)
    _target_problems(table, t, scans[t][0], problems)
    _raise_first(problems)

    checked = used + [t]
    missing = np.zeros(table.n_rows, dtype=bool)
    missing_by_column = {}
    for j in sorted(checked):
        column_missing = scans[j][0] == _MISSING
        if column_missing.any():
            missing |= column_missing
            missing_by_column[names[j]] = int(column_missing.sum())
    if missing.any():
        if na == "error":
            _raise_missing(table, sorted(checked), scans, missing)
        if missing.all():
            raise DataError(f"{source}: every one of the {table.n_rows} rows has a missing "
                            "value (" + ", ".join(f"{k}: {v}" for k, v in
                                                  missing_by_column.items())
                            + "); no rows left to fit")
    rows = ~missing

    columns = []
    for j in used:
        if j not in categorical:
            columns.append(Column(names[j], "numeric"))
            continue
        texts = _texts(table.columns[j], scans[j])
        scans[j] = scans[j][:2] + (texts,)
        kept = [texts[i] for i in np.flatnonzero(rows)]
        levels = _sorted_levels(kept)
        if not levels:
            raise DataError(f"{source}, {table.labels[j]}: no value in the rows kept")
        auto = j not in listed_positions
        too_many = len(levels) > max_levels
        id_like = auto and len(kept) >= 20 and len(levels) > len(kept) / 2
        if too_many or id_like:
            why = (f"{len(levels)} levels, more than {max_levels}" if too_many else
                   f"{len(levels)} different values in {len(kept)} rows")
            raise DataError(f"{source}, {table.labels[j]}: a text column with {why} (an "
                            f"identifier?); --drop {names[j]} leaves it out"
                            + ("" if too_many else f", --categorical {names[j]} "
                               "encodes it anyway"))
        columns.append(Column(names[j], "categorical", levels))
    try:
        encoding = Encoding(columns, names[t], source_columns=names, layout=layout)
    except ValueError as exc:
        raise DataError(f"{source}: {exc}") from None
    X = _encode(encoding.columns, used, scans, rows)
    y = scans[t][1][rows]
    return Dataset(X, np.ascontiguousarray(y), encoding.feature_names, names[t], source,
                   encoding, table.n_rows, int(missing.sum()), missing_by_column)


def _svmlight_dataset(text, source, target, features, drop):
    if target is not None:
        raise DataError(f"{source}: --target does not apply to svmlight files (the first "
                        "field of each line is the target)")
    X, labels, first = _parse_svmlight(text, source)
    width = X.shape[1]
    positions = None
    if features is not None or drop is not None:
        names = _Names(width, first)
        positions = list(range(width))
        if features is not None:
            positions = _resolve_svm(features, names, source, "--features")
        if drop is not None:
            dropped = set(_resolve_svm(drop, names, source, "--drop"))
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


def load_table_for(encoding, path, *, na="error"):
    """New data in ``path`` encoded as the model's training data was.

    Parameters
    ----------
    encoding : Encoding
    path : str, os.PathLike or ``"-"``
    na : {'error', 'drop'}
        A missing cell in a used column: an error, or the row is left out of X
        (its place kept by ``rows``).

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
    _check_na(na)
    kind, payload, source = _read_source(path)
    if encoding.layout == "svmlight":
        if kind != "svmlight":
            raise DataError(f"{source}: the model was fitted on an svmlight file; this is "
                            f"{'a NumPy file' if kind in ('npy', 'npz') else 'not one'}")
        X, labels, _ = _parse_svmlight(payload, source, first=encoding.first_index,
                                       width=encoding.width)
        return encoding._transform_sparse(X, labels)
    if kind == "svmlight":
        raise DataError(f"{source}: an svmlight file, but the model was fitted on "
                        "named columns")
    if kind == "npy":
        table = _load_npy_table(payload, source)
    elif kind == "npz":
        table = _load_npz_table(payload, source)
    else:
        table = _parse_text(payload, source, tab=_extension(source) == ".tsv")
    return encoding.transform(table, na=na)
