import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pytest

from nbdatalens.dynamics import TrainingDynamics
from nbdatalens.probability import softmax

CLASSES = ["cat", "dog", "eel"]


def _random_epochs(n=40, n_classes=3, epochs=3, seed=0):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(n_classes), size=(epochs, n)).astype(np.float32)
    labels = rng.integers(0, n_classes, n)
    return probs, labels


def test_hand_example_given_probs_and_correct():
    rec = TrainingDynamics(3, CLASSES, labels=["cat", "eel", "dog"])
    rec.record(1, np.array([[0.6, 0.3, 0.1], [0.5, 0.1, 0.4], [0.2, 0.7, 0.1]]))
    rec.record(2, np.array([[0.1, 0.1, 0.8], [0.4, 0.3, 0.3]]), ids=[1, 0])
    rec.record(2, np.array([[0.3, 0.3, 0.4]]), ids=[2])
    assert rec.epochs == (1, 2)
    np.testing.assert_allclose(rec.given_probs, [[0.6, 0.4], [0.4, 0.8], [0.7, 0.3]])
    assert rec.correct.tolist() == [[True, True], [False, True], [True, False]]
    assert rec.given_probs.dtype == np.float32
    assert rec.full_probs is None


def test_whole_epoch_equals_shuffled_mini_batches():
    probs, labels = _random_epochs(n=101, epochs=4)
    label_values = [CLASSES[c] for c in labels]
    whole = TrainingDynamics(101, CLASSES, label_values, keep_full=True)
    batched = TrainingDynamics(101, CLASSES, label_values, keep_full=True)
    unlabelled = TrainingDynamics(101, CLASSES)
    rng = np.random.default_rng(1)
    for epoch in range(4):
        whole.record(epoch, probs[epoch])
        order = rng.permutation(101)
        for batch in np.array_split(order, 7):
            batched.record(epoch, probs[epoch][batch], ids=batch)
            unlabelled.record(epoch, probs[epoch][batch], ids=batch)
    np.testing.assert_array_equal(whole.given_probs, batched.given_probs)
    np.testing.assert_array_equal(whole.correct, batched.correct)
    np.testing.assert_array_equal(whole.full_probs, batched.full_probs)
    np.testing.assert_array_equal(whole.full_probs, probs.transpose(1, 0, 2))
    p_given, correct = unlabelled.to_arrays(labels)
    np.testing.assert_array_equal(p_given, whole.given_probs)
    np.testing.assert_array_equal(correct, whole.correct)
    np.testing.assert_array_equal(whole.to_arrays(labels)[0], whole.given_probs)


def test_record_by_sample_id_with_index():
    index = pd.Index([f"s{i}" for i in range(5)])
    rec = TrainingDynamics(5, ["a", "b"], ["a", "a", "b", "b", "a"], index=index)
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.5, 0.5]])
    rec.record(0, probs[[4, 2]], ids=["s4", "s2"])
    rec.record(0, probs[[0, 1, 3]], ids=pd.Index(["s0", "s1", "s3"]))
    np.testing.assert_allclose(rec.given_probs[:, 0], [0.9, 0.8, 0.7, 0.4, 0.5])
    assert rec.correct[:, 0].tolist() == [True, True, True, False, True]
    assert rec.index.equals(index)


def test_logits_are_softmaxed():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 3.0, 1.0]])
    rec = TrainingDynamics(2, CLASSES, keep_full=True)
    rec.record(0, logits=logits)
    np.testing.assert_allclose(rec.full_probs[:, 0], softmax(logits), rtol=1e-6)


def test_epochs_may_be_one_based_with_gaps():
    rec = TrainingDynamics(2, ["a", "b"], ["a", "b"])
    for epoch in (1, 2, 5):
        rec.record(epoch, np.array([[0.7, 0.3], [0.2, 0.8]]))
    assert rec.epochs == (1, 2, 5)
    assert rec.n_epochs == 3
    assert rec.given_probs.shape == (2, 3)


def test_arrays_are_read_only_and_stack_lazily():
    probs, labels = _random_epochs(n=10, epochs=3)
    rec = TrainingDynamics(10, CLASSES, labels=[CLASSES[c] for c in labels])
    rec.record(0, probs[0])
    assert rec.given_probs.shape == (10, 1)
    rec.record(1, probs[1])
    rec.record(2, probs[2])
    arr = rec.given_probs
    assert arr.shape == (10, 3)
    with pytest.raises(ValueError, match="read-only"):
        arr[0, 0] = 1.0


def test_to_arrays_with_table_class_order():
    rec = TrainingDynamics(2, ["dog", "cat"], ["cat", "dog"])
    rec.record(0, np.array([[0.3, 0.7], [0.9, 0.1]]))
    # the table codes its classes sorted: cat=0, dog=1
    p_given, correct = rec.to_arrays(np.array([0, 1]), classes=["cat", "dog"])
    np.testing.assert_allclose(p_given[:, 0], [0.7, 0.9])
    assert correct[:, 0].tolist() == [True, True]
    with pytest.raises(ValueError, match=r"no probabilities for: \['bird'\]"):
        rec.to_arrays(np.array([2, 1]), classes=["cat", "dog", "bird"])
    with pytest.raises(ValueError, match=r"disagree .* at 2 positions.*keep_full=True"):
        rec.to_arrays(np.array([1, 0]), classes=["cat", "dog"])


def test_to_arrays_after_label_correction_with_full_probs():
    rec = TrainingDynamics(2, ["a", "b"], ["a", "a"], keep_full=True)
    rec.record(0, np.array([[0.3, 0.7], [0.9, 0.1]]))
    p_given, correct = rec.to_arrays(np.array([1, 0]))  # sample 0 relabelled to "b"
    np.testing.assert_allclose(p_given[:, 0], [0.7, 0.9])
    assert correct[:, 0].tolist() == [True, True]


@pytest.mark.parametrize(
    ("probs", "message"),
    [
        ([[0.5, 0.5]], "probs has 2 columns but there are 3 classes"),
        ([[0.5, np.nan, 0.5]], "probs contains NaN"),
        ([[2.0, -1.0, 0.0]], "negative values.*pass logits= instead"),
        ([[0.5, 0.5, 0.5]], r"rows of probs must sum to 1 \(within 0.001\)"),
    ],
)
def test_bad_probabilities(probs, message):
    rec = TrainingDynamics(3, CLASSES)
    with pytest.raises(ValueError, match=message):
        rec.record(0, np.array(probs), ids=[0])


def test_duplicate_ids_within_one_call():
    rec = TrainingDynamics(4, ["a", "b"])
    with pytest.raises(ValueError, match=r"ids repeat within one call: .*\[2\]"):
        rec.record(0, np.full((3, 2), 0.5), ids=[2, 0, 2])


def test_duplicate_ids_across_calls_of_one_epoch():
    rec = TrainingDynamics(4, ["a", "b"], index=["w", "x", "y", "z"])
    rec.record(0, np.full((2, 2), 0.5), ids=["w", "x"])
    with pytest.raises(ValueError, match=r"epoch 0: 1 samples were already recorded.*ids \['x'\]"):
        rec.record(0, np.full((2, 2), 0.5), ids=["x", "y"])


def test_incomplete_epoch_is_reported_at_next_epoch_and_on_read():
    rec = TrainingDynamics(5, ["a", "b"], ["a"] * 5)
    rec.record(3, np.full((3, 2), 0.5), ids=[0, 2, 4])
    message = r"epoch 3: 2 samples were never recorded \(e.g. positions \[1, 3\]\)"
    with pytest.raises(ValueError, match=message):
        rec.record(4, np.full((5, 2), 0.5))
    with pytest.raises(ValueError, match=message):
        rec.given_probs  # noqa: B018
    assert "epoch 3 in progress: 3/5 samples" in repr(rec)
    rec.record(3, np.full((2, 2), 0.5), ids=[1, 3])  # finishing it is still possible
    assert rec.epochs == (3,)


def test_epochs_out_of_order_and_repeated():
    rec = TrainingDynamics(2, ["a", "b"])
    rec.record(3, np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="epoch 2 recorded after epoch 3; epochs must increase"):
        rec.record(2, np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="epoch 3 is already complete"):
        rec.record(3, np.full((1, 2), 0.5), ids=[0])
    rec.record(4, np.full((1, 2), 0.5), ids=[0])
    with pytest.raises(ValueError, match="epoch 2 recorded after epoch 4"):
        rec.record(2, np.full((1, 2), 0.5), ids=[1])


def test_id_errors():
    rec = TrainingDynamics(3, ["a", "b"])
    with pytest.raises(ValueError, match="probs has 2 rows but the recorder has 3 samples"):
        rec.record(0, np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=r"ids must be row positions in \[0, 3\); 1 are not"):
        rec.record(0, np.full((2, 2), 0.5), ids=[0, 3])
    with pytest.raises(TypeError, match=r"ids must be integer row positions.*pass index="):
        rec.record(0, np.full((2, 2), 0.5), ids=["a", "b"])
    with pytest.raises(ValueError, match="one entry per probs row"):
        rec.record(0, np.full((2, 2), 0.5), ids=[0])
    named = TrainingDynamics(2, ["a", "b"], index=["p", "q"])
    with pytest.raises(
        ValueError, match=r"2 ids are not in the recorder's index \(e.g. \['r', 's'\]"
    ):
        named.record(0, np.full((2, 2), 0.5), ids=["r", "s"])


def test_call_and_constructor_errors():
    rec = TrainingDynamics(2, ["a", "b"])
    with pytest.raises(TypeError, match="exactly one of probs= or logits="):
        rec.record(0, np.full((2, 2), 0.5), logits=np.zeros((2, 2)))
    with pytest.raises(TypeError, match="epoch must be an int"):
        rec.record(1.5, np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="given_probs needs the given labels"):
        rec.given_probs  # noqa: B018
    with pytest.raises(
        ValueError, match=r"labels contain 1 values that are not in classes \(e.g. \['c'\]"
    ):
        TrainingDynamics(2, ["a", "b"], ["a", "c"])
    with pytest.raises(ValueError, match="labels has 1 entries but n_samples is 2"):
        TrainingDynamics(2, ["a", "b"], ["a"])
    with pytest.raises(ValueError, match=r"classes must be unique; repeated: \['a'\]"):
        TrainingDynamics(2, ["a", "b", "a"])
    with pytest.raises(ValueError, match=r"index must hold unique sample ids; repeated: \[7\]"):
        TrainingDynamics(2, ["a", "b"], index=[7, 7])
    with pytest.raises(ValueError, match="index has 3 ids but n_samples is 2"):
        TrainingDynamics(2, ["a", "b"], index=[1, 2, 3])


def test_memory_with_labels_is_given_prob_and_bool_only():
    n, n_epochs, n_classes = 100_000, 10, 10
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(n_classes), size=n).astype(np.float32)
    rec = TrainingDynamics(n, list(range(n_classes)), rng.integers(0, n_classes, n))
    for epoch in range(n_epochs):
        rec.record(epoch, probs)
    assert rec.full_probs is None
    assert rec.given_probs.nbytes == n * n_epochs * 4
    assert rec.correct.nbytes == n * n_epochs
    # per-epoch float32 + bool, plus the int32 label codes; no N x E x C anywhere
    assert rec.nbytes == n * n_epochs * 5 + n * 4
    assert "epochs=10 (0..9)" in repr(rec)
    assert "5.4 MB" in repr(rec)


def test_record_given_matches_record_and_mixes_with_it():
    probs = np.array([[0.6, 0.3, 0.1], [0.5, 0.1, 0.4], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]])
    labels = ["cat", "eel", "dog", "dog"]
    by_probs = TrainingDynamics(4, CLASSES, labels)
    by_probs.record(0, probs)
    by_given = TrainingDynamics(4, CLASSES, labels)
    by_given.record(0, probs[[1, 3]], ids=[1, 3])
    by_given.record_given(0, [0.6, 0.7], np.array([True, True]), ids=[0, 2])
    np.testing.assert_allclose(by_given.given_probs, by_probs.given_probs)
    np.testing.assert_array_equal(by_given.correct, by_probs.correct)
    assert by_given.correct[:, 0].tolist() == [True, False, True, False]


def test_record_given_errors():
    full = TrainingDynamics(2, ["a", "b"], ["a", "b"], keep_full=True)
    with pytest.raises(ValueError, match=r"record_given\(\) needs .*labels= and keep_full=False"):
        full.record_given(0, [0.5, 0.5], np.array([True, False]))
    with pytest.raises(ValueError, match="needs a recorder built with labels="):
        TrainingDynamics(2, ["a", "b"]).record_given(0, [0.5, 0.5], np.array([True, False]))
    rec = TrainingDynamics(2, ["a", "b"], ["a", "b"])
    with pytest.raises(ValueError, match=r"in \[0, 1\]; 2 are not \(e.g. rows \[0, 1\]"):
        rec.record_given(0, [1.5, np.nan], np.array([True, False]))
    with pytest.raises(TypeError, match="correct must hold bools, got dtype int64"):
        rec.record_given(0, [0.5, 0.5], np.array([1, 0]))
    with pytest.raises(ValueError, match=r"equal lengths, got shapes \(2,\) and \(1,\)"):
        rec.record_given(0, [0.5, 0.5], np.array([True]))
    rec.record_given(0, [0.5], np.array([True]), ids=[1])
    with pytest.raises(ValueError, match="epoch 0: 1 samples were already recorded"):
        rec.record_given(0, [0.5], np.array([True]), ids=[1])


def test_positions_checks_ids_like_record():
    rec = TrainingDynamics(3, ["a", "b"], index=["x", "y", "z"])
    assert rec.positions(["z", "x"]).tolist() == [2, 0]
    with pytest.raises(ValueError, match=r"ids repeat within one call: .*ids \['y'\]"):
        rec.positions(["y", "y"])
    with pytest.raises(ValueError, match=r"1 ids are not in the recorder's index \(e.g. \['w'\]"):
        rec.positions(["w"])
    with pytest.raises(ValueError, match=r"ids must be 1-D, got shape \(\)"):
        rec.positions("x")


def test_label_codes_and_storage_properties():
    rec = TrainingDynamics(3, ["b", "a"], ["a", "b", "a"])
    assert rec.label_codes.tolist() == [1, 0, 1]
    assert rec.label_codes.dtype == np.int32
    assert not rec.label_codes.flags.writeable
    assert not rec.keeps_full
    assert TrainingDynamics(3, ["a", "b"]).label_codes is None
    assert TrainingDynamics(3, ["a", "b"]).keeps_full
    assert TrainingDynamics(3, ["a", "b"], ["a"] * 3, keep_full=True).keeps_full


def test_memory_of_full_probabilities_and_open_epoch():
    n, n_classes = 1000, 4
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(n_classes), size=n).astype(np.float32)
    labels = rng.integers(0, n_classes, n)
    rec = TrainingDynamics(n, list(range(n_classes)), labels, keep_full=True)
    rec.record(0, probs)
    rec.record(1, probs)
    # given float32 + correct bool + full float32 per class, per epoch; int32 label codes
    assert rec.nbytes == n * 2 * (4 + 1 + 4 * n_classes) + n * 4
    rec.record(2, probs[:10], ids=np.arange(10))
    # an open epoch holds its own N-row buffers (seen, given, correct, full) until complete
    assert rec.nbytes == n * 2 * (5 + 4 * n_classes) + n * 4 + n * (1 + 4 + 1 + 4 * n_classes)
    unlabelled = TrainingDynamics(n, list(range(n_classes)))
    unlabelled.record(0, probs)
    assert unlabelled.nbytes == n * 4 * n_classes
