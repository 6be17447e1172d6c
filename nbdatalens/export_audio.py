"""Export the loudest section of each clip: ``lens.export(path, audio="loudest")``.

The seed story of nbdatalens is a speech dataset whose author wrote a tool to
cut each clip down to its loudest section before training. This module is
that tool, as an export option:

* each exported clip is trimmed to its **loudest section**, the window of
  ``loudest_seconds`` (default 1 s; the whole clip when it is shorter) with
  the most energy. When the issue checks ran with that window length (the
  runner's is :data:`~nbdatalens.issues.media_audio.LOUDEST_S`, 1 s), their
  ``loudest_start`` / ``loudest_end`` (the section the gallery marks) are
  used, so the file holds exactly what was shown; otherwise
  :func:`nbdatalens.audio.loudest_window` finds it;
* tabular exports (CSV, JSON, JSON Lines, Parquet) write the trimmed clips
  as 16-bit mono WAV files into a folder beside the export,
  ``<stem>_audio/<id>.wav``, and give the rows an ``audio_loudest`` column
  with each file's absolute path (missing where a clip could not be
  decoded). The id becomes a file name with every character outside
  ``A-Z a-z 0-9 . _ -`` replaced by ``_`` (and ``-2``, ``-3``, … appended
  when two ids would share a name, ignoring case);
* Label Studio tasks inline the trimmed clip (``data:audio/wav;base64,…``)
  as ``data.audio`` instead of the full clip or its path; no folder is
  written (the tasks are self-contained).

The folder is written whole or not at all: the clips go into a temporary
folder beside it (``.<stem>_audio.<pid>-<hex>.tmp``), the table file is
written (atomically), and only then does the folder take its name; an error
on the way removes the temporary folder and leaves an earlier export's
folder as it was. An existing folder is replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import contextlib
import math
import os
import pathlib
import re
import secrets
import shutil
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import audio
from .atomic_file import _fsync_directory, remove_stale_temporaries
from .issues.media_audio import LOUDEST_S
from .progress import track

if TYPE_CHECKING:
    from .issue_report import IssueReport
    from .table import SampleTable

#: The values of ``export(..., audio=)``.
AUDIO_MODES = ("full", "loudest")
#: Default length of the loudest section, in seconds (the issue checks' length).
LOUDEST_SECONDS = LOUDEST_S
#: The column of the trimmed clips' paths in tabular exports.
LOUDEST_COLUMN = "audio_loudest"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 100


def check_audio_mode(table: SampleTable, audio: Any, loudest_seconds: Any) -> bool:
    """Whether ``audio`` asks for the loudest sections; ValueError naming the bad argument."""
    if not isinstance(audio, str) or audio not in AUDIO_MODES:
        raise ValueError(f"audio must be one of {list(AUDIO_MODES)}, got {audio!r}")
    if audio == "full":
        return False
    if table.roles["audio"] is None:
        raise ValueError(
            "audio='loudest' needs an audio column, and this table has none "
            "(name one with DataLens(df, audio=...)); leave audio='full' to export without clips"
        )
    if (
        isinstance(loudest_seconds, bool)
        or not isinstance(loudest_seconds, (int, float, np.integer, np.floating))
        or not math.isfinite(loudest_seconds)
        or loudest_seconds <= 0
    ):
        raise ValueError(
            f"loudest_seconds must be a positive number of seconds, got {loudest_seconds!r}"
        )
    return True


def audio_folder(target: pathlib.Path) -> pathlib.Path:
    """The folder of the trimmed clips beside an export: ``<stem>_audio``.

    >>> audio_folder(pathlib.Path("/data/fixes.csv")).as_posix()
    '/data/fixes_audio'
    """
    return target.parent / f"{target.stem}_audio"


def clip_file_names(ids: Sequence[Any]) -> list[str]:
    """A safe, distinct ``<id>.wav`` file name per id (see the module doc).

    >>> clip_file_names([7, "a/b", "A/B", ("x", 1)])
    ['7.wav', 'a_b.wav', 'A_B-2.wav', 'x_1.wav']
    """
    names, seen = [], set()
    for value in ids:
        text = "_".join(map(str, value)) if isinstance(value, tuple) else str(value)
        stem = _UNSAFE.sub("_", text).strip("._")[:_MAX_STEM] or "sample"
        name, k = stem, 1
        while name.lower() in seen:
            k += 1
            name = f"{stem}-{k}"
        seen.add(name.lower())
        names.append(f"{name}.wav")
    return names


def check_windows(report: IssueReport, seconds: float) -> np.ndarray | None:
    """The issue checks' (N, 2) loudest sections in seconds, when they ran with ``seconds``."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float, np.number)):
        return None  # export_samples refuses it, naming the argument
    if not report.ran or not math.isclose(float(seconds), LOUDEST_S):
        return None
    try:
        extras = report.result("silent").extras
    except (KeyError, ValueError):  # not run (no audio role) or refused
        return None
    return np.column_stack([extras["loudest_start"], extras["loudest_end"]]).astype(np.float64)


def loudest_clips(
    table: SampleTable,
    positions: np.ndarray,
    seconds: float = LOUDEST_SECONDS,
    windows: np.ndarray | None = None,
    *,
    progress: bool | None = None,
) -> list[bytes | None]:
    """16-bit WAV bytes of each row's loudest section (None where the clip cannot be decoded).

    ``windows`` (N × 2 seconds, the issue checks') gives the sections; a row
    without one (NaN) is measured with :func:`nbdatalens.audio.loudest_window`.
    """
    has_rate = table.roles["sample_rate"] is not None
    out: list[bytes | None] = []
    failed: list[str] = []
    listed = np.asarray(positions, dtype=np.int64).tolist()
    for pos in track(listed, len(listed), "loudest clips", progress=progress, unit="clip"):
        try:
            rate = table.cell("sample_rate", pos) if has_rate else None
            rate = None if rate is None or rate != rate else int(rate)
            samples, sr = audio.decode_audio(table.cell("audio", pos), rate)
        except (ValueError, TypeError) as exc:
            failed.append(f"{table.df.index[pos]!r} ({exc})")
            out.append(None)
            continue
        window = None if windows is None else windows[pos]
        if window is None or not np.isfinite(window).all():
            window = audio.loudest_window(samples, sr, seconds)
        start = max(0, round(float(window[0]) * sr))
        end = min(samples.size, round(float(window[1]) * sr))
        out.append(audio.wav_bytes(samples[start:end], sr))
    if failed:
        warnings.warn(
            f"audio='loudest': {len(failed)} clip(s) could not be decoded and have no trimmed "
            f"clip, e.g. {failed[0]}",
            stacklevel=4,
        )
    return out


@contextlib.contextmanager
def staged_folder(folder: pathlib.Path, *, overwrite: bool) -> Iterator[pathlib.Path]:
    """A temporary folder beside ``folder`` that takes its name when the block ends cleanly.

    An exception in the block removes the temporary folder and leaves ``folder``
    as it was. ``overwrite=False`` refuses an existing ``folder`` (FileExistsError).
    """
    if not overwrite and folder.exists():
        raise FileExistsError(f"{folder} already exists; pass overwrite=True to replace it")
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder; rename the export")
    remove_stale_temporaries(folder)
    staging = folder.parent / f".{folder.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    staging.mkdir()
    try:
        yield staging
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
            os.rename(folder, old)
        try:
            os.rename(staging, folder)
        except BaseException:
            if old is not None:
                os.rename(old, folder)  # put the earlier export back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        _fsync_directory(folder.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_clips(
    staging: pathlib.Path, folder: pathlib.Path, names: Sequence[str], clips: Sequence[bytes | None]
) -> list[str | None]:
    """Write each clip into ``staging``; return its path once ``staging`` is ``folder``."""
    paths: list[str | None] = []
    for name, clip in zip(names, clips, strict=True):
        if clip is None:
            paths.append(None)
            continue
        with open(staging / name, "wb") as handle:
            handle.write(clip)
            handle.flush()
            os.fsync(handle.fileno())
        paths.append(str(folder / name))
    return paths
