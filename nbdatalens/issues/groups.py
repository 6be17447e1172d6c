"""Underperforming groups: clusters of the embedding where the model is far worse than overall."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..neighbors import KnnIndex, spherical_kmeans
from ..neighbors import _nearest as nearest_centroid
from .base import CheckResult

#: Rows the clustering is fitted on (all rows are then assigned to a cluster).
FIT_ROWS = 50_000


def default_n_clusters(n: int, *, per_cluster: int = 200, max_clusters: int = 50) -> int:
    """The k rule: one cluster per ``per_cluster`` samples, between 2 and ``max_clusters``."""
    return int(np.clip(n // per_cluster, 2, max_clusters))


def cluster_embedding(
    x: np.ndarray, n_clusters: int, *, seed: int = 0, fit_rows: int = FIT_ROWS
) -> np.ndarray:
    """Cluster id per row of ``x`` (L2-normalised rows): spherical k-means (k-means++
    seeding, 20 Lloyd iterations) fitted on a seeded subsample of at most ``fit_rows`` rows."""
    n = len(x)
    n_clusters = min(n_clusters, n)
    rng = np.random.default_rng(seed)
    sample = x if n <= fit_rows else x[np.sort(rng.choice(n, fit_rows, replace=False))]
    centroids = spherical_kmeans(sample, n_clusters, iterations=20, seed=seed, init="k-means++")
    return nearest_centroid(x, centroids)[:, 0]


def underperforming_group(
    knn: KnnIndex,
    labels: np.ndarray,
    pred: np.ndarray,
    *,
    n_clusters: int | None = None,
    max_ratio: float = 0.75,
    min_size: int = 20,
    seed: int = 0,
) -> CheckResult:
    """Clusters of the embedding whose accuracy is far below the overall accuracy.

    Definition: the embedding is clustered by spherical k-means (cosine), with
    ``n_clusters`` = :func:`default_n_clusters` (one cluster per 200 samples,
    between 2 and 50) unless given, fitted on at most 50,000 seeded rows. A
    cluster of at least ``min_size`` (default 20) samples underperforms when its
    accuracy (prediction == given label) ≤ ``max_ratio`` (default 0.75) × the
    overall accuracy. Its samples are flagged.

    Extra ``underperforming_group``: the cluster id of flagged samples, −1
    elsewhere. Score: cluster accuracy / overall accuracy for flagged samples,
    1.0 elsewhere. Details: every cluster with its size, accuracy and whether
    it underperforms, worst first.
    """
    labels = np.asarray(labels, dtype=np.int64)
    pred = np.asarray(pred, dtype=np.int64)
    n = len(labels)
    correct = pred == labels
    overall = float(correct.mean()) if n else 0.0
    k = n_clusters or default_n_clusters(n)
    cluster = cluster_embedding(knn.data, k, seed=seed)
    sizes = np.bincount(cluster, minlength=k)
    hits = np.bincount(cluster, weights=correct, minlength=k)
    acc = np.divide(hits, sizes, out=np.zeros(k), where=sizes > 0)
    bad = (sizes >= min_size) & (acc <= max_ratio * overall)
    flagged = bad[cluster]
    score = np.ones(n)
    if flagged.any() and overall > 0:
        score[flagged] = acc[cluster[flagged]] / overall
    details = pd.DataFrame(
        {"cluster": np.arange(k), "size": sizes, "accuracy": acc, "underperforming": bad}
    )
    details = details[details["size"] > 0].sort_values("accuracy").reset_index(drop=True)
    worst = details[details["underperforming"]]
    listing = ", ".join(
        f"#{r.cluster} ({r.accuracy:.0%} of {r.size})" for r in worst.head(5).itertuples()
    )
    return CheckResult(
        issue_type="underperforming_group",
        is_issue=flagged,
        score=score,
        description=(
            f"{int(bad.sum())} of {k} embedding clusters have accuracy ≤ {max_ratio} × the "
            f"overall {overall:.1%}" + (f": {listing}" if listing else "")
        ),
        extras={"underperforming_group": np.where(flagged, cluster, -1)},
        details=details,
        params={"n_clusters": k, "max_ratio": max_ratio, "min_size": min_size},
    )
