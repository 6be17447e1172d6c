"""Learning events per sample over epochs: forgetting, when it was learned, prediction flips.

Pure functions on per-epoch arrays (N samples x E epochs), plus the helpers
that turn each dynamics source into per-epoch predicted class codes in the
table's class order.

- :func:`forgetting` counts *forgetting events* (Toneva et al., 2019, "An
  Empirical Study of Example Forgetting during Deep Neural Network
  Learning"): epoch e correct, epoch e + 1 wrong. Samples forgotten often
  (or never learned) are a known signal of mislabeled or atypical data.
- :func:`learned_epoch` is the first epoch index from which the sample stays
  correct up to the last epoch (NaN if the last epoch is wrong).
- :func:`flips` counts how often the predicted class changed between
  consecutive epochs (a sample can flip between two wrong classes).

Epochs are 0-based positions along axis 1 (the first recorded epoch is 0),
whatever numbers the recorder used. A row marked missing (``valid`` False)
gives NaN.

Example:
    >>> import numpy as np
    >>> correct = np.array([[True, False, True, True], [False, False, False, False]])
    >>> forgetting(correct).tolist(), learned_epoch(correct).tolist()
    ([1.0, 0.0], [2.0, nan])
    >>> flips(np.array([[3, 3, 8, 3]])).tolist()
    [2.0]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .dynamics import pred_dtype, unknown_pred
from .rowwise import class_major

#: The derived columns this module fills, in :attr:`SampleTable.derived` order.
LEARNING_COLUMNS = ("forgetting", "learned_epoch", "flips")

#: Rows per block when reducing N x E x C probabilities to argmax codes.
_BLOCK_ROWS = 8192


def _as_2d(arr: npt.ArrayLike, name: str) -> np.ndarray:
    out = np.asarray(arr)
    if out.ndim != 2:
        raise ValueError(f"{name} must be shaped (N, E), got shape {out.shape}")
    return out


def _as_correct(correct: npt.ArrayLike) -> np.ndarray:
    hits = _as_2d(correct, "correct")
    if hits.dtype != np.bool_:
        raise TypeError(f"correct must be a bool array, got dtype {hits.dtype}")
    return hits


def _with_missing(values: np.ndarray, valid: npt.ArrayLike | None) -> np.ndarray:
    out = values.astype(np.float32, copy=False)  # every caller passes an array of its own
    if valid is not None:
        ok = np.asarray(valid, dtype=bool)
        if ok.shape != (out.shape[0],):
            raise ValueError(f"valid must have shape ({out.shape[0]},), got {ok.shape}")
        out[~ok] = np.nan
    return out


def forgetting(correct: npt.ArrayLike, valid: npt.ArrayLike | None = None) -> np.ndarray:
    """Number of forgetting events per sample: correct at epoch e, wrong at e + 1 (float32).

    ``correct`` is ``(N, E)`` bool; ``valid`` (N,) bool marks the rows that have
    dynamics (False gives NaN).
    """
    hits = _as_correct(correct)
    events = np.empty(hits.shape[0], dtype=np.float32)
    for rows, block in class_major(hits):
        events[rows] = (block[:-1] > block[1:]).sum(axis=0)  # True then False
    return _with_missing(events, valid)


def learned_epoch(correct: npt.ArrayLike, valid: npt.ArrayLike | None = None) -> np.ndarray:
    """First epoch index from which each sample stays correct to the end (float32, NaN if never).

    A sample correct at every epoch was learned at epoch 0; one wrong at the
    last epoch was never learned (NaN), however often it was right before.
    """
    hits = _as_correct(correct)
    n, e = hits.shape
    # One past the last wrong epoch (0 when there is none): the largest of k + 1 over
    # the wrong epochs k, per class-major block.
    learned = np.empty(n, dtype=np.float32)
    one_past = np.arange(1, e + 1, dtype=np.min_scalar_type(e))[:, None]
    for rows, block in class_major(hits):
        learned[rows] = (~block * one_past).max(axis=0, initial=0)
    learned[learned == e] = np.nan
    return _with_missing(learned, valid) if n else learned


def flips(epoch_pred: npt.ArrayLike, valid: npt.ArrayLike | None = None) -> np.ndarray:
    """How often each sample's predicted class changed between consecutive epochs (float32).

    ``epoch_pred`` is ``(N, E)`` integer class codes; a pair of epochs where
    either code is :func:`~nbdatalens.dynamics.unknown_pred` of its dtype is not
    counted. Rows whose every code is unknown give NaN.
    """
    preds = _as_2d(epoch_pred, "epoch_pred")
    if preds.dtype == np.bool_ or not np.issubdtype(preds.dtype, np.integer):
        raise TypeError(f"epoch_pred must hold integer class codes, got dtype {preds.dtype}")
    changed = preds[:, :-1] != preds[:, 1:]
    known = None
    if np.issubdtype(preds.dtype, np.unsignedinteger):
        unknown = preds == unknown_pred(preds.dtype)
        changed &= ~(unknown[:, :-1] | unknown[:, 1:])
        known = ~unknown.all(axis=1)
        if valid is not None:
            known &= np.asarray(valid, dtype=bool)
    return _with_missing(changed.sum(axis=1), known if known is not None else valid)


def learning_columns(
    correct: np.ndarray | None, epoch_pred: np.ndarray | None, valid: np.ndarray | None
) -> dict[str, np.ndarray | None]:
    """``forgetting`` / ``learned_epoch`` (from correctness) and ``flips`` (from predictions).

    Each is None when its input is missing (the caller fills NaN).
    """
    out: dict[str, np.ndarray | None] = dict.fromkeys(LEARNING_COLUMNS)
    if correct is not None:
        out["forgetting"] = forgetting(correct, valid)
        out["learned_epoch"] = learned_epoch(correct, valid)
    if epoch_pred is not None:
        out["flips"] = flips(epoch_pred, valid)
    return out


# ------------------------------------------------------------ per-epoch predictions
def argmax_codes(probs: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """``(N, E)`` argmax class codes of ``(N, E, C)`` probabilities, in :func:`pred_dtype`.

    Ties go to the lowest class (as ``np.argmax``). Rows with ``valid`` False
    get the unknown code. Reduced in row blocks, so no N x E int64 temporary.
    """
    if probs.ndim != 3:
        raise ValueError(f"probs must be shaped (N, E, C), got shape {probs.shape}")
    n, e, c = probs.shape
    dtype = pred_dtype(c)
    out = np.empty((n, e), dtype=dtype)
    for start in range(0, n, _BLOCK_ROWS):
        block = probs[start : start + _BLOCK_ROWS]
        out[start : start + len(block)] = np.argmax(block, axis=2)
    if valid is not None:
        out[~np.asarray(valid, dtype=bool)] = unknown_pred(dtype)
    return out


def to_table_codes(
    epoch_pred: np.ndarray, source_classes: Sequence[Hashable], table_classes: Sequence[Hashable]
) -> np.ndarray | None:
    """Re-code per-epoch predictions from ``source_classes`` order to ``table_classes`` order.

    Unknown codes stay unknown (in the table's dtype). None when the source
    has a class the table does not know (its predictions could not be shown).
    """
    mapping = pd.Index(list(table_classes)).get_indexer(pd.Index(list(source_classes)))
    if (mapping < 0).any():
        return None
    dtype = pred_dtype(len(table_classes))
    unknown_in = unknown_pred(epoch_pred.dtype)
    if epoch_pred.dtype.itemsize <= 2:  # a lookup table over every code: one gather
        lut = np.full(unknown_in + 1, unknown_pred(dtype), dtype=dtype)
        lut[: len(mapping)] = mapping
        return lut[epoch_pred]
    out = np.full(epoch_pred.shape, unknown_pred(dtype), dtype=dtype)
    known = epoch_pred != unknown_in
    out[known] = mapping[epoch_pred[known]]
    return out


def recorder_epoch_preds(
    df: pd.DataFrame, rec: Any, table_classes: Sequence[Hashable]
) -> np.ndarray | None:
    """The recorder's per-epoch predictions in the frame's row order and the table's codes.

    None when the recorder kept none (``record_given`` without ``pred=``) or
    predicts a class the table does not have.
    """
    preds = getattr(rec, "epoch_preds", None)
    if preds is None or preds.shape[1] == 0:
        return None
    rec_index = getattr(rec, "index", None)
    if rec_index is not None and not rec_index.equals(df.index):
        preds = preds[rec_index.get_indexer(df.index)]  # recorder_dynamics checked the ids
    return to_table_codes(np.asarray(preds), rec.classes, table_classes)


def final_predictions(epoch_pred: np.ndarray) -> np.ndarray | None:
    """The last epoch's codes as int32, the model's final word; None if any is unknown."""
    last = epoch_pred[:, -1]
    if (last == unknown_pred(last.dtype)).any():
        return None
    return last.astype(np.int32)


def array_epoch_preds(arr: np.ndarray, given: np.ndarray) -> np.ndarray | None:
    """Per-epoch argmax codes of N x E x C dynamics (None for N x E input).

    Rows without dynamics (``given`` NaN) get the unknown code. The class axis
    is the table's label classes, so the codes are the table's.
    """
    if arr.ndim != 3:
        return None
    return argmax_codes(arr, valid=~np.isnan(given[:, 0]))
