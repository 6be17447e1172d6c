"""Demo data: scikit-learn's bundled digits with planted label noise and a trained model.

Everything is computed offline in well under a second, so the demo needs no
download and no stored model. The spoken-word demo, :func:`load_speech_demo`,
lives in :mod:`nbdatalens.speech_demo` and is re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nbdatalens.speech_demo import load_speech_demo

from .demo_cache import ArrayCache, check_epochs, check_seed

__all__ = ["load_digits_demo", "load_speech_demo"]

N_CLASSES = 10
HIDDEN_UNITS = 64
# Tuned so that 12 epochs reach ~98 % accuracy on the clean samples while the
# flipped ones stay unlearned (given-label confidence ~0.05: hard-to-learn).
_MLP_OPTIONS: dict[str, Any] = {
    "hidden_layer_sizes": (HIDDEN_UNITS,),
    "learning_rate_init": 3e-3,
    "batch_size": 64,
    "alpha": 1e-4,
}

_cache = ArrayCache()


def _flip_labels(
    true_label: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = len(true_label)
    flipped = rng.choice(n, size=round(noise * n), replace=False)
    # A non-zero offset modulo the class count always lands on a different class.
    offset = rng.integers(1, N_CLASSES, size=len(flipped))
    label = true_label.copy()
    label[flipped] = (true_label[flipped] + offset) % N_CLASSES
    is_noisy = np.zeros(n, dtype=bool)
    is_noisy[flipped] = True
    return label, is_noisy


def _train(pixels: np.ndarray, label: np.ndarray, seed: int, epochs: int):
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(random_state=seed, **_MLP_OPTIONS)
    dynamics = np.empty((len(label), epochs, N_CLASSES), dtype=np.float32)
    classes = np.arange(N_CLASSES)
    for epoch in range(epochs):
        model.partial_fit(pixels, label, classes=classes)
        dynamics[:, epoch] = model.predict_proba(pixels)
    hidden = np.maximum(pixels @ model.coefs_[0] + model.intercepts_[0], 0)
    return dynamics, hidden.astype(np.float32)


def _compute(noise: float, seed: int, epochs: int) -> dict[str, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    true_label = digits.target.astype(np.int64)
    pixels = (digits.data / 16.0).astype(np.float32)
    label, is_noisy = _flip_labels(true_label, noise, np.random.default_rng(seed))
    dynamics, embedding = _train(pixels, label, seed, epochs)
    return {
        "label": label,
        "true_label": true_label,
        "is_noisy": is_noisy,
        "dynamics": dynamics,
        "embedding": embedding,
        "image": np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8),
    }


def _frame(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    # Fresh copies per call: the cells are arrays, and a user editing one in
    # place must not change what the next call returns.
    dynamics = arrays["dynamics"].copy()
    probs = dynamics[:, -1].copy()
    n = len(probs)
    return pd.DataFrame(
        {
            "label": arrays["label"].copy(),
            "true_label": arrays["true_label"].copy(),
            "is_noisy": arrays["is_noisy"].copy(),
            "prediction": probs.argmax(axis=1).astype(np.int64),
            "probs": list(probs),
            "dynamics": list(dynamics),
            "embedding": list(arrays["embedding"].copy()),
            "image": list(arrays["image"].copy()),
        },
        index=pd.RangeIndex(n, name="sample_id"),
    )


def load_digits_demo(
    noise: float = 0.1, seed: int = 0, *, epochs: int = 12, cache: bool = True
) -> pd.DataFrame:
    """The 1,797 8×8 handwritten digits of scikit-learn, with planted label noise.

    A fraction ``noise`` of the labels is flipped (deterministically for a
    given ``seed``) to a different random class, then a small MLP (one hidden
    layer of 64 ReLU units) is trained on the noisy labels for ``epochs``
    epochs with ``partial_fit``, recording its probabilities after each epoch.
    The flipped samples mostly stay mispredicted (the model predicts their
    true class), so they show up as errors and as hard-to-learn on the data
    map. Takes ~0.2 s; the result is cached in memory (``cache=False``
    recomputes) and every call returns a new, independent frame.

    Index ``sample_id``: 0..1796, the position in ``sklearn.datasets.load_digits``.

    Columns:

    - ``label`` (int): the given label, wrong where ``is_noisy``.
    - ``true_label`` (int): the original label.
    - ``is_noisy`` (bool): ground truth of the label noise (``label != true_label``).
    - ``prediction`` (int): the model's argmax class after the last epoch.
    - ``probs`` (float32 array, shape (10,)): class probabilities after the last epoch.
    - ``dynamics`` (float32 array, shape (epochs, 10)): class probabilities
      after every epoch, the input of the data map.
    - ``embedding`` (float32 array, shape (64,)): the trained hidden-layer
      activations ``relu(x @ W0 + b0)``, the input of the cluster map.
    - ``image`` (uint8 array, shape (8, 8)): the digit, 0 (background) .. 255
      (ink): ``load_digits().images`` × 255 / 16, rounded.

    >>> df = load_digits_demo()
    >>> df.shape, int(df["is_noisy"].sum())
    ((1797, 8), 180)
    """
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1:
        raise ValueError(f"noise must be a fraction in [0, 1), got {noise!r}")
    seed, epochs = check_seed(seed), check_epochs(epochs)
    key = (float(noise), int(seed), int(epochs))
    return _frame(_cache.get(key, lambda: _compute(*key), cache))
