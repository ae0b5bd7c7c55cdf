"""``--model logistic`` of the ``fastpen`` command: fit, path, cv and their output.

Penalised logistic regression of a label column (any labels: text or numbers)
on the features, with :func:`fastpen.logistic_path` (glmnet's objective: the
mean log-loss plus ``alpha * (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2)``).
Two classes make a binomial model, whose positive class is the second of the
sorted labels (numerically sorted when every label is a number); more make a
multinomial one (``--family multinomial`` also fits two classes with the
softmax).

Cross-validation fits every fold's training rows along the whole data's
alpha grid (all the folds' paths in one parallel call, each fold a weighting
of the rows) and scores the held-out rows by their mean deviance (``-2`` times
the mean log-likelihood, glmnet's ``type.measure="deviance"``); alpha_min has
the least mean over the folds, alpha_1se is the largest alpha within one
standard error of it.  Folds are drawn as for the regression models
(:func:`fastpen._cli_fit.make_folds`).

``fastpen predict`` with a saved logistic model writes a ``predicted`` column
(the most probable class) and the probabilities: ``P(<class>)`` for the positive
class only with two classes, one ``P(<class>)`` column per class with more.
"""
import json
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._cli_fit import Curve, UsageError, default_eps, make_folds
from ._io import DataError

# probabilities are clipped here for the held-out deviance: a separable fold would
# otherwise score an infinite deviance from one confident mistake
_PROB_FLOOR = 1e-15


@dataclass
class LogisticFitted:
    """A fitted logistic model on the data's own feature scale."""

    family: str               # binomial or multinomial
    classes: list             # labels as text, sorted as the model's blocks are
    l1_ratio: float
    alpha: float
    coef: np.ndarray          # (p,) binomial, (k, p) multinomial
    intercept: object         # float, or (k,) array
    curve: Curve = None
    folds: object = None
    eps: float = None
    time_s: float = 0.0
    notes: list = field(default_factory=list)


def l1_ratio_of(l1_ratio):
    """The L1 share for --model logistic: 1 (the lasso penalty) unless given."""
    return 1.0 if l1_ratio is None else float(l1_ratio)


def check_options(args):
    """Options that do not apply to --model logistic, or --family without it."""
    if args.model != "logistic":
        if getattr(args, "family", None) is not None:
            raise UsageError("--family applies to --model logistic.")
        return
    if getattr(args, "family", None) is None:
        args.family = "auto"


# -- labels ----------------------------------------------------------------------------


@dataclass
class Labels:
    """The label column as class indices."""

    index: np.ndarray         # (n,) int: position of each row's class in ``classes``
    classes: list             # text
    family: str


def encode_labels(data, family):
    """Class indices of the data's labels, sorted numerically when every label is a
    number (so 2 < 10), else by text; the family the classes and --family make."""
    from ._encoding import is_number

    texts = [str(v) for v in data.y]
    distinct = set(texts)
    if all(is_number(t) for t in distinct):
        classes = sorted(distinct, key=lambda t: (float(t), t))
    else:
        classes = sorted(distinct)
    if len(classes) < 2:
        raise DataError(f"{data.source}: the label column {data.target_name!r} has a single "
                        f"class ({classes[0] if classes else 'no rows'!r}): logistic "
                        "regression needs two or more (choose another column with --target)")
    if family == "binomial" and len(classes) > 2:
        raise DataError(f"{data.source}: --family binomial needs two classes; the label "
                        f"column {data.target_name!r} has {len(classes)} "
                        f"({', '.join(classes[:10])}{', ...' if len(classes) > 10 else ''})")
    if len(classes) > 2 and len(classes) > max(20, len(texts) // 2):
        raise DataError(f"{data.source}: the label column {data.target_name!r} has "
                        f"{len(classes)} different values in {len(texts)} rows: a numeric "
                        "target? (--model lasso / enet / ridge fit regressions)")
    position = {c: i for i, c in enumerate(classes)}
    index = np.fromiter((position[t] for t in texts), dtype=np.intp, count=len(texts))
    chosen = "multinomial" if family == "multinomial" or len(classes) > 2 else "binomial"
    return Labels(index, classes, chosen)


# -- fits ------------------------------------------------------------------------------


def _path_kwargs(args, labels):
    return dict(l1_ratio=l1_ratio_of(args.l1_ratio), tol=args.tol, max_iter=args.max_iter,
                standardize=args.standardize, n_threads=args.threads, family=labels.family)


def _quiet_fit(notes, what, fit):
    """``fit()`` with its convergence warnings gathered into one note."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit()
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    if messages:
        more = f" (and {len(messages) - 1} more warnings)" if len(messages) > 1 else ""
        notes.append(f"warning: {what}: {messages[0]}{more}")
    return result


def _blocks(coefs, family):
    """Path coefficients as (m, k, p): k = 1 for binomial."""
    return coefs[:, None, :] if family == "binomial" else coefs


def fit_path(data, args):
    """The whole-data path: a namespace with alphas, coefs ((m, p) or (m, k, p)),
    intercepts, n_nonzero, dev_ratio, classes, family, eps, l1_ratio, time_s, notes."""
    from types import SimpleNamespace

    from ._logistic import logistic_path

    labels = encode_labels(data, args.family)
    n, p = data.X.shape
    eps = args.eps if args.eps is not None else default_eps(n, p)
    notes = []
    start = time.perf_counter()
    res = _quiet_fit(notes, "the path", lambda: logistic_path(
        data.X, labels.index, alphas=args.n_alphas, eps=eps, **_path_kwargs(args, labels)))
    elapsed = time.perf_counter() - start
    if len(res.alphas) < args.n_alphas:
        notes.append(f"note: the path stopped after {len(res.alphas)} of {args.n_alphas} "
                     f"alphas, where the model explains {100 * res.dev_ratio[-1]:.2f} % of "
                     "the deviance (glmnet's rule: above 99.9 %, or no longer changing)")
    return SimpleNamespace(alphas=res.alphas, coefs=res.coefs, intercepts=res.intercepts,
                           n_nonzero=np.asarray(res.df), dev_ratio=res.dev_ratio,
                           classes=labels.classes, family=labels.family, eps=eps,
                           l1_ratio=l1_ratio_of(args.l1_ratio), time_s=elapsed, notes=notes,
                           labels=labels)


def fit(data, args, *, n_folds, path=None):
    """The model at ``args.alpha``, or at the alpha of least held-out deviance over
    ``n_folds`` folds (with its curve); ``path``: the whole-data path of
    :func:`fit_path`, when the caller has it already."""
    from ._logistic import logistic_path

    labels = encode_labels(data, args.family)
    n, p = data.X.shape
    l1 = l1_ratio_of(args.l1_ratio)
    alpha = getattr(args, "alpha", None)
    notes = []
    if alpha is not None:
        start = time.perf_counter()
        res = _quiet_fit(notes, "the fit", lambda: logistic_path(
            data.X, labels.index, alphas=[alpha], **_path_kwargs(args, labels)))
        return LogisticFitted(labels.family, labels.classes, l1, float(alpha),
                              np.asarray(res.coefs[0], dtype=np.float64),
                              _intercept(res.intercepts[0]),
                              time_s=time.perf_counter() - start, notes=notes)
    folds = make_folds(n, n_folds, seed=args.seed, in_order=args.folds_in_order,
                       source=data.source, default=args.cv is None)
    start = time.perf_counter()
    if path is None:
        path = fit_path(data, args)
        notes.extend(path.notes)
    deviance = _held_out_deviance(data, labels, path, folds, args, notes)   # (m, F)
    from ._cv import fold_mean_se, select_alpha

    errors = deviance[None, :, :, None]                                   # (L, m, F, k)
    mean, se = fold_mean_se(errors)
    _, best, one_se = select_alpha(errors, True, (mean, se))
    best, one_se = int(best[0]), int(one_se[0])
    curve = Curve(path.alphas.copy(), mean[0, :, 0], se[0, :, 0], best, one_se,
                  f"{folds.n_folds}-fold", n_nonzero=path.n_nonzero)
    if best == len(path.alphas) - 1 and len(path.alphas) > 1 \
            and mean[0, -1, 0] < mean[0, -2, 0]:
        curve.at_edge = "smallest"
        notes.append(f"warning: the alpha chosen by {curve.how} CV ({path.alphas[best]:.4g}) "
                     "is the smallest of the grid and the held-out deviance was still "
                     f"falling there: to look further, lower --eps (now {path.eps:g})")
    elif best == 0 and not np.any(path.coefs[0]):
        notes.append(f"note: the alpha chosen by {curve.how} CV is alpha_max, where every "
                     "coefficient is zero: no feature improved the held-out deviance over "
                     "the class shares")
    fitted = LogisticFitted(labels.family, labels.classes, l1, float(path.alphas[best]),
                            np.asarray(path.coefs[best], dtype=np.float64),
                            _intercept(path.intercepts[best]), curve=curve, folds=folds,
                            eps=path.eps, notes=notes)
    fitted.time_s = time.perf_counter() - start
    return fitted


def _intercept(value):
    value = np.asarray(value, dtype=np.float64)
    return float(value) if value.ndim == 0 else value


def _held_out_deviance(data, labels, path, folds, args, notes):
    """Mean held-out deviance (m, F) of each fold's path along the whole data's grid.

    Every fold's path is fitted in one parallel call of
    :func:`fastpen._logistic_cv.cross_validate_logistic`, a fold being a weighting
    of the rows (its held-out rows weigh 0), so X is never copied per fold and the
    threads run the folds' paths side by side.  The trade-off: each fold's fit
    reads all n rows, F/(F-1) times those of a fit on its training rows alone
    (1.25 with 5 folds), which one thread pays in full.  The zero weights make the
    solutions those of the training rows alone (the rows drop out of the loss,
    the column means and, with --standardize, the standard deviations).

    The deviance is scored here from the folds' coefficients rather than from that
    function's ``neg_log_loss``: the CLI floors each held-out probability at
    ``_PROB_FLOOR``, which a mean log-loss cannot reproduce; the scoring is one
    product ``X_test @ W.T`` per fold covering every alpha and class, small beside
    the fits.
    """
    from ._logistic import encode_labels as kernel_labels
    from ._logistic_cv import cross_validate_logistic
    from ._threads import thread_lease
    from ._validation import check_array_2d

    index = labels.index
    k = len(labels.classes)
    for f, (train, _) in enumerate(folds.pairs):
        missing = sorted(set(range(k)) - set(np.unique(index[train]).tolist()))
        if missing:
            raise DataError(f"{data.source}: the training rows of fold {f + 1} of "
                            f"{folds.n_folds} have no row of class "
                            f"{labels.classes[missing[0]]!r}: use fewer folds (--cv K)")
    X = check_array_2d(data.X, require_finite=False)
    # class indices 0..k-1 sort as the CLI's classes do, so the kernels' blocks keep
    # the CLI's class order
    kernel = kernel_labels(index, X.shape[0], labels.family)
    with thread_lease(args.threads) as n_threads:
        res = _quiet_fit(notes, "the folds' paths", lambda: cross_validate_logistic(
            X, kernel, folds.pairs, l1_ratios=l1_ratio_of(args.l1_ratio),
            alphas=path.alphas, penalty=dict(standardize=bool(args.standardize)),
            tol=args.tol, max_iter=args.max_iter, n_threads=n_threads))
    coefs = res.fold_coefs[:, 0, :, 0]                                    # (m, F, kb, p)
    intercepts = res.fold_intercepts[:, 0, :, 0]                          # (m, F, kb)
    out = np.empty((len(path.alphas), folds.n_folds))
    for f, (_, test) in enumerate(folds.pairs):
        out[:, f] = _deviance(X[test], index[test], np.asarray(coefs[:, f], np.float64),
                              np.asarray(intercepts[:, f], np.float64), labels.family)
    return out


def _deviance(X_test, y, W, b, family):
    """Mean deviance (m,) of the labels ``y`` (class indices) under the models
    ``W`` (m, kb, p), ``b`` (m, kb): ``-2`` times the mean log-probability of each
    row's class, each probability floored at ``_PROB_FLOOR``."""
    m, kb, p = W.shape
    eta = np.asarray(X_test @ W.reshape(m * kb, p).T).reshape(-1, m, kb) + b[None]
    if family == "binomial":
        # log P(y) = -log(1 + exp(-s eta)), s = +1 for the positive class, else -1
        margin = np.where(y[:, None] == 1, 1.0, -1.0) * eta[:, :, 0]
        log_p = -np.logaddexp(0.0, -margin)
    else:
        top = eta.max(axis=2, keepdims=True)
        log_norm = top[:, :, 0] + np.log(np.exp(eta - top).sum(axis=2))
        log_p = np.take_along_axis(eta, y[:, None, None], axis=2)[:, :, 0] - log_norm
    log_p = np.maximum(log_p, np.log(_PROB_FLOOR))
    return -2.0 * log_p.mean(axis=0)


# -- output ----------------------------------------------------------------------------


def _model_name(fitted_or_path):
    name = "logistic regression"
    if fitted_or_path.family == "multinomial":
        name = "multinomial " + name
    l1 = fitted_or_path.l1_ratio
    return name + (" (lasso penalty)" if l1 == 1 else " (ridge penalty)" if l1 == 0 else
                   f" (elastic net, l1_ratio={l1:g})")


def summary(data, fitted):
    """The fitted model as a JSON-ready dict."""
    s = {"model": "logistic", "family": fitted.family, "data": str(data.source),
         "target": data.target_name, "classes": list(fitted.classes),
         "n_samples": int(data.X.shape[0]), "n_features": int(data.X.shape[1]),
         "time_s": fitted.time_s, "l1_ratio": fitted.l1_ratio, "alpha": fitted.alpha}
    if fitted.family == "binomial":
        s["positive_class"] = fitted.classes[1]
    curve = fitted.curve
    if curve is not None:
        s.update(cv=curve.how, folds=fitted.folds.description, seed=fitted.folds.seed,
                 cv_score=float(curve.mean[curve.best]),
                 cv_score_se=float(curve.se[curve.best]),
                 cv_score_name="mean held-out deviance",
                 alpha_1se=float(curve.alphas[curve.one_se]), eps=fitted.eps)
    names = list(map(str, data.feature_names))
    if fitted.family == "binomial":
        s["intercept"] = float(fitted.intercept)
        s["n_nonzero"] = int(np.count_nonzero(fitted.coef))
        s["coefficients"] = {n: float(c) for n, c in zip(names, fitted.coef)}
    else:
        s["intercept"] = {c: float(b) for c, b in zip(fitted.classes, fitted.intercept)}
        s["n_nonzero"] = int(np.count_nonzero(np.any(fitted.coef != 0, axis=0)))
        s["coefficients"] = {c: {n: float(v) for n, v in zip(names, row)}
                             for c, row in zip(fitted.classes, fitted.coef)}
    return s


def print_fit(s):
    fam = "multinomial " if s["family"] == "multinomial" else ""
    l1 = s["l1_ratio"]
    penalty = ("lasso penalty" if l1 == 1 else "ridge penalty" if l1 == 0 else
               f"elastic net, l1_ratio={l1:g}")
    print(f"{fam}logistic regression ({penalty}) on {s['data']}: {s['n_samples']} samples "
          f"x {s['n_features']} features, labels {s['target']!r}: "
          + ", ".join(map(repr, s["classes"])))
    if s["family"] == "binomial":
        print(f"positive class: {s['positive_class']!r} (coefficients raise its log-odds)")
    how = f"chosen by {s['cv']} CV" if "cv" in s else "given"
    print(f"alpha = {s['alpha']:.6g} ({how})")
    if "cv" in s:
        print(f"held-out deviance at alpha: {s['cv_score']:.6g} ± {s['cv_score_se']:.3g} "
              "(mean over the folds ± one standard error)")
        print(f"1-SE alpha: {s['alpha_1se']:.6g} (the largest alpha within one standard "
              "error of the least deviance)")
    print(f"{s['n_nonzero']} of {s['n_features']} features used, fitted in "
          f"{s['time_s']:.3f} s\n")
    from ._cli_report import print_coefficient_table, print_zero_coefficients

    coefs = s["coefficients"]
    if s["family"] == "binomial":
        zeros = print_coefficient_table(s["intercept"], coefs)
    else:
        classes = s["classes"]
        features = list(next(iter(coefs.values())))
        used = [n for n in features if any(coefs[c][n] != 0 for c in classes)]
        width = min(40, max([len("(intercept)")] + [len(n) for n in used]))
        cols = [f"{str(c)[:12]:>12}" for c in classes]
        print(f"{'feature':<{width}}  " + " ".join(cols))
        print(f"{'(intercept)':<{width}}  "
              + " ".join(f"{s['intercept'][c]:>12.5g}" for c in classes))
        for name in sorted(used, key=lambda n: -max(abs(coefs[c][n]) for c in classes)):
            print(f"{name:<{width}}  " + " ".join(f"{coefs[c][name]:>12.5g}"
                                                  for c in classes))
        zeros = [n for n in features if n not in used]
    print_zero_coefficients(zeros, "" if s["family"] == "binomial" else " in every class")


def write_coefficients(path, s):
    """--output: the coefficients as CSV (a column per class for multinomial) or the
    whole summary as JSON."""
    from ._cli_report import csv_field

    try:
        with open(path, "w") as f:
            if path.lower().endswith(".json"):
                json.dump(s, f, indent=2)
                return
            if s["family"] == "binomial":
                f.write("feature,coefficient\n")
                f.write(f"(intercept),{s['intercept']!r}\n")
                for name, value in s["coefficients"].items():
                    f.write(f"{csv_field(name)},{value!r}\n")
                return
            classes = s["classes"]
            f.write("feature," + ",".join(csv_field(str(c)) for c in classes) + "\n")
            f.write("(intercept)," + ",".join(repr(s["intercept"][c]) for c in classes)
                    + "\n")
            for name in s["coefficients"][classes[0]]:
                f.write(csv_field(name) + ","
                        + ",".join(repr(s["coefficients"][c][name]) for c in classes) + "\n")
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None


def save_model(path, data, fitted, args):
    """--save: a logistic model file for ``fastpen predict`` and fastpen.load_model."""
    import sys

    from ._model import Model, column_statistics

    mean, sd = column_statistics(data.X)
    options = {"standardize": bool(args.standardize), "tol": args.tol,
               "max_iter": args.max_iter, "n_alphas": args.n_alphas,
               "family": fitted.family, "features": args.features, "drop": args.drop,
               "categorical": args.categorical, "na": args.na}
    if fitted.curve is not None:
        options.update(cv=fitted.curve.how, alpha_1se=float(
            fitted.curve.alphas[fitted.curve.one_se]), eps=fitted.eps,
            seed=fitted.folds.seed, folds=fitted.folds.description)
    model = Model(coef=fitted.coef, intercept=fitted.intercept,
                  feature_names=list(map(str, data.feature_names)),
                  target_name=data.target_name, encoding=data.encoding, model="logistic",
                  alpha=fitted.alpha, l1_ratio=fitted.l1_ratio, options=options,
                  column_mean=mean, column_sd=sd, source=str(data.source),
                  classes=list(fitted.classes))
    model.save(path)
    print(f"fastpen: model saved to {path}", file=sys.stderr)


def print_path(data, path, mark):
    m = len(path.alphas)
    print(f"{_model_name(path)} path on {data.source}: labels {data.target_name!r} "
          f"({', '.join(map(repr, path.classes))}), {data.X.shape[1]} features, {m} alphas "
          f"from {path.alphas[0]:.4g} to {path.alphas[-1]:.4g}, fitted in "
          f"{path.time_s:.3f} s\n")
    from ._cli_report import feature_changes

    print(f"{'alpha':>12} {'nonzero':>8} {'%dev':>7}  changes")
    used = np.any(_blocks(path.coefs, path.family) != 0, axis=1).astype(float)   # (m, p)
    previous = np.zeros(used.shape[1])
    for i in range(m):
        change = feature_changes(data.feature_names, previous, used[i])
        print(f"{path.alphas[i]:12.5g} {path.n_nonzero[i]:8d} "
              f"{100 * path.dev_ratio[i]:7.2f}  {change}".rstrip())
        previous = used[i]
    print("\n%dev: share of the null deviance explained on the data itself. changes: "
          "features entering (+) and leaving (-) the model"
          + (" (in any class)." if path.family == "multinomial" else "."))
    if mark is not None:
        print(f"marked alpha: {mark:.6g}")


def path_json(data, path, args, mark):
    return {"model": "logistic", "family": path.family, "data": str(data.source),
            "target": data.target_name, "classes": list(path.classes),
            "feature_names": list(map(str, data.feature_names)),
            "alphas": path.alphas.tolist(), "n_nonzero": path.n_nonzero.tolist(),
            "dev_ratio": np.asarray(path.dev_ratio).tolist(),
            "intercepts": np.asarray(path.intercepts).tolist(),
            "coefs": np.asarray(path.coefs).tolist(), "marked_alpha": mark,
            "time_s": path.time_s, "plot": args.plot}


def print_curve(fitted):
    """The CV curve of held-out deviance as a table (the regressions' table)."""
    from ._cli_report import print_curve as print_error_curve

    print_error_curve(fitted, error="deviance", column="deviance")


def plot_path(image, data, path, args, mark, mark_label):
    """The coefficient paths against ln(alpha): one panel, or one per class."""
    from . import plotting
    from ._cli_report import pyplot_agg, save_figure, short_source
    from ._model import column_statistics

    plt = pyplot_agg()
    blocks = _blocks(np.asarray(path.coefs, dtype=np.float64), path.family)
    k = blocks.shape[1]
    fig, axes = plt.subplots(k, 1, figsize=(7.5, 4.8 if k == 1 else 3.2 * k), squeeze=False)
    scale = column_statistics(data.X)[1] if args.standardized_coefs else None
    names = list(map(str, data.feature_names))
    for c in range(k):
        if k == 1:
            title = (f"{_model_name(path)} path: {data.target_name} = "
                     f"{path.classes[1]!r} ~ {data.X.shape[1]} features "
                     f"({short_source(data)})")
        else:
            title = f"class {path.classes[c]!r}" + (
                f" -- {_model_name(path)} path ({short_source(data)})" if c == 0 else "")
        plotting.plot_path((path.alphas, blocks[:, c, :]), alpha=mark, alpha_label=mark_label,
                           feature_names=names, label=args.label, coef_scale=scale,
                           title=title, ax=axes[c, 0])
    if k > 1:
        fig.tight_layout()
    save_figure(fig, image)


def plot_cv(image, data, fitted):
    from . import plotting
    from ._cli_report import pyplot_agg, save_figure, short_source

    plt = pyplot_agg()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    curve = fitted.curve
    title = (f"{_model_name(fitted)}, {curve.how} CV: {data.target_name} ~ "
             f"{data.X.shape[1]} features ({short_source(data)})")
    plotting.plot_cv_curve(curve.alphas, curve.mean, curve.se,
                           alpha_min=float(curve.alphas[curve.best]),
                           alpha_1se=float(curve.alphas[curve.one_se]),
                           n_nonzero=curve.n_nonzero,
                           ylabel=f"{fitted.family} deviance ({curve.how} CV)", title=title,
                           ax=ax)
    save_figure(fig, image)


# -- predict ---------------------------------------------------------------------------


def predict(model, data_path, output, na, drop):
    """``fastpen predict`` with a logistic model: ``predicted`` (the most probable
    class) and the probabilities, one line per data row (NA where a row has a
    missing cell); the held-out deviance and accuracy on stderr when the data holds
    the label column."""
    import math
    import sys

    from ._cli_report import csv_field, write_predictions

    proba, used, y = model.predict_file(data_path, na=na, drop=drop or ())
    classes = list(model.classes)
    shown = [1] if len(classes) == 2 else list(range(len(classes)))
    header = ["predicted"] + [csv_field(f"P({classes[c]})") for c in shown]
    lines = [",".join(header)]
    for row in proba:
        if math.isnan(row[0]):
            lines.append(",".join(["NA"] * len(header)))
            continue
        lines.append(",".join([csv_field(classes[int(np.argmax(row))])]
                              + [repr(float(row[c])) for c in shown]))
    write_predictions(lines, used, output)
    if y is not None:
        position = {c: i for i, c in enumerate(classes)}
        known = np.array([used[i] and y[i] is not None and str(y[i]) in position
                          for i in range(len(y))], dtype=bool)
        unknown = sorted({str(y[i]) for i in range(len(y))
                          if used[i] and y[i] is not None and str(y[i]) not in position})
        if unknown:
            print(f"fastpen: labels the model never saw are not scored: "
                  f"{', '.join(unknown[:10])}", file=sys.stderr)
        if known.any():
            truth = np.array([position[str(y[i])] for i in np.flatnonzero(known)])
            p_true = proba[known][np.arange(truth.size), truth]
            deviance = -2.0 * float(np.mean(np.log(np.maximum(p_true, _PROB_FLOOR))))
            accuracy = float(np.mean(np.argmax(proba[known], axis=1) == truth))
            print(f"fastpen: the data holds the labels {model.target_name!r}: mean "
                  f"deviance {deviance:.6g}, accuracy {accuracy:.4f} on "
                  f"{int(known.sum())} rows", file=sys.stderr)
    if output is not None:
        print(f"fastpen: {int(used.sum())} predictions written to {output}", file=sys.stderr)
