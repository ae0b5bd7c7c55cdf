"""The vectorised inner products (fastpen/_simd.h) and their runtime dispatch."""
import json
import os
import subprocess
import sys

import numpy as np
from fastpen import _cd
from fastpen._info import simd_name

# A child process per capped level: the choice is made once, when _cd is loaded.
CHILD = r"""
import json, sys
import numpy as np
from fastpen import _cd, lasso_path
rng = np.random.default_rng(0)
import scipy.sparse as sp
out = {"level": _cd.simd_level(), "dots": [], "coefs": None, "sparse_coefs": None}
for dtype in (np.float64, np.float32):
    for n in range(0, 35):
        X = np.asfortranarray(rng.standard_normal((n, 3)).astype(dtype) + 2.0)
        r = rng.standard_normal(n)
        sw = rng.uniform(0.5, 2.0, n) if n % 2 else np.empty(0)
        mean = np.full(3, 1.9)
        out["dots"].append(_cd.dense_xt_r(X, sw, mean, r, 1).tolist())
X = np.asfortranarray(rng.standard_normal((61, 30)))
y = X[:, :3] @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(61)
res = lasso_path(X, y, n_alphas=5, tol=1e-10, n_threads=1)
out["coefs"] = res.coefs.tolist()
Xs = sp.random(200, 40, density=0.2, format="csc", random_state=1)
ys = Xs[:, :4] @ np.array([1.0, -2.0, 0.5, 1.5]) + 0.1 * rng.standard_normal(200)
res = lasso_path(Xs, ys, n_alphas=5, tol=1e-10, n_threads=1)
out["sparse_coefs"] = res.coefs.tolist()
json.dump(out, sys.stdout)
"""


def _run_child(cap):
    env = dict(os.environ)
    env.pop("FASTPEN_SIMD", None)
    if cap is not None:
        env["FASTPEN_SIMD"] = cap
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_dot_products_all_lengths_match_numpy():
    """Every length (vector bodies and scalar tails), both dtypes, weighted or not."""
    rng = np.random.default_rng(3)
    for dtype, rtol in ((np.float64, 1e-13), (np.float32, 1e-6)):
        for n in range(0, 70):
            X = np.asfortranarray((rng.standard_normal((n, 4)) + 3.0).astype(dtype))
            r = rng.standard_normal(n)
            mean = np.array([3.0, 2.5, 0.0, -1.0])
            for sw in (np.empty(0), rng.uniform(0.1, 3.0, n)):
                s = sw if sw.size else np.ones(n)
                expected = (X.astype(np.float64) - mean).T @ (s * r)
                got = _cd.dense_xt_r(X, sw, mean, r, 1)
                scale = np.abs(X.astype(np.float64) - mean).T @ np.abs(s * r) + 1e-300
                assert np.all(np.abs(got - expected) <= rtol * scale), (dtype, n)


def test_sparse_gathers_all_column_lengths_match_scipy():
    """The gather dot (vector bodies and tails: columns of 0 to 69 entries)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(4)
    n = 80
    lengths = np.arange(70)
    cols = [rng.choice(n, size=m, replace=False) for m in lengths]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    indices = np.concatenate([np.sort(c) for c in cols]).astype(np.intc)
    for dtype, rtol in ((np.float64, 1e-13), (np.float32, 1e-6)):
        data = (rng.standard_normal(indptr[-1]) + 1.0).astype(dtype)
        X = sp.csc_matrix((data, indices, indptr), shape=(n, lengths.size))
        r = rng.standard_normal(n)
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        for sw in (np.empty(0), rng.uniform(0.1, 3.0, n)):
            s = sw if sw.size else np.ones(n)
            Xd = X.toarray().astype(np.float64)
            expected = (Xd - mean).T @ (s * r)
            got = _cd.sparse_xt_r(data, indices, indptr, sw, mean, r)
            scale = np.abs(Xd - mean).T @ np.abs(s * r) + 1e-300
            assert np.all(np.abs(got - expected) <= rtol * scale), dtype


def test_simd_name_is_reported():
    assert simd_name() in {"baseline (no runtime dispatch)", "AVX2+FMA", "AVX-512F"}


def test_every_dispatch_level_gives_the_same_answers():
    """FASTPEN_SIMD caps the variant; each must agree with the others to rounding."""
    runs = {cap: _run_child(cap) for cap in ("baseline", "avx2", None)}
    assert runs["baseline"]["level"] == 0
    assert runs["avx2"]["level"] in (0, 2)
    base = runs["baseline"]
    for cap, run in runs.items():
        for got, ref in zip(run["dots"], base["dots"]):
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5, err_msg=str(cap))
        np.testing.assert_allclose(run["coefs"], base["coefs"], rtol=1e-6, atol=1e-8,
                                   err_msg=str(cap))
        np.testing.assert_allclose(run["sparse_coefs"], base["sparse_coefs"], rtol=1e-6,
                                   atol=1e-8, err_msg=str(cap))
