"""Tags, label corrections and saved selections, through the DataLens API."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import warnings

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.annotations import BUILTIN_TAGS, MAX_TAGS

CLASSES = ["cat", "dog", "eel"]


def small_frame(n: int = 12) -> pd.DataFrame:
    """n samples: labels cycle cat/dog/eel; the model predicts the label except every 4th."""
    label = [CLASSES[i % 3] for i in range(n)]
    pred = [CLASSES[(i + 1) % 3] if i % 4 == 0 else CLASSES[i % 3] for i in range(n)]
    return pd.DataFrame(
        {"label": label, "prediction": pred, "weight": np.arange(n, dtype=float)},
        index=pd.Index([f"s{i}" for i in range(n)], name="sample"),
    )


@pytest.fixture
def lens() -> DataLens:
    return DataLens(small_frame(), projection="pca")


# ------------------------------------------------------------------- tags
def test_tag_untag_count_only_real_changes(lens):
    assert lens.tag(["s1", "s2"], "mislabeled") == 2
    assert lens.tag(["s2", "s3"], "mislabeled") == 1  # s2 already had it
    assert lens.tags["mislabeled"].sum() == 3
    assert lens.untag(["s3", "s4"], "mislabeled") == 1
    assert lens.tags.index[lens.tags["mislabeled"]].tolist() == ["s1", "s2"]
    assert list(lens.tags.columns) == list(BUILTIN_TAGS)


def test_tag_none_means_the_selection(lens):
    lens.select(["s5", "s7"])
    assert lens.tag(None, "duplicate") == 2
    assert lens.tags.index[lens.tags["duplicate"]].tolist() == ["s5", "s7"]
    lens.clear_selection()
    with pytest.raises(ValueError, match="nothing selected"):
        lens.tag(None, "duplicate")


def test_free_text_tags_are_validated_and_vanish_when_unused(lens):
    assert lens.tag(["s0"], "  blurry ") == 1  # stored stripped
    assert list(lens.tags.columns) == [*BUILTIN_TAGS, "blurry"]
    lens.untag(["s0"], "blurry")
    assert "blurry" not in lens.tags.columns  # a free tag nobody carries is gone
    assert list(lens.tags.columns) == list(BUILTIN_TAGS)  # built-ins always stay
    with pytest.raises(ValueError, match="must not be empty"):
        lens.tag(["s0"], "   ")
    with pytest.raises(ValueError, match="at most 40"):
        lens.tag(["s0"], "x" * 41)
    with pytest.raises(ValueError, match="control characters"):
        lens.tag(["s0"], "two\nlines")
    with pytest.raises(TypeError, match="tag must be a string"):
        lens.tag(["s0"], 3)
    with pytest.raises(KeyError, match="not in the table's index"):
        lens.tag(["nope"], "blurry")


def test_at_most_max_tags_distinct_tags(lens):
    for i in range(MAX_TAGS - len(BUILTIN_TAGS)):
        lens.tag(["s0"], f"t{i}")
    with pytest.raises(ValueError, match=f"at most {MAX_TAGS} distinct tags"):
        lens.tag(["s0"], "one-too-many")


def test_tags_show_as_a_column_views_can_colour_by(lens):
    lens.tag(["s1", "s2"], "mislabeled")
    lens.tag(["s2"], "ambiguous")
    frame = lens.frame()
    assert frame.loc["s1", "tags"] == "mislabeled"
    assert frame.loc["s2", "tags"] == "mislabeled, ambiguous"  # built-in order
    assert pd.isna(frame.loc["s3", "tags"])  # untagged = missing, drawn as "—"
    model = lens.model
    assert {"tags", "corrected_label"} <= set(model.column_names)


# ------------------------------------------------------------ corrections
def test_relabel_records_corrections_without_touching_the_frame(lens):
    before = lens.df.copy()
    assert lens.relabel(["s1", "s4"], "eel") == 2  # s1 is a dog, s4 a dog
    c = lens.corrections
    assert c.index.tolist() == ["s1", "s4"]
    assert c.index.name == "sample"
    assert c["given_label"].tolist() == ["dog", "dog"]
    assert c["corrected_label"].tolist() == ["eel", "eel"]
    assert list(c.columns) == ["given_label", "corrected_label", "tags", "time"]
    assert str(c["time"].dt.tz) == "UTC"
    pd.testing.assert_frame_equal(lens.df, before)


def test_relabel_to_the_given_label_or_none_removes_the_correction(lens):
    lens.relabel(["s1"], "eel")
    assert lens.relabel(["s1"], "eel") == 0  # no change
    assert lens.relabel(["s1"], "dog") == 1  # s1 is given "dog": not a correction
    assert len(lens.corrections) == 0
    lens.relabel(["s1", "s2"], "cat")
    assert lens.relabel(["s1", "s2"], None) == 2
    assert len(lens.corrections) == 0


def test_relabel_one_label_per_id_list_or_series(lens):
    lens.relabel(["s0", "s1"], ["eel", "cat"])
    assert lens.corrections["corrected_label"].to_dict() == {"s0": "eel", "s1": "cat"}
    fixes = pd.Series({"s2": "dog", "s0": "dog"})  # aligned by id, not by order
    lens.relabel(fixes.index, fixes)
    assert lens.corrections["corrected_label"].to_dict() == {"s0": "dog", "s1": "cat", "s2": "dog"}
    with pytest.raises(ValueError, match="2 values for 3 samples"):
        lens.relabel(["s0", "s1", "s2"], ["cat", "dog"])
    with pytest.raises(ValueError, match="no value for 1 of the ids"):
        lens.relabel(["s0", "s5"], pd.Series({"s0": "eel"}))


def test_a_label_matches_a_class_by_text():
    df = small_frame()
    df["label"] = np.arange(len(df)) % 3  # int classes 0, 1, 2
    df["prediction"] = df["label"]
    lens = DataLens(df, projection="pca")
    lens.relabel(["s1"], "2")  # e.g. from a Label Studio export or a text box
    assert lens.corrections["corrected_label"].tolist() == [2]
    assert isinstance(lens.corrections["corrected_label"].iloc[0], int)


def test_a_new_class_is_accepted_with_a_warning_and_dropped_when_unused(lens):
    with pytest.warns(UserWarning, match="'fox' is not one of the table's classes") as caught:
        lens.relabel(["s0"], "fox")
    assert caught[0].filename == __file__  # the warning points at the caller
    assert lens.annotations.classes == [*CLASSES, "fox"]
    lens.relabel(["s0"], None)
    assert lens.annotations.classes == CLASSES


def test_apply_corrections_returns_a_corrected_copy(lens):
    lens.relabel(["s1"], "eel")
    lens.tag(["s2"], "bad-sample")
    fixed = lens.apply_corrections()
    assert fixed.loc["s1", "label"] == "eel"
    assert lens.df.loc["s1", "label"] == "dog"  # the user's frame is never modified
    assert len(fixed) == len(lens.df)
    dropped = lens.apply_corrections(drop_tagged="bad-sample")
    assert "s2" not in dropped.index and len(dropped) == len(lens.df) - 1
    # A split holding only some samples: corrected where it has the id.
    split = lens.df.loc[["s0", "s1"]]
    assert lens.apply_corrections(split)["label"].tolist() == ["cat", "eel"]


def test_apply_corrections_keeps_the_label_dtype_when_it_can():
    df = small_frame()
    df["label"] = np.arange(len(df)) % 3
    df["prediction"] = df["label"]
    lens = DataLens(df, projection="pca")
    lens.relabel(["s1"], 2)
    assert lens.apply_corrections()["label"].dtype == df["label"].dtype
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        lens.relabel(["s2"], "unknown")
    fixed = lens.apply_corrections()
    assert fixed["label"].dtype == object
    assert fixed.loc[["s1", "s2", "s3"], "label"].tolist() == [2, "unknown", 0]


def test_apply_corrections_to_a_categorical_label_column():
    df = small_frame()
    df["label"] = pd.Categorical(df["label"], categories=CLASSES)
    lens = DataLens(df, projection="pca")
    with pytest.warns(UserWarning):
        lens.relabel(["s0"], "fox")
    fixed = lens.apply_corrections()
    assert isinstance(fixed["label"].dtype, pd.CategoricalDtype)
    assert list(fixed["label"].cat.categories) == [*CLASSES, "fox"]
    assert fixed.loc["s0", "label"] == "fox"


# ---------------------------------------------------------- saved selections
def test_save_restore_and_delete_selections(lens):
    lens.select(["s3", "s1"])
    assert lens.save_selection("rogues") == 2
    lens.save_selection("pair", ids=["s7", "s8"])
    assert list(lens.selections) == ["rogues", "pair"]
    assert lens.selections["rogues"].tolist() == ["s1", "s3"]  # table order
    lens.clear_selection()
    lens.restore_selection("rogues")
    assert lens.selected.tolist() == ["s1", "s3"]
    lens.delete_selection("pair")
    assert list(lens.selections) == ["rogues"]
    with pytest.raises(KeyError, match="no saved selection 'pair'"):
        lens.restore_selection("pair")
    lens.clear_selection()
    with pytest.raises(ValueError, match="nothing selected"):
        lens.save_selection("empty")
    with pytest.raises(ValueError, match="selection name must not be empty"):
        lens.save_selection(" ", ids=["s1"])
