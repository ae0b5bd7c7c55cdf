#!/usr/bin/env bash
# Run fastpen's benchopt solver on the minimal Lasso benchmark
# (benchmarks/benchopt/minimal_lasso, fastpen and a scikit-learn reference) and
# check the results: fastpen's final objective within 1e-8 (relative) of the
# smallest objective reached, and its final duality gap within 1e-8 of its
# objective. Uses the active Python environment, where fastpen must be
# installed; benchopt is pip-installed there if missing or older than 1.10.
#
# Environment: PYTHON (default: python), BENCHOPT_RESULTS (where the result
# file is kept; default: benchmarks/results/benchopt_minimal_lasso.parquet).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python}
BENCH=benchmarks/benchopt
RESULTS=${BENCHOPT_RESULTS:-benchmarks/results/benchopt_minimal_lasso.parquet}

if ! "$PYTHON" -c "import fastpen" 2>/dev/null; then
    echo "run_benchopt: fastpen is not importable with $PYTHON; install it first" \
         "(pip install -e .)." >&2
    exit 1
fi

if ! "$PYTHON" - <<'PY' 2>/dev/null
import benchopt
major, minor = (int(v) for v in benchopt.__version__.split(".")[:2])
raise SystemExit(0 if (major, minor) >= (1, 10) else 1)
PY
then
    echo "run_benchopt: installing benchopt"
    "$PYTHON" -m pip install -q "benchopt>=1.10,<2"
fi
"$PYTHON" -c "import benchopt; print('benchopt', benchopt.__version__)"

# A private cache (benchopt's default is a __cache__ folder in the benchmark,
# which would also replay results of an older fastpen build), and errors
# raised instead of being logged.
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE"' EXIT
export BENCHOPT_CACHE="$CACHE"
export BENCHOPT_RAISE_ON_ERROR=1
export BENCHOPT_RAISE_INSTALL_ERROR=1

mkdir -p "$(dirname "$RESULTS")"
rm -f "$RESULTS"
start=$SECONDS
"$PYTHON" -m benchopt run "$BENCH/minimal_lasso" -s "$BENCH/solvers/fastpen.py" -s sklearn \
    -d simulated \
    --n-repetitions 1 --timeout 120 --no-plot --output "$RESULTS"
echo "run_benchopt: benchopt ran in $((SECONDS - start)) s, results in $RESULTS"

if [ ! -s "$RESULTS" ]; then
    echo "run_benchopt: benchopt wrote no result file at $RESULTS" >&2
    exit 1
fi
"$PYTHON" "$BENCH/check_results.py" "$RESULTS" fastpen
