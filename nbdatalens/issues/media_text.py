"""Text checks: empty cells and cells that are not text (binary data, mojibake).

:func:`text_features` measures one text cell; the checks take the table of
those measurements (:func:`nbdatalens.issues.media.media_features`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from nbdatalens.media import is_missing

from .base import CheckResult

TEXT_FEATURES = ("readable", "corrupt_reason", "length", "stripped_length", "odd_share", "mojibake")
# UTF-8 bytes read as cp1252 / Latin-1: "Ã©" for "é", "â€™" for "’", "Â " for a no-break
# space: a lead byte 0xC2-0xF4 shown as a letter, then continuation bytes 0x80-0xBF.
_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore") + bytes(
    range(0x80, 0xC0)
).decode("latin-1")
_LEADS = bytes(range(0xC2, 0xF5)).decode("latin-1")
_MOJIBAKE = re.compile(f"[{re.escape(_LEADS)}][{re.escape(_CONTINUATION)}]")
_ALLOWED_CONTROLS = frozenset("\n\r\t\f\v")


def _odd_share(text: str) -> float:
    """Share of characters that no written text contains (controls, U+FFFD, private use)."""
    if not text:
        return 0.0
    odd = 0
    for ch in text:
        if ch in _ALLOWED_CONTROLS:
            continue
        if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            odd += 1
    return odd / len(text)


def _is_mojibake(text: str) -> bool:
    """True when re-reading the text's cp1252 bytes as UTF-8 makes it shorter and valid,
    or (for a cell that does not round-trip) it holds two telltale pairs or more."""
    pairs = _MOJIBAKE.findall(text)
    if not pairs:
        return False
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        return len(fixed) < len(text)
    # A cell mixing mojibake with other text does not round-trip as a whole.
    return len(pairs) >= 2


def text_features(value: Any) -> dict[str, Any]:
    """The measures of one text cell. Never raises.

    - ``length`` / ``stripped_length``: characters, and without surrounding
      whitespace (0 for a missing cell).
    - ``odd_share``: share of characters no written text has (control
      characters other than whitespace, U+FFFD replacement characters,
      private-use and unassigned code points).
    - ``mojibake``: the cell reads like UTF-8 decoded as cp1252/Latin-1
      ("cafÃ©" for "café").
    Bytes cells are decoded as UTF-8; bytes that are not UTF-8 are binary.
    """
    row: dict[str, Any] = {
        "readable": True,
        "corrupt_reason": "",
        "length": 0,
        "stripped_length": 0,
        "odd_share": 0.0,
        "mojibake": False,
    }
    if is_missing(value) or value is pd.NA:
        return row
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            row.update(length=len(value), stripped_length=len(value), odd_share=1.0)
            row["corrupt_reason"] = f"binary data: {len(value):,} bytes that are not UTF-8"
            return row
    text = value if isinstance(value, str) else str(value)
    row.update(length=len(text), stripped_length=len(text.strip()))
    row["odd_share"] = _odd_share(text)
    row["mojibake"] = _is_mojibake(text)
    return row


def empty_text(features: pd.DataFrame) -> CheckResult:
    """Empty text: the cell is missing, empty, or only whitespace (score 0, else 1)."""
    flag = features["stripped_length"].to_numpy(dtype=float) == 0
    return CheckResult(
        "empty_text",
        flag,
        np.where(flag, 0.0, 1.0),
        description="text cells that are missing, empty or only whitespace",
    )


def non_text(features: pd.DataFrame, *, max_odd_share: float = 0.05) -> CheckResult:
    """Not text: binary data, control characters, or mojibake.

    Flagged when more than ``max_odd_share`` (default 5 %) of the characters
    are ones no written text has (see :func:`text_features`), when bytes are
    not UTF-8, or when the text is mojibake (UTF-8 read as cp1252: "cafÃ©").
    Score 0.5 at the share, 0 at all characters; mojibake scores 0.25.
    Extra column ``non_text_reason``: "binary", "control characters",
    "mojibake" or "".
    """
    share = features["odd_share"].to_numpy(dtype=float)
    moji = features["mojibake"].to_numpy(dtype=bool)
    binary = features["corrupt_reason"].fillna("").astype(str).str.startswith("binary").to_numpy()
    odd = share > max_odd_share
    score = np.clip(0.5 - 0.5 * (share - max_odd_share) / (1 - max_odd_share), 0.0, 1.0)
    score = np.where(odd | binary, np.minimum(score, 0.4999), np.where(moji, 0.25, 1.0))
    score = np.where(binary, 0.0, score)
    reason = np.full(len(features), "", dtype=object)
    reason[moji] = "mojibake"
    reason[odd] = "control characters"
    reason[binary] = "binary"
    return CheckResult(
        "non_text",
        odd | moji | binary,
        score,
        description="cells that are binary data, full of control characters, or mojibake",
        extras={"non_text_reason": reason},
        params={"max_odd_share": max_odd_share},
    )
