"""Split coverage: regions of the embedding that one split has and the other lacks.

"A region of the feature space with no validation images": training samples
where the validation split has (almost) no samples, and validation samples
where the training split has none. Regions are fine clusters of the embedding;
in each, the split's observed count is compared with the count expected if the
two splits were drawn from the same distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import poisson

from ..neighbors import KnnIndex
from .base import CheckResult
from .groups import cluster_embedding

#: Accepted split values (casefolded) → canonical split.
SPLIT_NAMES = {
    "train": "train", "training": "train", "trn": "train",
    "validation": "validation", "valid": "validation", "val": "validation", "dev": "validation",
    "test": "test", "testing": "test", "tst": "test", "holdout": "test",
}  # fmt: skip


def split_codes(split: np.ndarray, name: str = "split") -> np.ndarray:
    """Canonical split names ("train" / "validation" / "test") of every row.

    Raises a ValueError naming the column and the values it does not know.
    """
    values = pd.Series(np.asarray(split, dtype=object))
    text = values.map(lambda v: SPLIT_NAMES.get(str(v).strip().casefold()) if pd.notna(v) else None)
    unknown = values[text.isna()]
    if len(unknown):
        shown = sorted({str(v) for v in unknown.unique()})[:5]
        raise ValueError(
            f"column {name!r}: unknown split values {shown} ({len(unknown)} rows); "
            f"expected train / validation / test"
        )
    return text.to_numpy(dtype=object)


def coverage(
    knn: KnnIndex,
    split: np.ndarray,
    *,
    min_expected: float = 10.0,
    max_ratio: float = 0.25,
    alpha: float = 1e-4,
    samples_per_region: int = 30,
    seed: int = 0,
) -> CheckResult:
    """Training samples in regions without validation samples, and the reverse.

    Definition: the evaluation split is ``validation`` (``test`` when there is
    no validation split). The training and evaluation samples are cut into
    regions by spherical k-means, with one region per ``samples_per_region``
    (default 30) evaluation samples (2 to 256 regions). In a region with t
    training and v evaluation samples, the evaluation count expected from the
    split sizes is λ = (t + v) × V / (T + V). The region lacks evaluation
    samples when λ ≥ ``min_expected`` (default 10), v ≤ ``max_ratio`` (default
    0.25) × λ, and the Poisson probability P(X ≤ v | λ) < ``alpha`` (default
    1e-4); its training samples are flagged. The same rule with the roles
    swapped flags evaluation samples in regions lacking training samples.

    Score: v / λ (or t / its λ) for flagged samples, 1.0 elsewhere (test
    samples when validation is the evaluation split are never flagged). Extra
    ``coverage_region``: the region id of flagged samples, −1 elsewhere.
    Details: one row per region lacking a split.
    """
    codes = split_codes(split)
    n = len(codes)
    train = codes == "train"
    other = "validation" if (codes == "validation").any() else "test"
    evals = codes == other
    t_all, v_all = int(train.sum()), int(evals.sum())
    flagged = np.zeros(n, dtype=bool)
    score = np.ones(n)
    region_col = np.full(n, -1, dtype=np.int64)
    rows = []
    if t_all and v_all:
        used = np.flatnonzero(train | evals)
        k = int(np.clip(v_all // samples_per_region, 2, 256))
        region = cluster_embedding(knn.data[used] if used.size < n else knn.data, k, seed=seed)
        t = np.bincount(region, weights=train[used], minlength=k)
        v = np.bincount(region, weights=evals[used], minlength=k)
        share_v = v_all / (t_all + v_all)
        for lacking, obs, mask, frac in (
            (other, v, train, share_v),
            ("train", t, evals, 1.0 - share_v),
        ):
            lam = (t + v) * frac
            bad = (lam >= min_expected) & (obs <= max_ratio * lam) & (poisson.cdf(obs, lam) < alpha)
            hit = bad[region] & mask[used]
            rows_hit = used[hit]
            flagged[rows_hit] = True
            score[rows_hit] = obs[region[hit]] / lam[region[hit]]
            region_col[rows_hit] = region[hit]
            for r in np.flatnonzero(bad):
                rows.append(
                    {"region": int(r), "lacks": lacking, "n_train": int(t[r]),
                     f"n_{other}": int(v[r]), "expected": round(float(lam[r]), 1)}
                )  # fmt: skip
    desc = (
        f"{int(flagged.sum())} samples in {len(rows)} regions of the embedding where one split "
        f"(train / {other}) has at most {max_ratio:.0%} of the samples its size predicts"
    )
    if not (t_all and v_all):
        desc = (
            f"no comparison: needs both train and validation (or test) samples; "
            f"found {t_all} train and {v_all} {other}"
        )
    return CheckResult(
        issue_type="coverage",
        is_issue=flagged,
        score=score,
        description=desc,
        extras={"coverage_region": region_col},
        details=pd.DataFrame(rows) if rows else None,
        params={"min_expected": min_expected, "max_ratio": max_ratio, "alpha": alpha,
                "samples_per_region": samples_per_region},
    )  # fmt: skip
