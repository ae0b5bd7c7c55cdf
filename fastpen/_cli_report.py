"""What the ``fastpen`` command prints, draws and writes: tables, JSON, plots, model and
prediction files.  The fits themselves are in :mod:`fastpen._cli_fit`."""
import json
import math
import os
import sys
import time
from types import SimpleNamespace

import numpy as np

from ._io import DataError

MODEL_NAMES = {"lasso": "lasso", "enet": "elastic net", "ridge": "ridge"}


def _model_name(model, l1_ratio):
    return f"elastic net (l1_ratio={l1_ratio:g})" if model == "enet" else MODEL_NAMES[model]


def short_source(data):
    """The file's base name for titles (the bundled data's description as it is)."""
    source = str(data.source)
    return os.path.basename(source) if os.path.exists(source) else source


# -- fit -------------------------------------------------------------------------------


def fit_summary(data, fitted):
    """The fitted model as a JSON-ready dict (the table of ``fastpen fit`` prints it)."""
    X = data.X
    summary = {"model": fitted.model, "data": str(data.source), "target": data.target_name,
               "n_samples": int(X.shape[0]), "n_features": int(X.shape[1]),
               "time_s": fitted.time_s}
    if fitted.model == "enet":
        summary["l1_ratio"] = fitted.l1_ratio
    summary["alpha"] = fitted.alpha
    curve = fitted.curve
    if curve is not None:
        summary["cv"] = curve.how
        if fitted.folds is not None:
            summary["folds"] = fitted.folds.description
            summary["seed"] = fitted.folds.seed
        summary["cv_score"] = float(curve.mean[curve.best])
        summary["cv_score_se"] = float(curve.se[curve.best])
        summary["cv_score_name"] = "mean held-out squared error"
        summary["alpha_1se"] = float(curve.alphas[curve.one_se])
        if fitted.eps is not None:
            summary["eps"] = fitted.eps
    summary["intercept"] = fitted.intercept
    summary["n_nonzero"] = int(np.count_nonzero(fitted.coef))
    # every feature, zeros included: a column the model leaves out is named too
    summary["coefficients"] = {str(name): float(c)
                               for name, c in zip(data.feature_names, fitted.coef)}
    return summary


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def print_fit(s):
    print(f"{_model_name(s['model'], s.get('l1_ratio', 0.0))} on {s['data']}: "
          f"{_plural(s['n_samples'], 'sample')} x {_plural(s['n_features'], 'feature')}, "
          f"target {s['target']!r}")
    how = f"chosen by {s['cv']} CV" if "cv" in s else "given"
    print(f"alpha = {s['alpha']:.6g} ({how})")
    if "cv" in s:
        print(f"CV error at alpha: {s['cv_score']:.6g} ± {s['cv_score_se']:.3g} "
              f"({s['cv_score_name']} ± one standard error)")
        print(f"1-SE alpha: {s['alpha_1se']:.6g} (the largest alpha within one standard "
              "error of the smallest CV error)")
    print(f"{_plural(s['n_nonzero'], 'nonzero coefficient')} of {s['n_features']}, "
          f"fitted in {s['time_s']:.3f} s\n")
    print_zero_coefficients(print_coefficient_table(s["intercept"], s["coefficients"]))


def print_coefficient_table(intercept, coefs):
    """The intercept and the nonzero coefficients ({feature: value}), largest first, in
    one column; returns the features whose coefficient is 0."""
    names = [name for name, value in coefs.items() if value != 0]
    width = min(40, max([len("(intercept)")] + [len(n) for n in names]))
    print(f"{'feature':<{width}}  {'coefficient':>14}")
    print(f"{'(intercept)':<{width}}  {intercept:>14.6g}")
    for name in sorted(names, key=lambda n: -abs(coefs[n])):
        print(f"{name:<{width}}  {coefs[name]:>14.6g}")
    return [name for name, value in coefs.items() if value == 0]


def print_zero_coefficients(zeros, where=""):
    """The line naming the features at 0 (the first 20), if any."""
    if zeros:
        shown = ", ".join(zeros[:20]) + (f", ... ({len(zeros) - 20} more)"
                                         if len(zeros) > 20 else "")
        print(f"\ncoefficient 0{where}: {shown}")


def write_coefficients(path, summary):
    """The coefficients as CSV (feature,coefficient) or the whole summary as JSON."""
    try:
        with open(path, "w") as f:
            if path.lower().endswith(".json"):
                json.dump(summary, f, indent=2)
            else:
                f.write("feature,coefficient\n")
                f.write(f"(intercept),{summary['intercept']!r}\n")
                for name, value in summary["coefficients"].items():
                    f.write(f"{csv_field(name)},{value!r}\n")
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None


def csv_field(text):
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def save_model(path, data, fitted, args):
    """``--save``: the model, its data's encoding and column statistics, the options."""
    from . import __version__
    from ._model import Model, column_statistics

    mean, sd = column_statistics(data.X)
    options = {"standardize": bool(args.standardize), "tol": args.tol,
               "max_iter": args.max_iter, "n_alphas": args.n_alphas,
               "features": args.features, "drop": args.drop,
               "categorical": args.categorical, "na": args.na}
    if fitted.curve is not None:
        options.update(cv=fitted.curve.how, alpha_1se=float(
            fitted.curve.alphas[fitted.curve.one_se]), eps=fitted.eps)
        if fitted.folds is not None:
            options.update(seed=fitted.folds.seed, folds=fitted.folds.description)
    model = Model(coef=fitted.coef, intercept=fitted.intercept,
                  feature_names=list(map(str, data.feature_names)),
                  target_name=data.target_name, encoding=data.encoding,
                  model=fitted.model, alpha=fitted.alpha,
                  l1_ratio=fitted.l1_ratio if fitted.model == "enet" else None,
                  options=options, column_mean=mean, column_sd=sd, source=str(data.source),
                  fastpen_version=__version__)
    try:
        model.save(path)
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None
    print(f"fastpen: model saved to {path}", file=sys.stderr)


# -- path ------------------------------------------------------------------------------


def fit_path(data, args):
    """The whole path on the data, in the features' own units."""
    from ._cli_fit import check_target, default_eps, l1_ratio_of, standardized

    check_target(data)
    l1 = l1_ratio_of(args.model, args.l1_ratio)
    X, y = data.X, data.y
    start = time.perf_counter()
    if args.model == "ridge":
        from ._ridge import ridge_alpha_grid, ridge_path

        Xr, sd = standardized(X) if args.standardize else (X, None)
        grid = ridge_alpha_grid(Xr, args.n_alphas, n_threads=args.threads)
        res = ridge_path(Xr, y, grid, n_threads=args.threads)
        coefs = res.coefs / sd if sd is not None else res.coefs
        path = SimpleNamespace(alphas=res.alphas, coefs=coefs, intercepts=res.intercepts,
                               n_nonzero=np.count_nonzero(coefs, axis=1),
                               dev_ratio=dev_ratio(X, y, coefs, res.intercepts), eps=None)
    else:
        from ._path import enet_path

        eps = args.eps if args.eps is not None else default_eps(*X.shape)
        res = enet_path(X, y, l1_ratio=l1, alphas=args.n_alphas, eps=eps, tol=args.tol,
                        max_iter=args.max_iter, standardize=args.standardize,
                        n_threads=args.threads)
        path = SimpleNamespace(alphas=res.alphas, coefs=res.coefs, intercepts=res.intercepts,
                               n_nonzero=res.df, dev_ratio=res.dev_ratio, eps=eps)
    path.time_s = time.perf_counter() - start
    path.l1_ratio = l1
    return path


def dev_ratio(X, y, coefs, intercepts):
    """Fraction of the variance of y explained by each row of ``coefs``."""
    fitted = np.asarray(X @ coefs.T) + intercepts                     # (n, m)
    tss = float(np.sum((y - y.mean()) ** 2))
    rss = np.sum((y[:, None] - fitted) ** 2, axis=0)
    return 1.0 - rss / tss if tss > 0 else np.zeros(len(intercepts))


def feature_changes(names, before, after):
    """'+name' for the features entering between two fits, '-name' for those leaving."""
    entered = np.flatnonzero((before == 0) & (after != 0))
    left = np.flatnonzero((before != 0) & (after == 0))
    return " ".join([f"+{names[j]}" for j in entered] + [f"-{names[j]}" for j in left])


def print_path(data, path, args, mark):
    """glmnet's ``print(fit)``: one row per alpha (nonzero count, %dev), with the
    features entering (+) and leaving (-)."""
    m = len(path.alphas)
    print(f"{_model_name(args.model, path.l1_ratio)} path on {data.source}: target "
          f"{data.target_name!r}, {_plural(data.X.shape[1], 'feature')}, {m} alphas from "
          f"{path.alphas[0]:.4g} to {path.alphas[-1]:.4g}, fitted in {path.time_s:.3f} s\n")
    print(f"{'alpha':>12} {'nonzero':>8} {'%dev':>7}  changes")
    previous = np.zeros(path.coefs.shape[1])
    for i in range(m):
        change = "" if args.model == "ridge" else feature_changes(
            data.feature_names, previous, path.coefs[i])
        print(f"{path.alphas[i]:12.5g} {path.n_nonzero[i]:8d} "
              f"{100 * path.dev_ratio[i]:7.2f}  {change}".rstrip())
        previous = path.coefs[i]
    print("\n%dev: share of the variance of the target explained on the data itself."
          + ("" if args.model == "ridge" else
             " changes: features entering (+) and leaving (-) the model."))
    if mark is not None:
        print(f"marked alpha: {mark:.6g}")


def path_json(data, path, args, mark):
    return {"model": args.model, "data": str(data.source), "target": data.target_name,
            "feature_names": list(map(str, data.feature_names)),
            "alphas": path.alphas.tolist(), "n_nonzero": np.asarray(path.n_nonzero).tolist(),
            "dev_ratio": np.asarray(path.dev_ratio).tolist(),
            "intercepts": np.asarray(path.intercepts).tolist(), "coefs": path.coefs.tolist(),
            "marked_alpha": mark, "time_s": path.time_s, "plot": args.plot}


# -- cv --------------------------------------------------------------------------------


def print_curve(fitted, error="squared error", column="mean error"):
    """The CV curve as a table, the chosen and the 1-SE alphas marked (``error``: what
    the held-out error is, ``column``: its column's heading)."""
    curve = fitted.curve
    print(f"{curve.how} cross-validation curve (mean held-out {error} and its standard "
          "error):")
    print(f"{'alpha':>12} {column:>12} {'SE':>10} {'nonzero':>8}")
    for i, alpha in enumerate(curve.alphas):
        mark = "  <- alpha_min" if i == curve.best else ""
        if i == curve.one_se:
            mark += "  <- alpha_1se" if not mark else ", alpha_1se"
        print(f"{alpha:12.5g} {curve.mean[i]:12.6g} {curve.se[i]:10.4g} "
              f"{curve.n_nonzero[i]:8d}{mark}")


# -- plots -----------------------------------------------------------------------------


def pyplot_agg():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install 'fastpen[plot]'") from None
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")                   # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path):
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot write the image ({exc})") from None
    finally:
        plt.close(fig)


def plot_path(image, data, path, args, mark, mark_label):
    from . import plotting
    from ._model import column_statistics

    plt = pyplot_agg()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    scale = column_statistics(data.X)[1] if args.standardized_coefs else None
    title = (f"{_model_name(args.model, path.l1_ratio)} path: {data.target_name} ~ "
             f"{_plural(data.X.shape[1], 'feature')} ({short_source(data)})")
    plotting.plot_path((path.alphas, path.coefs), alpha=mark, alpha_label=mark_label,
                       feature_names=list(map(str, data.feature_names)), label=args.label,
                       coef_scale=scale, title=title, ax=ax)
    save_figure(fig, image)


def plot_cv(image, data, fitted, args):
    from . import plotting

    plt = pyplot_agg()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    curve = fitted.curve
    title = (f"{_model_name(fitted.model, fitted.l1_ratio)}, {curve.how} CV: "
             f"{data.target_name} ~ {_plural(data.X.shape[1], 'feature')} "
             f"({short_source(data)})")
    plotting.plot_cv_curve(curve.alphas, curve.mean, curve.se,
                           alpha_min=float(curve.alphas[curve.best]),
                           alpha_1se=float(curve.alphas[curve.one_se]),
                           n_nonzero=None if fitted.model == "ridge" else curve.n_nonzero,
                           ylabel=f"mean squared error ({curve.how} CV)", title=title, ax=ax)
    save_figure(fig, image)


# -- predict ---------------------------------------------------------------------------


def write_predictions(lines, used, output):
    """Write the CSV ``lines`` of a prediction to ``output`` (stdout if None), and say on
    stderr how many rows were left out (NA) for a missing cell (``used``: the rows
    predicted)."""
    text = "\n".join(lines) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            with open(output, "w") as f:
                f.write(text)
        except OSError as exc:
            raise DataError(f"{output}: {exc.strerror or exc}") from None
    if not used.all():
        print(f"fastpen: {int((~used).sum())} of {used.size} rows have a missing value: "
              "their prediction is NA", file=sys.stderr)


def predict(model_path, data_path, output, na, drop=None, model=None):
    """``fastpen predict``: one prediction per data row, as CSV (NA where a row was
    left out for a missing cell); the held-out error on stderr when the data holds the
    target column."""
    from ._model import load_model

    model = load_model(model_path) if model is None else model
    predictions, used, y = model.predict_file(data_path, na=na, drop=drop or ())
    # NA (R's and pandas' missing value) keeps one line per data row: an empty line
    # would be skipped by most CSV readers and misalign the rows
    lines = ["prediction"] + ["NA" if math.isnan(v) else repr(float(v)) for v in predictions]
    write_predictions(lines, used, output)
    scored = used & ~np.isnan(y) if y is not None else None
    if scored is not None and scored.any():
        error = predictions[scored] - y[scored]
        mse = float(np.mean(error ** 2))
        tss = float(np.sum((y[scored] - y[scored].mean()) ** 2))
        r2 = f", R^2 {1 - float(np.sum(error ** 2)) / tss:.4f}" if tss > 0 else ""
        print(f"fastpen: the data holds the target {model.target_name!r}: mean squared "
              f"error {mse:.6g}{r2} on {int(scored.sum())} rows", file=sys.stderr)
    if output is not None:
        print(f"fastpen: {int(used.sum())} predictions written to {output}", file=sys.stderr)
