"""The tolerance ladder of the benchmarks (../shared/BENCHMARKING.md's protocol).

For every solver, walk its own ``tol`` down the ladder, keep the first run whose
answer reaches the target under an independent score, and time that run.
"""
import time

import numpy as np

# 1-2-5 steps: a solver is not made to over-solve by a factor up to 10 past the target.
# Down to 2e-16: glmnet's thresh (a coefficient-change criterion) needs 1e-13 to 1e-14
# to bring the duality gap to 1e-6 on these problems.
TOL_LADDER = [m * 10.0 ** -k for k in range(3, 16) for m in (1.0, 0.5, 0.2)]


def time_at_target(fit, X, y, alphas, target, repeat, budget, start_tol=None, *, score):
    """(median seconds, tol used, worst rel gap) of the first tol reaching the target.

    A solver whose single run exceeds ``budget`` seconds is not timed further.
    ``start_tol`` skips the ladder's steps above it (a shortcut for slow solvers
    whose step is known from an earlier run; the step above it must be
    checked not to reach the target there).  ``score(X, y, coefs, alphas)``
    gives the worst relative gap of an answer.
    """
    best = np.inf
    for tol in TOL_LADDER:
        if start_tol is not None and tol > start_tol * (1 + 1e-9):
            continue
        start = time.perf_counter()
        coefs = fit(X, y, alphas, tol)
        elapsed = time.perf_counter() - start
        rel = score(X, y, coefs, alphas)
        best = min(best, rel)
        if rel <= target:
            times = [elapsed]
            for _ in range(repeat - 1):
                start = time.perf_counter()
                fit(X, y, alphas, tol)
                times.append(time.perf_counter() - start)
            return float(np.median(times)), tol, rel
        if elapsed > budget:
            break
    return None, None, best
