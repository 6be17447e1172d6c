import numpy as np
import pandas as pd
import pytest

from nbdatalens.confusion import (
    ConfusionResult,
    cell_positions,
    column_positions,
    confusion,
    confusion_matrix,
    per_class_report,
    row_positions,
)

# classes: a, b, c (given once, never predicted), d (predicted only), e (neither)
CLASSES = ["a", "b", "c", "d", "e"]
LABELS = np.array([0, 0, 1, 1, 1, 2])
PREDS = np.array([0, 1, 1, 1, 3, 0])
EXPECTED = [
    [1, 1, 0, 0, 0],
    [0, 2, 0, 1, 0],
    [1, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
]


def test_confusion_matrix_hand_computed():
    matrix = confusion_matrix(LABELS, PREDS, 5)
    assert matrix.dtype == np.int64
    assert matrix.tolist() == EXPECTED


def test_confusion_matrix_rows_are_given_labels():
    # one sample given 0, predicted 1: it must land in row 0, column 1
    assert confusion_matrix([0], [1], 2).tolist() == [[0, 1], [0, 0]]


def test_confusion_matrix_input_errors():
    with pytest.raises(ValueError, match="pred_codes has 2 entries, expected 3"):
        confusion_matrix([0, 1, 1], [0, 1], 2)
    with pytest.raises(ValueError, match=r"pred_codes must be class codes in \[0, 2\).*\[5\]"):
        confusion_matrix([0, 1], [0, 5], 2)
    with pytest.raises(ValueError, match="n_classes must be at least 1"):
        confusion_matrix([], [], 0)
    with pytest.raises(TypeError, match="n_classes must be an int"):
        confusion_matrix([0], [0], 2.0)


def test_cell_row_and_column_positions():
    assert cell_positions(LABELS, PREDS, 1, 1).tolist() == [2, 3]
    assert cell_positions(LABELS, PREDS, 2, 0).tolist() == [5]
    assert cell_positions(LABELS, PREDS, 3, 3).tolist() == []
    assert row_positions(LABELS, 1).tolist() == [2, 3, 4]
    assert column_positions(PREDS, 0).tolist() == [0, 5]
    with pytest.raises(ValueError, match="same shape"):
        cell_positions(LABELS, PREDS[:3], 0, 0)


def test_per_class_report_with_zero_support_and_predicted_only_classes():
    report = per_class_report(np.array(EXPECTED), CLASSES)
    assert list(report.index) == CLASSES
    assert report.index.name == "class"
    assert report["support"].tolist() == [2, 3, 1, 0, 0]
    assert report["predicted"].tolist() == [2, 3, 0, 1, 0]
    expected = pd.DataFrame(
        {
            "precision": [0.5, 2 / 3, np.nan, 0.0, np.nan],
            "recall": [0.5, 2 / 3, 0.0, np.nan, np.nan],
            "f1": [0.5, 2 / 3, np.nan, np.nan, np.nan],
        },
        index=pd.Index(CLASSES, name="class"),
    )
    pd.testing.assert_frame_equal(report[["precision", "recall", "f1"]], expected)


def test_per_class_report_f1_zero_when_always_wrong():
    # class 0 is predicted and given, never both: precision = recall = 0 -> f1 = 0, not NaN
    report = per_class_report(np.array([[0, 2], [1, 0]]), ["x", "y"])
    assert report.loc["x", "f1"] == 0.0
    assert report.loc["x", "precision"] == 0.0


def test_per_class_report_shape_error():
    with pytest.raises(ValueError, match=r"expected shape \(3, 3\), got \(2, 2\)"):
        per_class_report(np.zeros((2, 2)), ["a", "b", "c"])


def test_confusion_result_cells_by_class_value():
    result = confusion(LABELS, PREDS, CLASSES)
    assert isinstance(result, ConfusionResult)
    assert result.matrix.tolist() == EXPECTED
    assert result.count("b", "d") == 1
    assert result.cell("b", "b").tolist() == [2, 3]
    assert result.row("a").tolist() == [0, 1]
    assert result.column("a").tolist() == [0, 5]
    assert result.report.loc["c", "support"] == 1
    with pytest.raises(ValueError, match="unknown class 'z'"):
        result.cell("z", "a")


def test_confusion_result_without_codes_explains():
    matrix = np.array(EXPECTED)
    bare = ConfusionResult(matrix, tuple(CLASSES), per_class_report(matrix, CLASSES))
    assert bare.count("a", "b") == 1
    with pytest.raises(ValueError, match="built without codes"):
        bare.cell("a", "b")


def test_confusion_matrix_matches_sklearn_on_random_codes():
    from sklearn.metrics import confusion_matrix as sk_confusion

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 5000)
    preds = rng.integers(0, 7, 5000)
    expected = sk_confusion(labels, preds, labels=list(range(7)))
    np.testing.assert_array_equal(confusion_matrix(labels, preds, 7), expected)
