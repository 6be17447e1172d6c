"""Dataset Cartography (Swayamdipta et al., 2020): training-dynamics metrics and regions.

For sample i over E epochs, with p_e the probability the model gives to the
sample's *given* label after epoch e:

- ``confidence``  = mean(p_e)
- ``variability`` = std(p_e), population std (ddof=0)
- ``correctness`` = fraction of epochs whose argmax equals the given label

Example:
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.8, 0.9, 1.0], [0.2, 0.8, 0.2, 0.8]])
    >>> m = training_dynamics_metrics(p, p > 0.5)
    >>> m.confidence, m.variability
    (array([0.9, 0.5], dtype=float32), array([0.07071068, 0.3       ], dtype=float32))
    >>> assign_regions(m.confidence, m.variability).tolist()
    [0, 1]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from nbdatalens.probability import argmax_predictions, as_class_codes, given_label_probability
from nbdatalens.rowwise import class_major

REGIONS: tuple[str, ...] = ("easy-to-learn", "ambiguous", "hard-to-learn")
"""Region names; a region code indexes this tuple."""

EASY_TO_LEARN, AMBIGUOUS, HARD_TO_LEARN = 0, 1, 2
UNKNOWN_REGION = 255
"""Code for samples whose confidence or variability is NaN (no training dynamics)."""

# The std of values in [0, 1] is at most 0.5 (half the epochs at 0, half at 1),
# so 0.2 marks roughly the top 60 % of the possible range: samples the model
# keeps flipping on. The paper's other two regions are the low-variability
# corners, split at confidence 0.5 (the given label is, on average, the more
# likely outcome, or not). These keys are read by the browser to draw the
# region boundaries on the data map: keep them stable.
DEFAULT_THRESHOLDS: dict[str, float] = {"ambiguous_variability": 0.2, "easy_confidence": 0.5}


@dataclass(frozen=True, eq=False)
class CartographyMetrics:
    """Per-sample training-dynamics metrics, each a float32 array of shape ``(N,)``."""

    confidence: np.ndarray
    variability: np.ndarray
    correctness: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """Dict-style access, ``metrics["confidence"]``, for callers that treat it as a mapping."""
        if name not in ("confidence", "variability", "correctness"):
            raise KeyError(name)
        return getattr(self, name)

    def as_dict(self) -> dict[str, np.ndarray]:
        """The three arrays keyed by name, ready to become DataFrame columns."""
        return {
            "confidence": self.confidence,
            "variability": self.variability,
            "correctness": self.correctness,
        }

    def to_frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        """The metrics as a DataFrame (one row per sample)."""
        return pd.DataFrame(self.as_dict(), index=index)


def estimated_correct(p_given: npt.ArrayLike) -> np.ndarray:
    """Estimate per-epoch correctness from the given-label probability alone: ``p_e > 0.5``.

    Exact for two classes. With more classes the argmax can be the given label
    at ``p_e <= 0.5`` (e.g. 0.4 / 0.3 / 0.3), so this is a lower bound on the
    true correctness. Use it only when full probabilities were not recorded.
    """
    return np.asarray(p_given) > 0.5


def training_dynamics_metrics(
    p_given: npt.ArrayLike, correct: npt.ArrayLike | None = None
) -> CartographyMetrics:
    """Confidence, variability and correctness from per-epoch given-label probabilities.

    Args:
        p_given: ``(N, E)`` probability of each sample's given label after each epoch.
            A row containing NaN (a sample without dynamics) gives NaN in all three metrics.
        correct: ``(N, E)`` bool, whether the argmax after each epoch was the given
            label. ``None`` falls back to :func:`estimated_correct` (``p_e > 0.5``),
            exact for binary problems and a lower bound otherwise; pass the real
            values whenever full probabilities are available.

    Raises:
        ValueError: wrong shapes, no epochs, or probabilities outside ``[0, 1]``.
    """
    p = np.asarray(p_given)
    if p.ndim != 2:
        raise ValueError(f"p_given must be shaped (N, E), got shape {p.shape}")
    if p.shape[1] == 0:
        raise ValueError("p_given has no epochs (shape (N, 0)); record at least one epoch")
    if not np.issubdtype(p.dtype, np.floating):
        p = p.astype(np.float64)
    # fmin / fmax skip NaN (a row without dynamics) and allocate nothing.
    if p.size and (np.fmin.reduce(p, axis=None) < 0 or np.fmax.reduce(p, axis=None) > 1):
        rows = np.flatnonzero(((p < 0) | (p > 1)).any(axis=1))
        raise ValueError(
            f"p_given must be probabilities in [0, 1]; {rows.size} rows are not "
            f"(e.g. rows {rows[:5].tolist()})"
        )
    if correct is None:
        hits = estimated_correct(p)
    else:
        hits = np.asarray(correct)
        if hits.shape != p.shape:
            raise ValueError(f"correct must have the shape of p_given {p.shape}, got {hits.shape}")
        if hits.dtype != np.bool_:
            raise TypeError(f"correct must be a bool array, got dtype {hits.dtype}")

    n, epochs = p.shape
    confidence, variability, correctness = (np.empty(n, dtype=np.float32) for _ in range(3))
    # float64 accumulation (summing 1M x 20 float32 values loses digits otherwise), the
    # same two passes as np.std, over class-major row blocks (rowwise.class_major).
    for rows, block in class_major(p, dtype=np.float64):
        mean = block.sum(axis=0)
        mean /= epochs
        block -= mean
        block *= block
        var = block.sum(axis=0)
        var /= epochs
        confidence[rows] = mean
        variability[rows] = np.sqrt(var, out=var)
    for rows, block in class_major(hits, dtype=np.uint8):
        correctness[rows] = block.sum(axis=0, dtype=np.float64) / epochs
    correctness[np.isnan(confidence)] = np.nan
    return CartographyMetrics(confidence, variability, correctness)


def training_dynamics_from_probs(
    probs: npt.ArrayLike, label_codes: npt.ArrayLike
) -> CartographyMetrics:
    """Cartography metrics from full per-epoch probabilities ``(N, E, C)`` and given-label codes.

    Correctness is exact here: the per-epoch argmax is compared with the label.
    """
    arr = np.asarray(probs)
    if arr.ndim != 3:
        raise ValueError(f"probs must be shaped (N, E, C), got shape {arr.shape}")
    codes = as_class_codes(label_codes, arr.shape[2], length=arr.shape[0])
    p_given = given_label_probability(arr, codes)
    correct = argmax_predictions(arr) == codes[:, None]
    return training_dynamics_metrics(p_given, correct)


def _resolved_thresholds(thresholds: Mapping[str, float] | None) -> tuple[float, float]:
    merged = dict(DEFAULT_THRESHOLDS)
    if thresholds is not None:
        unknown = sorted(set(thresholds) - set(DEFAULT_THRESHOLDS))
        if unknown:
            raise ValueError(
                f"unknown thresholds {unknown}; expected keys {sorted(DEFAULT_THRESHOLDS)}"
            )
        merged.update(thresholds)
    ambiguous_variability = float(merged["ambiguous_variability"])
    easy_confidence = float(merged["easy_confidence"])
    if not 0 < ambiguous_variability <= 0.5:
        raise ValueError(
            "thresholds['ambiguous_variability'] must be in (0, 0.5] (the std of a "
            f"probability never exceeds 0.5), got {ambiguous_variability}"
        )
    if not 0 <= easy_confidence <= 1:
        raise ValueError(f"thresholds['easy_confidence'] must be in [0, 1], got {easy_confidence}")
    return ambiguous_variability, easy_confidence


def assign_regions(
    confidence: npt.ArrayLike,
    variability: npt.ArrayLike,
    thresholds: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Data-map region code per sample (uint8), indexing :data:`REGIONS`.

    - ambiguous (1): ``variability >= thresholds["ambiguous_variability"]``;
    - otherwise easy-to-learn (0): ``confidence >= thresholds["easy_confidence"]``;
    - otherwise hard-to-learn (2).

    ``thresholds`` may give either key or both; missing keys take
    :data:`DEFAULT_THRESHOLDS`. A sample whose confidence or variability is NaN
    (no training dynamics) gets :data:`UNKNOWN_REGION` (255), never a real region.
    """
    ambiguous_variability, easy_confidence = _resolved_thresholds(thresholds)
    conf = np.asarray(confidence)
    var = np.asarray(variability)
    if conf.ndim != 1 or conf.shape != var.shape:
        raise ValueError(
            "confidence and variability must be 1-D arrays of one length, "
            f"got shapes {conf.shape} and {var.shape}"
        )
    regions = np.where(conf >= easy_confidence, EASY_TO_LEARN, HARD_TO_LEARN).astype(np.uint8)
    regions[var >= ambiguous_variability] = AMBIGUOUS
    regions[np.isnan(conf) | np.isnan(var)] = UNKNOWN_REGION
    return regions
