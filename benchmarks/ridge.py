"""Ridge with the penalty chosen per target: fastpen.RidgeCV against scikit-learn and himalaya.

Problem (himalaya's benchmark defaults): n=3000 training rows, p=1000, float32, k
targets (a 50-feature signal plus noise, SNR about 1), 20 alphas from 1e-2 to 1e6,
one alpha per target.  Peers: scikit-learn RidgeCV(alpha_per_target=True) with its
efficient leave-one-out (cv=None), scikit-learn RidgeCV(cv=5) (one alpha for all:
it has no per-target alpha with folds), himalaya's RidgeCV(cv=5) on its NumPy
backend (per target).  fastpen runs both schemes.  Reported: time, peak traced
memory (tracemalloc: NumPy's allocations; X itself is 12 MB) and the mean
held-out R^2 of the chosen models on 1000 further rows.

    python benchmarks/ridge.py [--k 5000] [--solvers ...] [--repeat 1]
"""
import argparse
import time
import tracemalloc

import numpy as np

import fastpen


def make_problem(k, n=3000, n_test=1000, p=1000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n + n_test, p)).astype(np.float32)
    W = rng.standard_normal((50, k)).astype(np.float32)
    signal = X[:, :50] @ W
    Y = signal + np.sqrt(50.0) * rng.standard_normal((n + n_test, k)).astype(np.float32)
    return X[:n], Y[:n], X[n:], Y[n:]


def r2(Y, pred):
    return float(np.mean(1.0 - ((Y - pred) ** 2).sum(0) / ((Y - Y.mean(0)) ** 2).sum(0)))


def solvers(alphas):
    from sklearn.linear_model import RidgeCV

    out = {
        "fastpen RidgeCV LOO (per target)": lambda: fastpen.RidgeCV(
            alphas=alphas, alpha_per_target=True),
        "fastpen RidgeCV 5-fold (per target)": lambda: fastpen.RidgeCV(
            alphas=alphas, alpha_per_target=True, cv=5),
        "scikit-learn RidgeCV LOO (per target)": lambda: RidgeCV(
            alphas=alphas, alpha_per_target=True),
        "scikit-learn RidgeCV 5-fold (one alpha)": lambda: RidgeCV(alphas=alphas, cv=5),
    }
    try:
        from himalaya.backend import set_backend
        from himalaya.ridge import RidgeCV as HRidgeCV

        set_backend("numpy")
        out["himalaya RidgeCV 5-fold (per target)"] = lambda: HRidgeCV(
            alphas=alphas, cv=5)
    except ImportError:
        pass
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--solvers", default=None, help="comma-separated subset")
    parser.add_argument("--repeat", type=int, default=1,
                        help="fits per solver; the median time is reported (peak: the first)")
    args = parser.parse_args(argv)
    X, Y, Xt, Yt = make_problem(args.k)
    alphas = np.geomspace(1e-2, 1e6, 20)
    fits = solvers(alphas)
    if args.solvers:
        fits = {k: v for k, v in fits.items() if k in args.solvers.split(",")}
    print(f"ridge: X {X.shape[0]}x{X.shape[1]} float32, {args.k} targets, 20 alphas "
          "1e-2..1e6")
    for name, make in fits.items():
        make().fit(X[:200], Y[:200, :5])          # warm-up
        secs = []
        for rep in range(max(args.repeat, 1)):
            if rep == 0:
                tracemalloc.start()
            start = time.perf_counter()
            est = make().fit(X, Y)
            secs.append(time.perf_counter() - start)
            if rep == 0:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
        spread = f" ({min(secs):.2f}-{max(secs):.2f})" if len(secs) > 1 else ""
        print(f"  {name:<42} {np.median(secs):8.2f} s{spread}  peak {peak / 2**20:8.0f} MiB  "
              f"held-out R2 {r2(Yt, est.predict(Xt)):.4f}", flush=True)


if __name__ == "__main__":
    main()
