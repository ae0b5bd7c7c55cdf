"""glmnet-style pictures of a regularization path and of a cross-validation curve.

matplotlib is imported when a function is called, not with fastpen (the
``plot`` extra installs it).
"""
import numpy as np

__all__ = ["plot_path", "plot_cv"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("fastpen.plotting needs matplotlib: pip install "
                          "'fastpen[plot]' (or matplotlib).") from None
    return plt


def _axes(ax):
    if ax is not None:
        return ax
    return _pyplot().subplots(figsize=(7, 4.5))[1]


def _path_arrays(path):
    """(alphas (m,), coefs (m, p)) of an enet_path / ridge_path result or a pair."""
    alphas, coefs = (path.alphas, path.coefs) if hasattr(path, "coefs") else path
    alphas, coefs = np.asarray(alphas, dtype=float), np.asarray(coefs, dtype=float)
    if coefs.ndim != 2 or alphas.ndim != 1 or alphas.shape[0] != coefs.shape[0]:
        raise ValueError("path: expected alphas of shape (n_alphas,) and coefs of shape "
                         f"(n_alphas, n_features) (one target), got {alphas.shape} and "
                         f"{coefs.shape}.")
    if np.any(alphas <= 0):
        raise ValueError("path: the alphas must be positive (log scale).")
    return alphas, coefs


def _top_counts(ax, log_alphas, counts, n_ticks=8):
    """A secondary x axis along the top labelled with counts at some alphas."""
    top = ax.twiny()
    top.set_xlim(ax.get_xlim())
    picks = np.unique(np.linspace(0, len(log_alphas) - 1, min(n_ticks, len(log_alphas)))
                      .round().astype(int))
    top.set_xticks(log_alphas[picks])
    top.set_xticklabels([str(int(c)) for c in counts[picks]])
    top.set_xlabel("nonzero coefficients")
    return top


def plot_path(path, *, alpha=None, feature_names=None, label=8, ax=None):
    """Coefficients against log(alpha), with the nonzero count along the top axis.

    Parameters
    ----------
    path : result of :func:`fastpen.enet_path` / :func:`fastpen.ridge_path` for one
        target, or a pair (alphas (n_alphas,), coefs (n_alphas, n_features))
    alpha : float, optional
        An alpha to mark with a vertical line (e.g. a CV estimator's ``alpha_``).
    feature_names : sequence of str, optional
        Labels for the ``label`` coefficients largest in magnitude at the
        smallest alpha, written beside the left end of their lines.
    label : int, default=8
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        ``ax.lines``: one line per feature, the zero line, then the marker if
        ``alpha`` is given.
    """
    alphas, coefs = _path_arrays(path)
    ax = _axes(ax)
    x = np.log(alphas)
    order = np.argsort(x)
    x, coefs = x[order], coefs[order]
    ax.plot(x, coefs, linewidth=1.2)
    ax.axhline(0.0, color="0.6", linewidth=0.6, zorder=0)
    ax.set_xlabel("log(alpha)")
    ax.set_ylabel("coefficients")
    if alpha is not None:
        ax.axvline(np.log(alpha), color="k", linestyle="--", linewidth=0.9)
    # the limits before the top axis copies them: the path and the marker, padded
    lo, hi = min(x[0], np.log(alpha) if alpha else x[0]), max(x[-1], np.log(alpha)
                                                            if alpha else x[-1])
    pad = 0.02 * (hi - lo) if hi > lo else 0.5
    ax.set_xlim(lo - pad, hi + pad)
    if feature_names is not None and label > 0:
        last = coefs[0]                       # the smallest alpha
        for j in np.argsort(-np.abs(last))[:label]:
            if last[j] != 0:
                ax.annotate(str(feature_names[j]), (x[0], last[j]), xytext=(-3, 0),
                            textcoords="offset points", ha="right", va="center",
                            fontsize=7)
    _top_counts(ax, x, np.count_nonzero(coefs, axis=1))
    return ax


def plot_cv(cv, *, path=None, target=0, ax=None):
    """Mean cross-validation error against log(alpha), with one standard error bars,
    the best alpha and the one-standard-error alpha marked (glmnet's ``plot.cv``).

    Parameters
    ----------
    cv : a fitted :class:`fastpen.LassoCV` or :class:`fastpen.ElasticNetCV`
        (``mse_path_``, ``alphas_``, ``alpha_``, ``alpha_1se_``; with several
        l1_ratios, the chosen one's curve).
    path : enet_path result on the whole data, optional
        Its nonzero counts label the top axis (alphas as in ``cv.alphas_``).
    target : int, default=0
        Which target, for a CV fit of several.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The error bars (``ax.containers[0]``); ``ax.lines`` ends with the mean
        curve and the two vertical markers (alpha_min, then alpha_1se).
    """
    mse, alphas, best, one_se = _cv_curve(cv, target)
    ax = _axes(ax)
    x = np.log(alphas)
    folds = mse.shape[1]
    mean = mse.mean(axis=1)
    se = mse.std(axis=1, ddof=1) / np.sqrt(folds) if folds > 1 else np.zeros_like(mean)
    ax.errorbar(x, mean, yerr=se, fmt="o", color="tab:red", markersize=3,
                ecolor="0.6", elinewidth=0.8, capsize=1.5)
    ax.plot(x, mean, color="tab:red", linewidth=0.8)
    ax.axvline(np.log(best), color="k", linestyle="--", linewidth=0.9, label="alpha_min")
    ax.axvline(np.log(one_se), color="k", linestyle=":", linewidth=0.9, label="alpha_1se")
    ax.set_xlabel("log(alpha)")
    ax.set_ylabel("mean squared error")
    ax.legend(loc="best", fontsize=8)
    if path is not None:
        p_alphas, coefs = _path_arrays(path)
        if p_alphas.shape != alphas.shape or not np.allclose(p_alphas, alphas):
            raise ValueError("path: its alphas must be the CV estimator's alphas_.")
        _top_counts(ax, x, np.count_nonzero(coefs, axis=1))
    return ax


def _cv_curve(cv, target):
    """(mse (n_alphas, n_folds), alphas, alpha_, alpha_1se_) of one target.

    The estimator's arrays drop the l1_ratio axis for one l1_ratio and carry a
    trailing target axis for several targets (see ElasticNetCV).
    """
    for name in ("mse_path_", "alphas_", "alpha_", "alpha_1se_"):
        if not hasattr(cv, name):
            raise ValueError(f"cv: expected a fitted fastpen LassoCV / ElasticNetCV "
                             f"(no attribute {name}).")
    ratios = np.atleast_1d(np.asarray(getattr(cv, "l1_ratio", 1.0), dtype=float))
    several = ratios.size > 1
    mse, alphas = np.asarray(cv.mse_path_, dtype=float), np.asarray(cv.alphas_, dtype=float)
    if mse.ndim == 3 + several:
        mse = mse[..., target]
    if alphas.ndim == 2 + several:
        alphas = alphas[..., target]
    best, one_se, chosen = (np.ravel(cv.alpha_), np.ravel(cv.alpha_1se_),
                            np.ravel(getattr(cv, "l1_ratio_", 1.0)))
    t = target if best.size > 1 else 0
    if several:
        li = int(np.argmin(np.abs(ratios - chosen[target if chosen.size > 1 else 0])))
        mse, alphas = mse[li], alphas[li]
    return mse, alphas, float(best[t]), float(one_se[t])
