"""Find similar samples, and pull the nearest candidates from a pool (data boosting).

Both use cosine similarity of the embedding through one
:class:`~nbdatalens.neighbors.KnnIndex` per embedding (the table's is built
once and shared with the issue checks; a pool gets its own).

*Data boosting* (the winning method of the first data-centric AI
competition): for each seed sample (by default the misclassified samples of
the validation split), find the nearest candidates in a pool (augmentations,
unlabelled data) and add them to the training set with the seed's label.
:func:`boost_candidates` does the finding; the rules are in its docstring.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .neighbors import KnnIndex
from .roles import ROLE_NAMES, _preview

if TYPE_CHECKING:
    from .table import SampleTable

#: A pool row at least this similar (cosine) to a table row is that sample again.
SAME_SAMPLE_SIMILARITY = 1.0 - 1e-5


def similar_positions(
    knn: KnnIndex, positions: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The k rows most similar to each query row, the row itself excluded.

    Returns flat arrays ``(query, neighbour, similarity, rank)``, grouped by
    query in the given order, most similar first; ``rank`` counts from 1.
    """
    positions = np.asarray(positions, dtype=np.int64)
    if positions.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32), empty
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")
    kk = min(k + 1, knn.n)
    idx, sim = knn.search(knn.data[positions], kk)
    keep = idx != positions[:, None]
    # The query is normally its own first hit; where exact ties push it out, drop the last.
    too_many = keep.sum(axis=1) > k
    if too_many.any():
        keep[too_many, np.argmax(np.cumsum(keep[too_many], axis=1) > k, axis=1)] = False
    counts = keep.sum(axis=1)
    query = np.repeat(positions, counts)
    rank = np.concatenate([np.arange(1, c + 1) for c in counts]).astype(np.int64)
    return query, idx[keep], sim[keep], rank


def pool_embedding(pool: Any, embedding: Hashable | None, dim: int) -> tuple[np.ndarray, pd.Index]:
    """The pool's vectors (M × dim, float32) and ids, with errors that name ``pool``."""
    if isinstance(pool, pd.DataFrame):
        ids = pool.index
        if embedding is None:
            found = [c for c in pool.columns if str(c).lower() in ROLE_NAMES["embedding"]]
            if not found:
                raise ValueError(
                    f"pool: no embedding column found (looked for "
                    f"{', '.join(ROLE_NAMES['embedding'])}); name it with embedding=..."
                )
            embedding = found[0]
        if embedding not in pool.columns:
            raise ValueError(f"pool: no column {embedding!r}; columns: {_preview(pool.columns)}")
        cells = pool[embedding].to_list()
        try:
            vectors = np.asarray(cells, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"pool[{embedding!r}]: cells are not equal-length vectors") from exc
        name = f"pool[{embedding!r}]"
    else:
        vectors = np.asarray(pool, dtype=np.float32)
        ids = pd.RangeIndex(len(vectors))
        name = "pool"
    if vectors.ndim != 2 or len(vectors) == 0:
        raise ValueError(f"{name}: expected M × {dim} vectors, got shape {vectors.shape} (empty?)")
    if vectors.shape[1] != dim:
        raise ValueError(
            f"{name}: vectors have dimension {vectors.shape[1]} but the lens' embedding has "
            f"dimension {dim}; embed the pool with the same model"
        )
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{name}: {int(bad.sum())} vector(s) hold NaN or infinite values, e.g. ids "
            f"{_preview(ids[bad], 5)}"
        )
    if not ids.is_unique:
        raise ValueError(f"{name}: the pool's ids (its index) must be unique")
    return vectors, ids


def boost_candidates(
    table: SampleTable,
    seeds: np.ndarray,
    pool_vectors: np.ndarray,
    pool_ids: pd.Index,
    k: int,
    seed_labels: np.ndarray,
) -> pd.DataFrame:
    """The pool candidates nearest to the seeds, one row per candidate.

    Rules: a pool row that is a sample of the table already (cosine ≥
    :data:`SAME_SAMPLE_SIMILARITY` to a table row) is never a candidate; each
    seed pulls its ``k`` nearest *other* pool rows (cosine), so a loop that adds
    the candidates and boosts again gets new ones; a candidate pulled by
    several seeds appears once, with its closest seed (the earlier seed on a
    tie). Columns: ``seed`` (the table id that pulled it), ``similarity``,
    ``suggested_label`` (``seed_labels`` of that seed: the given or corrected
    label), ``rank`` (1 = the seed's nearest candidate). Sorted by similarity,
    highest first.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    if seeds.size == 0:
        raise ValueError("seeds: no seed samples (nothing misclassified or selected?)")
    if table.embedding is None:
        raise ValueError("boost needs the lens' embedding: the table has no embedding role")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")
    pool = KnnIndex(pool_vectors)
    idx, sim, fresh = _nearest_fresh(table, pool, seeds, min(k, pool.n))
    seed_of = np.repeat(seeds, fresh.sum(axis=1))
    rank = np.cumsum(fresh, axis=1)[fresh]
    cand, sim = idx[fresh], sim[fresh]
    # Closest seed wins: sort by similarity (stable keeps seed order on ties), keep firsts.
    order = np.lexsort((np.arange(cand.size), -sim.astype(np.float64)))
    cand, sim, seed_of, rank = cand[order], sim[order], seed_of[order], rank[order]
    _, first = np.unique(cand, return_index=True)
    first.sort()
    cand, sim, seed_of, rank = cand[first], sim[first], seed_of[first], rank[first]
    labels = np.asarray([*seed_labels, None], dtype=object)[:-1]
    position_of = {int(p): i for i, p in enumerate(seeds.tolist())}
    return pd.DataFrame(
        {
            "seed": table.ids(seed_of),
            "similarity": sim.astype(np.float64),
            "suggested_label": labels[[position_of[int(s)] for s in seed_of]],
            "rank": rank.astype(np.int64),
        },
        index=pool_ids[cand],
    )


def _nearest_fresh(
    table: SampleTable, pool: KnnIndex, seeds: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each seed's nearest pool rows that are not in the table, ``k`` of them where the pool has.

    Returns ``(idx, sim, fresh)``, S × K' with K' ≥ k: the nearest pool rows, their
    similarities and a mask of the first ``k`` that are no table sample (the
    candidate's nearest table row is not the same vector). The search widens
    until every seed has ``k`` or the whole pool was searched; only the pool rows
    it returns are looked up in the table.
    """
    queries = table.embedding[seeds]
    checked = np.zeros(pool.n, dtype=bool)
    stale = np.zeros(pool.n, dtype=bool)
    kk = k
    while True:
        idx, sim = pool.search(queries, kk)
        new = np.unique(idx)
        new = new[~checked[new]]
        if new.size:
            _, table_sim = table.knn().search(pool.data[new], 1)
            stale[new] = table_sim[:, 0] >= SAME_SAMPLE_SIMILARITY
            checked[new] = True
        usable = ~stale[idx]
        if kk >= pool.n or (usable.sum(axis=1) >= k).all():
            return idx, sim, usable & (np.cumsum(usable, axis=1) <= k)
        kk = min(pool.n, 2 * kk + int(stale[idx].sum(axis=1).max()))
