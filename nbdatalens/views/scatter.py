"""The two scatter views: the Dataset Cartography data map and the cluster map.

Both draw every sample of the shared table as a point, from the typed-array
columns the browser already holds (nothing is copied per view), and both
select with a lasso or a box; the selection is written to the table model
on mouse-up, so every other view follows in the browser.

Attributes the page exposes on the view's root element (``.nbdl-scatter``),
for tests and benchmarks:

- ``data-ready="1"`` once the first frame is drawn (or the "nothing to
  show" message is up);
- ``data-selected-count``: number of selected rows;
- ``data-n-drawn``: points whose centre lies on the plot area;
- ``data-domain="x0,x1,y0,y1"``: data coordinates of the plot area's left,
  right, bottom and top edges;
- ``data-plot-rect="left,top,width,height"``: the plot area in CSS pixels
  relative to the root element's top-left corner. The plot area is also the
  box of the ``canvas.nbdl-scatter-points`` element, so a test can map a
  screen position ``(sx, sy)`` to data with that canvas's bounding box ``b``:
  ``x = x0 + (sx - b.x) / b.width * (x1 - x0)``,
  ``y = y1 - (sy - b.y) / b.height * (y1 - y0)``;
- ``data-frame-ms``: time of the last full redraw; ``data-lasso-ms``: time
  of the last lasso hit test; ``data-frame-path``: how the last frame was made
  (``full``, ``front-only``, ``copy``); ``data-prepared``: ``1`` once the
  dimmed picture is kept, so the next selection draws only its own points;
- ``data-grid-builds`` / ``data-grid-ms``: how often the point index (hover
  and lasso) was built (only when the coordinates change: a pan or zoom keeps
  it) and how long the last build's steps took in all.
"""

from __future__ import annotations

from typing import Any

import traitlets

from .base import View
from .bundles import bundle
from .table_model import TableModel

MODES = ("lasso", "box", "pan")


class Scatter(View):
    """Shared behaviour of :class:`DataMap` and :class:`ClusterMap` (not used directly).

    Interactions: lasso (default), box or pan mouse mode from the toolbar;
    the wheel zooms around the cursor; drag with the middle button or with
    Space held to pan in any mode; double-click or "Reset" fits the data.
    Shift adds to the selection, Alt subtracts, Escape clears; clicking a
    point selects it, clicking empty space clears. Hover shows a tooltip
    (label, prediction, loss, data-map metrics and the sample id).
    """

    _esm = bundle("scatter.js")
    _css = bundle("scatter.css")

    #: str — ``"data_map"`` or ``"cluster_map"``; fixed by the class.
    kind = traitlets.Unicode("", read_only=True).tag(sync=True)
    #: str — the column that colours the points; one of the table's
    #: ``column_names`` (coded columns get a palette and a clickable legend,
    #: numeric ones viridis and a colour bar). Synced: the menu in the view sets it too.
    color_by = traitlets.Unicode("label").tag(sync=True)
    #: float — point diameter in CSS pixels; 0 (default) sizes points by their
    #: number and grows them when zoomed in.
    point_size = traitlets.Float(0.0).tag(sync=True)
    #: str — what a drag does: ``"lasso"`` (default), ``"box"`` or ``"pan"``.
    mode = traitlets.Unicode("lasso").tag(sync=True)
    #: int — height of the whole view in pixels (default 420).
    height = traitlets.Int(420).tag(sync=True)
    MIN_HEIGHT = 160

    def __init__(self, table: TableModel, **kwargs: Any) -> None:
        if "kind" in kwargs:
            raise TypeError(
                f"{type(self).__name__}: kind is fixed by the class; "
                "use DataMap for the data map and ClusterMap for the cluster map"
            )
        super().__init__(table, **kwargs)

    def colourable_columns(self) -> list[str]:
        """Columns this view can colour by: the table's ``column_names`` plus
        ``correctness`` (the data map's default) when the table has it."""
        names = list(self.table.column_names)
        if "correctness" in self.table.column_info and "correctness" not in names:
            names.append("correctness")
        return names

    @traitlets.validate("color_by")
    def _check_color_by(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        table = self.table
        if table is None:  # during construction the table is set first; be safe anyway
            return value
        names = self.colourable_columns()
        if value not in names:
            raise ValueError(
                f"color_by {value!r} is not a column this view can colour by; choose one of {names}"
            )
        return value

    @traitlets.validate("mode")
    def _check_mode(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {value!r}")
        return value

    @traitlets.validate("point_size")
    def _check_point_size(self, proposal: dict[str, Any]) -> float:
        value = proposal["value"]
        if not (0 <= value <= 50):
            raise ValueError(f"point_size must be between 0 (automatic) and 50 pixels, got {value}")
        return value


class DataMap(Scatter):
    """The Dataset Cartography data map: variability (x) against confidence (y).

    Axes are fixed (variability 0–0.5, confidence 0–1; zoom to look closer)
    and the three regions (easy-to-learn, ambiguous, hard-to-learn) are
    shaded from the table's thresholds. Points are coloured by
    ``correctness`` by default, as in Swayamdipta et al. (2020). A table
    without training dynamics shows a message instead of an empty plot.

    Example
    -------
    >>> from nbdatalens import DataLens
    >>> from nbdatalens.datasets import load_digits_demo
    >>> lens = DataLens(load_digits_demo(), projection="pca")
    >>> dm = lens.data_map(color_by="loss")
    >>> dm.kind, dm.color_by
    ('data_map', 'loss')
    """

    kind = traitlets.Unicode("data_map", read_only=True).tag(sync=True)
    DRAWN_AS = "data_map"
    #: str — colour column (default ``"correctness"``, continuous, viridis).
    color_by = traitlets.Unicode("correctness").tag(sync=True)


class ClusterMap(Scatter):
    """The 2-D map of the embeddings (or the given ``x``/``y``), coloured by label.

    With ``projection="umap"`` the fast PCA layout appears at once and UMAP
    replaces it when ready (points glide to their new place; the selection
    is kept); the header shows the method and the progress. A table without
    an embedding shows a message instead of an empty plot.

    Example
    -------
    >>> from nbdatalens import DataLens
    >>> from nbdatalens.datasets import load_digits_demo
    >>> lens = DataLens(load_digits_demo(), projection="pca")
    >>> cm = lens.cluster_map(color_by="pred", mode="box")
    >>> cm.kind, cm.color_by, cm.mode
    ('cluster_map', 'pred', 'box')
    """

    kind = traitlets.Unicode("cluster_map", read_only=True).tag(sync=True)
    DRAWN_AS = "cluster_map"
    #: str — colour column (default ``"label"``).
    color_by = traitlets.Unicode("label").tag(sync=True)
