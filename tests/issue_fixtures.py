"""Hand-made embeddings with known answers for the issue-check tests."""

from __future__ import annotations

import numpy as np


def directions(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """n random unit vectors, well apart in 16+ dimensions."""
    d = rng.normal(size=(n, dim))
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def blobs(
    sizes: list[int], *, dim: int = 16, spread: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around random directions: (embedding float32, blob id per row)."""
    rng = np.random.default_rng(seed)
    centers = directions(len(sizes), dim, rng)
    blob = np.repeat(np.arange(len(sizes)), sizes)
    x = centers[blob] + rng.normal(scale=spread, size=(blob.size, dim))
    return x.astype(np.float32), blob


def elongated(n: int, *, dim: int = 16, seed: int = 0) -> np.ndarray:
    """One long thin cloud: a segment with a little noise across it."""
    rng = np.random.default_rng(seed)
    c, u = directions(2, dim, rng)
    t = rng.uniform(-0.8, 0.8, size=(n, 1))
    return (c + t * u + rng.normal(scale=0.02, size=(n, dim))).astype(np.float32)


def curved(n: int, *, dim: int = 16, seed: int = 0) -> np.ndarray:
    """One curved band: three quarters of a circle in a random plane, off the origin."""
    rng = np.random.default_rng(seed)
    c, u, v = directions(3, dim, rng)
    a = rng.uniform(0, 1.5 * np.pi, size=(n, 1))
    x = 2 * c + 0.6 * (np.cos(a) * u + np.sin(a) * v) + rng.normal(scale=0.02, size=(n, dim))
    return x.astype(np.float32)
