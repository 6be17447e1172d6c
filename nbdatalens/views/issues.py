"""The Issues view: what the issue checks found, one row per check.

A click on a row selects the samples the check flagged (Shift adds, Alt
subtracts) and makes the check the table's ``active_issue``: the gallery then
sorts the selection worst first, and every other view highlights it. "tag"
tags all flagged samples of a check in one step. While the checks run, the
rows fill in as each finishes; the view reads the table model's ``issues``
trait (see docs/architecture.md) and never waits for the kernel.
"""

from __future__ import annotations

from typing import Any

import traitlets

from .base import View
from .bundles import bundle


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
