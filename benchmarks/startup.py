"""Start-up time: what ``import fastpen`` and the ``fastpen`` command cost before any work.

Each row is the wall time of a fresh Python process (median, min and max of
``--repeat`` runs), so it includes the interpreter's own start.  ``import numpy``
is the floor that the command stands on (it imports NumPy); the column "beyond
numpy" subtracts its median.  Then the heavy modules that ``import fastpen`` and
``import fastpen.cli`` leave loaded, and for ``import fastpen`` and ``import
fastpen._cd`` (the kernels, which a fit loads) the ``-X importtime`` entries with
the largest cumulative time, leaving out what the bare interpreter imports.

    python benchmarks/startup.py [--repeat 9] [--top 12]

The fastpen that is measured is the one the child processes import: run the
script from the checkout to measure (its directory comes first on ``sys.path``
of ``python -c``), or set ``PYTHONPATH``.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

# (label, arguments after the interpreter)
COMMANDS = [
    ("python -c 'import numpy'", ["-c", "import numpy"]),
    ("python -c 'import fastpen'", ["-c", "import fastpen"]),
    ("python -c 'import numpy, fastpen'", ["-c", "import numpy, fastpen"]),
    ("python -c 'import fastpen.cli'", ["-c", "import fastpen.cli"]),
    ("python -c 'import fastpen._cd' (kernels)", ["-c", "import fastpen._cd"]),
    ("python -c 'lasso_path(bundled data)'",
     ["-c", "import fastpen; from fastpen.datasets import load_diabetes; "
            "X, y, _ = load_diabetes(); fastpen.lasso_path(X, y)"]),
    ("python -m fastpen --help", ["-m", "fastpen", "--help"]),
    ("python -m fastpen fit (bundled data)", ["-m", "fastpen", "fit"]),
]

HEAVY = ("scipy", "sklearn", "threadpoolctl", "matplotlib", "pandas", "numpy.__config__",
         "fastpen._cd", "fastpen._batch", "fastpen._openmp")


def wall_times(python, args, repeat):
    """Wall-clock seconds of ``repeat`` fresh runs of ``python *args`` (output
    discarded), or the last line of its error output if it fails.

    One run first that is not counted, so that every counted run finds the
    files in the page cache."""
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        done = subprocess.run([python, *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
            return lines[-1]
        if i:
            times.append(elapsed)
    return times


def import_times(python, code):
    """``-X importtime`` of ``python -c code``: a list of (self_us, cumulative_us, name)."""
    done = subprocess.run([python, "-X", "importtime", "-c", code],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:"):].split("|")
        rows.append((int(own), int(cumulative), name.strip()))
    return rows


def loaded_after_import(python, module):
    """Which of HEAVY ``import module`` leaves in ``sys.modules``, and the file of fastpen."""
    code = (f"import sys, {module}, fastpen; "
            f"print(fastpen.__file__); "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    where, loaded = (out.stdout.splitlines() + ["", ""])[:2]
    return where, loaded.split()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="fresh processes per row")
    parser.add_argument("--top", type=int, default=12, help="-X importtime rows to show")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    where, _ = loaded_after_import(args.python, "fastpen")
    print(f"fastpen imported from {where}")
    print(f"python {args.python}, {len(os.sched_getaffinity(0))} usable cores, "
          f"{args.repeat} runs per row\n")

    print(f"{'command':<44} {'median':>8} {'min':>8} {'max':>8} {'beyond numpy':>13}")
    numpy_median = None
    for label, command in COMMANDS:
        times = wall_times(args.python, command, args.repeat)
        if isinstance(times, str):
            print(f"{label:<44} failed: {times}")
            continue
        median = statistics.median(times)
        beyond = ("" if numpy_median is None
                  else f"{(median - numpy_median) * 1e3:+10.0f} ms")
        numpy_median = median if numpy_median is None else numpy_median
        print(f"{label:<44} {median * 1e3:6.0f} ms {min(times) * 1e3:5.0f} ms "
              f"{max(times) * 1e3:5.0f} ms {beyond:>13}")

    for module in ("fastpen", "fastpen.cli"):
        _, loaded = loaded_after_import(args.python, module)
        print(f"\nafter 'import {module}', loaded: "
              f"{', '.join(loaded) or 'none of ' + ', '.join(HEAVY)}")
    print("(numpy.__config__ is loaded by 'import numpy' itself, first thing)")

    interpreter = {name for _, _, name in import_times(args.python, "pass")}
    for module in ("fastpen", "fastpen._cd"):
        rows = [r for r in import_times(args.python, f"import {module}")
                if r[2] not in interpreter]
        print(f"\n-X importtime of 'import {module}', top {args.top} by cumulative time "
              "(beyond the interpreter's own imports)")
        print(f"{'cumulative':>12} {'self':>9}  module")
        for own, cumulative, name in sorted(rows, key=lambda r: r[1], reverse=True)[:args.top]:
            print(f"{cumulative / 1e3:9.1f} ms {own / 1e3:6.1f} ms  {name}")


if __name__ == "__main__":
    main()
