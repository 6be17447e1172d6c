"""Tags, label corrections and saved selections of one SampleTable.

Everything here is kept by row position (``0..N-1``); ids appear only at the
``DataLens`` boundary. A change is first saved through the store (the
session file, when there is one; a refusal raises and undoes it), then
notifies every listener (the browser's table model, ...) once, and only
when something actually changed.

Policies, in one place:

* **Tags** are the built-ins :data:`BUILTIN_TAGS` plus free text: a string,
  stripped, 1 to :data:`MAX_TAG_LENGTH` characters, no control characters.
  At most :data:`MAX_TAGS` distinct tags are in use at once (the browser gets
  one bit per tag). A free tag no sample carries any more disappears.
* **Corrections**: a corrected label is one of the table's classes, matched
  by value (``7 == 7.0``) or, failing that, by its text (``"7"`` from a
  Label Studio export or a text box finds class ``7``). Any other value is
  accepted as a *new* class with a warning (a labeler may find a class the
  model was never given). Correcting a sample to its given label removes
  its correction: it is not a correction. ``None`` removes it too. (A
  session restored onto the user's corrected frame keeps its corrections
  even where they now equal the label.) In a table of tuple classes a
  tuple is one label.
* **Saved selections** are named sets of rows; saving under an existing name
  replaces it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from .annotation_names import (
    MAX_SELECTION_NAME_LENGTH,
    MAX_TAG_LENGTH,
    _user_stacklevel,
    check_selection_name,
    check_tag,
)
from .roles import _preview
from .transport import sorted_unique

__all__ = [
    "BUILTIN_TAGS",
    "MAX_SELECTION_NAME_LENGTH",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "Annotations",
    "check_selection_name",
    "check_tag",
]

if TYPE_CHECKING:
    from .table import SampleTable

#: Tags every lens offers, in this order, before any free-text tag.
BUILTIN_TAGS = ("mislabeled", "ambiguous", "duplicate", "bad-sample")
#: Most distinct tags in use at once (one bit each in the browser's uint32 mask).
MAX_TAGS = 32
#: The columns the annotations add to the joined frame (:mod:`nbdatalens.columns`).
ANNOTATION_COLUMNS = ("tags", "corrected_label")
#: Separator of the ``tags`` column's text ("mislabeled, duplicate").
TAG_SEPARATOR = ", "

Listener = Callable[[str], None]
_EMPTY = np.zeros(0, dtype=np.int64)
#: The kinds of change listeners hear, in the order a whole-state change notifies them.
KINDS = ("tags", "corrections", "selections")


class Store(Protocol):
    """Where changes are saved before anyone hears of them (the session file)."""

    def commit(self, kind: str) -> dict[str, Any] | None:
        """Save the annotations' current state; raise to refuse the change. May return
        :meth:`Annotations.load_state` arguments: the saved state, when it differs (another
        writer's changes merged in)."""
        ...


def _is_missing(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (a scalar that stands for "no label")."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # containers: not a missing scalar
        return False


class Annotations:
    """The tags, corrected labels and saved selections of one table, by row position.

    Owned by :class:`~nbdatalens.lens.DataLens` (``lens.annotations``) and handed
    explicitly to whatever reads or changes it: the session, the table model,
    export. The table knows nothing of it.
    """

    def __init__(self, table: SampleTable) -> None:
        self.table = table
        n = table.n
        self._tags: dict[str, np.ndarray] = {tag: _EMPTY for tag in BUILTIN_TAGS}
        #: Code of each row's corrected label in :attr:`classes`, -1 = not corrected.
        self._corrected = np.full(n, -1, dtype=np.int32)
        self._new_classes: list[Any] = []
        #: Unix time of each row's last tag or label change (NaN = never).
        self._time = np.full(n, np.nan)
        self._selections: dict[str, np.ndarray] = {}
        self._listeners: list[Listener] = []
        self._store: Store | None = None

    # ------------------------------------------------------------ listeners
    def observe(self, listener: Listener) -> None:
        """Call ``listener(kind)`` after each change; kind is ``"tags"``,
        ``"corrections"`` or ``"selections"``."""
        self._listeners.append(listener)

    def unobserve(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners = [f for f in self._listeners if f is not listener]

    def _changed(self, *kinds: str) -> None:
        """Tell every listener (one failing listener does not keep the others from hearing;
        the first error is raised once all have been called)."""
        error: BaseException | None = None
        for kind in kinds:
            for listener in list(self._listeners):
                try:
                    listener(kind)
                except Exception as exc:
                    error = error or exc
        if error is not None:
            raise error

    # --------------------------------------------------------------- saving
    def set_store(self, store: Store | None) -> None:
        """Save every change through ``store`` before it is kept and heard (the session).

        A change the store refuses (a failed write, a label it cannot keep) raises and
        leaves the annotations exactly as they were: nobody hears of it.
        """
        self._store = store

    def _begin(self) -> tuple[Any, ...] | None:
        """What undoes the change about to be made (None without a store: nothing to undo)."""
        if self._store is None:
            return None
        return (
            dict(self._tags),
            self._corrected.copy(),
            list(self._new_classes),
            self._time.copy(),
            dict(self._selections),
        )

    def _commit(self, kind: str, undo: tuple[Any, ...] | None) -> None:
        """Save the change just made (undoing it if the store refuses), then notify."""
        kinds: tuple[str, ...] = (kind,)
        if self._store is not None and undo is not None:
            try:
                merged = self._store.commit(kind)
            except BaseException:
                (self._tags, self._corrected, self._new_classes, self._time) = undo[:4]
                self._selections = undo[4]
                raise
            if merged is not None:
                self._take(self._fresh(**merged))
                kinds = KINDS
        self._changed(*kinds)

    def _touch(self, positions: np.ndarray) -> None:
        # Milliseconds, as the session file keeps them: a restored lens shows the same times.
        self._time[positions] = round(time.time(), 3)

    def _positions(self, positions: Any) -> np.ndarray:
        pos = np.asarray(positions, dtype=np.int64).ravel()
        if pos.size and (pos.min() < 0 or pos.max() >= self.table.n):
            raise IndexError(
                f"row positions must lie in [0, {self.table.n}), got {pos.min()}…{pos.max()}"
            )
        return sorted_unique(pos, self.table.n)

    # ---------------------------------------------------------------- tags
    @property
    def tag_names(self) -> list[str]:
        """Tags in use: the built-ins (always), then free tags in order of first use."""
        return list(self._tags)

    def tagged(self, tag: str) -> np.ndarray:
        """Sorted row positions carrying ``tag`` (empty for an unknown tag)."""
        return self._tags.get(tag.strip() if isinstance(tag, str) else tag, _EMPTY)

    def tag(self, positions: Any, tag: str) -> int:
        """Add ``tag`` to the rows; returns how many rows newly carry it."""
        name = check_tag(tag)
        pos = self._positions(positions)
        if name not in self._tags and len(self._tags) >= MAX_TAGS:
            raise ValueError(
                f"tag {name!r}: at most {MAX_TAGS} distinct tags can be in use; "
                f"in use: {_preview(self.tag_names, MAX_TAGS)}"
            )
        current = self._tags.get(name, _EMPTY)
        new = np.setdiff1d(pos, current, assume_unique=True)
        if new.size == 0:
            return 0
        undo = self._begin()
        self._tags[name] = np.union1d(current, new)
        self._touch(new)
        self._commit("tags", undo)
        return int(new.size)

    def untag(self, positions: Any, tag: str) -> int:
        """Remove ``tag`` from the rows; returns how many rows lost it."""
        name = check_tag(tag)
        pos = self._positions(positions)
        current = self._tags.get(name, _EMPTY)
        gone = np.intersect1d(current, pos, assume_unique=True)
        if gone.size == 0:
            return 0
        remaining = np.setdiff1d(current, gone, assume_unique=True)
        undo = self._begin()
        if remaining.size == 0 and name not in BUILTIN_TAGS:
            del self._tags[name]
        else:
            self._tags[name] = remaining
        self._touch(gone)
        self._commit("tags", undo)
        return int(gone.size)

    def tag_bits(self) -> np.ndarray:
        """One uint32 per row: bit ``i`` set when the row carries ``tag_names[i]``."""
        bits = np.zeros(self.table.n, dtype=np.uint32)
        for i, pos in enumerate(self._tags.values()):
            bits[pos] |= np.uint32(1 << i)
        return bits

    def tag_lists(self, positions: np.ndarray | None = None) -> list[list[str]]:
        """Each row's tags as a list (built-ins first), for the rows at ``positions``.

        For a few positions only those rows are looked up (per tag, in its sorted
        positions), never a per-row array of the whole table.
        """
        if positions is None:
            bits = self.tag_bits()
        else:
            positions = np.asarray(positions, dtype=np.int64)
            bits = np.zeros(positions.size, dtype=np.uint32)
            for i, pos in enumerate(self._tags.values()):
                if pos.size:
                    bits[np.isin(positions, pos)] |= np.uint32(1 << i)
        # Few distinct tag combinations: spell each once, then index.
        combos, inverse = np.unique(bits, return_inverse=True)
        names = self.tag_names
        spelled = [[names[i] for i in range(len(names)) if int(c) >> i & 1] for c in combos]
        return [spelled[k] for k in inverse.ravel().tolist()]

    # ---------------------------------------------------------- corrections
    @property
    def classes(self) -> list[Any]:
        """The table's classes, then the new classes corrections introduced."""
        return [*self.table.classes, *self._new_classes]

    @property
    def corrected_codes(self) -> np.ndarray:
        """Per row, the corrected label's code in :attr:`classes`, -1 = none (read-only)."""
        view = self._corrected.view()
        view.setflags(write=False)
        return view

    def class_code(self, label: Any, *, allow_new: bool = True) -> int:
        """The code of ``label`` in :attr:`classes` (see the module doc for the matching rules).

        A label that matches no class becomes a new class (with a UserWarning),
        or a ValueError with ``allow_new=False``.
        """
        classes = self.classes
        try:
            hash(label)
        except TypeError:
            raise TypeError(f"a label must be a hashable class value, got {label!r}") from None
        if _is_missing(label):
            raise ValueError("a label must not be missing (pass None to remove a correction)")
        for i, c in enumerate(classes):
            if c == label:
                return i
        text = str(label)
        by_text = [i for i, c in enumerate(classes) if str(c) == text]
        if len(by_text) == 1:
            return by_text[0]
        if len(by_text) > 1:
            raise ValueError(
                f"label {label!r} matches several classes by text: "
                f"{_preview([classes[i] for i in by_text])}; pass the class value itself"
            )
        if not allow_new:
            raise ValueError(f"label {label!r} is not one of the classes {_preview(classes, 12)}")
        warnings.warn(
            f"relabel: {label!r} is not one of the table's classes {_preview(classes, 12)}; "
            "it is kept as a new class",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )
        self._new_classes.append(label)
        return len(classes)

    def relabel(self, positions: Any, labels: Any, *, keep_given: bool = False) -> int:
        """Set the corrected label of the rows; returns how many rows changed.

        ``labels`` is one label for all rows, or a sequence aligned with
        ``positions`` (in the order given). ``None`` / NaN removes a correction.
        ``keep_given=True`` (restoring a session onto the user's corrected frame) keeps
        a correction equal to the given label instead of removing it.
        """
        undo = self._begin()  # before class_code, which may add a new class
        raw = np.asarray(positions, dtype=np.int64).ravel()
        scalar = not isinstance(labels, (list, tuple, np.ndarray, pd.Series, pd.Index)) or (
            # A table of tuple classes takes a tuple as one label, not one per sample.
            isinstance(labels, tuple) and any(isinstance(c, tuple) for c in self.classes)
        )
        try:
            pos, codes = self._codes(raw, labels, scalar)
        except BaseException:
            self._drop_unused_classes()  # a new class an earlier label of this call added
            raise
        if not keep_given:
            codes = np.where(codes == self.table.label_codes[pos], -1, codes)
        codes = codes.astype(np.int32)
        changed = self._corrected[pos] != codes
        if not changed.any():
            self._drop_unused_classes()  # a new class no row ended up with
            return 0
        touched = pos[changed]
        self._corrected[touched] = codes[changed]
        self._touch(touched)
        self._drop_unused_classes()
        self._commit("corrections", undo)
        return int(touched.size)

    def _codes(self, raw: np.ndarray, labels: Any, scalar: bool) -> tuple[np.ndarray, np.ndarray]:
        """Distinct positions and the class code each gets (-1 = no correction)."""
        if scalar:
            pos = self._positions(raw)
            codes = np.full(pos.size, -1 if _is_missing(labels) else self.class_code(labels))
            return pos, codes
        values = pd.Series(list(labels) if isinstance(labels, (list, tuple)) else labels)
        if len(values) != raw.size:
            raise ValueError(
                f"labels has {len(values)} values for {raw.size} samples; "
                "pass one label or one per sample"
            )
        # Few distinct labels: match each once, then index.
        uniques_codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        mapped = np.array([self.class_code(u) for u in uniques], dtype=np.int64)
        codes = np.where(uniques_codes < 0, -1, mapped[np.maximum(uniques_codes, 0)])
        self._positions(raw)  # range check
        # A later duplicate of a row wins, as in a dict.
        pos, last = np.unique(raw[::-1], return_index=True)
        codes = codes[::-1][last]
        return pos, codes

    def _drop_unused_classes(self) -> None:
        if not self._new_classes:
            return
        base = len(self.table.classes)
        used = np.zeros(len(self._new_classes), dtype=bool)
        codes = self._corrected[self._corrected >= base] - base
        used[codes] = True
        if used.all():
            return
        remap = np.cumsum(used) - 1 + base
        mask = self._corrected >= base
        self._corrected[mask] = remap[self._corrected[mask] - base]
        self._new_classes = [c for c, u in zip(self._new_classes, used, strict=True) if u]

    def corrected_labels(self) -> pd.Series:
        """The corrected label of every row (class values; missing where not corrected)."""
        values = np.asarray([*self.classes, None], dtype=object)
        return pd.Series(values[self._corrected], index=self.table.df.index, dtype=object)

    @property
    def last_changed(self) -> np.ndarray:
        """Per row, the Unix time of its last tag or label change; NaN = never (read-only)."""
        view = self._time.view()
        view.setflags(write=False)
        return view

    def effective_label_codes(self) -> np.ndarray:
        """Per row: the corrected label's code where corrected, else the given label's."""
        return np.where(self._corrected >= 0, self._corrected, self.table.label_codes)

    # ----------------------------------------------------------- selections
    @property
    def selections(self) -> dict[str, np.ndarray]:
        """Saved selection name → sorted row positions (in order of saving)."""
        return dict(self._selections)

    def save_selection(self, name: str, positions: Any) -> int:
        """Keep ``positions`` under ``name`` (replacing a set of that name); returns its size."""
        key = check_selection_name(name)
        pos = self._positions(positions)
        if pos.size == 0:
            raise ValueError(
                f"selection {key!r}: nothing selected: select samples in a view or pass ids="
            )
        pos.setflags(write=False)
        old = self._selections.get(key)
        if old is not None and np.array_equal(old, pos):
            return int(pos.size)
        undo = self._begin()
        self._selections = {**self._selections, key: pos}
        self._commit("selections", undo)
        return int(pos.size)

    def delete_selection(self, name: str) -> None:
        """Forget a saved selection (KeyError naming the saved ones if unknown)."""
        key = self._selection_key(name)
        undo = self._begin()
        self._selections = {k: v for k, v in self._selections.items() if k != key}
        self._commit("selections", undo)

    def saved_positions(self, name: str) -> np.ndarray:
        """The row positions saved under ``name``."""
        return self._selections[self._selection_key(name)]

    def _selection_key(self, name: str) -> str:
        key = name.strip() if isinstance(name, str) else name
        if key not in self._selections:
            raise KeyError(
                f"no saved selection {name!r}; saved: {_preview(list(self._selections), 12)}"
            )
        return key

    # --------------------------------------------------------------- frames
    def annotated_positions(self) -> np.ndarray:
        """Rows with a tag or a correction, sorted."""
        annotated = self._corrected >= 0
        for pos in self._tags.values():
            annotated[pos] = True
        return np.flatnonzero(annotated)

    # ------------------------------------------------------------- sessions
    def state(self) -> dict[str, Any]:
        """Everything annotated, by row position (what a session file stores)."""
        corrected = np.flatnonzero(self._corrected >= 0)
        annotated = self.annotated_positions()
        return {
            "tags": {name: pos for name, pos in self._tags.items() if pos.size},
            "corrected": (corrected, [self.classes[c] for c in self._corrected[corrected]]),
            "time": (annotated, self._time[annotated]),
            "selections": dict(self._selections),
        }

    def load_state(
        self,
        tags: Mapping[str, Iterable[int]],
        corrected: tuple[Any, Iterable[Any]],
        times: tuple[Any, Any],
        selections: Mapping[str, Iterable[int]],
    ) -> None:
        """Replace everything with a saved state (positions as in :meth:`state`); notifies
        once per kind. A correction equal to the given label is kept (the session was
        reopened on the user's corrected frame: it is still the user's correction)."""
        self._take(self._fresh(tags, corrected, times, selections))
        self._changed(*KINDS)

    def _fresh(
        self,
        tags: Mapping[str, Iterable[int]],
        corrected: tuple[Any, Iterable[Any]],
        times: tuple[Any, Any],
        selections: Mapping[str, Iterable[int]],
    ) -> Annotations:
        fresh = Annotations(self.table)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # new classes were warned about once
            for name, pos in tags.items():
                fresh.tag(np.asarray(list(pos), dtype=np.int64), name)
            pos, labels = corrected
            labels = list(labels)
            if labels:
                fresh.relabel(np.asarray(pos, dtype=np.int64), labels, keep_given=True)
        for name, pos in selections.items():
            fresh.save_selection(name, np.asarray(list(pos), dtype=np.int64))
        fresh._time[:] = np.nan
        t_pos, t_values = times
        fresh._time[np.asarray(t_pos, dtype=np.int64)] = np.asarray(t_values, dtype=np.float64)
        return fresh

    def _take(self, fresh: Annotations) -> None:
        self._tags, self._corrected = fresh._tags, fresh._corrected
        self._new_classes, self._time = fresh._new_classes, fresh._time
        self._selections = fresh._selections
