"""The clickable confusion matrix view.

The browser counts the matrix itself from the table's ``label`` and ``pred``
code columns (one pass, redone only when those columns change), so clicking
a cell selects its samples without asking the kernel. The Python side only
holds the display options and offers the same numbers as a DataFrame.

For tests and benchmarks the root element (``.nbdl-confusion``) carries
``data-ready``, ``data-selected-count``, ``data-counts`` (the drawn matrix as
JSON), ``data-cell-texts``, ``data-cell-text`` (``exact``, ``short`` as in
"90k", or ``hidden`` when cells are too small), ``data-cell-px``,
``data-n-classes``, ``data-normalize``, ``data-scrolls``, ``data-empty``, and
step timings in ``data-timings`` / ``data-click-ms``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import traitlets

from ..confusion import confusion_matrix, per_class_report
from .base import View
from .bundles import bundle

NORMALIZE_MODES = ("none", "row")


class ConfusionMatrix(View):
    """Rows = given label, columns = predicted label; click a cell, row or column to select.

    Shift-click adds to the selection, Alt-click subtracts, Escape clears.
    Cells are shaded by count (correct cells and errors in two colour
    families), with per-class recall and support at the right and precision
    at the bottom.

    Example
    -------
    >>> from nbdatalens import DataLens
    >>> from nbdatalens.datasets import load_digits_demo
    >>> lens = DataLens(load_digits_demo(), projection="pca")
    >>> cm = lens.confusion_matrix(normalize="row")
    >>> int(cm.matrix.to_numpy().sum()) == len(lens.df)
    True
    """

    _esm = bundle("confusion.js")
    _css = bundle("confusion.css")

    #: str — what the cells show: ``"none"`` (raw counts, default) or ``"row"``
    #: (each cell as a share of its given class). Synced: the toolbar toggle sets it too.
    normalize = traitlets.Unicode("none").tag(sync=True)
    #: int — height of the view in pixels (default 440). Cells shrink to fit
    #: down to 18 px, then the matrix scrolls.
    height = traitlets.Int(440).tag(sync=True)

    @traitlets.validate("normalize")
    def _check_normalize(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value not in NORMALIZE_MODES:
            raise ValueError(f"normalize must be one of {list(NORMALIZE_MODES)}, got {value!r}")
        return value

    def _codes(self) -> tuple[Any, Any, list[str]]:
        sample_table = self.table.table
        if sample_table.pred_codes is None:
            raise ValueError(
                "this table has no prediction column (or probabilities), "
                "so it has no confusion matrix"
            )
        return sample_table.label_codes, sample_table.pred_codes, sample_table.class_names

    @property
    def matrix(self) -> pd.DataFrame:
        """The counts drawn in the browser: rows = given class, columns = predicted class.

        Same class order as the view; a class that is only ever predicted has a
        row of zeros. Raises ValueError when the table has no prediction.
        """
        labels, preds, names = self._codes()
        counts = confusion_matrix(labels, preds, len(names))
        return pd.DataFrame(
            counts,
            index=pd.Index(names, name="given"),
            columns=pd.Index(names, name="predicted"),
        )

    @property
    def report(self) -> pd.DataFrame:
        """Per-class precision, recall, F1, support and predicted count (the view's margins)."""
        labels, preds, names = self._codes()
        return per_class_report(confusion_matrix(labels, preds, len(names)), names)
