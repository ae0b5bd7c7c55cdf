"""Check what a release's files hold: ``python tools/check_dist.py PATH...``.

Each PATH is an sdist, a wheel, or a folder of them (searched recursively).

- the sdist carries every Cython and C source the extensions are built from (the
  ``.pyx``, ``.pxd``, ``.pxi`` and ``.h`` files of ``fastpen/``), the tests, the
  licence, and no generated file (``.c``, ``.so``, ``.pyd``, ``.o``);
- each wheel carries one compiled module per extension of ``setup.py``, the
  ``.pxd`` files and headers that ``cimport fastpen._cd`` needs, the bundled data
  and the licence, and its ELF extensions no debug information; a repaired Linux or
  Windows wheel also carries the OpenMP runtime its extensions link, where the repair
  tool puts it (a wheel that lacks it imports on the build machine, where the runtime
  is installed, and fails on a user's); a macOS wheel must carry none (it loads
  scikit-learn's libomp: two copies of libomp abort a process):

    manylinux/musllinux  auditwheel  fastpen.libs/libgomp-<hash>.so.1.0.0
    win                  delvewheel  fastpen.libs/vcomp140-<hash>.dll
    macosx               delocate --exclude libomp: no libomp in the wheel

A wheel tagged ``linux_*`` is an unrepaired one (no runtime inside, not for upload).
Prints each file's size and each wheel's native files; exits 1 naming what is
missing or extra.
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
NATIVE = re.compile(r"\.(so(\.\d+)*|dylib|dll|pyd)$", re.I)
# (platform tag in the wheel's name, where its repair tool puts the OpenMP runtime)
RUNTIMES = [
    (re.compile(r"-(many|musl)linux_"), re.compile(r"fastpen\.libs/libgomp[-.][^/]*\.so(\.\d+)*")),
    (re.compile(r"-win_"), re.compile(r"fastpen\.libs/vcomp140(-[0-9a-f]+)?\.dll", re.I)),
]
LIBOMP = re.compile(r".*/libomp[^/]*\.dylib")


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
        sizes = {info.filename: info.file_size for info in whl.infolist()}
    members = list(sizes)
    for name in sorted(m for m in members if NATIVE.search(m)):
        print(f"           {sizes[name] / 1e6:7.2f} MB  {name}")
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
    with zipfile.ZipFile(path) as whl:
        for name in members:
            # ELF extensions of a release build carry no DWARF (setup.py: -g0, -Wl,-S);
            # the section-name table of one that does holds ".debug_info"
            if re.fullmatch(r"fastpen/_\w+\..*\.so", name):
                if b".debug_info\x00" in whl.read(name):
                    problems.append(f"debug information left in {name}")
    for tag, runtime in RUNTIMES:
        if tag.search(os.path.basename(path)) and not any(runtime.fullmatch(m) for m in members):
            problems.append(f"no OpenMP runtime at {runtime.pattern}")
    if "-macosx_" in os.path.basename(path):
        problems += [f"a second libomp in a macOS wheel: {m}" for m in members
                     if LIBOMP.fullmatch(m)]
    return problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    files = []
    for arg in argv:
        if os.path.isdir(arg):
            files += sorted(glob.glob(os.path.join(arg, "**", "fastpen-*"), recursive=True))
        elif os.path.isfile(arg):
            files.append(arg)
        else:
            print(f"check_dist: no such file or folder: {arg}", file=sys.stderr)
            return 2
    sdists = [f for f in files if f.endswith(".tar.gz")]
    wheels = [f for f in files if f.endswith(".whl")]
    if not argv or not sdists + wheels:
        print("usage: python tools/check_dist.py PATH...  (sdists, wheels, folders of them)",
              file=sys.stderr)
        return 2
    problems = []
    for path in sdists + wheels:
        print(f"{os.path.getsize(path) / 1e6:7.2f} MB  {path}")
        found = check_sdist(path) if path.endswith(".tar.gz") else check_wheel(path)
        problems += [f"{os.path.basename(path)}: {p}" for p in found]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
