"""The base class of every nbdatalens view."""

from __future__ import annotations

from typing import Any, ClassVar

import anywidget
import traitlets
from ipywidgets import widget_serialization

from .table_model import TableModel


class View(anywidget.AnyWidget):
    """A view of one :class:`TableModel`; all views of a table share its selection.

    Unknown keyword arguments are refused (a typo should not pass silently).
    """

    #: TableModel — the shared table this view reads (by reference, never copied).
    table = traitlets.Instance(TableModel).tag(sync=True, **widget_serialization)
    #: int — height of the view in pixels (default 360).
    height = traitlets.Int(360).tag(sync=True)
    #: The smallest height (pixels) at which the view still works.
    MIN_HEIGHT = 120
    #: The kind the page reports when this view has first drawn its data
    #: (``TableModel.when_drawn``); empty for a view that draws no columns.
    DRAWN_AS: ClassVar[str] = ""

    def __init__(self, table: TableModel, **kwargs: Any) -> None:
        allowed = {
            name
            for name, trait in self.traits().items()
            if trait.metadata.get("sync") and not name.startswith("_")
        } | {"layout"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s) {unknown}; "
                f"accepted: {sorted(allowed - {'table', 'layout', 'tabbable', 'tooltip'})}"
            )
        super().__init__(table=table, **kwargs)

    @traitlets.validate("height")
    def _check_height(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if value < self.MIN_HEIGHT:
            raise ValueError(f"height must be at least {self.MIN_HEIGHT} pixels, got {value}")
        return value
