"""Small bundled data and seeded synthetic generators."""
from ._base import load_diabetes, make_correlated_regression, make_sparse_regression

__all__ = ["load_diabetes", "make_correlated_regression", "make_sparse_regression"]
