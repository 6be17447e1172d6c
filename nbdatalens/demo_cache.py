"""What the demo datasets share: argument checks and a per-process cache of their arrays.

A demo trains a small model on first load (seconds); later loads with the same
arguments reuse its arrays, and every load builds a fresh DataFrame from them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    return int(seed)


def check_epochs(epochs: Any) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    return int(epochs)


class ArrayCache:
    """Arrays computed once per key (thread-safe); ``cache=False`` recomputes."""

    def __init__(self) -> None:
        self._arrays: dict[Hashable, dict[str, np.ndarray]] = {}
        self._lock = threading.Lock()

    def get(
        self, key: Hashable, compute: Callable[[], dict[str, np.ndarray]], cache: bool = True
    ) -> dict[str, np.ndarray]:
        with self._lock:
            arrays = self._arrays.get(key) if cache else None
        if arrays is None:
            arrays = compute()
            if cache:
                with self._lock:
                    self._arrays[key] = arrays
        return arrays
