"""Columns on the wire: encoded once, sent lazily in chunks of at most 2 MiB.

The table model holds no column data in its widget state. The page asks for
the columns a view draws (``{"type": "column", "names": [...], "base64":
bool}``) and the kernel answers with one message per chunk (see
docs/architecture.md for the fields). Two encodings:

- ``raw``: integers in the smallest unsigned (or int32) browser dtype, as they are;
- ``linear``: floats as unsigned codes ``k`` of ``steps`` even steps between the
  column's finite ``low`` and ``high``: value ``low + k * ((high - low) / steps)``
  computed in float64 and rounded to float32, the largest code meaning missing.
  Coordinates and metrics use 16 bits (65,534 steps: a 1,000-pixel-wide plot
  is off by at most 1/131 of a pixel); a column on a known grid of at most
  254 steps (correctness: k of E epochs) uses 8 bits and is exact.

Chunks are at most :data:`MAX_CHUNK_BYTES` of raw bytes, so even as base64
text (the fallback for hosts that drop binary buffers, 4/3 the size) every
message stays under 4 MiB, below Databricks' 5 MB cap.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .transport import _wire_dtype

__all__ = ["MAX_CHUNK_BYTES", "WireColumn", "chunk_messages", "linear", "raw"]

#: Raw bytes of one chunk: 2 MiB, so a base64 chunk (4/3 of that) is still under 4 MiB.
MAX_CHUNK_BYTES = 2 * 2**20
#: Steps of a 16-bit linear column (code 65535 is missing).
STEPS_16 = 65_534


@dataclass(frozen=True)
class WireColumn:
    """One column as the page receives it: the flat wire array and how to read it."""

    data: np.ndarray
    encoding: str = "raw"
    low: float = 0.0
    high: float = 0.0
    steps: int = 0

    def header(self) -> dict[str, Any]:
        head: dict[str, Any] = {
            "dtype": self.data.dtype.name,
            "n": int(self.data.size),
            "encoding": self.encoding,
        }
        if self.encoding == "linear":
            head.update(low=self.low, high=self.high, steps=self.steps)
        return head

    def decoded(self) -> np.ndarray:
        """The values the page sees: float32 for a linear column (NaN where missing)."""
        if self.encoding != "linear":
            return self.data
        step = (self.high - self.low) / self.steps if self.steps else 0.0
        values = self.low + self.data.astype(np.float64) * step
        values[self.data == np.iinfo(self.data.dtype).max] = np.nan
        return values.astype(np.float32)

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)


def raw(values: Any, *, name: str) -> WireColumn:
    """Integers (or booleans) as they are, in the smallest browser dtype."""
    array = np.asarray(values)
    return WireColumn(np.ascontiguousarray(array.ravel(), dtype=_wire_dtype(array, name)))


def linear(
    values: Any,
    *,
    steps: int = STEPS_16,
    low: float | None = None,
    high: float | None = None,
) -> WireColumn:
    """Floats as ``steps`` even steps between ``low`` and ``high`` (default: the finite
    extent); non-finite values become the missing code. 8-bit codes for ``steps`` ≤ 254.
    """
    if not 1 <= steps <= STEPS_16:
        raise ValueError(f"steps must be 1..{STEPS_16}, got {steps}")
    array = np.asarray(values, dtype=np.float64).ravel()
    dtype = np.dtype("<u1") if steps <= 254 else np.dtype("<u2")
    missing = np.iinfo(dtype).max
    finite = np.isfinite(array)
    if low is None or high is None:
        if finite.any():
            picked = array[finite] if not finite.all() else array
            low, high = float(picked.min()), float(picked.max())
        else:
            low = high = 0.0
    scale = steps / (high - low) if high > low else 0.0
    with np.errstate(invalid="ignore"):
        codes = np.rint((array - low) * scale)
        np.clip(codes, 0, steps, out=codes)
    codes[~finite] = missing
    return WireColumn(codes.astype(dtype), "linear", float(low), float(high), int(steps))


def chunk_messages(
    columns: Sequence[tuple[str, WireColumn, int, list[str] | None]],
    *,
    base64_data: bool = False,
    max_bytes: int = MAX_CHUNK_BYTES,
) -> list[tuple[dict[str, Any], list[memoryview]]]:
    """The reply messages for ``(name, column, version, categories)`` items: chunks of
    at most ``max_bytes``, row range by row range across the columns (so the page can
    draw the first rows of x and y before the last arrive). The last message has
    ``"last": True``. With ``base64_data`` a chunk's bytes are in its ``data`` field
    instead of a binary buffer."""
    widest = max((c.data.itemsize for _, c, _, _ in columns), default=1)
    rows_per_chunk = max(1, max_bytes // widest)
    n = max((c.data.size for _, c, _, _ in columns), default=0)
    n_chunks = max(1, -(-n // rows_per_chunk))
    out: list[tuple[dict[str, Any], list[memoryview]]] = []
    for k in range(n_chunks):
        start = k * rows_per_chunk
        for name, column, version, categories in columns:
            part = column.data[start : start + rows_per_chunk]
            body: dict[str, Any] = {
                "name": name,
                "version": version,
                **column.header(),
                "offset": start,
                "rows": int(part.size),
                "chunk": k,
                "chunks": n_chunks,
            }
            if k == 0 and categories is not None:
                body["categories"] = categories
            view = memoryview(part).cast("B")
            if base64_data:
                body["data"] = base64.b64encode(view).decode("ascii")
                out.append((body, []))
            else:
                out.append((body, [view]))
    if out:
        out[-1][0]["last"] = True
    return out
