"""Session files: tags, corrections and saved selections that survive the kernel.

``DataLens(df, session="review.lens.json")`` restores what the file holds
and rewrites it (atomically: a temporary file, then a rename) after every
change, so a crash, a killed kernel or a re-run notebook loses nothing.

The file is small JSON holding only annotated ids, plus a fingerprint of the
dataset: the number of rows and a SHA-256 over pandas' stable hashes of the
index values, sorted (so a reordered frame with the same ids still matches,
and restoring goes by id, not by position). A file written for another
dataset is refused, never merged.

Ids and labels are stored as JSON values when they are ints, strings or
finite floats; anything else (booleans, tuples of a MultiIndex, Timestamps,
...) as ``{"type": <type name>, "repr": <repr>}``, matched back by repr
against the table's own ids and classes.

Layout (version 1)::

    {"format": "nbdatalens-session", "version": 1, "saved_at": "2024-05-01T12:00:00Z",
     "dataset": {"n_rows": 1797, "index_sha256": "…"},
     "tags": {"mislabeled": [3, 17]},
     "corrections": {"ids": [3], "labels": [7]},
     "times": {"ids": [3, 17], "unix": [1714564800.123, 1714564801.5]},
     "selections": {"rogues": [3, 17, 40]}}
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import pathlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .atomic_file import atomic_write

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable

FORMAT = "nbdatalens-session"
VERSION = 1


# ------------------------------------------------------------------ codec
def _plain(value: Any) -> bool:
    return (isinstance(value, (int, str)) and not isinstance(value, bool)) or (
        isinstance(value, float) and math.isfinite(value)
    )


def _tag(value: Any) -> dict[str, str]:
    return {"type": type(value).__name__, "repr": repr(value)}


def encode_values(values: Sequence[Any] | pd.Index) -> list[Any]:
    """Ids or labels as JSON values (see the module doc for the rules)."""
    if isinstance(values, pd.Index) and not isinstance(values, pd.MultiIndex):
        dtype = values.dtype
        if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            return values.tolist()  # the common case, without a look at every id
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    if all(_plain(v) for v in items):
        return items
    return [v if _plain(v) else _tag(v) for v in items]


def decode_values(stored: Sequence[Any], known: Sequence[Any], what: str) -> list[Any]:
    """Values from :func:`encode_values`, tagged ones matched by repr among ``known``."""
    if all(not isinstance(v, dict) for v in stored):
        return list(stored)
    by_repr = {(type(v).__name__, repr(v)): v for v in known}
    out = []
    for v in stored:
        if isinstance(v, dict):
            key = (v.get("type"), v.get("repr"))
            if key not in by_repr:
                raise ValueError(f"{what} {v.get('repr')} ({v.get('type')}) is not in this table")
            v = by_repr[key]
        out.append(v)
    return out


def dataset_fingerprint(index: pd.Index) -> dict[str, Any]:
    """``{"n_rows", "index_sha256"}``: the same for the same ids in any order."""
    try:
        hashes = pd.util.hash_pandas_object(index, index=False).to_numpy()
    except (TypeError, ValueError):  # mixed objects pandas cannot hash: hash their reprs
        texts = pd.Index([f"{type(v).__name__}:{v!r}" for v in index.tolist()], dtype=object)
        hashes = pd.util.hash_pandas_object(texts, index=False).to_numpy()
    digest = hashlib.sha256(np.sort(hashes).astype("<u8").tobytes()).hexdigest()
    return {"n_rows": len(index), "index_sha256": digest}


# ---------------------------------------------------------------- session
class Session:
    """Binds one :class:`~nbdatalens.annotations.Annotations` to one file.

    Creating it restores the file (if it exists) into the annotations, or
    writes a fresh one; afterwards every change is written at once.

    Two lenses on one file (a re-run cell leaves the old lens' widgets on
    screen) must not overwrite each other: a lens writes only while the file
    is the one it last read or wrote, else the change is refused with a
    ValueError instead of silently dropping the other lens' work.
    """

    def __init__(
        self, path: str | os.PathLike[str], table: SampleTable, annotations: Annotations
    ) -> None:
        self.path = pathlib.Path(path).expanduser().absolute()
        self.table = table
        self.annotations = annotations
        self.fingerprint = dataset_fingerprint(table.df.index)
        self._seen: tuple[int, int, int] | None = None
        if self.path.exists():
            self._restore()
        else:
            self.save()
        annotations.observe(self._on_change)

    def _identity(self) -> tuple[int, int, int] | None:
        """What tells one version of the file from another (every write is a new inode)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _on_change(self, _kind: str) -> None:
        self.save()

    def close(self) -> None:
        """Stop writing changes to the file."""
        self.annotations.unobserve(self._on_change)

    # ------------------------------------------------------------ writing
    def document(self) -> dict[str, Any]:
        """The JSON document this session writes."""
        state = self.annotations.state()
        ids = self.table.df.index

        def id_list(positions: np.ndarray) -> list[Any]:
            return encode_values(ids[positions])

        corrected, labels = state["corrected"]
        timed, unix = state["time"]
        now = datetime.datetime.now(datetime.timezone.utc)
        return {
            "format": FORMAT,
            "version": VERSION,
            "saved_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "dataset": self.fingerprint,
            "tags": {name: id_list(pos) for name, pos in state["tags"].items()},
            "corrections": {"ids": id_list(corrected), "labels": encode_values(labels)},
            "times": {"ids": id_list(timed), "unix": np.round(unix, 3).tolist()},
            "selections": {name: id_list(pos) for name, pos in state["selections"].items()},
        }

    def save(self) -> pathlib.Path:
        """Write the session file now (atomically)."""
        if self._seen is not None and self._identity() not in (self._seen, None):
            raise ValueError(
                f"session file {self.path} was written by another lens since this one last "
                "saved it; this change is kept in memory only. Make a new DataLens with this "
                "session to continue from the file."
            )
        data = json.dumps(self.document(), ensure_ascii=False, separators=(",", ":"))
        path = atomic_write(self.path, lambda f: f.write(data.encode()), overwrite=True)
        self._seen = self._identity()
        return path

    # ------------------------------------------------------------ reading
    def _refuse(self, problem: str) -> ValueError:
        return ValueError(
            f"session file {self.path}: {problem}. Pass another session path, or move "
            "the file away to start a new session."
        )

    def _restore(self) -> None:
        self._seen = self._identity()
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self._refuse(f"not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise self._refuse("not an nbdatalens session file")
        if doc.get("version") != VERSION:
            raise self._refuse(
                f"version {doc.get('version')!r}, this nbdatalens reads version {VERSION}"
            )
        saved = doc.get("dataset", {})
        mine = self.fingerprint
        if saved.get("n_rows") != mine["n_rows"]:
            raise self._refuse(
                f"it was written for another dataset ({saved.get('n_rows')} rows, this one "
                f"has {mine['n_rows']}); refusing to merge"
            )
        if saved.get("index_sha256") != mine["index_sha256"]:
            raise self._refuse(
                f"it was written for another dataset (same number of rows, {mine['n_rows']}, "
                "but different ids); refusing to merge"
            )
        try:
            self._load(doc)
        except (KeyError, TypeError, ValueError) as exc:
            raise self._refuse(f"cannot be read ({type(exc).__name__}: {exc})") from None

    def _positions(self, stored: Sequence[Any]) -> np.ndarray:
        index = self.table.df.index
        values = decode_values(stored, index.tolist() if stored else [], "id")
        return self.table.positions(pd.Index(values, dtype=object, tupleize_cols=False))

    def _load(self, doc: dict[str, Any]) -> None:
        tags = {name: self._positions(ids) for name, ids in doc.get("tags", {}).items()}
        corrections = doc.get("corrections", {"ids": [], "labels": []})
        labels = decode_values(corrections["labels"], self.annotations.classes, "corrected label")
        times = doc.get("times", {"ids": [], "unix": []})
        selections = {name: self._positions(ids) for name, ids in doc.get("selections", {}).items()}
        self.annotations.load_state(
            tags,
            (self._positions(corrections["ids"]), labels),
            (self._positions(times["ids"]), times["unix"]),
            selections,
        )
