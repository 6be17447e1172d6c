"""Training dynamics from scikit-learn classifiers.

Three ways to see a scikit-learn model "after each epoch", chosen by what the
estimator supports:

- ``partial_fit`` (SGDClassifier, MLPClassifier, naive Bayes...): one pass over
  the data per epoch, then ``predict_proba`` on every sample.
- staged predictions (GradientBoostingClassifier, HistGradientBoostingClassifier,
  AdaBoostClassifier): one ``fit``, then ``staged_predict_proba`` yields the
  model after each boosting stage; every stage, or ``epochs`` evenly spaced
  ones, becomes an epoch.
- warm start (LogisticRegression, MLPClassifier): ``fit`` again and again with
  ``warm_start=True`` and a small ``max_iter``, each call continuing from the
  last coefficients.

:func:`record_sklearn` picks the strategy; the ``fit_*_with_dynamics``
functions run one strategy each. All train the estimator in place and return a
:class:`~nbdatalens.dynamics.TrainingDynamics` whose classes are
``estimator.classes_``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from nbdatalens.dynamics import TrainingDynamics

Strategy = Literal["auto", "partial_fit", "staged", "warm_start"]


def _take_rows(X: Any, rows: np.ndarray) -> Any:
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def _check_epochs(epochs: Any, *, optional: bool = False) -> int | None:
    if epochs is None and optional:
        return None
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    return int(epochs)


def _targets(X: Any, y: npt.ArrayLike) -> np.ndarray:
    targets = np.asarray(y)
    n = X.shape[0]
    if targets.shape != (n,):
        raise ValueError(f"y must be 1-D with one label per row of X ({n}), got {targets.shape}")
    return targets


def _require_proba(estimator: Any, suggestion: str) -> None:
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"estimator {type(estimator).__name__} has no predict_proba (the data map needs "
            f"probabilities); {suggestion}"
        )


def _recorder(
    estimator: Any,
    targets: np.ndarray,
    index: Sequence[Hashable] | pd.Index | None,
    keep_full: bool,
) -> TrainingDynamics:
    return TrainingDynamics(
        len(targets), list(estimator.classes_), targets, index=index, keep_full=keep_full
    )


def fit_partial_with_dynamics(
    estimator: Any,
    X: Any,
    y: npt.ArrayLike,
    *,
    epochs: int,
    classes: Sequence[Hashable] | None = None,
    batch_size: int | None = None,
    shuffle: bool = True,
    random_state: int | None = 0,
    index: Sequence[Hashable] | pd.Index | None = None,
    keep_full: bool = False,
) -> TrainingDynamics:
    """Train ``estimator`` with ``partial_fit``, recording ``predict_proba(X)`` after each epoch.

    Each epoch passes over all of ``X`` once (in mini-batches of ``batch_size``,
    or one call when None; rows shuffled per epoch when ``shuffle``), then
    records the predictions for every sample. Epochs are numbered from 0.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import SGDClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> rec = fit_partial_with_dynamics(SGDClassifier(loss="log_loss"), X, y, epochs=3)
        >>> rec.given_probs.shape
        (1797, 3)
    """
    missing = [m for m in ("partial_fit", "predict_proba") if not hasattr(estimator, m)]
    if missing:
        raise TypeError(
            f"estimator {type(estimator).__name__} has no {' or '.join(missing)}; "
            "use an incremental probabilistic classifier such as "
            "SGDClassifier(loss='log_loss') or MLPClassifier()"
        )
    n_epochs = _check_epochs(epochs)
    if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) < 1):
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    targets = _targets(X, y)
    n = len(targets)
    all_classes = np.unique(targets) if classes is None else np.asarray(classes)
    step = n if batch_size is None else int(batch_size)
    rng = np.random.default_rng(random_state)
    recorder: TrainingDynamics | None = None
    for epoch in range(n_epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, step):
            rows = order[start : start + step]
            # scikit-learn needs every class on the first call only.
            extra = {"classes": all_classes} if epoch == 0 and start == 0 else {}
            estimator.partial_fit(_take_rows(X, rows), targets[rows], **extra)
        if recorder is None:
            recorder = _recorder(estimator, targets, index, keep_full)
        recorder.record(epoch, estimator.predict_proba(X))
    assert recorder is not None
    return recorder


def _stage_count(estimator: Any) -> int:
    for attribute in ("n_iter_", "n_estimators_"):
        value = getattr(estimator, attribute, None)
        if value is not None:
            return int(value)
    if hasattr(estimator, "estimators_"):
        return len(estimator.estimators_)
    raise TypeError(
        f"cannot tell how many stages {type(estimator).__name__} fitted (no n_iter_, "
        "n_estimators_ or estimators_); pass epochs=None to record every stage"
    )


def fit_staged_with_dynamics(
    estimator: Any,
    X: Any,
    y: npt.ArrayLike,
    *,
    epochs: int | None = None,
    index: Sequence[Hashable] | pd.Index | None = None,
    keep_full: bool = False,
) -> TrainingDynamics:
    """Fit a boosting model once and record ``staged_predict_proba(X)`` as its epochs.

    Boosting adds one stage (tree) at a time, so the model after stage s plays
    the role of the model after epoch s. ``epochs=None`` records every stage;
    ``epochs=k`` records k evenly spaced stages ending with the final model
    (stage ``ceil(i * S / k)`` for i = 1..k, of S fitted stages). Epoch numbers
    are the stage numbers, counted from 1.

    Example:
        >>> from sklearn.ensemble import HistGradientBoostingClassifier
        >>> rec = fit_staged_with_dynamics(
        ...     HistGradientBoostingClassifier(max_iter=20), X, y, epochs=5)
        >>> rec.epochs
        (4, 8, 12, 16, 20)
    """
    if not hasattr(estimator, "staged_predict_proba"):
        raise TypeError(
            f"estimator {type(estimator).__name__} has no staged_predict_proba; staged "
            "recording needs a boosting model such as HistGradientBoostingClassifier"
        )
    n_epochs = _check_epochs(epochs, optional=True)
    targets = _targets(X, y)
    estimator.fit(X, targets)
    if n_epochs is None:
        wanted = None
    else:
        n_stages = _stage_count(estimator)
        if n_epochs > n_stages:
            raise ValueError(
                f"epochs={n_epochs} but {type(estimator).__name__} fitted only {n_stages} "
                "stages; ask for at most that many"
            )
        # Integer ceil(i * S / k): evenly spaced, and the last one is the final model.
        wanted = {-(-i * n_stages // n_epochs) for i in range(1, n_epochs + 1)}
    recorder = _recorder(estimator, targets, index, keep_full)
    for stage, probs in enumerate(estimator.staged_predict_proba(X), start=1):
        if wanted is None or stage in wanted:
            recorder.record(stage, probs)
    return recorder


def fit_warm_start_with_dynamics(
    estimator: Any,
    X: Any,
    y: npt.ArrayLike,
    *,
    epochs: int,
    max_iter_per_epoch: int = 1,
    index: Sequence[Hashable] | pd.Index | None = None,
    keep_full: bool = False,
) -> TrainingDynamics:
    """Train by repeated warm-started ``fit`` calls, recording ``predict_proba(X)`` after each.

    Each epoch is one ``fit`` with ``warm_start=True`` and
    ``max_iter=max_iter_per_epoch``, continuing from the previous coefficients:
    for MLPClassifier one ``max_iter`` is one pass over the data, for
    LogisticRegression one solver iteration. The convergence warnings these
    short fits raise are silenced, and the estimator's own ``warm_start`` and
    ``max_iter`` are put back afterwards (the fitted model stays). Epochs are
    numbered from 0.

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> rec = fit_warm_start_with_dynamics(LogisticRegression(), X, y, epochs=10)
    """
    from sklearn.exceptions import ConvergenceWarning

    name = type(estimator).__name__
    params = estimator.get_params(deep=False)
    if "warm_start" not in params or "max_iter" not in params:
        raise TypeError(
            f"estimator {name} has no warm_start and max_iter parameters; warm-start "
            "recording needs an iterative solver such as LogisticRegression or MLPClassifier"
        )
    if hasattr(estimator, "staged_predict_proba"):
        # There max_iter counts all stages so far, not the stages of one fit call.
        raise TypeError(f"estimator {name} grows by stages: record it with the staged strategy")
    if params.get("solver") == "liblinear":
        raise ValueError(
            f"{name}(solver='liblinear') ignores warm_start, so every epoch would start "
            "over; use solver='lbfgs' (the default) or 'saga'"
        )
    _require_proba(estimator, "use a probabilistic classifier")
    n_epochs = _check_epochs(epochs)
    if isinstance(max_iter_per_epoch, bool) or not isinstance(max_iter_per_epoch, int):
        raise TypeError(f"max_iter_per_epoch must be an int, got {max_iter_per_epoch!r}")
    if max_iter_per_epoch < 1:
        raise ValueError(f"max_iter_per_epoch must be at least 1, got {max_iter_per_epoch}")
    targets = _targets(X, y)
    saved = {"warm_start": params["warm_start"], "max_iter": params["max_iter"]}
    estimator.set_params(warm_start=True, max_iter=max_iter_per_epoch)
    recorder: TrainingDynamics | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for epoch in range(n_epochs):
                estimator.fit(X, targets)
                if recorder is None:
                    recorder = _recorder(estimator, targets, index, keep_full)
                recorder.record(epoch, estimator.predict_proba(X))
    finally:
        estimator.set_params(**saved)
    assert recorder is not None
    return recorder


_STRATEGIES = {
    "partial_fit": fit_partial_with_dynamics,
    "staged": fit_staged_with_dynamics,
    "warm_start": fit_warm_start_with_dynamics,
}


def sklearn_strategy(estimator: Any) -> str:
    """The strategy :func:`record_sklearn` uses for ``estimator``: ``"partial_fit"``,
    ``"staged"`` or ``"warm_start"``.

    Raises:
        TypeError: the estimator has no ``predict_proba``, or none of the three applies.
    """
    name = type(estimator).__name__
    _require_proba(
        estimator,
        "use a probabilistic classifier, e.g. SGDClassifier(loss='log_loss') or "
        "SVC(probability=True)",
    )
    if hasattr(estimator, "partial_fit"):
        return "partial_fit"
    if hasattr(estimator, "staged_predict_proba"):
        return "staged"
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    if "warm_start" in params and "max_iter" in params:
        return "warm_start"
    hint = (
        " For a Pipeline, transform X first and record the final classifier."
        if hasattr(estimator, "steps")
        else ""
    )
    raise TypeError(
        f"{name} cannot be recorded epoch by epoch: it has no partial_fit, no "
        "staged_predict_proba, and no warm_start with max_iter. Use an incremental model "
        "(SGDClassifier(loss='log_loss'), MLPClassifier), gradient boosting, or "
        "LogisticRegression." + hint
    )


def record_sklearn(
    estimator: Any,
    X: Any,
    y: npt.ArrayLike,
    *,
    epochs: int | None = None,
    strategy: Strategy = "auto",
    index: Sequence[Hashable] | pd.Index | None = None,
    keep_full: bool = False,
    **options: Any,
) -> TrainingDynamics:
    """Train ``estimator`` on ``X``, ``y`` and record its probabilities after every epoch.

    ``strategy="auto"`` picks ``partial_fit`` when the estimator has it, else
    staged predictions (boosting), else warm start (see :func:`sklearn_strategy`);
    name one to force it. ``epochs`` is required except for staged recording,
    where None means every stage. ``options`` go to the strategy's function:
    ``batch_size``, ``shuffle``, ``random_state``, ``classes`` for
    :func:`fit_partial_with_dynamics`; ``max_iter_per_epoch`` for
    :func:`fit_warm_start_with_dynamics`.

    Example:
        >>> from sklearn.ensemble import GradientBoostingClassifier
        >>> rec = record_sklearn(GradientBoostingClassifier(n_estimators=50), X, y, epochs=10)
        >>> lens = DataLens(df, dynamics=rec)
    """
    if strategy == "auto":
        chosen = sklearn_strategy(estimator)
    elif strategy in _STRATEGIES:
        chosen = strategy
    else:
        raise ValueError(
            f"strategy must be 'auto', 'partial_fit', 'staged' or 'warm_start', got {strategy!r}"
        )
    run = _STRATEGIES[chosen]
    accepted = set(inspect.signature(run).parameters) - {"estimator", "X", "y"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        own = sorted(accepted - {"epochs", "index", "keep_full"})
        raise TypeError(
            f"{unknown} do not apply to the {chosen} strategy used for "
            f"{type(estimator).__name__}; it takes {own}"
        )
    if epochs is None and chosen != "staged":
        raise ValueError(f"epochs= is required for the {chosen} strategy")
    return run(estimator, X, y, epochs=epochs, index=index, keep_full=keep_full, **options)
