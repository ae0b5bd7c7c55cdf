"""Several OpenMP runtimes and BLAS pools in one process.

A Linux or Windows wheel of fastpen carries its own OpenMP runtime (``fastpen.libs/``),
as scikit-learn's wheels carry theirs and NumPy's carry OpenBLAS: a process importing
all three holds two OpenMP thread pools and a BLAS pool.  (A macOS wheel shares
scikit-learn's libomp instead: two copies of libomp abort a process; and NumPy there
may use Accelerate, which threadpoolctl does not control.)  These tests run fits from each library in
a child process and check that threadpoolctl sees every pool, including the one
fastpen's kernels call, that its limits reach each of them, and that a fork after
all three have run threads leaves both processes working.

libgomp cannot run a parallel region of more than one thread in a child forked after
its pool started (the pool's threads are gone; its bookkeeping is not).  fastpen
runs such a child's fits on one thread by itself (``fastpen._threads``, with a
RuntimeWarning); scikit-learn's libgomp needs ``threadpool_limits(1)`` there, which
is what the forked child below does for it.
"""
import os
import sys

import pytest
from _children import run_python

import fastpen

pytestmark = pytest.mark.skipif(not fastpen.openmp_enabled(),
                                reason="built without OpenMP")

SETUP = """
import os, signal, sys, traceback, warnings
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
from sklearn.cluster import KMeans
import fastpen
from fastpen._openmp import omp_max_threads, openmp_library

rng = np.random.default_rng(0)
X = rng.standard_normal((300, 40))
Y = X[:, :4] @ rng.standard_normal((4, 6)) + 0.1 * rng.standard_normal((300, 6))
A = rng.standard_normal((300, 300))


def fits(n_threads):
    # fastpen: six targets in one OpenMP batch; scikit-learn: KMeans's OpenMP
    # loops; NumPy: an OpenBLAS matrix product
    coefs = fastpen.enet_path(X, Y, l1_ratio=0.9, alphas=8, tol=1e-10,
                              n_threads=n_threads).coefs
    kmeans = KMeans(3, n_init=1, random_state=0).fit(X[:, :5])
    return coefs, np.sort(np.bincount(kmeans.labels_)), A @ A.T


def assert_same(got, want):
    assert np.allclose(got[0], want[0], rtol=1e-7, atol=1e-10)
    assert np.array_equal(got[1], want[1])
    assert np.allclose(got[2], want[2], rtol=1e-12, atol=1e-9)


def pools(user_api):
    return [p for p in threadpool_info() if p["user_api"] == user_api]
"""


def _run(code):
    out = run_python(SETUP + code, timeout=240)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    return out.stdout


def test_threadpoolctl_sees_and_limits_every_pool_including_fastpens():
    out = _run("""
reference = fits(2)
own = openmp_library()
openmp = pools("openmp")
assert own is not None
# the runtime fastpen's kernels resolved is one of the pools threadpoolctl controls
assert any(os.path.samefile(p["filepath"], own) for p in openmp), (own, openmp)
if os.path.basename(os.path.dirname(os.path.realpath(own))) == "fastpen.libs":
    # a repaired wheel's own runtime: scikit-learn's (its wheel's, or any other) is
    # a second, separate pool, and both are under threadpoolctl's control
    distinct = {os.path.realpath(p["filepath"]) for p in openmp}
    assert len(distinct) >= 2, openmp
before = {p["filepath"]: p["num_threads"] for p in threadpool_info()}

with threadpool_limits(limits=1):
    # every pool, each OpenMP runtime and each BLAS, is held to one thread
    assert all(p["num_threads"] == 1 for p in threadpool_info()), threadpool_info()
    assert omp_max_threads() == 1 and fastpen.effective_n_threads(None) == 1
    assert_same(fits(None), reference)
with threadpool_limits(limits=1, user_api="openmp"):
    # fastpen follows an OpenMP-only limit; BLAS keeps its threads
    assert fastpen.effective_n_threads(None) == 1
    assert {p["filepath"]: p["num_threads"] for p in pools("blas")} == \
        {p["filepath"]: before[p["filepath"]] for p in pools("blas")}
assert {p["filepath"]: p["num_threads"] for p in threadpool_info()} == before
assert_same(fits(2), reference)
print("pools", len(openmp), len(pools("blas")))
if not pools("blas"):
    print("no BLAS pool that threadpoolctl controls (Accelerate?)")
""")
    assert any(line.startswith("pools ") for line in out.splitlines()), out


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                    reason="no fork, or (macOS) fork without exec is unsafe for system "
                           "frameworks; multiprocessing spawns there")
def test_all_three_run_threads_fork_and_run_again_in_both_processes():
    out = _run("""
reference = fits(2)
sys.stdout.flush()
with warnings.catch_warnings():
    # Python 3.12+ warns that forking a process with threads may deadlock: the
    # point of this test is that it does not
    warnings.simplefilter("ignore", DeprecationWarning)
    pid = os.fork()
if pid == 0:
    signal.alarm(120)           # a hang in the child ends it (SIGALRM), not the test
    code = 1
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            coefs = fastpen.enet_path(X, Y, l1_ratio=0.9, alphas=8, tol=1e-10).coefs
        assert any("forked" in str(w.message) for w in caught), [str(w.message) for w in caught]
        assert np.allclose(coefs, reference[0], rtol=1e-7, atol=1e-10)
        assert np.allclose(A @ A.T, reference[2], rtol=1e-12, atol=1e-9)
        with threadpool_limits(limits=1, user_api="openmp"):
            labels = KMeans(3, n_init=1, random_state=0).fit(X[:, :5]).labels_
        assert np.array_equal(np.sort(np.bincount(labels)), reference[1])
        print("child ok", flush=True)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
assert_same(fits(2), reference)         # the parent's pools still work
with threadpool_limits(limits=1):
    assert_same(fits(None), reference)
print("parent ok")
""")
    assert out.split() == ["child", "ok", "parent", "ok"]


def test_show_config_names_the_runtime_the_kernels_call(capsys):
    from fastpen._openmp import openmp_library

    fastpen.show_config()
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith("OpenMP runtime: ")]
    own = openmp_library()
    assert own is not None and os.path.exists(own)
    assert lines and lines[0].endswith(own)
    assert not lines[0].startswith("OpenMP runtime: also loaded")
    assert all(line.startswith("OpenMP runtime: also loaded: ") for line in lines[1:])
    if sys.platform.startswith("linux"):
        assert "libgomp" in os.path.basename(own) or "libomp" in os.path.basename(own)
