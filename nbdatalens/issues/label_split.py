"""Label split: one class whose embedding forms two or more well-separated groups.

The "jaguar" case: cats and cars under one label. The check looks at each
class alone, on a random subsample of its embedding, and asks whether its own
k-nearest-neighbour graph falls apart into large pieces. A single blob, an
elongated cloud or a curved band stay connected in a kNN graph (each point's
neighbours are next to it along the shape), so only real gaps split a class;
this is why it does not cluster with k-means, which happily cuts a long
cluster in two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..neighbors import KnnIndex, exact_search
from .base import CheckResult

#: Subsampled members of a split class that the other members are matched to.
MAX_REFERENCE = 500


def _split_one(
    x: np.ndarray, k: int, min_fraction: float, min_size: int, min_gap: float
) -> tuple[np.ndarray, float] | None:
    """Group ids (−1 for a stray point in no large group) and the gap, or None when not split."""
    m = len(x)
    idx, sim = exact_search(x, x, k, exclude_offset=0)
    rows = np.repeat(np.arange(m), idx.shape[1])
    graph = coo_matrix((np.ones(rows.size, np.int8), (rows, idx.ravel())), shape=(m, m)).tocsr()
    mutual = graph.multiply(graph.T)  # i ~ j only when each is among the other's k nearest
    n_comp, comp = connected_components(mutual, directed=False)
    if n_comp < 2:
        return None
    sizes = np.bincount(comp)
    large = np.flatnonzero(sizes >= max(min_size, min_fraction * m))
    if large.size < 2:
        return None
    # the gap: the closest pair of points in different large groups, over the typical
    # distance to the k-th neighbour inside the class
    within = float(np.median(1.0 - sim[:, -1]))
    in_large = np.isin(comp, large)
    gaps = []
    for g in large:
        a = x[comp == g]
        b = x[in_large & (comp != g)]
        _, s = exact_search(b, a, 1)
        gaps.append(1.0 - float(s.max()))
    gap = min(gaps) / max(within, 1e-12)
    if gap < min_gap:
        return None
    groups = np.full(m, -1, dtype=np.int64)
    order = large[np.argsort(-sizes[large], kind="stable")]
    for gid, g in enumerate(order):
        groups[comp == g] = gid
    return groups, gap


def label_split(
    knn: KnnIndex,
    labels: np.ndarray,
    n_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    pred: np.ndarray | None = None,
    *,
    k: int = 10,
    max_per_class: int = 2000,
    min_fraction: float = 0.1,
    min_size: int = 10,
    min_gap: float = 1.0,
    seed: int = 0,
) -> CheckResult:
    """Classes whose samples form two or more well-separated groups in the embedding.

    Definition, per class with at least 2 × ``min_size`` samples, on a random
    subsample of at most ``max_per_class`` (default 2000) of its samples:

    1. build the mutual ``k``-nearest-neighbour graph (default k = 10, cosine)
       of the class's own samples: i and j are linked when each is among the
       other's k nearest. A mislabeled sample sitting among another class is
       nobody's near neighbour in this class, so it cannot bridge two groups;
    2. its connected components holding at least ``min_fraction`` (default 0.1)
       of the subsample and at least ``min_size`` (default 10) samples are the
       candidate groups; the class is split when there are two or more;
    3. and the groups are far apart: the closest pair across groups is at least
       ``min_gap`` (default 1.0) × the median distance from a sample of the class
       to its k-th neighbour in the class.

    With predictions (``pred``), the groups are looked for among the samples the
    model predicts as their given class only: mislabeled samples gather where
    their true class is, and would otherwise make every noisy class look split
    (that is the ``label`` check's finding). Both groups of a real split — the
    cats and the cars under "jaguar" — are ones the model learned as the class.

    Every sample of a split class is flagged and put in the group of its most
    similar sample among (at most 500 of) the grouped subsample (extra
    ``label_split_group``: 0 = the largest group, 1, ...; −1 for samples of
    classes that are not split). Score: 0.5 for samples of split classes, 1.0
    elsewhere. Details: one row per split
    class with its groups' sizes and the gap.
    """
    x = knn.data  # the normalised embedding; the index itself is not needed
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    n_classes = int(n_classes if n_classes is not None else (labels.max() + 1 if n else 0))
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    rng = np.random.default_rng(seed)
    group = np.full(n, -1, dtype=np.int64)
    rows = []
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_classes + 1))
    for c in range(n_classes):
        members = order[bounds[c] : bounds[c + 1]]
        agree = members if pred is None else members[np.asarray(pred)[members] == c]
        if agree.size < 2 * min_size:
            continue
        sub = agree
        if agree.size > max_per_class:
            sub = np.sort(rng.choice(agree, max_per_class, replace=False))
        found = _split_one(x[sub], min(k, sub.size - 1), min_fraction, min_size, min_gap)
        if found is None:
            continue
        sub_groups, gap = found
        keep = np.flatnonzero(sub_groups >= 0)
        if keep.size > MAX_REFERENCE:  # assigning every member costs members × references
            keep = np.sort(rng.choice(keep, MAX_REFERENCE, replace=False))
        ref, ref_groups = sub[keep], sub_groups[keep]
        nearest, _ = exact_search(x[ref], x[members], 1)
        group[members] = ref_groups[nearest[:, 0]]
        sizes = np.bincount(group[members])
        rows.append(
            {
                "class": names[c],
                "n_groups": sizes.size,
                "group_sizes": ", ".join(str(s) for s in sizes),
                "count": members.size,
                "gap": round(gap, 2),
            }
        )
    flagged = group >= 0
    score = np.where(flagged, 0.5, 1.0)
    listing = ", ".join(f"{r['class']} ({r['group_sizes']})" for r in rows[:10])
    return CheckResult(
        issue_type="label_split",
        is_issue=flagged,
        score=score,
        description=(
            f"{len(rows)} classes whose embedding falls into two or more well-separated groups "
            f"(disconnected {k}-NN graph within the class, each group ≥ {min_fraction:.0%})"
            + (f": {listing}" if listing else "")
        ),
        extras={"label_split_group": group},
        details=pd.DataFrame(rows) if rows else None,
        params={"k": k, "max_per_class": max_per_class, "min_fraction": min_fraction,
                "min_size": min_size, "min_gap": min_gap},
    )  # fmt: skip
