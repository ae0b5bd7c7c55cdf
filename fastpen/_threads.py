"""How many threads a fit takes, and how BLAS is held while fits run.

Three rules keep fastpen from oversubscribing the cores when it runs inside
thread pools (joblib's threading backend, ``concurrent.futures``, a web server):

1. ``n_threads=None`` takes at most what OpenMP allows the *calling* thread:
   ``OMP_NUM_THREADS``, threadpoolctl's
   ``threadpool_limits(limits=k, user_api="openmp")`` made in that thread
   (libgomp keeps that limit per thread), and the CPU affinity.
2. Fits running at once in one process share that budget.  Each public entry
   point holds a *lease* for as long as it runs; a new fit with
   ``n_threads=None`` takes ``min(free threads, ceil(budget / running fits))``,
   and at least one: its own calling thread, which exists anyway.  So the
   OpenMP workers fastpen starts across all concurrent fits stay below the
   budget, and a pool of W threads costs at most W + budget - 1 busy threads,
   instead of W x budget.  An explicit ``n_threads`` is honoured as given.
3. BLAS and LAPACK keep one thread pool per process, shared by all callers,
   so concurrent fits do not multiply it.  Its size is a process-wide setting,
   which a fit changes (to ``n_threads``, or to one thread where fastpen's own
   threads do the work) only from the main thread: a limit set and restored
   from several threads at once can restore a value another thread had set,
   leaving BLAS limited for good (threadpoolctl lets only one thread control
   OpenBLAS, but hands control over when that thread ends).  Fits in other
   threads leave BLAS as it is.

In a child process forked after fastpen started OpenMP threads, libgomp's
thread pool is gone but its bookkeeping is not, and the first parallel region
hangs.  Such a child runs every fit on one thread, with a ``RuntimeWarning``.
"""
import contextlib
import functools
import math
import os
import threading

from ._warnings import warn
from ._openmp import omp_max_threads, openmp_enabled

_lock = threading.Lock()
_local = threading.local()
_running = 0            # fits holding a lease now
_in_use = 0             # threads those leases hold
_high_water = 0         # the most threads held at once (for tests and benchmarks)
_MAX_THREADS = 1 << 15
_openmp_started = False  # a lease of more than one thread was granted in this process
_forked_child = False   # this process was forked after _openmp_started


def cpu_count():
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def _check_n_threads(n_threads):
    if n_threads is None:
        return None
    if isinstance(n_threads, bool) or not hasattr(n_threads, "__index__"):
        raise TypeError(f"n_threads must be an integer or None, got {n_threads!r}.")
    n_threads = n_threads.__index__()
    if n_threads == 0:
        raise ValueError("n_threads=0 is invalid: use None, a positive count or "
                         "-1 for all cores.")
    if n_threads > _MAX_THREADS:
        raise ValueError(f"n_threads={n_threads} is more than {_MAX_THREADS} threads.")
    return n_threads


def thread_budget():
    """Threads a fit with ``n_threads=None`` may use when it runs alone: what
    OpenMP allows the calling thread (``OMP_NUM_THREADS``, threadpoolctl's
    OpenMP limit), capped by the usable cores unless ``OMP_NUM_THREADS`` says more."""
    if not openmp_enabled():
        return 1
    if os.environ.get("OMP_NUM_THREADS"):
        return max(omp_max_threads(), 1)
    return max(min(omp_max_threads(), cpu_count()), 1)


def _explicit(n_threads):
    """The count an explicit ``n_threads`` asks for (negative: counted from the cores)."""
    if n_threads < 0:
        return max(cpu_count() + 1 + n_threads, 1)
    return n_threads


def effective_n_threads(n_threads=None):
    """Number of OpenMP threads a call with ``n_threads`` will use.

    ``None`` means what OpenMP allows the calling thread (``OMP_NUM_THREADS``,
    threadpoolctl's ``threadpool_limits(user_api="openmp")``, the usable cores),
    shared with the fits already running in this process; ``-1`` all usable
    cores, ``-k`` all but ``k - 1``, a positive ``k`` exactly ``k``; ``0`` is an
    error.  Always 1 without OpenMP, and in a child process forked after
    fastpen's OpenMP threads were started.  Inside a running fit, ``None`` is
    the count that fit holds.
    """
    n_threads = _check_n_threads(n_threads)
    lease = getattr(_local, "lease", None)
    if n_threads is None and lease is not None and not _forked_child:
        return lease            # (a lease taken before a fork is not the child's count)
    budget = thread_budget() if n_threads is None else 0
    with _lock:
        return _count(n_threads, budget)


def _count(n_threads, budget):
    """The threads a new fit takes (under the lock): 1 without OpenMP or in a forked
    child; an explicit count as given; else its part of ``budget`` beside the
    running fits."""
    if not openmp_enabled() or _forked_child:
        return 1
    if n_threads is not None:
        return _explicit(n_threads)
    return max(1, min(budget - _in_use, math.ceil(budget / (_running + 1))))


@contextlib.contextmanager
def thread_lease(n_threads=None):
    """Hold the threads of one fit while it runs; yields their count.

    A call made inside a fit (an estimator's ``fit`` calling ``enet_path``)
    reuses the fit's lease.
    """
    n_threads = _check_n_threads(n_threads)
    held = getattr(_local, "lease", None)
    if held is not None:
        yield held if n_threads is None else effective_n_threads(n_threads)
        return
    _warn_if_forked()
    budget = thread_budget() if n_threads is None and not _forked_child else 0
    try:
        yield _take(n_threads, budget)
    finally:
        count, _local.lease = getattr(_local, "lease", None), None
        if count:
            _give_back(count)


def _take(n_threads, budget):
    """Take a lease: counted and recorded in this thread in one stretch of
    bytecode without calls, where no signal handler can run between the two."""
    global _running, _in_use, _high_water, _openmp_started
    with _lock:
        count = _count(n_threads, budget)
        _running += 1
        _in_use += count
        _local.lease = count
        _high_water = max(_high_water, _in_use)
        if count > 1:
            _openmp_started = True
    return count


def _give_back(count):
    """Release a lease; a signal handler raising while the lock is awaited (Ctrl-C
    at that moment) must not leave the count taken for good."""
    global _running, _in_use
    interrupted = None
    while True:
        try:
            with _lock:
                _running -= 1
                _in_use -= count
            break
        except BaseException as exc:       # noqa: B902 - re-raised below
            interrupted = exc
    if interrupted is not None:
        raise interrupted


def holds_threads(func):
    """Decorate a public function taking a keyword-only ``n_threads`` so that it
    runs under a :func:`thread_lease` (the estimators' ``fit`` take theirs in
    fastpen.linear_model)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with thread_lease(kwargs.get("n_threads")):
            return func(*args, **kwargs)
    return wrapper


def usage():
    """(fits running, threads they hold, the most threads held at once)."""
    with _lock:
        return _running, _in_use, _high_water


def reset_high_water():
    global _high_water
    with _lock:
        _high_water = _in_use


# ------------------------------------------------------------------ fork


def _after_fork_in_child():
    global _lock, _running, _in_use, _forked_child
    _lock = threading.Lock()        # another thread of the parent may have held it
    # the parent's other fits do not exist here; the forking thread's own lease
    # (a fork from inside a fit) is still to be given back
    lease = getattr(_local, "lease", None)
    _running, _in_use = (1, lease) if lease else (0, 0)
    if _openmp_started:
        _forked_child = True


os.register_at_fork(after_in_child=_after_fork_in_child)

_fork_warned = False


def _warn_if_forked():
    global _fork_warned
    if _forked_child and not _fork_warned:
        _fork_warned = True
        warn(
            "fastpen: this process was forked after fastpen had started OpenMP threads "
            "in its parent; libgomp cannot run parallel regions in such a child, so "
            "fastpen's fits here run on one thread. Start worker processes with the "
            "'spawn' or 'forkserver' method to use several.", RuntimeWarning)


# ------------------------------------------------------------------ BLAS

_blas_controller = None


def blas_limited(active, limit=1):
    """A context limiting BLAS (and LAPACK) to ``limit`` threads when ``active``
    and called from the main thread (rule 3 above).

    The libraries are looked up once per process (threadpoolctl's scan of the
    loaded libraries costs milliseconds, more than a small fit).
    """
    global _blas_controller
    if not active or threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    if _blas_controller is None:
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=max(int(limit), 1), user_api="blas")


def blas_threads(requested):
    """A context holding BLAS and LAPACK to the ``n_threads`` a user asked for
    (None: left as they are), so that it bounds the whole fit, not only
    fastpen's own loops: most of a ridge fit is BLAS-3 and LAPACK.  Counted
    as :func:`effective_n_threads` counts, but also in a build without OpenMP
    (whose own loops then run on one thread)."""
    requested = _check_n_threads(requested)
    return blas_limited(requested is not None, requested and _explicit(requested))
