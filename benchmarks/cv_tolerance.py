"""The command's CV choice against the solver tolerance (issue 18).

At scikit-learn's tol (1e-4, a duality gap relative to the target's variance) a
warm-started fit near the end of a path can stop where it starts: the path has steps and
the CV curve exact ties, which moved the CV choice.  This runs ``fastpen cv`` on a wide
problem with a few columns on a 1000x scale (150 x 200, as a reviewer's file) at several
tolerances, with the same folds, and prints the chosen alpha, its CV error and the time.

    python benchmarks/cv_tolerance.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def main():
    rng = np.random.default_rng(1)
    n, p = 150, 200
    scale = np.where(np.arange(p) % 50 == 0, 1000.0, 1.0)
    X = rng.standard_normal((n, p)) * scale
    y = X[:, :6] @ (3.0 - 0.5 * np.arange(6)) + 0.002 * X[:, 50] + rng.standard_normal(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "wide.npz")
        np.savez(path, X=X, y=y)
        print(f"{'tol':>8} {'alpha':>12} {'CV error':>10} {'at grid end':>12} {'time':>7}")
        for tol in ("1e-4", "1e-5", "1e-6", "1e-7", "1e-8"):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "fastpen", "cv", path, "--seed", "1",
                                  "--tol", tol, "--json"], capture_output=True, text=True,
                                 check=True)
            elapsed = time.perf_counter() - start
            got = json.loads(out.stdout)
            edge = "smallest of the grid" in out.stderr
            print(f"{tol:>8} {got['alpha']:12.5g} {got['cv_score']:10.5g} "
                  f"{'warned' if edge else '-':>12} {elapsed:6.2f}s")


if __name__ == "__main__":
    main()
