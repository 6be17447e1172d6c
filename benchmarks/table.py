"""Benchmark: SampleTable construction (checks + derived columns) time and memory.

Synthetic, seeded data: 10 classes, 10 epochs of full per-epoch probabilities
(N × 10 × 10), 64-d embeddings and precomputed x / y, in two input forms:

- ``arrays``: the frame holds label, x, y; probs, dynamics and embedding are
  numpy arrays passed as keyword arguments (the fast path);
- ``cells``: every role is a DataFrame column, the vectors stored one per row
  as numpy arrays (what ``load_digits_demo`` produces).

Each (N, form) runs in a fresh subprocess so memory numbers do not mix. The
data is generated once per N, saved as ``.npy`` and loaded by the child, so
the process RSS before construction is also its high-water mark so far and
the max-RSS delta is the construction's own peak. Timing excludes data
generation and DataFrame building.

Usage::

    python benchmarks/table.py                      # N = 100k and 1M
    python benchmarks/table.py --sizes 10000,200000
    python benchmarks/table.py --quick              # N = 20k, one repeat
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

N_CLASSES = 10
N_EPOCHS = 10
EMBEDDING_DIM = 64
FORMS = ("arrays", "cells")
TARGET_SECONDS = 2.0
TARGET_BYTES = 3 * 1024**3


def generate(n: int, folder: Path, seed: int = 0, chunk: int = 100_000) -> None:
    """Write label, probs, dynamics, embedding, x, y for ``n`` samples into ``folder``."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, N_CLASSES, size=n)
    dynamics = np.lib.format.open_memmap(
        folder / "dynamics.npy", mode="w+", dtype=np.float32, shape=(n, N_EPOCHS, N_CLASSES)
    )
    # Chunked so generating 1M samples never holds float64 temporaries of the full array.
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        logits = rng.normal(size=(stop - start, N_EPOCHS, N_CLASSES)).astype(np.float32)
        # The given label gains weight epoch by epoch: a plausible learning curve.
        logits[np.arange(stop - start), :, label[start:stop]] += np.linspace(0, 4, N_EPOCHS)
        logits -= logits.max(axis=2, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=2, keepdims=True)
        dynamics[start:stop] = logits
    dynamics.flush()
    centres = rng.normal(scale=3, size=(N_CLASSES, EMBEDDING_DIM)).astype(np.float32)
    embedding = centres[label] + rng.normal(size=(n, EMBEDDING_DIM)).astype(np.float32)
    np.save(folder / "label.npy", label)
    np.save(folder / "probs.npy", np.ascontiguousarray(dynamics[:, -1, :]))
    np.save(folder / "embedding.npy", embedding)
    np.save(folder / "xy.npy", rng.normal(size=(n, 2)).astype(np.float32))


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def child(folder: Path, form: str, repeat: int) -> dict[str, float]:
    """Load the data, build the input frame, time and measure SampleTable construction."""
    import pandas as pd

    from nbdatalens.table import SampleTable

    arrays = {name: np.load(folder / f"{name}.npy") for name in ("label", "probs", "embedding")}
    arrays["dynamics"] = np.load(folder / "dynamics.npy")
    xy = np.load(folder / "xy.npy")
    frame = {"label": arrays["label"], "x": xy[:, 0], "y": xy[:, 1]}
    kwargs: dict[str, object] = {}
    if form == "arrays":
        kwargs = {k: arrays[k] for k in ("probs", "dynamics", "embedding")}
    else:
        for k in ("probs", "dynamics", "embedding"):
            frame[k] = list(arrays[k])  # one array per cell, viewing the block
    df = pd.DataFrame(frame)

    gc.collect()
    rss_before, max_before = _rss_bytes(), _max_rss_bytes()
    start = time.perf_counter()
    table = SampleTable(df, **kwargs)
    times = [time.perf_counter() - start]
    max_after = _max_rss_bytes()
    assert table.derived.shape == (len(df), 8)
    del table
    for _ in range(repeat - 1):
        gc.collect()
        start = time.perf_counter()
        table = SampleTable(df, **kwargs)
        times.append(time.perf_counter() - start)
        del table
    gc.collect()
    tracemalloc.start()
    SampleTable(df, **kwargs)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": float(np.median(times)),
        "seconds_first": times[0],
        "traced_peak": float(traced_peak),
        "rss_delta": float(max(0, max_after - max(rss_before, max_before))),
        "max_rss": float(max_after),
    }


def _mb(n: float) -> str:
    return f"{n / 1024**2:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N values")
    parser.add_argument("--repeat", type=int, default=3, help="constructions timed per case")
    parser.add_argument("--quick", action="store_true", help="N = 20k, one repeat (smoke test)")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "FORM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1], args.repeat)))
        return
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    repeat = 1 if args.quick else args.repeat

    import pandas as pd

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} cores; {N_CLASSES} classes, {N_EPOCHS} epochs of N×E×C "
        f"probabilities, {EMBEDDING_DIM}-d embeddings, x/y given; time = median of {repeat} "
        "construction(s)\n"
    )
    print(
        "| N | input | time (s) | first run (s) | tracemalloc peak (MB) "
        "| max-RSS delta (MB) | process max RSS (MB) | target |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="nbdatalens-bench-") as tmp:
            generate(n, Path(tmp))
            for form in FORMS:
                cmd = [sys.executable, __file__, "--child", tmp, form, "--repeat", str(repeat)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                peak = max(r["traced_peak"], r["rss_delta"])
                ok = r["seconds"] < TARGET_SECONDS and peak < TARGET_BYTES
                verdict = ("met" if ok else "MISSED") if n >= 1_000_000 else "—"
                print(
                    f"| {n:,} | {form} | {r['seconds']:.2f} | {r['seconds_first']:.2f} "
                    f"| {_mb(r['traced_peak'])} | {_mb(r['rss_delta'])} | {_mb(r['max_rss'])} "
                    f"| {verdict} |",
                    flush=True,
                )
    print(
        "\ntracemalloc peak: Python + numpy allocations made during one construction. "
        "max-RSS delta: growth of the process high-water mark (getrusage ru_maxrss) over "
        "its RSS just before the first construction. Process max RSS includes the input "
        f"data. Target at 1M: under {TARGET_SECONDS:g} s and under 3 GB."
    )


if __name__ == "__main__":
    main()
