"""Time against precision for fastpen and its peers: the stored results of the docs.

For each problem below, every solver is run over a ladder of its *own* ``tol``
(the decades of ladder.TOL_LADDER, 1e-3 ... 1e-15), and each run records its wall
time and the worst relative duality gap over the run's alphas, scored by the one
independent float64 scorer of the benchmarks (benchmarks/gap.py for the squared
loss, benchmarks/logistic_gap.py for the logistic loss; ../shared/BENCHMARKING.md).
Plotting gap against time shows what each solver's ``tol`` buys, which a single
"time at 1e-6" row hides: where a curve crosses the 1e-6 line, whether it gets
there at all, and how much an extra digit costs.

Problems (seeded; the solvers and scorers are compare.py's and compare_logistic.py's):
  lasso-path    compare.py's leukemia-shaped dense 72x7129 (AR(1) rho = 0.9), 100-alpha
                lasso path from alpha_max to 1e-2 alpha_max, with intercept
  sparse-single compare.py's sparse 20000x100000 (CSC, 743k nonzeros), one lasso fit
                at alpha_max/20, with intercept
  logistic-path compare_logistic.py's breast cancer (standardised, degree-2 features,
                569x495), 100-alpha L1 logistic path to 1e-2 alpha_max, no intercept
                (so the duality gap applies)

Timing: single-threaded on both sides (OMP_NUM_THREADS=1, BLAS at one thread through
threadpoolctl, fastpen n_threads=1); every solver warmed up first (numba compiles
skglm); a run under 0.1 s is repeated 7 times, under 1 s 3 times, and the median
kept.  A solver's ladder stops once its gap is below 1e-13 (rounding level), at a
run stopped after --run-budget seconds, or after --solver-budget seconds in all.

    PYTHONPATH=/tmp/glmnet_site python benchmarks/precision_curves.py
    python benchmarks/precision_curves.py --problems lasso-path --out /tmp/curves.json

Writes docs/_data/precision_curves.json (read by docs/user_guide/performance.rst).
"""
import os
import sys

os.environ["OMP_NUM_THREADS"] = "1"  # before NumPy loads its BLAS, before OpenMP starts

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from importlib import metadata  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import compare_logistic  # noqa: E402
from ladder import TOL_LADDER  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, os.pardir, "docs", "_data", "precision_curves.json")
LADDER = [t for t in TOL_LADDER if abs(np.log10(t) - round(np.log10(t))) < 1e-9]
FLOOR = 1e-13          # a gap below this is rounding: tighter tols only add time
PROBLEMS = ("lasso-path", "sparse-single", "logistic-path")
PACKAGES = ("fastpen", "numpy", "scipy", "scikit-learn", "celer", "skglm", "python-glmnet",
            "numba", "threadpoolctl")


def _squared(name, mode):
    X, y, eps = compare.make_problem(name)
    alphas = compare.mode_alphas(mode, compare.lasso_alpha_max(X, y), eps)
    fits = compare.solvers(1, dense=not hasattr(X, "tocsc"))
    fits = {k: v for k, v in fits.items() if "(Gram)" not in k}
    return X, y, alphas, fits, compare.worst_gap


def _logistic(name):
    design, y, eps = compare_logistic.make_problem(name)
    alphas = compare_logistic.path_alphas(
        "path", compare_logistic.logistic_alpha_max(design.cols, y, False), eps)
    return design, y, alphas, compare_logistic.solvers(False, 1, BUDGET), \
        compare_logistic.gap_score


BUDGET = 10.0  # set from --run-budget; compare_logistic's warm paths stop after it

SETUPS = {
    "lasso-path": dict(
        title="Lasso path, dense 72×7129 (100 alphas)",
        description="compare.py's leukemia-shaped problem: make_correlated_regression(72, "
                    "7129, rho=0.9, n_nonzero=10, snr=3), float64; 100 alphas from alpha_max "
                    "to 1e-2 alpha_max, intercept fitted; score: worst relative duality gap "
                    "over the 100 alphas (benchmarks/gap.py)",
        make=lambda: _squared("leukemia", "path")),
    "sparse-single": dict(
        title="Lasso, sparse 20000×100000 (one fit)",
        description="compare.py's sparse problem: make_sparse_regression(20000, 100000, "
                    "nnz_per_row=60), CSC; one fit at alpha_max/20, intercept fitted; score: "
                    "relative duality gap (benchmarks/gap.py)",
        make=lambda: _squared("sparse", "single")),
    "logistic-path": dict(
        title="L1 logistic path, breast cancer 569×495 (100 alphas)",
        description="compare_logistic.py's breast-cancer problem: scikit-learn's bundled "
                    "data, standardised, degree-2 PolynomialFeatures; 100 alphas from "
                    "alpha_max to 1e-2 alpha_max, no intercept; score: worst relative "
                    "duality gap over the 100 alphas (benchmarks/logistic_gap.py)",
        make=lambda: _logistic("breast-cancer")),
}


class _RunTooLong(Exception):
    pass


def _raise_too_long(signum, frame):
    raise _RunTooLong


def _timed(fit, X, y, alphas, tol, limit):
    """(answer, seconds); raises _RunTooLong once a run passes ``limit`` seconds (the
    alarm interrupts the peers' Python loops over alphas; a single compiled call is
    interrupted when it returns)."""
    previous = signal.signal(signal.SIGALRM, _raise_too_long)
    # re-armed every second: an alarm raised inside a callback whose exceptions are
    # ignored (numba's type-cache finalisers) would otherwise be lost
    signal.setitimer(signal.ITIMER_REAL, limit, 1.0)
    try:
        start = time.perf_counter()
        answer = fit(X, y, alphas, tol)
        return answer, time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def curve(fit, X, y, alphas, score, run_budget, solver_budget):
    """Runs of one solver down the ladder: list of dicts, and why the ladder stopped."""
    runs, spent = [], 0.0
    for tol in LADDER:
        try:
            answer, first = _timed(fit, X, y, alphas, tol, run_budget)
            rel = float(score(X, y, answer, alphas))
            times = [first]
            repeats = 7 if first < 0.1 else 3 if first < 1.0 else 1
            for _ in range(repeats - 1):
                times.append(_timed(fit, X, y, alphas, tol, run_budget)[1])
        except _RunTooLong:
            runs.append({"tol": tol, "seconds": None, "times": [],
                         "worst_rel_gap": None})
            print(f"    tol {tol:.0e}: stopped after {run_budget:g} s", flush=True)
            return runs, f"the run at tol {tol:g} was stopped after {run_budget:g} s"
        spent += sum(times)
        runs.append({"tol": tol, "seconds": float(np.median(times)),
                     "times": [round(t, 6) for t in times],
                     "worst_rel_gap": rel if np.isfinite(rel) else None})
        print(f"    tol {tol:.0e}: {np.median(times) * 1e3:9.1f} ms  gap {rel:.2e}", flush=True)
        if not np.isfinite(rel):
            return runs, (f"the run at tol {tol:g} did not finish the path within the "
                          f"{run_budget:g} s budget")
        if rel <= FLOOR:
            return runs, f"gap below {FLOOR:g} (rounding level)"
        if spent > solver_budget:
            return runs, f"{solver_budget:g} s spent on this solver"
    return runs, "end of the ladder"


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((ln for ln in fh if ln.startswith("flags")), "")
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            mem = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu_model": cpu, "logical_cpus": os.cpu_count(),
            "avx512f": " avx512f" in flags, "memory_gib": mem,
            "platform": platform.platform(), "python": platform.python_version(),
            "blas": [{k: d.get(k) for k in ("internal_api", "version", "num_threads")}
                     for d in threadpool_info() if d.get("user_api") == "blas"]}


def fastpen_source():
    """Where the fastpen that ran comes from: its directory and that tree's git commit."""
    import subprocess

    import fastpen

    where = os.path.dirname(os.path.abspath(fastpen.__file__))
    try:
        commit = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"path": where, "git_commit": commit}


def versions():
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def main(argv=None):
    global BUDGET
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--solvers", default=None, help="comma-separated subset")
    parser.add_argument("--run-budget", type=float, default=10.0,
                        help="stop a run (and its solver's ladder) after this many seconds")
    parser.add_argument("--solver-budget", type=float, default=40.0,
                        help="stop a solver's ladder after this many seconds in all")
    parser.add_argument("--note", default="timings taken on a loaded, shared 2-vCPU "
                        "machine (other agents' jobs ran beside them): read ratios and "
                        "shapes, not absolute times")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--update", action="store_true",
                        help="replace only the problems and solvers run in an existing --out "
                             "file, appending this command to its list")
    args = parser.parse_args(argv)
    BUDGET = args.run_budget

    result = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "PYTHONPATH=/tmp/glmnet_site python benchmarks/precision_curves.py"
                   + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:])),
        "note": args.note,
        "machine": machine_info(),
        "load_average_start": list(os.getloadavg()),
        "versions": versions(),
        "fastpen_source": fastpen_source(),
        "protocol": {
            "threads": "1 on both sides (OMP_NUM_THREADS=1, BLAS at 1 thread, n_threads=1)",
            "ladder": LADDER,
            "repeats": "median of 7 runs if the first took < 0.1 s, of 3 if < 1 s, else 1",
            "target": 1e-6,
            "stop": f"gap <= {FLOOR:g}, a run stopped at {args.run_budget:g} s, or "
                    f"{args.solver_budget:g} s on one solver",
        },
        "problems": {},
    }
    print(json.dumps({k: result[k] for k in ("machine", "versions")}, indent=1))
    t_start = time.perf_counter()
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")        # ConvergenceWarning at loose tols et al.
        for key in args.problems.split(","):
            setup = SETUPS[key]
            X, y, alphas, fits, score = setup["make"]()
            if args.solvers:
                fits = {k: v for k, v in fits.items() if k in args.solvers.split(",")}
            shape = list(getattr(X, "shape"))
            print(f"\n{key}: {setup['title']}", flush=True)
            for name, fit in fits.items():     # warm-up: numba compiles, caches fill
                # skglm compiles more on a whole path than on one alpha
                fit(X, y, alphas if name == "skglm" else alphas[:1], 1e-2)
            solvers_out = {}
            for name, fit in fits.items():
                print(f"  {name}", flush=True)
                runs, stopped = curve(fit, X, y, alphas, score, args.run_budget,
                                      args.solver_budget)
                met = [r for r in runs if r["worst_rel_gap"] is not None
                       and r["worst_rel_gap"] <= 1e-6]
                solvers_out[name] = {"runs": runs, "stopped": stopped,
                                     "first_at_target": met[0] if met else None}
            result["problems"][key] = {"title": setup["title"],
                                       "description": setup["description"],
                                       "shape": shape, "n_alphas": int(len(alphas)),
                                       "solvers": solvers_out}
    result["load_average_end"] = list(os.getloadavg())
    result["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    wall = result["wall_seconds"]
    if args.update and os.path.exists(args.out):
        with open(args.out) as fh:
            old = json.load(fh)
        for key, problem in result["problems"].items():
            if key in old["problems"]:
                old["problems"][key]["solvers"].update(problem["solvers"])
            else:
                old["problems"][key] = problem
        old.setdefault("updates", []).append(
            {k: result[k] for k in ("generated", "command", "load_average_start",
                                    "load_average_end", "wall_seconds", "versions")}
            | {"replaced": {k: list(v["solvers"]) for k, v in result["problems"].items()}})
        result = old
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
        fh.write("\n")
    print(f"\nwrote {args.out} (this run: {wall} s)")


if __name__ == "__main__":
    main()
