"""Role detection: where label, probs, embedding, x/y, ... come from."""

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.roles import class_from_suffix, resolve_roles


def _probs(n, c, seed=0):
    return np.random.default_rng(seed).dirichlet(np.ones(c), size=n)


def test_conventional_names_are_case_insensitive():
    df = pd.DataFrame(
        {
            "Label": ["a", "b"],
            "PRED": ["a", "a"],
            "Embedding": [np.zeros(3), np.ones(3)],
            "Text": ["x", "y"],
            "other": [1, 2],
        }
    )
    roles = resolve_roles(df).column_names()
    assert roles == {
        "label": "Label",
        "prediction": "PRED",
        "embedding": "Embedding",
        "text": "Text",
    }


def test_exact_name_beats_case_folded_one():
    df = pd.DataFrame({"LABEL": [9, 9], "label": [0, 1]})
    assert resolve_roles(df).column_names()["label"] == "label"


def test_label_names_are_tried_in_priority_order():
    df = pd.DataFrame({"class": ["x", "y"], "target": ["a", "b"]})
    assert resolve_roles(df).column_names()["label"] == "target"


def test_explicit_column_names_win_over_conventions():
    df = pd.DataFrame({"label": [0, 1], "truth": [1, 0], "file": ["a.png", "b.png"]})
    roles = resolve_roles(df, label="truth", image="file")
    assert roles.column_names()["label"] == "truth"
    assert roles.column_names()["image"] == "file"
    lens = DataLens(df, label="truth", prediction="label")
    assert lens.derived["correct"].tolist() == [False, False]


def test_arrays_passed_as_keywords():
    df = pd.DataFrame({"label": [0, 1, 1, 0]})
    probs = _probs(4, 2)
    emb = np.arange(12, dtype=np.float64).reshape(4, 3)
    lens = DataLens(df, probs=probs, embedding=emb)
    assert lens.table.roles.column_names() == {
        "label": "label",
        "probs": "<array>",
        "embedding": "<array>",
    }
    np.testing.assert_allclose(lens.table.probs, probs, rtol=1e-6)
    assert lens.table.embedding.dtype == np.float32
    np.testing.assert_array_equal(lens.table.embedding, emb)
    assert lens.derived["pred"].tolist() == probs.argmax(axis=1).tolist()


def test_series_keyword_is_aligned_by_index_not_position():
    df = pd.DataFrame({"label": ["a", "b", "c"]}, index=[10, 20, 30])
    pred = pd.Series(["c", "b", "a"], index=[30, 20, 10])  # the right answers, shuffled
    lens = DataLens(df, prediction=pred)
    assert lens.derived["correct"].all()


def test_several_probability_columns_one_per_class():
    df = pd.DataFrame(
        {"label": ["cat", "dog", "cat"], "prob_cat": [0.9, 0.2, 0.6], "prob_dog": [0.1, 0.8, 0.4]}
    )
    table = DataLens(df).table
    assert table.roles["probs"].columns == ("prob_cat", "prob_dog")
    assert table.classes == ["cat", "dog"]
    np.testing.assert_allclose(table.probs, [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], rtol=1e-6)
    assert table.derived["pred"].tolist() == ["cat", "dog", "cat"]


def test_per_class_columns_with_int_labels_map_back_to_ints():
    labels = np.arange(20) % 10
    probs = _probs(20, 10, seed=2)
    df = pd.DataFrame({"label": labels, **{f"proba_{k}": probs[:, k] for k in range(10)}})
    table = DataLens(df).table
    assert table.classes == list(range(10))
    assert all(type(c) is int for c in table.classes)
    assert table.derived["pred"].tolist() == probs.argmax(axis=1).tolist()


def test_per_class_column_order_defines_class_order():
    df = pd.DataFrame(
        {
            "label": ["cat", "dog", "eel"],
            "p_eel": [0.1, 0.1, 0.7],
            "p_cat": [0.8, 0.1, 0.2],
            "p_dog": [0.1, 0.8, 0.1],
        }
    )
    table = DataLens(df).table
    assert table.classes == ["eel", "cat", "dog"]  # not sorted: the columns' order
    assert table.label_codes.tolist() == [1, 2, 0]
    assert table.derived["correct"].all()


def test_per_class_column_for_a_class_never_given_becomes_a_class():
    df = pd.DataFrame(
        {"label": [0, 1], "proba_0": [0.2, 0.1], "proba_1": [0.1, 0.8], "proba_2": [0.7, 0.1]}
    )
    table = DataLens(df).table
    assert table.classes == [0, 1, 2]
    assert table.derived["pred"].tolist() == [2, 1]


def test_classes_keyword_names_a_class_never_given_as_a_label():
    df = pd.DataFrame({"label": ["cat", "dog"]})
    probs = np.array([[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]])
    lens = DataLens(df, probs=probs, classes=["cat", "dog", "bird"])
    assert lens.table.classes == ["cat", "dog", "bird"]
    assert lens.derived["pred"].tolist() == ["bird", "dog"]
    np.testing.assert_allclose(lens.derived["loss"], [-np.log(0.1), -np.log(0.8)], rtol=1e-6)


def test_class_from_suffix_matching_rules():
    assert class_from_suffix("prob_3", [1, 3]) == 3
    assert class_from_suffix("prob_3", [1.0, 3.0]) == 3.0
    assert class_from_suffix("proba_7", [1, 3]) == 7  # int labels: a numeric suffix is an int
    assert class_from_suffix("p_bird", ["cat"]) == "bird"
    assert class_from_suffix("prob:dog", ["cat", "dog"]) == "dog"


def test_largest_group_of_prefixed_columns_is_taken():
    df = pd.DataFrame(
        {
            "label": ["a", "b"],
            "p_value": [0.5, 0.5],
            "prob_a": [0.7, 0.4],
            "prob_b": [0.3, 0.6],
            "prob_c": [0.0, 0.0],
        }
    )
    assert resolve_roles(df)["probs"].columns == ("prob_a", "prob_b", "prob_c")


def test_xy_pair_is_detected():
    df = pd.DataFrame({"label": [0, 1], "x": [1.0, 2.0], "y": [3.0, 4.0]})
    table = DataLens(df).table
    np.testing.assert_array_equal(table.xy, [[1, 3], [2, 4]])
    df2 = pd.DataFrame({"label": [0, 1], "UMAP_X": [1.0, 2.0], "umap_y": [3.0, 4.0]})
    assert DataLens(df2).table.roles.column_names()["x"] == "UMAP_X"


def test_y_as_the_label_is_not_a_coordinate():
    df = pd.DataFrame({"x": [0.5, 0.7], "y": ["cat", "dog"]})
    table = DataLens(df).table
    assert table.roles.column_names() == {"label": "y"}
    assert table.xy is None


def test_generic_path_column_of_sounds_is_audio():
    df = pd.DataFrame({"label": [0, 1], "path": ["a.wav", "b.WAV"]})
    assert resolve_roles(df).column_names() == {"label": "label", "audio": "path"}
    df = pd.DataFrame({"label": [0, 1], "path": ["a.png", "b.png"]})
    assert resolve_roles(df).column_names() == {"label": "label", "image": "path"}


def test_false_turns_detection_of_a_role_off():
    df = pd.DataFrame({"label": [0, 1], "probs": [[1.0, 0.0], [0.5, 0.5]]})
    assert "probs" not in resolve_roles(df, probs=False)
    assert DataLens(df, probs=False).table.probs is None


def test_list_of_columns_as_embedding():
    df = pd.DataFrame({"label": [0, 1], "e0": [1.0, 2.0], "e1": [3.0, 4.0]})
    table = DataLens(df, embedding=["e0", "e1"]).table
    np.testing.assert_array_equal(table.embedding, [[1, 3], [2, 4]])
    assert {"e0", "e1"} <= table.roles.used_columns()


def test_image_array_keyword_is_checked_without_a_per_row_wrap():
    df = pd.DataFrame({"label": [0, 1]})
    lens = DataLens(df, image=np.zeros((2, 8, 8), dtype=np.uint8))
    assert lens.table.roles.column_names()["image"] == "<array>"


def test_a_split_column_is_found_by_name_and_coded():
    from nbdatalens import SampleTable

    df = pd.DataFrame({"label": [0, 1, 0, 1], "subset": ["train", "Validation", "val", "test"]})
    table = SampleTable(df)
    assert table.roles["split"].name == "subset"
    assert table.split_codes.tolist() == [0, 1, 1, 2]


def test_a_split_column_with_unknown_values_names_the_column_and_the_ids():
    from nbdatalens import SampleTable

    df = pd.DataFrame({"label": [0, 1, 0], "split": ["train", "holdout", "trian"]})
    with pytest.raises(
        ValueError, match=r"column 'split' \(split\): values \['trian'\].*ids \[2\]"
    ):
        SampleTable(df)
    assert SampleTable(df, split=False).split_codes is None
