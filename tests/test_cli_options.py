"""The command line of issue 18: random folds and their seed, the grid-edge note, the
tables of ``path`` and ``cv``, ridge CV curves, help text, usage errors, a real file
with text columns and missing cells, saved models and ``fastpen predict``."""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import fastpen
from fastpen import cli
from fastpen._cli_fit import make_folds
from fastpen.datasets import load_diabetes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the installed package's copy (the tests also run against an installed wheel)
PENGUINS = os.path.join(os.path.dirname(fastpen.__file__), "datasets", "data", "penguins.csv")


def run(*args, cwd=None, stdin=None):
    """(exit status, stdout, stderr) of ``python -m fastpen args``."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-m", "fastpen", *args], capture_output=True,
                         text=True, cwd=cwd, env=env, timeout=300, input=stdin)
    return out.returncode, out.stdout, out.stderr


def main_json(capsys, *argv):
    assert cli.main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


# -- folds -----------------------------------------------------------------------------


@pytest.mark.parametrize("n, k", [(10, 2), (11, 3), (442, 5), (7, 7)])
def test_folds_partition_the_rows(n, k):
    for folds in (make_folds(n, k, seed=5), make_folds(n, k, in_order=True)):
        tests = [test for _, test in folds.pairs]
        np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(n))
        sizes = [t.size for t in tests]
        assert max(sizes) - min(sizes) <= 1
        for train, test in folds.pairs:
            assert np.intersect1d(train, test).size == 0 and train.size + test.size == n


def test_in_order_folds_are_kfold_and_random_folds_follow_the_seed():
    from sklearn.model_selection import KFold

    for (_, a), (_, b) in zip(make_folds(23, 4, in_order=True).pairs, KFold(4).split(
            np.zeros(23))):
        np.testing.assert_array_equal(a, b)
    same = [make_folds(50, 5, seed=3).pairs[f][1] for f in range(5)]
    again = [make_folds(50, 5, seed=3).pairs[f][1] for f in range(5)]
    other = [make_folds(50, 5, seed=4).pairs[f][1] for f in range(5)]
    assert all(np.array_equal(a, b) for a, b in zip(same, again))
    assert not all(np.array_equal(a, b) for a, b in zip(same, other))
    # not in row order: a fold is not a contiguous block
    assert any(np.any(np.diff(test) > 1) for test in same)


def test_the_seed_is_printed_and_repeats_the_fit(capsys):
    first, err = main_json(capsys, "fit")
    seed = first["seed"]
    assert f"seed {seed} (--seed {seed} repeats them)" in err
    again, _ = main_json(capsys, "fit", "--seed", str(seed))
    assert again["alpha"] == first["alpha"] and again["coefficients"] == first[
        "coefficients"]
    ordered, err = main_json(capsys, "fit", "--folds-in-order")
    assert "seed" not in ordered or ordered["seed"] is None
    assert "in row order" in err


def test_sorted_file_random_folds_against_row_order(tmp_path, capsys):
    """On a file sorted by the target, in-order folds hold out one range of y at a time:
    their CV error is far above the random folds' (the reason folds are random)."""
    X, y, names = load_diabetes()
    order = np.argsort(y)
    np.savez(tmp_path / "sorted.npz", X=X[order], y=y[order])
    shuffled, _ = main_json(capsys, "fit", str(tmp_path / "sorted.npz"), "--seed", "0")
    blocks, _ = main_json(capsys, "fit", str(tmp_path / "sorted.npz"), "--folds-in-order")
    assert blocks["cv_score"] > 1.5 * shuffled["cv_score"]


# -- the CV alpha at the edge of its grid -----------------------------------------------


def test_alpha_at_the_small_end_of_the_grid_is_reported(capsys):
    got, err = main_json(capsys, "fit", "--eps", "0.05", "--seed", "1")
    assert "smallest of the grid" in err and "lower --eps (now 0.05)" in err
    grid = 0.05 ** (np.arange(100) / 99)           # relative grid: the chosen is its end
    X, y, _ = load_diabetes()
    top = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / len(y)
    assert got["alpha"] == pytest.approx(top * grid[-1], rel=1e-9)
    # standardized, the same folds choose an interior alpha: no warning
    got, err = main_json(capsys, "fit", "--standardize", "--seed", "1")
    assert "of the grid" not in err and got["alpha"] > 1e-4 * got["alpha_1se"]


def test_null_model_is_named_as_such(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "noise.npz", X=rng.standard_normal((60, 5)),
             y=rng.standard_normal(60))
    got, err = main_json(capsys, "fit", str(tmp_path / "noise.npz"), "--seed", "2")
    if got["n_nonzero"] == 0:
        assert "alpha_max, where every coefficient is zero" in err


# -- tables ----------------------------------------------------------------------------


def test_cv_prints_the_curve_table(capsys):
    assert cli.main(["cv", "--n-alphas", "12", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:4] == [
        "alpha", "mean", "error", "SE"])
    rows = lines[head + 1: head + 13]
    assert len(rows) == 12
    assert sum("alpha_min" in row for row in rows) == 1
    assert sum("alpha_1se" in row for row in rows) == 1
    nonzero = [int(row.split()[3]) for row in rows]
    assert nonzero[0] == 0 and nonzero[-1] == 10          # null model ... all features


def test_cv_json_matches_the_library_curve(capsys):
    got, _ = main_json(capsys, "cv", "--n-alphas", "15", "--seed", "9", "--cv", "4")
    X, y, _ = load_diabetes()
    est = fastpen.LassoCV(alphas=15, eps=1e-4, tol=1e-7,
                          cv=make_folds(len(y), 4, seed=9).pairs).fit(X, y)
    np.testing.assert_allclose(got["alphas"], est.alphas_, rtol=1e-12)
    np.testing.assert_allclose(got["cv_mean"], est.mse_path_.mean(axis=1), rtol=1e-9)
    path = fastpen.lasso_path(X, y, alphas=est.alphas_, tol=1e-7)
    assert got["cv_n_nonzero"] == path.df.tolist()


def test_path_prints_every_alpha_with_dev_and_changes(capsys):
    assert cli.main(["path", "--n-alphas", "20"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:3] == [
        "alpha", "nonzero", "%dev"])
    rows = [line.split() for line in lines[head + 1: head + 21]]
    X, y, names = load_diabetes()
    path = fastpen.lasso_path(X, y, alphas=20, eps=1e-4, tol=1e-7)
    np.testing.assert_allclose([float(r[0]) for r in rows], path.alphas, rtol=1e-4)
    assert [int(r[1]) for r in rows] == path.df.tolist()
    np.testing.assert_allclose([float(r[2]) for r in rows], 100 * path.dev_ratio, atol=0.006)
    entered = [name[1:] for r in rows for name in r[3:] if name.startswith("+")]
    first = names[int(np.flatnonzero(path.coefs[np.argmax(path.df > 0)])[0])]
    assert entered[0] == first


# -- ridge -----------------------------------------------------------------------------


def test_ridge_cv_curve_from_the_command(capsys):
    got, _ = main_json(capsys, "cv", "--model", "ridge", "--n-alphas", "30")
    assert got["cv"] == "leave-one-out" and len(got["alphas"]) == 30
    best = int(np.argmin(got["cv_mean"]))
    assert got["alpha"] == pytest.approx(got["alphas"][best])
    X, y, names = load_diabetes()
    est = fastpen.RidgeCV(alphas=got["alphas"]).fit(X, y)
    assert got["alpha"] == pytest.approx(est.alpha_)
    got, err = main_json(capsys, "cv", "--model", "ridge", "--cv", "5", "--seed", "2",
                         "--n-alphas", "30")
    assert got["cv"] == "5-fold" and "seed 2" in err


def test_ridge_grid_spans_the_degrees_of_freedom_on_mixed_scales(tmp_path, capsys):
    """Columns on scales 1e-3 ... 1e4: the LOO choice is inside the spectral grid, where
    the old grid (mean squared column norm x 1e3 ... 1e-6) put it at its smallest alpha."""
    from fastpen._ridge import ridge_alpha_grid, ridge_cv_curve

    rng = np.random.default_rng(1)
    scales = np.logspace(-3, 4, 8)
    X = rng.standard_normal((60, 8)) * scales
    y = (X / scales) @ (0.3 * rng.standard_normal(8)) + rng.standard_normal(60)
    np.savez(tmp_path / "mixed.npz", X=X, y=y)
    got, err = main_json(capsys, "fit", str(tmp_path / "mixed.npz"), "--model", "ridge")
    assert "of the grid" not in err
    alphas = ridge_alpha_grid(X, 100)
    assert alphas[-1] < got["alpha"] < alphas[0]
    old = np.mean(np.sum((X - X.mean(0)) ** 2, axis=0)) * np.geomspace(1e3, 1e-6, 100)
    assert ridge_cv_curve(X, y, old, warn_edges=False).alpha_index == 99


# -- errors ----------------------------------------------------------------------------


def test_constant_target_is_a_data_error(tmp_path):
    (tmp_path / "c.csv").write_text("a,b,y\n1,2,3\n2,5,3\n4,1,3\n5,0,3\n6,2,3\n7,7,3\n")
    for command in ("fit", "path", "cv"):
        code, out, err = run(command, str(tmp_path / "c.csv"))
        assert code == 1, (command, err)
        assert "c.csv" in err and "constant" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_more_folds_than_rows_is_a_usage_error_naming_the_file(tmp_path):
    (tmp_path / "small.csv").write_text("a,y\n1,2\n2,1\n3,5\n")
    code, _, err = run("fit", str(tmp_path / "small.csv"), "--cv", "5")
    assert code == 2 and "small.csv has 3 rows" in err and "Traceback" not in err
    (tmp_path / "one.csv").write_text("a,y\n1,2\n")
    code, _, err = run("fit", str(tmp_path / "one.csv"))
    assert code == 2 and "one.csv has 1 row" in err
    code, _, err = run("fit", str(tmp_path / "one.csv"), "--alpha", "0.1")
    assert code == 1 and "one.csv: 1 data row: at least 2" in err


def test_help_names_no_internals_and_explains_every_option():
    parser = cli._parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in [("fastpen", parser), *subparsers.choices.items()]:
        text = sub.format_help()
        for internal in ("TOP_", "_positive", "_nonnegative", "==SUPPRESS==", "_float",
                         "_int"):
            assert internal not in text, (name, internal)
        for action in sub._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, (name, action.option_strings or action.dest)


@pytest.mark.parametrize("argv, message", [
    (["fit", "--alpha", "1", "--seed", "3"], "--alpha fits without cross-validation"),
    (["fit", "--alpha", "1", "--folds-in-order"], "--folds-in-order applies to K-fold"),
    (["fit", "--seed", "3", "--folds-in-order"], "give one of them"),
    (["cv", "--model", "ridge", "--seed", "4"], "ridge uses leave-one-out unless --cv K"),
    (["path", "--seed", "1"], "path draws folds only with --cv K"),
    (["fit", "--model", "ridge", "--eps", "0.1"], "ridge's grid comes from the data"),
    (["fit", "--model", "ridge", "--max-iter", "5"], "--max-iter apply to lasso and enet"),
    (["fit", "--model", "ridge", "--tol", "0.5"], "--tol apply to lasso and enet"),
])
def test_options_that_would_be_ignored_are_usage_errors(capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_abbreviated_options_are_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["fit", "--alph", "1"])
    assert exc.value.code == 2 and "--alph" in capsys.readouterr().err


def test_outputs_never_overwrite_inputs(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{i},{i * i % 7},{i % 5}\n" for i in range(20)))
    before = data.read_text()
    for argv, message in [
            (["fit", str(data), "--alpha", "1", "--output", str(data)], "is the DATA file"),
            (["fit", str(data), "--alpha", "1", "--save", str(tmp_path / "m.json"),
              "--output", str(tmp_path / "m.json")], "name the same file"),
            (["cv", str(data), "--save", str(tmp_path / ".." / tmp_path.name / "d.json")],
             None)]:
        if message is None:             # another spelling of a path that is not DATA: fine
            assert cli.main(argv) == 0, argv
            capsys.readouterr()
            continue
        assert cli.main(argv) == 2, argv
        assert message in capsys.readouterr().err
    assert cli.main(["fit", str(data), "--alpha", "1", "--save", str(tmp_path / "m.json")]
                    ) == 0
    model_before = (tmp_path / "m.json").read_text()
    assert cli.main(["predict", str(tmp_path / "m.json"), str(data), "--output",
                     str(data)]) == 2
    assert "is the DATA file" in capsys.readouterr().err
    assert data.read_text() == before and (tmp_path / "m.json").read_text() == model_before


def test_version_and_max_iter(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"fastpen {fastpen.__version__}"
    assert cli.main(["fit", "--alpha", "0.01", "--max-iter", "1", "--tol", "1e-12"]) == 0
    assert "did not converge" in capsys.readouterr().err


# -- a real file: text columns, missing cells, a saved model, predictions ---------------


def test_penguins_fit_save_and_predict_round_trip(tmp_path):
    model = tmp_path / "model.json"
    code, out, err = run("fit", PENGUINS, "--target", "body_mass_g", "--na", "drop",
                         "--seed", "1", "--save", str(model), "--json")
    assert code == 0, err
    assert "dropped 11 of 344 rows" in err
    got = json.loads(out)
    assert any(name.startswith("species=") for name in got["coefficients"])
    code, out, err = run("predict", str(model), PENGUINS, "--na", "drop")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "prediction" and len(lines) == 345
    assert sum(line == "NA" for line in lines[1:]) == 11   # rows kept, marked NA
    assert "mean squared error" in err
    loaded = fastpen.load_model(str(model))
    want = loaded.predict(PENGUINS, na="drop")
    written = np.array([np.nan if v == "NA" else float(v) for v in lines[1:]])
    # the same floats through the same formula, written with repr: bitwise equal
    np.testing.assert_array_equal(written, want)


def test_predict_with_npz_model_and_output_file(tmp_path):
    model = tmp_path / "m.npz"
    code, _, err = run("fit", "--alpha", "0.1", "--save", str(model))
    assert code == 0, err
    X, y, names = load_diabetes()
    data = tmp_path / "new.csv"
    with open(data, "w") as f:
        f.write(",".join(reversed(names)) + "\n")           # another column order
        for row in X[:20]:
            f.write(",".join(repr(float(v)) for v in row[::-1]) + "\n")
    code, _, err = run("predict", str(model), str(data), "--output", str(tmp_path / "p.csv"))
    assert code == 0, err
    written = np.loadtxt(tmp_path / "p.csv", skiprows=1)
    want = fastpen.Lasso(alpha=0.1, tol=1e-7).fit(X, y).predict(X[:20])
    np.testing.assert_allclose(written, want, rtol=1e-9)


def test_predict_drops_the_extra_columns_it_is_told_to(tmp_path, capsys):
    """A new file with a column training never saw: an error naming it and --drop; with
    --drop NAME the predictions are those of the file without it."""
    assert cli.main(["fit", PENGUINS, "--target", "body_mass_g", "--na", "drop",
                     "--alpha", "5", "--save", str(tmp_path / "m.json")]) == 0
    with open(PENGUINS) as f:
        lines = f.read().splitlines()
    with open(tmp_path / "new.csv", "w") as f:
        f.write("\n".join(f"{line},{'tag' if i == 0 else i}" for i, line in enumerate(lines)))
    capsys.readouterr()
    assert cli.main(["predict", str(tmp_path / "m.json"), str(tmp_path / "new.csv"),
                     "--na", "drop"]) == 1
    err = capsys.readouterr().err
    assert "column 'tag' was not in the training data (leave it out with --drop tag)" in err
    assert cli.main(["predict", str(tmp_path / "m.json"), str(tmp_path / "new.csv"),
                     "--na", "drop", "--drop", "tag"]) == 0
    with_tag = capsys.readouterr().out
    assert cli.main(["predict", str(tmp_path / "m.json"), PENGUINS, "--na", "drop"]) == 0
    assert capsys.readouterr().out == with_tag
    for drop, message in (("species", "the model uses column 'species'"),
                          ("nope", "no column 'nope' to drop")):
        assert cli.main(["predict", str(tmp_path / "m.json"), str(tmp_path / "new.csv"),
                         "--na", "drop", "--drop", f"tag,{drop}"]) == 1
        assert message in capsys.readouterr().err


def test_stdin_is_read_when_data_is_a_dash():
    with open(PENGUINS) as f:
        text = f.read()
    code, out, err = run("fit", "-", "--target", "body_mass_g", "--na", "drop", "--alpha",
                         "10", "--json", stdin=text)
    assert code == 0, err
    got = json.loads(out)
    assert got["n_samples"] == 333 and got["target"] == "body_mass_g"


def test_features_and_drop(capsys):
    got, _ = main_json(capsys, "fit", "--features", "bmi,bp,s5", "--alpha", "0.01")
    assert set(got["coefficients"]) <= {"bmi", "bp", "s5"} and got["n_features"] == 3
    got, _ = main_json(capsys, "fit", "--drop", "sex,age", "--alpha", "0.01")
    assert got["n_features"] == 8 and not {"sex", "age"} & set(got["coefficients"])


# -- the documented examples, verbatim (docs/user_guide/cli.rst) ---------------------------

CLI_PAGE = os.path.join("docs", "user_guide", "cli.rst")


def _readme_commands():
    """The commands of the command-line example block of the CLI page (the code block
    after the ``.. cli-examples`` comment): lines ending in a backslash joined to the
    next, as the shell joins them; comments and blank lines left out."""
    with open(os.path.join(ROOT, CLI_PAGE)) as f:
        lines = f.read().splitlines()
    start = lines.index(".. cli-examples")
    directive = next(i for i in range(start + 1, len(lines)) if lines[i].strip())
    assert lines[directive].strip() == ".. code-block:: bash", lines[directive]
    block = []
    for line in lines[directive + 1:]:
        if line.strip() and not line.startswith(" "):
            break                                  # the block ends at the next unindented line
        block.append(line)
    commands, pending = [], ""
    for line in block:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].strip() + " "
            continue
        commands.append((pending + line.split("  #")[0].strip()).strip())
        pending = ""
    assert not pending, f"a continued line ends the block: {pending!r}"
    return commands


def test_readme_cli_examples_run_verbatim(tmp_path):
    pytest.importorskip("matplotlib")
    commands = _readme_commands()
    assert len(commands) >= 6
    os.makedirs(tmp_path / "fastpen" / "datasets" / "data")
    shutil.copy(PENGUINS, tmp_path / "fastpen" / "datasets" / "data")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    for command in commands:
        assert command.startswith("fastpen"), command
        line = command.replace("fastpen", f"{sys.executable} -m fastpen", 1)
        out = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, (command, out.stderr)
        assert "Traceback" not in out.stderr


def test_the_command_never_imports_scikit_learn():
    """Start-up: the command's fits go through the functional API (its own folds), so a
    fit, a CV curve, a path and a prediction load neither scikit-learn nor matplotlib."""
    code = (
        "import sys, tempfile, os\n"
        "from fastpen.cli import main\n"
        "d = tempfile.mkdtemp()\n"
        "m = os.path.join(d, 'm.json')\n"
        "assert main(['fit', '--seed', '1', '--save', m]) == 0\n"
        "assert main(['cv', '--model', 'ridge', '--cv', '3', '--seed', '1']) == 0\n"
        "assert main(['path', '--model', 'enet']) == 0\n"
        "assert main(['predict', m, " + repr(PENGUINS) + ", '--na', 'drop']) != 0\n"
        "heavy = [k for k in ('sklearn', 'matplotlib') if k in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr
