"""Typed-array payloads and the selection codec shared with js/src/lib/codec.ts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from nbdatalens.transport import (
    array_from_payload,
    array_payload,
    decode_selection,
    encode_selection,
)

FIXTURE = Path(__file__).parents[1] / "js" / "tests" / "fixtures" / "selection_cases.json"


# ------------------------------------------------------------------ payloads
@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (np.array([0.5, -1.25, np.nan]), "float32"),
        (np.array([0, 3, 2], dtype=np.int64), "uint8"),
        (np.array([0, 300]), "uint16"),
        (np.array([0, 70_000]), "uint32"),
        (np.array([-1, 5]), "int32"),
        (np.array([True, False]), "uint8"),
        (np.array([], dtype=np.int64), "uint8"),
        (np.array([1, 2], dtype=np.uint64), "uint8"),
    ],
)
def test_payload_downcasts_to_the_smallest_browser_dtype(values, dtype):
    payload = array_payload(values)
    assert payload["dtype"] == dtype
    assert payload["shape"] == [len(values)]
    np.testing.assert_array_equal(array_from_payload(payload), values.astype(dtype))


def test_payload_buffer_is_flat_bytes_in_little_endian_order():
    payload = array_payload(np.array([1, 256], dtype=">i8"))
    assert payload["dtype"] == "uint16"
    assert isinstance(payload["buffer"], memoryview)
    assert bytes(payload["buffer"]) == b"\x01\x00\x00\x01"
    floats = array_payload(np.array([1.0], dtype=">f4"))
    assert bytes(floats["buffer"]) == np.array([1.0], dtype="<f4").tobytes()


def test_payload_shares_memory_when_the_array_is_already_wire_ready():
    values = np.arange(5, dtype=np.float32)
    payload = array_payload(values)
    values[2] = 42.0
    assert array_from_payload(payload)[2] == 42.0


def test_payload_of_a_strided_column_is_contiguous_and_correct():
    xy = np.arange(12, dtype=np.float64).reshape(6, 2)
    payload = array_payload(xy[:, 1])
    assert payload["shape"] == [6]
    assert len(payload["buffer"]) == 6 * 4
    np.testing.assert_array_equal(array_from_payload(payload), [1, 3, 5, 7, 9, 11])


def test_payload_keeps_a_2d_shape():
    payload = array_payload(np.ones((3, 2), dtype=np.float64))
    assert payload["shape"] == [3, 2]
    assert array_from_payload(payload).shape == (3, 2)


def test_payload_errors_name_the_column_and_the_problem():
    with pytest.raises(TypeError, match=r"path: dtype object cannot be sent"):
        array_payload(np.array(["a", None], dtype=object), name="path")
    with pytest.raises(ValueError, match=r"ids: value 1099511627776 does not fit in uint32"):
        array_payload(np.array([0, 2**40]), name="ids")
    with pytest.raises(ValueError, match=r"value -1099511627776 does not fit in int32"):
        array_payload(np.array([-(2**40), 0]))
    with pytest.raises(ValueError, match=r"payload of float32 \[3\] needs 12 bytes, got 8"):
        array_from_payload({"dtype": "float32", "shape": [3], "buffer": b"\x00" * 8})
    with pytest.raises(ValueError, match=r"payload dtype 'int64'"):
        array_from_payload({"dtype": "int64", "shape": [1], "buffer": b"\x00" * 8})


# ----------------------------------------------------------------- selection
def test_nothing_selected_is_empty_bytes():
    assert encode_selection(np.array([], dtype=np.int64), 10) == b""
    assert encode_selection(np.zeros(10, dtype=bool), 10) == b""
    assert decode_selection(b"", 10).tolist() == []
    assert decode_selection(None, 10).dtype == np.int64


def test_sparse_selection_is_little_endian_uint32_positions():
    # 2 positions = 8 bytes < a 13-byte bitmask for 100 rows.
    assert encode_selection(np.array([58, 5]), 100) == bytes([0, 5, 0, 0, 0, 58, 0, 0, 0])
    assert encode_selection(np.array([70_000]), 1_000_000) == bytes([0, 0x70, 0x11, 0x01, 0x00])


def test_dense_selection_is_a_little_endian_bitmask():
    # Rows 1, 3, 8, 9 of 10: byte 1 = 0b00001010, byte 2 = 0b00000011.
    data = encode_selection(np.array([1, 3, 8, 9]), 10)
    assert data == bytes([1, 0b00001010, 0b00000011])
    assert decode_selection(data, 10).tolist() == [1, 3, 8, 9]


def test_tie_in_length_goes_to_positions():
    assert encode_selection(np.array([3, 60]), 64)[0] == 0
    assert encode_selection(np.array([3, 40, 60]), 64)[0] == 1


def test_positions_in_any_order_with_repeats_or_as_a_mask_encode_the_same():
    expected = encode_selection(np.array([2, 5, 7]), 8)
    assert encode_selection(np.array([7, 2, 5, 2]), 8) == expected
    mask = np.zeros(8, dtype=bool)
    mask[[2, 5, 7]] = True
    assert encode_selection(mask, 8) == expected


@pytest.mark.parametrize("n_rows", [1, 7, 8, 9, 64, 65, 1000, 4099])
@pytest.mark.parametrize("density", [0.001, 0.03, 0.5, 1.0])
def test_round_trip_picks_the_shorter_kind(n_rows, density):
    rng = np.random.default_rng(n_rows)
    selected = np.flatnonzero(rng.random(n_rows) < density)
    data = encode_selection(selected, n_rows)
    np.testing.assert_array_equal(decode_selection(data, n_rows), selected)
    if selected.size:
        assert len(data) == min(1 + 4 * selected.size, 1 + (n_rows + 7) // 8)


def test_a_million_rows_round_trip():
    n_rows = 1_000_000
    selected = np.flatnonzero(np.random.default_rng(0).random(n_rows) < 0.5)
    data = encode_selection(selected, n_rows)
    assert len(data) == 1 + 125_000
    np.testing.assert_array_equal(decode_selection(data, n_rows), selected)


@pytest.mark.parametrize(
    ("data", "n_rows", "message"),
    [
        (b"\x02\x00", 8, r"unknown kind byte 2"),
        (b"\x00\x01\x00\x00", 8, r"4 bytes each, got 3"),
        (b"\x01\x00\x00", 8, r"needs 2 bytes, got 3"),
        (b"\x01\x80", 7, r"bits set past row 6"),
        (b"\x00\x09\x00\x00\x00", 9, r"position 9 is out of range for 9 rows"),
        (b"\x00\x04\x00\x00\x00\x02\x00\x00\x00", 9, r"not strictly increasing at index 1"),
        (b"\x00\x04\x00\x00\x00\x04\x00\x00\x00", 9, r"not strictly increasing at index 1"),
    ],
)
def test_decode_rejects_malformed_bytes(data, n_rows, message):
    with pytest.raises(ValueError, match=message):
        decode_selection(data, n_rows)


def test_encode_rejects_bad_positions_and_row_counts():
    with pytest.raises(ValueError, match=r"position 10 is out of range for 10 rows"):
        encode_selection(np.array([3, 10]), 10)
    with pytest.raises(ValueError, match=r"position -1 is out of range"):
        encode_selection(np.array([-1, 3]), 10)
    with pytest.raises(TypeError, match=r"must be integers, got dtype float64"):
        encode_selection(np.array([1.0]), 10)
    with pytest.raises(ValueError, match=r"mask has shape \(3,\), expected \(10,\)"):
        encode_selection(np.ones(3, dtype=bool), 10)
    with pytest.raises(TypeError, match=r"n_rows must be an integer, got float"):
        encode_selection(np.array([1]), 10.0)
    with pytest.raises(ValueError, match=r"n_rows must be between 0 and 2\*\*32"):
        decode_selection(b"", -1)


# ------------------------------------------------- cross-language fixture
def _fixture_cases() -> list[dict]:
    """Selections whose bytes codec.ts must decode and re-encode identically."""
    # About half the rows, scattered by a multiplicative hash (no RNG whose stream could change).
    scattered = [i for i in range(1000) if (i * 2_654_435_761) % 2**32 >= 2**31]
    cases = [
        ("nothing_selected", 10, []),
        ("single_row_table", 1, [0]),
        ("sparse_positions", 1000, [0, 7, 500, 999]),
        ("positions_use_every_byte", 100_000, [1, 256, 65_539, 99_999]),
        ("tie_goes_to_positions", 64, [3, 60]),
        ("bitmask_small", 10, [1, 3, 8, 9]),
        ("bitmask_all_rows_with_padding", 13, list(range(13))),
        ("bitmask_whole_bytes", 16, list(range(0, 16, 2))),
        ("bitmask_scattered", 1000, scattered),
        ("largest_position", 2**32, [2**32 - 1]),
    ]
    return [
        {
            "name": name,
            "n_rows": n_rows,
            "positions": positions,
            "hex": encode_selection(np.array(positions, dtype=np.int64), n_rows).hex(),
        }
        for name, n_rows, positions in cases
    ]


def _fixture_text(cases: list[dict]) -> str:
    lines = ",\n".join(f"    {json.dumps(case)}" for case in cases)
    about = (
        "Selections encoded by nbdatalens.transport.encode_selection; "
        "js/tests/selection_fixture.test.ts decodes and re-encodes them. "
        "Regenerate with NBDATALENS_UPDATE_FIXTURES=1 pytest tests/test_transport.py"
    )
    return f'{{\n  "about": {json.dumps(about)},\n  "cases": [\n{lines}\n  ]\n}}\n'


def test_js_fixture_matches_the_python_encoder():
    cases = _fixture_cases()
    if os.environ.get("NBDATALENS_UPDATE_FIXTURES"):
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(_fixture_text(cases), encoding="utf-8")
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert committed["cases"] == cases, (
        f"{FIXTURE} is out of date with encode_selection; regenerate it with "
        "NBDATALENS_UPDATE_FIXTURES=1 and check the JS side still passes"
    )
    for case in committed["cases"]:
        decoded = decode_selection(bytes.fromhex(case["hex"]), case["n_rows"])
        assert decoded.tolist() == case["positions"], case["name"]
