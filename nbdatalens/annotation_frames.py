"""Pandas views of the annotations: per-sample tags, the corrections table, a corrected frame."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .annotations import TAG_SEPARATOR, check_tag

if TYPE_CHECKING:
    from .annotations import Annotations


def tags_frame(annotations: Annotations) -> pd.DataFrame:
    """One boolean column per tag in use (built-ins first), indexed by sample id.

    A column is a mask ``lens.select`` takes: ``lens.select(lens.tags["duplicate"])``.
    """
    table = annotations.table
    columns = {}
    for name in annotations.tag_names:
        mask = np.zeros(table.n, dtype=bool)
        mask[annotations.tagged(name)] = True
        columns[name] = mask
    return pd.DataFrame(columns, index=table.df.index, columns=annotations.tag_names)


def tags_column(annotations: Annotations) -> pd.Categorical:
    """Each row's tags joined by ", " (built-ins first), missing when it has none."""
    bits = annotations.tag_bits()
    combos, inverse = np.unique(bits, return_inverse=True)
    names = annotations.tag_names
    # Few distinct combinations: spell each once, then index.
    texts = [
        TAG_SEPARATOR.join(names[i] for i in range(len(names)) if int(c) >> i & 1) for c in combos
    ]
    codes = inverse.ravel().astype(np.int64)
    if combos.size and combos[0] == 0:  # untagged rows are missing, not ""
        codes = codes - 1
        texts = texts[1:]
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts, dtype=object))


def annotation_columns(annotations: Annotations) -> pd.DataFrame:
    """``tags`` and ``corrected_label``, the columns views colour and filter by."""
    return pd.DataFrame(
        {"tags": tags_column(annotations), "corrected_label": annotations.corrected_labels()},
        index=annotations.table.df.index,
    )


def corrections_frame(annotations: Annotations) -> pd.DataFrame:
    """Every sample with a tag or a correction, indexed by id (table order).

    Columns: ``given_label``, ``corrected_label`` (None where only tagged),
    ``tags`` (a list per sample) and ``time`` (UTC, the sample's last change).
    """
    table = annotations.table
    pos = annotations.annotated_positions()
    classes = np.asarray([*annotations.classes, None], dtype=object)
    index = table.df.index[pos]
    if not isinstance(index, pd.MultiIndex):
        index = index.rename(table.df.index.name or "id")
    return pd.DataFrame(
        {
            "given_label": classes[table.label_codes[pos]],
            "corrected_label": classes[annotations.corrected_codes[pos]],
            "tags": annotations.tag_lists(pos),
            "time": pd.to_datetime(
                np.round(annotations.last_changed[pos] * 1000), unit="ms", utc=True
            ),
        },
        index=index,
    )


def _replaced(column: pd.Series, rows: np.ndarray, values: np.ndarray) -> pd.Series:
    """``column`` with ``values`` at positional ``rows``; its dtype kept when it holds them."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        new = pd.Index(values).difference(column.cat.categories)
        out = column.cat.add_categories(new) if len(new) else column.copy()
        out.iloc[rows] = values
        return out
    out = column.astype(object)
    out.iloc[rows] = values
    try:
        typed = out.astype(column.dtype)
    except (TypeError, ValueError):
        return out
    # Keep the dtype only when it holds the new labels exactly (7 stays int; "cat" does not).
    return typed if bool((typed.astype(object) == out).all()) else out


def apply_corrections(
    annotations: Annotations,
    df: pd.DataFrame | None = None,
    *,
    drop_tagged: str | Iterable[str] | None = None,
    label_column: Hashable | None = None,
) -> pd.DataFrame:
    """A corrected copy of ``df`` (default: the table's); see ``DataLens.apply_corrections``."""
    table = annotations.table
    frame = table.df if df is None else df
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"df must be a DataFrame, got {type(frame).__name__}")
    if not frame.index.is_unique:
        raise ValueError("df: the index (sample ids) must be unique to apply corrections by id")
    if label_column is None:
        src = table.roles["label"]
        if src is None or not src.columns:
            raise ValueError(
                "the labels were passed as an array, not a column: pass label_column= "
                "naming the column of df to correct"
            )
        label_column = src.columns[0]
    if label_column not in frame.columns:
        raise ValueError(f"df has no label column {label_column!r}")
    out = frame.copy()
    corrected = np.flatnonzero(annotations.corrected_codes >= 0)
    rows = frame.index.get_indexer(table.df.index[corrected])
    found = rows >= 0  # a frame holding a subset of the samples (a split) is fine
    if found.any():
        classes = np.asarray([*annotations.classes, None], dtype=object)
        values = classes[annotations.corrected_codes[corrected[found]]]
        out[label_column] = _replaced(out[label_column], rows[found], values)
    if drop_tagged is not None:
        tags = [drop_tagged] if isinstance(drop_tagged, str) else list(drop_tagged)
        tagged = [annotations.tagged(check_tag(tag)) for tag in tags]
        ids = table.df.index[np.unique(np.concatenate([np.zeros(0, np.int64), *tagged]))]
        out = out.drop(index=out.index.intersection(ids))
    return out
