"""SampleTable: the one source of truth every view reads.

It owns the user's DataFrame (never modified), the resolved and checked role
arrays, the derived per-sample columns and the selection.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import traitlets

from . import cartography, forgetting, probability
from .frames import ListBlock, as_pandas
from .roles import Roles, _preview, class_from_suffix, resolve_roles
from .transport import sorted_unique
from .validation import (
    check_dynamics,
    check_frame,
    check_probs_column,
    check_split,
    check_thresholds,
    encode_labels,
    raw_values,
    recorder_dynamics,
    stack_vectors,
)
from .validation_values import as_float32

SelectMode = Literal["replace", "add", "subtract"]

#: Media roles in the precedence a tile follows (see :attr:`SampleTable.media_role`).
MEDIA_ROLES = ("image", "audio", "text")

#: Derived columns, in the order of :attr:`SampleTable.derived`.
DERIVED_COLUMNS = (
    "pred",
    "correct",
    "loss",
    "margin",
    "confidence",
    "variability",
    "correctness",
    "region",
    "forgetting",
    "learned_epoch",
    "flips",
)


def _class_lookup(classes: list[Any], what: str) -> dict[Any, int]:
    """Class value → code. Python equality decides (``True == 1``, ``1 == 1.0``), as in a dict."""
    try:
        lookup = {c: i for i, c in enumerate(classes)}
    except TypeError:
        raise TypeError(f"{what} must be hashable values, got {_preview(classes, 12)}") from None
    if len(lookup) != len(classes):
        raise ValueError(f"{what} must be distinct, got {_preview(classes, 12)}")
    return lookup


def _map_classes(values: list[Any], lookup: dict[Any, int]) -> np.ndarray:
    """Codes of the (few) distinct values in ``lookup``; -1 for a value it lacks."""
    return np.array([lookup.get(v, -1) for v in values], dtype=np.int64)


class SampleTable(traitlets.HasTraits):
    """One row per sample: roles, derived columns and the shared selection.

    Parameters
    ----------
    df:
        One row per sample: a pandas DataFrame (its index holds the sample ids, which
        must be unique), a polars DataFrame, a pyarrow Table / RecordBatch /
        RecordBatchReader, or any object with ``__arrow_c_stream__``
        (:func:`nbdatalens.frames.as_pandas`). List columns of polars / Arrow
        (``Array``, ``List``: embeddings, probabilities, dynamics) are read as blocks.
    id:
        The column holding the sample ids (it becomes the index); for frames
        without an index (polars, Arrow), which are otherwise numbered 0..N-1.
    classes:
        The class values in probability-column order. Needed only when the
        probabilities cover classes that never appear as a given label.
    thresholds:
        Data-map region thresholds, see :data:`nbdatalens.cartography.DEFAULT_THRESHOLDS`.
    **roles:
        Explicit roles: a column name, a list of columns (``probs``,
        ``embedding``), an array aligned with the rows (``probs=P``,
        ``embedding=E``), or a ``TrainingDynamics`` recorder
        (``dynamics=rec``). ``False`` turns a role's detection off.

    Classes are coded once in :attr:`classes`: the given labels' classes
    (sorted when orderable, in category order for a categorical label
    column, in probability-column order with per-class columns or
    ``classes=``), then any class that is only ever predicted.

    Example
    -------
    >>> table = SampleTable(df, label="y", probs=P)    # doctest: +SKIP
    >>> table.derived[["pred", "loss"]].head()         # doctest: +SKIP
    """

    #: Row positions (sorted, unique, read-only int64) of the selected samples; empty = none.
    selection = traitlets.Any(np.zeros(0, dtype=np.int64))

    def __init__(
        self,
        df: Any,
        *,
        id: Hashable | None = None,
        classes: Iterable[Any] | None = None,
        thresholds: Mapping[str, float] | None = None,
        **roles: Any,
    ) -> None:
        super().__init__()
        frame, blocks = as_pandas(df, id)
        #: The user's rows as a pandas frame (the user's own frame when it was pandas).
        self.df = check_frame(frame)
        self.roles: Roles = _with_blocks(resolve_roles(self.df, **roles), blocks)
        self.n = len(self.df)
        self.thresholds = check_thresholds(thresholds)
        self._resolve_classes_and_labels(classes)
        self._resolve_dynamics()
        self._resolve_geometry()
        self._check_media()
        self._resolve_split()
        self.derived = self._derive()
        self._knn: Any = None

    # ------------------------------------------------------------------ roles
    def _resolve_classes_and_labels(self, classes: Iterable[Any] | None) -> None:
        df, roles = self.df, self.roles
        label_src = roles["label"]
        assert label_src is not None  # resolve_roles refuses a frame without one
        label_classes, label_codes = encode_labels(df, label_src)
        probs_src = roles["probs"]
        if classes is not None:
            base, origin = list(classes), "classes="
        elif probs_src is not None and probs_src.block:
            base = [class_from_suffix(str(c), label_classes) for c in probs_src.columns or ()]
            origin = f"the probability columns {probs_src.name}"
        else:
            base, origin = label_classes, ""
        lookup = _class_lookup(base, f"classes (from {origin})" if origin else "classes")
        if origin:
            mapping = _map_classes(label_classes, lookup)
            if (mapping < 0).any():
                unknown = [c for c, m in zip(label_classes, mapping, strict=True) if m < 0]
                raise ValueError(
                    f"column {label_src.name!r} (label): values {_preview(unknown, 5)} are not "
                    f"among the classes {_preview(base, 12)} given by {origin}"
                )
            label_codes = mapping[label_codes].astype(np.int32)

        all_classes = list(base)
        pred_codes: np.ndarray | None = None
        pred_src = roles["prediction"]
        if pred_src is not None:
            pred_classes, pred_codes = encode_labels(df, pred_src, "prediction")
            mapping = _map_classes(pred_classes, lookup)
            extra = mapping < 0
            # A class the model predicts but no sample is given is real: it gets
            # its own column in the confusion matrix rather than an error...
            mapping[extra] = len(base) + np.arange(int(extra.sum()))
            all_classes += [c for c, e in zip(pred_classes, extra, strict=True) if e]
            pred_codes = mapping[pred_codes].astype(np.int32)
            # ...unless it is a known class in another type (1 vs "1"): two columns
            # shown under one name would hide every hit.
            names = {str(c): c for c in base}
            for c in all_classes[len(base) :]:
                if str(c) in names:
                    raise ValueError(
                        f"column {pred_src.name!r} (prediction): predicted {c!r} "
                        f"({type(c).__name__}) and the label class {names[str(c)]!r} "
                        f"({type(names[str(c)]).__name__}) differ only in type; convert one "
                        "column to the other's type"
                    )

        self.classes: list[Any] = all_classes
        self.n_label_classes = len(base)
        self.label_codes: np.ndarray = label_codes
        self.probs: np.ndarray | None = None
        if probs_src is not None:
            raw = stack_vectors(df, probs_src, "probs", 2)
            self.probs = check_probs_column(df, raw, probs_src.name, len(base), base)
            if pred_codes is None:
                pred_codes = probability.argmax_predictions(self.probs)
        self.pred_codes: np.ndarray | None = pred_codes

    def _resolve_dynamics(self) -> None:
        """Training dynamics → per-epoch given-label probability and correctness."""
        src = self.roles["dynamics"]
        self.dynamics_given: np.ndarray | None = None
        self.dynamics_correct: np.ndarray | None = None
        #: (N, E) predicted class codes per epoch (unknown = the dtype's max), or None.
        self.epoch_pred: np.ndarray | None = None
        if src is None:
            return
        last: np.ndarray | None = None
        if src.columns is None and hasattr(src.value, "to_arrays"):
            base = self.classes[: self.n_label_classes]
            given, correct, last = recorder_dynamics(self.df, src.value, self.label_codes, base)
            self.epoch_pred = forgetting.recorder_epoch_preds(self.df, src.value, self.classes)
        else:
            arr = stack_vectors(self.df, src, "dynamics", (2, 3), allow_missing=True)
            given, exact = check_dynamics(
                self.df, arr, src.name, self.label_codes, self.n_label_classes
            )
            if exact is None:
                # Only the given label's probability is known: p > 0.5 guarantees it is
                # the argmax; below that we cannot tell, so correctness is a lower bound.
                correct = cartography.estimated_correct(given)
            else:
                correct = exact
                # The last epoch stands in for probs only when every sample has one.
                last = None if np.isnan(given[:, 0]).any() else arr[:, -1, :]
            self.epoch_pred = forgetting.array_epoch_preds(arr, given)
        if last is not None and self.probs is None:  # the last epoch is the model's final word
            self.probs = np.ascontiguousarray(last, dtype=np.float32)
            if self.pred_codes is None:
                self.pred_codes = probability.argmax_predictions(self.probs)
        if self.pred_codes is None and self.epoch_pred is not None:
            self.pred_codes = forgetting.final_predictions(self.epoch_pred)
        self.dynamics_given = np.asarray(given, dtype=np.float32)
        self.dynamics_correct = np.asarray(correct, dtype=bool)

    def _resolve_geometry(self) -> None:
        roles = self.roles
        self.embedding: np.ndarray | None = None
        if "embedding" in roles:
            src = roles["embedding"]
            emb = stack_vectors(self.df, src, "embedding", 2)
            self.embedding = as_float32(self.df, emb, src.name, "embedding")
        self.xy: np.ndarray | None = None
        if "x" in roles:
            xy = np.empty((self.n, 2), dtype=np.float32)
            for j, axis in enumerate(("x", "y")):
                src = roles[axis]
                arr = stack_vectors(self.df, src, axis, (1, 2))
                if arr.ndim == 2 and arr.shape[1] != 1:
                    raise ValueError(
                        f"column {src.name!r} ({axis}): expected one number per row, got shape "
                        f"{arr.shape}"
                    )
                xy[:, j] = as_float32(self.df, arr, src.name, axis).reshape(self.n)
            self.xy = xy

    def _check_media(self) -> None:
        from .audio import check_audio_column
        from .media import check_image_column

        for role in ("image", "audio"):
            src = self.roles[role]
            if src is None:
                continue
            values = raw_values(self.df, src)
            if not isinstance(values, (pd.Series, np.ndarray)) or (
                isinstance(values, np.ndarray) and (values.ndim == 1 or role == "audio")
            ):
                values = pd.Series(list(values), index=self.df.index)  # errors name the id
            if role == "image":
                check_image_column(values, src.name)
            else:
                check_audio_column(values, src.name, has_rate="sample_rate" in self.roles)

    def _resolve_split(self) -> None:
        src = self.roles["split"]
        #: int8 split code per row (0 train, 1 validation, 2 test; validation.SPLITS), or None.
        self.split_codes: np.ndarray | None = None
        if src is not None:
            self.split_codes = check_split(self.df, raw_values(self.df, src), src.name)

    # ---------------------------------------------------------------- derived
    def _derive(self) -> pd.DataFrame:
        n = self.n
        categories = _categories(self.classes)
        cols: dict[str, Any] = {}
        if self.pred_codes is not None:
            cols["pred"] = pd.Categorical.from_codes(self.pred_codes, categories=categories)
            cols["correct"] = pd.arrays.BooleanArray(
                self.pred_codes == self.label_codes, np.zeros(n, dtype=bool)
            )
        else:
            cols["pred"] = pd.Categorical.from_codes(np.full(n, -1), categories=categories)
            cols["correct"] = pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
        nan = np.full(n, np.nan, dtype=np.float32)
        if self.probs is not None:
            cols["loss"], cols["margin"] = probability.loss_and_margin(self.probs, self.label_codes)
        else:
            cols["loss"], cols["margin"] = nan, nan.copy()
        region = np.full(n, -1, dtype=np.int16)
        if self.dynamics_given is not None:
            m = cartography.training_dynamics_metrics(self.dynamics_given, self.dynamics_correct)
            cols["confidence"] = m.confidence
            cols["variability"] = m.variability
            cols["correctness"] = m.correctness
            codes = cartography.assign_regions(m.confidence, m.variability, self.thresholds)
            region = codes.astype(np.int16)
            region[codes == cartography.UNKNOWN_REGION] = -1
        else:
            for name in ("confidence", "variability", "correctness"):
                cols[name] = nan.copy()
        cols["region"] = pd.Categorical.from_codes(region, categories=list(cartography.REGIONS))
        valid = None if self.dynamics_given is None else ~np.isnan(self.dynamics_given[:, 0])
        learning = forgetting.learning_columns(self.dynamics_correct, self.epoch_pred, valid)
        cols.update({k: nan.copy() if v is None else v for k, v in learning.items()})
        # copy=False: each column is ours and keeps its own block (no stacked copy).
        return pd.DataFrame(cols, index=self.df.index, columns=list(DERIVED_COLUMNS), copy=False)

    @property
    def labels(self) -> np.ndarray:
        """The given label of every row (class values, object array)."""
        return np.asarray([*self.classes, None], dtype=object)[:-1][self.label_codes]

    @property
    def class_names(self) -> list[str]:
        """The classes as display strings (what the views show)."""
        return [str(c) for c in self.classes]

    @property
    def has_dynamics(self) -> bool:
        """True when training dynamics were given (the data map can be drawn)."""
        return self.dynamics_given is not None

    @property
    def n_epochs(self) -> int:
        """Number of epochs of training dynamics (0 without dynamics)."""
        return 0 if self.dynamics_given is None else int(self.dynamics_given.shape[1])

    def knn(self) -> Any:
        """The one cosine kNN index of the embedding (built on first use, then shared by the
        issue checks and "find similar"). ValueError without an embedding."""
        if self.embedding is None:
            raise ValueError("the table has no embedding: name one with embedding=...")
        if self._knn is None:
            from .neighbors import KnnIndex

            self._knn = KnnIndex(self.embedding)
        return self._knn

    @property
    def media_role(self) -> str:
        """What a sample's tile shows: ``"image"``, ``"audio"``, ``"text"`` or ``"none"``.

        The one precedence every view and export follows: an image column wins
        over audio, audio over text.
        """
        return next((r for r in MEDIA_ROLES if r in self.roles), "none")

    def cell(self, role: str, pos: int) -> Any:
        """The raw value of ``role`` at row ``pos`` (a column cell or the passed array's item).

        KeyError when the table has no such role.
        """
        src = self.roles[role]
        if src is None:
            raise KeyError(f"the table has no {role} role")
        if src.columns is None:
            return src.value[pos]
        return self.df[src.columns[0]].iat[pos]

    # ----------------------------------------------------------- id mapping
    def positions(self, ids: Any) -> np.ndarray:
        """Row positions of sample ids (DataFrame index labels); unknown ids are a KeyError.

        ``ids`` may be one id, any iterable of ids (list, Index, Series values,
        set), or a boolean mask over the rows: a bool array of length N (by
        position), or a bool Series **aligned by id**, e.g. ``derived["loss"] > 3``.
        A Series mask must hold a value for every id of the table (in any order),
        else KeyError saying how many are missing, and a True at an id the table
        lacks is a KeyError like any unknown id: a mask from another frame never
        silently selects nothing. Pass ``mask[mask].index`` to select from a
        mask over part of the table.
        """
        index = self.df.index
        if isinstance(ids, (pd.Series, np.ndarray)) and pd.api.types.is_bool_dtype(ids.dtype):
            if isinstance(ids, pd.Series):
                ids = self._series_mask(ids)
            if ids.shape != (self.n,):
                raise ValueError(f"a boolean mask must have shape ({self.n},), got {ids.shape}")
            return np.flatnonzero(ids)
        if isinstance(ids, (pd.Index, pd.Series, np.ndarray)):
            wanted = pd.Index(np.ravel(ids) if isinstance(ids, np.ndarray) else ids)
        elif (
            isinstance(ids, (str, bytes))
            or not isinstance(ids, Iterable)
            or (isinstance(ids, tuple) and isinstance(index, pd.MultiIndex))
        ):
            wanted = pd.Index([ids], tupleize_cols=False)  # one id (a MultiIndex id is a tuple)
        else:
            wanted = pd.Index(list(ids), tupleize_cols=False)
        pos = index.get_indexer(wanted)
        if (pos < 0).any():
            missing = wanted[pos < 0]
            raise KeyError(
                f"{len(missing)} id(s) are not in the table's index: {_preview(missing, 5)}"
            )
        return pos.astype(np.int64)

    def _series_mask(self, mask: pd.Series) -> np.ndarray:
        index = self.df.index
        if mask.index.equals(index):
            return mask.to_numpy(dtype=bool, na_value=False)
        if not mask.index.is_unique:
            raise ValueError("a boolean Series mask must have unique ids in its index")
        unknown = mask.index[mask.to_numpy(dtype=bool, na_value=False)].difference(index)
        if len(unknown):
            raise KeyError(
                f"the boolean mask is True for {len(unknown)} id(s) that are not in the "
                f"table's index: {_preview(unknown, 5)}"
            )
        missing = index.difference(mask.index)
        if len(missing):
            raise KeyError(
                f"the boolean mask has no value for {len(missing)} of the table's {self.n} "
                f"ids, e.g. {_preview(missing, 5)}; a Series mask is aligned by id and must "
                "cover the table (for a mask over some samples pass mask[mask].index)"
            )
        return mask.reindex(index).to_numpy(dtype=bool, na_value=False)

    def ids(self, positions: np.ndarray) -> pd.Index:
        """Sample ids (index labels) at row positions."""
        return self.df.index[np.asarray(positions, dtype=np.int64)]

    # ------------------------------------------------------------ selection
    def select_positions(self, positions: Any, mode: SelectMode = "replace") -> None:
        """Set, extend or reduce the selection by row positions; views follow.

        Observers of ``selection`` hear once per actual change, never for a no-op.
        """
        if mode not in ("replace", "add", "subtract"):
            raise ValueError(f"mode must be 'replace', 'add' or 'subtract', got {mode!r}")
        pos = np.asarray(positions, dtype=np.int64).ravel()
        if pos.size and (pos.min() < 0 or pos.max() >= self.n):
            raise IndexError(
                f"row positions must lie in [0, {self.n}), got {pos.min()}…{pos.max()}"
            )
        pos = sorted_unique(pos, self.n)
        current = self.selection
        if mode == "add":
            pos = np.union1d(current, pos)
        elif mode == "subtract":
            pos = np.setdiff1d(current, pos, assume_unique=True)
        if np.array_equal(pos, current):
            return
        pos = pos.astype(np.int64, copy=False)
        pos.setflags(write=False)
        self.selection = pos

    def select(self, ids: Any, mode: SelectMode = "replace") -> None:
        """Select samples by id (DataFrame index labels) or boolean mask; views follow.

        >>> table.select([3, 7]); table.select([9], mode="add")   # doctest: +SKIP
        >>> list(table.selected)                                    # doctest: +SKIP
        [3, 7, 9]
        """
        self.select_positions(self.positions(ids), mode)

    @property
    def selected(self) -> pd.Index:
        """Ids of the selected samples, in table order."""
        return self.ids(self.selection)

    def clear_selection(self) -> None:
        """Select nothing."""
        self.select_positions(np.zeros(0, dtype=np.int64))

    def __repr__(self) -> str:
        parts = [f"{self.n} samples", f"{len(self.classes)} classes"]
        if self.has_dynamics:
            parts.append(f"{self.n_epochs} epochs of dynamics")
        if self.embedding is not None:
            parts.append(f"{self.embedding.shape[1]}-d embedding")
        roles = ", ".join(f"{k}={v}" for k, v in self.roles.column_names().items())
        return f"SampleTable({'; '.join(parts)}; roles: {roles})"


def _with_blocks(roles: Roles, blocks: Mapping[Any, ListBlock]) -> Roles:
    """Roles read from a list column of an Arrow-backed input carry its block."""
    if not blocks:
        return roles
    sources = dict(roles.sources)
    for role, src in sources.items():
        if src.columns and len(src.columns) == 1 and not src.block:
            block = blocks.get(src.columns[0])
            if block is not None:
                sources[role] = dataclasses.replace(src, list_block=block)
    return Roles(sources)


def _categories(classes: list[Any]) -> pd.Index:
    """Categories for the ``pred`` column: typed when the classes share a type."""
    # tupleize_cols=False: tuple classes stay one level of tuples, not a MultiIndex.
    index = pd.Index(classes, tupleize_cols=False)
    if not index.is_unique or len(index) != len(classes):
        index = pd.Index(classes, dtype=object, tupleize_cols=False)
    return index
