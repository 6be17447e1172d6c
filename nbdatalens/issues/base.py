"""What every issue check returns.

A check is a plain function on numpy arrays (no widgets, no pandas index): it
gets row-aligned arrays and returns a :class:`CheckResult` whose arrays are
row-aligned too. The runner (:mod:`nbdatalens.issues.runner`) turns results
into ``lens.issues`` (``is_<type>_issue``, ``<type>_score`` and the extras,
indexed by sample id) and ``lens.issue_summary`` (one row per check).

Scores follow cleanlab Datalab's convention: a float in [0, 1] per sample,
*lower = more severe*; 1.0 where the check has nothing against a sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class CheckResult:
    """The outcome of one issue check over N samples."""

    #: the issue type, e.g. ``"label"``, ``"near_duplicate"`` (names the columns)
    issue_type: str
    #: bool (N,): the samples flagged
    is_issue: np.ndarray
    #: float (N,) in [0, 1], lower = more severe; 1.0 where nothing is wrong
    score: np.ndarray
    #: one sentence for the summary: what was found, by which definition
    description: str
    #: more per-sample columns (N,), named as they appear in ``lens.issues``
    #: (e.g. ``suggested_label`` codes, ``duplicate_set``, ``corrupt_reason``)
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    #: optional per-group detail (e.g. one row per rare class with its count,
    #: one row per split class), shown in the summary's ``details``
    details: pd.DataFrame | None = None
    #: parameters the check ran with (thresholds), for the record
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.is_issue = np.asarray(self.is_issue, dtype=bool)
        self.score = np.clip(np.asarray(self.score, dtype=np.float64), 0.0, 1.0)
        if self.is_issue.shape != self.score.shape or self.is_issue.ndim != 1:
            raise ValueError(
                f"check {self.issue_type!r}: is_issue {self.is_issue.shape} and score "
                f"{self.score.shape} must both be (N,)"
            )
        for name, values in self.extras.items():
            if len(values) != len(self.score):
                raise ValueError(
                    f"check {self.issue_type!r}: extra column {name!r} has {len(values)} "
                    f"values for {len(self.score)} samples"
                )

    @property
    def num_issues(self) -> int:
        return int(self.is_issue.sum())

    def ranked(self) -> np.ndarray:
        """Row positions of the flagged samples, most severe (lowest score) first."""
        flagged = np.flatnonzero(self.is_issue)
        return flagged[np.argsort(self.score[flagged], kind="stable")]


@dataclass(frozen=True)
class NotRun:
    """A check the roles did not allow, with the reason (``"needs an embedding"``)."""

    issue_type: str
    reason: str
    description: str = ""


def rank_scores(values: np.ndarray, *, higher_is_worse: bool = True) -> np.ndarray:
    """Turn any per-sample severity into a [0, 1] score, lower = more severe.

    Uses the empirical rank (ties share the mean rank), so scores from
    different signals are comparable and robust to scale. NaN stays NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if not ok.any():
        return out
    ranks = pd.Series(values[ok]).rank(method="average").to_numpy()
    frac = (ranks - 0.5) / ok.sum()
    out[ok] = 1.0 - frac if higher_is_worse else frac
    return out
