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


@pytest.fixture
def no_warnings():
    """Turn every warning into an error inside the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
