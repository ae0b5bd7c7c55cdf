"""Check a benchopt result file of the minimal Lasso benchmark.

Usage: python check_results.py RESULTS.parquet [SOLVER]  (SOLVER: fastpen)

For every problem (objective parameters x dataset) of the run, SOLVER's final
point (its run with the largest ``stop_val``, in every repetition) must have

- an objective within ``RTOL`` (relative) of the smallest objective that any
  solver reached on that problem, and
- a duality gap at most ``RTOL`` times its objective (the objective's gap is a
  certificate, so this bounds the distance to the optimum independently of the
  other solvers).

Prints one line per problem and repetition, then ``benchopt: N passed, M failed``;
exits with status 1 if a check fails.
"""
import sys

import numpy as np
import pandas as pd

RTOL = 1e-8


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    solver = argv[2] if len(argv) == 3 else "fastpen"
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    needed = {"objective_name", "dataset_name", "solver_name", "idx_rep",
              "stop_val", "objective_value", "objective_duality_gap"}
    missing = needed - set(df.columns)
    if missing:
        print(f"FAIL: {path} lacks the columns {sorted(missing)}")
        return 1
    if not (df["solver_name"] == solver).any():
        print(f"FAIL: no result of solver {solver!r} in {path} "
              f"(solvers: {sorted(df['solver_name'].unique())})")
        return 1

    failed = n_checked = 0
    for (objective, dataset), runs in df.groupby(["objective_name", "dataset_name"]):
        best = runs["objective_value"].min()
        best_by = runs.loc[runs["objective_value"].idxmin(), "solver_name"]
        ours = runs[runs["solver_name"] == solver]
        problem = f"{dataset} | {objective}"
        if ours.empty:
            print(f"FAIL {problem}: no result of {solver}")
            failed += 1
            n_checked += 1
            continue
        for rep, rep_runs in ours.groupby("idx_rep"):
            final = rep_runs.loc[rep_runs["stop_val"].idxmax()]
            value, gap = final["objective_value"], final["objective_duality_gap"]
            rel_obj = (value - best) / abs(best)
            rel_gap = gap / abs(value)
            ok = (np.isfinite(value) and np.isfinite(gap)
                  and rel_obj <= RTOL and rel_gap <= RTOL)
            failed += not ok
            n_checked += 1
            print(f"{'ok  ' if ok else 'FAIL'} {problem} rep {rep}: {solver} final "
                  f"(stop_val {final['stop_val']}) objective {value:.15g}, "
                  f"relative excess over the best ({best:.15g}, {best_by}) "
                  f"{rel_obj:.2e}, relative duality gap {rel_gap:.2e} "
                  f"(limit {RTOL:g})")
    print(f"benchopt: {n_checked - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
