"""``fastpen fit / path / cv / predict`` with ``--model logistic``: label columns of any
type, results equal to fastpen.logistic_path's on the same encoded data, the held-out
deviance curve checked from scratch at alpha_max, probabilities from ``predict``, the
plots, and the usage and data errors."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import fastpen
from fastpen import cli
from fastpen._cli_fit import make_folds
from fastpen._model import load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES3 = np.array(["setosa", "versicolor", "virginica"])


def _write(path, X, labels, names=None, label_name="label"):
    names = names or [f"f{j}" for j in range(X.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(names + [label_name]) + "\n")
        for row, label in zip(X, labels):
            f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")


def _binary(n=120, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.r_[1.0, 2.0, 0.5, 1.0, 3.0][:p]
    eta = 1.2 * X[:, 0] - 0.6 * X[:, 1] + 0.3
    return X, np.where(eta + rng.logistic(size=n) > 0, "spam", "ham")


def _three(n=150, p=5, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.array([[2.0, 0, 0, 0, 0], [0, 1.5, 0, 0, 0], [-1.0, 0, 1.0, 0, 0]])
    return X, CLASSES3[np.argmax(X @ W.T + rng.gumbel(size=(n, 3)), axis=1)]


def main(capsys, *args):
    """(exit status, stdout, stderr) of the command run in this process (argparse's
    usage errors exit through SystemExit)."""
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two_csv(tmp_path):
    X, y = _binary()
    path = tmp_path / "two.csv"
    _write(path, X, y)
    return path, X, y


@pytest.fixture
def three_csv(tmp_path):
    X, y = _three()
    path = tmp_path / "three.csv"
    _write(path, X, y, label_name="species")
    return path, X, y


def test_fit_at_alpha_equals_logistic_path(capsys, two_csv):
    path, X, y = two_csv
    code, out, err = main(capsys, "fit", path, "--model", "logistic", "--alpha", "0.02",
                          "--l1-ratio", "0.7", "--standardize", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["model"] == "logistic" and s["family"] == "binomial"
    assert s["classes"] == ["ham", "spam"] and s["positive_class"] == "spam"
    ref = fastpen.logistic_path(X, y, alphas=[0.02], l1_ratio=0.7, standardize=True,
                                tol=1e-10, max_iter=100000)
    np.testing.assert_allclose(list(s["coefficients"].values()), ref.coefs[0], rtol=1e-4,
                               atol=1e-6)
    assert s["intercept"] == pytest.approx(ref.intercepts[0], rel=1e-4, abs=1e-6)
    assert s["n_nonzero"] == np.count_nonzero(ref.coefs[0])
    # the table names the positive class and the features
    code, out, _ = main(capsys, "fit", path, "--model", "logistic", "--alpha", "0.02")
    assert code == 0 and "positive class: 'spam'" in out and "f0" in out


def test_multinomial_fit_equals_logistic_path(capsys, three_csv, tmp_path):
    path, X, y = three_csv
    out_csv = tmp_path / "coef.csv"
    code, out, err = main(capsys, "fit", path, "--model", "logistic", "--alpha", "0.01",
                          "--json", "--output", out_csv)
    assert code == 0, err
    s = json.loads(out)
    assert s["family"] == "multinomial" and s["classes"] == list(CLASSES3)
    ref = fastpen.logistic_path(X, y, alphas=[0.01], tol=1e-10, max_iter=100000)
    got = np.array([list(s["coefficients"][c].values()) for c in CLASSES3])
    np.testing.assert_allclose(got, ref.coefs[0], atol=2e-3)
    np.testing.assert_allclose([s["intercept"][c] for c in CLASSES3], ref.intercepts[0],
                               atol=2e-3)
    lines = out_csv.read_text().splitlines()
    assert lines[0] == "feature,setosa,versicolor,virginica"
    assert lines[1].startswith("(intercept),") and len(lines) == 2 + X.shape[1]


def test_cv_curve_is_held_out_deviance(capsys, two_csv, tmp_path):
    """The curve's mean and SE over the folds of -2 mean log P(held-out label), the
    probabilities computed here from each fold's fit along the whole data's grid."""
    path, X, y = two_csv
    image = tmp_path / "cv.png"
    code, out, err = main(capsys, "cv", path, "--model", "logistic", "--seed", "5",
                          "--n-alphas", "30", "--plot", image, "--json")
    assert code == 0, err
    s = json.loads(out)
    mean, se, alphas = (np.array(s[k]) for k in ("cv_mean", "cv_se", "alphas"))
    folds = make_folds(len(y), 5, seed=5)
    positive = (y == "spam").astype(float)
    per_fold = []
    for train, test in folds.pairs:
        fit = fastpen.logistic_path(X[train], y[train], alphas=alphas, tol=1e-6)
        prob = 1 / (1 + np.exp(-(X[test] @ fit.coefs.T + fit.intercepts)))   # (nt, m)
        p_true = np.where(positive[test][:, None] == 1, prob, 1 - prob)
        per_fold.append(-2 * np.mean(np.log(p_true), axis=0))
    per_fold = np.array(per_fold)                                            # (F, m)
    np.testing.assert_allclose(mean, per_fold.mean(axis=0), rtol=1e-7)
    np.testing.assert_allclose(se, per_fold.std(axis=0, ddof=1) / np.sqrt(5), rtol=1e-6)
    best = int(np.argmin(mean))
    assert s["alpha"] == alphas[best] and s["cv_score"] == mean[best]
    one_se = int(np.flatnonzero(mean <= mean[best] + se[best])[0])
    assert s["alpha_1se"] == alphas[one_se]
    assert mean[best] < mean[0] - 2 * se[0]          # the features predict the labels
    assert s["cv_score_name"] == "mean held-out deviance"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the table marks both alphas
    code, out, _ = main(capsys, "cv", path, "--model", "logistic", "--seed", "5",
                        "--n-alphas", "30")
    assert code == 0 and "<- alpha_min" in out and "alpha_1se" in out
    assert "held-out deviance" in out


def test_multinomial_standardized_cv_equals_per_fold_fits(capsys, tmp_path):
    """Multinomial, elastic net, --standardize: the curve (all the folds' paths fitted in
    one call, each fold a weighting of the rows) equals per-fold logistic_path fits on
    the training rows alone, whose standard deviations are the training rows' own."""
    X, y = _three(seed=1)
    X = X * np.array([1.0, 5.0, 0.2, 1.0, 3.0])     # unequal scales: standardize matters
    path = tmp_path / "m.csv"
    _write(path, X, y, label_name="species")
    code, out, err = main(capsys, "cv", path, "--model", "logistic", "--seed", "3", "--cv",
                          "4", "--standardize", "--l1-ratio", "0.5", "--n-alphas", "25",
                          "--json")
    assert code == 0, err
    s = json.loads(out)
    mean, se, alphas = (np.array(s[k]) for k in ("cv_mean", "cv_se", "alphas"))
    folds = make_folds(len(y), 4, seed=3)
    per_fold = []
    for train, test in folds.pairs:
        fit = fastpen.logistic_path(X[train], y[train], alphas=alphas, l1_ratio=0.5,
                                    standardize=True, tol=1e-6)
        eta = np.einsum("np,mkp->nmk", X[test], fit.coefs) + fit.intercepts[None]
        truth = np.searchsorted(CLASSES3, y[test])
        log_p = (np.take_along_axis(eta, truth[:, None, None], axis=2)[:, :, 0]
                 - np.log(np.exp(eta).sum(axis=2)))
        per_fold.append(-2 * log_p.mean(axis=0))
    per_fold = np.array(per_fold)                                            # (F, m)
    np.testing.assert_allclose(mean, per_fold.mean(axis=0), rtol=1e-7)
    np.testing.assert_allclose(se, per_fold.std(axis=0, ddof=1) / 2, rtol=1e-6)
    assert s["alpha"] == alphas[int(np.argmin(mean))]


def test_held_out_deviance_floors_probabilities():
    """A confident mistake costs -2 log(1e-15) at most, not its margin: a separable fold
    must not let one held-out row dominate the curve."""
    from fastpen._cli_logistic import _PROB_FLOOR, _deviance

    X_test = np.array([[1.0], [-1.0], [2.0]])
    y = np.array([1, 0, 0])                          # the third row is a mistake
    W = np.array([[[0.5]], [[100.0]]])               # (m, kb, p): mild, then confident
    b = np.zeros((2, 1))
    got = _deviance(X_test, y, W, b, "binomial")
    mild = np.log1p(np.exp(-0.5 * np.array([1.0, 1.0, -2.0])))     # -log P(label)
    assert got[0] == pytest.approx(2 * mild.mean(), rel=1e-12)
    # rows 1, 2: -log P = log(1 + e^-100) ~ 0; row 3: 200, floored at -log(1e-15)
    assert got[1] == pytest.approx(-2 * np.log(_PROB_FLOOR) / 3, rel=1e-12)
    # multinomial rows: the same floor on the softmax probability of the label
    W3 = np.array([[[0.0], [0.0], [0.0]], [[0.0], [-100.0], [100.0]]])      # (2, 3, 1)
    got3 = _deviance(X_test, y, W3, np.zeros((2, 3)), "multinomial")
    assert got3[0] == pytest.approx(2 * np.log(3.0), rel=1e-12)
    assert got3[1] == pytest.approx(-2 * np.log(_PROB_FLOOR), rel=1e-12)   # every row


def test_path_and_plots(capsys, three_csv, two_csv, tmp_path):
    path, X, y = three_csv
    image = tmp_path / "path.png"
    code, out, err = main(capsys, "path", path, "--model", "logistic", "--n-alphas", "15",
                          "--eps", "0.05", "--plot", image, "--json")
    assert code == 0, err
    s = json.loads(out)
    ref = fastpen.logistic_path(X, y, alphas=15, eps=0.05, tol=1e-6)
    np.testing.assert_allclose(s["alphas"], ref.alphas, rtol=1e-12)
    assert np.array(s["coefs"]).shape == (15, 3, X.shape[1])
    assert s["n_nonzero"][0] == 0 and s["n_nonzero"][-1] > 0
    assert image.stat().st_size > 1000
    path2, _, _ = two_csv
    code, out, err = main(capsys, "path", path2, "--model", "logistic", "--n-alphas", "12",
                          "--cv", "3", "--seed", "1", "--plot", tmp_path / "p2.png")
    assert code == 0, err
    assert "marked alpha" in out and "+f0" in out and "%dev" in out


def test_predict_writes_probabilities(capsys, two_csv, three_csv, tmp_path):
    path, X, y = two_csv
    model = tmp_path / "m.json"
    code, _, err = main(capsys, "fit", path, "--model", "logistic", "--alpha", "0.01",
                        "--save", model)
    assert code == 0, err
    m = load_model(model)
    assert m.model == "logistic" and m.classes == ("ham", "spam")
    assert json.loads(model.read_text())["schema_version"] == 2
    new = tmp_path / "new.csv"
    rows = X[:6].copy()
    with open(new, "w") as f:
        f.write(",".join(f"f{j}" for j in range(5)) + "\n")
        for i, row in enumerate(rows):
            cells = [repr(float(v)) for v in row]
            if i == 2:
                cells[1] = ""
            f.write(",".join(cells) + "\n")
    code, out, err = main(capsys, "predict", model, new, "--na", "drop")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "predicted,P(spam)" and len(lines) == 7
    assert lines[3] == "NA,NA"
    expected = 1 / (1 + np.exp(-(rows @ m.coef + m.intercept)))
    for i in (0, 1, 3, 4, 5):
        label, prob = lines[1 + i].split(",")
        assert float(prob) == pytest.approx(expected[i], rel=1e-12)
        assert label == ("spam" if expected[i] > 0.5 else "ham")
    # the training file holds the labels: scored on stderr
    code, out, err = main(capsys, "predict", model, path)
    assert code == 0 and "accuracy" in err and "mean deviance" in err
    # multinomial, .npz: a column per class, rows summing to 1
    path3, X3, _ = three_csv
    model3 = tmp_path / "m3.npz"
    code, _, err = main(capsys, "cv", path3, "--model", "logistic", "--seed", "2",
                        "--n-alphas", "20", "--eps", "0.02", "--save", model3)
    assert code == 0, err
    code, out, err = main(capsys, "predict", model3, path3)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "predicted,P(setosa),P(versicolor),P(virginica)"
    probs = np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    predicted = [line.split(",")[0] for line in lines[1:]]
    assert predicted == list(CLASSES3[np.argmax(probs, axis=1)])


def test_numeric_labels_sort_numerically(capsys, tmp_path):
    X, y = _three(seed=3)
    codes = {"setosa": "2", "versicolor": "10", "virginica": "7"}
    path = tmp_path / "num.csv"
    _write(path, X, [codes[v] for v in y])
    code, out, err = main(capsys, "fit", path, "--model", "logistic", "--alpha", "0.05",
                          "--json")
    assert code == 0, err
    assert json.loads(out)["classes"] == ["2", "7", "10"]
    # --family multinomial fits two classes with two blocks
    Xb, yb = _binary(seed=4)
    pb = tmp_path / "b.csv"
    _write(pb, Xb, (yb == "spam").astype(int))
    code, out, err = main(capsys, "fit", pb, "--model", "logistic", "--alpha", "0.05",
                          "--family", "multinomial", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["family"] == "multinomial" and s["classes"] == ["0", "1"]


@pytest.mark.parametrize("args, status, message", [
    (["fit", "--model", "lasso", "--family", "binomial"], 2, "--family applies to --model "
                                                             "logistic"),
    (["fit", "--model", "logistic", "--family", "binomial", "--alpha", "0.1"], 1,
     "--family binomial needs two classes"),
    (["fit", "--model", "logistic", "--family", "poisson"], 2, "invalid choice"),
    (["fit", "--model", "logistic", "--l1-ratio", "1.5"], 2, "must be in"),
    (["fit", "--model", "logistic", "--target", "f0", "--alpha", "0.1"], 1,
     "different values"),
    (["cv", "--model", "logistic", "--cv", "40"], 1, "have no row of class"),
])
def test_usage_and_data_errors(capsys, tmp_path, args, status, message):
    X, y = _three(n=60, seed=5)
    y[0] = "rare"                           # one row of a fourth class
    path = tmp_path / "d.csv"
    _write(path, X, y)
    code, out, err = main(capsys, args[0], path, *args[1:])
    assert code == status, err
    assert message in err and "Traceback" not in err


def test_single_class_and_subprocess_exit_status(tmp_path):
    X, _ = _binary(n=20)
    path = tmp_path / "one.csv"
    _write(path, X, ["yes"] * 20)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-m", "fastpen", "fit", str(path), "--model",
                          "logistic"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1
    assert "single class" in out.stderr and "Traceback" not in out.stderr


def test_svmlight_labels(capsys, tmp_path):
    """An svmlight file's first field holds the labels (-1 / 1 here), read as text."""
    X, y = _binary(n=60, seed=6)
    path = tmp_path / "d.svm"
    with open(path, "w") as f:
        for row, label in zip(X, y):
            f.write(("1" if label == "spam" else "-1") + " "
                    + " ".join(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row)) + "\n")
    model = tmp_path / "svm.json"
    code, out, err = main(capsys, "fit", path, "--model", "logistic", "--alpha", "0.02",
                          "--json", "--save", model)
    assert code == 0, err
    s = json.loads(out)
    assert s["classes"] == ["-1", "1"] and s["positive_class"] == "1"
    ref = fastpen.logistic_path(X, y, alphas=[0.02], tol=1e-10, max_iter=100000)
    np.testing.assert_allclose(list(s["coefficients"].values()), ref.coefs[0], atol=1e-5)
    code, out, err = main(capsys, "predict", model, path)
    assert code == 0 and out.splitlines()[0] == "predicted,P(1)" and "accuracy" in err


def test_logistic_command_loads_neither_scikit_learn_nor_matplotlib(tmp_path):
    X, y = _binary(n=60, seed=7)
    path = tmp_path / "d.csv"
    _write(path, X, y)
    model = tmp_path / "m.json"
    code = (f"import sys\nfrom fastpen.cli import main\n"
            f"assert main(['cv', {str(path)!r}, '--model', 'logistic', '--seed', '1', "
            f"'--save', {str(model)!r}]) == 0\n"
            f"assert main(['predict', {str(model)!r}, {str(path)!r}]) == 0\n"
            "print([k for k in ('sklearn', 'matplotlib') if k in sys.modules])\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("[]")
