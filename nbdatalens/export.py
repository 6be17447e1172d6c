"""Export samples (the selection, or given ids) to CSV, JSON, JSON Lines, Parquet or Label Studio.

What a row holds, in every tabular format:

* ``id`` — the sample id (the index; named after the index when it has a
  name that no column uses, else ``id``, else ``sample_id``);
* the user's columns, except **in-memory media**: an image or audio column
  whose cells are arrays, bytes or PIL images is left out (a path column is
  kept; Label Studio export inlines the media instead). Vector cells
  (embeddings, probabilities, dynamics) are JSON lists in JSON / JSON Lines,
  JSON text in CSV, and (nested) lists in Parquet;
* the derived columns ``pred, correct, loss, margin, confidence,
  variability, correctness, region`` (they win a name clash);
* ``tags`` — the sample's tags as a list (JSON text in CSV) and
  ``corrected_label`` — the corrected label, empty when not corrected;
* with ``audio="loudest"``, ``audio_loudest`` — the path of the sample's
  clip trimmed to its loudest section, written beside the export
  (:mod:`nbdatalens.export_audio`).

Writes are atomic (:func:`nbdatalens.atomic_file.atomic_write`): a
temporary file in the target's directory, flushed to disk, then renamed; an
error part-way leaves no partial file and no temporary file behind. An
existing file is replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pandas as pd

from . import export_audio
from .atomic_file import atomic_write
from .columns import joined_frame, own_columns
from .transport import sorted_unique

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable

#: Formats ``export`` writes.
FORMATS = ("csv", "json", "jsonl", "parquet", "label-studio")
#: File suffix → format, when ``format=`` is not given.
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
NOTHING_SELECTED = "nothing selected: select samples in a view or pass ids="


def resolve_format(path: str | os.PathLike[str], format: str | None) -> str:
    """The export format: ``format`` when given, else from the file suffix.

    >>> resolve_format("fixes.parquet", None)
    'parquet'
    """
    if format is not None:
        key = str(format).lower().replace("_", "-")
        if key == "labelstudio":
            key = "label-studio"
        if key not in FORMATS:
            raise ValueError(f"format must be one of {list(FORMATS)}, got {format!r}")
        return key
    suffix = pathlib.Path(path).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise ValueError(
            f"cannot tell the export format from {os.fspath(path)!r}: use a suffix "
            f"({', '.join(SUFFIX_FORMATS)}) or pass format= one of {list(FORMATS)}"
        )
    return SUFFIX_FORMATS[suffix]


def export_positions(table: SampleTable, ids: Any = None) -> np.ndarray:
    """Row positions to export: those of ``ids`` (in table order), else the selection."""
    if ids is None:
        positions = np.asarray(table.selection, dtype=np.int64)
        if positions.size == 0:
            raise ValueError(NOTHING_SELECTED)
        return positions
    positions = sorted_unique(table.positions(ids), table.n)
    if positions.size == 0:
        raise ValueError("ids= is empty: " + NOTHING_SELECTED)
    return positions


def id_column_name(df: pd.DataFrame) -> str:
    """The name the id column gets in an export (see the module doc)."""
    taken = {str(c) for c in df.columns} | set(own_columns())
    for name in (df.index.name, "id", "sample_id"):
        if isinstance(name, str) and name and name not in taken:
            return name
    return "_id"


def _in_memory_media(table: SampleTable) -> list[Any]:
    """Media columns holding arrays / bytes / PIL images rather than paths."""
    dropped = []
    for role in ("image", "audio"):
        src = table.roles[role]
        if src is None or not src.columns:
            continue
        column = table.df[src.columns[0]]
        present = column.dropna()
        if len(present) and not isinstance(present.iloc[0], (str, os.PathLike)):
            dropped.append(src.columns[0])
    return dropped


def export_frame(
    table: SampleTable,
    annotations: Annotations,
    positions: np.ndarray,
    extras: Sequence[pd.DataFrame] = (),
) -> pd.DataFrame:
    """The rows to export, as a frame with Python-object cells (see the module doc)."""
    frame = joined_frame(
        table, annotations, positions=positions, extras=extras, drop_user=_in_memory_media(table)
    )
    frame["tags"] = annotations.tag_lists(positions)
    # pd.array infers a nullable dtype (Int64 for int classes), so a corrected 5 is not 5.0.
    frame["corrected_label"] = pd.array(frame["corrected_label"].tolist())
    name = id_column_name(table.df)
    ids = table.df.index[positions]
    frame.insert(0, name, ids.to_numpy() if not isinstance(ids, pd.MultiIndex) else list(ids))
    return frame.reset_index(drop=True)


# ------------------------------------------------------------- writers
def _plain_json(value: Any) -> Any:
    """``json.dumps``' fallback: numpy values as Python ones, anything else as text."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return str(value)


def _json_text(value: Any) -> Any:
    if isinstance(value, (np.ndarray, list, tuple)):
        return json.dumps(value, default=_plain_json)
    return value


def write_csv(frame: pd.DataFrame, handle: BinaryIO) -> None:
    """CSV (UTF-8); list and vector cells as JSON text."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(_json_text)
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    out.to_csv(text, index=False)
    text.flush()
    text.detach()


def _write_json(frame: pd.DataFrame, handle: BinaryIO, lines: bool) -> None:
    text = frame.to_json(
        orient="records",
        lines=lines,
        date_format="iso",
        double_precision=15,
        force_ascii=False,
        default_handler=str,
    )
    handle.write(text.encode("utf-8"))


def write_json(frame: pd.DataFrame, handle: BinaryIO) -> None:
    """A JSON array of one object per sample; vectors and tags as lists."""
    _write_json(frame, handle, lines=False)


def write_jsonl(frame: pd.DataFrame, handle: BinaryIO) -> None:
    """JSON Lines: one object per line."""
    _write_json(frame, handle, lines=True)


def _parquet_column(series: pd.Series) -> pd.Series:
    cells = series.dropna()
    if len(cells) == 0:
        return series
    nested = cells.map(lambda v: isinstance(v, np.ndarray) and v.ndim > 1)
    if nested.any():  # Arrow takes 1-D arrays as lists, not 2-D ones
        series = series.map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    kinds = set(
        cells.map(lambda v: "list" if isinstance(v, (list, tuple, np.ndarray)) else type(v))
    )
    if len(kinds) > 1 and "list" not in kinds:  # 7 and "cat" in one column: store text
        return series.map(lambda v: v if v is None or v != v else str(v))
    return series


def write_parquet(frame: pd.DataFrame, handle: BinaryIO) -> None:
    """Parquet (needs pyarrow); mixed-type columns (a new corrected class) as text."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            "writing Parquet needs pyarrow: pip install pyarrow (or nbdatalens[parquet])"
        ) from None
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype == object:
            # Object categories (classes of mixed types, tuples): Arrow would need one
            # dictionary type; store the values instead, as the object columns below.
            column = column.astype(object).where(column.notna(), None)
        if column.dtype == object:
            column = _parquet_column(column)
        out[name] = _arrow_ready(column)
    out.to_parquet(handle, index=False, engine="pyarrow")


def _arrow_ready(series: pd.Series) -> pd.Series:
    """``series`` if Arrow can store it, else its values as text (missing kept missing).

    The last resort for whatever a DataLens accepts and Arrow does not (tuples of
    mixed types, arbitrary hashable objects): every table must export.
    """
    import pyarrow as pa

    try:
        pa.Array.from_pandas(series)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return series.astype(object).map(lambda v: None if _missing(v) else str(v))
    return series


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # containers
        return False


WRITERS: dict[str, Callable[[pd.DataFrame, BinaryIO], None]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "parquet": write_parquet,
}


def export_samples(
    table: SampleTable,
    annotations: Annotations,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    ids: Any = None,
    overwrite: bool = False,
    extras: Sequence[pd.DataFrame] = (),
    audio: str = "full",
    loudest_seconds: float = export_audio.LOUDEST_SECONDS,
    windows: np.ndarray | None = None,
    progress: bool | None = None,
) -> pathlib.Path:
    """Write the selected samples (or ``ids``) to ``path``; return its absolute path.

    See :meth:`nbdatalens.DataLens.export` for the formats and columns, and
    :mod:`nbdatalens.export_audio` for ``audio="loudest"`` (``windows``: the
    issue checks' loudest sections, N × 2 seconds, or None). ``progress``: see
    :mod:`nbdatalens.progress`.
    """
    loudest = export_audio.check_audio_mode(table, audio, loudest_seconds)
    kind = resolve_format(path, format)
    positions = export_positions(table, ids)
    target = pathlib.Path(path).expanduser().absolute()
    if not overwrite and target.exists():  # before the work of building the rows
        raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it")
    folder = export_audio.audio_folder(target)
    if loudest and kind != "label-studio" and not overwrite and folder.exists():
        raise FileExistsError(f"{folder} already exists; pass overwrite=True to replace it")
    clips = (
        export_audio.loudest_clips(
            table, positions, float(loudest_seconds), windows, progress=progress
        )
        if loudest
        else None
    )
    if kind == "label-studio":
        from .label_studio import label_studio_tasks

        tasks = label_studio_tasks(
            table, annotations, positions, audio_clips=clips, progress=progress
        )

        def write(handle: BinaryIO) -> None:
            handle.write(json.dumps(tasks, ensure_ascii=False, indent=1).encode("utf-8"))

        return atomic_write(path, write, overwrite=overwrite)
    frame = export_frame(table, annotations, positions, extras)
    writer = WRITERS[kind]
    if clips is None:
        return atomic_write(path, lambda handle: writer(frame, handle), overwrite=overwrite)
    with export_audio.staged_folder(folder, overwrite=overwrite) as staging:
        names = export_audio.clip_file_names(table.df.index[positions])
        frame[export_audio.LOUDEST_COLUMN] = export_audio.write_clips(staging, folder, names, clips)
        return atomic_write(path, lambda handle: writer(frame, handle), overwrite=overwrite)
