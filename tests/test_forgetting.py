"""Learning history over epochs: forgetting events, learned epoch, flips, per-epoch confusion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens, TrainingDynamics
from nbdatalens.columns import joined_frame
from nbdatalens.confusion import (
    epoch_cell_positions,
    epoch_confusion_matrix,
    recall_over_epochs,
)
from nbdatalens.dynamics import pred_dtype, unknown_pred
from nbdatalens.forgetting import argmax_codes, flips, forgetting, learned_epoch, to_table_codes
from nbdatalens.table import SampleTable
from nbdatalens.views.epoch_requests import EpochRequests

T, F = True, False
# Hand-computed: forgetting = #(T then F); learned = first epoch of the final all-T run.
SEQUENCES = [
    # correct per epoch          forgetting  learned
    ([T, T, T, T], 0, 0),
    ([F, F, F, F], 0, np.nan),
    ([F, T, T, T], 0, 1),
    ([T, F, T, T], 1, 2),
    ([T, F, T, F], 2, np.nan),
    ([F, T, F, T], 1, 3),
    ([T, T, T, F], 1, np.nan),
]


def test_forgetting_and_learned_epoch_against_hand_computed_sequences():
    correct = np.array([s for s, _, _ in SEQUENCES])
    np.testing.assert_array_equal(forgetting(correct), [f for _, f, _ in SEQUENCES])
    np.testing.assert_array_equal(learned_epoch(correct), [e for _, _, e in SEQUENCES])
    assert forgetting(correct).dtype == np.float32


def test_one_epoch_and_missing_rows():
    one = np.array([[T], [F]])
    assert forgetting(one).tolist() == [0, 0]
    np.testing.assert_array_equal(learned_epoch(one), [0, np.nan])
    valid = np.array([True, False])
    np.testing.assert_array_equal(forgetting(one, valid), [0, np.nan])
    with pytest.raises(TypeError, match="bool"):
        forgetting(np.array([[1, 0]]))


def test_flips_against_hand_computed_sequences():
    preds = np.array([[3, 3, 3, 3], [3, 8, 8, 3], [1, 2, 1, 2], [0, 0, 5, 5]], dtype=np.uint8)
    assert flips(preds).tolist() == [0, 2, 3, 1]
    # A pair with an unknown code is not a flip; a row of unknowns is NaN.
    unk = unknown_pred(np.uint8)
    gaps = np.array([[1, unk, 2, 2], [unk, unk, unk, unk]], dtype=np.uint8)
    np.testing.assert_array_equal(flips(gaps), [0, np.nan])


def test_pred_dtype_is_the_smallest_unsigned_int_with_room_for_unknown():
    assert pred_dtype(10) == np.uint8 and pred_dtype(254) == np.uint8
    assert pred_dtype(255) == np.uint16 and pred_dtype(70_000) == np.uint32


def test_argmax_codes_and_recoding_into_table_order():
    probs = np.array([[[0.1, 0.9], [0.5, 0.5]], [[0.7, 0.3], [0.2, 0.8]]], dtype=np.float32)
    codes = argmax_codes(probs)
    assert codes.dtype == np.uint8 and codes.tolist() == [[1, 0], [0, 1]]
    assert argmax_codes(probs, valid=np.array([True, False]))[1].tolist() == [255, 255]
    # Recorder classes ["b", "a"] into the table's ["a", "b", "c"].
    np.testing.assert_array_equal(
        to_table_codes(codes, ["b", "a"], ["a", "b", "c"]), [[0, 1], [1, 0]]
    )
    assert to_table_codes(codes, ["b", "z"], ["a", "b"]) is None


# -------------------------------------------------------------------- recorder
def test_recorder_keeps_the_predicted_class_per_epoch():
    rec = TrainingDynamics(3, classes=["cat", "dog", "eel"], labels=["cat", "dog", "dog"])
    rec.record(0, np.array([[0.9, 0.1, 0], [0.4, 0.1, 0.5], [0.2, 0.7, 0.1]]))
    rec.record(1, np.array([[0.2, 0.8, 0], [0.3, 0.7, 0], [0.1, 0.1, 0.8]]))
    assert rec.epoch_preds.dtype == np.uint8
    assert rec.epoch_preds.tolist() == [[0, 1], [2, 1], [1, 2]]
    assert rec.correct.tolist() == [[T, F], [F, T], [T, F]]
    assert rec.nbytes == 3 * 2 * 5 + 3 * 4  # float32 given + uint8 class per sample-epoch


def test_record_given_with_and_without_pred():
    rec = TrainingDynamics(3, classes=[0, 1, 2], labels=[0, 1, 2])
    rec.record_given(0, [0.9, 0.2, 0.3], np.array([T, F, F]), pred=[0, 2, 0])
    assert rec.epoch_preds.tolist() == [[0], [2], [0]]
    with pytest.raises(ValueError, match="pred and correct disagree"):
        rec.record_given(1, [0.9, 0.2, 0.3], np.array([T, T, F]), pred=[0, 2, 0])
    rec.record_given(1, [0.9, 0.2, 0.3], np.array([T, F, T]))  # a wrong class is unknown
    assert rec.epoch_preds is None
    assert rec.correct.tolist() == [[T, T], [F, F], [F, T]]


def test_unlabelled_recorder_reads_predictions_from_full_probs():
    rec = TrainingDynamics(2, classes=["a", "b"])
    rec.record(0, np.array([[0.3, 0.7], [0.6, 0.4]]))
    assert rec.epoch_preds.tolist() == [[1], [0]]


# ------------------------------------------------------------------- the table
def _noisy_frame(n=300, epochs=5, n_classes=4, seed=0):
    rng = np.random.default_rng(seed)
    label = rng.integers(0, n_classes, n)
    logits = rng.normal(size=(n, epochs, n_classes))
    logits[np.arange(n), :, label] += np.linspace(-1, 3, epochs)  # learned over epochs
    probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    df = pd.DataFrame({"label": label, "dynamics": list(probs.astype(np.float32))})
    df.index = [f"s{i}" for i in range(n)]
    return df, probs


def test_table_derives_the_learning_columns_from_nxexc_arrays():
    df, probs = _noisy_frame()
    table = SampleTable(df)
    argmax = probs.argmax(axis=2)
    correct = argmax == df["label"].to_numpy()[:, None]
    np.testing.assert_array_equal(table.epoch_pred, argmax)
    d = table.derived
    np.testing.assert_array_equal(d["forgetting"], forgetting(correct))
    np.testing.assert_array_equal(d["learned_epoch"], learned_epoch(correct))
    np.testing.assert_array_equal(d["flips"], (argmax[:, 1:] != argmax[:, :-1]).sum(axis=1))
    assert "forgetting" in joined_frame(table).columns


def test_nxe_dynamics_have_forgetting_but_no_flips():
    df, probs = _noisy_frame()
    given = probs[np.arange(len(df)), :, df["label"].to_numpy()]
    table = SampleTable(df.assign(dynamics=list(given)), probs=list(probs[:, -1]))
    assert table.epoch_pred is None
    assert table.derived["flips"].isna().all()
    assert table.derived["forgetting"].notna().all()


def test_samples_without_dynamics_get_nan():
    df, probs = _noisy_frame(n=20)
    cells = list(probs.astype(np.float32))
    cells[3] = None
    table = SampleTable(df.assign(dynamics=cells), probs=list(probs[:, -1]))
    row = table.derived.iloc[3]
    assert np.isnan([row["forgetting"], row["learned_epoch"], row["flips"]]).all()
    assert table.epoch_pred[3].tolist() == [255] * 5


def test_confusion_at_each_epoch_equals_an_independent_crosstab():
    df, probs = _noisy_frame()
    table = SampleTable(df)
    c = len(table.classes)
    for e in range(probs.shape[1]):
        expected = pd.crosstab(df["label"], probs[:, e].argmax(axis=1)).reindex(
            index=range(c), columns=range(c), fill_value=0
        )
        got = epoch_confusion_matrix(table.label_codes, table.epoch_pred, e, c)
        np.testing.assert_array_equal(got, expected.to_numpy())
    cell = epoch_cell_positions(table.label_codes, table.epoch_pred, 0, 1, 2)
    expected_ids = df.index[(df["label"] == 1) & (probs[:, 0].argmax(axis=1) == 2)]
    assert table.ids(cell).tolist() == expected_ids.tolist()


def test_recall_over_epochs():
    labels = np.array([0, 0, 1, 1])
    preds = np.array([[1, 0], [1, 0], [1, 1], [0, 1]], dtype=np.uint8)
    np.testing.assert_array_equal(
        recall_over_epochs(labels, preds, 3), [[0, 0.5, np.nan], [1, 1, np.nan]]
    )


def test_lens_confusion_matrix_at_an_epoch():
    df, probs = _noisy_frame()
    lens = DataLens(df, projection="pca")
    cm = lens.confusion_matrix(epoch=0)
    assert cm.n_epochs == 5 and cm.epochs_note == ""
    expected = pd.crosstab(df["label"], probs[:, 0].argmax(axis=1)).to_numpy()
    np.testing.assert_array_equal(cm.matrix.to_numpy(), expected)
    assert len(cm.epoch_recall) == 5 and len(cm.epoch_recall[0]) == 4
    cm.epoch = -1
    assert cm.epoch == 4
    cm.epoch = None  # the final predictions
    np.testing.assert_array_equal(cm.matrix.to_numpy().sum(), len(df))
    with pytest.raises(ValueError, match="epoch must be in"):
        cm.epoch = 5


def test_no_slider_without_per_epoch_predictions_and_says_why():
    df = pd.DataFrame({"label": ["a", "b"], "prediction": ["a", "a"]})
    cm = DataLens(df, projection="pca").confusion_matrix()
    assert cm.n_epochs == 0 and "no training dynamics" in cm.epochs_note
    with pytest.raises(ValueError, match="no training dynamics"):
        cm.epoch = 0


def test_recorder_only_table_gets_final_predictions_and_the_slider():
    labels = np.array([0, 1, 1, 0])
    rec = TrainingDynamics(4, classes=[0, 1], labels=labels)
    rec.record(0, np.array([[0.4, 0.6], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1]]))
    rec.record(1, np.array([[0.8, 0.2], [0.3, 0.7], [0.2, 0.8], [0.9, 0.1]]))
    lens = DataLens(pd.DataFrame({"label": labels}), dynamics=rec, projection="pca")
    assert lens.derived["pred"].tolist() == [0, 1, 1, 0]
    assert lens.derived["learned_epoch"].tolist() == [1, 0, 1, 0]
    assert lens.confusion_matrix(epoch=0).matrix.to_numpy().tolist() == [[1, 1], [1, 1]]
    assert "forgetting" in lens.model.column_names


def test_epoch_messages_send_one_column_and_one_history():
    df, probs = _noisy_frame(n=50)
    handlers = EpochRequests(SampleTable(df)).handlers()
    reply, buffers = handlers["epoch_pred"]({"type": "epoch_pred", "epoch": 2})
    assert reply == {"type": "epoch_pred", "epoch": 2, "dtype": "uint8", "shape": [50]}
    np.testing.assert_array_equal(np.frombuffer(buffers[0], np.uint8), probs[:, 2].argmax(axis=1))
    reply, _ = handlers["history"]({"type": "history", "pos": 7})
    assert reply["pred"] == probs[7].argmax(axis=1).tolist()
    np.testing.assert_allclose(reply["given"], probs[7, :, df["label"].iat[7]], atol=1e-4)
    with pytest.raises(ValueError, match=r"epoch must be in \[0, "):
        handlers["epoch_pred"]({"type": "epoch_pred", "epoch": 9})


def test_epoch_messages_are_answered_through_the_table_models_dispatcher():
    df, _ = _noisy_frame(n=20)
    model = DataLens(df, projection="pca").model
    sent = []
    model.send = lambda content, buffers=None: sent.append(content)
    model._dispatch(model, {"type": "epoch_pred", "epoch": 99, "request_id": "r9"}, [])
    assert sent[-1]["type"] == "error" and sent[-1]["request_id"] == "r9"


def test_export_carries_the_learning_columns(tmp_path):
    df, _ = _noisy_frame(n=30)
    lens = DataLens(df, projection="pca")
    path = lens.export(tmp_path / "rows.csv", ids=lens.df.index[:5])
    out = pd.read_csv(path, index_col=0)
    for name in ("forgetting", "learned_epoch", "flips"):
        np.testing.assert_allclose(out[name], lens.derived[name].iloc[:5], equal_nan=True)


def test_recorder_with_ids_in_another_order_and_class_order():
    df = pd.DataFrame({"label": ["a", "b", "c"]}, index=["x", "y", "z"])
    # The recorder lists the samples backwards and its classes as c, b, a.
    rec = TrainingDynamics(
        3, classes=["c", "b", "a"], labels=["c", "b", "a"], index=["z", "y", "x"]
    )
    rec.record(
        0, np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]), ids=["z", "y", "x"]
    )
    rec.record(
        1, np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]), ids=["z", "y", "x"]
    )
    table = SampleTable(df, dynamics=rec)
    # Frame order x, y, z; table classes a, b, c.  x: a, a; y: b, b; z: b then c.
    assert table.epoch_pred.tolist() == [[0, 0], [1, 1], [1, 2]]
    assert table.derived["learned_epoch"].tolist() == [0, 0, 1]
    assert table.derived["flips"].tolist() == [0, 0, 1]
