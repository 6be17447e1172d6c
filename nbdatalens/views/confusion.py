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
step timings in ``data-timings`` / ``data-click-ms``; with per-epoch
predictions also ``data-epoch`` (the drawn epoch index, ``final`` for the
final predictions) and ``data-epoch-ready`` (that epoch's column has arrived).

Over epochs: when the table has per-epoch predictions (``SampleTable.epoch_pred``)
an epoch slider and a play button sit above the matrix and a small per-class
recall-over-epochs chart beside it. The page asks the table model for one
epoch's predicted classes when the slider first reaches it
(``{type: "epoch_pred", epoch}``, one binary column of N codes), so a table
whose slider is never touched sends none of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..confusion import (
    confusion_matrix,
    epoch_confusion_matrix,
    per_class_report,
    recall_over_epochs,
)
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
    DRAWN_AS = "confusion"

    #: str — what the cells show: ``"none"`` (raw counts, default) or ``"row"``
    #: (each cell as a share of its given class). Synced: the toolbar toggle sets it too.
    normalize = traitlets.Unicode("none").tag(sync=True)
    #: int — height of the view in pixels (default 440). Cells shrink to fit
    #: down to 18 px, then the matrix scrolls.
    height = traitlets.Int(440).tag(sync=True)
    #: int or None — the epoch index (0 = first recorded) whose predictions the matrix
    #: shows; None (default) = the final predictions. Synced: the slider sets it.
    epoch = traitlets.Int(None, allow_none=True).tag(sync=True)
    #: int — epochs with per-epoch predictions (read-only; 0 hides the slider).
    n_epochs = traitlets.Int(0, read_only=True).tag(sync=True)
    #: str — why there is no slider ("" when there is one), shown in its place.
    epochs_note = traitlets.Unicode("", read_only=True).tag(sync=True)
    #: list — per-epoch recall of each class, E rows of C values (None = never given);
    #: the recall-over-epochs chart.
    epoch_recall = traitlets.List(read_only=True).tag(sync=True)

    def __init__(self, table: Any, **kwargs: Any) -> None:
        epoch = kwargs.pop("epoch", None)
        super().__init__(table, **kwargs)
        sample_table = self.table.table
        preds = getattr(sample_table, "epoch_pred", None)
        n_epochs = 0 if preds is None or sample_table.pred_codes is None else preds.shape[1]
        recall: list[list[float | None]] = []
        if n_epochs:
            values = recall_over_epochs(sample_table.label_codes, preds, len(sample_table.classes))
            recall = [[None if np.isnan(v) else round(float(v), 5) for v in row] for row in values]
        self.set_trait("n_epochs", n_epochs)
        self.set_trait("epochs_note", "" if n_epochs else _epochs_note(sample_table))
        self.set_trait("epoch_recall", recall)
        self.epoch = epoch

    @traitlets.validate("epoch")
    def _check_epoch(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None:
            return None
        n = self.n_epochs
        if n == 0:
            raise ValueError(f"epoch={value}: {self.epochs_note}")
        if not -n <= value < n:
            raise ValueError(f"epoch must be in [0, {n}) (or negative from the end), got {value}")
        return int(value) % n

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

    def _counts(self) -> np.ndarray:
        labels, preds, names = self._codes()
        if self.epoch is None:
            return confusion_matrix(labels, preds, len(names))
        return epoch_confusion_matrix(labels, self.table.table.epoch_pred, self.epoch, len(names))

    @property
    def matrix(self) -> pd.DataFrame:
        """The counts drawn in the browser: rows = given class, columns = predicted class.

        Same class order as the view; a class that is only ever predicted has a
        row of zeros. At :attr:`epoch` when one is set. Raises ValueError when
        the table has no prediction.
        """
        names = self._codes()[2]
        counts = self._counts()
        return pd.DataFrame(
            counts,
            index=pd.Index(names, name="given"),
            columns=pd.Index(names, name="predicted"),
        )

    @property
    def report(self) -> pd.DataFrame:
        """Per-class precision, recall, F1, support and predicted count (the view's margins)."""
        return per_class_report(self._counts(), self._codes()[2])


def _epochs_note(table: Any) -> str:
    """One line: why this table has no per-epoch predictions."""
    if table.pred_codes is None:
        return "No predictions, so no confusion matrix over epochs."
    src = table.roles["dynamics"]
    if src is None:
        return (
            "No epoch slider: no training dynamics were given (a TrainingDynamics "
            "recorder or N×E×C per-epoch probabilities)."
        )
    if src.columns is None and hasattr(src.value, "to_arrays"):
        return (
            "No epoch slider: the recorder kept no predicted class per epoch "
            "(record_given() without pred=, or classes the table lacks)."
        )
    return (
        "No epoch slider: the dynamics hold only the given label's probability per "
        "epoch (N×E), not the predicted class; pass N×E×C probabilities."
    )
