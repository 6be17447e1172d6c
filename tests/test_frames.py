"""polars and Arrow tables in: the same lens as from pandas, list columns read as blocks."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from nbdatalens import DataLens
from nbdatalens.frames import as_pandas, read_list_column
from nbdatalens.session import dataset_fingerprint
from nbdatalens.table import DERIVED_COLUMNS, SampleTable

N, C, E, D = 240, 4, 5, 16
CLASSES = ["ant", "bee", "cat", "dog"]
VECTOR_COLUMNS = ("probs", "embedding", "dynamics")


def _data(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    label = rng.integers(0, C, size=N)
    logits = rng.normal(size=(N, E, C)).astype(np.float32)
    logits[np.arange(N), :, label] += np.linspace(0, 3, E, dtype=np.float32)
    flip = rng.random(N) < 0.1  # some samples the model learns as another class
    logits[flip, :, (label[flip] + 1) % C] += 4
    dyn = np.exp(logits - logits.max(axis=2, keepdims=True))
    dyn /= dyn.sum(axis=2, keepdims=True)
    probs = np.ascontiguousarray(dyn[:, -1, :])
    emb = (rng.normal(scale=3, size=(C, D))[label] + rng.normal(size=(N, D))).astype(np.float32)
    return {
        "sample_id": np.array([f"s{i:04d}" for i in rng.permutation(N)]),
        "label": np.array(CLASSES)[label],
        "prediction": np.array(CLASSES)[probs.argmax(axis=1)],
        "probs": probs.astype(np.float32),
        "embedding": emb,
        "dynamics": dyn.astype(np.float32),
        "weight": rng.random(N),
        "count": rng.integers(0, 100, size=N),
        "note": np.array([f"note {i % 7}" for i in range(N)]),
    }


DATA = _data()


def pandas_frame() -> pd.DataFrame:
    """The reference: a pandas frame indexed by id, vectors one array per cell."""
    cols = {k: (list(v) if k in VECTOR_COLUMNS else v) for k, v in DATA.items()}
    cols.update({f"p_{c}": DATA["probs"][:, j] for j, c in enumerate(CLASSES)})
    return pd.DataFrame(cols).set_index("sample_id")


def polars_frame() -> pl.DataFrame:
    """polars: Array columns (fixed size) for the vectors, the id a column."""
    cols = {k: pl.Series(k, v) for k, v in DATA.items()}
    frame = pl.DataFrame(cols)
    assert frame.schema["embedding"] == pl.Array(pl.Float32, D)
    assert frame.schema["dynamics"] == pl.Array(pl.Float32, (E, C))
    return frame.with_columns(
        *[pl.Series(f"p_{c}", DATA["probs"][:, j]) for j, c in enumerate(CLASSES)]
    )


def _fsl(block: np.ndarray) -> pa.Array:
    arr = pa.array(np.ascontiguousarray(block).ravel())
    for size in reversed(block.shape[1:]):
        arr = pa.FixedSizeListArray.from_arrays(arr, size)
    return arr


def arrow_table() -> pa.Table:
    """pyarrow: embedding and dynamics as fixed-size lists, probs as a variable-size list."""
    cols: dict[str, pa.Array] = {}
    for k, v in DATA.items():
        if k == "probs":
            offsets = pa.array(np.arange(0, N * C + 1, C, dtype=np.int32))
            cols[k] = pa.ListArray.from_arrays(offsets, pa.array(v.ravel()))
        elif k in VECTOR_COLUMNS:
            cols[k] = _fsl(v)
        else:
            cols[k] = pa.array(v)
    for j, c in enumerate(CLASSES):
        cols[f"p_{c}"] = pa.array(DATA["probs"][:, j])
    return pa.table(cols)


class StreamOnly:
    """An object that is nothing but the Arrow C stream interface (like a DuckDB relation)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


def _inputs():
    table = arrow_table()
    return {
        "polars": (polars_frame(), {}),
        "arrow": (table, {}),
        "reader": (pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), {}),
        "stream": (StreamOnly(table), {}),
        "batch": (table.combine_chunks().to_batches()[0], {}),
        "pandas-id": (pandas_frame().reset_index(), {}),
    }


def _same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    vectors = [c for c in got.columns if c in VECTOR_COLUMNS]
    for c in vectors:
        np.testing.assert_array_equal(np.stack(got[c].to_numpy()), np.stack(want[c].to_numpy()))
        assert got[c].iloc[0].dtype == want[c].iloc[0].dtype
    pd.testing.assert_frame_equal(got.drop(columns=vectors), want.drop(columns=vectors))


@pytest.fixture(scope="module")
def reference() -> DataLens:
    return DataLens(pandas_frame(), projection="pca")


@pytest.mark.parametrize("kind", ["polars", "arrow", "reader", "stream", "batch", "pandas-id"])
def test_every_input_gives_the_lens_pandas_gives(kind, reference):
    data, _ = _inputs()[kind]
    lens = DataLens(data, id="sample_id", projection="pca")
    assert lens.df.index.equals(reference.df.index)
    assert lens.df.index.name == "sample_id"
    assert lens.table.roles.column_names() == reference.table.roles.column_names()
    assert lens.table.classes == reference.table.classes == CLASSES
    pd.testing.assert_frame_equal(lens.derived, reference.derived)
    _same_frame(lens.frame(), reference.frame())
    for name in ("probs", "embedding", "dynamics_given", "dynamics_correct", "epoch_pred"):
        np.testing.assert_array_equal(getattr(lens.table, name), getattr(reference.table, name))
    # the derived columns a user reads are there and mean something
    assert lens.derived["loss"].notna().all() and lens.derived["confidence"].notna().all()
    assert 0 < lens.derived["correct"].mean() < 1


def test_issue_checks_agree_across_inputs():
    pandas = DataLens(pandas_frame(), projection="pca")
    polars = DataLens(polars_frame(), id="sample_id", projection="pca")
    types = ["label", "outlier", "near_duplicate"]
    summary = pandas.find_issues(types)
    assert set(summary["issue_type"]) == set(types)
    pd.testing.assert_frame_equal(polars.find_issues(types), summary)
    pd.testing.assert_frame_equal(polars.issues, pandas.issues)
    # the likely-mislabeled ranking, most severe first, is the same samples in the same order
    want = pandas.issues.sort_values("label_score", kind="stable").index[:10]
    assert list(polars.issues.sort_values("label_score", kind="stable").index[:10]) == list(want)
    assert pandas.issues["label_score"].nunique() > 10  # a real ranking, not ties


def test_per_class_probability_columns_give_the_same_as_the_list_column(reference):
    frame = polars_frame().drop("probs")
    lens = DataLens(frame, id="sample_id", projection="pca")
    assert lens.table.roles["probs"].block  # found as p_ant … p_dog
    np.testing.assert_allclose(lens.table.probs, reference.table.probs)
    pd.testing.assert_series_equal(lens.derived["loss"], reference.derived["loss"])


def test_numbers_stay_numbers():
    lens = DataLens(polars_frame(), id="sample_id", projection="pca")
    dtypes = lens.df.dtypes
    assert dtypes["weight"] == np.float64
    assert dtypes["count"] == np.int64
    assert dtypes["p_ant"] == np.float32
    assert all(dtypes[c].kind in "if" for c in ("weight", "count", "p_ant", "p_dog"))
    assert isinstance(lens.df["embedding"].iloc[0], np.ndarray)  # a vector, not a list of floats


def test_a_fixed_size_list_float32_embedding_is_not_copied():
    table = arrow_table()
    buffer = table.column("embedding").chunk(0).values.to_numpy(zero_copy_only=True)
    t = SampleTable(table, id="sample_id")
    assert t.embedding.dtype == np.float32
    assert np.shares_memory(t.embedding, buffer)
    cell = t.df["embedding"].iloc[3]
    assert np.shares_memory(cell, buffer) and cell.shape == (D,)  # the cells are row views
    # polars' Array column too: its Arrow buffer is the embedding
    frame = polars_frame()
    arrow = frame.to_arrow().column("embedding").chunk(0).values.to_numpy(zero_copy_only=True)
    block, _ = read_list_column(frame.to_arrow().column("embedding"))
    assert np.shares_memory(block.values, arrow)


def test_a_variable_size_list_of_one_length_is_a_view_too():
    values = pa.array(np.arange(12, dtype=np.float64))
    arr = pa.ListArray.from_arrays(pa.array([0, 3, 6, 9, 12], type=pa.int32()), values)
    block, cells = read_list_column(arr.slice(1))
    assert block.values.shape == (3, 3)
    assert np.shares_memory(block.values, values.to_numpy())
    np.testing.assert_array_equal(cells[0], [3, 4, 5])


def test_sliced_and_chunked_arrow_columns_read_right():
    emb = DATA["embedding"]
    chunked = pa.chunked_array([_fsl(emb[:100]), _fsl(emb[100:])])
    block, _ = read_list_column(chunked)
    np.testing.assert_array_equal(block.values, emb)
    block, _ = read_list_column(_fsl(emb).slice(7, 20))
    np.testing.assert_array_equal(block.values, emb[7:27])


# ---------------------------------------------------------------- ids
def test_id_for_pandas_uses_the_column_as_index(reference):
    lens = DataLens(pandas_frame().reset_index(), id="sample_id", projection="pca")
    assert lens.df.index.equals(reference.df.index)
    assert "sample_id" not in lens.df.columns
    already = DataLens(pandas_frame(), id="sample_id", projection="pca")  # it is the index
    assert already.df.index.equals(reference.df.index)
    lens.select(["s0003", "s0007"])
    assert list(lens.selected) == [i for i in reference.df.index if i in ("s0003", "s0007")]


def test_arrow_written_from_pandas_keeps_its_index(reference):
    table = pa.Table.from_pandas(pandas_frame().drop(columns=list(VECTOR_COLUMNS)))
    lens = DataLens(table, projection="pca")
    assert lens.df.index.equals(reference.df.index)


def test_polars_without_id_is_numbered():
    lens = DataLens(polars_frame().drop("sample_id"), projection="pca")
    assert lens.df.index.equals(pd.RangeIndex(N))
    lens.select([0, 5])
    assert list(lens.selected) == [0, 5]


# ------------------------------------------------------ session, export
def test_a_session_saved_from_pandas_opens_from_polars(tmp_path, reference):
    path = tmp_path / "review.lens.json"
    first = DataLens(pandas_frame(), projection="pca", session=path)
    first.tag(["s0001", "s0002"], "mislabeled")
    first.relabel(["s0001"], "dog")
    second = DataLens(polars_frame(), id="sample_id", projection="pca", session=path)
    assert dataset_fingerprint(second.table) == dataset_fingerprint(first.table)
    pd.testing.assert_frame_equal(second.corrections, first.corrections)
    second.tag(["s0003"], "duplicate")  # and back: pandas sees what polars saved
    third = DataLens(pandas_frame(), projection="pca", session=path)
    assert list(third.tags.index[third.tags["duplicate"]]) == ["s0003"]


def test_a_session_of_other_vectors_is_refused(tmp_path):
    path = tmp_path / "review.lens.json"
    DataLens(pandas_frame()[["label", "embedding"]], projection="pca", session=path)
    other = polars_frame().select("sample_id", "label", pl.col("embedding") * 2)
    with pytest.raises(ValueError, match="embedding"):
        DataLens(other, id="sample_id", projection="pca", session=path)


def test_export_from_polars(tmp_path):
    reference = DataLens(pandas_frame(), projection="pca")
    lens = DataLens(polars_frame(), id="sample_id", projection="pca")
    ids = list(reference.df.index[:5])
    for suffix in ("csv", "json", "parquet"):
        got = lens.export(tmp_path / f"p.{suffix}", ids=ids)
        want = reference.export(tmp_path / f"r.{suffix}", ids=ids)
        assert got.read_bytes() == want.read_bytes(), suffix
    rows = json.loads((tmp_path / "p.json").read_text())
    assert rows[0]["sample_id"] == ids[0] and len(rows[0]["embedding"]) == D
    back = pd.read_parquet(tmp_path / "p.parquet")
    np.testing.assert_allclose(np.stack(back["embedding"]), DATA["embedding"][:5], rtol=1e-6)


def test_rows_reply_reads_list_cells_like_pandas(reference):
    from nbdatalens.views.requests import RequestHandler

    lens = DataLens(polars_frame(), id="sample_id", projection="pca")
    got = RequestHandler(lens.table, lens.annotations).rows(np.array([0, 9]))
    want = RequestHandler(reference.table, reference.annotations).rows(np.array([0, 9]))
    assert got == want
    assert got[0]["values"]["embedding"] == f"<array {D} float32>"


# ---------------------------------------------------------------- errors
def test_unsupported_input_says_what_is_accepted():
    with pytest.raises(TypeError, match=r"polars DataFrame.*pyarrow Table.*got list"):
        DataLens([[1, 2]])
    with pytest.raises(TypeError, match=r"lazy frame.*collect"):
        DataLens(polars_frame().lazy())


def test_missing_id_column_lists_the_columns():
    with pytest.raises(ValueError, match=r"id='sampleid'.*did you mean 'sample_id'.*'label'"):
        DataLens(polars_frame(), id="sampleid")
    with pytest.raises(ValueError, match=r"id='nope'.*no such column"):
        DataLens(pandas_frame(), id="nope")


def test_duplicate_and_missing_ids_are_refused():
    frame = polars_frame().with_columns(
        pl.Series("sample_id", ["a", "b", "a", "c", "b"] + [f"x{i}" for i in range(N - 5)])
    )
    with pytest.raises(ValueError, match=r"id='sample_id'.*2 id\(s\) repeat.*\['a', 'b'\]"):
        DataLens(frame, id="sample_id")
    frame = polars_frame().with_columns(pl.Series("key", [None, *range(1, N)]))
    with pytest.raises(ValueError, match=r"id='key'.*1 row\(s\) have no id"):
        DataLens(frame, id="key")


def _small(**vectors) -> pa.Table:
    cols = {"sample_id": ["a", "b", "c"], "label": [0, 1, 0]}
    return pa.table({**cols, **vectors})


def test_ragged_list_column_names_the_rows():
    t = _small(embedding=pa.array([[1.0, 2.0], [3.0], [4.0, 5.0]]))
    with pytest.raises(
        ValueError, match=r"'embedding' \(embedding\).*ragged.*length 2.*'b'.*\[1\]"
    ):
        DataLens(t, id="sample_id", projection="pca")
    nested = pa.array([[[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [1.0]], [[0.5, 0.5], [0.0, 1.0]]])
    with pytest.raises(ValueError, match=r"'dynamics' \(dynamics\).*inner lists.*\['b'\]"):
        DataLens(_small(dynamics=nested), id="sample_id", projection="pca")


def test_non_numeric_list_column_is_refused_only_when_a_role_reads_it():
    t = _small(embedding=pa.array([["a", "b"], ["c", "d"], ["e", "f"]]))
    with pytest.raises(TypeError, match=r"'embedding' \(embedding\).*list<item: string>.*numbers"):
        DataLens(t, id="sample_id", projection="pca")
    keywords = _small(keywords=pa.array([["x"], ["y", "z"], []]))  # no role: just kept
    lens = DataLens(keywords, id="sample_id", projection="pca")
    assert list(lens.df.loc["b", "keywords"]) == ["y", "z"]


def test_null_rows_in_a_list_column():
    emb = pa.array([[1.0, 2.0], None, [4.0, 5.0]], type=pa.list_(pa.float32(), 2))
    with pytest.raises(ValueError, match=r"'embedding' \(embedding\): 1 row\(s\) are null.*'b'"):
        DataLens(_small(embedding=emb), id="sample_id", projection="pca")
    probs = pa.array([[0.9, 0.1], None, [0.2, 0.8]])  # variable size, the null row empty
    with pytest.raises(ValueError, match=r"'probs' \(probs\): 1 row\(s\) are null.*'b'"):
        DataLens(_small(probs=probs), id="sample_id", projection="pca")
    # dynamics may lack a sample: that row has no data-map point, the others do
    dyn = pa.array([[0.2, 0.6, 0.9], None, [0.1, 0.4, 0.3]])
    lens = DataLens(_small(dynamics=dyn), id="sample_id", projection="pca")
    conf = lens.derived["confidence"]
    assert np.isnan(conf["b"]) and conf["a"] == pytest.approx(np.float32(1.7) / 3)
    # a missing number inside a row is a NaN, named like any NaN
    bad = pa.array([[1.0, None], [2.0, 3.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match=r"'embedding' \(embedding\).*NaN.*'a'"):
        DataLens(_small(embedding=bad), id="sample_id", projection="pca")


def test_as_pandas_leaves_a_pandas_frame_alone():
    df = pandas_frame()
    frame, blocks = as_pandas(df)
    assert frame is df and blocks == {}
    assert tuple(SampleTable(df).derived.columns) == DERIVED_COLUMNS


def test_the_digits_demo_as_polars_shows_the_same_lens():
    """Images as Array(UInt8, (8, 8)), dynamics as Array(Float32, (E, C)): same lens, same tiles."""
    from nbdatalens.datasets import load_digits_demo
    from nbdatalens.views.requests import RequestHandler

    df = load_digits_demo()
    cols = {
        c: np.stack(df[c].to_numpy()) if df[c].dtype == object else df[c].to_numpy()
        for c in df.columns
    }
    frame = pl.DataFrame({"sample_id": df.index.to_numpy(), **cols})
    assert frame.schema["image"] == pl.Array(pl.UInt8, (8, 8))
    want = DataLens(df, projection="pca")
    got = DataLens(frame, id="sample_id", projection="pca")
    pd.testing.assert_frame_equal(got.derived, want.derived)
    assert got.table.roles.column_names() == want.table.roles.column_names()
    tiles = [RequestHandler(x.table, x.annotations).media_item(5, 64) for x in (got, want)]
    assert tiles[0] == tiles[1] and tiles[0][0]["kind"] == "image" and tiles[0][1]
