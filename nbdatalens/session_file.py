"""The session file's content: value codec, dataset fingerprint, checked reading, merging.

:mod:`nbdatalens.session` binds a lens to a file; this module holds what does
not need the binding: how ids and labels become JSON and back, how a dataset
is recognised, how a document is checked before anything is taken from it,
and the three-way merge of two writers' changes.

**Values.** Ids and labels are stored as JSON values when they are ints,
strings or finite floats (numpy scalars as their Python value); anything else
as ``{"type": <type name>, "repr": <repr>}``, matched back by repr against the
table's own ids and classes. Values that need not be in the table (a new class
a correction introduced) also carry what rebuilds them: ``"items"`` for a
tuple, ``"iso"`` for a Timestamp / datetime / date / Timedelta; booleans,
None and non-finite floats rebuild from their repr. A label that can be
neither matched nor rebuilt is refused *before* it is saved, so a file
nbdatalens wrote is always readable by it.

**Fingerprint.** ``{"n_rows", "index_sha256", "content"}``: the number of
rows, a SHA-256 over pandas' stable hashes of the ids (sorted: a reordered
frame matches), and per user column a SHA-256 of its values on a sample of
up to :data:`CONTENT_SAMPLE` rows picked by id (the same rows in any order).
The label column is left out, so the user's own corrected frame
(``lens.apply_corrections()``) still matches. Columns that describe the
samples (media, text, metadata) are compared first; the model's outputs
(prediction, probabilities, dynamics, embedding, x / y) only when the two
tables share no sample column, so a retrained model's new predictions do not
orphan a session of an image or text dataset. Any compared column holding
other values means another dataset: refused. Files from before the content
fingerprint load when the ids match.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable

FORMAT = "nbdatalens-session"
VERSION = 1
#: Rows whose values the content fingerprint hashes (picked by id hash, order-free).
CONTENT_SAMPLE = 1000
#: Roles whose columns hold the model's outputs (they change when the model is retrained).
MODEL_ROLES = ("prediction", "probs", "dynamics", "embedding", "x", "y", "sample_rate")
_REBUILT_BY_ISO = {
    "Timestamp": pd.Timestamp,
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "Timedelta": pd.Timedelta,
}


# ------------------------------------------------------------------ codec
def _python(value: Any) -> Any:
    """numpy scalars as their Python value (``np.int64(7)`` → 7); numpy datetimes as pandas'."""
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(value: Any) -> bool:
    return (isinstance(value, (int, str)) and not isinstance(value, bool)) or (
        isinstance(value, float) and math.isfinite(value)
    )


def encode_value(value: Any) -> Any:
    """One id or label as a JSON value (see the module doc)."""
    value = _python(value)
    if _plain(value):
        return value
    out: dict[str, Any] = {"type": type(value).__name__, "repr": repr(value)}
    if isinstance(value, tuple):
        out["items"] = [encode_value(v) for v in value]
    elif out["type"] in _REBUILT_BY_ISO and value is not pd.NaT:
        out["iso"] = value.isoformat()
    return out


def encode_values(values: Sequence[Any] | pd.Index) -> list[Any]:
    """Ids or labels as JSON values."""
    if isinstance(values, pd.Index) and not isinstance(values, pd.MultiIndex):
        dtype = values.dtype
        if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            return values.tolist()  # the common case, without a look at every id
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    if all(_plain(v) for v in items):
        return items
    return [encode_value(v) for v in items]


def _rebuilt(stored: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, value)`` when a tagged value carries what rebuilds it, else ``(False, None)``."""
    kind, text = stored.get("type"), stored.get("repr")
    if kind == "tuple" and isinstance(stored.get("items"), list):
        return True, tuple(decode_value(v, {}) for v in stored["items"])
    if kind in _REBUILT_BY_ISO and isinstance(stored.get("iso"), str):
        return True, _REBUILT_BY_ISO[kind](stored["iso"])
    if kind == "bool" and text in ("True", "False"):
        return True, text == "True"
    if kind == "NoneType" and text == "None":
        return True, None
    if kind == "float" and text in ("nan", "inf", "-inf"):
        return True, float(text)
    return False, None


def _key(value: Any) -> tuple[str, str]:
    return type(value).__name__, repr(value)


def decode_value(stored: Any, known: Mapping[tuple[str, str], Any], what: str = "value") -> Any:
    """A value from :func:`encode_value`: a tagged one matched among ``known`` (by type and
    repr, see :func:`known_values`), else rebuilt, else a ValueError."""
    if not isinstance(stored, dict):
        if isinstance(stored, list):
            raise ValueError(f"{what} {stored!r} is a list, not a value")
        return stored
    key = (stored.get("type"), stored.get("repr"))
    if key in known:
        return known[key]
    ok, value = _rebuilt(stored)
    if not ok:
        raise ValueError(f"{what} {stored.get('repr')} ({stored.get('type')}) is not in this table")
    return value


def known_values(values: Iterable[Any]) -> dict[tuple[str, str], Any]:
    """(type name, repr) → value, what :func:`decode_value` matches tagged values against."""
    return {_key(_python(v)): v for v in values}


def check_storable(labels: Iterable[Any], known: Mapping[tuple[str, str], Any]) -> None:
    """Refuse a label the file could not give back (ValueError naming it), before saving."""
    for label in labels:
        encoded = encode_value(label)
        if not isinstance(encoded, dict) or (encoded["type"], encoded["repr"]) in known:
            continue
        ok, back = _rebuilt(encoded)
        if not ok or not _same(back, label):
            raise ValueError(
                f"label {label!r} ({type(label).__name__}) cannot be stored in the session file "
                "(it is not one of the table's classes, and only str, int, float, bool, tuple "
                "and date/time values can be rebuilt); use one of those"
            )


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and hash(a) == hash(b)
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------ fingerprint
def _id_hashes(index: pd.Index) -> np.ndarray:
    try:
        return pd.util.hash_pandas_object(index, index=False).to_numpy()
    except (TypeError, ValueError):  # mixed objects pandas cannot hash: hash their reprs
        texts = pd.Index([f"{type(v).__name__}:{v!r}" for v in index.tolist()], dtype=object)
        return pd.util.hash_pandas_object(texts, index=False).to_numpy()


def _cell_bytes(value: Any) -> bytes:
    value = _python(value)
    if isinstance(value, np.ndarray):
        return f"{value.dtype.str}{value.shape}".encode() + np.ascontiguousarray(value).tobytes()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"bytes:" + bytes(value)
    if hasattr(value, "tobytes") and hasattr(value, "size"):  # a PIL image
        return f"{type(value).__name__}{value.size}".encode() + value.tobytes()
    if isinstance(value, (set, frozenset)):  # their order follows the process' hash seed
        text = repr(sorted(map(repr, value)))
    else:
        text = repr(value)
        if " at 0x" in text:  # a default repr holds a memory address: new in every process
            text = ""
    return f"{type(value).__name__}:{text}".encode()


def content_columns(table: SampleTable) -> tuple[list[Any], list[Any]]:
    """``(sample columns, model-output columns)`` of the user's frame; the label left out."""
    roles = table.roles
    label = set(roles["label"].columns or ()) if roles["label"] is not None else set()
    model: set[Any] = set()
    for role in MODEL_ROLES:
        src = roles[role]
        if src is not None and src.columns:
            model.update(src.columns)
    sample, outputs = [], []
    for column in table.df.columns:
        if column in label:
            continue
        (outputs if column in model else sample).append(column)
    return sample, outputs


def dataset_fingerprint(table: SampleTable) -> dict[str, Any]:
    """``{"n_rows", "index_sha256", "content"}`` (see the module doc)."""
    index = table.df.index
    hashes = _id_hashes(index)
    digest = hashlib.sha256(np.sort(hashes).astype("<u8").tobytes()).hexdigest()
    k = min(CONTENT_SAMPLE, len(index))
    rows = np.argpartition(hashes, k - 1)[:k] if k < len(index) else np.arange(len(index))
    rows = rows[np.argsort(hashes[rows], kind="stable")]
    sample, outputs = content_columns(table)
    columns: dict[str, dict[str, str]] = {}
    for kind, names in (("sample", sample), ("model", outputs)):
        for name in names:
            h = hashlib.sha256()
            for cell in table.df[name].iloc[rows].tolist():
                piece = _cell_bytes(cell)
                h.update(len(piece).to_bytes(8, "little") + piece)
            columns[str(name)] = {"kind": kind, "sha256": h.hexdigest()}
    return {
        "n_rows": len(index),
        "index_sha256": digest,
        "content": {"rows": int(k), "columns": columns},
    }


def dataset_mismatch(saved: Mapping[str, Any], mine: Mapping[str, Any]) -> str | None:
    """Why the file's fingerprint is another dataset's, or None when it is this one's."""
    if saved.get("n_rows") != mine["n_rows"]:
        return (
            f"it was written for another dataset ({saved.get('n_rows')} rows, this one "
            f"has {mine['n_rows']}); refusing to merge"
        )
    if saved.get("index_sha256") != mine["index_sha256"]:
        return (
            f"it was written for another dataset (same number of rows, {mine['n_rows']}, "
            "but different ids); refusing to merge"
        )
    theirs = saved.get("content")
    if theirs is None:
        return None  # a file from before the content fingerprint: the ids decide
    if not isinstance(theirs, dict) or not isinstance(theirs.get("columns"), dict):
        return "its dataset fingerprint is damaged (content)"
    ours = mine["content"]["columns"]
    if theirs.get("rows") != mine["content"]["rows"]:
        return "its dataset fingerprint was made another way (content rows); refusing to merge"
    for kind in ("sample", "model"):
        common = [
            name
            for name, entry in ours.items()
            if entry["kind"] == kind
            and isinstance(theirs["columns"].get(name), dict)
            and theirs["columns"][name].get("kind") == kind
        ]
        if not common:
            continue
        differ = [n for n in common if theirs["columns"][n].get("sha256") != ours[n]["sha256"]]
        if differ:
            shown = ", ".join(repr(n) for n in differ[:5])
            return (
                f"it was written for another dataset (the same ids, but column(s) {shown} "
                "hold other values); refusing to merge"
            )
        return None
    return None


# ---------------------------------------------------------------- state
@dataclass
class State:
    """Everything a session file holds, by row position (what is merged and written)."""

    tags: dict[str, np.ndarray] = field(default_factory=dict)
    corrections: dict[int, Any] = field(default_factory=dict)
    times: dict[int, float] = field(default_factory=dict)
    selections: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, annotations: Annotations) -> State:
        state = annotations.state()
        corrected, labels = state["corrected"]
        timed, unix = state["time"]
        return cls(
            tags={k: np.asarray(v, dtype=np.int64) for k, v in state["tags"].items()},
            corrections=dict(zip(corrected.tolist(), labels, strict=True)),
            times={p: t for p, t in zip(timed.tolist(), unix.tolist(), strict=True) if t == t},
            selections={k: np.asarray(v, dtype=np.int64) for k, v in state["selections"].items()},
        )

    def document(self, table: SampleTable, fingerprint: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON document of this state."""
        ids = table.df.index

        def id_list(positions: Iterable[int]) -> list[Any]:
            return encode_values(ids[np.asarray(list(positions), dtype=np.int64)])

        corrected = sorted(self.corrections)
        timed = sorted(self.times)
        now = datetime.datetime.now(datetime.timezone.utc)
        return {
            "format": FORMAT,
            "version": VERSION,
            "saved_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "dataset": dict(fingerprint),
            "tags": {name: id_list(pos) for name, pos in self.tags.items() if pos.size},
            "corrections": {
                "ids": id_list(corrected),
                "labels": encode_values([self.corrections[p] for p in corrected]),
            },
            "times": {"ids": id_list(timed), "unix": [round(self.times[p], 3) for p in timed]},
            "selections": {name: id_list(pos) for name, pos in self.selections.items()},
        }


def dumps(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _list(doc: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list, got {type(value).__name__}")
    return value


def _mapping(doc: Mapping[str, Any], key: str, default: Any) -> dict[str, Any]:
    value = doc.get(key, default)
    if not isinstance(value, dict):
        raise ValueError(f'"{key}" must be an object, got {type(value).__name__}')
    return value


def check_structure(doc: Any) -> None:
    """Refuse a document whose parts have the wrong shape (ValueError saying which part)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not an nbdatalens session file")
    if doc.get("version") != VERSION:
        raise ValueError(f"version {doc.get('version')!r}, this nbdatalens reads version {VERSION}")
    dataset = _mapping(doc, "dataset", None)
    if not isinstance(dataset.get("n_rows"), int) or not isinstance(
        dataset.get("index_sha256"), str
    ):
        raise ValueError('"dataset" must hold "n_rows" (an integer) and "index_sha256" (text)')
    for part in ("tags", "selections"):
        for name, ids in _mapping(doc, part, {}).items():
            if not isinstance(ids, list):
                raise ValueError(f'"{part}" → {name!r} must be a list of ids')
    for part, values in (("corrections", "labels"), ("times", "unix")):
        entry = _mapping(doc, part, {"ids": [], values: []})
        ids = _list(entry, "ids", f'"{part}" → "ids"')
        if len(ids) != len(_list(entry, values, f'"{part}" → "{values}"')):
            raise ValueError(f'"{part}" must hold as many "{values}" as "ids"')
    unix = doc.get("times", {}).get("unix", [])
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in unix):
        raise ValueError('"times" → "unix" must hold numbers')


def read_state(doc: Mapping[str, Any], table: SampleTable, classes: Sequence[Any]) -> State:
    """The state a checked document holds, by position (ValueError / KeyError if the ids or
    labels are not this table's)."""
    index = table.df.index
    ids_known: dict[tuple[str, str], Any] | None = None

    def positions(stored: list[Any]) -> np.ndarray:
        nonlocal ids_known
        if any(isinstance(v, dict) for v in stored):
            if ids_known is None:
                ids_known = known_values(index.tolist())
            stored = [decode_value(v, ids_known, "id") for v in stored]
        pos = table.positions(pd.Index(stored, dtype=object, tupleize_cols=False))
        return np.asarray(pos, dtype=np.int64)

    labels_known = known_values(classes)
    corrections = doc.get("corrections", {"ids": [], "labels": []})
    times = doc.get("times", {"ids": [], "unix": []})
    labels = [decode_value(v, labels_known, "corrected label") for v in corrections["labels"]]
    return State(
        tags={n: np.unique(positions(ids)) for n, ids in doc.get("tags", {}).items()},
        corrections=dict(zip(positions(corrections["ids"]).tolist(), labels, strict=True)),
        times=dict(zip(positions(times["ids"]).tolist(), map(float, times["unix"]), strict=True)),
        selections={n: np.unique(positions(ids)) for n, ids in doc.get("selections", {}).items()},
    )


# ---------------------------------------------------------------- merge
_ABSENT = object()


def _label_key(value: Any) -> Any:
    return _ABSENT if value is _ABSENT else json.dumps(encode_value(value), sort_keys=True)


def merge(base: State, theirs: State, ours: State) -> State:
    """Three-way merge: every element (a sample's tag, a sample's correction, a saved
    selection) that we changed since ``base`` is ours; every other one is theirs. So the
    other writer's changes are all kept except where we changed the same element later."""
    tags: dict[str, np.ndarray] = {}
    for name in dict.fromkeys([*ours.tags, *theirs.tags, *base.tags]):
        b, t, o = (s.tags.get(name, np.zeros(0, np.int64)) for s in (base, theirs, ours))
        universe = np.union1d(np.union1d(b, t), o)
        in_b, in_t, in_o = (np.isin(universe, x) for x in (b, t, o))
        kept = universe[np.where(in_o != in_b, in_o, in_t)]
        if kept.size:
            tags[name] = kept
    corrections: dict[int, Any] = {}
    for pos in sorted({*base.corrections, *theirs.corrections, *ours.corrections}):
        b, t, o = (s.corrections.get(pos, _ABSENT) for s in (base, theirs, ours))
        value = o if _label_key(o) != _label_key(b) else t
        if value is not _ABSENT:
            corrections[pos] = value
    selections: dict[str, np.ndarray] = {}
    for name in dict.fromkeys([*ours.selections, *theirs.selections, *base.selections]):
        b, t, o = (s.selections.get(name) for s in (base, theirs, ours))
        same = (b is None and o is None) or (
            b is not None and o is not None and np.array_equal(b, o)
        )
        value = t if same else o
        if value is not None:
            selections[name] = value
    annotated = set(corrections).union(*(set(p.tolist()) for p in tags.values()))
    times = {}
    for pos in annotated:
        known = [s.times[pos] for s in (ours, theirs) if pos in s.times]
        if known:
            times[pos] = max(known)
    return State(tags, corrections, times, selections)
