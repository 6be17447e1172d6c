"""The selection toolbar: act on whatever the views selected.

It shows "k of N selected" and offers, for the current selection: tags (the
built-ins and free text; a tag every selected sample already carries is
removed by a second click), a corrected label, saving the selection under a
name (the regression set for ``lens.evaluate``), and export to a file in the
kernel's working directory (the toolbar then shows the absolute path, or the
error). "select tagged" selects every sample with a tag, in the browser.
Escape clears the selection.

Its actions are custom messages to the **table model** (see
:mod:`nbdatalens.views.annotation_messages`), not to this widget, so any view
of the table can send the same ones; the results come back through the
table model's ``annotations``, ``tag_names`` and ``saved_selections`` traits,
which every view can read.
"""

from __future__ import annotations

from typing import Any

import traitlets

from ..export import FORMATS
from .base import View
from .bundles import bundle


class SelectionToolbar(View):
    """Tag, relabel, save and export the current selection from the page.

    Parameters (all traits)
    ----------
    export_format:
        str, default ``"csv"`` — the format the Export control starts with:
        ``"csv"``, ``"json"``, ``"jsonl"``, ``"parquet"`` or ``"label-studio"``.
    height:
        int, default 0 — 0 lets the toolbar be as tall as its controls need
        (they wrap on a narrow notebook); a positive value fixes it.

    Example
    -------
    >>> lens.toolbar()                         # doctest: +SKIP
    >>> lens.toolbar(export_format="label-studio")  # doctest: +SKIP
    """

    _esm = bundle("toolbar.js")
    _css = bundle("toolbar.css")

    #: str — format the Export control starts with (default ``"csv"``).
    export_format = traitlets.Unicode("csv").tag(sync=True)
    #: int — height in pixels; 0 (default) = as tall as the controls need.
    height = traitlets.Int(0).tag(sync=True)

    @traitlets.validate("export_format")
    def _check_format(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value not in FORMATS:
            raise ValueError(f"export_format must be one of {list(FORMATS)}, got {value!r}")
        return value

    @traitlets.validate("height")
    def _check_height(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if value < 0:
            raise ValueError(f"height must be 0 (automatic) or a number of pixels, got {value}")
        return value
