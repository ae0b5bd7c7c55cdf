"""Hostile inputs: every public entry point either refuses bad input clearly or
returns finite results, never crashes, hangs, or modifies what it was given.

For each entry point (``ENTRY_POINTS``) a table of cases (``cases(ep)``) feeds
it hostile data and parameters: NaN, infinities, huge and subnormal values;
big-endian, strided, transposed, negatively strided and read-only arrays;
zero, constant and duplicate columns; constant or zero targets; empty, 1-row
and 1-column data; non-canonical sparse matrices (duplicates, unsorted
indices, explicit zeros, int64 or big-endian indices, out-of-range indices);
wrong shapes and dtypes; out-of-range, NaN, wrongly typed parameters.

Every case has one expectation:

- ``raise``: a ValueError or TypeError whose message names the argument
  (one of the case's ``names``, as a whole word);
- ``finite``: a result whose arrays are all finite, and where the case has a
  reference (the same problem in canonical form: C-contiguous native float64,
  or the dense matrix a sparse one sums to), the same coefficients,
  intercepts (and alphas) within 1e-10 (relative to their magnitude), both
  solved to a tight tolerance;
- ``either``: one of the two.

Whatever the expectation, no input array (X's data, indices and indptr, y,
sample_weight, penalty_factor, bounds, coef_init, alphas, folds...) may change,
bit for bit, also when the call raises.

Cases run in a child process (``python tests/test_hostile.py --child EP``),
one JSON line per case, so that a segfault or a hang fails the case that
caused it (named in the failure, the child restarted after it) instead of
killing the test session.  ``python tests/test_hostile.py --count`` prints the
number of cases per entry point (``CASE_COUNTS``).
"""
import json
import os
import queue
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from typing import Callable, NamedTuple, Optional

import numpy as np
import scipy.sparse as sp
from _children import child_env, line_queue

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CASE_TIMEOUT_S = 60        # one case longer than this is a hang
ENTRY_POINT_BUDGET_S = 180  # all the cases of one entry point, restarts included

N, P, K = 20, 5, 3          # samples, features, targets of the 2-D cases

# ---------------------------------------------------------------- entry points


class EntryPoint(NamedTuple):
    name: str
    kind: str                  # "func" or "estimator"
    target: str                # fastpen attribute
    params: dict               # base parameters of every case
    multi: bool = False        # the base y is 2-D (N, K)
    tight: dict = {}           # parameters of the reference comparisons
    cv: bool = False           # cross-validated (folds by position)
    two_d: bool = True         # accepts a 2-D y


_TIGHT = {"tol": 1e-16}

_EPS = [
    EntryPoint("enet_path", "func", "enet_path", {"l1_ratio": 0.5, "alphas": 8},
               tight=_TIGHT),
    EntryPoint("lasso_path", "func", "lasso_path", {"alphas": 8}, tight=_TIGHT),
    EntryPoint("enet_path_2d", "func", "enet_path", {"l1_ratio": 0.5, "alphas": 8},
               multi=True, tight=_TIGHT),
    EntryPoint("glmnet_path", "func", "glmnet_path", {"lambdas": 8}, tight=_TIGHT,
               two_d=False),
    EntryPoint("ridge_path", "func", "ridge_path", {"alphas": [10.0, 1.0, 0.1]}),
    EntryPoint("Lasso", "estimator", "Lasso", {"alpha": 0.05}, tight=_TIGHT),
    EntryPoint("ElasticNet", "estimator", "ElasticNet", {"alpha": 0.05, "l1_ratio": 0.5},
               tight=_TIGHT),
    EntryPoint("LassoCV", "estimator", "LassoCV", {"alphas": 8, "cv": 3}, tight=_TIGHT,
               cv=True),
    EntryPoint("ElasticNetCV", "estimator", "ElasticNetCV",
               {"alphas": 8, "cv": 3, "l1_ratio": [0.5, 1.0]}, tight=_TIGHT, cv=True),
    EntryPoint("Ridge", "estimator", "Ridge", {"alpha": 1.0}),
    EntryPoint("RidgeCV", "estimator", "RidgeCV", {"alphas": [0.1, 1.0, 10.0]}, cv=True),
]
EP_BY_NAME = {ep.name: ep for ep in _EPS}
ENTRY_POINTS = [ep.name for ep in _EPS]

# ----------------------------------------------------------------------- data


class Data:
    """Fresh base data for one case: dyadic values, so that any split of an entry
    into duplicates sums back exactly in any order."""

    def __init__(self, multi):
        rng = np.random.default_rng(12345)
        X = np.round(rng.standard_normal((N, P)) * 64) / 64
        X[rng.random((N, P)) < 0.3] = 0.0
        X[0] = np.where(X[0] == 0, 0.5, X[0])      # no column all zero
        w = np.array([1.5, -2.0, 0.0, 0.0, 0.75])
        y = X @ w + np.round(rng.standard_normal(N) * 16) / 64
        self.X = X
        self.y1 = y
        self.Y = np.column_stack([y, -0.5 * y + X[:, 2], X[:, 3] - X[:, 1]])
        self.y = self.Y if multi else self.y1
        self.sw = np.round(rng.uniform(0.5, 2.0, N) * 8) / 8


class Case(NamedTuple):
    id: str
    expect: str                    # "raise", "finite" or "either"
    names: tuple                   # accepted argument names in an error message
    make: Callable                 # Data -> overrides {X, y, sample_weight, params}
    ref: Optional[Callable] = None  # Data -> overrides of the canonical equivalent
    isolate: bool = False          # may corrupt memory: run in a forked process of its own


def _set(a, idx, value):
    a = np.array(a, dtype=np.float64)
    a[idx] = value
    return a


def _first_col(multi):
    """Index of one entry of y (first column when y is 2-D)."""
    return (1, 0) if multi else 1


def _compressed(X, fmt, entries=None, cls=None):
    """X as CSC/CSR built by hand; ``entries(major, [(minor, value)])`` rewrites
    each column (CSC) or row (CSR), e.g. adding duplicates."""
    major = X.T if fmt == "csc" else X
    data, idx, ptr = [], [], [0]
    for m, line in enumerate(major):
        ents = [(i, v) for i, v in enumerate(line) if v != 0]
        if entries is not None:
            ents = entries(m, ents)
        data += [v for _, v in ents]
        idx += [i for i, _ in ents]
        ptr.append(len(data))
    cls = cls or (sp.csc_matrix if fmt == "csc" else sp.csr_matrix)
    return cls((np.array(data, dtype=np.float64), np.array(idx, dtype=np.int32),
                np.array(ptr, dtype=np.int32)), shape=X.shape)


def _dups(m, ents):
    """Each entry as two halves, plus cancelling pairs and an explicit zero, shuffled."""
    out = []
    for i, v in ents:
        out += [(i, v / 2), (i, v / 2)]
        if i % 3 == 0:
            out += [(i, 0.75), (i, -0.75)]
    out.append((ents[0][0] if ents else 0, 0.0))
    order = np.random.default_rng(m).permutation(len(out))
    return [out[k] for k in order]


def _unsorted(m, ents):
    return ents[::-1]


def _explicit_zeros(m, ents):
    present = {i for i, _ in ents}
    return ents + [(i, 0.0) for i in range(3) if i not in present][:2] + [(ents[0][0], 0.0)]


def _with(M, **attrs):
    for k, v in attrs.items():
        setattr(M, k, v)
    return M


def _big_endian(a):
    a = np.asarray(a)
    return a.astype(a.dtype.newbyteorder(">"))


def _strided(a, axis=0):
    """A non-contiguous view of a copy of ``a`` (every other element along ``axis``)."""
    a = np.asarray(a)
    shape = list(a.shape)
    shape[axis] *= 2
    big = np.full(shape, -777.0, dtype=a.dtype)
    sl = [slice(None)] * a.ndim
    sl[axis] = slice(None, None, 2)
    big[tuple(sl)] = a
    return big[tuple(sl)]


def _readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


# ----------------------------------------------------------------- the cases


def _data_cases(ep):
    """Hostile X, y and sample_weight: the same table for every entry point."""
    multi = ep.multi
    C = []

    def add(id, expect, names, make, ref=None):
        C.append(Case(id, expect, names, make, ref))

    # ------------------------------------------------------------ dense X
    X_ = ("X",)
    for tag, bad in (("nan", np.nan), ("posinf", np.inf), ("neginf", -np.inf)):
        add(f"X_{tag}", "raise", X_, lambda d, b=bad: dict(X=_set(d.X, (3, 2), b)))
        add(f"X_{tag}_float32", "raise", X_,
            lambda d, b=bad: dict(X=_set(d.X, (3, 2), b).astype(np.float32)))
    add("X_nan_everywhere", "raise", X_, lambda d: dict(X=np.full((N, P), np.nan)))
    add("X_inf_among_huge", "raise", X_,
        lambda d: dict(X=_set(_set(d.X, (slice(None), 0), 1e308), (0, 0), np.inf)))
    add("X_one_1e300", "either", X_, lambda d: dict(X=_set(d.X, (0, 0), 1e300)))
    add("X_all_times_1e300", "either", X_, lambda d: dict(X=d.X * 1e300))
    add("X_all_times_1e154", "either", X_, lambda d: dict(X=d.X * 1e154))
    add("X_col_1e200", "either", X_, lambda d: dict(X=d.X * [1e200, 1, 1, 1, 1]))
    add("X_mixed_scales", "either", X_,
        lambda d: dict(X=d.X * [1e150, 1e-150, 1, 1e100, 1e-100]))
    add("X_max_float", "either", X_, lambda d: dict(X=_set(d.X, (slice(None), 1),
                                                           np.finfo(np.float64).max)))
    add("X_one_subnormal", "finite", X_, lambda d: dict(X=_set(d.X, (0, 0), 1e-310)))
    add("X_all_subnormal", "either", X_ + ("constant",), lambda d: dict(X=d.X * 1e-310))
    add("X_all_times_1e-200", "either", X_ + ("constant",), lambda d: dict(X=d.X * 1e-200))
    add("X_float32_huge", "either", X_, lambda d: dict(X=(d.X * 1e37).astype(np.float32)))
    add("X_float32_subnormal", "either", X_,
        lambda d: dict(X=(d.X * 1e-40).astype(np.float32)))
    add("X_big_endian", "finite", X_, lambda d: dict(X=_big_endian(d.X)), lambda d: {})
    add("X_big_endian_float32", "finite", X_,
        lambda d: dict(X=_big_endian(d.X.astype(np.float32))),
        lambda d: dict(X=d.X.astype(np.float32)))
    add("X_fortran", "finite", X_, lambda d: dict(X=np.asfortranarray(d.X)), lambda d: {})
    add("X_rows_strided", "finite", X_, lambda d: dict(X=_strided(d.X, 0)), lambda d: {})
    add("X_cols_strided", "finite", X_, lambda d: dict(X=_strided(d.X, 1)), lambda d: {})
    add("X_transposed_view", "finite", X_, lambda d: dict(X=np.ascontiguousarray(d.X.T).T),
        lambda d: {})
    add("X_strided_both", "finite", X_, lambda d: dict(X=_strided(_strided(d.X, 0), 1)),
        lambda d: {})
    add("X_readonly", "finite", X_, lambda d: dict(X=_readonly(d.X)), lambda d: {})
    if ep.kind == "estimator":      # scikit-learn refuses np.matrix
        add("X_matrix", "either", X_ + ("np.matrix",), lambda d: dict(X=np.asmatrix(d.X)))
    else:
        add("X_matrix", "finite", X_, lambda d: dict(X=np.asmatrix(d.X)), lambda d: {})
    add("X_list", "finite", X_, lambda d: dict(X=d.X.tolist()), lambda d: {})
    if not ep.cv:       # the folds go by position: a row permutation changes them
        add("X_rows_reversed", "finite", X_,
            lambda d: dict(X=d.X[::-1], y=d.y[::-1]),
            lambda d: dict(X=d.X[::-1].copy(), y=d.y[::-1].copy()))
        add("X_rows_reversed_weighted", "finite", X_ + ("sample_weight",),
            lambda d: dict(X=d.X[::-1], y=d.y[::-1], sample_weight=d.sw[::-1]),
            lambda d: dict(X=d.X[::-1].copy(), y=d.y[::-1].copy(),
                           sample_weight=d.sw[::-1].copy()))
    add("X_zero_column", "finite", X_, lambda d: dict(X=_set(d.X, (slice(None), 1), 0.0)))
    add("X_constant_column", "finite", X_,
        lambda d: dict(X=_set(d.X, (slice(None), 1), 3.25)))
    add("X_huge_constant_column", "either", X_,
        lambda d: dict(X=_set(d.X, (slice(None), 1), 1e300)))
    add("X_duplicate_columns", "finite", X_,
        lambda d: dict(X=np.column_stack([d.X, d.X[:, 0]])))
    # no feature varies: a refusal must say so (X, or constant features)
    X_const = X_ + ("constant",)
    add("X_all_zero", "either", X_const, lambda d: dict(X=np.zeros((N, P))))
    add("X_all_constant", "either", X_const, lambda d: dict(X=np.full((N, P), 2.5)))
    X_few = X_const + ("sample", "n_samples", "n_splits")
    add("X_one_row", "either", X_few, lambda d: dict(X=d.X[:1], y=d.y[:1]))
    add("X_two_rows", "either", X_few, lambda d: dict(X=d.X[:2], y=d.y[:2]))
    add("X_one_column", "finite", X_, lambda d: dict(X=d.X[:, :1]))
    add("X_wide_200_columns", "finite", X_,
        lambda d: dict(X=np.tile(d.X, 40) * np.linspace(0.5, 2, 40 * P)))
    add("X_zero_rows", "raise", X_ + ("sample",), lambda d: dict(X=d.X[:0], y=d.y[:0]))
    add("X_zero_columns", "raise", X_ + ("feature",), lambda d: dict(X=d.X[:, :0]))
    add("X_zero_by_zero", "raise", X_ + ("sample", "feature"),
        lambda d: dict(X=np.empty((0, 0)), y=d.y[:0]))
    add("X_3d", "raise", X_, lambda d: dict(X=d.X[:, :, None]))
    add("X_1d", "raise", X_, lambda d: dict(X=d.X[:, 0]))
    add("X_0d", "raise", X_, lambda d: dict(X=np.float64(1.0)))
    add("X_none", "raise", X_, lambda d: dict(X=None))
    add("X_object_numbers", "either", X_, lambda d: dict(X=d.X.astype(object)))
    add("X_object_strings", "raise", X_, lambda d: dict(X=np.full((N, P), "a", dtype=object)))
    add("X_object_with_none", "raise", X_, lambda d: dict(X=_obj_with(d.X, None)))
    # scikit-learn's estimators convert strings of numbers and datetimes to floats
    lenient = "either" if ep.kind == "estimator" else "raise"
    add("X_str", lenient, X_, lambda d: dict(X=d.X.astype(str)))
    add("X_bytes", lenient, X_, lambda d: dict(X=d.X.astype("S8")))
    add("X_complex", "raise", X_, lambda d: dict(X=d.X + 1j))
    add("X_complex_zero_imag", "raise", X_, lambda d: dict(X=d.X.astype(np.complex128)))
    add("X_datetime", lenient, X_const,
        lambda d: dict(X=np.zeros((N, P), dtype="datetime64[s]")))
    add("X_ragged_list", "raise", X_, lambda d: dict(X=[[1.0, 2.0]] * (N - 1) + [[1.0]]))
    add("X_bool", "either", X_, lambda d: dict(X=d.X > 0))
    add("X_int64", "finite", X_, lambda d: dict(X=np.round(d.X * 4).astype(np.int64)),
        lambda d: dict(X=np.round(d.X * 4)))
    add("X_int8", "finite", X_, lambda d: dict(X=np.round(d.X * 4).astype(np.int8)),
        lambda d: dict(X=np.round(d.X * 4)))
    add("X_uint64_huge", "either", X_,
        lambda d: dict(X=(np.abs(np.round(d.X * 4)).astype(np.uint64) * (2**61))))
    add("X_float16", "finite", X_, lambda d: dict(X=d.X.astype(np.float16)),
        lambda d: {})
    add("X_longdouble", "either", X_, lambda d: dict(X=d.X.astype(np.longdouble)))

    # ----------------------------------------------------------- sparse X
    dense_ref = lambda d: {}      # noqa: E731  (the dense matrix the sparse one sums to)
    add("sparse_csr", "finite", X_, lambda d: dict(X=sp.csr_matrix(d.X)), dense_ref)
    add("sparse_csc", "finite", X_, lambda d: dict(X=sp.csc_matrix(d.X)), dense_ref)
    add("sparse_coo", "finite", X_, lambda d: dict(X=sp.coo_matrix(d.X)), dense_ref)
    add("sparse_csr_array", "finite", X_, lambda d: dict(X=sp.csr_array(d.X)), dense_ref)
    add("sparse_csc_array", "finite", X_, lambda d: dict(X=sp.csc_array(d.X)), dense_ref)
    add("sparse_dok", "finite", X_, lambda d: dict(X=sp.dok_matrix(d.X)), dense_ref)
    add("sparse_lil", "finite", X_, lambda d: dict(X=sp.lil_matrix(d.X)), dense_ref)
    add("sparse_csc_duplicates", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csc", _dups)), dense_ref)
    add("sparse_csr_duplicates", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csr", _dups)), dense_ref)
    add("sparse_csc_array_duplicates", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csc", _dups, sp.csc_array)), dense_ref)
    add("sparse_coo_duplicates", "finite", X_, lambda d: dict(X=_coo_dups(d.X)), dense_ref)
    add("sparse_csc_unsorted", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csc", _unsorted)), dense_ref)
    add("sparse_csr_unsorted", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csr", _unsorted)), dense_ref)
    add("sparse_csc_explicit_zeros", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csc", _explicit_zeros)), dense_ref)
    add("sparse_csr_explicit_zeros", "finite", X_,
        lambda d: dict(X=_compressed(d.X, "csr", _explicit_zeros)), dense_ref)
    add("sparse_csc_int64_indices", "finite", X_,
        lambda d: dict(X=_index_dtype(sp.csc_matrix(d.X), np.int64)), dense_ref)
    add("sparse_csr_int64_indices", "finite", X_,
        lambda d: dict(X=_index_dtype(sp.csr_matrix(d.X), np.int64)), dense_ref)
    add("sparse_csc_int64_duplicates", "finite", X_,
        lambda d: dict(X=_index_dtype(_compressed(d.X, "csc", _dups), np.int64)), dense_ref)
    add("sparse_csc_big_endian_data", "finite", X_,
        lambda d: dict(X=_with(sp.csc_matrix(d.X), data=_big_endian(sp.csc_matrix(d.X).data))),
        dense_ref)
    add("sparse_csr_big_endian_indices", "finite", X_,
        lambda d: dict(X=_index_dtype(sp.csr_matrix(d.X), ">i4")), dense_ref)
    add("sparse_csc_strided_data", "finite", X_,
        lambda d: dict(X=_with(sp.csc_matrix(d.X), data=_strided(sp.csc_matrix(d.X).data))),
        dense_ref)
    add("sparse_csc_readonly", "finite", X_,
        lambda d: dict(X=_readonly_sparse(sp.csc_matrix(d.X))), dense_ref)
    add("sparse_csc_float32", "finite", X_,
        lambda d: dict(X=sp.csc_matrix(d.X.astype(np.float32))),
        lambda d: dict(X=d.X.astype(np.float32)))
    add("sparse_csc_int_data", "finite", X_,
        lambda d: dict(X=sp.csc_matrix(np.round(d.X * 4).astype(np.int64))),
        lambda d: dict(X=np.round(d.X * 4)))
    add("sparse_csc_bool_data", "either", X_, lambda d: dict(X=sp.csc_matrix(d.X > 0)))
    add("sparse_csc_zero_column", "finite", X_,
        lambda d: dict(X=sp.csc_matrix(_set(d.X, (slice(None), 2), 0.0))),
        lambda d: dict(X=_set(d.X, (slice(None), 2), 0.0)))
    add("sparse_all_zero", "either", X_const, lambda d: dict(X=sp.csc_matrix((N, P))))
    add("sparse_one_row", "either", X_few,
        lambda d: dict(X=sp.csr_matrix(d.X[:1]), y=d.y[:1]))
    add("sparse_nan", "raise", X_, lambda d: dict(X=sp.csc_matrix(_set(d.X, (0, 0), np.nan))))
    add("sparse_inf", "raise", X_, lambda d: dict(X=sp.csr_matrix(_set(d.X, (0, 0), np.inf))))
    add("sparse_nan_duplicate", "raise", X_,
        lambda d: dict(X=_compressed(d.X, "csc", lambda m, e: e + [(e[0][0], np.nan)])))
    add("sparse_inf_minus_inf_duplicates", "raise", X_,
        lambda d: dict(X=_compressed(d.X, "csc",
                                     lambda m, e: e + [(19, np.inf), (19, -np.inf)])))
    add("sparse_duplicates_overflow", "either", X_,
        lambda d: dict(X=_compressed(d.X, "csc", lambda m, e: e + [(19, 1e308), (19, 1e308)])))
    add("sparse_complex", "raise", X_, lambda d: dict(X=sp.csc_matrix(d.X + 1j)))
    add("sparse_zero_rows", "raise", X_ + ("sample",),
        lambda d: dict(X=sp.csc_matrix((0, P)), y=d.y[:0]))
    add("sparse_zero_columns", "raise", X_ + ("feature",), lambda d: dict(X=sp.csr_matrix((N, 0))))
    add("sparse_index_out_of_range", "raise", X_,
        lambda d: dict(X=_bad_index(sp.csc_matrix(d.X), N)))
    add("sparse_index_negative", "raise", X_,
        lambda d: dict(X=_bad_index(sp.csr_matrix(d.X), -1)))
    add("sparse_index_huge", "raise", X_,
        lambda d: dict(X=_bad_index(sp.csc_matrix(d.X), 2**30)))
    add("sparse_indptr_decreasing", "raise", X_,
        lambda d: dict(X=_bad_indptr(sp.csc_matrix(d.X))))
    add("sparse_indptr_past_data", "raise", X_,
        lambda d: dict(X=_indptr_past_data(sp.csc_matrix(d.X))))

    # -------------------------------------------------------------------- y
    Y_ = ("y",)
    e = _first_col(multi)
    for tag, bad in (("nan", np.nan), ("posinf", np.inf), ("neginf", -np.inf)):
        add(f"y_{tag}", "raise", Y_, lambda d, b=bad: dict(y=_set(d.y, e, b)))
    add("y_one_1e300", "either", Y_, lambda d: dict(y=_set(d.y, e, 1e300)))
    add("y_all_times_1e300", "either", Y_, lambda d: dict(y=d.y * 1e300))
    add("y_all_times_1e200", "either", Y_, lambda d: dict(y=d.y * 1e200))
    add("y_max_float", "either", Y_,
        lambda d: dict(y=np.full(d.y.shape, np.finfo(np.float64).max)))
    add("y_one_subnormal", "finite", Y_, lambda d: dict(y=_set(d.y, e, 1e-310)))
    add("y_all_subnormal", "either", Y_, lambda d: dict(y=d.y * 1e-310))
    add("y_all_times_1e-200", "either", Y_, lambda d: dict(y=d.y * 1e-200))
    add("y_constant", "finite", Y_, lambda d: dict(y=np.full(d.y.shape, 4.5)))
    add("y_huge_constant", "either", Y_, lambda d: dict(y=np.full(d.y.shape, 1e300)))
    add("y_zero", "finite", Y_, lambda d: dict(y=np.zeros(d.y.shape)))
    add("y_big_endian", "finite", Y_, lambda d: dict(y=_big_endian(d.y)), lambda d: {})
    add("y_strided", "finite", Y_, lambda d: dict(y=_strided(d.y, 0)), lambda d: {})
    add("y_readonly", "finite", Y_, lambda d: dict(y=_readonly(d.y)), lambda d: {})
    add("y_list", "finite", Y_, lambda d: dict(y=d.y.tolist()), lambda d: {})
    add("y_float32", "finite", Y_, lambda d: dict(y=d.y.astype(np.float32)))
    add("y_int", "finite", Y_, lambda d: dict(y=np.round(d.y * 4).astype(np.int64)),
        lambda d: dict(y=np.round(d.y * 4)))
    add("y_bool", "either", Y_, lambda d: dict(y=d.y > 0))
    add("y_object_numbers", "either", Y_, lambda d: dict(y=d.y.astype(object)))
    add("y_too_short", "raise", Y_, lambda d: dict(y=d.y[:-1]))
    add("y_too_long", "raise", Y_, lambda d: dict(y=np.concatenate([d.y, d.y[:1]])))
    add("y_3d", "raise", Y_, lambda d: dict(y=d.y.reshape(N, -1, 1)))
    add("y_0d", "raise", Y_, lambda d: dict(y=np.float64(1.0)))
    add("y_none", "raise", Y_, lambda d: dict(y=None))
    add("y_object_strings", "raise", Y_, lambda d: dict(y=np.full(d.y.shape, "a", dtype=object)))
    add("y_str", lenient, Y_, lambda d: dict(y=d.y.astype(str)))
    add("y_complex", "raise", Y_, lambda d: dict(y=d.y + 1j))
    add("y_zero_columns", "raise", Y_, lambda d: dict(y=np.empty((N, 0))))
    add("y_empty_with_X", "raise", Y_ + X_ + ("sample",), lambda d: dict(y=np.empty(0)))
    if ep.two_d:
        add("y_column_vector", "finite", Y_, lambda d: dict(y=d.y1[:, None]))
        add("y_2d", "finite", Y_, lambda d: dict(y=d.Y))
        add("y_2d_big_endian_strided", "finite", Y_,
            lambda d: dict(y=_strided(_big_endian(d.Y), 1)), lambda d: dict(y=d.Y))
        add("y_2d_fortran", "finite", Y_, lambda d: dict(y=np.asfortranarray(d.Y)),
            lambda d: dict(y=d.Y))
        add("y_2d_nan", "raise", Y_, lambda d: dict(y=_set(d.Y, (4, 2), np.nan)))
        add("y_2d_constant_column", "finite", Y_,
            lambda d: dict(y=_set(d.Y, (slice(None), 1), 7.0)))
        add("y_2d_zero_column", "finite", Y_,
            lambda d: dict(y=_set(d.Y, (slice(None), 0), 0.0)))
        add("y_2d_all_constant", "finite", Y_, lambda d: dict(y=np.ones((N, K))))
        add("y_2d_huge_column", "either", Y_,
            lambda d: dict(y=_set(d.Y, (slice(None), 2), 1e300)))
        add("y_2d_many_columns", "finite", Y_,
            lambda d: dict(y=np.tile(d.Y, 10) * np.linspace(-2, 2, 10 * K)))
    else:
        add("y_2d_rejected", "raise", Y_, lambda d: dict(y=d.Y))

    # -------------------------------------------------------- sample_weight
    S_ = ("sample_weight",)
    add("sw_negative", "raise", S_, lambda d: dict(sample_weight=_set(d.sw, 3, -1.0)))
    add("sw_all_negative", "raise", S_, lambda d: dict(sample_weight=-d.sw))
    add("sw_all_zero", "raise", S_, lambda d: dict(sample_weight=np.zeros(N)))
    add("sw_nan", "raise", S_, lambda d: dict(sample_weight=_set(d.sw, 3, np.nan)))
    add("sw_posinf", "raise", S_, lambda d: dict(sample_weight=_set(d.sw, 3, np.inf)))
    add("sw_neginf", "raise", S_, lambda d: dict(sample_weight=_set(d.sw, 3, -np.inf)))
    add("sw_too_short", "raise", S_, lambda d: dict(sample_weight=d.sw[:-1]))
    add("sw_too_long", "raise", S_, lambda d: dict(sample_weight=np.append(d.sw, 1.0)))
    add("sw_2d", "raise", S_, lambda d: dict(sample_weight=d.sw[:, None]))
    add("sw_empty", "raise", S_, lambda d: dict(sample_weight=np.empty(0)))
    add("sw_scalar_negative", "raise", S_, lambda d: dict(sample_weight=-1.0))
    add("sw_scalar_zero", "raise", S_, lambda d: dict(sample_weight=0.0))
    add("sw_scalar_nan", "raise", S_, lambda d: dict(sample_weight=np.nan))
    add("sw_scalar", "finite", S_, lambda d: dict(sample_weight=2.0))
    add("sw_object_strings", "raise", S_, lambda d: dict(sample_weight=np.full(N, "a", object)))
    add("sw_str", "raise", S_, lambda d: dict(sample_weight=d.sw.astype(str)))
    add("sw_complex", "raise", S_, lambda d: dict(sample_weight=d.sw + 1j))
    add("sw_one_1e300", "either", S_, lambda d: dict(sample_weight=_set(d.sw, 0, 1e300)))
    add("sw_all_1e300", "either", S_, lambda d: dict(sample_weight=d.sw * 1e300))
    add("sw_all_max_float", "either", S_,
        lambda d: dict(sample_weight=np.full(N, np.finfo(np.float64).max)))
    add("sw_one_subnormal", "finite", S_, lambda d: dict(sample_weight=_set(d.sw, 0, 1e-310)))
    add("sw_all_subnormal", "either", S_, lambda d: dict(sample_weight=d.sw * 1e-310))
    add("sw_single_positive", "either", S_ + X_const,
        lambda d: dict(sample_weight=_set(np.zeros(N), 5, 1.0)))
    add("sw_half_zero", "finite", S_, lambda d: dict(sample_weight=_set(d.sw, slice(0, N, 2), 0)))
    add("sw_negative_zero", "finite", S_, lambda d: dict(sample_weight=_set(d.sw, 2, -0.0)))
    add("sw_big_endian", "finite", S_, lambda d: dict(sample_weight=_big_endian(d.sw)),
        lambda d: dict(sample_weight=d.sw))
    add("sw_strided", "finite", S_, lambda d: dict(sample_weight=_strided(d.sw)),
        lambda d: dict(sample_weight=d.sw))
    add("sw_readonly", "finite", S_, lambda d: dict(sample_weight=_readonly(d.sw)),
        lambda d: dict(sample_weight=d.sw))
    add("sw_list", "finite", S_, lambda d: dict(sample_weight=d.sw.tolist()),
        lambda d: dict(sample_weight=d.sw))
    add("sw_int", "finite", S_, lambda d: dict(sample_weight=np.arange(1, N + 1)),
        lambda d: dict(sample_weight=np.arange(1.0, N + 1)))
    add("sw_float32", "finite", S_, lambda d: dict(sample_weight=d.sw.astype(np.float32)),
        lambda d: dict(sample_weight=d.sw))
    add("sw_bool", "either", S_, lambda d: dict(sample_weight=np.arange(N) % 2 == 0))
    add("sw_with_sparse_duplicates", "finite", S_ + X_,
        lambda d: dict(X=_compressed(d.X, "csr", _dups), sample_weight=d.sw),
        lambda d: dict(sample_weight=d.sw))
    return C


def _obj_with(X, value):
    A = X.astype(object)
    A[2, 3] = value
    return A


def _coo_dups(X):
    rows, cols = np.nonzero(X)
    vals = X[rows, cols]
    return sp.coo_matrix((np.concatenate([vals / 2, vals[::-1] / 2]),
                          (np.concatenate([rows, rows[::-1]]),
                           np.concatenate([cols, cols[::-1]]))), shape=X.shape)


def _index_dtype(M, dtype):
    M.indices = M.indices.astype(dtype)
    M.indptr = M.indptr.astype(dtype)
    return M


def _readonly_sparse(M):
    for name in ("data", "indices", "indptr"):
        getattr(M, name).setflags(write=False)
    return M


def _bad_index(M, value):
    idx = M.indices.copy()
    idx[len(idx) // 2] = value
    M.indices = idx
    return M


def _bad_indptr(M):
    ptr = M.indptr.copy()
    ptr[1], ptr[2] = ptr[2], ptr[1]
    M.indptr = ptr
    return M


def _indptr_past_data(M):
    ptr = M.indptr.copy()
    ptr[-1] += 50
    M.indptr = ptr
    return M


def _param_cases(ep):
    """Hostile parameters of one entry point."""
    C = []

    def add(id, expect, names, params=None, make=None, ref=None):
        if make is None:
            def make(d, params=params):
                return {"params": params}
        C.append(Case(id, expect, names, make, ref))

    def bad(name, values, names=None, expect="raise", extra=None):
        """One case per (tag, value) of ``name``, beside the ``extra`` parameters."""
        for tag, v in values:
            add(f"{name}={tag}", expect, names or (name,), {**(extra or {}), name: v})

    invalid_real = [("nan", np.nan), ("inf", np.inf), ("str", "0.5"), ("None", None),
                    ("list", [0.5]), ("bool", True)]
    name, kind = ep.name, ep.kind
    path = name in ("enet_path", "lasso_path", "enet_path_2d")
    cd = path or name in ("glmnet_path", "Lasso", "ElasticNet", "LassoCV", "ElasticNetCV")

    # --- mixing
    if name in ("enet_path", "enet_path_2d", "ElasticNet"):
        bad("l1_ratio", [("-0.1", -0.1), ("1.5", 1.5)] + invalid_real)
        add("l1_ratio=0_explicit_alphas", "finite", ("l1_ratio",),
            {"l1_ratio": 0.0,
             **({"alpha": 0.1} if kind == "estimator" else {"alphas": [1.0, 0.1]})})
        add("l1_ratio=1", "finite", ("l1_ratio",), {"l1_ratio": 1.0})
        add("l1_ratio=1e-300", "either", ("l1_ratio",), {"l1_ratio": 1e-300})
        if kind == "func":
            add("l1_ratio=0_auto_grid", "raise", ("l1_ratio", "alphas"), {"l1_ratio": 0.0})
    if name == "lasso_path":
        add("l1_ratio_given", "raise", ("l1_ratio",), {"l1_ratio": 0.5})
    if name == "ElasticNetCV":
        bad("l1_ratio", [("-0.1", -0.1), ("1.5", 1.5), ("nan", np.nan), ("empty", []),
                         ("list_with_2", [0.5, 2.0]), ("list_with_nan", [0.5, np.nan]),
                         ("str", "a"), ("2d", [[0.5]])])
        add("l1_ratio=[0]_auto_grid", "raise", ("l1_ratio", "alphas"), {"l1_ratio": [0.0]})
        add("l1_ratio=[0]_explicit", "finite", ("l1_ratio",),
            {"l1_ratio": [0.0, 1.0], "alphas": [1.0, 0.1]})
    if name == "glmnet_path":
        bad("alpha", [("-0.1", -0.1), ("1.5", 1.5)] + invalid_real)
        add("alpha=0", "finite", ("alpha",), {"alpha": 0.0})

    # --- penalty strength
    if path or name in ("LassoCV", "ElasticNetCV"):
        bad("alphas", [("0", 0), ("-5", -5), ("empty", []), ("[-1]", [1.0, -1.0]),
                       ("[nan]", [1.0, np.nan]), ("[inf]", [np.inf, 1.0]), ("str", "abc"),
                       ("True", True), ("None", None), ("complex", [1 + 1j]),
                       ("[str]", ["a", "b"])])
        if not ep.multi:
            bad("alphas", [("2d", [[1.0, 0.1]])])
        add("alphas=[0]", "finite", ("alphas",), {"alphas": [0.0]})
        add("alphas=[1e300]", "finite", ("alphas",), {"alphas": [1e300]})
        add("alphas=[1e-310]", "either", ("alphas",), {"alphas": [1e-310]})
        add("alphas=unsorted_repeated", "finite", ("alphas",), {"alphas": [0.1, 1.0, 0.1, 0.5]})
        add("alphas=big_endian", "finite", ("alphas",),
            {"alphas": _big_endian(np.array([1.0, 0.1]))})
        add("alphas=float_scalar", "either", ("alphas",), {"alphas": 0.5})
        add("alphas=1", "finite", ("alphas",), {"alphas": 1})
        bad("n_alphas", [("0", 0), ("-1", -1), ("1.5", 1.5), ("str", "a"), ("True", True)],
            names=("n_alphas", "alphas"))
        bad("eps", [("0", 0.0), ("-1", -1.0), ("1.5", 1.5), ("nan", np.nan), ("inf", np.inf),
                    ("str", "a"), ("None", None)])
        add("eps=1", "finite", ("eps",), {"eps": 1.0})
        add("eps=1e-300", "either", ("eps",), {"eps": 1e-300})
        add("alphas=np.int64", "finite", ("alphas",), {"alphas": np.int64(4)})
    if ep.multi:
        bad("alphas", [("per_target_wrong_rows", np.ones((K + 1, 3))),
                       ("per_target_nan", _set(np.ones((K, 3)), (1, 1), np.nan)),
                       ("per_target_negative", _set(np.ones((K, 3)), (1, 1), -1.0)),
                       ("per_target_no_columns", np.ones((K, 0))),
                       ("3d", np.ones((K, 2, 2)))])
        add("alphas=per_target", "finite", ("alphas",),
            {"alphas": np.array([[1.0, 0.1], [0.5, 0.05], [2.0, 0.2]])})
        add("alphas=per_target_with_zero", "finite", ("alphas",),
            {"alphas": np.array([[1.0, 0.0], [0.5, 0.05], [2.0, 0.2]])})
        add("alphas=per_target_big_endian_F", "finite", ("alphas",),
            {"alphas": np.asfortranarray(_big_endian(np.array([[1.0, 0.1], [0.5, 0.05],
                                                               [2.0, 0.2]])))})
    if name == "glmnet_path":
        bad("lambdas", [("0", 0), ("-1", -1), ("empty", []), ("[nan]", [np.nan]),
                        ("[-1]", [-1.0]), ("[inf]", [np.inf]), ("str", "a"), ("1.5", 1.5),
                        ("True", True), ("None", None), ("2d", [[1.0]])])
        add("lambdas=[0]", "finite", ("lambdas",), {"lambdas": [0.0]})
        add("lambdas=[1e300]", "finite", ("lambdas",), {"lambdas": [1e300]})
        bad("lambda_min_ratio", [("0", 0.0), ("-1", -1.0), ("1.5", 1.5), ("nan", np.nan),
                                 ("str", "a")])
        add("lambda_min_ratio=1", "finite", ("lambda_min_ratio",), {"lambda_min_ratio": 1.0})
    if name in ("Lasso", "ElasticNet", "Ridge"):
        bad("alpha", [("-1", -1.0), ("nan", np.nan), ("inf", np.inf), ("-inf", -np.inf),
                      ("str", "a"), ("None", None), ("wrong_length", [0.1, 0.2]),
                      ("complex", 1 + 1j), ("2d", [[0.1]])])
        add("alpha=0", "finite", ("alpha",), {"alpha": 0.0})
        add("alpha=1e300", "finite", ("alpha",), {"alpha": 1e300})
        add("alpha=1e-310", "finite", ("alpha",), {"alpha": 1e-310})
        add("alpha=int", "finite", ("alpha",), {"alpha": 1})
        add("alpha=per_target", "finite", ("alpha",), make=lambda d: dict(
            y=d.Y, params={"alpha": np.array([0.1, 0.2, 0.3])}))
        add("alpha=per_target_nan", "raise", ("alpha",), make=lambda d: dict(
            y=d.Y, params={"alpha": np.array([0.1, np.nan, 0.3])}))
        add("alpha=per_target_negative", "raise", ("alpha",), make=lambda d: dict(
            y=d.Y, params={"alpha": np.array([0.1, -0.2, 0.3])}))
        add("alpha=per_target_wrong_length", "raise", ("alpha",), make=lambda d: dict(
            y=d.Y, params={"alpha": np.array([0.1, 0.2])}))
    if name == "ridge_path":
        bad("alphas", [("empty", []), ("[-1]", [1.0, -1.0]), ("[nan]", [np.nan]),
                       ("[inf]", [np.inf]), ("str", "abc"), ("2d", [[1.0, 0.1]]),
                       ("True", True), ("None", None), ("complex", [1 + 1j])])
        add("alphas=scalar", "finite", ("alphas",), {"alphas": 1.0})
        add("alphas=[0]", "finite", ("alphas",), {"alphas": [0.0]})
        add("alphas=[0]_wide", "finite", ("alphas",),
            make=lambda d: dict(X=np.tile(d.X, 8), params={"alphas": [0.0]}))
        add("alphas=[1e300]", "finite", ("alphas",), {"alphas": [1e300]})
        add("alphas=[1e-310]", "finite", ("alphas",), {"alphas": [1e-310]})
        add("alphas=big_endian", "finite", ("alphas",),
            {"alphas": _big_endian(np.array([1.0, 0.1]))})
        add("alphas=int", "finite", ("alphas",), {"alphas": [1, 2]})
    if name == "RidgeCV":
        bad("alphas", [("empty", []), ("[-1]", [1.0, -1.0]), ("[nan]", [np.nan, 1.0]),
                       ("[inf]", [np.inf]), ("str", "abc"), ("2d", [[1.0, 0.1]]),
                       ("None", None)])
        add("alphas=[0]", "either", ("alphas",), {"alphas": [0.0]})
        add("alphas=[0]_wide", "either", ("alphas",),
            make=lambda d: dict(X=np.tile(d.X, 8), params={"alphas": [0.0, 1.0]}))
        add("alphas=[1e300]", "finite", ("alphas",), {"alphas": [1e300, 1.0]})
        add("alphas=[1e-310]", "either", ("alphas",), {"alphas": [1e-310, 1.0]})
        add("alphas=scalar", "finite", ("alphas",), {"alphas": 1.0})
        bad("scoring", [("r2", "r2"), ("callable", len)])
        add("store_cv_results_with_cv", "raise", ("store_cv_results", "cv"),
            {"store_cv_results": True, "cv": 3})
        add("store_cv_results", "finite", ("store_cv_results",), {"store_cv_results": True})
        add("gcv", "finite", ("gcv",), {"gcv": True})
        add("gcv_wide", "finite", ("gcv",),
            make=lambda d: dict(X=np.tile(d.X, 8), params={"gcv": True}))
        add("alpha_per_target", "finite", ("alpha_per_target",),
            make=lambda d: dict(y=d.Y, params={"alpha_per_target": True}))

    # --- cross-validation
    if ep.cv:
        cv_names = ("cv", "n_splits", "fold", "folds")
        bad("cv", [("1", 1), ("0", 0), ("-1", -1), ("str", "a"), ("1.5", 1.5),
                   ("100", 100), ("empty_list", [])], names=cv_names)
        add("cv=one_fold", "raise" if name != "RidgeCV" else "either", cv_names,
            make=lambda d: {"params": {"cv": [(np.arange(10), np.arange(10, N))]}})
        add("cv=test_out_of_range", "raise", cv_names,
            make=lambda d: {"params": {"cv": [(np.arange(10), np.array([10, 11, N + 5])),
                                              (np.arange(10, N), np.arange(10))]}})
        add("cv=empty_test", "raise" if name != "RidgeCV" else "either", cv_names,
            make=lambda d: {"params": {"cv": [(np.arange(N), np.array([], dtype=int)),
                                              (np.arange(10, N), np.arange(10))]}})
        add("cv=float_indices", "raise", cv_names,
            make=lambda d: {"params": {"cv": [(np.arange(10.0), np.arange(10.0, N)),
                                              (np.arange(10.0, N), np.arange(10.0))]}})
        add("cv=2", "finite", cv_names, {"cv": 2})
        add("cv=leave_one_out", "finite", cv_names, {"cv": N})
        add("cv=explicit_folds", "finite", cv_names,
            make=lambda d: {"params": {"cv": [(np.arange(10), np.arange(10, N)),
                                              (np.arange(10, N), np.arange(10))]}})
        add("cv=overlapping_folds", "either", cv_names,
            make=lambda d: {"params": {"cv": [(np.arange(15), np.arange(5, N)),
                                              (np.arange(5, N), np.arange(15))]}})
        add("cv=generator", "finite", cv_names,
            make=lambda d: {"params": {"cv": ((np.r_[0:k, k + 5:N], np.arange(k, k + 5))
                                              for k in (0, 5, 10, 15))}})
        add("cv=fold_all_zero_weight_train", "raise", cv_names + ("sample_weight",),
            make=lambda d: dict(sample_weight=np.r_[np.zeros(10), np.ones(10)], params={
                "cv": [(np.arange(10), np.arange(10, N)), (np.arange(10, N), np.arange(10))]}))

    # --- solver controls
    if cd or name == "Ridge":
        bad("tol", [("-1", -1.0)] + invalid_real[:4])
        add("tol=0", "finite", ("tol",), {"tol": 0.0})
        add("tol=1e300", "finite", ("tol",), {"tol": 1e300})
        bad("max_iter", [("0", 0), ("-1", -1), ("1.5", 1.5), ("nan", np.nan), ("str", "a"),
                         ("2**31", 2**31), ("True", True)] +
            ([] if name == "Ridge" else [("None", None)]))
        add("max_iter=1", "finite", ("max_iter",), {"max_iter": 1})
    if name == "Ridge":
        bad("solver", [("foo", "foo"), ("None", None), ("list", ["auto"])])
        for s in ("cholesky", "eigh", "lsqr", "cg", "cd"):
            add(f"solver={s}", "finite", ("solver",), {"solver": s})
            add(f"solver={s}_sparse_duplicates", "finite", ("solver", "X"),
                make=lambda d, s=s: dict(X=_compressed(d.X, "csc", _dups),
                                         params={"solver": s, "tol": 1e-14}),
                ref=lambda d, s=s: dict(params={"solver": s, "tol": 1e-14}))
            add(f"solver={s}_weighted_2d", "finite", ("solver",),
                make=lambda d, s=s: dict(y=d.Y, sample_weight=d.sw, params={"solver": s}))
        for s in ("lsqr", "cd"):
            bad("max_iter", [(f"-1_{s}", -1), (f"0_{s}", 0)], extra={"solver": s})
            add(f"tol=-1_{s}", "raise", ("tol",), {"solver": s, "tol": -1.0})
        add("positive", "finite", ("positive",), {"positive": True})
        add("positive_sparse", "finite", ("positive",),
            make=lambda d: dict(X=sp.csr_matrix(d.X), params={"positive": True}))
    thread_names = ("n_threads",)
    bad("n_threads", [("0", 0), ("str", "a"), ("1.5", 1.5), ("2**31", 2**31),
                      ("True", True), ("nan", np.nan)], names=thread_names)
    add("n_threads=-2**31", "either", thread_names, {"n_threads": -2**31})
    add("n_threads=-1", "finite", thread_names, {"n_threads": -1})
    add("n_threads=-1000", "finite", thread_names, {"n_threads": -1000})
    add("n_threads=64", "finite", thread_names, {"n_threads": 64})
    add("n_threads=np.int64", "finite", thread_names, {"n_threads": np.int64(2)})

    bad("fit_intercept", [("str", "no"), ("None", None), ("int", 1), ("array", np.array([1]))])
    if (cd or name == "Ridge") and name != "glmnet_path":
        bad("positive", [("str", "yes"), ("None", None), ("int", 1)])
        add("positive=True", "finite", ("positive",), {"positive": True})
        add("positive_y_negative", "finite", ("positive",),
            make=lambda d: dict(y=-np.abs(d.y) - 1.0, params={"positive": True}))

    if cd:
        pf_names = ("penalty_factor",)
        wrong = [("wrong_length", np.ones(P - 1)), ("too_long", np.ones(P + 1)),
                 ("2d", np.ones((1, P))), ("negative", _set(np.ones(P), 2, -1.0)),
                 ("nan", _set(np.ones(P), 2, np.nan)), ("str", np.full(P, "a")),
                 ("complex", np.ones(P) + 1j), ("scalar", 1.0)]
        if name != "glmnet_path":
            wrong.append(("neginf", _set(np.ones(P), 2, -np.inf)))
        bad("penalty_factor", wrong)
        # an estimator with one alpha makes no grid: plain least squares
        add("penalty_factor=all_zero_auto_grid",
            "finite" if kind == "estimator" and not ep.cv else "raise",
            pf_names + ("alphas", "lambdas"),
            {"penalty_factor": np.zeros(P)} if name != "Lasso" and name != "ElasticNet" else
            {"penalty_factor": np.zeros(P), "alpha": 0.1})
        add("penalty_factor=one_inf", "finite", pf_names,
            {"penalty_factor": _set(np.ones(P), 1, np.inf)})
        add("penalty_factor=all_inf", "either", pf_names + ("alphas", "lambdas"),
            {"penalty_factor": np.full(P, np.inf)})
        add("penalty_factor=1e300", "either", pf_names,
            {"penalty_factor": _set(np.ones(P), 0, 1e300)})
        add("penalty_factor=subnormal", "either", pf_names,
            {"penalty_factor": _set(np.ones(P), 0, 1e-310)})
        add("penalty_factor=one_zero", "finite", pf_names,
            {"penalty_factor": _set(np.ones(P), 0, 0.0)})
        add("penalty_factor=big_endian_strided", "finite", pf_names,
            {"penalty_factor": _strided(_big_endian(np.linspace(0.5, 2, P)))},
            ref=lambda d: {"params": {"penalty_factor": np.linspace(0.5, 2, P)}})
        add("penalty_factor=list_int", "finite", pf_names, {"penalty_factor": [1, 2, 1, 1, 0]})
        add("penalty_factor=readonly", "finite", pf_names,
            {"penalty_factor": _readonly(np.linspace(0.5, 2, P))})
        add("penalty_factor=zero_on_constant_column", "finite", pf_names, make=lambda d: dict(
            X=_set(d.X, (slice(None), 1), 2.0),
            params={"penalty_factor": _set(np.ones(P), 1, 0.0)}))
        bad("exclude", [("out_of_range", [P]), ("negative_out", [-P - 1]),
                        ("float", [0.5]), ("bool", [True]), ("str", "a"), ("nan", [np.nan])])
        add("exclude=all", "either", ("exclude", "alphas", "lambdas"),
            {"exclude": list(range(P))})
        add("exclude=empty", "finite", ("exclude",), {"exclude": []})
        add("exclude=repeated", "finite", ("exclude",), {"exclude": [0, 0, -1]})
        add("exclude=array_big_endian", "finite", ("exclude",),
            {"exclude": _big_endian(np.array([1, 2]))})
        lb, ub = ("lower_bounds",), ("upper_bounds",)
        bad("lower_bounds", [("positive", 1.0), ("nan", np.nan), ("wrong_length", -np.ones(P - 1)),
                             ("2d", -np.ones((1, P))), ("str", "a"), ("posinf", np.inf),
                             ("one_positive", _set(-np.ones(P), 2, 0.5)),
                             ("complex", -np.ones(P) + 1j)])
        bad("upper_bounds", [("negative", -1.0), ("nan", np.nan), ("wrong_length", np.ones(P + 1)),
                             ("neginf", -np.inf), ("one_negative", _set(np.ones(P), 0, -0.5)),
                             ("str", "a")])
        add("bounds_both_zero", "finite", lb + ub, {"lower_bounds": 0.0, "upper_bounds": 0.0})
        add("bounds_infinite", "finite", lb + ub,
            {"lower_bounds": -np.inf, "upper_bounds": np.inf})
        add("bounds_lower_above_upper", "raise", lb + ub,
            {"lower_bounds": 0.5, "upper_bounds": 0.25})
        add("bounds_tight", "finite", lb + ub,
            {"lower_bounds": -1e-300, "upper_bounds": 1e-300})
        if name != "glmnet_path":
            add("bounds_with_positive", "finite", lb + ("positive",),
                {"lower_bounds": -1.0, "positive": True})
        add("bounds_big_endian_strided", "finite", lb + ub,
            {"lower_bounds": _strided(_big_endian(-np.ones(P))),
             "upper_bounds": _big_endian(np.full(P, 0.5))},
            ref=lambda d: {"params": {"lower_bounds": -np.ones(P),
                                      "upper_bounds": np.full(P, 0.5)}})
        add("bounds_unpenalized_boxed", "finite", lb + ub + pf_names,
            {"lower_bounds": -0.5, "upper_bounds": 0.5,
             "penalty_factor": _set(np.ones(P), 0, 0.0)})
        if name != "glmnet_path":
            bad("standardize", [("str", "yes"), ("None", None)])
            add("standardize=True", "finite", ("standardize",), {"standardize": True})
            add("standardize_constant_column", "finite", ("standardize",), make=lambda d: dict(
                X=_set(d.X, (slice(None), 1), 2.0), params={"standardize": True}))
        else:
            bad("standardize", [("str", "yes")])
        if name not in ("glmnet_path", "LassoCV", "ElasticNetCV"):
            bad("rescale_penalty_factor", [("str", "yes")])
    if path or name in ("Lasso", "ElasticNet", "LassoCV", "ElasticNetCV"):
        bad("selection", [("foo", "foo"), ("None", None)])
        add("selection=random", "finite", ("selection",),
            {"selection": "random", "random_state": 0})
        bad("random_state", [("-1", -1), ("str", "a"), ("2**40", 2**40), ("float", 1.5)],
            extra={"selection": "random"})
        bad("precompute", [("foo", "foo"), ("wrong_shape", np.eye(P - 1)),
                           ("nan", np.full((P, P), np.nan)), ("str_array", np.full((P, P), "a")),
                           ("complex", np.eye(P) + 0j), ("3d", np.ones((P, P, 1)))])
        add("precompute=True", "finite", ("precompute",), {"precompute": True})
        add("precompute=False", "finite", ("precompute",), {"precompute": False})
        if not ep.cv:
            add("precompute=identity", "either", ("precompute",), {"precompute": np.eye(P)})
            add("precompute=gram_big_endian", "finite", ("precompute",), make=lambda d: dict(
                params={"precompute": _big_endian(_centred_gram(d.X)), "fit_intercept": True}),
                ref=lambda d: {"params": {"precompute": False}})
        if ep.cv:
            add("precompute=array", "raise", ("precompute",), make=lambda d: dict(
                params={"precompute": _centred_gram(d.X)}))
    if path:
        bad("coef_init", [("wrong_length", np.zeros(P - 1)), ("nan", _set(np.zeros(P), 0, np.nan)),
                          ("inf", _set(np.zeros(P), 0, np.inf)), ("str", np.full(P, "a")),
                          ("complex", np.zeros(P) + 1j)] +
            ([("2d_wrong", np.zeros((K + 1, P)))] if ep.multi else [("2d", np.zeros((2, P)))]))
        add("coef_init=1e300", "either", ("coef_init",),
            {"coef_init": _set(np.zeros(P), 0, 1e300)})
        add("coef_init=big_endian_strided", "finite", ("coef_init",),
            {"coef_init": _strided(_big_endian(np.linspace(-1, 1, P)))})
        if ep.multi:
            add("coef_init=per_target", "finite", ("coef_init",),
                {"coef_init": np.ones((K, P))})
            add("verbose=True", "finite", ("verbose",), {"verbose": True})
            add("verbose=callable", "finite", ("verbose",), {"verbose": lambda done, tot: None})
    if name in ("Lasso", "ElasticNet"):
        add("warm_start_twice", "finite", ("warm_start",), make=lambda d: dict(
            params={"warm_start": True}, refit=True))
    return C


def _centred_gram(X):
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc


def cases(name):
    """The cases of entry point ``name``, ids unique."""
    ep = EP_BY_NAME[name]
    out = _data_cases(ep) + _param_cases(ep)
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    # a malformed sparse structure may make a kernel write out of bounds: such a
    # case must not leave a corrupted heap to the cases after it
    return [c._replace(isolate=c.id.startswith(_UNSAFE)) for c in out]


_UNSAFE = ("sparse_index_", "sparse_indptr_")


CASE_COUNTS = {name: len(cases(name)) for name in ENTRY_POINTS}
MIN_CASES = 150            # per entry point: a shrinking table is a regression too

# ---------------------------------------------------------- the child process


def _snapshot(obj, depth=0):
    """A bitwise fingerprint of every array reachable from ``obj``."""
    if depth > 4:
        return None
    if sp.issparse(obj):
        parts = [type(obj).__name__, obj.shape]
        for attr in ("data", "indices", "indptr", "row", "col", "coords"):
            if attr in ("row", "col", "coords") and obj.format != "coo":
                continue
            try:
                value = getattr(obj, attr)
            except Exception:            # noqa: BLE001  (not every scipy has coords)
                continue
            parts.append((attr, _snapshot(value, depth + 1)))
        if obj.format in ("dok", "lil"):
            parts.append(_snapshot(obj.toarray(), depth + 1))
        return tuple(parts)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return ("object", obj.shape, tuple(_snapshot(v, depth + 1) for v in obj.flat))
        return (obj.dtype.str, obj.shape, obj.flags.writeable, obj.tobytes())
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_snapshot(v, depth + 1) for v in obj))
    if isinstance(obj, dict):
        return tuple((k, _snapshot(v, depth + 1)) for k, v in obj.items())
    if isinstance(obj, float) and obj != obj:
        return "nan"
    if isinstance(obj, (int, float, complex, str, bytes, bool, type(None), np.generic)):
        return repr(obj)
    return type(obj).__name__         # generators, callables: not compared


def _input_diff(before, after):
    return [k for k in before if before[k] != after[k]]


def _outputs(ep, call):
    import fastpen

    X, y, params = call["X"], call["y"], call["params"]
    kw = {} if call["sample_weight"] is None else {"sample_weight": call["sample_weight"]}
    if ep.kind == "func":
        res = getattr(fastpen, ep.target)(X, y, **kw, **params)
        return {f: getattr(res, f) for f in res._fields}
    est = getattr(fastpen, ep.target)(**params)
    est.fit(X, y, **kw)
    if call.get("refit"):
        est.fit(X, y, **kw)
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}


def _nonfinite(outputs):
    bad = []
    for k, v in outputs.items():
        try:
            a = np.asarray(v)
        except Exception:           # noqa: BLE001  (ragged lists of ints...)
            continue
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            bad.append(k)
    return bad


_COMPARED = ("alphas", "coefs", "intercepts", "coef_", "intercept_", "alpha_")


def _mismatch(out, ref, rtol=1e-10):
    worst = []
    for k in _COMPARED:
        if k not in ref:
            continue
        a = np.asarray(out.get(k), dtype=np.float64)
        b = np.asarray(ref[k], dtype=np.float64)
        if a.shape != b.shape:
            worst.append(f"{k}: shape {a.shape} vs {b.shape}")
            continue
        if a.size == 0:
            continue
        tol = rtol * max(1.0, float(np.abs(b).max()))
        if np.asarray(ref[k]).dtype == np.float32:
            tol = 1e-5 * max(1.0, float(np.abs(b).max()))
        err = float(np.abs(a - b).max())
        if not err <= tol:
            worst.append(f"{k}: max |diff| {err:.3g} > {tol:.3g}")
    return worst


# scikit-learn's validate_data words its refusals without the argument's name; the
# estimators (thin wrappers around it) are held to scikit-learn's wording there
SKLEARN_PHRASES = ("Found array with dim", "Expected 2D array", "Complex data not supported",
                   "inconsistent numbers of samples", "Input should have at least 1 dimension",
                   "Found array with 0 feature", "Found array with 0 sample",
                   "could not convert string to float", "np.matrix is not supported")


def _named(msg, names):
    return any(re.search(r"(?<![A-Za-z0-9_])" + re.escape(n) + r"(?![A-Za-z0-9_])", msg)
               for n in names)


def _build(ep, d, overrides, tight):
    call = {"X": d.X, "y": d.y, "sample_weight": None}
    params = dict(ep.params)
    if tight:
        params.update(ep.tight)
    call.update({k: v for k, v in overrides.items() if k != "params"})
    params.update(overrides.get("params") or {})
    call["params"] = params
    return call


def run_case(ep, case):
    """(ok, outcome, problems) of one case, run in this process."""
    import warnings

    d = Data(ep.multi)
    call = _build(ep, d, case.make(d), tight=case.ref is not None)
    inputs = {"X": call["X"], "y": call["y"], "sample_weight": call["sample_weight"],
              **{f"params[{k}]": v for k, v in call["params"].items()}}
    before = {k: _snapshot(v) for k, v in inputs.items()}
    problems = []
    out = exc = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                out = _outputs(ep, call)
            except Exception as e:      # noqa: BLE001  (classified below)
                exc = e
    after = {k: _snapshot(v) for k, v in inputs.items()}
    changed = _input_diff(before, after)
    if changed:
        problems.append(f"modified input {', '.join(changed)}")
    if exc is not None:
        msg = str(exc).replace("\n", " ")[:300]
        outcome = f"raised {type(exc).__name__}: {msg}"
        if not isinstance(exc, (ValueError, TypeError)):
            problems.append(f"other exception {type(exc).__name__} (want ValueError/TypeError)")
        elif case.expect == "finite":
            problems.append("raised, but a finite result is expected")
        elif not _named(msg, case.names + (SKLEARN_PHRASES if ep.kind == "estimator" and {
                "X", "y"} & set(case.names) else ())):
            problems.append(f"message names none of {list(case.names)}")
    else:
        bad = _nonfinite(out)
        outcome = "finite" if not bad else f"nonfinite {bad}"
        if bad:
            problems.append(f"non-finite outputs {bad}")
        if case.expect == "raise":
            problems.append("returned instead of raising")
        elif case.ref is not None and not bad:
            d2 = Data(ep.multi)
            ref_call = _build(ep, d2, case.ref(d2), tight=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = _outputs(ep, ref_call)
            diff = _mismatch(out, ref)
            if diff:
                problems.append("differs from the canonical input: " + "; ".join(diff))
    return not problems, outcome, problems


def _run_forked(ep, case):
    """run_case in a forked process: a crash or a hang there is this case's alone
    (and memory it corrupts is never used by another case).  This process
    never runs a fit itself, so no OpenMP pool exists when it forks."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                        # pragma: no cover - the forked process
        os.close(r)
        try:
            payload = json.dumps(run_case(ep, case))
        except BaseException as e:      # noqa: BLE001
            payload = json.dumps([False, f"harness error {type(e).__name__}: {e}",
                                  ["the case or its reference failed to run"]])
        with os.fdopen(w, "w") as f:
            f.write(payload)
        os._exit(0)
    os.close(w)
    chunks, deadline = [], time.monotonic() + CASE_TIMEOUT_S
    with os.fdopen(r, "rb") as f:
        fd = f.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return False, f"hang: killed after {CASE_TIMEOUT_S} s", [
                    f"hang (no result within {CASE_TIMEOUT_S} s)"]
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return False, f"crashed: killed by signal {sig} ({signal.Signals(sig).name})", [
            f"crash (signal {sig}, {signal.Signals(sig).name})"]
    if not chunks:
        return False, f"died with exit status {os.WEXITSTATUS(status)}", ["died"]
    return tuple(json.loads(b"".join(chunks)))


def child_main(name, skip=()):
    """Run the cases of ``name`` not in ``skip``, one JSON line each: the isolated
    ones first, each in a forked process (while this process has run no fit, so
    has no OpenMP thread pool to break by forking), then the others here."""
    import faulthandler

    faulthandler.enable()
    ep = EP_BY_NAME[name]
    table = cases(name)
    fork = hasattr(os, "fork")
    import fastpen  # noqa: F401  (imported once, before forking)
    if ep.kind == "estimator":
        import fastpen.linear_model  # noqa: F401
        import sklearn.model_selection  # noqa: F401
    print(json.dumps({"count": len(table)}), flush=True)
    todo = [i for i in range(len(table)) if i not in set(skip)]
    if fork:
        todo.sort(key=lambda i: not table[i].isolate)      # stable: isolated first
    for i in todo:
        case = table[i]
        print(json.dumps({"start": i, "id": case.id}), flush=True)
        if fork and case.isolate:
            ok, outcome, problems = _run_forked(ep, case)
        else:
            try:
                ok, outcome, problems = run_case(ep, case)
            except Exception as e:      # noqa: BLE001  (a broken case, or the reference)
                ok, outcome, problems = False, f"harness error {type(e).__name__}: {e}", [
                    "the case or its reference failed to run"]
        print(json.dumps({"i": i, "id": case.id, "expect": case.expect, "ok": ok,
                          "outcome": outcome, "problems": problems}), flush=True)
    print(json.dumps({"done": True}), flush=True)


# ------------------------------------------------------------------ the tests


def run_entry_point(name):
    """Run every case of ``name`` in child processes; return (results by index, notes).

    A child that crashes or hangs fails the case it had started, and a new
    child goes on with the cases not yet done.
    """
    n_cases = CASE_COUNTS[name]
    results, notes = {}, []
    deadline = time.monotonic() + ENTRY_POINT_BUDGET_S
    env = child_env()
    env.setdefault("OMP_WAIT_POLICY", "passive")
    while len(results) < n_cases:
        with tempfile.TemporaryFile(mode="w+") as err:
            proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--child", name, "--skip",
                 ",".join(map(str, sorted(results)))], stdout=subprocess.PIPE, stderr=err,
                text=True, cwd=ROOT, env=env, start_new_session=True)
            q = line_queue(proc.stdout)
            current, died = None, None
            while True:
                wait = min(CASE_TIMEOUT_S, deadline - time.monotonic())
                try:
                    line = q.get(timeout=max(wait, 0.1))
                except queue.Empty:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    died = f"hang (no result within {max(wait, 0.1):.0f} s)"
                    break
                if line is None:
                    rc = proc.wait()
                    if current is not None or rc != 0:
                        died = f"child died with return code {rc}" + (
                            f" (signal {-rc})" if rc < 0 else "")
                    break
                msg = json.loads(line)
                if "start" in msg:
                    current = msg
                elif "i" in msg:
                    results[msg["i"]] = msg
                    current = None
            err.seek(0)
            tail = "".join(line for line in err if not line.startswith("Extension modules"))
            tail = tail[-2000:]
        if died is None:
            break
        if current is None:
            raise AssertionError(f"{name}: the child failed outside any case: {died}\n{tail}")
        i = current["start"]
        results[i] = {"i": i, "id": current["id"], "ok": False, "outcome": died,
                      "problems": [died], "expect": "?"}
        notes.append(f"case {current['id']}: {died}; stderr tail:\n{tail}")
        if time.monotonic() > deadline:
            notes.append(f"entry point budget of {ENTRY_POINT_BUDGET_S} s exhausted")
            break
    return results, notes


def _format_failures(name, results):
    lines = []
    for i in sorted(results):
        r = results[i]
        if not r["ok"]:
            lines.append(f"  [{r['id']}] expect={r['expect']}: {'; '.join(r['problems'])}"
                         f"  -- got: {r['outcome'][:200]}")
    return lines


def test_case_table():
    """Every entry point has a substantial, uniquely named table of cases."""
    print("hostile-input cases per entry point:", CASE_COUNTS,
          "total", sum(CASE_COUNTS.values()))
    for name in ENTRY_POINTS:
        assert CASE_COUNTS[name] >= MIN_CASES, (name, CASE_COUNTS[name])


def _parametrize():
    import pytest

    return pytest.mark.parametrize("name", ENTRY_POINTS)


@_parametrize()
def test_hostile_inputs(name, record_property):
    results, notes = run_entry_point(name)
    record_property("hostile_cases", CASE_COUNTS[name])
    n_ok = sum(r["ok"] for r in results.values())
    print(f"{name}: {len(results)}/{CASE_COUNTS[name]} hostile-input cases run, {n_ok} passed")
    failures = _format_failures(name, results)
    missing = CASE_COUNTS[name] - len(results)
    if failures or missing:
        import pytest

        pytest.fail(f"{name}: {len(failures)} of {CASE_COUNTS[name]} hostile-input cases "
                    f"failed{f', {missing} not run' if missing else ''}:\n"
                    + "\n".join(failures) + ("\n" + "\n".join(notes) if notes else ""),
                    pytrace=False)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--child"]:
        child_main(args[1], [int(i) for i in args[3].split(",") if i] if len(args) > 3 else [])
    elif args[:1] == ["--count"]:
        for ep_name, count in CASE_COUNTS.items():
            print(f"{ep_name:14s} {count}")
        print(f"{'total':14s} {sum(CASE_COUNTS.values())}")
    else:
        for ep_name in args or ENTRY_POINTS:
            res, extra = run_entry_point(ep_name)
            fails = _format_failures(ep_name, res)
            print(f"== {ep_name}: {len(res)} cases, {len(fails)} failed")
            print("\n".join(fails + extra))
