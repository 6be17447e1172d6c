"""Kernel side of ``benchmarks/browser.py``: seeded synthetic samples and payload sizes.

The benchmark's notebook kernel imports this module (``benchmarks/`` is put
on the kernel's ``PYTHONPATH``), so the data is generated where the lens is
built and never crosses the page.

Example::

    df, roles = synthetic_samples(100_000, seed=0)
    lens = DataLens(df, **roles)
    view = lens.show()
    payload_bytes(lens.model)["scatter_per_sample"]  # 5.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

N_CLASSES = 10
N_EPOCHS = 10
#: Share of samples whose given label is not their true class (the off-diagonal mass).
LABEL_NOISE = 0.08
IMAGE_SIDE = 8
#: Rows generated at a time, so 1M images never need a full-size int16 temporary.
CHUNK = 200_000


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def _images(true: np.ndarray, shapes: np.random.Generator, rng: np.random.Generator) -> np.ndarray:
    """8×8 uint8 pictures: one blotchy template per true class plus per-sample noise."""
    side = IMAGE_SIDE
    coarse = shapes.random((N_CLASSES, side // 2, side // 2)) > 0.55
    templates = np.kron(coarse, np.ones((2, 2))).astype(np.int16) * 200 + 25
    out = np.empty((len(true), side, side), dtype=np.uint8)
    for start in range(0, len(true), CHUNK):
        stop = min(start + CHUNK, len(true))
        noise = rng.integers(-40, 41, size=(stop - start, side, side), dtype=np.int16)
        out[start:stop] = np.clip(templates[true[start:stop]] + noise, 0, 255)
    return out


def synthetic_samples(
    n: int, seed: int = 0, images: bool = True
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``n`` seeded samples of a 10-class problem: the frame and the array roles.

    The frame holds ``label`` and precomputed ``x`` / ``y`` (one Gaussian blob
    per true class, so a mislabelled sample sits among its true class's
    points). The roles are ``probs`` (N×10 float32, a prediction that mostly
    recovers the true class), ``dynamics`` (N×10 float32, the given label's
    probability at each of 10 epochs) and, with ``images``, ``image``
    (N×8×8 uint8).

    Example::

        df, roles = synthetic_samples(1000)
        DataLens(df, **roles)
    """
    if n < N_CLASSES:
        raise ValueError(f"n must be at least {N_CLASSES} (one sample per class), got {n}")
    rng = np.random.default_rng(seed)
    # The blobs and image templates come from their own stream, so every N draws the same
    # picture (a lasso at the same screen place covers the same share of points).
    shapes = np.random.default_rng([seed, 1])
    rows = np.arange(n)
    true = rng.integers(0, N_CLASSES, size=n)
    noisy = rng.random(n) < LABEL_NOISE
    label = true.copy()
    label[noisy] = (true[noisy] + rng.integers(1, N_CLASSES, size=int(noisy.sum()))) % N_CLASSES

    centres = shapes.uniform(-10, 10, size=(N_CLASSES, 2))
    spread = shapes.uniform(0.7, 1.6, size=N_CLASSES)
    xy = (centres[true] + rng.normal(size=(n, 2)) * spread[true, None]).astype(np.float32)

    # How easy each sample is: the true class's logit bump; hard samples get mispredicted.
    ease = rng.gamma(5.0, 1.4, size=n)
    logits = rng.normal(size=(n, N_CLASSES))
    logits[rows, true] += ease
    probs = _softmax(logits).astype(np.float32)

    # The given label's probability rises over the epochs towards its final value, at a
    # per-sample pace and with per-sample jitter, so variability and confidence spread out
    # (about 2/3 easy-to-learn, the rest ambiguous or hard-to-learn). Epoch 1 is recorded
    # after one epoch of training, so the ramp starts partly climbed.
    final = probs[rows, label].astype(np.float64)
    pace = rng.uniform(0.3, 15.0, size=n)
    ramp = 1.0 - np.exp(-pace[:, None] * np.linspace(1.0 / N_EPOCHS, 1.0, N_EPOCHS)[None, :])
    ramp /= ramp[:, -1:]
    start = 1.0 / N_CLASSES
    jitter = rng.normal(size=(n, N_EPOCHS)) * rng.uniform(0.0, 0.18, size=n)[:, None]
    dynamics = np.clip(start + (final - start)[:, None] * ramp + jitter, 0.0, 1.0)

    df = pd.DataFrame({"label": label, "x": xy[:, 0], "y": xy[:, 1]})
    roles: dict[str, np.ndarray] = {"probs": probs, "dynamics": dynamics.astype(np.float32)}
    if images:
        roles["image"] = _images(true, shapes, rng)
    return df, roles


#: What ``show()`` draws: the cluster map's layout and colour, the data map's axes and
#: colour, the confusion matrix's cells (label and prediction), the gallery's sort key.
SHOW_COLUMNS = ("@x", "@y", "cell", "label", "confidence", "variability", "correctness", "loss")


def payload_bytes(model: Any) -> dict[str, float]:
    """Bytes of the columns a ``TableModel`` would send, as encoded for the wire.

    ``total`` is every column the table lists (``column_info``); ``show`` what
    ``show()`` fetches (:data:`SHOW_COLUMNS` it has; label comes inside ``cell``
    when the table has predictions); ``scatter`` what a lone cluster map needs
    (x, y and the label codes).
    """
    n = int(model.n_rows)
    info = model.column_info

    def size(name: str) -> int:
        return model.wire_column(name)[0].nbytes if name in info else 0

    total = sum(size(name) for name in list(info))
    show = [c for c in SHOW_COLUMNS if c in info and not (c == "label" and "cell" in info)]
    shown = sum(size(name) for name in show)
    scatter = size("@x") + size("@y") + size("label")
    return {
        "n": n,
        "total": total,
        "show": shown,
        "scatter": scatter,
        "total_per_sample": total / n,
        "show_per_sample": shown / n,
        "scatter_per_sample": scatter / n,
        "per_column": {name: size(name) / n for name in list(info)},
    }


def off_diagonal_cells(table: Any, k: int) -> list[dict[str, Any]]:
    """The ``k`` fullest off-diagonal confusion cells with their row positions.

    Each item is ``{"given": code, "pred": code, "positions": [...]}``, largest first.
    """
    label, pred = table.label_codes, table.pred_codes
    c = len(table.classes)
    counts = np.bincount(label * c + pred, minlength=c * c).reshape(c, c)
    np.fill_diagonal(counts, -1)
    order = np.argsort(counts, axis=None)[::-1][:k]
    cells = []
    for flat in order:
        g, p = divmod(int(flat), c)
        if counts[g, p] <= 0:
            break
        positions = np.flatnonzero((label == g) & (pred == p))
        cells.append({"given": g, "pred": p, "positions": positions.tolist()})
    return cells


def release(view: Any) -> None:
    """Close a ``lens.show()`` box, its views and their table model (frees the browser copies)."""
    models = {id(child.table): child.table for child in view.children if hasattr(child, "table")}
    for child in view.children:
        child.close()
    view.close()
    for model in models.values():
        model.close()
