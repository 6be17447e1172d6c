"""One k-nearest-neighbour index per embedding, by cosine similarity.

Every issue check that needs neighbours (duplicates, outliers, label split,
the likely-mislabeled ranking) and "find similar" share one :class:`KnnIndex`,
so the neighbours of all rows are computed once per table.

Below :data:`EXACT_MAX_ROWS` rows the search is exact: a blocked BLAS matrix
product of the L2-normalised rows and a top-k per block, in blocks bounded to
:data:`BLOCK_BYTES` of similarities, so memory stays O(N·k).

Above it, an inverted-file index in numpy (``_Ivf``): spherical k-means cells,
each row or query scanning its :data:`IVF_PROBE` nearest cells, the scan batched
by cell into BLAS products. It was chosen by measurement
(``benchmarks/similar.py``, table in ``docs/issues.md``) against hnswlib,
usearch, faiss and pynndescent on these 2-core machines: the graph libraries
took 14-25 s to build at 100k rows (minutes at 1M, past the 60 s budget), and
per-query scanning made the self-kNN of every row too slow at 1M, while the
whole table's self-kNN is what the checks need. The libraries stay available
as ``method="hnswlib"`` etc. (:mod:`nbdatalens.knn_backends`).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.sparse import coo_matrix
from threadpoolctl import threadpool_limits

from .knn_backends import LIBRARY_BACKENDS, _Backend, _threads

#: Row count up to which ``method="auto"`` searches exactly (the exact self-kNN
#: of 20k × 64-d rows takes ~1 s here; it grows as N², the IVF as ~N^1.5).
EXACT_MAX_ROWS = 20_000
#: Bytes of float32 similarities one exact block may hold.
BLOCK_BYTES = 64 * 2**20
#: Backends in the order ``method="auto"`` tries them above EXACT_MAX_ROWS.
AUTO_ORDER = ("ivf",)

#: Cells the numpy IVF backend scans per cell (self-kNN) or per query.
IVF_PROBE = 8


def normalize_rows(x: np.ndarray, name: str = "embedding") -> np.ndarray:
    """A float32 copy of ``x`` (N × D) with unit-length rows; refuses NaN, inf and zero rows."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (N × D), got shape {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"{name} has zero dimensions (shape {x.shape})")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {x.dtype}")
    out = np.array(x, dtype=np.float32, order="C", copy=True)
    finite = np.isfinite(out).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"{name} has NaN or infinite values in {bad.size} rows (first at row {bad[0]})"
        )
    norms = np.linalg.norm(out, axis=1)
    if (norms == 0).any():
        bad = np.flatnonzero(norms == 0)
        raise ValueError(
            f"{name} has {bad.size} all-zero rows (first at row {bad[0]}); cosine similarity "
            "is undefined for them"
        )
    out /= norms[:, None]
    return out


def _topk_direct(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top k of each row by a value threshold (``np.sort`` is SIMD; ``argpartition`` is not)."""
    b, n = sims.shape
    if k >= n:
        cols = np.broadcast_to(np.arange(n), sims.shape)
    else:
        kth = np.sort(sims, axis=1)[:, n - k]
        mask = sims >= kth[:, None]
        counts = mask.sum(axis=1)
        if (counts == k).all():
            cols = np.nonzero(mask)[1].reshape(b, k)
        else:  # ties at the threshold: keep the first k of each row
            r, c = np.nonzero(mask)
            rank = np.arange(r.size) - np.repeat(np.cumsum(counts) - counts, counts)
            cols = c[rank < k].reshape(b, k)
    vals = np.take_along_axis(sims, cols, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(cols, order, axis=1), np.take_along_axis(vals, order, axis=1)


def _topk_rows(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the k largest entries of each row, largest first.

    For long rows the columns are dealt into G groups (column j in group j mod G);
    the k groups with the largest maxima hold the k largest values (any other
    group's maximum is below k values already found), so only their entries are
    ranked. Group maxima are one vectorised ``max`` over a reshaped view.
    """
    b, n = sims.shape
    per_group = int(np.sqrt(n / max(k, 1)))
    if per_group < 4:
        return _topk_direct(sims, k)
    g = n // per_group
    main = g * per_group
    maxima = sims[:, :main].reshape(b, per_group, g).max(axis=1)
    best, _ = _topk_direct(maxima, k)
    cols = (best[:, :, None] + g * np.arange(per_group)).reshape(b, k * per_group)
    if main < n:
        cols = np.concatenate([cols, np.broadcast_to(np.arange(main, n), (b, n - main))], axis=1)
    i, v = _topk_direct(np.take_along_axis(sims, cols, axis=1), k)
    return np.take_along_axis(cols, i, axis=1), v


def exact_search(
    data: np.ndarray, queries: np.ndarray, k: int, *, exclude_offset: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k inner products of ``queries`` against ``data`` (both normalised).

    With ``exclude_offset`` set, query row ``r`` is data row ``exclude_offset + r``
    and is left out of its own neighbours.
    """
    n, m = data.shape[0], queries.shape[0]
    k = min(k, n - (exclude_offset is not None))
    idx = np.empty((m, k), dtype=np.int64)
    sim = np.empty((m, k), dtype=np.float32)
    block = max(1, min(m, BLOCK_BYTES // (4 * max(n, 1))))
    for start in range(0, m, block):
        stop = min(m, start + block)
        s = queries[start:stop] @ data.T
        if exclude_offset is not None:
            rows = np.arange(stop - start)
            s[rows, exclude_offset + start + rows] = -np.inf
        i, v = _topk_rows(s, k)
        idx[start:stop], sim[start:stop] = i, v
    return idx, sim


def _nearest(data: np.ndarray, centroids: np.ndarray, k: int = 1) -> np.ndarray:
    """The k most similar centroids of every row (blocked matmul), most similar first."""
    out = np.empty((len(data), k), dtype=np.int64)
    block = max(1, BLOCK_BYTES // (4 * len(centroids)))
    for start in range(0, len(data), block):
        s = data[start : start + block] @ centroids.T
        out[start : start + block] = _topk_rows(s, k)[0] if k > 1 else s.argmax(1)[:, None]
    return out


def _kmeans_pp(data: np.ndarray, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding by cosine distance (one pass over the data per centroid)."""
    centroids = np.empty((n_clusters, data.shape[1]), dtype=np.float32)
    centroids[0] = data[rng.integers(len(data))]
    dist = np.maximum(1.0 - data @ centroids[0], 0.0).astype(np.float64)
    for j in range(1, n_clusters):
        total = dist.sum()
        pick = rng.choice(len(data), p=dist / total) if total > 0 else rng.integers(len(data))
        centroids[j] = data[pick]
        np.minimum(dist, np.maximum(1.0 - data @ centroids[j], 0.0), out=dist)
    return centroids


def spherical_kmeans(
    data: np.ndarray,
    n_clusters: int,
    *,
    iterations: int = 8,
    seed: int = 0,
    init: str = "random",
) -> np.ndarray:
    """Unit-length centroids of a few Lloyd iterations by cosine similarity (data normalised).

    ``init``: ``"random"`` rows (cheap, for the many cells of an index) or
    ``"k-means++"`` (for the few clusters the checks report).
    """
    rng = np.random.default_rng(seed)
    if init == "k-means++":  # seeded on at most 20 rows per centroid: the seeding is sequential
        few = min(len(data), max(20 * n_clusters, 2000))
        seeds_from = data if few == len(data) else data[rng.choice(len(data), few, replace=False)]
        centroids = _kmeans_pp(seeds_from, n_clusters, rng)
    else:
        centroids = data[rng.choice(len(data), n_clusters, replace=False)].copy()
    for _ in range(iterations):
        assign = _nearest(data, centroids)[:, 0]
        member = coo_matrix(
            (np.ones(len(data), np.float32), (assign, np.arange(len(data)))),
            shape=(n_clusters, len(data)),
        ).tocsr()
        sums = np.asarray(member @ data, dtype=np.float32)  # per-cluster sums (np.add.at is slow)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        sums[empty] = data[rng.choice(len(data), int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        centroids = (sums / norms[:, None]).astype(np.float32)
    return centroids


class _Ivf(_Backend):
    """Inverted lists over spherical k-means cells, searched with BLAS blocks (numpy only).

    Rows are grouped by their nearest of ``n_lists ≈ sqrt(8 N)`` centroids; each
    query (or each row, for the self-kNN) scans the rows of its own
    :data:`IVF_PROBE` nearest cells, as in any IVF index. The scan is batched
    by cell, not by query: every query that probes a cell is compared with
    that cell's rows in one matrix product and merged into its running top k,
    which keeps BLAS busy instead of walking vectors one query at a time.
    """

    name = "ivf"

    def __init__(self, data: np.ndarray, *, n_probe: int | None = None, seed: int = 0) -> None:
        n = len(data)
        self.data = data
        self.n_lists = int(np.clip(round(np.sqrt(8 * n)), 1, 4096))
        self.n_probe = min(self.n_lists, n_probe or IVF_PROBE)
        rng = np.random.default_rng(seed)
        sample = data[np.sort(rng.choice(n, min(n, 16 * self.n_lists), replace=False))]
        self.centroids = spherical_kmeans(sample, self.n_lists, iterations=6, seed=seed)
        self.row_probes = self.probes_of(data)
        cell = self.row_probes[:, 0]
        self.order = np.argsort(cell, kind="stable")
        self.offsets = np.searchsorted(cell[self.order], np.arange(self.n_lists + 1))
        self.by_cell = data[self.order]  # each cell's rows contiguous: a slice, not a gather

    def probes_of(self, x: np.ndarray) -> np.ndarray:
        """The ``n_probe`` nearest cells of every row (int32), nearest first.

        (A two-level quantizer was tried to make this cheaper: on the benchmark
        data only 76-91 % of the true nearest cells were found, so it is exact.)
        """
        return _nearest(x, self.centroids, self.n_probe).astype(np.int32)

    def _join(
        self, queries: np.ndarray, probes: np.ndarray, k: int, exclude_self: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        m, n_probe = probes.shape
        kk = k + exclude_self  # a row meets itself in its own cell; dropped at the end
        part_idx = np.full((m * n_probe, kk), -1, dtype=np.int32)
        part_sim = np.full((m * n_probe, kk), -np.inf, dtype=np.float32)
        flat = probes.ravel()
        by_cell = np.argsort(flat, kind="stable")  # (query, probe) pairs grouped by cell
        bounds = np.searchsorted(flat[by_cell], np.arange(self.n_lists + 1))

        def scan(cells: range) -> None:
            for c in cells:
                pairs = by_cell[bounds[c] : bounds[c + 1]]
                members = self.order[self.offsets[c] : self.offsets[c + 1]]
                if pairs.size == 0 or members.size == 0:
                    continue
                s = (
                    queries[pairs // n_probe]
                    @ self.by_cell[self.offsets[c] : self.offsets[c + 1]].T
                )
                i, v = _topk_rows(s, min(kk, members.size))
                part_idx[pairs, : i.shape[1]] = members[i]  # pairs are disjoint across cells
                part_sim[pairs, : i.shape[1]] = v

        # small products: one BLAS thread each (two BLAS threads spin on a busy machine),
        # cells shared out to a thread per core (numpy releases the GIL)
        workers = _threads()
        with threadpool_limits(1, user_api="blas"):
            if workers == 1 or self.n_lists < 4 * workers:
                scan(range(self.n_lists))
            else:
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(scan, [range(w, self.n_lists, workers) for w in range(workers)]))
        part_idx = part_idx.reshape(m, n_probe * kk)
        part_sim = part_sim.reshape(m, n_probe * kk)
        if exclude_self:
            part_sim[part_idx == np.arange(m)[:, None]] = -np.inf
        part_sim[part_idx < 0] = -np.inf
        i, sim = _topk_direct(part_sim, k)
        idx = np.take_along_axis(part_idx, i, axis=1).astype(np.int64)
        idx[~np.isfinite(sim)] = -1
        return idx, sim

    def self_join(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._join(self.data, self.row_probes, k, exclude_self=True)

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._join(queries, self.probes_of(queries), k, False)


BACKENDS: dict[str, type[_Backend]] = {"ivf": _Ivf, **LIBRARY_BACKENDS}


def _available(name: str) -> bool:
    import importlib.util

    return name == "ivf" or importlib.util.find_spec(name) is not None


def choose_method(n_rows: int, method: str = "auto") -> str:
    """The backend ``KnnIndex`` uses for ``n_rows`` rows (``"exact"`` or a library name)."""
    if method == "exact" or (method == "auto" and n_rows <= EXACT_MAX_ROWS):
        return "exact"
    if method == "auto":
        return next((name for name in AUTO_ORDER if _available(name)), "exact")
    if method not in BACKENDS:
        raise ValueError(
            f"method must be 'auto', 'exact' or one of {sorted(BACKENDS)}, got {method!r}"
        )
    return method


class KnnIndex:
    """Cosine k-nearest neighbours of one embedding (N × D), shared by every check.

    Parameters
    ----------
    embedding:
        N × D numbers; a normalised float32 copy is kept (the input is untouched).
    method:
        ``"auto"`` (exact up to :data:`EXACT_MAX_ROWS` rows, else the first installed
        of :data:`AUTO_ORDER`), ``"exact"``, or a backend name.

    The index is built on first use and is safe to share between threads.
    """

    def __init__(self, embedding: np.ndarray, *, method: str = "auto") -> None:
        self.data = normalize_rows(embedding, "embedding")
        self.n, self.dim = self.data.shape
        self.method = choose_method(self.n, method)
        self._backend: _Backend | None = None
        self._self: tuple[np.ndarray, np.ndarray] | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"KnnIndex({self.n} × {self.dim}, method={self.method!r})"

    def _ensure_backend(self) -> _Backend | None:
        if self.method == "exact":
            return None
        with self._lock:
            if self._backend is None:
                self._backend = BACKENDS[self.method](self.data)
            return self._backend

    def build(self) -> KnnIndex:
        """Build the index now (otherwise it is built on first use)."""
        self._ensure_backend()
        return self

    def _k(self, k: int, limit: int) -> int:
        if int(k) != k or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        return min(int(k), limit)

    def self_neighbors(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k most similar other rows of every row: (indices int64 N×k, similarity float32).

        Sorted most similar first; a row never lists itself. Cached: a later call
        with a smaller k is served from the larger result. ``k`` is capped at N − 1.
        """
        k = self._k(k, self.n - 1)
        with self._lock:
            if self._self is None or self._self[0].shape[1] < k:
                self._self = self._compute_self(k)
            idx, sim = self._self
        return idx[:, :k], sim[:, :k]

    def _compute_self(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k == 0:
            return np.empty((self.n, 0), np.int64), np.empty((self.n, 0), np.float32)
        if self.method == "exact":
            return exact_search(self.data, self.data, k, exclude_offset=0)
        backend = self._ensure_backend()
        assert backend is not None
        if isinstance(backend, _Ivf):
            idx, sim = backend.self_join(k)
            return _repair_self(idx, sim, self)
        kk = min(k + 1, self.n)
        idx = np.empty((self.n, k), dtype=np.int64)
        sim = np.empty((self.n, k), dtype=np.float32)
        chunk = 200_000
        for start in range(0, self.n, chunk):
            stop = min(self.n, start + chunk)
            i, s = backend.query(self.data[start:stop], kk)
            i, s = _drop_self(i, s, np.arange(start, stop), k)
            idx[start:stop], sim[start:stop] = i, s
        return idx, sim

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k rows most similar to each query vector: (indices int64 M×k, similarity float32).

        ``queries`` is M × D (or one vector of length D) with the embedding's D.
        """
        q = np.asarray(queries)
        if q.ndim == 1:
            q = q[None, :]
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise ValueError(
                f"queries have dimension {q.shape[-1] if q.ndim else 0} (shape {q.shape}) but "
                f"the embedding has dimension {self.dim}: dimension mismatch"
            )
        q = normalize_rows(q, "queries")
        k = self._k(k, self.n)
        backend = self._ensure_backend()
        if backend is None:
            return exact_search(self.data, q, k)
        idx, sim = backend.query(q, k)
        return _repair_missing(idx, sim, self, q, k)


def _drop_self(
    idx: np.ndarray, sim: np.ndarray, rows: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own index from its (k + 1) neighbours, else drop the last one."""
    is_self = idx == rows[:, None]
    has_self = is_self.any(axis=1)
    is_self[~has_self, -1] = True  # self was not returned (ties): drop the farthest instead
    keep = ~is_self
    # rows where self appears more than once cannot happen; each row keeps exactly k entries
    out_i = idx[keep].reshape(len(rows), -1)[:, :k]
    out_s = sim[keep].reshape(len(rows), -1)[:, :k]
    bad = out_i < 0  # a backend pads with -1 when it found fewer than asked
    if bad.any():
        out_s = np.where(bad, -np.inf, out_s).astype(np.float32)
    return out_i, out_s


def _repair_missing(
    idx: np.ndarray, sim: np.ndarray, index: KnnIndex, q: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Answer exactly the few queries a graph backend returned fewer than k hits for."""
    bad = (idx < 0).any(axis=1)
    if bad.any():
        i, s = exact_search(index.data, q[bad], k)
        idx, sim = idx.copy(), sim.copy()
        idx[bad], sim[bad] = i, s
    return idx, sim


def _repair_self(
    idx: np.ndarray, sim: np.ndarray, index: KnnIndex
) -> tuple[np.ndarray, np.ndarray]:
    """Exact self-neighbours for the few rows whose probed cells held fewer than k rows."""
    bad = np.flatnonzero((idx < 0).any(axis=1))
    if bad.size:
        k = idx.shape[1]
        i, s = exact_search(index.data, index.data[bad], k + 1)
        i, s = _drop_self(i, s, bad, k)
        idx[bad], sim[bad] = i, s
    return idx, sim


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean fraction of the true k neighbours of each row that ``found`` contains."""
    k = truth.shape[1]
    hits = sum(np.isin(f, t).sum() for f, t in zip(found[:, :k], truth, strict=True))
    return float(hits) / truth.size
