"""Decode image cells and encode PNG thumbnails (audio cells: :mod:`nbdatalens.audio`).

Pure functions, no widgets and no caches (the gallery keeps its own LRU).
Every failure is a ValueError / TypeError whose message starts with
"cannot decode image" and says what was wrong;
:func:`thumbnail_or_error` turns it into one flagged tile.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

_EXPECTED_IMAGE = "expected a file path, bytes, a numpy array or a PIL image"
_KEEP_MODES = ("L", "RGB", "RGBA")
CHECKED_CELLS = 20


# --------------------------------------------------------------------- images
def is_missing(value: Any) -> bool:
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
    if is_missing(value):
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


def first_present(values: Any) -> tuple[Any, list[Any]]:
    """The positions and values of the first cells that are not missing (a few checked
    cells stand for the column), from a Series or any sequence."""
    if hasattr(values, "iloc") and hasattr(values, "isna"):
        positions = np.flatnonzero(~values.isna().to_numpy())[:CHECKED_CELLS]
        return positions, [values.iloc[p] for p in positions]
    positions, cells = [], []
    for position, cell in enumerate(values):
        if not is_missing(cell):
            positions.append(position)
            cells.append(cell)
            if len(cells) == CHECKED_CELLS:
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
    positions, cells = first_present(values)
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
