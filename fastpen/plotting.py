"""glmnet-style pictures of a regularization path and of a cross-validation curve.

Both plots put ln(alpha) on the x axis (glmnet's ``Log(lambda)``, natural log)
and the number of nonzero coefficients along the top axis.  The path plot
names only the few features largest in magnitude at the smallest alpha, in the
left margin beside their lines' ends, spread apart so that no two names touch
(the y-axis ticks move to the right to leave that margin free).

matplotlib is imported when a function is called, not with fastpen (the
``plot`` extra installs it).
"""
import numbers

import numpy as np

__all__ = ["plot_path", "plot_cv", "plot_cv_curve", "X_LABEL"]

#: The x label of both plots: the natural logarithm of alpha.
X_LABEL = "ln(alpha)"

_LABEL_FONTSIZE = 8          # points, the feature names of the path plot
_LABEL_GAP_PT = 14.0         # room for the leader lines between the names and the axes
_LABEL_MAX_CHARS = 24       # longer feature names are cut, with an ellipsis
_FADED = dict(color="0.78", linewidth=0.6, zorder=1.5)   # the unnamed lines among many
_FIGURE_MARGIN_PX = 4.0      # what is kept free along the figure's edges


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


def _format_alpha(value):
    return f"{value:.4g}"


def _positive_scalar(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive number, got {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}.")
    return value


def _path_arrays(path):
    """(alphas (m,), coefs (m, p)) of an enet_path / ridge_path result or a pair."""
    if hasattr(path, "coefs") and hasattr(path, "alphas"):
        alphas, coefs = path.alphas, path.coefs
    else:
        try:
            alphas, coefs = path
        except (TypeError, ValueError):
            raise TypeError("path: expected an enet_path / ridge_path result or a pair "
                            "(alphas, coefs).") from None
    alphas, coefs = np.asarray(alphas, dtype=float), np.asarray(coefs, dtype=float)
    if coefs.ndim != 2 or alphas.ndim != 1 or alphas.shape[0] != coefs.shape[0]:
        raise ValueError("path: expected alphas of shape (n_alphas,) and coefs of shape "
                         f"(n_alphas, n_features) (one target), got {alphas.shape} and "
                         f"{coefs.shape}.")
    if alphas.size == 0 or coefs.shape[1] == 0:
        raise ValueError("path: it holds no alpha or no feature.")
    if not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError("path: the alphas must be positive and finite (log scale).")
    if not np.all(np.isfinite(coefs)):
        raise ValueError("path: the coefficients hold NaN or infinite values.")
    return alphas, coefs


def _feature_names(feature_names, n_features):
    if feature_names is None:
        return [f"x{j}" for j in range(n_features)]
    if isinstance(feature_names, str):
        raise TypeError("feature_names: expected a sequence of names, got one string.")
    names = [str(name) for name in feature_names]
    if len(names) != n_features:
        raise ValueError(f"feature_names: expected {n_features} names (one per feature), "
                         f"got {len(names)}.")
    return names


def _label_count(label):
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, numbers.Integral):
        raise TypeError(f"label: expected an integer number of labels, got "
                        f"{type(label).__name__}.")
    if label < 0:
        raise ValueError(f"label: expected a number of labels >= 0, got {label}.")
    return int(label)


def _coef_scale(coef_scale, n_features):
    scale = np.asarray(coef_scale, dtype=float)
    if scale.shape != (n_features,):
        raise ValueError(f"coef_scale: expected one scale per feature, shape "
                         f"({n_features},), got {scale.shape}.")
    if not np.all(np.isfinite(scale)) or np.any(scale < 0):
        raise ValueError("coef_scale: the scales must be finite and >= 0.")
    return scale


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


def _set_xlim(ax, x, marks):
    """The path's range widened to hold the markers, padded by 2 %."""
    lo, hi = min([np.min(x), *marks]), max([np.max(x), *marks])
    pad = 0.02 * (hi - lo) if hi > lo else 0.5
    ax.set_xlim(lo - pad, hi + pad)


def _fit_in_figure(ax, renderer):
    """Shrink ``ax`` (and its twins) so that its decorations stay inside the figure.

    Only what spills over a figure edge is taken back: an axes that fits is left
    where its caller put it.  Returns True when the position changed.
    """
    from matplotlib.transforms import Bbox

    if ax.figure.get_layout_engine() is not None:
        # constrained or tight layout places the axes at each draw, decorations
        # included: a position set here would fight it
        return False
    # ax and its twins (the top axis of counts), which share its position
    here = ax.get_position().bounds
    twins = [other for other in ax.figure.axes if other.get_position().bounds == here]
    extent = Bbox.union([a.get_tightbbox(renderer) for a in twins])
    fig_w, fig_h = ax.figure.bbox.width, ax.figure.bbox.height
    m = _FIGURE_MARGIN_PX
    spill_left, spill_right = max(0.0, m - extent.x0), max(0.0, extent.x1 - (fig_w - m))
    spill_bottom, spill_top = max(0.0, m - extent.y0), max(0.0, extent.y1 - (fig_h - m))
    if not (spill_left or spill_right or spill_bottom or spill_top):
        return False
    pos = ax.get_position()
    x0, x1 = pos.x0 + spill_left / fig_w, pos.x1 - spill_right / fig_w
    y0, y1 = pos.y0 + spill_bottom / fig_h, pos.y1 - spill_top / fig_h
    if x1 - x0 < 0.2 * pos.width or y1 - y0 < 0.2 * pos.height:
        return False                  # the figure is too small: leave it to the caller
    ax.set_position([x0, y0, x1 - x0, y1 - y0])        # twins follow
    return True


def _spread(targets, height, lo, hi):
    """Centres y, in the order of the sorted ``targets``, nearest to them in least squares
    with y[i+1] - y[i] >= height and lo <= y <= hi.

    With z_i = y_i - i * height the gaps become "z nondecreasing" and the bounds
    z_0 >= lo, z_last <= hi - (n-1) height, which for a nondecreasing z bound every
    z_i alike: the answer is the isotonic regression of targets_i - i * height
    (pool adjacent violators) clipped to [lo, hi - (n-1) height].
    """
    n = len(targets)
    z = np.sort(np.asarray(targets, dtype=float)) - height * np.arange(n)
    blocks = []                       # [mean, count] of pooled runs
    for value in z:
        blocks.append([value, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, c2), (m1, c1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    fitted = np.repeat([b[0] for b in blocks], [b[1] for b in blocks])
    return np.clip(fitted, lo, hi - (n - 1) * height) + height * np.arange(n)


def _shorten(name, width=_LABEL_MAX_CHARS):
    """A name cut to ``width`` characters (the last one an ellipsis) so that one long
    name cannot squeeze the plot into a corner."""
    return name if len(name) <= width else name[:width - 1] + "\u2026"


def _text_extent(text, renderer):
    """The display box of a Text's letters (an Annotation's own box adds its arrow)."""
    from matplotlib.text import Text

    return Text.get_window_extent(text, renderer)


def _label_lines(ax, x_end, ends, names, chosen, colors):
    """Write ``names[j]`` for j in ``chosen`` (largest first) in the left margin,
    beside their lines' ends at (x_end, ends[j]), with a thin leader line.

    The names are stacked in display units within the axes' height, so they touch
    neither one another nor the tick labels below and above the axes; those that do
    not fit (a short axes, many labels) are dropped, smallest ``|coef|`` first.
    Returns the annotations, in the order of ``chosen``.
    """
    from matplotlib.transforms import offset_copy

    fig = ax.figure
    margin = offset_copy(ax.transAxes, fig=fig, x=-_LABEL_GAP_PT, y=0.0, units="points")
    notes = [ax.annotate(_shorten(names[j]), xy=(x_end, ends[j]), xycoords="data",
                         xytext=(0.0, 0.5), textcoords=margin, ha="right", va="center",
                         fontsize=_LABEL_FONTSIZE, color=colors[j], annotation_clip=False,
                         arrowprops=dict(arrowstyle="-", color=colors[j], linewidth=0.6,
                                         shrinkA=1.0, shrinkB=0.0))
             for j in chosen]
    if not notes:
        return notes
    renderer = fig.canvas.get_renderer()
    height = max(_text_extent(note, renderer).height for note in notes) * 1.15
    # the names in the margin (at any height) decide how far the axes must move right;
    # a second pass settles tick labels that change with the new size
    for _ in range(2):
        if not _fit_in_figure(ax, renderer):
            break
    bottom, top = ax.bbox.y0, ax.bbox.y1
    fits = int((top - bottom) // height)
    for note in notes[fits:]:
        note.remove()
    notes = notes[:fits]
    if not notes:
        return notes
    kept = chosen[:len(notes)]
    ax.get_ylim()                     # settles a pending autoscale before transData is read
    targets = ax.transData.transform(np.column_stack([np.full(len(kept), x_end),
                                                      ends[kept]]))[:, 1]
    order = np.argsort(targets, kind="stable")
    centres = np.empty(len(kept))
    centres[order] = _spread(targets[order], height, bottom + height / 2,
                             top - height / 2)
    for note, centre in zip(notes, centres):
        note.xyann = (0.0, (centre - bottom) / (top - bottom))
    return notes


def plot_path(path, *, alpha=None, alpha_label=None, feature_names=None, label=8,
              coef_scale=None, title=None, ax=None):
    """Coefficients against ln(alpha), with the nonzero count along the top axis
    (glmnet's ``plot.glmnet``).

    Parameters
    ----------
    path : result of :func:`fastpen.enet_path` / :func:`fastpen.ridge_path` for one
        target, or a pair (alphas (n_alphas,), coefs (n_alphas, n_features))
    alpha : float, optional
        An alpha to mark with a dashed vertical line (e.g. a CV estimator's
        ``alpha_``), named in a legend.
    alpha_label : str, optional
        The legend text of the marker; default ``"alpha = <value>"``
        (e.g. pass ``"CV alpha_min = 0.0123"``).
    feature_names : sequence of str, optional
        One name per feature; default ``x0, x1, ...``.
    label : int, default=8
        How many lines to name: those largest in magnitude at the smallest alpha
        (zero ones are never named).  The names sit in the left margin beside
        the lines' ends, never overlapping one another nor tick labels; fewer are
        written when the axes is too short to hold them all.  With more than
        ``2 * label`` features, the other lines are drawn thin and light grey.
    coef_scale : array-like of shape (n_features,), optional
        Multiplies each feature's coefficients, e.g. the columns' standard
        deviations, to draw standardized coefficients (coefficient × sd(x_j)),
        which compares features measured in different units.
    title : str, optional
    ax : matplotlib Axes, optional
        Drawn into; when its decorations would spill over the figure's edge, the
        axes is narrowed (never widened) to keep them inside.  The names are
        spaced for the axes' size and y limits at the time of the call.

    Returns
    -------
    matplotlib Axes
        ``ax.lines``: one line per feature (in feature order), the zero line,
        then the marker if ``alpha`` is given; ``ax.texts``: the feature names,
        largest ``|coef|`` first.
    """
    alphas, coefs = _path_arrays(path)
    n_features = coefs.shape[1]
    names = _feature_names(feature_names, n_features)
    n_label = _label_count(label)
    if coef_scale is not None:
        coefs = coefs * _coef_scale(coef_scale, n_features)
    if alpha is not None:
        alpha = _positive_scalar("alpha", alpha)
    if alpha_label is not None and not isinstance(alpha_label, str):
        raise TypeError(f"alpha_label: expected a string, got {type(alpha_label).__name__}.")
    ax = _axes(ax)
    x = np.log(alphas)
    order = np.argsort(x, kind="stable")
    x, coefs = x[order], coefs[order]
    ends = coefs[0]                                   # at the smallest alpha
    by_size = np.argsort(-np.abs(ends), kind="stable")
    chosen = by_size[:n_label][ends[by_size[:n_label]] != 0]

    lines = ax.plot(x, coefs, linewidth=1.2)
    fade = n_features > 2 * n_label
    if fade:
        # many features: the named ones in distinct colours, the rest as grey context
        cycle = [f"C{k}" for k in range(10)]          # the style's colour cycle
        for line in lines:
            line.set(**_FADED)
        for rank, j in enumerate(chosen):
            lines[j].set(color=cycle[rank % len(cycle)], linewidth=1.4, zorder=2.5)
    colors = [line.get_color() for line in lines]
    ax.axhline(0.0, color="0.6", linewidth=0.6, zorder=0)
    if alpha is not None:
        text = alpha_label if alpha_label is not None else f"alpha = {_format_alpha(alpha)}"
        ax.axvline(np.log(alpha), color="k", linestyle="--", linewidth=0.9, label=text)
        ax.legend(loc="best", fontsize=8)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel("standardized coefficients\n(coef × sd(x_j))" if coef_scale is not None
                  else "coefficients")
    _set_xlim(ax, x, [np.log(alpha)] if alpha is not None else [])
    if title is not None:
        ax.set_title(str(title), fontsize=10)
    _top_counts(ax, x, np.count_nonzero(coefs, axis=1))
    if len(chosen):
        # the names take the left margin: the y axis moves to the right
        ax.yaxis.tick_right()
        ax.yaxis.set_label_position("right")
        named = len(_label_lines(ax, x[0], ends, names, chosen, colors))
        if fade:
            for j in chosen[named:]:          # no room for its name: back to grey
                lines[j].set(**_FADED)
    else:
        _fit_in_figure(ax, ax.figure.canvas.get_renderer())
    return ax


def plot_cv_curve(alphas, mean, se, *, alpha_min, alpha_1se=None, n_nonzero=None,
                  ylabel="mean squared error", title=None, ax=None):
    """A cross-validation curve against ln(alpha) (glmnet's ``plot.cv.glmnet``):
    the mean error with one-standard-error bars, the chosen alphas marked and
    named with their values in the legend.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
        Positive.
    mean : array-like of shape (n_alphas,)
        Mean validation error at each alpha.
    se : array-like of shape (n_alphas,) or None
        Its standard error (drawn as error bars); None draws no bars.
    alpha_min : float
        The alpha of least error; dashed line, legend ``"alpha_min = <value>"``.
    alpha_1se : float, optional
        The largest alpha within one standard error of the least; dotted line,
        legend ``"alpha_1se = <value>"``.
    n_nonzero : array-like of shape (n_alphas,), optional
        Nonzero coefficients at each alpha, written along the top axis.
    ylabel : str, default="mean squared error"
        e.g. ``"mean squared error (5-fold CV)"``.
    title : str, optional
    ax : matplotlib Axes, optional
        As in :func:`plot_path`.

    Returns
    -------
    matplotlib Axes
        The error bars (``ax.containers[0]``); ``ax.lines`` ends with the mean
        curve and the vertical markers (alpha_min, then alpha_1se if given).
    """
    alphas = np.asarray(alphas, dtype=float)
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError(f"alphas: expected a non-empty 1-D array, got shape {alphas.shape}.")
    if not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError("alphas: must be positive and finite (log scale).")

    def curve(name, values):
        values = np.asarray(values, dtype=float)
        if values.shape != alphas.shape:
            raise ValueError(f"{name}: expected shape {alphas.shape} (one value per alpha), "
                             f"got {values.shape}.")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name}: holds NaN or infinite values.")
        return values

    mean = curve("mean", mean)
    se = curve("se", se) if se is not None else None
    if se is not None and np.any(se < 0):
        raise ValueError("se: standard errors must be >= 0.")
    counts = curve("n_nonzero", n_nonzero) if n_nonzero is not None else None
    alpha_min = _positive_scalar("alpha_min", alpha_min)
    alpha_1se = _positive_scalar("alpha_1se", alpha_1se) if alpha_1se is not None else None
    ax = _axes(ax)
    x = np.log(alphas)
    ax.errorbar(x, mean, yerr=se, fmt="o", color="tab:red", markersize=3,
                ecolor="0.6", elinewidth=0.8, capsize=1.5)
    ax.plot(x, mean, color="tab:red", linewidth=0.8)
    marks = [np.log(alpha_min)]
    ax.axvline(marks[0], color="k", linestyle="--", linewidth=0.9,
               label=f"alpha_min = {_format_alpha(alpha_min)}")
    if alpha_1se is not None:
        marks.append(np.log(alpha_1se))
        # grey and on top: still seen where it coincides with alpha_min
        ax.axvline(marks[1], color="0.45", linestyle=":", linewidth=1.2, zorder=3,
                   label=f"alpha_1se = {_format_alpha(alpha_1se)}")
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(str(ylabel))
    # plain numbers: an offset or a "1e6" multiplier sits where the top axis is drawn
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    ax.legend(loc="best", fontsize=8)
    _set_xlim(ax, x, marks)
    if title is not None:
        ax.set_title(str(title), fontsize=10)
    if counts is not None:
        order = np.argsort(x, kind="stable")
        _top_counts(ax, x[order], counts[order])
    _fit_in_figure(ax, ax.figure.canvas.get_renderer())
    return ax


def plot_cv(cv, *, path=None, target=0, title=None, ax=None):
    """Mean cross-validation error against ln(alpha), with one standard error bars,
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
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        As :func:`plot_cv_curve`: the error bars (``ax.containers[0]``);
        ``ax.lines`` ends with the mean curve and the two vertical markers
        (alpha_min, then alpha_1se).
    """
    mse, alphas, best, one_se = _cv_curve(cv, target)
    folds = mse.shape[1]
    mean = mse.mean(axis=1)
    se = mse.std(axis=1, ddof=1) / np.sqrt(folds) if folds > 1 else np.zeros_like(mean)
    counts = None
    if path is not None:
        p_alphas, coefs = _path_arrays(path)
        if p_alphas.shape != alphas.shape or not np.allclose(p_alphas, alphas):
            raise ValueError("path: its alphas must be the CV estimator's alphas_.")
        counts = np.count_nonzero(coefs, axis=1)
    return plot_cv_curve(alphas, mean, se, alpha_min=best, alpha_1se=one_se,
                         n_nonzero=counts, ylabel=f"mean squared error ({folds}-fold CV)",
                         title=title, ax=ax)


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
