"""Media checks in one pass: decode every cell once, measure it, then run the checks.

>>> features = media_features(df["path"], "image")          # doctest: +SKIP
>>> results = [check(features) for _, role, check in MEDIA_CHECKS if role == "image"]

:func:`media_features` decodes each cell once, in a thread pool (PIL and
numpy release the GIL while decoding and reducing), and returns one row of
measurements per cell; an unreadable cell is a row with ``readable=False``
and a ``corrupt_reason``, never an exception. Each check in
:data:`MEDIA_CHECKS` is a function of that table returning a
:class:`~nbdatalens.issues.base.CheckResult`.

The loudest section of every clip (``loudest_start`` / ``loudest_end``, in
seconds) rides on the ``silent`` result's extras, so it reaches
``lens.issues`` for every audio sample whether or not anything is flagged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import media_audio, media_images, media_text
from .base import CheckResult

Kind = Literal["image", "audio", "text"]
Progress = Callable[[int, int], None]
_CHUNK = 64

__all__ = ["MEDIA_CHECKS", "media_features", "run_media_checks"]


def _cells(values: Any) -> list[Any]:
    if isinstance(values, pd.Series):
        return values.tolist()
    if isinstance(values, np.ndarray) and values.ndim >= 2:
        return list(values)  # an (N, H, W[, C]) stack of images, or (N, T) of clips
    return list(values)


def _rates(sample_rate: Any, n: int) -> list[int | None]:
    if sample_rate is None or np.ndim(sample_rate) == 0:
        return [None if sample_rate is None else int(sample_rate)] * n
    rates = list(sample_rate.tolist() if hasattr(sample_rate, "tolist") else sample_rate)
    if len(rates) != n:
        raise ValueError(f"sample_rate has {len(rates)} values for {n} audio cells")
    return [None if r is None or r != r else int(r) for r in rates]


def _run(
    measure: Callable[..., dict[str, Any]],
    jobs: Sequence[tuple[Any, ...]],
    workers: int,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    total = len(jobs)
    chunks = [jobs[i : i + _CHUNK] for i in range(0, total, _CHUNK)]

    def work(chunk: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
        return [measure(*job) for job in chunk]

    rows: list[dict[str, Any]] = []
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            rows.extend(work(chunk))
            if progress is not None:
                progress(len(rows), total)
        return rows
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nbdatalens-media") as pool:
        for done in pool.map(work, chunks):  # in order, so rows stay aligned
            rows.extend(done)
            if progress is not None:
                progress(len(rows), total)
    return rows


def media_features(
    values: Iterable[Any],
    kind: Kind,
    sample_rate: int | Sequence[int] | None = None,
    workers: int = 2,
    progress: Progress | None = None,
    *,
    loudest_seconds: float = media_audio.LOUDEST_S,
) -> pd.DataFrame:
    """Decode each cell once and measure it: one row per cell, in order (a RangeIndex).

    ``kind`` is the column's role:

    - ``"image"`` (paths, bytes, PIL images, arrays): the columns of
      :func:`~nbdatalens.issues.media_images.image_features` (readable,
      corrupt_reason, format, width, height, brightness, dark/light level,
      contrast, channel_std, sharpness, colourfulness).
    - ``"audio"`` (WAV paths or bytes, arrays with ``sample_rate`` — one rate
      or one per cell): the columns of
      :func:`~nbdatalens.issues.media_audio.audio_features` (duration, peak,
      RMS envelope levels, voiced start/end, clipping share, loudest window of
      ``loudest_seconds``).
    - ``"text"``: the columns of :func:`~nbdatalens.issues.media_text.text_features`.

    ``workers`` threads decode in parallel (1 = in this thread);
    ``progress(done, total)`` is called after every chunk of 64 cells. An
    unreadable cell gives a row with ``readable=False`` and a
    ``corrupt_reason`` in words; this function does not raise for bad cells.
    """
    cells = _cells(values)
    workers = max(1, min(int(workers), os.cpu_count() or 1, 32))
    if kind == "image":
        measure: Callable[..., dict[str, Any]] = media_images.image_features
        jobs: list[tuple[Any, ...]] = [(cell,) for cell in cells]
        columns = media_images.IMAGE_FEATURES
    elif kind == "audio":
        measure = partial(_audio_job, loudest_seconds=loudest_seconds)
        jobs = list(zip(cells, _rates(sample_rate, len(cells)), strict=True))
        columns = media_audio.AUDIO_FEATURES
    elif kind == "text":
        measure, jobs, columns = (
            media_text.text_features,
            [(c,) for c in cells],
            media_text.TEXT_FEATURES,
        )
        workers = 1  # pure Python: threads would only contend for the GIL
    else:
        raise ValueError(f"kind must be 'image', 'audio' or 'text', got {kind!r}")
    rows = _run(measure, jobs, workers, progress)
    frame = (
        pd.DataFrame.from_records(rows, columns=list(columns))
        if rows
        else pd.DataFrame(columns=list(columns))
    )
    frame["readable"] = frame["readable"].astype(bool)
    frame.attrs["kind"] = kind
    return frame


def _audio_job(cell: Any, rate: int | None, *, loudest_seconds: float) -> dict[str, Any]:
    return media_audio.audio_features(cell, rate, loudest_seconds)


def _renamed(issue_type: str, check: Callable[[pd.DataFrame], CheckResult]):
    def run(features: pd.DataFrame, **params: Any) -> CheckResult:
        result = check(features, **params)
        result.issue_type = issue_type
        if "corrupt_reason" in result.extras:
            result.extras = {f"{issue_type}_reason": result.extras.pop("corrupt_reason")}
        return result

    run.__name__ = issue_type
    run.__doc__ = check.__doc__
    return run


#: (issue_type, role the check needs, check taking the ``media_features`` table).
#: A runner calls ``check(media_features(df[column], role, ...))`` once per role
#: present, and reports ``NotRun(issue_type, f"needs an {role} column")`` otherwise.
#: ``corrupt`` of an audio column is ``corrupt_audio`` (extra ``corrupt_audio_reason``) so
#: both can run on one table.
MEDIA_CHECKS: list[tuple[str, str, Callable[..., CheckResult]]] = [
    ("corrupt", "image", media_images.corrupt),
    ("low_information", "image", media_images.low_information),
    ("dark", "image", media_images.dark),
    ("light", "image", media_images.light),
    ("blurry", "image", media_images.blurry),
    ("odd_size", "image", media_images.odd_size),
    ("odd_aspect_ratio", "image", media_images.odd_aspect_ratio),
    ("grayscale", "image", media_images.grayscale),
    ("corrupt_audio", "audio", _renamed("corrupt_audio", media_images.corrupt)),
    ("silent", "audio", media_audio.silent),
    ("truncated", "audio", media_audio.truncated),
    ("clipped", "audio", media_audio.clipped),
    ("low_volume", "audio", media_audio.low_volume),
    ("empty_text", "text", media_text.empty_text),
    ("non_text", "text", media_text.non_text),
]


def run_media_checks(
    values: Iterable[Any],
    kind: Kind,
    sample_rate: int | Sequence[int] | None = None,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> dict[str, CheckResult]:
    """Every check of ``kind`` on one column, decoding it once: ``{issue_type: result}``."""
    features = media_features(values, kind, sample_rate, workers, progress)
    return {name: check(features) for name, role, check in MEDIA_CHECKS if role == kind}
