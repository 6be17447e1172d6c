"""Issue checks: plain functions on numpy arrays that find what is wrong with the data.

Each family lives in its own module and returns :class:`~nbdatalens.issues.base.CheckResult`;
nothing here imports a widget.
"""

from .base import CheckResult, NotRun

__all__ = ["CheckResult", "NotRun"]
