"""Check what a release's files hold: ``python tools/check_dist.py DIST_DIR``.

- the sdist carries every Cython and C source the extensions are built from (the
  ``.pyx``, ``.pxd``, ``.pxi`` and ``.h`` files of ``fastpen/``), the tests, the
  licence, and no generated file (``.c``, ``.so``, ``.pyd``, ``.o``);
- each wheel carries one compiled module per extension of ``setup.py``, the
  ``.pxd`` files and headers that ``cimport fastpen._cd`` needs, the bundled data
  and the licence; a repaired Linux wheel (``manylinux``/``musllinux`` tag) also
  carries its OpenMP runtime in ``fastpen.libs/``.

Prints each file's size; exits 1 naming what is missing or extra.
"""
import glob
import os
import re
import sys
import tarfile
import zipfile

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSIONS = ("_cd", "_batch", "_newton", "_openmp", "_sparse")
GENERATED = re.compile(r"\.(c|cpp|so|pyd|o|dylib)$")


def source_files():
    """fastpen/*.pyx, *.pxd, *.pxi, *.h of the checkout (relative paths)."""
    names = []
    for pattern in ("*.pyx", "*.pxd", "*.pxi", "*.h"):
        names += glob.glob(os.path.join(PROJECT, "fastpen", pattern))
    return sorted(os.path.relpath(n, PROJECT).replace(os.sep, "/") for n in names)


def check_sdist(path):
    with tarfile.open(path) as tar:
        members = [m.name.split("/", 1)[1] for m in tar.getmembers()
                   if m.isfile() and "/" in m.name]
    problems = [f"generated file in the sdist: {m}" for m in members if GENERATED.search(m)]
    needed = source_files() + ["LICENSE", "README.md", "setup.py", "pyproject.toml",
                               "tests/conftest.py", "tools/test_installed.py"]
    problems += [f"missing from the sdist: {n}" for n in needed if n not in members]
    return problems


def check_wheel(path):
    with zipfile.ZipFile(path) as whl:
        members = whl.namelist()
    problems = []
    for name in EXTENSIONS:
        if not any(re.fullmatch(rf"fastpen/{name}\..*(so|pyd)", m) for m in members):
            problems.append(f"no compiled fastpen.{name} in the wheel")
    needed = [n for n in source_files() if n.endswith((".pxd", ".h"))]
    needed += ["fastpen/datasets/data/diabetes.csv.gz", "fastpen/datasets/data/penguins.csv"]
    problems += [f"missing from the wheel: {n}" for n in needed if n not in members]
    if not any(m.endswith("/licenses/LICENSE") for m in members):
        problems.append("no LICENSE in the wheel's metadata")
    problems += [f"generated C in the wheel: {m}" for m in members if m.endswith((".c", ".o"))]
    if re.search(r"-(manylinux|musllinux)_", os.path.basename(path)):
        runtimes = [m for m in members if re.fullmatch(r"fastpen\.libs/lib(g?omp)[^/]*", m)]
        if not runtimes:
            problems.append("a repaired Linux wheel without its OpenMP runtime in fastpen.libs/")
    return problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not os.path.isdir(argv[0]):
        print("usage: python tools/check_dist.py DIST_DIR", file=sys.stderr)
        return 2
    files = sorted(glob.glob(os.path.join(argv[0], "**", "fastpen-*"), recursive=True))
    sdists = [f for f in files if f.endswith(".tar.gz")]
    wheels = [f for f in files if f.endswith(".whl")]
    problems = [] if sdists else [f"no sdist in {argv[0]}"]
    problems += [] if wheels else [f"no wheel in {argv[0]}"]
    for path in sdists + wheels:
        print(f"{os.path.getsize(path) / 1e6:7.2f} MB  {path}")
        found = check_sdist(path) if path.endswith(".tar.gz") else check_wheel(path)
        problems += [f"{os.path.basename(path)}: {p}" for p in found]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
