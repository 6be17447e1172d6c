"""``lens.show()`` as ONE anywidget, for hosts that show anywidgets but not ipywidgets
containers (marimo refuses the ``GridBox`` of :mod:`.layout`: "Jupyter widgets are not
supported in marimo").

The :class:`Dashboard` holds references to the child views (the same widgets
``layout.dashboard`` lays out) and the page draws each child with its own view's
render function, in the same responsive grid (``js/src/dashboard.ts``). When the page
changes the selection, the dashboard copies it into its own ``selection`` trait, so a
host that re-runs code on the wrapped widget's updates (marimo) hears every selection.
In marimo, :func:`for_marimo` wraps it in ``mo.ui.anywidget``: a cell that reads
``dash.selected`` (or ``dash.value``) re-runs when the selection changes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets
from ipywidgets import widget_serialization

from ..transport import bytes_serialization
from .base import View
from .bundles import bundle
from .confusion import ConfusionMatrix
from .gallery import Gallery
from .issues import IssuesView
from .scatter import Scatter
from .table_model import TableModel
from .toolbar import SelectionToolbar

#: View class → the ``kind`` that picks its render function in js/src/dashboard.ts.
KINDS: tuple[tuple[type[View], str], ...] = (
    (ConfusionMatrix, "confusion"),
    (Scatter, "scatter"),
    (Gallery, "gallery"),
    (IssuesView, "issues"),
    (SelectionToolbar, "toolbar"),
)


def kind_of(view: View) -> str:
    """The dashboard kind of a view; TypeError for a widget the dashboard cannot draw."""
    for cls, kind in KINDS:
        if isinstance(view, cls):
            return kind
    raise TypeError(
        f"the dashboard draws nbdatalens views only ({', '.join(c.__name__ for c, _ in KINDS)}), "
        f"got {type(view).__name__}"
    )


class Dashboard(anywidget.AnyWidget):
    """Every view of one table in one anywidget (see the module docstring).

    Example (marimo)::

        dash = lens.show()   # mo.ui.anywidget(Dashboard) in marimo
        dash                 # the views

        dash.selected        # another cell: re-runs when a selection is made in the page
    """

    _esm = bundle("dashboard.js")
    _css = bundle("dashboard.css")

    #: list[View] — the child views, in grid order (by reference).
    children = traitlets.List(traitlets.Instance(View)).tag(sync=True, **widget_serialization)
    #: list[str] — each child's kind (``KINDS``): which render function draws it.
    kinds = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: list[bool] — each child spans the whole row.
    wide = traitlets.List(traitlets.Bool()).tag(sync=True)
    #: TableModel — the table the children share (the page mirrors its selection).
    table = traitlets.Instance(TableModel).tag(sync=True, **widget_serialization)
    #: bytes — the table's selection codec as the page last set it (the reactive value).
    selection = traitlets.Bytes(b"").tag(sync=True, **bytes_serialization)

    def __init__(
        self,
        views: Sequence[View],
        *,
        toolbar: View | None = None,
        gallery: View | None = None,
        selected: Callable[[], Any] | None = None,
    ) -> None:
        children: list[View] = []
        wide: list[bool] = []
        if toolbar is not None:
            children.append(toolbar)
            wide.append(True)
        children += views
        wide += [False] * len(views)
        if gallery is not None:
            children.append(gallery)
            # As in layout.dashboard: fill the row when the gallery would sit alone on it.
            wide.append(len(views) % 2 == 0)
        if not children:
            raise ValueError("a dashboard needs at least one view")
        tables = {id(child.table) for child in children}
        if len(tables) != 1:
            raise ValueError("every view of a dashboard must show the same table")
        table = children[0].table
        self._selected = selected
        super().__init__(
            children=children,
            kinds=[kind_of(child) for child in children],
            wide=wide,
            table=table,
            selection=table.selection,
        )
        # Python's own selections reach the dashboard's trait too, so `dash.value` agrees.
        table.observe(self._follow_table, "selection")
        # ...and a page-made selection reaching the dashboard first (marimo re-runs the
        # dependent cells on this update, possibly before the table model's own message
        # arrives) is applied to the table at once, so those cells read the new selection.
        self.observe(self._lead_table, "selection")

    def _follow_table(self, change: dict[str, Any]) -> None:
        self.selection = change["new"]

    def _lead_table(self, change: dict[str, Any]) -> None:
        if change["new"] != self.table.selection:
            self.table.selection = change["new"]

    @property
    def selected(self) -> Any:
        """The selected sample ids (``lens.selected``) of the lens this dashboard shows."""
        if self._selected is None:
            raise AttributeError("this dashboard was built without a lens (no selected ids)")
        return self._selected()


def marimo_running() -> bool:
    """True inside a running marimo notebook (only looked for when marimo is imported)."""
    marimo = sys.modules.get("marimo")
    if marimo is None:
        return False
    try:
        return bool(marimo.running_in_notebook())
    except Exception:  # an old or partial marimo: behave as outside it
        return False


def for_marimo(dashboard: Dashboard) -> Any:
    """The dashboard wrapped in ``mo.ui.anywidget``: what marimo displays, and a reactive
    value (cells that read it re-run when the page changes the selection)."""
    import marimo as mo

    return mo.ui.anywidget(dashboard)
