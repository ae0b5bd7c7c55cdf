#!/usr/bin/env bash
# Run fastpen's kernel tests under AddressSanitizer + UndefinedBehaviorSanitizer, then under
# valgrind's memcheck, each on its own build in a scratch copy of the tree (the checkout's
# own build is left alone).
#
#   tools/check_memory.sh [asan|valgrind|all]      (default: all)
#
# Needs gcc (libasan, libubsan), valgrind, and a Python with numpy, scipy, Cython,
# setuptools, scikit-learn and pytest (PYTHON=... to choose it).  Results: docs/reliability.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
WHAT=${1:-all}
KERNEL_TESTS="tests/test_kernels.py tests/test_path.py tests/test_batch.py
              tests/test_sparse_products.py tests/test_regressions.py"
# memcheck runs ~50x slower: the kernel unit tests and the sparse products only
VALGRIND_TESTS="tests/test_kernels.py tests/test_sparse_products.py"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | tar -xf - -C "$WORK"
cd "$WORK"

if [[ $WHAT == asan || $WHAT == all ]]; then
    echo "== AddressSanitizer + UndefinedBehaviorSanitizer: $KERNEL_TESTS"
    FASTPEN_SANITIZE=1 "$PY" setup.py -q build_ext --inplace >/dev/null
    # Python itself is not instrumented: the runtimes are preloaded.  Leak detection is off
    # (the interpreter keeps its allocations at exit); any other report aborts the run.
    LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    PYTHONPATH=. "$PY" -m pytest -q -p no:cacheprovider $KERNEL_TESTS
    rm -rf build fastpen/*.so fastpen/*.c
fi

if [[ $WHAT == valgrind || $WHAT == all ]]; then
    echo "== valgrind memcheck (release build): $VALGRIND_TESTS"
    "$PY" setup.py -q build_ext --inplace >/dev/null
    # PYTHONMALLOC=malloc: every Python allocation through malloc, which memcheck tracks.
    # Leaks are not errors (see above); the suppressions file says what it hides and why.
    PYTHONMALLOC=malloc OMP_NUM_THREADS=2 PYTHONPATH=. \
    valgrind --tool=memcheck --error-exitcode=99 --leak-check=no --track-origins=no \
        --suppressions="$ROOT/tools/valgrind.supp" --quiet \
        "$PY" -m pytest -q -p no:cacheprovider $VALGRIND_TESTS
fi
echo "== clean"
