import os
import sys
import warnings

import numpy as np
import pytest

# pytest runs with --import-mode=importlib (pyproject.toml), which does not put
# tests/ on sys.path; the shared helpers live there.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

DATA_DIR = os.path.join(HERE, "data")


@pytest.fixture
def data():
    from _helpers import make_data

    return make_data()


@pytest.fixture
def quickstart():
    """glmnet's QuickStartExample (100 x 20), copied into tests/data (see README.md)."""
    X = np.loadtxt(os.path.join(DATA_DIR, "QuickStartExampleX.dat"))
    y = np.loadtxt(os.path.join(DATA_DIR, "QuickStartExampleY.dat"))
    return X, y


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "no_autocheck: do not verify every fastpen fit of this test")


@pytest.fixture(autouse=True)
def _check_every_fit(request, monkeypatch):
    """Wrap fastpen.enet_path (used by lasso_path and the estimators) so that every
    fit made by any test is verified by the independent checker: whatever the
    solver reports as converged must satisfy the duality gap and KKT conditions."""
    if request.node.get_closest_marker("no_autocheck"):
        yield
        return
    import fastpen
    import fastpen._path as path_mod
    from _helpers import check_claimed_convergence

    original = path_mod.enet_path
    calls = []

    def checked(X, y, **kwargs):
        res = original(X, y, **kwargs)
        keys = ("l1_ratio", "sample_weight", "fit_intercept", "positive",
                "penalty_factor", "tol", "exclude", "rescale_penalty_factor",
                "standardize", "lower_bounds", "upper_bounds")
        opts = {k: kwargs[k] for k in keys if k in kwargs}
        opts.setdefault("l1_ratio", 0.5)
        if np.ndim(y) == 2:      # one problem per target column
            Y = np.asarray(y)
            for c in range(Y.shape[1]):
                one = res._replace(alphas=res.alphas if res.alphas.ndim == 1
                                   else res.alphas[c],
                                   **{f: getattr(res, f)[:, c] for f in res._fields[1:]})
                check_claimed_convergence(X, Y[:, c], one, **opts)
        else:
            check_claimed_convergence(X, y, res, **opts)
        calls.append(1)
        return res

    import fastpen.linear_model  # noqa: F401  (so that its enet_path is wrapped too)

    # every fastpen module that holds a reference to enet_path (the estimators,
    # glmnet_path wherever it lives) calls the checked one
    for name, mod in list(sys.modules.items()):
        if mod is None or not (name == "fastpen" or name.startswith("fastpen.")):
            continue
        for attr, value in list(vars(mod).items()):
            if value is original:
                monkeypatch.setattr(mod, attr, checked)
    yield calls


@pytest.fixture
def no_warnings():
    """Turn every warning into an error inside the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
