"""numpy ⇄ browser transport: typed-array payloads and the selection codec.

Columns travel as ``{"dtype", "shape", "buffer"}`` with the buffer as a binary
frame (a ``memoryview``), which ipywidgets sends without JSON and the browser
views as a typed array without copying (``js/src/lib/codec.ts``).

Selections travel as bytes (see ``docs/architecture.md``): empty = nothing
selected; otherwise byte 0 is the kind, ``0`` followed by sorted little-endian
uint32 row positions, or ``1`` followed by a little-endian bitmask of
``ceil(n_rows / 8)`` bytes. The encoder picks the shorter (positions on a tie),
so the bytes are a pure function of the selection, identical to the browser's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "SELECTION_BITMASK",
    "SELECTION_POSITIONS",
    "array_from_payload",
    "array_payload",
    "bytes_from_wire",
    "bytes_serialization",
    "decode_selection",
    "encode_selection",
]

SELECTION_POSITIONS = 0
"""Kind byte: the rest is sorted little-endian uint32 row positions."""
SELECTION_BITMASK = 1
"""Kind byte: the rest is a bitmask, bit ``i & 7`` of byte ``i >> 3`` for row i."""

# The dtypes codec.ts can view; little-endian, as typed arrays on every browser.
_WIRE_DTYPES = {
    name: np.dtype(name).newbyteorder("<")
    for name in ("uint8", "uint16", "int32", "uint32", "float32", "float64")
}
_UINT32_MAX = np.iinfo(np.uint32).max
_INT32 = np.iinfo(np.int32)


def _wire_dtype(values: np.ndarray, name: str) -> np.dtype:
    """The smallest browser dtype that holds ``values`` exactly (floats become float32)."""
    kind = values.dtype.kind
    if kind == "f":
        return _WIRE_DTYPES["float32"]
    if kind == "b":
        return _WIRE_DTYPES["uint8"]
    if kind not in "iu":
        raise TypeError(
            f"{name}: dtype {values.dtype} cannot be sent to the browser; "
            "expected numbers or booleans (encode categories as integer codes first)"
        )
    if values.size == 0:
        return _WIRE_DTYPES["uint8"]
    low, high = int(values.min()), int(values.max())
    if low >= 0:
        for candidate in ("uint8", "uint16", "uint32"):
            if high <= np.iinfo(candidate).max:
                return _WIRE_DTYPES[candidate]
        raise ValueError(
            f"{name}: value {high} does not fit in uint32, the largest browser integer"
        )
    if low >= _INT32.min and high <= _INT32.max:
        return _WIRE_DTYPES["int32"]
    bad = low if low < _INT32.min else high
    raise ValueError(
        f"{name}: value {bad} does not fit in int32, the largest signed browser integer"
    )


def array_payload(values: Any, *, name: str = "values") -> dict[str, Any]:
    """Pack an array for a widget trait as ``{"dtype", "shape", "buffer"}``.

    Floats become float32, booleans uint8, integers the smallest of uint8 /
    uint16 / uint32 that holds them (int32 when some are negative). The
    buffer is a flat byte ``memoryview`` over a C-contiguous little-endian
    array: no copy when the input already has that layout and dtype.

    ``name`` only labels error messages (e.g. the column name).

    >>> p = array_payload(np.array([0, 3, 2]))
    >>> p["dtype"], p["shape"], bytes(p["buffer"])
    ('uint8', [3], b'\\x00\\x03\\x02')
    """
    array = np.asarray(values)
    dtype = _wire_dtype(array, name)
    # ascontiguousarray returns the input itself when layout and dtype already
    # match; floats too large for float32 become ±inf, which is what they show as.
    with np.errstate(over="ignore"):
        wire = np.ascontiguousarray(array, dtype=dtype)
    return {
        "dtype": dtype.name,
        "shape": list(wire.shape),
        "buffer": memoryview(wire).cast("B"),
    }


def array_from_payload(payload: dict[str, Any]) -> np.ndarray:
    """Read a payload back into a (read-only, zero-copy) array of its shape.

    >>> array_from_payload(array_payload([1.5, 2.0])).tolist()
    [1.5, 2.0]
    """
    dtype_name = payload.get("dtype")
    if dtype_name not in _WIRE_DTYPES:
        raise ValueError(f"payload dtype {dtype_name!r} is not one of {sorted(_WIRE_DTYPES)}")
    dtype = _WIRE_DTYPES[dtype_name]
    shape = tuple(int(d) for d in payload["shape"])
    flat = np.frombuffer(payload["buffer"], dtype=dtype)
    if flat.size != int(np.prod(shape, dtype=np.int64)):
        raise ValueError(
            f"payload of {dtype_name} {list(shape)} needs {int(np.prod(shape)) * dtype.itemsize} "
            f"bytes, got {flat.nbytes}"
        )
    return flat.reshape(shape)


def _check_n_rows(n_rows: Any) -> int:
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer):
        raise TypeError(f"n_rows must be an integer, got {type(n_rows).__name__}")
    if not 0 <= n_rows <= _UINT32_MAX + 1:
        raise ValueError(f"n_rows must be between 0 and 2**32, got {n_rows}")
    return int(n_rows)


def _selected_positions(positions: Any, n_rows: int) -> np.ndarray:
    """Sorted, distinct int64 positions from positions or a boolean mask, range-checked."""
    array = np.asarray(positions)
    if array.dtype.kind == "b":
        if array.shape != (n_rows,):
            raise ValueError(
                f"selection mask has shape {array.shape}, expected ({n_rows},) for {n_rows} rows"
            )
        return np.flatnonzero(array)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"selection positions must be integers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"selection positions must be 1-D, got shape {array.shape}")
    array = array.astype(np.int64, copy=False)
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= n_rows:
        bad = low if low < 0 else high
        raise ValueError(f"selection position {bad} is out of range for {n_rows} rows")
    return sorted_unique(array, n_rows)


def sorted_unique(positions: np.ndarray, n_rows: int) -> np.ndarray:
    """In-range int64 ``positions`` sorted and de-duplicated: as is when already strictly
    increasing (one O(n) pass), else through a mask of ``n_rows``; never ``np.unique``,
    whose hash-based path takes ~1.5 s for 1M positions."""
    if positions.size < 2 or bool(np.all(positions[1:] > positions[:-1])):
        return positions
    mask = np.zeros(n_rows, dtype=bool)
    mask[positions] = True
    return np.flatnonzero(mask)


def encode_selection(positions: Any, n_rows: int) -> bytes:
    """Encode a selection in the shorter of the two kinds; nothing selected is ``b""``.

    ``positions`` are row positions (any order, repeats allowed) or a boolean
    mask of ``n_rows`` rows.

    >>> encode_selection(np.array([1, 3]), 100)
    b'\\x00\\x01\\x00\\x00\\x00\\x03\\x00\\x00\\x00'
    >>> encode_selection(np.array([1, 3, 8, 9]), 10)
    b'\\x01\\n\\x03'
    """
    n_rows = _check_n_rows(n_rows)
    selected = _selected_positions(positions, n_rows)
    count = selected.size
    if count == 0:
        return b""
    bitmask_bytes = (n_rows + 7) // 8
    if 4 * count <= bitmask_bytes:
        return bytes([SELECTION_POSITIONS]) + selected.astype("<u4").tobytes()
    mask = np.zeros(n_rows, dtype=bool)
    mask[selected] = True
    return bytes([SELECTION_BITMASK]) + np.packbits(mask, bitorder="little").tobytes()


def decode_selection(data: Any, n_rows: int) -> np.ndarray:
    """Decode selection bytes (any form :func:`bytes_from_wire` reads) into sorted int64 row
    positions.

    Raises ``ValueError`` for an unknown kind byte, a wrong length, or
    positions that are unsorted, repeated or out of range.

    >>> decode_selection(b"\\x01\\n\\x03", 10).tolist()
    [1, 3, 8, 9]
    """
    n_rows = _check_n_rows(n_rows)
    data = bytes_from_wire(data, name="selection")
    if len(data) == 0:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(data, dtype=np.uint8)
    kind = int(raw[0])
    body = raw[1:]
    if kind == SELECTION_POSITIONS:
        if body.size % 4:
            raise ValueError(f"selection: positions need 4 bytes each, got {body.size} bytes")
        selected = body.view("<u4").astype(np.int64)
        if selected.size and not bool(np.all(selected[1:] > selected[:-1])):
            first = int(np.argmin(selected[1:] > selected[:-1])) + 1
            raise ValueError(f"selection: positions are not strictly increasing at index {first}")
        if selected.size and selected[-1] >= n_rows:
            raise ValueError(
                f"selection: position {selected[-1]} is out of range for {n_rows} rows"
            )
        return selected
    if kind == SELECTION_BITMASK:
        expected = (n_rows + 7) // 8
        if body.size != expected:
            raise ValueError(
                f"selection: bitmask for {n_rows} rows needs {1 + expected} bytes, got {raw.size}"
            )
        bits = np.unpackbits(body, bitorder="little")
        if bits[n_rows:].any():
            raise ValueError(f"selection: bitmask has bits set past row {n_rows - 1}")
        # nonzero over bool is ~40x faster than over uint8 for a half-full mask.
        return np.flatnonzero(bits[:n_rows].view(bool)).astype(np.int64, copy=False)
    raise ValueError(f"selection: unknown kind byte {kind} (expected 0 = positions or 1 = bitmask)")


def _byte_list(values: Sequence[Any], name: str) -> bytes:
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(
                f"{name}: item {index} of the byte list is {type(value).__name__}, expected an "
                "integer 0..255"
            )
        if not 0 <= value <= 255:
            raise ValueError(f"{name}: item {index} of the byte list is {value}, outside 0..255")
    return bytes(int(value) for value in values)


def bytes_from_wire(value: Any, *, name: str = "bytes") -> bytes:
    """Bytes from whatever a widget host delivered for a binary trait.

    ipywidgets hands a ``memoryview``; hosts that re-encode binary values deliver
    other forms, all accepted here: ``bytes`` / ``bytearray`` / ``memoryview``
    (or anything with the buffer protocol), a dict of index → byte (marimo
    JSON-encodes a ``Uint8Array`` that way: ``{"0": 1, "1": 255}``), a list of
    byte values, or a base64 string. ``None`` is empty bytes. Anything else, or
    a malformed one of these, raises with ``name`` (the trait) and the problem.

    >>> bytes_from_wire({"0": 1, "1": 2}), bytes_from_wire([1, 2]), bytes_from_wire("AQI=")
    (b'\\x01\\x02', b'\\x01\\x02', b'\\x01\\x02')
    """
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError(f"{name}: the string is not valid base64 ({error})") from None
    if isinstance(value, Mapping):
        try:
            keys = sorted(int(key) for key in value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name}: a dict of bytes needs integer keys 0..n-1, got keys "
                f"{sorted(map(str, value))[:5]}"
            ) from None
        if keys != list(range(len(keys))):
            raise ValueError(f"{name}: a dict of bytes needs the keys 0..{len(keys) - 1} exactly")
        by_index = {int(key): item for key, item in value.items()}
        return _byte_list([by_index[i] for i in range(len(keys))], name)
    if isinstance(value, list | tuple):
        return _byte_list(value, name)
    try:
        return bytes(memoryview(value))
    except TypeError:
        pass
    raise TypeError(
        f"{name}: expected bytes, a memoryview, a dict of index -> byte, a list of bytes or a "
        f"base64 string, got {type(value).__name__}"
    )


def _selection_from_json(value: Any, widget: Any) -> bytes:
    return bytes_from_wire(value, name="selection")


def _bytes_to_json(value: bytes | None, widget: Any) -> memoryview | None:
    return None if value is None else memoryview(value)


#: ``to_json`` / ``from_json`` of a widget's selection ``Bytes`` trait: the page's bytes in
#: every form a host may re-encode them to (:func:`bytes_from_wire`), never a silent failure.
bytes_serialization = {"to_json": _bytes_to_json, "from_json": _selection_from_json}
