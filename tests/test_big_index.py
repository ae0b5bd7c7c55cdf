"""64-bit index arithmetic (issue 8): a design with more than 2**31 stored values.

Opt-in (``FASTPEN_BIG_TESTS=1``), as it needs about 9 GiB of memory for the
dense case and 40 GiB for the sparse one, and minutes: see docs/reliability.md
for the recorded runs.  Each design keeps all but its first and last columns
zero, and the last column starts at element 2**31 (dense) or entry 2**31 of the
stored values (sparse), where a 32-bit offset wraps: the fit must recover the
coefficients of those two columns exactly as on the 2-column problem.
"""
import os

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen

N = 1 << 16                    # rows
P = (1 << 15) + 1              # columns: N * (P - 1) = 2**31, the last column's offset

pytestmark = [
    pytest.mark.skipif(os.environ.get("FASTPEN_BIG_TESTS") != "1",
                       reason="set FASTPEN_BIG_TESTS=1 (needs 9-40 GiB of memory)"),
    pytest.mark.no_autocheck,     # the conftest checker would make a float64 copy of X
]


def _available_gib():
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) / 2**20
    except (OSError, KeyError, ValueError):
        return 0.0


def _two_columns(seed=0):
    rng = np.random.default_rng(seed)
    first = rng.standard_normal(N).astype(np.float32)
    last = rng.standard_normal(N).astype(np.float32)
    y = 2.0 * first + 3.0 * last + 0.1 * rng.standard_normal(N)
    return first, last, y


def _check(X, first, last, y, **kwargs):
    small = np.column_stack([first, last])
    expected = fastpen.Lasso(alpha=1e-3, tol=1e-10, **kwargs).fit(small, y)
    est = fastpen.Lasso(alpha=1e-3, tol=1e-10, **kwargs).fit(X, y)
    coef = est.coef_
    assert np.count_nonzero(coef[1:-1]) == 0
    np.testing.assert_allclose(coef[[0, -1]], expected.coef_, rtol=1e-6)
    np.testing.assert_allclose(est.intercept_, expected.intercept_, atol=1e-6)
    assert abs(coef[-1] - 3.0) < 0.01          # the column past offset 2**31


def test_dense_float32_memmap_past_2_to_the_31(tmp_path):
    if _available_gib() < 12:
        pytest.skip("needs 12 GiB of available memory")
    first, last, y = _two_columns()
    path = tmp_path / "X.f32"
    with open(path, "wb") as f:
        f.truncate(N * P * 4)                  # a sparse file: zeros cost no disk
    X = np.memmap(path, dtype=np.float32, mode="r+", shape=(N, P), order="F")
    X[:, 0] = first
    X[:, -1] = last
    X.flush()
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(N, P), order="F")
    assert X.size > 2**31
    _check(X, first, last, y, precompute=False)


def test_sparse_more_than_2_to_the_31_stored_entries(tmp_path):
    if _available_gib() < 40:
        pytest.skip("needs 40 GiB of available memory")
    first, last, y = _two_columns(1)
    nnz = N * P                                # every entry stored; nnz > 2**31
    data = np.memmap(tmp_path / "data.f32", dtype=np.float32, mode="w+", shape=(nnz,))
    data[:N] = first
    data[nnz - N:] = last
    indices = np.empty(nnz, dtype=np.int64)     # SciPy's dtype past 2**31 entries
    for j in range(0, P, 4096):
        stop = min(j + 4096, P)
        indices[j * N:stop * N] = np.tile(np.arange(N), stop - j)
    indptr = np.arange(P + 1, dtype=np.int64) * N
    X = sp.csc_matrix((data, indices, indptr), shape=(N, P))
    assert X.nnz > 2**31 and X.indptr[-2] >= 2**31
    _check(X, first, last, y)
