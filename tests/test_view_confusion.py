"""The ConfusionMatrix widget's Python side: traits, argument checks, the matrix helper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.confusion import per_class_report
from nbdatalens.views.confusion import ConfusionMatrix


@pytest.fixture
def lens() -> DataLens:
    # Given a, a, b, b, b; predicted a, b, b, b, a  ->  [[1, 1], [1, 2]].
    df = pd.DataFrame(
        {"label": ["a", "a", "b", "b", "b"], "prediction": ["a", "b", "b", "b", "a"]},
        index=pd.Index([10, 11, 12, 13, 14], name="id"),
    )
    return DataLens(df, projection="pca")


def test_defaults_and_the_shared_table(lens):
    cm = lens.confusion_matrix()
    other = lens.confusion_matrix(normalize="row")
    assert isinstance(cm, ConfusionMatrix)
    assert (cm.normalize, cm.height) == ("none", 440)
    assert other.normalize == "row"
    # Every view of one lens reads the same table model, so they share one selection.
    assert cm.table is other.table is lens.model


def test_matrix_is_the_hand_computed_one_with_given_rows_and_predicted_columns(lens):
    matrix = lens.confusion_matrix().matrix
    expected = pd.DataFrame(
        [[1, 1], [1, 2]],
        index=pd.Index(["a", "b"], name="given"),
        columns=pd.Index(["a", "b"], name="predicted"),
    )
    pd.testing.assert_frame_equal(matrix, expected, check_dtype=False)


def test_report_gives_the_margins_the_view_draws(lens):
    report = lens.confusion_matrix().report
    assert report.loc["a", "support"] == 2
    assert report.loc["b", "precision"] == pytest.approx(2 / 3)
    assert report.loc["b", "recall"] == pytest.approx(2 / 3)
    pd.testing.assert_frame_equal(report, per_class_report(np.array([[1, 1], [1, 2]]), ["a", "b"]))


def test_a_predicted_only_class_gets_a_row_of_zeros():
    df = pd.DataFrame({"label": ["a", "a", "b"], "prediction": ["a", "c", "b"]})
    matrix = DataLens(df, projection="pca").confusion_matrix().matrix
    assert list(matrix.index) == ["a", "b", "c"]
    assert matrix.loc["c"].tolist() == [0, 0, 0]
    assert matrix.loc["a", "c"] == 1


def test_normalize_accepts_only_none_or_row(lens):
    cm = lens.confusion_matrix()
    cm.normalize = "row"
    assert cm.normalize == "row"
    with pytest.raises(ValueError, match=r"normalize must be one of \['none', 'row'\], got 'col'"):
        cm.normalize = "col"
    assert cm.normalize == "row"
    with pytest.raises(ValueError, match="normalize must be one of"):
        lens.confusion_matrix(normalize="all")


def test_height_must_leave_room_for_the_matrix(lens):
    assert lens.confusion_matrix(height=600).height == 600
    with pytest.raises(ValueError, match="height must be at least 120 pixels, got 40"):
        lens.confusion_matrix(height=40)


def test_unknown_keyword_arguments_are_refused(lens):
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['normalise'\]"):
        lens.confusion_matrix(normalise="row")


def test_without_predictions_the_matrix_helper_says_why():
    lens = DataLens(pd.DataFrame({"label": ["a", "b"]}), projection="pca")
    cm = lens.confusion_matrix()  # the view itself renders a message instead
    with pytest.raises(ValueError, match="no prediction"):
        _ = cm.matrix


def test_the_bundle_is_the_built_confusion_view():
    esm = ConfusionMatrix._esm
    text = esm.read_text() if hasattr(esm, "read_text") else str(esm)
    assert "nbdl-confusion" in text
    css = ConfusionMatrix._css
    assert ".nbdl-confusion" in (css.read_text() if hasattr(css, "read_text") else str(css))
