"""How the columns of a data table become the columns of X.

The readers of :mod:`fastpen._io` turn a file, an array or a mapping into a
:class:`Table` of named columns of cells.  This module reads the cells
(number, text, missing, infinite), decides how each used column of a training
table is encoded (:func:`fit_encoding`: numeric or one-hot categorical, its
levels, identifier columns refused), and applies that decision to new data
(:meth:`Encoding.transform`).  :class:`Encoding` is what a saved model stores
(:meth:`Encoding.to_dict` / :meth:`Encoding.from_dict`).  Every defect is a
one-line :class:`~fastpen._io.DataError` naming the file, the line (or row)
and the column.

Columns
-------
Missing cells: a cell that is empty or one of ``NA``, ``N/A``, ``n/a``,
``NaN``, ``nan``, ``null``, ``NULL``, ``None``, ``?``, ``.`` (after stripping
blanks; exactly these spellings), and NaN, ``None`` or pandas' ``NA`` in
arrays and mappings.  Infinite numbers (``inf``, ``1e999``) are errors, not
missing values.

Categorical columns (``categorical=`` of :func:`fastpen._io.load_dataset`):

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

The target must be numeric (regression), unless it holds a classifier's labels
(``target_labels``: any text).  ``na="error"`` reports the first
missing cell of a used column (or of the target) and how many rows have one;
``na="drop"`` drops those rows and counts them.
"""
import math
import re
from typing import NamedTuple

import numpy as np

from ._errors import DataError

MISSING = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?", "."})
MAX_LEVELS = 1000

# cell codes of a scanned column
_MISSING, _NUMBER, _TEXT, _NONFINITE = 0, 1, 2, 3


# -- tables: named columns of cells, before they become numbers ------------------------


class Table:
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
            if math.isnan(value):           # NAN, -nan, ...: other spellings of NaN
                codes[i] = _MISSING
                texts[i] = None
                continue
        elif cell is None or _is_pandas_na(cell):
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


def _is_pandas_na(cell):
    """Whether a cell is pandas' missing-value scalar ``pd.NA`` (the missing cells of
    its nullable string, integer and boolean columns), told without importing pandas."""
    kind = type(cell)
    return kind.__name__ == "NAType" and kind.__module__.startswith("pandas")


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


def is_number(text):
    """Whether ``text`` reads as a float (``float(text)`` succeeds)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- svmlight feature names ------------------------------------------------------------


class NumberedNames:
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
            if first_index not in (0, 1) or not isinstance(width, int) or width < 1 \
                    or isinstance(first_index, bool) or isinstance(width, bool):
                raise ValueError("an svmlight encoding needs first_index 0 or 1 and a "
                                 "positive width")
            self.first_index, self.width = first_index, width
            self.positions = None if positions is None else tuple(int(p) for p in positions)
            if self.positions is not None and any(not 0 <= p < width
                                                  for p in self.positions):
                raise ValueError("svmlight positions must lie in [0, width)")
            if self.positions is not None and (
                    not self.positions or len(set(self.positions)) != len(self.positions)):
                raise ValueError("svmlight positions must be distinct, at least one")
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
                return NumberedNames(self.width, self.first_index)
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

    def transform(self, table, *, na="error", drop=(), target_labels=False):
        """(X, rows, y) for new data read by :func:`fastpen._io.load_table_for`.

        Parameters
        ----------
        table : Table
            The columns of the new data (a text file, an array, a mapping).
        na : {'error', 'drop'}
            A missing cell in a used column: an error, or the row is not encoded.
        drop : sequence of str, default=()
            Columns of the new data to leave out although training did not see
            them (an identifier, say); each must be in the data and not used by
            the model.

        Returns
        -------
        X : ndarray of shape (rows.sum(), n_features), float64, Fortran-ordered
        rows : ndarray of bool, shape (n_rows,)
            The rows encoded (all of them unless ``na='drop'``).
        y : ndarray of shape (n_rows,) or None
            The target column when the data has it (NaN for a missing cell); with
            ``target_labels`` (a classifier's data) its cells as text, an object
            array (None for a missing cell), any text allowed.
        """
        check_na(na)
        if self.layout == "svmlight":
            raise DataError(f"{table.source}: the model was fitted on an svmlight file; "
                            "give it an svmlight file")
        table = self._align(table, drop)
        positions = [table.index(c.name) for c in self.columns]
        scans = {j: _scan(table.columns[j]) for j in positions}
        missing = np.zeros(table.n_rows, dtype=bool)
        for j in positions:
            missing |= scans[j][0] == _MISSING
        # under na='drop' a row with a missing cell is not encoded: its other cells
        # (a level training never saw, say) are not checked either
        checked = ~missing if na == "drop" else np.ones(table.n_rows, dtype=bool)
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
                for row in np.flatnonzero((codes != _MISSING) & checked):
                    if texts[row] not in known:
                        problems.append((row, j, _unseen_level(table, j, row, column)))
                        break
        y = None
        if self.target in table.names:
            t = table.index(self.target)
            scan = _scan(table.columns[t])
            if target_labels:
                y = np.array(label_texts(table.columns[t], scan), dtype=object)
            else:
                codes, y, _ = scan
                _target_problems(table, t, codes, problems)
        _raise_first(problems)
        if missing.any() and na == "error":
            _raise_missing(table, positions, scans, missing)
        rows = ~missing
        return _encode(self.columns, positions, scans, rows), rows, y

    def _align(self, table, drop=()):
        """The table after the column checks, its columns named as in training when
        both name them by position (arrays without names); ``drop``: extra columns
        allowed (and not read)."""
        used = [c.name for c in self.columns]
        drop = [str(name) for name in (drop or ())]
        if drop and table.positional:
            raise DataError(f"{table.source}: an array without column names: there is no "
                            "column to drop by name")
        for name in drop:
            if name in used:
                raise DataError(f"{table.source}: the model uses column {name!r}: it "
                                "cannot be dropped")
            if name not in table.names:
                raise DataError(f"{table.source}: no column {name!r} to drop (columns: "
                                f"{short_listing(table.names)})")
        if table.positional and self.layout == "table":
            raise DataError(f"{table.source}: an array without column names; the model "
                            f"uses named columns: {short_listing(used)}")
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
                                f"uses: {short_listing(used)}")
        known = set(self.source_columns) | set(drop)
        for name in table.names:
            if name not in known:
                raise DataError(f"{table.source}: column {name!r} was not in the training "
                                f"data (leave it out with --drop {name}); the model uses: "
                                f"{short_listing(used)}")
        return table

    def _transform_sparse(self, X, labels):
        """(X restricted to the used columns, rows, y) for a parsed svmlight file."""
        if self.positions is not None:
            X = X[:, list(self.positions)]
        return X.tocsr(), np.ones(X.shape[0], dtype=bool), labels


def _unseen_level(table, j, row, column):
    return (f"{table.where(row)}, {table.labels[j]}: level "
            f"{_cell_text(table, j, row)!r} was not in the training data (known levels: "
            f"{short_listing(column.levels)})")


def short_listing(names, limit=20):
    """The first ``limit`` names, comma-separated, and how many there are in all beyond."""
    names = list(names)
    shown = ", ".join(str(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def check_na(na):
    """``na`` must be 'error' or 'drop': a ValueError naming it otherwise."""
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


def label_texts(cells, scan):
    """A label column's cells as text (None where missing): numbers from a numeric
    array written without a trailing ``.0`` (``1.0`` is the label ``1``)."""
    codes, values, texts = scan
    if texts is not None:
        return texts
    return [None if code == _MISSING else
            (str(int(v)) if float(v).is_integer() and abs(v) < 2 ** 53 else repr(float(v)))
            for code, v in zip(codes, cells.tolist())]


def number_labels(values):
    """Class labels as text from a float array (an svmlight file's first field):
    :func:`label_texts` of its cells."""
    values = np.asarray(values, dtype=np.float64)
    return label_texts(values, _scan(values))


def _sorted_levels(texts):
    """Distinct levels, numerically when all read as numbers, else by code point."""
    levels = set(texts)
    if all(is_number(level) for level in levels):
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


# -- the encoding of a training table --------------------------------------------------


def fit_encoding(table, t, used, listed, mode, na, max_levels, layout, target_labels=False):
    """How a training table's used columns are encoded, and the data so encoded.

    Parameters
    ----------
    table : Table
    t : int
        The position of the target column in ``table``.
    used : list of int
        The positions of the feature columns used, in the order of X.
    listed : set of int
        The positions of the columns named in ``categorical`` (already checked to
        be among ``used``): one-hot encoded whatever their cells hold.
    mode : {'auto', 'none', 'list'}
        How the other used columns are classified (module docstring).
    na : {'error', 'drop'}
        A missing cell in a used column or the target: an error, or its row is
        dropped.
    max_levels : int
        The most levels a categorical column may have.
    layout : {'table', 'array'}
        The layout of the :class:`Encoding`.
    target_labels : bool, default=False
        The target holds class labels (a classifier's): any text, returned as
        an object array of str (:func:`label_texts`); else it must be numeric.

    Returns
    -------
    encoding : Encoding
    X : ndarray of shape (n_kept, n_features), float64, Fortran-ordered
    y : ndarray of shape (n_kept,)
    missing : ndarray of bool, shape (table.n_rows,)
        The rows dropped for a missing cell (none when ``na='error'``).
    missing_by_column : dict
        The number of missing cells of each used column (target included) that
        has any, in file order.

    Raises
    ------
    DataError
        A text cell or an infinite number in a numeric column or the target, a
        missing value under ``na='error'``, no rows left, a categorical column
        with no level in the rows kept, too many levels, or an identifier.
    """
    source = table.source
    names = table.names
    categorical = set(listed)
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
    if not target_labels:
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
        auto = j not in listed
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
    if target_labels:
        texts = label_texts(table.columns[t], scans[t])
        y = np.array([texts[i] for i in np.flatnonzero(rows)], dtype=object)
    else:
        y = scans[t][1][rows]
    return encoding, X, y, missing, missing_by_column
