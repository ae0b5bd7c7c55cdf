"""fastpen.logistic_path (issue 20) against independent float64 mathematics and scikit-learn.

The references live in ``_logistic_ref`` (plain NumPy/SciPy, no fastpen): the
objective in glmnet's mean scale, an independent duality gap (binomial and
multinomial, with the intercepts and unpenalised features solved exactly
first, box constraints through the conjugate of the box), and a KKT check whose
slack follows from the gap.  The first tests check those references on
scikit-learn's tight solutions alone; the rest check fastpen with them:

- every returned alpha is certified: the independent gap is at most
  ``tol * null loss`` (fastpen's stopping rule, with ``GAP_SLACK`` for
  rounding), the reported ``dual_gaps`` are at least the suboptimality that a
  better primal point (the exact intercept, a second solver warm-started from
  fastpen's answer) proves, and the KKT conditions hold to the slack the gap
  allows;
- the same answers as scikit-learn's LogisticRegression on the same problem
  (``alpha = 1 / (C sum_i s_i)``), coefficients where they are unique,
  probabilities and objective values where an L1 multinomial solution is not;
- input forms (sparse, float32, order, threads, 2-D y, labels) give the same
  answers; penalty factors, exclusion, bounds, ``standardize``, ``coef_init``
  and the automatic grid mean what the API says;
- ill-conditioned and separable data: certified answers, no warnings, no NaN,
  no hang; bad input: ValueError naming the argument, inputs not modified.

Fits use ``tol=1e-8`` (a gap of ~7e-9 in mean scale) unless the test is about
``tol`` itself, so that the KKT slack is small enough to mean something.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
import _logistic_ref as R

TOL = 1e-8
GAP_SLACK = 1.01            # relative slack on "independent gap <= tol * null loss"
GAP_FLOOR = 1e-13           # absolute: rounding of a gap computed from O(1) sums
PRIMAL_SLACK = 1e-12        # rounding of two objective values compared


# ------------------------------------------------------------------ data


def binomial_data(n=80, p=8, seed=0, offset=0.3):
    rng = np.random.default_rng([20, seed])
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[: min(4, p)] = [2.0, -1.5, 1.0, 0.5][: min(4, p)]
    w = rng.permutation(w)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w + offset)))).astype(np.int64)
    return X, y


def multinomial_data(n=90, p=6, K=3, seed=0):
    rng = np.random.default_rng([21, seed])
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((K, p)) * (rng.random((K, p)) < 0.5) * 1.5
    Z = X @ W.T + rng.normal(0, 0.3, K)
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    y = np.array([rng.choice(K, p=row) for row in P])
    return X, y


def weights(n, seed=3):
    return np.random.default_rng([22, seed]).uniform(0.2, 3.0, n)


def problem(X, y, alpha, **kw):
    return R.logistic_problem(X, y, alpha=alpha, **kw)


def grid(X, y, l1_ratio, n_alphas=6, ratio=0.02, **kw):
    """An explicit decreasing grid from the L1 alpha_max (over l1_ratio, at least 0.1)."""
    kw = {k: v for k, v in problem_kwargs(kw).items() if k != "l1_ratio"}
    amax = R.alpha_max(problem(X, y, 1.0, l1_ratio=1.0, **kw))
    return amax / max(l1_ratio, 0.1) * np.geomspace(1.0, ratio, n_alphas)


PROBLEM_KEYS = ("l1_ratio", "sample_weight", "fit_intercept", "positive", "penalty_factor",
                "exclude", "rescale_penalty_factor", "standardize", "lower_bounds",
                "upper_bounds", "family")


def problem_kwargs(kw):
    return {k: v for k, v in kw.items() if k in PROBLEM_KEYS}


def fit(X, y, **kw):
    kw.setdefault("tol", TOL)
    return fastpen.logistic_path(X, y, **kw)


def sklearn_fit(X, y, alpha, *, l1_ratio=1.0, fit_intercept=True, sample_weight=None,
                solver="saga"):
    """scikit-learn's LogisticRegression on the same problem: C = 1 / (alpha sum_i s_i)."""
    from sklearn.linear_model import LogisticRegression

    ssum = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    model = LogisticRegression(C=1.0 / (alpha * ssum), l1_ratio=l1_ratio, solver=solver,
                               tol=1e-10, max_iter=100000, fit_intercept=fit_intercept,
                               random_state=0)     # saga and liblinear shuffle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # saga's ConvergenceWarning near 1e-10
        model.fit(X, y, sample_weight=sample_weight)
    return model


# ----------------------------------------------------------- assertions


def point(res, k, target=None):
    """(coef, intercept) of alpha k (and target of a 2-D y)."""
    coef = res.coefs[k] if target is None else res.coefs[k, target]
    icpt = res.intercepts[k] if target is None else res.intercepts[k, target]
    return np.asarray(coef, np.float64), np.asarray(icpt, np.float64)


def assert_certified(prob, coef, intercept, *, tol, reported_gap=None,
                     gap_floor=GAP_FLOOR, label="", excuse_unconverged=False):
    """The gap, certificate and KKT checks of one returned point.

    ``excuse_unconverged``: where the reported gap itself says the fit did not
    reach tol (fastpen warned), only the honesty of that report is checked.
    """
    cert = R.certificate(prob, coef, intercept)
    null = R.null_loss(prob)
    finite_icpt = intercept is None or np.all(np.isfinite(np.asarray(intercept, np.float64)))
    assert np.all(np.isfinite(np.asarray(coef, np.float64))) and finite_icpt, label
    assert cert.free_residual < 1e-9, (label, cert.free_residual)
    bound = tol * null * GAP_SLACK + gap_floor
    claimed = reported_gap is None or float(reported_gap) <= bound
    assert cert.gap <= bound or (excuse_unconverged and not claimed), (
        f"{label}: independent gap {cert.gap:.3e} > tol * null loss = {tol * null:.3e} "
        f"(P={cert.primal:.15g}, intercept part {cert.intercept_part:.3e}, c={cert.c:.6f})")
    if reported_gap is not None:
        reported = float(reported_gap)
        assert np.isfinite(reported) and reported >= -gap_floor, (label, reported)
        # a better primal point proves a suboptimality the reported gap must cover
        W_ref, b_ref = R.reference_fit(prob, W0=cert.W_star, b0=cert.b_star)
        p_best = min(R.objective(prob, W_ref, b_ref), R.objective(prob, cert.W_star, cert.b_star))
        proven = cert.primal - p_best
        assert reported >= proven - PRIMAL_SLACK * (1 + abs(cert.primal)), (
            f"{label}: reported gap {reported:.3e} < proven suboptimality {proven:.3e}")
    eps = max(cert.gap, 0.0) + gap_floor
    check = R.kkt(prob, coef, intercept, eps=eps)
    assert check.excess <= 0, (
        f"{label}: KKT: prox move {check.prox_move.max():.3e} beyond the radius the gap "
        f"{cert.gap:.3e} allows (worst excess {check.excess:.3e})")
    if prob.fit_intercept:
        assert np.max(np.abs(check.intercept_grad)) <= check.intercept_radius, (
            label, check.intercept_grad, check.intercept_radius)
    return cert


def assert_path_certified(X, y, res, *, tol=TOL, target=None, excuse_unconverged=False,
                          every=1, **kw):
    """Every ``every``-th alpha of the path (and the last) passes :func:`assert_certified`."""
    alphas = res.alphas if (target is None or res.alphas.ndim == 1) else res.alphas[target]
    yy = y if target is None else np.asarray(y)[:, target]
    assert np.all(np.diff(alphas) < 0), alphas
    for k, alpha in enumerate(alphas):
        if k % every and k != len(alphas) - 1:
            continue
        prob = problem(X, yy, float(alpha), **problem_kwargs(kw))
        coef, icpt = point(res, k, target)
        gap = res.dual_gaps[k] if target is None else res.dual_gaps[k, target]
        assert_certified(prob, coef, icpt, tol=tol, reported_gap=gap,
                         label=f"alpha[{k}]={alpha:.4g}", excuse_unconverged=excuse_unconverged)


def assert_multinomial_identified(res, l1_ratio, fit_intercept=True):
    """Centred intercepts; no shift of a feature's class coefficients lowers the penalty."""
    if fit_intercept:
        np.testing.assert_allclose(res.intercepts.sum(axis=1), 0.0, atol=1e-10)
    for W in np.asarray(res.coefs, np.float64):
        for j in range(W.shape[1]):
            col = W[:, j]

            def pen(c):
                d = col - c
                return np.sum(l1_ratio * np.abs(d) + 0.5 * (1 - l1_ratio) * d * d)

            cands = np.concatenate([col, [col.mean()]])
            if l1_ratio < 1:
                # the minimiser of a strictly convex piecewise quadratic: check fine grid
                cands = np.concatenate([cands, col.mean() + np.linspace(-1, 1, 201) * np.ptp(col)])
            assert pen(0.0) <= min(pen(c) for c in cands) + 1e-8 * (1 + np.abs(col).sum())
            if l1_ratio == 0:
                assert abs(col.sum()) <= 1e-8 * (1 + np.abs(col).sum())


# ======================================================= the references


FAMILIES = {"binomial": binomial_data, "multinomial": multinomial_data}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1, 0.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_reference_gap_vanishes_at_sklearn_optimum(family, l1_ratio, fit_intercept, weighted):
    """The references alone: scikit-learn's saga at tol 1e-10 is certified optimal."""
    X, y = FAMILIES[family]()
    sw = weights(X.shape[0]) if weighted else None
    alpha = 0.03
    model = sklearn_fit(X, y, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                        sample_weight=sw)
    prob = problem(X, y, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                   sample_weight=sw)
    # saga's tol bounds the change of the coefficients, not the gap: 1e-8 leaves it room
    cert = assert_certified(prob, model.coef_, model.intercept_ if fit_intercept else None,
                            tol=1e-8)
    assert cert.gap >= -1e-14
    # the same probabilities as scikit-learn's own predict_proba
    W, b = R._as_rows(prob, model.coef_, model.intercept_ if fit_intercept else None)
    P = R.probabilities(prob, W, b)
    ref = model.predict_proba(X)
    np.testing.assert_allclose(P[:, 0] if prob.binary else P,
                               ref[:, 1] if prob.binary else ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("family", FAMILIES)
def test_reference_gap_detects_suboptimal_points(family):
    """A perturbed optimum: the gap bounds its suboptimality from above and KKT fails."""
    X, y = FAMILIES[family]()
    alpha = 0.03
    model = sklearn_fit(X, y, alpha, l1_ratio=0.5)
    prob = problem(X, y, alpha, l1_ratio=0.5)
    p_opt = R.objective(prob, model.coef_, model.intercept_)
    rng = np.random.default_rng(0)
    for scale in (1e-1, 1e-3):
        coef = model.coef_ + scale * rng.standard_normal(model.coef_.shape)
        icpt = model.intercept_ + scale
        cert = R.certificate(prob, coef, icpt)
        subopt = R.objective(prob, coef, icpt) - p_opt
        assert subopt > 0
        assert cert.gap >= subopt - 1e-12
        assert cert.gap <= 1e3 * subopt       # and is not vacuous
        assert R.kkt(prob, coef, icpt, eps=1e-3 * subopt).excess > 0


@pytest.mark.parametrize("solver,l1_ratio,fit_intercept",
                         [("liblinear", 1.0, False), ("liblinear", 0.0, False),
                          ("lbfgs", 0.0, True), ("lbfgs", 0.0, False)])
def test_reference_other_sklearn_solvers(solver, l1_ratio, fit_intercept):
    X, y = binomial_data()
    alpha = 0.02
    model = sklearn_fit(X, y, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                        solver=solver)
    prob = problem(X, y, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    assert_certified(prob, model.coef_, model.intercept_ if fit_intercept else None, tol=1e-8)


GENERAL_OPTIONS = {
    "pf": dict(penalty_factor=[0.0, 1.0, 1.0, 2.0, 1.0, np.inf, 1.0, 0.5]),
    "box": dict(lower_bounds=-0.2, upper_bounds=0.3),
    "positive": dict(positive=True),
    "standardize": dict(standardize=True),
    "exclude": dict(exclude=[1, 2]),
    "mixed": dict(penalty_factor=[0, 0, 1, 1, 1, 1, 1, 1], standardize=True,
                  lower_bounds=[-np.inf] * 4 + [-0.1] * 4),
}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("option", GENERAL_OPTIONS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_reference_general_penalty_against_second_solver(family, option, l1_ratio):
    """The box conjugate and the free block: L-BFGS-B's optimum is certified, and scaling
    a column changes nothing under standardize."""
    X, y = FAMILIES[family](p=8)
    X = X * np.logspace(-1, 1, 8)
    prob = problem(X, y, 0.02, l1_ratio=l1_ratio, **GENERAL_OPTIONS[option])
    W, b = R.reference_fit(prob)
    assert_certified(prob, W, b, tol=1e-7)
    lo, up = np.broadcast_to(prob.lo, W.shape), np.broadcast_to(prob.up, W.shape)
    assert np.all(W >= lo) and np.all(W <= up)


def test_reference_alpha_max_against_sklearn():
    X, y = binomial_data()
    sw = weights(X.shape[0])
    for fit_intercept in (True, False):
        amax = R.alpha_max(problem(X, y, 1.0, fit_intercept=fit_intercept, sample_weight=sw))
        above = sklearn_fit(X, y, amax * (1 + 1e-6), fit_intercept=fit_intercept,
                            sample_weight=sw)
        below = sklearn_fit(X, y, amax * (1 - 1e-2), fit_intercept=fit_intercept,
                            sample_weight=sw)
        assert np.max(np.abs(above.coef_)) < 1e-8
        assert np.max(np.abs(below.coef_)) > 1e-6


# ================================================= fastpen: certified


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1, 0.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_path_certified(family, l1_ratio, fit_intercept, weighted):
    X, y = FAMILIES[family]()
    sw = weights(X.shape[0]) if weighted else None
    kw = dict(l1_ratio=l1_ratio, fit_intercept=fit_intercept, sample_weight=sw)
    alphas = grid(X, y, **kw)
    res = fit(X, y, alphas=alphas, **kw)
    K = len(np.unique(y))
    shape = (len(alphas), X.shape[1]) if K == 2 else (len(alphas), K, X.shape[1])
    assert res.coefs.shape == shape
    assert res.intercepts.shape == shape[:-1]
    assert res.dual_gaps.shape == res.n_iter.shape == (len(alphas),)
    np.testing.assert_allclose(res.alphas, alphas, rtol=1e-12)
    np.testing.assert_array_equal(res.classes, np.unique(y))
    if not fit_intercept:
        assert np.all(res.intercepts == 0)
    assert_path_certified(X, y, res, **kw)
    if K > 2:
        assert_multinomial_identified(res, l1_ratio, fit_intercept)


@pytest.mark.parametrize("family", FAMILIES)
def test_reported_gaps_and_tol(family):
    """A loose tol: the reported gaps still bound the suboptimality, and meet tol."""
    X, y = FAMILIES[family](seed=4)
    alphas = grid(X, y, 1.0, n_alphas=5, ratio=0.05)
    for tol in (1e-2, 1e-4):
        res = fit(X, y, alphas=alphas, tol=tol)
        null = R.null_loss(problem(X, y, 1.0))
        assert np.all(res.dual_gaps <= tol * null * GAP_SLACK + GAP_FLOOR), res.dual_gaps
        assert_path_certified(X, y, res, tol=tol)


def test_dev_ratio_and_df():
    X, y = binomial_data(seed=5)
    sw = weights(X.shape[0])
    alphas = grid(X, y, 1.0, n_alphas=8, ratio=0.01, sample_weight=sw)
    res = fit(X, y, alphas=alphas, sample_weight=sw)
    for k, alpha in enumerate(res.alphas):
        prob = problem(X, y, alpha, sample_weight=sw)
        coef, icpt = point(res, k)
        assert res.dev_ratio[k] == pytest.approx(R.deviance_ratio(prob, coef, icpt),
                                                 rel=1e-8, abs=1e-10)
        assert res.df[k] == np.count_nonzero(coef)
    assert res.dev_ratio[0] == pytest.approx(0.0, abs=1e-10)
    assert np.all(np.diff(res.dev_ratio) >= -1e-7)       # exact paths: nondecreasing


# ===================================================== against sklearn


def compare_with_sklearn(X, y, alpha, *, l1_ratio, fit_intercept=True, sample_weight=None,
                         solver="saga", coef_unique=True):
    model = sklearn_fit(X, y, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                        sample_weight=sample_weight, solver=solver)
    res = fit(X, y, alphas=[alpha], l1_ratio=l1_ratio, fit_intercept=fit_intercept,
              sample_weight=sample_weight, tol=1e-10)
    prob = problem(X, y, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                   sample_weight=sample_weight)
    coef, icpt = point(res, 0)
    sk_coef = model.coef_ if not prob.binary else model.coef_[0]
    sk_icpt = model.intercept_ if fit_intercept else np.zeros(prob.K)
    if not prob.binary and fit_intercept:
        sk_icpt = sk_icpt - sk_icpt.mean()
    if prob.binary:
        sk_icpt = sk_icpt[0] if fit_intercept else 0.0
    # the objective values agree within the sum of both answers' independent gaps
    sk_point = (model.coef_, model.intercept_ if fit_intercept else None)
    cert_fp = R.certificate(prob, coef, icpt)
    cert_sk = R.certificate(prob, *sk_point)
    assert cert_fp.gap <= 1e-10 * R.null_loss(prob) * GAP_SLACK + GAP_FLOOR, cert_fp.gap
    assert abs(cert_fp.primal - cert_sk.primal) <= cert_fp.gap + cert_sk.gap + GAP_FLOOR, (
        cert_fp.primal, cert_sk.primal, cert_fp.gap, cert_sk.gap)
    # the same probabilities
    W, b = R._as_rows(prob, coef, icpt)
    P = R.probabilities(prob, W, b)
    ref = model.predict_proba(X)
    np.testing.assert_allclose(P[:, 0] if prob.binary else P,
                               ref[:, 1] if prob.binary else ref, atol=2e-5)
    if coef_unique:
        np.testing.assert_allclose(coef, sk_coef, atol=1e-4 * (1 + np.abs(sk_coef).max()))
        np.testing.assert_allclose(icpt, sk_icpt, atol=1e-4 * (1 + np.abs(sk_icpt).max()))
        # the same support, up to coefficients at the rounding level of saga
        big = np.abs(sk_coef) > 1e-4
        assert np.all(coef[big] != 0)
    return res, model


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1, 0.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_binomial_matches_sklearn_saga(l1_ratio, fit_intercept, weighted):
    X, y = binomial_data(seed=6)
    sw = weights(X.shape[0], seed=7) if weighted else None
    compare_with_sklearn(X, y, 0.02, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                         sample_weight=sw)


@pytest.mark.parametrize("solver,l1_ratio,fit_intercept",
                         [("liblinear", 1.0, False), ("liblinear", 0.0, False),
                          ("lbfgs", 0.0, True), ("lbfgs", 0.0, False)])
def test_binomial_matches_sklearn_other_solvers(solver, l1_ratio, fit_intercept):
    X, y = binomial_data(seed=8)
    compare_with_sklearn(X, y, 0.015, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                         solver=solver)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1, 0.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_multinomial_matches_sklearn_saga(l1_ratio, fit_intercept, weighted):
    X, y = multinomial_data(seed=9, K=4)
    sw = weights(X.shape[0], seed=10) if weighted else None
    # an L1 multinomial solution is unique only up to per-feature shifts over classes
    compare_with_sklearn(X, y, 0.02, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                         sample_weight=sw, coef_unique=l1_ratio < 1)


def test_multinomial_lbfgs_ridge():
    X, y = multinomial_data(seed=11)
    compare_with_sklearn(X, y, 0.01, l1_ratio=0.0, solver="lbfgs")


@pytest.mark.parametrize("l1_ratio,alpha_factor", [(1.0, 1.0), (0.0, 0.5)])
def test_two_class_multinomial_is_the_binomial(l1_ratio, alpha_factor):
    """family='multinomial' on two classes: w = W_1 - W_0; the lasso at the same alpha,
    ridge at twice the binomial's alpha (W_1 = -W_0 = w/2)."""
    X, y = binomial_data(seed=12)
    alpha = 0.02
    multi = fit(X, y, alphas=[alpha], l1_ratio=l1_ratio, family="multinomial", tol=1e-10)
    assert multi.coefs.shape == (1, 2, X.shape[1])
    binom = fit(X, y, alphas=[alpha * alpha_factor], l1_ratio=l1_ratio, tol=1e-10)
    w = multi.coefs[0, 1] - multi.coefs[0, 0]
    np.testing.assert_allclose(w, binom.coefs[0], atol=1e-5)
    np.testing.assert_allclose(multi.intercepts[0, 1] - multi.intercepts[0, 0],
                               binom.intercepts[0], atol=1e-5)


def test_string_labels():
    X, y = binomial_data(seed=13)
    labels = np.array(["no", "yes"])[y]
    res = fit(X, labels, alphas=[0.02])
    np.testing.assert_array_equal(res.classes, ["no", "yes"])
    ref = fit(X, y, alphas=[0.02])
    np.testing.assert_allclose(res.coefs, ref.coefs, rtol=1e-12, atol=1e-14)
    # the positive class is classes[1], whatever the labels' order of appearance
    flipped = np.array(["b", "a"])[y]                         # 1 -> "a" = classes[0]
    res2 = fit(X, flipped, alphas=[0.02])
    np.testing.assert_array_equal(res2.classes, ["a", "b"])
    np.testing.assert_allclose(res2.coefs, -ref.coefs, atol=1e-6)
    np.testing.assert_allclose(res2.intercepts, -ref.intercepts, atol=1e-6)
    # three string classes: multinomial, class rows in sorted order
    X3, y3 = multinomial_data(seed=14)
    names = np.array(["setosa", "versicolor", "virginica"])
    perm = np.array([2, 0, 1])                               # label i -> names[perm[i]]
    res3 = fit(X3, names[perm[y3]], alphas=[0.02], l1_ratio=0.5)
    ref3 = fit(X3, y3, alphas=[0.02], l1_ratio=0.5)
    np.testing.assert_array_equal(res3.classes, names)
    np.testing.assert_allclose(res3.coefs[0][perm], ref3.coefs[0], atol=1e-6)


# ================================================== input forms


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_equals_dense(family, fmt):
    X, y = FAMILIES[family](seed=15)
    rng = np.random.default_rng(15)
    X[rng.random(X.shape) < 0.6] = 0.0
    alphas = grid(X, y, 0.5, n_alphas=5)
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    dense = fit(X, y, alphas=alphas, l1_ratio=0.5)
    sparse = fit(Xs, y, alphas=alphas, l1_ratio=0.5)
    np.testing.assert_allclose(sparse.coefs, dense.coefs, atol=1e-6)
    np.testing.assert_allclose(sparse.intercepts, dense.intercepts, atol=1e-6)
    assert_path_certified(X, y, sparse, l1_ratio=0.5)


@pytest.mark.parametrize("family", FAMILIES)
def test_float32(family):
    X, y = FAMILIES[family](seed=16)
    alphas = grid(X, y, 1.0, n_alphas=5)
    tol = 1e-6
    res32 = fit(X.astype(np.float32), y, alphas=alphas, tol=tol)
    res64 = fit(X, y, alphas=alphas, tol=1e-10)
    assert res32.coefs.dtype == np.float32
    # a gap of tol * null ~ 7e-7 allows coefficient errors of ~sqrt(2 gap / curvature)
    np.testing.assert_allclose(res32.coefs, res64.coefs, atol=1e-2)
    # certified in float64 on the float32-rounded data, with float32's rounding room
    X32 = X.astype(np.float32).astype(np.float64)
    for k, alpha in enumerate(res32.alphas):
        prob = problem(X32, y, float(alpha))
        coef, icpt = point(res32, k)
        assert_certified(prob, coef, icpt, tol=tol, gap_floor=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_memory_order_and_threads(family):
    """Same answers for X in C or Fortran order and 1 or 2 threads.  Not compared bitwise
    (no such guarantee is documented for logistic_path): at tol 1e-12 two certified answers
    differ by ~1e-6 at most, whatever the order of the floating-point sums."""
    X, y = FAMILIES[family](seed=17)
    alphas = grid(X, y, 0.5, n_alphas=5)
    kw = dict(alphas=alphas, l1_ratio=0.5, tol=1e-12)
    ref = fit(np.asfortranarray(X), y, n_threads=1, **kw)
    c_order = fit(np.ascontiguousarray(X), y, n_threads=1, **kw)
    two = fit(np.asfortranarray(X), y, n_threads=2, **kw)
    for other in (c_order, two):
        np.testing.assert_allclose(other.coefs, ref.coefs, atol=1e-6)
        np.testing.assert_allclose(other.intercepts, ref.intercepts, atol=1e-6)


def multilabel_data(seed=18, n=80, p=7, k=3):
    rng = np.random.default_rng([23, seed])
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((k, p)) * (rng.random((k, p)) < 0.5) * 2
    Y = (rng.random((n, k)) < 1 / (1 + np.exp(-(X @ W.T)))).astype(np.float64)
    return X, Y


def test_2d_y_equals_columns_one_at_a_time():
    X, Y = multilabel_data()
    alphas = grid(X, Y[:, 0], 0.5, n_alphas=5)
    batch = fit(X, Y, alphas=alphas, l1_ratio=0.5)
    k = Y.shape[1]
    assert batch.coefs.shape == (len(alphas), k, X.shape[1])
    assert batch.intercepts.shape == batch.dual_gaps.shape == (len(alphas), k)
    assert batch.alphas.shape == (len(alphas),)
    for c in range(k):
        one = fit(X, Y[:, c], alphas=alphas, l1_ratio=0.5)
        np.testing.assert_allclose(batch.coefs[:, c], one.coefs, atol=1e-6)
        np.testing.assert_allclose(batch.intercepts[:, c], one.intercepts, atol=1e-6)
        assert_path_certified(X, Y, batch, target=c, l1_ratio=0.5)
    # automatic grids: one per target, each the target's own
    auto = fit(X, Y, alphas=8, l1_ratio=0.5)
    assert auto.alphas.shape[0] == k
    for c in range(k):
        one = fit(X, Y[:, c], alphas=8, l1_ratio=0.5)
        m = min(len(one.alphas), auto.alphas.shape[1])
        np.testing.assert_allclose(auto.alphas[c, :m], one.alphas[:m], rtol=1e-10)


def test_2d_y_constant_column():
    """A target column with one label: a clear error naming y, or finite zero coefficients
    for it and the other targets unaffected."""
    X, Y = multilabel_data(seed=19)
    Y[:, 1] = 0.0
    alphas = grid(X, Y[:, 0], 1.0, n_alphas=4)
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            res = fit(X, Y, alphas=alphas)
    except ValueError as err:
        assert "y" in str(err)
        return
    assert np.all(np.isfinite(res.coefs)) and np.all(res.coefs[:, 1] == 0)
    assert not np.any(np.isnan(res.intercepts))
    one = fit(X, Y[:, 0], alphas=alphas)
    np.testing.assert_allclose(res.coefs[:, 0], one.coefs, atol=1e-6)


# ============================================ penalties and constraints


@pytest.mark.parametrize("family", FAMILIES)
def test_penalty_factor_zero_and_inf(family):
    X, y = FAMILIES[family](p=8, seed=20)
    pf = np.array([0.0, 1.0, 1.0, 2.0, 1.0, np.inf, 1.0, 0.5])
    alphas = grid(X, y, 1.0, n_alphas=5, penalty_factor=pf)
    res = fit(X, y, alphas=alphas, penalty_factor=pf)
    coefs = np.asarray(res.coefs).reshape(len(alphas), -1, X.shape[1])
    assert np.all(coefs[:, :, 5] == 0)               # excluded: exactly zero
    assert np.all(np.abs(coefs[:, :, 0]).max(axis=1) > 0)   # unpenalised: in from the start
    assert np.all(coefs[0][:, pf > 0] == 0)           # alpha_max: only the free feature
    assert_path_certified(X, y, res, penalty_factor=pf)
    # exclude is an infinite factor
    pf_ex = pf.copy()
    pf_ex[5] = 1.0
    ex = fit(X, y, alphas=alphas, penalty_factor=pf_ex, exclude=[5])
    np.testing.assert_allclose(ex.coefs, res.coefs, atol=1e-7)


@pytest.mark.parametrize("family", FAMILIES)
def test_bounds_and_positive(family):
    X, y = FAMILIES[family](p=8, seed=21)
    lo = np.array([-0.2, -np.inf, 0.0, -0.1, -1.0, -0.05, 0.0, -np.inf])
    up = np.array([0.3, 0.1, np.inf, 0.0, 1.0, 0.05, 0.2, np.inf])
    alphas = grid(X, y, 0.5, n_alphas=5)
    kw = dict(l1_ratio=0.5, lower_bounds=lo, upper_bounds=up)
    res = fit(X, y, alphas=alphas, **kw)
    coefs = np.asarray(res.coefs).reshape(len(alphas), -1, X.shape[1])
    assert np.all(coefs >= lo) and np.all(coefs <= up)
    # the bounds bind somewhere at the small alphas (otherwise nothing is tested)
    free = fit(X, y, alphas=alphas, l1_ratio=0.5)
    free_c = np.asarray(free.coefs).reshape(coefs.shape)
    assert np.any((free_c < lo - 1e-3) | (free_c > up + 1e-3))
    assert_path_certified(X, y, res, **kw)
    # positive=True is lower_bounds=0
    pos = fit(X, y, alphas=alphas, positive=True)
    zero_lo = fit(X, y, alphas=alphas, lower_bounds=0.0)
    assert np.all(np.asarray(pos.coefs) >= 0)
    np.testing.assert_allclose(pos.coefs, zero_lo.coefs, atol=1e-7)
    assert_path_certified(X, y, pos, positive=True)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_standardize_is_fitting_standardized_columns(family, fit_intercept):
    X, y = FAMILIES[family](p=6, seed=22)
    X = X * np.array([1e-2, 0.5, 1.0, 3.0, 10.0, 100.0]) + np.array([0, 1, -2, 0, 5, 0])
    sw = weights(X.shape[0], seed=23)
    kw = dict(l1_ratio=0.5, sample_weight=sw, fit_intercept=fit_intercept)
    alphas = grid(X, y, n_alphas=5, standardize=True, **kw)
    res = fit(X, y, alphas=alphas, standardize=True, **kw)
    assert_path_certified(X, y, res, standardize=True, **kw)
    # the same model fitted on columns scaled by glmnet's sd (centred only with an
    # intercept, where the centring is absorbed by the intercept), rescaled back
    s = sw / sw.sum()
    mean = s @ X if fit_intercept else np.zeros(X.shape[1])
    sd = np.sqrt(s @ (X - mean) ** 2)
    Z = (X - mean) / sd
    ref = fit(Z, y, alphas=alphas, **kw)
    ref_coefs = np.asarray(ref.coefs) / sd
    np.testing.assert_allclose(res.coefs, ref_coefs, atol=1e-5 * (1 + np.abs(ref_coefs).max()))
    if fit_intercept:
        shift = np.tensordot(ref_coefs, mean, axes=([-1], [0]))
        ref_icpt = np.asarray(ref.intercepts) - shift
        if ref_icpt.ndim == 2:                       # multinomial: centre again
            ref_icpt = ref_icpt - ref_icpt.mean(axis=1, keepdims=True)
        np.testing.assert_allclose(res.intercepts, ref_icpt, atol=1e-4)


@pytest.mark.parametrize("family", FAMILIES)
def test_coef_init(family):
    X, y = FAMILIES[family](seed=24)
    alpha = grid(X, y, 1.0, n_alphas=4)[-1:]
    cold = fit(X, y, alphas=alpha)
    near = np.asarray(cold.coefs[0]) * 1.1
    far = np.full_like(near, 0.7)
    for init in (near, far):
        warm = fit(X, y, alphas=alpha, coef_init=init)
        np.testing.assert_allclose(warm.coefs, cold.coefs, atol=1e-4)
        assert_path_certified(X, y, warm)
    with pytest.raises(ValueError, match="coef_init"):
        fit(X, y, alphas=alpha, coef_init=np.zeros(X.shape[1] + 1))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_automatic_grid(family, fit_intercept):
    X, y = FAMILIES[family](seed=25)
    sw = weights(X.shape[0], seed=26)
    kw = dict(fit_intercept=fit_intercept, sample_weight=sw)
    res = fit(X, y, alphas=20, tol=1e-6, **kw)
    prob = problem(X, y, 1.0, **kw)
    amax = R.alpha_max(prob)
    assert res.alphas[0] == pytest.approx(amax, rel=1e-6)
    assert np.all(np.asarray(res.coefs[0]) == 0)
    # glmnet's log grid down to eps * alpha_max (n >= p: 1e-4), unless stopped early
    full = np.geomspace(amax, 1e-4 * amax, 20)
    m = len(res.alphas)
    np.testing.assert_allclose(res.alphas, full[:m], rtol=1e-6)
    if m < 20:
        assert res.dev_ratio[-1] > 0.999 or abs(res.dev_ratio[-1] - res.dev_ratio[-2]) < 1e-5
    # slightly below alpha_max something enters; the intercept there is the null model's
    below = fit(X, y, alphas=[amax * (1 - 1e-3)], tol=1e-10, **kw)
    assert np.count_nonzero(below.coefs[0]) >= 1
    if fit_intercept:
        b0 = R.solve_free(prob, np.zeros((prob.K, X.shape[1])), np.zeros(prob.K))[1]
        np.testing.assert_allclose(np.asarray(res.intercepts[0]).ravel(), b0, atol=1e-6)
    assert_path_certified(X, y, res, tol=1e-6, **kw)


def test_automatic_grid_eps_wide():
    """p > n: eps defaults to 1e-2 (glmnet's)."""
    X, y = binomial_data(n=30, p=40, seed=27)
    res = fit(X, y, alphas=10, tol=1e-6)
    amax = R.alpha_max(problem(X, y, 1.0))
    full = np.geomspace(amax, 1e-2 * amax, 10)
    np.testing.assert_allclose(res.alphas, full[:len(res.alphas)], rtol=1e-6)


# ========================================== ill-conditioned, separable


def collinear_design():
    rng = np.random.default_rng([24, 1])
    n = 120
    base = rng.standard_normal((n, 4))
    cols = []
    for j in range(4):
        cols.append(base[:, j])
        cols.append(base[:, j] + 1e-8 * rng.standard_normal(n))
        cols.append(2.0 * base[:, j])                     # exact copy up to scale
    X = np.column_stack(cols)
    y = (rng.random(n) < 1 / (1 + np.exp(-(base @ [1.5, -1.0, 0.5, 0.0])))).astype(int)
    return X, y


def polynomial_design():
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    data = load_iris()
    X0 = data.data[:, :3]
    y = (data.data[:, 3] > np.median(data.data[:, 3])).astype(int)
    X = PolynomialFeatures(3, include_bias=False).fit_transform(X0)
    X = StandardScaler().fit_transform(X)                 # 19 columns, rank-deficient-ish
    return X, y


def scales_design():
    rng = np.random.default_rng([24, 3])
    n, p = 100, 12
    Z = rng.standard_normal((n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-(Z[:, :4] @ [1.0, -1.0, 0.8, 0.5])))).astype(int)
    X = Z * np.logspace(-3, 3, p)
    return X, y


ILL = {"collinear": collinear_design, "poly3": polynomial_design, "scales": scales_design}


@pytest.mark.parametrize("design", ILL)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_ill_conditioned_certified_without_warnings(design, l1_ratio, no_warnings):
    X, y = ILL[design]()
    alphas = grid(X, y, l1_ratio, n_alphas=8, ratio=1e-2)
    res = fit(X, y, alphas=alphas, l1_ratio=l1_ratio, tol=1e-7, max_iter=100000)
    assert len(res.alphas) >= 1
    assert np.all(res.n_iter < 100000)
    assert_path_certified(X, y, res, tol=1e-7, l1_ratio=l1_ratio)


def separable_data(n=60, p=5, seed=28, margin=0.5):
    """Linearly separable labels with a margin: the deviance ratio passes 0.999 within a
    default grid (without a margin it creeps up to ~0.9989 at 1e-4 alpha_max, and
    glmnet's rule rightly does not fire)."""
    rng = np.random.default_rng([25, seed])
    X = rng.standard_normal((4 * n, p))
    side = X[:, 0] + 0.5 * X[:, 1]
    X = X[np.abs(side) > margin][:n]
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("family", ["binomial", "multinomial"])
def test_separable_data_stops(family):
    X, y = separable_data()
    if family == "multinomial":
        y = y + (X[:, 2] > 1.0) * (1 - y) * 2                # class 2 inside class 0's side
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit(X, y, alphas=30, tol=1e-6, max_iter=100000)
    for field in ("coefs", "intercepts", "dual_gaps", "dev_ratio", "alphas"):
        assert np.all(np.isfinite(np.asarray(getattr(res, field), np.float64))), field
    stopped = len(res.alphas) < 30
    assert stopped or caught, "separable data: neither an early stop nor a warning"
    if stopped:
        # glmnet's rule: stop after the first alpha whose deviance ratio passes 0.999,
        # or whose deviance ratio stopped changing
        dev = res.dev_ratio
        assert np.all(dev[:-1] <= 0.999)
        assert dev[-1] > 0.999 or abs(dev[-1] - dev[-2]) < 1e-5 * max(1.0, abs(dev[-1]))
    if caught:
        text = " ".join(str(w.message) for w in caught)
        assert any(word in text for word in ("separa", "diverg", "converge", "0.999")), text
    # what is reported as converged is; what is not is reported honestly
    assert_path_certified(X, y, res, tol=1e-6, excuse_unconverged=bool(caught), every=4)


def test_separable_tiny_alpha_explicit_grid():
    """An explicit grid far below alpha_max on separable data: no hang, no NaN, and
    whatever is returned is certified (the early stop is not required for an explicit grid)."""
    X, y = separable_data(seed=29)
    amax = R.alpha_max(problem(X, y, 1.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit(X, y, alphas=amax * np.geomspace(1, 1e-8, 12), tol=1e-6, max_iter=2000)
    assert np.all(np.isfinite(res.coefs)) and np.all(np.isfinite(res.intercepts))
    assert np.all(np.isfinite(res.dual_gaps)) and np.all(res.n_iter <= 2000)
    # an L1 penalty keeps every optimum finite: certified, or honestly reported as not
    assert_path_certified(X, y, res, tol=1e-6, excuse_unconverged=bool(caught), every=4)


# ============================================================ bad input


def test_single_class_raises():
    X, _ = binomial_data()
    with pytest.raises(ValueError, match="y|class"):
        fastpen.logistic_path(X, np.ones(X.shape[0]))
    with pytest.raises(ValueError, match="y|class"):
        fastpen.logistic_path(X, np.array(["a"] * X.shape[0]))


def test_bad_input_names_the_argument():
    X, y = binomial_data(n=40, p=5)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="X"):
        fastpen.logistic_path(bad, y)
    with pytest.raises(ValueError, match="X"):
        fastpen.logistic_path(sp.csc_matrix(bad), y)
    with pytest.raises(ValueError, match="sample_weight"):
        fastpen.logistic_path(X, y, sample_weight=np.ones(X.shape[0] - 1))
    with pytest.raises(ValueError, match="alpha"):
        fastpen.logistic_path(X, y, alphas=[0.1, -0.01])
    with pytest.raises(ValueError, match="y"):
        fastpen.logistic_path(X, y[:-1])
    with pytest.raises(ValueError, match="y"):
        fastpen.logistic_path(X, np.where(y == 1, 1.0, np.nan))
    with pytest.raises(ValueError, match="l1_ratio"):
        fastpen.logistic_path(X, y, l1_ratio=1.5)
    with pytest.raises(ValueError, match="penalty_factor"):
        fastpen.logistic_path(X, y, penalty_factor=-np.ones(X.shape[1]))
    Y = np.column_stack([y, 1 - y]).astype(float)
    Y[0, 1] = 0.5                                          # not 0/1
    with pytest.raises(ValueError, match="y"):
        fastpen.logistic_path(X, Y)


def test_inputs_not_modified():
    X, y = binomial_data(n=50, p=6)
    X = np.asfortranarray(X)
    sw = weights(50)
    pf = np.array([0.0, 1.0, 2.0, 1.0, np.inf, 1.0])
    lo, up = np.full(6, -0.5), np.full(6, 0.5)
    init = np.full(6, 0.01)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    args = [X, y, sw, pf, lo, up, init, Xs.data, Xs.indices, Xs.indptr]
    before = [a.copy() for a in args]
    fastpen.logistic_path(X, y, alphas=5, sample_weight=sw, penalty_factor=pf,
                          lower_bounds=lo, upper_bounds=up, coef_init=init, standardize=True)
    fastpen.logistic_path(Xs, y, alphas=5, sample_weight=sw)
    fastpen.logistic_path(X.astype(np.float32), y, alphas=3)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
