"""Bad input fails loudly, naming the argument; good input is never modified."""
import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from _helpers import as_dense64, assert_path_optimal, make_data, make_weights


@pytest.fixture
def Xy():
    X, y, _ = make_data(n=20, p=5, seed=0)
    return X, y


def _nan_inf_variants(X):
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X.copy()
        Xb[3, 2] = bad
        yield Xb


# ------------------------------------------------------------------- X


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_nan_inf_in_X(Xy, fmt):
    X, y = Xy
    for Xb in _nan_inf_variants(X):
        Xin = Xb if fmt == "dense" else getattr(sp, f"{fmt}_matrix")(Xb)
        with pytest.raises(ValueError, match="X"):
            fastpen.enet_path(Xin, y)
        with pytest.raises(ValueError, match="X"):
            fastpen.Lasso().fit(Xin, y)


def test_nan_inf_in_X_float32_and_overflow(Xy):
    X, y = Xy
    Xb = X.astype(np.float32)
    Xb[0, 0] = np.nan
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(Xb, y)
    # finite values whose sum overflows are fine; an inf among huge values is not
    Xh = X.copy()
    Xh[:, 0] = 1e308
    Xh[0, 0] = np.inf
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(Xh, y)


def test_nan_inf_in_y(Xy):
    X, y = Xy
    for bad in (np.nan, np.inf):
        yb = y.copy()
        yb[1] = bad
        with pytest.raises(ValueError, match="y"):
            fastpen.enet_path(X, yb)
        with pytest.raises(ValueError, match="y"):
            fastpen.ElasticNet().fit(X, yb)


def test_complex_X(Xy):
    X, y = Xy
    with pytest.raises(TypeError, match="X"):
        fastpen.enet_path(X + 1j, y)
    with pytest.raises(TypeError, match="X"):
        fastpen.enet_path(sp.csr_matrix(X + 1j), y)
    with pytest.raises((TypeError, ValueError), match="[Cc]omplex"):
        fastpen.Lasso().fit(X + 1j, y)


def test_complex_y(Xy):
    X, y = Xy
    with pytest.raises(TypeError, match="y"):
        fastpen.enet_path(X, y + 1j)


def test_non_numeric_X(Xy):
    X, y = Xy
    with pytest.raises(TypeError, match="X"):
        fastpen.enet_path(np.array([["a", "b"], ["c", "d"]]), [1.0, 2.0])
    with pytest.raises(TypeError, match="X"):
        fastpen.enet_path("not an array", y)
    # None in an object array becomes NaN
    with pytest.raises((TypeError, ValueError), match="X"):
        fastpen.enet_path(np.array([[1.0, None], [2.0, 3.0]], dtype=object), [1.0, 2.0])
    with pytest.raises(TypeError, match="X"):
        fastpen.enet_path(np.array([[1.0, "x"], [2.0, 3.0]], dtype=object), [1.0, 2.0])


@pytest.mark.parametrize("shape", [(0, 5), (20, 0), (0, 0)])
def test_empty_X(shape):
    X = np.empty(shape)
    y = np.zeros(shape[0])
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(X, y)
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(sp.csr_matrix(X), y)


def test_X_not_2d(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(X[:, 0], y)
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(X[:, :, None], y)
    with pytest.raises(ValueError, match="X"):
        fastpen.enet_path(np.float64(3.0), y)


# ------------------------------------------------------------------- y


def test_mismatched_lengths(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="y"):
        fastpen.enet_path(X, y[:-1])
    with pytest.raises(ValueError, match="y"):
        fastpen.enet_path(sp.csc_matrix(X), np.append(y, 1.0))
    with pytest.raises(ValueError):
        fastpen.Lasso().fit(X, y[:-1])


def test_y_shapes(Xy):
    X, y = Xy
    # a 2-D y is one problem per column: (n, 1) gives the single path with a target axis
    a = fastpen.enet_path(X, y[:, None], alphas=3, tol=1e-10)
    b = fastpen.enet_path(X, y, alphas=3, tol=1e-10)
    assert a.coefs.shape == (3, 1, X.shape[1]) and a.alphas.shape == (1, 3)
    np.testing.assert_allclose(a.alphas[0], b.alphas, rtol=1e-12)
    np.testing.assert_allclose(a.coefs[:, 0], b.coefs, atol=1e-8)
    with pytest.raises(ValueError, match="y must be 1- or 2-dimensional"):
        fastpen.enet_path(X, y[:, None, None])
    with pytest.raises(ValueError, match="y has no target column"):
        fastpen.enet_path(X, y[:, None][:, :0])
    with pytest.raises(ValueError, match="alphas must have shape"):
        fastpen.enet_path(X, np.column_stack([y, y]), alphas=np.ones((3, 2)))


# ------------------------------------------------------- sample_weight


def test_sample_weight_errors(Xy):
    X, y = Xy
    n = X.shape[0]
    bad = {
        "negative": np.r_[-1.0, np.ones(n - 1)],
        "all zero": np.zeros(n),
        "nan": np.r_[np.nan, np.ones(n - 1)],
        "inf": np.r_[np.inf, np.ones(n - 1)],
        "short": np.ones(n - 1),
        "2d": np.ones((n, 1)),
    }
    for name, sw in bad.items():
        with pytest.raises(ValueError, match="sample_weight"):
            fastpen.enet_path(X, y, sample_weight=sw)
        with pytest.raises(ValueError, match="sample_weight"):
            fastpen.Lasso().fit(X, y, sample_weight=sw)
    with pytest.raises(TypeError, match="sample_weight"):
        fastpen.enet_path(X, y, sample_weight=np.ones(n) + 1j)
    with pytest.raises(ValueError, match="sample_weight"):
        fastpen.enet_path(X, y, sample_weight=0.0)
    with pytest.raises(ValueError, match="sample_weight"):
        fastpen.enet_path(X, y, sample_weight=-2.0)


def test_scalar_sample_weight_is_unit(Xy):
    X, y = Xy
    a = fastpen.enet_path(X, y, alphas=4, sample_weight=5.0)
    b = fastpen.enet_path(X, y, alphas=4)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-12)


# --------------------------------------------- penalty_factor, coef_init


def test_penalty_factor_errors(Xy):
    X, y = Xy
    p = X.shape[1]
    for pf in (np.ones(p - 1), np.ones(p + 1), np.ones((p, 1)), np.ones((1, p))):
        with pytest.raises(ValueError, match="penalty_factor"):
            fastpen.enet_path(X, y, penalty_factor=pf)
    # np.inf is allowed: it excludes the feature (glmnet parity)
    for pf in (np.r_[-1.0, np.ones(p - 1)], np.r_[np.nan, np.ones(p - 1)],
               np.r_[-np.inf, np.ones(p - 1)]):
        with pytest.raises(ValueError, match="penalty_factor"):
            fastpen.enet_path(X, y, penalty_factor=pf)
        with pytest.raises(ValueError, match="penalty_factor"):
            fastpen.Lasso(penalty_factor=pf).fit(X, y)
    with pytest.raises(TypeError, match="penalty_factor"):
        fastpen.enet_path(X, y, penalty_factor=["a"] * p)


def test_coef_init_errors(Xy):
    X, y = Xy
    p = X.shape[1]
    for w in (np.zeros(p - 1), np.zeros((p, 1)), np.zeros(p + 3)):
        with pytest.raises(ValueError, match="coef_init"):
            fastpen.enet_path(X, y, coef_init=w)
    with pytest.raises(ValueError, match="coef_init"):
        fastpen.enet_path(X, y, coef_init=np.r_[np.nan, np.zeros(p - 1)])


# --------------------------------------------------------- scalar params


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(l1_ratio=-0.1), ValueError, "l1_ratio"),
    (dict(l1_ratio=1.5), ValueError, "l1_ratio"),
    (dict(l1_ratio=np.nan), ValueError, "l1_ratio"),
    (dict(l1_ratio="a"), TypeError, "l1_ratio"),
    (dict(tol=-1e-4), ValueError, "tol"),
    (dict(tol=np.inf), ValueError, "tol"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(max_iter=-5), ValueError, "max_iter"),
    (dict(max_iter=10.5), TypeError, "max_iter"),
    (dict(n_threads=0), ValueError, "n_threads"),
    (dict(n_threads="2"), TypeError, "n_threads"),
    (dict(selection="foo"), ValueError, "selection"),
    (dict(precompute="foo"), ValueError, "precompute"),
    (dict(alphas=[-0.1]), ValueError, "alphas"),
    (dict(alphas=[0.1, np.nan]), ValueError, "alphas"),
    (dict(alphas=[]), ValueError, "alphas"),
    (dict(alphas=np.ones((2, 2))), ValueError, "alphas"),
    (dict(alphas=0), ValueError, "alphas"),
    (dict(n_alphas=0), ValueError, "alphas"),
    (dict(alphas=10, eps=0.0), ValueError, "eps"),
    (dict(alphas=10, eps=-1e-3), ValueError, "eps"),
    (dict(alphas=10, eps=2.0), ValueError, "eps"),  # would give an increasing grid
    (dict(selection="random", random_state=-1), ValueError, "random_state"),
])
def test_bad_parameters_enet_path(Xy, kwargs, exc, name):
    X, y = Xy
    with pytest.raises(exc, match=name):
        fastpen.enet_path(X, y, **kwargs)


@pytest.mark.parametrize("Est", ["Lasso", "ElasticNet"])
@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(alpha=np.nan), ValueError, "alpha"),
    (dict(tol=-1.0), ValueError, "tol"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(n_threads=0), ValueError, "n_threads"),
    (dict(selection="foo"), ValueError, "selection"),
    (dict(precompute="foo"), ValueError, "precompute"),
])
def test_bad_parameters_estimators(Xy, Est, kwargs, exc, name):
    X, y = Xy
    with pytest.raises(exc, match=name):
        getattr(fastpen, Est)(**kwargs).fit(X, y)


def test_bad_l1_ratio_estimator(Xy):
    X, y = Xy
    for l1 in (-0.5, 1.5):
        with pytest.raises(ValueError, match="l1_ratio"):
            fastpen.ElasticNet(l1_ratio=l1).fit(X, y)


# ---------------------------------------------------- inputs not modified


def _messy_csr(X):
    """CSR equal to X, with unsorted indices, duplicate entries and explicit zeros."""
    rng = np.random.default_rng(0)
    n, p = X.shape
    data, indices, indptr = [], [], [0]
    for i in range(n):
        cols = np.flatnonzero(X[i])
        row_d, row_i = [], []
        for j in cols:
            v = X[i, j]
            if rng.random() < 0.4:    # split into two duplicates
                row_d += [0.25 * v, 0.75 * v]
                row_i += [j, j]
            else:
                row_d.append(v)
                row_i.append(j)
        if i % 3 == 0:              # an explicit zero
            row_d.append(0.0)
            row_i.append(int(rng.integers(p)))
        order = rng.permutation(len(row_i))
        data += list(np.asarray(row_d)[order])
        indices += list(np.asarray(row_i, dtype=np.int64)[order])
        indptr.append(len(data))
    M = sp.csr_matrix((np.array(data), np.array(indices, dtype=np.int32),
                       np.array(indptr, dtype=np.int32)), shape=(n, p))
    assert not M.has_sorted_indices
    assert not M.has_canonical_format
    return M


def _snapshot_sparse(M):
    return (M.format, M.data.copy(), M.indices.copy() if hasattr(M, "indices") else None,
            M.indptr.copy() if hasattr(M, "indptr") else None,
            (M.row.copy(), M.col.copy()) if M.format == "coo" else None)


def _assert_sparse_unchanged(M, snap):
    fmt, data, indices, indptr, coo = snap
    assert M.format == fmt
    np.testing.assert_array_equal(M.data, data)
    if indices is not None:
        np.testing.assert_array_equal(M.indices, indices)
        np.testing.assert_array_equal(M.indptr, indptr)
    if coo is not None:
        np.testing.assert_array_equal(M.row, coo[0])
        np.testing.assert_array_equal(M.col, coo[1])


@pytest.mark.parametrize("precompute", [False, True])
def test_dense_inputs_not_modified(precompute):
    X, y, _ = make_data(n=30, p=6, seed=1, offset=2.0)
    sw = make_weights(30)
    w0 = np.linspace(-1, 1, 6)
    pf = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 1.0])
    for Xin in (np.ascontiguousarray(X), np.asfortranarray(X), X.astype(np.float32)):
        copies = [a.copy() for a in (Xin, y, sw, w0, pf)]
        order = (Xin.flags.c_contiguous, Xin.flags.f_contiguous)
        res = fastpen.enet_path(Xin, y, sample_weight=sw, coef_init=w0, penalty_factor=pf,
                                alphas=[0.5, 0.05], precompute=precompute,
                                selection="random", random_state=0)
        for a, c in zip((Xin, y, sw, w0, pf), copies):
            np.testing.assert_array_equal(a, c)
        assert (Xin.flags.c_contiguous, Xin.flags.f_contiguous) == order
        assert res.coefs.shape == (2, 6)


def test_user_gram_not_modified():
    X, y, _ = make_data(n=30, p=6, seed=2)
    sc_X = X - X.mean(axis=0)
    G = sc_X.T @ sc_X
    Gc = G.copy()
    fastpen.enet_path(X, y, alphas=[0.5, 0.05], precompute=G)
    np.testing.assert_array_equal(G, Gc)


@pytest.mark.parametrize("fmt", ["csr_messy", "csc_messy", "coo_dupes", "csc"])
def test_sparse_inputs_not_modified_and_duplicates_summed(fmt):
    X, y, _ = make_data(n=40, p=8, seed=3, density=0.4)
    sw = make_weights(40)
    M = _messy_csr(X)
    if fmt == "csc_messy":
        # a CSC matrix with unsorted indices and duplicates
        T = _messy_csr(np.ascontiguousarray(X.T))
        M = sp.csc_matrix((T.data, T.indices, T.indptr), shape=X.shape)
        assert not M.has_canonical_format
    elif fmt == "coo_dupes":
        C = M.tocoo()
        M = sp.coo_matrix((C.data, (C.row, C.col)), shape=X.shape)
        assert M.nnz > np.count_nonzero(X)
    elif fmt == "csc":
        M = sp.csc_matrix(X)
    np.testing.assert_allclose(M.toarray(), X, atol=1e-15)
    snap = _snapshot_sparse(M)
    ysnap, swsnap = y.copy(), sw.copy()
    for precompute in (False, True):
        res = fastpen.enet_path(M, y, l1_ratio=0.9, alphas=5, sample_weight=sw,
                                precompute=precompute, tol=1e-10, max_iter=100_000)
        _assert_sparse_unchanged(M, snap)
        np.testing.assert_array_equal(y, ysnap)
        np.testing.assert_array_equal(sw, swsnap)
        # the duplicates were summed: same answer as the dense matrix
        ref = fastpen.enet_path(X, y, l1_ratio=0.9, alphas=5, sample_weight=sw, tol=1e-10,
                                max_iter=100_000)
        np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-8)
        assert_path_optimal(as_dense64(M), y, res, l1_ratio=0.9, sample_weight=sw)
    est = fastpen.ElasticNet(alpha=0.05, l1_ratio=0.9).fit(M, y, sample_weight=sw)
    _assert_sparse_unchanged(M, snap)
    np.testing.assert_array_equal(sw, swsnap)
    assert est.coef_.shape == (8,)


def test_estimator_does_not_modify_inputs():
    X, y, _ = make_data(n=30, p=6, seed=4)
    sw = make_weights(30)
    pf = np.ones(6)
    Xc, yc, swc, pfc = X.copy(), y.copy(), sw.copy(), pf.copy()
    for Est in (fastpen.Lasso, fastpen.ElasticNet):
        est = Est(alpha=0.1, penalty_factor=pf, warm_start=True)
        est.fit(X, y, sample_weight=sw)
        coef = est.coef_.copy()
        est.fit(X, y, sample_weight=sw)   # warm start from coef_
        np.testing.assert_array_equal(X, Xc)
        np.testing.assert_array_equal(y, yc)
        np.testing.assert_array_equal(sw, swc)
        np.testing.assert_array_equal(pf, pfc)
        np.testing.assert_allclose(est.coef_, coef, atol=1e-6)
