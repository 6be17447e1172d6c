"""The rules for tag and saved-selection names (split from :mod:`nbdatalens.annotations`,
which re-exports them)."""

from __future__ import annotations

import os
import sys
import unicodedata
from typing import Any

#: Longest tag and saved-selection name, in characters.
MAX_TAG_LENGTH = 40
MAX_SELECTION_NAME_LENGTH = 80


def _checked_name(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__} {value!r}")
    name = value.strip()
    if not name:
        raise ValueError(f"{what} must not be empty")
    if len(name) > limit:
        raise ValueError(
            f"{what} {name[:limit]!r}… is {len(name)} characters long; at most {limit}"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValueError(f"{what} {name!r} contains control characters")
    return name


def check_tag(tag: Any) -> str:
    """The tag as stored (stripped); ValueError / TypeError for an unusable one.

    >>> check_tag("  blurry ")
    'blurry'
    """
    return _checked_name(tag, "tag", MAX_TAG_LENGTH)


def check_selection_name(name: Any) -> str:
    """A saved selection's name as stored (stripped); ValueError / TypeError otherwise."""
    return _checked_name(name, "selection name", MAX_SELECTION_NAME_LENGTH)


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside nbdatalens."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level
