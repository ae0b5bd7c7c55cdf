"""Run the test suite against the *installed* fastpen (a wheel), not the source tree.

Usage::

    python tools/test_installed.py            # the quick subset (about a minute)
    python tools/test_installed.py --full     # every test file
    python tools/test_installed.py -- -x -k logistic    # extra pytest arguments
    python tools/test_installed.py --check-openmp-runtime     # a repaired wheel

The tests are copied into a temporary folder and run from there, with no
``PYTHONPATH``: the child processes that many tests start put the tests' parent
folder first on their path, which in a checkout would be the source tree (and its
in-place build, if any).  Before pytest starts, this script checks that
``import fastpen`` resolves to a ``site-packages`` folder outside the checkout and
prints where, with ``fastpen.show_config()`` (the OpenMP runtime it loaded).
The wheel's CI (``cibuildwheel``'s test command) and ``.ci/run`` both call it.
"""
import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)

# Quick subset: the kernels, the path and batch drivers, both datafits, the
# estimators, threads and OpenMP runtimes, the Cython-level API built against the
# installed .pxd files, the command line and bundled data, import weight.
QUICK = [
    "test_import.py", "test_kernels.py", "test_path.py", "test_batch.py",
    "test_threads.py", "test_openmp_runtimes.py", "test_capi.py", "test_simd.py",
    "test_estimators.py", "test_logistic_path.py", "test_cli.py", "test_model_file.py",
    "test_sparse_products.py",
]

LOCATE = """
import os, sys, sysconfig
import fastpen
where = os.path.realpath(os.path.dirname(fastpen.__file__))
project = os.path.realpath(sys.argv[1])
site = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")}
print(f"fastpen {fastpen.__version__} imported from {where}")
if where.startswith(project + os.sep):
    sys.exit(f"fastpen was imported from the source tree ({where}), not an installed wheel")
if os.path.dirname(where) not in site:
    sys.exit(f"fastpen is not in this interpreter's site-packages {sorted(site)}")
fastpen.show_config()
if sys.argv[2] == "check-runtime":
    # The runtime a repaired wheel's kernels must call: the copy auditwheel (Linux) or
    # delvewheel (Windows) put in fastpen.libs/; on macOS scikit-learn's libomp, which
    # the wheel links to instead of carrying a second copy (docs/wheels.md).
    from fastpen._openmp import openmp_library
    runtime = openmp_library()
    if runtime is None:
        sys.exit("fastpen's kernels call no OpenMP runtime")
    runtime = os.path.realpath(runtime)
    folder, name = os.path.split(runtime)
    if sys.platform == "darwin":
        expected = [os.path.join(s, "sklearn", ".dylibs") for s in site]
        prefixes = ("libomp",)
    else:
        expected = [os.path.join(s, "fastpen.libs") for s in site]
        prefixes = ("libgomp", "vcomp140")
    if folder not in expected or not name.lower().startswith(prefixes):
        sys.exit(f"fastpen's kernels call the OpenMP runtime {runtime}, "
                 f"not a {'/'.join(prefixes)} in {' or '.join(expected)}")
    print(f"OpenMP runtime as the wheel arranges it: {runtime}")
"""


def clean_env():
    """This environment without PYTHONPATH (which could put a checkout first)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="run every test file")
    parser.add_argument("--check-openmp-runtime", action="store_true",
                        help="fail unless fastpen's kernels call the OpenMP runtime a "
                             "repaired wheel arranges (fastpen.libs/; scikit-learn's on macOS)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)

    env = clean_env()
    with tempfile.TemporaryDirectory(prefix="fastpen-installed-") as tmp:
        runtime = "check-runtime" if args.check_openmp_runtime else "any"
        located = subprocess.run([sys.executable, "-c", LOCATE, PROJECT, runtime],
                                 cwd=tmp, env=env)
        if located.returncode != 0:
            return located.returncode
        tests = os.path.join(tmp, "tests")
        shutil.copytree(os.path.join(PROJECT, "tests"), tests,
                        ignore=shutil.ignore_patterns("__pycache__"))
        # the documented command-line examples are a test (tests/test_cli_options.py)
        page = os.path.join("docs", "user_guide", "cli.rst")
        os.makedirs(os.path.dirname(os.path.join(tmp, page)))
        shutil.copy(os.path.join(PROJECT, page), os.path.join(tmp, page))
        files = ["tests"] if args.full else [os.path.join("tests", f) for f in QUICK]
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                   "--import-mode=importlib", "--rootdir", tmp, "-q", *files,
                   *args.pytest_args]
        print(" ".join(command), flush=True)
        return subprocess.run(command, cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
