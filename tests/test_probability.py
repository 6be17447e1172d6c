import numpy as np
import pytest

from nbdatalens.probability import (
    argmax_predictions,
    as_class_codes,
    check_probabilities,
    cross_entropy_loss,
    given_label_probability,
    margin,
    softmax,
)

PROBS = np.array(
    [
        [0.2, 0.5, 0.3],
        [0.7, 0.1, 0.2],
        [0.5, 0.5, 0.0],
        [0.1, 0.1, 0.8],
    ]
)
LABELS = np.array([0, 0, 0, 1])


def test_softmax_hand_example_and_overflow_safety():
    expected = [[0.25, 0.75], [0.25, 0.75]]
    logits = np.array([[0.0, np.log(3.0)], [1000.0, 1000.0 + np.log(3.0)]])
    np.testing.assert_allclose(softmax(logits), expected, rtol=1e-12)
    assert softmax(logits.astype(np.float32)).dtype == np.float32


def test_softmax_along_other_axis():
    out = softmax(np.array([[0.0, 0.0], [np.log(3.0), 0.0]]), axis=0)
    np.testing.assert_allclose(out, [[0.25, 0.5], [0.75, 0.5]])


def test_softmax_rejects_nan():
    with pytest.raises(ValueError, match="logits contain NaN"):
        softmax(np.array([[0.0, np.nan]]))


def test_argmax_predictions_2d_and_per_epoch():
    assert argmax_predictions(PROBS).tolist() == [1, 0, 0, 2]  # tie -> lowest code
    per_epoch = np.stack([PROBS, PROBS[:, ::-1]], axis=1)  # (N, 2, C)
    assert argmax_predictions(per_epoch).tolist() == [[1, 1], [0, 2], [0, 1], [2, 0]]


def test_given_label_probability_2d_and_3d():
    assert given_label_probability(PROBS, LABELS).tolist() == [0.2, 0.7, 0.5, 0.1]
    per_epoch = np.stack([PROBS, PROBS[:, ::-1]], axis=1)
    assert given_label_probability(per_epoch, LABELS).tolist() == [
        [0.2, 0.3],
        [0.7, 0.2],
        [0.5, 0.0],
        [0.1, 0.1],
    ]


def test_cross_entropy_loss_hand_computed():
    loss = cross_entropy_loss(PROBS, LABELS)
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss, [-np.log(0.2), -np.log(0.7), -np.log(0.5), -np.log(0.1)])


def test_cross_entropy_loss_clips_zero_probability():
    loss = cross_entropy_loss(np.array([[1.0, 0.0]]), np.array([1]))
    np.testing.assert_allclose(loss, [-np.log(1e-12)], rtol=1e-6)
    assert np.isfinite(loss).all()


def test_margin_hand_computed_with_tie():
    # 0.2 - 0.5; 0.7 - 0.2; tie at the top -> 0; 0.1 - 0.8
    np.testing.assert_allclose(margin(PROBS, LABELS), [-0.3, 0.5, 0.0, -0.7], atol=1e-7)
    assert margin(PROBS, LABELS).dtype == np.float32


def test_margin_per_epoch_and_single_class():
    per_epoch = np.stack([PROBS, PROBS[:, ::-1]], axis=1)
    # second epoch rows reversed: [0.3,0.5,0.2], [0.2,0.1,0.7], [0,0.5,0.5], [0.8,0.1,0.1]
    expected = [[-0.3, -0.2], [0.5, -0.5], [0.0, -0.5], [-0.7, -0.7]]
    np.testing.assert_allclose(margin(per_epoch, LABELS), expected, atol=1e-7)
    assert margin(np.ones((2, 1)), np.array([0, 0])).tolist() == [1.0, 1.0]


def test_label_codes_are_checked():
    with pytest.raises(ValueError, match=r"label_codes must be class codes in \[0, 3\).*\[3\]"):
        margin(PROBS, np.array([0, 0, 3, 1]))
    with pytest.raises(ValueError, match="label_codes has 2 entries, expected 4"):
        cross_entropy_loss(PROBS, np.array([0, 1]))
    with pytest.raises(TypeError, match="label_codes must hold integer class codes"):
        given_label_probability(PROBS, np.array([0.0, 1.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match=r"probs must be shaped \(N, C\) or \(N, E, C\)"):
        margin(np.ones(3), np.array([0]))


def test_as_class_codes_accepts_unsigned():
    assert as_class_codes(np.array([2, 0], dtype=np.uint8), 3).dtype == np.int64


def test_check_probabilities_accepts_float32_rounding():
    probs = np.full((4, 3), 1 / 3, dtype=np.float32)
    assert check_probabilities(probs) is not None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([[0.5, np.nan]], "probs contains NaN or infinite values in 1 rows"),
        ([[1.5, -0.5]], "negative values.*look like logits"),
        ([[2.0, 3.0]], r"must sum to 1 \(within 0.001\).*row 0 sums to 5.*look like logits"),
        ([[0.5, 0.4], [0.5, 0.5]], r"1 rows do not \(e.g. row 0 sums to 0.9\)\.$"),
    ],
)
def test_check_probabilities_errors(values, message):
    with pytest.raises(ValueError, match=message):
        check_probabilities(np.array(values))


def test_check_probabilities_shape_errors():
    with pytest.raises(ValueError, match="probs has 2 columns but there are 3 classes"):
        check_probabilities(np.array([[0.5, 0.5]]), n_classes=3)
    with pytest.raises(ValueError, match=r"must be shaped \(N, C\), got shape \(1, 1, 2\)"):
        check_probabilities(np.array([[[0.5, 0.5]]]), ndim=2)
