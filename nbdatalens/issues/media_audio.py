"""Audio checks: silent, truncated, clipped and too-quiet clips, and each clip's loudest second.

:func:`audio_features` decodes one audio cell (with
:func:`nbdatalens.audio.decode_audio`) and measures it on a short-window RMS
envelope: windows of ``WINDOW_S`` (20 ms) every ``HOP_S`` (10 ms), levels in
dBFS (0 dB = a full-scale square wave; a full-scale sine is −3 dB). The checks
take the table of those measurements (:func:`nbdatalens.issues.media.media_features`).

Scores are 0.5 at each check's threshold, so *score < 0.5 ⇔ flagged*; 1.0 far
on the good side. Unreadable clips are flagged by ``corrupt`` only; the checks
here give them score 1.0 and no flag.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nbdatalens.audio import CLIP_LEVEL, decode_audio, loudest_window
from nbdatalens.media import is_missing

from .base import CheckResult

WINDOW_S = 0.02
HOP_S = 0.01
#: floor of every level, in dBFS (the level of digital silence)
FLOOR_DB = -120.0
#: a window is voiced when it is within this many dB of the clip's loudest window ...
VOICED_RANGE_DB = 30.0
#: ... and at least this many dB above the clip's noise floor (10th percentile window)
VOICED_ABOVE_FLOOR_DB = 10.0
#: default length of the loudest section, in seconds
LOUDEST_S = 1.0
AUDIO_FEATURES = (
    "readable",
    "corrupt_reason",
    "sample_rate",
    "duration",
    "peak_db",
    "max_rms_db",
    "floor_db",
    "loudness_db",
    "voiced_start",
    "voiced_end",
    "head_db",
    "tail_db",
    "clipped_share",
    "loudest_start",
    "loudest_end",
)


def _db(power: np.ndarray | float) -> np.ndarray:
    return np.maximum(10 * np.log10(np.maximum(power, 1e-30)), FLOOR_DB)


def _envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean power of each 20 ms window, every 10 ms (one window for a shorter clip)."""
    width, hop = max(1, round(WINDOW_S * rate)), max(1, round(HOP_S * rate))
    if samples.size <= width:
        return (
            np.array([np.mean(np.square(samples, dtype=np.float64))])
            if samples.size
            else np.zeros(1)
        )
    energy = np.concatenate([[0.0], np.cumsum(np.square(samples, dtype=np.float64))])
    starts = np.arange(0, samples.size - width + 1, hop)
    return (energy[starts + width] - energy[starts]) / width


def measure_audio(
    samples: np.ndarray, rate: int, loudest_seconds: float = LOUDEST_S
) -> dict[str, float]:
    """The measures of float samples in [-1, 1] (see :func:`audio_features`)."""
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    n = samples.size
    levels = _db(_envelope(samples, rate))
    top, floor = float(levels.max()), float(np.percentile(levels, 10))
    threshold = max(top - VOICED_RANGE_DB, floor + VOICED_ABOVE_FLOOR_DB)
    voiced = np.flatnonzero(levels >= threshold) if top > floor + VOICED_ABOVE_FLOOR_DB else []
    hop, width = round(HOP_S * rate), round(WINDOW_S * rate)
    if len(voiced):
        start, end = voiced[0] * hop / rate, min(n, voiced[-1] * hop + width) / rate
        loudness = float(_db(np.mean(_envelope(samples, rate)[voiced[0] : voiced[-1] + 1])))
    else:
        start = end = np.nan
        loudness = top
    magnitude = np.abs(samples)
    loud_start, loud_end = loudest_window(samples, rate, loudest_seconds)
    return {
        "sample_rate": float(rate),
        "duration": n / rate,
        "peak_db": float(_db(float(magnitude.max()) ** 2)) if n else FLOOR_DB,
        "max_rms_db": top,
        "floor_db": floor,
        "loudness_db": loudness,
        "voiced_start": start,
        "voiced_end": end,
        "head_db": float(levels[0]),
        "tail_db": float(levels[-1]),
        "clipped_share": float(np.count_nonzero(magnitude >= CLIP_LEVEL)) / max(1, n),
        "loudest_start": loud_start,
        "loudest_end": loud_end,
    }


def audio_features(
    value: Any, sample_rate: int | None = None, loudest_seconds: float = LOUDEST_S
) -> dict[str, Any]:
    """The measures of one audio cell (WAV path or bytes, array + rate, ...). Never raises.

    - ``readable`` / ``corrupt_reason``: decoded, or why not in words.
    - ``duration`` (s), ``sample_rate``.
    - ``peak_db``: the largest |sample| in dBFS; ``max_rms_db``: the loudest
      20 ms window; ``floor_db``: the 10th percentile window (the noise floor).
    - ``voiced_start`` / ``voiced_end`` (s): the first and last window within
      30 dB of the loudest and 10 dB above the floor (NaN when nothing is).
    - ``loudness_db``: mean power from the first to the last voiced window.
    - ``head_db`` / ``tail_db``: the first and last window's level.
    - ``clipped_share``: share of samples at full scale (|x| ≥ 0.999).
    - ``loudest_start`` / ``loudest_end`` (s): the window of ``loudest_seconds``
      (default 1 s, or the whole clip when shorter) with the most energy.
    """
    row: dict[str, Any] = dict.fromkeys(AUDIO_FEATURES, np.nan)
    row.update(readable=False, corrupt_reason="")
    if is_missing(value):
        row["corrupt_reason"] = "the cell is empty"
        return row
    try:
        samples, rate = decode_audio(value, sample_rate)
        if samples.size == 0:
            row["corrupt_reason"] = "no samples: the clip is empty"
            return row
        row.update(measure_audio(samples, rate, loudest_seconds))
        row["readable"] = True
    except Exception as exc:  # one bad clip is one flagged row, whatever broke
        message = str(exc).removeprefix("cannot decode audio: ")
        row["corrupt_reason"] = message or type(exc).__name__
    return row


# ------------------------------------------------------------------ checks
def _result(
    issue_type: str, features: pd.DataFrame, flag: np.ndarray, score: np.ndarray, **kw: Any
) -> CheckResult:
    readable = features["readable"].to_numpy(dtype=bool)
    flag = np.asarray(flag, dtype=bool) & readable
    score = np.where(readable & np.isfinite(score), score, 1.0)
    return CheckResult(issue_type, flag, np.where(flag, np.minimum(score, 0.4999), score), **kw)


def _db_score(level: np.ndarray, threshold: float, span: float) -> np.ndarray:
    """0.5 at ``threshold`` dB, 1.0 at ``threshold + span``, 0.0 at ``threshold - span``."""
    return np.clip(0.5 + 0.5 * (level - threshold) / span, 0.0, 1.0)


def _column(features: pd.DataFrame, name: str) -> np.ndarray:
    return features[name].to_numpy(dtype=float)


def silent(features: pd.DataFrame, *, max_level_db: float = -50.0) -> CheckResult:
    """Silent: no part of the clip rises above ``max_level_db`` (default −50 dBFS).

    "Part" is a 20 ms window: a clip is silent when its loudest 20 ms RMS is
    below the level, so nearly silent clips (hiss, a word whispered far from
    the microphone) count, not only exact zeros. Score 0.5 at the level, 0 at
    20 dB below it.

    This result also carries, for every clip, the loudest section as extra
    columns ``loudest_start`` / ``loudest_end`` (seconds; the window of the
    length given to ``media_features``, default 1 s or the whole clip) and
    ``max_rms_db``.
    """
    level = _column(features, "max_rms_db")
    return _result(
        "silent",
        features,
        level < max_level_db,
        _db_score(level, max_level_db, 20.0),
        description=f"silent clips: no 20 ms window louder than {max_level_db:g} dBFS",
        extras={
            "loudest_start": _column(features, "loudest_start"),
            "loudest_end": _column(features, "loudest_end"),
            "max_rms_db": level,
        },
        params={"max_level_db": max_level_db},
    )


def truncated(
    features: pd.DataFrame,
    *,
    min_duration_ratio: float = 0.6,
    edge_range_db: float = 15.0,
    max_level_db: float = -50.0,
) -> CheckResult:
    """Truncated: much shorter than the set's typical clip, or the sound is cut off at an edge.

    Flagged when either holds, for clips that are not silent (loudest window
    at least ``max_level_db``):

    - the duration is below ``min_duration_ratio`` (default 0.6) of the set's
      median duration;
    - the first or the last 20 ms window is within ``edge_range_db`` (default
      15 dB) of the clip's loudest window: the clip starts or ends while the
      sound is still loud, where a whole word fades in and out.

    Extra column ``truncated_at``: "start", "end", "both", "short" or "".
    """
    readable = features["readable"].to_numpy(dtype=bool)
    duration = _column(features, "duration")
    top = _column(features, "max_rms_db")
    audible = readable & (top >= max_level_db)
    median = np.nanmedian(np.where(readable, duration, np.nan)) if readable.any() else np.nan
    ratio = duration / median
    short = audible & (ratio < min_duration_ratio)
    head_gap = top - _column(features, "head_db")
    tail_gap = top - _column(features, "tail_db")
    cut_start = audible & (head_gap < edge_range_db)
    cut_end = audible & (tail_gap < edge_range_db)
    score = np.minimum(
        np.clip(0.5 * ratio / min_duration_ratio, 0.0, 1.0),
        _db_score(np.minimum(head_gap, tail_gap), edge_range_db, edge_range_db),
    )
    where = np.full(len(features), "", dtype=object)
    where[short] = "short"
    where[cut_start] = "start"
    where[cut_end] = "end"
    where[cut_start & cut_end] = "both"
    return _result(
        "truncated",
        features,
        short | cut_start | cut_end,
        np.where(audible, score, 1.0),
        description=f"truncated clips: under {min_duration_ratio:g}× the median duration, or "
        f"starting or ending within {edge_range_db:g} dB of their loudest 20 ms",
        extras={"truncated_at": where},
        params={
            "min_duration_ratio": min_duration_ratio,
            "edge_range_db": edge_range_db,
            "max_level_db": max_level_db,
        },
    )


def clipped(
    features: pd.DataFrame, *, min_share: float = 0.001, min_samples: int = 3
) -> CheckResult:
    """Clipped: at least ``min_share`` (default 0.1 %) and ``min_samples`` samples at full scale.

    Full scale is |x| ≥ 0.999 (``nbdatalens.audio.CLIP_LEVEL``), the same rule
    as :func:`nbdatalens.audio.audio_quality`. Score 0.5 at the share, falling
    to 0 at ten times it. Extra column ``clipped_share``.
    """
    share = _column(features, "clipped_share")
    count = share * _column(features, "duration") * _column(features, "sample_rate")
    flag = (share >= min_share) & (np.rint(count) >= min_samples)
    score = np.where(
        share > 0, np.clip(0.5 - 0.5 * np.log10(np.maximum(share, 1e-12) / min_share), 0, 1), 1.0
    )
    return _result(
        "clipped",
        features,
        flag,
        score,
        description=f"clipped clips: at least {min_share:.2%} of the samples at full scale",
        extras={"clipped_share": share},
        params={"min_share": min_share, "min_samples": min_samples},
    )


def low_volume(
    features: pd.DataFrame, *, max_drop_db: float = 20.0, max_level_db: float = -50.0
) -> CheckResult:
    """Low volume: voiced, but far quieter than the set's typical clip.

    Among clips that are not silent (loudest window at least ``max_level_db``),
    flagged when ``loudness_db`` (mean level of the voiced part) is more than
    ``max_drop_db`` (default 20 dB, a tenth of the amplitude) below the
    median loudness of those clips. Extra column ``loudness_db``.
    """
    readable = features["readable"].to_numpy(dtype=bool)
    loud = _column(features, "loudness_db")
    audible = readable & (_column(features, "max_rms_db") >= max_level_db)
    typical = np.nanmedian(np.where(audible, loud, np.nan)) if audible.any() else np.nan
    drop = typical - loud
    return _result(
        "low_volume",
        features,
        audible & (drop > max_drop_db),
        np.where(audible, _db_score(-drop, -max_drop_db, max_drop_db), 1.0),
        description=f"quiet clips: voiced but over {max_drop_db:g} dB below the median loudness",
        extras={"loudness_db": loud},
        params={"max_drop_db": max_drop_db, "max_level_db": max_level_db},
    )
