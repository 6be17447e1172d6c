"""Record per-epoch predictions during training, for the Dataset Cartography data map.

:class:`TrainingDynamics` collects the model's probabilities after each
epoch, either a whole epoch at once or mini-batch by mini-batch with sample
ids. When the given labels are known up front it keeps only what the data map
needs (the given-label probability as float32) and the predicted class per
epoch (the smallest unsigned int that holds the classes; whether the argmax was
the given label is read from it), N x E x 5 bytes with up to 255 classes:
1M samples x 20 epochs is about 100 MB.

Example:
    >>> import numpy as np
    >>> rec = TrainingDynamics(3, classes=["cat", "dog"], labels=["cat", "dog", "dog"])
    >>> rec.record(0, np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]]))
    >>> rec.record(1, np.array([[0.2, 0.8], [0.3, 0.7]]), ids=[2, 1])
    >>> rec.record(1, np.array([[0.8, 0.2]]), ids=[0])
    >>> rec.given_probs
    array([[0.9, 0.8],
           [0.6, 0.7],
           [0.3, 0.8]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from nbdatalens.probability import as_class_codes, check_probabilities, softmax


@dataclass
class _OpenEpoch:
    """Buffers of the epoch being recorded, freed once every sample is in."""

    epoch: int
    seen: np.ndarray
    given: np.ndarray | None
    pred: np.ndarray | None
    full: np.ndarray | None
    n_seen: int = 0


def _read_only(arr: np.ndarray) -> np.ndarray:
    view = arr.view()
    view.flags.writeable = False
    return view


def _epoch_number(epoch: Any) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer):
        raise TypeError(f"epoch must be an int, got {type(epoch).__name__}")
    return int(epoch)


def pred_dtype(n_classes: int) -> np.dtype:
    """The smallest unsigned int holding codes ``0..n_classes-1`` plus :func:`unknown_pred`."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_classes < np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise ValueError(f"{n_classes} classes do not fit a uint32 class code")


def unknown_pred(dtype: npt.DTypeLike) -> int:
    """The code that marks an unknown prediction: the dtype's largest value (never a class)."""
    return int(np.iinfo(dtype).max)


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


class TrainingDynamics:
    """Per-epoch predictions of a classifier over a fixed set of samples.

    Args:
        n_samples: number of samples N; rows are positions ``0..N-1``.
        classes: the class values in the order of the probability columns.
        labels: the given label of each sample (class values, length N). With
            labels, only the given-label probability and correctness are kept per
            epoch (unless ``keep_full``); without, the full probabilities are kept
            and :meth:`to_arrays` reduces them later.
        index: sample ids (e.g. ``df.index``), unique, length N. When given,
            ``record(..., ids=...)`` takes these ids instead of row positions.
        keep_full: also keep the full ``(N, E, C)`` float32 probabilities.

    The predicted class of every epoch is kept too (:attr:`epoch_preds`, N x E
    in :func:`pred_dtype`): the per-epoch confusion matrix, forgetting events
    and when each sample was learned are read from it. With labels it
    replaces a separate correctness array (correct = predicted == given).

    Epoch numbers are any increasing ints (0- or 1-based). An epoch is complete
    once every sample has been recorded for it; recording a later epoch, or
    reading the arrays, while an epoch is incomplete raises ValueError.
    """

    def __init__(
        self,
        n_samples: int,
        classes: Sequence[Hashable],
        labels: Sequence[Hashable] | npt.ArrayLike | None = None,
        *,
        index: Sequence[Hashable] | pd.Index | None = None,
        keep_full: bool = False,
    ) -> None:
        if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
            raise TypeError(f"n_samples must be an int, got {type(n_samples).__name__}")
        if n_samples < 1:
            raise ValueError(f"n_samples must be at least 1, got {n_samples}")
        self._n = int(n_samples)
        class_index = pd.Index(list(classes))
        if len(class_index) == 0:
            raise ValueError("classes is empty; pass the class values in probability-column order")
        if not class_index.is_unique:
            dupes = class_index[class_index.duplicated()].unique().tolist()[:5]
            raise ValueError(f"classes must be unique; repeated: {dupes}")
        self._classes = class_index
        self._label_codes: np.ndarray | None = None
        if labels is not None:
            self._label_codes = self._codes_of_labels(labels)
        self._index: pd.Index | None = None
        if index is not None:
            self._index = pd.Index(index)
            if len(self._index) != self._n:
                raise ValueError(f"index has {len(self._index)} ids but n_samples is {self._n}")
            if not self._index.is_unique:
                dupes = self._index[self._index.duplicated()].unique().tolist()[:5]
                raise ValueError(f"index must hold unique sample ids; repeated: {dupes}")
        self._keep_full = bool(keep_full) or labels is None
        self._epochs: list[int] = []
        self._given_blocks: list[np.ndarray] = []
        self._pred_blocks: list[np.ndarray] = []
        self._pred_dtype = pred_dtype(len(self._classes))
        # False once record_given() left the class of a wrong prediction unknown.
        self._preds_known = True
        self._full_blocks: list[np.ndarray] = []
        self._open: _OpenEpoch | None = None

    def _codes_of_labels(self, labels: Any) -> np.ndarray:
        values = pd.Index(labels)
        if len(values) != self._n:
            raise ValueError(f"labels has {len(values)} entries but n_samples is {self._n}")
        codes = self._classes.get_indexer(values)
        unknown = codes < 0
        if unknown.any():
            examples = values[unknown].unique()[:5].tolist()
            raise ValueError(
                f"labels contain {int(unknown.sum())} values that are not in classes "
                f"(e.g. {examples}); classes are {self.classes[:10]}"
            )
        return codes.astype(np.int32)

    # -- public read-only state ---------------------------------------------------

    @property
    def n_samples(self) -> int:
        """Number of samples N."""
        return self._n

    @property
    def classes(self) -> list[Hashable]:
        """The class values in probability-column order."""
        return self._classes.tolist()

    @property
    def index(self) -> pd.Index | None:
        """The sample ids given as ``index=``, or None (ids are row positions)."""
        return self._index

    @property
    def label_codes(self) -> np.ndarray | None:
        """The given labels as int32 codes into :attr:`classes` (read-only), or None."""
        return None if self._label_codes is None else _read_only(self._label_codes)

    @property
    def keeps_full(self) -> bool:
        """Whether full ``(N, E, C)`` probabilities are kept (``keep_full=`` or no labels)."""
        return self._keep_full

    @property
    def epochs(self) -> tuple[int, ...]:
        """Numbers of the completed epochs, in order."""
        return tuple(self._epochs)

    @property
    def n_epochs(self) -> int:
        """Number of completed epochs E."""
        return len(self._epochs)

    @property
    def nbytes(self) -> int:
        """Bytes held in numpy arrays: recorded epochs, the open epoch's buffers, label codes."""
        held = [*self._given_blocks, *self._pred_blocks, *self._full_blocks]
        if self._open is not None:
            held += [self._open.seen, self._open.given, self._open.pred, self._open.full]
        if self._label_codes is not None:
            held.append(self._label_codes)
        return int(sum(a.nbytes for a in held if a is not None))

    @property
    def given_probs(self) -> np.ndarray:
        """``(N, E)`` float32 probability of the given label after each epoch (read-only)."""
        self._require_labels("given_probs")
        self._check_closed()
        return self._stacked(self._given_blocks, (self._n, 0), np.float32)

    @property
    def correct(self) -> np.ndarray:
        """``(N, E)`` bool, whether each epoch's argmax was the given label (read-only)."""
        self._require_labels("correct")
        self._check_closed()
        preds = self._stacked(self._pred_blocks, (self._n, 0), self._pred_dtype)
        return _read_only(preds == self._label_codes[:, None])

    @property
    def epoch_preds(self) -> np.ndarray | None:
        """``(N, E)`` predicted class code (into :attr:`classes`) after each epoch (read-only).

        The dtype is :func:`pred_dtype` of the number of classes (uint8 up to 254
        classes). None when :meth:`record_given` was called without ``pred=`` and
        some prediction was wrong (its class was never seen).
        """
        self._check_closed()
        if self._label_codes is None:
            full = self._stacked(self._full_blocks, (self._n, 0, len(self._classes)), np.float32)
            return _read_only(np.argmax(full, axis=2).astype(self._pred_dtype))
        if not self._preds_known:
            return None
        return self._stacked(self._pred_blocks, (self._n, 0), self._pred_dtype)

    @property
    def full_probs(self) -> np.ndarray | None:
        """``(N, E, C)`` float32 probabilities, or None when only the given label's were kept."""
        if not self._keep_full:
            return None
        self._check_closed()
        return self._stacked(self._full_blocks, (self._n, 0, len(self._classes)), np.float32)

    def to_arrays(
        self, label_codes: npt.ArrayLike, classes: Sequence[Hashable] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(p_given (N, E) float32, correct (N, E) bool)`` for the given label codes.

        ``label_codes`` index :attr:`classes`, or ``classes`` when that is passed
        (e.g. ``SampleTable.classes``, whose order may differ from the model's
        columns). When the recorder was built with labels and only keeps the
        given-label arrays, the codes must name the same labels; with full
        probabilities any labels work (e.g. after label corrections).
        """
        n_classes = len(self._classes) if classes is None else len(classes)
        codes = as_class_codes(label_codes, n_classes, name="label_codes", length=self._n)
        if classes is not None:
            table_classes = list(classes)
            mapping = self._classes.get_indexer(pd.Index(table_classes))
            unmapped = mapping[codes] < 0
            if unmapped.any():
                absent = [table_classes[i] for i in np.unique(codes[unmapped])[:5]]
                raise ValueError(
                    f"label_codes name classes the recorder has no probabilities for: {absent}; "
                    f"recorder classes are {self.classes[:10]}"
                )
            codes = mapping[codes]
        self._check_closed()
        if self._keep_full:
            full = self._stacked(self._full_blocks, (self._n, 0, len(self._classes)), np.float32)
            p_given = np.take_along_axis(full, codes[:, None, None], axis=2)[..., 0]
            correct = np.argmax(full, axis=2) == codes[:, None]
            return p_given, correct
        differ = codes != self._label_codes
        if differ.any():
            raise ValueError(
                f"label_codes disagree with the labels given to the recorder at "
                f"{int(differ.sum())} positions (e.g. {np.flatnonzero(differ)[:5].tolist()}); "
                "build the recorder with keep_full=True to re-derive for new labels"
            )
        return self.given_probs, self.correct

    # -- recording ------------------------------------------------------------------

    def record(
        self,
        epoch: int,
        probs: npt.ArrayLike | None = None,
        ids: npt.ArrayLike | None = None,
        *,
        logits: npt.ArrayLike | None = None,
    ) -> None:
        """Record predictions made after ``epoch`` for a whole epoch or one mini-batch.

        Args:
            epoch: the epoch number; never smaller than an earlier call's.
            probs: ``(B, C)`` probabilities, columns in :attr:`classes` order.
            ids: the B samples' row positions, or ids from ``index=``. None means
                the whole epoch in row order (B must be N).
            logits: raw scores instead of ``probs``; softmax is applied.
        """
        epoch = _epoch_number(epoch)
        if (probs is None) == (logits is None):
            raise TypeError("record() needs exactly one of probs= or logits=")
        batch = check_probabilities(
            probs if logits is None else logits,
            name="probs" if logits is None else "logits",
            n_classes=len(self._classes),
            ndim=2,
            values=logits is None,
        )
        if logits is not None:
            batch = softmax(batch)
        batch = batch.astype(np.float32, copy=False)
        positions = self._positions(ids, batch.shape[0])
        given = preds = None
        if self._label_codes is not None:
            codes = self._label_codes[positions]
            given = batch[np.arange(batch.shape[0]), codes]
            preds = np.argmax(batch, axis=1)
        self._store(epoch, positions, given, preds, batch)

    def record_given(
        self,
        epoch: int,
        given_probs: npt.ArrayLike,
        correct: npt.ArrayLike,
        ids: npt.ArrayLike | None = None,
        *,
        pred: npt.ArrayLike | None = None,
    ) -> None:
        """Record the given-label probability and correctness computed elsewhere.

        For training loops that reduce the predictions themselves (e.g. on a
        GPU, so only N floats and N bools cross to the host). Needs a recorder
        built with ``labels=`` that does not keep full probabilities; ``correct``
        must say whether the argmax was the given label. ``ids`` as in :meth:`record`.
        ``pred`` is the argmax class code of each sample (into :attr:`classes`);
        without it the class of a wrong prediction is unknown, and
        :attr:`epoch_preds` becomes None.
        """
        epoch = _epoch_number(epoch)
        if self._label_codes is None or self._keep_full:
            raise ValueError(
                "record_given() needs a recorder built with labels= and keep_full=False; "
                "this one keeps full probabilities, so pass them to record()"
            )
        given = np.asarray(given_probs, dtype=np.float32)
        hits = np.asarray(correct)
        if given.ndim != 1 or hits.shape != given.shape:
            raise ValueError(
                f"given_probs and correct must be 1-D with equal lengths, "
                f"got shapes {given.shape} and {hits.shape}"
            )
        if hits.dtype != np.bool_:
            raise TypeError(f"correct must hold bools, got dtype {hits.dtype}")
        outside = ~((given >= 0) & (given <= 1))  # NaN fails both comparisons
        if outside.any():
            bad = np.flatnonzero(outside)
            raise ValueError(
                f"given_probs must be probabilities in [0, 1]; {bad.size} are not "
                f"(e.g. rows {bad[:5].tolist()}: {given[bad[:5]].tolist()})"
            )
        positions = self._positions(ids, given.shape[0])
        if pred is None:
            preds = np.where(hits, self._label_codes[positions], unknown_pred(self._pred_dtype))
            if not hits.all():
                self._preds_known = False
        else:
            preds = as_class_codes(pred, len(self._classes), name="pred", length=given.shape[0])
            disagree = (preds == self._label_codes[positions]) != hits
            if disagree.any():
                raise ValueError(
                    f"pred and correct disagree at {int(disagree.sum())} rows (e.g. "
                    f"{np.flatnonzero(disagree)[:5].tolist()}): correct must be pred == label"
                )
        self._store(epoch, positions, given, preds, None)

    def positions(self, ids: npt.ArrayLike) -> np.ndarray:
        """Row positions of ``ids`` (ids from ``index=``, else positions), checked as in
        :meth:`record`: known and not repeated. Lets a loop validate its ids early."""
        return self._positions(ids, None)

    def _store(self, epoch: int, positions: np.ndarray, given: Any, preds: Any, full: Any) -> None:
        self._check_epoch_order(epoch)
        open_epoch = self._open if self._open is not None else self._new_epoch(epoch)
        already = open_epoch.seen[positions]
        if already.any():
            raise ValueError(
                f"epoch {epoch}: {int(already.sum())} samples were already recorded in this "
                f"epoch ({self._describe(positions[already])})"
            )
        self._open = open_epoch
        open_epoch.seen[positions] = True
        open_epoch.n_seen += positions.size
        if open_epoch.given is not None:
            open_epoch.given[positions] = given
            open_epoch.pred[positions] = preds
        if open_epoch.full is not None:
            open_epoch.full[positions] = full
        if open_epoch.n_seen == self._n:
            self._commit(open_epoch)

    def _positions(self, ids: npt.ArrayLike | None, n_rows: int | None) -> np.ndarray:
        if ids is None:
            if n_rows != self._n:
                raise ValueError(
                    f"probs has {n_rows} rows but the recorder has {self._n} samples; "
                    "pass ids= to record a mini-batch"
                )
            return np.arange(self._n)
        raw = np.asarray(ids.to_numpy() if isinstance(ids, pd.Index) else ids)
        if raw.ndim != 1 or (n_rows is not None and raw.shape[0] != n_rows):
            rows = "" if n_rows is None else f" with one entry per probs row ({n_rows})"
            raise ValueError(f"ids must be 1-D{rows}, got shape {raw.shape}")
        if self._index is not None:
            positions = self._index.get_indexer(raw)
            unknown = positions < 0
            if unknown.any():
                raise ValueError(
                    f"{int(unknown.sum())} ids are not in the recorder's index "
                    f"(e.g. {raw[unknown][:5].tolist()})"
                )
        else:
            if raw.dtype == np.bool_ or not np.issubdtype(raw.dtype, np.integer):
                raise TypeError(
                    f"ids must be integer row positions in [0, {self._n}), got dtype {raw.dtype}; "
                    "pass index= to the recorder to record by sample id"
                )
            positions = raw.astype(np.int64, copy=False)
            outside = (positions < 0) | (positions >= self._n)
            if outside.any():
                raise ValueError(
                    f"ids must be row positions in [0, {self._n}); {int(outside.sum())} are not "
                    f"(e.g. {positions[outside][:5].tolist()})"
                )
        ordered = np.sort(positions)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        if repeated.size:
            raise ValueError(f"ids repeat within one call: {self._describe(np.unique(repeated))}")
        return positions

    def _check_epoch_order(self, epoch: int) -> None:
        if self._open is not None and epoch > self._open.epoch:
            self._check_closed()  # an open epoch is incomplete by construction: this raises
        last = self._open.epoch if self._open is not None else max(self._epochs, default=None)
        if last is None or epoch > last or (self._open is not None and epoch == last):
            return
        if epoch == last:
            raise ValueError(
                f"epoch {epoch} is already complete (all {self._n} samples recorded); "
                "recording it again would count samples twice"
            )
        raise ValueError(f"epoch {epoch} recorded after epoch {last}; epochs must increase")

    def _new_epoch(self, epoch: int) -> _OpenEpoch:
        labelled = self._label_codes is not None
        n_classes = len(self._classes)
        return _OpenEpoch(
            epoch=epoch,
            seen=np.zeros(self._n, dtype=np.bool_),
            given=np.full(self._n, np.nan, dtype=np.float32) if labelled else None,
            pred=np.zeros(self._n, dtype=self._pred_dtype) if labelled else None,
            full=np.zeros((self._n, n_classes), dtype=np.float32) if self._keep_full else None,
        )

    def _commit(self, open_epoch: _OpenEpoch) -> None:
        if open_epoch.given is not None:
            self._given_blocks.append(open_epoch.given[:, None])
            self._pred_blocks.append(open_epoch.pred[:, None])
        if open_epoch.full is not None:
            self._full_blocks.append(open_epoch.full[:, None, :])
        self._epochs.append(open_epoch.epoch)
        self._open = None

    def _check_closed(self) -> None:
        if self._open is None:
            return
        missing = np.flatnonzero(~self._open.seen)
        raise ValueError(
            f"epoch {self._open.epoch}: {missing.size} samples were never recorded "
            f"({self._describe(missing)})"
        )

    def _describe(self, positions: np.ndarray) -> str:
        shown = positions[:5]
        text = f"e.g. positions {shown.tolist()}"
        if self._index is not None:
            text += f", ids {self._index[shown].tolist()}"
        return text

    def _require_labels(self, what: str) -> None:
        if self._label_codes is None:
            raise ValueError(
                f"{what} needs the given labels: pass labels= to TrainingDynamics, "
                "or call to_arrays(label_codes)"
            )

    @staticmethod
    def _stacked(blocks: list[np.ndarray], empty_shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        # Epochs arrive one at a time; stacking only when read (and keeping the
        # stacked result as the single block) avoids both a max-epochs
        # preallocation and a second copy held alongside the per-epoch arrays.
        if not blocks:
            return _read_only(np.empty(empty_shape, dtype=dtype))
        if len(blocks) > 1:
            blocks[:] = [np.concatenate(blocks, axis=1)]
        return _read_only(blocks[0])

    def __repr__(self) -> str:
        storage = "full probabilities" if self._keep_full else "given-label probability + class"
        if self._keep_full and self._label_codes is not None:
            storage += " (+ given-label arrays)"
        span = f" ({self._epochs[0]}..{self._epochs[-1]})" if self._epochs else ""
        progress = (
            ""
            if self._open is None
            else (
                f"; epoch {self._open.epoch} in progress: {self._open.n_seen:,}/{self._n:,} samples"
            )
        )
        return (
            f"TrainingDynamics(n_samples={self._n:,}, classes={len(self._classes)}, "
            f"epochs={self.n_epochs}{span}, stores {storage}, {_megabytes(self.nbytes)}{progress})"
        )
