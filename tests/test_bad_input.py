"""Bad input gets a clear error at construction, naming the column and the problem."""

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens, SampleTable
from nbdatalens.dynamics import TrainingDynamics

LABELS = ["cat", "dog", "cat"]


def _df(**cols):
    return pd.DataFrame({"label": LABELS, **cols}, index=["s1", "s2", "s3"])


GOOD_PROBS = [np.array([0.9, 0.1]), np.array([0.3, 0.7]), np.array([0.6, 0.4])]


def test_no_label_column():
    with pytest.raises(ValueError, match=r"no label column found.*'feature'.*label='my_column'"):
        DataLens(pd.DataFrame({"feature": [1, 2]}))


def test_duplicate_index():
    df = pd.DataFrame({"label": [0, 1, 0]}, index=[7, 7, 8])
    with pytest.raises(ValueError, match=r"index must hold unique sample ids.*1 id\(s\) repeat.*7"):
        DataLens(df)


def test_empty_frame():
    with pytest.raises(ValueError, match="DataFrame is empty"):
        DataLens(pd.DataFrame({"label": []}))


def test_not_a_dataframe():
    with pytest.raises(TypeError, match=r"expects a pandas DataFrame.*got dict"):
        DataLens({"label": [0, 1]})


def test_negative_probabilities():
    probs = [np.array([1.2, -0.2]), *GOOD_PROBS[1:]]
    with pytest.raises(
        ValueError, match=r"column 'probs' \(probs\): 1 row\(s\) have negative.*'s1'"
    ):
        DataLens(_df(probs=probs))


def test_nan_probabilities():
    probs = [*GOOD_PROBS[:2], np.array([np.nan, 0.5])]
    with pytest.raises(ValueError, match=r"column 'probs' \(probs\): 1 row\(s\) contain NaN.*'s3'"):
        DataLens(_df(probs=probs))


def test_nan_in_per_class_probability_columns():
    df = _df(prob_cat=[0.9, np.nan, 0.5], prob_dog=[0.1, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"prob_cat … prob_dog \(2 columns\).*NaN.*'s2'"):
        DataLens(df)


def test_probabilities_not_summing_to_one():
    probs = [np.array([0.9, 0.3]), *GOOD_PROBS[1:]]
    with pytest.raises(
        ValueError, match=r"'probs' \(probs\): 1 row\(s\) do not sum to 1.*'s1'.*1\.2"
    ):
        DataLens(_df(probs=probs))


def test_probabilities_within_tolerance_are_accepted():
    probs = np.array([[0.9, 0.1 + 1e-4], [0.3, 0.7 - 1e-4], [0.6, 0.4]])
    table = SampleTable(_df(), probs=probs)
    assert table.derived["pred"].tolist() == ["cat", "dog", "cat"]


def test_probability_width_differs_from_number_of_classes():
    probs = np.full((3, 3), 1 / 3)
    with pytest.raises(
        ValueError,
        match=r"'<array>' \(probs\): each row has 3 probabilities but there are 2 classes",
    ):
        DataLens(_df(), probs=probs)


def test_single_probability_column_for_binary_labels_explains_the_fix():
    with pytest.raises(ValueError, match=r"'probs' \(probs\): one number per row.*1 - p, p"):
        DataLens(_df(probs=[0.9, 0.2, 0.7]))


def test_embedding_with_nan():
    emb = [np.zeros(4), np.array([0.0, np.nan, 1.0, 2.0]), np.ones(4)]
    with pytest.raises(
        ValueError, match=r"'embedding' \(embedding\): 1 row\(s\) contain NaN.*'s2'"
    ):
        DataLens(_df(embedding=emb))


def test_ragged_embedding():
    emb = [np.zeros(4), np.zeros(3), np.ones(4)]
    with pytest.raises(
        ValueError, match=r"'embedding' \(embedding\).*ragged.*\(4,\).*'s2'.*\(3,\)"
    ):
        DataLens(_df(embedding=emb))


def test_ragged_rows_whose_lengths_add_up_are_still_caught():
    emb = [np.zeros(2), np.zeros(4), np.zeros(3)]  # 9 values = 3 rows × 3
    with pytest.raises(ValueError, match=r"'emb' \(embedding\).*ragged"):
        DataLens(_df(emb=emb))


def test_non_numeric_embedding():
    emb = [np.array(["a", "b"]), np.array(["c", "d"]), np.array(["e", "f"])]
    with pytest.raises(TypeError, match=r"'embedding' \(embedding\): values must be numbers"):
        DataLens(_df(embedding=emb))


def test_embedding_cells_that_are_not_vectors():
    with pytest.raises(TypeError, match=r"'embedding' \(embedding\).*found a str.*'s1'"):
        DataLens(_df(embedding=["abc", "def", "ghi"]))


def test_embedding_cells_that_are_missing():
    emb = [np.zeros(2), None, np.ones(2)]
    with pytest.raises(
        ValueError, match=r"'embedding' \(embedding\): 1 row\(s\) have no vector.*'s2'"
    ):
        DataLens(_df(embedding=emb))


def test_dynamics_with_wrong_number_of_classes():
    full = np.full((3, 4, 3), 1 / 3)  # 3 probabilities per epoch, 2 classes
    with pytest.raises(
        ValueError, match=r"'<array>' \(dynamics\).*3 probabilities per epoch.*2 classes"
    ):
        DataLens(_df(), dynamics=full)


def test_dynamics_with_wrong_number_of_rows():
    with pytest.raises(ValueError, match=r"dynamics=: the array has 5 entries but the frame has 3"):
        DataLens(_df(), dynamics=np.full((5, 4), 0.5))


def test_dynamics_outside_zero_one():
    with pytest.raises(
        ValueError, match=r"'dynamics' \(dynamics\): probabilities must lie in \[0, 1\]"
    ):
        DataLens(_df(dynamics=[np.array([0.5, 1.5]), np.array([0.5, 0.5]), np.array([0.1, 0.2])]))


def test_full_dynamics_not_summing_to_one():
    full = np.full((3, 2, 2), 0.5)
    full[1, 1] = [0.9, 0.9]
    with pytest.raises(
        ValueError, match=r"\(dynamics\): per-epoch probabilities must sum to 1.*'s2'"
    ):
        DataLens(_df(), dynamics=full)


def test_recorder_with_an_unfinished_epoch():
    rec = TrainingDynamics(3, ["cat", "dog"], LABELS)
    rec.record(0, np.array([[0.5, 0.5]]), ids=[0])
    with pytest.raises(
        ValueError, match=r"dynamics \(TrainingDynamics recorder\): epoch 0: 2 samples"
    ):
        DataLens(_df(), dynamics=rec)


def test_missing_labels():
    with pytest.raises(ValueError, match=r"'label' \(label\): 1 missing value\(s\).*'s2'"):
        DataLens(pd.DataFrame({"label": ["a", None, "b"]}, index=["s1", "s2", "s3"]))


def test_missing_numeric_labels():
    with pytest.raises(ValueError, match=r"'target' \(label\): 1 missing value"):
        DataLens(pd.DataFrame({"target": [0.0, 1.0, np.nan]}))


def test_unhashable_labels():
    with pytest.raises(TypeError, match=r"'label' \(label\): values must be hashable"):
        DataLens(pd.DataFrame({"label": [[0], [1]]}))


def test_one_hot_labels_array():
    with pytest.raises(ValueError, match=r"'<array>' \(label\).*shape \(3, 2\).*argmax"):
        DataLens(_df(), label=np.eye(2)[[0, 1, 0]])


def test_prediction_of_a_label_class_in_another_type():
    df = pd.DataFrame({"label": ["1", "0"], "yhat": [1, 0]})
    with pytest.raises(
        ValueError, match=r"'yhat' \(prediction\): predicted 0 \(int\).*'0' \(str\)"
    ):
        DataLens(df, prediction="yhat")


def test_labels_outside_the_given_classes():
    with pytest.raises(
        ValueError, match=r"'label' \(label\): values \['dog'\] are not among.*classes="
    ):
        DataLens(_df(), classes=["cat", "bird"])


def test_repeated_classes():
    with pytest.raises(ValueError, match=r"classes .*must be distinct"):
        DataLens(_df(), classes=["cat", "dog", "cat"])


def test_image_column_of_unsupported_objects():
    with pytest.raises(TypeError, match=r"column 'image'.*unsupported image object.*dict.*'s1'"):
        DataLens(_df(image=[{"a": 1}, {"b": 2}, {"c": 3}]))


def test_explicit_role_naming_a_missing_column():
    with pytest.raises(
        ValueError, match=r"label='lable': no such column \(did you mean 'label'\?\)"
    ):
        DataLens(_df(), label="lable")


def test_explicit_probability_columns_missing():
    with pytest.raises(
        ValueError, match=r"probs=\['p_cat', 'p_dog'\]: no such column\(s\) \['p_dog'\]"
    ):
        DataLens(_df(p_cat=[0.5, 0.5, 0.5]), probs=["p_cat", "p_dog"])


def test_unknown_role_keyword():
    with pytest.raises(
        TypeError, match=r"unknown role keyword\(s\) 'lable' \(did you mean 'label'\?\)"
    ):
        DataLens(_df(), lable="label")


def test_x_without_y():
    with pytest.raises(ValueError, match=r"x= was given without y=.*label="):
        DataLens(_df(a=[1.0, 2.0, 3.0]), x="a")


def test_series_with_foreign_ids():
    with pytest.raises(
        ValueError, match=r"prediction=: the Series's index does not hold the frame's ids"
    ):
        DataLens(_df(), prediction=pd.Series(["cat", "dog", "cat"], index=[0, 1, 2]))


def test_array_of_wrong_length():
    with pytest.raises(
        ValueError, match=r"embedding=: the array has 2 entries but the frame has 3 rows"
    ):
        DataLens(_df(), embedding=np.zeros((2, 4)))


def test_unknown_threshold():
    with pytest.raises(ValueError, match=r"unknown thresholds.*'confidence'"):
        DataLens(_df(), thresholds={"confidence": 0.3})


def test_duplicate_role_column():
    df = pd.DataFrame([[0, 1, 2]], columns=["label", "x", "x"])
    with pytest.raises(ValueError, match=r"column 'x' \(x\) appears more than once"):
        DataLens(df.assign(y=[1.0]))


def test_errors_are_raised_before_anything_is_drawn(monkeypatch):
    """A bad frame fails in DataLens(...) itself: no widget model is ever built."""
    import nbdatalens.views.table_model as table_model

    built = []
    monkeypatch.setattr(table_model.TableModel, "__init__", lambda *a, **k: built.append(a))
    with pytest.raises(ValueError, match="NaN"):
        DataLens(_df(embedding=[np.zeros(2), np.full(2, np.nan), np.ones(2)]))
    assert built == []


def test_dynamics_with_some_nan_epochs():
    dyn = np.array([[0.5, np.nan], [0.5, 0.5], [0.1, 0.2]])
    with pytest.raises(ValueError, match=r"'<array>' \(dynamics\): 1 row\(s\) contain NaN.*'s1'"):
        DataLens(_df(), dynamics=dyn)


def test_coordinate_with_two_numbers_per_row():
    with pytest.raises(ValueError, match=r"'<array>' \(x\): expected one number per row.*\(3, 2\)"):
        DataLens(_df(), x=np.zeros((3, 2)), y=np.zeros(3))


@pytest.mark.parametrize("role", ["label", "prediction"])
def test_classes_that_differ_only_in_type_are_refused_in_labels_and_predictions(role):
    # 1 and "1" would be two classes both shown as "1": refused in either column, alike.
    df = pd.DataFrame({"label": [1, 2, 1], "prediction": [1, 2, 2]})
    df[role] = pd.Series([1, "1", 2], dtype=object)
    with pytest.raises(
        ValueError, match=rf"column '{role}' \({role}\): classes 1 \(int\) and '1' \(str\) both"
    ):
        DataLens(df, projection="pca")


@pytest.mark.parametrize("role", ["embedding", "x"])
def test_values_beyond_float32_range_are_refused_naming_the_ids(role):
    cells = {
        "embedding": [np.array([1.0, 2.0]), np.array([1e39, 0.0]), np.array([0.0, 1.0])],
        "x": [1.0, 1e39, 2.0],
    }[role]
    extra = {"y": [0.0, 1.0, 2.0]} if role == "x" else {}
    with pytest.raises(ValueError, match=rf"'{role}' \({role}\): 1 row\(s\).*float32.*'s2'"):
        DataLens(_df(**{role: cells}, **extra), projection="pca")


def test_large_embeddings_within_float32_range_still_get_a_pca_layout():
    from nbdatalens.projection import project

    rng = np.random.default_rng(0)
    emb = rng.normal(size=(50, 4)) * 1e25  # squares overflow float32: PCA used to fail
    xy = project(emb, "pca")
    assert np.isfinite(xy).all()
    np.testing.assert_allclose(np.abs(xy) / 1e25, np.abs(project(emb / 1e25, "pca")), rtol=1e-3)
    with pytest.raises(ValueError, match="beyond the float32 range"):
        project(np.array([[1e39, 0.0], [0.0, 1.0]]), "pca")
