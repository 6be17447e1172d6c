"""Session files: tags, corrections and saved selections that survive the kernel.

``DataLens(df, session="review.lens.json")`` restores what the file holds
and saves every change to it (atomically: a temporary file, then a rename)
*before* the change is kept in memory or shown, so a crash, a killed kernel
or a re-run notebook loses nothing, and a change that could not be saved
raises and is not made.

The file is small JSON holding only annotated ids, plus a fingerprint of the
dataset (the ids, and a sample of the content columns' values; see
:mod:`nbdatalens.session_file`). A file written for another dataset is
refused, never merged; the user's own corrected frame
(``lens.apply_corrections()``) is the same dataset, and its corrections are
kept even where they now equal the label.

**Several writers.** Every save takes an OS lock on a sidecar file
(``<name>.lock``, never removed), re-reads the session file and, if another
lens (another kernel, or an old lens of a re-run cell) wrote it since this
lens last read or wrote it, merges: the other writer's changes are kept,
except an element (one sample's tag or correction, one saved selection)
that this lens changed too, where the later change wins. The merged state
is written, and becomes this lens' state too (its views follow). So no
acknowledged change is dropped silently. The lock is ``fcntl.flock``
(POSIX) or ``msvcrt.locking`` (Windows); on network file systems without
working locks two writers can still race.

Layout (version 1)::

    {"format": "nbdatalens-session", "version": 1, "saved_at": "2024-05-01T12:00:00Z",
     "dataset": {"n_rows": 1797, "index_sha256": "…",
                 "content": {"rows": 1000, "columns": {"image": {"kind": "sample",
                                                                 "sha256": "…"}}}},
     "tags": {"mislabeled": [3, 17]},
     "corrections": {"ids": [3], "labels": [7]},
     "times": {"ids": [3, 17], "unix": [1714564800.123, 1714564801.5]},
     "selections": {"rogues": [3, 17, 40]}}
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic_file import atomic_write, file_lock
from .session_file import (
    FORMAT,
    VERSION,
    State,
    check_storable,
    check_structure,
    dataset_fingerprint,
    dataset_mismatch,
    decode_value,
    dumps,
    encode_value,
    encode_values,
    known_values,
    merge,
    read_state,
)

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable

__all__ = [
    "FORMAT",
    "VERSION",
    "Session",
    "dataset_fingerprint",
    "decode_value",
    "encode_value",
    "encode_values",
]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Session:
    """Binds one :class:`~nbdatalens.annotations.Annotations` to one file.

    Creating it restores the file (if it exists) into the annotations, or
    writes a fresh one; afterwards every change is saved before it is made
    (the annotations' store: :meth:`commit`).
    """

    def __init__(
        self, path: str | os.PathLike[str], table: SampleTable, annotations: Annotations
    ) -> None:
        self.path = pathlib.Path(path).expanduser().absolute()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.table = table
        self.annotations = annotations
        self.fingerprint = dataset_fingerprint(table)
        #: SHA-256 of the file as this lens last read or wrote it; the state it held.
        self._seen: str | None = None
        self._base = State()
        raw = self._read()
        if raw is not None:
            state = self._parse(raw)
            annotations.load_state(**_as_load_arguments(state))
            self._seen, self._base = _digest(raw), state
            annotations.set_store(self)
        else:
            annotations.set_store(self)
            self.save()

    def close(self) -> None:
        """Stop saving changes to the file."""
        if self.annotations._store is self:
            self.annotations.set_store(None)

    # ------------------------------------------------------------ writing
    def document(self) -> dict[str, Any]:
        """The JSON document of the annotations' current state."""
        return State.of(self.annotations).document(self.table, self.fingerprint)

    def save(self) -> pathlib.Path:
        """Write the session file now (merging another writer's changes, see the module doc)."""
        merged = self.commit("all")
        if merged is not None:
            self.annotations.load_state(**merged)
        return self.path

    def commit(self, kind: str) -> dict[str, Any] | None:
        """Save the annotations' state under the lock; return the merged state when another
        writer's changes were merged in (``load_state`` arguments), else None. Raises
        (changing nothing on disk) when the file cannot be read back or written."""
        ours = State.of(self.annotations)
        # A label the file could not give back is refused before anything is written.
        check_storable(_distinct(ours.corrections.values()), known_values(self.table.classes))
        with file_lock(self.lock_path):
            raw = self._read()
            merged = None
            state = ours
            if raw is not None and _digest(raw) != self._seen:
                state = merged = merge(self._base, self._parse(raw, writing=True), ours)
            data = dumps(state.document(self.table, self.fingerprint))
            atomic_write(self.path, lambda f: f.write(data), overwrite=True)
            self._seen, self._base = _digest(data), state
        return None if merged is None else _as_load_arguments(merged)

    # ------------------------------------------------------------ reading
    def _read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._refuse(f"cannot be read ({exc})") from None

    def _refuse(self, problem: str, writing: bool = False) -> ValueError:
        if writing:
            return ValueError(
                f"session file {self.path}: {problem}. This change was not made; the file "
                "is left as it is."
            )
        return ValueError(
            f"session file {self.path}: {problem}. Pass another session path, or move "
            "the file away to start a new session."
        )

    def _parse(self, raw: bytes, writing: bool = False) -> State:
        """The state a file holds, or the clear, file-naming ValueError of :meth:`_refuse`."""
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self._refuse(f"not valid JSON ({exc})", writing) from None
        try:
            check_structure(doc)
        except ValueError as exc:
            raise self._refuse(str(exc), writing) from None
        mismatch = dataset_mismatch(doc["dataset"], self.fingerprint)
        if mismatch is not None:
            raise self._refuse(mismatch, writing)
        try:
            state = read_state(doc, self.table, self.annotations.classes)
            # Tag and selection names are checked as the user's would be.
            from .annotations import check_selection_name, check_tag

            for name in state.tags:
                check_tag(name)
            for name in state.selections:
                check_selection_name(name)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise self._refuse(f"cannot be read ({type(exc).__name__}: {exc})", writing) from None
        return state


def _distinct(values: Any) -> list[Any]:
    seen, out = set(), []
    for v in values:
        key = _hashable_key(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _hashable_key(value: Any) -> tuple[str, str]:
    return type(value).__name__, repr(value)


def _as_load_arguments(state: State) -> dict[str, Any]:
    corrected = sorted(state.corrections)
    timed = sorted(state.times)
    return {
        "tags": state.tags,
        "corrected": (
            np.asarray(corrected, dtype=np.int64),
            [state.corrections[p] for p in corrected],
        ),
        "times": (np.asarray(timed, dtype=np.int64), [state.times[p] for p in timed]),
        "selections": state.selections,
    }
