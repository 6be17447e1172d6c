"""Tables in: pandas, polars, pyarrow (and any Arrow stream) as one pandas frame.

:func:`as_pandas` is the one door every input goes through. A pandas
DataFrame passes untouched (``id=`` only moves a column into the index).
Anything else is read as an Arrow table: polars and the other eager frames
narwhals knows via ``narwhals.from_native(...).to_arrow()``, a pyarrow
``Table`` / ``RecordBatch`` / ``RecordBatchReader`` as it is, and any other
object exposing the Arrow C stream interface (``__arrow_c_stream__``:
DuckDB relations, ...) through ``pyarrow.RecordBatchReader.from_stream``.

Scalar columns become pandas columns the way pyarrow converts them: numbers
stay numpy-backed (int64, float32, ... never ``object``), strings become
pandas strings, dictionaries categoricals.

**List columns** (Arrow ``list``, ``large_list``, ``fixed_size_list``,
nested: polars ``List`` and ``Array``) are read once into a
:class:`ListBlock`: an N×K (or N×E×C for lists of lists) numpy array of the
values. A fixed-size list of a primitive type without null values is a view
of the Arrow values buffer, no copy; a variable-size list whose rows all have
one length is a view too. The frame's column holds one numpy row view of the
block per cell (``None`` for a null row), i.e. exactly what a pandas user's
column of vectors holds, so export, the detail panel and the session
fingerprint see the same cells whichever library the table came from, while
the role readers (:func:`nbdatalens.validation.stack_vectors`) take the block
itself instead of stacking the cells again. A list column that cannot be a
block (rows of different lengths, values that are not numbers) still becomes
a column of cells; the problem is recorded and raised, naming the column,
only if a role reads it.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: What :func:`as_pandas` accepts, for error messages.
ACCEPTED = (
    "a pandas DataFrame, a polars DataFrame, a pyarrow Table / RecordBatch / "
    "RecordBatchReader, or any object with __arrow_c_stream__"
)


@dataclass(frozen=True)
class ListBlock:
    """One list column of an Arrow-backed input, read as a numpy block.

    ``values`` is the N×… block (rows first) when every row holds numbers and
    every (non-null) row has the same shape, else None and ``problem`` says why:
    ``"ragged"`` (``lengths`` holds each row's length, -1 for a null row, when
    the outer level differs; ``bad_rows`` the rows at fault otherwise),
    ``"non-numeric"``, or ``"inner-null"`` (a missing list inside a row).
    ``null`` marks the rows that hold no list at all (their block rows are
    whatever the buffer held); None when there are none.
    """

    type: str
    values: np.ndarray | None
    null: np.ndarray | None = None
    problem: str | None = None
    lengths: np.ndarray | None = None
    bad_rows: np.ndarray | None = None


def _type_error(data: Any) -> TypeError:
    kind = type(data)
    name = f"{kind.__module__.split('.')[0]}.{kind.__name__}"
    if hasattr(data, "collect"):
        return TypeError(
            f"DataLens expects {ACCEPTED} (one row per sample), got a lazy frame ({name}): "
            "collect it first, e.g. DataLens(df.collect())"
        )
    return TypeError(f"DataLens expects {ACCEPTED} (one row per sample), got {kind.__name__}")


def to_arrow(data: Any) -> Any:
    """``data`` (anything but pandas) as a ``pyarrow.Table``; TypeError naming what is accepted."""
    try:
        import pyarrow as pa
    except ImportError:
        if hasattr(data, "__arrow_c_stream__") or type(data).__module__.startswith("polars"):
            raise ImportError(
                f"reading a {type(data).__module__.split('.')[0]} table needs pyarrow: "
                "pip install pyarrow (or nbdatalens[arrow])"
            ) from None
        raise _type_error(data) from None

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    import narwhals as nw

    try:
        frame = nw.from_native(data, eager_only=True)
    except TypeError:
        frame = None
    if frame is not None:
        return frame.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data).read_all()
    if hasattr(data, "__arrow_c_array__"):
        return pa.table(data)
    raise _type_error(data)


def as_pandas(data: Any, id: Hashable | None = None) -> tuple[pd.DataFrame, dict[Any, ListBlock]]:
    """``(frame, blocks)``: the input as a pandas frame indexed by sample id, and the list
    columns' blocks by column name (see the module doc).

    The id is the pandas index; ``id="sample_id"`` takes that column as the index
    instead (any input; it then leaves the columns). Without ``id=``, an Arrow table
    written from pandas gets its index back from the pandas metadata, and any
    other table is numbered 0..N-1.

    >>> import pyarrow as pa
    >>> frame, blocks = as_pandas(pa.table({"k": ["a", "b"], "y": [0, 1]}), id="k")
    >>> frame
       y
    k
    a  0
    b  1
    """
    if isinstance(data, pd.DataFrame):
        frame, blocks = data, {}
    else:
        frame, blocks = _from_arrow(to_arrow(data), use_pandas_index=id is None)
    if id is not None:
        frame = _set_id(frame, id)
        blocks.pop(id, None)
    return frame, blocks


def _set_id(frame: pd.DataFrame, id: Hashable) -> pd.DataFrame:
    try:
        present = id in frame.columns
    except TypeError:
        present = False
    if not present and frame.index.nlevels == 1 and frame.index.name == id:
        return frame  # already the index (a pandas frame indexed by it): nothing to move
    if not present:
        names = [str(c) for c in frame.columns]
        hint = difflib.get_close_matches(str(id), names, n=1)
        also = f" (did you mean {hint[0]!r}?)" if hint else ""
        shown = ", ".join(repr(c) for c in names[:12]) + (", …" if len(names) > 12 else "")
        raise ValueError(f"id={id!r}: no such column{also}; the table has columns [{shown}]")
    if not frame.columns.is_unique and (frame.columns == id).sum() > 1:
        raise ValueError(f"id={id!r}: the column appears more than once; rename the duplicates")
    column = frame[id]
    missing = column.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"id={id!r}: {rows.size} row(s) have no id (missing value), e.g. at rows "
            f"{rows[:5].tolist()}; every sample needs a unique id"
        )
    try:
        repeated = column.duplicated(keep=False).to_numpy()
    except TypeError:
        raise TypeError(
            f"id={id!r}: ids must be hashable values (str, int, ...), got "
            f"{type(column.iloc[0]).__name__}"
        ) from None
    if repeated.any():
        dup = pd.unique(column[repeated]).tolist()
        shown = ", ".join(repr(v) for v in dup[:5]) + (", …" if len(dup) > 5 else "")
        raise ValueError(
            f"id={id!r}: the column must hold unique sample ids, but {len(dup)} id(s) repeat, "
            f"e.g. [{shown}]"
        )
    return frame.set_index(id)


# ------------------------------------------------------------------ Arrow
def _is_list(t: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or (hasattr(pa.types, "is_list_view") and pa.types.is_list_view(t))
        or (hasattr(pa.types, "is_large_list_view") and pa.types.is_large_list_view(t))
    )


def _is_number(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t))


def _from_arrow(table: Any, use_pandas_index: bool) -> tuple[pd.DataFrame, dict[Any, ListBlock]]:
    n = table.num_rows
    index, index_names = _pandas_index(table) if use_pandas_index else (None, set())
    columns: dict[Any, Any] = {}
    blocks: dict[Any, ListBlock] = {}
    names = table.column_names
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(
            f"the table has more than one column named {dup[0]!r}; rename or drop the duplicates"
        )
    for name in names:
        if name in index_names:
            continue
        col = table.column(name)
        if _is_list(col.type):
            block, cells = read_list_column(col)
            blocks[name] = block
            columns[name] = cells
        else:
            columns[name] = col.to_pandas()
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)
    if index is not None:
        frame.index = index
    return frame, blocks


def _pandas_index(table: Any) -> tuple[pd.Index | None, set[str]]:
    """The index pandas stored in the table's metadata (``pa.Table.from_pandas``), if any."""
    meta = table.schema.pandas_metadata
    if not meta:
        return None, set()
    entries = meta.get("index_columns") or []
    names = {c.get("field_name"): c.get("name") for c in meta.get("columns", [])}
    if len(entries) == 1 and isinstance(entries[0], dict):
        r = entries[0]
        if r.get("kind") == "range":
            step = int(r.get("step", 1))
            start = int(r.get("start", 0))
            rng = pd.RangeIndex(start, start + step * table.num_rows, step, name=r.get("name"))
            return rng, set()
        return None, set()
    fields = [e for e in entries if isinstance(e, str) and e in table.column_names]
    if not fields or len(fields) != len(entries):
        return None, set()
    arrays = [table.column(f).to_pandas() for f in fields]
    labels = [names.get(f) for f in fields]
    if len(arrays) == 1:
        return pd.Index(arrays[0], name=labels[0]), set(fields)
    return pd.MultiIndex.from_arrays(arrays, names=labels), set(fields)


def read_list_column(col: Any) -> tuple[ListBlock, np.ndarray]:
    """A (chunked) Arrow list column as ``(block, cells)``: the :class:`ListBlock` and an
    object array with one numpy row per cell (views of the block; None for null rows)."""
    import pyarrow as pa

    arr = col
    if isinstance(col, pa.ChunkedArray):  # one contiguous array: a copy only with many chunks
        arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    text = str(arr.type)
    null = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
    found = _read_block(arr, null)
    if isinstance(found, ListBlock):  # a problem
        cells = np.fromiter(arr.to_pandas().tolist(), dtype=object, count=len(arr))
        return ListBlock(text, None, null, found.problem, found.lengths, found.bad_rows), cells
    cells = np.fromiter(found, dtype=object, count=len(arr))  # row views: no copy of values
    if null is not None:
        cells[null] = None
    return ListBlock(text, found, null), cells


def _read_block(arr: Any, null: np.ndarray | None) -> np.ndarray | ListBlock:
    """The values of a list array as one N×… array, or a :class:`ListBlock` naming the problem.

    Null rows of a variable-size list usually take no room (length 0): the present
    rows are then read alone and the null rows of the block are zeros (a copy).
    """
    import pyarrow as pa

    n = len(arr)
    if null is not None and not pa.types.is_fixed_size_list(arr.type):
        lens = _lengths(arr)
        present = lens[~null]
        if present.size and (present == present[0]).all() and (lens != present[0]).any():
            keep = np.flatnonzero(~null)
            inner = _read_block(arr.filter(pa.array(~null)), None)
            if isinstance(inner, ListBlock):
                bad = None if inner.bad_rows is None else keep[inner.bad_rows]
                return ListBlock("", None, problem=inner.problem, bad_rows=bad)
            block = np.zeros((n, *inner.shape[1:]), dtype=inner.dtype)
            block[keep] = inner
            return block
    level, rows, shape = arr, n, []
    while _is_list(level.type):
        if shape and level.null_count:  # a missing list inside a present row
            bad = _top_rows(level.is_null().to_numpy(zero_copy_only=False), shape)
            if null is not None:
                bad = bad[~null[bad]]
            if bad.size:
                return ListBlock("", None, problem="inner-null", bad_rows=bad)
        if pa.types.is_fixed_size_list(level.type):
            k = level.type.list_size
            child = level.values.slice(level.offset * k, rows * k)
        else:
            level = _plain_list(level)
            lens = _lengths(level)
            present = lens if (null is None or shape) else lens[~null]
            k = int(present[0]) if present.size else 0
            if present.size and (present != k).any():
                if not shape:
                    lengths = lens if null is None else np.where(null, -1, lens)
                    return ListBlock("", None, problem="ragged", lengths=lengths)
                return ListBlock("", None, problem="ragged", bad_rows=_top_rows(lens != k, shape))
            start = int(level.offsets[0].as_py()) if len(level) else 0
            child = level.values.slice(start, rows * k)
        shape.append(k)
        level, rows = child, rows * k
    values = _leaf_numpy(level)
    if values is None:
        return ListBlock("", None, problem="non-numeric")
    return values.reshape((n, *shape))


def _plain_list(level: Any) -> Any:
    """A list view (rows in any order in the values) as a plain large list."""
    import pyarrow as pa

    if hasattr(level, "sizes"):
        return level.cast(pa.large_list(level.type.value_type))
    return level


def _lengths(level: Any) -> np.ndarray:
    """Each row's length in a variable-size list array."""
    import pyarrow.compute as pc

    return pc.list_value_length(_plain_list(level)).fill_null(0).to_numpy().astype(np.int64)


def _top_rows(mask: np.ndarray, shape: list[int]) -> np.ndarray:
    """Rows of the top level that an inner level's entries (``mask``) belong to."""
    per_row = int(np.prod(shape)) if shape else 1
    rows = np.flatnonzero(mask) // max(per_row, 1)
    return np.unique(rows)


def _leaf_numpy(leaf: Any) -> np.ndarray | None:
    """The innermost values as numpy (a view when primitive without nulls), None if not numbers."""
    import pyarrow as pa

    if not _is_number(leaf.type):
        return None
    if leaf.null_count:  # a missing number inside a list: NaN, which the checks then name
        return leaf.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if pa.types.is_boolean(leaf.type):
        return leaf.to_numpy(zero_copy_only=False)
    return leaf.to_numpy(zero_copy_only=True)
