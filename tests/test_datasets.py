import numpy as np
import pandas as pd
import pytest

from nbdatalens.datasets import load_digits_demo


@pytest.fixture(scope="module")
def demo():
    return load_digits_demo()


def test_columns_shapes_and_dtypes(demo):
    assert list(demo.columns) == [
        "label",
        "true_label",
        "is_noisy",
        "prediction",
        "probs",
        "dynamics",
        "embedding",
        "image",
    ]
    assert demo.index.name == "sample_id"
    assert demo.index.equals(pd.RangeIndex(1797, name="sample_id"))
    assert demo["label"].dtype == np.int64 and demo["is_noisy"].dtype == bool
    first = demo.iloc[0]
    assert first["probs"].shape == (10,) and first["probs"].dtype == np.float32
    assert first["dynamics"].shape == (12, 10) and first["dynamics"].dtype == np.float32
    assert first["embedding"].shape == (64,) and first["embedding"].dtype == np.float32
    assert first["image"].shape == (8, 8) and first["image"].dtype == np.uint8


def test_noise_flips_exactly_the_requested_fraction_to_other_classes(demo):
    noisy = demo["is_noisy"].to_numpy()
    assert noisy.sum() == round(0.1 * 1797)
    assert np.array_equal(noisy, (demo["label"] != demo["true_label"]).to_numpy())
    assert demo["label"].between(0, 9).all()
    assert load_digits_demo(noise=0.0)["is_noisy"].sum() == 0


def test_images_are_the_sklearn_digits_scaled_to_255(demo):
    from sklearn.datasets import load_digits

    digits = load_digits()
    assert np.array_equal(np.stack(demo["image"]), np.rint(digits.images * 255 / 16))
    assert np.array_equal(demo["true_label"], digits.target)


def test_probabilities_are_consistent(demo):
    dynamics = np.stack(demo["dynamics"])
    probs = np.stack(demo["probs"])
    assert np.allclose(dynamics.sum(axis=2), 1, atol=1e-5)
    assert np.array_equal(probs, dynamics[:, -1])
    assert np.array_equal(demo["prediction"], probs.argmax(axis=1))


def test_model_learns_clean_samples_and_not_the_flipped_ones(demo):
    noisy = demo["is_noisy"].to_numpy()
    pred, label, true = (demo[c].to_numpy() for c in ("prediction", "label", "true_label"))
    assert (pred[~noisy] == true[~noisy]).mean() > 0.95
    assert (pred[noisy] != label[noisy]).mean() > 0.9
    dynamics = np.stack(demo["dynamics"])
    given_conf = dynamics[np.arange(len(label)), :, label].mean(axis=1)
    # The planted errors sit in the hard-to-learn corner of the data map.
    assert given_conf[noisy].mean() < 0.15 < 0.5 < given_conf[~noisy].mean()


def test_embedding_is_the_nonnegative_hidden_layer(demo):
    emb = np.stack(demo["embedding"])
    assert emb.min() == 0 and emb.max() > 0
    # Samples of one class lie closer to their class centre than to others'.
    true = demo["true_label"].to_numpy()
    centres = np.stack([emb[true == c].mean(axis=0) for c in range(10)])
    nearest = np.linalg.norm(emb[:, None] - centres[None], axis=2).argmin(axis=1)
    assert (nearest == true).mean() > 0.9


def test_same_seed_same_frame_other_seed_other_noise(demo):
    pd.testing.assert_frame_equal(demo, load_digits_demo(cache=False))
    other = load_digits_demo(seed=1)
    assert not np.array_equal(other["is_noisy"], demo["is_noisy"])


def test_editing_a_returned_frame_does_not_change_the_next_one():
    reference = load_digits_demo()
    edited = load_digits_demo()
    edited.loc[0, "label"] = (edited.loc[0, "label"] + 1) % 10
    edited["image"].iloc[0][:] = 0
    edited["probs"].iloc[1][:] = 0
    pd.testing.assert_frame_equal(load_digits_demo(), reference)
    assert reference["image"].iloc[0].max() > 0


def test_epochs_set_the_dynamics_length():
    assert load_digits_demo(epochs=3)["dynamics"].iloc[0].shape == (3, 10)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"noise": 1.0}, ValueError, r"noise must be a fraction in \[0, 1\), got 1.0"),
        ({"noise": -0.1}, ValueError, "noise must be a fraction"),
        ({"noise": "lots"}, ValueError, "noise must be a fraction"),
        ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        ({"seed": 1.5}, TypeError, "seed must be an integer, got float"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_demo(**kwargs)
