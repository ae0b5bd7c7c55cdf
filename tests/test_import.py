"""Import weight, public API, build/runtime information, bundled data."""
import gzip
import io
import os

import numpy as np
import pytest
from _children import run_python

import fastpen



def _run(code, **env_updates):
    out = run_python(code, **env_updates)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_light_import_then_lazy_sklearn():
    out = _run("""
        import sys
        import numpy as np
        import fastpen
        X = np.arange(12.0).reshape(6, 2) ** 1.5
        y = np.arange(6.0)
        res = fastpen.enet_path(X, y, alphas=5)
        fastpen.lasso_path(X, y, alphas=[0.1])
        assert res.coefs.shape == (5, 2)
        heavy = [m for m in ("sklearn", "matplotlib", "pandas") if m in sys.modules]
        assert not heavy, heavy
        Lasso = fastpen.Lasso
        assert "sklearn" in sys.modules
        assert Lasso.__module__ == "fastpen.linear_model"
        assert fastpen.ElasticNet is fastpen.linear_model.ElasticNet
        assert "matplotlib" not in sys.modules
        print("ok")
    """)
    assert out.strip() == "ok"


# Modules that ``import fastpen`` (and ``import fastpen.cli``) must not load: SciPy
# and the compiled kernels (whose BLAS bindings import scipy.linalg) cost about
# 0.3 s, and load when a fit first runs.
_HEAVY = ("scipy", "sklearn", "threadpoolctl", "matplotlib", "pandas", "fastpen._cd",
          "fastpen._batch", "fastpen._openmp", "fastpen._sparse")


@pytest.mark.parametrize("module", ["fastpen", "fastpen.cli"])
def test_import_loads_no_heavy_module(module):
    """A fresh ``import fastpen`` / ``import fastpen.cli`` loads none of _HEAVY (nor a
    submodule of one) and no ``numpy.__config__`` beyond what ``import numpy``
    itself loads; then every public name resolves, to its submodule's object."""
    out = _run(f"""
        import sys
        import numpy
        before = set(sys.modules)
        import {module}
        import fastpen
        heavy = {_HEAVY!r}
        loaded = sorted(m for m in sys.modules
                        if any(m == h or m.startswith(h + ".") for h in heavy))
        assert not loaded, loaded
        assert "numpy.__config__" not in set(sys.modules) - before
        assert isinstance(fastpen.__version__, str)
        assert set(fastpen.__all__) <= set(dir(fastpen)), set(fastpen.__all__) - set(dir(fastpen))
        for name in fastpen.__all__:
            value = getattr(fastpen, name)
            home = sys.modules[value.__module__]
            assert getattr(home, name) is value, name
        assert "fastpen._cd" in sys.modules and "sklearn" in sys.modules
        print("ok")
    """)
    assert out.strip() == "ok"


def test_submodules_set_the_openmp_wait_policy_first():
    """Importing a kernel module directly runs the package's ``__init__`` first, so
    the wait policy is in the environment before the OpenMP runtime loads."""
    code = "import os, fastpen._openmp, fastpen._cd; print(os.environ['OMP_WAIT_POLICY'])"
    assert _run(code, OMP_WAIT_POLICY=None).strip() == "passive"


def test_dense_fits_load_neither_scipy_sparse_nor_optimize():
    """Reading and fitting dense data loads the kernels (and scipy.linalg with them)
    but not scipy.sparse or scipy.optimize (~0.25 s together); a positive fit with
    unpenalised features still gets its exact start from scipy.optimize's nnls."""
    out = _run("""
        import sys
        import numpy as np
        import scipy.linalg  # what the kernels' BLAS bindings import
        before = set(sys.modules)
        import fastpen
        rng = np.random.default_rng(0)
        X = rng.standard_normal((40, 6))
        y = X @ np.arange(6.0) + rng.standard_normal(40)
        fastpen.enet_path(X, y, alphas=10, l1_ratio=0.7)
        fastpen.lasso_path(X, y, alphas=5, penalty_factor=[0, 1, 1, 1, 1, 1])
        fastpen.glmnet_path(X, y, lambdas=5)
        fastpen.ridge_path(X, y, alphas=[1.0, 10.0])
        from fastpen import _cv
        from fastpen._io import load_dataset
        data = load_dataset()           # the bundled diabetes data, as the command reads it
        fastpen.enet_path(data.X, data.y, alphas=3)
        new = set(sys.modules) - before
        for name in ("scipy.sparse", "scipy.optimize"):
            assert name not in new, name
        res = fastpen.lasso_path(X, y + 5 * X[:, 0], alphas=5, positive=True,
                                 penalty_factor=[0, 1, 1, 1, 1, 1])
        # at alpha_max only the unpenalised feature is nonzero: y's simple regression
        # on it (positive here), which nnls found
        slope = np.polyfit(X[:, 0], y + 5 * X[:, 0], 1)[0]
        assert slope > 0 and np.isclose(res.coefs[0, 0], slope, rtol=1e-10)
        assert not res.coefs[0, 1:].any() and (res.coefs >= 0).all()
        assert "scipy.optimize" in sys.modules
        print("ok")
    """)
    assert out.strip() == "ok"


def test_issparse_without_scipy():
    """fastpen._validation.issparse answers without importing SciPy, and agrees with
    scipy.sparse.issparse once SciPy is there."""
    out = _run("""
        import sys
        import numpy as np
        from fastpen._validation import issparse
        for x in (np.eye(2), [[1.0]], None, "csr_matrix"):
            assert issparse(x) is False
        assert "scipy" not in sys.modules
        import scipy.sparse as sp
        assert issparse(sp.csr_matrix(np.eye(2))) and issparse(sp.csc_array(np.eye(2)))
        assert not issparse(np.eye(2))
        print("ok")
    """)
    assert out.strip() == "ok"


def test_public_api():
    for name in fastpen.__all__:
        assert getattr(fastpen, name) is not None, name
    assert {"Lasso", "ElasticNet", "enet_path"} <= set(dir(fastpen))
    with pytest.raises(AttributeError, match="no_such_thing"):
        fastpen.no_such_thing
    assert isinstance(fastpen.__version__, str)
    assert fastpen.ConvergenceWarning.__module__.startswith("fastpen")


def test_version_has_one_source_the_installed_metadata():
    """``fastpen.__version__`` is what pyproject.toml's [project] version wrote into the
    installed distribution's metadata (no second copy in the code)."""
    from importlib.metadata import version

    assert fastpen.__version__ == version("fastpen")
    assert "__version__" in dir(fastpen)
    source = os.path.join(os.path.dirname(fastpen.__file__), "__init__.py")
    with open(source, encoding="utf-8") as f:
        assert fastpen.__version__ not in f.read()


def test_show_config(capsys):
    fastpen.show_config()
    text = capsys.readouterr().out
    assert f"fastpen {fastpen.__version__}" in text
    expected = "yes" if fastpen.openmp_enabled() else "no"
    assert f"OpenMP compiled in: {expected}" in text
    assert f"threads used by default: {fastpen.effective_n_threads(None)}" in text
    buf = io.StringIO()
    fastpen.show_config(file=buf)
    assert buf.getvalue() == text


def test_openmp_wait_policy_defaults_to_passive_unless_set():
    """Idle OpenMP threads sleep by default (their spinning slowed the sequential
    sweeps 3x where cores are shared); a user's own setting is kept."""
    code = "import os, fastpen; print(os.environ['OMP_WAIT_POLICY'])"
    assert _run(code, OMP_WAIT_POLICY=None).strip() == "passive"
    assert _run(code, OMP_WAIT_POLICY="active").strip() == "active"


def test_openmp_required_by_env():
    if os.environ.get("FASTPEN_REQUIRE_OPENMP", "").strip().lower() not in {"1", "true",
                                                                            "yes", "on"}:
        pytest.skip("FASTPEN_REQUIRE_OPENMP is not set")
    assert fastpen.openmp_enabled() is True


def test_openmp_enabled_is_bool():
    assert isinstance(fastpen.openmp_enabled(), bool)


def _cores():
    return len(os.sched_getaffinity(0))


def test_effective_n_threads_rules():
    ent = fastpen.effective_n_threads
    with pytest.raises(ValueError, match="n_threads"):
        ent(0)
    with pytest.raises(TypeError, match="n_threads"):
        ent(2.0)
    with pytest.raises(TypeError, match="n_threads"):
        ent(True)
    if not fastpen.openmp_enabled():
        for k in (None, 1, 3, -1):
            assert ent(k) == 1
        return
    cores = _cores()
    assert ent(-1) == cores
    assert ent(-2) == max(cores - 1, 1)
    assert ent(-1000) == 1
    assert ent(1) == 1
    assert ent(3) == 3
    assert ent(np.int64(2)) == 2
    assert 1 <= ent(None)


@pytest.mark.skipif(not fastpen.openmp_enabled(), reason="built without OpenMP")
def test_effective_n_threads_env():
    code = """
        import os, fastpen
        print(fastpen.effective_n_threads(None), fastpen.effective_n_threads(-1),
              len(os.sched_getaffinity(0)))
    """
    none, all_, cores = map(int, _run(code, OMP_NUM_THREADS="3").split())
    assert none == 3
    assert all_ == cores
    none, _, _ = map(int, _run(code, OMP_NUM_THREADS="1").split())
    assert none == 1
    none, all_, cores = map(int, _run(code, OMP_NUM_THREADS=None).split())
    assert none == cores == all_


# ------------------------------------------------------------ bundled data


def _sklearn_diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(scaled=False, return_X_y=True)


def test_bundled_diabetes_file_equals_sklearn():
    path = os.path.join(os.path.dirname(fastpen.__file__), "datasets", "data",
                        "diabetes.csv.gz")
    if not os.path.exists(path):
        pytest.skip("no bundled diabetes.csv.gz")
    with gzip.open(path, "rt") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",")
    assert header == ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "y"]
    X, y = _sklearn_diabetes()
    assert table.shape == (442, 11)
    np.testing.assert_array_equal(table[:, :10], X)
    np.testing.assert_array_equal(table[:, 10], y)


def test_load_diabetes():
    datasets = pytest.importorskip("fastpen.datasets")
    if not hasattr(datasets, "load_diabetes"):
        pytest.skip("fastpen.datasets.load_diabetes does not exist yet")
    X_ref, y_ref = _sklearn_diabetes()
    out = datasets.load_diabetes()
    if isinstance(out, tuple):
        X, y = out[:2]
        if len(out) > 2:
            assert tuple(out[2]) == ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4",
                                     "s5", "s6")
    else:
        X, y = out.data, out.target
    X = np.asarray(X)
    y = np.asarray(y)
    assert X.shape == (442, 10) and y.shape == (442,)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
