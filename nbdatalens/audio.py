"""Decode audio cells; encode waveform pictures and WAV clips; find a clip's loudest section.

Pure functions, no widgets and no caches. Every failure is a ValueError /
TypeError whose message starts with "cannot decode audio" and says what was
wrong. Image cells are :mod:`nbdatalens.media`'s.
"""

from __future__ import annotations

import io
import os
import warnings
import wave
from typing import Any

import numpy as np
from PIL import Image

from .media import first_present, is_missing

# Colours of the waveform picture (RGBA).
_WAVE_COLOUR = np.array([59, 117, 175, 255], dtype=np.uint8)
_CLIP_COLOUR = np.array([214, 39, 40, 255], dtype=np.uint8)
_AXIS_COLOUR = np.array([160, 160, 160, 120], dtype=np.uint8)
SILENCE_PEAK = 1e-4
CLIP_LEVEL = 0.999


def _pcm_to_float(frames: bytes, sample_width: int, channels: int) -> np.ndarray:
    raw = np.frombuffer(frames, dtype=np.uint8)
    if sample_width == 1:  # 8-bit WAV is unsigned
        samples = (raw.astype(np.float32) - 128) / 128
    elif sample_width == 3:
        # 24-bit little-endian: pad each sample to 4 bytes with the sign in the top byte.
        triplets = raw.reshape(-1, 3).astype(np.int32)
        ints = triplets[:, 0] | (triplets[:, 1] << 8) | (triplets[:, 2] << 16)
        samples = (np.where(ints >= 1 << 23, ints - (1 << 24), ints) / float(1 << 23)).astype(
            np.float32
        )
    elif sample_width in (2, 4):
        ints = np.frombuffer(frames, dtype=f"<i{sample_width}")
        samples = (ints / float(1 << (8 * sample_width - 1))).astype(np.float32)
    else:
        raise ValueError(f"cannot decode audio: unsupported {8 * sample_width}-bit samples")
    return samples.reshape(-1, channels).mean(axis=1, dtype=np.float32)


def _read_wav(source: str | io.BytesIO, name: str) -> tuple[np.ndarray, int]:
    try:
        with wave.open(source, "rb") as reader:
            frames = reader.readframes(reader.getnframes())
            width, channels, rate = (
                reader.getsampwidth(),
                reader.getnchannels(),
                reader.getframerate(),
            )
        return _pcm_to_float(frames, width, channels), rate
    except (wave.Error, EOFError) as wave_error:
        if isinstance(source, io.BytesIO):
            source.seek(0)
        # Float and WAVE_FORMAT_EXTENSIBLE files, which `wave` refuses; scipy
        # comes with scikit-learn, a dependency already.
        from scipy.io import wavfile

        try:
            with warnings.catch_warnings():
                # Unknown chunks are skipped with a warning; the samples are still right.
                warnings.simplefilter("ignore", wavfile.WavFileWarning)
                rate, data = wavfile.read(source)
        except (ValueError, OSError) as exc:
            raise ValueError(
                f"cannot decode audio: {name} is not a readable WAV file ({wave_error}; {exc})"
            ) from None
        return _array_to_mono(np.asarray(data)), int(rate)


def _array_to_mono(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        # Channels are the short axis: (n, 2) from WAV readers, (2, n) from librosa.
        array = array.mean(axis=0 if array.shape[0] < array.shape[1] else 1)
    if array.ndim != 1:
        raise ValueError(f"cannot decode audio: expected 1-D or 2-D samples, got {array.shape}")
    if array.dtype == np.uint8:
        return (array.astype(np.float32) - 128) / 128
    if np.issubdtype(array.dtype, np.integer):
        return (array / float(np.iinfo(array.dtype).max + 1)).astype(np.float32)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"cannot decode audio: samples of dtype {array.dtype} are not numeric")
    samples = array.astype(np.float32)
    if not np.isfinite(samples).all():
        raise ValueError("cannot decode audio: samples contain NaN or infinite values")
    return samples


def decode_audio(value: Any, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Decode an audio cell to ``(float32 mono samples in [-1, 1], sample_rate)``.

    Accepts a WAV file path or WAV bytes (their own rate wins over
    ``sample_rate``), an array of samples (1-D, or 2-D with channels on the
    short axis, averaged to mono; integer PCM scaled to [-1, 1]) with
    ``sample_rate``, an ``(array, rate)`` tuple, or a Hugging Face
    ``{"array": ..., "sampling_rate": ...}`` dict. Raises ValueError /
    TypeError starting "cannot decode audio".
    """
    if is_missing(value):
        raise ValueError("cannot decode audio: the cell is empty")
    if isinstance(value, dict) and "array" in value:
        rate = value.get("sampling_rate", value.get("sample_rate", sample_rate))
        return decode_audio(value["array"], rate)
    if isinstance(value, tuple) and len(value) == 2 and np.ndim(value[1]) == 0:
        return decode_audio(value[0], int(value[1]))
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise ValueError(f"cannot decode audio: file not found: {path}")
        return _read_wav(path, path)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _read_wav(io.BytesIO(bytes(value)), f"{len(value)} bytes")
    if not (isinstance(value, (np.ndarray, list)) or hasattr(value, "__array__")):
        raise TypeError(
            f"cannot decode audio: unsupported audio object of type {type(value).__name__}; "
            "expected a WAV file path, WAV bytes or an array of samples with a sample rate"
        )
    if sample_rate is None:
        raise ValueError("cannot decode audio: an array of samples needs a sample rate")
    if isinstance(sample_rate, bool) or not float(sample_rate).is_integer() or sample_rate <= 0:
        raise ValueError(
            f"cannot decode audio: sample rate must be a positive integer, got {sample_rate!r}"
        )
    return _array_to_mono(np.asarray(value)), int(sample_rate)


_EXPECTED_AUDIO = (
    "expected a WAV file path, WAV bytes, an array of samples (1-D, or 2-D with channels) "
    "with a sample_rate role, an (array, rate) tuple, or a {'array', 'sampling_rate'} dict"
)


def _audio_cell_problem(cell: Any, has_rate: bool) -> tuple[type[Exception], str] | None:
    """Why an audio cell cannot be decoded, judged cheaply (no file is read), or None."""
    if isinstance(cell, (str, os.PathLike)):
        path = os.fspath(cell)
        if "://" in str(path):
            return ValueError, (
                f"{path!r} is a URL; nbdatalens reads local files only (works offline): "
                "download the files and give their paths"
            )
        if not os.path.isfile(path):
            return ValueError, f"file not found: {path}"
        return None
    if isinstance(cell, (bytes, bytearray, memoryview)):
        return None
    rate_given = has_rate
    if isinstance(cell, dict):
        if "array" not in cell:
            return TypeError, f"a dict without an 'array' key ({_preview_keys(cell)}); "
        rate_given = rate_given or "sampling_rate" in cell or "sample_rate" in cell
        cell = cell["array"]
    elif isinstance(cell, tuple) and len(cell) == 2 and np.ndim(cell[1]) == 0:
        rate_given, cell = True, cell[0]
    if not (isinstance(cell, (np.ndarray, list)) or hasattr(cell, "__array__")):
        return TypeError, f"unsupported audio object of type {type(cell).__name__}; "
    array = np.asarray(cell)
    if array.ndim not in (1, 2) or not (
        np.issubdtype(array.dtype, np.number) and not np.iscomplexobj(array)
    ):
        return TypeError, f"samples of shape {array.shape} and dtype {array.dtype}; "
    if not rate_given:
        return ValueError, (
            "an array of samples has no sample rate: add a sample_rate column (one rate "
            "per row, or sample_rate=<array>), or give (array, rate) tuples"
        )
    return None


def _preview_keys(cell: dict) -> str:
    return ", ".join(repr(k) for k in list(cell)[:5]) or "empty"


def check_audio_column(values: Any, column_name: str, *, has_rate: bool) -> None:
    """Cheaply check an audio column, like :func:`check_image_column`: the first 20
    non-missing cells must be a local file that exists, bytes, or numeric samples (1-D or
    2-D) with a sample rate (``has_rate``: the table has a ``sample_rate`` role; or per
    cell, an ``(array, rate)`` tuple or a dict with ``sampling_rate``). URLs are refused.
    Raises ValueError / TypeError naming the column and the row."""
    is_series = hasattr(values, "iloc") and hasattr(values, "isna")
    positions, cells = first_present(values)
    for position, cell in zip(positions, cells, strict=True):
        problem = _audio_cell_problem(cell, has_rate)
        if problem is not None:
            error, text = problem
            row = values.index[position] if is_series else position
            hint = _EXPECTED_AUDIO if text.endswith("; ") else ""
            raise error(f"column {column_name!r} (audio): at row {row!r}: {text}{hint}")


def audio_quality(samples: np.ndarray) -> dict[str, Any]:
    """Plain-Python (JSON-ready) quality facts of float samples in [-1, 1].

    ``silent``: peak below 1e-4. ``clipped``: at least max(3, 0.1 %) of the
    samples sit at full scale (|x| ≥ 0.999).
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.size == 0:
        return {"peak": 0.0, "rms": 0.0, "clipped_fraction": 0.0, "silent": True, "clipped": False}
    magnitude = np.abs(samples)
    peak = float(magnitude.max())
    at_full_scale = int(np.count_nonzero(magnitude >= CLIP_LEVEL))
    return {
        "peak": peak,
        "rms": float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))),
        "clipped_fraction": at_full_scale / samples.size,
        "silent": peak < SILENCE_PEAK,
        "clipped": at_full_scale >= max(3, 0.001 * samples.size),
    }


def waveform_png(samples: np.ndarray, size: tuple[int, int] = (160, 64)) -> bytes:
    """PNG of the min/max envelope per pixel column; full-scale columns drawn red.

    Amplitudes are not normalised, so a quiet clip looks quiet.
    """
    width, height = (int(v) for v in size)
    if width < 1 or height < 1:
        raise ValueError(f"size must be two positive integers (width, height), got {size!r}")
    samples = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1, 1)
    picture = np.zeros((height, width, 4), dtype=np.uint8)
    picture[(height - 1) // 2 : height // 2 + 1] = _AXIS_COLOUR
    if samples.size:
        starts = np.arange(width) * samples.size // width
        if samples.size >= width:  # every column holds at least one sample
            low = np.minimum.reduceat(samples, starts)
            high = np.maximum.reduceat(samples, starts)
        else:
            low = high = samples[starts]
        top = np.rint((1 - high) / 2 * (height - 1)).astype(np.int32)
        bottom = np.rint((1 - low) / 2 * (height - 1)).astype(np.int32)
        rows = np.arange(height)[:, None]
        ink = (rows >= top) & (rows <= bottom)
        clipped = (np.maximum(high, -low) >= CLIP_LEVEL)[None, :]
        picture[ink & ~clipped] = _WAVE_COLOUR
        picture[ink & clipped] = _CLIP_COLOUR
    buffer = io.BytesIO()
    Image.fromarray(picture, "RGBA").save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM mono WAV bytes of float samples (clipped to [-1, 1]), for the browser to play."""
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    pcm = np.rint(np.clip(np.asarray(samples, dtype=np.float32), -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(int(sample_rate))
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


def loudest_window(
    samples: np.ndarray, sample_rate: int, seconds: float = 1.0
) -> tuple[float, float]:
    """``(start, end)`` in seconds of the window of ``seconds`` with the most energy.

    The window is the clip itself when the clip is not longer than ``seconds``;
    ties go to the earliest start. Exact to the sample (a running sum of squares).

    >>> loudest_window(np.r_[np.zeros(8000), np.ones(4000), np.zeros(8000)], 4000, 1.0)
    (2.0, 3.0)
    """
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    width = max(1, round(seconds * sample_rate))
    if samples.size <= width:
        return 0.0, samples.size / sample_rate
    energy = np.concatenate([[0.0], np.cumsum(np.square(samples, dtype=np.float64))])
    start = int(np.argmax(energy[width:] - energy[:-width]))
    return start / sample_rate, (start + width) / sample_rate
