"""lens.evaluate: a new model beside the current one, against corrected labels, per group."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens

IDS = list("abcdef")
GIVEN = ["cat", "cat", "dog", "dog", "eel", "eel"]
CURRENT = ["cat", "dog", "dog", "dog", "cat", "eel"]
NEW = ["cat", "cat", "dog", "eel", "eel", "eel"]


@pytest.fixture
def lens() -> DataLens:
    df = pd.DataFrame({"label": GIVEN, "prediction": CURRENT}, index=pd.Index(IDS, name="id"))
    lens = DataLens(df, projection="pca")
    lens.relabel(["b"], "dog")  # b was mislabeled: its truth is dog, as the current model says
    lens.save_selection("rogues", ids=["b", "e"])
    lens.save_selection("the eel", ids=["e"])
    return lens


def test_hand_computed_accuracies_against_corrected_labels(lens):
    # Truth after the correction: cat, dog, dog, dog, eel, eel.
    # current: a✓ b✓ c✓ d✓ e✗ f✓ = 5/6;  new: a✓ b✗ c✓ d✗ e✓ f✓ = 4/6.
    result = lens.evaluate(NEW)
    assert list(result.columns) == ["n", "corrected", "current", "new model", "delta"]
    assert result.index.names == ["group", "name"]
    expected = {
        ("all", "all samples"): (6, 1, 5 / 6, 4 / 6),
        ("class", "cat"): (1, 0, 1.0, 1.0),
        ("class", "dog"): (3, 1, 1.0, 1 / 3),
        ("class", "eel"): (2, 0, 1 / 2, 1.0),
        ("selection", "rogues"): (2, 1, 1 / 2, 1 / 2),
        ("selection", "the eel"): (1, 0, 0.0, 1.0),
    }
    assert list(result.index) == list(expected)
    for key, (n, corrected, current, new) in expected.items():
        row = result.loc[key]
        assert (row["n"], row["corrected"]) == (n, corrected), key
        assert row["current"] == pytest.approx(current), key
        assert row["new model"] == pytest.approx(new), key
        assert row["delta"] == pytest.approx(new - current), key


def test_predictions_as_a_series_by_id_probabilities_or_with_unknown_classes(lens):
    by_array = lens.evaluate(NEW, name="v2")
    shuffled = pd.Series(NEW, index=IDS).iloc[::-1]  # aligned by id, whatever the order
    pd.testing.assert_frame_equal(lens.evaluate(shuffled, name="v2"), by_array)
    probs = np.eye(3)[[["cat", "dog", "eel"].index(p) for p in NEW]] * 0.8 + 0.2 / 3
    pd.testing.assert_frame_equal(lens.evaluate(probs, name="v2"), by_array)
    # A class no label has is simply wrong.
    unknown = lens.evaluate(["cat", "dog", "dog", "dog", "fox", "eel"])
    assert unknown.loc[("all", "all samples"), "new model"] == pytest.approx(5 / 6)
    assert unknown.loc[("class", "eel"), "new model"] == pytest.approx(1 / 2)


def test_bad_predictions_are_refused_with_a_reason(lens):
    with pytest.raises(ValueError, match="1 sample id"):
        lens.evaluate(pd.Series(NEW[:5], index=IDS[:5]))
    with pytest.raises(ValueError, match="expected 6 values in table order"):
        lens.evaluate(NEW[:4])
    with pytest.raises(ValueError, match=r"shape \(6, 3\)"):
        lens.evaluate(np.ones((6, 2)) / 2)
    with pytest.raises(ValueError, match="missing value"):
        lens.evaluate(["cat", None, "dog", "dog", "eel", "eel"])
    with pytest.raises(ValueError, match="name must be"):
        lens.evaluate(NEW, name="delta")
    with pytest.raises(ValueError, match="must differ"):
        lens.evaluate(NEW, name="current")


def test_a_baseline_replaces_the_current_model(lens):
    truth = ["cat", "dog", "dog", "dog", "eel", "eel"]  # the corrected labels: always right
    result = lens.evaluate(NEW, "v2", baseline=pd.Series(truth, index=IDS), baseline_name="oracle")
    assert list(result.columns) == ["n", "corrected", "oracle", "v2", "delta"]
    assert (result["oracle"] == 1.0).all()
    assert result.loc[("all", "all samples"), "delta"] == pytest.approx(4 / 6 - 1)


def test_without_a_current_model_only_the_new_one_is_scored():
    df = pd.DataFrame({"label": GIVEN}, index=IDS)
    result = DataLens(df, projection="pca").evaluate(NEW)
    assert result["current"].isna().all() and result["delta"].isna().all()
    # No correction here: truth is the given label, and NEW misses only d.
    assert result.loc[("all", "all samples"), "new model"] == pytest.approx(5 / 6)
