"""One independent duality gap for every solver's answer (see benchmarks/README.md).

Scikit-learn's objective, ``1/(2n) ||y - Xw - b0||^2_s + alpha (l1_ratio ||w||_1
+ (1 - l1_ratio)/2 ||w||^2)``, evaluated in float64 whatever the solver's dtype.
"""
import numpy as np
import scipy.sparse as sp


def relative_gap(X, y, coef, alpha, l1_ratio=1.0, fit_intercept=True, sample_weight=None,
                 positive=False):
    """Return gap / (||y~||^2 / 2) for the coefficients ``coef`` (intercept eliminated).

    The intercept is not an input: with ``fit_intercept`` the problem is written
    on weighted-centred data, where the optimal intercept is implied.
    """
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    s = s * (n / s.sum())
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    if sp.issparse(X):
        X = sp.csc_matrix(X, dtype=np.float64)
        x_mean = np.asarray(X.T @ s).ravel() / n if fit_intercept else np.zeros(X.shape[1])
        Xw = X @ w - x_mean @ w
        xt = lambda r: X.T @ r - x_mean * r.sum()  # noqa: E731
    else:
        X = np.asarray(X, dtype=np.float64)
        x_mean = s @ X / n if fit_intercept else np.zeros(X.shape[1])
        Xw = X @ w - x_mean @ w
        xt = lambda r: X.T @ r - x_mean * r.sum()  # noqa: E731
    y_c = y - (s @ y / n if fit_intercept else 0.0)
    # rows scaled by sqrt(s): R~ = sqrt(s) R, so X~^T R~ = X_c^T (s R)
    R = y_c - Xw
    sR = s * R
    a, b = n * alpha * l1_ratio, n * alpha * (1.0 - l1_ratio)
    r_norm2, r_dot_y, y_norm2 = R @ sR, sR @ y_c, y_c @ (s * y_c)
    g = xt(sR)
    if a > 0:
        xta = g - b * w
        dnorm = xta.max() if positive else np.abs(xta).max()
        c = a / dnorm if dnorm > a else 1.0
        gap = (0.5 * r_norm2 * (1 + c * c) + a * np.abs(w).sum() - c * r_dot_y
               + 0.5 * b * (1 + c * c) * (w @ w))
    elif b > 0:
        v = np.maximum(g, 0.0) if positive else g
        gap = r_norm2 + 0.5 * b * (w @ w) - r_dot_y + (v @ v) / (2 * b)
    else:
        gap = g @ g
    return gap / (0.5 * y_norm2)
