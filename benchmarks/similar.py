"""kNN backends for ``nbdatalens.neighbors.KnnIndex``, side by side in one run.

    python benchmarks/similar.py                       # pools of 100k and 1M × 64-d
    python benchmarks/similar.py --sizes 20000,100000 --methods exact,hnswlib

For each pool size and method, in a fresh subprocess (so peak memory is the
method's own): build time and peak RSS growth of the build, time of 1,000
queries × k=10 (``KnnIndex.search``), recall@10 of those queries against exact
search, and the time of the self-kNN of every row (k=10, what ``find_issues``
needs) with its recall on 1,000 rows. Data: ``issue_data.clustered_embedding``
(seeded Gaussian mixture, 100 clusters with 12-d spread). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from process_memory import reset_peak, status_mb  # noqa: E402

K = 10
N_QUERIES = 1000


def worker(method: str, n: int, dim: int, self_knn: bool) -> dict:
    from issue_data import clustered_embedding

    from nbdatalens.neighbors import KnnIndex, exact_search, normalize_rows, recall_at_k

    x, _ = clustered_embedding(n, dim, seed=0)
    rng = np.random.default_rng(1)
    seeds = rng.choice(n, N_QUERIES, replace=False)
    xn = normalize_rows(x)
    truth, _ = exact_search(xn, xn[seeds], K)
    truth_self, _ = exact_search(xn, xn[seeds], K + 1)
    truth_self = np.array([t[t != s][:K] for t, s in zip(truth_self, seeds, strict=True)])
    del xn
    base = status_mb("VmRSS")
    reset_peak()
    t0 = time.perf_counter()
    index = KnnIndex(x, method=method).build()
    build = time.perf_counter() - t0
    peak = status_mb("VmHWM") - base
    t0 = time.perf_counter()
    found, _ = index.search(x[seeds], K)
    query = time.perf_counter() - t0
    out = {
        "method": index.method,
        "n": n,
        "build_s": build,
        "build_mb": peak,
        "query_s": query,
        "recall": recall_at_k(found, truth),
    }
    print(json.dumps(out), flush=True)  # a partial result, should the self-kNN time out
    if self_knn:
        t0 = time.perf_counter()
        idx, _ = index.self_neighbors(K)
        out["self_s"] = time.perf_counter() - t0
        out["self_recall"] = recall_at_k(idx[seeds], truth_self)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--methods", default="exact,ivf,hnswlib,usearch,faiss,pynndescent")
    ap.add_argument("--large-methods", default="exact,ivf,hnswlib,faiss",
                    help="methods for pools over 200k")  # fmt: skip
    ap.add_argument("--timeout", type=float, default=600, help="seconds per method and size")
    ap.add_argument("--exact-self-max", type=int, default=100_000,
                    help="largest pool whose exact self-kNN is timed")  # fmt: skip
    ap.add_argument("--worker", nargs=3, metavar=("METHOD", "N", "SELF"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        method, n, self_knn = args.worker
        print(json.dumps(worker(method, int(n), args.dim, self_knn == "1")))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        for method in (args.methods if n <= 200_000 else args.large_methods).split(","):
            self_knn = method != "exact" or n <= args.exact_self_max
            cmd = [sys.executable, __file__, "--dim", str(args.dim), "--worker", method, str(n),
                   "1" if self_knn else "0"]  # fmt: skip
            try:
                done = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.timeout, check=True
                )
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            except subprocess.TimeoutExpired as e:
                out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
                lines = out.strip().splitlines()
                late = f"did not finish in {args.timeout:.0f} s"
                rows.append({**json.loads(lines[-1]), "self_note": late} if lines else
                            {"method": method, "n": n, "note": late})  # fmt: skip
            except subprocess.CalledProcessError as e:
                rows.append(
                    {"method": method, "n": n, "note": "failed: " + e.stderr.strip()[-120:]}
                )
            print(f"# {rows[-1]}", file=sys.stderr, flush=True)
    print(f"| N | method | build (s) | build peak RSS (MB) | 1,000 queries k={K} (s) | "
          f"recall@{K} | self-kNN all rows (s) | self recall@{K} |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if "note" in r:
            print(f"| {r['n']:,} | {r['method']} | {r['note']} | | | | | |")
            continue
        self_s = f"{r['self_s']:.1f}" if "self_s" in r else r.get("self_note", "—")
        self_r = f"{r['self_recall']:.3f}" if "self_recall" in r else "—"
        print(f"| {r['n']:,} | {r['method']} | {r['build_s']:.1f} | {r['build_mb']:.0f} | "
              f"{r['query_s']:.3f} | {r['recall']:.3f} | {self_s} | {self_r} |")  # fmt: skip


if __name__ == "__main__":
    main()
