"""Per-sample signals from predicted class probabilities.

Every function takes probabilities shaped ``(N, C)`` (one prediction per
sample) or ``(N, E, C)`` (one prediction per sample per epoch) whose last axis
follows the class order of ``label_codes``: code ``k`` is column ``k``.

Example:
    >>> import numpy as np
    >>> probs = np.array([[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]])
    >>> codes = np.array([0, 0])
    >>> margin(probs, codes)
    array([-0.3,  0.5], dtype=float32)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .rowwise import ROWS, class_major

# Rows of a probability matrix must sum to one within this tolerance; float32
# model outputs routinely miss by ~1e-6, a forgotten softmax misses by far more.
SUM_TOLERANCE = 1e-3


def as_class_codes(
    codes: npt.ArrayLike,
    n_classes: int,
    *,
    name: str = "label_codes",
    length: int | None = None,
) -> np.ndarray:
    """Return ``codes`` as a 1-D int64 array after checking it indexes ``n_classes`` classes.

    Raises:
        TypeError: the codes are not integers.
        ValueError: wrong shape or length, or a code outside ``[0, n_classes)``.
    """
    arr = np.asarray(codes)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class codes, got dtype {arr.dtype}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {length}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size:
        bad = (arr < 0) | (arr >= n_classes)
        if bad.any():
            examples = np.unique(arr[bad])[:5].tolist()
            raise ValueError(
                f"{name} must be class codes in [0, {n_classes}); "
                f"{int(bad.sum())} are not (e.g. {examples})"
            )
    return arr


def _as_probability_array(probs: npt.ArrayLike, name: str = "probs") -> np.ndarray:
    arr = np.asarray(probs)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must be shaped (N, C) or (N, E, C), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_probabilities(
    probs: npt.ArrayLike,
    *,
    name: str = "probs",
    n_classes: int | None = None,
    ndim: int | None = None,
    tolerance: float = SUM_TOLERANCE,
    values: bool = True,
) -> np.ndarray:
    """Return ``probs`` as a float array after checking it holds probability rows.

    The array must have ``ndim`` dimensions and ``n_classes`` columns (last
    axis) when those are given. With ``values`` (the default) each vector along
    the last axis must be finite, non-negative and sum to 1 within
    ``tolerance``; when the values look like raw model scores the error says
    so, because a forgotten softmax is the usual cause. ``values=False`` checks
    the shape only (e.g. for logits).

    Raises:
        ValueError: wrong shape or width, NaN / infinite or negative values,
            rows not summing to 1.
    """
    arr = _as_probability_array(probs, name)
    if ndim is not None and arr.ndim != ndim:
        shape = "(N, C)" if ndim == 2 else "(N, E, C)"
        raise ValueError(f"{name} must be shaped {shape}, got shape {arr.shape}")
    if n_classes is not None and arr.shape[-1] != n_classes:
        raise ValueError(
            f"{name} has {arr.shape[-1]} columns but there are {n_classes} classes; "
            "columns must follow the classes order"
        )
    if not values:
        return arr
    flat = arr.reshape(-1, arr.shape[-1])
    finite = np.isfinite(flat).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad.size} rows "
            f"(e.g. rows {bad[:5].tolist()})"
        )
    looks_like_logits = bool((flat < 0).any() or (flat > 1 + tolerance).any())
    hint = " These look like logits or scores: pass logits= instead." if looks_like_logits else ""
    negative = (flat < 0).any(axis=1)
    if negative.any():
        bad = np.flatnonzero(negative)
        raise ValueError(
            f"{name} has negative values in {bad.size} rows (e.g. rows {bad[:5].tolist()})." + hint
        )
    sums = flat.sum(axis=1, dtype=np.float64)
    off = np.abs(sums - 1.0) > tolerance
    if off.any():
        bad = np.flatnonzero(off)
        first = int(bad[0])
        raise ValueError(
            f"rows of {name} must sum to 1 (within {tolerance:g}); {bad.size} rows do not "
            f"(e.g. row {first} sums to {sums[first]:.4g})." + hint
        )
    return arr


def softmax(logits: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """Turn logits into probabilities along ``axis``.

    Subtracting the per-row maximum first keeps ``exp`` from overflowing, so
    logits in the thousands are fine. float32 input stays float32; other input
    is computed in float64.

    Example:
        >>> softmax(np.array([[0.0, np.log(3.0)]])).round(2).tolist()
        [[0.25, 0.75]]
    """
    arr = np.asarray(logits)
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("logits contain NaN or infinite values")
    shifted = arr - arr.max(axis=axis, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=axis, keepdims=True)
    return shifted


def argmax_predictions(probs: npt.ArrayLike) -> np.ndarray:
    """Predicted class codes: the argmax over the last axis, as int32.

    ``(N, C)`` gives ``(N,)``; ``(N, E, C)`` gives the prediction per epoch
    ``(N, E)``. Ties go to the lowest code, like ``np.argmax``.
    """
    arr = _as_probability_array(probs)
    if arr.ndim == 3 or arr.shape[1] == 0:
        return np.argmax(arr, axis=-1).astype(np.int32)
    # np.argmax over a short row is a per-row loop; per class-major block, the lowest
    # maximal class is the one whose (class-reversed) weight is largest among the maxima.
    c = arr.shape[1]
    weights = np.arange(c, 0, -1, dtype=np.min_scalar_type(c))[:, None]
    out = np.empty(arr.shape[0], dtype=np.int32)
    for rows, block in class_major(arr):
        out[rows] = c - (np.equal(block, block.max(axis=0)) * weights).max(axis=0)
    nan_rows = np.flatnonzero(out == c)  # a NaN matches nothing: np.argmax picks the NaN
    if nan_rows.size:
        out[nan_rows] = np.argmax(arr[nan_rows], axis=1)
    return out


def given_label_probability(probs: npt.ArrayLike, label_codes: npt.ArrayLike) -> np.ndarray:
    """Probability of each sample's given label.

    ``(N, C)`` gives ``(N,)``; ``(N, E, C)`` gives one value per epoch, ``(N, E)``.
    """
    arr = _as_probability_array(probs)
    codes = as_class_codes(label_codes, arr.shape[-1], length=arr.shape[0])
    index = codes.reshape((-1,) + (1,) * (arr.ndim - 1))
    return np.take_along_axis(arr, index, axis=-1)[..., 0]


def cross_entropy_loss(
    probs: npt.ArrayLike, label_codes: npt.ArrayLike, eps: float = 1e-12
) -> np.ndarray:
    """Cross-entropy of the given label, ``-log p[given]``, as float32.

    Probabilities are clipped to ``eps`` first so a confident wrong prediction
    gives a large finite loss (``-log(1e-12) ≈ 27.6``) instead of infinity.

    Example:
        >>> cross_entropy_loss(np.array([[0.25, 0.75]]), np.array([0]))
        array([1.3862944], dtype=float32)
    """
    return _loss_of(given_label_probability(probs, label_codes), eps)


def _loss_of(p_given: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """``-log p`` with ``p`` clipped to ``eps`` (see :func:`cross_entropy_loss`), float32."""
    return (-np.log(np.clip(p_given, eps, 1.0))).astype(np.float32)


def margin(probs: npt.ArrayLike, label_codes: npt.ArrayLike) -> np.ndarray:
    """Given-label probability minus the largest probability of any other class, as float32.

    The result lies in ``[-1, 1]``: negative means the model prefers another
    class, which makes low margins a classic mislabeling signal (the
    per-sample quantity behind "area under the margin"). With a single class
    there is no competitor and the margin is the given-label probability.
    Works on ``(N, C)`` and, per epoch, on ``(N, E, C)``.
    """
    arr = _as_probability_array(probs)
    if arr.ndim == 2 and arr.shape[-1] >= 2:
        given, rival = _given_and_rival(arr, label_codes)
        return (given - rival).astype(np.float32)
    p_given = given_label_probability(arr, label_codes)
    if arr.shape[-1] < 2:
        return p_given.astype(np.float32)
    # The two largest values decide it: if the given label holds the maximum,
    # its strongest rival is the runner-up (equal to it on a tie), else the max.
    top_two = np.partition(arr, -2, axis=-1)[..., -2:]
    runner_up, best = top_two[..., 0], top_two[..., 1]
    rival = np.where(p_given >= best, runner_up, best)
    return (p_given - rival).astype(np.float32)


def loss_and_margin(
    probs: npt.ArrayLike, label_codes: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cross_entropy_loss` and :func:`margin` of ``(N, C)`` probabilities in one pass."""
    arr = _as_probability_array(probs)
    if arr.ndim != 2 or arr.shape[1] < 2:
        return cross_entropy_loss(arr, label_codes), margin(arr, label_codes)
    given, rival = _given_and_rival(arr, label_codes)
    return _loss_of(given), (given - rival).astype(np.float32)


def _given_and_rival(arr: np.ndarray, label_codes: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``(N, C)`` probabilities (C ≥ 2): the given label's and the largest other
    class's probability (in ``arr``'s dtype), from class-major row blocks."""
    codes = as_class_codes(label_codes, arr.shape[1], length=arr.shape[0])
    given = np.empty(arr.shape[0], dtype=arr.dtype)
    rival = np.empty(arr.shape[0], dtype=arr.dtype)
    columns = np.arange(min(arr.shape[0], ROWS))
    for rows, block in class_major(arr):
        at = (codes[rows], columns[: block.shape[1]])
        given[rows] = block[at]
        block[at] = -np.inf
        rival[rows] = block.max(axis=0)
    return given, rival
