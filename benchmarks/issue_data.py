"""Seeded synthetic data shared by ``similar.py`` and ``issues.py`` (no download).

Embeddings are a Gaussian mixture shaped like real model embeddings: each
cluster has a low-dimensional spread (a random 12-d subspace) plus a little
isotropic noise, so neighbours are meaningful and approximate search is tested
on data with structure rather than on uniform noise.
"""

from __future__ import annotations

import numpy as np


def clustered_embedding(
    n: int, dim: int = 64, *, n_clusters: int = 100, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(embedding float32 n × dim, cluster id per row)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(n_clusters, dim)).astype(np.float32)
    weights = rng.dirichlet(np.full(n_clusters, 5.0))
    assign = rng.choice(n_clusters, size=n, p=weights)
    x = np.empty((n, dim), dtype=np.float32)
    sub = min(12, dim)
    for c in range(n_clusters):
        rows = np.flatnonzero(assign == c)
        basis = rng.normal(scale=0.35, size=(dim, sub)).astype(np.float32)
        z = rng.normal(size=(rows.size, sub)).astype(np.float32)
        noise = rng.normal(scale=0.1, size=(rows.size, dim)).astype(np.float32)
        x[rows] = centers[c] + z @ basis.T + noise
    return x, assign


def classification_data(
    n: int, *, n_classes: int = 10, dim: int = 64, epochs: int = 10, seed: int = 0
) -> dict[str, np.ndarray]:
    """Labels, probabilities, 10 epochs of dynamics and an embedding, loosely coupled.

    Each class owns 10 of the 100 mixture clusters; 5 % of labels are flipped;
    the model's probabilities favour the true class with noise, so roughly 85 %
    of predictions are right.
    """
    rng = np.random.default_rng(seed + 1)
    emb, cluster = clustered_embedding(n, dim, n_clusters=10 * n_classes, seed=seed)
    true = (cluster % n_classes).astype(np.int64)
    labels = true.copy()
    flip = rng.random(n) < 0.05
    labels[flip] = (true[flip] + rng.integers(1, n_classes, flip.sum())) % n_classes
    logits = rng.normal(scale=1.0, size=(n, n_classes)).astype(np.float32)
    logits[np.arange(n), true] += 2.5
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    ramp = np.linspace(0.2, 1.0, epochs, dtype=np.float32)
    p_given = probs[np.arange(n), labels][:, None]
    dyn = np.clip(
        p_given * ramp + rng.normal(scale=0.05, size=(n, epochs)).astype(np.float32), 0, 1
    ).astype(np.float32)
    pred = probs.argmax(axis=1)
    correct = (dyn > 0.5) | (pred == labels)[:, None] & (ramp[None, :] > 0.6)
    split = np.where(rng.random(n) < 0.8, "train", "validation").astype(object)
    return {
        "labels": labels,
        "probs": probs.astype(np.float32),
        "pred": pred,
        "dynamics_given": dyn,
        "dynamics_correct": correct,
        "embedding": emb,
        "split": split,
        "flipped": flip,
    }
