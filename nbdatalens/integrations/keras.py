"""Training dynamics from Keras 3 training, on any backend.

:class:`DataMapCallback` predicts an unshuffled copy of the training data at
the end of every epoch and records it in a
:class:`~nbdatalens.dynamics.TrainingDynamics`. It uses only ``keras`` and
numpy, so it works with the JAX, PyTorch and TensorFlow backends alike; choose
the backend (``KERAS_BACKEND``) before this module imports keras.

Example:
    >>> rec = TrainingDynamics(len(x_train), classes=list(range(10)), labels=y_train)
    >>> model.fit(x_train, y_train, epochs=10, callbacks=[DataMapCallback(rec, x_train, y_train)])
    >>> DataLens(df, dynamics=rec).show()
"""

from __future__ import annotations

from typing import Any, Literal

import keras
import numpy as np
import numpy.typing as npt
import pandas as pd

from nbdatalens.dynamics import TrainingDynamics

Outputs = Literal["probs", "logits"]


def _n_rows(x: Any) -> int | None:
    """Rows of array-like inputs (one array, or a list / dict of them); None for datasets."""
    leaves = keras.tree.flatten(x) if isinstance(x, list | tuple | dict) else [x]
    shapes = [getattr(leaf, "shape", None) for leaf in leaves]
    if not shapes or any(shape is None or len(shape) == 0 for shape in shapes):
        return None
    rows = {int(shape[0]) for shape in shapes}
    if len(rows) > 1:
        raise ValueError(f"the arrays in x have different numbers of rows: {sorted(rows)}")
    return rows.pop()


def _label_codes_of(y: Any, classes: list[Any]) -> np.ndarray:
    """Class codes from one-hot / probability rows, integer codes, or class values."""
    arr = np.asarray(keras.ops.convert_to_numpy(y))
    if arr.ndim == 2 and arr.shape[1] > 1:
        return arr.argmax(axis=1)
    arr = arr.reshape(-1) if arr.ndim == 2 else arr
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D labels or 2-D one-hot rows, got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.floating) and len(classes) == 2:
        return (arr > 0.5).astype(np.int64)  # binary 0/1 targets stored as floats
    codes = pd.Index(classes).get_indexer(pd.Index(arr))
    if (codes < 0).any():
        raise ValueError(
            f"y holds values that are not among the recorder's classes "
            f"(e.g. {pd.unique(arr[codes < 0])[:5].tolist()})"
        )
    return codes


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


class DataMapCallback(keras.callbacks.Callback):
    """Record the model's predictions on the training data after every epoch.

    Args:
        recorder: the recorder to fill; its classes follow the model's output columns.
        x: the training inputs in the recorder's row order, unshuffled (an array,
            a list or dict of arrays, or anything ``model.predict`` takes, such
            as a non-shuffling ``PyDataset``). ``model.fit`` may shuffle its own copy.
        y: optional labels of ``x`` (class codes, one-hot rows or class values),
            checked against the recorder's labels so that a reordered ``x`` is
            caught before training starts.
        ids: the sample ids (or positions) of ``x``'s rows when they are not the
            recorder's rows ``0..N-1`` in order; every sample exactly once.
        batch_size: prediction batch size.
        outputs: ``"probs"`` when the model ends in softmax (or sigmoid for one
            output unit), ``"logits"`` when it returns raw scores.

    Epochs are recorded under the numbers Keras reports (0-based, continuing
    from ``initial_epoch``). The predictions cost one inference pass over ``x``
    per epoch; the benchmark in ``benchmarks/dynamics.py`` measures it.

    Example:
        >>> callback = DataMapCallback(rec, x_train, y_train, batch_size=512)
        >>> model.fit(x_train, y_train, epochs=10, shuffle=True, callbacks=[callback])
    """

    def __init__(
        self,
        recorder: TrainingDynamics,
        x: Any,
        y: npt.ArrayLike | None = None,
        *,
        ids: npt.ArrayLike | None = None,
        batch_size: int = 256,
        outputs: Outputs = "probs",
    ) -> None:
        super().__init__()
        if not isinstance(recorder, TrainingDynamics):
            raise TypeError(f"recorder must be a TrainingDynamics, got {type(recorder).__name__}")
        if outputs not in ("probs", "logits"):
            raise ValueError(f"outputs must be 'probs' or 'logits', got {outputs!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.recorder = recorder
        self.x = x
        self.ids = ids
        self.batch_size = batch_size
        self.outputs: Outputs = outputs
        positions = self._check_rows(_n_rows(x))
        if y is not None and recorder.label_codes is not None:
            self._check_labels(y, positions)

    def _check_rows(self, n_rows: int | None) -> np.ndarray:
        n = self.recorder.n_samples
        if self.ids is None:
            if n_rows is not None and n_rows != n:
                raise ValueError(
                    f"x has {n_rows} rows but the recorder has {n} samples; x must be the whole "
                    "training set in the recorder's row order (or pass ids=)"
                )
            return np.arange(n)
        positions = self.recorder.positions(self.ids)  # checks unknown and repeated ids
        if positions.size != n:
            raise ValueError(
                f"ids name {positions.size} samples but the recorder has {n}; every sample "
                "must be predicted once per epoch"
            )
        if n_rows is not None and n_rows != positions.size:
            raise ValueError(f"x has {n_rows} rows but ids has {positions.size} entries")
        return positions

    def _check_labels(self, y: Any, positions: np.ndarray) -> None:
        codes = _label_codes_of(y, self.recorder.classes)
        if codes.shape != positions.shape:
            raise ValueError(f"y has {codes.shape[0]} labels but x has {positions.size} rows")
        differ = np.flatnonzero(codes != self.recorder.label_codes[positions])
        if differ.size:
            raise ValueError(
                f"y disagrees with the recorder's labels at {differ.size} rows (e.g. rows "
                f"{differ[:5].tolist()}): x and y must be an unshuffled copy of the training "
                "data in the recorder's row order, or pass ids="
            )

    def _scores(self, predictions: Any) -> tuple[np.ndarray, Outputs]:
        """The predictions as an ``(N, C)`` array, and whether they are probs or logits."""
        if isinstance(predictions, list | tuple | dict):
            raise TypeError(
                "the model has several outputs; record a model whose single output is the "
                "class scores (e.g. keras.Model(inputs, outputs['classes']))"
            )
        scores = np.asarray(keras.ops.convert_to_numpy(predictions))
        single = scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1)
        if single and len(self.recorder.classes) == 2:
            # One output unit is a binary model's positive class.
            positive = scores.reshape(-1).astype(np.float64)
            positive = _sigmoid(positive) if self.outputs == "logits" else positive
            return np.column_stack([1.0 - positive, positive]), "probs"
        return scores, self.outputs

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Predict ``x`` and record it as ``epoch``."""
        done = self.recorder.epochs
        if done and epoch <= done[-1]:
            raise ValueError(
                f"Keras reports epoch {epoch} but the recorder already holds epochs up to "
                f"{done[-1]}; to train further, call fit(..., initial_epoch={done[-1] + 1})"
            )
        predictions = self.model.predict(self.x, batch_size=self.batch_size, verbose=0)
        scores, kind = self._scores(predictions)
        if kind == "probs":
            self.recorder.record(epoch, scores, ids=self.ids)
        else:
            self.recorder.record(epoch, ids=self.ids, logits=scores)
