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

Modules in :data:`OPTIONAL_MODULES` are imported on the first run, when they
exist; they may call :func:`register` at import time. ``nbdatalens.issues.labels``
is wired in as ``label`` through its ``label_issues`` function unless it
registers ``label`` itself; until it exists ``label`` is reported as not run.
"""

from __future__ import annotations

import importlib
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
from .outliers import outlier

Progress = Callable[[str, str], Any]

#: Modules imported (when present) before the first run; they may register checks.
OPTIONAL_MODULES = ("nbdatalens.issues.labels", "nbdatalens.issues.media_checks")

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

    @classmethod
    def from_table(cls, table: Any, **overrides: Any) -> IssueInputs:
        """The inputs of a :class:`~nbdatalens.table.SampleTable` (with split / media if any)."""
        given = getattr(table, "dynamics_given", None)
        kw: dict[str, Any] = {
            "labels": table.label_codes,
            "n_classes": len(table.classes),
            "class_names": [str(c) for c in table.classes],
            "probs": table.probs,
            "pred": table.pred_codes,
            "dynamics_given": given,
            "dynamics_correct": getattr(table, "dynamics_correct", None),
            "epoch_pred": getattr(table, "epoch_pred", None),
            "embedding": table.embedding,
            "split": getattr(table, "split", None),
            "media": dict(getattr(table, "media", None) or {}),
        }
        kw.update(overrides)
        return cls(**kw)

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
_optional_loaded = False
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


def _load_optional() -> None:
    global _optional_loaded
    with _registry_lock:
        if _optional_loaded:
            return
        _optional_loaded = True
        for name in OPTIONAL_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as e:
                if e.name != name:
                    warnings.warn(f"{name} could not be imported: {e}", stacklevel=2)
                continue
            fn = getattr(module, "label_issues", None)
            label = next((c for c in CHECKS if c.issue_type == "label"), None)
            if fn is not None and (label is None or label.fn is None):
                register("label", (("probs", "dynamics", "embedding"),), fn, before=None)


def call_check(fn: Callable[..., CheckResult], inputs: IssueInputs, params: Mapping) -> Any:
    """Call ``fn`` with the inputs its parameters name, plus ``params``."""
    kwargs: dict[str, Any] = {}
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
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
    if unknown:
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
    """The registry in summary order, after the optional modules were loaded."""
    _load_optional()
    with _registry_lock:
        return list(CHECKS)


def run_checks(
    inputs: IssueInputs,
    only: Iterable[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> list[CheckResult | NotRun]:
    """Run the registered checks in order; one result (or ``NotRun``) per check.

    ``only``: issue types to run (default all); ``params``: issue type → keyword
    arguments of that check (thresholds). ``progress(issue_type, state)`` is called
    with ``"running"`` before and ``"done"`` / ``"not run"`` after each check, from
    the thread that runs the checks (this function may run in a background thread).
    A check that raises becomes ``NotRun(type, "failed: <error>")``.
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
register("label", (), None, unavailable="not available yet: needs nbdatalens.issues.labels")
register("exact_duplicate", ("media",), exact_duplicate)
register("near_duplicate", ("embedding",), near_duplicate)
register("outlier", ("embedding",), outlier)
register("label_split", ("embedding",), label_split)
register("underperforming_group", ("embedding", "pred"), underperforming_group)
register("coverage", ("embedding", "split"), coverage)
register("class_imbalance", (), class_imbalance)
