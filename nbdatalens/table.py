"""SampleTable: the one source of truth every view reads.

It owns the user's DataFrame (never modified), the resolved and checked role
arrays, the derived per-sample columns and the selection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import traitlets

from . import cartography, probability
from .roles import Roles, class_from_suffix, resolve_roles
from .validation import (
    check_dynamics_shape,
    check_frame,
    check_labels,
    check_probabilities,
    per_class_columns,
    raw_values,
    stack_vectors,
)

SelectMode = Literal["replace", "add", "subtract"]

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
)


def _ordered_classes(values: np.ndarray) -> list[Any]:
    uniq = pd.unique(values)
    try:
        return sorted(uniq.tolist())
    except TypeError:  # mixed, unorderable types: keep first-seen order
        return uniq.tolist()


def _codes(values: np.ndarray, classes: list[Any]) -> np.ndarray:
    return pd.Index(classes, dtype=object).get_indexer(pd.Index(values, dtype=object))


class SampleTable(traitlets.HasTraits):
    """One row per sample: roles, derived columns and the shared selection.

    Parameters
    ----------
    df:
        One row per sample; its index holds the sample ids (must be unique).
    classes:
        The class values in probability-column order. Needed only when the
        probabilities cover classes that never appear as a given label.
    thresholds:
        Data-map region thresholds, see :data:`nbdatalens.cartography.DEFAULT_THRESHOLDS`.
    **roles:
        Explicit roles: a column name, a list of columns (``probs``), or an
        array aligned with the rows (``probs=P``, ``embedding=E``,
        ``dynamics=recorder``).

    Example
    -------
    >>> table = SampleTable(df, label="y", probs=P)
    >>> table.derived[["pred", "loss"]].head()
    """

    #: Row positions (sorted, unique int64) of the selected samples; empty = none.
    selection = traitlets.Any(np.zeros(0, dtype=np.int64))

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        classes: Iterable[Any] | None = None,
        thresholds: Mapping[str, float] | None = None,
        **roles: Any,
    ) -> None:
        super().__init__()
        self.df = check_frame(df)
        self.roles: Roles = resolve_roles(df, **roles)
        self.n = len(df)
        self.thresholds = {**cartography.DEFAULT_THRESHOLDS, **(thresholds or {})}
        self._resolve_classes_and_labels(classes)
        self._resolve_scores()
        self._resolve_geometry()
        self._check_media()
        self.derived = self._derive()
        self._widget_model: Any = None

    # ------------------------------------------------------------------ roles
    def _resolve_classes_and_labels(self, classes: Iterable[Any] | None) -> None:
        roles = self.roles
        labels = check_labels(self.df, roles["label"])
        preds = (
            check_labels(self.df, roles["prediction"], "prediction")
            if "prediction" in roles
            else None
        )
        probs_src = roles["probs"]
        probs: np.ndarray | None = None
        if classes is not None:
            base = list(classes)
        elif probs_src is not None and probs_src.columns and len(probs_src.columns) > 1:
            label_classes = _ordered_classes(labels)
            base = [class_from_suffix(c, label_classes) for c in probs_src.columns]
        else:
            base = _ordered_classes(labels)
        if len(set(map(repr, base))) != len(base):
            raise ValueError(f"classes must be distinct, got {base!r}")
        label_codes = _codes(labels, base)
        if (label_codes < 0).any():
            unknown = pd.unique(labels[label_codes < 0])
            raise ValueError(
                f"column {roles['label'].name!r} (label): values {list(unknown[:5])!r} are not "
                f"among the classes {base!r}"
            )
        all_classes = list(base)
        if preds is not None:
            extra = [c for c in pd.unique(preds).tolist() if c not in set(all_classes)]
            all_classes += extra  # predicted-only classes are real: show them, don't refuse
        self.classes: list[Any] = all_classes
        self.n_label_classes = len(base)
        self.labels = labels
        self.label_codes = label_codes.astype(np.int32)

        if probs_src is not None:
            if probs_src.columns and len(probs_src.columns) > 1:
                raw = per_class_columns(self.df, probs_src)
            else:
                raw = stack_vectors(self.df, probs_src, "probs", 2)
            probs = check_probabilities(self.df, raw, probs_src.name, len(base), base)
        self.probs = probs

        if preds is not None:
            self.pred_codes: np.ndarray | None = _codes(preds, all_classes).astype(np.int32)
        elif probs is not None:
            self.pred_codes = probability.argmax_predictions(probs).astype(np.int32)
        else:
            self.pred_codes = None

    def _resolve_scores(self) -> None:
        """Training dynamics → per-epoch given-label probability and correctness."""
        src = self.roles["dynamics"]
        self.dynamics_given: np.ndarray | None = None
        self.dynamics_correct: np.ndarray | None = None
        if src is None:
            return
        value = src.value
        if value is not None and hasattr(value, "to_arrays"):
            given, correct = value.to_arrays(self.label_codes)
            if given.shape[0] != self.n:
                raise ValueError(
                    f"dynamics: the recorder holds {given.shape[0]} samples but the frame has "
                    f"{self.n} rows"
                )
        else:
            arr = stack_vectors(self.df, src, "dynamics", (2, 3))
            arr = check_dynamics_shape(arr, src.name, self.n, self.n_label_classes)
            if arr.ndim == 3:
                given = probability.given_label_probability(arr, self.label_codes)
                correct = arr.argmax(axis=2) == self.label_codes[:, None]
                if self.probs is None:  # the last epoch is the model's final word
                    self.probs = np.ascontiguousarray(arr[:, -1, :])
                    self.pred_codes = probability.argmax_predictions(self.probs).astype(np.int32)
            else:
                given = arr
                # Only the given label's probability is known: p > 0.5 guarantees it is the
                # argmax; below that we cannot tell, so correctness is a lower bound.
                correct = arr > 0.5
        self.dynamics_given = np.asarray(given, dtype=np.float32)
        self.dynamics_correct = np.asarray(correct, dtype=bool)

    def _resolve_geometry(self) -> None:
        roles = self.roles
        self.embedding: np.ndarray | None = None
        if "embedding" in roles:
            emb = stack_vectors(self.df, roles["embedding"], "embedding", 2)
            self.embedding = np.ascontiguousarray(emb, dtype=np.float32)
        self.xy: np.ndarray | None = None
        if "x" in roles:
            cols = []
            for axis in ("x", "y"):
                arr = stack_vectors(self.df, roles[axis], axis, (1, 2))
                cols.append(arr.reshape(self.n))
            self.xy = np.column_stack(cols).astype(np.float32)

    def _check_media(self) -> None:
        if "image" in self.roles:
            from .thumbnails import check_image_column

            src = self.roles["image"]
            values = raw_values(self.df, src)
            check_image_column(pd.Series(values, index=self.df.index) if src.columns is None else values, src.name)

    # ---------------------------------------------------------------- derived
    def _derive(self) -> pd.DataFrame:
        n = self.n
        nan = np.full(n, np.nan, dtype=np.float32)
        cols: dict[str, Any] = {}
        if self.pred_codes is not None:
            cols["pred"] = pd.Categorical.from_codes(self.pred_codes, categories=_cat_index(self.classes))
            cols["correct"] = pd.array(self.pred_codes == self.label_codes, dtype="boolean")
        else:
            cols["pred"] = pd.Categorical.from_codes(np.full(n, -1), categories=_cat_index(self.classes))
            cols["correct"] = pd.array([pd.NA] * n, dtype="boolean")
        if self.probs is not None:
            cols["loss"] = probability.cross_entropy_loss(self.probs, self.label_codes)
            cols["margin"] = probability.margin(self.probs, self.label_codes)
        else:
            cols["loss"], cols["margin"] = nan, nan.copy()
        if self.dynamics_given is not None:
            m = cartography.training_dynamics_metrics(self.dynamics_given, self.dynamics_correct)
            conf, var, corr = m["confidence"], m["variability"], m["correctness"]
            region = cartography.assign_regions(conf, var, self.thresholds)
            cols["confidence"], cols["variability"], cols["correctness"] = conf, var, corr
            cols["region"] = pd.Categorical.from_codes(
                np.where(region == 255, -1, region), categories=list(cartography.REGIONS)
            )
        else:
            cols["confidence"], cols["variability"], cols["correctness"] = nan, nan.copy(), nan.copy()
            cols["region"] = pd.Categorical.from_codes(np.full(n, -1), categories=list(cartography.REGIONS))
        return pd.DataFrame(cols, index=self.df.index, columns=list(DERIVED_COLUMNS))

    @property
    def class_names(self) -> list[str]:
        """The classes as display strings (what the views show)."""
        return [str(c) for c in self.classes]

    @property
    def has_dynamics(self) -> bool:
        return self.dynamics_given is not None

    @property
    def n_epochs(self) -> int:
        return 0 if self.dynamics_given is None else int(self.dynamics_given.shape[1])

    # ----------------------------------------------------------- id mapping
    def positions(self, ids: Any) -> np.ndarray:
        """Row positions of sample ids (DataFrame index labels); unknown ids are an error."""
        if isinstance(ids, (pd.Index, pd.Series, np.ndarray, list, tuple, set, frozenset)):
            wanted = pd.Index(list(ids) if isinstance(ids, (set, frozenset)) else ids)
        else:
            wanted = pd.Index([ids])
        pos = self.df.index.get_indexer(wanted)
        if (pos < 0).any():
            missing = wanted[pos < 0]
            raise KeyError(
                f"{len(missing)} id(s) are not in the table's index, e.g. {list(missing[:5])!r}"
            )
        return pos.astype(np.int64)

    def ids(self, positions: np.ndarray) -> pd.Index:
        """Sample ids (index labels) at row positions."""
        return self.df.index[np.asarray(positions, dtype=np.int64)]

    # ------------------------------------------------------------ selection
    def select_positions(self, positions: Any, mode: SelectMode = "replace") -> None:
        """Set, extend or reduce the selection by row positions; views follow."""
        pos = np.unique(np.asarray(positions, dtype=np.int64).ravel())
        if pos.size and (pos[0] < 0 or pos[-1] >= self.n):
            raise IndexError(f"row positions must lie in [0, {self.n}), got {pos[0]}…{pos[-1]}")
        current = self.selection
        if mode == "add":
            pos = np.union1d(current, pos)
        elif mode == "subtract":
            pos = np.setdiff1d(current, pos, assume_unique=True)
        elif mode != "replace":
            raise ValueError(f"mode must be 'replace', 'add' or 'subtract', got {mode!r}")
        if np.array_equal(pos, current):
            return
        pos.setflags(write=False)
        self.selection = pos

    def select(self, ids: Any, mode: SelectMode = "replace") -> None:
        """Select samples by id (DataFrame index labels)."""
        self.select_positions(self.positions(ids), mode)

    @property
    def selected(self) -> pd.Index:
        """Ids of the selected samples, in table order."""
        return self.ids(self.selection)

    def clear_selection(self) -> None:
        self.select_positions(np.zeros(0, dtype=np.int64))

    # ---------------------------------------------------------------- views
    def widget_model(self) -> Any:
        """The browser-side table model (created once, shared by all views)."""
        if self._widget_model is None:
            from .views.table_model import TableModel

            self._widget_model = TableModel(self)
        return self._widget_model

    def frame(self) -> pd.DataFrame:
        """The user's columns joined with the derived columns (derived names win)."""
        user = self.df.drop(columns=[c for c in DERIVED_COLUMNS if c in self.df.columns])
        return user.join(self.derived)

    def __repr__(self) -> str:
        parts = [f"{self.n} samples", f"{len(self.classes)} classes"]
        if self.has_dynamics:
            parts.append(f"{self.n_epochs} epochs of dynamics")
        if self.embedding is not None:
            parts.append(f"{self.embedding.shape[1]}-d embedding")
        roles = ", ".join(f"{k}={v}" for k, v in self.roles.column_names().items())
        return f"SampleTable({'; '.join(parts)}; roles: {roles})"


def _cat_index(classes: list[Any]) -> pd.Index:
    return pd.Index(classes, dtype=object)
