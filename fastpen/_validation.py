"""Turn user input into what the kernels take, or fail with a clear error.

Everything here runs once, at the boundary, before any GIL-free code.  The
caller's arrays are never modified: conversions that would write (duplicate
summation in a sparse matrix, centring, weight rescaling) happen on copies.
"""
import numbers
import sys

import numpy as np

__all__ = [
    "ScaleError",
    "check_array_2d",
    "check_finite_fit",
    "check_finite",
    "as_numeric",
    "check_target",
    "check_targets",
    "check_target_alphas",
    "check_target_count",
    "check_sample_weight",
    "check_penalty_factor",
    "check_coef_init",
    "check_scalar",
    "check_alphas",
    "check_bool",
    "check_bounds",
    "check_exclude",
    "check_sparse_structure",
    "issparse",
    "kernel_csc",
]

_INT32_MAX = np.iinfo(np.int32).max


class ScaleError(ValueError, FloatingPointError):
    """The data are too large or too small in magnitude for the floating-point
    precision of the fit (sums of squares overflow, products underflow).

    A ValueError, as every rejected input is; also a FloatingPointError, which
    fastpen raised for it before.
    """


def issparse(x):
    """``scipy.sparse.issparse(x)``, without importing SciPy.

    An object can only be a SciPy sparse matrix or array if its class exists,
    that is if ``scipy.sparse`` has been imported (importing any of its
    submodules imports the package first); until then the answer is False and
    costs a dictionary lookup instead of SciPy's import (about 0.1 s).
    """
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(x)


def _reject_non_numeric(dtype, name):
    if dtype.kind == "c":
        raise TypeError(f"{name} is complex ({dtype}); only real numbers are supported.")
    if dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {dtype}; a numeric array is required.")


def check_finite(values, name):
    """Raise a ValueError naming ``name`` if ``values`` holds NaN or infinity."""
    # np.sum is finite for all-finite input (unless it overflows, then look closer).
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(values, dtype=np.float64)
    if not np.isfinite(total) and not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinity.")


def check_finite_fit(dtype, *arrays, hint=""):
    """A ScaleError when a fit's coefficients, intercepts or gaps came out non-finite
    (data too badly scaled for the precision ``dtype``)."""
    if not all(np.isfinite(a).all() for a in arrays):
        raise ScaleError(
            f"non-finite coefficients: the data are too badly scaled for {dtype} "
            f"precision; rescale X and y{hint}.")


def as_array(values, name):
    """``np.asarray(values)``, or a ValueError naming ``name`` (ragged nested lists)."""
    try:
        return np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} cannot be read as an array: {exc}") from None


def aligned(arr):
    """``arr``, or a copy of it (same layout) when its data are not aligned for its
    dtype (a float64 array at an address not a multiple of 8).

    Unpickled arrays can be so: distributed deserialises a scattered X and the
    tasks' blocks of Y in place, at whatever offset they have in the message
    frame.  NumPy hands no unaligned array to BLAS: it copies it through its
    ufunc buffers, so X^T X is no longer seen as one array times its transpose
    (DSYRK) but runs as a DGEMM of two copies, whose sums are ordered
    differently; the fit then differs from the aligned one in the last bits.
    """
    return arr if arr.flags.aligned else np.require(arr, requirements="A")


def as_numeric(values, name):
    """``values`` as an aligned numeric array (object arrays converted to float64),
    or a TypeError naming ``name`` (strings, booleans, complex numbers)."""
    arr = as_array(values, name)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} cannot be converted to floats: {exc}") from None
    _reject_non_numeric(arr.dtype, name)
    return aligned(arr)


def check_array_2d(X, name="X", require_finite=True):
    """Validate a design matrix.

    ``require_finite=False`` leaves the NaN/inf check to the caller (the solvers
    infer it from the column statistics, which read X anyway).

    Returns
    -------
    X : ndarray (Fortran-ordered) or scipy.sparse.csc_matrix
        float32 input stays float32, any other numeric dtype becomes float64.
        C-ordered dense input is copied once into Fortran order; CSR/COO/
        other sparse formats are converted to CSC on a copy, with duplicate
        entries summed on a copy, and int32 index arrays while nnz < 2**31
        (int64 beyond; :func:`kernel_csc` gives the kernels' view).  Data not aligned for
        their dtype are copied to aligned memory (:func:`aligned`).
    """
    if issparse(X):
        return _check_sparse(X, name)
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        arr = as_numeric(X, name)
    else:
        raise TypeError(f"{name} must be an array-like or a scipy sparse matrix, "
                        f"got {type(X).__name__}.")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional, got an array of shape {arr.shape}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); at least one sample and "
                         "one feature are required.")
    if arr.shape[0] > _INT32_MAX:
        raise ValueError(f"{name} has more than 2**31 - 1 rows; not supported.")
    dtype = np.float32 if arr.dtype == np.float32 else np.float64
    arr = np.asfortranarray(arr, dtype=dtype)
    if require_finite:
        check_finite(arr, name)
    return arr


def _check_sparse(X, name):
    import scipy.sparse as sp  # already imported: X is a SciPy sparse matrix

    _reject_non_numeric(X.dtype, name)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional, got shape {X.shape}.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}).")
    check_sparse_structure(X, name)
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    if X.format == "csc":
        csc = sp.csc_matrix(X, dtype=dtype, copy=not X.has_canonical_format)
    else:
        csc = sp.csc_matrix(X.tocsc(), dtype=dtype)
    if not csc.has_canonical_format:
        csc.sum_duplicates()
    if X.shape[0] > _INT32_MAX:
        raise ValueError(f"{name} has more than 2**31 - 1 rows; not supported.")
    # SciPy wants both index arrays of one dtype: 32 bits while nnz fits them
    index = np.intc if csc.nnz <= _INT32_MAX else np.int64
    csc.indices = np.ascontiguousarray(csc.indices, dtype=index)
    csc.indptr = np.ascontiguousarray(csc.indptr, dtype=index)
    csc.data = aligned(np.ascontiguousarray(csc.data))
    check_finite(csc.data, name)
    return csc


def kernel_csc(X):
    """(data, indices, indptr) of a CSC (or CSR) matrix as the kernels take them:
    int32 row indices (they are < n < 2**31) and 64-bit column offsets, so that
    nnz may exceed 2**31.  Made once per matrix.  Past 2**31 entries the row
    indices are copied to 32 bits (4 bytes per entry)."""
    arrays = getattr(X, "_fastpen_kernel_arrays", None)
    if arrays is None or arrays[0] is not X.data:
        arrays = (X.data, np.ascontiguousarray(X.indices, dtype=np.intc),
                  np.ascontiguousarray(X.indptr, dtype=np.intp))
        X._fastpen_kernel_arrays = arrays
    return arrays


def check_sparse_structure(X, name):
    """Reject index arrays that do not describe a matrix of X's shape, before
    SciPy's conversions (compiled code that trusts them) read them.  Reads the
    arrays only: scipy's own ``check_format`` would rebind them on X."""
    def bad(what):
        raise ValueError(f"{name} is not a valid sparse matrix: {what}.")

    if X.format in ("csr", "csc"):
        major, minor = X.shape if X.format == "csr" else X.shape[::-1]
        indptr, indices = np.asarray(X.indptr), np.asarray(X.indices)
        if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
            bad("its index arrays are not integers")
        if indptr.ndim != 1 or indptr.shape[0] != major + 1:
            bad(f"indptr has shape {indptr.shape}, expected ({major + 1},)")
        if indices.ndim != 1:
            bad(f"indices has shape {indices.shape}, expected a 1-D array")
        # compared, not differenced: np.diff wraps around on unsigned arrays
        if indptr[0] != 0 or np.any(indptr[1:] < indptr[:-1]):
            bad("indptr does not start at 0 and increase")
        nnz, stored = int(indptr[-1]), min(indices.shape[0], np.asarray(X.data).shape[0])
        if nnz > stored:
            bad(f"indptr ends at {nnz}, past the {stored} stored entries")
        used = indices[:nnz]
        if nnz and (used.min() < 0 or used.max() >= minor):
            bad(f"its {'column' if X.format == 'csr' else 'row'} indices leave [0, {minor})")
    elif X.format == "coo":
        rows, cols = np.asarray(X.row), np.asarray(X.col)
        if rows.dtype.kind not in "iu" or cols.dtype.kind not in "iu":
            bad("its index arrays are not integers")
        if (rows.ndim != 1 or rows.shape != cols.shape
                or rows.shape[0] != np.asarray(X.data).shape[0]):
            bad("row, col and data differ in length")
        if rows.size and (rows.min() < 0 or rows.max() >= X.shape[0]
                          or cols.min() < 0 or cols.max() >= X.shape[1]):
            bad("its indices leave the matrix's shape")
    elif X.format == "bsr":
        try:
            X.copy().check_format(full_check=True)
        except ValueError as exc:
            bad(str(exc))


def check_target(y, n_samples, name="y"):
    """Validate a 1-D target of length ``n_samples``; return it as float64."""
    arr = as_numeric(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} samples but X has {n_samples}.")
    arr = np.asarray(arr, dtype=np.float64)
    check_finite(arr, name)
    return arr


def check_targets(Y, n_samples):
    """Validate a 2-D target array (n_samples, n_targets); return it as float64."""
    arr = as_numeric(Y, "y")
    if arr.ndim != 2:
        raise ValueError(f"y must be 1- or 2-dimensional, got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(f"y has {arr.shape[0]} samples but X has {n_samples}.")
    check_target_count(arr.shape)
    arr = np.asarray(arr, dtype=np.float64)
    check_finite(arr, "y")
    return arr


def check_target_count(shape):
    """A 2-D target of shape (n_samples, 0) has no problem to fit: a ValueError naming y."""
    if shape[1] == 0:
        raise ValueError(f"y has no target column (shape {tuple(shape)}): give at least "
                         "one target.")


def check_target_alphas(alphas, n_targets):
    """An explicit grid: (n_alphas,) shared, or (n_targets, n_alphas), each row sorted
    decreasingly (returned as float64 (n_targets, n_alphas), and whether it was shared)."""
    arr = as_numeric(alphas, "alphas")
    if arr.ndim <= 1:
        grid = check_alphas(arr)
        return np.tile(grid, (n_targets, 1)), True
    if arr.ndim != 2 or arr.shape[0] != n_targets or arr.shape[1] == 0:
        raise ValueError(f"alphas must have shape (n_alphas,) or (n_targets, n_alphas) = "
                         f"({n_targets}, n_alphas), got {arr.shape}.")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("alphas must be finite.")
    if np.any(arr < 0):
        raise ValueError("alphas must be non-negative.")
    return -np.sort(-arr, axis=1), False


def check_sample_weight(sample_weight, n_samples):
    """Return None (unit weights) or float64 weights rescaled to sum to n_samples."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, sample_weight)
    sw = as_numeric(sample_weight, "sample_weight")
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {sw.shape}.")
    sw = np.asarray(sw, dtype=np.float64)
    check_finite(sw, "sample_weight")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative.")
    top = sw.max()
    if top <= 0:
        raise ValueError("sample_weight sums to zero: at least one weight must be positive.")
    sw = sw / top            # no overflow in the sum, no underflow of tiny weights
    return sw * (n_samples / sw.sum())


def check_penalty_factor(penalty_factor, n_features):
    """Return a float64 copy of the per-feature penalty factors (ones by default).

    Factors are non-negative; ``np.inf`` (excluded feature) is allowed.
    """
    if penalty_factor is None:
        return np.ones(n_features)
    pf = as_numeric(penalty_factor, "penalty_factor")
    if pf.ndim != 1 or pf.shape[0] != n_features:
        raise ValueError(f"penalty_factor must have shape ({n_features},), got {pf.shape}.")
    pf = np.array(pf, dtype=np.float64)
    if np.isnan(pf).any():
        raise ValueError("penalty_factor contains NaN.")
    if np.any(pf < 0):
        raise ValueError("penalty_factor must be non-negative (np.inf excludes a feature).")
    return pf


def check_exclude(exclude, n_features):
    """Boolean mask of the excluded features (indices in [-p, p))."""
    mask = np.zeros(n_features, dtype=bool)
    if exclude is None:
        return mask
    idx = np.asarray(exclude)
    if idx.size == 0:
        return mask
    if idx.dtype == bool or idx.dtype.kind not in "iu":
        raise TypeError(f"exclude must be a sequence of integer feature indices, got "
                        f"dtype {idx.dtype}.")
    idx = idx.ravel()
    if np.any(idx < -n_features) or np.any(idx >= n_features):
        raise ValueError(f"exclude has indices outside [-{n_features}, {n_features}).")
    mask[idx] = True
    return mask


def _bound(value, name, n_features, default):
    if value is None:
        return np.full(n_features, default)
    arr = as_numeric(value, name)
    if arr.ndim == 0:
        arr = np.full(n_features, float(arr))
    if arr.ndim != 1 or arr.shape[0] != n_features:
        raise ValueError(f"{name} must be a scalar or have shape ({n_features},), "
                         f"got {arr.shape}.")
    arr = np.array(arr, dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN.")
    return arr


def check_bounds(lower_bounds, upper_bounds, n_features):
    """Return (lower, upper) float64 arrays with lower <= 0 <= upper, or (None, None)."""
    if lower_bounds is None and upper_bounds is None:
        return None, None
    lower = _bound(lower_bounds, "lower_bounds", n_features, -np.inf)
    upper = _bound(upper_bounds, "upper_bounds", n_features, np.inf)
    if np.any(lower > 0):
        raise ValueError("lower_bounds must be <= 0 (as in glmnet: 0 must be feasible).")
    if np.any(upper < 0):
        raise ValueError("upper_bounds must be >= 0 (as in glmnet: 0 must be feasible).")
    return lower, upper


def check_coef_init(coef_init, n_features, n_targets=None):
    """Return a float64 copy of the initial coefficients (zeros by default):
    (p,), or (k, p) with ``n_targets`` (a (p,) start then serves every target)."""
    if coef_init is None:
        return np.zeros(n_features if n_targets is None else (n_targets, n_features))
    w = as_numeric(coef_init, "coef_init")
    shapes = ((n_features,),) if n_targets is None else ((n_features,),
                                                         (n_targets, n_features))
    if w.shape not in shapes:
        raise ValueError(f"coef_init must have shape {' or '.join(map(str, shapes))}, "
                         f"got {w.shape}.")
    w = np.array(w, dtype=np.float64)
    check_finite(w, "coef_init")
    if n_targets is not None:
        w = np.array(np.broadcast_to(w, (n_targets, n_features)), order="C")
    return w


def check_scalar(value, name, kind="real", low=None, high=None, low_inclusive=True,
                 high_inclusive=True):
    """Check a scalar parameter's type and range; return it as float or int."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got a boolean.")
    if kind == "int":
        if not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {value!r}.")
        value = int(value)
    else:
        if not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {value!r}.")
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        bound = "≥" if low_inclusive else ">"
        raise ValueError(f"{name} must be {bound} {low}, got {value}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        bound = "≤" if high_inclusive else "<"
        raise ValueError(f"{name} must be {bound} {high}, got {value}.")
    return value


def check_alphas(alphas, name="alphas"):
    """Validate an explicit alpha grid; return it as float64 sorted decreasingly."""
    arr = as_numeric(alphas, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}.")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite.")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative.")
    return np.sort(arr)[::-1].copy()


def is_grid_size(alphas):
    """Whether ``alphas`` asks for an automatic grid (an integer count) rather than
    giving the alphas: any integer but a boolean."""
    return isinstance(alphas, numbers.Integral) and not isinstance(alphas, (bool, np.bool_))


def check_bool(value, name):
    """Accept Python and NumPy booleans only."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a boolean, got {value!r}.")
    return bool(value)
