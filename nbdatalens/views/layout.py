"""``lens.show()``: every view of one lens, laid out to fit the notebook width."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

if TYPE_CHECKING:
    from ..lens import DataLens

#: ``grid-area`` of a view spanning every column. (JupyterLab's widget manager, 3.0.x,
#: drops ``Layout.grid_column``; ``grid_area`` reaches the page.)
FULL_WIDTH = "auto / 1 / auto / -1"


def dashboard(lens: DataLens) -> widgets.GridBox:
    """A responsive grid: two columns on a wide notebook, one on a narrow one.

    The selection toolbar (tag, relabel, save, export) runs across the top.

    Views that have nothing to show for this table (no dynamics → no data
    map, no prediction → no confusion matrix) are left out rather than drawn
    empty.
    """
    table = lens.table
    views: list[widgets.Widget] = []
    if table.pred_codes is not None:
        views.append(lens.confusion_matrix())
    if table.has_dynamics:
        views.append(lens.data_map())
    if table.embedding is not None or table.xy is not None:
        views.append(lens.cluster_map())
    gallery = lens.gallery()
    if len(views) % 2 == 0:
        # On a two-column notebook the gallery would sit alone on its row: let it fill
        # the row. After an odd number of views it completes the last row instead.
        gallery.layout.grid_area = FULL_WIDTH
    toolbar = lens.toolbar()
    toolbar.layout.grid_area = FULL_WIDTH  # the selection toolbar runs across the top
    return widgets.GridBox(
        [toolbar, *views, gallery],
        layout=widgets.Layout(
            grid_template_columns="repeat(auto-fit, minmax(440px, 1fr))",
            grid_gap="12px",
            width="100%",
        ),
    )
