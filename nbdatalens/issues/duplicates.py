"""Duplicates: near (embedding neighbours) and exact (content hash of the media cells).

Both checks group samples into sets and give every sample a set id, −1 when it
is in none. The two id columns coexist in ``lens.issues``: ``duplicate_set``
(near duplicates, the contract's name) and ``exact_duplicate_set``; a pair of
exact copies is usually in both. A set whose members carry different labels is
the most severe (at least one of them is wrong, or the two classes overlap).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..neighbors import KnnIndex
from .base import CheckResult

_WS = re.compile(r"\s+")


def _sets_from_pairs(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union-find over the pairs (connected components): set id per row, −1 for singletons.

    Sets are numbered 0, 1, ... in order of their first row.
    """
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp)
    comp = np.where(sizes[comp] > 1, comp, -1)
    return _renumber(comp)


def _renumber(groups: np.ndarray) -> np.ndarray:
    """Group ids 0, 1, ... in order of each group's first row; −1 stays −1."""
    out = np.full(groups.shape, -1, dtype=np.int64)
    member = groups >= 0
    if member.any():
        codes, _ = pd.factorize(groups[member])
        out[member] = codes
    return out


def _set_details(sets: np.ndarray, labels: np.ndarray, class_names: Sequence[str]) -> pd.DataFrame:
    """One row per set: size, number of distinct labels, the labels."""
    member = np.flatnonzero(sets >= 0)
    frame = pd.DataFrame({"set": sets[member], "label": labels[member]})
    g = frame.groupby("set")["label"]
    names = np.asarray(class_names, dtype=object)
    details = pd.DataFrame(
        {
            "size": g.size(),
            "n_labels": g.nunique(),
            "labels": g.agg(lambda s: ", ".join(str(names[c]) for c in sorted(set(s)))),
        }
    )
    details.index.name = "set"
    return details.sort_values(["n_labels", "size"], ascending=False)


def _conflicting(sets: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per row: is it in a set whose members carry more than one label."""
    out = np.zeros(sets.shape, dtype=bool)
    member = sets >= 0
    if member.any():
        s, lab = sets[member], labels[member]
        n_sets = int(s.max()) + 1
        lo = np.full(n_sets, np.iinfo(np.int64).max)
        hi = np.full(n_sets, np.iinfo(np.int64).min)
        np.minimum.at(lo, s, lab)
        np.maximum.at(hi, s, lab)
        out[member] = (lo != hi)[s]
    return out


def near_duplicate(
    knn: KnnIndex,
    labels: np.ndarray,
    class_names: Sequence[str] | None = None,
    *,
    similarity: float = 0.98,
    relative_distance: float = 0.25,
    k: int = 10,
) -> CheckResult:
    """Near duplicates: embedding neighbours that are almost the same point.

    Definition: a pair (i, j) with j among the ``k`` nearest neighbours of i is a
    near-duplicate pair when both hold:

    - cosine similarity ≥ ``similarity`` (default 0.98), and
    - cosine distance (1 − similarity) ≤ ``relative_distance`` (default 0.25) ×
      the median over all samples of the distance to their nearest neighbour,
      so that an embedding in which everything is similar does not make every
      pair a duplicate.

    Pairs are joined into sets (union-find); extra column ``duplicate_set`` is
    the set id (−1 for none). Score: distance to the nearest neighbour divided
    by ``relative_distance`` × median nearest-neighbour distance, capped at 1
    (0 for an identical embedding), halved for members of sets whose labels
    differ, so those rank first. Unflagged samples score 1.0.
    """
    labels = np.asarray(labels)
    n = len(labels)
    idx, sim = knn.self_neighbors(k)
    dist = 1.0 - sim.astype(np.float64)
    median_nn = float(np.median(dist[:, 0])) if n > 1 else 0.0
    limit = min(1.0 - similarity, relative_distance * median_nn)
    close = dist <= limit
    rows = np.broadcast_to(np.arange(n)[:, None], idx.shape)
    sets = _sets_from_pairs(n, rows[close], idx[close])
    flagged = sets >= 0
    conflict = _conflicting(sets, labels)
    scale = max(relative_distance * median_nn, 1e-12)
    closeness = np.minimum(1.0, dist[:, 0] / scale)
    score = np.where(conflict, 0.5 * closeness, np.where(flagged, 0.5 + 0.5 * closeness, 1.0))
    names = class_names if class_names is not None else [str(c) for c in range(labels.max() + 1)]
    n_sets = int(sets.max()) + 1 if flagged.any() else 0
    return CheckResult(
        issue_type="near_duplicate",
        is_issue=flagged,
        score=score,
        description=(
            f"{n_sets} sets of near-duplicate embeddings (cosine similarity ≥ {similarity} "
            f"and distance ≤ {relative_distance} × the median nearest-neighbour distance); "
            f"{int(conflict.sum())} samples are in sets with different labels"
        ),
        extras={"duplicate_set": sets},
        details=_set_details(sets, labels, names) if n_sets else None,
        params={"similarity": similarity, "relative_distance": relative_distance, "k": k},
    )


# ------------------------------------------------------------- exact duplicates
def _digest(parts: Iterable[bytes]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        h.update(p)
    return h.hexdigest()


def _file_digest(path: str | os.PathLike[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(b"bytes:")
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def normalize_text(text: str) -> str:
    """Text as compared by the exact-duplicate hash: casefolded, whitespace runs → one space."""
    return _WS.sub(" ", text.casefold()).strip()


def content_hash(value: Any, kind: str = "auto") -> str | None:
    """The content hash of one media cell, or None when it has no readable content.

    - file path (``str`` naming an existing file, or ``os.PathLike``) → its bytes;
    - ``bytes`` / ``bytearray`` / ``memoryview`` → those bytes (so a file and the
      same encoded bytes in memory hash alike);
    - numpy array → dtype, shape and values; PIL image → mode, size and pixels;
    - ``(array, sample_rate)`` audio pair → the samples and the rate;
    - other ``str`` → text, normalised by :func:`normalize_text`.

    ``kind="file"`` treats every string as a path (a missing file → None),
    ``kind="text"`` treats every string as text. Never raises.
    """
    try:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, os.PathLike):
            return _file_digest(value)
        if isinstance(value, str):
            if kind == "text":
                return _digest([b"text:", normalize_text(value).encode("utf-8")])
            if kind == "file" or (kind == "auto" and os.path.isfile(value)):
                return _file_digest(value)
            if kind == "auto":
                return _digest([b"text:", normalize_text(value).encode("utf-8")])
            return None
        if isinstance(value, (bytes, bytearray, memoryview)):
            return _digest([b"bytes:", bytes(value)])
        if isinstance(value, np.ndarray):
            a = np.ascontiguousarray(value)
            return _digest([b"array:", str(a.dtype).encode(), str(a.shape).encode(), a.tobytes()])
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], np.ndarray):
            a = np.ascontiguousarray(value[0])
            return _digest([b"audio:", str(value[1]).encode(), str(a.dtype).encode(), a.tobytes()])
        if hasattr(value, "tobytes") and hasattr(value, "mode") and hasattr(value, "size"):
            return _digest([b"image:", str(value.mode).encode(), str(value.size).encode(),
                            value.tobytes()])  # fmt: skip
    except Exception:
        return None
    return None


def content_hashes(values: Iterable[Any], kind: str = "auto") -> np.ndarray:
    """:func:`content_hash` of every cell: object array of hex strings, None where unreadable."""
    return np.array([content_hash(v, kind) for v in values] + [None], dtype=object)[:-1]


def exact_duplicate(
    hashes: np.ndarray | dict[str, np.ndarray],
    labels: np.ndarray,
    class_names: Sequence[str] | None = None,
) -> CheckResult:
    """Exact duplicates: samples whose media content hashes are equal.

    ``hashes`` comes from :func:`content_hashes` (one array, or a dict role →
    array when there are several media columns; then all roles must match).
    Samples without a hash (unreadable or missing cells) are never duplicates.
    Extra column ``exact_duplicate_set``: the set id, −1 for none. Score 0.0
    for members of a set whose labels differ, 0.5 for other members, 1.0 for
    the rest.
    """
    labels = np.asarray(labels)
    n = len(labels)
    arrays = list(hashes.values()) if isinstance(hashes, dict) else [hashes]
    key = pd.Series(np.zeros(n, dtype=object))
    ok = np.ones(n, dtype=bool)
    for arr in arrays:
        arr = np.asarray(arr, dtype=object)
        ok &= pd.notna(arr)
        key = key.astype(str) + "|" + pd.Series(arr).astype(str)
    groups = np.full(n, -1, dtype=np.int64)
    if ok.any():
        codes, _ = pd.factorize(key[ok])
        counts = np.bincount(codes)
        groups[ok] = np.where(counts[codes] > 1, codes, -1)
    sets = _renumber(groups)
    flagged = sets >= 0
    conflict = _conflicting(sets, labels)
    score = np.where(conflict, 0.0, np.where(flagged, 0.5, 1.0))
    names = class_names if class_names is not None else [str(c) for c in range(labels.max() + 1)]
    n_sets = int(sets.max()) + 1 if flagged.any() else 0
    return CheckResult(
        issue_type="exact_duplicate",
        is_issue=flagged,
        score=score,
        description=(
            f"{n_sets} sets of samples with identical content (hash of the file bytes, "
            f"pixels, samples or normalised text); {int(conflict.sum())} samples are in "
            f"sets with different labels; {int((~ok).sum())} cells could not be read"
        ),
        extras={"exact_duplicate_set": sets},
        details=_set_details(sets, labels, names) if n_sets else None,
    )
