"""The Issues view: what the issue checks found, one row per check.

A click on a row selects the samples the check flagged (Shift adds, Alt
subtracts) and makes the check the table's ``active_issue``: the gallery then
sorts the selection worst first, and every other view highlights it. "tag"
tags all flagged samples of a check in one step. While the checks run, the
rows fill in as each finishes; the view reads the table model's ``issues``
trait (see docs/architecture.md) and never waits for the kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets

from ..annotations import check_tag
from ..issue_report import issue_tag
from ..transport import array_payload
from .base import View
from .bundles import bundle

if TYPE_CHECKING:
    from ..annotations import Annotations
    from ..issue_report import IssueReport
    from .table_model import TableModel


class IssuesView(View):
    """One row per issue check: its count and share, a click selects the flagged samples.

    Parameters (traits)
    ----------
    height:
        int, default 0 — 0 lets the view be as tall as its rows; a positive
        value fixes it (the rows scroll).

    Example
    -------
    >>> lens.find_issues()                 # doctest: +SKIP
    >>> lens.issues_view()                 # doctest: +SKIP
    """

    _esm = bundle("issues.js")
    _css = bundle("issues.css")

    #: int — height in pixels; 0 (default) = as tall as the rows need.
    height = traitlets.Int(0).tag(sync=True)

    @traitlets.validate("height")
    def _check_height(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if value != 0 and value < self.MIN_HEIGHT:
            raise ValueError(
                f"height must be 0 (automatic) or at least {self.MIN_HEIGHT} pixels, got {value}"
            )
        return value


def _payload(report: IssueReport, issue_type: str) -> dict[str, Any]:
    return array_payload(report.ranked_positions(issue_type).astype(np.int64))


def connect_issues(model: TableModel, report: IssueReport, annotations: Annotations) -> None:
    """Keep ``model.issues`` in step with ``report`` (from whichever thread runs the checks)
    and serve the Issues view's ``tag_issue`` message."""

    def publish() -> None:
        types = report.view_state()
        flagged = {
            t["issue_type"]: _payload(report, t["issue_type"])
            for t in types
            if t["state"] == "done"
        }
        scores = [f"{t['issue_type']}_score" for t in types if t["state"] == "done"]
        with model.hold_sync():
            model.issues = {"types": types, "flagged": flagged}
            extra = [c for c in scores if c not in model.column_names]
            if extra:
                model.column_names = [*model.column_names, *extra]
            for name in scores:  # a colour-by already showing a score follows a re-run
                model.refresh_extra(name)

    def tag_issue(content: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        issue_type = str(content.get("issue_type", ""))
        tag = check_tag(content.get("tag") or issue_tag(issue_type))
        positions = report.ranked_positions(issue_type)
        changed = annotations.tag(positions, tag)
        count = len(positions)
        message = f"tagged {changed:,} of the {count:,} flagged samples {tag}"
        return {"changed": changed, "count": count, "tag": tag, "message": message}, []

    report.observe(publish)
    model.add_handler("tag_issue", tag_issue)
    if report.states:
        publish()
