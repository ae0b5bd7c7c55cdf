"""Hypothesis property tests over every public fitting entry point.

Random, well-scaled problems are drawn by hypothesis: dense (C or Fortran) or
sparse (CSR/CSC, sometimes non-canonical), float32 or float64 (X, and y), with or
without sample weights (some zero), with or without intercept, positive, box
bounds, penalty factors (0 = unpenalised, inf = excluded), ``exclude``,
``standardize``, ``rescale_penalty_factor``, one or several targets.  Each result
is checked against the independent float64 checker of ``_helpers`` (duality gap,
one-coordinate decreases and KKT conditions of the documented objective, at the
documented tolerance: gap <= ``tol * ||y_c||^2_s / n``, the checker allowing the
factor 2 of BENCHMARKING.md), bounds and exclusions exactly, or, for ridge,
against the normal equations of scikit-learn's Ridge objective.  Also: inputs
are never modified; dense == CSR == CSC and float32 ~ float64 (fitted values
within what the certified gaps allow); n_threads=1 == 2; batch == 1-D paths;
RidgeCV == Ridge(alpha_), == scikit-learn's RidgeCV and == brute-force
leave-one-out / K-fold; ElasticNetCV's mse_path_ == refits on the training rows.

One test per entry point: enet_path (1-D y; 2-D y; invariances), lasso_path,
glmnet_path, Lasso, ElasticNet, LassoCV, ElasticNetCV, ridge_path, Ridge,
RidgeCV.  Each runs ``N_EXAMPLES`` examples (environment variable
``FASTPEN_HYPOTHESIS_EXAMPLES``, default 100); with
``FASTPEN_HYPOTHESIS_REPORT=path`` the number of examples each entry point ran
to completion is written to ``path`` (JSON).  The examples are derandomised and
no example database is used, so every run draws the same examples.  A falsifying
example is printed with its draws and a ``@reproduce_failure`` blob.

The last section holds the falsifying examples found so far, reduced by hand to
deterministic regression tests.
"""
import collections
import copy
import functools
import json
import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import fastpen
from _helpers import (
    alpha_max,
    as_dense64,
    check_claimed_convergence,
    gram_matrix,
    optimality_general,
    rescaled_weights,
    scale_problem,
    to_format,
)

N_EXAMPLES = int(os.environ.get("FASTPEN_HYPOTHESIS_EXAMPLES", "100"))
# sweeps allowed per alpha: far more than any drawn problem needs when the solver
# works (a few hundred at most), few enough that a failing case shrinks quickly
MAX_ITER = 20_000

SETTINGS = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# examples run to completion, per entry point (see counted)
EXAMPLES = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_examples():
    yield
    path = os.environ.get("FASTPEN_HYPOTHESIS_REPORT")
    if path:
        with open(path, "w") as fh:
            json.dump({"max_examples": N_EXAMPLES, "examples": dict(EXAMPLES)}, fh, indent=1)


def counted(entry_point):
    """Count the examples of a test that ran to completion, per entry point."""
    def decorate(test):
        @functools.wraps(test)
        def run(*args, **kwargs):
            test(*args, **kwargs)
            EXAMPLES[entry_point] += 1
        return run
    return decorate


# ---------------------------------------------------------------- problems


class Problem:
    """A drawn problem: X in its drawn format and dtype, its float64 dense copy."""

    def __init__(self, X, y, sw, fit_intercept, fmt, dtype):
        self.X, self.y, self.sw = X, y, sw
        self.fit_intercept, self.fmt, self.dtype = fit_intercept, fmt, dtype
        self.X64 = as_dense64(X)
        self.n, self.p = self.X64.shape

    def __repr__(self):
        return (f"Problem(n={self.n}, p={self.p}, fmt={self.fmt}, dtype={self.dtype.__name__}, "
                f"weighted={self.sw is not None}, fit_intercept={self.fit_intercept}, "
                f"y.shape={np.shape(self.y)})")

    def column(self, c):
        return self.y if self.y.ndim == 1 else self.y[:, c]

    @property
    def k(self):
        return 1 if self.y.ndim == 1 else self.y.shape[1]


def _to_format(X, fmt, rng, noncanonical):
    M = to_format(X, fmt)
    if noncanonical and sp.issparse(M) and M.nnz > 1:
        # the same matrix with its entries unsorted within each row/column and one
        # entry split into two duplicates (valid scipy input, not canonical)
        data, indices, indptr = M.data.copy(), M.indices.copy(), M.indptr.copy()
        for a, b in zip(indptr[:-1], indptr[1:]):
            perm = a + rng.permutation(b - a)
            data[a:b], indices[a:b] = data[perm], indices[perm]
        j = int(rng.integers(0, len(indptr) - 1))
        while indptr[j + 1] == indptr[j]:
            j = (j + 1) % (len(indptr) - 1)
        a = indptr[j]
        half = data.dtype.type(0.5) * data[a]
        data = np.insert(data, a, half)
        data[a + 1] = data[a + 1] - half
        indices = np.insert(indices, a, indices[a])
        indptr = indptr.copy()
        indptr[j + 1:] += 1
        M = type(M)((data, indices, indptr), shape=M.shape)
        assert not M.has_canonical_format
    return M


@st.composite
def problems(draw, *, min_n=2, max_n=30, max_p=12, targets=False, sparse=True,
             float32=True, zero_weights=True, max_k=3, large=0):
    """``large=m``: one example in m has n in [100, 160] and p in [60, 120] (BLAS and
    OpenMP only split work of that size); 0: none."""
    if large and draw(st.integers(0, large - 1)) == 0:
        n, p = draw(st.integers(100, 160)), draw(st.integers(60, 120))
    else:
        n, p = draw(st.integers(min_n, max_n)), draw(st.integers(1, max_p))
    seed = draw(st.integers(0, 2**32 - 1))
    fmt = draw(st.sampled_from(["F", "C", "csr", "csc"] if sparse else ["F", "C"]))
    dtype = draw(st.sampled_from([np.float64, np.float32] if float32 else [np.float64]))
    density = draw(st.sampled_from([1.0, 0.6, 0.3]))
    weights = draw(st.sampled_from(["none", "positive", "zeros"] if zero_weights
                                   else ["none", "positive"]))
    fit_intercept = draw(st.booleans())
    offset = draw(st.sampled_from([0.0, 1.0]))
    noncanonical = fmt in ("csr", "csc") and draw(st.booleans())
    y32 = dtype == np.float32 and draw(st.booleans())
    k = draw(st.integers(1, max_k)) if targets else 0

    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) + offset) * rng.uniform(0.5, 2.0, p)
    X[rng.random((n, p)) > density] = 0.0
    X = X.astype(dtype)
    X64 = X.astype(np.float64)
    W = rng.choice([-1.0, 0.0, 1.0], size=(max(k, 1), p)) * rng.uniform(0.5, 2.0, (max(k, 1), p))
    Y = X64 @ W.T + rng.normal(0.0, 2.0, max(k, 1)) + 0.5 * rng.standard_normal((n, max(k, 1)))
    y = Y[:, 0].copy() if not targets else Y
    if y32:
        y = y.astype(np.float32)
    sw = None
    if weights != "none":
        sw = rng.uniform(0.2, 3.0, n)
        if weights == "zeros" and n >= 4:
            sw[rng.choice(n, size=int(rng.integers(1, n // 2)), replace=False)] = 0.0
    return Problem(_to_format(X, fmt, rng, noncanonical), y, sw, fit_intercept, fmt, dtype)


@st.composite
def penalties(draw, p, *, bounds=True, extras=True):
    """Keyword arguments: positive, penalty_factor, bounds, standardize, rescale."""
    kw = {}
    if draw(st.booleans()):
        kw["positive"] = True
    pf_kind = draw(st.sampled_from(["none", "factors"] + (["with_inf"] if extras else [])))
    if pf_kind != "none":
        choices = [0.5, 1.0, 2.0] + ([np.inf] if pf_kind == "with_inf" else [])
        pf = np.array(draw(st.lists(st.sampled_from(choices), min_size=p, max_size=p)))
        # a few unpenalised features (0), not a quarter of them
        pf[draw(st.lists(st.integers(0, p - 1), max_size=3))] = 0.0
        kw["penalty_factor"] = pf
    if bounds and draw(st.booleans()):
        kw["lower_bounds"] = np.array(draw(st.lists(
            st.sampled_from([-np.inf, -1.0, -0.3, 0.0]), min_size=p, max_size=p)))
        kw["upper_bounds"] = np.array(draw(st.lists(
            st.sampled_from([np.inf, 1.0, 0.3, 0.0]), min_size=p, max_size=p)))
    if extras:
        if p > 1 and draw(st.integers(0, 3)) == 0:
            kw["exclude"] = draw(st.lists(st.integers(-p, p - 1), min_size=1, max_size=2))
        if draw(st.booleans()):
            kw["standardize"] = True
        if draw(st.booleans()):
            pf = kw.get("penalty_factor", np.ones(p))
            if np.where(np.isinf(pf), 1.0, pf).sum() > 0:
                kw["rescale_penalty_factor"] = True
    return kw


def alpha_scale(prob, c=0, l1_ratio=1.0):
    """alpha_max of the plain lasso/enet (l1_ratio at least 0.05), 1 when it is 0."""
    return alpha_max(prob.X64, prob.column(c), prob.sw, prob.fit_intercept,
                     l1_ratio=max(l1_ratio, 0.05)) or 1.0


fractions = st.lists(st.floats(-3.0, 0.0), min_size=1, max_size=4).map(
    lambda e: sorted((10.0 ** np.array(e)).tolist(), reverse=True))


def can_auto_grid(prob, l1_ratio, kw):
    """Whether enet_path's automatic grid is defined (an L1-penalised live feature)."""
    if l1_ratio == 0:
        return False
    pf = np.array(kw.get("penalty_factor", np.ones(prob.p)), dtype=float)
    if kw.get("exclude") is not None:
        pf[np.asarray(kw["exclude"])] = np.inf
    sc = scale_problem(prob.X64, np.zeros(prob.n), prob.sw, prob.fit_intercept)
    live = np.einsum("ij,ij->j", sc.Xt, sc.Xt) > 0
    return bool(np.any(live & (pf > 0) & np.isfinite(pf)))


# ----------------------------------------------------------- input safety


def snapshot(*objs):
    return copy.deepcopy(objs)


def _same(a, b):
    if sp.issparse(a):
        return (sp.issparse(b) and a.format == b.format and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a.data, b.data)
                and np.array_equal(a.indices, b.indices)
                and np.array_equal(a.indptr, b.indptr))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return a is None and b is None or a == b


def assert_unchanged(before, *objs):
    for i, (a, b) in enumerate(zip(before, objs)):
        assert _same(a, b), f"input #{i} was modified by the call"


# ------------------------------------------------------------- checkers

_PATH_OPTIONS = ("positive", "penalty_factor", "lower_bounds", "upper_bounds", "standardize",
                 "rescale_penalty_factor", "exclude")


def _gap_budget(prob, c, tol):
    sc = scale_problem(prob.X64, prob.column(c), prob.sw, prob.fit_intercept)
    return tol * float(sc.yt @ sc.yt) / prob.n


def check_path(prob, res, c, *, l1_ratio, tol, require_converged, **kw):
    """Every alpha of column c of ``res`` is feasible, optimal to its claimed gap
    (independent float64 gap, one-coordinate decreases, KKT) and, when required,
    claimed converged (gap <= tol ||y~||^2 / n)."""
    if res.coefs.ndim == 3:
        one = res._replace(alphas=res.alphas if res.alphas.ndim == 1 else res.alphas[c],
                           **{f: getattr(res, f)[:, c] for f in res._fields[1:]})
    else:
        one = res
    assert one.coefs.dtype == prob.dtype
    # Tiny positive alphas (alpha_max = 0 gives scikit-learn's grid of 1e-15s) cannot
    # be certified independently: the rounding of x~_j^T R alone (float64: ~1e-16
    # ||x~_j|| ||R||; float32 coefficients: ~1e-7) exceeds n alpha l1_ratio, so the
    # checker's dual point scales to ~0 and its gap to the primal objective, whatever
    # w is (checked: the solver's w is optimal there to 1e-16).  Those are skipped.
    floor = (1e-6 if prob.dtype == np.float32 else 1e-11) * alpha_scale(prob, c, l1_ratio)
    keep = (one.alphas == 0) | (one.alphas >= floor)
    full, one = one, one._replace(**{f: getattr(one, f)[keep] for f in one._fields})
    assert np.all(np.isfinite(one.coefs)) and np.all(np.isfinite(one.intercepts))
    if require_converged:
        budget = _gap_budget(prob, c, tol)
        assert np.all(one.dual_gaps <= budget * (1 + 1e-9) + 1e-300), (
            f"not converged: dual gaps {one.dual_gaps} > {budget:.3e}")
    if not prob.fit_intercept:
        assert np.all(one.intercepts == 0)
    opts = {key: kw[key] for key in _PATH_OPTIONS if kw.get(key) is not None}
    check_claimed_convergence(prob.X64, prob.column(c), one, l1_ratio=l1_ratio,
                              sample_weight=prob.sw, fit_intercept=prob.fit_intercept,
                              tol=tol, **{"positive": False, **opts})
    # bounds and positivity, explicitly (the checker's feasibility has float slack)
    # (bounds rounded to the coefficients' dtype: a coefficient at a bound is that bound)
    coefs = one.coefs
    if kw.get("positive"):
        assert np.all(coefs >= 0)
    if kw.get("lower_bounds") is not None:
        assert np.all(coefs >= np.asarray(kw["lower_bounds"]).astype(coefs.dtype))
    if kw.get("upper_bounds") is not None:
        assert np.all(coefs <= np.asarray(kw["upper_bounds"]).astype(coefs.dtype))
    pf = kw.get("penalty_factor")
    if pf is not None:
        assert np.all(coefs[:, np.isinf(pf)] == 0)
    if kw.get("exclude") is not None:
        assert np.all(coefs[:, np.asarray(kw["exclude"])] == 0)
    return full


def independent_gap(prob, c, coef, intercept, *, alpha, l1_ratio, **kw):
    opts = {key: kw[key] for key in _PATH_OPTIONS if kw.get(key) is not None}
    opt = optimality_general(prob.X64, prob.column(c), coef, intercept, alpha=alpha,
                             l1_ratio=l1_ratio, sample_weight=prob.sw,
                             fit_intercept=prob.fit_intercept, **opts)
    return opt.gap


def assert_same_fit(prob, c, fit1, fit2, *, alpha, l1_ratio, what, slack=None, **kw):
    """Two fits of the same problem must have the same (weighted) fitted values within
    what their independent duality gaps allow: for P(w) = 1/2 ||y~ - X~ w||^2 + h(w),
    P(w) - P* >= 1/2 ||X~ (w - w*)||^2, so ||X~ (w1 - w2)|| <= sqrt(2 gap1) + sqrt(2 gap2).
    The fitted values y^ = b0 + X w differ by X~ (w1 - w2) (weighted), intercepts
    included.  Whichever solution the solvers found (a lasso with p > n has many).
    ``slack`` (relative to ||y|| + ||X~|| ||w||) covers rounding: float32
    coefficients, and the checker's gap, which treats unpenalised features by
    projection (exact only when they are exactly stationary)."""
    if slack is None:
        slack = 1e-5 if np.asarray(fit1[0]).dtype == np.float32 else 1e-9
    (w1, b1), (w2, b2) = fit1, fit2
    g1 = independent_gap(prob, c, w1, b1, alpha=alpha, l1_ratio=l1_ratio, **kw)
    g2 = independent_gap(prob, c, w2, b2, alpha=alpha, l1_ratio=l1_ratio, **kw)
    s = rescaled_weights(prob.sw, prob.n)
    d = prob.X64 @ (np.asarray(w1, float) - np.asarray(w2, float)) + (float(b1) - float(b2))
    dist = float(np.sqrt(s @ (d * d)))
    sc = scale_problem(prob.X64, prob.column(c), prob.sw, prob.fit_intercept)
    ynorm = (float(np.sqrt(sc.yt @ sc.yt)) + float(np.sqrt(s @ prob.column(c) ** 2))
             + np.linalg.norm(sc.Xt, 2) * (np.linalg.norm(w1) + np.linalg.norm(w2)))
    bound = np.sqrt(2 * max(g1, 0)) + np.sqrt(2 * max(g2, 0)) + slack * ynorm
    assert dist <= bound, (f"{what}: fitted values differ by {dist:.3e} > {bound:.3e} "
                           f"(gaps {g1:.2e}, {g2:.2e})")


def call(fn, *args, **kwargs):
    """fn(*args, **kwargs), fastpen's convergence warnings silenced (convergence is
    asserted from the reported gaps instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastpen.ConvergenceWarning)
        warnings.filterwarnings("ignore", message="alpha=0 fits ordinary least squares")
        return fn(*args, **kwargs)


# ------------------------------------------------------------- enet_path


l1_ratios = st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]) | st.floats(0.01, 1.0)
tols = st.sampled_from([1e-4, 1e-6, 1e-8])


@SETTINGS
@given(data=st.data(), prob=problems())
@counted("enet_path")
def test_enet_path(data, prob):
    """enet_path, 1-D y: every option; each alpha certified optimal (gap, KKT,
    coordinate decreases, feasibility) and converged."""
    l1_ratio = data.draw(l1_ratios, label="l1_ratio")
    kw = data.draw(penalties(prob.p), label="penalty")
    tol = data.draw(tols, label="tol")
    precompute = data.draw(st.sampled_from(["auto", True, False, "gram"]), label="precompute")
    if precompute == "gram":    # the documented X~^T S X~ (weights summing to n), given
        precompute = gram_matrix(prob.X64, prob.sw, prob.fit_intercept)
    selection = data.draw(st.sampled_from(["cyclic", "random"]), label="selection")
    if can_auto_grid(prob, l1_ratio, kw) and data.draw(st.booleans(), label="auto_grid"):
        alphas = data.draw(st.integers(1, 8), label="n_alphas")
    else:
        alphas = np.array(data.draw(fractions, label="fractions")) * alpha_scale(
            prob, 0, l1_ratio)
        if data.draw(st.integers(0, 4), label="with_alpha_0") == 0:
            alphas = np.r_[alphas, 0.0]      # (constrained) least squares
    coef_init = None
    if data.draw(st.booleans(), label="coef_init"):
        coef_init = np.random.default_rng(prob.p).uniform(-1, 1, prob.p)
        if kw.get("positive"):
            coef_init = np.abs(coef_init)
    before = snapshot(prob.X, prob.y, prob.sw, kw, coef_init, precompute)
    res = call(fastpen.enet_path, prob.X, prob.y, l1_ratio=l1_ratio, alphas=alphas,
               fit_intercept=prob.fit_intercept, sample_weight=prob.sw, tol=tol,
               max_iter=MAX_ITER, precompute=precompute, selection=selection,
               random_state=3, coef_init=coef_init, **kw)
    assert_unchanged(before, prob.X, prob.y, prob.sw, kw, coef_init, precompute)
    m = alphas if isinstance(alphas, (int, np.integer)) else len(alphas)
    assert res.coefs.shape == (m, prob.p) and res.alphas.shape == (m,)
    assert np.all(np.diff(res.alphas) <= 0)
    check_path(prob, res, 0, l1_ratio=l1_ratio, tol=tol,
               require_converged=prob.dtype == np.float64 or tol >= 1e-6, **kw)
    assert np.array_equal(res.df, np.count_nonzero(res.coefs, axis=1))


@SETTINGS
@given(data=st.data(), prob=problems())
@counted("lasso_path")
def test_lasso_path(data, prob):
    """lasso_path: the automatic grid starts at alpha_max (penalised coefficients all
    zero there, some nonzero just below); every alpha certified optimal."""
    kw = data.draw(penalties(prob.p, extras=False), label="penalty")
    tol = 1e-6
    if not can_auto_grid(prob, 1.0, kw):
        kw.pop("penalty_factor", None)
    assume(can_auto_grid(prob, 1.0, kw))      # else a documented ValueError
    before = snapshot(prob.X, prob.y, prob.sw, kw)
    res = call(fastpen.lasso_path, prob.X, prob.y, alphas=5, eps=1e-2,
               fit_intercept=prob.fit_intercept, sample_weight=prob.sw, tol=tol,
               max_iter=MAX_ITER, **kw)
    assert_unchanged(before, prob.X, prob.y, prob.sw, kw)
    check_path(prob, res, 0, l1_ratio=1.0, tol=tol, require_converged=True, **kw)
    pf = kw.get("penalty_factor", np.ones(prob.p))
    penalised = pf > 0
    assert np.all(res.coefs[0][penalised] == 0), res.coefs[0]
    if res.alphas[0] > np.finfo(float).resolution:
        np.testing.assert_allclose(res.alphas,
                                   np.geomspace(res.alphas[0], res.alphas[0] * 1e-2, 5),
                                   rtol=1e-12)
    else:   # alpha_max = 0 (nothing to fit): scikit-learn's grid of 1e-15s
        assert np.all(res.alphas == np.finfo(float).resolution)
    # just below alpha_max, a penalised coefficient moves (unless y~ is fitted already)
    below = call(fastpen.lasso_path, prob.X, prob.y, alphas=[res.alphas[0] * 0.98],
                 fit_intercept=prob.fit_intercept, sample_weight=prob.sw, tol=1e-8,
                 max_iter=MAX_ITER, **kw)
    check_path(prob, below, 0, l1_ratio=1.0, tol=1e-8,
               require_converged=prob.dtype == np.float64, **kw)
    if res.alphas[0] > 1e-8 * alpha_scale(prob) and prob.dtype == np.float64:
        assert np.any(below.coefs[0][penalised] != 0), (res.alphas[0], below.coefs[0])


@SETTINGS
@given(data=st.data(), prob=problems(targets=True))
@counted("enet_path (2-D y)")
def test_enet_path_multi_target(data, prob):
    """enet_path with a 2-D y (the batch): each target certified optimal, and the
    same fit as the 1-D path of that column."""
    l1_ratio = data.draw(l1_ratios, label="l1_ratio")
    kw = data.draw(penalties(prob.p), label="penalty")
    tol = 1e-6
    kind = data.draw(st.sampled_from(["auto", "shared", "per_target"]), label="grid")
    if kind == "auto" and can_auto_grid(prob, l1_ratio, kw):
        alphas = 4
    elif kind == "per_target":
        fr = data.draw(st.lists(st.floats(-3, 0), min_size=3, max_size=3), label="fr")
        alphas = np.array([sorted(10.0 ** np.array(fr) * alpha_scale(prob, c, l1_ratio),
                                  reverse=True) for c in range(prob.k)])
    else:
        alphas = np.array(data.draw(fractions, label="fractions")) * alpha_scale(
            prob, 0, l1_ratio)
    precompute = data.draw(st.sampled_from(["auto", True, False]), label="precompute")
    before = snapshot(prob.X, prob.y, prob.sw, kw)
    res = call(fastpen.enet_path, prob.X, prob.y, l1_ratio=l1_ratio, alphas=alphas,
               fit_intercept=prob.fit_intercept, sample_weight=prob.sw, tol=tol,
               max_iter=MAX_ITER, precompute=precompute, **kw)
    assert_unchanged(before, prob.X, prob.y, prob.sw, kw)
    assert res.coefs.shape[1:] == (prob.k, prob.p)
    for c in range(prob.k):
        one = check_path(prob, res, c, l1_ratio=l1_ratio, tol=tol, require_converged=True,
                         **kw)
        single = call(fastpen.enet_path, prob.X, prob.column(c), l1_ratio=l1_ratio,
                      alphas=one.alphas, fit_intercept=prob.fit_intercept,
                      sample_weight=prob.sw, tol=tol, max_iter=MAX_ITER, **kw)
        np.testing.assert_array_equal(single.alphas, one.alphas)
        for i, a in enumerate(one.alphas):
            assert_same_fit(prob, c, (one.coefs[i], one.intercepts[i]),
                            (single.coefs[i], single.intercepts[i]), alpha=a,
                            l1_ratio=l1_ratio, what=f"batch vs 1-D, target {c}", **kw)


@SETTINGS
@given(data=st.data(), prob=problems(targets=True, max_k=2, large=3))
@counted("enet_path (invariances)")
def test_enet_path_invariances(data, prob):
    """enet_path: dense == CSR == CSC (same fitted values within the certified gaps),
    float32 ~ float64 (the same float32 values in float64), and n_threads=1 vs 2
    bitwise equal (documented: results do not depend on it)."""
    l1_ratio = data.draw(l1_ratios, label="l1_ratio")
    kw = data.draw(penalties(prob.p), label="penalty")
    y = prob.y if data.draw(st.booleans(), label="2-D") else prob.column(0)
    alphas = np.array(data.draw(fractions, label="fractions")) * alpha_scale(prob, 0, l1_ratio)
    tol = 1e-8
    common = dict(l1_ratio=l1_ratio, alphas=alphas, fit_intercept=prob.fit_intercept,
                  sample_weight=prob.sw, tol=tol, max_iter=MAX_ITER, **kw)
    Xd = np.asfortranarray(as_dense64(prob.X).astype(prob.dtype))
    variants = {"dense": Xd, "csr": sp.csr_matrix(Xd), "csc": sp.csc_matrix(Xd)}
    if prob.dtype == np.float32:
        variants["float64"] = prob.X64
    fits = {}
    for name, X in variants.items():
        before = snapshot(X, y, prob.sw, kw)
        fits[name] = call(fastpen.enet_path, X, y, **common)
        assert_unchanged(before, X, y, prob.sw, kw)
    base = fits["dense"]
    for c in range(1 if y.ndim == 1 else y.shape[1]):
        def pick(res, i):
            if res.coefs.ndim == 3:
                return res.coefs[i, c], res.intercepts[i, c]
            return res.coefs[i], res.intercepts[i]
        for name, res in fits.items():
            for i, a in enumerate(alphas):
                assert_same_fit(prob, c, pick(base, i), pick(res, i), alpha=a,
                                l1_ratio=l1_ratio, what=f"dense vs {name}", **kw)
    targets = [prob.column(0)] + ([y] if y.ndim == 2 else [])
    for name, precompute in (("dense", False), ("dense", "auto"), ("csc", "auto")):
        for yy in targets:
            r1 = call(fastpen.enet_path, variants[name], yy, n_threads=1,
                      precompute=precompute, **common)
            r2 = call(fastpen.enet_path, variants[name], yy, n_threads=2,
                      precompute=precompute, **common)
            for f in ("coefs", "intercepts", "dual_gaps", "n_iter"):
                np.testing.assert_array_equal(
                    getattr(r1, f), getattr(r2, f),
                    err_msg=f"{name} X, precompute={precompute}, y.ndim={yy.ndim}: {f} "
                            "depends on n_threads")


# ------------------------------------------------------------ glmnet_path


@SETTINGS
@given(data=st.data(), prob=problems(large=6))
@counted("glmnet_path")
def test_glmnet_path(data, prob):
    """glmnet_path: its solutions are those of fastpen's objective with
    alpha = lambda (a + (1 - a) / sd(y)), l1_ratio = a / (a + (1 - a) / sd(y)),
    standardize, glmnet's rescaled penalty factors (module docstring), certified
    at glmnet_path's tol; with the automatic grid the first lambda zeroes every
    penalised coefficient."""
    mix = data.draw(st.sampled_from([1.0, 0.5, 0.0]) | st.floats(0.0, 1.0), label="alpha")
    kw = data.draw(penalties(prob.p), label="penalty")
    kw.pop("positive", None)
    kw.pop("rescale_penalty_factor", None)
    standardize = kw.pop("standardize", data.draw(st.booleans(), label="standardize_default"))
    pf = kw.get("penalty_factor")
    if pf is not None and np.where(np.isinf(pf), 1.0, pf).sum() == 0:
        kw.pop("penalty_factor")
    sc = scale_problem(prob.X64, prob.y, prob.sw, prob.fit_intercept)
    sd_y = float(np.sqrt(sc.yt @ sc.yt / prob.n)) or 1.0
    auto = can_auto_grid(prob, 1.0, kw) and data.draw(st.booleans(), label="auto")
    if auto:
        lambdas = data.draw(st.integers(1, 6), label="n_lambdas")
    else:
        lambdas = np.array(data.draw(fractions, label="fractions")) * alpha_scale(prob)
    tol = 1e-7
    before = snapshot(prob.X, prob.y, prob.sw, kw)
    res = call(fastpen.glmnet_path, prob.X, prob.y, alpha=mix, lambdas=lambdas,
               fit_intercept=prob.fit_intercept, sample_weight=prob.sw,
               standardize=standardize, tol=tol, max_iter=MAX_ITER, **kw)
    assert_unchanged(before, prob.X, prob.y, prob.sw, kw)
    lam = res.alphas
    assert np.all(np.diff(lam) <= 0) and np.all(lam >= 0)
    scale = mix + (1.0 - mix) / sd_y
    mapped = res._replace(alphas=lam * scale)
    check_path(prob, mapped, 0, l1_ratio=mix / scale, tol=tol,
               require_converged=prob.dtype == np.float64, standardize=standardize,
               rescale_penalty_factor=True, **kw)
    if auto and mix >= 1e-3:    # below, glmnet's lambda_max is that of alpha = 1e-3
        pen = np.ones(prob.p, bool) if pf is None else (pf > 0)
        assert np.all(res.coefs[0][pen] == 0), res.coefs[0]
    r1, r2 = (call(fastpen.glmnet_path, prob.X, prob.y, alpha=mix, lambdas=lambdas,
                   fit_intercept=prob.fit_intercept, sample_weight=prob.sw,
                   standardize=standardize, tol=tol, max_iter=MAX_ITER, n_threads=t, **kw)
              for t in (1, 2))
    for f in ("alphas", "coefs", "intercepts", "dual_gaps"):
        np.testing.assert_array_equal(getattr(r1, f), getattr(r2, f),
                                      err_msg=f"glmnet_path: {f} depends on n_threads")


# --------------------------------------------------- Lasso / ElasticNet


def _estimator_case(data, prob, cls):
    l1_ratio = 1.0 if cls is fastpen.Lasso else data.draw(l1_ratios, label="l1_ratio")
    kw = data.draw(penalties(prob.p), label="penalty")
    tol = data.draw(tols, label="tol")
    ratio = data.draw(st.lists(st.floats(-3, 0), min_size=prob.k, max_size=prob.k),
                      label="alpha_exponents")
    alpha = np.array([10.0 ** e * alpha_scale(prob, c, l1_ratio) for c, e in enumerate(ratio)])
    if data.draw(st.integers(0, 5), label="alpha_0") == 0:
        alpha[0] = 0.0          # least squares (a UserWarning)
    if prob.y.ndim == 1 or data.draw(st.booleans(), label="scalar_alpha"):
        alpha = float(alpha[0])
    est_kw = dict(alpha=alpha, fit_intercept=prob.fit_intercept, tol=tol, max_iter=MAX_ITER,
                  precompute=data.draw(st.sampled_from(["auto", True, False]),
                                       label="precompute"), **kw)
    if cls is fastpen.ElasticNet:
        est_kw["l1_ratio"] = l1_ratio
    before = snapshot(prob.X, prob.y, prob.sw, kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cls(**est_kw).fit(prob.X, prob.y, sample_weight=prob.sw)
    assert_unchanged(before, prob.X, prob.y, prob.sw, kw)
    coef = np.atleast_2d(est.coef_)
    intercept = np.atleast_1d(est.intercept_) * np.ones(prob.k)
    gaps = np.atleast_1d(est.dual_gap_)
    assert coef.shape == (prob.k, prob.p)
    for c in range(prob.k):
        a = float(np.broadcast_to(alpha, (prob.k,))[c])
        res = fastpen.PathResult(alphas=np.array([a]), coefs=coef[c][None],
                                 intercepts=np.array([intercept[c]]),
                                 dual_gaps=gaps[c:c + 1], n_iter=np.zeros(1, int),
                                 df=np.zeros(1, int), dev_ratio=np.zeros(1))
        check_path(prob, res, c, l1_ratio=l1_ratio, tol=tol,
                   require_converged=prob.dtype == np.float64 or tol >= 1e-6, **kw)
    pred = est.predict(prob.X)
    expect = prob.X64 @ coef.T.astype(float) + intercept
    np.testing.assert_allclose(np.reshape(pred, expect.shape), expect,
                               rtol=1e-4 if prob.dtype == np.float32 else 1e-10,
                               atol=1e-4 if prob.dtype == np.float32 else 1e-10)


@SETTINGS
@given(data=st.data(), prob=problems(targets=True))
@counted("Lasso")
def test_lasso_estimator(data, prob):
    """Lasso (1-D and 2-D y, scalar or per-target alpha): coef_/intercept_ certified
    optimal at alpha, dual_gap_ honest, predict consistent."""
    if data.draw(st.booleans(), label="1-D"):
        prob.y = prob.y[:, 0].copy()
    _estimator_case(data, prob, fastpen.Lasso)


@SETTINGS
@given(data=st.data(), prob=problems(targets=True))
@counted("ElasticNet")
def test_elasticnet_estimator(data, prob):
    """ElasticNet, as test_lasso_estimator."""
    if data.draw(st.booleans(), label="1-D"):
        prob.y = prob.y[:, 0].copy()
    _estimator_case(data, prob, fastpen.ElasticNet)


# ---------------------------------------------------- LassoCV / ElasticNetCV


def _cv_case(data, prob, cls):
    kw = data.draw(penalties(prob.p), label="penalty")
    kw.pop("rescale_penalty_factor", None)
    if cls is fastpen.LassoCV:
        l1 = 1.0
        est_kw = {}
    else:
        l1 = data.draw(st.lists(st.sampled_from([0.1, 0.5, 0.9, 1.0]), min_size=1,
                                max_size=3, unique=True), label="l1_ratio")
        est_kw = {"l1_ratio": l1 if len(l1) > 1 else l1[0]}
    if can_auto_grid(prob, min(np.atleast_1d(l1)), kw):
        alphas = 6
    else:   # no L1-penalised live feature: no automatic grid (a documented ValueError)
        alphas = np.geomspace(1.0, 1e-2, 6) * alpha_scale(prob, 0, min(np.atleast_1d(l1)))
    tol = 1e-6
    per_target = prob.y.ndim == 2 and data.draw(st.booleans(), label="alpha_per_target")
    est_kw.update(alphas=alphas, eps=1e-2, cv=3, fit_intercept=prob.fit_intercept, tol=tol,
                  max_iter=MAX_ITER, alpha_per_target=per_target, **kw)
    before = snapshot(prob.X, prob.y, prob.sw, kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est = cls(**est_kw).fit(prob.X, prob.y, sample_weight=prob.sw)
        except ValueError as exc:
            # documented refusal: an unpenalised feature constant in some training fold
            # (sparse columns); not a wrong answer
            assume("non-constant in every fold" not in str(exc))
            raise
    assert_unchanged(before, prob.X, prob.y, prob.sw, kw)
    k = prob.k
    coef = np.atleast_2d(est.coef_)
    intercept = np.atleast_1d(est.intercept_) * np.ones(k)
    alpha = np.broadcast_to(est.alpha_, (k,))
    l1r = np.broadcast_to(est.l1_ratio_, (k,))
    gaps = np.broadcast_to(est.dual_gap_, (k,))
    for c in range(k):
        res = fastpen.PathResult(alphas=np.array([alpha[c]]), coefs=coef[c][None],
                                 intercepts=np.array([intercept[c]]),
                                 dual_gaps=np.array([gaps[c]]), n_iter=np.zeros(1, int),
                                 df=np.zeros(1, int), dev_ratio=np.zeros(1))
        check_path(prob, res, c, l1_ratio=float(l1r[c]), tol=tol,
                   require_converged=prob.dtype == np.float64, **kw)
    # the chosen alpha minimises the mean held-out error of its grid
    mse = np.asarray(est.mse_path_)
    grids = np.asarray(est.alphas_)
    if np.ndim(l1) == 0 or len(np.atleast_1d(l1)) == 1:
        mse, grids = mse[None], grids[None]
    if prob.y.ndim == 2 and k > 1:
        if per_target:    # mse (L, m, F, k), grids (L, m, k)
            for c in range(k):
                mean = mse[..., c].mean(axis=2)
                li, ai = np.unravel_index(np.argmin(mean), mean.shape)
                assert alpha[c] == grids[li, ai, c]
        else:
            mean = mse.mean(axis=2).mean(axis=2)
            li, ai = np.unravel_index(np.argmin(mean), mean.shape)
            assert np.all(alpha == grids[li, ai])
    else:
        mean = mse.mean(axis=2)
        li, ai = np.unravel_index(np.argmin(mean), mean.shape)
        assert alpha[0] == grids[li, ai]
    # documented: bitwise independent of the thread count
    fits = []
    for threads in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(cls(**est_kw, n_threads=threads).fit(prob.X, prob.y,
                                                             sample_weight=prob.sw))
    for f in ("coef_", "intercept_", "alpha_", "mse_path_"):
        np.testing.assert_array_equal(getattr(fits[0], f), getattr(fits[1], f),
                                      err_msg=f"{cls.__name__}.{f} depends on n_threads")
    if prob.y.ndim == 1 and prob.dtype == np.float64:
        _check_mse_path(prob, est, l1, kw)


def _check_mse_path(prob, est, l1, kw):
    """mse_path_ against fits on the training rows (enet_path at a tight tol) and
    np.average of the held-out squared errors with the held-out weights, where each
    training problem is strongly convex (unique solution); the tolerance follows from
    the fits' gaps: ||w - w*||^2 <= 2 gap / mu."""
    from sklearn.model_selection import KFold

    l1s = np.atleast_1d(l1)
    mse = np.asarray(est.mse_path_).reshape(len(l1s), -1, 3)
    grids = np.asarray(est.alphas_).reshape(len(l1s), -1)
    pf = np.array(kw.get("penalty_factor", np.ones(prob.p)), dtype=float)
    if kw.get("exclude") is not None:
        pf[np.asarray(kw["exclude"])] = np.inf
    opts = {key: kw[key] for key in _PATH_OPTIONS if kw.get(key) is not None}
    for f, (train, test) in enumerate(KFold(3).split(prob.X64)):
        sub = Problem(prob.X64[train], prob.y[train],
                      None if prob.sw is None else prob.sw[train], prob.fit_intercept,
                      "F", np.float64)
        sc = scale_problem(sub.X64, sub.y, sub.sw, sub.fit_intercept)
        excluded = np.isinf(pf)
        live = ~excluded & (np.einsum("ij,ij->j", sc.Xt, sc.Xt) > 0)
        Xl = sc.Xt[:, live]
        lam_min = float(np.linalg.eigvalsh(Xl.T @ Xl)[0]) if live.any() else 0.0
        y2 = float(sc.yt @ sc.yt)
        for i, l1r in enumerate(l1s):
            if grids[i][-1] < 1e-11 * alpha_scale(prob, 0, l1r):
                continue       # the 1e-15 grid of alpha_max = 0 (see check_path)
            res = fastpen.enet_path(sub.X64, sub.y, l1_ratio=float(l1r), alphas=grids[i],
                                    fit_intercept=sub.fit_intercept, sample_weight=sub.sw,
                                    tol=1e-8, max_iter=MAX_ITER, **opts)
            sw_test = np.ones(len(test)) if prob.sw is None else prob.sw[test]
            for j, a in enumerate(grids[i]):
                if not res.dual_gaps[j] <= 1e-8 * y2 / len(train):
                    continue     # (a grid of 1e-15s when alpha_max = 0: rounding-limited)
                # strong convexity of the per-sum objective 1/2||y~ - X~ w||^2 + ...
                # (standardize: the L2 weights are pf_j sd_j^2, per fold)
                sd2 = 1.0
                if kw.get("standardize") and live.any():
                    sd2 = np.min(np.einsum("ij,ij->j", Xl, Xl)) / len(train)
                pf_min = pf[live].min() if live.any() else 0.0
                mu = lam_min + len(train) * a * (1 - l1r) * pf_min * sd2
                if not mu > 1e-8 * np.linalg.norm(sc.Xt, 2) ** 2:
                    continue     # not strongly convex: the held-out error is not unique
                # the CV fit and this one: both within tol * y2 of the optimum
                err = np.sqrt(2 * est.tol * y2 / mu) + np.sqrt(2 * 1e-8 * y2 / mu)
                pred = prob.X64[test] @ res.coefs[j] + res.intercepts[j]
                resid = prob.y[test] - pred
                ref = np.average(resid ** 2, weights=sw_test)
                # |x^T dw| <= ||x|| err (+ the intercept's xbar^T dw)
                xn = np.linalg.norm(prob.X64[test], axis=1) + np.linalg.norm(
                    np.average(sub.X64, axis=0, weights=sub.sw) if sub.fit_intercept
                    else np.zeros(prob.p))
                dpred = float(np.max(xn)) * err
                slack = 2 * np.sqrt(ref) * dpred + dpred ** 2 + 1e-9 * (1 + ref)
                assert abs(mse[i, j, f] - ref) <= slack, (
                    f"mse_path_[l1={l1r}, alpha={a:.4g}, fold {f}] = {mse[i, j, f]:.8g}, "
                    f"refit on the training rows gives {ref:.8g} (allowed {slack:.2e})")


@SETTINGS
@given(data=st.data(), prob=problems(min_n=6, targets=True, zero_weights=False, max_k=2))
@counted("LassoCV")
def test_lassocv_estimator(data, prob):
    """LassoCV: the refit at alpha_ is certified optimal, alpha_ minimises mse_path_."""
    if data.draw(st.booleans(), label="1-D"):
        prob.y = prob.y[:, 0].copy()
    _cv_case(data, prob, fastpen.LassoCV)


@SETTINGS
@given(data=st.data(), prob=problems(min_n=6, targets=True, zero_weights=False, max_k=2))
@counted("ElasticNetCV")
def test_elasticnetcv_estimator(data, prob):
    """ElasticNetCV: the refit at (alpha_, l1_ratio_) is certified optimal, and they
    minimise mse_path_."""
    if data.draw(st.booleans(), label="1-D"):
        prob.y = prob.y[:, 0].copy()
    _cv_case(data, prob, fastpen.ElasticNetCV)


# ------------------------------------------------------------------ ridge


def ridge_residual(prob, y, coef, intercept, alpha, sw):
    """(relative normal-equation residual, intercept error) of sklearn's Ridge
    objective sum_i s_i (y_i - x_i^T w - b)^2 + alpha ||w||^2 (raw weights s):
    X_c^T S (y_c - X_c w) = alpha w, b = ybar - xbar^T w (S-weighted means)."""
    X = prob.X64
    s = np.ones(prob.n) if sw is None else np.asarray(sw, float)
    w = np.asarray(coef, float)
    y = np.asarray(y, float)
    if prob.fit_intercept:
        xm, ym = s @ X / s.sum(), float(s @ y / s.sum())
    else:
        xm, ym = np.zeros(prob.p), 0.0
    Xc, yc = X - xm, y - ym
    A = Xc.T @ (s[:, None] * Xc)
    lhs = Xc.T @ (s * yc) - A @ w - alpha * w
    scale = (np.linalg.norm(A, 2) + alpha) * np.linalg.norm(w) + np.linalg.norm(
        Xc.T @ (s * yc)) + 1e-300
    b_expect = ym - xm @ w if prob.fit_intercept else 0.0
    return float(np.linalg.norm(lhs) / scale), abs(float(intercept) - b_expect) / (
        1 + abs(b_expect) + np.abs(xm) @ np.abs(w))


def assert_same_ridge(prob, y, w1, w2, alpha, sw, what):
    """Two ridge solutions agree as far as their normal-equation residuals allow:
    (A + alpha I)(w1 - w2) = res2 - res1, so ||w1 - w2|| <= (||res1|| + ||res2||) /
    lambda_min(A + alpha I).  Skipped when A + alpha I is singular (alpha = 0)."""
    X = prob.X64
    s = np.ones(prob.n) if sw is None else np.asarray(sw, float)
    y = np.asarray(y, float)
    xm = s @ X / s.sum() if prob.fit_intercept else np.zeros(prob.p)
    ym = float(s @ y / s.sum()) if prob.fit_intercept else 0.0
    Xc = X - xm
    A = Xc.T @ (s[:, None] * Xc)
    M = A + alpha * np.eye(prob.p)
    lam = float(np.linalg.eigvalsh(M)[0])
    if not lam > 1e-8 * np.linalg.norm(M, 2):
        return
    rhs = Xc.T @ (s * (y - ym))
    w1, w2 = np.asarray(w1, float), np.asarray(w2, float)
    res = np.linalg.norm(rhs - M @ w1) + np.linalg.norm(rhs - M @ w2)
    # (the residuals are computed in float64: their own rounding is about
    # 1e-15 ||M|| ||w||)
    bound = 1.01 * (res + 1e-13 * np.linalg.norm(M, 2) * (
        np.linalg.norm(w1) + np.linalg.norm(w2))) / lam
    dist = float(np.linalg.norm(w1 - w2))
    assert dist <= bound, f"{what}: ||w1 - w2|| = {dist:.3e} > {bound:.3e}"


def ridge_tol(dtype, iterative=False):
    if dtype == np.float32:
        return 1e-4
    return 1e-6 if iterative else 1e-9


ridge_alphas = st.lists(st.sampled_from([0.0]) | st.floats(-3, 3).map(lambda e: 10.0 ** e),
                        min_size=1, max_size=4)


@SETTINGS
@given(data=st.data(), prob=problems(targets=True, large=6))
@counted("ridge_path")
def test_ridge_path(data, prob):
    """ridge_path (1-D and 2-D y, any alphas incl. 0): the normal equations of
    sklearn's Ridge objective with raw weights, the intercept, n_threads=1 vs 2,
    dense vs sparse."""
    y = prob.y if data.draw(st.booleans(), label="2-D") else prob.column(0)
    alphas = np.array(data.draw(ridge_alphas, label="alphas"))
    before = snapshot(prob.X, y, prob.sw, alphas)
    res = fastpen.ridge_path(prob.X, y, alphas, fit_intercept=prob.fit_intercept,
                             sample_weight=prob.sw)
    assert_unchanged(before, prob.X, y, prob.sw, alphas)
    np.testing.assert_array_equal(res.alphas, alphas)
    assert res.coefs.dtype == prob.dtype
    Y = y.reshape(prob.n, -1)
    coefs = res.coefs.reshape(len(alphas), Y.shape[1], prob.p)
    intercepts = res.intercepts.reshape(len(alphas), Y.shape[1])
    for i, a in enumerate(alphas):
        for c in range(Y.shape[1]):
            rel, ierr = ridge_residual(prob, Y[:, c], coefs[i, c], intercepts[i, c], a,
                                       prob.sw)
            assert rel <= ridge_tol(prob.dtype), (
                f"alpha={a}, target {c}: normal equations off by {rel:.2e}")
            assert ierr <= ridge_tol(prob.dtype), f"intercept off by {ierr:.2e}"
    r1 = fastpen.ridge_path(prob.X, y, alphas, fit_intercept=prob.fit_intercept,
                            sample_weight=prob.sw, n_threads=1)
    r2 = fastpen.ridge_path(prob.X, y, alphas, fit_intercept=prob.fit_intercept,
                            sample_weight=prob.sw, n_threads=2)
    # n_threads is also BLAS/LAPACK's thread count (documented): rounding may differ,
    # the solution may not
    for r in (r1, r2):
        coefs = r.coefs.reshape(len(alphas), Y.shape[1], prob.p)
        for i, a in enumerate(alphas):
            for c in range(Y.shape[1]):
                rel, _ = ridge_residual(prob, Y[:, c], coefs[i, c], 0.0, a, prob.sw)
                assert rel <= ridge_tol(prob.dtype), f"n_threads: normal equations {rel:.2e}"

    other = (sp.csc_matrix(prob.X64.astype(prob.dtype)) if not sp.issparse(prob.X)
             else prob.X64.astype(prob.dtype))
    r3 = fastpen.ridge_path(other, y, alphas, fit_intercept=prob.fit_intercept,
                            sample_weight=prob.sw)
    coefs3 = r3.coefs.reshape(len(alphas), Y.shape[1], prob.p)
    coefs2 = r2.coefs.reshape(len(alphas), Y.shape[1], prob.p)
    for i, a in enumerate(alphas):
        for c in range(Y.shape[1]):
            assert_same_ridge(prob, Y[:, c], coefs[i, c], coefs3[i, c], a, prob.sw,
                              "ridge_path: dense != sparse")
            assert_same_ridge(prob, Y[:, c], coefs[i, c], coefs2[i, c], a, prob.sw,
                              "ridge_path: n_threads=2 differs")


@SETTINGS
@given(data=st.data(), prob=problems(targets=True))
@counted("Ridge")
def test_ridge_estimator(data, prob):
    """Ridge, every solver: the normal equations (positive=True: the certified
    nonnegative ridge, ElasticNet(l1_ratio=0) at alpha / sum(s)), predict."""
    y = prob.y if data.draw(st.booleans(), label="2-D") else prob.column(0)
    k = 1 if y.ndim == 1 else y.shape[1]
    solver = data.draw(st.sampled_from(["auto", "cholesky", "eigh", "cg", "lsqr", "cd"]),
                       label="solver")
    positive = data.draw(st.booleans(), label="positive")
    alpha = data.draw(st.floats(-3, 3).map(lambda e: 10.0 ** e), label="alpha")
    if k > 1 and data.draw(st.booleans(), label="per_target"):
        alpha = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k),
                                   label="alpha_per_target"))
        alpha = 10.0 ** alpha
    tol = 1e-8
    before = snapshot(prob.X, y, prob.sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = fastpen.Ridge(alpha=alpha, fit_intercept=prob.fit_intercept, solver=solver,
                            positive=positive, tol=tol, max_iter=MAX_ITER).fit(
            prob.X, y, sample_weight=prob.sw)
    assert_unchanged(before, prob.X, y, prob.sw)
    coef = np.atleast_2d(est.coef_)
    intercept = np.atleast_1d(est.intercept_) * np.ones(k)
    alphas = np.broadcast_to(alpha, (k,))
    Y = y.reshape(prob.n, -1)
    for c in range(k):
        if positive or solver == "cd":
            assert est.solver_ == "cd"
            total = prob.n if prob.sw is None else float(np.sum(prob.sw))
            res = fastpen.PathResult(alphas=np.array([alphas[c] / total]),
                                     coefs=coef[c][None], intercepts=np.array([intercept[c]]),
                                     dual_gaps=np.zeros(1), n_iter=np.zeros(1, int),
                                     df=np.zeros(1, int), dev_ratio=np.zeros(1))
            sub = Problem(prob.X, Y[:, c], prob.sw, prob.fit_intercept, prob.fmt, prob.dtype)
            # dual_gap_ is not exposed by Ridge: certify at the fit's tol as claimed
            check_path(sub, res, 0, l1_ratio=0.0, tol=tol, require_converged=False,
                       positive=positive)
            continue
        rel, ierr = ridge_residual(prob, Y[:, c], coef[c], intercept[c], alphas[c], prob.sw)
        assert rel <= ridge_tol(prob.dtype, est.solver_ in ("cg", "lsqr")), (
            f"{est.solver_}: normal equations off by {rel:.2e}")
        assert ierr <= ridge_tol(prob.dtype, True), f"intercept off by {ierr:.2e}"
    pred = np.reshape(est.predict(prob.X), (prob.n, k))
    np.testing.assert_allclose(pred, prob.X64 @ coef.T.astype(float) + intercept,
                               rtol=1e-4, atol=1e-4 * (1 + np.abs(pred).max()))


def _loo_brute(X, y, alphas, fit_intercept):
    """Squared leave-one-out errors (n, m) by refitting without each row (unweighted)."""
    n, p = X.shape
    out = np.empty((n, len(alphas)))
    for i in range(n):
        keep = np.arange(n) != i
        Xk, yk = X[keep], y[keep]
        xm = Xk.mean(axis=0) if fit_intercept else np.zeros(p)
        ym = yk.mean() if fit_intercept else 0.0
        Xc, yc = Xk - xm, yk - ym
        A = Xc.T @ Xc
        for j, a in enumerate(alphas):
            w = np.linalg.lstsq(A + a * np.eye(p), Xc.T @ yc, rcond=None)[0]
            out[i, j] = (y[i] - ym - (X[i] - xm) @ w) ** 2
    return out


@SETTINGS
@given(data=st.data(), prob=problems(min_n=6, targets=True, zero_weights=False, max_k=2))
@counted("RidgeCV")
def test_ridgecv_estimator(data, prob):
    """RidgeCV: the model at alpha_ is Ridge(alpha_) (normal equations, and equal to a
    Ridge fit); alpha_ is in alphas; unweighted leave-one-out errors equal a brute
    force refit without each row, and alpha_ minimises their mean."""
    y = prob.y if data.draw(st.booleans(), label="2-D") else prob.column(0)
    k = 1 if y.ndim == 1 else y.shape[1]
    alphas = np.array(sorted(set(data.draw(st.lists(st.floats(-3, 3), min_size=1,
                                                    max_size=5), label="alphas"))))
    alphas = 10.0 ** alphas
    cv = data.draw(st.sampled_from([None, 3]), label="cv")
    per_target = k > 1 and data.draw(st.booleans(), label="alpha_per_target")
    store = cv is None and data.draw(st.booleans(), label="store")
    before = snapshot(prob.X, y, prob.sw, alphas)
    est = fastpen.RidgeCV(alphas=alphas, fit_intercept=prob.fit_intercept, cv=cv,
                          alpha_per_target=per_target, store_cv_results=store).fit(
        prob.X, y, sample_weight=prob.sw)
    assert_unchanged(before, prob.X, y, prob.sw, alphas)
    chosen = np.broadcast_to(est.alpha_, (k,))
    assert np.all(np.isin(chosen, alphas))
    coef = np.atleast_2d(est.coef_)
    intercept = np.atleast_1d(est.intercept_) * np.ones(k)
    Y = y.reshape(prob.n, -1)
    ref = fastpen.Ridge(alpha=chosen if k > 1 else float(chosen[0]),
                        fit_intercept=prob.fit_intercept, solver="eigh").fit(
        prob.X, y, sample_weight=prob.sw)
    for c in range(k):
        assert_same_ridge(prob, Y[:, c], coef[c], np.atleast_2d(ref.coef_)[c], chosen[c],
                          prob.sw, "RidgeCV's model != Ridge(alpha_)")
        rel, ierr = ridge_residual(prob, Y[:, c], coef[c], intercept[c], chosen[c], prob.sw)
        assert rel <= ridge_tol(prob.dtype), f"normal equations off by {rel:.2e}"
        assert ierr <= ridge_tol(prob.dtype, True)
    if cv is None and prob.sw is None and prob.dtype == np.float64:
        errs = np.stack([_loo_brute(prob.X64, Y[:, c], alphas, prob.fit_intercept)
                         for c in range(k)], axis=1)                        # (n, k, m)
        _check_loo(est, errs, store, alphas, chosen, per_target, "brute-force refits")
    if cv is None and prob.dtype == np.float64:
        # scikit-learn's RidgeCV (weighted leave-one-out included) on the same data
        import sklearn.linear_model as sklm

        ref = sklm.RidgeCV(alphas=alphas, fit_intercept=prob.fit_intercept,
                           alpha_per_target=per_target, store_cv_results=True).fit(
            prob.X64, y, sample_weight=prob.sw)
        sk_errs = np.asarray(ref.cv_results_).reshape(prob.n, k, len(alphas))
        _check_loo(est, sk_errs, store, alphas, chosen, per_target, "scikit-learn's")
    if cv == 3 and prob.sw is None and prob.dtype == np.float64:
        _check_choice(_kfold_r2_brute(prob.X64, Y, alphas, prob.fit_intercept), alphas,
                      chosen, est.best_score_, per_target, "mean K-fold R^2")
    # n_threads=1 vs 2
    fits = [fastpen.RidgeCV(alphas=alphas, fit_intercept=prob.fit_intercept, cv=cv,
                            alpha_per_target=per_target, n_threads=t).fit(
        prob.X, y, sample_weight=prob.sw) for t in (1, 2)]
    for fit in fits:
        for c in range(k):
            a = np.broadcast_to(fit.alpha_, (k,))[c]
            rel, _ = ridge_residual(prob, Y[:, c], np.atleast_2d(fit.coef_)[c], 0.0, a,
                                    prob.sw)
            assert rel <= ridge_tol(prob.dtype), f"n_threads: normal equations {rel:.2e}"
    if prob.dtype == np.float64:   # (float32: near-ties of the scores may flip alpha_)
        np.testing.assert_array_equal(fits[0].alpha_, fits[1].alpha_)
        for c in range(k):
            assert_same_ridge(prob, Y[:, c], np.atleast_2d(fits[0].coef_)[c],
                              np.atleast_2d(fits[1].coef_)[c], chosen[c], prob.sw,
                              "RidgeCV: n_threads=2 differs")


def _check_loo(est, errs, store, alphas, chosen, per_target, what):
    """RidgeCV's stored LOO errors (if kept) and its choice against reference errors
    ``errs`` (n, k, m)."""
    if store:
        got = np.asarray(est.cv_results_).reshape(errs.shape)
        np.testing.assert_allclose(got, errs, rtol=1e-6, atol=1e-9 * (1 + errs.max()),
                                   err_msg=f"LOO errors != {what}")
    _check_choice(-errs.mean(axis=0), alphas, chosen, est.best_score_, per_target,
                  f"LOO score ({what})")


def _check_choice(score, alphas, chosen, best_score, per_target, what):
    """score (k, m), higher is better: alpha_ maximises it (the mean over targets unless
    per target) up to rounding, and best_score_ is its value there."""
    k = score.shape[0]
    best_score = np.broadcast_to(best_score, (k,))
    for c in range(k):
        crit = score[c] if per_target else score.mean(axis=0)
        j = int(np.flatnonzero(alphas == chosen[c])[0])
        tol = 1e-7 * (1 + np.abs(crit).max())
        assert crit[j] >= crit.max() - tol, (
            f"alpha_={chosen[c]} has {what} {crit[j]:.8g} < max {crit.max():.8g} at "
            f"alpha={alphas[np.argmax(crit)]}")
        assert abs(best_score[c] - crit[j]) <= tol, (
            f"best_score_ {best_score[c]:.8g} != {what} {crit[j]:.8g}")


def _ridge_fit(X, y, alpha, fit_intercept):
    n, p = X.shape
    xm = X.mean(axis=0) if fit_intercept else np.zeros(p)
    ym = y.mean() if fit_intercept else 0.0
    Xc = X - xm
    w = np.linalg.lstsq(Xc.T @ Xc + alpha * np.eye(p), Xc.T @ (y - ym), rcond=None)[0]
    return w, ym - xm @ w


def _kfold_r2_brute(X, Y, alphas, fit_intercept):
    """(k, m) mean over KFold(3) of the held-out R^2 of Ridge fitted on the other rows."""
    from sklearn.model_selection import KFold

    out = np.zeros((Y.shape[1], len(alphas)))
    folds = list(KFold(3).split(X))
    for train, test in folds:
        for c in range(Y.shape[1]):
            yt = Y[test, c]
            sst = np.sum((yt - yt.mean()) ** 2)
            for j, a in enumerate(alphas):
                w, b = _ridge_fit(X[train], Y[train, c], a, fit_intercept)
                sse = np.sum((yt - X[test] @ w - b) ** 2)
                out[c, j] += (1 - sse / sst if sst > 0 else (1.0 if sse == 0 else 0.0)) / 3
    return out


# ------------------------------------------- regressions found by the properties
#
# The falsifying examples above, reduced by hand to a few lines (deterministic, so
# that each bug has one obvious failing test of its own).


def _reg_data(n=20, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X @ np.arange(1.0, p + 1) + rng.standard_normal(n)


def test_regression_unpenalised_feature_fixed_by_its_box():
    """An unpenalised feature whose box is [0, 0] (positive=True with upper_bound 0,
    or lower = upper = 0) is simply fixed at 0; the automatic grid (and glmnet_path,
    and the CV estimators) must not pass the empty box to scipy's lsq_linear."""
    X, y = _reg_data()
    kw = dict(penalty_factor=[0.0, 1.0, 1.0], lower_bounds=[0.0, -np.inf, -np.inf],
              upper_bounds=[0.0, np.inf, np.inf])
    res = fastpen.enet_path(X, y, alphas=5, tol=1e-6, **kw)
    check_path(Problem(X, y, None, True, "F", np.float64), res, 0, l1_ratio=0.5, tol=1e-6,
               require_converged=True, **kw)
    assert np.all(res.coefs[:, 0] == 0)
    g = fastpen.glmnet_path(X, y, lambdas=[0.1], **kw)
    assert np.all(g.coefs[:, 0] == 0)
    est = fastpen.ElasticNetCV(cv=3, alphas=5, **kw).fit(X, y)
    assert est.coef_[0] == 0


def test_regression_glmnet_path_grid_when_lambda_max_is_zero():
    """glmnet_path's automatic grid when no penalised coefficient can move (lambda_max
    = 0: y negatively correlated with every feature under lower_bounds=0, or y fitted
    exactly by the unpenalised features): enet_path returns scikit-learn's grid of
    1e-15s there; glmnet_path raised numpy's 'Geometric sequence cannot include zero'."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = -X @ [1.0, 1.0] + 0.1 * rng.standard_normal(20)
    res = fastpen.glmnet_path(X, y, lambdas=3, lower_bounds=0)
    assert np.all(np.isfinite(res.alphas)) and np.all(res.coefs == 0)
    X2 = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    res = fastpen.glmnet_path(X2, np.array([1.0, -1.0]), lambdas=3,
                              penalty_factor=[0, 0, 1], fit_intercept=False)
    assert np.all(np.isfinite(res.coefs))


def test_regression_tiny_l1_ratio_certifies_convergence():
    """0 < l1_ratio << 1 is an elastic net barely different from ridge (l1_ratio = 0
    converges in ~10 sweeps), but the duality gap scales the dual point by
    n alpha l1_ratio / max|x~_j^T R|: below l1_ratio ~1e-13 no iterate certifies
    and every alpha runs to max_iter, with a ConvergenceWarning (glmnet_path: any
    alpha < ~1e-13)."""
    X, y = _reg_data(30, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", fastpen.ConvergenceWarning)
        for l1_ratio in (1e-14, 1e-300):
            res = fastpen.enet_path(X, y, l1_ratio=l1_ratio, alphas=[1.0, 0.1, 0.01],
                                    tol=1e-4, max_iter=1000)
            assert np.all(res.n_iter < 1000), (l1_ratio, res.n_iter)
        fastpen.glmnet_path(X, y, alpha=1e-300, lambdas=3, max_iter=1000)


def test_regression_single_path_independent_of_blas_threads():
    """enet_path on dense X (precompute=False, 1-D y): 'Results do not depend on
    [n_threads]'.  They do: with n_threads=1 BLAS is left multithreaded (_blas_limited
    is only entered for n_threads > 1) and the working-set Gram products round
    differently from the single-threaded BLAS of n_threads=2 (identical under
    threadpoolctl.threadpool_limits(1, 'blas')).  Differences of 1e-14 when
    converged, 1e-7 at tol=1e-8 and 1e-6 when not converged were seen."""
    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.standard_normal((150, 110)))
    y = X[:, :10] @ np.ones(10) + rng.standard_normal(150)
    a = fastpen.enet_path(X, y, alphas=5, precompute=False, n_threads=1)
    b = fastpen.enet_path(X, y, alphas=5, precompute=False, n_threads=2)
    np.testing.assert_array_equal(a.coefs, b.coefs)
