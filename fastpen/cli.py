"""The ``fastpen`` command (also ``python -m fastpen``).

Without a subcommand it runs the main demonstration job: a Lasso path on the
bundled diabetes data, printed as a table.  Subcommands:

- ``fastpen fit [DATA]``: one model (lasso, enet, ridge, or a penalised logistic
  regression of a label column with ``--model logistic``) at a given alpha or
  chosen by cross-validation; prints the nonzero coefficients;
- ``fastpen path [DATA] --plot path.png``: the regularization path;
- ``fastpen cv [DATA] --plot cv.png``: the cross-validation curve;
- ``fastpen predict MODEL DATA``: predictions of a model saved by ``--save``;
- ``fastpen bench``: a side-by-side against scikit-learn at equal duality gap.

DATA is a CSV/TSV file with a header, a ``.npy``/``.npz`` file or an
svmlight/libsvm file, ``-`` for standard input (see :mod:`fastpen._io`);
without it, the bundled diabetes data.  The fits are in :mod:`fastpen._cli_fit`,
the tables, plots and files in :mod:`fastpen._cli_report`; ``--model logistic``
in :mod:`fastpen._cli_logistic`.

Exit status: 0 success, 1 a data error (a one-line message naming the file,
line and column), 2 a usage error (matplotlib missing for ``--plot``
included); 130 after Ctrl-C; 141 when the output pipe closes early
(``fastpen path | head``).
"""
import argparse
import json
import sys
import time

import numpy as np

EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 1, 2, 130, 141


def _parse_int(text, low, what):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{what.format(low=low)}, got {value}")
    return value


def _at_least(low, what="must be at least {low}"):
    return lambda text: _parse_int(text, low, what)


_positive_int = _at_least(1)
_folds = _at_least(2, "needs at least {low} folds")


def _parse_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _float_in(low, high, low_open, high_open=False):
    def parse(text):
        value = _parse_float(text)
        if (value <= low if low_open else value < low) or \
                (high is not None and (value >= high if high_open else value > high)):
            lo, hi = "(" if low_open else "[", ")" if high_open or high is None else "]"
            span = f"{lo}{low:g}, {'inf' if high is None else f'{high:g}'}{hi}"
            raise argparse.ArgumentTypeError(f"must be in {span}, got {text}")
        return value
    return parse


_positive_float = _float_in(0.0, None, True)
_nonnegative_float = _float_in(0.0, None, False)
_l1_ratio = _float_in(0.0, 1.0, False)
_path_l1_ratio = _float_in(0.0, 1.0, True)
_eps = _float_in(0.0, 1.0, True)


def _threads(text):
    value = _parse_int(text, -(2 ** 31), "")
    if value == 0:
        raise argparse.ArgumentTypeError("0 is invalid: a positive count, or -1 for all "
                                         "cores (-2 all but one, ...)")
    return value


def _seed(text):
    return _parse_int(text, 0, "must be a non-negative integer")


def _names(text):
    """A comma-separated list of column names (or 0-based indices)."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated column names, got "
                                         f"{text!r}")
    return names


def _categorical(text):
    return text if text in ("auto", "none") else _names(text)


IMAGE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif", "tiff",
                 "webp")


def _with_extension(extensions, what):
    def parse(text):
        ext = text.rsplit(".", 1)[-1].lower() if "." in text else ""
        if ext not in extensions:
            raise argparse.ArgumentTypeError(f"{text}: {what} must end in ."
                                             + ", .".join(extensions))
        return text
    return parse


_image_file = _with_extension(IMAGE_FORMATS, "the image file name")
_output_file = _with_extension(("csv", "json"), "the file name")
_model_file = _with_extension(("json", "npz"), "the model file name")
_predictions_file = _with_extension(("csv",), "the predictions file name")

TOLERANCE_HELP = ("lasso / enet: stop each fit when its duality gap is at most TOL times "
                  "the variance of the target (scikit-learn's meaning of tol; default "
                  "1e-7, tighter than scikit-learn's 1e-4, at which warm-started fits near "
                  "the end of a path can stop where they start and leave steps in the path "
                  "and the CV curve); logistic: when the duality gap is at most TOL times "
                  "the loss of the intercept-only model (default 1e-6)")
MAX_ITER_HELP = ("lasso / enet: at most this many coordinate-descent sweeps per alpha "
                 "(default 1000); raise it when a fit warns that it did not converge")
THREADS_HELP = "threads (default: all that OpenMP allows; -1 all cores, -2 all but one)"


def _parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="fastpen", allow_abbrev=False,
        description="Penalised linear regression (lasso, elastic net, ridge) from a data "
                    "file. Without a subcommand: fit a lasso / elastic-net path on the "
                    "bundled diabetes data (Efron et al. 2004) and print it.",
        epilog="'fastpen fit -h' and so on for each subcommand's options. Exit status: 0 "
               "success, 1 a data error, 2 a usage error, 130 interrupted.")
    parser.add_argument("--version", action="version", version=f"fastpen {__version__}")
    # the demo's options: their own names in the namespace, absent unless given (so that
    # "fastpen --threads 3 fit" is caught instead of silently losing --threads)
    top = dict(default=argparse.SUPPRESS)
    parser.add_argument("--l1-ratio", type=_path_l1_ratio, dest="top_l1_ratio",
                        metavar="RATIO", **top,
                        help="L1 share of the penalty, in (0, 1] (default 1: the lasso)")
    parser.add_argument("--n-alphas", type=_positive_int, dest="top_n_alphas", metavar="M",
                        **top, help="length of the automatic alpha grid (default 100)")
    parser.add_argument("--eps", type=_eps, dest="top_eps", metavar="EPS", **top,
                        help="smallest alpha of the grid / largest (default 1e-3)")
    parser.add_argument("--tol", type=_positive_float, dest="top_tol", metavar="TOL", **top,
                        help=TOLERANCE_HELP)
    parser.add_argument("--max-iter", type=_positive_int, dest="top_max_iter", metavar="N",
                        **top, help=MAX_ITER_HELP)
    parser.add_argument("--show", type=_positive_int, dest="top_show", metavar="K", **top,
                        help="number of alphas printed along the path (default 8)")
    parser.add_argument("--threads", "--n-threads", type=_threads, dest="top_threads",
                        metavar="T", **top, help=THREADS_HELP)
    parser.add_argument("--show-config", action="store_true", dest="top_show_config", **top,
                        help="print the build configuration (OpenMP, SIMD, threads) and exit")
    sub = parser.add_subparsers(dest="command", metavar="{fit,path,cv,predict,bench}")

    data = argparse.ArgumentParser(add_help=False)
    group = data.add_argument_group("data")
    group.add_argument("data", nargs="?", default=None, metavar="DATA",
                       help="data file: CSV/TSV text with a header row (optionally gzipped), "
                            ".npy, .npz or svmlight, recognised by content; '-' reads "
                            "standard input (default: the bundled diabetes data)")
    group.add_argument("--target", default=None, metavar="COLUMN",
                       help="the column to predict: a header name or a 0-based index "
                            "(default: the last column)")
    group.add_argument("--features", type=_names, default=None, metavar="A,B,...",
                       help="use only these columns as features (default: every column "
                            "but the target)")
    group.add_argument("--drop", type=_names, default=None, metavar="A,B,...",
                       help="leave these columns out (an ID or a name column, say)")
    group.add_argument("--categorical", type=_categorical, default="auto",
                       metavar="auto|none|A,B,...",
                       help="columns to one-hot encode (one 0/1 feature per level): 'auto' "
                            "(default) every column holding text, 'none' (text is an "
                            "error), or a list of columns (numeric codes included)")
    group.add_argument("--na", choices=("error", "drop"), default="error",
                       help="rows with a missing cell (empty, NA, NaN, ...): 'error' (the "
                            "default) stops at the first, 'drop' leaves them out and says how "
                            "many")

    model = argparse.ArgumentParser(add_help=False)
    group = model.add_argument_group("model")
    group.add_argument("--model", choices=("lasso", "enet", "ridge", "logistic"),
                       default="lasso",
                       help="lasso (L1 penalty, the default), enet (elastic net: L1 + L2), "
                            "ridge (L2), or logistic: penalised logistic regression of a "
                            "label column (any labels, text included; two classes binomial, "
                            "more multinomial; glmnet's objective, mean log-loss + alpha * "
                            "penalty; CV scores the held-out deviance)")
    group.add_argument("--l1-ratio", type=_l1_ratio, default=None, metavar="RATIO",
                       help="enet's L1 share of the penalty, in (0, 1] (default 0.5); "
                            "logistic's, in [0, 1] (default 1)")
    group.add_argument("--family", choices=("auto", "binomial", "multinomial"),
                       default=None,
                       help="logistic only: 'auto' (default: binomial for two classes, "
                            "else multinomial), 'binomial' (two classes required) or "
                            "'multinomial' (the softmax, two classes included)")
    group.add_argument("--standardize", action="store_true",
                       help="penalise as if every feature had unit variance (glmnet's "
                            "standardize=TRUE); coefficients are still reported in the "
                            "features' own units")
    group.add_argument("--n-alphas", type=_positive_int, default=100, metavar="M",
                       help="length of the alpha grid (default 100)")
    group.add_argument("--eps", type=_eps, default=None, metavar="EPS",
                       help="smallest alpha of the lasso / enet grid divided by the largest "
                            "(default, as glmnet: 1e-4 with more rows than features, else "
                            "1e-2)")
    group.add_argument("--tol", type=_positive_float, default=None, metavar="TOL",
                       help=TOLERANCE_HELP)
    group.add_argument("--max-iter", type=_positive_int, default=None, metavar="N",
                       help=MAX_ITER_HELP)
    group.add_argument("--threads", "--n-threads", type=_threads, default=None,
                       dest="threads", metavar="T", help=THREADS_HELP)

    folds = argparse.ArgumentParser(add_help=False)
    group = folds.add_argument_group("cross-validation folds")
    group.add_argument("--seed", type=_seed, default=None, metavar="S",
                       help="seed of the random fold assignment (default: a fresh seed, "
                            "printed so that the folds can be repeated)")
    group.add_argument("--folds-in-order", action="store_true",
                       help="cut the folds as contiguous blocks of rows in file order "
                            "instead of at random")

    output = argparse.ArgumentParser(add_help=False)
    group = output.add_argument_group("output")
    group.add_argument("--json", action="store_true",
                       help="print the result as JSON instead of a table")
    group.add_argument("--progress", action="store_true",
                       help="a progress bar on stderr even when it is not a terminal")

    parents = [data, model, folds, output]
    fit = sub.add_parser("fit", parents=parents, allow_abbrev=False,
                         help="fit one model and print it",
                         description="Fit one model at a given alpha (--alpha) or at the "
                                     "alpha with the smallest K-fold cross-validation error "
                                     "(--cv K; the default: 5 folds, or leave-one-out for "
                                     "ridge). Prints the coefficients in the features' units.")
    how = fit.add_mutually_exclusive_group()
    how.add_argument("--alpha", type=_nonnegative_float, default=None, metavar="ALPHA",
                     help="the penalty, on scikit-learn's scale for the model chosen "
                          "(Lasso/ElasticNet: 1/(2n) RSS + alpha * penalty; Ridge: RSS + "
                          "alpha ||w||^2)")
    how.add_argument("--cv", type=_folds, default=None, metavar="K",
                     help="choose alpha by K-fold cross-validation (the default: 5 folds "
                          "for lasso and enet, leave-one-out for ridge)")
    fit.add_argument("--output", type=_output_file, default=None, metavar="FILE",
                     help="also write the coefficients to FILE (.csv or .json)")
    fit.add_argument("--save", type=_model_file, default=None, metavar="MODEL",
                     help="save the model (.json or .npz) for 'fastpen predict' and "
                          "fastpen.load_model")

    path = sub.add_parser("path", parents=parents, allow_abbrev=False,
                          help="the regularisation path",
                          description="Fit the model along the whole alpha grid and print "
                                      "the path (alpha, nonzero coefficients, %dev, the "
                                      "features entering and leaving); --plot draws the "
                                      "coefficients against ln(alpha), as glmnet's "
                                      "plot.glmnet.")
    path.add_argument("--plot", type=_image_file, default=None, metavar="IMAGE",
                      help="draw the path into IMAGE (.png, .pdf, .svg, ...)")
    path.add_argument("--cv", type=_folds, default=None, metavar="K",
                      help="also choose alpha by K-fold CV and mark it")
    path.add_argument("--alpha", type=_positive_float, default=None, metavar="ALPHA",
                      help="mark this alpha on the plot")
    path.add_argument("--standardized-coefs", action="store_true",
                      help="plot coefficient x standard deviation of its feature, so that "
                           "features on different scales compare")
    path.add_argument("--label", type=_at_least(0), default=8, metavar="N",
                      help="label the N largest coefficients at the smallest alpha (default 8)")

    cv = sub.add_parser("cv", parents=parents, allow_abbrev=False,
                        help="the cross-validation curve",
                        description="K-fold cross-validation along the alpha grid: prints "
                                    "the curve (alpha, mean held-out squared error, its "
                                    "standard error, nonzero coefficients), the alpha with "
                                    "the smallest error and the largest alpha within one "
                                    "standard error of it (glmnet's lambda.1se), and the "
                                    "model at the first; --plot draws the curve as glmnet's "
                                    "plot.cv.glmnet. Ridge: leave-one-out unless --cv K.")
    cv.add_argument("--cv", type=_folds, default=None, metavar="K",
                    help="number of folds (default 5; ridge: leave-one-out)")
    cv.add_argument("--plot", type=_image_file, default=None, metavar="IMAGE",
                    help="draw the curve into IMAGE (.png, .pdf, .svg, ...)")
    cv.add_argument("--save", type=_model_file, default=None, metavar="MODEL",
                    help="save the model at the chosen alpha (.json or .npz)")

    predict = sub.add_parser("predict", allow_abbrev=False,
                             help="predict new data with a saved model",
                             description="Apply a model saved by 'fit --save' or 'cv --save' "
                                         "to a data file with the same columns (in any "
                                         "order; the target column may be absent). Writes "
                                         "one prediction per data row as CSV.")
    predict.add_argument("model", metavar="MODEL", help="the model file (.json or .npz)")
    predict.add_argument("data", metavar="DATA",
                         help="the data file ('-' reads standard input)")
    predict.add_argument("--output", type=_predictions_file, default=None, metavar="FILE",
                         help="write the predictions to FILE (.csv) instead of standard "
                              "output")
    predict.add_argument("--drop", type=_names, default=None, metavar="A,B,...",
                         help="leave out these columns of DATA that the training data did "
                              "not have (an ID column, say); other unknown columns are an "
                              "error")
    predict.add_argument("--na", choices=("error", "drop"), default="error",
                         help="rows with a missing cell: 'error' (the default) or 'drop' "
                              "(their prediction is written as NA, one line per data row "
                              "still)")

    bench = sub.add_parser("bench", allow_abbrev=False,
                           help="fastpen against scikit-learn at equal precision",
                           description="Time a lasso path by fastpen and scikit-learn on a "
                                       "generated problem, each at the largest tolerance "
                                       "that reaches the same duality gap at every alpha.")
    bench.add_argument("--n", type=_at_least(10), default=500, metavar="N",
                       help="samples (default 500)")
    bench.add_argument("--p", type=_at_least(2), default=1000, metavar="P",
                       help="features (default 1000)")
    bench.add_argument("--n-alphas", type=_positive_int, default=50, metavar="M",
                       help="alphas along the path (default 50)")
    bench.add_argument("--gap", type=_positive_float, default=1e-6, metavar="GAP",
                       help="relative duality gap to reach at every alpha (default 1e-6)")
    bench.add_argument("--repeat", type=_positive_int, default=3, metavar="R",
                       help="timed runs of each solver; the median is reported (default 3)")
    bench.add_argument("--threads", "--n-threads", type=_threads, default=None,
                       dest="threads", metavar="T", help=THREADS_HELP)
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
    from ._cli_fit import UsageError
    from ._io import DataError

    import warnings

    warnings.showwarning = _show_warning
    try:
        if args.command is None:
            return _main_job(args)
        _check_options(args)
        return {"fit": _fit, "path": _path, "cv": _cv, "predict": _predict,
                "bench": _bench}[args.command](args)
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


def _check_options(args):
    """Options that would be ignored, or files that would be overwritten, are usage
    errors before any work; then the lasso / enet solver defaults are filled in."""
    from ._cli_fit import UsageError

    model = args.model if args.command in ("fit", "path", "cv") else None
    if model is not None:
        from ._cli_logistic import check_options

        check_options(args)
    if model == "ridge":
        if args.eps is not None:
            raise UsageError("--eps sets the lasso / enet grid; ridge's grid comes from the "
                             "data's spectrum (--n-alphas sets its length).")
        given = [name for name in ("tol", "max_iter") if getattr(args, name) is not None]
        if given:
            raise UsageError(" and ".join("--" + g.replace("_", "-") for g in given)
                             + " apply to lasso and enet; ridge is solved directly.")
    if model is not None:
        args.tol = (1e-6 if model == "logistic" else 1e-7) if args.tol is None else args.tol
        args.max_iter = 1000 if args.max_iter is None else args.max_iter
        _check_fold_options(args)
    _check_files(args)


def _check_fold_options(args):
    from ._cli_fit import UsageError

    if args.command == "path":
        k_fold = args.cv is not None
        why = "path draws folds only with --cv K"
    elif args.command == "fit" and args.alpha is not None:
        k_fold, why = False, "--alpha fits without cross-validation"
    else:
        k_fold = args.cv is not None or args.model != "ridge"
        why = "ridge uses leave-one-out unless --cv K is given"
    if not k_fold and (args.seed is not None or args.folds_in_order):
        option = "--seed" if args.seed is not None else "--folds-in-order"
        raise UsageError(f"{option} applies to K-fold cross-validation; {why}.")
    if args.seed is not None and args.folds_in_order:
        raise UsageError("--seed draws the folds at random; --folds-in-order draws none: "
                         "give one of them.")


def _check_files(args):
    """No output file may be an input file or another output file."""
    import os

    from ._cli_fit import UsageError

    def same(a, b):
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
        return os.path.realpath(a) == os.path.realpath(b)

    inputs = [("DATA", getattr(args, "data", None))]
    if args.command == "predict":
        inputs.append(("MODEL", args.model))
    inputs = [(what, path) for what, path in inputs if path not in (None, "-")]
    outputs = [(f"--{name}", getattr(args, name, None)) for name in ("output", "save", "plot")]
    outputs = [(option, path) for option, path in outputs if path is not None]
    for i, (option, path) in enumerate(outputs):
        for what, source in inputs:
            if same(path, source):
                raise UsageError(f"{option} {path} is the {what} file: it would be "
                                 "overwritten; write elsewhere.")
        for other, other_path in outputs[:i]:
            if same(path, other_path):
                raise UsageError(f"{other} and {option} name the same file {path}.")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line, without the source line they come from."""
    print(f"fastpen: warning: {message}", file=sys.stderr if file is None else file)


def _note(text):
    print(f"fastpen: {text}", file=sys.stderr)


def _note_fit(fitted):
    """The notes a fit leaves on stderr: how its folds were drawn, then its own notes."""
    if fitted.folds is not None:
        _note(f"folds: {fitted.folds.description}")
    for text in fitted.notes:
        _note(text)


# -- the main job ---------------------------------------------------------------------


def _main_job(args):
    from . import __version__
    from ._path import enet_path
    from .datasets import load_diabetes

    opts = {"l1_ratio": 1.0, "n_alphas": 100, "eps": 1e-3, "tol": 1e-7, "max_iter": 1000,
            "show": 8, "threads": None, "show_config": False}
    opts.update({k[4:]: v for k, v in vars(args).items() if k.startswith("top_")})
    args = argparse.Namespace(**opts)
    if args.show_config:
        from ._info import show_config

        show_config()
        return 0
    X, y, names = load_diabetes()
    start = time.perf_counter()
    path = enet_path(X, y, l1_ratio=args.l1_ratio, alphas=args.n_alphas, eps=args.eps,
                     tol=args.tol, max_iter=args.max_iter, n_threads=args.threads)
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
    """The data set the options describe; a note on stderr for the rows dropped."""
    from ._io import load_dataset

    data = load_dataset(args.data, args.target, features=args.features, drop=args.drop,
                        categorical=args.categorical, na=args.na,
                        target_labels=getattr(args, "model", None) == "logistic")
    if data.n_rows_dropped:
        counts = ", ".join(f"{name} {count}" for name, count in
                           sorted(data.missing_by_column.items(), key=lambda kv: -kv[1])
                           if count)
        _note(f"dropped {data.n_rows_dropped} of {data.n_rows_read} rows with a missing "
              f"value (missing cells: {counts})")
    return data


def _fit_with_cv(data, args, n_folds, curve_nonzeros=False):
    """:func:`fastpen._cli_fit.fit` with a progress bar, its notes on stderr."""
    from ._cli_fit import fit

    bar = _progress(args, "cv") if n_folds is not None and args.model != "ridge" else None
    try:
        fitted = fit(data, args, n_folds=n_folds, progress=bar,
                     curve_nonzeros=curve_nonzeros)
    finally:
        if bar is not None:
            bar.close()
    _note_fit(fitted)
    return fitted


# -- fit, path, cv, predict --------------------------------------------------------------


def _fit(args):
    from . import _cli_report as report

    if args.model == "logistic":
        return _fit_logistic(args)
    data = _load(args)
    n_folds = args.cv if args.cv is not None else (
        None if args.alpha is not None or args.model == "ridge" else 5)
    fitted = _fit_with_cv(data, args, n_folds)
    return _report_fit(args, data, fitted, report.fit_summary(data, fitted), report)


def _report_fit(args, data, fitted, summary, report):
    """Save the model, write the coefficients and print the fit as the options say;
    ``report``: the module of the model's kind (_cli_report, _cli_logistic)."""
    if args.save:
        report.save_model(args.save, data, fitted, args)
    if args.output:
        report.write_coefficients(args.output, summary)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        report.print_fit(summary)
    return 0


def _path(args):
    from . import _cli_report as report

    if args.model == "logistic":
        return _path_logistic(args)
    data = _load(args)
    path = report.fit_path(data, args)
    return _report_path(args, data, path, report,
                        fit_cv=lambda cv_args: _fit_with_cv(data, cv_args, args.cv),
                        print_path=lambda mark: report.print_path(data, path, args, mark))


def _report_path(args, data, path, module, fit_cv, print_path):
    """The path command's output, for regressions (``module`` fastpen._cli_report) and
    classifiers (fastpen._cli_logistic): with --cv the cross-validated alpha marked (else
    --alpha), the plot, then the JSON or the table."""
    mark, mark_label = args.alpha, None
    if args.cv is not None:
        fitted = fit_cv(argparse.Namespace(**{**vars(args), "alpha": None}))
        mark, mark_label = fitted.alpha, f"alpha_min = {fitted.alpha:.4g} ({args.cv}-fold CV)"
    if args.plot:
        module.plot_path(args.plot, data, path, args, mark, mark_label)
    if args.json:
        print(json.dumps(module.path_json(data, path, args, mark), indent=1))
        return 0
    print_path(mark)
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def _cv(args):
    from . import _cli_report as report

    if args.model == "logistic":
        return _cv_logistic(args)
    data = _load(args)
    n_folds = args.cv if args.cv is not None else (None if args.model == "ridge" else 5)
    fitted = _fit_with_cv(data, argparse.Namespace(**{**vars(args), "alpha": None}),
                          n_folds, curve_nonzeros=True)
    return _report_cv(args, data, fitted, report.fit_summary(data, fitted), report,
                      lambda: report.plot_cv(args.plot, data, fitted, args))


def _report_cv(args, data, fitted, summary, report, plot):
    """Save the model, draw the CV plot (``plot()``) and print the fit and its CV curve
    as the options say; ``report``: the module of the model's kind."""
    if args.save:
        report.save_model(args.save, data, fitted, args)
    if args.plot:
        plot()
    if args.json:
        curve = fitted.curve
        summary.update(alphas=curve.alphas.tolist(), cv_mean=curve.mean.tolist(),
                       cv_se=curve.se.tolist(), cv_n_nonzero=curve.n_nonzero.tolist(),
                       plot=args.plot)
        print(json.dumps(summary, indent=1))
        return 0
    report.print_fit(summary)
    print()
    report.print_curve(fitted)
    if args.plot:
        print(f"\nplot written to {args.plot}")
    return 0


def _predict(args):
    from . import _cli_report as report

    from ._model import load_model

    model = load_model(args.model)
    if model.model == "logistic":
        from ._cli_logistic import predict

        predict(model, args.data, args.output, args.na, args.drop)
    else:
        report.predict(args.model, args.data, args.output, args.na, args.drop, model=model)
    return 0


# -- logistic: fit, path, cv (fastpen._cli_logistic) -------------------------------------


def _logistic_fit(data, args, n_folds, path=None):
    from ._cli_logistic import fit

    fitted = fit(data, args, n_folds=n_folds, path=path)
    _note_fit(fitted)
    return fitted


def _fit_logistic(args):
    from . import _cli_logistic as logistic

    data = _load(args)
    fitted = _logistic_fit(data, args, None if args.alpha is not None else (args.cv or 5))
    return _report_fit(args, data, fitted, logistic.summary(data, fitted), logistic)


def _path_logistic(args):
    from . import _cli_logistic as logistic

    data = _load(args)
    path = logistic.fit_path(data, args)
    for text in path.notes:
        _note(text)
    return _report_path(
        args, data, path, logistic,
        fit_cv=lambda cv_args: _logistic_fit(data, cv_args, args.cv, path=path),
        print_path=lambda mark: logistic.print_path(data, path, mark))


def _cv_logistic(args):
    from . import _cli_logistic as logistic

    data = _load(args)
    fitted = _logistic_fit(data, argparse.Namespace(**{**vars(args), "alpha": None}),
                           args.cv or 5)
    return _report_cv(args, data, fitted, logistic.summary(data, fitted), logistic,
                      lambda: logistic.plot_cv(args.plot, data, fitted))


# -- bench -----------------------------------------------------------------------------


def _bench(args):
    from ._bench import run

    run(n=args.n, p=args.p, n_alphas=args.n_alphas, target=args.gap, repeat=args.repeat,
        n_threads=args.threads, out=sys.stdout)
    return 0
