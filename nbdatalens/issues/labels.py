"""The ``label`` check: samples whose given label is likely wrong.

Every signal the table has is turned into one *margin* in [-1, 1] per sample,
"how much more the evidence supports the given label than the best other
class" (Pleiss et al. 2020 call its per-epoch mean the Area Under the
Margin). The sources, each optional:

- **model** (``probs``, N x C, out-of-fold or in-sample): ``p[y] - max_{c != y} p[c]``.
- **training dynamics**: with full per-epoch probabilities (``dynamics_given``
  N x E x C) the Area Under the Margin, the mean over epochs of the per-epoch
  margin. With only the given-label probability per epoch (N x E) its mean
  (Dataset Cartography confidence) as ``2 * confidence - 1``, the margin a
  binary model would have; when the per-epoch predictions are also known
  (``epoch_pred``, or ``dynamics_correct``) the mean of that and the *vote
  margin* of the epochs: the share of epochs predicting the given label minus
  the share predicting the most frequent other class (2 * correctness - 1
  when only correctness is known). A sample the model never learns, or keeps
  forgetting (Toneva et al. 2019), has a low vote margin.
- **embedding neighbours** (``neighbor_indices`` / ``neighbor_similarity``,
  N x k, self excluded): the similarity-weighted label distribution ``q`` of
  the k neighbours (weights ``max(similarity, 0)``), margin ``q[y] - max_{c != y} q[c]``.

The check's margin is the mean of the available source margins (a sample
whose dynamics row is NaN just has one source fewer) and
``label_score = (margin + 1) / 2``: 1 when every source is sure of the given
label, below 0.5 when the sources, together, prefer another class. Equal
weights, no learned combination: the sources err on different samples (a
model's blind spot, a memorised flip, a mixed neighbourhood), so their mean
ranks better than any of them alone.

Which samples are flagged follows confident learning (Northcutt et al. 2021):
the class distributions of the sources (the model's probabilities, the mean
per-epoch probabilities or the epoch votes, the neighbour label distribution)
are averaged into one ``P``; the confident joint of given label x likely true
class, counted with per-class thresholds (the mean ``P[:, k]`` over the
samples labelled ``k``) and calibrated to the class counts, estimates the
number of label errors ``n``; the ``n`` lowest scores are flagged, and of
those only the ones below ``max_score``. Without any class distribution
(only given-label probabilities per epoch) every sample below ``max_score``
is flagged. ``suggested_label`` is the argmax of ``P`` (-1 without it).

Defaults were chosen before the benchmark (``benchmarks/mislabel.py``) was
run on its reported seeds; design alternatives (rank averaging, mixing
distributions, adding the forgetting count as a source, which lowered AP)
were compared on its development seed only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from nbdatalens.issues.base import CheckResult
from nbdatalens.probability import SUM_TOLERANCE, as_class_codes, check_probabilities

DEFAULT_THRESHOLDS: dict[str, Any] = {
    # A flagged sample's score must be below this: 0.5 means the sources, averaged,
    # prefer another class over the given one.
    "max_score": 0.5,
    # Number of samples to flag; None estimates it with the calibrated confident joint.
    "num_issues": None,
}


def _margin(dist: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``dist[..., y] - max_{c != y} dist[..., c]`` along the last axis (any leading shape)."""
    index = labels.reshape((-1,) + (1,) * (dist.ndim - 1))
    given = np.take_along_axis(dist, index, axis=-1)[..., 0]
    if dist.shape[-1] < 2:
        return given
    top_two = np.partition(dist, -2, axis=-1)[..., -2:]
    rival = np.where(given >= top_two[..., 1], top_two[..., 0], top_two[..., 1])
    return given - rival


def _class_histogram(codes: np.ndarray, weights: np.ndarray, n_classes: int) -> np.ndarray:
    """Row-normalised weighted counts of ``codes`` (N x k) per class: N x C (zero rows stay 0)."""
    n = codes.shape[0]
    flat = (np.arange(n)[:, None] * n_classes + codes).ravel()
    hist = np.bincount(flat, weights=weights.ravel(), minlength=n * n_classes)
    hist = hist.reshape(n, n_classes)
    total = hist.sum(axis=1, keepdims=True)
    return np.divide(hist, total, out=np.zeros_like(hist), where=total > 0)


def _check_2d(arr: np.ndarray, name: str, n: int) -> None:
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must be shaped (N, E) with N = {n} rows, got shape {arr.shape}")


def _dynamics_source(
    labels: np.ndarray,
    n_classes: int,
    dynamics_given: npt.ArrayLike | None,
    dynamics_correct: npt.ArrayLike | None,
    epoch_pred: npt.ArrayLike | None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Training-dynamics margin (N,) with NaN where unknown, and class distribution (N, C)."""
    n = labels.shape[0]
    soft = dist = None
    if dynamics_given is not None:
        dyn = np.asarray(dynamics_given)
        if not np.issubdtype(dyn.dtype, np.floating):
            dyn = dyn.astype(np.float64)
        if dyn.ndim not in (2, 3) or dyn.shape[0] != n or dyn.shape[1] == 0:
            raise ValueError(
                "dynamics_given must be shaped (N, E) (given-label probability per epoch) or "
                f"(N, E, C) (probabilities per epoch) with N = {n} and E >= 1, got {dyn.shape}"
            )
        if dyn.ndim == 3 and dyn.shape[2] != n_classes:
            raise ValueError(
                f"dynamics_given has {dyn.shape[2]} classes on its last axis, expected {n_classes}"
            )
        # One epoch at a time: memory stays O(N x C) however many epochs were recorded.
        nan_count = np.zeros(n, dtype=np.int64)
        width = dyn.shape[2] if dyn.ndim == 3 else 1
        for e in range(dyn.shape[1]):
            nan_count += np.isnan(dyn[:, e].reshape(n, width)).sum(axis=1)
        missing = nan_count == dyn.shape[1] * width
        bad = np.flatnonzero((nan_count > 0) & ~missing)
        if bad.size:
            raise ValueError(
                f"dynamics_given has NaN values in {bad.size} rows (e.g. rows "
                f"{bad[:5].tolist()}); a sample without dynamics must be NaN in its whole row"
            )
        soft = np.zeros(n)
        dist = np.zeros((n, n_classes)) if dyn.ndim == 3 else None
        for e in range(dyn.shape[1]):
            epoch = np.where(missing[:, None], 0.0, dyn[:, e].reshape(n, width)).astype(np.float64)
            if ((epoch < 0) | (epoch > 1 + SUM_TOLERANCE)).any():  # also catches +-inf
                raise ValueError("dynamics_given must hold probabilities in [0, 1]")
            if dist is None:
                soft += epoch[:, 0]
                continue
            sums = epoch.sum(axis=1)
            if (np.abs(sums[~missing] - 1.0) > SUM_TOLERANCE).any():
                raise ValueError("rows of dynamics_given (N, E, C) must sum to 1 over the classes")
            soft += _margin(epoch, labels)
            dist += epoch
        soft /= dyn.shape[1]
        soft[missing] = np.nan
        if dist is not None:
            # Area Under the Margin; the per-epoch predictions are in the dynamics already.
            dist /= dyn.shape[1]
            dist[missing] = np.nan
            return soft, dist
        soft = 2.0 * soft - 1.0  # cartography confidence as a margin
    vote = None
    if epoch_pred is not None:
        pred = np.asarray(epoch_pred)
        _check_2d(pred, "epoch_pred", n)
        if not np.issubdtype(pred.dtype, np.integer) or pred.dtype == np.bool_:
            raise TypeError(f"epoch_pred must hold integer class codes, got dtype {pred.dtype}")
        if pred.size and ((pred < 0) | (pred >= n_classes)).any():
            raise ValueError(f"epoch_pred must be class codes in [0, {n_classes})")
        dist = _class_histogram(pred, np.ones(pred.shape), n_classes)
        vote = _margin(dist, labels)
    elif dynamics_correct is not None:
        correct = np.asarray(dynamics_correct)
        _check_2d(correct, "dynamics_correct", n)
        if correct.dtype != np.bool_:
            raise TypeError(f"dynamics_correct must be a bool array, got dtype {correct.dtype}")
        vote = 2.0 * correct.mean(axis=1) - 1.0
    if soft is not None and vote is not None:
        return np.where(np.isnan(soft), vote, 0.5 * (soft + vote)), dist
    return (soft if soft is not None else vote), dist


def _neighbor_source(
    labels: np.ndarray,
    n_classes: int,
    neighbor_indices: npt.ArrayLike,
    neighbor_similarity: npt.ArrayLike | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Similarity-weighted neighbour label margin (N,) and label distribution (N, C)."""
    n = labels.shape[0]
    idx = np.asarray(neighbor_indices)
    if idx.ndim != 2 or idx.shape[0] != n or idx.shape[1] == 0:
        raise ValueError(
            f"neighbor_indices must be shaped (N, k) with N = {n} and k >= 1, got {idx.shape}"
        )
    if not np.issubdtype(idx.dtype, np.integer) or idx.dtype == np.bool_:
        raise TypeError(f"neighbor_indices must hold integer row positions, got dtype {idx.dtype}")
    if ((idx < 0) | (idx >= n)).any():
        raise ValueError(f"neighbor_indices must be row positions in [0, {n})")
    if neighbor_similarity is None:
        weight = np.ones(idx.shape)
    else:
        weight = np.asarray(neighbor_similarity, dtype=np.float64)
        if weight.shape != idx.shape:
            raise ValueError(
                f"neighbor_similarity must have the shape of neighbor_indices {idx.shape}, "
                f"got {weight.shape}"
            )
        if not np.isfinite(weight).all():
            raise ValueError("neighbor_similarity contains NaN or infinite values")
        # A tiny floor keeps a sample whose neighbours are all dissimilar from losing them.
        weight = np.clip(weight, 0.0, None) + 1e-6
    weight = np.where(idx == np.arange(n)[:, None], 0.0, weight)  # never vote for yourself
    dist = _class_histogram(labels[idx], weight, n_classes)
    margin = _margin(dist, labels)
    margin[dist.sum(axis=1) == 0] = np.nan
    return margin, dist


def estimate_num_label_errors(labels: np.ndarray, dist: np.ndarray) -> int:
    """Number of label errors by the calibrated confident joint of confident learning.

    ``t_k`` = mean ``dist[:, k]`` over the samples labelled ``k``. A sample counts
    toward (given ``y``, true ``j``) when ``dist[i, j] >= t_j`` (the argmax among
    such classes when several are); rows are rescaled to the class counts, and
    the off-diagonal mass is the estimate.
    """
    n, n_classes = dist.shape
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    sums = np.zeros(n_classes)
    np.add.at(sums, labels, dist[np.arange(n), labels])
    thresholds = np.where(counts > 0, sums / np.maximum(counts, 1), 2.0)  # 2: unreachable
    confident = dist >= thresholds - 1e-9
    anyone = confident.any(axis=1)
    guess = np.where(confident, dist, -np.inf).argmax(axis=1)
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (labels[anyone], guess[anyone]), 1.0)
    diag = np.diag_indices(n_classes)
    joint[diag] = np.maximum(joint[diag], 1.0)
    joint *= (counts / joint.sum(axis=1))[:, None]
    return int(np.rint(joint.sum() - np.trace(joint)))


def label_issues(
    labels: npt.ArrayLike,
    probs: npt.ArrayLike | None = None,
    *,
    dynamics_given: npt.ArrayLike | None = None,
    dynamics_correct: npt.ArrayLike | None = None,
    epoch_pred: npt.ArrayLike | None = None,
    neighbor_indices: npt.ArrayLike | None = None,
    neighbor_similarity: npt.ArrayLike | None = None,
    n_classes: int,
    **thresholds: Any,
) -> CheckResult:
    """Rank and flag likely mislabeled samples from every signal given (see the module doc).

    Args:
        labels: (N,) given-label class codes in ``[0, n_classes)``.
        probs: (N, C) predicted probabilities (out-of-fold ones rank best).
        dynamics_given: (N, E) probability of the given label after each epoch, or
            (N, E, C) the full probabilities after each epoch (then the Area Under
            the Margin is exact). A whole-NaN row is a sample without dynamics.
        dynamics_correct: (N, E) bool, whether each epoch's argmax was the given label.
        epoch_pred: (N, E) predicted class code after each epoch (supersedes
            ``dynamics_correct``; both are unused with (N, E, C) dynamics, which hold them).
        neighbor_indices: (N, k) row positions of each sample's nearest embedding
            neighbours (self excluded; a self entry gets no weight).
        neighbor_similarity: (N, k) their similarities (cosine); ``None``: equal weights.
        n_classes: number of classes C.
        **thresholds: ``max_score`` (default 0.5) and ``num_issues`` (default
            ``None``: estimated by confident learning), see :data:`DEFAULT_THRESHOLDS`.

    Returns:
        ``CheckResult`` with ``issue_type="label"``, ``score`` = (mean margin + 1) / 2
        and ``extras["suggested_label"]`` (int64, -1 where unknown).

    Raises:
        ValueError: no signal at all, a mis-shaped array, NaN probabilities, an
            unknown threshold (the message names the argument).
    """
    unknown = sorted(set(thresholds) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(f"unknown thresholds {unknown}; expected {sorted(DEFAULT_THRESHOLDS)}")
    params = {**DEFAULT_THRESHOLDS, **thresholds}
    max_score = float(params["max_score"])
    if not 0.0 <= max_score <= 1.0:
        raise ValueError(f"max_score must be in [0, 1], got {max_score}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    if neighbor_similarity is not None and neighbor_indices is None:
        raise ValueError("neighbor_similarity was given without neighbor_indices")
    if all(
        a is None for a in (probs, dynamics_given, dynamics_correct, epoch_pred, neighbor_indices)
    ):
        raise ValueError(
            "label_issues needs at least one signal: probs, dynamics_given, dynamics_correct, "
            "epoch_pred or neighbor_indices"
        )
    labels = as_class_codes(labels, int(n_classes), name="labels")
    n = labels.shape[0]

    margins: list[np.ndarray] = []
    dists: list[np.ndarray] = []
    sources: list[str] = []
    if probs is not None:
        p = check_probabilities(probs, name="probs", n_classes=int(n_classes), ndim=2)
        if p.shape[0] != n:
            raise ValueError(f"probs has {p.shape[0]} rows, labels has {n}")
        p = p.astype(np.float64, copy=False)
        margins.append(_margin(p, labels))
        dists.append(p)
        sources.append("probs")
    if dynamics_given is not None or dynamics_correct is not None or epoch_pred is not None:
        m, d = _dynamics_source(
            labels, int(n_classes), dynamics_given, dynamics_correct, epoch_pred
        )
        if m is not None:
            margins.append(m)
            sources.append("dynamics")
        if d is not None:
            dists.append(d)
    if neighbor_indices is not None:
        m, d = _neighbor_source(labels, int(n_classes), neighbor_indices, neighbor_similarity)
        margins.append(m)
        dists.append(d)
        sources.append("neighbors")

    stacked = np.stack(margins)
    known = ~np.isnan(stacked)
    n_known = known.sum(axis=0)
    combined = np.where(known, stacked, 0.0).sum(axis=0) / np.maximum(n_known, 1)
    score = np.where(n_known > 0, (combined + 1.0) / 2.0, 1.0)

    if dists:
        # np.stack makes a fresh array: clean it in place, once (at 5M rows x 10 classes x
        # 2 sources each nan_to_num pass took ~1 s).
        all_dists = np.stack(dists)
        unknown = np.isnan(all_dists[..., 0])
        clean = np.nan_to_num(all_dists, copy=False)
        present = ~unknown & (clean.sum(axis=-1) > 0)
        mix = np.where(present[..., None], clean, 0.0).sum(axis=0)
        mix /= np.maximum(present.sum(axis=0), 1)[:, None]
        suggested = mix.argmax(axis=1).astype(np.int64)
        suggested[~present.any(axis=0)] = -1
        estimated = estimate_num_label_errors(labels, mix)
    else:
        mix = None
        suggested = np.full(n, -1, dtype=np.int64)
        estimated = n
    num = estimated if params["num_issues"] is None else int(params["num_issues"])
    order = np.argsort(score, kind="stable")
    is_issue = np.zeros(n, dtype=bool)
    is_issue[order[: max(num, 0)]] = True
    is_issue &= score < max_score

    rule = f"score < {max_score:g}"
    if mix is not None:
        rule = (
            f"the {estimated} lowest scores (confident-learning estimate of the errors) with "
            + rule
        )
    description = (
        f"likely mislabeled: score = (mean label margin of {', '.join(sources)} + 1) / 2; "
        f"flagged: {rule}"
    )
    return CheckResult(
        issue_type="label",
        is_issue=is_issue,
        score=score,
        description=description,
        extras={"suggested_label": suggested},
        params={**params, "sources": sources, "estimated_num_label_errors": estimated},
    )
