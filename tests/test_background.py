"""Background work lowers its thread's CPU priority (per-thread nice on Linux) and runs
the native thread pools on that thread."""

from __future__ import annotations

import os
import sys
import threading

import pandas as pd
import pytest

from nbdatalens.background import lower_thread_priority

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux")


def _priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux
def test_lowers_only_the_calling_thread():
    main_before = _priority()
    seen: dict[str, int] = {}

    def worker() -> None:
        seen["before"] = _priority()
        seen["lowered"] = int(lower_thread_priority(5))
        seen["after"] = _priority()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["lowered"] == 1
    assert seen["after"] == min(19, seen["before"] + 5)
    assert _priority() == main_before  # the kernel's main thread keeps its priority


@linux
def test_the_issue_checks_run_in_a_lowered_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    from nbdatalens import DataLens, issue_report

    seen: list[int] = []
    pools: list[int] = []
    real = issue_report.IssueReport._run

    def spy(self, *args, **kwargs):
        seen.append(_priority())
        pools.extend(p["num_threads"] for p in threadpool_info())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(issue_report.IssueReport, "_run", spy)

    df = pd.DataFrame({"label": ["a", "b"] * 20, "pred": ["a", "a"] * 20})
    lens = DataLens(df)
    lens.report.start()
    lens.report.wait()
    assert seen and seen[0] > _priority()
    assert pools and set(pools) == {1}  # BLAS / OpenMP run on the lowered thread only
    assert all(p["num_threads"] >= 1 for p in threadpool_info())
