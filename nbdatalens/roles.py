"""Find the column roles of a sample table.

A role (label, prediction, probs, ...) is found by a conventional column name,
or named explicitly, either as a column name or as an array aligned with the
frame's rows. Resolution only decides *where* each role comes from; the
checks on the values live in :mod:`nbdatalens.validation`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
}

#: Column pairs taken as precomputed 2-D coordinates.
XY_NAMES: tuple[tuple[str, str], ...] = (
    ("x", "y"),
    ("umap_x", "umap_y"),
    ("proj_x", "proj_y"),
    ("tsne_x", "tsne_y"),
)

#: One probability column per class: ``prob_cat``, ``proba_3``, ``p_dog``, ``prob:7``.
PROB_COLUMN = re.compile(r"^(?:probs?|proba|p)[_:](.+)$", re.IGNORECASE)

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
)


@dataclass(frozen=True)
class Source:
    """Where one role's values come from."""

    #: the column name(s), or None when the values were passed as an array
    columns: tuple[str, ...] | None
    #: the values passed directly (array-like, recorder object), else None
    value: Any = None

    @property
    def name(self) -> str:
        """How error messages refer to this source."""
        if self.columns is None:
            return "<array>"
        if len(self.columns) == 1:
            return self.columns[0]
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

    def used_columns(self) -> set[str]:
        cols: set[str] = set()
        for src in self.sources.values():
            if src.columns:
                cols.update(src.columns)
        return cols


def _find(df: pd.DataFrame, names: Sequence[str], taken: set[str]) -> str | None:
    lower = {str(c).lower(): c for c in df.columns if isinstance(c, str)}
    for name in names:
        col = lower.get(name)
        if col is not None and col not in taken:
            return col
    return None


def _explicit(df: pd.DataFrame, role: str, value: Any) -> Source:
    """An explicitly named role: a column name, a list of column names, or values."""
    if isinstance(value, str):
        if value not in df.columns:
            raise ValueError(
                f"{role}={value!r}: no such column; the frame has columns {_preview(df.columns)}"
            )
        return Source((value,))
    if (
        role == "probs"
        and isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, str) for v in value)
    ):
        missing = [v for v in value if v not in df.columns]
        if missing:
            raise ValueError(f"probs={list(value)!r}: no such columns {missing}")
        return Source(tuple(value))
    if role != "dynamics" and not hasattr(value, "__len__"):
        raise TypeError(
            f"{role}= must be a column name or an array with one entry per row, "
            f"got {type(value).__name__}"
        )
    if hasattr(value, "__len__") and len(value) != len(df):
        raise ValueError(
            f"{role}=: the array has {len(value)} entries but the frame has {len(df)} rows"
        )
    return Source(None, value)


def _preview(items: Sequence[Any], n: int = 8) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:n])
    return f"[{shown}{', …' if len(items) > n else ''}]"


def resolve_roles(df: pd.DataFrame, **explicit: Any) -> Roles:
    """Decide where every role comes from.

    ``explicit`` maps role names to a column name, a list of column names
    (``probs`` only), or an array aligned with the rows of ``df``. Roles not
    given are looked up by :data:`ROLE_NAMES`.

    >>> df = pd.DataFrame({"y": [0, 1], "pred": [0, 0]})
    >>> resolve_roles(df).column_names()
    {'label': 'y', 'prediction': 'pred'}
    """
    unknown = set(explicit) - set(ROLES)
    if unknown:
        raise TypeError(
            f"unknown role(s) {sorted(unknown)}; the roles are {', '.join(ROLES)}"
        )
    sources: dict[str, Source] = {}
    taken: set[str] = set()
    for role, value in explicit.items():
        if value is None:
            continue
        src = _explicit(df, role, value)
        sources[role] = src
        taken.update(src.columns or ())

    for role, names in ROLE_NAMES.items():
        if role in sources:
            continue
        col = _find(df, names, taken)
        if col is not None:
            sources[role] = Source((col,))
            taken.add(col)

    if "probs" not in sources:
        per_class = [c for c in df.columns if isinstance(c, str) and PROB_COLUMN.match(c)]
        per_class = [c for c in per_class if c not in taken]
        if len(per_class) >= 2:
            sources["probs"] = Source(tuple(per_class))
            taken.update(per_class)

    if "x" not in sources and "y" not in sources:
        for xn, yn in XY_NAMES:
            xc, yc = _find(df, (xn,), taken), _find(df, (yn,), taken)
            if xc is not None and yc is not None:
                sources["x"], sources["y"] = Source((xc,)), Source((yc,))
                taken.update((xc, yc))
                break
    elif ("x" in sources) != ("y" in sources):
        raise ValueError("x and y must be given together (the 2-D coordinates of each sample)")

    if "label" not in sources:
        looked = ", ".join(repr(n) for n in ROLE_NAMES["label"])
        raise ValueError(
            f"no label column found: looked for {looked}; the frame has columns "
            f"{_preview(df.columns)}. Name it explicitly, e.g. DataLens(df, label='my_column')"
        )
    return Roles(sources)


def class_from_suffix(column: str, label_classes: Sequence[Any]) -> Any:
    """Map a per-class probability column (``prob_3``) back to a label value (``3``)."""
    m = PROB_COLUMN.match(column)
    suffix = m.group(1) if m else column
    for cls in label_classes:
        if str(cls) == suffix:
            return cls
    return suffix


def is_vector_cell(value: Any) -> bool:
    """True for one cell holding a vector (list, tuple, 1-D or n-D array)."""
    return isinstance(value, (list, tuple, np.ndarray))
