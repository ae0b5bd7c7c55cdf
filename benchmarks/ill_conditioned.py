"""fastpen against its peers on the ill-conditioned designs of issue 17, at one gap.

Designs: the full-size variants of ``tests/_illcond.py`` (polynomial expansions of
scikit-learn's bundled data sets, AR(1) rho 0.99 / 0.999, near-duplicate columns,
columns on scales 1e-6 ... 1e6), each with its own ``fit_intercept`` and
``standardize``.  Two modes:

- ``path``: 100 alphas from alpha_max to 1e-3 alpha_max (the design's own
  alpha_max, explicit grid shared by every solver);
- ``single``: one fit at alpha = 1e-2 alpha_max.

Protocol (../shared/BENCHMARKING.md): for each solver, walk its own ``tol`` down the
ladder 1e-3, 5e-4, 2e-4, 1e-4, ..., 2e-14 (1-2-5 steps, as compare.py; ``--ladder
decades``: 1e-3 ... 1e-12) and time the first run whose answer has the independent
relative gap (benchmarks/gap.py, float64) <= ``--target`` (1e-6) at every alpha; report the median of ``--repeat`` runs of that tol.  All solvers run
side by side in this one process; ``--threads 1`` (the default) sets
``OMP_NUM_THREADS=1`` before anything loads and limits BLAS to one thread
(threadpoolctl), ``--threads all`` gives every solver all cores.  A run longer
than ``--budget`` seconds is abandoned between two alphas (a timer signal) and
ends that solver's ladder, as do ``--solver-budget`` seconds of runs in all: the
row then says "did not reach" with the best gap of the runs that finished.  The
log above the tables has every run of every ladder (tol, time, worst gap).

Solvers: fastpen (``precompute='auto'``; ``fastpen (X)`` and ``fastpen (Gram)``
force it, on request with ``--solvers``); skglm (warm-started Lasso / ElasticNet
along the grid, numba warmed up first); scikit-learn's ``lasso_path`` /
``enet_path`` on centred data with ``precompute=False`` and with one Gram matrix
for the grid (``precompute=True``, built inside the timing); scikit-learn's
Lasso / ElasticNet for single fits (``precompute`` True and False); celer
(warm-started, if installed).  Peers get the centred design and fit without an
intercept (the same problem: the intercept is the mean; skglm, which otherwise
updates the intercept as one more coordinate, gains most), and for a design
fitted with glmnet's ``standardize``, which they do not have, X / sd_j with their
coefficients mapped back; the centring and scaling are inside the timing.  ``max_iter`` 100000 for fastpen and scikit-learn, 1000
outer iterations for skglm and celer (their default epochs, 50000, per outer one).

    python benchmarks/ill_conditioned.py                           # single-threaded
    python benchmarks/ill_conditioned.py --threads all
    python benchmarks/ill_conditioned.py --designs diabetes-d3,near-dup --modes path
    python benchmarks/ill_conditioned.py --designs diabetes-d3 --modes path \
        --solvers fastpen,skglm --start-tol skglm=2e-6 --budget 60 --solver-budget 300
"""
import argparse
import importlib
import os
import platform
import signal
import sys
import time
import warnings

if __name__ == "__main__":
    _threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
    if _threads == "1":  # before NumPy loads its BLAS and before any OpenMP runtime starts
        os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from compare import _warm_path  # noqa: E402
from gap import relative_gap  # noqa: E402
from _illcond import DESIGNS, alpha_max, column_sd, design  # noqa: E402

import fastpen  # noqa: E402

TOL_LADDER = [10.0 ** -k for k in range(3, 13)]           # 1e-3 ... 1e-12
FINE_LADDER = [m * 10.0 ** -k for k in range(3, 15) for m in (1.0, 0.5, 0.2)]
DEFAULT_DESIGNS = ("diabetes-d3", "wine-d3", "breast_cancer-d2", "ar1-0.999", "near-dup",
                   "scales")
MAX_ITER = 100_000


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout


# ------------------------------------------------------------------ solvers


def _prepared(prob):
    """fit(X, y) helpers shared by the peers: standardize by scaling, intercept by centring."""
    def scale(X):
        if not prob.standardize:
            return X, None
        sd = column_sd(X, prob.fit_intercept)
        sd = np.where(sd > 0, sd, 1.0)
        return X / sd, sd

    def unscale(coefs, sd):
        return coefs if sd is None else coefs / sd

    def centred(X, y):
        if not prob.fit_intercept:
            return np.asfortranarray(X), np.asarray(y, dtype=np.float64)
        return np.asfortranarray(X - X.mean(axis=0)), y - y.mean()

    return scale, unscale, centred


def path_solvers(prob, l1_ratio, n_threads):
    """name -> fit(X, y, alphas, tol) -> float64 coefficients (n_alphas, p)."""
    scale, unscale, centred = _prepared(prob)
    out = {}

    def fastpen_fit(precompute):
        def fit(X, y, alphas, tol):
            res = fastpen.enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol,
                                    max_iter=MAX_ITER, fit_intercept=prob.fit_intercept,
                                    standardize=prob.standardize, n_threads=n_threads,
                                    precompute=precompute)
            return np.asarray(res.coefs, dtype=np.float64)
        return fit

    out["fastpen"] = fastpen_fit("auto")
    out["fastpen (X)"] = fastpen_fit(False)
    out["fastpen (Gram)"] = fastpen_fit(True)

    def on_centred(solve):
        """A peer's fit on the centred (and, for ``standardize``, scaled) design,
        its coefficients mapped back; the centring and scaling are timed."""
        def fit(X, y, alphas, tol):
            Xs, sd = scale(X)
            Xc, yc = centred(Xs, y)
            return unscale(solve(Xc, yc, alphas, tol), sd)
        return fit

    def sklearn_path(gram):
        from sklearn.linear_model import enet_path

        def solve(Xc, yc, alphas, tol):
            kw = dict(precompute=Xc.T @ Xc, Xy=Xc.T @ yc) if gram else {}
            _, coefs, _ = enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=alphas, tol=tol,
                                    max_iter=MAX_ITER, **kw)
            return coefs.T
        return on_centred(solve)

    out["scikit-learn path"] = sklearn_path(False)
    out["scikit-learn path (Gram)"] = sklearn_path(True)

    def warm(make):
        return on_centred(_warm_path(make))   # compare.py's warm-started path

    for name in ("skglm", "celer"):   # the same estimators' interface
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if l1_ratio == 1.0:
            out[name] = warm(lambda tol, m=module: m.Lasso(
                tol=tol, max_iter=1000, warm_start=True, fit_intercept=False))
        else:
            out[name] = warm(lambda tol, m=module: m.ElasticNet(
                l1_ratio=l1_ratio, tol=tol, max_iter=1000, warm_start=True,
                fit_intercept=False))
    return out


def single_solvers(prob, l1_ratio, n_threads):
    """name -> fit(X, y, alphas, tol) for a one-alpha grid."""
    from sklearn.linear_model import ElasticNet

    scale, unscale, centred = _prepared(prob)
    out = {k: v for k, v in path_solvers(prob, l1_ratio, n_threads).items()
           if k.startswith("fastpen") or k in ("skglm", "celer")}

    def sklearn_single(precompute):
        def fit(X, y, alphas, tol):
            Xs, sd = scale(X)
            Xc, yc = centred(Xs, y)
            est = ElasticNet(alpha=alphas[0], l1_ratio=l1_ratio, tol=tol, max_iter=MAX_ITER,
                             precompute=precompute, fit_intercept=False)
            est.fit(Xc, yc)
            return unscale(np.asarray(est.coef_, dtype=np.float64)[None, :], sd)
        return fit

    out["scikit-learn"] = sklearn_single(False)
    out["scikit-learn (Gram)"] = sklearn_single(True)
    return out


# ------------------------------------------------------------------ protocol


def worst_gap(prob, coefs, alphas, l1_ratio):
    X, coefs = prob.X, np.asarray(coefs, dtype=np.float64)
    if prob.standardize:       # fastpen's standardize is the plain problem on X / sd
        sd = column_sd(X, prob.fit_intercept)
        sd = np.where(sd > 0, sd, 1.0)
        X, coefs = X / sd, coefs * sd
    return max(relative_gap(X, prob.y, w, a, l1_ratio=l1_ratio,
                            fit_intercept=prob.fit_intercept)
               for w, a in zip(coefs, alphas))


def timed(fit, X, y, alphas, tol, budget):
    """(seconds, coefs), or (None, None) when the run passed ``budget`` seconds."""
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        start = time.perf_counter()
        coefs = fit(X, y, alphas, tol)
        return time.perf_counter() - start, coefs
    except _Timeout:
        return None, None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def time_at_target(fit, prob, alphas, l1_ratio, target, repeat, budget, ladder,
                   total_budget=np.inf, start_tol=None, log=None):
    """dict(sec, tol, rel, note): the median time of the first tol reaching the target.

    The ladder stops at a run longer than ``budget`` (abandoned) or once its runs
    have taken ``total_budget`` seconds together.  ``start_tol`` skips the steps
    above it (for a slow solver whose coarser steps an earlier run showed not to
    reach the target).
    """
    best, spent = np.inf, 0.0
    for tol in ladder:
        if start_tol is not None and tol > start_tol * (1 + 1e-9):
            continue
        if spent > total_budget:
            return dict(sec=None, tol=tol, rel=best,
                        note=f"ladder stopped after {spent:.0f} s, before tol {tol:g}")
        sec, coefs = timed(fit, prob.X, prob.y, alphas, tol, budget)
        if sec is None:
            if log:
                log(f"tol {tol:g}: abandoned after {budget:g} s")
            return dict(sec=None, tol=tol, rel=best, note=f"run at tol {tol:g} > {budget:g} s")
        spent += sec
        rel = worst_gap(prob, coefs, alphas, l1_ratio)
        best = min(best, rel)
        if log:
            log(f"tol {tol:g}: {fmt_time(sec)}, worst rel. gap {rel:.2e}")
        if rel <= target:
            times = [sec]
            for _ in range(repeat - 1):
                t, _ = timed(fit, prob.X, prob.y, alphas, tol, 4 * budget)
                times.append(np.inf if t is None else t)
            return dict(sec=float(np.median(times)), tol=tol, rel=rel, note="")
    return dict(sec=None, tol=None, rel=best, note="ladder exhausted")


def machine_rates():
    """One core's DGEMM GFLOP/s and streaming read GB/s (BLAS ddot), for the record."""
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        A = rng.standard_normal((1000, 1000))
        A @ A
        start = time.perf_counter()
        for _ in range(3):
            A @ A
        gflops = 3 * 2e9 / (time.perf_counter() - start) / 1e9
        v = rng.standard_normal(16_000_000)
        w = np.ones_like(v)
        v @ w
        times = []
        for _ in range(5):
            start = time.perf_counter()
            v @ w
            times.append(time.perf_counter() - start)
        gbs = 2 * v.nbytes / min(times) / 1e9
    return gflops, gbs


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt_time(sec):
    return f"{sec * 1e3:.1f} ms" if sec < 1 else f"{sec:.2f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", default=",".join(DEFAULT_DESIGNS),
                        help=f"comma-separated, from {','.join(DESIGNS)} (or 'all')")
    parser.add_argument("--modes", default="path,single", help="path, single or both")
    parser.add_argument("--solvers", default=None,
                        help="comma-separated subset (default: all but fastpen (X) and "
                             "fastpen (Gram))")
    parser.add_argument("--threads", default="1", choices=["1", "all"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--budget", type=float, default=30.0,
                        help="seconds after which one run is abandoned and the ladder stops")
    parser.add_argument("--solver-budget", type=float, default=120.0,
                        help="seconds of runs after which a solver's ladder stops")
    parser.add_argument("--start-tol", default="",
                        help="'solver=tol,...': start those solvers' ladders at tol")
    parser.add_argument("--l1-ratio", type=float, default=1.0)
    parser.add_argument("--ladder", default="fine", choices=["decades", "fine"],
                        help="1-2-5 steps from 1e-3 to 2e-14 (default: a peer missing the "
                             "target by 10%% at a decade is not made to over-solve 10x), or "
                             "decades 1e-3 ... 1e-12")
    args = parser.parse_args(argv)
    names = DESIGNS if args.designs == "all" else args.designs.split(",")
    ladder = TOL_LADDER if args.ladder == "decades" else FINE_LADDER
    n_threads = 1 if args.threads == "1" else -1
    blas_limit = 1 if args.threads == "1" else None
    wanted = args.solvers.split(",") if args.solvers else None
    start_tol = {k: float(v) for k, v in
                 (item.rsplit("=", 1) for item in args.start_tol.split(",") if item)}
    signal.signal(signal.SIGALRM, _on_alarm)
    warnings.simplefilter("ignore")        # ConvergenceWarnings: the gap is the judge

    gflops, gbs = machine_rates()
    print(f"{cpu_name()}, {os.cpu_count()} logical CPUs; one core: DGEMM {gflops:.1f} "
          f"GFLOP/s, ddot stream {gbs:.1f} GB/s")
    fastpen.show_config()
    print(f"threads: {args.threads}, target relative gap <= {args.target:g} at every alpha, "
          f"median of {args.repeat}, l1_ratio {args.l1_ratio:g}, tol ladder "
          f"{ladder[0]:g} .. {ladder[-1]:g}, budget {args.budget:g} s per run, "
          f"{args.solver_budget:g} s per ladder\n", flush=True)

    rows = []          # (mode, design, shape, solver, result)
    with threadpool_limits(limits=blas_limit):
        for name in names:
            prob = design(name)
            amax = alpha_max(prob.X, prob.y, args.l1_ratio, prob.fit_intercept,
                             prob.standardize)
            for mode in args.modes.split(","):
                if mode == "path":
                    alphas = np.geomspace(amax, amax * 1e-3, 100)
                    fits = path_solvers(prob, args.l1_ratio, n_threads)
                else:
                    alphas = np.array([amax * 1e-2])
                    fits = single_solvers(prob, args.l1_ratio, n_threads)
                keep = wanted or [k for k in fits if k not in ("fastpen (X)",
                                                                "fastpen (Gram)")]
                fits = {k: v for k, v in fits.items() if k in keep}
                for fit in fits.values():       # warm-up: numba compiles, caches fill
                    fit(prob.X, prob.y, alphas[len(alphas) // 2:][:1], 1e-2)
                for solver, fit in fits.items():
                    res = time_at_target(
                        fit, prob, alphas, args.l1_ratio, args.target, args.repeat,
                        args.budget, ladder, args.solver_budget, start_tol.get(solver),
                        log=lambda msg: print(f"    {name} {mode} {solver}: {msg}",
                                              flush=True))
                    rows.append((mode, name, prob.X.shape, solver, res))
                    shown = (f"{fmt_time(res['sec'])} (tol {res['tol']:g}, worst "
                             f"{res['rel']:.1e})" if res["sec"] is not None else
                             f"did not reach (best {res['rel']:.1e}; {res['note']})")
                    print(f"  {name} {mode} {solver}: {shown}", flush=True)

    print()
    for mode in args.modes.split(","):
        label = ("100-alpha path, alpha_max to 1e-3 alpha_max" if mode == "path"
                 else "single fit at alpha = 1e-2 alpha_max")
        print(f"### {label} (threads: {args.threads})\n")
        print("| design | n×p | solver | time at target | tol | worst rel. gap "
              "| time / fastpen's |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name in names:
            mine = [r for r in rows if r[0] == mode and r[1] == name]
            ref = next((r[4]["sec"] for r in mine if r[3] == "fastpen"), None)
            for _, _, shape, solver, res in mine:
                if res["sec"] is None:
                    cell = f"did not reach (best {res['rel']:.1e})"
                    print(f"| {name} | {shape[0]}×{shape[1]} | {solver} | {cell} | — | — "
                          f"| — |")
                    continue
                ratio = f"{res['sec'] / ref:.2f}" if ref else "—"
                print(f"| {name} | {shape[0]}×{shape[1]} | {solver} | {fmt_time(res['sec'])} "
                      f"| {res['tol']:g} | {res['rel']:.1e} | {ratio} |")
        print()

    # the targets: path >= 3x skglm's path, single >= 2x the fastest peer
    print("### Targets (issue 17): path >= 3x skglm's; single fit >= 2x the fastest peer\n")
    print("| design | mode | fastpen | reference | ratio | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in names:
        for mode in args.modes.split(","):
            mine = {r[3]: r[4] for r in rows if r[0] == mode and r[1] == name}
            fp = mine.get("fastpen")
            if mode == "path":
                peers = {k: v for k, v in mine.items() if k == "skglm"}
                need = 3.0
            else:
                peers = {k: v for k, v in mine.items() if not k.startswith("fastpen")}
                need = 2.0
            reached = {k: v["sec"] for k, v in peers.items() if v["sec"] is not None}
            fp_cell = fmt_time(fp["sec"]) if fp and fp["sec"] else "did not reach"
            if not reached:
                missed = ", ".join(f"{k} did not reach (best {v['rel']:.1e})"
                                   for k, v in peers.items()) or "no peer run"
                print(f"| {name} | {mode} | {fp_cell} | {missed} | — | ≥ {need:g}× |")
                continue
            peer = min(reached, key=reached.get)
            ratio = (f"{reached[peer] / fp['sec']:.2f}×" if fp and fp["sec"] else "—")
            ok = fp and fp["sec"] and reached[peer] / fp["sec"] >= need
            print(f"| {name} | {mode} | {fp_cell} | {peer} {fmt_time(reached[peer])} | "
                  f"{ratio} | ≥ {need:g}× {'✓' if ok else '✗'} |")


if __name__ == "__main__":
    main()
