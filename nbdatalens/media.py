"""Decode image and audio cells; encode PNG thumbnails, waveform pictures and WAV clips.

Pure functions, no widgets and no caches (the gallery keeps its own LRU).
Every failure is a ValueError / TypeError whose message starts with
"cannot decode image" or "cannot decode audio" and says what was wrong;
:func:`thumbnail_or_error` turns it into one flagged tile.
"""

from __future__ import annotations

import io
import os
import warnings
import wave
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

_EXPECTED_IMAGE = "expected a file path, bytes, a numpy array or a PIL image"
_KEEP_MODES = ("L", "RGB", "RGBA")
_CHECKED_CELLS = 20
# Colours of the waveform picture (RGBA).
_WAVE_COLOUR = np.array([59, 117, 175, 255], dtype=np.uint8)
_CLIP_COLOUR = np.array([214, 39, 40, 255], dtype=np.uint8)
_AXIS_COLOUR = np.array([160, 160, 160, 120], dtype=np.uint8)
SILENCE_PEAK = 1e-4
CLIP_LEVEL = 0.999


# --------------------------------------------------------------------- images
def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _is_image_like(value: Any) -> bool:
    image_types = (str, os.PathLike, bytes, bytearray, memoryview, np.ndarray, list, tuple)
    return isinstance(value, (*image_types, Image.Image)) or hasattr(value, "__array__")


def _open_file(value: str | os.PathLike[str]) -> Image.Image:
    path = os.fspath(value)
    if path.startswith(("http://", "https://")):
        raise ValueError(f"cannot decode image: URLs are not downloaded, got {path}")
    if not os.path.isfile(path):
        raise ValueError(f"cannot decode image: file not found: {path}")
    # Reading the bytes first means no file handle stays open behind a lazy image.
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValueError(f"cannot decode image: not a readable image file: {path}") from None


def _open_bytes(value: bytes | bytearray | memoryview) -> Image.Image:
    data = bytes(value)
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValueError(
            f"cannot decode image: bytes are not a readable image "
            f"({len(data)} bytes starting {data[:8]!r})"
        ) from None


def _normalise_array(array: np.ndarray) -> np.ndarray:
    """Any numeric H×W or H×W×C (or C×H×W) array as uint8 H×W, H×W×3 or H×W×4."""
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # channel-first, as torch tensors are
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 3 and array.shape[-1] == 2:
        grey, alpha = array[..., 0], array[..., 1]
        array = np.stack([grey, grey, grey, alpha], axis=-1)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"cannot decode image: array of shape {array.shape} is not H×W or H×W×(1|3|4)"
        )
    if array.size == 0:
        raise ValueError(f"cannot decode image: array of shape {array.shape} is empty")
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"cannot decode image: array of dtype {array.dtype} is not numeric")
    values = array.astype(np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(array.shape, dtype=np.uint8)
    low, high = values[finite].min(), values[finite].max()
    is_float = np.issubdtype(array.dtype, np.floating)
    if is_float and low >= 0 and high <= 1:
        scaled = values * 255
    elif not is_float and low >= 0 and high <= 255:
        scaled = values
    else:
        # Any other range is stretched to 0..255 so the picture is visible.
        scaled = (values - low) * (255 / (high - low)) if high > low else values * 0
    return np.rint(np.where(finite, scaled, 0)).astype(np.uint8)


def _convert_mode(image: Image.Image) -> Image.Image:
    if image.mode in _KEEP_MODES:
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return Image.fromarray(_normalise_array(np.asarray(image)))
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _load(value: Any, draft_size: int | None = None) -> Image.Image:
    """The cell as a decoded PIL image in mode L, RGB or RGBA."""
    if _is_missing(value):
        raise ValueError("cannot decode image: the cell is empty")
    if isinstance(value, Image.Image):
        image = value  # the user's object: never draft() or mutate it
    elif isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "__array__"):
        return Image.fromarray(_normalise_array(np.asarray(value)))
    else:
        if isinstance(value, (str, os.PathLike)):
            image = _open_file(value)
        elif isinstance(value, (bytes, bytearray, memoryview)):
            image = _open_bytes(value)
        else:
            raise TypeError(
                f"cannot decode image: unsupported image object of type "
                f"{type(value).__name__}; {_EXPECTED_IMAGE}"
            )
        if draft_size is not None and image.format == "JPEG":
            # JPEG decodes at 1/2, 1/4 or 1/8 scale on request: far faster for big photos.
            image.draft(image.mode, (draft_size, draft_size))
    try:
        image = ImageOps.exif_transpose(image)
        image.load()
    except (OSError, SyntaxError) as exc:  # truncated or corrupt data past the header
        raise ValueError(f"cannot decode image: corrupt image data ({exc})") from None
    return _convert_mode(image)


def decode_image(value: Any) -> np.ndarray:
    """Decode an image cell to a uint8 array of shape (H, W), (H, W, 3) or (H, W, 4).

    Accepts a file path (``str`` / ``pathlib.Path``), encoded bytes (PNG, JPEG,
    …), a PIL image, or an array (H×W, H×W×C, C×H×W; uint8 as is, bool as
    0/255, floats in [0, 1] times 255, any other range stretched to 0..255).
    Raises ValueError (missing file, corrupt data, bad shape) or TypeError
    (unsupported object), with a message starting "cannot decode image".

    >>> decode_image(np.eye(2, dtype=bool)).tolist()
    [[255, 0], [0, 255]]
    """
    return np.asarray(_load(value))


def _first_present(values: Any) -> tuple[Any, list[Any]]:
    """The positions and values of the first cells that are not missing (a few checked
    cells stand for the column), from a Series or any sequence."""
    if hasattr(values, "iloc") and hasattr(values, "isna"):
        positions = np.flatnonzero(~values.isna().to_numpy())[:_CHECKED_CELLS]
        return positions, [values.iloc[p] for p in positions]
    positions, cells = [], []
    for position, cell in enumerate(values):
        if not _is_missing(cell):
            positions.append(position)
            cells.append(cell)
            if len(cells) == _CHECKED_CELLS:
                break
    return positions, cells


def check_image_column(values: Any, column_name: str) -> None:
    """Cheaply check that an image column holds decodable kinds of objects.

    Looks at the types of the first 20 non-missing values only (no file is
    opened). ``values`` is a Series (row ids come from its index), a sequence,
    or an (N, H, W[, C]) array. Raises TypeError naming the column and row.
    """
    if isinstance(values, np.ndarray) and values.ndim >= 2:
        if not (np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_):
            raise TypeError(
                f"column {column_name!r}: image array of dtype {values.dtype} is not numeric"
            )
        return
    is_series = hasattr(values, "iloc") and hasattr(values, "isna")
    positions, cells = _first_present(values)
    for position, cell in zip(positions, cells, strict=True):
        if not _is_image_like(cell):
            row = values.index[position] if is_series else position
            raise TypeError(
                f"column {column_name!r}: unsupported image object of type "
                f"{type(cell).__name__} at row {row!r}; {_EXPECTED_IMAGE}"
            )


def make_thumbnail(value: Any, size: int = 96, *, smooth: bool | None = None) -> bytes:
    """PNG bytes of the image fitted inside ``size``×``size``, aspect ratio kept.

    With ``smooth=None`` small images (an 8×8 digit) are enlarged by a whole
    factor with nearest-neighbour sampling so pixels stay crisp squares, and
    large ones are reduced with Lanczos filtering. ``smooth=True`` always
    filters, ``smooth=False`` always samples the nearest pixel. Grayscale
    stays grayscale and transparency is kept.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    image = _load(value, draft_size=int(size))
    width, height = image.size
    longest = max(width, height)
    if longest < size and smooth is not True:
        factor = size // longest
        target = (width * factor, height * factor)
        resample = Image.Resampling.NEAREST
    else:
        scale = size / longest
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if smooth is False:
            resample = Image.Resampling.NEAREST
        elif scale > 1:
            resample = Image.Resampling.BICUBIC
        else:
            resample = Image.Resampling.LANCZOS
    if target != image.size:
        # reducing_gap first shrinks by a whole factor (cheap box filter), then filters.
        image = image.resize(target, resample, reducing_gap=3.0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def thumbnail_or_error(value: Any, size: int = 96) -> tuple[bytes | None, str | None]:
    """``(png, None)``, or ``(None, message)`` when the cell cannot be shown. Never raises."""
    try:
        return make_thumbnail(value, size), None
    except (ValueError, TypeError) as exc:
        return None, str(exc)
    except Exception as exc:  # one bad file must stay one flagged tile, whatever broke
        return None, f"cannot decode image: {type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------- audio
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
    if _is_missing(value):
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
    positions, cells = _first_present(values)
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


# ------------------------------------------------------------ media checks' helpers
# Leading bytes of the image formats PIL reads, and the file extensions each goes by.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
)
IMAGE_EXTENSIONS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".jfif": "JPEG",
    ".gif": "GIF",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".ico": "ICO",
}


def sniff_image_format(data: bytes) -> str | None:
    """The image format named by the leading bytes ("PNG", "JPEG", …), or None.

    >>> sniff_image_format(b"\\x89PNG\\r\\n\\x1a\\n....")
    'PNG'
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return None


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
