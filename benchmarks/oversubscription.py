"""Fits from a thread pool: does fastpen oversubscribe the cores?

W Python threads (a ``ThreadPoolExecutor``, as joblib's threading backend or a
web server would run them) fit several models at once: Lasso paths
(``--model path``: parallel scans, serial sweeps) or LassoCV fits (``--model
cv``: every thread of a fit busy on its own fold's path).  The policies
compared on the same work:

- ``fastpen default``: ``n_threads=None``, the fits share the cores through
  fastpen's process-wide lease count (fastpen._threads);
- ``all cores per fit``: every fit asks for all the cores (``n_threads=-1``),
  what a library that ignores its neighbours does: W x cores OpenMP threads;
- ``one thread per fit``: ``n_threads=1``;
- ``cores / W per fit``: the share a user would set by hand.

Reported per policy: the wall time (median of ``--repeat``), the most threads
fastpen's leases held at once, and the most threads of the process found
running at once (state R in /proc/self/task, sampled every 2 ms: busy OpenMP
workers, whether on a core or waiting for one).

    python benchmarks/oversubscription.py [--model path|cv] [--workers 8] [--fits 32]
"""
import argparse
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import fastpen
from fastpen import _threads


def running_threads():
    """Threads of this process in state R (running or runnable) right now."""
    count = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        count += state == "R"
    return count


class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.samples, self.stop = 0, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            r = running_threads()
            self.samples.append(r)
            self.peak = max(self.peak, r)
            time.sleep(0.002)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--fits", type=int, default=32)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--p", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--model", choices=("path", "cv"), default="path")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((args.n, args.p)))
    ys = [X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(args.n)
          for _ in range(args.fits)]
    share = max(1, (os.cpu_count() or 1) // args.workers)
    policies = {"fastpen default": None, "all cores per fit": -1, "one thread per fit": 1,
                f"cores / W = {share} per fit": share}
    what = ("Lasso paths (20 alphas" if args.model == "path"
            else "LassoCV fits (4 folds x 20 alphas")
    print(f"{os.cpu_count()} CPUs, budget {_threads.thread_budget()} threads; "
          f"{args.workers} pool threads x {args.fits} {what}, n={args.n}, p={args.p}, "
          "precompute=False)")

    def fit(y, n_threads):
        if args.model == "cv":
            est = fastpen.LassoCV(cv=4, alphas=20, eps=1e-2, tol=1e-6, precompute=False,
                                  n_threads=n_threads).fit(X, y)
            return est.coef_
        return fastpen.enet_path(X, y, l1_ratio=1.0, alphas=20, eps=1e-2, tol=1e-6,
                                 precompute=False, n_threads=n_threads).coefs

    reference = [fit(y, 1) for y in ys[:2]]
    print(f"{'policy':<24}{'time (s)':>10}{'lease peak':>12}{'running peak':>14}"
          f"{'running mean':>14}")
    for name, nt in policies.items():
        times, lease_peaks, run_peaks, run_means = [], [], [], []
        for _ in range(args.repeat):
            _threads.reset_high_water()
            sampler = Sampler()
            sampler.start()
            start = time.perf_counter()
            with ThreadPoolExecutor(args.workers) as pool:
                out = list(pool.map(lambda y: fit(y, nt), ys))
            times.append(time.perf_counter() - start)
            sampler.stop.set()
            sampler.join()
            lease_peaks.append(_threads.usage()[2])
            run_peaks.append(sampler.peak)
            run_means.append(statistics.mean(sampler.samples) if sampler.samples else 0)
            for a, b in zip(out[:2], reference):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
        print(f"{name:<24}{statistics.median(times):>10.2f}{max(lease_peaks):>12}"
              f"{max(run_peaks):>14}{statistics.median(run_means):>14.1f}")


if __name__ == "__main__":
    main()
