"""fastpen._sparse.compressed_matmat: the threaded sparse-dense products of the
iterative ridge solvers."""
import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from fastpen._sparse import compressed_matmat
from fastpen._validation import kernel_csc


def _matrix(dtype, n=300, p=200, density=0.05, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="lil", random_state=seed,
                  data_rvs=rng.standard_normal, dtype=dtype)
    X[:, 7] = 0.0                          # an empty column
    X[11, :] = 0.0                         # and an empty row
    X = X.tocsc()
    X.eliminate_zeros()
    return X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shift", [False, True])
@pytest.mark.parametrize("k", [1, 3, 8])
def test_products_equal_scipy_and_do_not_depend_on_threads(dtype, shift, k):
    X = _matrix(dtype)
    rng = np.random.default_rng(1)
    n, p = X.shape
    rows = X.tocsr()
    for A, n_out, n_in in [(X, p, n), (rows, n, p)]:       # X^T M, then X V
        V = rng.standard_normal((n_in, k))
        a = rng.standard_normal(n_out) if shift else np.empty(0)
        b = rng.standard_normal(k) if shift else np.empty(0)
        want = (A.T if A is X else A).astype(np.float64) @ V
        if shift:
            want -= np.outer(a, b)
        outs = []
        for threads in (1, 2, 3):
            out = np.full((n_out, k), np.nan)
            compressed_matmat(*kernel_csc(A), V, out, a, b, threads)
            outs.append(out)
        np.testing.assert_allclose(outs[0], want, rtol=1e-12, atol=1e-12)
        for out in outs[1:]:
            np.testing.assert_array_equal(out, outs[0])


def test_inconsistent_shapes_raise():
    X = _matrix(np.float64)
    V = np.ones((X.shape[0], 2))
    with pytest.raises(ValueError, match="shapes"):
        compressed_matmat(*kernel_csc(X), V, np.empty((5, 2)), np.empty(0),
                          np.empty(0), 1)
    with pytest.raises(ValueError, match="a and b"):
        compressed_matmat(*kernel_csc(X), V, np.empty((X.shape[1], 2)),
                          np.ones(3), np.ones(2), 1)


@pytest.mark.parametrize("n,p", [(150, 60), (60, 150)])
def test_iterative_ridge_does_not_depend_on_the_thread_count(monkeypatch, n, p):
    """The block-CG route (forced on a small sparse X) gives bitwise the same
    coefficients on 1 and 2 threads: every product row is summed in one order."""
    import fastpen._ridge as ridge_mod

    monkeypatch.setattr(ridge_mod, "_MAX_DENSE_DECOMPOSITION", 0)
    rng = np.random.default_rng(2)
    X = sp.random(n, p, density=0.1, format="csr", random_state=3,
                  data_rvs=rng.standard_normal)
    Y = rng.standard_normal((n, 3))
    sw = rng.uniform(0.5, 2.0, n)
    one = fastpen.ridge_path(X, Y, [0.1, 3.0], sample_weight=sw, n_threads=1)
    two = fastpen.ridge_path(X, Y, [0.1, 3.0], sample_weight=sw, n_threads=2)
    np.testing.assert_array_equal(one.coefs, two.coefs)
    np.testing.assert_array_equal(one.intercepts, two.intercepts)
