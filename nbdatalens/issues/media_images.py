"""Image checks: corrupt files and images that carry little for a model to learn from.

:func:`image_features` decodes one image cell and measures it; the checks take
the table of those measurements (one row per sample, as
:func:`nbdatalens.issues.media.media_features` builds it) and return a
:class:`~nbdatalens.issues.base.CheckResult`. Every measure is on a 0..1
scale where it is a level (brightness, contrast) and on the pixel grid of the
decoded image after reduction to at most ``STATS_SIDE`` pixels a side.

Scores: a check that compares a measure ``m`` with a threshold ``t`` scores
0.5 exactly at the threshold, so *score < 0.5 ⇔ flagged*, rising to 1.0 at
twice as far on the good side and falling to 0.0 on the bad side. Unreadable
images are flagged by :func:`corrupt` only; every other check gives them
score 1.0 and no flag (it cannot tell).
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from nbdatalens.media import (
    IMAGE_EXTENSIONS,
    _convert_mode,
    _normalise_array,
    is_missing,
    sniff_image_format,
)

from .base import CheckResult

#: images are reduced (by a whole factor) to at most this many pixels a side before measuring
STATS_SIDE = 256
_TAILS = {"PNG": b"IEND\xaeB`\x82", "JPEG": b"\xff\xd9"}
IMAGE_FEATURES = (
    "readable",
    "corrupt_reason",
    "format",
    "width",
    "height",
    "brightness",
    "dark_level",
    "light_level",
    "contrast",
    "channel_std",
    "sharpness",
    "colourfulness",
)


def _describe_non_image(data: bytes) -> str:
    if not data:
        return "empty file"
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text) / max(1, len(text))
    except UnicodeDecodeError:
        printable = 0.0
    kind = "text" if printable > 0.95 else "unknown data"
    return f"not an image: {len(data):,} bytes of {kind}"


Opened = tuple[Image.Image | np.ndarray | None, str, str, tuple[int, int] | None]


def _open(value: Any) -> Opened:
    """``(image or array, format, corrupt_reason, (width, height) as stored)``.

    The image is None when unreadable; a JPEG may come back decoded at a reduced scale.
    """
    if isinstance(value, Image.Image):
        return value, value.format or "", "", value.size
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None, "", "file not found", None
        except OSError as exc:
            return None, "", f"cannot read the file ({exc.strerror or exc})", None
        expected = IMAGE_EXTENSIONS.get(os.path.splitext(path)[1].lower())
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data, expected = bytes(value), None
    else:
        array = _normalise_array(np.asarray(value))
        return array, "array", "", (array.shape[1], array.shape[0])
    found = sniff_image_format(data)
    if found is None:
        return None, "", _describe_non_image(data), None
    reason = ""
    if expected is not None and found != expected:
        reason = f"{found} data with a {os.path.splitext(path)[1].lower()} extension"
    # A file cut short loses its end marker; data after the marker (phones append
    # some to JPEGs) is fine, so a missing marker near the end is only a hint.
    tail = _TAILS.get(found)
    tail_missing = tail is not None and tail not in data[-64:]
    try:
        image = Image.open(io.BytesIO(data))
        size = image.size
        if found == "JPEG":
            # JPEG decodes at 1/2, 1/4 or 1/8 scale on request: far faster for big photos.
            image.draft(image.mode, (STATS_SIDE, STATS_SIDE))
        image.load()
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError, zlib errors...
        text = str(exc)
        cut = tail_missing or "truncated" in text or "broken data" in text
        return None, found, f"truncated {found}" if cut else f"corrupt {found} ({text})", None
    if tail_missing and tail not in data and not reason:
        reason = f"truncated {found}"  # decodes, but the end marker is nowhere
    return image, found, reason, size


def _reduced(image: Image.Image | np.ndarray) -> Image.Image:
    """The image in mode L or RGB, reduced by a whole factor to at most ~2×STATS_SIDE a side."""
    if not isinstance(image, Image.Image):
        image = Image.fromarray(image)
    longest = max(image.size)
    if longest > 2 * STATS_SIDE:
        image = image.reduce(longest // STATS_SIDE)  # box filter in C: cheap
    image = _convert_mode(image)
    if image.mode == "RGBA":
        image = image.convert("RGB")  # alpha is not looked at
    return image


_LEVELS = np.arange(256) / 255.0
_LEVELS2 = _LEVELS**2


def _level_stats(histograms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (0..1 scale) of the levels each 256-bin histogram row counts."""
    total = histograms.sum(axis=1)
    mean = histograms @ _LEVELS / total
    return mean, np.sqrt(np.maximum(0.0, histograms @ _LEVELS2 / total - mean**2))


def _colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk's colourfulness of a uint8 RGB array, on a ≤ 64×64 subsample."""
    step = max(1, max(rgb.shape[:2]) // 64)
    pixels = rgb[::step, ::step].reshape(-1, 3).astype(np.float32)
    red, green, blue = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    rg = red - green
    yb = 0.5 * (red + green) - blue
    n = rg.size
    mean_rg, mean_yb = float(rg.sum()) / n, float(yb.sum()) / n
    var = float(rg @ rg) / n - mean_rg**2 + float(yb @ yb) / n - mean_yb**2
    return float(np.sqrt(max(0.0, var)) + 0.3 * np.hypot(mean_rg, mean_yb))


def _measure(image: Image.Image) -> dict[str, float]:
    # Histograms come from PIL in C; numpy only sees the luminance plane (and a
    # subsample for colour), which keeps small and large images fast.
    is_rgb = image.mode == "RGB"
    luma_image = image.convert("L") if is_rgb else image  # Rec. 601 luma
    histograms = luma_image.histogram() + (image.histogram() if is_rgb else [])
    counts = np.asarray(histograms, dtype=np.float64).reshape(-1, 256)
    means, stds = _level_stats(counts)
    mean, std = float(means[0]), float(stds[0])
    channel_std = float(stds[1:].max()) if is_rgb else std
    colourfulness = _colourfulness(np.asarray(image)) if is_rgb else 0.0
    cumulative = np.cumsum(counts[0])
    total = cumulative[-1]
    dark_level = np.searchsorted(cumulative, 0.95 * total) / 255  # 95th percentile
    light_level = np.searchsorted(cumulative, 0.05 * total) / 255  # 5th percentile
    luma = np.asarray(luma_image).astype(np.int16)
    if luma.shape[0] >= 3 and luma.shape[1] >= 3:
        centre = luma[1:-1, 1:-1]
        lap = 4 * centre - luma[:-2, 1:-1] - luma[2:, 1:-1] - luma[1:-1, :-2] - luma[1:-1, 2:]
        lap = lap.ravel().astype(np.float32)
        lap_var = max(0.0, float(lap @ lap) / lap.size - (float(lap.sum()) / lap.size) ** 2)
        sharpness = np.sqrt(lap_var) / 255 / (std + 1e-3)
    else:
        sharpness = np.nan
    return {
        "brightness": mean,
        "dark_level": float(dark_level),
        "light_level": float(light_level),
        "contrast": std,
        "channel_std": channel_std,
        "sharpness": float(sharpness),
        "colourfulness": colourfulness,
    }


def image_features(value: Any) -> dict[str, Any]:
    """The measures of one image cell (a path, bytes, a PIL image or an array). Never raises.

    - ``readable``: decoded; ``corrupt_reason``: why the cell is corrupt, in
      words, or ``""`` (a readable image can still be corrupt: PNG data with a
      .jpg extension); ``format``: the format the bytes say.
    - ``width`` / ``height``: pixels as stored (before any reduction).
    - ``brightness``: mean luminance (Rec. 601), 0..1; ``dark_level``: its
      95th percentile, ``light_level``: its 5th percentile.
    - ``contrast``: standard deviation of the luminance, 0..1;
      ``channel_std``: the largest per-channel standard deviation, 0..1.
    - ``sharpness``: standard deviation of the 4-neighbour Laplacian of the
      luminance over the luminance's own standard deviation (so contrast
      cancels out): high-frequency detail per unit of contrast; NaN under 3×3.
    - ``colourfulness``: Hasler & Süsstrunk's colourfulness on 0..255 RGB
      (0 for a grayscale image, ~15 for muted, >100 for vivid colour).
    """
    row: dict[str, Any] = dict.fromkeys(IMAGE_FEATURES, np.nan)
    row.update(readable=False, corrupt_reason="", format="")
    if is_missing(value):
        row["corrupt_reason"] = "the cell is empty"
        return row
    try:
        image, fmt, reason, size = _open(value)
        row.update(format=fmt, corrupt_reason=reason)
        if image is None or size is None:
            return row
        row["width"], row["height"] = size
        row.update(_measure(_reduced(image)))
        row["readable"] = True
    except Exception as exc:  # one bad cell is one flagged row, whatever broke
        row["readable"] = False
        row["corrupt_reason"] = f"cannot decode image: {type(exc).__name__}: {exc}"
    return row


# ------------------------------------------------------------------ checks
def _below(measure: np.ndarray, threshold: float) -> np.ndarray:
    """Score of 'bad when below': 0.5 at the threshold, 1 at twice it, 0 at zero."""
    return np.clip(0.5 * measure / threshold, 0.0, 1.0)


def _above(measure: np.ndarray, threshold: float, span: float) -> np.ndarray:
    """Score of 'bad when above': 0.5 at the threshold, 1 at ``threshold - span``."""
    return np.clip(0.5 - 0.5 * (measure - threshold) / span, 0.0, 1.0)


def _result(
    issue_type: str, features: pd.DataFrame, flag: np.ndarray, score: np.ndarray, **kw: Any
) -> CheckResult:
    readable = features["readable"].to_numpy(dtype=bool)
    score = np.where(readable & np.isfinite(score), score, 1.0)
    flag = np.asarray(flag, dtype=bool) & readable
    return CheckResult(issue_type, flag, np.where(flag, np.minimum(score, 0.4999), score), **kw)


def corrupt(features: pd.DataFrame) -> CheckResult:
    """Corrupt: the cell cannot be decoded, is truncated, or its bytes disagree with its name.

    Flags every row with a ``corrupt_reason`` (score 0); extra column
    ``corrupt_reason`` says why in words ("PNG data with a .jpg extension",
    "truncated JPEG", "not an image: 1,204 bytes of text", "file not found").
    A JPEG or PNG counts as truncated when decoding runs out of data, or when
    its end marker (EOI, IEND) is missing from the file.
    """
    reason = features["corrupt_reason"].fillna("").astype(str).to_numpy(dtype=object)
    flag = reason != ""
    return CheckResult(
        "corrupt",
        flag,
        np.where(flag, 0.0, 1.0),
        description="cells that cannot be decoded, are truncated, or whose content type "
        "disagrees with the file extension",
        extras={"corrupt_reason": reason},
    )


def low_information(features: pd.DataFrame, *, max_std: float = 0.02) -> CheckResult:
    """Low information: near-constant images (blank, a single colour).

    Flagged when the largest per-channel standard deviation is below
    ``max_std`` (default 0.02 of full scale, about 5 grey levels).
    """
    std = features["channel_std"].to_numpy(dtype=float)
    return _result(
        "low_information",
        features,
        std < max_std,
        _below(std, max_std),
        description=f"near-constant images: every channel's std below {max_std:g} of full scale",
        params={"max_std": max_std},
    )


def dark(features: pd.DataFrame, *, max_level: float = 0.2) -> CheckResult:
    """Dark: hardly any bright pixel, i.e. the 95th percentile of luminance below ``max_level``.

    Default 0.2 of full scale: 95 % of the pixels darker than grey level 51.
    """
    level = features["dark_level"].to_numpy(dtype=float)
    return _result(
        "dark",
        features,
        level < max_level,
        _below(level, max_level),
        description=f"dark images: 95th percentile of luminance below {max_level:g}",
        params={"max_level": max_level},
    )


def light(features: pd.DataFrame, *, min_level: float = 0.85) -> CheckResult:
    """Light (washed out): the 5th percentile of luminance above ``min_level`` (default 0.85)."""
    level = features["light_level"].to_numpy(dtype=float)
    return _result(
        "light",
        features,
        level > min_level,
        _above(level, min_level, min_level),
        description=f"light images: 5th percentile of luminance above {min_level:g}",
        params={"min_level": min_level},
    )


def blurry(
    features: pd.DataFrame, *, min_sharpness: float = 0.25, min_contrast: float = 0.02
) -> CheckResult:
    """Blurry: little high-frequency detail for the image's contrast.

    Flagged when ``sharpness`` (Laplacian std over luminance std, see
    :func:`image_features`) is below ``min_sharpness`` (default 0.25; sharp
    photos score ~0.5-3, white noise ~4, a 2-pixel Gaussian blur ~0.1).
    Near-constant images (contrast below ``min_contrast``) are left to
    :func:`low_information`, as are images smaller than 3×3.
    """
    sharp = features["sharpness"].to_numpy(dtype=float)
    contrast = features["contrast"].to_numpy(dtype=float)
    measured = np.isfinite(sharp) & (contrast >= min_contrast)
    flag = measured & (sharp < min_sharpness)
    return _result(
        "blurry",
        features,
        flag,
        np.where(measured, _below(sharp, min_sharpness), 1.0),
        description=f"blurry images: Laplacian std / luminance std below {min_sharpness:g}",
        params={"min_sharpness": min_sharpness, "min_contrast": min_contrast},
    )


def _log_ratio_to_median(values: np.ndarray, readable: np.ndarray) -> np.ndarray:
    logs = np.log(np.where(readable & (values > 0), values, np.nan))
    if not np.isfinite(logs).any():
        return np.zeros_like(logs)
    return np.abs(logs - np.nanmedian(logs))


def odd_size(features: pd.DataFrame, *, max_ratio: float = 4.0) -> CheckResult:
    """Odd size: pixel area more than ``max_ratio`` times off the set's median area.

    Default 4: half (or twice) the median width and height. Extra column
    ``area_ratio``: area over the median area.
    """
    readable = features["readable"].to_numpy(dtype=bool)
    area = features["width"].to_numpy(dtype=float) * features["height"].to_numpy(dtype=float)
    off = _log_ratio_to_median(area, readable)
    limit = np.log(max_ratio)
    median = np.nanmedian(np.where(readable, area, np.nan)) if readable.any() else np.nan
    return _result(
        "odd_size",
        features,
        off > limit,
        _above(off, limit, limit),
        description=f"images whose area is over {max_ratio:g}× off the median area",
        extras={"area_ratio": area / median},
        params={"max_ratio": max_ratio},
    )


def odd_aspect_ratio(features: pd.DataFrame, *, max_ratio: float = 1.5) -> CheckResult:
    """Odd aspect ratio: width/height more than ``max_ratio`` times off the set's median.

    Default 1.5: in a set of squares, 3:2 is still fine and 2:1 is flagged.
    Extra column ``aspect_ratio``: width / height.
    """
    readable = features["readable"].to_numpy(dtype=bool)
    aspect = features["width"].to_numpy(dtype=float) / features["height"].to_numpy(dtype=float)
    off = _log_ratio_to_median(aspect, readable)
    limit = np.log(max_ratio)
    return _result(
        "odd_aspect_ratio",
        features,
        off > limit * (1 + 1e-9),
        _above(off, limit, limit),
        description=f"images whose width/height is over {max_ratio:g}× off the median",
        extras={"aspect_ratio": aspect},
        params={"max_ratio": max_ratio},
    )


def grayscale(
    features: pd.DataFrame, *, max_colourfulness: float = 3.0, max_share: float = 0.5
) -> CheckResult:
    """Grayscale: a grayscale image in a set of colour images.

    An image is grayscale when its colourfulness (0..255 scale) is below
    ``max_colourfulness`` (default 3: JPEG's chroma noise on a grey picture
    stays below it). Grayscale images are flagged only while they are fewer
    than ``max_share`` (default half) of the readable images: a set that is
    mostly grayscale is a grayscale set and nothing is flagged.
    """
    readable = features["readable"].to_numpy(dtype=bool)
    colour = features["colourfulness"].to_numpy(dtype=float)
    grey = readable & (colour < max_colourfulness)
    share = grey.sum() / max(1, readable.sum())
    flag = grey & (share < max_share)
    score = np.where(flag, _below(colour, max_colourfulness), 1.0)
    return _result(
        "grayscale",
        features,
        flag,
        score,
        description=f"grayscale images (colourfulness below {max_colourfulness:g}) among "
        "colour images",
        params={"max_colourfulness": max_colourfulness, "max_share": max_share},
    )
