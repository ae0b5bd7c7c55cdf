"""A fitted linear model as a file: save it, load it, predict new data with it.

Two formats, the same content, no pickle anywhere:

- ``.json``: one indented JSON object; floats are written as Python's ``repr``
  (the shortest text that reads back as the same double), so coefficients
  round-trip bitwise;
- ``.npz``: NumPy arrays (``coef``, ``intercept``, ``column_mean``,
  ``column_sd``) and one JSON string ``metadata`` with everything else, read
  with ``allow_pickle=False``.

The file holds the schema name and version, fastpen's version, the time it was
written (UTC), the model kind, alpha, l1_ratio, the options of the fit,
coefficients and intercept, the encoded feature names, the target name, the
:class:`~fastpen._encoding.Encoding` that turns a data file into those features, the
mean and standard deviation (ddof=0) of each encoded feature in the training
data, and the training file's name.  :func:`load_model` checks all of it; a
defect is a :class:`~fastpen._io.DataError` naming the file.

A prediction is ``X @ coef + intercept`` in float64, computed by one function
(:func:`linear_predictor`) for every caller, the command line included.

A logistic model (``model="logistic"``, schema version 2) also holds its
``classes`` (the labels, as text): a binomial model one coefficient vector and
intercept (the second class the positive one), a multinomial model one per class
(``coef`` of shape (n_classes, n_features)); its predictions are class
probabilities (:meth:`Model.predict_proba_encoded`).
"""
import json
import math
import os
from datetime import datetime, timezone

import numpy as np

from ._encoding import Encoding, check_na
from ._io import DataError, mapping_table, load_table_for
from ._validation import issparse

SCHEMA = "fastpen.model"
SCHEMA_VERSION = 2             # the newest this fastpen reads (2: logistic models)
MODEL_KINDS = ("lasso", "enet", "ridge", "logistic")


def linear_predictor(X, coef, intercept):
    """``X @ coef + intercept`` in float64.

    A dense X is first laid out in Fortran order, so the same values give the same
    bits whatever layout the caller built them in (a BLAS product's rounding
    follows the layout it is given).
    """
    if issparse(X):
        import scipy.sparse as sp  # already imported: X is sparse

        return np.asarray(sp.csr_matrix(X, dtype=np.float64) @ coef).ravel() + intercept
    X = np.asfortranarray(X, dtype=np.float64)
    return X @ coef + intercept


def column_statistics(X):
    """(mean, standard deviation) of each column of X, ddof=0, dense or sparse.

    The library's column statistics (:func:`fastpen._problem.column_stats`, the
    ones ``standardize=True`` uses): the deviation sums squared differences
    from the mean, exact for a column with a large mean."""
    from ._problem import column_stats
    from ._validation import check_array_2d

    X = check_array_2d(X)
    mean, norm2 = column_stats(X, np.empty(0), True, 1)[:2]
    return (np.asarray(mean, dtype=np.float64),
            np.sqrt(np.asarray(norm2, dtype=np.float64) / X.shape[0]))


class Model:
    """A fitted linear model with what is needed to apply it to new data.

    Parameters
    ----------
    coef : array-like of shape (n_features,)
        (n_classes, n_features) for a multinomial logistic model.
    intercept : float
        (n_classes,) for a multinomial logistic model.
    feature_names : sequence of str
        The names of the encoded features (the columns of X).
    target_name : str
    encoding : Encoding, optional
        How a data file becomes X.  Default: every feature a numeric column of
        its own name (:meth:`Encoding.numeric`).
    model : {'lasso', 'enet', 'ridge', 'logistic'}
    alpha, l1_ratio : float, optional
    options : dict, optional
        The options of the fit (JSON-safe values: standardize, tol, cv, seed...).
    column_mean, column_sd : array-like of shape (n_features,), optional
        The training data's column statistics (no sample weights).
    source : str, optional
        The training data's file name.
    fastpen_version : str, optional
        Default: this fastpen's.
    extra : dict, optional
        Anything else JSON-safe to keep with the model.
    classes : sequence of str, optional
        A logistic model's class labels (required for one; two for a binomial
        model, whose second is the positive class).
    """

    SCHEMA = SCHEMA
    SCHEMA_VERSION = SCHEMA_VERSION

    def __init__(self, *, coef, intercept, feature_names, target_name, encoding=None,
                 model="lasso", alpha=None, l1_ratio=None, options=None,
                 column_mean=None, column_sd=None, source=None, fastpen_version=None,
                 extra=None, created=None, classes=None):
        self.classes = None
        if model == "logistic":
            self.coef, self.intercept, self.classes = _logistic_parameters(coef, intercept,
                                                                            classes)
        else:
            if classes is not None:
                raise ValueError("classes apply to logistic models only")
            self.coef = _vector(coef, "coef")
            self.intercept = _finite_float(intercept, "intercept")
        p = self.coef.shape[-1]
        self.feature_names = tuple(str(n) for n in feature_names)
        if len(self.feature_names) != p:
            raise ValueError(f"feature_names has {len(self.feature_names)} names for "
                             f"{p} coefficients")
        self.target_name = str(target_name)
        if encoding is None:
            encoding = Encoding.numeric(self.feature_names, self.target_name)
        if not isinstance(encoding, Encoding):
            raise TypeError(f"encoding must be an Encoding, got {type(encoding).__name__}")
        if encoding.n_features != p or tuple(encoding.feature_names) != self.feature_names:
            raise ValueError("the encoding's feature names differ from feature_names")
        if encoding.target != self.target_name:
            raise ValueError(f"the encoding's target {encoding.target!r} is not "
                             f"target_name {self.target_name!r}")
        self.encoding = encoding
        if model not in MODEL_KINDS:
            raise ValueError(f"model must be one of {MODEL_KINDS}, got {model!r}")
        self.model = model
        self.alpha = None if alpha is None else _finite_float(alpha, "alpha")
        self.l1_ratio = None if l1_ratio is None else _finite_float(l1_ratio, "l1_ratio")
        self.options = dict(options or {})
        self.column_mean = None if column_mean is None else _vector(column_mean,
                                                                    "column_mean", p)
        self.column_sd = None if column_sd is None else _vector(column_sd, "column_sd", p)
        self.source = None if source is None else str(source)
        if fastpen_version is None:
            from . import __version__ as fastpen_version
        self.fastpen_version = str(fastpen_version)
        self.extra = dict(extra or {})
        if created is not None and not isinstance(created, str):
            raise ValueError(f"created must be an ISO time string, got {created!r}")
        self.created = created or datetime.now(timezone.utc).isoformat(timespec="seconds")
        _json_safe(self.options, "options")
        _json_safe(self.extra, "extra")

    def __repr__(self):
        return (f"Model({self.model}, alpha={self.alpha!r}, {self.coef.shape[-1]} features, "
                f"{int(np.count_nonzero(self.coef))} nonzero, target {self.target_name!r})")

    @classmethod
    def from_estimator(cls, estimator, *, feature_names=None, target_name="y", X=None,
                       dataset=None, encoding=None, options=None, source=None):
        """The model of a fitted fastpen estimator of one target.

        Parameters
        ----------
        estimator : Lasso, ElasticNet, Ridge, LassoCV, ElasticNetCV or RidgeCV
        feature_names : sequence of str, optional
            Default: the dataset's, else the estimator's ``feature_names_in_``,
            else x0, x1, ...
        target_name : str
        X : array-like or sparse, optional
            The training features: their column statistics are stored.
        dataset : fastpen._io.Dataset, optional
            Fills feature_names, target_name, X, encoding and source at once.
        encoding, options, source
            As for :class:`Model`.
        """
        name = type(estimator).__name__
        kinds = {"Lasso": "lasso", "LassoCV": "lasso", "ElasticNet": "enet",
                 "ElasticNetCV": "enet", "Ridge": "ridge", "RidgeCV": "ridge"}
        if name not in kinds or not type(estimator).__module__.startswith("fastpen"):
            raise TypeError(f"estimator must be a fastpen Lasso, ElasticNet or Ridge (or "
                            f"their CV variants), got {name}")
        coef = np.asarray(getattr(estimator, "coef_", None))
        if coef.ndim != 1 or coef.dtype.kind not in "fiu":
            raise ValueError("estimator must be a fitted fastpen estimator of one target "
                             "(coef_ of shape (n_features,))")
        kind = kinds[name]
        cv = name.endswith("CV")
        alpha = estimator.alpha_ if cv else estimator.alpha
        if kind == "lasso":
            l1_ratio = 1.0
        elif kind == "ridge":
            l1_ratio = 0.0
        else:
            l1_ratio = estimator.l1_ratio_ if cv else estimator.l1_ratio
        if dataset is not None:
            feature_names = dataset.feature_names if feature_names is None else feature_names
            target_name = dataset.target_name
            X = dataset.X if X is None else X
            encoding = dataset.encoding if encoding is None else encoding
            source = dataset.source if source is None else source
        if feature_names is None:
            given = getattr(estimator, "feature_names_in_", None)
            feature_names = (list(given) if given is not None
                             else [f"x{j}" for j in range(coef.shape[0])])
        params = {k: v for k, v in estimator.get_params().items()
                  if isinstance(v, (bool, int, float, str)) or v is None}
        if options:
            params.update(options)
        mean = sd = None
        if X is not None:
            if X.shape[1] != coef.shape[0]:
                raise ValueError(f"X has {X.shape[1]} columns, the estimator "
                                 f"{coef.shape[0]} coefficients")
            mean, sd = column_statistics(X)
        return cls(coef=coef, intercept=float(np.asarray(estimator.intercept_)),
                   feature_names=feature_names, target_name=target_name, encoding=encoding,
                   model=kind, alpha=float(np.asarray(alpha)), l1_ratio=float(l1_ratio),
                   options=params, column_mean=mean, column_sd=sd, source=source)

    # -- prediction ------------------------------------------------------------------

    def predict(self, data, *, na="error", drop=()):
        """Predictions for new data.

        Parameters
        ----------
        data : str, os.PathLike, mapping, DataFrame, or array of shape (n, n_features)
            A data file (``"-"``: standard input), read with the model's encoding;
            columns by name (a dict of sequences or a pandas DataFrame), encoded
            likewise; or X already encoded (dense or sparse), whose width is checked.
        na : {'error', 'drop'}
            A missing cell in a used column (files and mappings): an error, or no
            prediction for that row (NaN in its place).
        drop : sequence of str, default=()
            Columns of a file or mapping that training did not see (an identifier,
            say), to leave out instead of refusing the data.

        Returns
        -------
        ndarray of shape (n,)
        """
        if isinstance(data, (str, os.PathLike)):
            return self.predict_file(data, na=na, drop=drop)[0]
        if isinstance(data, dict) or hasattr(data, "columns"):
            check_na(na)
            table = mapping_table(data)
            X, rows, _ = self.encoding.transform(table, na=na, drop=drop)
            return self._spread(X, rows)
        return self.predict_encoded(data)

    def predict_encoded(self, X):
        """``X @ coef + intercept`` for an X already encoded, shape (n, n_features); a
        logistic model's class probabilities (:meth:`predict_proba_encoded`)."""
        X = self._check_encoded(X)
        if self.model == "logistic":
            return self._probabilities(X)
        return linear_predictor(X, self.coef, self.intercept)

    def predict_proba_encoded(self, X):
        """A logistic model's class probabilities, shape (n, n_classes), columns in the
        order of ``classes``: the logistic function of ``X @ coef + intercept`` (the
        positive class's) for a binomial model, the softmax of the classes' linear
        predictors for a multinomial one."""
        if self.model != "logistic":
            raise ValueError(f"a {self.model} model predicts values, not probabilities")
        return self._probabilities(self._check_encoded(X))

    def _check_encoded(self, X):
        if not issparse(X):
            X = np.asarray(X)
            if X.dtype.kind not in "biuf":
                raise TypeError(f"X must be numeric, got dtype {X.dtype}")
        p = self.coef.shape[-1]
        if X.ndim != 2 or X.shape[1] != p:
            raise ValueError(f"X must have shape (n, {p}) (the model's "
                             f"features: {', '.join(self.feature_names[:10])}"
                             f"{', ...' if p > 10 else ''}), got {X.shape}")
        if not issparse(X) and not np.isfinite(X).all():
            raise ValueError("X holds NaN or infinite values")
        return X

    def _probabilities(self, X):
        if self.coef.ndim == 1:
            eta = linear_predictor(X, self.coef, float(self.intercept))
            # 1 / (1 + exp(-eta)) without overflow
            positive = 0.5 * (1.0 + np.tanh(0.5 * eta))
            return np.column_stack([1.0 - positive, positive])
        eta = np.column_stack([linear_predictor(X, c, float(b))
                               for c, b in zip(self.coef, self.intercept)])
        eta -= eta.max(axis=1, keepdims=True)
        e = np.exp(eta)
        return e / e.sum(axis=1, keepdims=True)

    def predict_file(self, path, *, na="error", drop=()):
        """(predictions, rows, y) for a data file: predictions of shape (n_rows,),
        NaN for the rows not predicted (``rows`` False: a missing cell under
        ``na='drop'``); ``y`` the file's target column, or None.  ``drop``: as in
        :meth:`predict`.  A logistic model: probabilities (n_rows, n_classes), and
        ``y`` the labels as text (None where missing)."""
        X, rows, y = load_table_for(self.encoding, path, na=na, drop=drop,
                                    target_labels=self.model == "logistic")
        return self._spread(X, rows), rows, y

    def _spread(self, X, rows):
        if self.model == "logistic":
            predictions = np.full((rows.shape[0], len(self.classes)), np.nan)
            if X.shape[0]:
                predictions[rows] = self._probabilities(X)
            return predictions
        predictions = np.full(rows.shape[0], np.nan)
        if X.shape[0]:
            predictions[rows] = linear_predictor(X, self.coef, self.intercept)
        return predictions

    # -- files -----------------------------------------------------------------------

    def to_dict(self):
        """Everything the file holds, JSON-safe (arrays as lists of floats)."""
        logistic = self.model == "logistic"
        d = {
            "schema": SCHEMA,
            # a regression model stays readable by a fastpen that reads version 1
            "schema_version": 2 if logistic else 1,
            "fastpen_version": self.fastpen_version,
            "created": self.created,
            "model": self.model,
            "alpha": self.alpha,
            "l1_ratio": self.l1_ratio,
            "options": self.options,
            "target_name": self.target_name,
            "feature_names": list(self.feature_names),
            "intercept": (self.intercept.tolist() if isinstance(self.intercept, np.ndarray)
                          else self.intercept),
            "coef": self.coef.tolist(),
            "column_mean": None if self.column_mean is None else self.column_mean.tolist(),
            "column_sd": None if self.column_sd is None else self.column_sd.tolist(),
            "encoding": self.encoding.to_dict(),
            "source": self.source,
            "extra": self.extra,
        }
        if logistic:
            d["classes"] = list(self.classes)
        return d

    def save(self, path):
        """Write the model to ``path``: ``.json`` or ``.npz`` (by its extension)."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext not in (".json", ".npz"):
            raise ValueError(f"a model file must end in .json or .npz, got {path!r}")
        d = self.to_dict()
        try:
            if ext == ".json":
                # json writes floats with repr: the shortest text that reads back as the
                # same double; allow_nan=False keeps the file strict JSON
                text = json.dumps(d, indent=2, allow_nan=False)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text + "\n")
            else:
                arrays = {name: d.pop(name) for name in _ARRAYS}
                metadata = json.dumps(d, allow_nan=False)
                with open(path, "wb") as f:
                    np.savez(f, metadata=np.array(metadata),
                             **{name: np.asarray(value, dtype=np.float64)
                                for name, value in arrays.items() if value is not None})
        except OSError as exc:
            raise DataError(f"{path}: {exc.strerror or exc}") from None


_ARRAYS = ("coef", "intercept", "column_mean", "column_sd")


def load_model(path):
    """The :class:`Model` saved in ``path`` (``.json`` or ``.npz``, told by content).

    Raises
    ------
    DataError
        A missing or unreadable file, not a fastpen model, a newer schema version,
        a missing or malformed field, inconsistent shapes.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise DataError(f"{path}: a directory, not a model file")
    try:
        with open(path, "rb") as f:
            content = f.read()
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None
    if content.startswith(b"PK"):
        d = _read_npz(content, path)
    else:
        try:
            d = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise DataError(f"{path}: not a fastpen model file (neither JSON nor .npz: "
                            f"{exc or 'nested too deeply'})") from None
    if not isinstance(d, dict) or d.get("schema") != SCHEMA:
        raise DataError(f"{path}: not a fastpen model file (no schema {SCHEMA!r})")
    version = d.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DataError(f"{path}: schema_version must be a positive integer, got "
                        f"{version!r}")
    if version > SCHEMA_VERSION:
        raise DataError(f"{path}: written by fastpen {d.get('fastpen_version', '?')}, "
                        f"schema {version}; this fastpen reads {SCHEMA_VERSION}: upgrade "
                        "fastpen to read it")
    missing = [k for k in _REQUIRED if k not in d]
    if missing:
        raise DataError(f"{path}: a model file without " + ", ".join(missing))
    try:
        return Model(coef=d["coef"], intercept=d["intercept"],
                     feature_names=_strings(d["feature_names"], "feature_names"),
                     target_name=_string(d["target_name"], "target_name"),
                     encoding=Encoding.from_dict(d["encoding"]), model=d["model"],
                     alpha=d.get("alpha"), l1_ratio=d.get("l1_ratio"),
                     options=_object(d.get("options"), "options"),
                     column_mean=d.get("column_mean"), column_sd=d.get("column_sd"),
                     source=d.get("source"),
                     fastpen_version=_string(d["fastpen_version"], "fastpen_version"),
                     extra=_object(d.get("extra"), "extra"), created=d.get("created"),
                     classes=d.get("classes"))
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path}: a damaged model file ({exc})") from None


_REQUIRED = ("fastpen_version", "model", "coef", "intercept", "feature_names",
             "target_name", "encoding")


def _read_npz(content, path):
    """The model's fields from a .npz: its arrays and its JSON metadata."""
    import io
    import zipfile

    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a fastpen model file (a damaged .npz: {exc})") \
            from None
    metadata = arrays.pop("metadata", None)
    if metadata is None or metadata.dtype.kind != "U" or metadata.ndim != 0:
        raise DataError(f"{path}: not a fastpen model file (a .npz without its metadata)")
    try:
        d = json.loads(str(metadata))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: a damaged model file (metadata: {exc})") from None
    if not isinstance(d, dict):
        raise DataError(f"{path}: a damaged model file (metadata is not an object)")
    for name in _ARRAYS:
        if name in arrays:
            value = arrays.pop(name)
            d[name] = value if name != "intercept" else (
                float(value) if value.shape == () else value)
    return d


# -- field checks ----------------------------------------------------------------------


def _vector(value, what, length=None):
    try:
        a = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a vector of numbers") from None
    if a.ndim != 1 or (length is not None and a.shape[0] != length):
        raise ValueError(f"{what} must have shape ({length if length is not None else 'p'},),"
                         f" got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what} holds NaN or infinite values")
    return a


def _logistic_parameters(coef, intercept, classes):
    """(coef, intercept, classes) of a logistic model, checked: (p,), float and two
    classes (binomial), or (k, p), (k,) and k classes (multinomial)."""
    try:
        coef = np.array(coef, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("coef must be an array of numbers") from None
    if coef.ndim not in (1, 2) or not np.isfinite(coef).all():
        raise ValueError(f"a logistic model's coef must be a finite (n_features,) or "
                         f"(n_classes, n_features) array, got shape {coef.shape}")
    if not isinstance(classes, (list, tuple)) or not all(isinstance(c, str) for c in classes):
        raise ValueError("a logistic model needs classes: a list of labels (strings)")
    classes = tuple(classes)
    k = 2 if coef.ndim == 1 else coef.shape[0]
    if len(classes) != k or len(set(classes)) != k:
        raise ValueError(f"a logistic model with coef of shape {coef.shape} needs {k} "
                         f"distinct classes, got {len(classes)}")
    if coef.ndim == 1:
        return coef, _finite_float(intercept, "intercept"), classes
    return coef, _vector(intercept, "intercept", k), classes


def _finite_float(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating, np.ndarray)):
        raise ValueError(f"{what} must be a number, got {value!r}")
    value = float(np.asarray(value).reshape(()))
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


def _string(value, what):
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {value!r}")
    return value


def _strings(value, what):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return value


def _object(value, what):
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"{what} must be an object")
    return value


def _json_safe(value, what):
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-safe ({exc})") from None
