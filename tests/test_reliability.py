"""Reliability (issue 8, part): fitted estimators survive pickling, concurrent fits from
several Python threads on one read-only X equal sequential ones, and a fixed
random_state gives the same answer every time."""
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastpen

ESTIMATORS = {
    "Lasso": lambda: fastpen.Lasso(alpha=0.05),
    "ElasticNet": lambda: fastpen.ElasticNet(alpha=0.05, l1_ratio=0.3),
    "LassoCV": lambda: fastpen.LassoCV(cv=3, alphas=20),
    "ElasticNetCV": lambda: fastpen.ElasticNetCV(cv=3, alphas=20, l1_ratio=[0.5, 1.0]),
    "Ridge": lambda: fastpen.Ridge(alpha=2.0),
    "RidgeCV": lambda: fastpen.RidgeCV(alphas=np.geomspace(0.01, 100, 8)),
}


def _data(n=120, p=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :5] @ np.arange(1.0, 6.0) + rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_fitted_estimators_round_trip_through_pickle_and_joblib(name, tmp_path):
    import joblib

    X, y = _data()
    est = ESTIMATORS[name]().fit(X, y)
    for copy in (pickle.loads(pickle.dumps(est)),
                 joblib.load(joblib.dump(est, tmp_path / "est.joblib")[0])):
        np.testing.assert_array_equal(copy.predict(X), est.predict(X))
        np.testing.assert_array_equal(copy.coef_, est.coef_)
        for attr in ("intercept_", "alpha_", "l1_ratio_", "mse_path_", "best_score_"):
            if hasattr(est, attr):
                np.testing.assert_array_equal(getattr(copy, attr), getattr(est, attr))


def test_concurrent_fits_from_python_threads_equal_sequential_fits():
    """Eight fits on one read-only X from four Python threads (the kernels release the
    GIL) give bitwise the results of the same fits one after the other."""
    X, y = _data(300, 80)
    X.setflags(write=False)
    Y = [y + k for k in range(8)]

    def fit(k):
        path = fastpen.enet_path(X, Y[k], l1_ratio=0.7, alphas=20, tol=1e-10, n_threads=2)
        ridge = fastpen.RidgeCV(alphas=np.geomspace(0.1, 100, 6)).fit(X, Y[k])
        return path.coefs, ridge.coef_

    sequential = [fit(k) for k in range(8)]
    with ThreadPoolExecutor(4) as pool:
        concurrent = list(pool.map(fit, range(8)))
    for (a, b), (c, d) in zip(sequential, concurrent):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_random_selection_is_deterministic_for_a_fixed_seed():
    X, y = _data(200, 60)
    runs = [fastpen.enet_path(X, y, alphas=15, selection="random", random_state=7,
                              tol=1e-6, n_threads=2).coefs for _ in range(3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other, runs[0])
