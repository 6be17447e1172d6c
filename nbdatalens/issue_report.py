"""The issue checks of one lens: run them (now or in the background), keep the results.

:class:`IssueReport` turns a :class:`~nbdatalens.table.SampleTable` into the
runner's inputs, runs the checks (:func:`nbdatalens.issues.runner.run_checks`)
and keeps what they found: ``summary`` (one row per check, those that could
not run included), ``frame`` (``is_<type>_issue``, ``<type>_score`` and the
extras, indexed by sample id) and the flagged ids per type, most severe first.
Listeners hear each state change (a check starts, finishes), from whatever
thread runs the checks, so a view can fill in as they finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .background import background_work
from .issues.base import CheckResult, NotRun

if TYPE_CHECKING:
    from .table import SampleTable

#: How the Issues view names each check (others: the type with spaces).
ISSUE_LABELS = {
    "label": "likely mislabeled",
    "near_duplicate": "near duplicates",
    "exact_duplicate": "exact duplicates",
    "outlier": "outliers",
    "class_imbalance": "rare classes",
    "label_split": "label split in two",
    "underperforming_group": "underperforming group",
    "coverage": "split coverage",
    "corrupt": "corrupt files",
    "low_information": "blank images",
    "odd_size": "odd size",
    "odd_aspect_ratio": "odd aspect ratio",
    "low_volume": "quiet audio",
    "empty_text": "empty text",
    "non_text": "not text",
}
#: The short names of the gallery's tile badges (others: the label).
ISSUE_BADGES = {
    "label": "label?",
    "near_duplicate": "near dup",
    "exact_duplicate": "duplicate",
    "label_split": "split class",
    "underperforming_group": "weak slice",
    "coverage": "uncovered",
    "class_imbalance": "rare class",
    "corrupt": "corrupt",
    "corrupt_audio": "corrupt",
    "low_information": "blank",
    "odd_size": "odd size",
    "odd_aspect_ratio": "odd shape",
    "low_volume": "quiet",
    "empty_text": "empty",
    "non_text": "not text",
}
#: The tag "tag all" gives a check's flagged samples (others: the issue type).
ISSUE_TAGS = {
    "label": "mislabeled",
    "near_duplicate": "duplicate",
    "exact_duplicate": "duplicate",
    "label_split": "ambiguous",
    **{
        t: "bad-sample"
        for t in (
            "outlier",
            "corrupt",
            "low_information",
            "dark",
            "light",
            "blurry",
            "odd_size",
            "odd_aspect_ratio",
            "grayscale",
            "silent",
            "truncated",
            "clipped",
            "low_volume",
            "empty_text",
            "non_text",
        )
    },
}

Listener = Callable[[], None]


def issue_label(issue_type: str) -> str:
    return ISSUE_LABELS.get(issue_type, issue_type.replace("_", " "))


def issue_badge(issue_type: str) -> str:
    return ISSUE_BADGES.get(issue_type, issue_label(issue_type))


def issue_tag(issue_type: str) -> str:
    return ISSUE_TAGS.get(issue_type, issue_type.replace("_", "-"))


class IssueReport:
    """The issue checks of one table, their progress and their results."""

    def __init__(self, table: SampleTable) -> None:
        self.table = table
        self._lock = threading.RLock()
        self._results: dict[str, CheckResult | NotRun] = {}
        #: issue_type → "waiting" | "running" | "done" | "not run", in run order
        self.states: dict[str, str] = {}
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        #: What a queued background run waits for (see :meth:`start`).
        self._go: threading.Event | None = None
        self._error: BaseException | None = None
        self._frame: pd.DataFrame | None = None
        self.ran = False

    # ------------------------------------------------------------ listeners
    def observe(self, listener: Listener) -> None:
        """Call ``listener()`` after every state change (from the thread that runs the checks)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a broken view must not stop the checks
                pass

    # -------------------------------------------------------------- running
    def _inputs(self) -> Any:
        from .issues.runner import IssueInputs

        return IssueInputs.from_table(self.table)

    def run(
        self,
        issue_types: Iterable[str] | None = None,
        *,
        progress: bool | None = None,
        **params: Any,
    ) -> None:
        """Run the checks now (blocking); replaces earlier results of the same types.

        ``progress``: a progress bar in plain Python (see :mod:`nbdatalens.progress`)."""
        self._run(None if issue_types is None else list(issue_types), progress, params)

    def _run(
        self,
        only: list[str] | None,
        progress: bool | None,
        params: dict[str, Any],
        after: threading.Event | None = None,
        at_most: float = 0.0,
    ) -> None:
        """:meth:`run`; with ``after``, the planned checks wait, queued, for it (see
        :meth:`start`)."""
        from .issues.runner import planned_checks, run_checks
        from .progress import bar

        inputs = self._inputs()
        planned = self._queue(planned_checks(inputs, only))
        if after is not None:
            after.wait(at_most)

        def store(result: CheckResult | NotRun) -> None:
            with self._lock:
                self._results[result.issue_type] = result
                self._frame = None

        with bar(len(planned), "issue checks", progress=progress, unit="check") as shown:

            def on_state(issue_type: str, state: str) -> None:
                with self._lock:
                    self.states[issue_type] = state
                self._changed()
                if state == "running":
                    shown.set_postfix_str(issue_type, refresh=False)
                elif issue_type in planned:  # not the checks the roles rule out
                    shown.update(1)

            run_checks(inputs, only=only, params=params or None, progress=on_state, on_result=store)
        with self._lock:
            self.ran = True
        self._changed()

    def _queue(self, planned: list[str]) -> list[str]:
        """Mark ``planned`` checks as waiting (the Issues view says "queued")."""
        with self._lock:
            for issue_type in planned:
                self.states[issue_type] = "waiting"
        self._changed()
        return planned

    def start(self, *, after: threading.Event | None = None, at_most: float = 10.0) -> None:
        """Run every check in a background thread (once); ``wait()`` joins it. The views
        show its progress, so it draws no progress bar.

        With ``after``, the checks are queued at once but run only when the event is set
        (``show()`` sets it when the page has drawn its views: the checks would compete
        with drawing for the GIL and the CPU), or ``at_most`` seconds later, or as soon as
        anyone ``wait()``s for them."""
        with self._lock:
            if self.ran or self._thread is not None:
                return
            self._go = after

            def target() -> None:
                try:
                    with background_work():  # the page the user works in comes first
                        self._run(None, False, {}, after, at_most)
                except BaseException as exc:  # surfaced by wait()
                    self._error = exc

            self._thread = threading.Thread(target=target, name="nbdatalens-issues", daemon=True)
            self._thread.start()

    def wait(self, *, progress: bool | None = False) -> None:
        """Block until a background run has finished; re-raise its error, if any.
        ``progress=None`` / ``True``: a progress bar while waiting."""
        thread = self._thread
        if self._go is not None:
            self._go.set()  # a queued run starts now: someone is waiting for it
        if thread is not None and thread.is_alive():
            from .progress import bar

            with self._lock:
                planned = [t for t, s in self.states.items() if s in ("waiting", "running")]
            with bar(len(planned), "issue checks", progress=progress, unit="check") as shown:
                while thread.is_alive():
                    thread.join(0.2)
                    with self._lock:
                        finished = sum(self.states[t] in ("done", "not run") for t in planned)
                    if finished > shown.n:
                        shown.update(finished - shown.n)
        if thread is not None:
            thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -------------------------------------------------------------- results
    def results(self) -> list[CheckResult | NotRun]:
        with self._lock:
            return list(self._results.values())

    def result(self, issue_type: str) -> CheckResult:
        with self._lock:
            found = self._results.get(issue_type)
            known = list(self._results)
        if found is None:
            raise KeyError(
                f"no issue check {issue_type!r} has run; checks: {', '.join(known) or 'none yet'}"
            )
        if isinstance(found, NotRun):
            raise ValueError(f"the {issue_type!r} check did not run: {found.reason}")
        return found

    def summary(self) -> pd.DataFrame:
        from .issues.runner import summary_frame

        return summary_frame(self.results(), self.table.n)

    def frame(self) -> pd.DataFrame:
        """``is_<type>_issue``, ``<type>_score`` and the extras of every check that ran.

        ``suggested_label`` holds class values (``"yes"``, not the check's class
        code 9; missing where unknown), ready for ``lens.relabel``.
        """
        from .issues.runner import issues_frame

        with self._lock:
            if self._frame is None:
                frame = issues_frame(self.results(), self.table.df.index)
                if "suggested_label" in frame:
                    frame["suggested_label"] = self._class_values(frame["suggested_label"])
                self._frame = frame
            return self._frame

    def _class_values(self, codes: pd.Series) -> pd.Series:
        """Class codes (-1 = unknown) as the table's class values (None where unknown)."""
        values = np.asarray([*self.table.classes, None], dtype=object)  # code -1 → None
        array = codes.to_numpy(dtype=np.int64)
        return pd.Series(values[np.where(array >= 0, array, -1)], index=codes.index, dtype=object)

    def ranked_positions(self, issue_type: str) -> np.ndarray:
        """Row positions flagged by a check, most severe first."""
        return self.result(issue_type).ranked()

    def view_state(self) -> list[dict[str, Any]]:
        """One entry per check in run order, for the Issues view (no arrays)."""
        n = max(self.table.n, 1)
        out = []
        with self._lock:
            for issue_type, state in self.states.items():
                found = self._results.get(issue_type) if state in ("done", "not run") else None
                count = found.num_issues if isinstance(found, CheckResult) else 0
                out.append(
                    {
                        "issue_type": issue_type,
                        "label": issue_label(issue_type),
                        "badge": issue_badge(issue_type),
                        "num_issues": count,
                        "share": count / n,
                        "state": state,
                        "status": (
                            f"not run: {found.reason}"
                            if isinstance(found, NotRun)
                            else ("done" if found is not None else "")
                        ),
                        "description": found.description if found is not None else "",
                        "tag": issue_tag(issue_type),
                    }
                )
        # Checks that found something first (in run order: the most useful first),
        # then those that found nothing, then those still to come, then those not run.
        rank = {"done": 1, "running": 2, "waiting": 2, "not run": 3}
        return sorted(
            out, key=lambda d: 0 if d["state"] == "done" and d["num_issues"] else rank[d["state"]]
        )
