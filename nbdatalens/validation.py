"""Turn role sources into checked numpy arrays.

Every error raised here names the column (or ``<array>`` for values passed
directly) and says what is wrong, before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .roles import Source, _preview, is_vector_cell

#: Rows of a probability matrix may be off from 1 by this much (float32 rounding,
#: softmax of half-precision logits) before they are refused.
PROB_SUM_TOLERANCE = 1e-3


def check_frame(df: Any) -> pd.DataFrame:
    """The frame itself: a non-empty DataFrame with a unique index."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"DataLens expects a pandas DataFrame with one row per sample, got {type(df).__name__}"
        )
    if len(df) == 0:
        raise ValueError("the DataFrame is empty: nbdatalens needs at least one sample (row)")
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique()
        raise ValueError(
            f"the DataFrame index must hold unique sample ids, but {len(dup)} id(s) repeat, "
            f"e.g. {_preview(dup, 5)}; use df.reset_index(drop=True) or set a unique id column "
            "as the index"
        )
    return df


def raw_values(df: pd.DataFrame, src: Source) -> Any:
    """The values of a single-column source, as a Series or the given array."""
    if src.columns is None:
        return src.value
    return df[src.columns[0]]


def _bad_rows(df: pd.DataFrame, mask: np.ndarray) -> str:
    return _preview(df.index[np.asarray(mask)], 5)


def check_labels(df: pd.DataFrame, src: Source, role: str = "label") -> np.ndarray:
    """Label-like values as a 1-D object-or-scalar array with no missing values."""
    values = raw_values(df, src)
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"column {src.name!r} ({role}): expected one value per row, got shape {arr.shape}")
    missing = pd.isna(arr)
    if missing.any():
        raise ValueError(
            f"column {src.name!r} ({role}): {int(missing.sum())} missing value(s) at ids "
            f"{_bad_rows(df, missing)}"
        )
    return arr


def stack_vectors(df: pd.DataFrame, src: Source, role: str, ndim: int | tuple[int, ...]) -> np.ndarray:
    """A column of per-row vectors (or one N×… array) stacked into a float array.

    Ragged rows, non-numeric values and NaN are refused with the column name.
    """
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    values = raw_values(df, src)
    if isinstance(values, pd.Series):
        cells = values.to_numpy()
        if cells.dtype != object:
            arr = cells[:, None] if 2 in allowed else cells
        else:
            if not all(is_vector_cell(v) for v in cells[: min(len(cells), 64)]):
                kind = type(next(v for v in cells if not is_vector_cell(v))).__name__
                raise TypeError(
                    f"column {src.name!r} ({role}): expected one vector (list or array) per row, "
                    f"found a {kind}"
                )
            try:
                arr = np.stack(cells)  # type: ignore[arg-type]
            except ValueError:
                lengths = pd.Series([np.shape(v) for v in cells], index=df.index)
                common = lengths.mode().iloc[0]
                bad = lengths != common
                raise ValueError(
                    f"column {src.name!r} ({role}): rows have different lengths (ragged): most "
                    f"have shape {common}, but ids {_preview(lengths.index[bad], 5)} have "
                    f"{_preview(lengths[bad].unique(), 3)}"
                ) from None
    else:
        arr = np.asarray(values)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"column {src.name!r} ({role}): values must be numbers, got dtype {arr.dtype}"
            ) from None
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(
            f"column {src.name!r} ({role}): expected {want} values (rows first), got shape "
            f"{arr.shape}"
        )
    finite = np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
    if not finite.all():
        raise ValueError(
            f"column {src.name!r} ({role}): {int((~finite).sum())} row(s) contain NaN or "
            f"infinite values, e.g. ids {_bad_rows(df, ~finite)}"
        )
    return arr


def per_class_columns(df: pd.DataFrame, src: Source) -> np.ndarray:
    """Several probability columns, one per class, as an N×C array."""
    block = df[list(src.columns or ())]
    try:
        return block.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"columns {src.name!r} (probs): values must be numbers, got dtypes "
            f"{sorted({str(t) for t in block.dtypes})}"
        ) from None


def check_probabilities(
    df: pd.DataFrame, probs: np.ndarray, name: str, n_classes: int, classes: Sequence[Any]
) -> np.ndarray:
    """An N×C probability matrix: finite, non-negative, rows summing to 1, C classes."""
    if probs.ndim != 2:
        raise ValueError(f"column {name!r} (probs): expected N×C probabilities, got shape {probs.shape}")
    if probs.shape[1] != n_classes:
        raise ValueError(
            f"column {name!r} (probs): each row has {probs.shape[1]} probabilities but there are "
            f"{n_classes} classes {_preview(classes)}; pass classes=[...] in probability-column "
            "order if some class never appears as a label"
        )
    neg = (probs < 0).any(axis=1)
    if neg.any():
        raise ValueError(
            f"column {name!r} (probs): {int(neg.sum())} row(s) have negative probabilities, "
            f"e.g. ids {_bad_rows(df, neg)}; pass logits through a softmax first"
        )
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1.0) > PROB_SUM_TOLERANCE
    if off.any():
        worst = float(sums[off][np.argmax(np.abs(sums[off] - 1))])
        raise ValueError(
            f"column {name!r} (probs): {int(off.sum())} row(s) do not sum to 1 (e.g. ids "
            f"{_bad_rows(df, off)}, one sums to {worst:.4g}); if these are logits or scores, "
            "apply a softmax first"
        )
    return probs.astype(np.float32, copy=False)


def check_dynamics_shape(arr: np.ndarray, name: str, n_rows: int, n_classes: int) -> np.ndarray:
    """Per-epoch dynamics: N×E given-label probabilities or N×E×C full probabilities."""
    if arr.shape[0] != n_rows or arr.ndim not in (2, 3):
        raise ValueError(
            f"column {name!r} (dynamics): expected N×E per-epoch probabilities of the given label "
            f"or N×E×C per-epoch probabilities, got shape {arr.shape}"
        )
    if arr.ndim == 3 and arr.shape[2] != n_classes:
        raise ValueError(
            f"column {name!r} (dynamics): the last axis has {arr.shape[2]} probabilities but "
            f"there are {n_classes} classes"
        )
    if arr.shape[1] < 1:
        raise ValueError(f"column {name!r} (dynamics): no epochs recorded (shape {arr.shape})")
    if (arr < 0).any() or (arr > 1 + PROB_SUM_TOLERANCE).any():
        raise ValueError(f"column {name!r} (dynamics): probabilities must lie in [0, 1]")
    return arr.astype(np.float32, copy=False)
