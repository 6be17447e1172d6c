"""DataLens, the user-facing object, over its SampleTable."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo


@pytest.fixture(scope="module")
def digits():
    return load_digits_demo()


def test_digits_demo_resolves_every_role(digits):
    lens = DataLens(digits)
    roles = lens.table.roles.column_names()
    assert roles == {
        "label": "label",
        "prediction": "prediction",
        "probs": "probs",
        "dynamics": "dynamics",
        "embedding": "embedding",
        "image": "image",
    }
    assert lens.table.classes == list(range(10))
    assert lens.table.n_epochs == 12
    assert lens.table.embedding.shape == (len(digits), 64)


def test_digits_demo_derived_columns_find_the_planted_noise(digits):
    d = DataLens(digits).derived
    noisy = digits["is_noisy"].to_numpy()
    # The flipped labels are what a user should find: mostly wrong, high loss, low confidence.
    assert d["correct"][noisy].mean() < 0.3
    assert d["loss"][noisy].median() > 3 * d["loss"][~noisy].median()
    assert d["confidence"][noisy].mean() < d["confidence"][~noisy].mean() - 0.4
    assert (d["region"][noisy] == "hard-to-learn").mean() > 0.5
    expected_pred = np.stack(digits["probs"].to_numpy()).argmax(axis=1)
    assert (d["pred"].to_numpy(dtype=int) == expected_pred).all()


def test_select_from_a_query_on_derived(digits):
    lens = DataLens(digits)
    suspects = lens.derived.query("loss > 3").index
    lens.select(suspects[::-1])
    assert lens.selected.equals(suspects)  # table order, whatever order we passed
    assert lens.selected.name == "sample_id"
    lens.select(lens.derived["correct"] == False, mode="add")  # noqa: E712
    assert set(lens.selected) == set(suspects) | set(lens.derived.index[~lens.derived["correct"]])
    lens.clear_selection()
    assert len(lens.selected) == 0


def test_lens_and_table_share_one_selection():
    lens = DataLens(pd.DataFrame({"label": [0, 1, 1]}, index=["a", "b", "c"]))
    lens.select(["c", "a"])
    assert lens.table.selected.tolist() == ["a", "c"]
    lens.table.select(["b"], mode="add")
    assert lens.selected.tolist() == ["a", "b", "c"]
    assert "3 selected" in repr(lens)


def test_lens_exposes_the_frame_unchanged():
    df = pd.DataFrame({"label": ["x", "y"], "probs": [[0.2, 0.8], [0.6, 0.4]]})
    before = df.copy()
    lens = DataLens(df)
    assert lens.df is df
    pd.testing.assert_frame_equal(df, before)
    assert lens.derived["correct"].tolist() == [False, False]


def test_bad_projection_is_refused():
    with pytest.raises(ValueError, match="projection must be 'umap' or 'pca', got 'tsne'"):
        DataLens(pd.DataFrame({"label": [0]}), projection="tsne")


def test_unknown_keyword_reaches_the_user_as_type_error():
    with pytest.raises(TypeError, match="lable"):
        DataLens(pd.DataFrame({"y": [0, 1]}), lable="y")


def _gallery_spans(grid) -> bool:
    return grid.children[-1].layout.grid_area == "auto / 1 / auto / -1"


def test_show_lays_out_two_columns_without_a_hole(digits):
    # Four views fill two rows of a 2-column grid: the gallery then takes a row of its own.
    grid = DataLens(digits, projection="pca").show()
    names = [type(w).__name__ for w in grid.children]
    assert names == [
        "SelectionToolbar",
        "IssuesView",
        "ConfusionMatrix",
        "DataMap",
        "ClusterMap",
        "Gallery",
    ]
    assert _gallery_spans(grid)
    # Without an embedding three views leave a hole the gallery fills: it must not span.
    no_map = DataLens(digits.drop(columns=["embedding"])).show()
    assert [type(w).__name__ for w in no_map.children][-2:] == ["DataMap", "Gallery"]
    assert not _gallery_spans(no_map)


def test_a_selection_from_python_reaches_the_page_once_and_is_not_decoded_back(monkeypatch):
    from nbdatalens.transport import decode_selection, encode_selection
    from nbdatalens.views import table_model

    lens = DataLens(pd.DataFrame({"label": [0, 1] * 50}), projection="pca")
    model = lens.model
    decoded, heard = [], []
    monkeypatch.setattr(
        table_model, "decode_selection", lambda *a: decoded.append(1) or decode_selection(*a)
    )
    lens.table.observe(heard.append, "selection")
    lens.select([5, 3, 9, 3])
    assert model.selection == encode_selection(np.array([3, 5, 9]), 100)
    assert decoded == [] and len(heard) == 1  # no echo: the kernel wrote this trait itself
    model.selection = encode_selection(np.array([7]), 100)  # the page selects
    assert decoded == [1] and lens.selected.tolist() == [7] and len(heard) == 2
