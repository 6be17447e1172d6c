"""Find the column roles of a sample table.

A role (label, prediction, probs, ...) is found by a conventional column name,
or named explicitly, either as a column name or as an array aligned with the
frame's rows. Resolution only decides *where* each role comes from; the
checks on the values live in :mod:`nbdatalens.validation`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Conventional column names per role, matched case-insensitively, first wins.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "label": ("label", "labels", "given_label", "target", "y", "class"),
    "prediction": ("prediction", "pred", "predicted", "predicted_label", "y_pred"),
    "probs": ("probs", "probabilities", "proba", "pred_probs", "predict_proba"),
    "dynamics": ("dynamics", "training_dynamics", "epoch_probs"),
    "embedding": ("embedding", "embeddings", "emb", "features"),
    "image": ("image", "img", "image_path", "filepath", "file_path", "path"),
    "audio": ("audio", "audio_path", "wav", "waveform"),
    "text": ("text", "sentence", "content", "document"),
    "sample_rate": ("sample_rate", "sr", "samplerate"),
    "split": ("split", "subset", "partition", "fold_name"),
}

#: Column pairs taken as precomputed 2-D coordinates.
XY_NAMES: tuple[tuple[str, str], ...] = (
    ("x", "y"),
    ("umap_x", "umap_y"),
    ("proj_x", "proj_y"),
    ("tsne_x", "tsne_y"),
)

#: One probability column per class: ``prob_cat``, ``proba_3``, ``p_dog``, ``prob:7``.
PROB_COLUMN = re.compile(r"^((?:probs?|proba|p)[_:])(.+)$", re.IGNORECASE)

#: Image-role names that say "a file" without saying which kind; a column found
#: under one of these whose paths end in an audio extension is audio instead.
GENERIC_PATH_NAMES = ("path", "filepath", "file_path")
AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg", ".oga", ".m4a", ".aif", ".aiff", ".opus")

ROLES = (
    "label",
    "prediction",
    "probs",
    "dynamics",
    "embedding",
    "x",
    "y",
    "image",
    "audio",
    "text",
    "sample_rate",
    "split",
)

#: Roles that may be spread over several columns (one per class / dimension).
BLOCK_ROLES = ("probs", "embedding")


@dataclass(frozen=True)
class Source:
    """Where one role's values come from."""

    #: the column name(s), or None when the values were passed as an array
    columns: tuple[Hashable, ...] | None
    #: the values passed directly (array-like, recorder object), else None.
    #: A pandas Series / DataFrame is aligned to the frame's index first.
    value: Any = None
    #: True when each of ``columns`` holds one component (one class, one dimension)
    block: bool = False
    #: the column's :class:`nbdatalens.frames.ListBlock` when it is a list column of an
    #: Arrow-backed input (polars, pyarrow): its values as one array, read instead of the cells
    list_block: Any = None

    @property
    def name(self) -> str:
        """How error messages refer to this source."""
        if self.columns is None:
            return "<array>"
        if len(self.columns) == 1:
            return str(self.columns[0])
        return f"{self.columns[0]} … {self.columns[-1]} ({len(self.columns)} columns)"


@dataclass
class Roles:
    """The resolved source of every role; ``None`` when the role is absent."""

    sources: dict[str, Source] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Source | None:
        return self.sources.get(role)

    def __contains__(self, role: str) -> bool:
        return role in self.sources

    def column_names(self) -> dict[str, str]:
        """Role → column name, for display and docs (array roles show ``<array>``)."""
        return {role: src.name for role, src in self.sources.items()}

    def used_columns(self) -> set[Hashable]:
        """Every frame column some role reads."""
        cols: set[Hashable] = set()
        for src in self.sources.values():
            if src.columns:
                cols.update(src.columns)
        return cols


def _preview(items: Sequence[Any], n: int = 8) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:n])
    return f"[{shown}{', …' if len(items) > n else ''}]"


def _find(df: pd.DataFrame, names: Sequence[str], taken: set[Hashable]) -> str | None:
    """The first free column matching one of ``names``; an exact match beats a case-folded one."""
    free = [c for c in df.columns if isinstance(c, str) and c not in taken]
    exact = set(free)
    lower: dict[str, str] = {}
    for c in free:
        lower.setdefault(c.lower(), c)
    for name in names:
        if name in exact:
            return name
        if name in lower:
            return lower[name]
    return None


def _is_column_name(df: pd.DataFrame, value: Any) -> bool:
    if isinstance(value, str):
        return True  # a string is always meant as a name; a missing one is reported
    if isinstance(value, (np.ndarray, pd.Series, pd.DataFrame, list, tuple, dict, set)):
        return False
    try:
        return value in df.columns
    except TypeError:  # unhashable
        return False


def _aligned(df: pd.DataFrame, role: str, value: pd.Series | pd.DataFrame) -> np.ndarray:
    """A Series / DataFrame passed for a role, reordered to the frame's rows by index."""
    if value.index.equals(df.index):
        aligned = value
    else:
        pos = value.index.get_indexer(df.index) if value.index.is_unique else None
        if pos is None or (pos < 0).any() or len(value) != len(df):
            raise ValueError(
                f"{role}=: the {type(value).__name__}'s index does not hold the frame's ids "
                f"(lengths {len(value)} and {len(df)}); pass .to_numpy() to align by position"
            )
        aligned = value.iloc[pos]
    return aligned.to_numpy()


def _explicit(df: pd.DataFrame, role: str, value: Any) -> Source:
    """An explicitly named role: a column name, a list of column names, or values."""
    if _is_column_name(df, value):
        if value not in df.columns:
            hint = difflib.get_close_matches(str(value), [str(c) for c in df.columns], n=1)
            also = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(
                f"{role}={value!r}: no such column{also}; the frame has columns "
                f"{_preview(df.columns)}"
            )
        return Source((value,))
    if (
        role in BLOCK_ROLES
        and isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, str) for v in value)
    ):
        missing = [v for v in value if v not in df.columns]
        if not missing:
            return Source(tuple(value), block=True)
        if len(value) != len(df):
            raise ValueError(f"{role}={list(value)!r}: no such column(s) {missing}")
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return Source(None, _aligned(df, role, value))
    if role == "dynamics" and hasattr(value, "to_arrays"):
        return Source(None, value)  # a TrainingDynamics recorder, checked by the table
    if not hasattr(value, "__len__"):
        raise TypeError(
            f"{role}= must be a column name or an array with one entry per row, "
            f"got {type(value).__name__}"
        )
    if len(value) != len(df):
        raise ValueError(
            f"{role}=: the array has {len(value)} entries but the frame has {len(df)} rows"
        )
    return Source(None, value)


def _per_class_columns(df: pd.DataFrame, taken: set[Hashable]) -> tuple[str, ...]:
    """The largest group of free columns sharing one probability prefix (``prob_*``)."""
    groups: dict[str, list[str]] = {}
    for c in df.columns:
        if isinstance(c, str) and c not in taken:
            m = PROB_COLUMN.match(c)
            if m:
                groups.setdefault(m.group(1).lower(), []).append(c)
    best: list[str] = max(groups.values(), key=len, default=[])
    return tuple(best) if len(best) >= 2 else ()


def _looks_like_audio(series: pd.Series) -> bool:
    sample = [v for v in series.head(50).tolist() if isinstance(v, str)][:20]
    hits = sum(v.lower().endswith(AUDIO_EXTENSIONS) for v in sample)
    return bool(sample) and hits * 2 > len(sample)


def _unknown_roles_error(unknown: set[str]) -> TypeError:
    hints = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, ROLES, n=1)
        hints.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    return TypeError(
        f"unknown role keyword(s) {', '.join(hints)}; the roles are {', '.join(ROLES)}"
    )


def resolve_roles(df: pd.DataFrame, **explicit: Any) -> Roles:
    """Decide where every role comes from.

    ``explicit`` maps role names to a column name, a list of column names
    (``probs`` and ``embedding``: one column per class / dimension), or an
    array aligned with the rows of ``df`` (a Series or DataFrame is aligned
    by index). ``None`` leaves a role to detection; ``False`` turns it off.
    Roles not given are looked up by :data:`ROLE_NAMES`.

    >>> df = pd.DataFrame({"y": [0, 1], "pred": [0, 0]})
    >>> resolve_roles(df).column_names()
    {'label': 'y', 'prediction': 'pred'}
    """
    unknown = set(explicit) - set(ROLES)
    if unknown:
        raise _unknown_roles_error(unknown)
    sources: dict[str, Source] = {}
    off = {role for role, value in explicit.items() if value is False}
    taken: set[Hashable] = set()
    for role, value in explicit.items():
        if value is None or value is False:
            continue
        src = _explicit(df, role, value)
        sources[role] = src
        taken.update(src.columns or ())

    for role, names in ROLE_NAMES.items():
        if role in sources or role in off:
            continue
        col = _find(df, names, taken)
        if col is None:
            continue
        if role == "image" and col.lower() in GENERIC_PATH_NAMES and _looks_like_audio(df[col]):
            if "audio" in sources or _find(df, ROLE_NAMES["audio"], taken) is not None:
                continue  # a file column of sounds is no image column
            role = "audio"
        sources[role] = Source((col,))
        taken.add(col)

    if "probs" not in sources and "probs" not in off:
        per_class = _per_class_columns(df, taken)
        if per_class:
            sources["probs"] = Source(per_class, block=True)
            taken.update(per_class)

    _resolve_xy(df, explicit, sources, taken, off)

    if "label" not in sources:
        looked = ", ".join(repr(n) for n in ROLE_NAMES["label"])
        raise ValueError(
            f"no label column found: looked for {looked}; the frame has columns "
            f"{_preview(df.columns)}. Name it explicitly, e.g. DataLens(df, label='my_column')"
        )
    _check_unique_columns(df, sources)
    return Roles(sources)


def _resolve_xy(
    df: pd.DataFrame,
    explicit: dict[str, Any],
    sources: dict[str, Source],
    taken: set[Hashable],
    off: set[str],
) -> None:
    if "x" in sources and "y" in sources:
        return
    if "x" in sources or "y" in sources:
        given = "x" if "x" in sources else "y"
        raise ValueError(
            f"{given}= was given without {'y' if given == 'x' else 'x'}=: x and y are the 2-D "
            "coordinates of each sample and go together (to name the label column, use label=)"
        )
    if off & {"x", "y"}:
        return
    for xn, yn in XY_NAMES:
        # Both from the free columns: a 'y' already taken as the label is no coordinate.
        xc, yc = _find(df, (xn,), taken), _find(df, (yn,), taken)
        if xc is not None and yc is not None:
            sources["x"], sources["y"] = Source((xc,)), Source((yc,))
            taken.update((xc, yc))
            return


def _check_unique_columns(df: pd.DataFrame, sources: dict[str, Source]) -> None:
    if df.columns.is_unique:
        return
    repeated = set(df.columns[df.columns.duplicated()])
    for role, src in sources.items():
        clash = [c for c in src.columns or () if c in repeated]
        if clash:
            raise ValueError(
                f"column {clash[0]!r} ({role}) appears more than once in the frame; "
                "rename or drop the duplicates"
            )


def class_from_suffix(column: str, label_classes: Sequence[Any]) -> Any:
    """Map a per-class probability column (``prob_3``) back to a class value (``3``).

    The suffix is matched against the label classes by text (``"3"`` ↔ ``3``,
    and ``"3"`` ↔ ``3.0``). A suffix that names no label class is a class
    only the model knows: an int when the labels are ints and the suffix is
    a number, else the suffix text.
    """
    m = PROB_COLUMN.match(column)
    suffix = m.group(2) if m else column
    numeric: float | None
    try:
        numeric = float(suffix)
    except ValueError:
        numeric = None
    for cls in label_classes:
        if str(cls) == suffix:
            return cls
    for cls in label_classes:
        if (
            numeric is not None
            and isinstance(cls, (int, float, np.number))
            and not isinstance(cls, (bool, np.bool_))
            and cls == numeric
        ):
            return cls
    integer_labels = bool(label_classes) and all(
        isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
        for c in label_classes
    )
    if integer_labels and numeric is not None and numeric.is_integer():
        return int(numeric)
    return suffix


def is_vector_cell(value: Any) -> bool:
    """True for one cell holding a vector (list, tuple, 1-D or n-D array)."""
    return isinstance(value, (list, tuple, np.ndarray))
