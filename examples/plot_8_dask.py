"""
Many targets on a Dask cluster
==============================

When the targets outgrow one machine, :mod:`fastpen.dask` fits blocks of them
on the workers of a ``distributed`` cluster. X is sent once to every worker;
Y stays a Dask array chunked along its columns, each chunk one task; each
task is one local batch call (:func:`fastpen.enet_path` with a 2-D ``y``) on
the worker's threads. A block is fitted exactly as a local fit of all the
targets fits it (the same Gram decision, the same seeds), so the result is
the local one.

Here a local cluster of two worker processes (one thread each) stands in for
a real one: its point is the equality and the API, not speed; on two cores
a cluster cannot beat the local call, which already uses both.
Needs ``pip install "fastpen[dask]"``.
"""

# %%
# Data: 400 targets sharing one design
# ------------------------------------
import time

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster

import fastpen
import fastpen.dask
from fastpen.datasets import make_correlated_regression

n_samples, n_features, n_targets = 500, 200, 400
X, _, _ = make_correlated_regression(n_samples, n_features, rho=0.5,
                                     random_state=0)
rng = np.random.default_rng(0)
W = np.zeros((n_features, n_targets))
for k in range(n_targets):
    n_true = rng.integers(1, 30)  # each target depends on 1 to 29 features
    rows = rng.choice(n_features, n_true, replace=False)
    W[rows, k] = rng.standard_normal(n_true)
Y = X @ W + rng.standard_normal((n_samples, n_targets))
# Y as a Dask array: its column chunks (4 blocks of 100 targets) are the tasks
Y_dask = da.from_array(Y, chunks=(n_samples, 100))

# %%
# The local fit
# -------------
# One call, 30 alphas per target on each target's own automatic grid
# (from its alpha_max down to alpha_max / 100).
t0 = time.perf_counter()
local = fastpen.lasso_path(X, Y, alphas=30, eps=1e-2)
t_local = time.perf_counter() - t0
print(f"local fastpen.lasso_path: {t_local:.2f} s, coefs {local.coefs.shape}")

# %%
# The same fit on a cluster
# -------------------------
# ``processes=True`` starts two worker processes; ``dashboard_address=None``
# starts no web dashboard. The scheduler still serves a small HTTP API
# (health checks); ``"dashboard_address": ":0"`` in ``scheduler_kwargs`` puts
# it on a free port instead of 8787, which another cluster may hold. The
# ``try``/``finally`` closes the client and the cluster, and so stops the
# worker processes, even if the fit fails.
#
# Run as a script, the code that starts processes must sit under
# ``if __name__ == "__main__":``: each worker process imports this file again
# (multiprocessing's "spawn") and must not start a cluster of its own, nor
# run what follows.


def fit_on_cluster(X, Y):
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
    )
    client = Client(cluster)
    try:
        t0 = time.perf_counter()
        result = fastpen.dask.lasso_path(X, Y, client=client, alphas=30,
                                         eps=1e-2)
        return result, time.perf_counter() - t0
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    remote, t_remote = fit_on_cluster(X, Y_dask)
    print(f"fastpen.dask.lasso_path on 2 workers: {t_remote:.2f} s "
          f"(scheduling, sending X, gathering "
          f"{remote.coefs.nbytes / 2**20:.0f} MiB of paths)")

# %%
# Each block is fitted as the local call fits those targets, so the results
# are the local ones, bitwise: printed below, the largest difference of each
# field, and checked with ``np.array_equal``.
if __name__ == "__main__":
    fields = ("alphas", "coefs", "intercepts", "dual_gaps", "n_iter", "df")
    for field in fields:
        a, b = getattr(local, field), getattr(remote, field)
        print(f"{field:>10}: max |local - cluster| = "
              f"{np.abs(a - b).max():.1e}")
        assert np.array_equal(a, b), field

# %%
# What the fit found: each target's number of nonzero coefficients (``df``)
# against its number of true features, at the middle and at the end of its
# path; and the two wall times.
if __name__ == "__main__":
    n_true = np.count_nonzero(W, axis=0)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
    for i, color in ((14, "C0"), (29, "C1")):
        ratio = local.alphas[0, i] / local.alphas[0, 0]
        ax0.scatter(n_true, remote.df[i], s=8, color=color,
                    label=f"alpha = {ratio:.0e} x alpha_max (index {i})")
    ax0.plot([0, 30], [0, 30], color="k", lw=0.8, label="df = true count")
    ax0.set_xlabel("true nonzero coefficients of the target")
    ax0.set_ylabel("nonzero coefficients fitted (df)")
    ax0.set_title(f"{n_targets} targets, fitted on the cluster")
    ax0.legend(loc="upper left", fontsize=8)
    ax1.bar(["local, one call", "cluster, 2 workers"], [t_local, t_remote],
            color=["C0", "C2"])
    ax1.set_ylabel("time (s)")
    ax1.set_title("wall time, one run each")
    fig.tight_layout()
    plt.show()

# %%
# Where it pays: the cluster adds a fixed cost (starting tasks, sending X,
# moving the results back), worth it when the targets do not fit one
# machine's time or memory. To keep large paths on the workers instead of
# gathering them, pass ``compute=False`` (a :class:`fastpen.PathResult` of Dask
# arrays); :func:`fastpen.dask.cv_enet` cross-validates every target on the
# cluster and returns each one's alpha.
