"""Check that each repaired fastpen wheel carries its platform's OpenMP runtime.

A wheel whose extensions link an OpenMP runtime that is not inside it imports on the
build machine (where the runtime is installed) and fails on a user's.  The repair
tools put the runtime in a known place; this looks for it there and prints what
every wheel holds, so CI's log states it:

  manylinux/musllinux  auditwheel: fastpen.libs/libgomp-<hash>.so.*
  macosx               delocate:   fastpen/.dylibs/libomp.dylib
  win                  delvewheel: fastpen.libs/vcomp140-<hash>.dll

Usage: python tools/wheels/check_wheel_runtime.py WHEEL...
"""
import re
import sys
import zipfile

RUNTIMES = [
    ("linux", re.compile(r"-(many|musl)linux_"), re.compile(r"^fastpen\.libs/libgomp[-.][^/]*\.so(\.\d+)*$")),
    ("macos", re.compile(r"-macosx_"), re.compile(r"^fastpen/\.dylibs/libomp\.dylib$")),
    ("windows", re.compile(r"-win_"), re.compile(r"^fastpen\.libs/vcomp140(-[0-9a-f]+)?\.dll$", re.I)),
]
NATIVE = re.compile(r"\.(so(\.\d+)*|dylib|dll|pyd)$", re.I)


def check(path):
    """Print the wheel's native files; return the problems found (empty: good)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    with zipfile.ZipFile(path) as whl:
        files = {info.filename: info.file_size for info in whl.infolist()}
    native = sorted(f for f in files if NATIVE.search(f))
    print(f"{name}")
    for f in native:
        print(f"  {files[f]:>10,d}  {f}")
    for platform, tag, runtime in RUNTIMES:
        if tag.search(name):
            break
    else:
        return [f"{name}: not a platform wheel this script knows"]
    problems = []
    if not any(runtime.match(f) for f in native):
        problems.append(f"{name}: no OpenMP runtime at {runtime.pattern} ({platform})")
    extensions = [f for f in native if re.match(r"^fastpen/_\w+\.", f)]
    if len(extensions) < 5:
        problems.append(f"{name}: {len(extensions)} fastpen extension modules, expected 5")
    return problems


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    problems = [p for path in paths for p in check(path)]
    for p in problems:
        print(f"ERROR: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
