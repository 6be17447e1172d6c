"""Issue checks: plain functions on numpy arrays that find what is wrong with the data.

Each family lives in its own module and returns :class:`~nbdatalens.issues.base.CheckResult`;
nothing here imports a widget. :mod:`.runner` runs every check the inputs allow
(:func:`run_checks`) and builds the summary and per-sample frames.
"""

from .balance import class_imbalance
from .base import CheckResult, NotRun
from .coverage import coverage
from .duplicates import content_hashes, exact_duplicate, near_duplicate
from .groups import underperforming_group
from .label_split import label_split
from .outliers import outlier
from .runner import IssueInputs, issues_frame, register, run_checks, summary_frame

__all__ = [
    "CheckResult",
    "IssueInputs",
    "NotRun",
    "class_imbalance",
    "content_hashes",
    "coverage",
    "exact_duplicate",
    "issues_frame",
    "label_split",
    "near_duplicate",
    "outlier",
    "register",
    "run_checks",
    "summary_frame",
    "underperforming_group",
]
