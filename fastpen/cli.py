"""The ``fastpen`` command (also ``python -m fastpen``).

Without a subcommand it runs the main demonstration job: a Lasso path on the
bundled diabetes data, printed as a table.  Subcommands:

- ``fastpen fit [DATA]``: one model (lasso, enet or ridge) at a given alpha or
  chosen by cross-validation; prints the nonzero coefficients;
- ``fastpen path [DATA] --plot path.png``: the regularization path;
- ``fastpen cv [DATA] --plot cv.png``: the cross-validation curve;
- ``fastpen bench``: a side-by-side against scikit-learn at equal duality gap.

DATA is a CSV/TSV file with a header, a ``.npy``/``.npz`` file or an
svmlight/libsvm file (see :mod:`fastpen._io`); without it, the bundled
diabetes data.  Exit status: 0 success, 1 a data error (a one-line message
naming the file, line and column), 2 a usage error (matplotlib missing for
``--plot`` included); 130 after Ctrl-C.
"""
import argparse
import json
import sys
import time

import numpy as np

EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 1, 2, 130, 141


class UsageError(Exception):
    """Options that do not go together (exit status 2)."""


def _at_least(low, what="must be at least {low}", name="parse"):
    def parse(text):
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"{what.format(low=low)}, got {value}")
        return value
    parse.__name__ = name               # argparse names it in "invalid ... value"
    return parse


_positive_int = _at_least(1, name="_positive_int")
_folds = _at_least(2, "needs at least {low} folds", name="_folds")


def _float_at_least(low, strict, what, name):
    def parse(text):
        value = float(text)
        if not (value > low if strict else value >= low) or not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a {what} number, got {text}")
        return value
    parse.__name__ = name
    return parse


_positive_float = _float_at_least(0.0, True, "positive", "_positive_float")
_nonnegative_float = _float_at_least(0.0, False, "non-negative", "_nonnegative_float")


def _l1_ratio(text):
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def _path_l1_ratio(text):
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1] (an L1 part is needed for "
                                         f"the automatic grid), got {text}")
    return value


def _eps(text):
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def _threads(text):
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is invalid: a positive count, or -1 for all "
                                         "cores (-2 all but one, ...)")
    return value


IMAGE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif", "tiff",
                 "webp")


def _image_file(text):
    ext = text.rsplit(".", 1)[-1].lower() if "." in text else ""
    if ext not in IMAGE_FORMATS:
        raise argparse.ArgumentTypeError(f"{text}: the file name must end in one of ."
                                         + ", .".join(IMAGE_FORMATS))
    return text


def _output_file(text):
    if not text.lower().endswith((".csv", ".json")):
        raise argparse.ArgumentTypeError(f"{text}: the file name must end in .csv or .json")
    return text


def _parser():
    parser = argparse.ArgumentParser(
        prog="fastpen", allow_abbrev=False,
        description="Penalised linear regression (Lasso, elastic net, ridge). Without a "
                    "subcommand: fit a Lasso / elastic-net path on the bundled diabetes "
                    "data (Efron et al. 2004) and print it.",
        epilog="Subcommands take a data file (CSV/TSV with a header, .npy/.npz, "
               "svmlight); 'fastpen fit -h' and so on for their options.")
    # the demo's options: their own names in the namespace, absent unless given (so that
    # "fastpen --threads 3 fit" is caught instead of silently losing --threads)
    top = dict(default=argparse.SUPPRESS)
    parser.add_argument("--l1-ratio", type=_path_l1_ratio, dest="top_l1_ratio", **top,
                        help="L1 share of the penalty (1 = Lasso, the default)")
    parser.add_argument("--n-alphas", type=_positive_int, dest="top_n_alphas", **top,
                        help="length of the automatic alpha grid (default 100)")
    parser.add_argument("--eps", type=_eps, dest="top_eps", **top,
                        help="smallest alpha / alpha_max (default 1e-3)")
    parser.add_argument("--tol", type=_positive_float, dest="top_tol", **top,
                        help="duality-gap tolerance, scikit-learn's meaning (default 1e-4)")
    parser.add_argument("--show", type=_positive_int, dest="top_show", **top,
                        help="number of alphas printed along the path (default 8)")
    parser.add_argument("--n-threads", "--threads", type=_threads, dest="top_threads", **top,
                        help="OpenMP threads (default: what OpenMP allows)")
    parser.add_argument("--show-config", action="store_true", dest="top_show_config", **top,
                        help="print the build configuration and exit")
    sub = parser.add_subparsers(dest="command", metavar="{fit,path,cv,bench}")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("data", nargs="?", default=None,
                        help="data file (default: the bundled diabetes data)")
    common.add_argument("--target", default=None,
                        help="target column: a header name or a 0-based index "
                             "(default: the last column)")
    common.add_argument("--model", choices=("lasso", "enet", "ridge"), default="lasso")
    common.add_argument("--l1-ratio", type=_l1_ratio, default=None,
                        help="enet's L1 share of the penalty (default 0.5)")
    common.add_argument("--standardize", action="store_true",
                        help="penalise as if every feature had unit variance (glmnet's "
                             "standardize=TRUE); coefficients stay in original units")
    common.add_argument("--threads", "--n-threads", type=_threads, default=None, dest="threads",
                        help="threads (default: all that OpenMP allows)")
    common.add_argument("--n-alphas", type=_positive_int, default=100,
                        help="length of the alpha grid (default 100)")
    common.add_argument("--eps", type=_eps, default=1e-3,
                        help="smallest alpha / largest of the grid (default 1e-3)")
    common.add_argument("--tol", type=_positive_float, default=1e-4,
                        help="duality-gap tolerance, scikit-learn's meaning (default 1e-4)")
    common.add_argument("--seed", type=int, default=None,
                        help="shuffle the rows before cutting the folds, with this seed "
                             "(default: folds in row order)")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    common.add_argument("--progress", action="store_true",
                        help="a progress bar on stderr even when it is not a terminal")

    fit = sub.add_parser("fit", parents=[common], help="fit one model and print it",
                         description="Fit one model at a given alpha (--alpha) or at the "
                                     "alpha chosen by K-fold cross-validation (--cv, the "
                                     "default, 5 folds; ridge: leave-one-out when neither "
                                     "is given).")
    how = fit.add_mutually_exclusive_group()
    how.add_argument("--alpha", type=_nonnegative_float, default=None,
                     help="the penalty, as in the Python API of the chosen model")
    how.add_argument("--cv", type=_folds, default=None, help="choose alpha by K-fold CV")
    fit.add_argument("--output", type=_output_file, default=None,
                     help="also write the coefficients to this file (.csv or .json)")

    path = sub.add_parser("path", parents=[common], help="the regularization path",
                          description="Fit the whole path and print it; --plot draws the "
                                      "coefficients against log(alpha) (glmnet style).")
    path.add_argument("--plot", type=_image_file, default=None,
                      help="image file for the path (e.g. path.png)")
    path.add_argument("--cv", type=_folds, default=None,
                      help="also run K-fold CV and mark its alpha (lasso and enet)")
    path.add_argument("--alpha", type=_positive_float, default=None,
                      help="mark this alpha on the plot")

    cv = sub.add_parser("cv", parents=[common], help="the cross-validation curve",
                        description="K-fold cross-validation along the path (lasso, "
                                    "enet); --plot draws the mean error with one standard "
                                    "error bars, alpha_min and the 1-SE alpha.")
    cv.add_argument("--cv", type=_folds, default=5, help="number of folds (default 5)")
    cv.add_argument("--plot", type=_image_file, default=None,
                    help="image file for the curve (e.g. cv.png)")

    bench = sub.add_parser("bench", help="fastpen against scikit-learn at equal precision",
                           description="Time a Lasso path by fastpen and scikit-learn on a "
                                       "generated problem, each at the largest tolerance "
                                       "that reaches the same duality gap.")
    bench.add_argument("--n", type=_at_least(10), default=500, help="samples (500)")
    bench.add_argument("--p", type=_at_least(2), default=1000, help="features (1000)")
    bench.add_argument("--n-alphas", type=_positive_int, default=50)
    bench.add_argument("--gap", type=_positive_float, default=1e-6,
                       help="relative duality gap to reach at every alpha (1e-6)")
    bench.add_argument("--repeat", type=_positive_int, default=3)
    bench.add_argument("--threads", "--n-threads", type=_threads, default=None, dest="threads")
    return parser


def main(argv=None):
    """Entry point; returns the process exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    given = sorted(k for k in vars(args) if k.startswith("top_"))
    if args.command is not None and given:
        names = ", ".join("--" + k[4:].replace("_", "-") for k in given)
        parser.error(f"{names} given before the subcommand: put options after it "
                     f"('fastpen {args.command} {names.split(',')[0]} ...').")
    from ._io import DataError

    import warnings

    warnings.showwarning = _show_warning
    try:
        if args.command is None:
            return _main_job(args)
        if args.command == "bench":
            return _bench(args)
        return {"fit": _fit, "path": _path, "cv": _cv}[args.command](args)
    except DataError as exc:
        print(f"fastpen: {exc}", file=sys.stderr)
        return EXIT_DATA
    except UsageError as exc:
        print(f"fastpen {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as exc:        # matplotlib missing for --plot
        print(f"fastpen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("fastpen: out of memory for this data set", file=sys.stderr)
        return EXIT_DATA
    except ValueError as exc:         # the data is usable but not for this fit
        print(f"fastpen: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:
        print("fastpen: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:           # e.g. "fastpen fit | head -1": stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line, without the source line they come from."""
    print(f"fastpen: warning: {message}", file=sys.stderr if file is None else file)


# -- the main job ---------------------------------------------------------------------


def _main_job(args):
    from . import __version__, enet_path, show_config
    from .datasets import load_diabetes

    opts = {"l1_ratio": 1.0, "n_alphas": 100, "eps": 1e-3, "tol": 1e-4, "show": 8,
            "threads": None, "show_config": False}
    opts.update({k[4:]: v for k, v in vars(args).items() if k.startswith("top_")})
    args = argparse.Namespace(**opts)
    if args.show_config:
        show_config()
        return 0
    X, y, names = load_diabetes()
    start = time.perf_counter()
    path = enet_path(X, y, l1_ratio=args.l1_ratio, alphas=args.n_alphas, eps=args.eps,
                     tol=args.tol, n_threads=args.threads)
    elapsed = time.perf_counter() - start
    half_var = 0.5 * np.mean((y - y.mean()) ** 2)
    print(f"fastpen {__version__}: elastic-net path (l1_ratio={args.l1_ratio:g}) on the "
          f"diabetes data of Efron et al. (2004), {X.shape[0]} samples x {X.shape[1]} "
          "features")
    print(f"{len(path.alphas)} alphas from {path.alphas[0]:.4g} to {path.alphas[-1]:.4g}, "
          f"tol={args.tol:g}: whole path fitted in {elapsed * 1e3:.1f} ms\n")
    print(f"{'alpha':>10} {'df':>3} {'%dev':>6} {'rel. gap':>9}  selected features "
          "(coefficient)")
    shown = np.unique(np.linspace(0, len(path.alphas) - 1, args.show).round().astype(int))
    for k in shown:
        coef = path.coefs[k]
        chosen = ", ".join(f"{names[j]} {coef[j]:+.4g}" for j in np.flatnonzero(coef))
        print(f"{path.alphas[k]:10.4g} {path.df[k]:3d} {100 * path.dev_ratio[k]:6.2f} "
              f"{path.dual_gaps[k] / half_var:9.2e}  {chosen or '(none)'}")
    print("\nrel. gap = duality gap / (||y - mean(y)||^2 / 2n); intercept fitted, "
          "features in their original units.")
    return 0


# -- shared pieces ---------------------------------------------------------------------


class _Bar:
    """A progress bar on stderr, redrawn in place (for ``verbose=`` of the CV fits)."""

    def __init__(self, label):
        self.label, self.start, self.shown = label, time.perf_counter(), False

    def __call__(self, done, total):
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.perf_counter() - self.start
        left = elapsed * (total - done) / done if done else float("nan")
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total} paths, {elapsed:.1f} s, ~{left:.1f} s left ")
        sys.stderr.flush()
        self.shown = True

    def close(self):
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _progress(args, label):
    """A :class:`_Bar` when stderr is a terminal or --progress is given, else None."""
    if args.progress or (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return _Bar(label)
    return None


def _load(args):
    from ._io import load_dataset

    return load_dataset(args.data, args.target)


def _l1(args):
    if args.model == "lasso":
        if args.l1_ratio not in (None, 1.0):
            raise UsageError("--l1-ratio applies to --model enet (lasso is l1_ratio = 1).")
        return 1.0
    if args.model == "ridge":
        if args.l1_ratio is not None:
            raise UsageError("--l1-ratio applies to --model enet.")
        return 0.0
    l1 = 0.5 if args.l1_ratio is None else args.l1_ratio
    if l1 == 0.0:
        raise UsageError("--l1-ratio 0 is ridge: use --model ridge.")
    return l1


def _splitter(args, n_folds):
    from sklearn.model_selection import KFold

    if args.seed is None:
        return KFold(n_folds)
    return KFold(n_folds, shuffle=True, random_state=args.seed)


def _column_norm2(X):
    """||x_j - mean_j||^2 per column, by the library's column statistics (which stay
    exact when a column has a large mean, dense or sparse)."""
    from ._path import column_stats
    from ._validation import check_array_2d

    return column_stats(check_array_2d(X), np.empty(0), True, 1)[1]


def _ridge_alphas(X, n_alphas, standardize):
    """A ridge grid spanning the spectrum: mean eigenvalue of the centred Gram
    matrix times 1e3 ... 1e-6 (geometric)."""
    scale = X.shape[0] if standardize else max(float(_column_norm2(X).mean()),
                                               np.finfo(float).tiny)
    return scale * np.geomspace(1e3, 1e-6, n_alphas)


def _standardized(X):
    """(X divided by its columns' standard deviations, those deviations) for ridge;
    constant columns keep a scale of one."""
    import scipy.sparse as sp

    sd = np.sqrt(_column_norm2(X) / X.shape[0])
    sd[sd == 0] = 1.0
    return (sp.csr_matrix(X).multiply(1.0 / sd).tocsr() if sp.issparse(X) else X / sd), sd


# -- fit -------------------------------------------------------------------------------


def fit_model(data, args):
    """The fitted estimator and a summary dict, for ``fastpen fit`` (also used by tests:
    the same calls as the Python API)."""
    import fastpen
    from . import linear_model  # noqa: F401  (imported before the clock starts)

    X, y = data.X, data.y
    l1 = _l1(args)
    alpha = getattr(args, "alpha", None)
    n_folds = args.cv if args.cv is not None else (None if alpha is not None else 5)
    summary = {"model": args.model, "data": data.source, "target": data.target_name,
               "n_samples": int(X.shape[0]), "n_features": int(X.shape[1])}
    bar = None
    start = time.perf_counter()
    if args.model == "ridge":
        Xr, sd = _standardized(X) if args.standardize else (X, None)
        if alpha is not None:
            est = fastpen.Ridge(alpha=alpha, n_threads=args.threads).fit(Xr, y)
        else:
            cv = None if args.cv is None else _splitter(args, args.cv)
            est = fastpen.RidgeCV(alphas=_ridge_alphas(X, args.n_alphas, args.standardize),
                                  cv=cv, n_threads=args.threads).fit(Xr, y)
        coef = est.coef_ / sd if sd is not None else est.coef_
        intercept = float(est.intercept_)
    else:
        options = dict(tol=args.tol, standardize=args.standardize, n_threads=args.threads)
        if n_folds is None:
            cls = fastpen.Lasso if args.model == "lasso" else fastpen.ElasticNet
            kw = {} if args.model == "lasso" else {"l1_ratio": l1}
            est = cls(alpha=alpha, **kw, **options).fit(X, y)
        else:
            bar = _progress(args, "cv")
            cls = fastpen.LassoCV if args.model == "lasso" else fastpen.ElasticNetCV
            kw = {} if args.model == "lasso" else {"l1_ratio": l1}
            try:
                est = cls(alphas=args.n_alphas, eps=args.eps, cv=_splitter(args, n_folds),
                          verbose=bar or False, **kw, **options).fit(X, y)
            finally:
                if bar is not None:
                    bar.close()
        coef, intercept = est.coef_, float(est.intercept_)
    summary["time_s"] = time.perf_counter() - start
    if args.model == "enet":
        summary["l1_ratio"] = l1
    if alpha is not None:
        summary["alpha"] = float(alpha)
    else:
        summary["alpha"] = float(est.alpha_)
        summary["cv"] = "leave-one-out" if args.model == "ridge" and args.cv is None \
            else f"{n_folds}-fold"
        if args.model == "ridge":
            summary["cv_score"] = float(est.best_score_)
            summary["cv_score_name"] = ("mean squared leave-one-out error"
                                        if args.cv is None else "mean held-out R^2")
            if args.cv is None:
                summary["cv_score"] = -summary["cv_score"]
        else:
            mse = np.asarray(est.mse_path_)
            i = int(np.argmin(np.abs(np.asarray(est.alphas_) - est.alpha_)))
            summary["cv_score"] = float(mse[i].mean())
            summary["cv_score_name"] = "mean held-out squared error"
            summary["alpha_1se"] = float(est.alpha_1se_)
    summary["intercept"] = intercept
    nonzero = np.flatnonzero(coef)
    summary["n_nonzero"] = int(nonzero.size)
    summary["coefficients"] = {str(data.feature_names[j]): float(coef[j]) for j in nonzero}
    return est, summary


def _fit(args):
    data = _load(args)
    _, summary = fit_model(data, args)
    if args.output:
        _write_output(args.output, summary)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    _print_fit(summary)
    return 0


def _write_output(path, summary):
    from ._io import DataError

    try:
        if path.lower().endswith(".json"):
            with open(path, "w") as f:
                json.dump(summary, f, indent=2)
        else:                                   # .csv (checked by the parser)
            with open(path, "w") as f:
                f.write("feature,coefficient\n")
                f.write(f"(intercept),{summary['intercept']!r}\n")
                for name, value in summary["coefficients"].items():
                    f.write(f"{_csv_field(name)},{value!r}\n")
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None


def _csv_field(text):
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def _print_fit(s):
    what = {"lasso": "Lasso", "enet": f"elastic net (l1_ratio={s.get('l1_ratio', 0):g})",
            "ridge": "ridge"}[s["model"]]
    print(f"{what} on {s['data']}: {s['n_samples']} samples x {s['n_features']} features, "
          f"target {s['target']!r}")
    how = f"chosen by {s['cv']} CV" if "cv" in s else "given"
    print(f"alpha = {s['alpha']:.6g} ({how})")
    if "cv" in s:
        print(f"CV score: {s['cv_score']:.6g} ({s['cv_score_name']})")
    if "alpha_1se" in s:
        print(f"1-SE alpha: {s['alpha_1se']:.6g}")
    print(f"{s['n_nonzero']} nonzero coefficients of {s['n_features']}, fitted in "
          f"{s['time_s']:.3f} s\n")
    names = list(s["coefficients"])
    width = max([len("(intercept)")] + [len(n) for n in names])
    print(f"{'feature':<{width}}  {'coefficient':>14}")
    print(f"{'(intercept)':<{width}}  {s['intercept']:>14.6g}")
    for name in sorted(names, key=lambda n: -abs(s["coefficients"][n])):
        print(f"{name:<{width}}  {s['coefficients'][name]:>14.6g}")


# -- path and cv -----------------------------------------------------------------------


def _path(args):
    import fastpen

    data = _load(args)
    l1 = _l1(args)
    X, y = data.X, data.y
    start = time.perf_counter()
    if args.model == "ridge":
        if args.cv is not None:
            raise UsageError("--cv marks a CV alpha for lasso and enet; for ridge use "
                             "'fastpen fit --model ridge'.")
        Xr, sd = _standardized(X) if args.standardize else (X, None)
        res = fastpen.ridge_path(Xr, y, _ridge_alphas(X, args.n_alphas, args.standardize),
                                 n_threads=args.threads)
        coefs = res.coefs / sd if sd is not None else res.coefs
        alphas, intercepts = res.alphas, res.intercepts
    else:
        res = fastpen.enet_path(X, y, l1_ratio=l1, alphas=args.n_alphas, eps=args.eps,
                                tol=args.tol, standardize=args.standardize,
                                n_threads=args.threads)
        alphas, coefs, intercepts = res.alphas, res.coefs, res.intercepts
    elapsed = time.perf_counter() - start
    mark = args.alpha
    if args.cv is not None:
        cv_args = argparse.Namespace(**{**vars(args), "alpha": None})
        mark = fit_model(data, cv_args)[1]["alpha"]
    if args.plot:
        from .plotting import plot_path

        plt = _pyplot_agg()
        fig, ax = plt.subplots(figsize=(7, 4.5))
        plot_path((alphas, coefs), alpha=mark, feature_names=data.feature_names, ax=ax)
        ax.set_title(f"{args.model} path, {data.target_name} ~ {len(data.feature_names)} "
                     "features", fontsize=10)
        _save(fig, args.plot)
    nnz = np.count_nonzero(coefs, axis=1)
    if args.json:
        print(json.dumps({"model": args.model, "data": data.source,
                          "feature_names": list(map(str, data.feature_names)),
                          "alphas": alphas.tolist(), "n_nonzero": nnz.tolist(),
                          "intercepts": np.asarray(intercepts).tolist(),
                          "coefs": coefs.tolist(), "marked_alpha": mark,
                          "time_s": elapsed, "plot": args.plot}, indent=1))
        return 0
    print(f"{args.model} path on {data.source}: {len(alphas)} alphas from {alphas[0]:.4g} "
          f"to {alphas[-1]:.4g}, fitted in {elapsed:.3f} s")
    shown = np.unique(np.linspace(0, len(alphas) - 1, 8).round().astype(int))
    print(f"{'alpha':>12} {'nonzero':>8}")
    for i in shown:
        print(f"{alphas[i]:12.5g} {nnz[i]:8d}")
    if mark is not None:
        print(f"marked alpha: {mark:.6g}")
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def _cv(args):
    import fastpen

    if args.model == "ridge":
        raise UsageError("the CV curve is for lasso and enet; for ridge use "
                         "'fastpen fit --model ridge --cv K'.")
    data = _load(args)
    est, summary = fit_model(data, args)
    if args.plot:
        from .plotting import plot_cv

        path = fastpen.enet_path(data.X, data.y, l1_ratio=_l1(args), alphas=est.alphas_,
                                 tol=args.tol, standardize=args.standardize,
                                 n_threads=args.threads)
        plt = _pyplot_agg()
        fig, ax = plt.subplots(figsize=(7, 4.5))
        plot_cv(est, path=path, ax=ax)
        ax.set_title(f"{args.cv}-fold CV, {args.model}", fontsize=10)
        _save(fig, args.plot)
    mse = np.asarray(est.mse_path_)
    mean = mse.mean(axis=1)
    se = mse.std(axis=1, ddof=1) / np.sqrt(mse.shape[1])
    if args.json:
        summary.update(alphas=np.asarray(est.alphas_).tolist(), cv_mean=mean.tolist(),
                       cv_se=se.tolist(), plot=args.plot)
        print(json.dumps(summary, indent=1))
        return 0
    _print_fit(summary)
    if args.plot:
        print(f"\nplot written to {args.plot}")
    return 0


def _pyplot_agg():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install 'fastpen[plot]'") from None
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")                   # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    from ._io import DataError

    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot write the image ({exc})") from None
    finally:
        plt.close(fig)


# -- bench -----------------------------------------------------------------------------


def _bench(args):
    from ._bench import run

    run(n=args.n, p=args.p, n_alphas=args.n_alphas, target=args.gap, repeat=args.repeat,
        n_threads=args.threads, out=sys.stdout)
    return 0
