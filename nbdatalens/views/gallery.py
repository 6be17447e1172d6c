"""The gallery: thumbnails (or waveforms, or text) of the selected samples.

With nothing selected it shows a seeded random sample of the table, because
looking at the data is where finding its problems starts. Which rows to show
and their order are worked out in the browser from the table model; only the
thumbnails of the tiles about to be shown come from the kernel
(:mod:`nbdatalens.views.requests`).
"""

from __future__ import annotations

from typing import Any

import traitlets

from .base import View
from .bundles import bundle
from .table_model import TableModel

#: The sort keys, as the ``sort_by`` trait takes them.
SORT_KEYS = ("issue", "loss", "confidence", "margin", "label", "table")
#: Smallest and largest ``tile_size`` in pixels.
TILE_SIZE_RANGE = (32, 256)
#: Largest ``sample_size``: a sample is for looking at, not for scrolling.
MAX_SAMPLE_SIZE = 10_000


class Gallery(View):
    """Tiles of the current selection, sorted by a metric; a random sample when empty.

    Parameters (all traits, settable later too)
    ----------
    sort_by:
        str, default ``"loss"`` — one of ``"issue"`` (the issue check last
        picked in the Issues view, most severe first; picking a check switches
        to it), ``"loss"``, ``"confidence"``, ``"margin"``, ``"label"`` (grouped
        by class, highest loss first in each) or ``"table"`` (table order). A
        key the table has no values for falls back to the first one it has.
    descending:
        bool, default ``True`` — highest first.
    tile_size:
        int, default 96 — thumbnail edge in pixels, 32 to 256.
    sample_size:
        int, default 60 — how many random rows to show when nothing is selected.
    sample_seed:
        int, default 0 — seed of that random sample (the "shuffle" button
        increments it), so the sample is stable across redraws.
    height:
        int, default 460 — pixels.

    Example
    -------
    >>> g = lens.gallery(sort_by="margin", descending=False, tile_size=64)  # doctest: +SKIP
    >>> lens.select(lens.derived.query("loss > 2").index)  # the gallery follows  # doctest: +SKIP
    """

    _esm = bundle("gallery.js")
    _css = bundle("gallery.css")
    DRAWN_AS = "gallery"

    #: str — sort key, see the class docstring (default ``"loss"``).
    sort_by = traitlets.Unicode("loss").tag(sync=True)
    #: bool — sort highest first (default True).
    descending = traitlets.Bool(True).tag(sync=True)
    #: int — thumbnail size in pixels, 32..256 (default 96).
    tile_size = traitlets.Int(96).tag(sync=True)
    #: int — random-sample size shown when nothing is selected (default 60).
    sample_size = traitlets.Int(60).tag(sync=True)
    #: int — seed of the random sample (default 0).
    sample_seed = traitlets.Int(0).tag(sync=True)
    #: int — height of the view in pixels (default 460).
    height = traitlets.Int(460).tag(sync=True)
    #: str — what the tiles show; set from the table's roles, not by the user.
    _media_kind = traitlets.Unicode("none").tag(sync=True)
    #: bool — the table has an embedding, so the detail panel offers "find similar".
    _can_find_similar = traitlets.Bool(False).tag(sync=True)

    def __init__(self, table: TableModel, **kwargs: Any) -> None:
        super().__init__(table, **kwargs)
        self._media_kind = table.table.media_role
        self._can_find_similar = table.table.embedding is not None

    @traitlets.validate("sort_by")
    def _check_sort_by(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value not in SORT_KEYS:
            raise ValueError(f"sort_by must be one of {list(SORT_KEYS)}, got {value!r}")
        return value

    @traitlets.validate("tile_size")
    def _check_tile_size(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        low, high = TILE_SIZE_RANGE
        if not low <= value <= high:
            raise ValueError(f"tile_size must be between {low} and {high} pixels, got {value}")
        return value

    @traitlets.validate("sample_size")
    def _check_sample_size(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if not 1 <= value <= MAX_SAMPLE_SIZE:
            raise ValueError(f"sample_size must be between 1 and {MAX_SAMPLE_SIZE}, got {value}")
        return value
