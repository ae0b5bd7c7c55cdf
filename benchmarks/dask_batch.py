"""Batch Lasso paths of many targets: local fit against a Dask LocalCluster (issue 9).

    python benchmarks/dask_batch.py [--k 20000] [--n 2000] [--p 500] [--workers 2]
                                    [--threads-per-worker 1] [--block 500] [--repeat 3]

Both fit the same k targets (20 alphas each, automatic per-target grids):
``fastpen.enet_path(X, Y)`` in this process on all its threads, and
``fastpen.dask.enet_path`` on a LocalCluster of worker processes, Y as a Dask
array chunked by ``--block`` targets, its paths either gathered into this
process as NumPy arrays or left on the workers (``compute=False``).  Reported: wall time (median), targets
per second, the cluster's overhead against the local fit with the same total
threads, and the bytes that crossed between processes (X to the workers,
results back).  The local fit runs with as many threads as the cluster has in
all (workers x threads), so the comparison is like for like.
"""
import argparse
import statistics
import time
import warnings

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=20000)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--p", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads-per-worker", type=int, default=1)
    ap.add_argument("--block", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import dask.array as da
    from distributed import Client, LocalCluster

    import fastpen
    import fastpen.dask as fd

    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((args.n, args.p)))
    B = np.zeros((args.p, args.k))
    B[rng.integers(0, args.p, 10 * args.k), np.repeat(np.arange(args.k), 10)] = 1.0
    Y = X @ B + rng.standard_normal((args.n, args.k))
    kwargs = dict(l1_ratio=1.0, alphas=20, eps=1e-2, tol=1e-4)
    total_threads = args.workers * args.threads_per_worker
    print(f"X {args.n} x {args.p} float64 ({X.nbytes / 2**20:.1f} MiB), Y {args.k} targets "
          f"({Y.nbytes / 2**20:.1f} MiB), 20 alphas; cluster: {args.workers} workers x "
          f"{args.threads_per_worker} thread(s), blocks of {args.block} targets")

    fastpen.enet_path(X, Y[:, :50], **kwargs)                  # warm up
    local_times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        local = fastpen.enet_path(X, Y, n_threads=total_threads, **kwargs)
        local_times.append(time.perf_counter() - start)

    with LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                      processes=True, dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)    # "large graph": Y sent once
            Yd = client.persist(da.from_array(Y, chunks=(args.n, args.block)))
        # Y now lives on the cluster, as a user's would
        fd.enet_path(X, Yd[:, :args.block], client=client, **kwargs)      # warm up
        dist_times, moved_x, moved_y = [], [], []
        for _ in range(args.repeat):
            x0, y0 = _bytes_moved(client)
            start = time.perf_counter()
            dist = fd.enet_path(X, Yd, client=client, **kwargs)
            dist_times.append(time.perf_counter() - start)
            x1, y1 = _bytes_moved(client)
            moved_x.append(x1 - x0)
            moved_y.append(y1 - y0)
        np.testing.assert_allclose(dist.coefs, local.coefs, rtol=1e-10, atol=1e-12)
        # the same fit with the paths left on the workers (what a user storing them to
        # disk from there would do): only the nonzero counts come back
        kept_times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            lazy = fd.enet_path(X, Yd, client=client, compute=False, **kwargs)
            df = lazy.df.compute()
            kept_times.append(time.perf_counter() - start)
            del lazy
        np.testing.assert_array_equal(df, local.df)

    t_local, t_dist = statistics.median(local_times), statistics.median(dist_times)
    result_bytes = sum(getattr(local, f).nbytes for f in local._fields)
    print(f"{'':<28}{'time (s)':>10}{'targets/s':>12}")
    print(f"{'local, ' + str(total_threads) + ' thread(s)':<28}{t_local:>10.2f}"
          f"{args.k / t_local:>12.0f}")
    t_kept = statistics.median(kept_times)
    print(f"{'LocalCluster, gathered':<28}{t_dist:>10.2f}{args.k / t_dist:>12.0f}")
    print(f"{'LocalCluster, kept there':<28}{t_kept:>10.2f}{args.k / t_kept:>12.0f}")
    print(f"overhead of the cluster: {100 * (t_dist / t_local - 1):+.1f} % with the paths "
          f"gathered, {100 * (t_kept / t_local - 1):+.1f} % with them left on the workers")
    print(f"per fit: X scattered to {args.workers} workers ({X.nbytes / 2**20:.1f} MiB "
          f"each; worker-to-worker copies of X: {statistics.median(moved_x) / 2**20:.1f} "
          f"MiB), Y chunks moved between workers: {statistics.median(moved_y) / 2**20:.1f} "
          f"MiB, results back to the client: {result_bytes / 2**20:.1f} MiB, "
          f"tasks: {-(-args.k // args.block)}")


def _bytes_moved(client):
    """Bytes the workers received from one another so far (their transfer logs):
    (X's, scattered as 'ndarray-...', the rest: chunks of Y)."""
    def total(dask_worker):
        x = y = 0
        for e in dask_worker.transfer_incoming_log:
            for key, size in e.get("keys", {}).items():
                if str(key).startswith("ndarray-"):
                    x += int(size)
                else:
                    y += int(size)
        return x, y
    parts = client.run(total).values()
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


if __name__ == "__main__":
    main()
