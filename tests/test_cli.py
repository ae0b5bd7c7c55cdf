"""The ``fastpen`` command: subprocess runs on the bundled data and on files the tests
write, broken files with their exit codes and messages, results equal to the Python
API's, and the plots (Agg backend)."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from fastpen import cli
from fastpen._io import DataError, load_dataset
from fastpen.datasets import load_diabetes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, cwd=None):
    """(exit status, stdout, stderr) of ``python -m fastpen args``."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-m", "fastpen", *args], capture_output=True,
                         text=True, cwd=cwd, env=env, timeout=300)
    return out.returncode, out.stdout, out.stderr


def _table(n=60, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.array([3.0, 0.0, -2.0, 0.5][:p]) + 0.3 * rng.standard_normal(n) + 1.0
    return X, y


def _write_csv(path, X, y, names=None, delimiter=","):
    names = names or [f"f{j}" for j in range(X.shape[1])] + ["target"]
    with open(path, "w") as f:
        f.write(delimiter.join(names) + "\n")
        for row, t in zip(X, y):
            f.write(delimiter.join(repr(float(v)) for v in row) + delimiter + repr(float(t))
                    + "\n")


# -- subprocess runs -------------------------------------------------------------------


def test_main_job_runs_without_a_subcommand():
    code, out, err = run()
    assert code == 0, err
    assert "diabetes" in out and "alpha" in out
    assert "Traceback" not in err


def test_fit_on_the_bundled_data_equals_lasso_cv():
    """The command's default fit (5 random folds from a printed seed, glmnet's eps) is
    LassoCV on the same folds."""
    from fastpen._cli_fit import make_folds

    code, out, err = run("fit", "--json", "--seed", "7")
    assert code == 0, err
    assert "5 random folds, seed 7" in err
    got = json.loads(out)
    X, y, names = load_diabetes()
    folds = make_folds(len(y), 5, seed=7).pairs
    est = fastpen.LassoCV(alphas=100, eps=1e-4, tol=1e-7, cv=folds).fit(X, y)
    assert got["seed"] == 7 and got["eps"] == 1e-4
    assert got["alpha"] == pytest.approx(est.alpha_, rel=1e-12)
    assert got["intercept"] == pytest.approx(est.intercept_, rel=1e-9, abs=1e-9)
    coef = np.array([got["coefficients"].get(name, 0.0) for name in names])
    np.testing.assert_allclose(coef, est.coef_, rtol=1e-9, atol=1e-12)
    assert got["alpha_1se"] == pytest.approx(est.alpha_1se_)


def test_fit_csv_and_its_outputs(tmp_path):
    X, y = _table()
    path = tmp_path / "data.csv"
    _write_csv(path, X, y)
    code, out, err = run("fit", str(path), "--target", "target", "--model", "enet",
                         "--alpha", "0.1", "--l1-ratio", "0.7", "--output",
                         str(tmp_path / "coefs.csv"))
    assert code == 0, err
    est = fastpen.ElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-7).fit(X, y)
    assert "f0" in out and "(intercept)" in out and "alpha = 0.1" in out
    rows = (tmp_path / "coefs.csv").read_text().splitlines()
    assert rows[0] == "feature,coefficient"
    written = dict(line.split(",") for line in rows[1:])
    assert float(written["(intercept)"]) == pytest.approx(est.intercept_, rel=1e-12)
    for j in np.flatnonzero(est.coef_):
        assert float(written[f"f{j}"]) == pytest.approx(est.coef_[j], rel=1e-12)


def test_path_and_cv_plots_render(tmp_path):
    pytest.importorskip("matplotlib")
    code, out, err = run("path", "--cv", "3", "--plot", str(tmp_path / "path.png"))
    assert code == 0, err
    code, out, err = run("cv", "--plot", str(tmp_path / "cv.png"))
    assert code == 0, err
    for name in ("path.png", "cv.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_svmlight_and_npy_files(tmp_path):
    X, y = _table(n=40)
    X[np.abs(X) < 0.6] = 0.0
    with open(tmp_path / "d.svm", "w") as f:
        for row, t in zip(X, y):
            f.write(f"{float(t)!r} " + " ".join(f"{j + 1}:{float(v)!r}"
                                                for j, v in enumerate(row) if v) + "\n")
    np.save(tmp_path / "d.npy", np.c_[X, y])
    want = fastpen.Lasso(alpha=0.05, tol=1e-7).fit(X, y)
    for name in ("d.svm", "d.npy"):
        code, out, err = run("fit", str(tmp_path / name), "--alpha", "0.05", "--json")
        assert code == 0, err
        got = json.loads(out)
        coef = np.array([got["coefficients"].get(f"x{j + (name == 'd.svm')}", 0.0)
                         for j in range(4)])
        np.testing.assert_allclose(coef, want.coef_, rtol=1e-7, atol=1e-9)


BROKEN = {
    "missing.csv": (None, "no such file"),
    "text.csv": ("a,b,y\n1,2,3\n4,oops,6\n", "line 3, column 'b': 'oops' is not a number"),
    "nan.csv": ("a,b,y\n1,2,3\n4,nan,6\n", "line 3, column 'b': nan"),
    "empty_cell.csv": ("a,b,y\n1,,3\n", "line 2, column 'b': an empty cell"),
    "short.csv": ("a,b,y\n1,2,3\n4,5\n", "line 3: 2 fields, the header has 3"),
    "empty.csv": ("", "no header row"),
    "header_only.csv": ("a,b,y\n", "no data rows"),
    "bad.svm": ("1.0 1:2 x:3\n", "line 1, field 3: feature index 'x' is not an integer"),
    "order.svm": ("1.0 2:2 1:3\n", "increasing"),
    "bad.npy": ("not numpy", "not a NumPy .npy file"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_exit_1_with_one_line(tmp_path, name):
    content, message = BROKEN[name]
    if content is not None:
        (tmp_path / name).write_text(content)
    code, out, err = run("fit", str(tmp_path / name), "--alpha", "0.1")
    assert code == 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert name in err and message in err


def test_missing_target_column_and_usage_errors(tmp_path):
    X, y = _table()
    _write_csv(tmp_path / "d.csv", X, y)
    code, _, err = run("fit", str(tmp_path / "d.csv"), "--target", "nope")
    assert code == 1 and "no column 'nope'" in err and "Traceback" not in err
    code, _, err = run("fit", "--alpha", "0.1", "--cv", "3")        # exclusive
    assert code == 2 and "not allowed with" in err
    code, _, err = run("fit", "--model", "lasso", "--l1-ratio", "0.5")
    assert code == 2 and "--l1-ratio applies to --model enet" in err
    code, _, err = run("nonsense")
    assert code == 2


# -- in process ------------------------------------------------------------------------


def test_ridge_fit_equals_ridgecv(capsys):
    from fastpen._ridge import ridge_alpha_grid

    assert cli.main(["fit", "--model", "ridge", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    X, y, names = load_diabetes()
    est = fastpen.RidgeCV(alphas=ridge_alpha_grid(X, 100)).fit(X, y)
    assert got["alpha"] == pytest.approx(est.alpha_)
    assert got["cv"] == "leave-one-out"
    np.testing.assert_allclose([got["coefficients"][n] for n in names], est.coef_,
                               rtol=1e-8)


def test_standardized_ridge_reports_original_units(capsys):
    assert cli.main(["fit", "--model", "ridge", "--alpha", "5", "--standardize",
                     "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    X, y, names = load_diabetes()
    sd = X.std(axis=0)
    est = fastpen.Ridge(alpha=5.0).fit(X / sd, y)
    np.testing.assert_allclose([got["coefficients"][n] for n in names], est.coef_ / sd,
                               rtol=1e-10)
    assert got["intercept"] == pytest.approx(est.intercept_)


def test_cv_json_has_the_curve(capsys):
    assert cli.main(["cv", "--model", "enet", "--l1-ratio", "0.5", "--cv", "4",
                     "--n-alphas", "20", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert len(got["alphas"]) == len(got["cv_mean"]) == len(got["cv_se"]) == 20
    best = int(np.argmin(got["cv_mean"]))
    assert got["alpha"] == pytest.approx(got["alphas"][best])
    one_se = got["cv_mean"][best] + got["cv_se"][best]
    first = next(i for i, v in enumerate(got["cv_mean"]) if v <= one_se)
    assert got["alpha_1se"] == pytest.approx(got["alphas"][first])


def test_progress_bar_on_request(capsys):
    assert cli.main(["cv", "--cv", "3", "--n-alphas", "10", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "paths" in err and "[" in err


def test_bench_prints_the_table(capsys):
    assert cli.main(["bench", "--n", "100", "--p", "150", "--n-alphas", "10",
                     "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "fastpen" in out and "scikit-learn" in out and "faster" in out


def test_loaders_read_what_they_are_given(tmp_path):
    X, y = _table(n=20, p=3)
    _write_csv(tmp_path / "d.tsv", X, y, delimiter="\t")
    data = load_dataset(str(tmp_path / "d.tsv"), "f1")
    np.testing.assert_allclose(data.y, X[:, 1])
    np.testing.assert_allclose(data.X, np.c_[X[:, [0, 2]], y])
    assert data.feature_names == ("f0", "f2", "target")
    with gzip.open(tmp_path / "d.csv.gz", "wt") as f:
        f.write("a;b\n1;2\n3;4\n")
    data = load_dataset(str(tmp_path / "d.csv.gz"))
    np.testing.assert_array_equal(data.y, [2.0, 4.0])
    np.savez(tmp_path / "d.npz", X=X, y=y)
    data = load_dataset(str(tmp_path / "d.npz"))
    np.testing.assert_array_equal(data.X, X)
    np.savez(tmp_path / "one.npz", np.c_[y, X])           # one array, the target first
    data = load_dataset(str(tmp_path / "one.npz"), "0")
    np.testing.assert_array_equal(data.y, y)
    np.testing.assert_array_equal(data.X, X)
    with pytest.raises(DataError, match="row 1, column 0"):
        bad = X.copy()
        bad[1, 0] = np.inf
        np.savez(tmp_path / "bad.npz", X=bad, y=y)
        load_dataset(str(tmp_path / "bad.npz"))
    with open(tmp_path / "d.svm", "w") as f:
        f.write("# a comment\n1 1:0.5 3:2\n-1 2:1 # trailing\n")
    data = load_dataset(str(tmp_path / "d.svm"))
    assert sp.issparse(data.X) and data.X.shape == (2, 3)
    np.testing.assert_array_equal(data.X.toarray(), [[0.5, 0, 2], [0, 1, 0]])


def test_ctrl_c_stops_cleanly(tmp_path):
    """SIGINT during a CV fit: exit status 130, one line, no traceback."""
    import signal
    import time

    from fastpen.datasets import make_correlated_regression

    X, y, _ = make_correlated_regression(1500, 800, random_state=0)
    np.save(tmp_path / "big.npy", np.c_[X, y])
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # a process started in the background ignores SIGINT, and Python then installs no
    # handler: restore the default disposition in the child
    proc = subprocess.Popen([sys.executable, "-m", "fastpen", "cv", str(tmp_path / "big.npy"),
                             "--model", "enet", "--tol", "1e-10", "--n-alphas", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(2.0)                     # past the imports, inside the fit
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "fastpen: interrupted"


def test_without_matplotlib_the_message_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # import fails
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    from fastpen.plotting import plot_path

    with pytest.raises(ImportError, match=r"fastpen\[plot\]"):
        plot_path(fastpen.lasso_path(*load_diabetes()[:2], alphas=5))
    assert cli.main(["path", "--plot", "x.png"]) == 2
    assert "fastpen[plot]" in capsys.readouterr().err


def test_bench_gap_is_scikit_learns_dual_gap():
    """The independent gap of ``fastpen bench`` equals scikit-learn's own on the same
    solution (dual_gap_ times n over the null objective)."""
    from sklearn.linear_model import Lasso

    from fastpen._bench import relative_gaps

    X, y, _ = load_diabetes()
    alphas = [2.0, 0.3]
    fits = [Lasso(alpha=a, tol=1e-3).fit(X, y) for a in alphas]
    got = relative_gaps(X, y, alphas, [f.coef_ for f in fits])
    null = 0.5 * np.sum((y - y.mean()) ** 2)
    want = [f.dual_gap_ * len(y) / null for f in fits]
    np.testing.assert_allclose(got, want, rtol=1e-6)


# -- regressions from review -----------------------------------------------------------


def _fit_json(capsys, *args):
    code = cli.main(["fit", *args, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


@pytest.mark.parametrize("content, message", [
    ("\ufeffa,b,y\n1,2,3\n2,1,4\n3,5,1\n", None),                   # Excel's BOM
    ("a,b,y\n1," + "9" * 200_000 + ",3\n", "line 2"),               # csv's field limit
    ("0.5,1.5,2\n1,2,3\n", "numbers only"),                         # no header row
    ("a,b,y\n1,1_000,3\n", "'1_000' is not a number"),
    ('a,b,y\n1,"2\n",3\n4,x,6\n', "line 4, column 'b'"),            # a quoted newline
])
def test_text_files_from_review(tmp_path, capsys, content, message):
    (tmp_path / "d.csv").write_text(content, encoding="utf-8")
    code, got, err = _fit_json(capsys, str(tmp_path / "d.csv"), "--alpha", "0.01")
    if message is None:
        assert code == 0 and set(got["coefficients"]) <= {"a", "b"}
        assert cli.main(["fit", str(tmp_path / "d.csv"), "--target", "a", "--alpha",
                         "0.01"]) == 0
    else:
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_whitespace_txt_and_zero_based_svmlight(tmp_path, capsys):
    X, y = _table(n=30, p=3)
    np.savetxt(tmp_path / "d.txt", np.c_[X, y], header="a b c y", comments="")
    code, got, _ = _fit_json(capsys, str(tmp_path / "d.txt"), "--alpha", "0.05")
    want = fastpen.Lasso(alpha=0.05, tol=1e-7).fit(X, y)
    np.testing.assert_allclose([got["coefficients"].get(n, 0.0) for n in "abc"], want.coef_,
                               rtol=1e-9, atol=1e-12)
    from sklearn.datasets import dump_svmlight_file

    dump_svmlight_file(X, y, str(tmp_path / "d.svm"), zero_based=True)
    code, got, _ = _fit_json(capsys, str(tmp_path / "d.svm"), "--alpha", "0.05")
    np.testing.assert_allclose([got["coefficients"].get(f"x{j}", 0.0) for j in range(3)],
                               want.coef_, rtol=1e-7, atol=1e-9)


def test_npz_with_scalar_feature_names(tmp_path, capsys):
    X, y = _table(n=20, p=3)
    np.savez(tmp_path / "d.npz", X=X, y=y, feature_names=np.array("abc"))
    code, got, err = _fit_json(capsys, str(tmp_path / "d.npz"), "--alpha", "0.05")
    assert code == 0, err


def test_sparse_standardized_ridge_equals_dense_with_a_large_offset(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X = np.c_[1e8 + rng.standard_normal(50), rng.standard_normal(50)]
    y = X[:, 0] - 1e8 + X[:, 1] + 0.1 * rng.standard_normal(50)
    from fastpen._cli_fit import standardized

    dense = standardized(X)
    sparse = standardized(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-9)
    np.testing.assert_allclose(sparse[1], X.std(axis=0), rtol=1e-9)


def test_usage_errors_before_any_work(tmp_path, capsys):
    for argv, message in [
            (["--threads", "3", "fit"], "before the subcommand"),
            (["--l1-ratio", "0.3", "fit", "--model", "enet"], "before the subcommand"),
            (["fit", "--threads", "0"], "0 is invalid"),
            (["fit", "--eps", "2"], "must be in (0, 1]"),
            (["--eps", "5"], "must be in (0, 1]"),
            (["--l1-ratio", "0"], "must be in (0, 1]"),
            (["path", "--plot", "x.xyz"], "must end in .png, .pdf"),
            (["fit", "--output", "c.txt"], "must end in .csv, .json"),
            (["fit", "--n-alphas", "x"], "expected an integer, got 'x'"),
            (["fit", "--tol", "abc"], "expected a number, got 'abc'"),
            (["fit", "--save", "m.pkl"], "must end in .json, .npz"),
            (["fit", "--seed", "-1"], "non-negative")]:
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
    assert cli.main(["fit", "--alpha", "0.1", "--output", str(tmp_path / "c.CSV")]) == 0


def test_progress_is_reported_before_the_end():
    """A 5-fold CV of one target is 5 paths: the first chunk is one path a thread, so
    the bar (and a Ctrl-C check) comes before the last path."""
    X, y, _ = load_diabetes()
    calls = []
    fastpen.LassoCV(cv=5, n_threads=2, verbose=lambda done, total: calls.append(done)).fit(
        X, y)
    assert calls[0] < 5 and calls[-1] == 5
