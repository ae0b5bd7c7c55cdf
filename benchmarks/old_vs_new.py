"""fastpen from two source trees side by side, row by row of compare.py (issue 19).

Each tree runs in its own worker process (``PYTHONPATH=TREE``, so it imports that tree's
built fastpen); both workers import this directory's compare.py for the problems, the
solver wrappers (``fastpen`` and, on dense data, ``fastpen (Gram)``) and the tol ladder,
and gap.py for the duality gap, so the two trees see the same code around them and
the same seeded data (checked by a digest of X and y).  For every row:

1. each tree's tol is found by compare.py's ladder (the first tol whose answer has
   relative gap <= ``--target`` at every alpha): equal precision, as in
   ../shared/BENCHMARKING.md, not equal tol;
2. each tree fits once at its tol, untimed (warm-up), and its answer's gap is
   checked against the target;
3. the two trees then fit ``--repeat`` times each, alternating, the order swapped
   every round (old, new, new, old, ...) so that a drift of the machine falls on both.
   Only one worker runs at a time; the other waits on its pipe.

The table gives the medians, their ratio new/old, the ratio of the minima, and the
min-max spread of each tree; the exit status is 1 when a row's ratio (of the medians, or
of the minima with ``--gate min``) exceeds ``--max-ratio``, or the new tree misses the
target.  On a shared machine the minimum is the steadier figure: other work only ever
adds time to a run.  ``--threads 1`` (the default) sets ``OMP_NUM_THREADS=1`` in the workers and
holds BLAS at one thread, as compare.py does; ``--threads all`` leaves both free.

    python benchmarks/old_vs_new.py --old /work/wt-base --new /work/main
    python benchmarks/old_vs_new.py --old /work/wt-base --new /work/main --threads all
    python benchmarks/old_vs_new.py --old A --new B --problems dense-tall --modes single \\
        --single-ratio 100 --repeat 9
    python benchmarks/old_vs_new.py --old A --new A        # the noise floor: a tree against itself
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- worker (one tree)

def _digest(X, y):
    """A hash of the problem's data, to check that both trees fit the same numbers."""
    import hashlib

    import numpy as np

    h = hashlib.blake2b(digest_size=12)
    parts = (X.data, X.indices, X.indptr) if hasattr(X, "tocsc") else (X,)
    for array in (*parts, y):
        array = np.asarray(array)
        # a Fortran-ordered array's transpose is C-contiguous: hashed without a copy
        h.update(np.ascontiguousarray(array.T if array.flags.f_contiguous else array))
        h.update(repr((array.shape, array.dtype.str)).encode())
    return h.hexdigest()


def worker(args):
    """Serve one tree: generate the problem, then answer JSON requests from stdin."""
    reply_stream, sys.stdout = sys.stdout, sys.stderr  # stray prints must not break the pipe

    def reply(**fields):
        reply_stream.write(json.dumps(fields) + "\n")
        reply_stream.flush()

    try:
        import compare  # imports fastpen
    except ImportError as error:
        return reply(error=f"cannot import fastpen ({error}); is the tree built in place "
                           f"(setup.py build_ext --inplace)?")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1 if args.threads == "1" else None):
        try:
            X, y, eps = compare.make_problem(args.problem)
        except ValueError as error:
            return reply(error=f"--problems: {error}")
        alpha_max = compare.lasso_alpha_max(X, y)
        fits = {name: fit for name, fit in
                compare.solvers(1 if args.threads == "1" else -1, not hasattr(X, "tocsc")).items()
                if name.startswith("fastpen")}
        reply(fastpen=compare.fastpen.__file__, digest=_digest(X, y), shape=list(X.shape),
              solvers=list(fits))
        for line in sys.stdin:
            request = json.loads(line)
            fit = fits[request["solver"]]
            alphas = compare.mode_alphas(request["mode"], alpha_max, eps, args.single_ratio)
            if request["cmd"] == "ladder":
                fit(X, y, alphas[:1], 1e-2)  # warm-up, as compare.py
                _, tol, rel = compare.time_at_target(fit, X, y, alphas, request["target"], 1,
                                                     request["budget"])
                reply(tol=tol, rel=rel)
            else:  # "fit": one timed fit at a given tol, scored on request
                start = time.perf_counter()
                coefs = fit(X, y, alphas, request["tol"])
                seconds = time.perf_counter() - start
                rel = compare.worst_gap(X, y, coefs, alphas) if request["score"] else None
                reply(seconds=seconds, rel=rel)


# ---------------------------------------------------------------- parent (the comparison)

class Worker:
    """A worker process for one tree and one problem; ``ask`` sends a request, waits."""

    def __init__(self, tree, args):
        env = dict(os.environ, PYTHONPATH=tree)
        if args.threads == "1":
            env["OMP_NUM_THREADS"] = "1"  # before the worker's NumPy and OpenMP start
        command = [sys.executable, os.path.abspath(__file__), "--worker",
                   "--problem", args.problem, "--threads", args.threads,
                   "--single-ratio", str(args.single_ratio)]
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.hello = self._read()
        if "error" in self.hello:
            self.close()
            raise SystemExit(f"{tree}: {self.hello['error']}")
        if not self.hello["fastpen"].startswith(os.path.abspath(tree) + os.sep):
            raise SystemExit(f"{tree}: the worker imported {self.hello['fastpen']}; is the "
                             f"tree built in place (setup.py build_ext --inplace)?")

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"worker exited with status {self.process.wait()}")
        return json.loads(line)

    def ask(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def _describe(tree):
    """'path @ commit' (with '+changes' when the work tree differs from the commit)."""
    def git(*argv):
        return subprocess.run(["git", "-C", tree, *argv], capture_output=True,
                              text=True).stdout.strip()
    dirty = "+changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    return f"{tree} @ {git('rev-parse', '--short', 'HEAD') or '?'}{dirty}"


def compare_row(old, new, solver, mode, args):
    """Time one row on both trees; a dict of the figures, or of why there are none.

    Each tree runs at its own tol, the first of compare.py's ladder whose answer meets
    the target (BENCHMARKING.md's protocol: equal precision, not equal tol -- a tree
    that stops closer to its tol would otherwise be charged for the other's overshoot).
    """
    import numpy as np

    tols = {}
    for w, name in ((old, "old"), (new, "new")):
        ladder = w.ask(cmd="ladder", solver=solver, mode=mode, target=args.target,
                       budget=args.budget)
        if ladder["tol"] is None:
            return {"note": f"{name} tree did not reach the target (best {ladder['rel']:.1e})"}
        tols[w] = ladder["tol"]
    rel = {w: w.ask(cmd="fit", solver=solver, mode=mode, tol=tols[w], score=True)["rel"]
           for w in (old, new)}  # warm-up, scored
    times = {old: [], new: []}
    for round_index in range(args.repeat):
        for w in ((old, new) if round_index % 2 == 0 else (new, old)):
            times[w].append(w.ask(cmd="fit", solver=solver, mode=mode, tol=tols[w],
                                  score=False)["seconds"])
    median = {w: float(np.median(t)) for w, t in times.items()}
    return {"tol": (tols[old], tols[new]), "old": median[old], "new": median[new],
            "ratio": median[new] / median[old], "min_ratio": min(times[new]) / min(times[old]),
            "old_reached": rel[old] <= args.target, "new_reached": rel[new] <= args.target,
            "old_spread": (min(times[old]), max(times[old])),
            "new_spread": (min(times[new]), max(times[new]))}


def format_row(name, row):
    """One line of the table (times in ms)."""
    if "note" in row:
        return f"{name:<44} {row['note']}"
    both = row["old_reached"] and row["new_reached"]
    met = "both" if both else ("NEW MISS" if row["old_reached"] else "old miss")
    spread = ["{:.1f}-{:.1f}".format(*(1e3 * t for t in row[k]))
              for k in ("old_spread", "new_spread")]
    tols = "{:.0e}/{:.0e}".format(*row["tol"])
    return (f"{name:<44} {tols:>13} {1e3 * row['old']:9.1f} {1e3 * row['new']:9.1f} "
            f"{row['ratio']:7.3f} {row['min_ratio']:7.3f}  {met:<8} "
            f"{spread[0]:>17} {spread[1]:>17}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="source tree of the reference, built in place")
    parser.add_argument("--new", help="source tree under test, built in place")
    parser.add_argument("--threads", default="1", choices=["1", "all"])
    parser.add_argument("--problems", default="dense-wide,leukemia,dense-tall,sparse",
                        help="comma-separated, from compare.py's problems")
    parser.add_argument("--modes", default="single,path", help="single, path or single,path")
    parser.add_argument("--single-ratio", type=float, default=20.0,
                        help="the single fit is at alpha_max / SINGLE_RATIO")
    parser.add_argument("--repeat", type=int, default=5, help="timed fits per tree and row")
    parser.add_argument("--target", type=float, default=1e-6, help="relative duality gap")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds after which a tree's tol ladder stops")
    parser.add_argument("--max-ratio", type=float, default=1.05,
                        help="a row fails when its new/old ratio exceeds this")
    parser.add_argument("--gate", default="median", choices=["median", "min"],
                        help="the ratio compared with --max-ratio: of the medians or minima")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--problem", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if not (args.old and args.new):
        parser.error("--old and --new are required")
    for flag, tree in (("--old", args.old), ("--new", args.new)):
        if not os.path.isfile(os.path.join(tree, "fastpen", "__init__.py")):
            parser.error(f"{flag}: {tree} is not a fastpen source tree")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for mode in args.modes.split(","):
        if mode not in ("single", "path"):
            parser.error(f"--modes: unknown mode {mode!r}; choose single or path")

    print(f"old: {_describe(args.old)}\nnew: {_describe(args.new)}")
    print(f"threads: {args.threads}; target relative gap <= {args.target:g} at every alpha; "
          f"{args.repeat} fits per tree, alternating; fail when the {args.gate} ratio > "
          f"{args.max_ratio:g}; "
          f"load average {os.getloadavg()[0]:.2f}\n")
    header = (f"{'row':<44} {'tol old/new':>13} {'old med':>9} {'new med':>9} {'new/old':>7} "
              f"{'of min':>7}  {'target':<8} {'old min-max ms':>17} {'new min-max ms':>17}")
    print(header + "\n" + "-" * len(header), flush=True)
    failed = []
    for problem in args.problems.split(","):
        args.problem = problem
        old, new = Worker(args.old, args), Worker(args.new, args)
        try:
            if old.hello["digest"] != new.hello["digest"]:
                raise SystemExit(f"{problem}: the two trees generate different data")
            for mode in args.modes.split(","):
                label = f"single a_max/{args.single_ratio:g}" if mode == "single" else "path"
                for solver in old.hello["solvers"]:
                    name = f"{problem} {label} {solver}"
                    if solver not in new.hello["solvers"]:
                        print(f"{name:<44} (not in the new tree)")
                        continue
                    row = compare_row(old, new, solver, mode, args)
                    print(format_row(name, row), flush=True)
                    gated = row.get("ratio" if args.gate == "median" else "min_ratio", 0.0)
                    if gated > args.max_ratio or not row.get("new_reached", True):
                        failed.append(name)
        finally:
            old.close()
            new.close()
    print(f"\nload average {os.getloadavg()[0]:.2f}; "
          + (f"FAILED ({len(failed)}): {', '.join(failed)}" if failed else
             f"every row within {args.max_ratio:g} and at the target"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
