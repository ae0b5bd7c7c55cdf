"""The path and CV figures: what a reader sees, checked with the renderer's text boxes."""
import numpy as np
import pytest

import fastpen
from fastpen.datasets import load_diabetes, make_correlated_regression

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from fastpen.plotting import X_LABEL, plot_cv, plot_cv_curve, plot_path  # noqa: E402
from fastpen.plotting import _shorten, _spread  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def wide_path():
    """A 300-feature lasso path on correlated columns (n < p)."""
    X, y, _ = make_correlated_regression(200, 300, random_state=0)
    return X, y, fastpen.lasso_path(X, y, alphas=40)


def _drawn(ax):
    """Draw the figure (ticks and legend settle) and return its renderer."""
    ax.figure.canvas.draw()
    return ax.figure.canvas.get_renderer()


def _feature_labels(ax):
    """The feature names: the annotations (they carry a leader line)."""
    return [t for t in ax.texts if hasattr(t, "xy")]


def _box(text, renderer):
    return Text.get_window_extent(text, renderer)      # the letters, not the leader line


def _tick_labels(ax):
    boxes = []
    for axes in ax.figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if axis.get_visible():
                boxes += [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
    return boxes


def _ends(path):
    """Coefficients at the smallest alpha."""
    return np.asarray(path.coefs)[np.argmin(path.alphas)]


def _assert_labels_readable(ax, names, ends, label):
    renderer = _drawn(ax)
    labels = _feature_labels(ax)
    assert 0 < len(labels) <= label
    boxes = [_box(t, renderer) for t in labels]
    for i in range(len(boxes)):
        for k in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[k]), (labels[i].get_text(),
                                                    labels[k].get_text())
    ticks = _tick_labels(ax)
    assert ticks
    axis_labels = [a.xaxis.label for a in ax.figure.axes] + [ax.yaxis.label, ax.title]
    for text, box in zip(labels, boxes):
        for other in ticks + [t for t in axis_labels if t.get_text()]:
            assert not box.overlaps(other.get_window_extent(renderer)), \
                (text.get_text(), other.get_text())
        figure = ax.figure.bbox                    # inside the figure, not cut off
        assert figure.x0 <= box.x0 and box.x1 <= figure.x1
        assert figure.y0 <= box.y0 and box.y1 <= figure.y1
    # the named lines are the largest |coef| at the smallest alpha, largest first
    largest = [names[j] for j in np.argsort(-np.abs(ends), kind="stable")[:len(labels)]]
    assert [t.get_text() for t in labels] == largest
    return labels, boxes


def test_plot_functions_on_python_results():
    X, y, names = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=30)
    ax = plot_path(path, alpha=path.alphas[10], feature_names=names)
    assert len(ax.lines) == X.shape[1] + 2           # the features, zero line, the marker
    for j, line in enumerate(ax.lines[:X.shape[1]]):
        np.testing.assert_allclose(line.get_ydata(), path.coefs[::-1, j])
    np.testing.assert_allclose(ax.lines[-1].get_xdata(), np.log(path.alphas[10]))
    assert ax.get_xlabel() == X_LABEL and ax.get_ylabel() == "coefficients"
    plt.close("all")
    est = fastpen.LassoCV(alphas=30, cv=4).fit(X, y)
    ax = plot_cv(est, path=fastpen.lasso_path(X, y, alphas=est.alphas_))
    assert ax.get_ylabel() == "mean squared error (4-fold CV)"
    assert ax.get_xlabel() == X_LABEL
    mean_line = ax.lines[-3]
    np.testing.assert_allclose(mean_line.get_ydata(), est.mse_path_.mean(axis=1))
    markers = [line.get_xdata()[0] for line in ax.lines[-2:]]
    np.testing.assert_allclose(markers, np.log([est.alpha_, est.alpha_1se_]))
    plt.close("all")
    with pytest.raises(ValueError, match="cv"):
        plot_cv(object())


def test_path_plot_keeps_the_marker_and_the_top_axis_in_place():
    X, y, _ = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=20)
    for mark in (1e-4, path.alphas[-1], path.alphas[0] * 10):  # outside, at the end, beyond
        ax = plot_path(path, alpha=mark)
        lo, hi = ax.get_xlim()
        assert lo < np.log(mark) < hi
        top = [a for a in ax.figure.axes if a is not ax][0]
        assert top.get_xlim() == (lo, hi)
        plt.close("all")


def test_the_top_axis_counts_the_nonzero_coefficients():
    X, y, names = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=25)
    ax = plot_path(path, feature_names=names)
    top = [a for a in ax.figure.axes if a is not ax][0]
    _drawn(ax)
    positions = top.get_xticks()
    counts = {np.log(a): int(np.count_nonzero(c)) for a, c in zip(path.alphas, path.coefs)}
    shown = [int(t.get_text()) for t in top.get_xticklabels()]
    assert len(shown) == len(positions) >= 2
    for where, count in zip(positions, shown):
        nearest = min(counts, key=lambda lx: abs(lx - where))
        assert abs(nearest - where) < 1e-9 and counts[nearest] == count
    assert top.get_xlabel() == "nonzero coefficients"


@pytest.mark.parametrize("n_features", [10, 60, 300])
def test_feature_labels_overlap_nothing_and_name_the_largest(n_features, wide_path):
    if n_features == 10:
        X, y, names = load_diabetes()
        path = fastpen.lasso_path(X, y, alphas=40)
    else:
        X, y, _ = wide_path
        X = X[:, :n_features]
        names = [f"feature_{j}" for j in range(n_features)]
        path = fastpen.lasso_path(X, y, alphas=40) if n_features < 300 else wide_path[2]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    plot_path(path, alpha=path.alphas[20], feature_names=names, label=8, ax=ax)
    labels, _ = _assert_labels_readable(ax, names, _ends(path), label=8)
    assert len(labels) == min(8, np.count_nonzero(_ends(path)))
    # each name carries its line's colour; its leader line ends on the line's end
    named = {t.get_text(): t for t in labels}
    for j, name in enumerate(names):
        if name in named:
            assert named[name].get_color() == ax.lines[j].get_color()
            np.testing.assert_allclose(named[name].xy, (np.log(path.alphas.min()),
                                                        _ends(path)[j]))
    # with many features the others fade into thin grey context
    others = [ax.lines[j] for j, name in enumerate(names) if name not in named]
    if n_features > 16:
        assert all(matplotlib.colors.same_color(line.get_color(), "0.78") for line in others)
        assert max(line.get_linewidth() for line in others) < \
            min(ax.lines[j].get_linewidth() for j, name in enumerate(names) if name in named)
    else:
        assert len({line.get_color() for line in ax.lines[:n_features]}) == n_features


def test_a_short_axes_drops_the_smallest_labels_rather_than_overlap(wide_path):
    _, _, path = wide_path
    names = [f"x{j}" for j in range(300)]
    fig, ax = plt.subplots(figsize=(4, 2.5))
    plot_path(path, feature_names=names, label=60, ax=ax)
    labels, _ = _assert_labels_readable(ax, names, _ends(path), label=60)
    assert len(labels) < 60                        # 60 names cannot stand in 2.5 inches
    # only the named lines keep a colour
    named = {t.get_text() for t in labels}
    coloured = [names[j] for j in range(300)
                if not matplotlib.colors.same_color(ax.lines[j].get_color(), "0.78")]
    assert set(coloured) == named


def test_isolated_labels_sit_at_their_lines_ends():
    """Well separated ends: each name is centred at the height of its line's end."""
    alphas = np.geomspace(1.0, 0.01, 10)
    coefs = np.outer(np.linspace(0.1, 1.0, 10), [-3.0, 0.0, 3.0])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    plot_path((alphas, coefs), feature_names=["down", "flat", "up"], ax=ax)
    renderer = _drawn(ax)
    labels = _feature_labels(ax)
    assert [t.get_text() for t in labels] == ["down", "up"]      # a zero line is not named
    for text in labels:
        end_y = ax.transData.transform(text.xy)[1]
        box = _box(text, renderer)
        assert abs((box.y0 + box.y1) / 2 - end_y) < 1.0
        assert box.x1 < ax.bbox.x0                 # in the left margin
    assert ax.yaxis.get_label_position() == "right"


def test_spread_solves_the_least_squares_placement():
    """_spread against a general solver: min sum (y - t)^2 with gaps and bounds."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    for _ in range(5):
        n = int(rng.integers(2, 8))
        targets = np.sort(rng.uniform(0, 10, n))
        height, lo, hi = 1.2, 0.5, 11.0
        got = _spread(targets, height, lo, hi)
        assert np.all(np.diff(got) >= height - 1e-9)
        assert got[0] >= lo - 1e-9 and got[-1] <= hi + 1e-9
        cons = [{"type": "ineq", "fun": lambda v, i=i: v[i + 1] - v[i] - height}
                for i in range(n - 1)]
        best = minimize(lambda v: np.sum((v - targets) ** 2), np.linspace(lo, hi, n),
                        jac=lambda v: 2 * (v - targets), constraints=cons,
                        bounds=[(lo, hi)] * n, method="SLSQP", options={"ftol": 1e-12})
        np.testing.assert_allclose(np.sum((got - targets) ** 2), best.fun, atol=1e-6)
    # separated targets do not move; a crowd is spread about its mean
    np.testing.assert_allclose(_spread([1.0, 5.0, 9.0], 1.0, 0.0, 10.0), [1.0, 5.0, 9.0])
    crowd = _spread([5.0, 5.0, 5.0], 1.0, 0.0, 10.0)
    np.testing.assert_allclose(crowd, [4.0, 5.0, 6.0])


def test_coef_scale_multiplies_the_plotted_coefficients():
    X, y, names = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=30)
    sd = X.std(axis=0)
    coefs_before = path.coefs.copy()
    ax = plot_path(path, feature_names=names, coef_scale=sd, label=3)
    np.testing.assert_array_equal(path.coefs, coefs_before)        # input untouched
    for j in range(X.shape[1]):
        np.testing.assert_allclose(ax.lines[j].get_ydata(), path.coefs[::-1, j] * sd[j])
    assert ax.get_ylabel().startswith("standardized coefficients")
    assert "sd(x_j)" in ax.get_ylabel()
    # the named lines are the largest standardized coefficients, not the raw ones
    scaled = _ends(path) * sd
    assert [t.get_text() for t in _feature_labels(ax)] == \
        [names[j] for j in np.argsort(-np.abs(scaled))[:3]]


def test_legends_carry_the_alpha_values():
    X, y, names = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=20)
    ax = plot_path(path, alpha=0.012345, feature_names=names)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["alpha = 0.01235"]
    plt.close("all")
    ax = plot_path(path, alpha=0.012345, alpha_label="CV alpha_min = 0.0123",
                   title="lasso path, diabetes: progression")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CV alpha_min = 0.0123"]
    assert ax.get_title() == "lasso path, diabetes: progression"
    plt.close("all")
    assert plot_path(path).get_legend() is None                    # nothing marked
    plt.close("all")
    est = fastpen.LassoCV(alphas=20, cv=3).fit(X, y)
    ax = plot_cv(est, title="3-fold CV, diabetes")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        [f"alpha_min = {est.alpha_:.4g}", f"alpha_1se = {est.alpha_1se_:.4g}"]
    assert ax.get_title() == "3-fold CV, diabetes"
    assert len(ax.figure.axes) == 1                                # no path, no top axis


def test_cv_curve_from_plain_arrays():
    alphas = np.geomspace(10.0, 0.01, 12)
    mean = (np.log(alphas) + 1.0) ** 2 + 3.0
    se = np.full(12, 0.5)
    counts = np.arange(12)
    ax = plot_cv_curve(alphas, mean, se, alpha_min=alphas[8], n_nonzero=counts,
                       ylabel="mean squared error (leave-one-out)")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        [f"alpha_min = {alphas[8]:.4g}"]
    assert ax.get_ylabel() == "mean squared error (leave-one-out)"
    assert ax.get_xlabel() == X_LABEL
    np.testing.assert_allclose(ax.lines[-1].get_xdata(), np.log(alphas[8]))
    np.testing.assert_allclose(ax.lines[-2].get_ydata(), mean)
    bars = ax.containers[0]
    segments = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments], 2 * se)
    top = [a for a in ax.figure.axes if a is not ax][0]
    _drawn(ax)
    ticks = dict(zip(np.round(top.get_xticks(), 9),
                     [int(t.get_text()) for t in top.get_xticklabels()]))
    for where, count in ticks.items():
        i = int(np.argmin(np.abs(np.log(alphas) - where)))
        assert counts[i] == count
    plt.close("all")
    ax = plot_cv_curve(alphas, mean, None, alpha_min=alphas[8], alpha_1se=alphas[5])
    assert len(ax.get_legend().get_texts()) == 2 and len(ax.figure.axes) == 1


@pytest.mark.parametrize("kwargs, error, match", [
    ({"feature_names": ["a", "b"]}, ValueError, "feature_names"),
    ({"feature_names": "abc"}, TypeError, "feature_names"),
    ({"label": -1}, ValueError, "label"),
    ({"label": 2.5}, TypeError, "label"),
    ({"coef_scale": np.ones(3)}, ValueError, "coef_scale"),
    ({"coef_scale": -np.ones(10)}, ValueError, "coef_scale"),
    ({"coef_scale": np.full(10, np.nan)}, ValueError, "coef_scale"),
    ({"alpha": 0.0}, ValueError, "alpha"),
    ({"alpha": "0.1"}, TypeError, "alpha"),
    ({"alpha_label": 3}, TypeError, "alpha_label"),
])
def test_path_plot_rejects_bad_arguments(kwargs, error, match):
    X, y, _ = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=5)
    with pytest.raises(error, match=match):
        plot_path(path, **kwargs)
    assert not plt.get_fignums()                  # rejected before anything is drawn


def test_bad_paths_and_curves_are_rejected():
    alphas = np.geomspace(1, 0.01, 5)
    with pytest.raises(ValueError, match="path"):
        plot_path((alphas, np.full((5, 2), np.nan)))
    with pytest.raises(ValueError, match="path"):
        plot_path((-alphas, np.zeros((5, 2))))
    with pytest.raises(ValueError, match="path"):
        plot_path((alphas, np.zeros((4, 2))))
    with pytest.raises(ValueError, match="mean"):
        plot_cv_curve(alphas, np.r_[1.0, np.nan, 1, 1, 1], None, alpha_min=0.1)
    with pytest.raises(ValueError, match="se"):
        plot_cv_curve(alphas, np.ones(5), np.ones(4), alpha_min=0.1)
    with pytest.raises(ValueError, match="alpha_min"):
        plot_cv_curve(alphas, np.ones(5), None, alpha_min=-1.0)
    with pytest.raises(ValueError, match="n_nonzero"):
        plot_cv_curve(alphas, np.ones(5), None, alpha_min=0.1, n_nonzero=[1, 2])
    assert not plt.get_fignums()


def test_one_feature_and_an_all_zero_path():
    alphas = np.geomspace(1, 0.01, 8)
    ax = plot_path((alphas, np.linspace(0, 2, 8)[:, None]), feature_names=["only"])
    assert [t.get_text() for t in _feature_labels(ax)] == ["only"]
    plt.close("all")
    ax = plot_path((alphas, np.zeros((8, 4))), alpha=0.1)
    assert _feature_labels(ax) == []                   # nothing to name, no failure
    assert ax.yaxis.get_label_position() == "left"
    _drawn(ax)


def test_long_names_are_shortened():
    alphas = np.geomspace(1, 0.01, 8)
    long_name = "a_very_long_feature_name_from_a_one_hot_encoding"
    ax = plot_path((alphas, np.linspace(0, 2, 8)[:, None]), feature_names=[long_name])
    (text,) = _feature_labels(ax)
    assert len(text.get_text()) <= 24 and text.get_text().endswith("\u2026")
    assert long_name.startswith(text.get_text()[:-1])


def test_long_names_push_the_axes_right_to_stay_in_the_figure():
    alphas = np.geomspace(1, 0.01, 8)
    names = [f"{word}_of_a_one_hot_encoded_column" for word in ("first", "second", "third")]
    coefs = np.outer(np.linspace(0.0, 1.0, 8), [3.0, -2.0, 1.0])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    left_before = ax.get_position().x0
    plot_path((alphas, coefs), feature_names=names, ax=ax)
    assert ax.get_position().x0 > left_before
    top = [a for a in fig.axes if a is not ax][0]
    assert top.get_position().bounds == ax.get_position().bounds
    _assert_labels_readable(ax, [_shorten(name) for name in names], coefs[-1], label=8)


def test_a_constrained_layout_figure_places_both_panels_inside_it():
    """Under constrained (or tight) layout the layout engine places the axes: the path
    plot must not move them itself (it did, and the two panels overlapped, labels off
    the figure)."""
    X, y, names = load_diabetes()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    plot_path(fastpen.lasso_path(X, y, alphas=30), ax=left, feature_names=names,
              title="path")
    plot_cv(fastpen.LassoCV(cv=3, alphas=20).fit(X, y), ax=right)
    renderer = _drawn(left)
    boxes = {ax: ax.get_tightbbox(renderer) for ax in fig.axes}
    for ax, box in boxes.items():
        assert box.x0 >= -1 and box.x1 <= fig.bbox.width + 1, (ax, box)
        assert box.y0 >= -1 and box.y1 <= fig.bbox.height + 1, (ax, box)
    assert left.get_tightbbox(renderer).x1 <= right.get_tightbbox(renderer).x0 + 1
    assert left.get_position().width > 0.2 and left.get_xlabel() == X_LABEL
