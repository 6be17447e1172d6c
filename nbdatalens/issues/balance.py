"""Class imbalance: classes whose support is far below the median class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .base import CheckResult


def class_imbalance(
    labels: np.ndarray,
    n_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    *,
    ratio: float = 0.2,
) -> CheckResult:
    """Rare classes: support below ``ratio`` × the median support.

    Definition: over the classes that occur as a given label at least once
    (a class that is only ever predicted has no samples to flag), a class is
    rare when its count < ``ratio`` (default 0.2) × the median class count.
    Every sample of a rare class is flagged.

    Score: count / (median count) for the samples of rare classes (below
    ``ratio``, so smaller classes rank first), 1.0 for every other sample.
    Details: one row per rare class with its count, its share and the median.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    n_classes = int(n_classes if n_classes is not None else (labels.max() + 1 if n else 0))
    counts = np.bincount(labels, minlength=n_classes)
    present = counts > 0
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    if present.sum() < 2:
        rare = np.zeros(n_classes, dtype=bool)
        median = float(counts[present].max()) if present.any() else 0.0
    else:
        median = float(np.median(counts[present]))
        rare = present & (counts < ratio * median)
    flagged = rare[labels] if n else np.zeros(0, dtype=bool)
    score = np.ones(n)
    if flagged.any():
        score[flagged] = counts[labels[flagged]] / median
    rare_codes = np.flatnonzero(rare)
    details = pd.DataFrame(
        {
            "class": [names[c] for c in rare_codes],
            "count": counts[rare_codes],
            "share": counts[rare_codes] / max(n, 1),
            "median_class_count": median,
        }
    ).sort_values("count")
    listing = ", ".join(f"{names[c]} ({counts[c]})" for c in rare_codes[:10])
    return CheckResult(
        issue_type="class_imbalance",
        is_issue=flagged,
        score=score,
        description=(
            f"{rare_codes.size} classes with fewer than {ratio} × the median class count "
            f"({median:g})" + (f": {listing}" if listing else "")
        ),
        details=details if rare_codes.size else None,
        params={"ratio": ratio},
    )
