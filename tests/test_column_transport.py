"""Columns on the wire: lazy, chunked, quantised (nbdatalens/column_stream.py).

The big test builds a one-million-row ``show()`` without a browser, records
every comm message the widgets send, answers the column requests the views
make when they draw, and fails if any message is over 4 MiB (Databricks
drops messages over 5 MB) or if the page would receive more than 12 bytes
per sample.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from comm_recorder import recording

from nbdatalens import DataLens
from nbdatalens.column_stream import MAX_CHUNK_BYTES, chunk_messages, linear, raw

MIB = 2**20
#: What the views of ``show()`` ask for when they first draw, as the page's one shared
#: cache sends it (a column already held or asked for is not asked again): the cluster
#: map its layout and colour (label, inside the confusion cell code ``cell``), the data
#: map its axes and colour, the gallery its sort key (the matrix needs only ``cell``).
SHOW_REQUESTS = [
    ["cell", "@x", "@y"],
    ["correctness", "variability", "confidence"],
    ["loss"],
]


def _million(n: int = 1_000_000, classes: int = 10, epochs: int = 10):
    rng = np.random.default_rng(0)
    label = rng.integers(0, classes, n)
    probs = rng.dirichlet(np.ones(classes), n).astype(np.float32)
    dynamics = rng.random((n, epochs), dtype=np.float32)
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    df = pd.DataFrame({"label": label, "x": xy[:, 0], "y": xy[:, 1]})
    return df, {"probs": probs, "dynamics": dynamics}


def _ask(model, names, *, base64_data=False):
    """What the page's ``{type: "column"}`` request gets (the table model's dispatcher)."""
    model._dispatch(
        model, {"type": "column", "names": names, "base64": base64_data, "request_id": "t"}, []
    )


def _reassemble(messages, name):
    """The column ``name`` as the page rebuilds it from the chunk messages."""
    chunks = [m for m in messages if m.data.get("content", {}).get("name") == name]
    assert chunks, f"no chunk of {name}"
    first = chunks[0].data["content"]
    out = np.empty(first["n"], dtype=first["dtype"])
    for m in chunks:
        head = m.data["content"]
        body = base64.b64decode(head["data"]) if "data" in head else bytes(m.buffers[0])
        out[head["offset"] : head["offset"] + head["rows"]] = np.frombuffer(body, head["dtype"])
    assert sorted(m.data["content"]["chunk"] for m in chunks) == list(range(first["chunks"]))
    return out, first


def test_a_million_row_show_sends_no_message_over_4_mib_and_12_bytes_per_sample():
    df, roles = _million()
    n = len(df)
    with recording() as rec:
        lens = DataLens(df, **roles)
        lens.show()
        state = rec.total
        assert rec.largest.nbytes < 256 * 1024  # the widget state carries no column data
        start = len(rec.messages)
        for names in SHOW_REQUESTS:
            _ask(lens.model, names)
        replies = rec.messages[start:]
        largest = max(m.nbytes for m in rec.messages)
        assert largest <= 4 * MIB, f"largest message {largest / MIB:.2f} MiB"
        # The columns: at most 12 bytes a sample. The widget state (mostly the views' JS
        # bundles, ~0.4 MB once per page) does not grow with N.
        per_sample = sum(m.nbytes for m in replies) / n
        assert per_sample <= 12.05, f"{per_sample:.2f} bytes per sample of columns"
        assert state < 600_000, f"widget state {state:,} bytes"
        # The page can rebuild what it drew: the lasso works on these coordinates.
        x, head = _reassemble(replies, "@x")
        assert head["encoding"] == "linear" and head["chunks"] == -(-2 * n // MAX_CHUNK_BYTES)
        assert x.dtype == np.uint16
        step = (head["high"] - head["low"]) / head["steps"]
        decoded = head["low"] + x * step
        np.testing.assert_allclose(decoded, lens.model.layout_coords[:, 0], atol=1e-5)
        np.testing.assert_allclose(decoded, df["x"], atol=step / 2 + 1e-5)

        # A host that drops buffers asks for base64 text: still under 4 MiB a message.
        start = len(rec.messages)
        _ask(lens.model, ["@x", "@y", "loss"], base64_data=True)
        text = rec.messages[start:]
        assert all(not m.buffers for m in text)
        assert max(m.nbytes for m in text) <= 4 * MIB
        x64, _ = _reassemble(text, "@x")
        np.testing.assert_array_equal(x64, x)


def test_chunks_interleave_columns_by_row_range_and_mark_the_last():
    a = raw(np.arange(10, dtype=np.int64), name="a")
    b = linear(np.linspace(0, 1, 10))
    out = chunk_messages([("a", a, 3, ["x"]), ("b", b, 1, None)], max_bytes=8)
    heads = [h for h, _ in out]
    assert [(h["name"], h["offset"], h["rows"]) for h in heads] == [
        ("a", 0, 4),
        ("b", 0, 4),
        ("a", 4, 4),
        ("b", 4, 4),
        ("a", 8, 2),
        ("b", 8, 2),
    ]  # 8 bytes of the widest dtype (uint16) a chunk: 4 rows
    assert [h.get("last", False) for h in heads] == [False] * 5 + [True]
    assert heads[0]["categories"] == ["x"] and "categories" not in heads[2]
    assert heads[0]["dtype"] == "uint8" and heads[1]["dtype"] == "uint16"
    assert all(h["chunks"] == 3 for h in heads)


def test_linear_codes_are_within_half_a_step_and_keep_missing_values():
    rng = np.random.default_rng(1)
    values = rng.normal(size=50_000) * 1e3
    values[[3, 7]] = [np.nan, np.inf]
    col = linear(values)
    finite = np.isfinite(values)
    step = (col.high - col.low) / col.steps
    err = np.abs(col.decoded()[finite] - values[finite])
    assert err.max() <= step / 2 + np.abs(values[finite]).max() * 2**-23
    assert np.isnan(col.decoded()[[3, 7]]).all()
    # A known grid of few steps is exact in 8 bits (k of 10 epochs correct).
    grid = np.arange(11) / 10
    eight = linear(grid, steps=10, low=0.0, high=1.0)
    assert eight.data.dtype == np.uint8
    np.testing.assert_allclose(eight.decoded(), grid, atol=1e-7)
    assert linear(np.full(4, np.nan)).decoded().tolist() == [pytest.approx(np.nan, nan_ok=True)] * 4


def test_codes_travel_in_the_smallest_unsigned_dtype():
    assert raw(np.array([0, 200]), name="c").data.dtype == np.uint8
    assert raw(np.array([0, 300]), name="c").data.dtype == np.uint16
    assert raw(np.array([True, False]), name="c").data.dtype == np.uint8


def test_a_bad_column_request_is_answered_with_an_error_that_names_it():
    lens = DataLens(pd.DataFrame({"label": ["a", "b", "a"]}))
    sent = []
    lens.model.send = lambda content, buffers=None: sent.append(content)
    _ask(lens.model, ["no_such_column"])
    assert sent[-1]["type"] == "error" and "no_such_column" in sent[-1]["error"]
    lens.model._dispatch(lens.model, {"type": "column", "names": [], "request_id": "t"}, [])
    assert sent[-1]["type"] == "error" and "names must be a non-empty list" in sent[-1]["error"]
    assert MAX_CHUNK_BYTES * 4 / 3 < 4 * MIB
