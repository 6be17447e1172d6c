import numpy as np
import pandas as pd
import pytest

from nbdatalens.cartography import (
    AMBIGUOUS,
    DEFAULT_THRESHOLDS,
    EASY_TO_LEARN,
    HARD_TO_LEARN,
    REGIONS,
    UNKNOWN_REGION,
    CartographyMetrics,
    assign_regions,
    estimated_correct,
    training_dynamics_from_probs,
    training_dynamics_metrics,
)

# 3 samples x 4 epochs x 3 classes; given labels 0, 1, 2.
PROBS = np.array(
    [
        [[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.9, 0.1, 0.0], [1.0, 0.0, 0.0]],
        [[0.8, 0.2, 0.0], [0.1, 0.8, 0.1], [0.5, 0.2, 0.3], [0.2, 0.8, 0.0]],
        [[0.3, 0.3, 0.4], [0.4, 0.4, 0.2], [0.3, 0.3, 0.4], [0.8, 0.0, 0.2]],
    ]
)
LABELS = np.array([0, 1, 2])
P_GIVEN = np.array(
    [
        [0.9, 0.8, 0.9, 1.0],
        [0.2, 0.8, 0.2, 0.8],
        [0.4, 0.2, 0.4, 0.2],
    ]
)
# Worked by hand:
# confidence  = [3.6/4, 2.0/4, 1.2/4] = [0.9, 0.5, 0.3]
# variability = sqrt(mean of squared deviations):
#   [sqrt((0 + .01 + 0 + .01)/4), sqrt(4 * .09/4), sqrt(4 * .01/4)]
#   = [0.0707107, 0.3, 0.1]
# correctness = argmax hits / 4 = [4/4, 2/4, 2/4]  (sample 2 is right at p = 0.4)
CONFIDENCE = [0.9, 0.5, 0.3]
VARIABILITY = [0.0707107, 0.3, 0.1]
CORRECTNESS = [1.0, 0.5, 0.5]


def test_metrics_from_full_probabilities_hand_computed():
    m = training_dynamics_from_probs(PROBS, LABELS)
    assert isinstance(m, CartographyMetrics)
    for arr in (m.confidence, m.variability, m.correctness):
        assert arr.dtype == np.float32
    np.testing.assert_allclose(m.confidence, CONFIDENCE, rtol=1e-6)
    np.testing.assert_allclose(m.variability, VARIABILITY, rtol=1e-6)
    np.testing.assert_allclose(m.correctness, CORRECTNESS)


def test_metrics_from_given_probabilities_and_correctness():
    correct = PROBS.argmax(axis=2) == LABELS[:, None]
    m = training_dynamics_metrics(P_GIVEN, correct)
    np.testing.assert_allclose(m.confidence, CONFIDENCE, rtol=1e-6)
    np.testing.assert_allclose(m["variability"], VARIABILITY, rtol=1e-6)
    np.testing.assert_allclose(m.as_dict()["correctness"], CORRECTNESS)


def test_variability_is_population_std():
    m = training_dynamics_metrics(np.array([[0.0, 1.0]]))
    assert m.variability[0] == pytest.approx(0.5)  # ddof=1 would give 0.707


def test_estimated_correctness_is_lower_bound_without_argmax():
    # sample 2 is the argmax at p = 0.4, which p > 0.5 cannot see
    m = training_dynamics_metrics(P_GIVEN)
    np.testing.assert_allclose(m.correctness, [1.0, 0.5, 0.0])
    assert estimated_correct(np.array([0.5, 0.51])).tolist() == [False, True]


def test_nan_row_gives_nan_metrics_and_unknown_region():
    p = np.array([[0.9, 0.9], [np.nan, np.nan]])
    m = training_dynamics_metrics(p, np.array([[True, True], [False, False]]))
    assert m.confidence[0] == pytest.approx(0.9)
    assert np.isnan([m.confidence[1], m.variability[1], m.correctness[1]]).all()
    assert assign_regions(m.confidence, m.variability).tolist() == [EASY_TO_LEARN, UNKNOWN_REGION]


def test_to_frame_keeps_index():
    m = training_dynamics_from_probs(PROBS, LABELS)
    frame = m.to_frame(pd.Index(["x", "y", "z"]))
    assert list(frame.columns) == ["confidence", "variability", "correctness"]
    assert frame.loc["y", "variability"] == pytest.approx(0.3)


def test_metric_input_errors():
    with pytest.raises(ValueError, match=r"p_given must be shaped \(N, E\)"):
        training_dynamics_metrics(np.ones(3))
    with pytest.raises(ValueError, match="no epochs"):
        training_dynamics_metrics(np.ones((3, 0)))
    with pytest.raises(
        ValueError, match=r"probabilities in \[0, 1\]; 1 rows are not \(e.g. rows \[1\]"
    ):
        training_dynamics_metrics(np.array([[0.5, 0.5], [1.5, 0.5]]))
    with pytest.raises(ValueError, match=r"correct must have the shape of p_given \(1, 2\)"):
        training_dynamics_metrics(np.array([[0.5, 0.5]]), np.array([True, True]))
    with pytest.raises(TypeError, match="correct must be a bool array"):
        training_dynamics_metrics(np.array([[0.5, 0.5]]), np.array([[1, 0]]))
    with pytest.raises(ValueError, match=r"probs must be shaped \(N, E, C\)"):
        training_dynamics_from_probs(P_GIVEN, LABELS)


def test_regions_of_hand_example():
    m = training_dynamics_from_probs(PROBS, LABELS)
    regions = assign_regions(m.confidence, m.variability)
    assert regions.dtype == np.uint8
    assert [REGIONS[r] for r in regions] == ["easy-to-learn", "ambiguous", "hard-to-learn"]


def test_regions_at_and_around_default_thresholds():
    assert DEFAULT_THRESHOLDS == {"ambiguous_variability": 0.2, "easy_confidence": 0.5}
    confidence = np.array([0.9, 0.9, 0.5, 0.4999, 0.1, 0.5])
    variability = np.array([0.2, 0.1999, 0.0, 0.0, 0.45, 0.19])
    regions = assign_regions(confidence, variability)
    assert regions.tolist() == [
        AMBIGUOUS,  # variability exactly at the threshold is ambiguous
        EASY_TO_LEARN,
        EASY_TO_LEARN,  # confidence exactly at the threshold is easy
        HARD_TO_LEARN,
        AMBIGUOUS,  # high variability wins over low confidence
        EASY_TO_LEARN,
    ]


def test_regions_with_custom_thresholds():
    confidence = np.array([0.6, 0.6, 0.8])
    variability = np.array([0.05, 0.15, 0.05])
    # only one key given: the other keeps its default
    assert assign_regions(confidence, variability, {"easy_confidence": 0.7}).tolist() == [
        HARD_TO_LEARN,
        HARD_TO_LEARN,
        EASY_TO_LEARN,
    ]
    assert assign_regions(confidence, variability, {"ambiguous_variability": 0.1}).tolist() == [
        EASY_TO_LEARN,
        AMBIGUOUS,
        EASY_TO_LEARN,
    ]


def test_region_threshold_errors():
    conf, var = np.array([0.5]), np.array([0.1])
    with pytest.raises(ValueError, match=r"unknown thresholds \['easy'\]"):
        assign_regions(conf, var, {"easy": 0.5})
    with pytest.raises(ValueError, match=r"ambiguous_variability'\] must be in \(0, 0.5\]"):
        assign_regions(conf, var, {"ambiguous_variability": 0.7})
    with pytest.raises(ValueError, match=r"easy_confidence'\] must be in \[0, 1\]"):
        assign_regions(conf, var, {"easy_confidence": -0.1})
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        assign_regions(conf, np.array([0.1, 0.2]))
