"""The ``label`` check on small hand-made data with planted flips."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from nbdatalens.issues.labels import estimate_num_label_errors, label_issues

N_CLASSES = 3
PER_CLASS = 60
EPOCHS = 6


def cosine_knn(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine neighbours, self excluded (the shared kNN index stands in here)."""
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    idx = np.argsort(-sim, axis=1)[:, :k]
    return idx, np.take_along_axis(sim, idx, axis=1)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def make_data(n_flips: int = 9, seed: int = 0) -> dict[str, np.ndarray]:
    """Three blobs in directions 120 degrees apart; a model that learned the true classes."""
    rng = np.random.default_rng(seed)
    true = np.repeat(np.arange(N_CLASSES), PER_CLASS)
    angles = 2 * np.pi * np.arange(N_CLASSES) / N_CLASSES
    centres = 5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    x = centres[true] + rng.normal(scale=0.8, size=(true.size, 2))
    labels = true.copy()
    flipped = rng.choice(true.size, size=n_flips, replace=False)
    labels[flipped] = (true[flipped] + rng.integers(1, N_CLASSES, size=n_flips)) % N_CLASSES
    logits = -((x[:, None, :] - centres[None]) ** 2).sum(axis=2) / 4
    probs = softmax(logits)
    # Per epoch the model grows surer of what it sees (the true class), a little noisily.
    scale = np.linspace(0.2, 1.0, EPOCHS)[None, :, None]
    noise = rng.normal(scale=0.3, size=(true.size, EPOCHS, N_CLASSES))
    dynamics = softmax(logits[:, None, :] * scale + noise)
    idx, sim = cosine_knn(x, 8)
    return {
        "x": x,
        "true": true,
        "labels": labels,
        "flipped": np.isin(np.arange(true.size), flipped),
        "probs": probs,
        "dynamics": dynamics,
        "nn_idx": idx,
        "nn_sim": sim,
    }


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return make_data()


def all_signals(d: dict[str, np.ndarray], labels: np.ndarray | None = None):
    labels = d["labels"] if labels is None else labels
    return label_issues(
        labels,
        d["probs"],
        dynamics_given=d["dynamics"],
        neighbor_indices=d["nn_idx"],
        neighbor_similarity=d["nn_sim"],
        n_classes=N_CLASSES,
    )


def top_k(score: np.ndarray, k: int) -> set[int]:
    return set(np.argsort(score, kind="stable")[:k].tolist())


def test_planted_flips_rank_first_and_are_flagged(data):
    result = all_signals(data)
    flips = set(np.flatnonzero(data["flipped"]).tolist())
    assert result.issue_type == "label"
    assert top_k(result.score, len(flips)) == flips
    assert set(result.ranked().tolist()) >= flips
    assert result.num_issues <= len(flips) + 2
    assert set(result.params["sources"]) == {"probs", "dynamics", "neighbors"}


def test_scores_in_unit_interval_lower_is_worse(data):
    result = all_signals(data)
    assert result.score.dtype == np.float64 and result.score.shape == (len(data["labels"]),)
    assert ((result.score >= 0) & (result.score <= 1)).all()
    assert result.score[data["flipped"]].max() < 0.5 < result.score[~data["flipped"]].mean()


def test_suggested_label_recovers_true_class_of_flips(data):
    suggested = all_signals(data).extras["suggested_label"]
    assert suggested.dtype == np.int64
    np.testing.assert_array_equal(suggested[data["flipped"]], data["true"][data["flipped"]])


def test_clean_data_flags_almost_nothing(data):
    result = all_signals(data, labels=data["true"])
    assert result.num_issues <= 0.02 * len(data["true"])
    assert result.params["estimated_num_label_errors"] <= 0.02 * len(data["true"])


def given_epochs(d: dict[str, np.ndarray]) -> np.ndarray:
    return np.take_along_axis(d["dynamics"], d["labels"][:, None, None], axis=2)[..., 0]


@pytest.mark.parametrize(
    "signals",
    [
        "probs",
        "dynamics_full",
        "dynamics_given",
        "epoch_pred",
        "dynamics_correct",
        "given_and_pred",
        "neighbors",
        "neighbors_unweighted",
    ],
)
def test_any_single_signal_ranks_the_flips_first(data, signals):
    pred = data["dynamics"].argmax(axis=2)
    kwargs = {
        "probs": {"probs": data["probs"]},
        "dynamics_full": {"dynamics_given": data["dynamics"]},
        "dynamics_given": {"dynamics_given": given_epochs(data)},
        "epoch_pred": {"epoch_pred": pred},
        "dynamics_correct": {"dynamics_correct": pred == data["labels"][:, None]},
        "given_and_pred": {"dynamics_given": given_epochs(data), "epoch_pred": pred},
        "neighbors": {"neighbor_indices": data["nn_idx"], "neighbor_similarity": data["nn_sim"]},
        "neighbors_unweighted": {"neighbor_indices": data["nn_idx"]},
    }[signals]
    result = label_issues(data["labels"], n_classes=N_CLASSES, **kwargs)
    flips = np.flatnonzero(data["flipped"])
    assert ((result.score >= 0) & (result.score <= 1)).all()
    # Coarse signals (votes over 6 epochs or 8 neighbours) tie: ask for most of the flips.
    assert len(top_k(result.score, flips.size) & set(flips.tolist())) >= flips.size - 2
    assert result.is_issue[flips].mean() >= 0.7
    assert result.is_issue[~data["flipped"]].mean() <= 0.03
    suggested = result.extras["suggested_label"]
    if signals == "dynamics_given" or signals == "dynamics_correct":
        assert (suggested == -1).all()
    else:
        assert (suggested[flips] == data["true"][flips]).mean() >= 0.8


def test_sample_without_dynamics_uses_the_other_sources(data):
    dyn = given_epochs(data).copy()
    first_flip = int(np.flatnonzero(data["flipped"])[0])
    dyn[first_flip] = np.nan
    result = label_issues(data["labels"], data["probs"], dynamics_given=dyn, n_classes=N_CLASSES)
    assert np.isfinite(result.score).all()
    assert result.score[first_flip] < 0.5


def test_num_issues_and_max_score_thresholds(data):
    result = label_issues(data["labels"], data["probs"], n_classes=N_CLASSES, num_issues=3)
    assert result.num_issues == 3
    assert result.params["num_issues"] == 3
    none = label_issues(data["labels"], data["probs"], n_classes=N_CLASSES, max_score=0.0)
    assert none.num_issues == 0


def test_confident_joint_estimate_counts_flips():
    labels = np.array([0] * 10 + [1] * 10)
    dist = np.tile([0.9, 0.1], (20, 1))
    dist[10:] = [0.1, 0.9]
    labels[[0, 1, 12]] = [1, 1, 0]  # three flips, the model knows better
    assert estimate_num_label_errors(labels, dist) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "at least one signal"),
        ({"probs": np.full((5, 3), 1 / 3)}, "probs has 5 rows"),
        ({"probs": np.full((180, 2), 0.5)}, "probs has 2 columns"),
        ({"probs": np.full((180,), 0.5)}, "probs must be shaped"),
        ({"probs": "nan"}, "probs contains NaN"),
        ({"dynamics_given": np.full((180,), 0.5)}, "dynamics_given must be shaped"),
        ({"dynamics_given": np.full((180, 4, 2), 0.5)}, "dynamics_given has 2 classes"),
        ({"dynamics_given": np.full((180, 4), 1.5)}, "dynamics_given must hold probabilities"),
        ({"dynamics_given": "partial-nan"}, "dynamics_given has NaN"),
        ({"epoch_pred": np.zeros((179, 4), dtype=int)}, "epoch_pred must be shaped"),
        ({"epoch_pred": np.full((180, 4), 3)}, "epoch_pred must be class codes"),
        ({"dynamics_correct": np.zeros((180, 4, 1), dtype=bool)}, "dynamics_correct must be"),
        ({"neighbor_indices": np.zeros((180,), dtype=int)}, "neighbor_indices must be shaped"),
        ({"neighbor_indices": np.full((180, 3), 999)}, "neighbor_indices must be row positions"),
        (
            {"neighbor_indices": np.zeros((180, 3), dtype=int), "neighbor_similarity": np.ones(3)},
            "neighbor_similarity must have the shape",
        ),
        ({"neighbor_similarity": np.ones((180, 3))}, "without neighbor_indices"),
        ({"probs": np.full((180, 3), 1 / 3), "max_scor": 0.4}, "unknown thresholds"),
    ],
)
def test_bad_input_names_the_argument(data, kwargs, match):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("probs"), str):
        probs = data["probs"].copy()
        probs[4, 1] = np.nan
        kwargs["probs"] = probs
    if isinstance(kwargs.get("dynamics_given"), str):
        dyn = given_epochs(data).copy()
        dyn[7, 2] = np.nan
        kwargs["dynamics_given"] = dyn
    with pytest.raises(ValueError, match=match):
        label_issues(data["labels"], n_classes=N_CLASSES, **kwargs)


def test_labels_out_of_range_are_rejected(data):
    with pytest.raises(ValueError, match="labels must be class codes"):
        label_issues(data["labels"] + 5, data["probs"], n_classes=N_CLASSES)


def test_the_lens_gives_suggested_labels_as_class_values_not_codes():
    # Bug: lens.issues["suggested_label"] held the check's class codes (0..C-1), which
    # read right only for the integer classes 0..C-1; relabel took them as new classes.
    from nbdatalens import DataLens

    rng = np.random.default_rng(0)
    words = np.array(["down", "go", "yes"], dtype=object)
    true = np.arange(60) % 3
    probs = softmax(4.0 * np.eye(3)[true] + rng.normal(0, 0.3, (60, 3)))
    label = true.copy()
    label[:6] = (true[:6] + 1) % 3  # six confident flips
    df = pd.DataFrame({"label": words[label], "probs": list(probs.astype(np.float32))})
    lens = DataLens(df, projection="pca")
    lens.find_issues(["label"])
    suggested = lens.issues["suggested_label"]
    assert set(suggested) <= set(words)
    flagged = lens.issue_ids("label")
    assert set(range(6)) <= set(flagged)
    assert list(suggested[list(range(6))]) == list(words[true[:6]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "kept as a new class"
        lens.relabel(flagged, suggested[flagged])
