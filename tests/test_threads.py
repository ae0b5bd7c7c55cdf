"""Threads (issue 8): fits share the cores instead of oversubscribing them, honour
threadpoolctl's limits, never leave BLAS limited, and a process forked after
fastpen used OpenMP still fits (on one thread, with a warning) instead of hanging."""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import fastpen
from _children import run_python as _run
from fastpen import _threads

needs_openmp = pytest.mark.skipif(not fastpen.openmp_enabled(), reason="built without OpenMP")


def _data(n=300, p=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X[:, :5] @ np.arange(1.0, 6.0) + rng.standard_normal(n)


@needs_openmp
def test_threadpoolctl_openmp_limit_of_the_calling_thread_is_honoured():
    X, y = _data()
    with threadpool_limits(limits=1, user_api="openmp"):
        assert fastpen.effective_n_threads() == 1
        _threads.reset_high_water()
        fastpen.enet_path(X, y, alphas=5)
        assert _threads.usage()[2] == 1
    with threadpool_limits(limits=2, user_api="openmp"):
        assert fastpen.effective_n_threads() == min(2, _threads.cpu_count())


def test_a_fit_holds_its_lease_while_it_runs_and_releases_it():
    X, y = _data()
    seen = []
    original = _threads.thread_lease

    fastpen.enet_path(X, y, alphas=3, n_threads=1)
    assert _threads.usage()[:2] == (0, 0)
    with original(1) as count:
        seen.append((count, _threads.usage()[:2]))
        # a nested call (an estimator calling enet_path) reuses the lease
        fastpen.enet_path(X, y, alphas=3)
        assert _threads.usage()[:2] == (1, 1)
    assert seen == [(1, (1, 1))]
    assert _threads.usage()[:2] == (0, 0)
    with pytest.raises(ValueError, match="bad"):
        with original(None):
            raise ValueError("bad")
    assert _threads.usage()[:2] == (0, 0)


def test_concurrent_fits_share_the_budget(monkeypatch):
    """8 threads' worth of budget, 4 fits at once: the first takes what is free,
    later ones what is left (at least their own thread); fastpen's own workers
    (threads beyond each fit's first) never exceed the budget."""
    monkeypatch.setattr(_threads, "thread_budget", lambda: 8)
    monkeypatch.setattr(_threads, "openmp_enabled", lambda: True)
    barrier = threading.Barrier(4)
    release = threading.Event()
    counts = []

    def fit(_):
        barrier.wait()
        with _threads.thread_lease(None) as count:
            counts.append(count)
            release.wait(5)

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(fit, i) for i in range(4)]
        while len(counts) < 4:
            threading.Event().wait(0.001)
        running, in_use, _ = _threads.usage()
        assert running == 4 and in_use == sum(counts)
        assert sum(c - 1 for c in counts) <= 8 - 1
        release.set()
        for f in futures:
            f.result()
    assert sorted(counts)[-1] <= 8 and min(counts) >= 1
    # once the first wave is over, a pool of 4 converges to fair shares
    assert _threads.usage()[:2] == (0, 0)
    with _threads.thread_lease(None) as a, _threads.thread_lease(None) as b:
        pass
    assert (a, b) == (8, 8)      # nested: one lease
    shares = []

    def second_wave(_):
        with _threads.thread_lease(None) as count:
            shares.append(count)
    # leases held by three other threads: a fourth gets ceil(8 / 4) = 2
    hold = threading.Event()
    started = threading.Barrier(4)

    def holder(k):
        with _threads.thread_lease(k):
            started.wait()
            hold.wait(5)
    threads = [threading.Thread(target=holder, args=(2,)) for _ in range(3)]
    for t in threads:
        t.start()
    started.wait()
    second_wave(0)
    hold.set()
    for t in threads:
        t.join()
    assert shares == [2]


def test_explicit_n_threads_is_honoured_and_validated():
    assert fastpen.effective_n_threads(1) == 1
    with pytest.raises(ValueError, match="n_threads"):
        fastpen.effective_n_threads(0)
    with pytest.raises(TypeError, match="n_threads"):
        fastpen.effective_n_threads(1.5)
    with pytest.raises(ValueError, match="n_threads"):
        fastpen.effective_n_threads(2**31)
    assert fastpen.effective_n_threads(np.int64(1)) == 1


def _blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_concurrent_ridge_fits_with_n_threads_leave_blas_as_it_was():
    X, y = _data(400, 80)
    before = _blas_threads()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: fastpen.Ridge(alpha=1.0, n_threads=1 + k % 2).fit(X, y),
                      range(12)))
    assert _blas_threads() == before


FORK_SCRIPT = """
    import os, sys, time, warnings
    import numpy as np, scipy.sparse as sp
    import fastpen

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 300))
    y = X[:, :10] @ rng.standard_normal(10) + rng.standard_normal(2000)
    if sys.argv[-1] == "parent-uses-openmp":
        expected = fastpen.enet_path(X, y, alphas=5, n_threads=2).coefs
    else:
        expected = None
    print("parent", fastpen.effective_n_threads(), flush=True)
    pid = os.fork()
    if pid == 0:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            res = fastpen.enet_path(X, y, alphas=5, n_threads=2)
            fastpen.enet_path(X, np.c_[y, -y], alphas=5, n_threads=2)
            fastpen.enet_path(sp.csc_matrix(X), y, alphas=5, n_threads=2)
            fastpen.LassoCV(cv=3, n_threads=2).fit(X, y)
            fastpen.RidgeCV(alphas=[0.1, 1.0], n_threads=2).fit(X, y)
        same = expected is None or np.array_equal(res.coefs, expected)
        kinds = sorted({w.category.__name__ for w in rec if "forked" in str(w.message)})
        print("child", fastpen.effective_n_threads(), same, kinds, flush=True)
        os._exit(0)
    deadline = time.time() + 60
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print("exit", os.waitstatus_to_exitcode(status), flush=True)
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        print("child hung", flush=True)
"""


@needs_openmp
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_fit_in_a_child_forked_after_openmp_completes_on_one_thread_with_a_warning():
    out = _run(FORK_SCRIPT.replace("sys.argv[-1]", "'parent-uses-openmp'"))
    assert out.returncode == 0, out.stderr
    assert "child 1 True ['RuntimeWarning']" in out.stdout, out.stdout + out.stderr
    assert "exit 0" in out.stdout


@needs_openmp
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_child_forked_before_any_openmp_use_keeps_its_threads():
    out = _run(FORK_SCRIPT.replace("sys.argv[-1]", "'parent-idle'"))
    assert out.returncode == 0, out.stderr
    expected = out.stdout.split()[1]         # the parent's count, in the same environment
    assert f"child {expected} True []" in out.stdout, out.stdout + out.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_fork_from_inside_a_lease_leaves_the_child_counts_consistent():
    """The child reset the counts to zero, then gave back the forking thread's
    lease: negative counts and a ZeroDivisionError in the next fit."""
    out = _run("""
        import os
        import numpy as np
        import fastpen
        from fastpen import _threads

        X = np.random.default_rng(0).standard_normal((50, 5))
        with _threads.thread_lease(1):
            pid = os.fork()
        if pid == 0:
            fastpen.enet_path(X, X[:, 0], alphas=5)
            print("child", _threads.usage()[:2], flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
    """)
    assert "child (0, 0)" in out.stdout, out.stdout + out.stderr
