"""Checks of values that the role arrays hold: class names that read alike, float32 range.

Split from :mod:`nbdatalens.validation` (which uses them); same rule: every
error names the column and the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .roles import _preview


def _bad_rows(df: pd.DataFrame, mask: np.ndarray) -> str:
    return _preview(df.index[np.asarray(mask)], 5)


def check_distinct_names(classes: Sequence[Any], what: str) -> None:
    """Refuse classes that differ only in type (``1`` and ``"1"``): the views show a class
    by its text, so two of them would look like one class with its samples split in two.

    Raised for the label and the prediction column alike (and for a prediction
    that differs from a label class only in type, in ``SampleTable``).
    """
    if len(classes) < 2:
        return
    seen: dict[str, Any] = {}
    for c in classes:
        text = str(c)
        if text in seen:
            other = seen[text]
            raise ValueError(
                f"{what}: classes {other!r} ({type(other).__name__}) and {c!r} "
                f'({type(c).__name__}) both read "{text}"; convert the column to one type, '
                "e.g. with .astype(str)"
            )
        seen[text] = c


#: Largest magnitude a float32 holds; the views, the layout and the neighbours work in float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def as_float32(df: pd.DataFrame, arr: np.ndarray, name: str, role: str) -> np.ndarray:
    """``arr`` (finite, checked) as C-contiguous float32; values beyond float32's range
    (±3.4e38), which would turn into ±inf, are refused naming the column and the rows."""
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 4 and arr.size:
        with np.errstate(invalid="ignore"):
            too_big = np.abs(arr).max() > FLOAT32_MAX
        if too_big:
            rows = arr.reshape(len(arr), -1)
            bad = (np.abs(rows) > FLOAT32_MAX).any(axis=1)
            raise ValueError(
                f"column {name!r} ({role}): {int(bad.sum())} row(s) hold values beyond the "
                f"float32 range (±{FLOAT32_MAX:.3g}), e.g. ids {_bad_rows(df, bad)}; "
                "scale the column (e.g. divide it by its largest absolute value)"
            )
    return np.ascontiguousarray(arr, dtype=np.float32)
