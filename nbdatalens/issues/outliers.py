"""Outliers: samples far from their embedding neighbours, relative to the rest."""

from __future__ import annotations

import numpy as np

from ..neighbors import KnnIndex
from .base import CheckResult


def far_fence(values: np.ndarray, iqr_factor: float) -> tuple[float, float]:
    """(median, Tukey's upper fence Q3 + ``iqr_factor`` × IQR) of ``values``."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return float(med), float(q3 + iqr_factor * max(q3 - q1, 1e-12))


def outlier(knn: KnnIndex, *, k: int = 10, iqr_factor: float = 3.0) -> CheckResult:
    """Outliers: the mean cosine distance to the ``k`` nearest neighbours is extreme.

    Definition: d_i = mean cosine distance (1 − similarity) of sample i to its
    ``k`` (default 10) nearest neighbours; on log d, a sample is flagged above
    Tukey's far-out fence Q3 + ``iqr_factor`` × IQR (default 3.0, the "far out"
    fence), computed over all samples. Logs make the rule scale-free and tame
    the long right tail of distances.

    Score: 4^(−e) with e = (log d − median) / (fence − median), clipped at 0:
    1.0 at or below the median distance, 0.25 at the fence, towards 0 beyond.
    Extra column ``outlier_distance``: d_i.
    """
    _, sim = knn.self_neighbors(k)
    n = sim.shape[0]
    d = np.maximum(1.0 - sim.astype(np.float64), 0.0).mean(axis=1) if n > 1 else np.zeros(n)
    logd = np.log(d + 1e-9)
    if n < 4:
        flagged = np.zeros(n, dtype=bool)
        score = np.ones(n)
    else:
        med, fence = far_fence(logd, iqr_factor)
        flagged = logd > fence
        excess = np.clip((logd - med) / max(fence - med, 1e-12), 0.0, None)
        score = np.power(4.0, -excess)
    return CheckResult(
        issue_type="outlier",
        is_issue=flagged,
        score=score,
        description=(
            f"{int(flagged.sum())} samples whose mean cosine distance to their {k} nearest "
            f"neighbours is past the far-out fence (log distance > Q3 + {iqr_factor} × IQR)"
        ),
        extras={"outlier_distance": d.astype(np.float32)},
        params={"k": k, "iqr_factor": iqr_factor},
    )
