"""``lens.show()``: every view of one lens, laid out to fit the notebook width."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets

#: ``grid-area`` of a view spanning every column. (JupyterLab's widget manager, 3.0.x,
#: drops ``Layout.grid_column``; ``grid_area`` reaches the page.)
FULL_WIDTH = "auto / 1 / auto / -1"


def dashboard(
    views: Sequence[widgets.Widget],
    *,
    toolbar: widgets.Widget | None = None,
    gallery: widgets.Widget | None = None,
) -> widgets.GridBox:
    """Lay out the widgets it is handed in a responsive grid: two columns on a wide
    notebook, one on a narrow one.

    ``toolbar`` (the selection toolbar) runs across the top; ``gallery`` comes
    last, and fills its row when it would otherwise sit alone on it. Works with
    any widgets, so a custom dashboard can use it too::

        dashboard([lens.cluster_map(), lens.data_map()], gallery=lens.gallery())
    """
    children: list[widgets.Widget] = []
    if toolbar is not None:
        toolbar.layout.grid_area = FULL_WIDTH
        children.append(toolbar)
    children += views
    if gallery is not None:
        if len(views) % 2 == 0:
            # On a two-column notebook the gallery would sit alone on its row: let it fill
            # the row. After an odd number of views it completes the last row instead.
            gallery.layout.grid_area = FULL_WIDTH
        children.append(gallery)
    return widgets.GridBox(
        children,
        layout=widgets.Layout(
            grid_template_columns="repeat(auto-fit, minmax(440px, 1fr))",
            grid_gap="12px",
            width="100%",
        ),
    )
