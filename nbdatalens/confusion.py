"""Confusion matrix over class codes, the rows behind each cell, per-class scores.

Rows of the matrix are the given label, columns the predicted label, both as
codes into one list of classes (``SampleTable.classes``), so the matrix is
square even when some class is only ever predicted.

Example:
    >>> import numpy as np
    >>> result = confusion(np.array([0, 0, 1]), np.array([0, 1, 1]), ["cat", "dog"])
    >>> result.matrix.tolist()
    [[1, 1], [0, 1]]
    >>> result.cell("cat", "dog").tolist()
    [1]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from nbdatalens.probability import as_class_codes


def _paired_codes(
    label_codes: npt.ArrayLike, pred_codes: npt.ArrayLike, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    labels = as_class_codes(label_codes, n_classes, name="label_codes")
    preds = as_class_codes(pred_codes, n_classes, name="pred_codes", length=labels.shape[0])
    return labels, preds


def confusion_matrix(
    label_codes: npt.ArrayLike, pred_codes: npt.ArrayLike, n_classes: int
) -> np.ndarray:
    """Count samples per (given, predicted) pair: a ``(C, C)`` int64 matrix.

    ``matrix[i, j]`` is the number of samples given class ``i`` and predicted
    class ``j``; one ``bincount`` over ``label * C + pred`` keeps it linear
    and fast at millions of rows.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer):
        raise TypeError(f"n_classes must be an int, got {type(n_classes).__name__}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}")
    labels, preds = _paired_codes(label_codes, pred_codes, n_classes)
    flat = labels * n_classes + preds
    counts = np.bincount(flat, minlength=n_classes * n_classes)
    return counts.astype(np.int64, copy=False).reshape(n_classes, n_classes)


def cell_positions(
    label_codes: npt.ArrayLike, pred_codes: npt.ArrayLike, true_code: int, pred_code: int
) -> np.ndarray:
    """Row positions (ascending) of the samples given ``true_code`` and predicted ``pred_code``."""
    labels = np.asarray(label_codes)
    preds = np.asarray(pred_codes)
    if labels.shape != preds.shape:
        raise ValueError(
            "label_codes and pred_codes must have the same shape, "
            f"got {labels.shape} and {preds.shape}"
        )
    return np.flatnonzero((labels == true_code) & (preds == pred_code))


def row_positions(label_codes: npt.ArrayLike, true_code: int) -> np.ndarray:
    """Row positions of every sample given ``true_code`` (a whole matrix row)."""
    return np.flatnonzero(np.asarray(label_codes) == true_code)


def column_positions(pred_codes: npt.ArrayLike, pred_code: int) -> np.ndarray:
    """Row positions of every sample predicted ``pred_code`` (a whole matrix column)."""
    return np.flatnonzero(np.asarray(pred_codes) == pred_code)


def per_class_report(matrix: npt.ArrayLike, classes: Sequence[Hashable]) -> pd.DataFrame:
    """Precision, recall, F1, support and predicted count per class.

    The result is indexed by class (index name ``"class"``). ``support`` is the
    row sum (samples given that label) and ``predicted`` the column sum. A
    score whose denominator is zero is NaN rather than 0, so "never predicted"
    or "never given" stays distinguishable from "always wrong"; F1 is NaN when
    either precision or recall is, and 0 when both are 0.
    """
    counts = np.asarray(matrix)
    n = len(classes)
    if counts.shape != (n, n):
        raise ValueError(
            f"matrix must be square over classes: expected shape ({n}, {n}), got {counts.shape}"
        )
    counts = counts.astype(np.float64)
    hits = np.diag(counts)
    support = counts.sum(axis=1)
    predicted = counts.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, hits / predicted, np.nan)
        recall = np.where(support > 0, hits / support, np.nan)
        total = precision + recall
        f1 = np.where(total > 0, 2 * precision * recall / total, 0.0)
    f1[np.isnan(total)] = np.nan
    return pd.DataFrame(
        {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support.astype(np.int64),
            "predicted": predicted.astype(np.int64),
        },
        index=pd.Index(list(classes), name="class"),
    )


@dataclass(frozen=True, eq=False)
class ConfusionResult:
    """A confusion matrix with its classes, per-class report and, optionally, the codes behind it.

    Build it with :func:`confusion`. ``cell``, ``row`` and ``column`` take
    class *values* (not codes) and return row positions; they need the codes,
    which :func:`confusion` keeps.
    """

    matrix: np.ndarray
    classes: tuple[Hashable, ...]
    report: pd.DataFrame
    label_codes: np.ndarray | None = None
    pred_codes: np.ndarray | None = None

    def code_of(self, value: Hashable) -> int:
        """The code of class ``value``; ValueError when it is not one of ``classes``."""
        try:
            return self.classes.index(value)
        except ValueError:
            shown = list(self.classes[:10])
            raise ValueError(f"unknown class {value!r}; classes are {shown}") from None

    def _codes(self) -> tuple[np.ndarray, np.ndarray]:
        if self.label_codes is None or self.pred_codes is None:
            raise ValueError(
                "this ConfusionResult was built without codes; use confusion() to keep them"
            )
        return self.label_codes, self.pred_codes

    def count(self, true: Hashable, pred: Hashable) -> int:
        """Number of samples given ``true`` and predicted ``pred``."""
        return int(self.matrix[self.code_of(true), self.code_of(pred)])

    def cell(self, true: Hashable, pred: Hashable) -> np.ndarray:
        """Row positions of the samples given ``true`` and predicted ``pred``."""
        labels, preds = self._codes()
        return cell_positions(labels, preds, self.code_of(true), self.code_of(pred))

    def row(self, true: Hashable) -> np.ndarray:
        """Row positions of every sample given ``true``."""
        labels, _ = self._codes()
        return row_positions(labels, self.code_of(true))

    def column(self, pred: Hashable) -> np.ndarray:
        """Row positions of every sample predicted ``pred``."""
        _, preds = self._codes()
        return column_positions(preds, self.code_of(pred))


def confusion(
    label_codes: npt.ArrayLike, pred_codes: npt.ArrayLike, classes: Sequence[Hashable]
) -> ConfusionResult:
    """Confusion matrix, per-class report and cell lookup in one object."""
    labels, preds = _paired_codes(label_codes, pred_codes, len(classes))
    matrix = confusion_matrix(labels, preds, len(classes))
    return ConfusionResult(
        matrix=matrix,
        classes=tuple(classes),
        report=per_class_report(matrix, classes),
        label_codes=labels,
        pred_codes=preds,
    )


# ------------------------------------------------------------------ over epochs
def _epoch_column(epoch_pred: npt.ArrayLike, epoch: int) -> np.ndarray:
    preds = np.asarray(epoch_pred)
    if preds.ndim != 2:
        raise ValueError(f"epoch_pred must be shaped (N, E), got shape {preds.shape}")
    n_epochs = preds.shape[1]
    if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer):
        raise TypeError(f"epoch must be an int, got {type(epoch).__name__}")
    if not -n_epochs <= epoch < n_epochs:
        raise ValueError(
            f"epoch must be in [0, {n_epochs}) (or negative from the end), got {epoch}"
        )
    return preds[:, epoch]


def epoch_confusion_matrix(
    label_codes: npt.ArrayLike, epoch_pred: npt.ArrayLike, epoch: int, n_classes: int
) -> np.ndarray:
    """The ``(C, C)`` confusion matrix of the predictions after epoch index ``epoch``.

    ``epoch_pred`` is ``(N, E)`` class codes (``SampleTable.epoch_pred``); a code
    outside ``[0, C)`` (unknown: a sample without dynamics) is counted in no cell.
    """
    column = _epoch_column(epoch_pred, epoch)
    labels = np.asarray(label_codes)
    known = column < n_classes
    return confusion_matrix(labels[known], column[known].astype(np.int64), n_classes)


def epoch_cell_positions(
    label_codes: npt.ArrayLike,
    epoch_pred: npt.ArrayLike,
    epoch: int,
    true_code: int,
    pred_code: int,
) -> np.ndarray:
    """Row positions of the samples given ``true_code`` and predicted ``pred_code`` at ``epoch``."""
    return cell_positions(label_codes, _epoch_column(epoch_pred, epoch), true_code, pred_code)


def recall_over_epochs(
    label_codes: npt.ArrayLike, epoch_pred: npt.ArrayLike, n_classes: int
) -> np.ndarray:
    """``(E, C)`` float64 recall of each class after each epoch (NaN for a class never given).

    Which classes the model learns late, and when: one bincount per epoch.
    """
    preds = np.asarray(epoch_pred)
    labels = as_class_codes(label_codes, n_classes, name="label_codes", length=preds.shape[0])
    support = np.bincount(labels, minlength=n_classes).astype(np.float64)
    out = np.empty((preds.shape[1], n_classes), dtype=np.float64)
    for e in range(preds.shape[1]):
        hits = np.bincount(labels[preds[:, e] == labels], minlength=n_classes)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[e] = np.where(support > 0, hits / support, np.nan)
    return out
