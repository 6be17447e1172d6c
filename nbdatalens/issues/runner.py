"""Run every issue check the inputs allow; collect the results into two frames.

The registry :data:`CHECKS` is an ordered list: the summary follows its order,
most useful first (``label`` leads). A check is a plain function; the runner
calls it with keyword arguments taken, by parameter name, from
:class:`IssueInputs` (``labels``, ``probs``, ``embedding``, ``knn``,
``hashes``, ...), or the whole ``inputs`` for a parameter named ``inputs``,
plus the user's ``params`` for that check. So a new check only has to be
registered::

    from nbdatalens.issues.runner import register
    register("corrupt_image", needs=("media:image",), fn=corrupt_image)

The ``label`` check gets the embedding neighbours from the shared index
(``knn.self_neighbors``); each media check reads the features of its column,
decoded once per role (:func:`nbdatalens.issues.media.media_features`).
"""

from __future__ import annotations

import inspect
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..neighbors import KnnIndex
from .balance import class_imbalance
from .base import CheckResult, NotRun
from .coverage import coverage
from .duplicates import content_hashes, exact_duplicate, near_duplicate
from .groups import underperforming_group
from .label_split import label_split
from .labels import label_issues
from .media import MEDIA_CHECKS, media_features
from .outliers import outlier

Progress = Callable[[str, str], Any]

#: Embedding neighbours the ``label`` check weighs (the shared index's self-kNN).
LABEL_NEIGHBORS = 10

#: What each kind of need means, for "not run: needs ..." reasons.
NEED_TEXT = {
    "labels": "labels",
    "probs": "probabilities",
    "pred": "predictions or probabilities",
    "dynamics": "training dynamics",
    "epoch_pred": "per-epoch predictions",
    "embedding": "an embedding",
    "split": "a split column",
    "media": "image, audio or text cells",
}
#: How the content of each media role is hashed (``duplicates.content_hash`` kinds).
HASH_KIND = {"image": "auto", "audio": "auto", "text": "text"}


@dataclass
class IssueInputs:
    """The row-aligned arrays the checks read (all optional but ``labels``).

    ``knn`` is the one :class:`~nbdatalens.neighbors.KnnIndex` of ``embedding``,
    built on first use and shared by every check; ``hashes`` the content hashes
    of each media role, also computed once.
    """

    labels: np.ndarray
    n_classes: int | None = None
    class_names: list[str] | None = None
    probs: np.ndarray | None = None
    pred: np.ndarray | None = None
    dynamics_given: np.ndarray | None = None
    dynamics_correct: np.ndarray | None = None
    epoch_pred: np.ndarray | None = None
    embedding: np.ndarray | None = None
    split: np.ndarray | None = None
    media: dict[str, Any] = field(default_factory=dict)
    #: the audio column's sample rate: one for all, one per row, or None
    sample_rate: Any = None
    knn_method: str = "auto"

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if self.labels.ndim != 1:
            raise ValueError(f"labels must be one code per sample, got shape {self.labels.shape}")
        n = len(self.labels)
        if self.n_classes is None:
            width = self.probs.shape[1] if self.probs is not None else 0
            self.n_classes = int(max(width, self.labels.max() + 1 if n else 0))
        if self.class_names is None:
            self.class_names = [str(c) for c in range(self.n_classes)]
        if self.pred is None and self.probs is not None:
            self.pred = np.asarray(self.probs).argmax(axis=1)
        for name in ("probs", "pred", "dynamics_given", "dynamics_correct", "epoch_pred",
                     "embedding", "split"):  # fmt: skip
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"{name} has {len(value)} rows for {n} labels")
        self.media = {k: v for k, v in (self.media or {}).items() if v is not None}
        self._lock = threading.Lock()
        self._knn: KnnIndex | None = None
        self._hashes: dict[str, np.ndarray] | None = None
        self._features: dict[str, pd.DataFrame] = {}

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def knn(self) -> KnnIndex | None:
        """The shared kNN index of the embedding (None without an embedding)."""
        if self.embedding is None:
            return None
        with self._lock:
            if self._knn is None:
                self._knn = KnnIndex(self.embedding, method=self.knn_method)
            return self._knn

    @knn.setter
    def knn(self, index: KnnIndex) -> None:
        self._knn = index

    @property
    def hashes(self) -> dict[str, np.ndarray]:
        """Content hashes per media role (``duplicates.content_hashes``), computed once."""
        with self._lock:
            if self._hashes is None:
                self._hashes = {
                    role: content_hashes(values, HASH_KIND.get(role, "auto"))
                    for role, values in self.media.items()
                }
            return self._hashes

    def features(self, role: str) -> pd.DataFrame:
        """The media features of one role's column (decoded once, then shared by its checks)."""
        with self._lock:
            if role not in self._features:
                rate = self.sample_rate if role == "audio" else None
                self._features[role] = media_features(self.media[role], role, rate)  # type: ignore[arg-type]
            return self._features[role]

    @classmethod
    def from_table(cls, table: Any, **overrides: Any) -> IssueInputs:
        """The inputs of a :class:`~nbdatalens.table.SampleTable`: its arrays, split names,
        media cells and sample rates; the table's own kNN index is shared, not rebuilt."""
        from ..validation import SPLITS

        split = None
        if table.split_codes is not None:
            split = np.asarray(SPLITS, dtype=object)[table.split_codes]
        media = {}
        for role in ("image", "audio", "text"):
            src = table.roles[role]
            if src is not None:
                media[role] = (
                    src.value if src.columns is None else table.df[src.columns[0]].to_numpy(object)
                )
        rate_src = table.roles["sample_rate"]
        rate = None
        if rate_src is not None:
            rate = (
                rate_src.value
                if rate_src.columns is None
                else table.df[rate_src.columns[0]].to_numpy()
            )
        kw: dict[str, Any] = {
            "labels": table.label_codes,
            # the probabilities' classes; a class only ever predicted has a larger code
            "n_classes": table.n_label_classes,
            "class_names": [str(c) for c in table.classes[: table.n_label_classes]],
            "probs": table.probs,
            "pred": table.pred_codes,
            "dynamics_given": table.dynamics_given,
            "dynamics_correct": table.dynamics_correct,
            "epoch_pred": getattr(table, "epoch_pred", None),
            "embedding": table.embedding,
            "split": split,
            "media": media,
            "sample_rate": rate,
        }
        kw.update(overrides)
        inputs = cls(**kw)
        if table.embedding is not None and "embedding" not in overrides:
            inputs.knn = table.knn()
        return inputs

    def has(self, need: str) -> bool:
        """Whether one need (a key of :data:`NEED_TEXT`, or ``media:<role>``) is met."""
        if need == "dynamics":
            return self.dynamics_given is not None
        if need == "media":
            return bool(self.media)
        if need.startswith("media:"):
            return need[6:] in self.media
        return getattr(self, need, None) is not None


Need = str | tuple[str, ...]


@dataclass(frozen=True)
class Check:
    """One registered check: its type, what it needs, the function (None = not available)."""

    issue_type: str
    needs: tuple[Need, ...]
    fn: Callable[..., CheckResult] | None
    unavailable: str = ""


#: The registry, in summary order (most severe / most useful first).
CHECKS: list[Check] = []
_registry_lock = threading.RLock()


def register(
    issue_type: str,
    needs: Iterable[Need],
    fn: Callable[..., CheckResult] | None,
    *,
    before: str | None = None,
    unavailable: str = "",
) -> Check:
    """Add a check (or replace the one of the same type, keeping its place).

    ``needs``: names of :class:`IssueInputs` arrays (see :data:`NEED_TEXT`;
    ``"media:image"`` for one media role); a tuple inside means "any of these".
    ``before``: insert ahead of that issue type (default: at the end).
    """
    check = Check(issue_type, tuple(needs), fn, unavailable)
    with _registry_lock:
        for i, old in enumerate(CHECKS):
            if old.issue_type == issue_type:
                CHECKS[i] = check
                return check
        pos = next((i for i, c in enumerate(CHECKS) if c.issue_type == before), len(CHECKS))
        CHECKS.insert(pos, check)
    return check


def _need_text(need: Need) -> str:
    if isinstance(need, tuple):
        parts = [_need_text(n) for n in need]
        return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]
    if need.startswith("media:"):
        return f"{'an' if need[6:8] in ('im', 'au') else 'a'} {need[6:]} column"
    return NEED_TEXT.get(need, need)


def missing_reason(check: Check, inputs: IssueInputs) -> str:
    """``"needs an embedding"`` etc. when the inputs lack something, else ``""``."""
    missing = [
        n
        for n in check.needs
        if not (any(inputs.has(m) for m in n) if isinstance(n, tuple) else inputs.has(n))
    ]
    return "needs " + " and ".join(_need_text(n) for n in missing) if missing else ""


def call_check(fn: Callable[..., CheckResult], inputs: IssueInputs, params: Mapping) -> Any:
    """Call ``fn`` with the inputs its parameters name, plus ``params``."""
    kwargs: dict[str, Any] = {}
    open_ended = False
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind == p.VAR_KEYWORD:
            open_ended = True  # thresholds the function takes as **kwargs
            continue
        if p.kind == p.VAR_POSITIONAL:
            continue
        if name in params:
            kwargs[name] = params[name]
        elif name == "inputs":
            kwargs[name] = inputs
        elif name in ("knn", "hashes") or (name != "media" and hasattr(inputs, name)):
            kwargs[name] = getattr(inputs, name)
        elif name == "media":
            kwargs[name] = inputs.media
    unknown = set(params) - set(kwargs)
    if open_ended:
        kwargs.update({name: params[name] for name in unknown})
    elif unknown:
        raise TypeError(f"unknown parameters {sorted(unknown)}")
    return fn(**kwargs)


def _notify(progress: Progress | None, issue_type: str, state: str) -> None:
    if progress is None:
        return
    try:
        progress(issue_type, state)
    except Exception as e:  # a broken view must not stop the checks
        warnings.warn(f"progress callback failed for {issue_type!r}: {e}", stacklevel=3)


def available_checks() -> list[Check]:
    """The registry in summary order."""
    with _registry_lock:
        return list(CHECKS)


def planned_checks(inputs: IssueInputs, only: Iterable[str] | None = None) -> list[str]:
    """The issue types :func:`run_checks` will run on ``inputs`` (their needs are met)."""
    wanted = None if only is None else set(only)
    return [
        c.issue_type
        for c in available_checks()
        if (wanted is None or c.issue_type in wanted)
        and c.fn is not None
        and not missing_reason(c, inputs)
    ]


def run_checks(
    inputs: IssueInputs,
    only: Iterable[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
    on_result: Callable[[CheckResult | NotRun], Any] | None = None,
) -> list[CheckResult | NotRun]:
    """Run the registered checks in order; one result (or ``NotRun``) per check.

    ``only``: issue types to run (default all); ``params``: issue type → keyword
    arguments of that check (thresholds). ``progress(issue_type, state)`` is called
    with ``"running"`` before and ``"done"`` / ``"not run"`` after each check, from
    the thread that runs the checks (this function may run in a background thread).
    A check that raises becomes ``NotRun(type, "failed: <error>")``.
    ``on_result(result)`` hears each result as soon as it exists, before the
    "done" / "not run" progress call, so a listener that reads results when told
    "done" finds them.
    """
    checks = available_checks()
    params = dict(params or {})
    names = [c.issue_type for c in checks]
    wanted = None if only is None else list(only)
    for name in [*(wanted or []), *params]:
        if name not in names:
            raise ValueError(f"unknown issue type {name!r}; known: {names}")
    results: list[CheckResult | NotRun] = []
    for check in checks:
        if wanted is not None and check.issue_type not in wanted:
            continue
        if check.fn is None:
            why = check.unavailable or "not available"
        else:
            why = missing_reason(check, inputs)
        if why:
            result: CheckResult | NotRun = NotRun(check.issue_type, why)
        else:
            _notify(progress, check.issue_type, "running")
            try:
                result = call_check(check.fn, inputs, params.get(check.issue_type, {}))
                if not isinstance(result, CheckResult) or len(result.score) != inputs.n:
                    raise TypeError(f"returned {type(result).__name__}, not a CheckResult of N")
            except Exception as e:
                result = NotRun(check.issue_type, f"failed: {type(e).__name__}: {e}")
        if on_result is not None:
            on_result(result)
        _notify(
            progress, check.issue_type, "done" if isinstance(result, CheckResult) else "not run"
        )
        results.append(result)
    return results


def summary_frame(results: Sequence[CheckResult | NotRun], n: int) -> pd.DataFrame:
    """One row per check: issue_type, num_issues, share, status, description, details."""
    rows = []
    for r in results:
        done = isinstance(r, CheckResult)
        rows.append(
            {
                "issue_type": r.issue_type,
                "num_issues": r.num_issues if done else pd.NA,
                "share": r.num_issues / n if done and n else (0.0 if done else np.nan),
                "status": "done" if done else f"not run: {r.reason}",
                "description": r.description,
                "details": r.details if done else None,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["issue_type", "num_issues", "share", "status", "description", "details"]
    )
    frame["num_issues"] = frame["num_issues"].astype("Int64")
    return frame


def issues_frame(results: Sequence[CheckResult | NotRun], index: pd.Index) -> pd.DataFrame:
    """Per sample: ``is_<type>_issue``, ``<type>_score`` and the extras of every check that ran."""
    cols: dict[str, np.ndarray] = {}
    for r in results:
        if not isinstance(r, CheckResult):
            continue
        named = {f"is_{r.issue_type}_issue": r.is_issue, f"{r.issue_type}_score": r.score}
        named.update(r.extras)
        for name, values in named.items():
            if name in cols:
                raise ValueError(f"column {name!r} comes from two checks")
            if len(values) != len(index):
                raise ValueError(f"{name}: {len(values)} values for {len(index)} rows")
            cols[name] = np.asarray(values)
    return pd.DataFrame(cols, index=index)


# ---------------------------------------------------------------- the registry
def _label(inputs: IssueInputs, **thresholds: Any) -> CheckResult:
    """``label_issues`` with every signal the inputs hold, neighbours from the shared index."""
    indices = similarity = None
    knn = inputs.knn
    if knn is not None and knn.n > 1:
        indices, similarity = knn.self_neighbors(min(LABEL_NEIGHBORS, knn.n - 1))
    return label_issues(
        inputs.labels,
        inputs.probs,
        dynamics_given=inputs.dynamics_given,
        dynamics_correct=inputs.dynamics_correct,
        epoch_pred=inputs.epoch_pred,
        neighbor_indices=indices,
        neighbor_similarity=similarity,
        n_classes=int(inputs.n_classes or 1),
        **thresholds,
    )


def _media_check(role: str, check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    def run(inputs: IssueInputs, **thresholds: Any) -> CheckResult:
        return check(inputs.features(role), **thresholds)

    run.__doc__ = check.__doc__
    return run


register("label", (("probs", "dynamics", "embedding"),), _label)
register("exact_duplicate", ("media",), exact_duplicate)
register("near_duplicate", ("embedding",), near_duplicate)
register("outlier", ("embedding",), outlier)
register("label_split", ("embedding",), label_split)
register("underperforming_group", ("embedding", "pred"), underperforming_group)
register("coverage", ("embedding", "split"), coverage)
register("class_imbalance", (), class_imbalance)
for _type, _role, _check in MEDIA_CHECKS:
    register(_type, (f"media:{_role}",), _media_check(_role, _check))
