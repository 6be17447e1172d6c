"""The one joined frame of a lens: user columns, derived columns, annotation columns, extras.

Colour-by (whole columns), the rows reply (a few rows, as text) and export
(the selected rows) all read :func:`joined_frame`, so they agree on what a
column is called and which one wins a name clash: **nbdatalens' own columns
win** (derived, then annotation, then extra columns such as the issue
checks'); a user column of the same name is left out here (it stays in
``lens.df``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .annotation_frames import annotation_columns
from .annotations import ANNOTATION_COLUMNS, TAG_SEPARATOR
from .table import DERIVED_COLUMNS

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable


def own_columns(extras: Sequence[pd.DataFrame] = ()) -> list[str]:
    """The names nbdatalens adds (derived, annotation, extra), in frame order."""
    names = [*DERIVED_COLUMNS, *ANNOTATION_COLUMNS]
    for extra in extras:
        names += [str(c) for c in extra.columns if str(c) not in names]
    return names


def _annotation_rows(annotations: Annotations, positions: np.ndarray) -> pd.DataFrame:
    """``tags`` (joined text, missing when untagged) and ``corrected_label`` of a few rows."""
    tags = [TAG_SEPARATOR.join(t) or None for t in annotations.tag_lists(positions)]
    values = np.asarray([*annotations.classes, None], dtype=object)
    corrected = values[annotations.corrected_codes[positions]]
    return pd.DataFrame(
        {"tags": pd.Series(tags, dtype=object).to_numpy(), "corrected_label": corrected},
        index=annotations.table.df.index[positions],
    )


def joined_frame(
    table: SampleTable,
    annotations: Annotations | None = None,
    *,
    positions: np.ndarray | None = None,
    extras: Sequence[pd.DataFrame] = (),
    drop_user: Sequence[object] = (),
) -> pd.DataFrame:
    """The user's columns, then the derived ones, the annotation ones and ``extras``.

    ``positions`` limits the rows (table order kept as given) and the work: a
    detail-panel request for 20 rows of a 1M-row table touches 20 rows.
    ``extras`` are frames indexed like ``table.df`` (e.g. ``lens.issues``);
    ``drop_user`` leaves more user columns out (export drops in-memory media).
    """
    own = set(own_columns(extras))
    user = table.df if positions is None else table.df.iloc[positions]
    user = user.drop(columns=[c for c in user.columns if c in own or c in drop_user])
    parts = [user, table.derived if positions is None else table.derived.iloc[positions]]
    if annotations is not None:
        parts.append(
            annotation_columns(annotations)
            if positions is None
            else _annotation_rows(annotations, positions)
        )
    for extra in extras:
        parts.append(extra if positions is None else extra.iloc[positions])
    frame = pd.concat(parts, axis=1)
    return frame.loc[:, ~frame.columns.duplicated(keep="last")]
