"""The table model's per-epoch messages: one epoch's predictions, one sample's history.

Per-epoch predictions (``SampleTable.epoch_pred``, N x E) stay in Python until
a view asks, one epoch at a time, so the bytes sent grow with what the user
looks at (one slider position = N class codes, 1 MB at 1M samples with up to
254 classes), never N x E up front. See docs/architecture.md for the shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..table import SampleTable
    from .requests import Reply


class EpochRequests:
    """Serves ``epoch_pred`` and ``history`` messages through the table model's dispatcher."""

    def __init__(self, table: SampleTable) -> None:
        self.table = table

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], Reply]]:
        """Message type → handler, for the table model's dispatcher."""
        return {
            "epoch_pred": lambda content: self.epoch_pred(int(content["epoch"])),
            "history": lambda content: (self.history(int(content["pos"])), []),
        }

    def epoch_pred(self, epoch: int) -> tuple[dict[str, Any], list[bytes]]:
        """``{type, epoch, dtype, shape}`` and the epoch's N class codes as one buffer.

        Unknown predictions (a sample without dynamics) carry the dtype's
        largest value, which no class code reaches.
        """
        preds = self.table.epoch_pred
        if preds is None:
            raise ValueError("this table has no per-epoch predictions")
        if not 0 <= epoch < preds.shape[1]:
            raise ValueError(f"epoch must be in [0, {preds.shape[1]}), got {epoch}")
        column = np.ascontiguousarray(preds[:, epoch])
        reply = {
            "type": "epoch_pred",
            "epoch": epoch,
            "dtype": column.dtype.name,
            "shape": [int(column.shape[0])],
        }
        return reply, [column.tobytes()]

    def history(self, pos: int) -> dict[str, Any]:
        """One sample over epochs: the given label's probability and the predicted class code.

        ``given`` / ``pred`` hold one entry per epoch (None where unknown); both
        are empty lists without training dynamics, ``pred`` without per-epoch
        predictions. Codes index the table's classes (``categories["label"]``).
        """
        table = self.table
        if not 0 <= pos < table.n:
            raise ValueError(f"pos must be in [0, {table.n}), got {pos}")
        given: list[float | None] = []
        pred: list[int | None] = []
        if table.dynamics_given is not None:
            given = [None if np.isnan(v) else round(float(v), 4) for v in table.dynamics_given[pos]]
        if table.epoch_pred is not None:
            n_classes = len(table.classes)
            pred = [int(v) if v < n_classes else None for v in table.epoch_pred[pos].tolist()]
        return {
            "type": "history",
            "pos": pos,
            "label": int(table.label_codes[pos]),
            "given": given,
            "pred": pred,
        }
