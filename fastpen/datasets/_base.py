"""Loaders for bundled data and seeded problem generators (NumPy/SciPy only)."""
from importlib import resources

import numpy as np

DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def load_diabetes():
    """Diabetes data of Efron et al. (2004), in original units.

    Returns
    -------
    X : ndarray of shape (442, 10)
    y : ndarray of shape (442,)
        Disease progression one year after baseline.
    feature_names : tuple of str
    """
    path = resources.files("fastpen.datasets").joinpath("data", "diabetes.csv.gz")
    with resources.as_file(path) as f:
        data = np.loadtxt(f, delimiter=",", skiprows=1)
    return data[:, :-1].copy(), data[:, -1].copy(), DIABETES_FEATURES


def make_correlated_regression(n_samples=1000, n_features=5000, rho=0.6, n_nonzero=50,
                               snr=3.0, random_state=0, dtype=np.float64):
    """Gaussian design with AR(1) correlated columns, corr(x_j, x_k) = rho^|j-k|.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), Fortran-ordered
    y : ndarray of shape (n_samples,)
    w_true : ndarray of shape (n_features,)
        ``n_nonzero`` evenly spread nonzero coefficients; the noise gives
        ``||X w_true|| / ||noise|| = snr``.
    """
    rng = np.random.default_rng(random_state)
    X = np.empty((n_samples, n_features), order="F")
    X[:, 0] = rng.standard_normal(n_samples)
    scale = np.sqrt(1.0 - rho**2)
    for j in range(1, n_features):
        X[:, j] = rho * X[:, j - 1] + scale * rng.standard_normal(n_samples)
    w_true = np.zeros(n_features)
    support = np.linspace(0, n_features - 1, n_nonzero).astype(int)
    w_true[support] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(1, 2, n_nonzero)
    signal = X @ w_true
    noise = rng.standard_normal(n_samples)
    y = signal + noise * np.linalg.norm(signal) / (snr * np.linalg.norm(noise))
    return np.asfortranarray(X, dtype=dtype), y, w_true


def make_sparse_regression(n_samples=20000, n_features=100000, nnz_per_row=60,
                           zipf_a=1.2, n_nonzero=100, snr=3.0, random_state=0):
    """Text-like CSC design: Zipf column popularity, L2-normalised rows.

    Each row holds ``nnz_per_row`` distinct columns (fewer only if two draws per
    slot were not enough), drawn with probability proportional to rank^-zipf_a.

    Returns
    -------
    X : scipy.sparse.csc_matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    w_true : ndarray of shape (n_features,)
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(random_state)
    ranks = np.arange(1, n_features + 1, dtype=np.float64)
    popularity = ranks**-zipf_a
    popularity /= popularity.sum()
    # draw twice as many words as needed per row and keep the first distinct ones
    draws = rng.choice(n_features, size=(n_samples, 2 * nnz_per_row), p=popularity)
    indptr, indices = [0], []
    for row in draws:
        distinct, first = np.unique(row, return_index=True)
        kept = distinct[np.argsort(first)][:nnz_per_row]
        indices.append(np.sort(kept))
        indptr.append(indptr[-1] + kept.size)
    indices = np.concatenate(indices)
    vals = rng.exponential(1.0, indices.size)
    X = sp.csr_matrix((vals, indices, np.array(indptr)), shape=(n_samples, n_features))
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / np.maximum(norms, 1e-300)) @ X
    w_true = np.zeros(n_features)
    support = rng.choice(min(n_features, 10 * n_nonzero), n_nonzero, replace=False)
    w_true[support] = rng.standard_normal(n_nonzero)
    signal = X @ w_true
    noise = rng.standard_normal(n_samples)
    y = signal + noise * np.linalg.norm(signal) / (snr * np.linalg.norm(noise))
    return sp.csc_matrix(X), y, w_true
