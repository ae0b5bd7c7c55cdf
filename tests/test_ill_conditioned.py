"""Paths on ill-conditioned designs (issue 17, section 1): the gap certificate holds.

For every design of ``_illcond`` (small variants), every mode (precompute
True / False / 'auto' x dense C / dense F / sparse CSC X), float64 and float32,
a lasso path and an elastic-net one (l1_ratio=0.5) of 25 alphas from alpha_max
to 1e-3 alpha_max (``max_iter=100000``), each ``tol`` of the ladder must give:

1. **the bound at every alpha**: the independent float64 relative gap
   (``_illcond.relative_gap``, the formula of ../shared/BENCHMARKING.md) is at
   most ``2 tol`` -- fastpen's ``tol`` means gap <= tol ||y_c||^2 / n, and the
   relative gap divides by ||y_c||^2 / 2 -- plus ``GAP_ROUNDING`` for the
   rounding of the independent gap itself.  The one exception, for an alpha that
   fastpen does *not* report as converged: the fit emitted a ConvergenceWarning
   that says the bound cannot be certified at this precision (the words
   "float64"/"float32" or "precision", and the gap reached as a number), and the
   gap is below ``PRECISION_FLOOR`` of the dtype.  An alpha reported as
   converged must meet the bound, warning or not (a false certificate);
2. **a gap that falls as tol falls**: the worst gap of a tol is at most
   ``MONOTONE_SLACK`` (1.5) times that of the previous, looser tol, unless it
   meets its own bound.  A run that meets its bound is never called worse: the
   looser run may have over-solved by luck at every alpha (one more sweep can
   take a gap from just above its tol to far below it).  This check bites when a
   precision warning excused a gap, or when both fail: the issue's symptom, a
   tighter tol giving a worse answer;
3. **no more than 1e5 iterations**: no alpha stops at ``max_iter`` (100000);
4. the intercept is ``ybar - xbar^T w`` (designs with an intercept).

Measured while writing this file (tests/_illcond.py, small designs, lasso): the
float64 independent gap agrees with an 80-bit long-double evaluation to 5e-15 on
solutions near 1e-12, hence ``GAP_ROUNDING = 1e-14``.  Every design has float64
coefficients with a gap of about 2e-12 or less at every alpha (the float64
optimum polished on its support: 6e-15 .. 2e-12, linnerud-d3 the highest;
near-dup, with one copy per group, 2e-15), so float64 can certify the whole
ladder on these designs: ``PRECISION_FLOOR[float64] = 1e-10`` only leaves room for
a rounding-level excuse.  Rounding those optima to float32 (on X and y stored in
float32) gives worst gaps of 1.5e-7 (iris-d3) .. 7e-6 (breast_cancer-d2), and
6e-5 for wine-d3 and 1.6e-4 for linnerud-d3, all at the small alphas: float32's
ladder stops at 1e-5 (bound 2e-5) and ``PRECISION_FLOOR[float32] = 5e-4``, since
no float32 vector is expected to do much better than the rounded optimum.

By default a representative subset runs: float64 lasso for every design in
every mode but ('auto', csc), which resolves to the X kernel for sparse input,
the same fits as (False, csc), at tol 1e-4, 1e-8, 1e-12; the elastic net and
float32 in three modes (X from sparse CSC, Gram from C order, 'auto' on F order).
``FASTPEN_ILLCOND_FULL=1`` runs the whole matrix: every mode for each dtype and
penalty, float64 tols 1e-4, 1e-6, 1e-8, 1e-10, 1e-12.

These tests check every fit themselves, at every alpha and with a tighter slack
than conftest's autouse checker (which only looks at the alphas reported as
converged and would stop a path at its first false claim, before the table of
what every tol reached is built), hence ``no_autocheck``.
"""
import os
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from _illcond import DESIGNS, alpha_grid, design, path_gaps

FULL = os.environ.get("FASTPEN_ILLCOND_FULL", "").strip().lower() in {"1", "true", "yes"}

MAX_ITER = 100_000
N_ALPHAS = 25
EPS = 1e-3
TOLS = {np.float64: (1e-4, 1e-6, 1e-8, 1e-10, 1e-12) if FULL else (1e-4, 1e-8, 1e-12),
        np.float32: (1e-4, 1e-5)}
GAP_ROUNDING = 1e-14          # rounding of the independent float64 gap (measured 5e-15)
PRECISION_FLOOR = {np.float64: 1e-10, np.float32: 5e-4}
MONOTONE_SLACK = 1.5

PRECOMPUTE = (False, True, "auto")
LAYOUTS = ("C", "F", "csc")
ALL_MODES = [(pc, lay) for pc in PRECOMPUTE for lay in LAYOUTS]
# by default: ('auto', csc) resolves to the X kernel, as (False, csc) does
DEFAULT_MODES = [m for m in ALL_MODES if m != ("auto", "csc")]
# the default subset for float32 and the elastic net: one of each kernel and layout
FEW_MODES = [(False, "csc"), (True, "C"), ("auto", "F")]

# "cannot be certified in float64 precision ... 3.1e-13": the dtype or the word
# precision, and a number in exponent notation
_PRECISION_WORDS = re.compile(r"float32|float64|precision", re.IGNORECASE)
_NUMBER = re.compile(r"\d(?:\.\d+)?e[-+]?\d+", re.IGNORECASE)

pytestmark = pytest.mark.no_autocheck


def _mode_id(mode):
    pc, lay = mode
    return f"pre{pc}-{lay}"


def _layout(X, layout, dtype):
    X = np.asarray(X, dtype=dtype)
    if layout == "csc":
        return sp.csc_matrix(X)
    return np.ascontiguousarray(X) if layout == "C" else np.asfortranarray(X)


def precision_warnings(records):
    """The ConvergenceWarnings that say a bound cannot be certified at this precision."""
    return [str(r.message) for r in records
            if issubclass(r.category, fastpen.ConvergenceWarning)
            and _PRECISION_WORDS.search(str(r.message)) and _NUMBER.search(str(r.message))]


def fit_and_score(prob, *, precompute, layout, dtype, tol, l1_ratio):
    """One path; returns a dict of what it reached and the list of its failures."""
    X = _layout(prob.X, layout, dtype)
    y = np.asarray(prob.y, dtype=dtype)
    alphas = alpha_grid(prob, N_ALPHAS, EPS, l1_ratio)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        res = fastpen.enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol,
                                max_iter=MAX_ITER, precompute=precompute,
                                fit_intercept=prob.fit_intercept,
                                standardize=prob.standardize)
    # the problem fastpen solved: X and y as stored in dtype, scored in float64
    X64 = np.asarray(prob.X, dtype=dtype).astype(np.float64)
    y64 = y.astype(np.float64)
    gaps = path_gaps(X64, y64, res.coefs, alphas, l1_ratio, prob.fit_intercept,
                     prob.standardize)
    y_c = y64 - (y64.mean() if prob.fit_intercept else 0.0)
    n = X64.shape[0]
    claimed = np.asarray(res.dual_gaps) <= tol * (y_c @ y_c) / n
    bound = 2.0 * tol + GAP_ROUNDING
    excuses = precision_warnings(records)
    floor = PRECISION_FLOOR[dtype]

    failures = []
    over = np.flatnonzero(~(gaps <= bound))
    false_claims = [k for k in over if claimed[k]]
    unexcused = [k for k in over if not claimed[k]
                 and not (excuses and gaps[k] <= max(bound, floor))]
    if false_claims:
        k = max(false_claims, key=lambda i: gaps[i])
        failures.append(f"{len(false_claims)} alphas reported converged above the bound "
                        f"(worst {gaps[k]:.2e} at alpha #{k}, fastpen's gap "
                        f"{res.dual_gaps[k]:.2e})")
    if unexcused:
        k = max(unexcused, key=lambda i: gaps[i])
        why = ("its precision warning allows " f"{floor:.0e}" if excuses
               else "no precision warning")
        failures.append(f"{len(unexcused)} alphas above the bound (worst {gaps[k]:.2e} at "
                        f"alpha #{k}; {why})")
    capped = np.flatnonzero(np.asarray(res.n_iter) >= MAX_ITER)
    if capped.size:
        failures.append(f"{capped.size} alphas stopped at max_iter={MAX_ITER}")
    if prob.fit_intercept:
        x_mean = X64.mean(axis=0)
        w = np.asarray(res.coefs, dtype=np.float64)
        expected = y64.mean() - w @ x_mean
        scale = 1.0 + abs(y64.mean()) + np.abs(w) @ np.abs(x_mean)
        rtol = 1e-5 if dtype == np.float32 else 1e-11
        err = np.abs(np.asarray(res.intercepts, dtype=np.float64) - expected) / scale
        if not err.max() <= rtol:
            failures.append(f"intercept off by {err.max():.1e} (relative) at alpha "
                            f"#{int(np.argmax(err))}")
    others = [str(r.message) for r in records if str(r.message) not in excuses]
    return dict(tol=tol, worst=float(np.max(gaps)), at=int(np.argmax(gaps)),
                bound=bound, n_iter=int(np.max(res.n_iter)), failures=failures,
                precision=excuses, warnings=others)


def run_ladder(name, *, precompute, layout, dtype, l1_ratio):
    prob = design(name, small=True)
    rows = [fit_and_score(prob, precompute=precompute, layout=layout, dtype=dtype,
                          tol=tol, l1_ratio=l1_ratio) for tol in TOLS[dtype]]
    for prev, row in zip(rows, rows[1:]):
        if row["worst"] > row["bound"] and row["worst"] > MONOTONE_SLACK * prev["worst"]:
            row["failures"].append(
                f"worse than tol {prev['tol']:.0e} ({row['worst']:.2e} > "
                f"{MONOTONE_SLACK} x {prev['worst']:.2e})")
    bad = [r for r in rows if r["failures"]]
    if bad:
        label = (f"{name} [precompute={precompute}, {layout}, {np.dtype(dtype).name}, "
                 f"l1_ratio={l1_ratio}]")
        worst = max(bad, key=lambda r: r["worst"] / r["bound"])
        lines = [f"{label}: {len(bad)} of {len(rows)} tols fail; worst relative gap "
                 f"{worst['worst']:.2e} at tol {worst['tol']:.0e} (bound "
                 f"{worst['bound']:.1e})"]
        for r in rows:
            status = "; ".join(r["failures"]) or "ok"
            lines.append(f"  tol {r['tol']:.0e}: worst {r['worst']:.2e} at alpha #{r['at']}, "
                         f"max n_iter {r['n_iter']}: {status}")
            for msg in r["precision"] + r["warnings"]:
                lines.append(f"      warning: {msg}")
        pytest.fail("\n".join(lines), pytrace=False)


def _cases(modes_by_default):
    modes = ALL_MODES if FULL else modes_by_default
    return [pytest.param(name, mode, id=f"{name}-{_mode_id(mode)}")
            for name in DESIGNS for mode in modes]


@pytest.mark.parametrize("name, mode", _cases(DEFAULT_MODES))
def test_lasso_path_float64(name, mode):
    run_ladder(name, precompute=mode[0], layout=mode[1], dtype=np.float64, l1_ratio=1.0)


@pytest.mark.parametrize("name, mode", _cases(FEW_MODES))
def test_enet_path_float64(name, mode):
    run_ladder(name, precompute=mode[0], layout=mode[1], dtype=np.float64, l1_ratio=0.5)


@pytest.mark.parametrize("name, mode", _cases(FEW_MODES))
def test_lasso_path_float32(name, mode):
    run_ladder(name, precompute=mode[0], layout=mode[1], dtype=np.float32, l1_ratio=1.0)


# ------------------------------------------------- the checker and the designs


def test_precision_warning_is_recognised():
    """The phrase the kernel will use is recognised; a plain max_iter warning is not."""
    def record(msg, category=fastpen.ConvergenceWarning):
        return warnings.WarningMessage(msg, category, "x.py", 1)

    good = record("Objective did not converge for 2 of 25 alphas (worst at alpha=0.01): "
                  "duality gap 3.1e-13 cannot be certified in float64 precision "
                  "(rounding level 2.0e-13).")
    plain = record("Objective did not converge for 1 of 25 alphas (worst at alpha=0.01): "
                   "duality gap 4.4e-06 > tolerance 5.9e-09. Increase max_iter, scale the "
                   "features, or increase the regularisation.")
    other = record("float64 precision 1e-13", UserWarning)
    assert precision_warnings([good]) == [str(good.message)]
    assert precision_warnings([plain, other]) == []


@pytest.mark.parametrize("name", DESIGNS)
def test_designs_are_deterministic_and_ill_conditioned(name):
    """The designs are seeded and as described: small ones small, full ones as
    documented, and (but for the well-posed references) badly conditioned."""
    import _illcond

    small = design(name, small=True)
    full = design(name)
    assert small.name == full.name == name
    assert small.X.shape[1] <= 90 and small.X.shape[0] <= 200
    assert small.X.flags.f_contiguous and not small.X.flags.writeable
    # rebuilt from scratch: the same bits
    again = _illcond._BUILDERS[name](True)
    np.testing.assert_array_equal(again.X, small.X)
    np.testing.assert_array_equal(again.y, small.y)
    if name == "diabetes-d3":
        assert full.X.shape == (442, 285)
    if not small.fit_intercept:          # centred y, standardised columns
        assert abs(small.y.mean()) < 1e-12 * np.abs(small.y).max()
        np.testing.assert_allclose(small.X.mean(axis=0), 0.0, atol=1e-12)
    Xc = small.X - small.X.mean(axis=0) if small.fit_intercept else small.X
    norms = np.linalg.norm(Xc, axis=0)
    if name.startswith("ar1-"):           # Toeplitz: neighbours correlate at about rho
        rho = float(name.split("-")[1])
        corr = np.sum(Xc[:, 1:] * Xc[:, :-1], axis=0) / (norms[1:] * norms[:-1])
        assert abs(np.median(corr) - rho) < 10 * (1 - rho)
    elif name.startswith("scales"):       # twelve decades of column scales
        assert norms.max() / norms.min() > 1e11
        assert small.standardize == name.endswith("-std")
    else:                                 # collinear: condition number of the
        s = np.linalg.svd(Xc / norms, compute_uv=False)   # normalised columns
        assert s[0] / s[-1] > (5e2 if name == "wine-d2" else 1e3)
