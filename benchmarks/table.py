"""Benchmark: SampleTable construction (checks + derived columns) time and memory.

Synthetic, seeded data: 10 classes, 10 epochs of full per-epoch probabilities
(N × 10 × 10), 64-d embeddings and precomputed x / y, in two input forms:

- ``arrays``: the frame holds label, x, y; probs, dynamics and embedding are
  numpy arrays passed as keyword arguments (the fast path);
- ``cells``: every role is a DataFrame column, the vectors stored one per row
  as numpy arrays (what ``load_digits_demo`` produces);
- ``polars``: a polars DataFrame, the vectors as ``Array`` columns
  (``Array(Float32, 10)``, ``Array(Float32, (10, 10))``, ``Array(Float32, 64)``);
- ``arrow``: a pyarrow Table, the vectors as fixed-size lists (nested for the
  dynamics).

For ``polars`` and ``arrow`` the timed construction includes reading the table
(:func:`nbdatalens.frames.as_pandas`: list columns to numpy blocks).

The data is generated once per N by a subprocess and saved as ``.npy``; each
(N, form) is then measured in a fresh subprocess that loads it, so memory
numbers do not mix and timing excludes data generation and DataFrame
building. The parent stays small on purpose: Linux carries a parent's RSS at
fork into the child's ``ru_maxrss`` across exec, which would hide the
child's own peak. The machine may be shared: the CPU-time column is the
steadier number when other processes inflate the wall time.

Usage::

    python benchmarks/table.py                      # N = 100k and 1M
    python benchmarks/table.py --sizes 10000,200000
    python benchmarks/table.py --quick              # N = 20k, one repeat

A second table times ``lens.select`` of every id (the table model attached, so
the selection is encoded for the page as in a notebook).
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
FORMS = ("arrays", "cells", "polars", "arrow")
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


def _max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def _reset_max_rss() -> bool:
    """Reset this process's RSS high-water mark to its current RSS (Linux ``clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def child(folder: Path, form: str, repeat: int) -> dict[str, float]:
    """Load the data, build the input frame, time and measure SampleTable construction."""
    import pandas as pd

    from nbdatalens.table import DERIVED_COLUMNS, SampleTable

    arrays = {name: np.load(folder / f"{name}.npy") for name in ("label", "probs", "embedding")}
    arrays["dynamics"] = np.load(folder / "dynamics.npy")
    xy = np.load(folder / "xy.npy")
    frame = {"label": arrays["label"], "x": xy[:, 0], "y": xy[:, 1]}
    kwargs: dict[str, object] = {}
    vectors = ("probs", "dynamics", "embedding")
    df: object
    if form == "arrays":
        kwargs = {k: arrays[k] for k in vectors}
        df = pd.DataFrame(frame)
    elif form == "cells":
        for k in vectors:
            frame[k] = list(arrays[k])  # one array per cell, viewing the block
        df = pd.DataFrame(frame)
    elif form == "polars":
        import polars as pl

        df = pl.DataFrame({**frame, **{k: pl.Series(k, arrays[k]) for k in vectors}})
    else:
        import pyarrow as pa

        columns = {k: pa.array(v) for k, v in frame.items()}
        for k in vectors:
            flat = pa.array(np.ascontiguousarray(arrays[k]).ravel())
            for size in reversed(arrays[k].shape[1:]):
                flat = pa.FixedSizeListArray.from_arrays(flat, size)
            columns[k] = flat
        df = pa.table(columns)

    gc.collect()
    exact = _reset_max_rss()
    rss_before = _max_rss_bytes()
    wall, cpu, rss_growth = [], [], 0
    for run in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        table = SampleTable(df, **kwargs)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if run == 0:
            rss_growth = _max_rss_bytes() - rss_before
            assert table.derived.shape == (table.n, len(DERIVED_COLUMNS))
            assert table.embedding is not None and table.probs is not None
        del table
        gc.collect()
    tracemalloc.start()
    SampleTable(df, **kwargs)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "wall_median": float(np.median(wall)),
        "wall_best": min(wall),
        "cpu_best": min(cpu),
        "traced_peak": float(traced_peak),
        "rss_growth": float(rss_growth),
        "rss_exact": exact,
    }


def select_child(n: int, repeat: int) -> dict[str, float]:
    """Time ``lens.select`` of every id of an N-row lens whose table model exists (so the
    selection reaches the page's trait, as in a notebook), selecting and clearing in turn."""
    import pandas as pd

    from nbdatalens import DataLens

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"label": rng.integers(0, N_CLASSES, size=n)})
    lens = DataLens(df, projection="pca")
    lens.model  # noqa: B018  (created: selections go to the page from now on)
    ids = df.index.to_numpy()
    wall = []
    for _ in range(repeat):
        lens.clear_selection()
        start = time.perf_counter()
        lens.select(ids)
        wall.append(time.perf_counter() - start)
        assert len(lens.selected) == n
    return {"wall_median": float(np.median(wall)), "wall_best": min(wall)}


def _mb(n: float) -> str:
    return f"{n / 1024**2:,.0f}"


def _run(*args: str) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N values")
    parser.add_argument("--repeat", type=int, default=3, help="constructions timed per case")
    parser.add_argument("--quick", action="store_true", help="N = 20k, one repeat (smoke test)")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "FORM"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("FOLDER", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--select-child", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.select_child:
        print(json.dumps(select_child(args.select_child, max(args.repeat, 3))))
        return
    if args.generate:
        generate(int(args.generate[1]), Path(args.generate[0]))
        return
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1], args.repeat)))
        return
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    repeat = 1 if args.quick else args.repeat

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores; "
        f"{N_CLASSES} classes, {N_EPOCHS} epochs of N×E×C probabilities, {EMBEDDING_DIM}-d "
        f"embeddings, x/y given; {repeat} construction(s) per case\n"
    )
    print(
        "| N | input | wall median (s) | wall best (s) | CPU best (s) "
        "| tracemalloc peak (MB) | peak RSS growth (MB) | 1M target |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="nbdatalens-bench-") as tmp:
            _run("--generate", tmp, str(n))
            for form in FORMS:
                out = _run("--child", tmp, form, "--repeat", str(repeat))
                r = json.loads(out.strip().splitlines()[-1])
                peak = max(r["traced_peak"], r["rss_growth"])
                ok = r["wall_median"] < TARGET_SECONDS and peak < TARGET_BYTES
                verdict = ("met" if ok else "MISSED") if n >= 1_000_000 else "—"
                growth = _mb(r["rss_growth"]) + ("" if r["rss_exact"] else " (lower bound)")
                print(
                    f"| {n:,} | {form} | {r['wall_median']:.2f} | {r['wall_best']:.2f} "
                    f"| {r['cpu_best']:.2f} | {_mb(r['traced_peak'])} | {growth} | {verdict} |",
                    flush=True,
                )
    print("\n| N | lens.select of all N ids, model attached: wall median (s) | best (s) |")
    print("|---:|---:|---:|")
    for n in sizes:
        r = json.loads(_run("--select-child", str(n), "--repeat", str(repeat)).splitlines()[-1])
        print(f"| {n:,} | {r['wall_median']:.3f} | {r['wall_best']:.3f} |", flush=True)
    print(
        "\nwall = time.perf_counter, CPU = time.process_time (all threads of the process). "
        "tracemalloc peak: Python + numpy allocations made during one construction (input "
        "excluded). Peak RSS growth: resource.getrusage ru_maxrss after the first construction "
        "minus ru_maxrss just before it, the high-water mark having been reset to the current "
        "RSS (/proc/self/clear_refs), so the input data is excluded. 1M target: wall median "
        f"under {TARGET_SECONDS:g} s and both memory numbers under 3 GB."
    )


if __name__ == "__main__":
    main()
