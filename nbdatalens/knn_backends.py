"""Approximate-kNN libraries behind :class:`nbdatalens.neighbors.KnnIndex`, for comparison.

``benchmarks/similar.py`` measures them beside the numpy IVF the index uses by
default; each is imported only when asked for (``KnnIndex(x, method="hnswlib")``).
All take L2-normalised float32 rows and answer by inner product = cosine.
"""

from __future__ import annotations

import os

import numpy as np

#: Graph parameters, fixed before measuring (benchmarks/similar.py).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 64


def _threads() -> int:
    return max(1, os.cpu_count() or 1)


class _Backend:
    name = ""

    def __init__(self, data: np.ndarray) -> None:
        raise NotImplementedError

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and cosine similarities, most similar first."""
        raise NotImplementedError


class _Hnswlib(_Backend):
    name = "hnswlib"

    def __init__(self, data: np.ndarray) -> None:
        import hnswlib

        self.index = hnswlib.Index(space="ip", dim=data.shape[1])
        self.index.init_index(
            max_elements=data.shape[0], M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION,
            random_seed=0,
        )  # fmt: skip
        self.index.add_items(data, np.arange(data.shape[0]), num_threads=_threads())

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.set_ef(max(HNSW_EF_SEARCH, 2 * k))
        labels, dist = self.index.knn_query(queries, k=k, num_threads=_threads())
        return labels.astype(np.int64), (1.0 - dist).astype(np.float32)


class _Usearch(_Backend):
    name = "usearch"

    def __init__(self, data: np.ndarray) -> None:
        from usearch.index import Index

        self.index = Index(
            ndim=data.shape[1], metric="ip", dtype="f32", connectivity=HNSW_M,
            expansion_add=HNSW_EF_CONSTRUCTION, expansion_search=HNSW_EF_SEARCH,
        )  # fmt: skip
        self.index.add(np.arange(data.shape[0]), data, threads=_threads())

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.expansion_search = max(HNSW_EF_SEARCH, 2 * k)
        m = self.index.search(queries, k, threads=_threads())
        keys = np.asarray(m.keys, dtype=np.int64).reshape(len(queries), -1)
        dist = np.asarray(m.distances, dtype=np.float32).reshape(len(queries), -1)
        return keys, 1.0 - dist


class _Faiss(_Backend):
    name = "faiss"

    def __init__(self, data: np.ndarray) -> None:
        import faiss

        faiss.omp_set_num_threads(_threads())
        self.index = faiss.IndexHNSWFlat(data.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        self.index.add(data)

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.hnsw.efSearch = max(HNSW_EF_SEARCH, 2 * k)
        sim, idx = self.index.search(np.ascontiguousarray(queries), k)
        return idx.astype(np.int64), sim.astype(np.float32)


class _Pynndescent(_Backend):
    name = "pynndescent"

    def __init__(self, data: np.ndarray) -> None:
        from pynndescent import NNDescent

        self.index = NNDescent(data, metric="dot", n_neighbors=30, random_state=0,
                               n_jobs=_threads())  # fmt: skip
        self.index.prepare()

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        idx, dist = self.index.query(queries, k=k)
        return idx.astype(np.int64), (1.0 - dist).astype(np.float32)


LIBRARY_BACKENDS: dict[str, type[_Backend]] = {
    b.name: b for b in (_Hnswlib, _Usearch, _Faiss, _Pynndescent)
}
