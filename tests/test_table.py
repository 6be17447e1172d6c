"""SampleTable: derived columns against hand-computed values, dynamics forms, selection."""

import numpy as np
import pandas as pd
import pytest

from nbdatalens import SampleTable, validation
from nbdatalens.confusion import confusion
from nbdatalens.dynamics import TrainingDynamics

# Four samples, classes 0 / 1 / 2. Hand-computed below.
LABELS = [0, 1, 2, 0]
PROBS = np.array(
    [
        [0.7, 0.2, 0.1],  # pred 0, right, loss -ln .7, margin .7 - .2 = .5
        [0.5, 0.4, 0.1],  # pred 0, wrong, loss -ln .4, margin .4 - .5 = -.1
        [0.2, 0.3, 0.5],  # pred 2, right, loss -ln .5, margin .5 - .3 = .2
        [0.1, 0.6, 0.3],  # pred 1, wrong, loss -ln .1, margin .1 - .6 = -.5
    ]
)
# Given-label probability after each of 3 epochs.
GIVEN = np.array(
    [
        [0.6, 0.7, 0.8],  # confidence .7, std sqrt(.02/3) = .08165, easy-to-learn
        [0.2, 0.8, 0.2],  # confidence .4, std sqrt(.24/3) = .28284, ambiguous
        [0.1, 0.1, 0.1],  # confidence .1, std 0, hard-to-learn
        [0.5, 0.9, 1.0],  # confidence .8, std sqrt(.14/3) = .21602, ambiguous
    ]
)


def _frame(**extra):
    return pd.DataFrame({"label": LABELS, "probs": list(PROBS), **extra}, index=list("abcd"))


def test_derived_columns_match_hand_computed_values():
    table = SampleTable(_frame(dynamics=list(GIVEN)))
    d = table.derived
    assert list(d.columns) == [
        "pred",
        "correct",
        "loss",
        "margin",
        "confidence",
        "variability",
        "correctness",
        "region",
        "forgetting",
        "learned_epoch",
        "flips",
    ]
    assert d.index.tolist() == list("abcd")
    assert d["pred"].tolist() == [0, 0, 2, 1]
    assert d["correct"].tolist() == [True, False, True, False]
    np.testing.assert_allclose(d["loss"], [0.356675, 0.916291, 0.693147, 2.302585], rtol=1e-5)
    np.testing.assert_allclose(d["margin"], [0.5, -0.1, 0.2, -0.5], atol=1e-6)
    np.testing.assert_allclose(d["confidence"], [0.7, 0.4, 0.1, 0.8], atol=1e-6)
    np.testing.assert_allclose(d["variability"], [0.081650, 0.282843, 0.0, 0.216025], atol=1e-6)
    # N×E given-label input: an epoch counts as correct when p > 0.5 (0.5 itself does not).
    np.testing.assert_allclose(d["correctness"], [1.0, 1 / 3, 0.0, 2 / 3], atol=1e-6)
    assert d["region"].tolist() == ["easy-to-learn", "ambiguous", "hard-to-learn", "ambiguous"]


def test_without_probs_or_dynamics_derived_columns_are_missing_not_invented():
    table = SampleTable(pd.DataFrame({"label": ["a", "b"]}))
    d = table.derived
    assert d["pred"].isna().all() and d["correct"].isna().all()
    assert d[["loss", "margin", "confidence", "variability", "correctness"]].isna().all().all()
    assert d["region"].isna().all()
    assert table.pred_codes is None and not table.has_dynamics


def test_thresholds_move_region_boundaries():
    table = SampleTable(_frame(dynamics=list(GIVEN)), thresholds={"ambiguous_variability": 0.25})
    assert table.derived["region"].tolist()[3] == "easy-to-learn"  # std .216 < .25


def _full_dynamics():
    """3 epochs × 3 classes whose given-label column is GIVEN[:, :] scaled into rows."""
    rows = []
    for label, given in zip(LABELS, GIVEN, strict=True):
        epochs = []
        for p in given:
            rest = (1 - p) / 2
            row = np.full(3, rest)
            row[label] = p
            epochs.append(row)
        rows.append(np.array(epochs))
    return np.array(rows)


def test_full_dynamics_give_exact_correctness_from_argmax():
    full = _full_dynamics()
    table = SampleTable(_frame(dynamics=list(full)))
    d = table.derived
    np.testing.assert_allclose(d["confidence"], [0.7, 0.4, 0.1, 0.8], atol=1e-6)
    # Row d's first epoch gives 0.5 to its label and .25 to the others: the argmax is
    # the label, so it is correct (the p > 0.5 rule would have said no).
    np.testing.assert_allclose(d["correctness"], [1.0, 1 / 3, 0.0, 1.0], atol=1e-6)
    # Row b, epoch 1: 0.2 vs 0.4 / 0.4 → wrong; row c: 0.1 vs 0.45 → wrong.
    assert table.dynamics_correct.tolist()[1] == [False, True, False]


def test_full_dynamics_as_array_keyword_and_column_agree():
    rng = np.random.default_rng(3)
    full = rng.dirichlet(np.ones(4), size=(50, 5)).astype(np.float32)
    full[:5] = 0.25  # exact ties everywhere: np.argmax picks class 0
    labels = rng.integers(0, 4, 50)
    df = pd.DataFrame({"label": labels})
    a = SampleTable(df, dynamics=full)
    b = SampleTable(df.assign(dynamics=list(full)))
    expected_correct = full.argmax(axis=2) == labels[:, None]
    np.testing.assert_array_equal(a.dynamics_correct, expected_correct)
    np.testing.assert_array_equal(b.dynamics_correct, expected_correct)
    np.testing.assert_array_equal(a.dynamics_given, full[np.arange(50), :, labels])
    pd.testing.assert_frame_equal(a.derived, b.derived)
    # No probs given: the last epoch is the model's prediction.
    np.testing.assert_array_equal(a.derived["pred"].to_numpy(), full[:, -1].argmax(axis=1))


def test_scan_of_full_dynamics_is_exact_across_block_boundaries(monkeypatch):
    monkeypatch.setattr(validation, "SCAN_ROWS", 7)
    rng = np.random.default_rng(4)
    full = rng.dirichlet(np.ones(3), size=(40, 2))
    full[::5, 0] = [0.4, 0.4, 0.2]  # tie between classes 0 and 1
    labels = rng.integers(0, 3, 40)
    labels[::5] = 1  # tied but not first: np.argmax says class 0, so wrong
    given, correct = validation.check_dynamics(
        pd.DataFrame(index=range(40)), full, "d", labels.astype(np.int32), 3
    )
    np.testing.assert_array_equal(correct, full.argmax(axis=2) == labels[:, None])
    np.testing.assert_allclose(given, full[np.arange(40), :, labels], rtol=1e-6)
    assert not correct[::5, 0].any()


def test_given_label_dynamics_as_array_keyword_equals_column():
    a = SampleTable(_frame(), dynamics=GIVEN)
    b = SampleTable(_frame(dynamics=list(GIVEN)))
    pd.testing.assert_frame_equal(a.derived, b.derived)
    assert a.n_epochs == 3


def test_full_dynamics_do_not_override_an_explicit_prediction():
    df = _frame(prediction=[2, 2, 2, 2], dynamics=list(_full_dynamics())).drop(columns="probs")
    table = SampleTable(df)
    assert table.derived["pred"].tolist() == [2, 2, 2, 2]
    assert not np.isnan(table.derived["loss"]).any()  # loss from the last epoch


def _recorder(classes, order=None, index=None):
    full = _full_dynamics()
    labels = [classes[i] for i in LABELS]
    perm = [classes.index(c) for c in (0, 1, 2)]  # our class k sits in column perm[k]
    rows = np.arange(4) if order is None else np.asarray(order)
    rec = TrainingDynamics(
        4,
        classes,
        [labels[i] for i in rows],
        index=None if index is None else index,
        keep_full=True,
    )
    for epoch in range(3):
        probs = np.zeros((4, 3))
        probs[:, perm] = full[rows, epoch, :]
        rec.record(epoch, probs)
    return rec


def test_training_dynamics_recorder_as_dynamics():
    table = SampleTable(_frame(), dynamics=_recorder([0, 1, 2]))
    expected = SampleTable(_frame(dynamics=list(_full_dynamics())))
    pd.testing.assert_frame_equal(table.derived, expected.derived)


def test_recorder_in_another_class_order_and_row_order():
    # The recorder's columns are [2, 0, 1] and its rows are in id order d, c, b, a.
    rec = _recorder([2, 0, 1], order=[3, 2, 1, 0], index=list("dcba"))
    # Without probs, the recorder's last epoch (mapped to our class order) gives pred and loss.
    df = _frame().drop(columns="probs")
    table = SampleTable(df, dynamics=rec)
    expected = SampleTable(df.assign(dynamics=list(_full_dynamics())))
    pd.testing.assert_frame_equal(table.derived, expected.derived)
    np.testing.assert_allclose(table.derived["loss"], -np.log(GIVEN[:, -1]), rtol=1e-5)


def test_recorder_of_another_size_is_refused():
    rec = TrainingDynamics(5, [0, 1, 2], keep_full=True)
    with pytest.raises(ValueError, match=r"dynamics.*5 samples but the frame has 4 rows"):
        SampleTable(_frame(), dynamics=rec)


def test_recorder_without_epochs_is_refused():
    rec = TrainingDynamics(4, [0, 1, 2], LABELS)
    with pytest.raises(ValueError, match=r"dynamics.*no epoch recorded"):
        SampleTable(_frame(), dynamics=rec)


def test_predicted_class_never_given_becomes_an_extra_class():
    df = pd.DataFrame({"label": ["cat", "dog", "dog"], "prediction": ["cat", "fox", "dog"]})
    table = SampleTable(df)
    assert table.classes == ["cat", "dog", "fox"]
    assert table.n_label_classes == 2
    result = confusion(table.label_codes, table.pred_codes, table.classes)
    assert result.matrix.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 0]]
    assert table.derived["pred"].tolist() == ["cat", "fox", "dog"]


def test_predictions_match_label_classes_by_value_across_types():
    table = SampleTable(pd.DataFrame({"label": [True, False, True], "prediction": [1, 0, 0]}))
    assert table.classes == [False, True]
    assert table.derived["correct"].tolist() == [True, True, False]


def test_categorical_label_keeps_category_order_and_unused_categories():
    labels = pd.Categorical(["low", "high"], categories=["low", "mid", "high"])
    table = SampleTable(pd.DataFrame({"label": labels}))
    assert table.classes == ["low", "mid", "high"]
    assert table.label_codes.tolist() == [0, 2]
    assert table.labels.tolist() == ["low", "high"]


def test_mixed_type_labels_are_coded():
    table = SampleTable(pd.DataFrame({"label": [1, "a", 1, "b"]}))
    assert sorted(map(str, table.classes)) == ["1", "a", "b"]
    assert table.labels.tolist() == [1, "a", 1, "b"]


# ------------------------------------------------------------------ selection
@pytest.fixture
def table():
    df = pd.DataFrame({"label": [0, 1, 0, 1, 1]}, index=["e", "d", "c", "b", "a"])
    return SampleTable(df)


def test_selected_is_an_index_in_table_order(table):
    table.select(["a", "d", "e"])
    assert isinstance(table.selected, pd.Index)
    assert table.selected.tolist() == ["e", "d", "a"]  # the frame's order, not ours
    table.select("c")
    assert table.selected.tolist() == ["c"]


def test_add_and_subtract_modes(table):
    table.select(["e", "c"])
    table.select(["a"], mode="add")
    assert table.selected.tolist() == ["e", "c", "a"]
    table.select(["e", "b"], mode="subtract")
    assert table.selected.tolist() == ["c", "a"]
    table.clear_selection()
    assert table.selected.tolist() == []


def test_unknown_ids_raise_key_error_naming_them(table):
    table.select(["a"])
    with pytest.raises(KeyError, match=r"2 id\(s\).*'zz'.*'yy'"):
        table.select(["a", "zz", "yy"])
    assert table.selected.tolist() == ["a"]  # unchanged


def test_select_with_a_boolean_mask(table):
    table.select(table.df["label"] == 1)
    assert table.selected.tolist() == ["d", "b", "a"]
    table.select(np.array([True, False, False, False, False]))
    assert table.selected.tolist() == ["e"]


def test_change_notification_fires_once_per_change_and_never_for_a_no_op(table):
    seen = []
    table.observe(lambda change: seen.append(change["new"].tolist()), "selection")
    table.select(["a", "b"])
    assert seen == [[3, 4]]
    table.select(["b", "a"])  # same set
    table.select(["a"], mode="add")  # already in
    table.select(["e"], mode="subtract")  # not in
    assert len(seen) == 1
    table.select(["e"], mode="add")
    table.clear_selection()
    table.clear_selection()
    assert seen == [[3, 4], [0, 3, 4], []]


def test_selection_is_read_only(table):
    table.select(["a"])
    with pytest.raises(ValueError):
        table.selection[0] = 0


def test_bad_mode_is_refused(table):
    with pytest.raises(ValueError, match="mode must be"):
        table.select(["a"], mode="toggle")


def test_joined_frame_has_user_and_derived_columns_and_own_names_win():
    from nbdatalens.columns import joined_frame

    table = SampleTable(_frame(note=list("wxyz"), loss=["mine"] * 4))
    frame = joined_frame(table)
    assert frame["note"].tolist() == list("wxyz")
    assert frame["pred"].tolist() == [0, 0, 2, 1]
    assert frame["loss"].dtype.kind == "f"  # the derived loss, not the user's text
    rows = joined_frame(table, positions=np.array([2, 0]))
    assert rows.index.tolist() == [table.df.index[2], table.df.index[0]]
    assert rows["note"].tolist() == ["y", "w"]
    assert "SampleTable(4 samples; 3 classes" in repr(table)


def test_select_accepts_sets_tuples_generators_and_multiindex_ids():
    df = pd.DataFrame({"label": [0, 1, 0]}, index=["a", "b", "c"])
    table = SampleTable(df)
    table.select({"c", "a"})
    assert table.selected.tolist() == ["a", "c"]
    table.select(("b", "c"))
    assert table.selected.tolist() == ["b", "c"]
    table.select(i for i in ["a"])
    assert table.selected.tolist() == ["a"]
    mi = pd.MultiIndex.from_tuples([("x", 1), ("x", 2), ("y", 1)])
    table = SampleTable(pd.DataFrame({"label": [0, 1, 0]}, index=mi))
    table.select(("x", 2))
    assert table.selected.tolist() == [("x", 2)]
    table.select([("y", 1), ("x", 1)])
    assert table.selected.tolist() == [("x", 1), ("y", 1)]


def test_samples_without_dynamics_get_nan_metrics_and_no_region():
    """A frame of train + held-out samples: only the training rows have dynamics."""
    full = _full_dynamics()
    cells = [full[0], None, full[2], np.nan]
    table = SampleTable(_frame(dynamics=cells))
    d = table.derived
    np.testing.assert_allclose(d["confidence"].iloc[[0, 2]], [0.7, 0.1], atol=1e-6)
    assert d[["confidence", "variability", "correctness"]].iloc[[1, 3]].isna().all().all()
    assert d["region"].isna().tolist() == [False, True, False, True]
    assert d["region"].iloc[[0, 2]].tolist() == ["easy-to-learn", "hard-to-learn"]
    assert table.probs is not None  # the given probs column, not a half-missing last epoch
    as_array = GIVEN.copy()
    as_array[1] = np.nan
    d2 = SampleTable(_frame(), dynamics=as_array).derived
    assert d2["confidence"].isna().tolist() == [False, True, False, False]
    assert d2["region"].iloc[0] == "easy-to-learn"


def test_tuple_labels_are_classes_like_any_hashable():
    df = pd.DataFrame({"label": [(1, 2), (3, 4), (1, 2)], "prediction": [(1, 2), (5, 6), (3, 4)]})
    table = SampleTable(df)
    assert table.classes == [(1, 2), (3, 4), (5, 6)]
    assert table.derived["pred"].tolist() == [(1, 2), (5, 6), (3, 4)]
    assert table.derived["correct"].tolist() == [True, False, False]


def test_a_boolean_series_mask_is_aligned_by_id_and_must_cover_the_table(table):
    shuffled = (table.df["label"] == 1).iloc[::-1]  # any order: aligned by id
    table.select(shuffled)
    assert table.selected.tolist() == ["d", "b", "a"]
    # A mask of another frame (no id in common) used to select nothing, silently.
    foreign = pd.Series([True] * 5, index=range(100, 105))
    with pytest.raises(KeyError, match=r"True for 5 id\(s\) that are not in the table"):
        table.select(foreign)
    with pytest.raises(KeyError, match=r"no value for 3 of the table's 5 ids.*mask\[mask\]"):
        table.select(pd.Series([True, False], index=["a", "b"]))
    # Extra ids that are False are harmless; the selection is unchanged by the refusals.
    table.select(pd.Series([False] * 5 + [False], index=[*"edcba", "zz"]))
    assert table.selected.tolist() == []
